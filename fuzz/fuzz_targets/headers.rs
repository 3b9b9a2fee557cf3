//! Rate-limit, Retry-After and paging headers as a server may send them: every value the
//! polite client reads, at any status. Nothing may panic, and no rest may reach past an hour.
#![no_main]

use andon::sources::polite;
use chrono::{TimeDelta, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

const NAMES: [&str; 10] = [
    "retry-after",
    "x-ratelimit-reset",
    "ratelimit-reset",
    "x-ratelimit-remaining",
    "ratelimit-remaining",
    "x-ratelimit-limit",
    "ratelimit-limit",
    "link",
    "x-next-page",
    "etag",
];

fuzz_target!(|data: &[u8]| {
    let Some((&status, rest)) = data.split_first() else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (i, value) in rest.split(|&b| b == b'\n').enumerate() {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(HeaderName::from_static(NAMES[i % NAMES.len()]), value);
        }
    }
    let statuses = [200, 304, 403, 429, 503];
    let status = StatusCode::from_u16(statuses[status as usize % statuses.len()]).unwrap();
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    let latest = now + polite::MAX_REST;
    for at in [polite::retry_after(&headers, now), polite::reset_time(&headers, now)]
        .into_iter()
        .flatten()
    {
        assert!(at >= now && at <= latest, "{at} outside [now, now + 1h]");
    }
    if let Some(until) = polite::observe("fuzz.invalid:0", status, &headers, now) {
        assert!(until <= latest + TimeDelta::seconds(1), "{until}");
    }
    let _ = polite::link_next(&headers);
    let _ = polite::next_page_number("https://gitlab.example/api/v4/x?page=1", &headers);
});
