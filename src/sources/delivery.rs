//! Which commits a deployment delivers: those between the previous successful deployment's
//! commit and its own, as a CI server's compare API lists them. Pure pairing of deployments,
//! the turning of compared commits into DORA changes, and a bounded cache of comparisons
//! (a comparison of two commit shas never changes, so it is asked once).

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Change, Timestamp};

/// Most commits taken from one comparison (GitHub lists at most 250 without paging).
pub const MAX_COMPARE_COMMITS: usize = 250;
/// Comparisons kept; more than the deployments a source lists (3 pages of 100), so that a
/// steady state asks for none again.
pub const COMPARE_CACHE_ENTRIES: usize = 400;

/// What a deployment's statuses say so far, as one poll saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Succeeded,
    /// Failed, or still going: not a delivery, and not in the way of the next one.
    NotDelivered,
    /// Not looked at this poll (too many details to fetch): it may be the predecessor.
    NotLooked,
}

/// Where the commits a successful deployment delivers start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// No earlier successful deployment is listed: only the deployed commit itself is known.
    None,
    /// After this commit, the previous successful deployment's.
    After(String),
    /// An earlier deployment has not been looked at yet; the changes wait for a later poll.
    Unknown,
}

/// The base of each deployment, given `(sha, seen)` oldest first. Only successful deployments
/// get a base (others get `None` in the result's position too, and are never read).
pub fn bases(deployments: &[(&str, Seen)]) -> Vec<Option<Base>> {
    let mut out = Vec::with_capacity(deployments.len());
    // The base of the next success, as seen walking from the oldest.
    let mut running = Base::None;
    for &(sha, seen) in deployments {
        match seen {
            Seen::Succeeded => {
                out.push(Some(running.clone()));
                running = Base::After(sha.to_string());
            }
            Seen::NotDelivered => out.push(None),
            Seen::NotLooked => {
                out.push(None);
                running = Base::Unknown;
            }
        }
    }
    out
}

/// `bases` for deployments listed in any order, each with a key that orders them in time;
/// the result follows the list's order.
pub fn bases_in_time_order<K: Ord>(listed: &[(K, &str, Seen)]) -> Vec<Option<Base>> {
    let mut order: Vec<usize> = (0..listed.len()).collect();
    order.sort_by(|&a, &b| listed[a].0.cmp(&listed[b].0));
    let oldest_first: Vec<(&str, Seen)> =
        order.iter().map(|&i| (listed[i].1, listed[i].2)).collect();
    let mut out = vec![None; listed.len()];
    for (&i, base) in order.iter().zip(bases(&oldest_first)) {
        out[i] = base;
    }
    out
}

/// The commits between two deployed commits, with their times, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compared {
    pub commits: Vec<(String, Timestamp)>,
    /// How many commits the server says lie between; more than `commits.len()` when it listed
    /// only part of them.
    pub total: usize,
    /// Why the server cannot compare the two (a commit gone after a force push, a comparison
    /// too large): the deployed commit alone then stands for the delivery.
    pub unavailable: Option<String>,
}

impl Compared {
    pub fn unavailable(reason: String) -> Compared {
        Compared {
            unavailable: Some(reason),
            ..Compared::default()
        }
    }

    /// "lists 250 of 812 commits" when the comparison was cut short.
    pub fn truncation(&self) -> Option<String> {
        (self.total > self.commits.len()).then(|| {
            format!(
                "lists {} of {} commits; lead time counts those",
                self.commits.len(),
                self.total
            )
        })
    }
}

/// Changes a deployment of `deployed` delivers. They join the deployment on its image sha,
/// which a CI server's deployment sets to the deployed commit: that commit's tree is what ran.
pub fn changes_of(app: &str, deployed: &str, commits: &[(String, Timestamp)]) -> Vec<Change> {
    commits
        .iter()
        .map(|(sha, committed_at)| Change {
            app: app.to_string(),
            commit: sha.clone(),
            image_sha: Some(deployed.to_string()),
            committed_at: *committed_at,
        })
        .collect()
}

/// Comparisons by (base sha, head sha), the least recently used dropped beyond `capacity`.
#[derive(Debug)]
pub struct CompareCache {
    capacity: usize,
    clock: u64,
    entries: HashMap<(String, String), (u64, Arc<Compared>)>,
}

impl Default for CompareCache {
    fn default() -> Self {
        CompareCache::new(COMPARE_CACHE_ENTRIES)
    }
}

impl CompareCache {
    pub fn new(capacity: usize) -> CompareCache {
        CompareCache {
            capacity: capacity.max(1),
            clock: 0,
            entries: HashMap::new(),
        }
    }

    pub fn get(&mut self, base: &str, head: &str) -> Option<Arc<Compared>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self
            .entries
            .get_mut(&(base.to_string(), head.to_string()))?;
        entry.0 = clock;
        Some(entry.1.clone())
    }

    pub fn insert(&mut self, base: &str, head: &str, compared: Compared) -> Arc<Compared> {
        self.clock += 1;
        let key = (base.to_string(), head.to_string());
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        let compared = Arc::new(compared);
        self.entries.insert(key, (self.clock, compared.clone()));
        compared
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_success_starts_after_the_previous_success() {
        let listed = [
            ("a", Seen::Succeeded),
            ("b", Seen::NotDelivered),
            ("c", Seen::Succeeded),
            ("c", Seen::Succeeded),
        ];
        assert_eq!(
            bases(&listed),
            [
                Some(Base::None),
                None,
                Some(Base::After("a".into())),
                Some(Base::After("c".into()))
            ]
        );
    }

    #[test]
    fn a_deployment_not_looked_at_defers_the_next_successes_only() {
        let listed = [
            ("a", Seen::Succeeded),
            ("b", Seen::NotLooked),
            ("c", Seen::Succeeded),
            ("d", Seen::Succeeded),
        ];
        assert_eq!(
            bases(&listed),
            [
                Some(Base::None),
                None,
                Some(Base::Unknown),
                Some(Base::After("c".into()))
            ]
        );
    }

    #[test]
    fn bases_follow_time_whatever_the_listing_order() {
        // Newest first, as the APIs list them.
        let listed = [
            (3, "c", Seen::Succeeded),
            (2, "b", Seen::NotDelivered),
            (1, "a", Seen::Succeeded),
        ];
        assert_eq!(
            bases_in_time_order(&listed),
            [Some(Base::After("a".into())), None, Some(Base::None)]
        );
    }

    #[test]
    fn truncation_is_named() {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap();
        let compared = Compared {
            commits: vec![("x".into(), t)],
            total: 812,
            unavailable: None,
        };
        assert_eq!(
            compared.truncation().as_deref(),
            Some("lists 1 of 812 commits; lead time counts those")
        );
        let whole = Compared {
            commits: vec![("x".into(), t)],
            total: 1,
            unavailable: None,
        };
        assert_eq!(whole.truncation(), None);
    }

    #[test]
    fn changes_join_on_the_deployed_commit() {
        let t = chrono::DateTime::from_timestamp(60, 0).unwrap();
        let changes = changes_of("shop", "ccc", &[("bbb".into(), t)]);
        assert_eq!(changes[0].commit, "bbb");
        assert_eq!(changes[0].image_sha.as_deref(), Some("ccc"));
    }

    #[test]
    fn the_cache_is_bounded_and_keeps_what_is_used() {
        let mut cache = CompareCache::new(2);
        cache.insert("a", "b", Compared::default());
        cache.insert("b", "c", Compared::default());
        assert!(cache.get("a", "b").is_some());
        cache.insert("c", "d", Compared::default());
        assert_eq!(cache.len(), 2);
        assert!(cache.get("a", "b").is_some(), "recently used stays");
        assert!(cache.get("b", "c").is_none(), "least recently used goes");
        assert!(cache.get("c", "d").is_some());
    }
}
