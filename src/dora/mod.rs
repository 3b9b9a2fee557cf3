//! The four DORA keys, computed from events. Pure: no I/O, no clock (`now` is a parameter).
//!
//! Definitions follow REFERENCE.md section 1. Every figure is computed from de-duplicated
//! events and from sorted or grouped data only, so the result does not depend on the order
//! in which sources delivered the events.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use crate::model::{Change, Deployment, DoraEvents, Incident, Timestamp, UNATTRIBUTED_APP};

/// Why deployment frequency and change failure rate are N/A.
pub const NO_DEPLOYMENTS: &str = "no deployments in window";
/// Why lead time is N/A.
pub const NO_DELIVERED_CHANGES: &str = "no changes with a matching deployment in window";
/// Why time to restore is N/A.
pub const NO_RESOLVED_INCIDENTS: &str = "no incidents resolved in window";

const HOUR_SECONDS: f64 = 3_600.0;
const DAY_SECONDS: f64 = 86_400.0;
const WEEK_SECONDS: f64 = 7.0 * DAY_SECONDS;
const WEEK_WHOLE_SECONDS: u64 = 7 * 86_400;
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

#[derive(Debug, Clone, PartialEq)]
pub struct DoraReport {
    pub window_days: f64,
    pub benchmark: Benchmark,
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: ChangeFailureRate,
    pub time_to_restore: TimeToRestore,
}

/// One key's definition and tier thresholds, worded for the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyThresholds {
    pub key: &'static str,
    pub definition: &'static str,
    /// One line per tier, elite first.
    pub tiers: [&'static str; 4],
}

/// The four keys over the window `(now - window, now]`.
pub fn compute(
    events: &DoraEvents,
    now: Timestamp,
    window: Duration,
    benchmark: Benchmark,
) -> DoraReport {
    let window = Window::ending_at(now, window);
    let deployments = DeploymentIndex::new(&events.deployments);
    let incidents = distinct_incidents(&events.incidents);
    DoraReport {
        window_days: window.days(),
        benchmark,
        deployment_frequency: deployment_frequency(&deployments, window, benchmark),
        lead_time: lead_time(&events.changes, &deployments, window, benchmark),
        change_failure_rate: change_failure_rate(&incidents, &deployments, window, benchmark),
        time_to_restore: time_to_restore(&incidents, window),
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

/// The half-open interval `(start, end]`.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Timestamp,
    end: Timestamp,
    length: Duration,
}

impl Window {
    fn ending_at(end: Timestamp, length: Duration) -> Window {
        // A window longer than the calendar reaches back to the earliest representable time.
        let start = TimeDelta::from_std(length)
            .ok()
            .and_then(|length| end.checked_sub_signed(length))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        Window { start, end, length }
    }

    fn contains(self, t: Timestamp) -> bool {
        self.start < t && t <= self.end
    }

    fn days(self) -> f64 {
        self.length.as_secs_f64() / DAY_SECONDS
    }

    /// Consecutive 7-day buckets ending at `end` that lie wholly inside the window; at least one.
    fn whole_weeks(self) -> u64 {
        (self.length.as_secs() / WEEK_WHOLE_SECONDS).max(1)
    }

    /// 0 for `(end - 7d, end]`, 1 for the 7 days before that, and so on.
    fn week_of(self, t: Timestamp) -> u64 {
        let seconds_before_end = (self.end - t).num_seconds().max(0);
        seconds_before_end.unsigned_abs() / WEEK_WHOLE_SECONDS
    }
}

/// Deployments without duplicates, sorted by app then finish time, with each app's range.
struct DeploymentIndex<'a> {
    sorted: Vec<&'a Deployment>,
    by_app: HashMap<&'a str, Range<usize>>,
}

impl<'a> DeploymentIndex<'a> {
    fn new(deployments: &'a [Deployment]) -> DeploymentIndex<'a> {
        let mut sorted: Vec<&Deployment> = deployments.iter().collect();
        // The order covers every field, so equal deployments end up adjacent.
        sorted.sort_unstable_by(|a, b| {
            (&a.app, a.finished_at, &a.image_sha, &a.commit).cmp(&(
                &b.app,
                b.finished_at,
                &b.image_sha,
                &b.commit,
            ))
        });
        sorted.dedup();
        let mut by_app = HashMap::new();
        let mut start = 0;
        for group in sorted.chunk_by(|a, b| a.app == b.app) {
            by_app.insert(group[0].app.as_str(), start..start + group.len());
            start += group.len();
        }
        DeploymentIndex { sorted, by_app }
    }

    fn finished_in(&self, window: Window) -> impl Iterator<Item = Timestamp> + '_ {
        self.sorted
            .iter()
            .map(|d| d.finished_at)
            .filter(move |t| window.contains(*t))
    }

    /// Position in `sorted` of the app's latest deployment finished at or before `t`.
    /// Among deployments finished at the same instant the last in sort order is taken,
    /// so the choice does not depend on input order.
    fn latest_at_or_before(&self, app: &str, t: Timestamp) -> Option<usize> {
        let range = self.by_app.get(app)?.clone();
        let after_t = self.sorted[range.clone()].partition_point(|d| d.finished_at <= t);
        after_t.checked_sub(1).map(|offset| range.start + offset)
    }

    /// Finish times of each (app, key) pair, ascending, for one way of joining changes.
    fn finish_times_by<'k>(
        &self,
        key: impl Fn(&'a Deployment) -> Option<&'a str> + 'k,
    ) -> HashMap<(&'a str, &'a str), Vec<Timestamp>> {
        let mut times: HashMap<(&str, &str), Vec<Timestamp>> = HashMap::new();
        for &deployment in &self.sorted {
            if let Some(k) = key(deployment) {
                times
                    .entry((deployment.app.as_str(), k))
                    .or_default()
                    .push(deployment.finished_at);
            }
        }
        times
    }
}

fn deployment_frequency(
    deployments: &DeploymentIndex,
    window: Window,
    benchmark: Benchmark,
) -> DeploymentFrequency {
    let finish_times: Vec<Timestamp> = deployments.finished_in(window).collect();
    let count = finish_times.len();
    if count == 0 {
        return DeploymentFrequency {
            deployments: 0,
            per_day: None,
            deploy_days_per_week: None,
            tier: None,
            missing: Some(NO_DEPLOYMENTS),
        };
    }
    let deploy_days_per_week = median_deploy_days_per_week(&finish_times, window);
    DeploymentFrequency {
        deployments: count,
        per_day: Some(count as f64 / window.days()),
        deploy_days_per_week: Some(deploy_days_per_week),
        tier: Some(deployment_frequency_tier(
            benchmark,
            deploy_days_per_week,
            count,
            window.length,
        )),
        missing: None,
    }
}

/// Median over the window's whole weeks of the distinct UTC days with a deploy.
fn median_deploy_days_per_week(finish_times: &[Timestamp], window: Window) -> f64 {
    let weeks = window.whole_weeks();
    let mut week_days: Vec<(u64, NaiveDate)> = finish_times
        .iter()
        .map(|&t| (window.week_of(t), t.date_naive()))
        .filter(|&(week, _)| week < weeks)
        .collect();
    week_days.sort_unstable();
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
    if weeks % 2 == 1 {
        days_at_rank(middle)
    } else {
        (days_at_rank(middle - 1) + days_at_rank(middle)) / 2.0
    }
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

/// A change identified by (app, commit), merged over every record of it.
struct DistinctChange<'a> {
    app: &'a str,
    commit: &'a str,
    committed_at: Timestamp,
    image_shas: Vec<&'a str>,
}

fn distinct_changes(changes: &[Change]) -> impl Iterator<Item = DistinctChange<'_>> {
    let mut by_key: HashMap<(&str, &str), DistinctChange> = HashMap::new();
    for change in changes {
        let merged = by_key
            .entry((change.app.as_str(), change.commit.as_str()))
            .or_insert_with(|| DistinctChange {
                app: &change.app,
                commit: &change.commit,
                committed_at: change.committed_at,
                image_shas: Vec::new(),
            });
        merged.committed_at = merged.committed_at.min(change.committed_at);
        if let Some(sha) = change.image_sha.as_deref()
            && !merged.image_shas.contains(&sha)
        {
            merged.image_shas.push(sha);
        }
    }
    by_key.into_values()
}

/// Lead times of the changes whose first delivery finished inside the window.
fn lead_time_samples(
    changes: &[Change],
    deployments: &DeploymentIndex,
    window: Window,
) -> Vec<TimeDelta> {
    let by_commit = deployments.finish_times_by(|d| d.commit.as_deref());
    let by_image = deployments.finish_times_by(|d| d.image_sha.as_deref());
    let first_at_or_after = |times: Option<&Vec<Timestamp>>, t: Timestamp| {
        let times = times?;
        times
            .get(times.partition_point(|&finished| finished < t))
            .copied()
    };
    distinct_changes(changes)
        .filter_map(|change| {
            let via_commit = first_at_or_after(
                by_commit.get(&(change.app, change.commit)),
                change.committed_at,
            );
            let via_image = change.image_shas.iter().filter_map(|&sha| {
                first_at_or_after(by_image.get(&(change.app, sha)), change.committed_at)
            });
            let delivered_at = via_image.chain(via_commit).min()?;
            let lead = delivered_at - change.committed_at;
            (window.contains(delivered_at) && lead > TimeDelta::zero()).then_some(lead)
        })
        .collect()
}

fn lead_time(
    changes: &[Change],
    deployments: &DeploymentIndex,
    window: Window,
    benchmark: Benchmark,
) -> LeadTime {
    let mut samples = lead_time_samples(changes, deployments, window);
    samples.sort_unstable();
    let median_seconds = median_seconds(&samples);
    LeadTime {
        n: samples.len(),
        median_seconds,
        p90_seconds: p90_seconds(&samples),
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

/// An incident identified by (app, id), merged over every record of it: opened at the
/// earliest time seen, resolved at the latest.
struct DistinctIncident<'a> {
    app: &'a str,
    opened_at: Timestamp,
    resolved_at: Option<Timestamp>,
}

fn distinct_incidents(incidents: &[Incident]) -> Vec<DistinctIncident<'_>> {
    let mut by_key: HashMap<(&str, &str), DistinctIncident> = HashMap::new();
    for incident in incidents {
        let merged = by_key
            .entry((incident.app.as_str(), incident.id.as_str()))
            .or_insert_with(|| DistinctIncident {
                app: &incident.app,
                opened_at: incident.opened_at,
                resolved_at: incident.resolved_at,
            });
        merged.opened_at = merged.opened_at.min(incident.opened_at);
        // `None < Some`, so a resolution is kept over its absence.
        merged.resolved_at = merged.resolved_at.max(incident.resolved_at);
    }
    by_key.into_values().collect()
}

fn change_failure_rate(
    incidents: &[DistinctIncident],
    deployments: &DeploymentIndex,
    window: Window,
    benchmark: Benchmark,
) -> ChangeFailureRate {
    let total = deployments.finished_in(window).count();
    if total == 0 {
        return ChangeFailureRate {
            deployments: 0,
            failed: 0,
            ratio: None,
            tier: None,
            missing: Some(NO_DEPLOYMENTS),
        };
    }
    let mut failed_flags = vec![false; deployments.sorted.len()];
    for incident in incidents.iter().filter(|i| i.app != UNATTRIBUTED_APP) {
        if let Some(i) = deployments.latest_at_or_before(incident.app, incident.opened_at)
            && window.contains(deployments.sorted[i].finished_at)
        {
            failed_flags[i] = true;
        }
    }
    let failed = failed_flags.iter().filter(|&&failed| failed).count();
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

/// Restore times of the incidents resolved inside the window.
fn restore_time_samples(incidents: &[DistinctIncident], window: Window) -> Vec<TimeDelta> {
    incidents
        .iter()
        .filter_map(|incident| {
            let resolved_at = incident.resolved_at.filter(|&t| window.contains(t))?;
            let restore = resolved_at - incident.opened_at;
            (restore >= TimeDelta::zero()).then_some(restore)
        })
        .collect()
}

fn time_to_restore(incidents: &[DistinctIncident], window: Window) -> TimeToRestore {
    let mut samples = restore_time_samples(incidents, window);
    samples.sort_unstable();
    let median_seconds = median_seconds(&samples);
    TimeToRestore {
        n: samples.len(),
        median_seconds,
        tier: median_seconds
            .map(|median| tier_below(median, [HOUR_SECONDS, DAY_SECONDS, WEEK_SECONDS])),
        missing: median_seconds.is_none().then_some(NO_RESOLVED_INCIDENTS),
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

fn seconds(delta: TimeDelta) -> f64 {
    delta.num_seconds() as f64 + f64::from(delta.subsec_nanos()) / 1e9
}

/// Median of ascending samples; the mean of the two middle ones when their number is even.
fn median_seconds(sorted: &[TimeDelta]) -> Option<f64> {
    let n = sorted.len();
    let upper = seconds(*sorted.get(n / 2)?);
    if n % 2 == 1 {
        Some(upper)
    } else {
        Some((seconds(sorted[n / 2 - 1]) + upper) / 2.0)
    }
}

/// Nearest-rank 90th percentile of ascending samples: the ceil(0.9 n)-th smallest.
fn p90_seconds(sorted: &[TimeDelta]) -> Option<f64> {
    let rank = (9 * sorted.len()).div_ceil(10);
    sorted.get(rank.checked_sub(1)?).copied().map(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;
    const WEEK: i64 = 7 * DAY;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
    }

    fn ago(seconds: i64) -> Timestamp {
        now() - TimeDelta::seconds(seconds)
    }

    fn days(n: u64) -> Duration {
        Duration::from_secs(n * 86_400)
    }

    fn deploy(
        app: &str,
        image_sha: Option<&str>,
        commit: Option<&str>,
        at: Timestamp,
    ) -> Deployment {
        Deployment {
            app: app.into(),
            image_sha: image_sha.map(Into::into),
            commit: commit.map(Into::into),
            finished_at: at,
        }
    }

    fn deploy_at(app: &str, at: Timestamp) -> Deployment {
        deploy(app, None, None, at)
    }

    fn change(app: &str, commit: &str, image_sha: Option<&str>, at: Timestamp) -> Change {
        Change {
            app: app.into(),
            commit: commit.into(),
            image_sha: image_sha.map(Into::into),
            committed_at: at,
        }
    }

    fn incident(app: &str, id: &str, opened: Timestamp, resolved: Option<Timestamp>) -> Incident {
        Incident {
            app: app.into(),
            id: id.into(),
            opened_at: opened,
            resolved_at: resolved,
        }
    }

    fn events(
        deployments: Vec<Deployment>,
        changes: Vec<Change>,
        incidents: Vec<Incident>,
    ) -> DoraEvents {
        DoraEvents {
            deployments,
            changes,
            incidents,
        }
    }

    fn report_over(events: &DoraEvents, window: Duration, benchmark: Benchmark) -> DoraReport {
        compute(events, now(), window, benchmark)
    }

    fn report(events: &DoraEvents) -> DoraReport {
        report_over(events, days(30), Benchmark::Dora2023)
    }

    fn hours(n: i64) -> TimeDelta {
        TimeDelta::hours(n)
    }

    // ---- empty input ----

    #[test]
    fn empty_input_gives_no_figures_with_reasons_never_zero() {
        let r = report(&DoraEvents::default());
        assert_eq!(r.window_days, 30.0);
        assert_eq!(r.benchmark, Benchmark::Dora2023);
        let df = &r.deployment_frequency;
        assert_eq!(
            (df.per_day, df.deploy_days_per_week, df.tier),
            (None, None, None)
        );
        assert_eq!(df.missing, Some("no deployments in window"));
        let lt = &r.lead_time;
        assert_eq!(
            (lt.n, lt.median_seconds, lt.p90_seconds, lt.tier),
            (0, None, None, None)
        );
        assert_eq!(
            lt.missing,
            Some("no changes with a matching deployment in window")
        );
        let cfr = &r.change_failure_rate;
        assert_eq!((cfr.ratio, cfr.tier), (None, None));
        assert_eq!(cfr.missing, Some("no deployments in window"));
        let ttr = &r.time_to_restore;
        assert_eq!((ttr.n, ttr.median_seconds, ttr.tier), (0, None, None));
        assert_eq!(ttr.missing, Some("no incidents resolved in window"));
    }

    #[test]
    fn events_outside_the_window_only_give_no_figures() {
        let e = events(
            vec![deploy("a", None, Some("c1"), ago(40 * DAY))],
            vec![change("a", "c1", None, ago(41 * DAY))],
            vec![incident("a", "1", ago(39 * DAY), Some(ago(38 * DAY)))],
        );
        let r = report(&e);
        assert_eq!(r.deployment_frequency.missing, Some(NO_DEPLOYMENTS));
        assert_eq!(r.lead_time.missing, Some(NO_DELIVERED_CHANGES));
        assert_eq!(r.change_failure_rate.missing, Some(NO_DEPLOYMENTS));
        assert_eq!(r.time_to_restore.missing, Some(NO_RESOLVED_INCIDENTS));
    }

    // ---- deployment frequency ----

    #[test]
    fn deployment_frequency_counts_deploys_in_window_per_day() {
        let e = events(
            vec![
                deploy_at("a", ago(HOUR)),
                deploy_at("a", ago(10 * DAY)),
                deploy_at("b", ago(20 * DAY)),
                deploy_at("b", ago(31 * DAY)),
            ],
            vec![],
            vec![],
        );
        let df = report(&e).deployment_frequency;
        assert_eq!(df.deployments, 3);
        assert_eq!(df.per_day, Some(0.1));
        assert_eq!(df.missing, None);
    }

    #[test]
    fn window_start_is_excluded_and_now_included() {
        let e = events(
            vec![
                deploy_at("a", ago(30 * DAY)),
                deploy_at("a", now()),
                deploy_at("a", now() + TimeDelta::seconds(1)),
            ],
            vec![],
            vec![],
        );
        assert_eq!(report(&e).deployment_frequency.deployments, 1);
    }

    #[test]
    fn identical_deployments_are_counted_once() {
        let same = deploy("a", Some("s1"), Some("c1"), ago(HOUR));
        let other_image = deploy("a", Some("s2"), Some("c1"), ago(HOUR));
        let e = events(vec![same.clone(), same, other_image], vec![], vec![]);
        assert_eq!(report(&e).deployment_frequency.deployments, 2);
    }

    #[test]
    fn deploy_days_per_week_is_the_median_over_whole_weeks_even_count() {
        // 4 weeks; deploy-days per week: 3, 1, 0, 5 -> median (1 + 3) / 2 = 2.
        let e = events(
            vec![
                // week 0: 1 h and 2 h ago are the same UTC day (now is noon)
                deploy_at("a", ago(HOUR)),
                deploy_at("b", ago(2 * HOUR)),
                deploy_at("a", ago(DAY)),
                deploy_at("a", ago(2 * DAY)),
                // week 1
                deploy_at("a", ago(8 * DAY)),
                deploy_at("a", ago(8 * DAY + HOUR)),
                // week 3
                deploy_at("a", ago(22 * DAY)),
                deploy_at("a", ago(23 * DAY)),
                deploy_at("a", ago(24 * DAY)),
                deploy_at("a", ago(25 * DAY)),
                deploy_at("a", ago(26 * DAY)),
            ],
            vec![],
            vec![],
        );
        let df = report_over(&e, days(28), Benchmark::Dora2023).deployment_frequency;
        assert_eq!(df.deploy_days_per_week, Some(2.0));
        assert_eq!(df.tier, Some(Tier::High));
    }

    #[test]
    fn deploy_days_per_week_is_the_median_over_whole_weeks_odd_count() {
        // 3 weeks; deploy-days per week: 2, 0, 1 -> median 1.
        let e = events(
            vec![
                deploy_at("a", ago(HOUR)),
                deploy_at("a", ago(DAY)),
                deploy_at("a", ago(15 * DAY)),
            ],
            vec![],
            vec![],
        );
        let df = report_over(&e, days(21), Benchmark::Dora2023).deployment_frequency;
        assert_eq!(df.deploy_days_per_week, Some(1.0));
    }

    #[test]
    fn a_week_starts_exactly_seven_days_before_now_excluded() {
        // 7 days ago exactly belongs to the second week, which is empty otherwise.
        let e = events(
            vec![deploy_at("a", ago(WEEK)), deploy_at("a", ago(WEEK + DAY))],
            vec![],
            vec![],
        );
        let df = report_over(&e, days(14), Benchmark::Dora2023).deployment_frequency;
        // weeks: [0, 2] -> median 1
        assert_eq!(df.deploy_days_per_week, Some(1.0));
    }

    #[test]
    fn partial_week_counts_for_per_day_but_not_for_deploy_days() {
        // A 10-day window has one whole week; deploys 8 and 9 days ago are outside it.
        let e = events(
            vec![deploy_at("a", ago(8 * DAY)), deploy_at("a", ago(9 * DAY))],
            vec![],
            vec![],
        );
        let df = report_over(&e, days(10), Benchmark::Dora2023).deployment_frequency;
        assert_eq!(df.deployments, 2);
        assert_eq!(df.per_day, Some(0.2));
        assert_eq!(df.deploy_days_per_week, Some(0.0));
        assert_eq!(df.tier, Some(Tier::Medium));
    }

    #[test]
    fn window_shorter_than_a_week_uses_one_week() {
        let e = events(
            vec![
                deploy_at("a", ago(HOUR)),
                deploy_at("a", ago(DAY)),
                deploy_at("a", ago(2 * DAY)),
            ],
            vec![],
            vec![],
        );
        let df = report_over(&e, days(3), Benchmark::Dora2023).deployment_frequency;
        assert_eq!(df.deploy_days_per_week, Some(3.0));
        assert_eq!(df.per_day, Some(1.0));
    }

    #[test]
    fn deployment_frequency_end_to_end_tiers() {
        // Five distinct days in a one-week window: elite; four: high.
        let five: Vec<Deployment> = (0..5)
            .map(|d| deploy_at("a", ago(d * DAY + HOUR)))
            .collect();
        let e = events(five.clone(), vec![], vec![]);
        let tier = |e: &DoraEvents, b| report_over(e, days(7), b).deployment_frequency.tier;
        assert_eq!(tier(&e, Benchmark::Dora2023), Some(Tier::Elite));
        assert_eq!(tier(&e, Benchmark::Dora2021), Some(Tier::Elite));
        let e = events(five[..4].to_vec(), vec![], vec![]);
        assert_eq!(tier(&e, Benchmark::Dora2023), Some(Tier::High));
        assert_eq!(tier(&e, Benchmark::Dora2021), Some(Tier::High));
        // Two deploys in 60 days is one per month exactly: medium (2023), high (2021).
        let e = events(
            vec![deploy_at("a", ago(DAY)), deploy_at("a", ago(40 * DAY))],
            vec![],
            vec![],
        );
        let df = report_over(&e, days(60), Benchmark::Dora2023).deployment_frequency;
        assert_eq!(df.deploy_days_per_week, Some(0.0));
        assert_eq!(df.tier, Some(Tier::Medium));
        let df = report_over(&e, days(60), Benchmark::Dora2021).deployment_frequency;
        assert_eq!(df.tier, Some(Tier::High));
        // One deploy in 60 days: low (2023), medium (2021).
        let e = events(vec![deploy_at("a", ago(DAY))], vec![], vec![]);
        let tier = |b| report_over(&e, days(60), b).deployment_frequency.tier;
        assert_eq!(tier(Benchmark::Dora2023), Some(Tier::Low));
        assert_eq!(tier(Benchmark::Dora2021), Some(Tier::Medium));
    }

    #[test]
    fn deployment_frequency_tier_boundaries_2023() {
        let tier = |days_per_week, count, window| {
            deployment_frequency_tier(Benchmark::Dora2023, days_per_week, count, window)
        };
        assert_eq!(tier(5.0, 20, days(28)), Tier::Elite);
        assert_eq!(tier(4.5, 20, days(28)), Tier::High);
        assert_eq!(tier(1.0, 4, days(28)), Tier::High);
        assert_eq!(tier(0.5, 4, days(28)), Tier::Medium);
        assert_eq!(tier(0.0, 1, days(30)), Tier::Medium);
        assert_eq!(tier(0.0, 1, days(30) + Duration::from_secs(1)), Tier::Low);
        assert_eq!(tier(0.0, 3, days(90)), Tier::Medium);
        assert_eq!(tier(0.0, 2, days(90)), Tier::Low);
    }

    #[test]
    fn deployment_frequency_tier_boundaries_2021() {
        let tier = |days_per_week, count, window| {
            deployment_frequency_tier(Benchmark::Dora2021, days_per_week, count, window)
        };
        let half_year = Duration::from_secs(182 * 86_400 + 43_200);
        assert_eq!(tier(5.0, 20, days(28)), Tier::Elite);
        assert_eq!(tier(4.5, 20, days(28)), Tier::High);
        assert_eq!(tier(0.0, 1, days(30)), Tier::High);
        assert_eq!(
            tier(0.0, 1, days(30) + Duration::from_secs(1)),
            Tier::Medium
        );
        assert_eq!(tier(0.0, 1, half_year), Tier::Medium);
        assert_eq!(tier(0.0, 1, half_year + Duration::from_secs(1)), Tier::Low);
        assert_eq!(tier(0.0, 2, days(365)), Tier::Medium);
    }

    // ---- lead time ----

    #[test]
    fn lead_time_is_deploy_finish_minus_commit() {
        let e = events(
            vec![deploy("a", None, Some("c1"), ago(HOUR))],
            vec![change("a", "c1", None, ago(3 * HOUR))],
            vec![],
        );
        let lt = report(&e).lead_time;
        assert_eq!(lt.n, 1);
        assert_eq!(lt.median_seconds, Some(7_200.0));
        assert_eq!(lt.p90_seconds, Some(7_200.0));
        assert_eq!(lt.tier, Some(Tier::Elite));
        assert_eq!(lt.missing, None);
    }

    #[test]
    fn commit_after_its_deploy_is_dropped() {
        let e = events(
            vec![deploy("a", None, Some("c1"), ago(3 * HOUR))],
            vec![change("a", "c1", None, ago(HOUR))],
            vec![],
        );
        let lt = report(&e).lead_time;
        assert_eq!(lt.n, 0);
        assert_eq!(lt.median_seconds, None);
        assert_eq!(lt.missing, Some(NO_DELIVERED_CHANGES));
    }

    #[test]
    fn commit_at_the_deploy_instant_is_dropped() {
        let e = events(
            vec![deploy("a", None, Some("c1"), ago(HOUR))],
            vec![change("a", "c1", None, ago(HOUR))],
            vec![],
        );
        assert_eq!(report(&e).lead_time.n, 0);
    }

    #[test]
    fn change_delivered_twice_counts_once_at_the_earliest_delivery() {
        let e = events(
            vec![
                deploy("a", Some("s1"), Some("c1"), ago(5 * HOUR)),
                deploy("a", Some("s1"), Some("c1"), ago(HOUR)),
                deploy("a", Some("s9"), Some("c1"), ago(10 * HOUR)),
            ],
            vec![change("a", "c1", Some("s1"), ago(12 * HOUR))],
            vec![],
        );
        let lt = report(&e).lead_time;
        assert_eq!(lt.n, 1);
        assert_eq!(lt.median_seconds, Some(2.0 * 3_600.0));
    }

    #[test]
    fn change_first_delivered_before_the_window_does_not_count() {
        let e = events(
            vec![
                deploy("a", None, Some("c1"), ago(31 * DAY)),
                deploy("a", None, Some("c1"), ago(DAY)),
            ],
            vec![change("a", "c1", None, ago(32 * DAY))],
            vec![],
        );
        assert_eq!(report(&e).lead_time.n, 0);
    }

    #[test]
    fn changes_join_on_image_sha_or_commit_within_the_same_app() {
        let e = events(
            vec![
                deploy("a", Some("s1"), None, ago(HOUR)),
                deploy("b", None, Some("c2"), ago(HOUR)),
            ],
            vec![
                change("a", "c1", Some("s1"), ago(2 * HOUR)), // image sha
                change("b", "c2", Some("s7"), ago(3 * HOUR)), // commit
                change("b", "c3", Some("s1"), ago(4 * HOUR)), // s1 is a's image
                change("a", "c2", None, ago(5 * HOUR)),       // c2 is b's commit
                change("a", "c4", None, ago(6 * HOUR)),       // nothing to join
            ],
            vec![],
        );
        let lt = report(&e).lead_time;
        assert_eq!(lt.n, 2);
        assert_eq!(lt.median_seconds, Some(1.5 * 3_600.0));
    }

    #[test]
    fn changes_are_deduplicated_by_app_and_commit() {
        let e = events(
            vec![deploy("a", None, Some("c1"), ago(HOUR))],
            vec![
                change("a", "c1", None, ago(2 * HOUR)),
                change("a", "c1", None, ago(2 * HOUR)),
                change("a", "c1", Some("s1"), ago(2 * HOUR)),
            ],
            vec![],
        );
        assert_eq!(report(&e).lead_time.n, 1);
    }

    fn one_deploy_per_change(lead_hours: &[i64]) -> DoraEvents {
        let mut e = DoraEvents::default();
        for (i, &h) in lead_hours.iter().enumerate() {
            let commit = format!("c{i}");
            e.deployments
                .push(deploy("a", None, Some(&commit), ago(DAY)));
            e.changes
                .push(change("a", &commit, None, ago(DAY + h * HOUR)));
        }
        e
    }

    #[test]
    fn lead_time_median_even_and_p90_nearest_rank() {
        let lt = report(&one_deploy_per_change(&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).lead_time;
        assert_eq!(lt.n, 10);
        assert_eq!(lt.median_seconds, Some(5.5 * 3_600.0));
        // ceil(0.9 * 10) = 9th smallest
        assert_eq!(lt.p90_seconds, Some(9.0 * 3_600.0));
    }

    #[test]
    fn lead_time_median_odd_and_p90_nearest_rank() {
        let lt = report(&one_deploy_per_change(&[11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6])).lead_time;
        assert_eq!(lt.n, 11);
        assert_eq!(lt.median_seconds, Some(6.0 * 3_600.0));
        // ceil(0.9 * 11) = 10th smallest
        assert_eq!(lt.p90_seconds, Some(10.0 * 3_600.0));
    }

    #[test]
    fn median_and_p90_helpers() {
        let d = |s: &[i64]| s.iter().map(|&s| TimeDelta::seconds(s)).collect::<Vec<_>>();
        assert_eq!(median_seconds(&d(&[])), None);
        assert_eq!(p90_seconds(&d(&[])), None);
        assert_eq!(median_seconds(&d(&[7])), Some(7.0));
        assert_eq!(p90_seconds(&d(&[7])), Some(7.0));
        assert_eq!(median_seconds(&d(&[1, 4])), Some(2.5));
        assert_eq!(p90_seconds(&d(&[1, 4])), Some(4.0));
        assert_eq!(median_seconds(&d(&[1, 2, 100])), Some(2.0));
        let twenty: Vec<i64> = (1..=20).collect();
        assert_eq!(p90_seconds(&d(&twenty)), Some(18.0));
        assert_eq!(median_seconds(&[TimeDelta::milliseconds(1_500)]), Some(1.5));
    }

    #[test]
    fn lead_time_tier_boundaries() {
        let day = DAY_SECONDS;
        let t = lead_time_tier;
        assert_eq!(t(Benchmark::Dora2023, day - 1.0), Tier::Elite);
        assert_eq!(t(Benchmark::Dora2023, day), Tier::High);
        assert_eq!(t(Benchmark::Dora2023, 7.0 * day - 0.5), Tier::High);
        assert_eq!(t(Benchmark::Dora2023, 7.0 * day), Tier::Medium);
        assert_eq!(t(Benchmark::Dora2023, 30.0 * day - 0.5), Tier::Medium);
        assert_eq!(t(Benchmark::Dora2023, 30.0 * day), Tier::Low);
        assert_eq!(t(Benchmark::Dora2021, 3_599.5), Tier::Elite);
        assert_eq!(t(Benchmark::Dora2021, 3_600.0), Tier::High);
        assert_eq!(t(Benchmark::Dora2021, 7.0 * day - 1.0), Tier::High);
        assert_eq!(t(Benchmark::Dora2021, 7.0 * day), Tier::Medium);
        assert_eq!(t(Benchmark::Dora2021, 182.0 * day - 1.0), Tier::Medium);
        assert_eq!(t(Benchmark::Dora2021, 182.0 * day), Tier::Low);
    }

    // ---- change failure rate ----

    #[test]
    fn deployment_with_two_incidents_fails_once() {
        let e = events(
            vec![deploy_at("a", ago(10 * DAY)), deploy_at("a", ago(5 * DAY))],
            vec![],
            vec![
                incident("a", "1", ago(9 * DAY), None),
                incident("a", "2", ago(8 * DAY), Some(ago(7 * DAY))),
            ],
        );
        let cfr = report(&e).change_failure_rate;
        assert_eq!((cfr.failed, cfr.deployments), (1, 2));
        assert_eq!(cfr.ratio, Some(0.5));
        assert_eq!(cfr.tier, Some(Tier::Low));
        assert_eq!(cfr.missing, None);
    }

    #[test]
    fn incident_goes_to_the_latest_deployment_of_its_app_at_or_before_opening() {
        let e = events(
            vec![
                deploy_at("a", ago(10 * DAY)),
                deploy_at("a", ago(5 * DAY)),
                deploy_at("a", ago(DAY)),
                deploy_at("b", ago(2 * DAY)),
            ],
            vec![],
            vec![incident("a", "1", ago(5 * DAY), None)],
        );
        let cfr = report(&e).change_failure_rate;
        assert_eq!((cfr.failed, cfr.deployments), (1, 4));
        assert_eq!(cfr.ratio, Some(0.25));
    }

    #[test]
    fn incident_before_any_deployment_of_its_app_is_not_attributed() {
        let e = events(
            vec![deploy_at("b", ago(20 * DAY)), deploy_at("a", ago(5 * DAY))],
            vec![],
            vec![incident("a", "1", ago(10 * DAY), None)],
        );
        let cfr = report(&e).change_failure_rate;
        assert_eq!((cfr.failed, cfr.deployments), (0, 2));
        assert_eq!(cfr.ratio, Some(0.0));
        assert_eq!(cfr.tier, Some(Tier::Elite));
    }

    #[test]
    fn unattributed_incident_fails_no_deployment() {
        let e = events(
            vec![
                deploy_at("a", ago(5 * DAY)),
                deploy_at(UNATTRIBUTED_APP, ago(5 * DAY)),
            ],
            vec![],
            vec![incident(UNATTRIBUTED_APP, "1", ago(DAY), None)],
        );
        assert_eq!(report(&e).change_failure_rate.failed, 0);
    }

    #[test]
    fn incident_caused_by_a_deployment_before_the_window_fails_nothing_in_it() {
        let e = events(
            vec![deploy_at("a", ago(31 * DAY)), deploy_at("a", ago(10 * DAY))],
            vec![],
            vec![incident("a", "1", ago(30 * DAY + HOUR), None)],
        );
        let cfr = report(&e).change_failure_rate;
        assert_eq!((cfr.failed, cfr.deployments), (0, 1));
    }

    #[test]
    fn change_failure_rate_needs_deployments_in_window() {
        let e = events(
            vec![deploy_at("a", ago(40 * DAY))],
            vec![],
            vec![incident("a", "1", ago(DAY), None)],
        );
        let cfr = report(&e).change_failure_rate;
        assert_eq!((cfr.ratio, cfr.tier), (None, None));
        assert_eq!(cfr.missing, Some(NO_DEPLOYMENTS));
    }

    #[test]
    fn change_failure_rate_tier_boundaries() {
        let t = change_failure_rate_tier;
        let (y23, y21) = (Benchmark::Dora2023, Benchmark::Dora2021);
        assert_eq!(t(y23, 0, 1), Tier::Elite);
        assert_eq!(t(y23, 1, 20), Tier::Elite);
        assert_eq!(t(y23, 1, 19), Tier::High);
        assert_eq!(t(y23, 2, 20), Tier::High);
        assert_eq!(t(y23, 3, 29), Tier::Medium);
        assert_eq!(t(y23, 3, 20), Tier::Medium);
        assert_eq!(t(y23, 4, 26), Tier::Low);
        assert_eq!(t(y23, 1, 1), Tier::Low);
        assert_eq!(t(y21, 3, 20), Tier::Elite);
        assert_eq!(t(y21, 4, 26), Tier::High);
        assert_eq!(t(y21, 4, 20), Tier::High);
        assert_eq!(t(y21, 5, 24), Tier::Medium);
        assert_eq!(t(y21, 6, 20), Tier::Medium);
        assert_eq!(t(y21, 7, 23), Tier::Low);
    }

    // ---- time to restore ----

    #[test]
    fn time_to_restore_is_the_median_over_incidents_resolved_in_window() {
        let e = events(
            vec![],
            vec![],
            vec![
                incident("a", "1", ago(DAY), Some(ago(DAY - HOUR))),
                incident("a", "2", ago(2 * DAY), Some(ago(2 * DAY - 3 * HOUR))),
                incident(UNATTRIBUTED_APP, "3", ago(HOUR), Some(now())),
                incident("a", "4", ago(HOUR), None),
                incident("a", "5", ago(31 * DAY), Some(ago(30 * DAY))),
                incident("a", "6", ago(HOUR), Some(now() + TimeDelta::seconds(1))),
            ],
        );
        let ttr = report(&e).time_to_restore;
        assert_eq!(ttr.n, 3);
        assert_eq!(ttr.median_seconds, Some(3_600.0));
        assert_eq!(ttr.tier, Some(Tier::High));
        assert_eq!(ttr.missing, None);
    }

    #[test]
    fn time_to_restore_even_median_and_negative_dropped() {
        let e = events(
            vec![],
            vec![],
            vec![
                incident("a", "1", ago(5 * HOUR), Some(ago(4 * HOUR))),
                incident("a", "2", ago(5 * HOUR), Some(ago(3 * HOUR))),
                incident("a", "3", ago(HOUR), Some(ago(2 * HOUR))),
            ],
        );
        let ttr = report(&e).time_to_restore;
        assert_eq!(ttr.n, 2);
        assert_eq!(ttr.median_seconds, Some(1.5 * 3_600.0));
    }

    #[test]
    fn incidents_are_deduplicated_by_app_and_id() {
        let e = events(
            vec![],
            vec![],
            vec![
                incident("a", "1", ago(2 * HOUR), None),
                incident("a", "1", ago(2 * HOUR), Some(ago(HOUR))),
                incident("a", "1", ago(2 * HOUR), Some(ago(HOUR))),
                incident("b", "1", ago(3 * HOUR), Some(ago(HOUR))),
            ],
        );
        let ttr = report(&e).time_to_restore;
        assert_eq!(ttr.n, 2);
        assert_eq!(ttr.median_seconds, Some(1.5 * 3_600.0));
    }

    #[test]
    fn time_to_restore_tier_boundaries_are_the_same_for_both_benchmarks() {
        for benchmark in [Benchmark::Dora2023, Benchmark::Dora2021] {
            let tier_for = |restore: TimeDelta| {
                let e = events(
                    vec![],
                    vec![],
                    vec![incident("a", "1", now() - restore, Some(now()))],
                );
                report_over(&e, days(30), benchmark).time_to_restore.tier
            };
            assert_eq!(
                tier_for(hours(1) - TimeDelta::seconds(1)),
                Some(Tier::Elite)
            );
            assert_eq!(tier_for(hours(1)), Some(Tier::High));
            assert_eq!(
                tier_for(hours(24) - TimeDelta::seconds(1)),
                Some(Tier::High)
            );
            assert_eq!(tier_for(hours(24)), Some(Tier::Medium));
            assert_eq!(
                tier_for(hours(7 * 24) - TimeDelta::seconds(1)),
                Some(Tier::Medium)
            );
            assert_eq!(tier_for(hours(7 * 24)), Some(Tier::Low));
        }
    }

    // ---- windows at the edge of the calendar ----

    #[test]
    fn degenerate_windows_do_not_panic() {
        let e = events(
            vec![deploy("a", None, Some("c1"), ago(HOUR))],
            vec![change("a", "c1", None, ago(2 * HOUR))],
            vec![incident("a", "1", ago(HOUR), Some(now()))],
        );
        let r = report_over(&e, Duration::ZERO, Benchmark::Dora2023);
        assert_eq!(r.deployment_frequency.missing, Some(NO_DEPLOYMENTS));
        let r = report_over(&e, Duration::MAX, Benchmark::Dora2021);
        assert_eq!(r.deployment_frequency.deployments, 1);
        assert_eq!(r.deployment_frequency.deploy_days_per_week, Some(0.0));
        assert_eq!(r.lead_time.n, 1);
        assert_eq!(r.change_failure_rate.failed, 1);
    }

    #[test]
    fn thresholds_list_four_tiers_per_key_elite_first() {
        for benchmark in [Benchmark::Dora2023, Benchmark::Dora2021] {
            for key in tier_thresholds(benchmark) {
                for (line, tier) in
                    key.tiers
                        .iter()
                        .zip([Tier::Elite, Tier::High, Tier::Medium, Tier::Low])
                {
                    assert!(line.starts_with(&format!("{}: ", tier.word())), "{line}");
                }
            }
        }
        assert_eq!(
            tier_thresholds(Benchmark::Dora2023)[1].tiers[0],
            "elite: < 1 day"
        );
        assert_eq!(
            tier_thresholds(Benchmark::Dora2021)[1].tiers[0],
            "elite: < 1 hour"
        );
    }

    // ---- properties ----

    fn arb_time() -> impl Strategy<Value = Timestamp> {
        // Whole hours from 2 days ahead to 40 days back, so ties and boundaries are common.
        (-48i64..40 * 24).prop_map(|h| ago(h * HOUR))
    }

    fn arb_app() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["a", "b", UNATTRIBUTED_APP])
    }

    fn arb_sha() -> impl Strategy<Value = Option<&'static str>> {
        prop::option::of(prop::sample::select(vec!["s1", "s2", "s3"]))
    }

    fn arb_commit() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["c1", "c2", "c3", "c4"])
    }

    fn arb_events() -> impl Strategy<Value = DoraEvents> {
        let deployment = (
            arb_app(),
            arb_sha(),
            prop::option::of(arb_commit()),
            arb_time(),
        )
            .prop_map(|(app, sha, commit, at)| deploy(app, sha, commit, at));
        let change = (arb_app(), arb_commit(), arb_sha(), arb_time())
            .prop_map(|(app, commit, sha, at)| change(app, commit, sha, at));
        let incident = (
            arb_app(),
            prop::sample::select(vec!["1", "2", "3", "4"]),
            arb_time(),
            prop::option::of(arb_time()),
        )
            .prop_map(|(app, id, opened, resolved)| incident(app, id, opened, resolved));
        (
            prop::collection::vec(deployment, 0..30),
            prop::collection::vec(change, 0..30),
            prop::collection::vec(incident, 0..15),
        )
            .prop_map(|(deployments, changes, incidents)| events(deployments, changes, incidents))
    }

    fn arb_window() -> impl Strategy<Value = Duration> {
        prop_oneof![
            Just(days(30)),
            Just(days(7)),
            Just(Duration::ZERO),
            Just(Duration::from_secs(1)),
            Just(Duration::MAX),
            (1u64..60 * 86_400).prop_map(Duration::from_secs),
        ]
    }

    fn arb_benchmark() -> impl Strategy<Value = Benchmark> {
        prop_oneof![Just(Benchmark::Dora2023), Just(Benchmark::Dora2021)]
    }

    fn arb_events_and_shuffle() -> impl Strategy<Value = (DoraEvents, DoraEvents)> {
        arb_events().prop_flat_map(|e| {
            let shuffled = (
                Just(e.deployments.clone()).prop_shuffle(),
                Just(e.changes.clone()).prop_shuffle(),
                Just(e.incidents.clone()).prop_shuffle(),
            )
                .prop_map(|(d, c, i)| events(d, c, i));
            (Just(e), shuffled)
        })
    }

    fn assert_missing_iff_no_figure(r: &DoraReport) {
        assert_eq!(
            r.deployment_frequency.missing.is_some(),
            r.deployment_frequency.per_day.is_none()
        );
        assert_eq!(
            r.lead_time.missing.is_some(),
            r.lead_time.median_seconds.is_none()
        );
        assert_eq!(
            r.change_failure_rate.missing.is_some(),
            r.change_failure_rate.ratio.is_none()
        );
        assert_eq!(
            r.time_to_restore.missing.is_some(),
            r.time_to_restore.median_seconds.is_none()
        );
    }

    fn assert_within_samples(figure: Option<f64>, mut samples: Vec<TimeDelta>) {
        samples.sort_unstable();
        match (figure, samples.first(), samples.last()) {
            (None, None, None) => {}
            (Some(figure), Some(&min), Some(&max)) => {
                assert!(seconds(min) <= figure && figure <= seconds(max));
            }
            other => panic!("figure and samples disagree: {other:?}"),
        }
    }

    proptest! {
        #[test]
        fn result_does_not_depend_on_event_order(
            (e, shuffled) in arb_events_and_shuffle(),
            window in arb_window(),
            benchmark in arb_benchmark(),
        ) {
            prop_assert_eq!(
                report_over(&e, window, benchmark),
                report_over(&shuffled, window, benchmark)
            );
        }

        #[test]
        fn duplicating_every_event_changes_nothing(
            e in arb_events(),
            window in arb_window(),
            benchmark in arb_benchmark(),
        ) {
            let mut doubled = e.clone();
            doubled.extend(&e);
            prop_assert_eq!(
                report_over(&e, window, benchmark),
                report_over(&doubled, window, benchmark)
            );
        }

        #[test]
        fn a_new_incident_never_lowers_change_failure_rate(
            e in arb_events(),
            app in arb_app(),
            opened in arb_time(),
            window in arb_window(),
        ) {
            let before = report_over(&e, window, Benchmark::Dora2023).change_failure_rate;
            let mut more = e.clone();
            more.incidents.push(incident(app, "new", opened, None));
            let after = report_over(&more, window, Benchmark::Dora2023).change_failure_rate;
            prop_assert_eq!(before.deployments, after.deployments);
            prop_assert!(after.failed >= before.failed);
            prop_assert!(after.ratio >= before.ratio);
        }

        #[test]
        fn counts_stay_within_their_populations(
            e in arb_events(),
            window in arb_window(),
            benchmark in arb_benchmark(),
        ) {
            let r = report_over(&e, window, benchmark);
            let cfr = &r.change_failure_rate;
            prop_assert!(cfr.failed <= cfr.deployments);
            prop_assert!(cfr.ratio.is_none_or(|ratio| (0.0..=1.0).contains(&ratio)));
            prop_assert_eq!(cfr.deployments, r.deployment_frequency.deployments);
            prop_assert!(r.deployment_frequency.deployments <= e.deployments.len());
            prop_assert!(r.lead_time.n <= e.changes.len());
            prop_assert!(r.time_to_restore.n <= e.incidents.len());
            assert_missing_iff_no_figure(&r);
        }

        #[test]
        fn medians_and_p90_lie_within_their_samples(
            e in arb_events(),
            window in arb_window(),
            benchmark in arb_benchmark(),
        ) {
            let r = report_over(&e, window, benchmark);
            let w = Window::ending_at(now(), window);
            let deployments = DeploymentIndex::new(&e.deployments);
            let lead = lead_time_samples(&e.changes, &deployments, w);
            prop_assert_eq!(lead.len(), r.lead_time.n);
            prop_assert!(lead.iter().all(|&l| l > TimeDelta::zero()));
            assert_within_samples(r.lead_time.median_seconds, lead.clone());
            assert_within_samples(r.lead_time.p90_seconds, lead);
            prop_assert!(r.lead_time.p90_seconds >= r.lead_time.median_seconds);
            let restore = restore_time_samples(&distinct_incidents(&e.incidents), w);
            prop_assert_eq!(restore.len(), r.time_to_restore.n);
            assert_within_samples(r.time_to_restore.median_seconds, restore);
            if let Some(days_per_week) = r.deployment_frequency.deploy_days_per_week {
                prop_assert!((0.0..=7.0).contains(&days_per_week));
            }
        }

        #[test]
        fn median_lies_between_min_and_max(mut samples in prop::collection::vec(0i64..1_000_000_000, 1..50)) {
            samples.sort_unstable();
            let sorted: Vec<TimeDelta> = samples.iter().map(|&s| TimeDelta::milliseconds(s)).collect();
            let median = median_seconds(&sorted).unwrap();
            let p90 = p90_seconds(&sorted).unwrap();
            let (min, max) = (seconds(sorted[0]), seconds(sorted[sorted.len() - 1]));
            prop_assert!(min <= median && median <= max);
            prop_assert!(median <= p90 && p90 <= max);
        }
    }

    /// Run with `cargo test --release --lib dora -- --ignored`.
    #[test]
    #[ignore = "timing; meaningful in release builds only"]
    fn one_million_events_well_under_a_second() {
        let mut e = DoraEvents::default();
        let apps: Vec<String> = (0..50).map(|i| format!("app{i}")).collect();
        for i in 0..400_000i64 {
            let app = &apps[(i % 50) as usize];
            let commit = format!("c{i}");
            let at = ago((i * 7) % (60 * DAY));
            e.deployments.push(deploy(app, None, Some(&commit), at));
            e.changes.push(change(
                app,
                &commit,
                None,
                at - TimeDelta::seconds(i % 5_000),
            ));
        }
        for i in 0..200_000i64 {
            let opened = ago((i * 13) % (60 * DAY));
            let app = &apps[(i % 50) as usize];
            e.incidents.push(incident(
                app,
                &i.to_string(),
                opened,
                Some(opened + hours(2)),
            ));
        }
        let started = std::time::Instant::now();
        let r = report(&e);
        let took = started.elapsed();
        eprintln!("1M events: {took:?}; {:?}", r.change_failure_rate);
        assert!(took < Duration::from_secs(1));
    }
}
