//! The radiator in a real terminal is stopped by SIGTERM, SIGINT and SIGHUP (an SSH session
//! dropping): each time it exits promptly, with status 0, and leaves the terminal as it found
//! it: the alternate screen left, the cursor shown, the board gone from the visible screen.

mod support;

use std::time::Duration;

use support::tmux::{Tmux, kill};

fn stops_cleanly_on(signal: &str) {
    let tmux = Tmux::start(
        &format!("sig{signal}"),
        80,
        24,
        &["--config", "sample-config.toml"],
        &[],
    );
    tmux.wait_for("DEMO DATA", Duration::from_secs(10));
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
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "SIG{signal}: alternate screen left"
    );
    // tmux forgets a dead pane's cursor mode, so read what the program wrote last.
    std::thread::sleep(Duration::from_millis(200));
    let written = String::from_utf8_lossy(&std::fs::read(output.path()).unwrap()).into_owned();
    let left = written
        .rfind("\x1b[?1049l")
        .unwrap_or_else(|| panic!("SIG{signal}: never left the alternate screen"));
    assert!(
        written[left..].contains("\x1b[?25h")
            || written[..left].rfind("\x1b[?25h") > written[..left].rfind("\x1b[?25l"),
        "SIG{signal}: cursor not shown again: {:?}",
        &written[written.len().saturating_sub(200)..]
    );
    let screen = tmux.capture();
    assert!(
        !screen.contains("Deploy freq"),
        "SIG{signal}: board left on screen:\n{screen}"
    );
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
