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
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::BrokenPipe => Err(EXIT_OUTPUT),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "andon: cannot write the output: {err}");
            Err(EXIT_OUTPUT)
        }
    }
}
