//! Panics while the TUI owns the terminal. On the UI thread, the terminal is restored before
//! the report is printed, so the shell is usable afterwards. On any other thread (a poller),
//! the report goes to the log file only: printing it would scribble over the board, and the
//! poller turns the panic into that source's error while the screen keeps running.

use std::sync::OnceLock;
use std::thread::ThreadId;

static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Installs the hook on top of the current one (ratatui's, which restores the terminal). The
/// calling thread is the UI thread.
pub fn install_for_tui() {
    let _ = UI_THREAD.set(std::thread::current().id());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if UI_THREAD.get() == Some(&std::thread::current().id()) {
            crate::attention::end_all();
            previous(info);
        } else {
            // The message may quote a URL or server text: redacted and cleaned like a reason.
            let report =
                crate::sources::http::redact_words(&crate::sanitize::text(&info.to_string()));
            tracing::error!("panic in a background task: {report}");
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
