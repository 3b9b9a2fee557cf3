//! Panics, caused on purpose (`ANDON_FAULT`, honoured by debug builds): one in the UI restores
//! the terminal before the report is printed; one in a poller becomes that source's error while
//! the board keeps running, and nothing is printed over it.

mod support;

use std::process::Command;
use std::time::Duration;

use support::tmux::{Tmux, assert_restored};

#[test]
fn a_panic_in_the_ui_restores_the_terminal_and_reports_it() {
    let tmux = Tmux::start(
        "panic-ui",
        80,
        24,
        &["--config", "sample-config.toml"],
        &[("ANDON_FAULT", "key"), ("RUST_BACKTRACE", "0")],
    );
    tmux.wait_for("DEMO DATA");
    assert_eq!(tmux.format("#{alternate_on}"), "1");
    let output = tempfile::NamedTempFile::new().unwrap();
    tmux.record_output(output.path());
    std::thread::sleep(Duration::from_millis(200));
    tmux.send("x");
    tmux.wait_exit(Duration::from_secs(3))
        .unwrap_or_else(|| panic!("still running 3 s after the panic:\n{}", tmux.capture()));
    assert_eq!(tmux.exit_status(), "101", "a panic exits with Rust's 101");
    assert_restored(&tmux, output.path(), "panic");
    let screen = tmux.capture();
    assert!(
        screen.contains("deliberate panic at key"),
        "the report is readable after the restore:\n{screen}"
    );
}

#[test]
fn a_panic_in_a_poller_fails_that_source_and_the_board_runs_on() {
    let tmux = Tmux::start(
        "panic-poll",
        120,
        40,
        &["--config", "sample-config.toml"],
        &[("ANDON_FAULT", "poll")],
    );
    let screen = tmux.wait_for("internal error");
    assert!(
        screen.contains("demo") && !screen.contains("● demo ok"),
        "{screen}"
    );
    assert!(
        !screen.contains("panicked"),
        "the panic report was printed over the board:\n{screen}"
    );
    assert!(
        !screen.contains("ALL GREEN"),
        "green without data:\n{screen}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(tmux.format("#{alternate_on}"), "1", "the board is still up");
    assert!(
        support::tmux::running(tmux.pid()),
        "the radiator stopped:\n{}",
        tmux.capture()
    );
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn once_reports_a_panicking_source_as_unreadable() {
    let out = Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(["--once", "--json", "--config", "sample-config.toml"])
        .env("ANDON_FAULT", "poll")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "unknown, not green nor a crash");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["andon"], "unknown");
    let source = &json["sources"][0];
    assert_eq!(source["state"], "error");
    assert!(
        source["error"]
            .as_str()
            .unwrap()
            .contains("internal error (see the log "),
        "{source}"
    );
    assert!(
        source["error"]
            .as_str()
            .unwrap()
            .contains("): deliberate panic at poll"),
        "{source}"
    );
    // The source reports it; the report itself went to the log, not over the output.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// What `ANDON_FAULT=PLACE+secret` panics with: credentials in a URL's user info, its query and
/// a bare query, each of which must be masked in every report.
const SECRETS: [&str; 4] = ["pSECRET1", "qSECRET2", "pSECRET3", "qSECRET4"];

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what}: {secret} leaked:\n{text}");
    }
}

#[test]
fn a_panic_in_the_ui_is_reported_without_the_credentials_it_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("andon.log");
    let tmux = Tmux::start(
        "panic-secret",
        80,
        24,
        &[
            "--config",
            "sample-config.toml",
            "--log-file",
            log.to_str().unwrap(),
        ],
        &[("ANDON_FAULT", "key+secret"), ("RUST_BACKTRACE", "0")],
    );
    tmux.wait_for("DEMO DATA");
    let output = dir.path().join("output");
    tmux.record_output(&output);
    std::thread::sleep(Duration::from_millis(200));
    tmux.send("x");
    tmux.wait_exit(Duration::from_secs(3))
        .unwrap_or_else(|| panic!("still running 3 s after the panic:\n{}", tmux.capture()));
    assert_eq!(tmux.exit_status(), "101");
    assert_restored(&tmux, &output, "panic");
    std::thread::sleep(Duration::from_millis(200));
    // Everything written to the terminal, unwrapped: a secret cut by a line end still shows.
    let written = String::from_utf8_lossy(&std::fs::read(&output).unwrap()).into_owned();
    assert!(
        written.contains("panicked at") && written.contains("deliberate panic at key"),
        "the panic is still reported:\n{written}"
    );
    assert!(
        written.contains("https://ci.example.org/api/v4/projects"),
        "{written}"
    );
    assert_no_secret("the terminal", &written);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("deliberate panic at key"),
        "the panic is logged:\n{logged}"
    );
    assert_no_secret("the log", &logged);
}

#[test]
fn once_reports_a_panic_without_the_credentials_it_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("andon.log");
    let out = Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(["--once", "--json", "--config", "sample-config.toml"])
        .arg("--log-file")
        .arg(&log)
        .env("ANDON_FAULT", "poll+secret")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("deliberate panic at poll"), "{stdout}");
    assert_no_secret("stdout", &stdout);
    assert_no_secret("stderr", &String::from_utf8_lossy(&out.stderr));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("deliberate panic at poll"), "{logged}");
    assert_no_secret("the log", &logged);
}
