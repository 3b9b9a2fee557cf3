//! The collector's HTTP server (hyper, HTTP/1.1): `/metrics`, `/api/v1/state`, `/api/v1/feed`,
//! and `POST /api/v1/acks`. Every answer comes from the last published documents; nothing a
//! client sends reaches a source: an acknowledgement goes to the collector's loop, which
//! judges it against its board. Connections are bounded in number, in number per client, and
//! in how long their headers and bodies may take.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};

use super::acks::{self, Asked};
use super::metrics;
use super::publish::{Document, Published};

/// The longest a client may ask a request to wait for a change (`?wait=`).
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 512;
/// Connections one client address may hold at once: a screen needs one or two (a held poll
/// and an acknowledgement), so a single client cannot take every slot with held polls.
pub const MAX_CONNECTIONS_PER_CLIENT: usize = 32;
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may take to arrive, and an acknowledgement to be answered.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

pub type Latest = watch::Receiver<Arc<Published>>;

const INDEX: &str = "andon collector\n\
GET /metrics        Prometheus text format 0.0.4\n\
GET /api/v1/state   the `andon --once --json` document (ETag; If-None-Match answers 304;\n\
                    with ?wait=30s and a matching If-None-Match, held until the state changes)\n\
GET /api/v1/feed    what screens with kind = \"andon\" read (same ETag and ?wait=)\n\
GET /api/v1/transitions  the latest red/green transitions, kept across restarts\n\
POST /api/v1/acks   {\"pipeline\": \"NAME\", \"by\": \"WHO\"} marks a failing pipeline as taken care of\n\
                    for every screen, until it passes; with \"release\": true, takes the mark back\n";

/// Accepts connections until `shutdown` changes, serving each on its own task.
pub async fn serve(
    listener: TcpListener,
    latest: Latest,
    asked: mpsc::Sender<Asked>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let clients = Clients::default();
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
        let (stream, peer) = match accepted {
            Ok(connection) => connection,
            Err(err) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(client) = clients.admit(peer.ip()) else {
            // Closed at once: this client holds its share of the connections already.
            drop(stream);
            continue;
        };
        let latest = latest.clone();
        let asked = asked.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let latest = latest.clone();
                let asked = asked.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(request, latest, asked).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(client);
            drop(permit);
        });
    }
}

/// The connections each client address holds.
#[derive(Clone, Default)]
struct Clients(Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>);

/// One admitted connection; its client's count goes down when it is dropped.
struct Admitted {
    clients: Clients,
    address: std::net::IpAddr,
}

impl Clients {
    fn admit(&self, address: std::net::IpAddr) -> Option<Admitted> {
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = held.entry(address).or_default();
        if *count >= MAX_CONNECTIONS_PER_CLIENT {
            return None;
        }
        *count += 1;
        Some(Admitted {
            clients: self.clone(),
            address,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut held = self
            .clients
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = held.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.address);
            }
        }
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

/// `POST /api/v1/acks`: a bounded body, handed to the collector's loop, its verdict answered.
async fn acknowledge(
    request: Request<Incoming>,
    asked: mpsc::Sender<Asked>,
) -> Response<Full<Bytes>> {
    use http_body_util::BodyExt;
    if request.method() != Method::POST {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only POST\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let too_large = || {
        plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {} bytes\n", acks::MAX_BODY),
        )
    };
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > acks::MAX_BODY as u64) {
        return too_large();
    }
    let body = http_body_util::Limited::new(request.into_body(), acks::MAX_BODY).collect();
    let body = match tokio::time::timeout(BODY_TIMEOUT, body).await {
        Ok(Ok(body)) => body.to_bytes(),
        Ok(Err(_)) => return too_large(),
        Err(_) => return plain(StatusCode::REQUEST_TIMEOUT, "the body did not arrive\n"),
    };
    let request = match acks::parse(&body) {
        Ok(request) => request,
        Err(refusal) => return refused(&refusal),
    };
    let (reply, verdict) = oneshot::channel();
    let busy = || {
        plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the collector is busy; try again\n",
        )
    };
    match tokio::time::timeout(BODY_TIMEOUT, asked.send(Asked { request, reply })).await {
        Ok(Ok(())) => {}
        _ => return busy(),
    }
    match tokio::time::timeout(BODY_TIMEOUT, verdict).await {
        Ok(Ok(Ok(answer))) => {
            let mut body = serde_json::to_string(&answer).unwrap_or_default();
            body.push('\n');
            let mut response = Response::new(Full::new(Bytes::from(body)));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Ok(Ok(Err(refusal))) => refused(&refusal),
        _ => busy(),
    }
}

fn refused(refusal: &acks::Refusal) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    plain(status, &format!("{}\n", refusal.reason()))
}

async fn answer(
    request: Request<Incoming>,
    mut latest: Latest,
    asked: mpsc::Sender<Asked>,
) -> Response<Full<Bytes>> {
    if request.uri().path() == acks::PATH {
        return acknowledge(request, asked).await;
    }
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
