//! GitHub Actions: `GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs`, answered by a
//! redirect to a short-lived blob URL on another origin (the token does not follow it).

use reqwest::header::{HeaderMap, HeaderValue};

use super::LogRequest;
use crate::sources::github::GithubConfig;
use crate::sources::polite::sensitive;

pub fn request(config: &GithubConfig, job: &str) -> Result<LogRequest, String> {
    if job.is_empty() || !job.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("GitHub job id {job:?} is not a number"));
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "accept",
        HeaderValue::from_static("application/vnd.github+json"),
    );
    headers.insert(
        "x-github-api-version",
        HeaderValue::from_static("2022-11-28"),
    );
    if let Some(token) = config.auth.token()? {
        headers.insert(
            "authorization",
            sensitive(&format!("Bearer {}", token.expose())).map_err(|e| e.reason)?,
        );
    }
    Ok(LogRequest {
        url: format!(
            "{}/repos/{}/actions/jobs/{job}/logs",
            config.api_url, config.repo
        ),
        headers,
    })
}
