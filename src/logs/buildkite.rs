//! Buildkite: `GET /v2/organizations/{org}/pipelines/{pipeline}/builds/{number}/jobs/{id}/log`
//! asked for as `text/plain`, the raw log with Buildkite's `ESC _bk;t=...` timestamps.

use reqwest::header::{HeaderMap, HeaderValue};

use super::LogRequest;
use crate::sources::buildkite::BuildkiteConfig;
use crate::sources::http::encode;
use crate::sources::polite::sensitive;

pub fn request(config: &BuildkiteConfig, run: &str, job: &str) -> Result<LogRequest, String> {
    let number = run.trim_start_matches('#');
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Buildkite build number {run:?} is not a number"));
    }
    if job.is_empty() || !job.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(format!("Buildkite job id {job:?} is not a UUID"));
    }
    let mut headers = HeaderMap::new();
    headers.insert("accept", HeaderValue::from_static("text/plain"));
    if let Some(token) = config.auth.token()? {
        headers.insert(
            "authorization",
            sensitive(&format!("Bearer {}", token.expose())).map_err(|e| e.reason)?,
        );
    }
    Ok(LogRequest {
        url: format!(
            "{}/organizations/{}/pipelines/{}/builds/{number}/jobs/{job}/log",
            config.api_url,
            encode(&config.organization),
            encode(&config.pipeline)
        ),
        headers,
    })
}
