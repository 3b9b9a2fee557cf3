//! Reads the tail of a log over HTTP: a suffix range where the server serves ranges, else the
//! whole body streamed with only its last bytes kept. Redirects are followed by hand, so the
//! source's credentials never travel to another origin (GitHub sends job logs to blob storage).

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, LOCATION, RANGE};
use reqwest::{StatusCode, Url};

use crate::config::Transport;
use crate::sources::http;

/// Most redirects followed for one log.
const MAX_REDIRECTS: usize = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One log request: where, with which headers (credentials among them, marked sensitive).
#[derive(Debug, Clone)]
pub struct LogRequest {
    pub url: String,
    pub headers: HeaderMap,
}

/// The bytes read and whether they are only the end of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub bytes: Vec<u8>,
    pub cut: bool,
}

/// A client for logs: the source's trust settings, no automatic redirects.
pub fn client(transport: &Transport) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("andon/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &transport.ca_file {
        for cert in http::read_ca_file(path).map_err(|e| e.reason)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    if transport.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up HTTP: {}", http::describe(&e).reason))
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The last `cap` bytes of the log at `request`, read within `timeout`. `max_body` bounds what
/// is read from a server that ignores the range.
pub async fn tail(
    client: &reqwest::Client,
    request: &LogRequest,
    cap: usize,
    max_body: usize,
    timeout: Duration,
) -> Result<Tail, String> {
    match tokio::time::timeout(timeout, read(client, request, cap, max_body)).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "timed out after {}",
            humantime::format_duration(timeout)
        )),
    }
}

async fn read(
    client: &reqwest::Client,
    request: &LogRequest,
    cap: usize,
    max_body: usize,
) -> Result<Tail, String> {
    let origin = Url::parse(&request.url).map_err(|e| format!("bad log URL: {e}"))?;
    let mut url = origin.clone();
    let range = HeaderValue::from_str(&format!("bytes=-{cap}")).map_err(|e| e.to_string())?;
    for _ in 0..=MAX_REDIRECTS {
        let mut headers = if same_origin(&url, &origin) {
            request.headers.clone()
        } else {
            // Another origin (blob storage, a CDN): it is reached by its own signed URL, and
            // the source's credentials stay with the source.
            HeaderMap::new()
        };
        headers.insert(RANGE, range.clone());
        let response = client
            .get(url.clone())
            .headers(headers)
            .send()
            .await
            .map_err(|e| http::describe(&e).reason)?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| format!("HTTP {status} without a Location"))?;
            let next = url
                .join(location)
                .map_err(|e| format!("HTTP {status} to a bad Location: {e}"))?;
            if url.scheme() == "https" && next.scheme() != "https" {
                return Err(format!(
                    "refused a redirect from https to {}",
                    http::redact(next.as_str())
                ));
            }
            url = next;
            continue;
        }
        return match status {
            StatusCode::PARTIAL_CONTENT => {
                let total = content_range_total(response.headers());
                let bytes = read_last(response, cap, cap.saturating_mul(2)).await?;
                let cut = total.is_none_or(|total| total > bytes.len() as u64);
                Ok(Tail { bytes, cut })
            }
            // An empty log has no last bytes to serve.
            StatusCode::RANGE_NOT_SATISFIABLE => Ok(Tail {
                bytes: Vec::new(),
                cut: false,
            }),
            status if status.is_success() => {
                let length = response.content_length();
                let bytes = read_last(response, cap, max_body).await?;
                let cut = length.map_or(bytes.len() >= cap, |len| len > cap as u64);
                Ok(Tail { bytes, cut })
            }
            status => {
                let body = read_last(response, 4096, 64 * 1024)
                    .await
                    .unwrap_or_default();
                Err(http::status_error(status, &String::from_utf8_lossy(&body)).reason)
            }
        };
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// `Content-Range: bytes 1000-1999/5000` -> 5000.
fn content_range_total(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    value.rsplit('/').next()?.trim().parse().ok()
}

/// Streams the body, keeping its last `cap` bytes; refuses a body over `limit`.
async fn read_last(
    mut response: reqwest::Response,
    cap: usize,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let mut kept: VecDeque<u8> = VecDeque::with_capacity(cap.min(1 << 20));
    let mut read = 0usize;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| http::describe(&e).reason)?
    {
        read += chunk.len();
        if read > limit {
            return Err(format!(
                "log larger than {} and the server does not serve its end alone",
                http::size(limit)
            ));
        }
        let chunk = if chunk.len() > cap {
            &chunk[chunk.len() - cap..]
        } else {
            &chunk[..]
        };
        let overflow = (kept.len() + chunk.len()).saturating_sub(cap);
        kept.drain(..overflow);
        kept.extend(chunk);
    }
    Ok(kept.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &url("https://api.github.com/a"),
            &url("https://api.github.com:443/b")
        ));
        assert!(!same_origin(
            &url("https://api.github.com/a"),
            &url("https://pipelines.actions.githubusercontent.com/b")
        ));
        assert!(!same_origin(
            &url("http://127.0.0.1:80/a"),
            &url("http://127.0.0.1:81/a")
        ));
    }

    #[test]
    fn content_range_totals() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 10-19/5000"),
        );
        assert_eq!(content_range_total(&headers), Some(5000));
        headers.insert(
            reqwest::header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 10-19/*"),
        );
        assert_eq!(content_range_total(&headers), None);
    }
}
