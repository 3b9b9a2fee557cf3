//! A tokio task per source: poll, bounded by the source's timeout, every interval or when a
//! refresh is asked for. Results go over a channel to the app, the single owner of state.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::model::{Snapshot, Timestamp};
use crate::sources::{Source, SourceError, http};

#[derive(Debug)]
pub struct Update {
    pub index: usize,
    pub at: Timestamp,
    pub result: Result<Snapshot, SourceError>,
}

/// One poll; a source slower than `timeout` fails with a reason instead of holding anything up.
pub async fn poll_once(
    source: &Source,
    timeout: Duration,
) -> (Timestamp, Result<Snapshot, SourceError>) {
    let at = Utc::now();
    let result = match tokio::time::timeout(timeout, source.poll(at)).await {
        Ok(result) => result,
        Err(_) => Err(SourceError::new(format!(
            "timed out after {}",
            humantime::format_duration(timeout)
        ))),
    };
    (at, result)
}

/// Polls every source once, concurrently.
pub async fn poll_all_once(config: &Config) -> Vec<Update> {
    let client = http::client();
    let polls = config
        .sources
        .iter()
        .enumerate()
        .map(|(index, source_config)| {
            let source = Source::from_config(source_config, &client);
            let timeout = source_config.timeout;
            async move {
                let (at, result) = poll_once(&source, timeout).await;
                Update { index, at, result }
            }
        });
    futures_util::future::join_all(polls).await
}

/// Starts a polling task per source. Bumping `refresh` makes every task poll now.
pub fn spawn(
    config: &Config,
    updates: mpsc::Sender<Update>,
    refresh: watch::Receiver<u64>,
) -> Vec<JoinHandle<()>> {
    let client = http::client();
    config
        .sources
        .iter()
        .enumerate()
        .map(|(index, source_config)| {
            let source = Source::from_config(source_config, &client);
            let (interval, timeout) = (source_config.interval, source_config.timeout);
            let updates = updates.clone();
            let mut refresh = refresh.clone();
            let name = source_config.name.clone();
            tokio::spawn(async move {
                loop {
                    let (at, result) = poll_once(&source, timeout).await;
                    if let Err(err) = &result {
                        tracing::warn!(source = %name, reason = %err, "poll failed");
                    }
                    if updates.send(Update { index, at, result }).await.is_err() {
                        return;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(interval) => {}
                        changed = refresh.changed() => if changed.is_err() { return },
                    }
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CctrayConfig, SourceConfig, SourceKind};

    #[tokio::test]
    async fn a_source_that_never_answers_times_out_without_holding_others() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/cc.xml", listener.local_addr().unwrap());
        // Accept connections and never answer.
        let server = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let source = |name: &str, kind| SourceConfig {
            name: name.into(),
            interval: Duration::from_secs(60),
            timeout: Duration::from_millis(300),
            stale_after: 3,
            stage: None,
            kind,
        };
        let config = Config {
            sources: vec![
                source("stuck", SourceKind::Cctray(CctrayConfig { url })),
                source("demo", SourceKind::Demo { seed: 1 }),
            ],
            ..crate::config::load(None).unwrap()
        };
        let started = std::time::Instant::now();
        let updates = poll_all_once(&config).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            updates[0].result.as_ref().unwrap_err().reason,
            "timed out after 300ms"
        );
        assert!(updates[1].result.is_ok());
        server.abort();
    }
}
