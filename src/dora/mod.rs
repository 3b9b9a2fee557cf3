//! The DORA keys, computed from events. Pure: no I/O, no clock (`now` is a parameter).
//!
//! Definitions follow the README's "The metrics" section. Every figure is computed from de-duplicated
//! events and from sorted or grouped data only, so the result does not depend on the order
//! in which sources delivered the events.

mod events;
mod fxhash;
mod keys;
mod names;
mod quality;
mod rework;
mod samples;
pub mod scores;
mod series;
mod services;
mod trend;
mod weekly;

use std::time::Duration;

use serde::Serialize;

use crate::model::{DoraEvents, Timestamp};
use events::{
    Apps, DeploymentIndex, Micros, Window, attribute, distinct_incidents, first_deliveries,
};
pub use quality::{
    DataQuality, KEY_NAMES, LOW_SAMPLE, LowSample, NotAvailable, samples_and_reasons,
};
pub use rework::{ReworkRule, ReworkRules};
use samples::Samples;
pub use scores::{GroupScore, Industry, KeyScore, MeanSd, Scores};
pub use series::{MAX_SERIES_DAYS, Series};
pub use services::ServiceReport;
pub use trend::{Difference, Direction, Trend, Trends};
pub use weekly::{TREND_WEEKS, TrendKey, Week, Weekly, weekly, weekly_with};

/// Why deployment frequency and change failure rate are N/A.
pub const NO_DEPLOYMENTS: &str = "no deployments in window";
/// Why lead time is N/A.
pub const NO_DELIVERED_CHANGES: &str = "no changes with a matching deployment in window";
/// Why time to restore is N/A.
pub const NO_RESOLVED_INCIDENTS: &str = "no incidents resolved in window";
/// Why failed deployment recovery time is N/A.
pub const NO_RECOVERED_DEPLOYMENTS: &str = "no failed deployment recovered in window";

const HOUR_SECONDS: f64 = 3_600.0;
const DAY_SECONDS: f64 = 86_400.0;
const WEEK_SECONDS: f64 = 7.0 * DAY_SECONDS;
/// "Per month" and "per 6 months" for deployment frequency (lead time's 6 months are 182 days).
const MONTH: Duration = Duration::from_secs(30 * 86_400);
const HALF_YEAR: Duration = Duration::from_secs(182 * 86_400 + 43_200);

/// Which published tier thresholds are in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Benchmark {
    #[serde(rename = "2023")]
    Dora2023,
    #[serde(rename = "2021")]
    Dora2021,
}

impl Benchmark {
    pub fn parse(word: &str) -> Option<Benchmark> {
        match word.trim() {
            "2023" => Some(Benchmark::Dora2023),
            "2021" => Some(Benchmark::Dora2021),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Benchmark::Dora2023 => "2023",
            Benchmark::Dora2021 => "2021",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Elite,
    High,
    Medium,
    Low,
}

impl Tier {
    pub fn word(self) -> &'static str {
        match self {
            Tier::Elite => "elite",
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentFrequency {
    pub deployments: usize,
    pub per_day: Option<f64>,
    pub deploy_days_per_week: Option<f64>,
    /// Median deploys on the days with a deploy (of the window's whole weeks).
    pub median_per_deploy_day: Option<f64>,
    pub tier: Option<Tier>,
    /// Why the figure is N/A, when it is.
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadTime {
    pub n: usize,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangeFailureRate {
    pub deployments: usize,
    pub failed: usize,
    pub ratio: Option<f64>,
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimeToRestore {
    pub n: usize,
    pub median_seconds: Option<f64>,
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

/// Rework deployments by the rule that made each one rework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByRule {
    pub fix: usize,
    pub rollback: usize,
    pub marked: usize,
}

/// The share of deployments in the window that were unplanned rework.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentReworkRate {
    pub deployments: usize,
    pub rework: usize,
    pub ratio: Option<f64>,
    pub by_rule: ByRule,
    pub missing: Option<&'static str>,
}

/// For each failed deployment recovered in the window: its last attributed incident's
/// resolution minus the deployment's finish.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedDeploymentRecoveryTime {
    pub n: usize,
    pub median_seconds: Option<f64>,
    /// By the restore thresholds of the tier set in force.
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

/// The keys of one scope (a service, or everything) over one window: DORA's five, and time
/// to restore (incident open to resolved) as the radiator has always shown it.
#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: ChangeFailureRate,
    pub time_to_restore: TimeToRestore,
    pub deployment_rework_rate: DeploymentReworkRate,
    pub failed_deployment_recovery_time: FailedDeploymentRecoveryTime,
}

/// What the figures are computed with besides the events and the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub benchmark: Benchmark,
    pub rework_rules: ReworkRules,
    /// The 2025 benchmark scores are held against.
    pub industry: Industry,
}

impl Settings {
    pub fn new(benchmark: Benchmark) -> Settings {
        Settings {
            benchmark,
            rework_rules: ReworkRules::default(),
            industry: Industry::all(),
        }
    }
}

/// The keys over every event, with their trend, daily series, per-service breakdown and the
/// data's gaps. The four key fields are the current window's, computed from all events.
#[derive(Debug, Clone, PartialEq)]
pub struct DoraReport {
    pub window_days: f64,
    pub benchmark: Benchmark,
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: ChangeFailureRate,
    pub time_to_restore: TimeToRestore,
    pub deployment_rework_rate: DeploymentReworkRate,
    pub failed_deployment_recovery_time: FailedDeploymentRecoveryTime,
    /// The rework rules in force.
    pub rework_rules: ReworkRules,
    /// The current window's 2025 scores.
    pub scores: Scores,
    /// The same keys over the window of the same length just before this one.
    pub previous: Keys,
    /// Previous window to current window, per key.
    pub trend: Trends,
    /// Daily buckets across the current window, oldest first.
    pub series: Series,
    /// Each service's keys, worst first. Incidents of no service are left out here but count
    /// in the overall figures.
    pub by_service: Vec<ServiceReport>,
    pub data_quality: DataQuality,
}

impl DoraReport {
    /// The current window's overall keys.
    pub fn keys(&self) -> Keys {
        Keys {
            deployment_frequency: self.deployment_frequency.clone(),
            lead_time: self.lead_time.clone(),
            change_failure_rate: self.change_failure_rate.clone(),
            time_to_restore: self.time_to_restore.clone(),
            deployment_rework_rate: self.deployment_rework_rate.clone(),
            failed_deployment_recovery_time: self.failed_deployment_recovery_time.clone(),
        }
    }
}

/// One key's definition and tier thresholds, worded for the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyThresholds {
    pub key: &'static str,
    pub definition: &'static str,
    /// One line per tier, elite first.
    pub tiers: [&'static str; 4],
}

/// The four keys over the window `(now - window, now]`, overall and per service, against the
/// window of the same length before it.
pub fn compute(
    events: &DoraEvents,
    now: Timestamp,
    window: Duration,
    benchmark: Benchmark,
) -> DoraReport {
    compute_with(events, now, window, &Settings::new(benchmark))
}

/// `compute` with rework rules and a scores benchmark of the caller's choosing.
pub fn compute_with(
    events: &DoraEvents,
    now: Timestamp,
    window: Duration,
    settings: &Settings,
) -> DoraReport {
    let benchmark = settings.benchmark;
    let current = Window::ending_at(now, window);
    let previous = current.preceding();
    let mut apps = Apps::default();
    let deployments = DeploymentIndex::new(&events.deployments, &mut apps);
    let incidents = distinct_incidents(&events.incidents, &mut apps);
    let deliveries = first_deliveries(&events.changes, &deployments, &mut apps);
    let attributed = attribute(&incidents, &deployments);
    let mut failed = vec![false; deployments.len()];
    for &position in attributed.iter().flatten() {
        failed[position] = true;
    }
    let rework = rework::classify(
        &deployments,
        &incidents,
        (&deliveries.deployment_change, deliveries.changes.len()),
        settings.rework_rules,
    );
    let recoveries = rework::recoveries(&deployments, &incidents, &attributed);
    let buckets = samples::bucket(
        apps.len(),
        [current, previous],
        &deployments,
        &failed,
        &rework,
        &deliveries.changes,
        &incidents,
        &recoveries,
    );
    let [now_samples, before_samples] = &buckets.overall;
    let overall = keys(now_samples, current, benchmark);
    let previous_keys = keys(before_samples, previous, benchmark);
    let data_quality = quality::assess(
        &overall,
        current,
        &deployments,
        &deliveries,
        &incidents,
        &attributed,
    );
    let by_service = services::by_service(
        apps.names(),
        &buckets.by_app,
        [current, previous],
        benchmark,
        &settings.industry,
    );
    let trend = Trends::between(&overall, &previous_keys);
    let series = Series::over(now_samples, current);
    let scores = scores::score(&overall, window, &settings.industry);
    DoraReport {
        window_days: current.days(),
        benchmark,
        rework_rules: settings.rework_rules,
        scores,
        trend,
        series,
        by_service,
        data_quality,
        previous: previous_keys,
        deployment_frequency: overall.deployment_frequency,
        lead_time: overall.lead_time,
        change_failure_rate: overall.change_failure_rate,
        time_to_restore: overall.time_to_restore,
        deployment_rework_rate: overall.deployment_rework_rate,
        failed_deployment_recovery_time: overall.failed_deployment_recovery_time,
    }
}

/// One scope's keys over one window.
fn keys(samples: &Samples, window: Window, benchmark: Benchmark) -> Keys {
    Keys {
        deployment_frequency: deployment_frequency(samples, window, benchmark),
        lead_time: lead_time(samples, benchmark),
        change_failure_rate: change_failure_rate(samples, benchmark),
        time_to_restore: time_to_restore(samples),
        deployment_rework_rate: deployment_rework_rate(samples),
        failed_deployment_recovery_time: failed_deployment_recovery_time(samples),
    }
}

/// Definitions and thresholds of the four keys under `benchmark`, for the help screen.
pub fn tier_thresholds(benchmark: Benchmark) -> [KeyThresholds; 4] {
    let (frequency, lead, failure) = match benchmark {
        Benchmark::Dora2023 => (
            [
                "elite: >= 5 deploy-days/week",
                "high: >= 1 deploy-day/week",
                "medium: >= 1 deploy/month",
                "low: < 1 deploy/month",
            ],
            [
                "elite: < 1 day",
                "high: < 1 week",
                "medium: < 1 month",
                "low: >= 1 month",
            ],
            [
                "elite: <= 5%",
                "high: <= 10%",
                "medium: <= 15%",
                "low: > 15%",
            ],
        ),
        Benchmark::Dora2021 => (
            [
                "elite: >= 5 deploy-days/week",
                "high: >= 1 deploy/month",
                "medium: >= 1 deploy/6 months",
                "low: < 1 deploy/6 months",
            ],
            [
                "elite: < 1 hour",
                "high: < 1 week",
                "medium: < 6 months",
                "low: >= 6 months",
            ],
            [
                "elite: <= 15%",
                "high: <= 20%",
                "medium: <= 30%",
                "low: > 30%",
            ],
        ),
    };
    [
        KeyThresholds {
            key: "Deployment frequency",
            definition: "successful production deployments finished in the window, per day; \
                         tier by the median over the window's weeks of days with a deploy",
            tiers: frequency,
        },
        KeyThresholds {
            key: "Lead time for changes",
            definition: "deploy finish minus commit time, for each change delivered by a \
                         production deployment in the window; median and p90",
            tiers: lead,
        },
        KeyThresholds {
            key: "Change failure rate",
            definition: "deployments in the window with at least one incident attributed \
                         (to the app's latest deployment before it opened), over all deployments",
            tiers: failure,
        },
        KeyThresholds {
            key: "Time to restore",
            definition: "resolution minus opening time, for each incident resolved in the \
                         window; median",
            tiers: [
                "elite: < 1 hour",
                "high: < 1 day",
                "medium: < 1 week",
                "low: >= 1 week",
            ],
        },
    ]
}

fn deployment_frequency(
    samples: &Samples,
    window: Window,
    benchmark: Benchmark,
) -> DeploymentFrequency {
    let count = samples.deployments.len();
    if count == 0 {
        return DeploymentFrequency {
            deployments: 0,
            per_day: None,
            deploy_days_per_week: None,
            median_per_deploy_day: None,
            tier: None,
            missing: Some(NO_DEPLOYMENTS),
        };
    }
    let (deploy_days_per_week, median_per_deploy_day) =
        median_deploy_days_per_week(&samples.deployments, window);
    DeploymentFrequency {
        deployments: count,
        per_day: Some(count as f64 / window.days()),
        deploy_days_per_week: Some(deploy_days_per_week),
        median_per_deploy_day,
        tier: Some(deployment_frequency_tier(
            benchmark,
            deploy_days_per_week,
            count,
            window.length,
        )),
        missing: None,
    }
}

/// Median over the window's whole weeks of the days with a deploy (days of 24 h counted back
/// from the window's end: calendar days would put eight of them in a week not ending at midnight),
/// and the median number of deploys on those days with a deploy (None when there is none).
fn median_deploy_days_per_week(
    deployments: &[(Micros, bool, Option<ReworkRule>)],
    window: Window,
) -> (f64, Option<f64>) {
    let weeks = window.whole_weeks();
    let mut week_days: Vec<(u64, u64)> = deployments
        .iter()
        .map(|&(t, _, _)| (window.week_of(t), window.day_of(t)))
        .filter(|&(week, _)| week < weeks)
        .collect();
    week_days.sort_unstable();
    let mut per_deploy_day: Vec<Micros> = week_days
        .chunk_by(|a, b| a == b)
        .map(|day| day.len() as Micros)
        .collect();
    let median_per_deploy_day = median_seconds(&mut per_deploy_day).map(|m| m * SECOND_F);
    week_days.dedup();
    let mut days_in_active_weeks: Vec<u64> = week_days
        .chunk_by(|a, b| a.0 == b.0)
        .map(|days| days.len() as u64)
        .collect();
    days_in_active_weeks.sort_unstable();
    // Weeks without a deploy are not materialised (a long window has many): they are the
    // zeros at the front of the sorted sequence of per-week counts.
    let idle_weeks = weeks - days_in_active_weeks.len() as u64;
    let days_at_rank = |rank: u64| -> f64 {
        match rank.checked_sub(idle_weeks) {
            Some(i) => days_in_active_weeks[i as usize] as f64,
            None => 0.0,
        }
    };
    let middle = weeks / 2;
    let median_days = if weeks % 2 == 1 {
        days_at_rank(middle)
    } else {
        (days_at_rank(middle - 1) + days_at_rank(middle)) / 2.0
    };
    (median_days, median_per_deploy_day)
}

fn deployment_frequency_tier(
    benchmark: Benchmark,
    deploy_days_per_week: f64,
    deployments: usize,
    window: Duration,
) -> Tier {
    // "At least one deploy per period" is per_day * period_days >= 1, compared exactly.
    let at_least_once_per =
        |period: Duration| deployments as u128 * period.as_nanos() >= window.as_nanos();
    match benchmark {
        Benchmark::Dora2023 => {
            if deploy_days_per_week >= 5.0 {
                Tier::Elite
            } else if deploy_days_per_week >= 1.0 {
                Tier::High
            } else if at_least_once_per(MONTH) {
                Tier::Medium
            } else {
                Tier::Low
            }
        }
        Benchmark::Dora2021 => {
            if deploy_days_per_week >= 5.0 {
                Tier::Elite
            } else if at_least_once_per(MONTH) {
                Tier::High
            } else if at_least_once_per(HALF_YEAR) {
                Tier::Medium
            } else {
                Tier::Low
            }
        }
    }
}

fn lead_time(samples: &Samples, benchmark: Benchmark) -> LeadTime {
    let mut leads: Vec<Micros> = samples.leads.iter().map(|&(_, lead)| lead).collect();
    let median_seconds = median_seconds(&mut leads);
    LeadTime {
        n: leads.len(),
        median_seconds,
        p90_seconds: p90_seconds(&mut leads),
        tier: median_seconds.map(|median| lead_time_tier(benchmark, median)),
        missing: median_seconds.is_none().then_some(NO_DELIVERED_CHANGES),
    }
}

fn lead_time_tier(benchmark: Benchmark, median_seconds: f64) -> Tier {
    let limits = match benchmark {
        Benchmark::Dora2023 => [DAY_SECONDS, WEEK_SECONDS, 30.0 * DAY_SECONDS],
        Benchmark::Dora2021 => [HOUR_SECONDS, WEEK_SECONDS, 182.0 * DAY_SECONDS],
    };
    tier_below(median_seconds, limits)
}

fn change_failure_rate(samples: &Samples, benchmark: Benchmark) -> ChangeFailureRate {
    let total = samples.deployments.len();
    if total == 0 {
        return ChangeFailureRate {
            deployments: 0,
            failed: 0,
            ratio: None,
            tier: None,
            missing: Some(NO_DEPLOYMENTS),
        };
    }
    let failed = samples
        .deployments
        .iter()
        .filter(|&&(_, failed, _)| failed)
        .count();
    ChangeFailureRate {
        deployments: total,
        failed,
        ratio: Some(failed as f64 / total as f64),
        tier: Some(change_failure_rate_tier(benchmark, failed, total)),
        missing: None,
    }
}

fn change_failure_rate_tier(benchmark: Benchmark, failed: usize, deployments: usize) -> Tier {
    let percent_limits: [u128; 3] = match benchmark {
        Benchmark::Dora2023 => [5, 10, 15],
        Benchmark::Dora2021 => [15, 20, 30],
    };
    // failed / deployments <= p% compared in integers, so 1 in 20 is exactly 5%.
    let within = |percent: u128| failed as u128 * 100 <= percent * deployments as u128;
    match percent_limits {
        [elite, _, _] if within(elite) => Tier::Elite,
        [_, high, _] if within(high) => Tier::High,
        [_, _, medium] if within(medium) => Tier::Medium,
        _ => Tier::Low,
    }
}

fn time_to_restore(samples: &Samples) -> TimeToRestore {
    let mut restores: Vec<Micros> = samples.restores.iter().map(|&(_, r)| r).collect();
    let median_seconds = median_seconds(&mut restores);
    TimeToRestore {
        n: restores.len(),
        median_seconds,
        tier: median_seconds
            .map(|median| tier_below(median, [HOUR_SECONDS, DAY_SECONDS, WEEK_SECONDS])),
        missing: median_seconds.is_none().then_some(NO_RESOLVED_INCIDENTS),
    }
}

fn deployment_rework_rate(samples: &Samples) -> DeploymentReworkRate {
    let total = samples.deployments.len();
    let mut by_rule = ByRule::default();
    for &(_, _, rule) in &samples.deployments {
        match rule {
            Some(ReworkRule::Fix) => by_rule.fix += 1,
            Some(ReworkRule::Rollback) => by_rule.rollback += 1,
            Some(ReworkRule::Marked) => by_rule.marked += 1,
            None => {}
        }
    }
    let rework = by_rule.fix + by_rule.rollback + by_rule.marked;
    DeploymentReworkRate {
        deployments: total,
        rework,
        ratio: (total > 0).then(|| rework as f64 / total as f64),
        by_rule,
        missing: (total == 0).then_some(NO_DEPLOYMENTS),
    }
}

fn failed_deployment_recovery_time(samples: &Samples) -> FailedDeploymentRecoveryTime {
    let mut recoveries: Vec<Micros> = samples.recoveries.iter().map(|&(_, r)| r).collect();
    let median_seconds = median_seconds(&mut recoveries);
    FailedDeploymentRecoveryTime {
        n: recoveries.len(),
        median_seconds,
        tier: median_seconds
            .map(|median| tier_below(median, [HOUR_SECONDS, DAY_SECONDS, WEEK_SECONDS])),
        missing: median_seconds.is_none().then_some(NO_RECOVERED_DEPLOYMENTS),
    }
}

/// Elite below the first limit, high below the second, medium below the third, else low.
fn tier_below(seconds: f64, [elite, high, medium]: [f64; 3]) -> Tier {
    if seconds < elite {
        Tier::Elite
    } else if seconds < high {
        Tier::High
    } else if seconds < medium {
        Tier::Medium
    } else {
        Tier::Low
    }
}

/// A count given to `median_seconds` comes back divided by this.
const SECOND_F: f64 = events::SECOND as f64;

fn seconds(span: Micros) -> f64 {
    span as f64 / events::SECOND as f64
}

/// Median of the samples (in any order; they are reordered); the mean of the two middle ones
/// when their number is even. Selection rather than a sort: linear time.
fn median_seconds(samples: &mut [Micros]) -> Option<f64> {
    let n = samples.len();
    if n == 0 {
        return None;
    }
    let (below, &mut upper, _) = samples.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        Some(seconds(upper))
    } else {
        let lower = below.iter().max().copied()?;
        Some((seconds(lower) + seconds(upper)) / 2.0)
    }
}

/// Nearest-rank 90th percentile of the samples (reordered): the ceil(0.9 n)-th smallest.
fn p90_seconds(samples: &mut [Micros]) -> Option<f64> {
    let rank = (9 * samples.len()).div_ceil(10);
    let index = rank.checked_sub(1)?;
    Some(seconds(*samples.select_nth_unstable(index).1))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod five_keys_tests;
