//! Daily buckets across the window, for sparklines: what each key looked like day by day.

use super::events::{Micros, Window};
use super::median_seconds;
use super::samples::Samples;

/// A longer window keeps only its latest days in the series (the figures use all of it).
pub const MAX_SERIES_DAYS: usize = 366;

/// Days of 24 h counted back from the window's end, oldest first; the last bucket ends now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Deployments finished each day.
    pub deployments: Vec<usize>,
    /// Median lead time of the changes delivered each day.
    pub lead_time_seconds: Vec<Option<f64>>,
    /// Failed over all deployments finished each day.
    pub change_failure_rate: Vec<Option<f64>>,
    /// Median restore time of the incidents resolved each day.
    pub time_to_restore_seconds: Vec<Option<f64>>,
    /// Rework over all deployments finished each day.
    pub deployment_rework_rate: Vec<Option<f64>>,
    /// Median recovery time of the failed deployments recovered each day.
    pub failed_deployment_recovery_time_seconds: Vec<Option<f64>>,
    /// Failed deployments finished each day.
    pub failed_deployments: Vec<usize>,
    /// Incidents opened each day.
    pub incidents: Vec<usize>,
}

impl Series {
    pub(super) fn over(samples: &Samples, window: Window) -> Series {
        let days = (window.length.as_secs().div_ceil(86_400) as usize).clamp(1, MAX_SERIES_DAYS);
        // Bucket 0 is the oldest day; days beyond the series' reach are left out.
        let bucket = |t| {
            let back = window.day_of(t) as usize;
            (back < days).then(|| days - 1 - back)
        };
        let mut deployments = vec![0usize; days];
        let mut failed = vec![0usize; days];
        let mut rework = vec![0usize; days];
        for &(t, was_failed, rule) in &samples.deployments {
            if let Some(day) = bucket(t) {
                deployments[day] += 1;
                failed[day] += usize::from(was_failed);
                rework[day] += usize::from(rule.is_some());
            }
        }
        let share = |part: &[usize]| {
            deployments
                .iter()
                .zip(part)
                .map(|(&total, &part)| (total > 0).then(|| part as f64 / total as f64))
                .collect()
        };
        let change_failure_rate = share(&failed);
        let mut incidents = vec![0usize; days];
        for &t in &samples.opened {
            if let Some(day) = bucket(t) {
                incidents[day] += 1;
            }
        }
        Series {
            failed_deployments: failed,
            incidents,
            deployment_rework_rate: share(&rework),
            failed_deployment_recovery_time_seconds: daily_medians(
                &samples.recoveries,
                days,
                bucket,
            ),
            lead_time_seconds: daily_medians(&samples.leads, days, bucket),
            time_to_restore_seconds: daily_medians(&samples.restores, days, bucket),
            deployments,
            change_failure_rate,
        }
    }

    pub fn days(&self) -> usize {
        self.deployments.len()
    }
}

fn daily_medians(
    samples: &[(Micros, Micros)],
    days: usize,
    bucket: impl Fn(Micros) -> Option<usize>,
) -> Vec<Option<f64>> {
    let mut by_day: Vec<Vec<Micros>> = vec![Vec::new(); days];
    for &(t, duration) in samples {
        if let Some(day) = bucket(t) {
            by_day[day].push(duration);
        }
    }
    by_day.iter_mut().map(|day| median_seconds(day)).collect()
}
