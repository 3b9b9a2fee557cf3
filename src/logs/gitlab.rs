//! GitLab: `GET /projects/:id/jobs/:job_id/trace`, the job's raw trace.

use reqwest::header::HeaderMap;

use super::LogRequest;
use crate::sources::gitlab::GitlabConfig;
use crate::sources::http::encode;
use crate::sources::polite::sensitive;

pub fn request(config: &GitlabConfig, job: &str) -> Result<LogRequest, String> {
    if job.is_empty() || !job.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("GitLab job id {job:?} is not a number"));
    }
    let mut headers = HeaderMap::new();
    if let Some(token) = config.auth.token()? {
        headers.insert(
            "private-token",
            sensitive(token.expose()).map_err(|e| e.reason)?,
        );
    }
    Ok(LogRequest {
        url: format!(
            "{}/projects/{}/jobs/{job}/trace",
            config.api_url,
            encode(&config.project)
        ),
        headers,
    })
}
