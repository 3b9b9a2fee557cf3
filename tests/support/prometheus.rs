//! A real Prometheus (Debian's package: `prometheus` and `promtool` on PATH) with backfilled
//! history, for integration tests. History goes in through `promtool tsdb create-blocks-from
//! openmetrics` before the server starts, so queries see exactly the samples written.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const INSTALL_HINT: &str = "install it with `apt-get install --no-install-recommends prometheus` \
     (Debian/Ubuntu); these tests need a real Prometheus and promtool on PATH";
const READY_TIMEOUT: Duration = Duration::from_secs(20);
const START_ATTEMPTS: usize = 3;

/// Gauge samples to backfill, rendered as an OpenMetrics file that promtool accepts: one
/// `# TYPE` per family, families contiguous, each series sorted by time, timestamps in
/// seconds, no blank lines, `# EOF` at the end.
#[derive(Default)]
pub struct OpenMetrics {
    /// metric -> rendered label set -> time (seconds) -> value
    families: BTreeMap<String, BTreeMap<String, BTreeMap<i64, f64>>>,
}

impl OpenMetrics {
    pub fn new() -> OpenMetrics {
        OpenMetrics::default()
    }

    /// Adds samples `(unix seconds, value)` to the series `metric{labels}`.
    pub fn gauge(&mut self, metric: &str, labels: &[(&str, &str)], samples: &[(i64, f64)]) {
        let series = self
            .families
            .entry(metric.to_string())
            .or_default()
            .entry(render_labels(labels))
            .or_default();
        series.extend(samples.iter().copied());
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        for (metric, series) in &self.families {
            text.push_str(&format!("# TYPE {metric} gauge\n"));
            for (labels, samples) in series {
                for (time, value) in samples {
                    text.push_str(&format!(
                        "{metric}{labels} {} {time}\n",
                        render_value(*value)
                    ));
                }
            }
        }
        text.push_str("# EOF\n");
        text
    }
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(name, value)| {
            let escaped = value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{name}=\"{escaped}\"")
        })
        .collect();
    format!("{{{}}}", pairs.join(","))
}

fn render_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

/// A running Prometheus serving the backfilled history; stopped (kill + wait) on drop.
pub struct TestPrometheus {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    dir: TempDir,
}

impl TestPrometheus {
    /// Backfills `history` and starts a server on a free port of 127.0.0.1. Panics (failing
    /// the test) when Prometheus is not installed or does not become ready in time.
    pub async fn start(history: &OpenMetrics) -> TestPrometheus {
        let config = "global:\n  scrape_interval: 1h\nscrape_configs: []\n";
        TestPrometheus::start_with(history, config).await
    }

    /// A server scraping `target` (host:port on 127.0.0.1) every second, as job "andon".
    pub async fn scraping(target: &str) -> TestPrometheus {
        let config = format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
             - job_name: andon\n    static_configs:\n      - targets: [\"{target}\"]\n"
        );
        TestPrometheus::start_with(&OpenMetrics::new(), &config).await
    }

    async fn start_with(history: &OpenMetrics, config_text: &str) -> TestPrometheus {
        let mut dir = TempDir::new().expect("temporary directory");
        let data = dir.path().join("data");
        if !history.families.is_empty() {
            backfill(dir.path(), &data, &history.render());
        }
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, config_text).expect("write prometheus.yml");
        for attempt in 1..=START_ATTEMPTS {
            let port = free_port();
            let log = dir.path().join(format!("prometheus-{attempt}.log"));
            let child = spawn_server(&config, &data, port, &log);
            let mut server = TestPrometheus {
                child,
                url: format!("http://127.0.0.1:{port}"),
                dir,
            };
            match server.wait_ready().await {
                Ok(()) => return server,
                // Another process took the port between our probe and the server's bind.
                Err(log_text) if log_text.contains("address already in use") => {
                    dir = server.into_dir();
                }
                Err(log_text) => panic!("prometheus did not become ready:\n{log_text}"),
            }
        }
        panic!("prometheus could not bind a free port in {START_ATTEMPTS} attempts");
    }

    /// Polls `/-/ready` until 200. On failure returns the server's log.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::new();
        let ready_url = format!("{}/-/ready", self.url);
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}\n{}", self.log()));
            }
            if let Ok(response) = client.get(&ready_url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "not ready after {READY_TIMEOUT:?} at {ready_url}\n{}",
            self.log()
        ))
    }

    fn log(&self) -> String {
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        logs.retain(|p| p.extension().is_some_and(|e| e == "log"));
        logs.sort();
        logs.last()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// Stops the server and keeps the backfilled data for another attempt.
    fn into_dir(mut self) -> TempDir {
        self.stop();
        let placeholder = TempDir::new().expect("temporary directory");
        let dir = std::mem::replace(&mut self.dir, placeholder);
        drop(self);
        dir
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestPrometheus {
    fn drop(&mut self) {
        self.stop();
    }
}

fn backfill(dir: &Path, data: &Path, openmetrics: &str) {
    let input = dir.join("history.om.txt");
    std::fs::write(&input, openmetrics).expect("write OpenMetrics history");
    let output = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
        .arg(&input)
        .arg(data)
        .output()
        .unwrap_or_else(|e| not_installed("promtool", &e));
    assert!(
        output.status.success(),
        "promtool could not backfill:\n{}\n{}\ninput:\n{openmetrics}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn spawn_server(config: &Path, data: &Path, port: u16, log: &Path) -> Child {
    let log_file = std::fs::File::create(log).expect("create prometheus log");
    let log_err = log_file.try_clone().expect("clone log handle");
    Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=100y")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .spawn()
        .unwrap_or_else(|e| not_installed("prometheus", &e))
}

fn not_installed(binary: &str, error: &std::io::Error) -> ! {
    if error.kind() == ErrorKind::NotFound {
        panic!("`{binary}` is not on PATH: {INSTALL_HINT}");
    }
    panic!("cannot run `{binary}`: {error}");
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
