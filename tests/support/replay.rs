//! Recorded HTTP interactions as API client libraries keep them, read back as (request path,
//! status, body) for tests to serve or parse. The recordings stay as published.

use std::path::Path;

pub struct Interaction {
    pub method: String,
    /// Path and query as requested, e.g. `/repos/o/r/actions/runs?per_page=100`.
    pub path: String,
    pub status: u16,
    pub body: String,
}

fn fixture_path(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// PyGithub's ReplayData: per interaction eleven lines (protocol, method, host, port, path,
/// request headers, request body, status, response headers, response body, blank).
pub fn pygithub(relative: &str) -> Vec<Interaction> {
    let file = fixture_path(relative);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let lines: Vec<&str> = text.split('\n').collect();
    lines
        .chunks(11)
        .filter(|record| record.len() >= 10)
        .map(|record| Interaction {
            method: record[1].to_string(),
            path: record[4].to_string(),
            status: record[7].trim().parse().expect("status line"),
            body: record[9].to_string(),
        })
        .collect()
}

/// The body of the recorded answer to `path` (path and query exactly as recorded).
pub fn pygithub_body(relative: &str, path: &str) -> String {
    pygithub(relative)
        .into_iter()
        .find(|i| i.method == "GET" && i.path == path)
        .unwrap_or_else(|| panic!("{relative} has no GET {path}"))
        .body
}
