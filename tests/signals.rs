//! The radiator in a real terminal is stopped by SIGTERM, SIGINT, SIGHUP (an SSH session
//! dropping), SIGQUIT, SIGUSR1 and SIGUSR2: each time it exits promptly, with status 0, and
//! leaves the terminal as it found it: the alternate screen left, the cursor shown, the board
//! gone from the visible screen. SIGTSTP and Ctrl-Z suspend it the same way, under a shell with
//! job control, and `fg` brings the whole board back.

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

#[test]
fn sigquit_restores_the_terminal_and_exits() {
    stops_cleanly_on("QUIT");
}

#[test]
fn sigusr1_restores_the_terminal_and_exits() {
    stops_cleanly_on("USR1");
}

#[test]
fn sigusr2_restores_the_terminal_and_exits() {
    stops_cleanly_on("USR2");
}

/// The shell has the terminal again: its job is stopped, the alternate screen left and the
/// cursor shown; `fg` brings the whole board back.
fn suspended_then_resumed(tmux: &Tmux, andon: u32, output: &std::path::Path, what: &str) {
    tmux.wait_for("Stopped");
    assert!(stopped(andon), "{what}: andon is stopped");
    assert_restored(tmux, output, what);
    tmux.type_line("fg");
    let screen = tmux.wait_for("DEMO DATA");
    assert!(
        screen.contains("Deploy freq"),
        "{what}: the full board:\n{screen}"
    );
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "{what}: back on the alternate screen"
    );
    assert!(support::tmux::running(andon), "{what}: running again");
}

fn stopped(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
}

#[test]
fn sigtstp_and_ctrl_z_suspend_with_the_terminal_restored_and_fg_redraws_the_board() {
    let tmux = Tmux::shell("tstp", 80, 24);
    tmux.type_line(&format!(
        "{} --config sample-config.toml",
        env!("CARGO_BIN_EXE_andon")
    ));
    tmux.wait_for("DEMO DATA");
    let andon = tmux.child();
    let output = tempfile::NamedTempFile::new().unwrap();
    tmux.record_output(output.path());
    std::thread::sleep(Duration::from_millis(200));
    kill(andon, "TSTP");
    suspended_then_resumed(&tmux, andon, output.path(), "SIGTSTP");
    // In raw mode Ctrl-Z is a key, not a signal: it suspends the same way.
    tmux.send("C-z");
    suspended_then_resumed(&tmux, andon, output.path(), "Ctrl-Z");
    tmux.send("q");
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while support::tmux::running(andon) && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !support::tmux::running(andon),
        "q still quits after a resume"
    );
    assert_eq!(tmux.format("#{alternate_on}"), "0");
}

#[test]
fn sigtstp_without_a_shell_to_resume_it_leaves_the_board_running() {
    // The pane runs andon itself: no job control, so the kernel does not stop it (an orphaned
    // process group), and the board comes straight back instead of freezing a wall display.
    let tmux = Tmux::start(
        "tstp-orphan",
        80,
        24,
        &["--config", "sample-config.toml"],
        &[],
    );
    tmux.wait_for("DEMO DATA");
    kill(tmux.pid(), "TSTP");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!stopped(tmux.pid()), "stopped with nobody to resume it");
    tmux.wait_for("Deploy freq");
    assert_eq!(tmux.format("#{alternate_on}"), "1");
    tmux.send("q");
    tmux.assert_quits();
}

/// What the radiator wrote after the first `from` bytes of its recorded output.
fn written_since(output: &std::path::Path, from: usize) -> String {
    let written = std::fs::read(output).unwrap();
    String::from_utf8_lossy(&written[from.min(written.len())..]).into_owned()
}

#[test]
fn fg_after_sigtstp_or_ctrl_z_takes_the_screen_back_and_redraws_it_once() {
    let tmux = Tmux::shell("tstp-once", 80, 24);
    tmux.type_line(&format!(
        "{} --config sample-config.toml",
        env!("CARGO_BIN_EXE_andon")
    ));
    tmux.wait_for("DEMO DATA");
    let andon = tmux.child();
    let output = tempfile::NamedTempFile::new().unwrap();
    tmux.record_output(output.path());
    std::thread::sleep(Duration::from_millis(200));
    for (what, stop) in [("SIGTSTP", None), ("Ctrl-Z", Some("C-z"))] {
        match stop {
            None => kill(andon, "TSTP"),
            Some(key) => tmux.send(key),
        }
        tmux.wait_for("Stopped");
        std::thread::sleep(Duration::from_millis(200));
        let before_fg = std::fs::metadata(output.path()).unwrap().len() as usize;
        tmux.type_line("fg");
        tmux.wait_for("DEMO DATA");
        // Long enough for a second redraw, were there one.
        std::thread::sleep(Duration::from_millis(1500));
        let written = written_since(output.path(), before_fg);
        assert_eq!(
            written.matches("\x1b[?1049h").count(),
            1,
            "{what}: the alternate screen entered once: {written:?}"
        );
        assert_eq!(
            written.matches("DEMO").count(),
            1,
            "{what}: the board drawn whole once: {written:?}"
        );
    }
    tmux.send("q");
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while support::tmux::running(andon) && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!support::tmux::running(andon), "q quits");
}
