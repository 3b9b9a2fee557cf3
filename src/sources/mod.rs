//! Sources turn a server's answer into a `Snapshot`. Parsers are pure; I/O stays in `poll`.

mod error;
pub mod http;

pub mod buildkite;
pub mod cctray;
pub mod delivery;
pub mod demo;
pub mod exposition;
pub mod github;
pub mod gitlab;
pub mod jenkins;
pub mod pelorus;
pub mod polite;
pub mod prometheus;

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
        self.polite()?.ready_at(now)
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
        }
    }
}
