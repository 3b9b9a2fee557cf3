//! Sources turn a server's answer into a `Snapshot`. Parsers are pure; I/O stays in `poll`.

mod error;
pub mod http;

pub mod andon;
pub mod buildkite;
pub mod cctray;
pub mod cctray_text;
pub mod clients;
pub mod comparisons;
pub mod delivery;
pub mod demo;
pub mod exposition;
pub mod github;
pub mod gitlab;
pub mod hosts;
pub mod jenkins;
pub mod kinds;
pub mod metric_text;
pub mod openmetrics;
pub mod pelorus;
pub mod polite;
pub mod prometheus;
pub mod requests;

pub use error::{Cause, SourceError};
pub use kinds::{Source, SourceKind};

/// Drops what was remembered about runs or deployments the server no longer lists, so a
/// source polled for weeks holds only what its current listing can ask for.
pub fn forget_unlisted<K: std::hash::Hash + Eq, V>(
    memo: &mut std::collections::HashMap<K, V>,
    listed: impl Iterator<Item = K>,
) {
    let listed: std::collections::HashSet<K> = listed.collect();
    memo.retain(|key, _| listed.contains(key));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn memos_keep_only_what_the_listing_still_names() {
        let mut memo: HashMap<u64, &str> = (1..=5).map(|id| (id, "jobs")).collect();
        forget_unlisted(&mut memo, [4, 5, 6].into_iter());
        let mut kept: Vec<u64> = memo.into_keys().collect();
        kept.sort_unstable();
        assert_eq!(kept, [4, 5], "nothing invented for 6, 1..3 forgotten");
    }
}
