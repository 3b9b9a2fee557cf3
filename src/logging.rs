//! Logs go to a file: the terminal belongs to the TUI.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("andon").join("andon.log"))
}

/// Starts logging to `path` (or the default). Logging is best effort: no file, no logs.
pub fn init(path: Option<&Path>) {
    let Some(path) = path.map(Path::to_path_buf).or_else(default_path) else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = std::env::var("ANDON_LOG").unwrap_or_else(|_| "info".to_string());
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
}
