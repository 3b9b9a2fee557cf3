//! Writing `--once` and `check` output like a Unix tool: a reader that went away (`| head -1`)
//! or a full disk ends the program with a non-zero code, never with a panic. (A standard output
//! closed before start, `>&-`, is pointed at /dev/null by Rust's runtime before `main`: the
//! output is dropped as by `> /dev/null`, and the exit code still tells the state.)

use std::io::{ErrorKind, Write};

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
