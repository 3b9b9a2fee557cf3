//! The radiator in a real terminal is stopped by SIGTERM, SIGINT and SIGHUP (an SSH session
//! dropping): each time it exits promptly, with status 0, and leaves the terminal as it found
//! it: the alternate screen left, the cursor shown, the board gone from the visible screen.

mod support;

use std::time::Duration;

use support::tmux::{Tmux, assert_restored, kill};

fn stops_cleanly_on(signal: &str) {
    let tmux = Tmux::start(
        &format!("sig{signal}"),
        80,
        24,
        &["--config", "sample-config.toml"],
        &[],
    );
    tmux.wait_for("DEMO DATA");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "the radiator draws on the alternate screen"
    );
    let output = tempfile::NamedTempFile::new().unwrap();
    tmux.record_output(output.path());
    std::thread::sleep(Duration::from_millis(200));
    kill(tmux.pid(), signal);
    let took = tmux
        .wait_exit(Duration::from_secs(3))
        .unwrap_or_else(|| panic!("still running 3 s after SIG{signal}:\n{}", tmux.capture()));
    assert!(
        took < Duration::from_secs(2),
        "SIG{signal}: exit took {took:?}"
    );
    assert_eq!(
        tmux.exit_status(),
        "0",
        "SIG{signal}: exit status 0, not killed by the signal"
    );
    assert_restored(&tmux, output.path(), &format!("SIG{signal}"));
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    stops_cleanly_on("TERM");
}

#[test]
fn sigint_restores_the_terminal_and_exits() {
    stops_cleanly_on("INT");
}

#[test]
fn sighup_restores_the_terminal_and_exits() {
    stops_cleanly_on("HUP");
}
