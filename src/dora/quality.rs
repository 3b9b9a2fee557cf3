//! What the figures could not see: events that join nothing, and figures on few samples.

use super::Keys;
use super::events::{Deliveries, DeploymentIndex, DistinctIncident, Window};

/// A figure built on fewer samples than this says so.
pub const LOW_SAMPLE: usize = 5;

/// A key whose figure stands on fewer than `LOW_SAMPLE` samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowSample {
    /// The key's JSON name, e.g. "lead_time".
    pub key: &'static str,
    pub n: usize,
}

/// A key with no figure, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAvailable {
    pub key: &'static str,
    pub reason: &'static str,
}

/// Counts over the current window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataQuality {
    /// Deployments finished in the window that no change record shares an app and a commit
    /// or image with: they add to frequency and failure rate but no lead time.
    pub deployments_without_change: usize,
    /// Distinct changes committed in the window that no deployment has delivered yet.
    pub changes_not_deployed: usize,
    /// Distinct incidents opened in the window attributed to no service (`app="unknown"`):
    /// they count for time to restore but fail no deployment.
    pub incidents_unattributed: usize,
    /// Distinct incidents of a service opened in the window before any deployment of it.
    pub incidents_without_deployment: usize,
    /// The overall figures on fewer than `LOW_SAMPLE` samples (at least one).
    pub low_samples: Vec<LowSample>,
    /// The overall figures that are N/A.
    pub not_available: Vec<NotAvailable>,
}

/// The JSON names of the keys, in order.
pub const KEY_NAMES: [&str; 4] = [
    "deployment_frequency",
    "lead_time",
    "change_failure_rate",
    "time_to_restore",
];

/// Sample size and N/A reason of each key, in `KEY_NAMES` order.
pub fn samples_and_reasons(keys: &Keys) -> [(usize, Option<&'static str>); 4] {
    [
        (
            keys.deployment_frequency.deployments,
            keys.deployment_frequency.missing,
        ),
        (keys.lead_time.n, keys.lead_time.missing),
        (
            keys.change_failure_rate.deployments,
            keys.change_failure_rate.missing,
        ),
        (keys.time_to_restore.n, keys.time_to_restore.missing),
    ]
}

pub(super) fn assess(
    overall: &Keys,
    window: Window,
    deployments: &DeploymentIndex,
    deliveries: &Deliveries,
    incidents: &[DistinctIncident],
    attributed: &[Option<usize>],
) -> DataQuality {
    let deployments_without_change = (0..deployments.len())
        .filter(|&i| {
            !deliveries.deployment_matched[i] && window.contains(deployments.finished_at(i))
        })
        .count();
    let changes_not_deployed = deliveries
        .changes
        .iter()
        .filter(|c| c.delivered_at.is_none() && window.contains(c.committed_at))
        .count();
    let opened_in_window = || {
        incidents
            .iter()
            .zip(attributed)
            .filter(move |(incident, _)| window.contains(incident.opened_at))
    };
    let incidents_unattributed = opened_in_window()
        .filter(|(incident, _)| incident.attributable_app.is_none())
        .count();
    let incidents_without_deployment = opened_in_window()
        .filter(|(incident, deployment)| {
            incident.attributable_app.is_some() && deployment.is_none()
        })
        .count();
    let mut low_samples = Vec::new();
    let mut not_available = Vec::new();
    let newer = [
        (
            "deployment_rework_rate",
            (
                overall.deployment_rework_rate.deployments,
                overall.deployment_rework_rate.missing,
            ),
        ),
        (
            "failed_deployment_recovery_time",
            (
                overall.failed_deployment_recovery_time.n,
                overall.failed_deployment_recovery_time.missing,
            ),
        ),
    ];
    let all_keys = KEY_NAMES
        .into_iter()
        .zip(samples_and_reasons(overall))
        .chain(newer);
    for (key, (n, missing)) in all_keys {
        if let Some(reason) = missing {
            not_available.push(NotAvailable { key, reason });
        } else if n < LOW_SAMPLE {
            low_samples.push(LowSample { key, n });
        }
    }
    DataQuality {
        deployments_without_change,
        changes_not_deployed,
        incidents_unattributed,
        incidents_without_deployment,
        low_samples,
        not_available,
    }
}
