//! `andon` in a real terminal: a tmux server of its own (own socket), whose pane stays after the
//! process exits (remain-on-exit) so a test can check how the terminal was left.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs `andon ARGS` at `width`x`height`; `env` is added to its environment.
    pub fn start(name: &str, width: u16, height: u16, args: &[&str], env: &[(&str, &str)]) -> Tmux {
        Tmux::start_under(name, width, height, "", args, env)
    }

    /// Like `start`, with andon run by `wrapper` (e.g. "setsid -w").
    pub fn start_under(
        name: &str,
        width: u16,
        height: u16,
        wrapper: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Tmux {
        let mut command = String::new();
        for (key, value) in env {
            command.push_str(&format!(" {key}={value}"));
        }
        command.push_str(&format!(" {wrapper} {}", env!("CARGO_BIN_EXE_andon")));
        for arg in args {
            command.push_str(&format!(" '{arg}'"));
        }
        Tmux::launch(name, width, height, &command)
    }

    /// Runs `env XDG_STATE_HOME=... XDG_CONFIG_HOME=/nonexistent TAIL` in a new pane.
    fn launch(name: &str, width: u16, height: u16, tail: &str) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is required for these tests: apt-get install tmux (scripts/test does it)"
        );
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("tmux.conf");
        std::fs::write(&conf, "set -g remain-on-exit on\n").unwrap();
        let socket = format!("andon-{name}-{}", std::process::id());
        let command = format!(
            "exec env XDG_STATE_HOME={} XDG_CONFIG_HOME=/nonexistent{tail}",
            dir.path().display()
        );
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f"])
            .arg(&conf)
            .args([
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .args(["-e", "TERM=xterm-256color"])
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Tmux { socket, _dir: dir }
    }

    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format of the pane, e.g. `#{pane_pid}`, `#{alternate_on}`, `#{pane_dead}`.
    pub fn format(&self, format: &str) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "display-message", "-p", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// From now on, everything the program writes to the terminal is appended to `path`.
    pub fn record_output(&self, path: &std::path::Path) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "pipe-pane", "-o"])
            .arg(format!("cat >> '{}'", path.display()))
            .status()
            .unwrap();
        assert!(status.success(), "tmux pipe-pane");
    }

    pub fn pid(&self) -> u32 {
        self.format("#{pane_pid}").parse().expect("pane pid")
    }

    /// Everything on screen with its colours and attributes, as escape sequences.
    pub fn capture_escapes(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (at most 10 s) until the screen contains `needle` and has settled (two captures
    /// alike, so a frame half written is never read), and returns the screen.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                std::thread::sleep(Duration::from_millis(150));
                if self.capture() == screen {
                    return screen;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never appeared:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits (at most 10 s) until `needle` is off the screen and the screen has settled. A key sent
    /// right after Escape would reach the program in the same read as the Escape and be taken as
    /// Alt+key, as a terminal does; waiting here keeps the two apart.
    pub fn wait_gone(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.capture();
            if !screen.contains(needle) {
                std::thread::sleep(Duration::from_millis(150));
                if self.capture() == screen {
                    return screen;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never went:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// From now on, each bell the program rings appends a line to `path`.
    pub fn record_bells(&self, path: &std::path::Path) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "set-hook", "-g", "alert-bell"])
            .arg(format!("run-shell \"echo bell >> '{}'\"", path.display()))
            .status()
            .unwrap();
        assert!(status.success(), "tmux set-hook alert-bell");
    }

    /// Asserts that the program quits within 5 s with status 0 (after a quit key).
    pub fn assert_quits(&self) {
        assert!(
            self.wait_exit(Duration::from_secs(5)).is_some(),
            "andon did not quit:\n{}",
            self.capture()
        );
        assert_eq!(self.exit_status(), "0", "{}", self.capture());
    }

    /// Waits until the process has exited; returns how long that took, or None if it did not.
    pub fn wait_exit(&self, within: Duration) -> Option<Duration> {
        let pid = self.pid();
        let started = Instant::now();
        while started.elapsed() < within {
            // tmux sees the pty close before it reaps the process (sometimes much later): the
            // process has exited once it is a zombie or gone.
            if self.format("#{pane_dead}") == "1" && !running(pid) {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Whether `pid` is alive (not a zombie, not gone).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_string();
            Some(state != "Z" && state != "X")
        })
        .unwrap_or(false)
}

impl Tmux {
    /// The exit status of the pane's process once it has exited: "0" for a clean exit; a
    /// process killed by a signal reads as "signal N". From tmux if it has reaped the
    /// process, else from the zombie's /proc/PID/stat (its wait status, the last field).
    pub fn exit_status(&self) -> String {
        let status = self.format("#{pane_dead_status}");
        if !status.is_empty() {
            return status;
        }
        let signal = self.format("#{pane_dead_signal}");
        if !signal.is_empty() {
            return format!("signal {signal}");
        }
        let pid = self.pid();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        match stat
            .split_whitespace()
            .last()
            .and_then(|w| w.parse::<i32>().ok())
        {
            Some(wait) if wait & 0x7f == 0 => ((wait >> 8) & 0xff).to_string(),
            Some(wait) => format!("signal {}", wait & 0x7f),
            None => "unknown".to_string(),
        }
    }
}

/// Sends `signal` (e.g. "TERM") to `pid` with kill(1).
pub fn kill(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// The terminal is as the radiator found it: the alternate screen left, the cursor shown (read
/// from what the program wrote to `output`, as tmux forgets a dead pane's cursor mode), and the
/// board gone from the visible screen. `what` names the case in failures.
pub fn assert_restored(tmux: &Tmux, output: &std::path::Path, what: &str) {
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "0",
        "{what}: alternate screen left"
    );
    std::thread::sleep(Duration::from_millis(200));
    let written = String::from_utf8_lossy(&std::fs::read(output).unwrap()).into_owned();
    let left = written
        .rfind("\x1b[?1049l")
        .unwrap_or_else(|| panic!("{what}: never left the alternate screen"));
    assert!(
        written[left..].contains("\x1b[?25h")
            || written[..left].rfind("\x1b[?25h") > written[..left].rfind("\x1b[?25l"),
        "{what}: cursor not shown again: {:?}",
        &written[written.len().saturating_sub(200)..]
    );
    let screen = tmux.capture();
    assert!(
        !screen.contains("Deploy freq"),
        "{what}: board left on screen:\n{screen}"
    );
}

impl Tmux {
    /// Resizes the window (and so the pane) to `width`x`height`: the program gets SIGWINCH.
    pub fn resize(&self, width: u16, height: u16) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "resize-window", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "tmux resize-window");
    }

    /// Sends keys as tmux names them ("x", "Enter", "C-c").
    pub fn send(&self, keys: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", keys])
            .status()
            .unwrap();
        assert!(status.success(), "tmux send-keys {keys}");
    }
}

impl Tmux {
    /// An interactive bash (no rc files, prompt `$ `) with job control, in which a test types
    /// commands with `type_line`.
    pub fn shell(name: &str, width: u16, height: u16) -> Tmux {
        let tmux = Tmux::launch(name, width, height, " PS1='$ ' bash --norc --noprofile -i");
        tmux.wait_for("$");
        tmux
    }

    /// Types `text` literally, then Enter.
    pub fn type_line(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-l", text])
            .status()
            .unwrap();
        assert!(status.success(), "tmux send-keys -l {text}");
        self.send("Enter");
    }

    /// The pane process's first child (a command started from `shell`), waited for 10 s.
    pub fn child(&self) -> u32 {
        let pane = self.pid();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let children = std::fs::read_to_string(format!("/proc/{pane}/task/{pane}/children"))
                .unwrap_or_default();
            if let Some(pid) = children
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "no child of the pane");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
