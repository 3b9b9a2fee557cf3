//! `andon serve` as a child process on 127.0.0.1 (a free port it picks itself), with its own
//! state dir; stopped by PID on drop.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const START_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Collector {
    child: Child,
    /// e.g. `http://127.0.0.1:40123`
    pub url: String,
    stderr: Arc<Mutex<String>>,
}

/// Writes `text` as `name` in `dir` and returns its path.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

impl Collector {
    /// Starts `andon serve` with `config` (TOML), XDG_STATE_HOME = `home`, and `extra` args.
    pub fn start(config: &str, home: &Path, extra: &[&str]) -> Collector {
        let path = write_config(home, "collector.toml", config);
        let mut child = Command::new(env!("CARGO_BIN_EXE_andon"))
            .arg("--config")
            .arg(&path)
            .arg("--log-file")
            .arg(home.join("collector.log"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("ANDON_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("XDG_STATE_HOME", home)
            .env("ANDON_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("andon serve starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = BufReader::new(child.stderr.take().expect("stderr piped"));
        let collected = stderr.clone();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(url.to_string());
                }
                if let Ok(mut text) = collected.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        });
        let url = match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "andon serve did not start in {START_TIMEOUT:?}:\n{}",
                    stderr.lock().map(|s| s.clone()).unwrap_or_default()
                );
            }
        };
        Collector { child, url, stderr }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sends `signal` (e.g. "-TERM", "-KILL") and waits for the exit, at most `timeout`.
    pub fn signal(&mut self, signal: &str, timeout: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .arg(signal)
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}{path}", self.url))
            .timeout(Duration::from_secs(70))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}\n{}", self.stderr()))
    }

    pub async fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}\n{}", self.stderr()))
    }

    pub async fn state(&self) -> Value {
        self.get("/api/v1/state")
            .await
            .json()
            .await
            .expect("state is JSON")
    }

    /// Waits until the state document satisfies `done`, at most `timeout`; returns it.
    pub async fn state_when(&self, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.state().await;
            if done(&state) {
                return state;
            }
            if Instant::now() > deadline {
                panic!(
                    "state not reached in {timeout:?}:\n{state:#}\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pipeline named `name` in a state document.
pub fn pipeline<'a>(state: &'a Value, name: &str) -> &'a Value {
    state["pipelines"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no pipeline {name} in {state:#}"))
}
