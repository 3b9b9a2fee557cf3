//! Logs go to a file: the terminal belongs to the TUI.
//!
//! A log that cannot be opened falls back to one in the temporary directory, and the reason is
//! told once on standard error, before the TUI owns the screen. A path that is a terminal, a
//! FIFO or another device (`--log-file /dev/tty`) is refused the same way: a log line must
//! never land on the board, nor wait for a reader. "See the log" names the file in use.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

static IN_USE: OnceLock<PathBuf> = OnceLock::new();

pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("andon").join("andon.log"))
}

/// Where logs go when the chosen file cannot be used: one per user in the temporary directory.
pub fn fallback_path() -> PathBuf {
    let user = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty() && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or_else(|| "user".to_string());
    std::env::temp_dir().join(format!("andon-{user}.log"))
}

/// The log file in use, if any.
pub fn in_use() -> Option<&'static Path> {
    IN_USE.get().map(PathBuf::as_path)
}

/// "see the log /home/a/.local/state/andon/andon.log", or "no log file" when there is none.
pub fn see_the_log() -> String {
    match in_use() {
        Some(path) => format!("see the log {}", path.display()),
        None => "no log file".to_string(),
    }
}

/// Opens `path` for appending when it is (or will be) a regular file.
fn open(path: &Path) -> Result<std::fs::File, String> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err("not a regular file".to_string());
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| e.to_string())?;
    if std::io::IsTerminal::is_terminal(&file) {
        return Err("a terminal".to_string());
    }
    Ok(file)
}

/// Starts logging to `path` (or the default), else to the fallback. Returns the warning to show
/// on standard error, once, when the chosen file could not be used.
pub fn init(path: Option<&Path>) -> Option<String> {
    let chosen = path.map(Path::to_path_buf).or_else(default_path);
    let mut warning = None;
    let opened = match chosen.as_deref().map(|p| (p, open(p))) {
        Some((p, Ok(file))) => Some((p.to_path_buf(), file)),
        failed => {
            let fallback = fallback_path();
            let why = match failed {
                Some((p, Err(e))) => format!("cannot log to {}: {e}", p.display()),
                _ => "no log directory ($XDG_STATE_HOME and $HOME unset)".to_string(),
            };
            match open(&fallback) {
                Ok(file) => {
                    warning = Some(format!("{why}; logging to {}", fallback.display()));
                    Some((fallback, file))
                }
                Err(e) => {
                    warning = Some(format!(
                        "{why}, nor to {}: {e}; running without a log",
                        fallback.display()
                    ));
                    None
                }
            }
        }
    };
    let (path, file) = opened?;
    let filter = std::env::var("ANDON_LOG").unwrap_or_else(|_| "info".to_string());
    let started = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
    if started.is_ok() {
        let _ = IN_USE.set(path);
    }
    warning
}
