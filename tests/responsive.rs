//! The screen under big polls: `andon` in tmux reads a cctray feed of many projects every 2 s,
//! a fifth of them changing status at every poll, while `?` is pressed again and again and `q`
//! at last. The help must open and close each time and `q` must quit; how long each key took
//! to show on screen (tmux's capture included, so an upper bound) is printed, not asserted: a
//! busy machine must not fail the suite. The peak memory is printed, and the 100,000-project
//! run holds it to its bound (memory does not depend on how busy the machine is).
//!
//! `cargo test --test responsive` uses 10,000 projects; `scripts/scale` runs the ignored
//! 100,000-project version on the release build and prints the figures.

mod support;

use std::time::{Duration, Instant};

use support::raw::{RawServer, Reply};
use support::tmux::Tmux;

/// A cctray feed of `projects` projects; `round` moves which fifth is failing.
fn feed(projects: usize, round: usize) -> Vec<u8> {
    let mut xml = String::from("<Projects>\n");
    for i in 0..projects {
        let status = if (i + round).is_multiple_of(5) {
            "Failure"
        } else {
            "Success"
        };
        xml.push_str(&format!(
            "<Project name=\"service-{i:06}\" activity=\"Sleeping\" lastBuildStatus=\"{status}\" \
             lastBuildLabel=\"{}\" lastBuildTime=\"2026-11-20T12:00:00Z\" \
             webUrl=\"http://127.0.0.1/job/service-{i:06}/\"/>\n",
            1000 + round
        ));
    }
    xml.push_str("</Projects>\n");
    xml.into_bytes()
}

/// How long after `keys` were sent the screen showed `shows` (or stopped showing it when
/// `gone`), polling tmux as fast as it answers; None after 10 s.
fn time_to(tmux: &Tmux, keys: &str, shows: &str, gone: bool) -> Option<Duration> {
    let sent = Instant::now();
    tmux.send(keys);
    while sent.elapsed() < Duration::from_secs(10) {
        if tmux.capture().contains(shows) != gone {
            return Some(sent.elapsed());
        }
    }
    None
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn median_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

/// Runs the board and returns its peak RSS in KiB.
async fn keys_answer_under_polls_of(projects: usize, presses: usize) -> u64 {
    let bodies = [feed(projects, 0), feed(projects, 1)];
    let server = RawServer::start("/cc.xml", move |n| Reply::ok(bodies[n % 2].clone())).await;
    let config = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        config.path(),
        format!(
            "title = \"Big board\"\n[[source]]\nname = \"big\"\nkind = \"cctray\"\nurl = \"{}\"\n\
             interval = \"2s\"\ntimeout = \"30s\"\nmax_body = \"64MiB\"\n",
            server.url
        ),
    )
    .unwrap();
    let tmux = Tmux::start(
        &format!("responsive-{projects}"),
        80,
        24,
        &["--config", config.path().to_str().unwrap()],
        &[],
    );
    // The first poll is on screen: the line is stopped by a fifth of the board.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !tmux.capture().contains("LINE STOPPED") {
        assert!(Instant::now() < deadline, "no board:\n{}", tmux.capture());
        std::thread::sleep(Duration::from_millis(100));
    }
    let polls_before = server.hits.load(std::sync::atomic::Ordering::SeqCst);
    let mut opened = Vec::new();
    let mut closed = Vec::new();
    for press in 0..presses {
        opened.push(time_to(&tmux, "?", "andon help", false).expect("? opened the help"));
        closed.push(time_to(&tmux, "?", "andon help", true).expect("? closed the help"));
        // Spread the presses over the polls' phases.
        std::thread::sleep(Duration::from_millis(173 * (press as u64 % 7)));
    }
    let polls = server.hits.load(std::sync::atomic::Ordering::SeqCst) - polls_before;
    let pid = tmux.pid();
    let peak = peak_rss_kib(pid).unwrap_or(0);
    let sent = Instant::now();
    tmux.send("q");
    let quit = tmux
        .wait_exit(Duration::from_secs(10))
        .map(|_| sent.elapsed());
    assert!(quit.is_some(), "q did not quit:\n{}", tmux.capture());
    assert_eq!(tmux.exit_status(), "0");
    assert!(polls >= 1, "the feed was polled while keys were pressed");
    eprintln!(
        "{projects} projects, {polls} polls during {presses} presses: ? opens the help in {:.0} ms \
         (median; worst {:.0} ms), closes it in {:.0} ms (median; worst {:.0} ms); q quits in \
         {:.0} ms; peak RSS {} MiB",
        median_ms(&mut opened),
        opened.iter().max().unwrap().as_secs_f64() * 1000.0,
        median_ms(&mut closed),
        closed.iter().max().unwrap().as_secs_f64() * 1000.0,
        quit.unwrap().as_secs_f64() * 1000.0,
        peak / 1024,
    );
    assert!(peak > 0, "the peak memory of {pid} was read");
    peak
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_answer_while_a_board_of_ten_thousand_is_polled() {
    keys_answer_under_polls_of(10_000, 8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "big; run by scripts/scale on the release build"]
async fn keys_answer_while_a_board_of_a_hundred_thousand_is_polled() {
    let peak = keys_answer_under_polls_of(100_000, 20).await;
    assert!(
        peak * 1024 < 300_000_000,
        "peak RSS {} MB, over 300 MB",
        peak * 1024 / 1_000_000
    );
}
