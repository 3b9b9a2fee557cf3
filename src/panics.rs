//! Panics while the TUI owns the terminal. On the UI thread, the terminal is restored before
//! the report is printed, so the shell is usable afterwards. On any other thread (a poller),
//! the report goes to the log file only: printing it would scribble over the board, and the
//! poller turns the panic into that source's error while the screen keeps running.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::thread::ThreadId;

static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

thread_local! {
    /// Set while a source's poll runs on this thread (see `in_poll`).
    static IN_POLL: Cell<bool> = const { Cell::new(false) };
}

/// A poll future whose panics are reported to the log only: the poller turns them into the
/// source's error ("internal error (see the log ...)"), so printing them too would only
/// scribble over the board, or over `--once`'s output.
pub struct InPoll<F>(Pin<Box<F>>);

pub fn in_poll<F: Future>(poll: F) -> InPoll<F> {
    InPoll(Box::pin(poll))
}

impl<F: Future> Future for InPoll<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let was = IN_POLL.replace(true);
        // A panic unwinds past the reset below; the hook clears the flag itself.
        let result = self.0.as_mut().poll(cx);
        IN_POLL.set(was);
        result
    }
}

/// Whether this panic happened inside a poll; clears the mark, as the panic unwinds past it.
fn panicked_in_poll() -> bool {
    IN_POLL.replace(false)
}

fn report_to_log(info: &std::panic::PanicHookInfo<'_>) {
    // The message may quote a URL or server text: redacted and cleaned like a reason.
    let report = crate::sources::http::redact_words(&crate::sanitize::text(&info.to_string()));
    tracing::error!("panic in a background task: {report}");
}

/// For `--once`: a panic inside a poll goes to the log (its source reports it); any other is
/// printed as usual.
pub fn install_for_once() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if panicked_in_poll() {
            report_to_log(info);
        } else {
            previous(info);
        }
    }));
}

/// Installs the hook on top of the current one (ratatui's, which restores the terminal). The
/// calling thread is the UI thread.
pub fn install_for_tui() {
    let _ = UI_THREAD.set(std::thread::current().id());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_poll = panicked_in_poll();
        if UI_THREAD.get() == Some(&std::thread::current().id()) && !in_poll {
            crate::attention::end_all();
            previous(info);
        } else {
            report_to_log(info);
        }
    }));
}

/// The words a caught panic's payload carries, for the source's error.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// A deliberate panic at `place` ("poll", "key") when `ANDON_FAULT` names it: the tests use
/// it to prove that a panic in a poller is survived and one in the UI restores the terminal.
/// Debug builds only.
pub fn inject(place: &str) {
    if cfg!(debug_assertions) && std::env::var("ANDON_FAULT").is_ok_and(|fault| fault == place) {
        panic!("deliberate panic at {place} (ANDON_FAULT)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_reads_both_payload_kinds() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(message(literal.as_ref()), "plain");
        let formatted = std::panic::catch_unwind(|| panic!("n = {}", 3)).unwrap_err();
        assert_eq!(message(formatted.as_ref()), "n = 3");
    }
}
