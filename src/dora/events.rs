//! De-duplicated, indexed views of the DORA events, built once per computation.
//!
//! App names are interned to small integers and every index is a flat sorted array, so a
//! million events cost a few sorts and hash lookups rather than pointer-chasing string
//! comparisons or an allocation per key.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::{Change, Deployment, Incident, Timestamp, UNATTRIBUTED_APP};

const DAY_SECONDS: u64 = 86_400;
const WEEK_SECONDS: u64 = 7 * DAY_SECONDS;

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

/// The half-open interval `(start, end]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
    pub length: Duration,
}

impl Window {
    pub fn ending_at(end: Timestamp, length: Duration) -> Window {
        // A window longer than the calendar reaches back to the earliest representable time.
        let start = TimeDelta::from_std(length)
            .ok()
            .and_then(|length| end.checked_sub_signed(length))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        Window { start, end, length }
    }

    pub fn contains(self, t: Timestamp) -> bool {
        self.start < t && t <= self.end
    }

    pub fn days(self) -> f64 {
        self.length.as_secs_f64() / 86_400.0
    }

    /// Consecutive 7-day buckets ending at `end` that lie wholly inside the window; at least one.
    pub fn whole_weeks(self) -> u64 {
        (self.length.as_secs() / WEEK_SECONDS).max(1)
    }

    /// 0 for `(end - 1d, end]`, 1 for the day before that, and so on. Days, like weeks, are
    /// counted back from the window's end, so a week always holds exactly seven of them.
    pub fn day_of(self, t: Timestamp) -> u64 {
        let seconds_before_end = (self.end - t).num_seconds().max(0);
        seconds_before_end.unsigned_abs() / DAY_SECONDS
    }

    /// 0 for `(end - 7d, end]`, 1 for the 7 days before that, and so on.
    pub fn week_of(self, t: Timestamp) -> u64 {
        let seconds_before_end = (self.end - t).num_seconds().max(0);
        seconds_before_end.unsigned_abs() / WEEK_SECONDS
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

    fn get(&self, app: &str) -> Option<u32> {
        self.ids.get(app).copied()
    }
}

/// Distinct deployments sorted by app, then finish time (ties by image sha and commit, so the
/// order does not depend on the input's).
pub(super) struct DeploymentIndex<'a> {
    deployments: Vec<&'a Deployment>,
    app_ids: Vec<u32>,
    finished: Vec<Timestamp>,
    /// Each app's positions, indexed by app id.
    by_app: Vec<Range<usize>>,
}

impl<'a> DeploymentIndex<'a> {
    pub fn new(deployments: &'a [Deployment], apps: &mut Apps<'a>) -> DeploymentIndex<'a> {
        let mut keyed: Vec<(u32, Timestamp, &Deployment)> = deployments
            .iter()
            .map(|d| (apps.id(&d.app), d.finished_at, d))
            .collect();
        // The order covers every field, so equal deployments end up adjacent.
        keyed.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| (&a.2.image_sha, &a.2.commit).cmp(&(&b.2.image_sha, &b.2.commit)))
        });
        keyed.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
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
        }
    }

    pub fn len(&self) -> usize {
        self.finished.len()
    }

    pub fn finished_at(&self, position: usize) -> Timestamp {
        self.finished[position]
    }

    pub fn finished_in(&self, window: Window) -> impl Iterator<Item = Timestamp> + '_ {
        self.finished
            .iter()
            .copied()
            .filter(move |&t| window.contains(t))
    }

    /// Position of the app's latest deployment finished at or before `t`. Among deployments
    /// finished at the same instant the last in index order is taken.
    pub fn latest_at_or_before(&self, app: u32, t: Timestamp) -> Option<usize> {
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
    times: Vec<Timestamp>,
}

impl<'a> DeliveryTimes<'a> {
    pub fn new(
        deployments: &DeploymentIndex<'a>,
        key: impl Fn(&'a Deployment) -> Option<&'a str>,
    ) -> DeliveryTimes<'a> {
        let mut key_ids = FastMap::with_capacity_and_hasher(deployments.len(), Default::default());
        let mut keyed_times: Vec<(u32, Timestamp)> = Vec::with_capacity(deployments.len());
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
    pub fn first_at_or_after(&self, app: u32, key: &str, t: Timestamp) -> Option<Timestamp> {
        let id = *self.key_ids.get(&(app, key))? as usize;
        let times = &self.times[self.starts[id]..self.starts[id + 1]];
        times
            .get(times.partition_point(|&finished| finished < t))
            .copied()
    }
}

/// A distinct change, identified by (app, commit), and its first delivery.
pub(super) struct Delivery {
    /// The earliest commit time among the change's records.
    pub committed_at: Timestamp,
    /// The earliest deployment of the change finished at or after `committed_at`.
    pub delivered_at: Option<Timestamp>,
}

impl Delivery {
    fn consider(&mut self, finished_at: Timestamp) {
        if finished_at >= self.committed_at {
            self.delivered_at = Some(match self.delivered_at {
                Some(earlier) => earlier.min(finished_at),
                None => finished_at,
            });
        }
    }
}

/// Joins changes to deployments of the same app on commit or on any image sha recorded
/// for the change. Changes of apps without deployments are left out.
pub(super) fn first_deliveries(
    changes: &[Change],
    deployments: &DeploymentIndex,
    apps: &Apps,
) -> Vec<Delivery> {
    let mut positions: FastMap<(u32, &str), usize> =
        FastMap::with_capacity_and_hasher(changes.len(), Default::default());
    let mut distinct: Vec<(u32, Delivery)> = Vec::with_capacity(changes.len());
    let mut image_shas: Vec<(usize, &str)> = Vec::new();
    for change in changes {
        let Some(app) = apps.get(&change.app) else {
            continue;
        };
        let next = distinct.len();
        let position = *positions
            .entry((app, change.commit.as_str()))
            .or_insert(next);
        if position == next {
            let delivery = Delivery {
                committed_at: change.committed_at,
                delivered_at: None,
            };
            distinct.push((app, delivery));
        }
        let committed_at = &mut distinct[position].1.committed_at;
        *committed_at = (*committed_at).min(change.committed_at);
        if let Some(sha) = change.image_sha.as_deref() {
            image_shas.push((position, sha));
        }
    }
    if distinct.is_empty() {
        return Vec::new();
    }

    // Each (app, commit) is one distinct change, so a pass over the deployments finds every
    // change's deliveries by commit.
    for (i, deployment) in deployments.deployments.iter().enumerate() {
        if let Some(commit) = deployment.commit.as_deref()
            && let Some(&position) = positions.get(&(deployments.app_ids[i], commit))
        {
            distinct[position].1.consider(deployments.finished[i]);
        }
    }
    // Many changes may share an image, so search each one's deliveries by image instead.
    if !image_shas.is_empty() {
        let by_image = DeliveryTimes::new(deployments, |d| d.image_sha.as_deref());
        for (position, sha) in image_shas {
            let (app, ref delivery) = distinct[position];
            if let Some(t) = by_image.first_at_or_after(app, sha, delivery.committed_at) {
                distinct[position].1.consider(t);
            }
        }
    }
    distinct.into_iter().map(|(_, delivery)| delivery).collect()
}

/// An incident identified by (app, id), merged over every record of it: opened at the
/// earliest time seen, resolved at the latest.
pub(super) struct DistinctIncident {
    /// None for incidents of the unattributed app.
    pub attributable_app: Option<u32>,
    pub opened_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

pub(super) fn distinct_incidents<'a>(
    incidents: &'a [Incident],
    apps: &mut Apps<'a>,
) -> Vec<DistinctIncident> {
    let mut positions: FastMap<(u32, &str), usize> =
        FastMap::with_capacity_and_hasher(incidents.len(), Default::default());
    let mut distinct: Vec<DistinctIncident> = Vec::with_capacity(incidents.len());
    for incident in incidents {
        let app = apps.id(&incident.app);
        let next = distinct.len();
        let position = *positions.entry((app, incident.id.as_str())).or_insert(next);
        if position == next {
            distinct.push(DistinctIncident {
                attributable_app: (incident.app != UNATTRIBUTED_APP).then_some(app),
                opened_at: incident.opened_at,
                resolved_at: incident.resolved_at,
            });
        }
        let merged = &mut distinct[position];
        merged.opened_at = merged.opened_at.min(incident.opened_at);
        // `None < Some`, so a resolution is kept over its absence.
        merged.resolved_at = merged.resolved_at.max(incident.resolved_at);
    }
    distinct
}
