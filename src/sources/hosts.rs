//! What every source talking to one host shares: its rest after a rate limit, its pace (rate
//! limit headers spread the requests left until the reset, keeping a tenth in reserve) and its
//! budget of requests per hour. Plain feeds and CI APIs alike follow it.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Local, TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

use crate::model::Timestamp;
use crate::sources::{Cause, SourceError};

pub use crate::config::HOST_BUDGET_PER_HOUR;
/// Fraction of a server's rate limit kept in reserve for the team's other tools.
const RESERVE_DIVISOR: u64 = 10;
/// Rest when rate limited and the server names no time.
const DEFAULT_REST: TimeDelta = TimeDelta::seconds(60);

#[derive(Debug, Default)]
struct HostState {
    /// No request before this time.
    rest_until: Option<Timestamp>,
    /// Even spacing of requests that makes the server's remaining budget last until its reset.
    pace: Option<Pace>,
    /// Polls of this host's sources wait until then (each request pushes it back).
    ready_at: Option<Timestamp>,
    /// The last answer's remaining requests and reset, to tell whether a 304 was counted.
    last_limit: Option<(u64, Timestamp)>,
    window_start: Option<Timestamp>,
    used_in_window: u32,
    /// Requests made over the process's life, for tests and measurements.
    total: u64,
}

/// The rest, pace and request budget of every host the sources talk to. Made once (next to
/// the shared HTTP clients) and handed to every source, so that all sources on one host
/// spend one budget and keep one rest.
#[derive(Debug, Default)]
pub struct Hosts {
    states: Mutex<HashMap<String, HostState>>,
}

impl Hosts {
    pub fn new() -> Hosts {
        Hosts::default()
    }

    /// Requests sent to `host` (host:port) since these hosts were made.
    pub fn requests_sent(&self, host: &str) -> u64 {
        self.states
            .lock()
            .map(|hosts| hosts.get(host).map_or(0, |h| h.total))
            .unwrap_or(0)
    }

    /// Takes one request from the host's budget, or says why not.
    pub fn admit(&self, host: &str, now: Timestamp, budget: u32) -> Result<(), SourceError> {
        let mut hosts = self
            .states
            .lock()
            .map_err(|_| SourceError::of(Cause::Internal, "internal lock poisoned"))?;
        let state = hosts.entry(host.to_string()).or_default();
        if let Some(until) = state.rest_until {
            if until > now {
                return Err(rate_limited(until));
            }
            state.rest_until = None;
        }
        let start = *state.window_start.get_or_insert(now);
        if now - start >= TimeDelta::hours(1) {
            state.window_start = Some(now);
            state.used_in_window = 0;
        }
        if state.used_in_window >= budget {
            let until = start + TimeDelta::hours(1);
            return Err(SourceError::of(
                Cause::RateLimited { until },
                format!(
                    "{} (andon's budget of {budget} requests/h to {host} is spent)",
                    limited_until(until)
                ),
            ));
        }
        state.used_in_window += 1;
        state.total += 1;
        Ok(())
    }

    /// Fails when `host` is resting after a 429 or a spent limit: for plain HTTP sources (cctray,
    /// /metrics, Prometheus), which follow the server's rest and pace but spend no host budget.
    pub fn check_rest(&self, host: &str, now: Timestamp) -> Result<(), SourceError> {
        let mut hosts = self
            .states
            .lock()
            .map_err(|_| SourceError::of(Cause::Internal, "internal lock poisoned"))?;
        let state = hosts.entry(host.to_string()).or_default();
        if let Some(until) = state.rest_until {
            if until > now {
                return Err(rate_limited(until));
            }
            state.rest_until = None;
        }
        state.total += 1;
        Ok(())
    }

    /// When a poll of `host` may start without outrunning its server's rate limit; None when now.
    pub fn ready_at(&self, host: &str, now: Timestamp) -> Option<Timestamp> {
        let hosts = self.states.lock().ok()?;
        hosts.get(host)?.ready_at.filter(|&at| at > now)
    }

    /// Reads the rate-limit headers of an answer and rests the host when the server asks to, or
    /// before the server would have to. Returns the rest's end when the answer itself is a refusal.
    pub fn observe(
        &self,
        host: &str,
        status: StatusCode,
        headers: &HeaderMap,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let remaining = header_number(headers, &["x-ratelimit-remaining", "ratelimit-remaining"]);
        let limit = header_number(headers, &["x-ratelimit-limit", "ratelimit-limit"]);
        let reset = reset_time(headers, now);
        let has_retry_after = headers.contains_key(header::RETRY_AFTER);
        let refused = status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::SERVICE_UNAVAILABLE && has_retry_after)
            || (status == StatusCode::FORBIDDEN && (has_retry_after || remaining == Some(0)));
        if refused {
            let until = retry_after(headers, now)
                .or(reset)
                .unwrap_or(now + DEFAULT_REST)
                .max(now + TimeDelta::seconds(1));
            self.rest(host, until);
            return Some(until);
        }
        let not_modified = status == StatusCode::NOT_MODIFIED;
        if let (Some(remaining), Some(reset)) = (remaining, reset) {
            let seen = (remaining, reset);
            match spacing(remaining, limit, reset - now) {
                Some(spacing) => {
                    self.set_pace(host, Some(Pace { spacing, reset }), not_modified, seen, now)
                }
                None if reset > now => {
                    tracing::warn!(
                        host,
                        remaining,
                        "rate limit nearly spent; resting until the reset"
                    );
                    self.set_pace(host, None, not_modified, seen, now);
                    self.rest(host, reset);
                }
                None => self.set_pace(host, None, not_modified, seen, now),
            }
        }
        None
    }

    /// Records the host's pace from an answer at `now`; an answer that counted against the limit
    /// pushes the host's next poll back by one spacing.
    fn set_pace(
        &self,
        host: &str,
        pace: Option<Pace>,
        not_modified: bool,
        limit: (u64, Timestamp),
        now: Timestamp,
    ) {
        if let Ok(mut hosts) = self.states.lock() {
            let state = hosts.entry(host.to_string()).or_default();
            let counted = counted(not_modified, state.last_limit, limit);
            state.last_limit = Some(limit);
            if let Some(pace) = pace.filter(|_| counted) {
                state.ready_at = Some(ready_after(state.ready_at, now, pace));
            }
            if pace != state.pace
                && let Some(p) = pace
                && p.spacing >= TimeDelta::seconds(1)
            {
                tracing::debug!(
                    host,
                    spacing_ms = p.spacing.num_milliseconds(),
                    "pacing requests to last until the rate limit resets"
                );
            }
            state.pace = pace;
        }
    }

    fn rest(&self, host: &str, until: Timestamp) {
        if let Ok(mut hosts) = self.states.lock() {
            let state = hosts.entry(host.to_string()).or_default();
            state.rest_until = Some(state.rest_until.map_or(until, |u| u.max(until)));
        }
    }
}

pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// "rate limited until 14:05", in the viewer's local time.
pub fn limited_until(at: Timestamp) -> String {
    let local: DateTime<Local> = at.with_timezone(&Local);
    format!("rate limited until {}", local.format("%H:%M"))
}

/// The failure of a poll told to wait until `at`.
pub fn rate_limited(at: Timestamp) -> SourceError {
    SourceError::of(Cause::RateLimited { until: at }, limited_until(at))
}

/// How requests to a host are spread: one per `spacing`, until `reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub spacing: TimeDelta,
    pub reset: Timestamp,
}

/// The spacing between requests that makes `remaining` requests, less a tenth of `limit` kept
/// in reserve, last the `until_reset` left. None when nothing beyond the reserve is left (the
/// host is then rested) or the reset has passed.
pub fn spacing(remaining: u64, limit: Option<u64>, until_reset: TimeDelta) -> Option<TimeDelta> {
    let reserve = limit.map_or(1, |l| (l / RESERVE_DIVISOR).max(1));
    let usable = remaining.checked_sub(reserve).filter(|&u| u > 0)?;
    let millis = u64::try_from(until_reset.num_milliseconds())
        .ok()
        .filter(|&ms| ms > 0)?;
    let each = i64::try_from(millis.div_ceil(usable)).ok()?;
    Some(TimeDelta::milliseconds(each))
}

/// When the host's next poll may start, after a request at `now`: the previous debt, or now,
/// plus one spacing, never beyond the reset (when the server's budget is whole again).
pub fn ready_after(previous: Option<Timestamp>, now: Timestamp, pace: Pace) -> Timestamp {
    let from = previous.map_or(now, |p| p.max(now));
    from.checked_add_signed(pace.spacing)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        .min(pace.reset.max(now))
}

/// Whether an answer was counted against the limit: any but a 304, and a 304 when the
/// remaining count dropped (GitHub counts 304s of requests without a token).
pub fn counted(
    not_modified: bool,
    previous: Option<(u64, Timestamp)>,
    now: (u64, Timestamp),
) -> bool {
    match previous {
        _ if !not_modified => true,
        Some((remaining, reset)) if reset == now.1 => now.0 < remaining,
        _ => false,
    }
}

fn header_number(headers: &HeaderMap, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    })
}

/// The longest a server's word rests a host or holds its reset: an hour. GitHub's and
/// GitLab's windows reset within it; a server asking for a day (or for year 30000, or for
/// 2^63 seconds) is asked again after an hour instead of silencing the screen for good.
pub const MAX_REST: TimeDelta = TimeDelta::hours(1);

/// `until`, kept between now and `MAX_REST` from now.
fn clamped(until: Timestamp, now: Timestamp) -> Timestamp {
    until.clamp(now, now + MAX_REST)
}

/// A reset header: epoch seconds (GitHub, GitLab) or seconds from now (Buildkite, drafts),
/// clamped to `MAX_REST` from now.
pub fn reset_time(headers: &HeaderMap, now: Timestamp) -> Option<Timestamp> {
    let value = header_number(headers, &["x-ratelimit-reset", "ratelimit-reset"])?;
    let until = if value > 1_000_000_000 {
        DateTime::from_timestamp(i64::try_from(value).unwrap_or(i64::MAX), 0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    } else {
        now + TimeDelta::seconds(value as i64)
    };
    Some(clamped(until, now))
}

/// `retry-after` in seconds or as an HTTP date, clamped to `MAX_REST` from now.
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Timestamp> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let digits = value.strip_prefix('-').unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if value.starts_with('-') {
            return Some(now);
        }
        // More digits than u64 holds is still "a very long time".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        let seconds = seconds.min(MAX_REST.num_seconds() as u64) as i64;
        return Some(now + TimeDelta::seconds(seconds));
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|t| clamped(t.with_timezone(&Utc), now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn at(s: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + s, 0).unwrap()
    }

    #[test]
    fn reset_is_epoch_or_relative() {
        let now = at(0);
        let epoch = headers(&[("x-ratelimit-reset", "1790000600")]);
        assert_eq!(reset_time(&epoch, now), Some(at(600)));
        let relative = headers(&[("ratelimit-reset", "42")]);
        assert_eq!(reset_time(&relative, now), Some(at(42)));
    }

    #[test]
    fn nearly_spent_limit_rests_the_host_before_the_limit() {
        let hosts = Hosts::new();
        let host = "rest.example:443";
        let h = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "499"),
            ("x-ratelimit-reset", "1790000900"),
        ]);
        assert_eq!(hosts.observe(host, StatusCode::OK, &h, at(0)), None);
        let err = hosts.admit(host, at(10), HOST_BUDGET_PER_HOUR).unwrap_err();
        assert!(err.reason.starts_with("rate limited until "), "{err}");
        assert!(hosts.admit(host, at(901), HOST_BUDGET_PER_HOUR).is_ok());
    }

    #[test]
    fn plenty_left_does_not_rest() {
        let hosts = Hosts::new();
        let host = "plenty.example:443";
        let h = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4000"),
            ("x-ratelimit-reset", "1790000900"),
        ]);
        assert_eq!(hosts.observe(host, StatusCode::OK, &h, at(0)), None);
        assert!(hosts.admit(host, at(1), HOST_BUDGET_PER_HOUR).is_ok());
    }

    #[test]
    fn retry_after_on_429_and_403() {
        let hosts = Hosts::new();
        let h = headers(&[("retry-after", "120")]);
        assert_eq!(
            hosts.observe("r1.example:443", StatusCode::TOO_MANY_REQUESTS, &h, at(0)),
            Some(at(120))
        );
        assert_eq!(
            hosts.observe("r2.example:443", StatusCode::FORBIDDEN, &h, at(0)),
            Some(at(120))
        );
        // A 403 without rate-limit signs is a permission problem, not a rest.
        assert_eq!(
            hosts.observe(
                "r3.example:443",
                StatusCode::FORBIDDEN,
                &HeaderMap::new(),
                at(0)
            ),
            None
        );
    }

    #[test]
    fn the_host_budget_is_shared_and_bounded() {
        let hosts = Hosts::new();
        let host = "budget.example:443";
        for _ in 0..HOST_BUDGET_PER_HOUR {
            hosts.admit(host, at(0), HOST_BUDGET_PER_HOUR).unwrap();
        }
        let err = hosts.admit(host, at(5), HOST_BUDGET_PER_HOUR).unwrap_err();
        assert!(err.reason.contains("budget"), "{err}");
        assert!(hosts.admit(host, at(3600), HOST_BUDGET_PER_HOUR).is_ok());
        assert_eq!(
            hosts.requests_sent(host),
            u64::from(HOST_BUDGET_PER_HOUR) + 1
        );
    }

    #[test]
    fn a_configured_budget_is_the_one_spent() {
        let hosts = Hosts::new();
        let host = "small-budget.example:443";
        for _ in 0..3 {
            hosts.admit(host, at(0), 3).unwrap();
        }
        let err = hosts.admit(host, at(1), 3).unwrap_err();
        assert!(err.reason.contains("budget of 3 requests/h"), "{err}");
    }

    #[test]
    fn spacing_spreads_what_is_left_beyond_the_reserve_until_the_reset() {
        let hour = TimeDelta::hours(1);
        // 5000/h, 4500 left, reserve 500: 4000 requests over an hour, one per 900 ms.
        assert_eq!(
            spacing(4500, Some(5000), hour),
            Some(TimeDelta::milliseconds(900))
        );
        // 60/h without a token, 16 left, reserve 6: 10 requests over 10 minutes, one a minute.
        assert_eq!(
            spacing(16, Some(60), TimeDelta::minutes(10)),
            Some(TimeDelta::minutes(1))
        );
        // Fewer left: wider apart.
        assert_eq!(
            spacing(1000, Some(5000), hour),
            Some(TimeDelta::milliseconds(7200))
        );
        // The reserve reached, or the reset passed: no pace (the host is rested instead).
        assert_eq!(spacing(500, Some(5000), hour), None);
        assert_eq!(spacing(10, Some(60), hour), Some(TimeDelta::minutes(15)));
        assert_eq!(spacing(6, Some(60), hour), None);
        assert_eq!(spacing(4500, Some(5000), TimeDelta::zero()), None);
        // No limit header: keep one in reserve.
        assert_eq!(
            spacing(3, None, TimeDelta::seconds(10)),
            Some(TimeDelta::seconds(5))
        );
        // Rounded up, never zero while something is left to spread.
        assert_eq!(
            spacing(u64::MAX, Some(10), TimeDelta::seconds(1)),
            Some(TimeDelta::milliseconds(1))
        );
    }

    #[test]
    fn a_304_counts_only_when_the_remaining_count_drops() {
        let reset = at(600);
        assert!(counted(false, None, (10, reset)));
        assert!(counted(false, Some((10, reset)), (10, reset)));
        // Authorized 304s on GitHub leave the count alone.
        assert!(!counted(true, Some((10, reset)), (10, reset)));
        // Without a token they are counted.
        assert!(counted(true, Some((10, reset)), (9, reset)));
        // A new window, or nothing to compare with: not known to count.
        assert!(!counted(true, Some((3, at(0))), (59, reset)));
        assert!(!counted(true, None, (9, reset)));
    }

    #[test]
    fn each_request_pushes_the_next_poll_back_by_one_spacing_up_to_the_reset() {
        let pace = Pace {
            spacing: TimeDelta::seconds(60),
            reset: at(600),
        };
        let first = ready_after(None, at(0), pace);
        assert_eq!(first, at(60));
        // A burst of requests accumulates.
        let second = ready_after(Some(first), at(1), pace);
        assert_eq!(second, at(120));
        // A request long after the debt starts from now.
        assert_eq!(ready_after(Some(second), at(300), pace), at(360));
        // Never beyond the reset, when the server's budget is whole again.
        assert_eq!(ready_after(Some(at(590)), at(580), pace), at(600));
    }

    #[test]
    fn low_remaining_paces_the_host_and_plenty_hardly_does() {
        let hosts = Hosts::new();
        let host = "paced.example:443";
        let low = headers(&[
            ("x-ratelimit-limit", "60"),
            ("x-ratelimit-remaining", "16"),
            ("x-ratelimit-reset", "1790000600"),
        ]);
        for _ in 0..3 {
            assert_eq!(hosts.observe(host, StatusCode::OK, &low, at(1)), None);
        }
        // 10 usable over 599 s: 59.9 s each, three answers.
        assert_eq!(
            hosts.ready_at(host, at(2)),
            Some(at(1) + TimeDelta::milliseconds(3 * 59_900))
        );
        assert_eq!(hosts.ready_at(host, at(200)), None, "paid off");
        // A 304 that the server did not count (remaining unchanged) adds no wait.
        let cached = "paced-304.example:443";
        hosts.observe(cached, StatusCode::OK, &low, at(1));
        let after_one = hosts.ready_at(cached, at(1));
        hosts.observe(cached, StatusCode::NOT_MODIFIED, &low, at(1));
        assert_eq!(hosts.ready_at(cached, at(1)), after_one);

        let roomy = "roomy.example:443";
        let plenty = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4990"),
            ("x-ratelimit-reset", "1790003600"),
        ]);
        for _ in 0..10 {
            hosts.observe(roomy, StatusCode::OK, &plenty, at(0));
        }
        let ready = hosts.ready_at(roomy, at(0)).unwrap();
        assert!(ready - at(0) < TimeDelta::seconds(10), "{ready}");
    }
}
