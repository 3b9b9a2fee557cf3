//! A tokio task per source: poll, bounded by the source's timeout, every interval or when a
//! refresh is asked for. Results go over a channel to the app, the single owner of state.

use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::model::{Snapshot, Timestamp};
use crate::setup::{Config, SourceConfig};
use crate::sources::clients::Clients;
use crate::sources::{Cause, Source, SourceError, http};

#[derive(Debug)]
pub struct Update {
    pub index: usize,
    pub at: Timestamp,
    pub result: Result<Snapshot, SourceError>,
    /// When the next poll is, if the server's rate limit pushed it past the interval.
    pub paced_until: Option<Timestamp>,
}

/// One poll; a source slower than `timeout` fails with a reason instead of holding anything up.
pub async fn poll_once(
    source: &Source,
    timeout: Duration,
) -> (Timestamp, Result<Snapshot, SourceError>) {
    let at = Utc::now();
    let guarded = std::panic::AssertUnwindSafe(crate::panics::in_poll(async {
        crate::panics::inject("poll");
        source.poll(at).await
    }))
    .catch_unwind();
    let result = match tokio::time::timeout(timeout, guarded).await {
        Ok(Ok(result)) => result,
        Ok(Err(payload)) => Err(SourceError::of(
            Cause::Internal,
            format!(
                "internal error ({}): {}",
                crate::logging::see_the_log(),
                crate::panics::message(payload.as_ref())
            ),
        )),
        Err(_) => Err(SourceError::of(
            Cause::Timeout,
            format!("timed out after {}", humantime::format_duration(timeout)),
        )),
    };
    // The one place server text enters the app: cleaned here, it is clean everywhere.
    let result = result
        .map(|mut snapshot| {
            crate::sanitize::snapshot(&mut snapshot);
            snapshot
        })
        .map_err(SourceError::cleaned);
    (at, result)
}

/// Delay before the next poll of a source that has failed `failures` times in a row (0 when
/// its last poll succeeded). Healthy and after a single failure: the interval. Then doubling
/// (2, 4, 8... intervals) up to `max`, less up to a fifth at random (`jitter` in [0, 1)) so
/// sources that failed together do not retry in lockstep. Never below the interval, never above
/// `max` (or the interval, when `max` is shorter). Pure: the randomness is a parameter.
pub fn backoff(failures: u32, interval: Duration, max: Duration, jitter: f64) -> Duration {
    let max = max.max(interval);
    if failures <= 1 {
        return interval;
    }
    let factor = 2u32.saturating_pow((failures - 1).min(31));
    let base = interval.saturating_mul(factor).min(max);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    base.saturating_sub(base.mul_f64(0.2 * jitter))
        .max(interval)
}

/// The wait before the next poll: `delay`, or longer when a server's rate limit asks the
/// source's host to be paced until `ready_at`.
pub fn paced(delay: Duration, ready_at: Option<Timestamp>, now: Timestamp) -> Duration {
    let wait = ready_at
        .and_then(|at| (at - now).to_std().ok())
        .unwrap_or_default();
    delay.max(wait)
}

/// A small seedable random source for backoff jitter (xorshift64*): tests pin the seed, the
/// poller seeds it from the source's name and the clock.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed | 1)
    }

    fn from_name(name: &str) -> Jitter {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or(0)
            .hash(&mut hasher);
        Jitter::new(hasher.finish())
    }

    /// A number in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }
}

/// A source ready to poll, or the reason it cannot be (its HTTP client could not be set up,
/// e.g. the CA file vanished): that reason is then reported at every poll.
struct Poller {
    /// Names the source's HTTP responses in the collector's metrics.
    name: std::sync::Arc<str>,
    source: Result<Source, SourceError>,
    timeout: Duration,
    max_body: usize,
}

impl Poller {
    fn new(config: &SourceConfig, clients: &mut Clients) -> Poller {
        let source = clients
            .for_source(&config.kind, &config.transport)
            .map(|client| Source::from_config(config, &client));
        Poller {
            name: config.name.as_str().into(),
            source,
            timeout: config.timeout,
            max_body: config.transport.max_body,
        }
    }

    fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.source.as_ref().ok()?.ready_at(now)
    }

    async fn poll(&self) -> (Timestamp, Result<Snapshot, SourceError>) {
        match &self.source {
            Ok(source) => {
                let poll = http::with_body_limit(self.max_body, poll_once(source, self.timeout));
                crate::sources::requests::counted_as(self.name.clone(), poll).await
            }
            Err(err) => (Utc::now(), Err(err.clone())),
        }
    }
}

/// Polls every source once, concurrently.
pub async fn poll_all_once(config: &Config) -> Vec<Update> {
    let mut clients = Clients::new();
    let polls = config
        .sources
        .iter()
        .enumerate()
        .map(|(index, source_config)| {
            let poller = Poller::new(source_config, &mut clients);
            async move {
                let (at, result) = poller.poll().await;
                Update {
                    index,
                    at,
                    result,
                    paced_until: None,
                }
            }
        });
    futures_util::future::join_all(polls).await
}

/// Starts a polling task per source. Bumping `refresh` makes every task poll now. A failing
/// source is retried with `backoff`; the first success puts it back on its interval.
pub fn spawn(
    config: &Config,
    updates: mpsc::Sender<Update>,
    refresh: watch::Receiver<u64>,
) -> Vec<JoinHandle<()>> {
    let mut clients = Clients::new();
    config
        .sources
        .iter()
        .enumerate()
        .map(|(index, source_config)| {
            let poller = Poller::new(source_config, &mut clients);
            let interval = source_config.interval;
            let backoff_max = source_config.transport.backoff_max;
            let updates = updates.clone();
            let mut refresh = refresh.clone();
            let name = source_config.name.clone();
            let mut jitter = Jitter::from_name(&name);
            tokio::spawn(async move {
                let mut failures = 0u32;
                loop {
                    let (at, result) = poller.poll().await;
                    match &result {
                        Ok(_) => failures = 0,
                        Err(err) => {
                            failures = failures.saturating_add(1);
                            tracing::warn!(source = %name, reason = %err, failures, "poll failed");
                        }
                    }
                    let delay = backoff(failures, interval, backoff_max, jitter.next_unit());
                    let now = Utc::now();
                    let stretched = paced(delay, poller.ready_at(now), now);
                    let paced_until = (stretched > delay).then(|| {
                        tracing::info!(
                            source = %name,
                            wait = %humantime::format_duration(Duration::from_secs(stretched.as_secs())),
                            "next poll later, so the server's rate limit lasts until its reset"
                        );
                        now + stretched
                    });
                    let update = Update {
                        index,
                        at,
                        result,
                        paced_until,
                    };
                    if updates.send(update).await.is_err() {
                        return;
                    }
                    let delay = stretched;
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
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
    use crate::setup::{SourceConfig, SourceKind};
    use crate::sources::cctray::CctrayConfig;

    const S: Duration = Duration::from_secs(1);
    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_paced_host_stretches_the_wait_and_never_shortens_it() {
        let now = Utc::now();
        let later = now + chrono::TimeDelta::seconds(90);
        assert_eq!(paced(30 * S, Some(later), now), 90 * S);
        assert_eq!(paced(120 * S, Some(later), now), 120 * S);
        assert_eq!(paced(30 * S, None, now), 30 * S);
        let past = now - chrono::TimeDelta::seconds(5);
        assert_eq!(paced(30 * S, Some(past), now), 30 * S);
    }

    #[test]
    fn backoff_doubles_from_the_second_failure_up_to_the_cap() {
        let delays: Vec<u64> = (0..10)
            .map(|failures| backoff(failures, 10 * S, 300 * S, 0.0).as_secs())
            .collect();
        assert_eq!(delays, [10, 10, 20, 40, 80, 160, 300, 300, 300, 300]);
        assert_eq!(backoff(u32::MAX, 10 * S, 300 * S, 0.0), 300 * S);
    }

    #[test]
    fn backoff_is_never_below_the_interval_nor_above_the_cap() {
        let mut jitter = Jitter::new(42);
        for failures in 0..40 {
            for _ in 0..50 {
                let d = backoff(failures, 30 * S, 120 * S, jitter.next_unit());
                assert!((30 * S..=120 * S).contains(&d), "{failures}: {d:?}");
            }
        }
        // A cap below the interval never makes polling faster than the interval.
        assert_eq!(backoff(5, 60 * S, 10 * S, 0.5), 60 * S);
        // Out-of-range jitter is tamed rather than trusted.
        assert_eq!(backoff(3, 10 * S, 300 * S, f64::NAN), 40 * S);
        assert_eq!(backoff(3, 10 * S, 300 * S, 7.0), 32 * S);
    }

    #[test]
    fn jitter_spreads_retries_and_is_reproducible_from_its_seed() {
        let sample = |seed| {
            let mut j = Jitter::new(seed);
            (0..100).map(|_| j.next_unit()).collect::<Vec<f64>>()
        };
        assert_eq!(sample(7), sample(7));
        assert_ne!(sample(7), sample(8));
        let values = sample(7);
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let delays: std::collections::BTreeSet<Duration> = values
            .iter()
            .map(|&j| backoff(4, 10 * S, 300 * S, j))
            .collect();
        assert!(delays.len() > 50, "jitter should spread retries");
        assert!(delays.iter().all(|d| (64 * S..=80 * S).contains(d)));
    }

    #[tokio::test]
    async fn a_failing_source_backs_off_and_is_picked_up_again_when_it_recovers() {
        // A local server answers 503 to the first three polls, then a feed.
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/cc.xml", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let served = hits.clone();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                let n = served.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 1024];
                let _ = socket.read(&mut buf).await;
                let (status, body) = if n < 3 {
                    ("503 Service Unavailable", "down")
                } else {
                    (
                        "200 OK",
                        "<Projects><Project name=\"api\" lastBuildStatus=\"Success\"/></Projects>",
                    )
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        let mut config = crate::setup::load(None).unwrap();
        config.sources = vec![SourceConfig {
            name: "ci".into(),
            interval: MS * 100,
            timeout: 5 * S,
            stale_after: 3,
            stage: None,
            kind: SourceKind::Cctray(CctrayConfig { url }),
            transport: crate::config::Transport {
                backoff_max: 6 * S,
                ..Default::default()
            },
        }];
        let (tx, mut rx) = mpsc::channel(8);
        let (_refresh_tx, refresh_rx) = watch::channel(0u64);
        let tasks = spawn(&config, tx, refresh_rx);
        let mut state = crate::state::State::new(&config);
        let mut gaps = Vec::new();
        let mut last: Option<tokio::time::Instant> = None;
        for _ in 0..5 {
            let update = rx.recv().await.unwrap();
            let now = tokio::time::Instant::now();
            if let Some(previous) = last {
                gaps.push(now - previous);
            }
            last = Some(now);
            let ok = update.result.is_ok();
            state.record(update.index, update.at, update.result);
            let freshness = state.sources[0].freshness(update.at);
            if ok {
                assert_eq!(
                    freshness,
                    crate::state::Freshness::Ok,
                    "recovered on the next success"
                );
            } else {
                assert_eq!(freshness, crate::state::Freshness::Error);
                let reason = state.sources[0].error.clone().unwrap();
                assert!(
                    reason.starts_with("HTTP 503 Service Unavailable (server error)"),
                    "{reason}"
                );
            }
        }
        // Failures at 0, 100, ~300 ms (backing off); the success ~400 ms later; then the
        // interval again. Slack for a busy machine on the upper bounds only.
        let ms: Vec<u128> = gaps.iter().map(|g| g.as_millis()).collect();
        assert_eq!(ms.len(), 4);
        assert!((100..300).contains(&ms[0]), "{ms:?}");
        assert!((160..400).contains(&ms[1]), "{ms:?}");
        assert!((320..600).contains(&ms[2]), "{ms:?}");
        assert!((100..300).contains(&ms[3]), "back on the interval: {ms:?}");
        for task in tasks {
            task.abort();
        }
        server.abort();
    }

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
            transport: Default::default(),
        };
        let config = Config {
            sources: vec![
                source("stuck", SourceKind::Cctray(CctrayConfig { url })),
                source(
                    "demo",
                    SourceKind::Demo(crate::sources::demo::DemoConfig { seed: 1 }),
                ),
            ],
            ..crate::setup::load(None).unwrap()
        };
        let started = std::time::Instant::now();
        let updates = poll_all_once(&config).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            updates[0].result.as_ref().unwrap_err().reason,
            "timed out after 300ms"
        );
        assert_eq!(
            updates[0].result.as_ref().unwrap_err().cause,
            Cause::Timeout
        );
        assert!(updates[1].result.is_ok());
        server.abort();
    }
}
