//! The samples behind each figure, sorted into (scope, window) buckets in one pass over the
//! indexed events: every service and the whole organisation, this window and the one before.

use super::events::{Delivery, DeploymentIndex, DistinctIncident, Micros, Window};
use super::rework::{Recovery, ReworkRule};

/// What one scope's keys are computed from, over one window.
#[derive(Debug, Default)]
pub(super) struct Samples {
    /// Finish time of each distinct deployment, whether an incident is attributed to it, and
    /// the rule that made it rework.
    pub deployments: Vec<(Micros, bool, Option<ReworkRule>)>,
    /// Delivery time and lead time of each change first delivered in the window (lead > 0).
    pub leads: Vec<(Micros, Micros)>,
    /// Resolution time and restore time of each incident resolved in the window.
    pub restores: Vec<(Micros, Micros)>,
    /// Last resolution time and recovery time of each failed deployment recovered in the window.
    pub recoveries: Vec<(Micros, Micros)>,
    /// Opening time of each incident opened in the window.
    pub opened: Vec<Micros>,
}

/// Index 0 is the current window, 1 the previous one.
pub(super) type TwoWindows = [Samples; 2];

pub(super) struct Buckets {
    pub overall: TwoWindows,
    /// Indexed by app id.
    pub by_app: Vec<TwoWindows>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn bucket(
    apps: usize,
    windows: [Window; 2],
    deployments: &DeploymentIndex,
    failed: &[bool],
    rework: &[Option<ReworkRule>],
    deliveries: &[Delivery],
    incidents: &[DistinctIncident],
    recoveries: &[Recovery],
) -> Buckets {
    let mut overall = TwoWindows::default();
    let mut by_app: Vec<TwoWindows> = (0..apps).map(|_| TwoWindows::default()).collect();
    let slot_of = |t: Micros| windows.iter().position(|w| w.contains(t));

    for (app, buckets) in by_app.iter_mut().enumerate() {
        for (slot, &window) in windows.iter().enumerate() {
            let positions = deployments.app_finished_in(app, window);
            let samples: Vec<(Micros, bool, Option<ReworkRule>)> = positions
                .map(|i| (deployments.finished_at(i), failed[i], rework[i]))
                .collect();
            overall[slot].deployments.extend_from_slice(&samples);
            buckets[slot].deployments = samples;
        }
    }
    for delivery in deliveries {
        let Some(delivered_at) = delivery.delivered_at else {
            continue;
        };
        let lead = delivered_at - delivery.committed_at;
        if lead <= 0 {
            continue;
        }
        if let Some(slot) = slot_of(delivered_at) {
            overall[slot].leads.push((delivered_at, lead));
            by_app[delivery.app as usize][slot]
                .leads
                .push((delivered_at, lead));
        }
    }
    for incident in incidents {
        if let Some(slot) = slot_of(incident.opened_at) {
            overall[slot].opened.push(incident.opened_at);
            by_app[incident.app as usize][slot]
                .opened
                .push(incident.opened_at);
        }
        let Some(resolved_at) = incident.resolved_at else {
            continue;
        };
        let restore = resolved_at - incident.opened_at;
        if restore < 0 {
            continue;
        }
        if let Some(slot) = slot_of(resolved_at) {
            overall[slot].restores.push((resolved_at, restore));
            by_app[incident.app as usize][slot]
                .restores
                .push((resolved_at, restore));
        }
    }
    for recovery in recoveries {
        if let Some(slot) = slot_of(recovery.resolved_at) {
            let sample = (recovery.resolved_at, recovery.recovery);
            overall[slot].recoveries.push(sample);
            by_app[recovery.app as usize][slot].recoveries.push(sample);
        }
    }
    Buckets { overall, by_app }
}
