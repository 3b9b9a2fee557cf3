//! The one place sources talk HTTP: status handling, body cap, TLS options and readable failure
//! reasons. Every reason names what went wrong in the words an on-call engineer needs (DNS,
//! refused, timeout, TLS, a server error) and never repeats a URL's userinfo or query string.

use std::error::Error as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::hosts::{Hosts, host_of};
use super::{Cause, SourceError};
pub use crate::config::MAX_BODY_BYTES;
use crate::config::Transport;
pub use crate::files::size;
use crate::model::Timestamp;
pub use crate::sanitize::{redact, redact_words};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

tokio::task_local! {
    /// The body cap of the source being polled, set by the poller around each poll.
    static BODY_LIMIT: usize;
}

/// Runs `poll` with `limit` as the body cap of every request it makes.
pub async fn with_body_limit<F: Future>(limit: usize, poll: F) -> F::Output {
    BODY_LIMIT.scope(limit, poll).await
}

pub fn body_limit() -> usize {
    BODY_LIMIT
        .try_with(|limit| *limit)
        .unwrap_or(MAX_BODY_BYTES)
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 5;

/// Scheme, host and port: what a browser calls an origin.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Redirects within the origin first asked are followed; one to another origin is refused,
/// since the request carries the source's credentials (reqwest strips `Authorization` across
/// hosts, but not `PRIVATE-TOKEN`, not an https-to-http downgrade on the same host, and not a
/// token in the query string).
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            let error = format!("more than {MAX_REDIRECTS} redirects (a redirect loop?)");
            return attempt.error(error);
        }
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        if same_origin(first, attempt.url()) {
            attempt.follow()
        } else {
            let error = format!(
                "redirected to another origin ({}), not followed so that credentials stay with \
                 {}; set the source's URL to where the server points",
                redact(attempt.url().as_str()),
                first.origin().ascii_serialization()
            );
            attempt.error(error)
        }
    })
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("andon/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(redirect_policy())
        // A Referer would hand the URL asked (its query among it) to whoever it redirects to.
        .referer(false)
        // Dead pooled connections are dropped rather than kept for weeks.
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(4)
}

/// What a source polls with: a connection pool, and the rest, pace and budget of the hosts
/// it talks to, which it shares with every other source made with the same `Hosts`.
#[derive(Debug, Clone)]
pub struct Client {
    pool: reqwest::Client,
    hosts: Arc<Hosts>,
}

impl Client {
    pub fn new(pool: reqwest::Client, hosts: Arc<Hosts>) -> Client {
        Client { pool, hosts }
    }

    /// A GET of `url`, to send with `send_politely` (or `Polite`).
    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.pool.get(url)
    }

    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// When a poll of `url` may start without outrunning its server's rate limit; None when now.
    pub fn ready_at(&self, url: &str, now: Timestamp) -> Option<Timestamp> {
        self.hosts.ready_at(&host_of(url), now)
    }
}

/// A client trusting the system's roots, with hosts of its own.
pub fn client() -> Client {
    Client::new(
        builder().build().unwrap_or_default(),
        Arc::new(Hosts::new()),
    )
}

/// A client for one source: the system's roots plus the source's CA bundle, or no verification
/// at all when the source is marked `insecure` (the screen then says so).
pub fn client_for(transport: &Transport) -> Result<reqwest::Client, SourceError> {
    let mut builder = builder();
    if let Some(path) = &transport.ca_file {
        for cert in read_ca_file(path)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    if transport.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| {
        SourceError::of(
            Cause::Internal,
            format!("cannot set up HTTP: {}", last_cause(&e)),
        )
    })
}

/// The certificates of a PEM bundle (see `config::read_ca_file`).
pub fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, SourceError> {
    crate::config::read_ca_file(path).map_err(|reason| SourceError::of(Cause::Internal, reason))
}

/// The body of a successful GET as text. Non-2xx statuses become errors that quote the start of
/// the body, since servers explain themselves there (Prometheus's JSON errors, HTML error pages).
pub async fn get_text(client: &Client, url: &str) -> Result<String, SourceError> {
    let (status, body) = get_any_status(client, url).await?;
    if !status.is_success() {
        return Err(status_error(status, &body));
    }
    Ok(body)
}

/// `HTTP 503 Service Unavailable: <first line of the body>`; 5xx are called server errors.
pub fn status_error(status: reqwest::StatusCode, body: &str) -> SourceError {
    let mut reason = format!("HTTP {status}");
    if status.is_server_error() {
        reason.push_str(" (server error)");
    }
    let excerpt = excerpt(body);
    if !excerpt.is_empty() {
        reason.push_str(": ");
        reason.push_str(&excerpt);
    }
    let code = status.as_u16();
    let cause = match status {
        reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN => {
            Cause::Auth { status: Some(code) }
        }
        _ => Cause::Status(code),
    };
    SourceError::of(cause, reason)
}

/// Like `get_text` but keeps the body of an error status, for APIs that answer errors in JSON.
pub async fn get_any_status(
    client: &Client,
    url: &str,
) -> Result<(reqwest::StatusCode, String), SourceError> {
    let response = send_politely(client, client.get(url), url).await?;
    let status = response.status();
    Ok((status, read_capped(response, body_limit()).await?))
}

/// Sends a plain HTTP read of `url` with the same rest and pace as the CI APIs (429, 503 with
/// Retry-After, rate-limit headers), counting its status for the collector's metrics.
pub async fn send_politely(
    client: &Client,
    request: reqwest::RequestBuilder,
    url: &str,
) -> Result<reqwest::Response, SourceError> {
    let host = host_of(url);
    client.hosts.check_rest(&host, chrono::Utc::now())?;
    let response = request.send().await.map_err(|e| describe(&e))?;
    let status = response.status();
    super::requests::note(status.as_u16());
    if let Some(until) = client
        .hosts
        .observe(&host, status, response.headers(), chrono::Utc::now())
    {
        return Err(super::hosts::rate_limited(until));
    }
    Ok(response)
}

pub async fn read_capped(response: reqwest::Response, limit: usize) -> Result<String, SourceError> {
    let body = read_capped_bytes(response, limit).await?;
    String::from_utf8(body).map_err(|e| {
        SourceError::of(
            Cause::Malformed,
            format!(
                "response is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The body as bytes, refused once it passes `limit` (announced or as it arrives).
pub async fn read_capped_bytes(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, SourceError> {
    let announced = response.content_length();
    if announced.is_some_and(|len| len > limit as u64) {
        return Err(too_large(limit));
    }
    // Sized once when the length is announced: growing by doubling would hold up to three
    // times a big body while it is copied. The announcement is only a hint, and bounded.
    let mut body = Vec::with_capacity(announced.map_or(0, |len| len as usize));
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The response's `Content-Type`, when it is readable text.
pub fn content_type(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// How the reason for a body over the cap starts.
pub const TOO_LARGE: &str = "response larger than ";

fn too_large(limit: usize) -> SourceError {
    SourceError::of(
        Cause::Malformed,
        format!("{TOO_LARGE}{} refused", size(limit)),
    )
}

/// Query-string encoding for branch names, labels and environments.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
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

/// A reqwest failure as one distinct reason: DNS, refused, timeout, TLS, dropped, or other.
pub fn describe(error: &reqwest::Error) -> SourceError {
    let chain = error_chain(error).to_lowercase();
    let host = error
        .url()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "the host".to_string());
    let (cause, reason) = if error.is_redirect() {
        (Cause::Network, last_cause(error))
    } else if is_tls(error, &chain) {
        (Cause::Tls, format!("TLS error: {}", tls_detail(error)))
    } else if error.is_timeout() {
        let reason = if error.is_connect() {
            format!(
                "timed out connecting to {host} after {}",
                humantime::format_duration(CONNECT_TIMEOUT)
            )
        } else {
            "timed out".to_string()
        };
        (Cause::Timeout, reason)
    } else if chain.contains("dns error")
        || chain.contains("failed to lookup address")
        || chain.contains("name or service not known")
        || chain.contains("no address associated")
    {
        (Cause::Network, format!("DNS lookup failed for {host}"))
    } else if chain.contains("connection refused") {
        (Cause::Network, "connection refused".to_string())
    } else if chain.contains("connection reset")
        || chain.contains("connection closed")
        || chain.contains("incomplete message")
        || chain.contains("unexpected eof")
        || chain.contains("end of file before message length")
        || chain.contains("broken pipe")
    {
        (
            Cause::Network,
            "connection dropped by the server mid-response".to_string(),
        )
    } else if error.is_connect() {
        (
            Cause::Network,
            format!("cannot connect: {}", last_cause(error)),
        )
    } else if error.is_decode() {
        (
            Cause::Malformed,
            format!("response body unreadable: {}", last_cause(error)),
        )
    } else if error.is_body() {
        (
            Cause::Network,
            format!("response body unreadable: {}", last_cause(error)),
        )
    } else if error.is_builder() {
        (
            Cause::Internal,
            format!("request failed: {}", last_cause(error)),
        )
    } else {
        (
            Cause::Network,
            format!("request failed: {}", last_cause(error)),
        )
    };
    SourceError::of(cause, reason)
}

/// TLS failures show up as a rustls error inside an io::Error somewhere in the chain.
fn is_tls(error: &reqwest::Error, chain: &str) -> bool {
    causes(error).any(|cause| rustls_error(cause).is_some())
        || chain.contains("certificate")
        || chain.contains("tls handshake")
        || chain.contains("invalidcontenttype")
        || chain.contains("corrupt message")
}

fn rustls_error<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    cause.downcast_ref::<rustls::Error>().or_else(|| {
        cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    })
}

fn tls_detail(error: &reqwest::Error) -> String {
    let detail = causes(error)
        .find_map(rustls_error)
        .map_or_else(|| last_cause(error), |e| e.to_string());
    if detail.contains("InvalidContentType") || detail.contains("corrupt message") {
        format!("{detail} (is the server speaking plain HTTP?)")
    } else {
        detail
    }
}

fn causes(error: &reqwest::Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    std::iter::successors(error.source(), |&cause| cause.source())
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = vec![error.to_string()];
    parts.extend(causes(error).map(|cause| cause.to_string()));
    parts.join(": ")
}

/// The innermost cause, which says what happened; reqwest's own message names the URL, which
/// the screen does not need (and which may hold a token).
fn last_cause(error: &reqwest::Error) -> String {
    causes(error).last().map_or_else(
        || redact_words(&error.to_string()),
        |c| redact_words(&c.to_string()),
    )
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

    #[test]
    fn redact_drops_userinfo_query_and_fragment() {
        assert_eq!(
            redact("https://bob:s3cret@ci.example.org:8443/cc.xml?token=abc#x"),
            "https://ci.example.org:8443/cc.xml"
        );
        assert_eq!(redact("http://127.0.0.1:9090"), "http://127.0.0.1:9090");
        assert_eq!(
            redact("http://tok@[bad/x?token=1"),
            "http://[bad/x",
            "unparseable URLs are cut by hand"
        );
        assert_eq!(
            redact_words("error sending request for url (https://u:p@h/x?t=1)"),
            "error sending request for url (https://h/x)"
        );
    }

    #[test]
    fn sizes_read_as_written() {
        assert_eq!(size(16 * 1024 * 1024), "16 MiB");
        assert_eq!(size(512 * 1024), "512 KiB");
        assert_eq!(size(1000), "1000 B");
    }

    #[test]
    fn server_errors_are_named_as_such() {
        let e = status_error(
            reqwest::StatusCode::SERVICE_UNAVAILABLE,
            "down for upgrade\n",
        );
        assert_eq!(
            e.reason,
            "HTTP 503 Service Unavailable (server error): down for upgrade"
        );
        let e = status_error(reqwest::StatusCode::NOT_FOUND, "");
        assert_eq!(e.reason, "HTTP 404 Not Found");
    }

    /// A server on 127.0.0.1 answering every GET with `response`.
    async fn serving(response: wiremock::ResponseTemplate) -> wiremock::MockServer {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(response)
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_network_failure() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = get_text(&client(), &format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!(err.cause, Cause::Network, "{err}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_is_a_timeout() {
        // Accepts the connection, then says nothing.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let impatient = Client::new(
            builder()
                .timeout(Duration::from_millis(300))
                .build()
                .unwrap(),
            Arc::new(Hosts::new()),
        );
        let err = get_text(&impatient, &format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        silent.abort();
        assert_eq!(err.cause, Cause::Timeout, "{err}");
        assert_eq!(err.reason, "timed out");
    }

    #[tokio::test]
    async fn a_401_is_an_auth_failure_with_its_status_and_a_500_a_status() {
        let server = serving(wiremock::ResponseTemplate::new(401).set_body_string("no")).await;
        let err = get_text(&client(), &server.uri()).await.unwrap_err();
        assert_eq!(err.cause, Cause::Auth { status: Some(401) }, "{err}");
        let server = serving(wiremock::ResponseTemplate::new(500)).await;
        let err = get_text(&client(), &server.uri()).await.unwrap_err();
        assert_eq!(err.cause, Cause::Status(500), "{err}");
    }

    #[tokio::test]
    async fn a_429_with_retry_after_is_rate_limited_until_then() {
        let server =
            serving(wiremock::ResponseTemplate::new(429).insert_header("retry-after", "120")).await;
        let client = client();
        let before = chrono::Utc::now();
        let err = get_text(&client, &server.uri()).await.unwrap_err();
        let Cause::RateLimited { until } = err.cause else {
            panic!("not rate limited: {err:?}");
        };
        let waited = (until - before).num_seconds();
        assert!((118..=122).contains(&waited), "{waited}s: {err}");
        // The host rests: the next poll fails the same way without asking.
        let again = get_text(&client, &server.uri()).await.unwrap_err();
        assert_eq!(again.cause, Cause::RateLimited { until });
        assert_eq!(
            server.received_requests().await.unwrap_or_default().len(),
            1
        );
    }

    #[tokio::test]
    async fn a_body_that_is_not_utf8_or_over_the_cap_is_malformed() {
        let server =
            serving(wiremock::ResponseTemplate::new(200).set_body_bytes(vec![0xff, 0xfe])).await;
        let err = get_text(&client(), &server.uri()).await.unwrap_err();
        assert_eq!(err.cause, Cause::Malformed, "{err}");
        let server =
            serving(wiremock::ResponseTemplate::new(200).set_body_string("x".repeat(2048))).await;
        let err = with_body_limit(1024, get_text(&client(), &server.uri()))
            .await
            .unwrap_err();
        assert_eq!(err.cause, Cause::Malformed, "{err}");
    }
}
