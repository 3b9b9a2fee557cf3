//! Every way a source can fail, caused on purpose against 127.0.0.1 (or a `.invalid` name, which
//! never resolves): each gets its own reason, the other sources are untouched, and the reasons
//! never repeat a URL's userinfo or query string.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use andon::poller::{self, Update};
use andon::setup::{self, Config};
use andon::state::{Freshness, State};
use andon::view;
use support::raw::{RawServer, Reply};

const FEED: &str =
    r#"<Projects><Project name="api" lastBuildStatus="Success" activity="Sleeping"/></Projects>"#;

/// A config with one cctray source per (name, url, extra TOML lines).
fn config(sources: &[(&str, &str, &str)]) -> Config {
    let mut text = String::new();
    for (name, url, extra) in sources {
        text.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nkind = \"cctray\"\nurl = \"{url}\"\n{extra}\n"
        ));
        if !extra.contains("timeout") {
            text.push_str("timeout = \"2s\"\n");
        }
    }
    setup::parse(&text, "test.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

async fn poll(config: &Config) -> Vec<Update> {
    poller::poll_all_once(config).await
}

async fn reason_of(url: &str, extra: &str) -> String {
    let config = config(&[("ci", url, extra)]);
    let update = poll(&config).await.remove(0);
    match update.result {
        Ok(snapshot) => panic!("{url} should fail, got {snapshot:?}"),
        Err(err) => err.reason,
    }
}

#[tokio::test]
async fn dns_failure_is_named_with_the_host() {
    let reason = reason_of("http://andon-test.invalid/cc.xml", "").await;
    assert_eq!(reason, "DNS lookup failed for andon-test.invalid");
}

#[tokio::test]
async fn refused_connection_is_named() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cc.xml", listener.local_addr().unwrap());
    drop(listener);
    assert_eq!(reason_of(&url, "").await, "connection refused");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = RawServer::start("/cc.xml", |_| Reply::Stall).await;
    let started = Instant::now();
    let reason = reason_of(&server.url, "timeout = \"500ms\"").await;
    assert_eq!(reason, "timed out after 500ms");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_error() {
    let server = RawServer::start("/cc.xml", |_| Reply::ok(FEED)).await;
    let url = server.url.replace("http://", "https://");
    let reason = reason_of(&url, "").await;
    assert!(reason.starts_with("TLS error: "), "{reason}");
    assert!(reason.contains("plain HTTP"), "{reason}");
}

#[tokio::test]
async fn server_errors_are_named_with_their_status() {
    let server = RawServer::start("/cc.xml", |_| {
        Reply::Full(
            "503 Service Unavailable",
            b"upstream is restarting\n".to_vec(),
        )
    })
    .await;
    assert_eq!(
        reason_of(&server.url, "").await,
        "HTTP 503 Service Unavailable (server error): upstream is restarting"
    );
    let server = RawServer::start("/cc.xml", |_| {
        Reply::Full("500 Internal Server Error", vec![])
    })
    .await;
    assert_eq!(
        reason_of(&server.url, "").await,
        "HTTP 500 Internal Server Error (server error)"
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_answer_is_named() {
    let server =
        RawServer::start("/cc.xml", |_| Reply::Cut(10_000, FEED.as_bytes().to_vec())).await;
    assert_eq!(
        reason_of(&server.url, "").await,
        "connection dropped by the server mid-response"
    );
    let server = RawServer::start("/cc.xml", |_| Reply::Close).await;
    let reason = reason_of(&server.url, "").await;
    assert!(
        reason.contains("connection dropped") || reason.starts_with("request failed"),
        "{reason}"
    );
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused_whether_announced_or_streamed() {
    let big = vec![b' '; 300 * 1024];
    let body = big.clone();
    let announced = RawServer::start("/cc.xml", move |_| Reply::ok(body.clone())).await;
    assert_eq!(
        reason_of(&announced.url, "max_body = \"256KiB\"").await,
        "response larger than 256 KiB refused"
    );
    let streamed = RawServer::start("/cc.xml", move |_| Reply::Chunked(big.clone())).await;
    assert_eq!(
        reason_of(&streamed.url, "max_body = \"256KiB\"").await,
        "response larger than 256 KiB refused"
    );
    // Under the default cap the same body is read (and is then an empty document).
    let reason = reason_of(&streamed.url, "").await;
    assert!(reason.contains("empty document"), "{reason}");
}

#[tokio::test]
async fn non_utf8_bodies_are_refused() {
    let server = RawServer::start("/cc.xml", |_| {
        Reply::ok(b"<Projects><Project name=\"\xff\xfe\"/></Projects>".to_vec())
    })
    .await;
    assert_eq!(
        reason_of(&server.url, "").await,
        "response is not UTF-8 (invalid byte at offset 25)"
    );
}

#[tokio::test]
async fn reasons_never_show_userinfo_or_query() {
    let urls = [
        "http://bob:hunter2@andon-test.invalid/cc.xml?token=s3cr3t".to_string(),
        format!("https://bob:hunter2@{}?token=s3cr3t", {
            let server = RawServer::start("/cc.xml", |_| Reply::ok(FEED)).await;
            let addr = server.url.trim_start_matches("http://").to_string();
            std::mem::forget(server);
            addr
        }),
    ];
    for url in urls {
        let reason = reason_of(&url, "").await;
        for secret in ["bob", "hunter2", "s3cr3t", "token"] {
            assert!(!reason.contains(secret), "{secret} leaked: {reason}");
        }
    }
}

#[tokio::test]
async fn one_broken_source_leaves_the_others_alone() {
    let good = RawServer::start("/cc.xml", |_| Reply::ok(FEED)).await;
    let html = RawServer::start("/cc.xml", |_| {
        Reply::ok("<!DOCTYPE html><html><body>Sign in</body></html>")
    })
    .await;
    let config = config(&[
        ("good", &good.url, ""),
        ("html", &html.url, ""),
        ("gone", "http://andon-test.invalid/cc.xml", ""),
    ]);
    let mut state = State::new(&config);
    for update in poll(&config).await {
        state.record(update.index, update.at, update.result);
    }
    let now = chrono::Utc::now();
    let v = view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now),
        now,
    );
    assert_eq!(v.sources[0].state, Freshness::Ok);
    assert_eq!(v.sources[1].state, Freshness::Error);
    assert_eq!(
        v.sources[1].error.as_deref(),
        Some("malformed cctray feed: expected <Projects>, got HTML")
    );
    assert_eq!(
        v.sources[2].summary,
        "error <1m: DNS lookup failed for andon-test.invalid"
    );
    assert_eq!(v.pipelines.len(), 1);
    assert_eq!(v.pipelines[0].status, view::PipelineStatus::Passing);
    assert_eq!(
        v.andon.state,
        view::AndonState::Unknown,
        "never green with dead sources"
    );
}

// ---- TLS with a real certificate chain, made by the openssl command line ----

struct TlsServer {
    child: Child,
    url: String,
    ca: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed for the TLS tests");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 signed by it, and `openssl s_server -WWW` serving
/// cc.xml from a temporary directory.
fn tls_server() -> TlsServer {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=andon test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.pem",
        ],
    );
    std::fs::write(d.join("cc.xml"), FEED).unwrap();
    for _ in 0..5 {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut child = Command::new("openssl")
            .args(["s_server", "-quiet", "-WWW", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-cert", "server.pem", "-key", "server.key"])
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return TlsServer {
                    child,
                    url: format!("https://127.0.0.1:{port}/cc.xml"),
                    ca: d.join("ca.pem"),
                    _dir: dir,
                };
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("openssl s_server did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_an_unknown_issuer_fails_a_ca_file_trusts_it_insecure_skips_it() {
    let server = tls_server();
    let reason = reason_of(&server.url, "").await;
    assert!(
        reason.starts_with("TLS error: invalid peer certificate"),
        "{reason}"
    );
    assert!(reason.contains("UnknownIssuer"), "{reason}");

    let ca = format!("ca_file = {:?}", server.ca.display().to_string());
    let config = config(&[("ci", &server.url, &ca)]);
    let update = poll(&config).await.remove(0);
    assert_eq!(update.result.unwrap().pipelines[0].name, "api");

    let config = config_insecure(&server.url);
    let mut state = State::new(&config);
    let update = poll(&config).await.remove(0);
    state.record(update.index, update.at, update.result);
    let now = chrono::Utc::now();
    let v = view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now),
        now,
    );
    assert_eq!(v.sources[0].state, Freshness::Ok);
    assert_eq!(view::insecure_sources(&v), ["ci"]);
}

fn config_insecure(url: &str) -> Config {
    config(&[("ci", url, "insecure = true")])
}
