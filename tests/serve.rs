//! `andon serve` end to end: the binary as a collector on 127.0.0.1, local cctray feeds
//! upstream, screens (`kind = "andon"`) and promtool reading what it serves.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::collector::{Collector, pipeline, write_config};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// The feeds below are hand-written in the shape of the real ones in tests/fixtures/cctray/: the
// tests need an upstream that turns from red to green on cue.

/// api fails with no build time (so its "since" is the collector's first sighting), web passes.
const RED: &str = r#"<Projects>
  <Project name="api" activity="Sleeping" lastBuildStatus="Failure" lastBuildLabel="42"
           webUrl="http://ci.local/job/api/42/"/>
  <Project name="web" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="7"/>
</Projects>"#;

/// The same, after web ran again.
const RED_LATER: &str = r#"<Projects>
  <Project name="api" activity="Sleeping" lastBuildStatus="Failure" lastBuildLabel="42"/>
  <Project name="web" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="8"/>
</Projects>"#;

const GREEN: &str = r#"<Projects>
  <Project name="api" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="43"/>
  <Project name="web" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="7"/>
</Projects>"#;

async fn feed(body: &'static str) -> MockServer {
    let server = MockServer::start().await;
    serve_feed(&server, body).await;
    server
}

async fn serve_feed(server: &MockServer, body: &'static str) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/cc.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(server)
        .await;
}

async fn upstream_requests(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

fn collector_config(url: &str, interval: &str) -> String {
    format!(
        "title = \"Collector\"\n[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"{url}/cc.xml\"\n\
         interval = \"{interval}\"\ntimeout = \"2s\"\n"
    )
}

fn screen(dir: &std::path::Path, collector: &str, args: &[&str]) -> Output {
    let config = write_config(
        dir,
        "screen.toml",
        &format!("[[source]]\nname = \"collector\"\nkind = \"andon\"\nurl = \"{collector}\"\n"),
    );
    Command::new(env!("CARGO_BIN_EXE_andon"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .env_remove("ANDON_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", dir)
        .output()
        .expect("andon runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn red(state: &Value) -> bool {
    state["andon"] == "red"
}

#[tokio::test]
async fn metrics_pass_promtool_and_carry_the_documented_series() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    let response = collector.get("/metrics").await;
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (Debian's prometheus package)");
    use std::io::Write as _;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success() && checked.stdout.is_empty() && checked.stderr.is_empty(),
        "promtool complains:\n{}{}\n{text}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    for line in [
        r#"andon_pipeline_status{source="ci",pipeline="api",status="failing"} 1"#,
        r#"andon_pipeline_status{source="ci",pipeline="api",status="passing"} 0"#,
        r#"andon_pipeline_status{source="ci",pipeline="api",status="unknown"} 0"#,
        r#"andon_pipeline_status{source="ci",pipeline="api",status="stale"} 0"#,
        r#"andon_pipeline_status{source="ci",pipeline="web",status="passing"} 1"#,
        r#"andon_pipeline_building{source="ci",pipeline="api"} 0"#,
        r#"andon_line_state{state="red"} 1"#,
        r#"andon_line_state{state="green"} 0"#,
        r#"andon_line_state{state="unknown"} 0"#,
        r#"andon_source_up{source="ci",kind="cctray"} 1"#,
        "andon_history_up 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}:\n{text}");
    }
    let since = |pipeline: &str| {
        text.lines()
            .find(|l| {
                l.starts_with(&format!(
                    "andon_pipeline_failing_since_timestamp_seconds{{source=\"ci\",pipeline=\"{pipeline}\"}}"
                ))
            })
            .map(str::to_string)
    };
    assert!(since("api").is_some(), "{text}");
    assert!(
        since("web").is_none(),
        "only failing pipelines have a since"
    );
    assert!(
        text.contains(r#"andon_source_last_success_timestamp_seconds{source="ci"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"andon_poll_duration_seconds_bucket{source="ci",le="+Inf"}"#)
            && text.contains(r#"andon_http_requests_total{source="ci",code="200"}"#),
        "{text}"
    );
    // A cctray feed has no DORA events: no figure has data, so none has a series (never 0).
    assert!(!text.contains("andon_dora_"), "{text}");
}

#[tokio::test]
async fn the_state_has_an_etag_answers_304_and_a_long_poll_learns_of_a_change() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    let state = collector.state_when(Duration::from_secs(20), red).await;
    let api = pipeline(&state, "api");
    assert!(api["failing_since"].is_string(), "{api:#}");
    assert!(
        pipeline(&state, "web")
            .as_object()
            .unwrap()
            .get("failing_since")
            .is_some_and(Value::is_null),
        "the key is always there, null when not failing"
    );
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/state", collector.url);
    let first = client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let document: Value = first.json().await.unwrap();
    assert_eq!(document["schema"], 1);
    let post = client.post(&url).body("x").send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
    let missing = client
        .get(format!("{}/api/v2/nothing", collector.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let bad_wait = client.get(format!("{url}?wait=soon")).send().await.unwrap();
    assert_eq!(bad_wait.status(), 400);
    // Polled every second, the upstream answers the same: the tag stays.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "unchanged state, same tag");
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    let waiting = {
        let client = client.clone();
        let url = format!("{url}?wait=30s");
        let etag = etag.clone();
        tokio::spawn(async move {
            let response = client
                .get(url)
                .header("if-none-match", etag)
                .send()
                .await
                .unwrap();
            (Instant::now(), response)
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "held while nothing changes");
    serve_feed(&upstream, GREEN).await;
    let changed_at = Instant::now();
    let (answered, response) = waiting.await.unwrap();
    assert_eq!(response.status(), 200);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["andon"], "green", "{document:#}");
    assert!(pipeline(&document, "api")["failing_since"].is_null());
    // The collector polls every second; the held request answers as soon as it has polled.
    eprintln!(
        "long poll answered {:?} after the upstream changed (poll interval 1s)",
        answered - changed_at
    );
}

#[tokio::test]
async fn a_screen_shows_the_collectors_board_upstream_errors_and_unknown_when_it_is_gone() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let config = format!(
        "{}[[source]]\nname = \"jenkins\"\nkind = \"cctray\"\nurl = \"{refused}/cc.xml\"\ntimeout = \"2s\"\n",
        collector_config(&upstream.uri(), "1s")
    );
    let mut collector = Collector::start(&config, home.path(), &[]);
    let state = collector
        .state_when(Duration::from_secs(20), |s| {
            red(s) && s["sources"][1]["state"] == "error"
        })
        .await;
    let screen_dir = tempfile::tempdir().unwrap();
    let output = screen(screen_dir.path(), &collector.url, &["--once", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "line stopped, as on the collector"
    );
    let shown = json_of(&output);
    assert_eq!(shown["andon"], state["andon"]);
    let names = |doc: &Value| -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = doc["pipelines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        list.sort();
        list
    };
    assert_eq!(names(&shown), names(&state));
    assert_eq!(
        pipeline(&shown, "api")["failing_since"],
        pipeline(&state, "api")["failing_since"],
        "the collector's since, not the screen's first sighting"
    );
    assert!(
        shown["pipelines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.as_object().unwrap().contains_key("failing_since")),
        "--once --json has the key on every pipeline"
    );
    assert!(pipeline(&shown, "web")["failing_since"].is_null());
    let relayed = shown["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "collector/jenkins")
        .unwrap_or_else(|| panic!("upstream source shown: {shown:#}"));
    assert_eq!(relayed["state"], "error");
    assert_eq!(relayed["kind"], "cctray");
    assert_eq!(relayed["error"], "connection refused");
    let text = screen(screen_dir.path(), &collector.url, &["--once"]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("collector/jenkins") && text.contains("connection refused"),
        "{text}"
    );

    // The collector gone: unknown, never green.
    assert!(
        collector
            .signal("-TERM", Duration::from_secs(5))
            .is_some_and(|s| s.success()),
        "SIGTERM ends the collector cleanly"
    );
    let output = screen(screen_dir.path(), &collector.url, &["--once", "--json"]);
    assert_eq!(output.status.code(), Some(3));
    let shown = json_of(&output);
    assert_eq!(shown["andon"], "unknown");
    assert_eq!(shown["sources"][0]["error"], "connection refused");
}

/// Runs `screens` screens at once against the collector, each polling it three times.
fn run_screens(dir: &std::path::Path, collector: &str, screens: usize) -> Vec<Output> {
    let handles: Vec<_> = (0..screens)
        .map(|n| {
            let dir = dir.join(format!("screen-{n}"));
            std::fs::create_dir_all(&dir).unwrap();
            let collector = collector.to_string();
            std::thread::spawn(move || {
                (0..3)
                    .map(|_| screen(&dir, &collector, &["--once", "--json"]))
                    .collect::<Vec<Output>>()
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

#[tokio::test]
async fn five_screens_cost_the_upstream_what_one_costs() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    // An hour between polls: the collector asks the upstream once, whatever the screens do.
    let collector = Collector::start(&collector_config(&upstream.uri(), "1h"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    let dir = tempfile::tempdir().unwrap();
    let before = upstream_requests(&upstream).await;
    for output in run_screens(dir.path(), &collector.url, 1) {
        assert_eq!(output.status.code(), Some(1));
    }
    let with_one = upstream_requests(&upstream).await - before;
    for output in run_screens(dir.path(), &collector.url, 5) {
        assert_eq!(
            output.status.code(),
            Some(1),
            "every screen sees the red line"
        );
    }
    let with_five = upstream_requests(&upstream).await - before - with_one;
    assert_eq!(
        (before, with_one, with_five),
        (1, 0, 0),
        "one upstream request in all; screens cost the upstream nothing"
    );
    // Each screen polling the upstream itself: one request per screen poll.
    let direct = write_config(
        dir.path(),
        "direct.toml",
        &collector_config(&upstream.uri(), "1h"),
    );
    for _ in 0..5 {
        let output = Command::new(env!("CARGO_BIN_EXE_andon"))
            .arg("--config")
            .arg(&direct)
            .args(["--once", "--json"])
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
    }
    assert_eq!(upstream_requests(&upstream).await, 1 + 5);
}

#[tokio::test]
async fn a_killed_collector_restarts_with_every_since_pass_rate_and_red_time() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let config = collector_config(&upstream.uri(), "1s");
    let mut collector = Collector::start(&config, home.path(), &[]);
    let before = collector.state_when(Duration::from_secs(20), red).await;
    let since = pipeline(&before, "api")["failing_since"].clone();
    assert!(since.is_string());
    // Let a second run of web be seen, then kill without a chance to clean up.
    serve_feed(&upstream, RED_LATER).await;
    let before = collector
        .state_when(Duration::from_secs(20), |s| {
            pipeline(s, "web")["pass_rate"]["runs"] == 2
        })
        .await;
    assert!(collector.signal("-KILL", Duration::from_secs(5)).is_some());
    // Upstream red still, minutes "later": the restarted collector must not reset the since.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let collector = Collector::start(&config, home.path(), &[]);
    let after = collector.state_when(Duration::from_secs(20), red).await;
    assert_eq!(pipeline(&after, "api")["failing_since"], since);
    assert_eq!(
        pipeline(&after, "api")["pass_rate"],
        pipeline(&before, "api")["pass_rate"]
    );
    assert_eq!(
        pipeline(&after, "web")["pass_rate"],
        pipeline(&before, "web")["pass_rate"]
    );
    // A screen started now shows the collector's pass rates, not only what it has seen itself.
    let screen_dir = tempfile::tempdir().unwrap();
    let shown = json_of(&screen(
        screen_dir.path(),
        &collector.url,
        &["--once", "--json"],
    ));
    assert_eq!(pipeline(&shown, "web")["pass_rate"]["runs"], 2, "{shown:#}");
    assert_eq!(
        pipeline(&shown, "web")["pass_rate"],
        pipeline(&before, "web")["pass_rate"]
    );
    // Back to green: the red is measured from before the restart.
    serve_feed(&upstream, GREEN).await;
    collector
        .state_when(Duration::from_secs(20), |s| s["andon"] == "green")
        .await;
    let transitions: Value = collector
        .get("/api/v1/transitions")
        .await
        .json()
        .await
        .unwrap();
    let green = transitions["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["event"] == "green" && t["pipeline"] == "api")
        .unwrap_or_else(|| panic!("no green transition: {transitions:#}"));
    let red_since = chrono::DateTime::parse_from_rfc3339(since.as_str().unwrap()).unwrap();
    let red_for = green["red_seconds"].as_u64().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(green["at"].as_str().unwrap()).unwrap();
    assert!(
        red_for + 1 >= (at - red_since).num_seconds() as u64 && red_for >= 2,
        "red for {red_for}s, since {red_since} until {at}"
    );
    assert!(
        green["notice"]
            .as_str()
            .unwrap()
            .starts_with("✓ api back to green after"),
        "{green:#}"
    );
}

#[tokio::test]
async fn a_corrupt_or_unwritable_state_dir_is_named_and_live_data_is_still_served() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("andon")).unwrap();
    std::fs::write(
        home.path().join("andon").join("history.sqlite3"),
        vec![0x42; 4096],
    )
    .unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    let stderr = collector.stderr();
    assert!(
        stderr.contains("history disabled, serving live data only")
            && stderr.contains("history.sqlite3")
            && stderr.contains("not a database"),
        "{stderr}"
    );
    let metrics = collector.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l == "andon_history_up 0"),
        "{metrics}"
    );

    let blocked = tempfile::tempdir().unwrap();
    let file = blocked.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let config = format!(
        "{}[serve]\nstate_dir = \"{}\"\n",
        collector_config(&upstream.uri(), "1s"),
        file.join("state").display()
    );
    let collector = Collector::start(&config, blocked.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    assert!(
        collector
            .stderr()
            .contains("history disabled, serving live data only: cannot create the state dir"),
        "{}",
        collector.stderr()
    );
}

/// Posts an acknowledgement and returns the status and the body.
async fn acknowledge(collector: &Collector, body: &str) -> (u16, String) {
    let response = collector.post("/api/v1/acks", body.to_string()).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn acknowledged_by(state: &Value, name: &str) -> Option<String> {
    pipeline(state, name)["acknowledged"]["by"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn an_acknowledgement_reaches_every_screen_survives_a_restart_and_ends_with_the_green() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let config = collector_config(&upstream.uri(), "1s");
    let mut collector = Collector::start(&config, home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;

    let (status, body) = acknowledge(&collector, r#"{"pipeline": "api", "by": "dara"}"#).await;
    assert_eq!(status, 200, "{body}");
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["acknowledged"]["by"], "dara", "{reply:#}");
    // What cannot be acknowledged is refused with the reason.
    let (status, body) = acknowledge(&collector, r#"{"pipeline": "web", "by": "dara"}"#).await;
    assert_eq!((status, body.contains("passing")), (409, true), "{body}");
    let (status, _) = acknowledge(&collector, r#"{"pipeline": "nope", "by": "dara"}"#).await;
    assert_eq!(status, 404);
    let (status, body) = acknowledge(&collector, "{\"pipeline\": \"api\"}").await;
    assert_eq!((status, body.contains("\"by\"")), (400, true), "{body}");
    let huge = format!(r#"{{"pipeline": "api", "by": "{}"}}"#, "x".repeat(10_000));
    assert_eq!(acknowledge(&collector, &huge).await.0, 413);
    assert_eq!(collector.get("/api/v1/acks").await.status().as_u16(), 405);

    let state = collector
        .state_when(Duration::from_secs(10), |s| {
            acknowledged_by(s, "api").is_some()
        })
        .await;
    assert_eq!(acknowledged_by(&state, "api").as_deref(), Some("dara"));
    // A screen shows it in its JSON and on its banner line.
    let screen_dir = tempfile::tempdir().unwrap();
    let shown = json_of(&screen(
        screen_dir.path(),
        &collector.url,
        &["--once", "--json"],
    ));
    assert_eq!(
        acknowledged_by(&shown, "api").as_deref(),
        Some("dara"),
        "{shown:#}"
    );
    assert_eq!(acknowledged_by(&shown, "web"), None);
    let text = screen(screen_dir.path(), &collector.url, &["--once"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("· ⚑ dara on it since"), "{text}");

    // Kept across a kill -9 and a restart, before the restarted collector has polled.
    assert!(collector.signal("-KILL", Duration::from_secs(5)).is_some());
    let collector = Collector::start(&config, home.path(), &[]);
    let state = collector.state_when(Duration::from_secs(20), red).await;
    assert_eq!(acknowledged_by(&state, "api").as_deref(), Some("dara"));

    // Green again: the mark is gone, and a new red starts without one.
    serve_feed(&upstream, GREEN).await;
    let state = collector
        .state_when(Duration::from_secs(20), |s| s["andon"] == "green")
        .await;
    assert_eq!(acknowledged_by(&state, "api"), None, "{state:#}");
    serve_feed(&upstream, RED).await;
    let state = collector.state_when(Duration::from_secs(20), red).await;
    assert_eq!(acknowledged_by(&state, "api"), None, "{state:#}");
}

#[tokio::test]
async fn a_on_a_screen_of_the_collector_marks_the_pipeline_for_every_screen() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "screen.toml",
        &format!(
            "[[source]]\nname = \"hub\"\nkind = \"andon\"\nurl = \"{}\"\n",
            collector.url
        ),
    );
    let config = config.to_string_lossy().into_owned();
    let tui = support::tmux::Tmux::start(
        "ack-relay",
        100,
        30,
        &["--config", &config],
        &[("USER", "kai")],
    );
    tui.wait_for("api");
    tui.send("a");
    let state = collector
        .state_when(Duration::from_secs(10), |s| {
            acknowledged_by(s, "api").is_some()
        })
        .await;
    assert_eq!(acknowledged_by(&state, "api").as_deref(), Some("kai"));
    // The collector's feed brings the mark back to the screen that asked.
    let drawn = tui.wait_for("⚑ kai");
    assert!(!drawn.contains("this screen only"), "{drawn}");
    // And a second screen, started now, sees it.
    let other = tempfile::tempdir().unwrap();
    let shown = json_of(&screen(other.path(), &collector.url, &["--once", "--json"]));
    assert_eq!(acknowledged_by(&shown, "api").as_deref(), Some("kai"));
    // `a` again takes it back for every screen.
    tui.send("a");
    collector
        .state_when(Duration::from_secs(10), |s| {
            acknowledged_by(s, "api").is_none()
        })
        .await;
    tui.wait_gone("⚑ kai");
}

#[tokio::test]
async fn a_release_takes_the_mark_back_for_every_screen() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    assert_eq!(
        acknowledge(&collector, r#"{"pipeline": "api", "by": "dara"}"#)
            .await
            .0,
        200
    );
    let (status, body) = acknowledge(
        &collector,
        r#"{"pipeline": "api", "by": "dara", "release": true}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(serde_json::from_str::<Value>(&body).unwrap()["acknowledged"].is_null());
    let state = collector.state().await;
    assert_eq!(acknowledged_by(&state, "api"), None, "{state:#}");
}

#[tokio::test]
async fn one_client_cannot_hold_every_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    let address = collector.url.trim_start_matches("http://").to_string();
    let etag = collector.get("/api/v1/state").await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    // Held polls up to the share of one client address. The connections of the requests above
    // close in the background; while the collector still counts one of them, one of these is
    // refused, and it would be let in once that close arrives. So the share is taken again
    // until every one of these is held.
    let hold_the_share = || async {
        let mut held = Vec::new();
        for _ in 0..andon::serve::http::MAX_CONNECTIONS_PER_CLIENT {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let request = format!(
                "GET /api/v1/state?wait=60s HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            held.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut buffer = [0u8; 64];
        for stream in &mut held {
            let read =
                tokio::time::timeout(Duration::from_millis(5), stream.read(&mut buffer)).await;
            if matches!(read, Ok(Ok(0)) | Ok(Err(_))) {
                return None;
            }
        }
        Some(held)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut held = loop {
        if let Some(held) = hold_the_share().await {
            break held;
        }
        assert!(Instant::now() < deadline, "the share was never held whole");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // One more from the same address is closed at once, not left waiting.
    let mut extra = tokio::net::TcpStream::connect(&address).await.unwrap();
    let _ = extra
        .write_all(b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), extra.read(&mut buffer)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the extra connection was served or held: {read:?}"
    );
    // Letting one go makes room again.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answered = tokio::time::timeout(
            Duration::from_secs(2),
            reqwest::get(format!("{}/api/v1/state", collector.url)),
        )
        .await;
        if matches!(&answered, Ok(Ok(r)) if r.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "no room after one closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sigint_ends_the_collector_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut collector = Collector::start(
        "[[source]]\nname = \"demo\"\nkind = \"demo\"\n",
        home.path(),
        &[],
    );
    collector
        .state_when(Duration::from_secs(20), |s| {
            s["sources"][0]["state"] == "ok"
        })
        .await;
    let screen_dir = tempfile::tempdir().unwrap();
    let text = screen(screen_dir.path(), &collector.url, &["--once"]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("[DEMO DATA]"),
        "a screen on a demo collector says so:\n{text}"
    );
    let status = collector.signal("-INT", Duration::from_secs(5));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    let log = std::fs::read_to_string(home.path().join("collector.log")).unwrap();
    assert!(log.contains("andon serve stopping"), "{log}");
}

#[test]
fn listening_beyond_loopback_must_be_asked_for() {
    let output = Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env_remove("ANDON_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("0.0.0.0:0 is not a loopback address") && stderr.contains("--allow-remote"),
        "{stderr}"
    );
}

/// Prometheus instant query result as (labels, value) pairs.
async fn promql(prometheus: &str, query: &str) -> Vec<(Value, String)> {
    let response: Value = reqwest::Client::new()
        .get(format!("{prometheus}/api/v1/query"))
        .query(&[("query", query)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response["status"], "success", "{response:#}");
    response["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["metric"].clone(),
                r["value"][1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_real_prometheus_scrapes_the_collector_and_a_screen_reads_the_board_from_it() {
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    let collector_state = collector.state_when(Duration::from_secs(20), red).await;
    let target = collector.url.trim_start_matches("http://").to_string();
    let prometheus = support::prometheus::TestPrometheus::scraping(&target).await;
    let failing = r#"andon_pipeline_status{status="failing"} == 1"#;
    let deadline = Instant::now() + Duration::from_secs(40);
    let result = loop {
        let result = promql(&prometheus.url, failing).await;
        if !result.is_empty() {
            break result;
        }
        assert!(
            Instant::now() < deadline,
            "no scrape reached Prometheus in time"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(result.len(), 1, "{result:?}");
    let (labels, value) = &result[0];
    assert_eq!(
        (&labels["pipeline"], &labels["source"], value.as_str()),
        (&Value::from("api"), &Value::from("ci"), "1")
    );
    assert_eq!(labels["job"], "andon");

    // A screen whose board comes from Prometheus shows the collector's board.
    let screen_dir = tempfile::tempdir().unwrap();
    let config = write_config(
        screen_dir.path(),
        "prometheus-screen.toml",
        &format!(
            "[[source]]\nname = \"prometheus\"\nkind = \"prometheus\"\nurl = \"{}\"\n\
             [source.board]\nquery = \"andon_pipeline_status == 1\"\n",
            prometheus.url
        ),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_andon"))
        .arg("--config")
        .arg(&config)
        .args(["--once", "--json"])
        .env_remove("ANDON_CONFIG")
        .env("XDG_STATE_HOME", screen_dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "the line is stopped there too"
    );
    let shown = json_of(&output);
    let board = |doc: &Value| -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = doc["pipelines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].to_string(), p["status"].to_string()))
            .collect();
        list.sort();
        list
    };
    assert_eq!(board(&shown), board(&collector_state));
}

#[tokio::test]
async fn a_running_screen_learns_of_a_change_from_its_held_request() {
    use andon::{poller, setup};
    let upstream = feed(RED).await;
    let home = tempfile::tempdir().unwrap();
    let collector = Collector::start(&collector_config(&upstream.uri(), "1s"), home.path(), &[]);
    collector.state_when(Duration::from_secs(20), red).await;
    let screen = setup::parse(
        &format!(
            "[[source]]\nname = \"collector\"\nkind = \"andon\"\nurl = \"{}\"\n",
            collector.url
        ),
        "screen.toml",
    )
    .unwrap();
    assert_eq!(
        (screen.sources[0].interval, screen.sources[0].timeout),
        (Duration::from_secs(1), Duration::from_secs(30)),
        "a collector is polled every second with room for a held request"
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let (_refresh, refresh_rx) = tokio::sync::watch::channel(0u64);
    let tasks = poller::spawn(&screen, tx, refresh_rx);
    let failing = |update: &poller::Update| -> Option<bool> {
        let snapshot = update.result.as_ref().ok()?;
        Some(
            snapshot
                .pipelines
                .iter()
                .any(|p| p.status == andon::model::BuildStatus::Failing),
        )
    };
    let first = rx.recv().await.unwrap();
    assert_eq!(failing(&first), Some(true));
    // The next poll is held by the collector; nothing arrives while nothing changes.
    let quiet = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await;
    assert!(quiet.is_err(), "no answer while the state is unchanged");
    serve_feed(&upstream, GREEN).await;
    let changed_at = Instant::now();
    let update = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the held request answers when the state changes")
        .unwrap();
    assert_eq!(failing(&update), Some(false));
    eprintln!(
        "screen learned of the change {:?} after the upstream changed (collector polls every 1s)",
        changed_at.elapsed()
    );
    for task in tasks {
        task.abort();
    }
}

/// Pelorus-style event gauges (hand-written: times relative to now, so they sit in the window).
fn events_page(now: i64) -> String {
    let day = 86_400;
    let mut page = String::from("# TYPE deploy_timestamp gauge\n");
    for (n, age) in [(1, 6 * day), (2, 3 * day), (3, day)] {
        page.push_str(&format!(
            "deploy_timestamp{{app=\"api\",image_sha=\"s{n}\"}} {}\n",
            now - age
        ));
    }
    page.push_str("# TYPE commit_timestamp gauge\n");
    for (n, age) in [(1, 7 * day), (2, 4 * day), (3, 2 * day)] {
        page.push_str(&format!(
            "commit_timestamp{{app=\"api\",commit=\"c{n}\",image_sha=\"s{n}\"}} {}\n",
            now - age
        ));
    }
    page.push_str(&format!(
        "# TYPE failure_creation_timestamp gauge\n\
         failure_creation_timestamp{{app=\"api\",issue_number=\"7\"}} {}\n\
         # TYPE failure_resolution_timestamp gauge\n\
         failure_resolution_timestamp{{app=\"api\",issue_number=\"7\"}} {}\n",
        now - 2 * day,
        now - 2 * day + 5400
    ));
    page
}

#[tokio::test]
async fn a_screen_has_the_collectors_dora_figures_and_since_report_across_a_restart() {
    let upstream = feed(RED).await;
    let events = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metrics"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(events_page(chrono::Utc::now().timestamp())),
        )
        .mount(&events)
        .await;
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "{}[[source]]\nname = \"events\"\nkind = \"exposition\"\nurl = \"{}/metrics\"\ntimeout = \"2s\"\n",
        collector_config(&upstream.uri(), "1s"),
        events.uri()
    );
    let mut collector = Collector::start(&config, home.path(), &[]);
    let state = collector
        .state_when(Duration::from_secs(20), |s| {
            red(s) && s["dora"]["deployment_frequency"]["deployments"] == 3
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let shown = json_of(&screen(
        dir.path(),
        &collector.url,
        &["--once", "--json", "--since", "7d"],
    ));
    let figures = |doc: &Value| {
        let dora = &doc["dora"];
        [
            dora["deployment_frequency"]["deployments"].clone(),
            dora["lead_time"]["median_seconds"].clone(),
            dora["lead_time"]["n"].clone(),
            dora["change_failure_rate"]["ratio"].clone(),
            dora["time_to_restore"]["median_seconds"].clone(),
        ]
    };
    assert_eq!(figures(&shown), figures(&state));
    assert_eq!(shown["dora"]["time_to_restore"]["median_seconds"], 5400.0);
    let since = |doc: &Value| {
        let s = &doc["since"];
        [
            s["deployments"].clone(),
            s["deployments_by_app"].clone(),
            s["incidents_opened"].clone(),
            s["incidents_resolved"].clone(),
            Value::from(s["broke"].as_array().map_or(0, Vec::len)),
        ]
    };
    let before = since(&shown);
    assert_eq!(before[0], 3, "{shown:#}");
    assert_eq!(before[4], 1, "api broke inside the week");

    assert!(collector.signal("-KILL", Duration::from_secs(5)).is_some());
    let collector = Collector::start(&config, home.path(), &[]);
    collector
        .state_when(Duration::from_secs(20), |s| {
            red(s) && s["dora"]["deployment_frequency"]["deployments"] == 3
        })
        .await;
    let after = json_of(&screen(
        dir.path(),
        &collector.url,
        &["--once", "--json", "--since", "7d"],
    ));
    assert_eq!(since(&after), before);
    assert_eq!(figures(&after), figures(&shown));
    assert_eq!(
        pipeline(&after, "api")["failing_since"],
        pipeline(&shown, "api")["failing_since"]
    );
}

#[tokio::test]
async fn nothing_served_holds_a_secret_from_a_source_url() {
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "[[source]]\nname = \"ci\"\nkind = \"cctray\"\n\
         url = \"http://robot:hunter2-pass@{refused}/cc.xml?token=s3cret-token\"\ntimeout = \"2s\"\n"
    );
    let collector = Collector::start(&config, home.path(), &[]);
    collector
        .state_when(Duration::from_secs(20), |s| {
            s["sources"][0]["state"] == "error"
        })
        .await;
    for path in [
        "/metrics",
        "/api/v1/state",
        "/api/v1/feed",
        "/api/v1/transitions",
        "/",
    ] {
        let body = collector.get(path).await.text().await.unwrap();
        for secret in ["hunter2-pass", "s3cret-token", "robot"] {
            assert!(!body.contains(secret), "{path} shows {secret}:\n{body}");
        }
    }
    let log = std::fs::read_to_string(home.path().join("collector.log")).unwrap();
    assert!(log.contains("poll failed"), "{log}");
    assert!(
        !log.contains("hunter2-pass") && !log.contains("s3cret-token"),
        "{log}"
    );
}
