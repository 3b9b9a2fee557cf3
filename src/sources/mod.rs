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
pub mod jenkins;
pub mod jenkins_deploys;
pub mod metric_text;
pub mod openmetrics;
pub mod pelorus;
pub mod polite;
pub mod prometheus;
pub mod requests;

pub use error::SourceError;

use crate::config::{SourceConfig, SourceKind};
use crate::model::{Snapshot, Timestamp};

pub enum Source {
    Demo(demo::DemoSource),
    Prometheus(prometheus::PrometheusSource),
    Exposition(exposition::ExpositionSource),
    Cctray(cctray::CctraySource),
    Github(github::GithubSource),
    Gitlab(gitlab::GitlabSource),
    Jenkins(jenkins::JenkinsSource),
    Buildkite(buildkite::BuildkiteSource),
    Andon(andon::AndonSource),
}

impl Source {
    pub fn from_config(config: &SourceConfig, client: &reqwest::Client) -> Source {
        let source = Source::of_kind(config, client);
        if let Some(http) = source.polite() {
            http.set_budget(config.transport.budget_per_hour);
        }
        source
    }

    fn of_kind(config: &SourceConfig, client: &reqwest::Client) -> Source {
        match &config.kind {
            SourceKind::Demo { seed } => Source::Demo(demo::DemoSource::new(*seed)),
            SourceKind::Prometheus(c) => {
                Source::Prometheus(prometheus::PrometheusSource::new(c.clone(), client.clone()))
            }
            SourceKind::Exposition(c) => {
                Source::Exposition(exposition::ExpositionSource::new(c.clone(), client.clone()))
            }
            SourceKind::Cctray(c) => {
                Source::Cctray(cctray::CctraySource::new(c.clone(), client.clone()))
            }
            SourceKind::Github(c) => {
                Source::Github(github::GithubSource::new(c.clone(), client.clone()))
            }
            SourceKind::Gitlab(c) => {
                Source::Gitlab(gitlab::GitlabSource::new(c.clone(), client.clone()))
            }
            SourceKind::Jenkins(c) => {
                Source::Jenkins(jenkins::JenkinsSource::new(c.clone(), client.clone()))
            }
            SourceKind::Buildkite(c) => {
                Source::Buildkite(buildkite::BuildkiteSource::new(c.clone(), client.clone()))
            }
            SourceKind::Andon(c) => Source::Andon(andon::AndonSource::new(
                c.clone(),
                config.timeout,
                client.clone(),
            )),
        }
    }

    /// The polite HTTP client of a CI API source.
    fn polite(&self) -> Option<&polite::Polite> {
        match self {
            Source::Github(s) => Some(s.http()),
            Source::Gitlab(s) => Some(s.http()),
            Source::Jenkins(s) => Some(s.http()),
            Source::Buildkite(s) => Some(s.http()),
            _ => None,
        }
    }

    /// When the next poll may start without outrunning a server's rate limit; None when now.
    pub fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        let plain = match self {
            Source::Prometheus(s) => s.url(),
            Source::Exposition(s) => s.url(),
            Source::Cctray(s) => s.url(),
            _ => return self.polite()?.ready_at(now),
        };
        polite::ready_at(&polite::host_of(plain), now)
    }

    /// One poll. `now` is the poll's clock: sources that compute time windows use it.
    pub async fn poll(&self, now: Timestamp) -> Result<Snapshot, SourceError> {
        match self {
            Source::Demo(s) => Ok(s.snapshot(now)),
            Source::Prometheus(s) => s.poll(now).await,
            Source::Exposition(s) => s.poll().await,
            Source::Cctray(s) => s.poll().await,
            Source::Github(s) => s.poll(now).await,
            Source::Gitlab(s) => s.poll(now).await,
            Source::Jenkins(s) => s.poll().await,
            Source::Buildkite(s) => s.poll().await,
            Source::Andon(s) => s.poll().await,
        }
    }
}

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
