//! Weekly buckets over the last weeks, for the trends view: each key as it stood week by week,
//! with the deployments and incidents of each week. Each week's keys follow the same definitions
//! as the window's (attribution over all events, medians, tiers); only the window is a week.

use std::time::Duration;

use super::events::{
    Apps, DeploymentIndex, Micros, Window, attribute, distinct_incidents, first_deliveries,
};
use super::rework;
use super::samples::Samples;
use super::{Benchmark, DAY_SECONDS, HOUR_SECONDS, Keys, Settings, Tier, WEEK_SECONDS, keys};
use crate::model::{DoraEvents, Timestamp};

/// Weeks the trends view shows.
pub const TREND_WEEKS: usize = 12;
const WEEK: Duration = Duration::from_secs(7 * 86_400);

/// One week `(end - 7 days, end]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    pub end: Timestamp,
    pub keys: Keys,
    /// Successful production deployments finished in the week.
    pub deployments: usize,
    /// Of those, the ones an incident is attributed to.
    pub failed_deployments: usize,
    /// Incidents opened in the week.
    pub incidents: usize,
}

/// The weeks, oldest first; the last ends at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Weekly {
    pub benchmark: Benchmark,
    pub weeks: Vec<Week>,
}

/// Each key's weekly figures over `weeks` weeks ending at `now`, with every rework rule.
pub fn weekly(events: &DoraEvents, now: Timestamp, weeks: usize, benchmark: Benchmark) -> Weekly {
    weekly_with(events, now, weeks, &Settings::new(benchmark))
}

/// `weekly` with rework rules of the caller's choosing.
pub fn weekly_with(
    events: &DoraEvents,
    now: Timestamp,
    weeks: usize,
    settings: &Settings,
) -> Weekly {
    let benchmark = settings.benchmark;
    let weeks = weeks.max(1);
    let windows: Vec<Window> = (0..weeks)
        .map(|i| {
            let back = (weeks - 1 - i) as i64 * WEEK.as_secs() as i64;
            Window::ending_at(now - chrono::Duration::seconds(back), WEEK)
        })
        .collect();
    let week_of = |t: Micros| windows.iter().position(|w| w.contains(t));
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
    let mut samples: Vec<Samples> = (0..weeks).map(|_| Samples::default()).collect();
    let mut opened = vec![0usize; weeks];
    for (position, (&was_failed, &rule)) in failed.iter().zip(&rework).enumerate() {
        let t = deployments.finished_at(position);
        if let Some(week) = week_of(t) {
            samples[week].deployments.push((t, was_failed, rule));
        }
    }
    for recovery in rework::recoveries(&deployments, &incidents, &attributed) {
        if let Some(week) = week_of(recovery.resolved_at) {
            samples[week]
                .recoveries
                .push((recovery.resolved_at, recovery.recovery));
        }
    }
    for delivery in &deliveries.changes {
        let Some(delivered_at) = delivery.delivered_at else {
            continue;
        };
        let lead = delivered_at - delivery.committed_at;
        if let Some(week) = week_of(delivered_at).filter(|_| lead > 0) {
            samples[week].leads.push((delivered_at, lead));
        }
    }
    for incident in &incidents {
        if let Some(week) = week_of(incident.opened_at) {
            opened[week] += 1;
        }
        let Some(resolved_at) = incident.resolved_at else {
            continue;
        };
        let restore = resolved_at - incident.opened_at;
        if let Some(week) = week_of(resolved_at).filter(|_| restore >= 0) {
            samples[week].restores.push((resolved_at, restore));
        }
    }
    let weeks = windows
        .iter()
        .zip(samples.iter().zip(opened))
        .map(|(&window, (samples, incidents))| Week {
            end: chrono::DateTime::from_timestamp_micros(window.end).unwrap_or(now),
            keys: keys(samples, window, benchmark),
            deployments: samples.deployments.len(),
            failed_deployments: samples.deployments.iter().filter(|d| d.1).count(),
            incidents,
        })
        .collect();
    Weekly { benchmark, weeks }
}

/// Which key a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendKey {
    DeploymentFrequency,
    LeadTime,
    ChangeFailureRate,
    TimeToRestore,
    DeploymentReworkRate,
    FailedDeploymentRecoveryTime,
}

impl TrendKey {
    pub const ALL: [TrendKey; 6] = [
        TrendKey::DeploymentFrequency,
        TrendKey::LeadTime,
        TrendKey::ChangeFailureRate,
        TrendKey::TimeToRestore,
        TrendKey::DeploymentReworkRate,
        TrendKey::FailedDeploymentRecoveryTime,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TrendKey::DeploymentFrequency => "Deploy frequency",
            TrendKey::LeadTime => "Lead time",
            TrendKey::ChangeFailureRate => "Change failure rate",
            TrendKey::TimeToRestore => "Time to restore",
            TrendKey::DeploymentReworkRate => "Rework rate",
            TrendKey::FailedDeploymentRecoveryTime => "Failed deployment recovery",
        }
    }

    /// For a narrow chart's title.
    pub fn short_name(self) -> &'static str {
        match self {
            TrendKey::DeploymentFrequency => "Deploys",
            TrendKey::LeadTime => "Lead time",
            TrendKey::ChangeFailureRate => "Failure rate",
            TrendKey::TimeToRestore => "Restore",
            TrendKey::DeploymentReworkRate => "Rework",
            TrendKey::FailedDeploymentRecoveryTime => "Recovery",
        }
    }

    /// Higher is better for deployment frequency only.
    pub fn higher_is_better(self) -> bool {
        self == TrendKey::DeploymentFrequency
    }

    /// Spans of time read best on a log scale (an hour and a month on one chart).
    pub fn logarithmic(self) -> bool {
        matches!(
            self,
            TrendKey::LeadTime | TrendKey::TimeToRestore | TrendKey::FailedDeploymentRecoveryTime
        )
    }

    /// The week's figure in the chart's unit: deploy-days, seconds, or a ratio. None where the
    /// key has no data that week (a week without deployments deployed 0 days, which is a figure).
    pub fn value(self, week: &Week) -> Option<f64> {
        let keys = &week.keys;
        match self {
            TrendKey::DeploymentFrequency => Some(
                keys.deployment_frequency
                    .deploy_days_per_week
                    .unwrap_or(0.0),
            ),
            TrendKey::LeadTime => keys.lead_time.median_seconds,
            TrendKey::ChangeFailureRate => keys.change_failure_rate.ratio,
            TrendKey::TimeToRestore => keys.time_to_restore.median_seconds,
            TrendKey::DeploymentReworkRate => keys.deployment_rework_rate.ratio,
            TrendKey::FailedDeploymentRecoveryTime => {
                keys.failed_deployment_recovery_time.median_seconds
            }
        }
    }

    pub fn tier(self, week: &Week) -> Option<Tier> {
        let keys = &week.keys;
        match self {
            TrendKey::DeploymentFrequency => keys.deployment_frequency.tier,
            TrendKey::LeadTime => keys.lead_time.tier,
            TrendKey::ChangeFailureRate => keys.change_failure_rate.tier,
            TrendKey::TimeToRestore => keys.time_to_restore.tier,
            // Rework rate has no tiers: DORA scores it (2025) but never clustered it.
            TrendKey::DeploymentReworkRate => None,
            TrendKey::FailedDeploymentRecoveryTime => keys.failed_deployment_recovery_time.tier,
        }
    }

    /// The limits between elite and high, high and medium, medium and low, in the chart's
    /// unit. Deployment frequency's "once a month" and "once in six months" are drawn as the
    /// deploy-days a week they amount to. Rework rate, without tiers, draws where its 2025 score
    /// is 9, 8 and 7 (a rate scores 10 - percent / 10); recovery time uses the restore limits.
    pub fn thresholds(self, benchmark: Benchmark) -> [f64; 3] {
        let month_per_week = 7.0 / 30.0;
        match (self, benchmark) {
            (TrendKey::DeploymentFrequency, Benchmark::Dora2023) => [5.0, 1.0, month_per_week],
            (TrendKey::DeploymentFrequency, Benchmark::Dora2021) => {
                [5.0, month_per_week, 7.0 / 182.5]
            }
            (TrendKey::LeadTime, Benchmark::Dora2023) => {
                [DAY_SECONDS, WEEK_SECONDS, 30.0 * DAY_SECONDS]
            }
            (TrendKey::LeadTime, Benchmark::Dora2021) => {
                [HOUR_SECONDS, WEEK_SECONDS, 182.0 * DAY_SECONDS]
            }
            (TrendKey::ChangeFailureRate, Benchmark::Dora2023) => [0.05, 0.10, 0.15],
            (TrendKey::ChangeFailureRate, Benchmark::Dora2021) => [0.15, 0.20, 0.30],
            (TrendKey::TimeToRestore | TrendKey::FailedDeploymentRecoveryTime, _) => {
                [HOUR_SECONDS, DAY_SECONDS, WEEK_SECONDS]
            }
            (TrendKey::DeploymentReworkRate, _) => [0.10, 0.20, 0.30],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Change, Deployment, Incident};
    use chrono::TimeZone;

    fn now() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap()
    }

    fn days_ago(days: f64) -> Timestamp {
        now() - chrono::Duration::seconds((days * 86_400.0) as i64)
    }

    fn deploy(commit: &str, at: Timestamp) -> Deployment {
        Deployment {
            app: "api".into(),
            image_sha: None,
            commit: Some(commit.into()),
            finished_at: at,
            marked: None,
        }
    }

    fn events() -> DoraEvents {
        DoraEvents {
            deployments: vec![
                deploy("a", days_ago(1.0)),
                deploy("b", days_ago(2.5)),
                deploy("c", days_ago(4.0)),
                // The oldest week: 11 weeks and a day back.
                deploy("d", days_ago(78.0)),
                // Outside the twelve weeks.
                deploy("e", days_ago(90.0)),
            ],
            changes: vec![Change {
                app: "api".into(),
                commit: "d".into(),
                image_sha: None,
                committed_at: days_ago(80.0),
            }],
            incidents: vec![Incident {
                app: "api".into(),
                id: "INC-1".into(),
                opened_at: days_ago(2.0),
                resolved_at: Some(days_ago(2.0) + chrono::Duration::hours(2)),
            }],
        }
    }

    #[test]
    fn twelve_weeks_oldest_first_with_each_weeks_keys() {
        let weekly = weekly(&events(), now(), TREND_WEEKS, Benchmark::Dora2023);
        assert_eq!(weekly.weeks.len(), 12);
        assert_eq!(weekly.weeks[11].end, now());
        assert_eq!(weekly.weeks[0].end, now() - chrono::Duration::days(77));
        let last = &weekly.weeks[11];
        assert_eq!(
            (last.deployments, last.failed_deployments, last.incidents),
            (3, 1, 1)
        );
        let df = TrendKey::DeploymentFrequency;
        assert_eq!(df.value(last), Some(3.0));
        assert_eq!(df.tier(last), Some(Tier::High));
        let cfr = TrendKey::ChangeFailureRate;
        assert_eq!(cfr.value(last), Some(1.0 / 3.0));
        assert_eq!(cfr.tier(last), Some(Tier::Low));
        assert_eq!(TrendKey::TimeToRestore.value(last), Some(7_200.0));
        assert_eq!(TrendKey::TimeToRestore.tier(last), Some(Tier::High));

        let quiet = &weekly.weeks[10];
        assert_eq!(
            df.value(quiet),
            Some(0.0),
            "no deployment is a figure: zero days"
        );
        assert_eq!(cfr.value(quiet), None, "no deployment, no rate");
        assert_eq!(TrendKey::LeadTime.value(quiet), None);

        let oldest = &weekly.weeks[0];
        assert_eq!(
            oldest.deployments, 1,
            "the deployment 90 days back is outside"
        );
        assert_eq!(TrendKey::LeadTime.value(oldest), Some(2.0 * 86_400.0));
    }

    #[test]
    fn thresholds_follow_the_benchmark() {
        assert_eq!(
            TrendKey::LeadTime.thresholds(Benchmark::Dora2021)[0],
            HOUR_SECONDS
        );
        assert_eq!(
            TrendKey::ChangeFailureRate.thresholds(Benchmark::Dora2023),
            [0.05, 0.10, 0.15]
        );
        for key in TrendKey::ALL {
            for benchmark in [Benchmark::Dora2023, Benchmark::Dora2021] {
                let [a, b, c] = key.thresholds(benchmark);
                let ordered = if key.higher_is_better() {
                    a > b && b > c
                } else {
                    a < b && b < c
                };
                assert!(ordered, "{key:?} {benchmark:?}");
            }
        }
    }
}
