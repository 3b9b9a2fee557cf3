//! Polite HTTP for CI APIs, so that a screen left on for weeks never exhausts a team's token:
//!
//! - conditional requests: the last `ETag` of every URL is sent back as `If-None-Match`, and a
//!   304 reuses the cached body (GitHub does not count such answers against the rate limit);
//! - rate-limit headers (`x-ratelimit-*`, `ratelimit-*`) are read on every answer. A tenth of the
//!   limit is kept in reserve for the team's other tools; the rest is spread evenly until the
//!   reset: each request pushes the host's next poll back by (time to reset) / (requests left
//!   beyond the reserve), and pollers wait for that (`ready_at`) when it is later than their
//!   interval. So a screen slows down long before the limit instead of running into it. With
//!   the reserve reached, the host is rested until the reset; 429, and 403 with `retry-after` or
//!   nothing remaining, rest it as the server says;
//! - a budget of requests per host and hour (configurable, 2,000 by default), shared by every
//!   source talking to that host;
//! - bounded pagination following `link: rel="next"` or GitLab's `x-next-page`.
//!
//! A rested host fails the poll with "rate limited until 14:05"; the radiator keeps the last
//! data on screen, marked stale, with that reason. A paced host is not limited: its sources
//! simply poll less often.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::model::Timestamp;
use crate::sources::hosts::{HOST_BUDGET_PER_HOUR, host_of, rate_limited};
use crate::sources::{Cause, SourceError, http};

/// Most pages read of any one list.
pub const MAX_PAGES: usize = 3;

/// The `rel="next"` target of a `link` header.
pub fn link_next(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

/// GitLab's `x-next-page: 3` (empty on the last page) as the next page's URL.
pub fn next_page_number(url: &str, headers: &HeaderMap) -> Option<String> {
    let page = headers.get("x-next-page")?.to_str().ok()?.trim();
    if page.is_empty() {
        return None;
    }
    let mut parsed = reqwest::Url::parse(url).ok()?;
    let others: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(others)
        .append_pair("page", page);
    Some(parsed.to_string())
}

#[derive(Debug, Clone)]
struct Cached {
    etag: HeaderValue,
    body: String,
    next: Option<String>,
}

/// One page of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub body: String,
    pub next: Option<String>,
    /// True when the server answered 304 and the body came from the cache.
    pub not_modified: bool,
}

/// Why one answer will not come however often it is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub reason: String,
    pub cause: Cause,
}

impl From<SourceError> for Unavailable {
    fn from(error: SourceError) -> Unavailable {
        Unavailable {
            reason: error.reason,
            cause: error.cause,
        }
    }
}

/// A source's polite HTTP client: its own ETag cache, the shared per-host state.
pub struct Polite {
    client: http::Client,
    cache: Mutex<HashMap<String, Cached>>,
    budget_per_hour: AtomicU32,
    /// Hosts this client has talked to, whose pace its source follows.
    hosts: Mutex<BTreeSet<String>>,
}

impl Polite {
    pub fn new(client: http::Client) -> Polite {
        Polite {
            client,
            cache: Mutex::default(),
            budget_per_hour: AtomicU32::new(HOST_BUDGET_PER_HOUR),
            hosts: Mutex::default(),
        }
    }

    /// The requests per hour this client's hosts may take (the config's `[http]` budget).
    pub fn set_budget(&self, per_hour: u32) {
        self.budget_per_hour
            .store(per_hour.max(1), Ordering::Relaxed);
    }

    /// When the next poll may start without outrunning a host's rate limit; None when now.
    pub fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        let hosts = self.hosts.lock().ok()?.clone();
        hosts
            .iter()
            .filter_map(|host| self.client.hosts().ready_at(host, now))
            .max()
    }

    /// GET `url` with `headers` (credentials among them, marked sensitive by the caller).
    pub async fn get(&self, url: &str, headers: &HeaderMap) -> Result<Page, SourceError> {
        self.fetch(url, headers)
            .await?
            .map_err(|missing| SourceError::of(missing.cause, missing.reason))
    }

    /// Like `get`, but an answer that will never come (404, 422, a body over the cap) is the
    /// inner error rather than a failed poll: for details the caller can do without.
    async fn fetch(
        &self,
        url: &str,
        headers: &HeaderMap,
    ) -> Result<Result<Page, Unavailable>, SourceError> {
        let host = host_of(url);
        if let Ok(mut hosts) = self.hosts.lock()
            && !hosts.contains(&host)
        {
            hosts.insert(host.clone());
        }
        self.client.hosts().admit(
            &host,
            Utc::now(),
            self.budget_per_hour.load(Ordering::Relaxed),
        )?;
        let cached = self
            .cache
            .lock()
            .ok()
            .and_then(|cache| cache.get(url).cloned());
        let mut request = self.client.get(url).headers(headers.clone());
        if let Some(cached) = &cached {
            request = request.header(header::IF_NONE_MATCH, cached.etag.clone());
        }
        let response = request.send().await.map_err(|e| http::describe(&e))?;
        let status = response.status();
        super::requests::note(status.as_u16());
        let response_headers = response.headers().clone();
        if let Some(until) =
            self.client
                .hosts()
                .observe(&host, status, &response_headers, Utc::now())
        {
            return Err(rate_limited(until));
        }
        if status == StatusCode::NOT_MODIFIED {
            if let Some(cached) = cached {
                return Ok(Ok(Page {
                    body: cached.body,
                    next: cached.next,
                    not_modified: true,
                }));
            }
            return Err(SourceError::of(
                Cause::Malformed,
                "HTTP 304 for a request never answered before",
            ));
        }
        let body = match http::read_capped(response, http::body_limit()).await {
            Ok(body) => body,
            Err(err) if err.reason.starts_with(http::TOO_LARGE) => {
                return Ok(Err(Unavailable::from(err)));
            }
            Err(err) => return Err(err),
        };
        if !status.is_success() {
            let excerpt = http::excerpt(&body);
            let reason = match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    format!("HTTP {status}: check the source's token ({excerpt})")
                }
                _ if excerpt.is_empty() => format!("HTTP {status}"),
                _ => format!("HTTP {status}: {excerpt}"),
            };
            let code = status.as_u16();
            let cause = match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    Cause::Auth { status: Some(code) }
                }
                _ => Cause::Status(code),
            };
            let error = SourceError::of(cause, reason);
            if matches!(
                status,
                StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
            ) {
                return Ok(Err(Unavailable::from(error)));
            }
            return Err(error);
        }
        let next =
            link_next(&response_headers).or_else(|| next_page_number(url, &response_headers));
        if let Some(etag) = response_headers.get(header::ETAG)
            && let Ok(mut cache) = self.cache.lock()
        {
            cache.insert(
                url.to_string(),
                Cached {
                    etag: etag.clone(),
                    body: body.clone(),
                    next: next.clone(),
                },
            );
        }
        Ok(Ok(Page {
            body,
            next,
            not_modified: false,
        }))
    }

    /// GET `url` as JSON, or why this one answer cannot be had (missing, refused as
    /// unprocessable, too large, not the JSON expected); rate limits, network and server
    /// failures still fail the poll.
    pub async fn get_json_if_available<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        headers: &HeaderMap,
        what: &str,
    ) -> Result<Result<T, Unavailable>, SourceError> {
        Ok(match self.fetch(url, headers).await? {
            Ok(page) => parse_json(&page.body, what).map_err(Unavailable::from),
            Err(missing) => Err(missing),
        })
    }

    /// GET `url` and parse it as JSON; an HTML page or other text gets a clear reason.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        headers: &HeaderMap,
        what: &str,
    ) -> Result<(T, Option<String>), SourceError> {
        let page = self.get(url, headers).await?;
        Ok((parse_json(&page.body, what)?, page.next))
    }

    /// Up to `MAX_PAGES` pages of a JSON list, concatenated.
    pub async fn get_pages<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        headers: &HeaderMap,
        what: &str,
    ) -> Result<Vec<T>, SourceError> {
        let mut items = Vec::new();
        let mut next = Some(url.to_string());
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let (page, following): (Vec<T>, _) = self.get_json(&url, headers, what).await?;
            if page.is_empty() {
                break;
            }
            items.extend(page);
            next = following;
        }
        Ok(items)
    }
}

/// JSON, or a reason that says what came instead (a login page, a proxy's error page).
pub fn parse_json<T: serde::de::DeserializeOwned>(
    body: &str,
    what: &str,
) -> Result<T, SourceError> {
    serde_json::from_str(body).map_err(|e| {
        let start = body.trim_start();
        if start.starts_with('<') {
            SourceError::of(
                Cause::Malformed,
                format!(
                    "{what}: expected JSON, got an HTML page ({})",
                    http::excerpt(body)
                ),
            )
        } else {
            SourceError::malformed(what, e)
        }
    })
}

/// A header value that reqwest and its logs treat as sensitive.
pub fn sensitive(value: &str) -> Result<HeaderValue, SourceError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        SourceError::of(
            Cause::Auth { status: None },
            "the token holds characters not allowed in a header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn link_header_next_is_found() {
        let h = headers(&[(
            "link",
            "<https://api.github.com/x?page=2>; rel=\"next\", <https://api.github.com/x?page=5>; rel=\"last\"",
        )]);
        assert_eq!(
            link_next(&h).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        let last = headers(&[("link", "<https://a/x?page=1>; rel=\"prev\"")]);
        assert_eq!(link_next(&last), None);
    }

    #[test]
    fn gitlab_next_page_replaces_the_page_parameter() {
        let h = headers(&[("x-next-page", "2")]);
        assert_eq!(
            next_page_number("https://g/api/v4/p?ref=main&page=1&per_page=100", &h).as_deref(),
            Some("https://g/api/v4/p?ref=main&per_page=100&page=2")
        );
        assert_eq!(
            next_page_number("https://g/x", &headers(&[("x-next-page", "")])),
            None
        );
    }

    #[test]
    fn html_in_place_of_json_is_named() {
        let err =
            parse_json::<serde_json::Value>("<!DOCTYPE html><html>Sign in", "runs").unwrap_err();
        assert!(err.reason.contains("got an HTML page"), "{err}");
    }

    async fn serving(response: wiremock::ResponseTemplate) -> wiremock::MockServer {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(response)
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn a_ci_api_refusing_the_token_is_an_auth_failure() {
        let server = serving(wiremock::ResponseTemplate::new(401).set_body_string("{}")).await;
        let polite = Polite::new(http::client());
        let err = polite
            .get(&server.uri(), &HeaderMap::new())
            .await
            .unwrap_err();
        assert_eq!(err.cause, Cause::Auth { status: Some(401) }, "{err}");
        assert!(err.reason.contains("check the source's token"), "{err}");
    }

    #[tokio::test]
    async fn a_ci_api_answering_429_with_retry_after_is_rate_limited() {
        let server =
            serving(wiremock::ResponseTemplate::new(429).insert_header("retry-after", "60")).await;
        let polite = Polite::new(http::client());
        let before = Utc::now();
        let err = polite
            .get(&server.uri(), &HeaderMap::new())
            .await
            .unwrap_err();
        let Cause::RateLimited { until } = err.cause else {
            panic!("not rate limited: {err:?}");
        };
        assert!((58..=62).contains(&(until - before).num_seconds()), "{err}");
    }

    #[tokio::test]
    async fn a_body_that_is_not_the_json_expected_is_malformed() {
        let server =
            serving(wiremock::ResponseTemplate::new(200).set_body_string("<html>sign in</html>"))
                .await;
        let polite = Polite::new(http::client());
        let err = polite
            .get_json::<serde_json::Value>(&server.uri(), &HeaderMap::new(), "runs")
            .await
            .unwrap_err();
        assert_eq!(err.cause, Cause::Malformed, "{err}");
        let server =
            serving(wiremock::ResponseTemplate::new(200).set_body_string("{\"runs\": ")).await;
        let err = polite
            .get_json::<serde_json::Value>(&server.uri(), &HeaderMap::new(), "runs")
            .await
            .unwrap_err();
        assert_eq!(err.cause, Cause::Malformed, "{err}");
    }
}
