//! Deployment rework (DORA's fifth key since 2024): which deployments were unplanned, made to
//! fix a user-facing problem, and by which rule; and how long failed deployments took to
//! recover (failed deployment recovery time, since 2023).

use serde::Serialize;

use super::events::{DeploymentIndex, DistinctIncident, Micros};
use super::keys::KeyIndex;

/// The rule that made a deployment rework. Each deployment counts once, by the first rule in
/// this order that holds: what the source says outranks what the timeline suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReworkRule {
    /// The source marks it: a hotfix or revert label, or a revert commit.
    Marked,
    /// It delivers a commit (or image) an earlier deployment of the service delivered, and
    /// the deployment just before it did not: a return to an older version.
    Rollback,
    /// It finished while an incident of the same service was open: opened before it
    /// finished, not resolved before it. A deployment does not fix the incident it caused.
    Fix,
}

impl ReworkRule {
    pub fn word(self) -> &'static str {
        match self {
            ReworkRule::Marked => "marked",
            ReworkRule::Rollback => "rollback",
            ReworkRule::Fix => "fix",
        }
    }

    pub fn parse(word: &str) -> Option<ReworkRule> {
        match word.trim() {
            "fix" => Some(ReworkRule::Fix),
            "rollback" => Some(ReworkRule::Rollback),
            "marked" => Some(ReworkRule::Marked),
            _ => None,
        }
    }
}

/// Which rules count (`[dora] rework_rules`); all by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReworkRules {
    pub fix: bool,
    pub rollback: bool,
    pub marked: bool,
}

impl Default for ReworkRules {
    fn default() -> Self {
        ReworkRules {
            fix: true,
            rollback: true,
            marked: true,
        }
    }
}

impl ReworkRules {
    pub fn none() -> ReworkRules {
        ReworkRules {
            fix: false,
            rollback: false,
            marked: false,
        }
    }

    pub fn with(mut self, rule: ReworkRule) -> ReworkRules {
        match rule {
            ReworkRule::Fix => self.fix = true,
            ReworkRule::Rollback => self.rollback = true,
            ReworkRule::Marked => self.marked = true,
        }
        self
    }

    /// The rules on, in JSON order.
    pub fn words(self) -> Vec<&'static str> {
        [
            (self.fix, "fix"),
            (self.rollback, "rollback"),
            (self.marked, "marked"),
        ]
        .into_iter()
        .filter_map(|(on, word)| on.then_some(word))
        .collect()
    }
}

/// Each distinct deployment's rework rule, by position in the index; None when it is not
/// rework under the rules in force.
/// `known_commits` gives, by position, the id of the deployment's commit among the distinct
/// changes, when it is one (`changes` of them).
pub(super) fn classify(
    deployments: &DeploymentIndex,
    incidents: &[DistinctIncident],
    known_commits: (&[Option<u32>], usize),
    rules: ReworkRules,
) -> Vec<Option<ReworkRule>> {
    let n = deployments.len();
    let fix = if rules.fix {
        during_open_incidents(deployments, incidents)
    } else {
        Vec::new()
    };
    let rollback = if rules.rollback {
        rollbacks(deployments, known_commits)
    } else {
        Vec::new()
    };
    (0..n)
        .map(|position| {
            if rules.marked && deployments.record(position).marked.is_some() {
                Some(ReworkRule::Marked)
            } else if rollback.get(position) == Some(&true) {
                Some(ReworkRule::Rollback)
            } else if fix.get(position) == Some(&true) {
                Some(ReworkRule::Fix)
            } else {
                None
            }
        })
        .collect()
}

/// Whether each deployment finished while an incident of its app was open: after the
/// incident opened (a deployment at that instant is the one it is attributed to), at or
/// before its resolution. Each incident covers a contiguous run of its app's positions,
/// counted with a difference array.
fn during_open_incidents(
    deployments: &DeploymentIndex,
    incidents: &[DistinctIncident],
) -> Vec<bool> {
    let n = deployments.len();
    let mut cover = vec![0i32; n + 1];
    for incident in incidents {
        let Some(app) = incident.attributable_app else {
            continue;
        };
        let range = deployments.app_positions(app);
        if range.is_empty() {
            continue;
        }
        let times = deployments.finished_times(range.clone());
        let first = range.start + times.partition_point(|&t| t <= incident.opened_at);
        let end = match incident.resolved_at {
            Some(resolved) => range.start + times.partition_point(|&t| t <= resolved),
            None => range.end,
        };
        if first < end {
            cover[first] += 1;
            cover[end] -= 1;
        }
    }
    let mut open = 0i32;
    cover[..n]
        .iter()
        .map(|&delta| {
            open += delta;
            open > 0
        })
        .collect()
}

/// The version a deployment delivers: its commit, else its image.
fn version(deployment: &crate::model::Deployment) -> Option<&str> {
    deployment
        .commit
        .as_deref()
        .or(deployment.image_sha.as_deref())
}

/// Whether each deployment returns to a version an earlier deployment of the app delivered,
/// other than the version deployed just before it (a redeploy of the same version is not a
/// rollback). Versions are numbered: a commit that is a known change keeps that change's id;
/// the other versions are numbered after them by an index of their own.
fn rollbacks(
    deployments: &DeploymentIndex,
    (known_commits, changes): (&[Option<u32>], usize),
) -> Vec<bool> {
    let n = deployments.len();
    let mut id_at: Vec<Option<u32>> = known_commits.to_vec();
    id_at.resize(n, None);
    let others: Vec<(usize, u32, &str)> = (0..n)
        .filter(|&p| id_at[p].is_none())
        .filter_map(|p| Some((p, deployments.app_of(p), version(deployments.record(p))?)))
        .collect();
    let (_, ids, keys) = KeyIndex::new(
        others.len(),
        |i| (others[i].1, others[i].2),
        |_| (),
        |_, _| (),
    );
    for (&(position, _, _), &id) in others.iter().zip(&ids) {
        id_at[position] = Some(changes as u32 + id);
    }
    let mut seen = vec![false; changes + keys.len()];
    let mut rollback = vec![false; n];
    for app in 0..deployments.apps() {
        let mut previous: Option<u32> = None;
        for position in deployments.app_positions(app as u32) {
            let id = id_at[position];
            if let Some(id) = id {
                rollback[position] = seen[id as usize] && previous != Some(id);
                seen[id as usize] = true;
            }
            previous = id;
        }
    }
    rollback
}

/// One recovered failed deployment: its app, when its last attributed incident was resolved,
/// and how long after the deployment finished that was.
pub(super) struct Recovery {
    pub app: u32,
    pub resolved_at: Micros,
    pub recovery: Micros,
}

/// For each failed deployment (one with an attributed incident) whose attributed incidents
/// are all resolved: the last resolution minus the deployment's finish.
pub(super) fn recoveries(
    deployments: &DeploymentIndex,
    incidents: &[DistinctIncident],
    attributed: &[Option<usize>],
) -> Vec<Recovery> {
    let n = deployments.len();
    // None: no attributed incident; Some(None): one is still open.
    let mut last: Vec<Option<Option<Micros>>> = vec![None; n];
    for (incident, position) in incidents.iter().zip(attributed) {
        let Some(position) = *position else {
            continue;
        };
        let slot = &mut last[position];
        *slot = Some(match (*slot, incident.resolved_at) {
            (Some(None), _) | (_, None) => None,
            (Some(Some(earlier)), Some(resolved)) => Some(earlier.max(resolved)),
            (None, Some(resolved)) => Some(resolved),
        });
    }
    last.iter()
        .enumerate()
        .filter_map(|(position, last)| {
            let resolved_at = (*last)??;
            let recovery = resolved_at - deployments.finished_at(position);
            (recovery >= 0).then(|| Recovery {
                app: deployments.app_of(position),
                resolved_at,
                recovery,
            })
        })
        .collect()
}
