//! The signals a terminal user sends, so that none leaves a broken terminal. SIGTERM, SIGINT,
//! SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 end the loop (the terminal is then restored). SIGTSTP
//! (`kill -TSTP`; Ctrl-Z arrives as a key in raw mode and does the same) restores the terminal,
//! stops the process as the shell expects, and on resume takes the screen back and redraws it
//! whole. SIGCONT alone (after `kill -STOP`) redraws the whole screen.

use std::io;
use std::time::{Duration, Instant};

use crossterm::cursor::{Hide, Show};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::DefaultTerminal;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// What a signal asks of the event loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signalled {
    /// End the loop: the terminal is restored on the way out.
    End,
    /// The screen was taken back (after a stop): draw everything again.
    Redraw,
}

/// How soon after its own stop ends the SIGCONT that ended it arrives.
const OWN_CONT_WITHIN: Duration = Duration::from_secs(1);

/// The SIGCONT that continues the process after its own stop (SIGTSTP, Ctrl-Z) finds the screen
/// taken back already: it needs no second redraw. One that comes later, or with no stop before
/// it (`kill -STOP`, then `kill -CONT`), does; so does any after a stop the kernel did not make
/// (no job control), since none ends it.
#[derive(Debug, Default)]
struct Resumed {
    at: Option<Instant>,
}

impl Resumed {
    fn after_own_stop(&mut self, now: Instant) {
        self.at = Some(now);
    }

    /// Whether a SIGCONT at `now` needs the screen taken back and drawn again.
    fn needs_redraw(&mut self, now: Instant) -> bool {
        self.at
            .take()
            .is_none_or(|at| now.saturating_duration_since(at) >= OWN_CONT_WITHIN)
    }
}

/// The signals the loop listens to.
pub struct Signals {
    end: Vec<Signal>,
    stop: Signal,
    cont: Signal,
    resumed: Resumed,
}

impl Signals {
    pub fn new() -> io::Result<Signals> {
        let end = [
            SignalKind::terminate(),
            SignalKind::interrupt(),
            SignalKind::hangup(),
            SignalKind::quit(),
            SignalKind::user_defined1(),
            SignalKind::user_defined2(),
        ]
        .into_iter()
        .map(signal)
        .collect::<io::Result<_>>()?;
        Ok(Signals {
            end,
            stop: signal(SignalKind::from_raw(libc::SIGTSTP))?,
            cont: signal(SignalKind::from_raw(libc::SIGCONT))?,
            resumed: Resumed::default(),
        })
    }

    /// Waits for the next signal and does its part: on SIGTSTP the process is suspended (and
    /// resumed) before this returns. Cancel-safe, for `tokio::select!`.
    pub async fn next(&mut self, terminal: &mut DefaultTerminal) -> io::Result<Signalled> {
        loop {
            let ended =
                futures_util::future::select_all(self.end.iter_mut().map(|s| Box::pin(s.recv())));
            tokio::select! {
                _ = ended => return Ok(Signalled::End),
                _ = self.stop.recv() => {
                    suspend(terminal)?;
                    self.resumed.after_own_stop(Instant::now());
                    return Ok(Signalled::Redraw);
                }
                _ = self.cont.recv() => {
                    if self.resumed.needs_redraw(Instant::now()) {
                        take_screen(terminal)?;
                        return Ok(Signalled::Redraw);
                    }
                }
            }
        }
    }

    /// Ctrl-Z: suspends as SIGTSTP does.
    pub fn suspend(&mut self, terminal: &mut DefaultTerminal) -> io::Result<()> {
        suspend(terminal)?;
        self.resumed.after_own_stop(Instant::now());
        Ok(())
    }
}

/// Gives the terminal back (raw mode off, alternate screen left, cursor shown), stops the
/// process as SIGTSTP's default action does, and once continued takes the screen back, cleared
/// so the next draw is whole. Where nobody could continue it (no job control: an orphaned
/// process group), the kernel does not stop it and the board comes straight back.
fn suspend(terminal: &mut DefaultTerminal) -> io::Result<()> {
    crossterm::terminal::disable_raw_mode()?;
    crossterm::execute!(io::stdout(), LeaveAlternateScreen, Show)?;
    stop_self();
    take_screen(terminal)
}

/// Raw mode, the alternate screen, the cursor hidden, all cleared (each harmless if already so),
/// at the size the terminal has now. (`Terminal::clear` would ask the terminal where its cursor
/// is, an answer the key reader may take first.)
fn take_screen(terminal: &mut DefaultTerminal) -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(io::stdout(), EnterAlternateScreen, Hide)?;
    let area = terminal.size()?.into();
    terminal.resize(area)
}

/// Raises SIGTSTP with its default action, so the shell sees its job stopped by it; returns
/// when continued, with the runtime's handler back in place.
fn stop_self() {
    // SAFETY: sigaction, sigprocmask and raise are called with valid, zeroed or filled-in
    // structures owned by this frame; the previous action is put back unchanged.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut default.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGTSTP, &default, &mut previous) != 0 {
            return;
        }
        let mut tstp: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut tstp);
        libc::sigaddset(&mut tstp, libc::SIGTSTP);
        let mut mask: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &tstp, &mut mask);
        libc::raise(libc::SIGTSTP);
        libc::pthread_sigmask(libc::SIG_SETMASK, &mask, std::ptr::null_mut());
        libc::sigaction(libc::SIGTSTP, &previous, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sigcont_that_ends_its_own_stop_draws_nothing_again() {
        let start = Instant::now();
        let mut resumed = Resumed::default();
        assert!(resumed.needs_redraw(start), "kill -STOP, kill -CONT");
        resumed.after_own_stop(start);
        assert!(!resumed.needs_redraw(start + Duration::from_millis(20)));
        assert!(
            resumed.needs_redraw(start + Duration::from_millis(40)),
            "a second SIGCONT is someone else's"
        );
    }

    #[test]
    fn a_sigcont_long_after_a_stop_that_never_stopped_redraws() {
        // No job control: the kernel discards SIGTSTP, and no SIGCONT ends the stop.
        let start = Instant::now();
        let mut resumed = Resumed::default();
        resumed.after_own_stop(start);
        assert!(resumed.needs_redraw(start + Duration::from_secs(60)));
    }
}
