//! Soak: the radiator runs in a real terminal against local sources that flap, stall, refuse,
//! fail DNS and return garbage, while its resident memory, open file descriptors and threads
//! are sampled from /proc. All three must stay flat, and the screen must never say green.
//!
//! `cargo test --test soak` runs a short version (about 15 s). `scripts/soak MINUTES` runs the
//! ignored long one in release mode with ANDON_SOAK_SECONDS set, and prints the figures.

mod support;

use std::time::{Duration, Instant};

use support::raw::{RawServer, Reply};
use support::tmux::{Tmux, kill};

const FEED: &str = r#"<Projects>
<Project name="api" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="41" lastBuildTime="2026-11-20T13:02:11Z"/>
<Project name="web" activity="Building" lastBuildStatus="Failure" lastBuildLabel="7" lastBuildTime="2026-11-20T12:00:00Z"/>
</Projects>"#;

const METRICS: &str = "# TYPE deploy_timestamp gauge\n\
deploy_timestamp{app=\"api\",image_sha=\"s1\"} 1763600000\n\
commit_timestamp{app=\"api\",commit=\"c1\",image_sha=\"s1\"} 1763590000\n";

/// One sample of the process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    rss_kib: u64,
    fds: usize,
    threads: u64,
}

fn sample(pid: u32) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some(Sample {
        rss_kib: field("VmRSS:")?,
        threads: field("Threads:")?,
        fds: std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count(),
    })
}

/// A feed that flaps: good, server error, good, dropped connection, good, garbage...
fn flapping(n: usize) -> Reply {
    match n % 6 {
        1 => Reply::Full("503 Service Unavailable", b"restarting".to_vec()),
        3 => Reply::Close,
        5 => Reply::Cut(4096, FEED.as_bytes()[..100].to_vec()),
        _ => Reply::ok(FEED),
    }
}

/// Stalls every other request (the poll times out), else answers.
fn stalling(n: usize) -> Reply {
    if n.is_multiple_of(2) {
        Reply::Stall
    } else {
        Reply::ok(FEED)
    }
}

/// Garbage of every kind: HTML, binary, a body over the cap, truncated XML, wrong JSON.
fn garbage(n: usize) -> Reply {
    match n % 6 {
        0 => Reply::ok("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"),
        1 => Reply::ok(
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect::<Vec<u8>>(),
        ),
        2 => Reply::Chunked(vec![b'<'; 300 * 1024]),
        3 => Reply::ok(&FEED[..FEED.len() / 2]),
        4 => Reply::ok(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#),
        _ => Reply::ok(FEED),
    }
}

fn metrics(n: usize) -> Reply {
    match n % 3 {
        0 => Reply::ok(METRICS),
        1 => Reply::ok("deploy_timestamp{app=\"api\" NaN\n<html>"),
        _ => Reply::Full("500 Internal Server Error", vec![]),
    }
}

/// Runs the soak for `seconds` and returns (first sample after warm-up, last, peak RSS).
async fn soak(seconds: u64) {
    let flap = RawServer::start("/cc.xml", flapping).await;
    let stall = RawServer::start("/cc.xml", stalling).await;
    let junk = RawServer::start("/cc.xml", garbage).await;
    let page = RawServer::start("/metrics", metrics).await;
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/cc.xml", l.local_addr().unwrap())
    };
    let mut toml = String::from("title = \"Soak\"\n");
    let source = |name: &str, kind: &str, url: &str| {
        format!(
            "[[source]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl = \"{url}\"\ninterval = \"1s\"\n\
             timeout = \"400ms\"\nstale_after = 2\nbackoff_max = \"2s\"\nmax_body = \"256KiB\"\n"
        )
    };
    // First, so its footer entry is on screen however long the others' reasons are.
    toml.push_str(&source("refused", "cctray", &refused));
    toml.push_str(&source("flap", "cctray", &flap.url));
    toml.push_str(&source("stall", "cctray", &stall.url));
    toml.push_str(&source("junk", "cctray", &junk.url));
    toml.push_str(&source("page", "exposition", &page.url));
    toml.push_str(&source(
        "gone",
        "cctray",
        "http://andon-soak.invalid/cc.xml",
    ));
    toml.push_str("[[source]]\nname = \"demo\"\nkind = \"demo\"\ninterval = \"1s\"\n");
    let config = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(config.path(), &toml).unwrap();

    let tmux = Tmux::start(
        "soak",
        160,
        40,
        &["--config", config.path().to_str().unwrap()],
        &[],
    );
    tmux.wait_for("Soak");
    let pid = tmux.pid();
    let started = Instant::now();
    let total = Duration::from_secs(seconds);
    let warm_up = (total / 4).max(Duration::from_secs(3));
    let mut baseline = None;
    let first = sample(pid).expect("andon is running");
    let mut last = first;
    let mut peak = last.rss_kib;
    let mut screens_checked = 0;
    while started.elapsed() < total {
        tokio::time::sleep(Duration::from_millis(500)).await;
        last = sample(pid)
            .unwrap_or_else(|| panic!("andon died during the soak:\n{}", tmux.capture()));
        peak = peak.max(last.rss_kib);
        if baseline.is_none() && started.elapsed() >= warm_up {
            baseline = Some(last);
        }
        let screen = tmux.capture();
        assert!(
            !screen.contains("ALL GREEN"),
            "green with dead sources:\n{screen}"
        );
        screens_checked += 1;
    }
    let baseline = baseline.expect("soak longer than its warm-up");
    let screen = tmux.capture();
    let polls: usize = [&flap, &stall, &junk, &page].iter().map(|s| s.hits()).sum();
    println!(
        "soak {seconds}s: {polls} requests served; RSS {} KiB at start, {} after warm-up, {} at end \
         (peak {peak}); fds {} / {} / {}; threads {} / {} / {}",
        first.rss_kib,
        baseline.rss_kib,
        last.rss_kib,
        first.fds,
        baseline.fds,
        last.fds,
        first.threads,
        baseline.threads,
        last.threads
    );
    // The screen tells the truth: a failing pipeline or unknown, each dead source named.
    assert!(
        ["LINE STOPPED", "STALE", "NO DATA"]
            .iter()
            .any(|h| screen.contains(h)),
        "{screen}"
    );
    // Each source on the footer, or (when they do not all fit) the summary naming it.
    assert!(
        screen.contains("✗ refused error") || screen.contains("error: refused"),
        "{screen}"
    );
    assert!(screen.contains("connection refused"), "{screen}");
    assert!(polls as u64 >= seconds, "sources were polled: {polls}");

    // Flat: memory may settle a little after warm-up but not grow with time; no fd or thread leak.
    let allowed_rss = baseline.rss_kib / 5 + 2048;
    assert!(
        last.rss_kib <= baseline.rss_kib + allowed_rss,
        "RSS grew from {} to {} KiB",
        baseline.rss_kib,
        last.rss_kib
    );
    assert!(
        last.fds <= baseline.fds + 6,
        "fds grew from {} to {}",
        baseline.fds,
        last.fds
    );
    assert!(
        last.threads <= baseline.threads + 4,
        "threads grew from {} to {}",
        baseline.threads,
        last.threads
    );
    assert!(screens_checked > 0);

    kill(pid, "TERM");
    let took = tmux
        .wait_exit(Duration::from_secs(3))
        .expect("exits after SIGTERM");
    assert!(took < Duration::from_secs(2), "exit took {took:?}");
    assert_eq!(tmux.format("#{alternate_on}"), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_soak_keeps_memory_fds_and_threads_flat() {
    soak(15).await;
}

/// `scripts/soak` runs this one: ANDON_SOAK_SECONDS long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long; run by scripts/soak"]
async fn long_soak() {
    let seconds = std::env::var("ANDON_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    soak(seconds).await;
}
