//! Sources turn a server's answer into a `Snapshot`. Parsers are pure; I/O stays in `poll`.

mod error;
pub mod http;

pub mod cctray;
pub mod demo;
pub mod exposition;
pub mod pelorus;
pub mod prometheus;

pub use error::SourceError;

use crate::config::{SourceConfig, SourceKind};
use crate::model::{Snapshot, Timestamp};

pub enum Source {
    Demo(demo::DemoSource),
    Prometheus(prometheus::PrometheusSource),
    Exposition(exposition::ExpositionSource),
    Cctray(cctray::CctraySource),
}

impl Source {
    pub fn from_config(config: &SourceConfig, client: &reqwest::Client) -> Source {
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
        }
    }

    /// One poll. `now` is the poll's clock: sources that compute time windows use it.
    pub async fn poll(&self, now: Timestamp) -> Result<Snapshot, SourceError> {
        match self {
            Source::Demo(s) => Ok(s.snapshot(now)),
            Source::Prometheus(s) => s.poll(now).await,
            Source::Exposition(s) => s.poll().await,
            Source::Cctray(s) => s.poll().await,
        }
    }
}
