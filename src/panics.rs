//! Panics while the TUI owns the terminal. On the UI thread, the terminal is restored before
//! the report is printed, so the shell is usable afterwards. On any other thread (a poller),
//! the report goes to the log file only: printing it would scribble over the board, and the
//! poller turns the panic into that source's error while the screen keeps running.
//!
//! Every report, on standard error or in the log, is cleaned and redacted first: a message that
//! quotes a URL keeps no user, password or query string, and no token shape survives.

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

/// `text` fit for a report: control characters dropped, URLs without user, password, query or
/// fragment, a bare `?query` cut, `token=...`-like values and token shapes masked.
pub fn redacted(text: &str) -> String {
    let urls = crate::sources::http::redact_words(&crate::sanitize::text(text));
    let words: Vec<String> = urls
        .split(' ')
        .map(|word| match word.find('?') {
            Some(at) if word[at..].contains('=') => word[..at].to_string(),
            _ => match word.split_once('=') {
                Some((key, _)) if secret_key(key) => format!("{key}={}", crate::logs::redact::MASK),
                _ => word.to_string(),
            },
        })
        .collect();
    crate::logs::redact::redact(&words.join(" "), &[])
}

/// Whether `key` in `key=value` names a credential (`private_token`, `password`, `api_key`).
fn secret_key(key: &str) -> bool {
    let key = key
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_ascii_lowercase();
    [
        "token",
        "password",
        "passwd",
        "secret",
        "key",
        "sig",
        "signature",
        "auth",
    ]
    .iter()
    .any(|word| key.ends_with(word))
}

/// Where the panic happened and what it said, redacted.
fn summary(info: &std::panic::PanicHookInfo<'_>) -> (String, String) {
    let location = info
        .location()
        .map_or_else(|| "an unknown place".to_string(), ToString::to_string);
    (location, message(info.payload()))
}

fn report_to_log(info: &std::panic::PanicHookInfo<'_>) {
    let (location, message) = summary(info);
    tracing::error!("panic in a background task at {location}: {message}");
}

/// Replaces Rust's report with the same one, redacted: printed on standard error (with the
/// backtrace when `RUST_BACKTRACE` asks for one) and written to the log. Call it first, so the
/// hooks installed later (ratatui's, which restores the terminal) print through it.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let (location, message) = summary(info);
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        tracing::error!("panic in thread '{name}' at {location}: {message}");
        let backtrace = std::backtrace::Backtrace::capture();
        let tail = match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => format!("stack backtrace:\n{backtrace}"),
            _ => "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
                .to_string(),
        };
        use std::io::Write;
        let _ = write!(
            std::io::stderr().lock(),
            "\nthread '{name}' panicked at {location}:\n{message}\n{tail}"
        );
    }));
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

/// The words a caught panic's payload carries, redacted, for the source's error.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    redacted(&text)
}

/// A deliberate panic at `place` ("poll", "key") when `ANDON_FAULT` names it: the tests use
/// it to prove that a panic in a poller is survived and one in the UI restores the terminal.
/// `PLACE+secret` panics with a message quoting credentials, which no report may show.
/// Debug builds only.
pub fn inject(place: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Ok(fault) = std::env::var("ANDON_FAULT") else {
        return;
    };
    if fault == place {
        panic!("deliberate panic at {place} (ANDON_FAULT)");
    }
    if fault.strip_suffix("+secret") == Some(place) {
        panic!(
            "deliberate panic at {place} (ANDON_FAULT) reading \
             https://bob:pSECRET1@ci.example.org/api/v4/projects?private_token=qSECRET2 via \
             \"http://ci:pSECRET3@jenkins.local/job/x\" and /api?token=qSECRET4"
        );
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

    #[test]
    fn reports_keep_no_credential() {
        let cases = [
            (
                "get https://bob:s3cret@ci.example.org/x?private_token=t0k failed",
                "get https://ci.example.org/x failed",
            ),
            ("url=\"http://u:pw@h/\"", "url=\"http://h/\""),
            ("GET /api/v4/jobs?token=abc123,", "GET /api/v4/jobs"),
            (
                "private_token=abc123 access_key=xyz",
                "private_token=[redacted] access_key=[redacted]",
            ),
            (
                "Authorization: Bearer eyJhbGciOi.J9.sig_x-y",
                "Authorization: Bearer [redacted]",
            ),
            (
                "index 3 out of range for 2 (a = b)",
                "index 3 out of range for 2 (a = b)",
            ),
            ("line\none\u{1b}[2J", "line one[2J"),
        ];
        for (text, want) in cases {
            assert_eq!(redacted(text), want, "{text}");
        }
    }
}
