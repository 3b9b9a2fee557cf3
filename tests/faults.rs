//! Faults caused on purpose, each on 127.0.0.1 and bounded in time: hostile servers (silent,
//! dripping, endless, lying, resetting, redirecting, compressing, non-UTF-8, deeply nested,
//! absurd numbers, control characters in every field), hostile files (FIFOs and devices as
//! config, theme, token and CA files) and hostile environments (a closed pipe, a full disk, a
//! log that cannot be written, signals, a resize storm, no controlling terminal). Each asserts
//! what the user is told, and that nothing hangs, panics or leaks a secret.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use andon::config::Transport;
use andon::model::Snapshot;
use andon::poller::poll_once;
use andon::setup::Config;
use andon::sources::hosts::Hosts;
use andon::sources::{Source, SourceError, http};
use support::ci;
use support::raw::{RawServer, Reply};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Planted in every field: an OSC window title with BEL, CSI, an OSC 8 link, C1 CSI and DCS,
/// DEL, a line break, a bidi override. "pwned" is what is left to find once it is cleaned.
const HOSTILE: &str =
    "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]8;;http://evil/\u{1b}\\\u{9b}31m\u{90}q\u{7f}\n\u{202e}";

const TIMEOUT: Duration = Duration::from_secs(2);

/// The hosts every poll here shares, as every source of one radiator does: a host one poll
/// rested stays rested for the next.
static HOSTS: LazyLock<Arc<Hosts>> = LazyLock::new(|| Arc::new(Hosts::new()));

fn client_for(transport: &Transport) -> http::Client {
    http::Client::new(http::client_for(transport).unwrap(), HOSTS.clone())
}

fn config(text: &str) -> Config {
    andon::setup::parse(text, "faults.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// One poll of the config's first source, as the radiator and `--once` make it.
async fn poll(text: &str) -> Result<Snapshot, SourceError> {
    poll_limited(text, http::MAX_BODY_BYTES).await
}

async fn poll_limited(text: &str, max_body: usize) -> Result<Snapshot, SourceError> {
    let config = config(text);
    let source_config = &config.sources[0];
    let client = client_for(&source_config.transport);
    let source = Source::from_config(source_config, &client);
    let started = Instant::now();
    let (_, result) = http::with_body_limit(max_body, poll_once(&source, TIMEOUT)).await;
    assert!(
        started.elapsed() < TIMEOUT + Duration::from_secs(3),
        "the poll outlived its timeout: {:?}",
        started.elapsed()
    );
    if let Err(err) = &result {
        assert!(
            !err.reason.contains("internal error"),
            "a panic, not a reason: {err}"
        );
    }
    result
}

fn cctray(url: &str) -> String {
    format!("[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"{url}\"\n")
}

/// Whether `text` holds anything a terminal would obey, or an escaped form of it (JSON).
fn unsafe_in(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| andon::sanitize::is_unsafe(c) && c != '\n')
}

fn assert_clean(what: &str, text: &str) {
    if let Some(c) = unsafe_in(text) {
        panic!("{what}: {:#x} reached the output:\n{text:?}", c as u32);
    }
    for escaped in ["\\u001b", "\\u0007", "\\u009b", "\\u0090", "\\u007f"] {
        assert!(!text.contains(escaped), "{what}: {escaped} in\n{text}");
    }
}

fn assert_snapshot_clean(what: &str, snapshot: &Snapshot) {
    let debug = format!("{snapshot:?}");
    for escaped in [
        "\\u{1b}",
        "\\u{7}",
        "\\u{9b}",
        "\\u{90}",
        "\\u{7f}",
        "\\n",
        "\\u{202e}",
    ] {
        assert!(!debug.contains(escaped), "{what}: {escaped} in\n{debug}");
    }
    assert!(
        debug.contains("pwned"),
        "{what}: the planted text never reached the snapshot, so the test proves nothing:\n{debug}"
    );
}

// ---------------------------------------------------------------------------------------------
// Control characters in every field each source kind reports, through the real parsers.

/// JSON keys whose values are free text a server fills in (names, messages, people, links).
const FREE_TEXT: &[&str] = &[
    "name",
    "display_title",
    "message",
    "html_url",
    "web_url",
    "title",
    "fullDisplayName",
    "displayName",
    "fullName",
    "login",
    "username",
    "label",
    "stage",
    "description",
];

fn plant_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    serde_json::Value::String(text) if FREE_TEXT.contains(&key.as_str()) => {
                        text.push_str(HOSTILE);
                    }
                    other => plant_json(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(plant_json),
        _ => {}
    }
}

fn hostile_json(_name: &str, text: String) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    plant_json(&mut value);
    value.to_string()
}

async fn hostile<F: std::future::Future>(mount: F) -> F::Output {
    ci::TRANSFORM.scope(hostile_json, mount).await
}

#[tokio::test]
async fn github_fields_are_cleaned() {
    let server = MockServer::start().await;
    hostile(ci::github(&server, Some("t0ken"))).await;
    let text = format!(
        "[[source]]\nname = \"gh\"\nkind = \"github\"\nrepo = \"octo-org/shop\"\n\
         api_url = \"{}\"\ntoken = \"t0ken\"\n",
        server.uri()
    );
    assert_snapshot_clean("github", &poll(&text).await.unwrap());
}

#[tokio::test]
async fn gitlab_fields_are_cleaned() {
    let server = MockServer::start().await;
    hostile(ci::gitlab(&server, Some("t0ken"))).await;
    let text = format!(
        "[[source]]\nname = \"gl\"\nkind = \"gitlab\"\nproject = \"group/payments\"\n\
         api_url = \"{}/api/v4\"\ntoken = \"t0ken\"\n",
        server.uri()
    );
    assert_snapshot_clean("gitlab", &poll(&text).await.unwrap());
}

#[tokio::test]
async fn jenkins_fields_are_cleaned() {
    let server = MockServer::start().await;
    hostile(ci::jenkins(&server, None)).await;
    let text = format!(
        "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"{}\"\ndeploy_job = \"deploy-prod\"\n",
        server.uri()
    );
    assert_snapshot_clean("jenkins", &poll(&text).await.unwrap());
}

#[tokio::test]
async fn buildkite_fields_are_cleaned() {
    let server = MockServer::start().await;
    hostile(ci::buildkite(&server, Some("t0ken"))).await;
    let text = format!(
        "[[source]]\nname = \"bk\"\nkind = \"buildkite\"\norganization = \"my-great-org\"\n\
         pipeline = \"checkout\"\napi_url = \"{}\"\ntoken = \"t0ken\"\n",
        server.uri()
    );
    assert_snapshot_clean("buildkite", &poll(&text).await.unwrap());
}

#[tokio::test]
async fn collector_feed_fields_are_cleaned() {
    use andon::sources::andon::{
        FEED_PATH, FEED_SCHEMA, Feed, FeedPipeline, FeedRun, FeedSource, FeedStage,
    };
    let h = |text: &str| format!("{text}{HOSTILE}");
    let at = chrono::Utc::now();
    let feed = Feed {
        schema: FEED_SCHEMA,
        sources: vec![FeedSource {
            name: h("ci"),
            kind: h("cctray"),
            state: h("error"),
            error: Some(h("refused")),
            since: Some(at),
            last_success: Some(at),
            tls_verified: true,
            cause: None,
            http_status: None,
            rate_limited_until: None,
        }],
        pipelines: vec![FeedPipeline {
            source: h("ci"),
            name: h("api"),
            status: h("failing"),
            stale: false,
            building: false,
            stage: Some(h("test")),
            url: Some(h("https://ci.example/api")),
            label: Some(h("#6")),
            last_build_at: Some(at),
            failing_since: Some(at),
            stages: vec![FeedStage {
                name: h("test"),
                status: h("failed"),
                started_at: Some(at),
                finished_at: Some(at),
                queued_seconds: Some(1.0),
            }],
            breakers: vec![h("amy")],
            commit: Some(h("abc")),
            author: Some(h("amy")),
            started_at: Some(at),
            finished_at: Some(at),
            no_verdict: false,
            runs: vec![FeedRun {
                id: h("#6"),
                passed: Some(false),
                commit: Some(h("abc")),
            }],
            acknowledged: Some(andon::model::Acknowledgement { by: h("amy"), at }),
        }],
        events: andon::model::DoraEvents {
            deployments: vec![andon::model::Deployment {
                app: h("api"),
                image_sha: Some(h("s1")),
                commit: Some(h("abc")),
                finished_at: at,
                marked: None,
            }],
            changes: vec![andon::model::Change {
                app: h("api"),
                commit: h("abc"),
                image_sha: Some(h("s1")),
                committed_at: at,
            }],
            incidents: vec![andon::model::Incident {
                app: h("api"),
                id: h("INC-1"),
                opened_at: at,
                resolved_at: None,
            }],
        },
    };
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(FEED_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(serde_json::to_string(&feed).unwrap()),
        )
        .mount(&server)
        .await;
    let text = format!(
        "[[source]]\nname = \"collector\"\nkind = \"andon\"\nurl = \"{}\"\n",
        server.uri()
    );
    let snapshot = poll(&text).await.unwrap();
    assert!(!snapshot.upstream.is_empty(), "{snapshot:?}");
    assert!(
        snapshot.pipelines[0].acknowledged.is_some(),
        "the acknowledgement is relayed: {snapshot:?}"
    );
    assert_snapshot_clean("andon", &snapshot);
}

/// Every attribute a cctray feed sets, and GoCD's breakers, with the bytes planted raw.
fn hostile_cctray() -> String {
    let feed = ci::fixture("cctray", "gocd-cctray.xml");
    let mut out = String::new();
    for (i, part) in feed.split('"').enumerate() {
        out.push_str(part);
        // Inside an attribute value, except the ones with a fixed vocabulary.
        let before = feed.split('"').take(i).last().unwrap_or("");
        let fixed = [
            "activity=",
            "lastBuildStatus=",
            "lastBuildTime=",
            "kind=",
            "version=",
            "encoding=",
        ]
        .iter()
        .any(|a| before.ends_with(a));
        if i % 2 == 1 && !fixed && part != "Breakers" {
            out.push_str(&HOSTILE.replace('\n', " "));
        }
        if i + 1 < feed.split('"').count() {
            out.push('"');
        }
    }
    out
}

#[tokio::test]
async fn cctray_fields_are_cleaned() {
    let feed = hostile_cctray();
    assert!(feed.contains("\u{1b}]0;pwned"), "{feed}");
    let server = RawServer::start("/cctray.xml", move |_| Reply::ok(feed.clone())).await;
    assert_snapshot_clean("cctray", &poll(&cctray(&server.url)).await.unwrap());
}

#[tokio::test]
async fn exposition_labels_are_cleaned() {
    // Label values escape a backslash (the ST of ESC \\) and take a line break as \\n.
    let planted = HOSTILE.replace('\\', "\\\\").replace('\n', "\\n");
    let page = ci::fixture("exposition", "pelorus-text-0.0.4.txt")
        .replace("app=\"checkout\"", &format!("app=\"checkout{planted}\""))
        .replace("commit=\"a1\"", &format!("commit=\"a1{planted}\""));
    let server = RawServer::start("/metrics", move |_| Reply::ok(page.clone())).await;
    let text = format!(
        "[[source]]\nname = \"x\"\nkind = \"exposition\"\nurl = \"{}\"\n",
        server.url
    );
    assert_snapshot_clean("exposition", &poll(&text).await.unwrap());
}

#[tokio::test]
async fn prometheus_labels_are_cleaned() {
    let server = MockServer::start().await;
    let now = chrono::Utc::now().timestamp();
    let body = serde_json::json!({
        "status": "success",
        "data": {"resultType": "vector", "result": [
            {"metric": {"__name__": "deploy_timestamp", "app": format!("api{HOSTILE}"),
                        "image_sha": format!("s1{HOSTILE}"), "commit": format!("c1{HOSTILE}")},
             "value": [now, (now - 3600).to_string()]},
            {"metric": {"__name__": "failure_creation_timestamp", "app": format!("api{HOSTILE}"),
                        "issue_number": format!("7{HOSTILE}")},
             "value": [now, (now - 1800).to_string()]}
        ]}
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let text = format!(
        "[[source]]\nname = \"p\"\nkind = \"prometheus\"\nurl = \"{}\"\n",
        server.uri()
    );
    assert_snapshot_clean("prometheus", &poll(&text).await.unwrap());
}

#[tokio::test]
async fn an_error_page_full_of_escapes_is_quoted_clean() {
    let page = format!("{HOSTILE} maintenance {HOSTILE}");
    let server = RawServer::start("/cc.xml", move |_| {
        Reply::Full("503 Service Unavailable", page.clone().into_bytes())
    })
    .await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_clean("reason", &err.reason);
    assert!(err.reason.contains("pwned"), "{err}");
}

fn andon(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_andon"));
    command
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env_remove("ANDON_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    run_bounded(command, Duration::from_secs(20))
}

/// Runs `command` (its output as it was set up), killed and the test failed if it takes
/// longer than `limit`.
fn run_bounded(mut command: Command, limit: Duration) -> Output {
    let child = command.spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            support::tmux::kill(pid, "KILL");
            panic!("andon did not finish within {limit:?}");
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_no_panic(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_text_and_json_carry_no_control_character() {
    let server = MockServer::start().await;
    hostile(ci::github(&server, Some("t0ken"))).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "andon.toml",
        &format!(
            "[dora]\nwindow = \"3650d\"\n[[source]]\nname = \"gh\"\nkind = \"github\"\n\
             repo = \"octo-org/shop\"\napi_url = \"{}\"\ntoken_env = \"FAULTS_TOKEN\"\n",
            server.uri()
        ),
    );
    let config = config.to_str().unwrap().to_string();
    let env = [("FAULTS_TOKEN", "t0ken")];
    let (text, json) = tokio::task::spawn_blocking(move || {
        (
            andon(&["--once", "--config", &config], &env),
            andon(
                &["--once", "--json", "--since", "3650d", "--config", &config],
                &env,
            ),
        )
    })
    .await
    .unwrap();
    for (what, output) in [("--once", &text), ("--once --json", &json)] {
        assert_no_panic(output);
        let stdout = String::from_utf8(output.stdout.clone()).unwrap();
        assert_clean(what, &stdout);
        assert!(
            stdout.contains("pwned"),
            "{what}: nothing planted shown:\n{stdout}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets: redirects, Referer, URLs in `check`, token files.

/// A server that answers every request with a redirect to `to`.
async fn redirecting_to(to: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", to))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn no_kind_follows_a_redirect_to_another_origin() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&elsewhere)
        .await;
    let target = format!("{}/collect", elsewhere.uri());
    let first = redirecting_to(&target).await;
    let base = first.uri();
    let with_userinfo = base.replace("http://", "http://bob:pa55word@");
    let configs = [
        format!("kind = \"github\"\nrepo = \"o/r\"\napi_url = \"{base}\"\ntoken = \"ghp_SECRET\""),
        format!(
            "kind = \"gitlab\"\nproject = \"g/p\"\napi_url = \"{base}/api/v4\"\ntoken = \"glpat-SECRET\""
        ),
        format!("kind = \"jenkins\"\nurl = \"{base}\"\nuser = \"ci\"\ntoken = \"jenkins-SECRET\""),
        format!(
            "kind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\napi_url = \"{base}\"\ntoken = \"bk-SECRET\""
        ),
        format!("kind = \"cctray\"\nurl = \"{with_userinfo}/cc.xml?token=q-SECRET\""),
        format!("kind = \"exposition\"\nurl = \"{with_userinfo}/metrics\""),
        format!("kind = \"prometheus\"\nurl = \"{with_userinfo}\""),
    ];
    for kind in configs {
        let err = poll(&format!("[[source]]\nname = \"s\"\n{kind}\n"))
            .await
            .unwrap_err();
        assert!(
            err.reason.contains("redirected to another origin"),
            "{kind}: {err}"
        );
        assert!(
            !err.reason.contains("SECRET") && !err.reason.contains("pa55word"),
            "{err}"
        );
    }
    let reached = elsewhere.received_requests().await.unwrap_or_default();
    assert!(
        reached.is_empty(),
        "a request with the source's credentials went to another origin: {:?}",
        reached
            .iter()
            .map(|r| (r.url.to_string(), r.headers.clone()))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_without_a_referer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/old.xml"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/cc.xml"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cc.xml"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(ci::fixture("cctray", "jenkins-cc.xml")),
        )
        .mount(&server)
        .await;
    let snapshot = poll(&cctray(&format!("{}/old.xml?token=q-SECRET", server.uri())))
        .await
        .unwrap();
    assert!(!snapshot.pipelines.is_empty());
    let requests = server.received_requests().await.unwrap();
    let followed = requests.iter().find(|r| r.url.path() == "/cc.xml").unwrap();
    assert!(
        !followed.headers.contains_key("referer"),
        "the Referer hands the first URL (and its token) on: {:?}",
        followed.headers.get("referer")
    );
}

#[test]
fn a_redirect_loop_is_named() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "/again"))
            .mount(&server)
            .await;
        let err = poll(&cctray(&format!("{}/cc.xml", server.uri())))
            .await
            .unwrap_err();
        assert!(err.reason.contains("redirects (a redirect loop?)"), "{err}");
    });
}

#[test]
fn check_never_prints_a_password_or_query_token_of_any_kind() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "andon.toml",
        "[[source]]\nname = \"gh\"\nkind = \"github\"\nrepo = \"o/r\"\n\
         api_url = \"https://u:ghSECRET@gh.example/api/v3?access_token=ghQUERY\"\n\
         [[source]]\nname = \"gl\"\nkind = \"gitlab\"\nproject = \"g/p\"\n\
         api_url = \"https://u:glSECRET@gl.example/api/v4?private_token=glQUERY\"\n\
         [[source]]\nname = \"bk\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\n\
         api_url = \"https://u:bkSECRET@bk.example?access_token=bkQUERY\"\n\
         [[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"https://u:jSECRET@j.example?token=jQUERY\"\n\
         [[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"https://u:cSECRET@c.example/cc.xml?token=cQUERY\"\n\
         [[source]]\nname = \"x\"\nkind = \"exposition\"\nurl = \"https://u:xSECRET@x.example/metrics?token=xQUERY\"\n\
         [[source]]\nname = \"p\"\nkind = \"prometheus\"\nurl = \"https://u:pSECRET@p.example?token=pQUERY\"\n",
    );
    let out = andon(&["check", "--config", config.to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("gh.example"), "{all}");
    for leak in ["SECRET", "QUERY"] {
        assert!(!all.contains(leak), "check printed a {leak}:\n{all}");
    }
}

#[test]
fn a_token_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "token", "glpat-FILESECRET\n");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = write(
        dir.path(),
        "andon.toml",
        &format!(
            "[[source]]\nname = \"gl\"\nkind = \"gitlab\"\nproject = \"g/p\"\ntoken_file = \"{}\"\n",
            token.display()
        ),
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = andon(&["check", "--config", config.to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("token_file") && stderr.contains("can be read by other users (mode 644)"),
        "{stderr}"
    );
    assert!(!stderr.contains("FILESECRET"));
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = andon(&["check", "--config", config.to_str().unwrap()], &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
}

// ---------------------------------------------------------------------------------------------
// Hostile servers.

#[tokio::test]
async fn a_silent_server_times_out() {
    let server = RawServer::start("/cc.xml", |_| Reply::Stall).await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_eq!(err.reason, "timed out after 2s");
}

#[tokio::test]
async fn a_slow_drip_times_out_however_steady_it_is() {
    // A byte every 100 ms keeps every read alive; only the poll's own timeout ends it.
    let server = RawServer::start("/cc.xml", |_| {
        Reply::Endless(b"<".to_vec(), Duration::from_millis(100))
    })
    .await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_eq!(err.reason, "timed out after 2s");
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_cap() {
    let server = RawServer::start("/cc.xml", |_| {
        Reply::Endless(vec![b'x'; 16 * 1024], Duration::ZERO)
    })
    .await;
    let err = poll_limited(&cctray(&server.url), 64 * 1024)
        .await
        .unwrap_err();
    assert_eq!(err.reason, "response larger than 64 KiB refused");
}

#[tokio::test]
async fn lying_content_lengths_are_caught() {
    let feed = ci::fixture("cctray", "jenkins-cc.xml");
    // Promises more than it sends, then hangs up.
    let short = feed.clone();
    let server = RawServer::start("/cc.xml", move |_| {
        Reply::Cut(short.len() + 500, short.clone().into_bytes())
    })
    .await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_eq!(err.reason, "connection dropped by the server mid-response");
    // Promises less than it sends: only what was promised is read, and it is not a feed.
    let long = feed.clone();
    let server = RawServer::start("/cc.xml", move |_| {
        Reply::Raw(format!("HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n{long}").into_bytes())
    })
    .await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert!(err.reason.starts_with("malformed cctray feed"), "{err}");
    // Promises more than the cap: refused before a byte of the body is read.
    let server = RawServer::start("/cc.xml", |_| {
        Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 999999999999\r\n\r\n<Projects>".to_vec())
    })
    .await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_eq!(err.reason, "response larger than 16 MiB refused");
}

#[tokio::test]
async fn a_reset_connection_is_named() {
    let server = RawServer::start("/cc.xml", |_| Reply::Reset).await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_eq!(err.reason, "connection dropped by the server mid-response");
}

#[tokio::test]
async fn a_compression_bomb_is_never_inflated() {
    // 50 MB of zeros, gzipped to about 50 KB. reqwest is built without decompression, so the
    // body stays what it is on the wire: read within the cap, and refused as not text.
    let bomb = Command::new("sh")
        .args(["-c", "head -c 50000000 /dev/zero | gzip -9 -c"])
        .output()
        .unwrap()
        .stdout;
    assert!(bomb.len() < 1_000_000 && bomb.starts_with(&[0x1f, 0x8b]));
    let server = RawServer::start("/cc.xml", move |_| {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
            bomb.len()
        );
        Reply::Raw([head.into_bytes(), bomb.clone()].concat())
    })
    .await;
    let err = poll_limited(&cctray(&server.url), 1024 * 1024)
        .await
        .unwrap_err();
    assert!(err.reason.starts_with("response is not UTF-8"), "{err}");
}

#[tokio::test]
async fn non_utf8_is_named_with_its_offset() {
    let server = RawServer::start("/cc.xml", |_| {
        Reply::ok(b"<Projects>\xff\xfe</Projects>".to_vec())
    })
    .await;
    let err = poll(&cctray(&server.url)).await.unwrap_err();
    assert_eq!(
        err.reason,
        "response is not UTF-8 (invalid byte at offset 10)"
    );
}

#[tokio::test]
async fn deep_nesting_is_refused_without_a_stack_overflow() {
    let deep_json = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let server = RawServer::start("/api/json", move |_| Reply::ok(deep_json.clone())).await;
    let base = server.url.trim_end_matches("/api/json").to_string();
    let err = poll(&format!(
        "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"{base}\"\n"
    ))
    .await
    .unwrap_err();
    assert!(err.reason.contains("malformed"), "{err}");
    let deep_xml = format!(
        "<Projects>{}{}</Projects>",
        "<a>".repeat(200_000),
        "</a>".repeat(200_000)
    );
    let server = RawServer::start("/cc.xml", move |_| Reply::ok(deep_xml.clone())).await;
    let _ = poll(&cctray(&server.url)).await;
}

#[tokio::test]
async fn absurd_numbers_are_read_or_refused_never_a_panic() {
    let server = MockServer::start().await;
    let jobs = serde_json::json!({"jobs": [
        {"name": "a", "url": format!("{}/job/a/", server.uri()), "color": "red",
         "lastBuild": {"number": u64::MAX, "result": "FAILURE", "building": false,
                       "timestamp": i64::MAX, "duration": i64::MIN, "url": "x"}},
        {"name": "b", "url": format!("{}/job/b/", server.uri()), "color": "blue",
         "lastBuild": {"number": -1, "result": "SUCCESS", "building": false,
                       "timestamp": -9.9e300, "duration": 1e308, "url": "x"}}
    ]});
    Mock::given(method("GET"))
        .and(path("/api/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jobs))
        .mount(&server)
        .await;
    let text = format!(
        "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"{}\"\n",
        server.uri()
    );
    let _ = poll(&text).await;
    let times = [
        "99999-12-31T23:59:59Z",
        "-99999-01-01T00:00:00Z",
        "2024-03-05T09:12:44.99999999999999+99:99",
        "+262143-12-31T23:59:59.9999999Z",
    ];
    for time in times {
        let feed = format!(
            "<Projects><Project name=\"p\" activity=\"Sleeping\" lastBuildStatus=\"Success\" \
             lastBuildLabel=\"{}\" lastBuildTime=\"{time}\" webUrl=\"x\"/></Projects>",
            u128::MAX
        );
        let server = RawServer::start("/cc.xml", move |_| Reply::ok(feed.clone())).await;
        let _ = poll(&cctray(&server.url)).await;
    }
}

#[tokio::test]
async fn absurd_rate_limit_headers_rest_the_host_for_at_most_an_hour() {
    for retry_after in [
        "99999999999999999999999999",
        "9223372036854775807",
        "-5",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let head = format!(
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: {retry_after}\r\n\
             x-ratelimit-reset: 99999999999999\r\ncontent-length: 0\r\n\r\n"
        );
        let server =
            RawServer::start("/cc.xml", move |_| Reply::Raw(head.clone().into_bytes())).await;
        let text = cctray(&server.url);
        let err = poll(&text).await.unwrap_err();
        assert!(
            err.reason.starts_with("rate limited until "),
            "{retry_after}: {err}"
        );
        // Rested: the next poll does not ask the server at all.
        let hits = server.hits();
        let again = poll(&text).await.unwrap_err();
        assert!(again.reason.starts_with("rate limited until "), "{again}");
        assert_eq!(server.hits(), hits, "a rested host was asked again");
    }
}

// ---------------------------------------------------------------------------------------------
// Politeness for the plain HTTP kinds (cctray, /metrics, Prometheus), as for the CI APIs.

#[tokio::test]
async fn plain_http_kinds_rest_on_429_and_pace_by_rate_limit_headers() {
    let feed = ci::fixture("cctray", "jenkins-cc.xml");
    let server = RawServer::start("/cc.xml", move |n| {
        if n == 0 {
            Reply::Raw(
                b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 120\r\ncontent-length: 0\r\n\r\n"
                    .to_vec(),
            )
        } else {
            Reply::ok(feed.clone())
        }
    })
    .await;
    let text = cctray(&server.url);
    let err = poll(&text).await.unwrap_err();
    assert!(err.reason.starts_with("rate limited until "), "{err}");
    assert!(
        poll(&text)
            .await
            .unwrap_err()
            .reason
            .starts_with("rate limited until ")
    );
    assert_eq!(server.hits(), 1, "the rest was not kept");

    for kind in ["exposition", "prometheus"] {
        let reset = chrono::Utc::now().timestamp() + 600;
        let head = format!(
            "HTTP/1.1 200 OK\r\nx-ratelimit-limit: 60\r\nx-ratelimit-remaining: 16\r\n\
             x-ratelimit-reset: {reset}\r\ncontent-length: 0\r\n\r\n"
        );
        let server =
            RawServer::start("/metrics", move |_| Reply::Raw(head.clone().into_bytes())).await;
        let url = if kind == "prometheus" {
            server.url.trim_end_matches("/metrics").to_string()
        } else {
            server.url.clone()
        };
        let text = format!("[[source]]\nname = \"s\"\nkind = \"{kind}\"\nurl = \"{url}\"\n");
        let _ = poll(&text).await;
        let config = config(&text);
        let client = client_for(&config.sources[0].transport);
        let source = Source::from_config(&config.sources[0], &client);
        let ready = source.ready_at(chrono::Utc::now());
        assert!(
            ready.is_some_and(|at| at > chrono::Utc::now() + chrono::TimeDelta::seconds(30)),
            "{kind}: 10 usable requests over 10 minutes must space polls a minute apart: {ready:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Files that are FIFOs or devices.

fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    assert!(
        Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    path
}

#[test]
fn a_fifo_or_a_device_as_the_config_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path(), "config.toml");
    for config in [fifo.to_str().unwrap(), "/dev/zero", "/dev/urandom"] {
        let started = Instant::now();
        let out = andon(&["--once", "--config", config], &[]);
        assert_eq!(out.status.code(), Some(2), "{config}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot read config: not a regular file"),
            "{stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn a_fifo_as_a_ca_file_or_theme_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let ca = fifo(dir.path(), "ca.pem");
    let config = write(
        dir.path(),
        "andon.toml",
        &format!(
            "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1/cc.xml\"\nca_file = \"{}\"\n",
            ca.display()
        ),
    );
    let out = andon(&["--once", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));

    let themes = dir.path().join("andon/themes");
    std::fs::create_dir_all(&themes).unwrap();
    fifo(&themes, "mine.toml");
    let out = andon(
        &["--once", "--theme", "mine"],
        &[("XDG_CONFIG_HOME", dir.path().to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read theme") && stderr.contains("not a regular file"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_fifo_or_a_device_as_the_token_file_fails_the_poll_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path(), "token");
    for token in [fifo.to_str().unwrap(), "/dev/zero"] {
        let text = format!(
            "[[source]]\nname = \"gl\"\nkind = \"gitlab\"\nproject = \"g/p\"\n\
             api_url = \"http://127.0.0.1:1/api/v4\"\ntoken_file = \"{token}\"\n"
        );
        let err = poll(&text).await.unwrap_err();
        assert!(err.reason.contains("not a regular file"), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Legal extremes in the config.

#[test]
fn absurd_durations_are_refused_with_where() {
    let cases = [
        ("[dora]\nwindow = \"200000000y\"\n", 2, "dora.window"),
        ("[display]\nrotate = \"200000000y\"\n", 2, "display.rotate"),
        (
            "[[source]]\nname = \"a\"\nkind = \"demo\"\ninterval = \"200000000y\"\n",
            4,
            "source[0].interval",
        ),
        (
            "[[source]]\nname = \"a\"\nkind = \"demo\"\ntimeout = \"200000000y\"\n",
            4,
            "source[0].timeout",
        ),
        (
            "[[source]]\nname = \"a\"\nkind = \"cctray\"\nurl = \"http://h\"\nbackoff_max = \"200000000y\"\n",
            5,
            "source[0].backoff_max",
        ),
        (
            "[[source]]\nname = \"a\"\nkind = \"prometheus\"\nurl = \"http://h\"\nlookback = \"200000000y\"\n",
            5,
            "source[0].lookback",
        ),
        (
            "[[source]]\nname = \"a\"\nkind = \"demo\"\ninterval = \"3000d\"\nstale_after = 4294967295\n",
            5,
            "source[0].stale_after",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, line, field) in cases {
        let config = write(dir.path(), "andon.toml", text);
        let out = andon(&["--once", "--config", config.to_str().unwrap()], &[]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("andon.toml:{line}:")) && stderr.contains(field),
            "{text}: {stderr}"
        );
    }
}

#[test]
fn an_absurd_since_is_no_panic() {
    let out = andon(&["--once", "--since", "200000000y"], &[]);
    assert_no_panic(&out);
}

// ---------------------------------------------------------------------------------------------
// Output like a Unix tool.

fn andon_to(stdout: Stdio, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_andon"));
    command
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped());
    run_bounded(command, Duration::from_secs(20))
}

#[test]
fn a_reader_that_went_away_ends_quietly_with_a_non_zero_code() {
    for args in [
        &["--once"][..],
        &["--once", "--json"],
        &["check"],
        &["why"],
        &["schema"],
        &["man"],
        &["completions", "bash"],
    ] {
        // The pipe's reading end is closed before andon writes: `andon --once | head -0`.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = andon_to(Stdio::from(writer), args);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}: quiet");
    }
}

#[test]
fn a_full_disk_is_one_line_and_a_non_zero_code() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = andon_to(Stdio::from(full), &["--once", "--json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "andon: cannot write the output: No space left on device (os error 28)\n"
    );
}

/// `andon ARGS >&-`: standard output closed before andon starts.
fn andon_with_stdout_closed(args: &[&str], log: &Path) -> Output {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(env!("CARGO_BIN_EXE_andon"));
    command
        .args(args)
        .arg("--log-file")
        .arg(log)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null());
    // SAFETY: close(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    command.stdout(Stdio::inherit()).stderr(Stdio::piped());
    run_bounded(command, Duration::from_secs(20))
}

#[test]
fn a_closed_stdout_is_an_output_error_not_a_success() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("andon.log");
    for args in [
        &["--once", "--config", "sample-config.toml"][..],
        &["--once", "--json", "--config", "sample-config.toml"],
        &["check", "--config", "sample-config.toml"],
        &["why", "--config", "sample-config.toml"],
        &["schema"],
        &["man"],
        &["completions", "bash"],
    ] {
        let out = andon_with_stdout_closed(args, &log);
        assert_no_panic(&out);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{args:?}: the output error code"
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "andon: cannot write the output: standard output is closed\n",
            "{args:?}"
        );
        // Rust's runtime points the closed descriptor at /dev/null before main, so the log
        // file opened later can never become file descriptor 1 and receive the output.
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            !logged.contains("SOURCES") && !logged.contains("config ok"),
            "the output went into the log:\n{logged}"
        );
    }
    // Pointed at /dev/null on purpose, the code still tells the state.
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .unwrap();
    let out = andon_to(
        Stdio::from(null),
        &["--once", "--config", "sample-config.toml"],
    );
    assert_no_panic(&out);
    let normal = andon(&["--once", "--config", "sample-config.toml"], &[]);
    assert_eq!(out.status.code(), normal.status.code());
    assert_ne!(out.status.code(), Some(4));
}

#[test]
fn a_log_that_cannot_be_opened_falls_back_with_one_warning_and_is_the_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = fifo(dir.path(), "andon.log");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    for log in [fifo.to_str().unwrap(), "/proc/nonexistent/andon.log"] {
        let out = andon(
            &[
                "--once",
                "--json",
                "--log-file",
                log,
                "--config",
                "sample-config.toml",
            ],
            &[
                ("TMPDIR", tmp.to_str().unwrap()),
                ("USER", "faults"),
                ("ANDON_FAULT", "poll"),
            ],
        );
        assert_no_panic(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let fallback = tmp.join("andon-faults.log");
        assert_eq!(
            stderr.matches("warning").count(),
            1,
            "{log}: one warning: {stderr}"
        );
        assert!(
            stderr.contains(&format!("cannot log to {log}"))
                && stderr.contains(&format!("logging to {}", fallback.display())),
            "{stderr}"
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let reason = json["sources"][0]["error"].as_str().unwrap().to_string();
        assert!(
            reason.contains(&format!("see the log {}", fallback.display())),
            "{reason}"
        );
        assert!(fallback.is_file(), "the log named does not exist");
    }
}

// ---------------------------------------------------------------------------------------------
// The attention command, signals, resizes, no controlling terminal: in a real terminal.

/// A cctray feed whose one project fails from the second answer on, so the radiator sees a
/// pipeline go red.
async fn going_red() -> RawServer {
    let project = |status: &str| {
        format!(
            "<Projects><Project name=\"api\" activity=\"Sleeping\" lastBuildStatus=\"{status}\" \
             lastBuildLabel=\"1\" lastBuildTime=\"2024-03-05T09:12:44Z\" webUrl=\"http://ci/api\"/></Projects>"
        )
    };
    let (green, red) = (project("Success"), project("Failure"));
    RawServer::start("/cc.xml", move |n| {
        Reply::ok(if n == 0 { green.clone() } else { red.clone() })
    })
    .await
}

fn wait_for_file(path: &Path) -> String {
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} never written", path.display());
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(") ")
            .next()
            .is_some_and(|rest| !rest.starts_with('Z'))
    })
}

/// The andon process in a pane: the pane's process, or its child when a wrapper forked it.
fn andon_under(pane: u32) -> u32 {
    let comm = std::fs::read_to_string(format!("/proc/{pane}/comm")).unwrap_or_default();
    if comm.trim() == "andon" {
        return pane;
    }
    std::fs::read_to_string(format!("/proc/{pane}/task/{pane}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .and_then(|pid| pid.parse().ok())
        .unwrap_or(pane)
}

fn attention_outlives(signal: Option<&str>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(going_red());
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let config = write(
        dir.path(),
        "andon.toml",
        &format!(
            "[display]\ncommand = \"sleep 600 & echo $! > {}; wait\"\n\
             [[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"{}\"\ninterval = \"1s\"\n",
            pids.display(),
            server.url
        ),
    );
    // Under setsid: andon leads a session without a controlling terminal, so its exit sends
    // no SIGHUP that would end the command's children for it (as under a supervisor).
    let tmux = support::tmux::Tmux::start_under(
        &format!("attn{}", signal.unwrap_or("q")),
        80,
        24,
        "setsid -w",
        &["--config", config.to_str().unwrap()],
        &[],
    );
    let child: u32 = wait_for_file(&pids).trim().parse().unwrap();
    assert!(alive(child));
    match signal {
        Some(signal) => support::tmux::kill(andon_under(tmux.pid()), signal),
        None => tmux.send("q"),
    }
    tmux.wait_exit(Duration::from_secs(5)).expect("andon exits");
    let until = Instant::now() + Duration::from_secs(5);
    while alive(child) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(child),
        "the attention command's child outlived andon"
    );
    drop(server);
}

#[test]
fn no_attention_process_outlives_a_quit() {
    attention_outlives(None);
}

#[test]
fn no_attention_process_outlives_sigterm() {
    attention_outlives(Some("TERM"));
}

#[test]
fn no_attention_process_outlives_sighup() {
    attention_outlives(Some("HUP"));
}

#[test]
fn a_resize_storm_leaves_the_board_responsive() {
    let tmux =
        support::tmux::Tmux::start("resize", 80, 24, &["--config", "sample-config.toml"], &[]);
    tmux.wait_for("DEMO DATA");
    let sizes = [
        (40, 12),
        (250, 70),
        (81, 25),
        (39, 11),
        (120, 40),
        (1, 1),
        (80, 24),
    ];
    for round in 0..30 {
        let (w, h) = sizes[round % sizes.len()];
        tmux.resize(w, h);
    }
    tmux.resize(80, 24);
    tmux.wait_for("DEMO DATA");
    assert!(support::tmux::running(tmux.pid()));
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn signals_to_the_tui_in_a_burst_end_it_cleanly() {
    let tmux =
        support::tmux::Tmux::start("burst", 80, 24, &["--config", "sample-config.toml"], &[]);
    tmux.wait_for("DEMO DATA");
    let output = tempfile::NamedTempFile::new().unwrap();
    tmux.record_output(output.path());
    for signal in ["WINCH", "CONT", "WINCH", "PIPE", "WINCH"] {
        support::tmux::kill(tmux.pid(), signal);
    }
    assert!(
        support::tmux::running(tmux.pid()),
        "a harmless signal ended it"
    );
    support::tmux::kill(tmux.pid(), "TERM");
    tmux.wait_exit(Duration::from_secs(5))
        .expect("exits after SIGTERM");
    assert_eq!(tmux.exit_status(), "0");
    support::tmux::assert_restored(&tmux, output.path(), "burst then SIGTERM");
}

#[test]
fn without_a_controlling_terminal_the_tui_says_so_and_once_works() {
    let mut command = Command::new("setsid");
    command
        .args([
            "-w",
            env!("CARGO_BIN_EXE_andon"),
            "--config",
            "sample-config.toml",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run_bounded(command, Duration::from_secs(10));
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a terminal"));
    let mut command = Command::new("setsid");
    command
        .args([
            "-w",
            env!("CARGO_BIN_EXE_andon"),
            "--once",
            "--config",
            "sample-config.toml",
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = run_bounded(command, Duration::from_secs(20));
    assert_no_panic(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SOURCES"));
}

#[test]
fn in_a_terminal_that_is_not_its_controlling_terminal_it_runs_and_quits() {
    let tmux = support::tmux::Tmux::start_under(
        "setsid",
        80,
        24,
        "setsid -w",
        &["--config", "sample-config.toml"],
        &[],
    );
    tmux.wait_for("DEMO DATA");
    tmux.send("q");
    tmux.assert_quits();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_that_stops_answering_leaves_the_radiator_quittable() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "andon.toml",
        "[[source]]\nname = \"d\"\nkind = \"demo\"\n",
    );
    let config_path = config.to_str().unwrap().to_string();
    let tmux = support::tmux::Tmux::start("hung", 80, 24, &["--config", &config_path], &[]);
    tmux.wait_for("DEMO DATA");
    // The file becomes a FIFO nobody writes to: a read would wait forever.
    std::fs::remove_file(&config).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&config)
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    tmux.wait_for("config not reloaded");
    tmux.send("q");
    tmux.assert_quits();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_urls_reach_no_output_and_no_log_line_even_at_trace() {
    let elsewhere = MockServer::start().await;
    let first = redirecting_to(&format!("{}/collect?sig=qSECRET3", elsewhere.uri())).await;
    let base = first.uri().replace("http://", "http://bob:pSECRET1@");
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "andon.toml",
        &format!(
            "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"{base}/cc.xml?token=qSECRET2\"\n\
             [[source]]\nname = \"x\"\nkind = \"exposition\"\nurl = \"{base}/metrics?token=qSECRET2\"\n\
             [[source]]\nname = \"p\"\nkind = \"prometheus\"\nurl = \"{base}/?token=qSECRET2\"\n\
             [[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"{base}\"\nuser = \"ci\"\ntoken = \"jSECRET4\"\n"
        ),
    );
    let log = dir.path().join("andon.log");
    let args = [
        "--once".to_string(),
        "--json".to_string(),
        "--config".to_string(),
        config.display().to_string(),
        "--log-file".to_string(),
        log.display().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        andon(&args, &[("ANDON_LOG", "trace")])
    })
    .await
    .unwrap();
    assert_no_panic(&out);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("reqwest::connect"),
        "a trace-level log: {logged}"
    );
    let everything = format!(
        "{}{}{logged}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for secret in ["pSECRET1", "qSECRET2", "qSECRET3", "jSECRET4"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
}

#[test]
fn a_log_file_that_is_the_terminal_never_writes_on_the_board() {
    let tmux = support::tmux::Tmux::start(
        "logtty",
        100,
        30,
        &["--config", "sample-config.toml", "--log-file", "/dev/tty"],
        &[
            ("ANDON_FAULT", "poll"),
            ("ANDON_LOG", "debug"),
            ("TMPDIR", "/tmp"),
        ],
    );
    tmux.wait_for("internal error");
    std::thread::sleep(Duration::from_millis(500));
    let screen = tmux.capture();
    assert!(
        !screen.contains("panic in a background task") && !screen.contains("ERROR"),
        "a log line on the board:\n{screen}"
    );
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn the_board_the_detail_view_its_link_and_the_attention_command_get_no_control_character() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let planted = HOSTILE.replace('\n', " ");
    let project = move |status: &str| {
        format!(
            "<Projects><Project name=\"api{planted}\" activity=\"Sleeping\" lastBuildStatus=\"{status}\" \
             lastBuildLabel=\"7{planted}\" lastBuildTime=\"2024-03-05T09:12:44Z\" \
             webUrl=\"http://ci/api{planted}\"><messages><message kind=\"Breakers\" \
             text=\"dara{planted}\"/></messages></Project></Projects>"
        )
    };
    let (green, red) = (project("Success"), project("Failure"));
    let server = runtime.block_on(RawServer::start("/cc.xml", move |n| {
        Reply::ok(if n == 0 { green.clone() } else { red.clone() })
    }));
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("env");
    let config = write(
        dir.path(),
        "andon.toml",
        &format!(
            "[display]\ncommand = \"env | grep ^ANDON_ > {0}.part; echo >> {0}.part; mv {0}.part {0}\"\n\
             [[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"{1}\"\ninterval = \"1s\"\n",
            env_file.display(),
            server.url
        ),
    );
    let tmux = support::tmux::Tmux::start(
        "hostile",
        120,
        40,
        &["--config", config.to_str().unwrap()],
        &[],
    );
    let output = dir.path().join("output");
    tmux.record_output(&output);
    let env = wait_for_file(&env_file);
    assert_clean("the attention command's environment", &env);
    assert!(
        env.contains("ANDON_PIPELINE=api") && env.contains("pwned"),
        "{env}"
    );
    tmux.send("Enter");
    tmux.wait_for("Esc close");
    std::thread::sleep(Duration::from_millis(300));
    let written = std::fs::read(&output).unwrap();
    let raw = String::from_utf8_lossy(&written);
    assert!(raw.contains("pwned"), "the planted text was never drawn");
    for (what, sequence) in [
        ("an OSC window title", "\u{1b}]0;pwned"),
        ("a planted OSC 8 link", "\u{1b}]8;;http://evil"),
        ("a C1 CSI", "\u{9b}"),
        ("a C1 DCS", "\u{90}"),
        ("a bidi override", "\u{202e}"),
    ] {
        assert!(!raw.contains(sequence), "{what} reached the terminal");
    }
    tmux.send("q");
    tmux.assert_quits();
    drop(server);
}
