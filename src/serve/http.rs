//! The collector's HTTP server (hyper, HTTP/1.1): `/metrics`, `/api/v1/state`, `/api/v1/feed`.
//! Every answer comes from the last published documents; nothing a client sends reaches a
//! source. Connections are bounded in number and in how long their headers may take.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::metrics;
use super::publish::{Document, Published};

/// The longest a client may ask a request to wait for a change (`?wait=`).
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 512;
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

pub type Latest = watch::Receiver<Arc<Published>>;

const INDEX: &str = "andon collector\n\
GET /metrics        Prometheus text format 0.0.4\n\
GET /api/v1/state   the `andon --once --json` document (ETag; If-None-Match answers 304;\n\
                    with ?wait=30s and a matching If-None-Match, held until the state changes)\n\
GET /api/v1/feed    what screens with kind = \"andon\" read (same ETag and ?wait=)\n\
GET /api/v1/transitions  the latest red/green transitions, kept across restarts\n";

/// Accepts connections until `shutdown` changes, serving each on its own task.
pub async fn serve(listener: TcpListener, latest: Latest, mut shutdown: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            _ = shutdown.changed() => return,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let (stream, _) = match accepted {
            Ok(connection) => connection,
            Err(err) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let latest = latest.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let latest = latest.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(request, latest).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Whether an `If-None-Match` header names `etag` (a list, `*` included), by the weak
/// comparison that RFC 9110 prescribes for it.
pub fn matches(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    let Some(value) = if_none_match.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let opaque = |tag: &str| tag.strip_prefix("W/").unwrap_or(tag).to_string();
    let etag = opaque(etag);
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == etag)
}

/// `?wait=30s` (or `?wait=30`): how long to hold an unchanged answer, at most `MAX_WAIT`.
pub fn wait_of(query: Option<&str>) -> Result<Duration, String> {
    let Some(value) = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("wait="))
    else {
        return Ok(Duration::ZERO);
    };
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => humantime::parse_duration(value)
            .map_err(|_| format!("wait={value:?} is not a duration such as 30s"))?,
    };
    Ok(wait.min(MAX_WAIT))
}

async fn answer(request: Request<Incoming>, mut latest: Latest) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let head = request.method() == Method::HEAD;
    let pick: fn(&Published) -> &Document = match request.uri().path() {
        "/" => return plain(StatusCode::OK, INDEX),
        "/metrics" => {
            let mut response =
                Response::new(Full::new(Bytes::from(latest.borrow().metrics.clone())));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(metrics::CONTENT_TYPE),
            );
            return response;
        }
        "/api/v1/state" => |p| &p.state,
        "/api/v1/feed" => |p| &p.feed,
        "/api/v1/transitions" => |p| &p.transitions,
        _ => return plain(StatusCode::NOT_FOUND, "not found; see /\n"),
    };
    let wait = match wait_of(request.uri().query()) {
        Ok(wait) => wait,
        Err(reason) => return plain(StatusCode::BAD_REQUEST, &format!("{reason}\n")),
    };
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut document = pick(&latest.borrow_and_update()).clone();
    if matches(asked.as_ref(), &document.etag) && !wait.is_zero() {
        let changed = tokio::time::timeout(wait, async {
            while latest.changed().await.is_ok() {
                let next = pick(&latest.borrow_and_update()).clone();
                if !matches(asked.as_ref(), &next.etag) {
                    return Some(next);
                }
            }
            None
        })
        .await;
        if let Ok(Some(next)) = changed {
            document = next;
        }
    }
    let etag = HeaderValue::from_str(&document.etag).ok();
    if matches(asked.as_ref(), &document.etag) {
        let mut response = plain(StatusCode::NOT_MODIFIED, "");
        *response.body_mut() = Full::new(Bytes::new());
        response.headers_mut().remove(header::CONTENT_TYPE);
        if let Some(etag) = etag {
            response.headers_mut().insert(header::ETAG, etag);
        }
        return response;
    }
    let body = if head {
        Bytes::new()
    } else {
        document.body.clone()
    };
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_reads_lists_weak_tags_and_star() {
        let tag = "\"00ab\"";
        let value = |s: &'static str| HeaderValue::from_static(s);
        assert!(matches(Some(&value("\"00ab\"")), tag));
        assert!(matches(Some(&value("\"ffff\", W/\"00ab\"")), tag));
        assert!(matches(Some(&value("*")), tag));
        assert!(matches(Some(&value("W/\"00ab\"")), "W/\"00ab\""));
        assert!(matches(Some(&value("\"00ab\"")), "W/\"00ab\""));
        assert!(!matches(Some(&value("\"00ac\"")), tag));
        assert!(!matches(None, tag));
    }

    #[test]
    fn wait_is_read_in_seconds_or_as_a_duration_and_capped() {
        assert_eq!(wait_of(None), Ok(Duration::ZERO));
        assert_eq!(wait_of(Some("x=1")), Ok(Duration::ZERO));
        assert_eq!(wait_of(Some("wait=20")), Ok(Duration::from_secs(20)));
        assert_eq!(
            wait_of(Some("a=b&wait=1500ms")),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(wait_of(Some("wait=2h")), Ok(MAX_WAIT));
        assert!(wait_of(Some("wait=soon")).is_err());
    }
}
