//! De-duplicated, indexed views of the DORA events, built once per computation.
//!
//! App names are interned to small integers, commits and incident ids are numbered by a
//! `KeyIndex`, and every index is a flat array, so a million events cost a sort and a few
//! passes rather than pointer-chasing string comparisons or an allocation per key.

use std::ops::Range;
use std::time::Duration;

use super::fxhash::FastMap;
use super::keys::KeyIndex;
use super::names::PackedName;
use crate::model::{Change, Deployment, Incident, Timestamp, UNATTRIBUTED_APP};

/// An instant (microseconds since the epoch) or a span, in whole microseconds. A million
/// events are compared, sorted and subtracted many times over: plain integers do that several
/// times faster than chrono's types.
pub(super) type Micros = i64;

pub(super) fn micros(t: Timestamp) -> Micros {
    t.timestamp_micros()
}

pub(super) const SECOND: Micros = 1_000_000;
const DAY: Micros = 86_400 * SECOND;
const WEEK: Micros = 7 * DAY;

/// The half-open interval `(start, end]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub start: Micros,
    pub end: Micros,
    pub length: Duration,
}

impl Window {
    pub fn ending_at(end: Timestamp, length: Duration) -> Window {
        Window::ending_at_micros(micros(end), length)
    }

    /// A window longer than the calendar reaches back to the earliest representable time.
    fn ending_at_micros(end: Micros, length: Duration) -> Window {
        let span = Micros::try_from(length.as_micros()).unwrap_or(Micros::MAX);
        Window {
            start: end.saturating_sub(span),
            end,
            length,
        }
    }

    /// The window of the same length that ends where this one starts.
    pub fn preceding(self) -> Window {
        Window::ending_at_micros(self.start, self.length)
    }

    pub fn contains(self, t: Micros) -> bool {
        self.start < t && t <= self.end
    }

    pub fn days(self) -> f64 {
        self.length.as_secs_f64() / 86_400.0
    }

    /// Consecutive 7-day buckets ending at `end` that lie wholly inside the window; at least one.
    pub fn whole_weeks(self) -> u64 {
        (self.length.as_secs() / (WEEK / SECOND) as u64).max(1)
    }

    /// 0 for `(end - 1d, end]`, 1 for the day before that, and so on. Days, like weeks, are
    /// counted back from the window's end, so a week always holds exactly seven of them.
    pub fn day_of(self, t: Micros) -> u64 {
        (self.before_end(t) / DAY) as u64
    }

    /// 0 for `(end - 7d, end]`, 1 for the 7 days before that, and so on.
    pub fn week_of(self, t: Micros) -> u64 {
        (self.before_end(t) / WEEK) as u64
    }

    /// Whole seconds from `t` to the end (none after it), in microseconds.
    fn before_end(self, t: Micros) -> Micros {
        let before = self.end.saturating_sub(t).max(0);
        before - before % SECOND
    }
}

/// Small integer ids for app names.
#[derive(Default)]
pub(super) struct Apps<'a> {
    /// Names that pack, by their packing: there is one lookup per event, and hashing and
    /// comparing three words is cheaper than reading a string from its allocation.
    packed: FastMap<PackedName, u32>,
    long: FastMap<&'a str, u32>,
    /// Indexed by id.
    names: Vec<&'a str>,
}

impl<'a> Apps<'a> {
    fn id(&mut self, app: &'a str) -> u32 {
        let next = self.names.len() as u32;
        let packed = PackedName::new(app);
        let id = if packed.is_long() {
            *self.long.entry(app).or_insert(next)
        } else {
            *self.packed.entry(packed).or_insert(next)
        };
        if id == next {
            self.names.push(app);
        }
        id
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn get(&self, app: &str) -> Option<u32> {
        let packed = PackedName::new(app);
        if packed.is_long() {
            self.long.get(app).copied()
        } else {
            self.packed.get(&packed).copied()
        }
    }

    /// Names indexed by id.
    pub fn names(&self) -> &[&'a str] {
        &self.names
    }
}

/// Distinct deployments sorted by app, then finish time (ties by image sha and commit, so the
/// order does not depend on the input's).
pub(super) struct DeploymentIndex<'a> {
    deployments: Vec<&'a Deployment>,
    app_ids: Vec<u32>,
    finished: Vec<Micros>,
    /// Each app's positions, indexed by app id.
    by_app: Vec<Range<usize>>,
    /// The records as given, with each one's app id and position (duplicates share one), so
    /// a pass over them reads memory in order.
    inputs: &'a [Deployment],
    input_apps: Vec<u32>,
    input_positions: Vec<u32>,
}

impl<'a> DeploymentIndex<'a> {
    pub fn new(deployments: &'a [Deployment], apps: &mut Apps<'a>) -> DeploymentIndex<'a> {
        let n = deployments.len();
        let input_apps: Vec<u32> = deployments.iter().map(|d| apps.id(&d.app)).collect();
        // Each app's deployments together by a counting sort (apps are few), then each app's
        // sorted by time: slices that fit the cache sort faster than the whole list does.
        let mut app_starts = vec![0usize; apps.len() + 1];
        for &app in &input_apps {
            app_starts[app as usize + 1] += 1;
        }
        for app in 1..app_starts.len() {
            app_starts[app] += app_starts[app - 1];
        }
        let mut by_app_then_time: Vec<(Micros, u32)> = vec![(0, 0); n];
        let mut next = app_starts.clone();
        for (input, (deployment, &app)) in deployments.iter().zip(&input_apps).enumerate() {
            let slot = &mut next[app as usize];
            by_app_then_time[*slot] = (micros(deployment.finished_at), input as u32);
            *slot += 1;
        }
        let record = |input: u32| &deployments[input as usize];
        let mut input_positions = vec![0u32; n];
        let mut app_ids = Vec::with_capacity(n);
        let mut finished = Vec::with_capacity(n);
        let mut kept: Vec<&Deployment> = Vec::with_capacity(n);
        let mut by_app = vec![0..0; apps.len()];
        for (app, range) in app_starts.windows(2).enumerate() {
            let same_app = &mut by_app_then_time[range[0]..range[1]];
            // The order covers every field, so equal deployments end up adjacent.
            same_app.sort_unstable_by(|&(t, a), &(u, b)| {
                t.cmp(&u).then_with(|| {
                    let (a, b) = (record(a), record(b));
                    (&a.image_sha, &a.commit).cmp(&(&b.image_sha, &b.commit))
                })
            });
            let start = kept.len();
            for &(time, input) in same_app.iter() {
                // Times first: comparing them is cheaper than the strings inside the records.
                let repeat = kept.len() > start
                    && finished.last() == Some(&time)
                    && kept.last() == Some(&record(input));
                if !repeat {
                    app_ids.push(app as u32);
                    finished.push(time);
                    kept.push(record(input));
                }
                input_positions[input as usize] = (kept.len() - 1) as u32;
            }
            by_app[app] = start..kept.len();
        }
        DeploymentIndex {
            deployments: kept,
            app_ids,
            finished,
            by_app,
            inputs: deployments,
            input_apps,
            input_positions,
        }
    }

    pub fn len(&self) -> usize {
        self.finished.len()
    }

    pub fn finished_at(&self, position: usize) -> Micros {
        self.finished[position]
    }

    /// Finish times of the positions in `range` (ascending within an app's range).
    pub fn finished_times(&self, range: Range<usize>) -> &[Micros] {
        &self.finished[range]
    }

    /// The distinct deployment at `position`.
    pub fn record(&self, position: usize) -> &'a Deployment {
        self.deployments[position]
    }

    pub fn app_of(&self, position: usize) -> u32 {
        self.app_ids[position]
    }

    /// Positions of the app's deployments, in time order.
    pub fn app_positions(&self, app: u32) -> Range<usize> {
        self.by_app.get(app as usize).cloned().unwrap_or(0..0)
    }

    /// Number of apps the index has a range for.
    pub fn apps(&self) -> usize {
        self.by_app.len()
    }

    /// Positions of the app's deployments finished inside the window (they are contiguous).
    pub fn app_finished_in(&self, app: usize, window: Window) -> Range<usize> {
        let Some(range) = self.by_app.get(app).cloned() else {
            return 0..0;
        };
        let times = &self.finished[range.clone()];
        let first = times.partition_point(|&t| t <= window.start);
        let end = times.partition_point(|&t| t <= window.end);
        range.start + first..range.start + end.max(first)
    }

    /// Position of the app's latest deployment finished at or before `t`. Among deployments
    /// finished at the same instant the last in index order is taken.
    pub fn latest_at_or_before(&self, app: u32, t: Micros) -> Option<usize> {
        let range = self.by_app.get(app as usize)?.clone();
        let after_t = self.finished[range.clone()].partition_point(|&finished| finished <= t);
        after_t.checked_sub(1).map(|offset| range.start + offset)
    }
}

/// Finish times of the deployments carrying each (app, key), ascending within each key;
/// a key is an image sha or a commit.
pub(super) struct DeliveryTimes<'a> {
    key_ids: FastMap<(u32, &'a str), u32>,
    /// `times[starts[k]..starts[k + 1]]` belong to key id `k`.
    starts: Vec<usize>,
    times: Vec<Micros>,
}

impl<'a> DeliveryTimes<'a> {
    pub fn new(
        deployments: &DeploymentIndex<'a>,
        key: impl Fn(&'a Deployment) -> Option<&'a str>,
    ) -> DeliveryTimes<'a> {
        let mut key_ids = FastMap::with_capacity_and_hasher(deployments.len(), Default::default());
        let mut keyed_times: Vec<(u32, Micros)> = Vec::with_capacity(deployments.len());
        for (position, &deployment) in deployments.deployments.iter().enumerate() {
            if let Some(k) = key(deployment) {
                let next = key_ids.len() as u32;
                let id = *key_ids
                    .entry((deployments.app_ids[position], k))
                    .or_insert(next);
                keyed_times.push((id, deployments.finished[position]));
            }
        }
        keyed_times.sort_unstable();
        let mut starts = Vec::with_capacity(key_ids.len() + 1);
        starts.push(0);
        for group in keyed_times.chunk_by(|a, b| a.0 == b.0) {
            starts.push(starts[starts.len() - 1] + group.len());
        }
        DeliveryTimes {
            key_ids,
            starts,
            times: keyed_times.into_iter().map(|(_, t)| t).collect(),
        }
    }

    /// The earliest delivery of (app, key) at or after `t`.
    pub fn first_at_or_after(&self, app: u32, key: &str, t: Micros) -> Option<Micros> {
        let id = *self.key_ids.get(&(app, key))? as usize;
        let times = &self.times[self.starts[id]..self.starts[id + 1]];
        times
            .get(times.partition_point(|&finished| finished < t))
            .copied()
    }
}

/// A distinct change, identified by (app, commit), and its first delivery.
pub(super) struct Delivery {
    pub app: u32,
    /// The earliest commit time among the change's records.
    pub committed_at: Micros,
    /// The earliest deployment of the change finished at or after `committed_at`.
    pub delivered_at: Option<Micros>,
}

impl Delivery {
    fn consider(&mut self, finished_at: Micros) {
        if finished_at >= self.committed_at {
            self.delivered_at = Some(match self.delivered_at {
                Some(earlier) => earlier.min(finished_at),
                None => finished_at,
            });
        }
    }
}

/// Every distinct change with its first delivery, and which deployments carry a known change.
pub(super) struct Deliveries {
    pub changes: Vec<Delivery>,
    /// By deployment position: some change shares the deployment's app and its commit or image.
    pub deployment_matched: Vec<bool>,
    /// By deployment position: the id of the distinct change (app, commit) the deployment's
    /// commit is, when it is one. Equal ids are equal commits, which spares rework's rollback
    /// rule a second index of the same strings.
    pub deployment_change: Vec<Option<u32>>,
}

/// Joins changes to deployments of the same app on commit or on any image sha recorded
/// for the change.
pub(super) fn first_deliveries<'a>(
    changes: &'a [Change],
    deployments: &DeploymentIndex,
    apps: &mut Apps<'a>,
) -> Deliveries {
    let change_apps: Vec<u32> = changes.iter().map(|c| apps.id(&c.app)).collect();
    let (keys, distinct_of, committed_at) = KeyIndex::new(
        changes.len(),
        |i| (change_apps[i], changes[i].commit.as_str()),
        |i| micros(changes[i].committed_at),
        Micros::min,
    );
    let mut distinct: Vec<Delivery> = committed_at
        .into_iter()
        .enumerate()
        .map(|(id, committed_at)| Delivery {
            app: keys.app(id),
            committed_at,
            delivered_at: None,
        })
        .collect();
    let image_shas: Vec<(usize, &str)> = changes
        .iter()
        .zip(&distinct_of)
        .filter_map(|(change, &id)| Some((id as usize, change.image_sha.as_deref()?)))
        .collect();
    let mut deployment_matched = vec![false; deployments.len()];
    let mut deployment_change = vec![None; deployments.len()];
    if distinct.is_empty() {
        return Deliveries {
            changes: distinct,
            deployment_matched,
            deployment_change,
        };
    }
    // The records as given, so that they are read in memory order; a repeated record
    // considers the same time again.
    let with_commit = deployments
        .inputs
        .iter()
        .enumerate()
        .filter_map(|(input, d)| {
            let app = deployments.input_apps[input];
            let time_and_position = (micros(d.finished_at), deployments.input_positions[input]);
            Some((app, d.commit.as_deref()?, time_and_position))
        });
    keys.join(with_commit, |id, (finished_at, position)| {
        distinct[id].consider(finished_at);
        deployment_matched[position as usize] = true;
        deployment_change[position as usize] = Some(id as u32);
    });
    // Many changes may share an image, so search each one's deliveries by image instead.
    if !image_shas.is_empty() {
        let by_image = DeliveryTimes::new(deployments, |d| d.image_sha.as_deref());
        let mut change_images: FastMap<(u32, &str), ()> =
            FastMap::with_capacity_and_hasher(image_shas.len(), Default::default());
        for &(position, sha) in &image_shas {
            let delivery = &distinct[position];
            change_images.insert((delivery.app, sha), ());
            if let Some(t) = by_image.first_at_or_after(delivery.app, sha, delivery.committed_at) {
                distinct[position].consider(t);
            }
        }
        for (i, deployment) in deployments.deployments.iter().enumerate() {
            if let Some(sha) = deployment.image_sha.as_deref()
                && change_images.contains_key(&(deployments.app_ids[i], sha))
            {
                deployment_matched[i] = true;
            }
        }
    }
    Deliveries {
        changes: distinct,
        deployment_matched,
        deployment_change,
    }
}

/// An incident identified by (app, id), merged over every record of it: opened at the
/// earliest time seen, resolved at the latest.
pub(super) struct DistinctIncident {
    pub app: u32,
    /// None for incidents of the unattributed app.
    pub attributable_app: Option<u32>,
    pub opened_at: Micros,
    pub resolved_at: Option<Micros>,
}

pub(super) fn distinct_incidents<'a>(
    incidents: &'a [Incident],
    apps: &mut Apps<'a>,
) -> Vec<DistinctIncident> {
    let incident_apps: Vec<u32> = incidents.iter().map(|i| apps.id(&i.app)).collect();
    let unattributed = apps.get(UNATTRIBUTED_APP);
    let (keys, _, times) = KeyIndex::new(
        incidents.len(),
        |i| (incident_apps[i], incidents[i].id.as_str()),
        |i| {
            (
                micros(incidents[i].opened_at),
                incidents[i].resolved_at.map(micros),
            )
        },
        // `None < Some`, so a resolution is kept over its absence.
        |(opened, resolved), (other_opened, other_resolved)| {
            (opened.min(other_opened), resolved.max(other_resolved))
        },
    );
    times
        .into_iter()
        .enumerate()
        .map(|(id, (opened_at, resolved_at))| {
            let app = keys.app(id);
            DistinctIncident {
                app,
                attributable_app: (Some(app) != unattributed).then_some(app),
                opened_at,
                resolved_at,
            }
        })
        .collect()
}

/// The deployment each incident is attributed to: the latest of its app finished at or
/// before the incident opened. None for unattributed incidents and those before any deploy.
pub(super) fn attribute(
    incidents: &[DistinctIncident],
    deployments: &DeploymentIndex,
) -> Vec<Option<usize>> {
    incidents
        .iter()
        .map(|incident| {
            deployments.latest_at_or_before(incident.attributable_app?, incident.opened_at)
        })
        .collect()
}
