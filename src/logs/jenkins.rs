//! Jenkins: the build's `consoleText`, on the configured server whatever host the build URL
//! names (a misconfigured root URL must not send the credentials elsewhere).

use reqwest::header::HeaderMap;

use super::LogRequest;
use crate::sources::jenkins::JenkinsConfig;
use crate::sources::jenkins::{base64, rebase};
use crate::sources::polite::sensitive;

pub fn request(config: &JenkinsConfig, build_url: &str) -> Result<LogRequest, String> {
    let build = rebase(&config.url, build_url);
    let parsed = reqwest::Url::parse(&build).map_err(|e| format!("bad build URL: {e}"))?;
    let configured =
        reqwest::Url::parse(&config.url).map_err(|e| format!("bad Jenkins URL: {e}"))?;
    if parsed.host_str() != configured.host_str() || parsed.scheme() != configured.scheme() {
        return Err("the build URL is not on the configured Jenkins server".to_string());
    }
    let mut headers = HeaderMap::new();
    if let Some(token) = config.auth.token()? {
        let user = config.auth.user.as_deref().unwrap_or("");
        let basic = base64(format!("{user}:{}", token.expose()).as_bytes());
        headers.insert(
            "authorization",
            sensitive(&format!("Basic {basic}")).map_err(|e| e.reason)?,
        );
    }
    Ok(LogRequest {
        url: format!("{}/consoleText", build.trim_end_matches('/')),
        headers,
    })
}
