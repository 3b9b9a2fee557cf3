//! The TUI in a real terminal: tmux runs `andon`, keys are sent, the screen is read back.

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of its own (own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, width: u16, height: u16, env: &[(&str, &str)]) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is required for these tests: apt-get install tmux (scripts/test does it)"
        );
        let socket = format!("andon-test-{}-{name}", std::process::id());
        let state = tempfile::tempdir().unwrap().keep();
        let mut command = format!(
            "env XDG_STATE_HOME={} XDG_CONFIG_HOME=/nonexistent",
            state.display()
        );
        for (key, value) in env {
            command.push_str(&format!(" {key}={value}"));
        }
        command.push_str(&format!(
            " {} --config sample-config.toml",
            env!("CARGO_BIN_EXE_andon")
        ));
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args(["-e", "TERM=xterm-256color"])
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Tmux { socket }
    }

    fn capture(&self, escapes: bool) -> String {
        let mut args = vec!["-L", &self.socket, "capture-pane", "-p"];
        if escapes {
            args.push("-e");
        }
        let out = Command::new("tmux").args(&args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn send(&self, keys: &str) {
        Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", keys])
            .status()
            .unwrap();
    }

    /// Waits (bounded) until the screen contains `needle`, and returns the screen.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.capture(false);
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never appeared:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn session_alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn wait_until_gone(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.session_alive() {
            assert!(Instant::now() < deadline, "andon did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn assert_readable_board(screen: &str, width: usize) {
    assert!(screen.contains("Demo delivery"), "{screen}");
    assert!(
        ["LINE STOPPED", "ALL GREEN"]
            .iter()
            .any(|h| screen.contains(h)),
        "{screen}"
    );
    for column in ["build", "test", "deploy", "verify"] {
        assert!(
            screen.contains(&format!(" {column} ")),
            "{column}:\n{screen}"
        );
    }
    for tile in ["Deploy freq", "Lead time", "Fail rate", "Restore"] {
        assert!(screen.contains(tile), "{tile}:\n{screen}");
    }
    assert!(screen.contains("● demo ok"), "{screen}");
    assert!(
        screen.lines().all(|l| l.chars().count() <= width),
        "a line overflows {width} columns"
    );
}

#[test]
fn at_80x24_the_board_reads_and_q_quits() {
    let tmux = Tmux::start("small", 80, 24, &[]);
    let screen = tmux.wait_for("● demo ok");
    assert_readable_board(&screen, 80);
    tmux.send("?");
    tmux.wait_for("andon help");
    tmux.send("Escape");
    let screen = tmux.wait_for("Deploy freq");
    assert!(!screen.contains("andon help"));
    tmux.send("q");
    tmux.wait_until_gone();
}

#[test]
fn at_200x60_the_board_reads_and_ctrl_c_quits() {
    let tmux = Tmux::start("wide", 200, 60, &[]);
    let screen = tmux.wait_for("● demo ok");
    assert_readable_board(&screen, 200);
    tmux.send("C-c");
    tmux.wait_until_gone();
}

#[test]
fn no_color_draws_without_colour_codes() {
    let tmux = Tmux::start("mono", 80, 24, &[("NO_COLOR", "1")]);
    tmux.wait_for("● demo ok");
    let screen = tmux.capture(true);
    // tmux -e renders colours as SGR 3x/4x/38/48 codes; bold and reverse are allowed.
    for code in ["[31m", "[32m", "[38;", "[48;", "[41m", "[42m"] {
        assert!(
            !screen.contains(code),
            "colour {code} under NO_COLOR:\n{screen}"
        );
    }
    tmux.send("q");
    tmux.wait_until_gone();
}
