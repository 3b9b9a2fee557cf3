//! The keys per service, worst first. Each service's figures come from its own events; the
//! overall figures are computed from all events, never from these.

use super::events::Window;
use super::samples::TwoWindows;
use super::scores::{self, Industry, Scores};
use super::{Benchmark, Keys, Tier, Trends, keys};
use crate::model::UNATTRIBUTED_APP;

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceReport {
    pub app: String,
    /// The current window.
    pub keys: Keys,
    pub trend: Trends,
    /// The current window's 2025 scores.
    pub scores: Scores,
}

impl ServiceReport {
    /// The worst tier among the keys that have one.
    pub fn worst_tier(&self) -> Option<Tier> {
        [
            self.keys.deployment_frequency.tier,
            self.keys.lead_time.tier,
            self.keys.change_failure_rate.tier,
            self.keys.time_to_restore.tier,
            self.keys.failed_deployment_recovery_time.tier,
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// Every named service with an event in either window, worst first: by worst tier, then by
/// change failure rate, then by name. Services without any tier come last.
pub(super) fn by_service(
    names: &[&str],
    buckets: &[TwoWindows],
    [current, previous]: [Window; 2],
    benchmark: Benchmark,
    industry: &Industry,
) -> Vec<ServiceReport> {
    let mut services: Vec<ServiceReport> = names
        .iter()
        .zip(buckets)
        .filter(|(name, samples)| {
            **name != UNATTRIBUTED_APP
                && samples.iter().any(|s| {
                    !(s.deployments.is_empty()
                        && s.leads.is_empty()
                        && s.opened.is_empty()
                        && s.restores.is_empty()
                        && s.recoveries.is_empty())
                })
        })
        .map(|(name, [now, before])| {
            let keys_now = keys(now, current, benchmark);
            let keys_before = keys(before, previous, benchmark);
            ServiceReport {
                app: name.to_string(),
                trend: Trends::between(&keys_now, &keys_before),
                scores: scores::score(&keys_now, current.length, industry),
                keys: keys_now,
            }
        })
        .collect();
    services.sort_by(|a, b| {
        let failure = |s: &ServiceReport| s.keys.change_failure_rate.ratio.unwrap_or(-1.0);
        b.worst_tier()
            .cmp(&a.worst_tier())
            .then(failure(b).total_cmp(&failure(a)))
            .then_with(|| a.app.cmp(&b.app))
    });
    services
}
