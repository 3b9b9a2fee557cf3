//! Bounded reads of the files andon is pointed at: the config, themes, token files and CA
//! bundles. A FIFO, a device (`/dev/zero`) or a file of gigabytes is refused with a reason;
//! a file on a mount that stopped answering gives up after a deadline instead of hanging the
//! caller. The read itself runs on a thread of its own, never on an async runtime's thread.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, mpsc};
use std::time::Duration;

/// The reason given for a path where nothing is.
pub const MISSING: &str = "no such file";

/// How long a read of a local file may take before it is given up.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Paths whose last read has not come back: asking again would only park another thread.
static STUCK: LazyLock<Mutex<HashSet<PathBuf>>> = LazyLock::new(Mutex::default);

/// A byte count as written in the config: "16 MiB", "512 KiB", "100 B".
pub fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// The bytes of the regular file at `path`, at most `cap` of them, within `timeout`. The error
/// says why in a few words, without the path (callers name the file their own way).
pub fn read_bounded(path: &Path, cap: u64, timeout: Duration) -> Result<Vec<u8>, String> {
    let owned = path.to_path_buf();
    {
        let stuck = STUCK
            .lock()
            .map_err(|_| "internal lock poisoned".to_string())?;
        if stuck.contains(&owned) {
            return Err("an earlier read has not come back (a hung mount?)".to_string());
        }
    }
    let (tx, rx) = mpsc::channel();
    let reader = owned.clone();
    let spawned = std::thread::Builder::new()
        .name("andon-read".into())
        .spawn(move || {
            let result = read_now(&reader, cap);
            if let Ok(mut stuck) = STUCK.lock() {
                stuck.remove(&reader);
            }
            let _ = tx.send(result);
        });
    if let Err(err) = spawned {
        return Err(format!("cannot start a reader: {err}"));
    }
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => {
            if let Ok(mut stuck) = STUCK.lock() {
                stuck.insert(owned);
            }
            Err(format!(
                "no answer within {} (a hung mount?)",
                humantime::format_duration(timeout)
            ))
        }
    }
}

/// Like `read_bounded`, as UTF-8 text.
pub fn read_text(path: &Path, cap: u64, timeout: Duration) -> Result<String, String> {
    let bytes = read_bounded(path, cap, timeout)?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn read_now(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => MISSING.to_string(),
        _ => e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "a directory, not a file".to_string()
        } else {
            "not a regular file (a FIFO, socket or device)".to_string()
        });
    }
    if meta.len() > cap {
        return Err(format!(
            "larger than {}",
            size(usize::try_from(cap).unwrap_or(usize::MAX))
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    // The file may grow after the size was checked: never read more than the cap.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "larger than {}",
            size(usize::try_from(cap).unwrap_or(usize::MAX))
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_directories_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let start = std::time::Instant::now();
        for path in [Path::new("/dev/zero"), &fifo, dir.path()] {
            let err = read_bounded(path, 1024, READ_TIMEOUT).unwrap_err();
            assert!(
                err.contains("not a regular file") || err.contains("directory"),
                "{}: {err}",
                path.display()
            );
        }
        assert!(start.elapsed() < READ_TIMEOUT, "refused without waiting");
    }

    #[test]
    fn the_cap_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'x'; 2048]).unwrap();
        assert_eq!(
            read_bounded(&path, 1024, READ_TIMEOUT).unwrap_err(),
            "larger than 1 KiB"
        );
        assert_eq!(read_bounded(&path, 4096, READ_TIMEOUT).unwrap().len(), 2048);
        std::fs::write(&path, [0xff, b'a']).unwrap();
        assert!(
            read_text(&path, 4096, READ_TIMEOUT)
                .unwrap_err()
                .contains("UTF-8")
        );
    }
}
