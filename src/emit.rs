//! Writing `--once` and `check` output like a Unix tool: a reader that went away (`| head -1`)
//! or a full disk ends the program with a non-zero code, never with a panic. So does a standard
//! output closed before start (`>&-`): Rust's runtime points it at /dev/null before `main`, so
//! the binary notes it earlier, before the runtime starts (see `note_stdout_at_start`).

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Notes whether file descriptor 1 is closed. Called by the binary before Rust's runtime opens
/// /dev/null in its place; it only asks the kernel and stores the answer.
pub fn note_stdout_at_start() {
    // SAFETY: F_GETFD reads the descriptor's flags and touches no memory.
    let closed = unsafe { libc::fcntl(1, libc::F_GETFD) } == -1
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
    STDOUT_CLOSED.store(closed, Ordering::Relaxed);
}

/// The exit code when the output could not be written.
pub const EXIT_OUTPUT: u8 = 4;

/// Writes `text` to standard output and flushes it. On failure, says why on standard error
/// (nothing for a closed pipe: the reader chose to stop) and returns the exit code to use.
pub fn stdout(text: &str) -> Result<(), u8> {
    stdout_with(|out| out.write_all(text.as_bytes()))
}

/// Lets `write` stream its output into standard output through one buffer (standard output
/// alone writes line by line, a system call per line), then flushes it; fails as [`stdout`].
pub fn stdout_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), u8> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        let _ = writeln!(
            std::io::stderr(),
            "andon: cannot write the output: standard output is closed"
        );
        return Err(EXIT_OUTPUT);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::BrokenPipe => Err(EXIT_OUTPUT),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "andon: cannot write the output: {err}");
            Err(EXIT_OUTPUT)
        }
    }
}
