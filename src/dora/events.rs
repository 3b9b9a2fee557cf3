//! De-duplicated, indexed views of the DORA events, built once per computation.
//!
//! App names are interned to small integers and every index is a flat sorted array, so a
//! million events cost a few sorts and hash lookups rather than pointer-chasing string
//! comparisons or an allocation per key.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::time::Duration;

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

/// A map with FxHash (rustc's hasher): several times faster than the default SipHash on
/// these short keys. The keys come from the team's own CI and metrics servers, so resistance
/// to deliberately colliding keys is not needed.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply mixes upwards; the table indexes by the low bits, so bring the
        // well-mixed high bits down (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

/// An (app, name) key by position, with the name's hash: sorting and joining compare the
/// hash and app and only read the text when those are equal. Sorting takes the place of a
/// hash map, which with a million strings would miss the cache at every probe.
#[derive(Debug, Clone, Copy)]
struct Keyed<'a> {
    hash: u64,
    app: u32,
    index: u32,
    name: &'a str,
}

impl Keyed<'_> {
    /// Equal keys are adjacent in this order.
    fn order(&self, other: &Keyed) -> std::cmp::Ordering {
        (self.hash, self.app)
            .cmp(&(other.hash, other.app))
            .then_with(|| self.name.cmp(other.name))
    }
}

/// Positions `0..n` with their keys, ordered so that equal (app, name) keys are adjacent.
fn sorted_keys<'a>(n: usize, key: impl Fn(usize) -> (u32, &'a str)) -> Vec<Keyed<'a>> {
    let mut keyed: Vec<Keyed> = (0..n)
        .map(|i| {
            let (app, name) = key(i);
            let mut hasher = FxHasher::default();
            hasher.add(u64::from(app));
            hasher.write(name.as_bytes());
            Keyed {
                hash: hasher.finish(),
                app,
                index: i as u32,
                name,
            }
        })
        .collect();
    keyed.sort_unstable_by_key(|k| (k.hash, k.app));
    for run in keyed.chunk_by_mut(|a, b| (a.hash, a.app) == (b.hash, b.app)) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| a.name.cmp(b.name));
        }
    }
    keyed
}

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
    ids: FastMap<&'a str, u32>,
}

impl<'a> Apps<'a> {
    fn id(&mut self, app: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(app).or_insert(next)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Names indexed by id.
    pub fn names(&self) -> Vec<&'a str> {
        let mut names = vec![""; self.ids.len()];
        for (&name, &id) in &self.ids {
            names[id as usize] = name;
        }
        names
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
        let input_apps: Vec<u32> = deployments.iter().map(|d| apps.id(&d.app)).collect();
        let mut sorted: Vec<(u32, Micros, &Deployment, u32)> = deployments
            .iter()
            .enumerate()
            .map(|(i, d)| (input_apps[i], micros(d.finished_at), d, i as u32))
            .collect();
        // The order covers every field, so equal deployments end up adjacent.
        sorted.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| (&a.2.image_sha, &a.2.commit).cmp(&(&b.2.image_sha, &b.2.commit)))
        });
        let mut input_positions = vec![0u32; deployments.len()];
        let mut keyed: Vec<(u32, Micros, &Deployment)> = Vec::with_capacity(sorted.len());
        for (app, finished, deployment, input) in sorted {
            // Times first: comparing them is cheaper than the strings inside the records.
            let repeat = keyed
                .last()
                .is_some_and(|last| last.0 == app && last.1 == finished && last.2 == deployment);
            if !repeat {
                keyed.push((app, finished, deployment));
            }
            input_positions[input as usize] = (keyed.len() - 1) as u32;
        }
        let mut by_app = vec![0..0; apps.ids.len()];
        let mut start = 0;
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            by_app[group[0].0 as usize] = start..start + group.len();
            start += group.len();
        }
        DeploymentIndex {
            app_ids: keyed.iter().map(|k| k.0).collect(),
            finished: keyed.iter().map(|k| k.1).collect(),
            deployments: keyed.into_iter().map(|k| k.2).collect(),
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
}

/// Joins changes to deployments of the same app on commit or on any image sha recorded
/// for the change.
pub(super) fn first_deliveries<'a>(
    changes: &'a [Change],
    deployments: &DeploymentIndex,
    apps: &mut Apps<'a>,
) -> Deliveries {
    let change_apps: Vec<u32> = changes.iter().map(|c| apps.id(&c.app)).collect();
    let commit = |i: usize| changes[i].commit.as_str();
    let keyed = sorted_keys(changes.len(), |i| (change_apps[i], commit(i)));
    // One entry per distinct (app, commit), in the sorted order of their keys.
    let mut keys: Vec<Keyed> = Vec::with_capacity(keyed.len());
    let mut distinct: Vec<Delivery> = Vec::with_capacity(keyed.len());
    let mut image_shas: Vec<(usize, &str)> = Vec::new();
    let mut distinct_of = vec![0u32; changes.len()];
    for group in keyed.chunk_by(|a, b| a.order(b).is_eq()) {
        for k in group {
            distinct_of[k.index as usize] = distinct.len() as u32;
        }
        keys.push(group[0]);
        distinct.push(Delivery {
            app: group[0].app,
            committed_at: Micros::MAX,
            delivered_at: None,
        });
    }
    // The records' times and images in their own order: reading them in key order would
    // miss the cache at every one.
    for (change, &position) in changes.iter().zip(&distinct_of) {
        let delivery = &mut distinct[position as usize];
        delivery.committed_at = delivery.committed_at.min(micros(change.committed_at));
        if let Some(sha) = change.image_sha.as_deref() {
            image_shas.push((position as usize, sha));
        }
    }
    let mut deployment_matched = vec![false; deployments.len()];
    if distinct.is_empty() {
        return Deliveries {
            changes: distinct,
            deployment_matched,
        };
    }

    // Each (app, commit) is one distinct change: join the deployments' commits to them by
    // walking both sorted lists.
    let with_commit: Vec<usize> = (0..deployments.inputs.len())
        .filter(|&i| deployments.inputs[i].commit.is_some())
        .collect();
    let by_commit = sorted_keys(with_commit.len(), |j| {
        let i = with_commit[j];
        let commit = deployments.inputs[i].commit.as_deref().unwrap_or_default();
        (deployments.input_apps[i], commit)
    });
    let mut next_key = 0;
    for key in &by_commit {
        while next_key < keys.len() && keys[next_key].order(key).is_lt() {
            next_key += 1;
        }
        if next_key < keys.len() && keys[next_key].order(key).is_eq() {
            let i = deployments.input_positions[with_commit[key.index as usize]] as usize;
            distinct[next_key].consider(deployments.finished[i]);
            deployment_matched[i] = true;
        }
    }
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
    let id = |i: usize| incidents[i].id.as_str();
    let keyed = sorted_keys(incidents.len(), |i| (incident_apps[i], id(i)));
    keyed
        .chunk_by(|a, b| a.order(b).is_eq())
        .map(|group| {
            let records = || group.iter().map(|k| &incidents[k.index as usize]);
            let first = &incidents[group[0].index as usize];
            DistinctIncident {
                app: group[0].app,
                attributable_app: (first.app != UNATTRIBUTED_APP).then_some(group[0].app),
                opened_at: records()
                    .map(|i| micros(i.opened_at))
                    .min()
                    .unwrap_or_default(),
                // `None < Some`, so a resolution is kept over its absence.
                resolved_at: records().map(|i| i.resolved_at.map(micros)).max().flatten(),
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
