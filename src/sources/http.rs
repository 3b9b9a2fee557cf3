//! The one place sources talk HTTP: status handling, body cap and readable failure reasons.

use std::error::Error as _;

use super::SourceError;

/// Largest response body read from any source; larger bodies are refused, not truncated.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("andon/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap_or_default()
}

/// The body of a successful GET as text. Non-2xx statuses become errors that quote the start of
/// the body, since servers explain themselves there (Prometheus's JSON errors, HTML error pages).
pub async fn get_text(client: &reqwest::Client, url: &str) -> Result<String, SourceError> {
    let response = client.get(url).send().await.map_err(|e| describe(&e))?;
    let status = response.status();
    let body = read_capped(response).await?;
    if !status.is_success() {
        let excerpt = excerpt(&body);
        return Err(SourceError::new(if excerpt.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {excerpt}")
        }));
    }
    Ok(body)
}

/// Like `get_text` but keeps the body of an error status, for APIs that answer errors in JSON.
pub async fn get_any_status(
    client: &reqwest::Client,
    url: &str,
) -> Result<(reqwest::StatusCode, String), SourceError> {
    let response = client.get(url).send().await.map_err(|e| describe(&e))?;
    let status = response.status();
    Ok((status, read_capped(response).await?))
}

pub async fn read_capped(mut response: reqwest::Response) -> Result<String, SourceError> {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_BODY_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|e| {
        SourceError::new(format!(
            "response is not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn too_large() -> SourceError {
    SourceError::new(format!(
        "response larger than {} MiB refused",
        MAX_BODY_BYTES / (1024 * 1024)
    ))
}

/// First line of a body, shortened, for error messages.
pub fn excerpt(body: &str) -> String {
    let line = body.trim().lines().next().unwrap_or("").trim();
    let mut short: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        short.push('…');
    }
    short
}

/// A reqwest failure in the words an on-call engineer needs: refused, DNS, timeout, TLS.
pub fn describe(error: &reqwest::Error) -> SourceError {
    let chain = error_chain(error).to_lowercase();
    let reason = if error.is_timeout() {
        "timed out".to_string()
    } else if chain.contains("dns error") || chain.contains("failed to lookup address") {
        "DNS lookup failed".to_string()
    } else if chain.contains("connection refused") {
        "connection refused".to_string()
    } else if chain.contains("certificate") || chain.contains("tls") {
        format!("TLS error: {}", last_cause(error))
    } else if error.is_connect() {
        format!("cannot connect: {}", last_cause(error))
    } else {
        format!("request failed: {}", last_cause(error))
    };
    SourceError::new(reason)
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

fn last_cause(error: &reqwest::Error) -> String {
    let mut last = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        last = cause.to_string();
        source = cause.source();
    }
    // reqwest puts the URL in its own message; the screen already names the source.
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refused_connection_is_named() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = get_text(&client(), &format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!(err.reason, "connection refused");
    }

    #[test]
    fn excerpt_keeps_the_first_line_short() {
        assert_eq!(excerpt("\n  <html>\n<body>"), "<html>");
        assert_eq!(excerpt(&"x".repeat(200)).chars().count(), 121);
    }
}
