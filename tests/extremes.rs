//! Every duration and time calculation fed the ends of its range: the config's durations (as
//! far as the config lets them through, and past it), backoff and pacing, rate-limit spacing,
//! staleness, DORA windows and `--since`. Nothing may panic; what is refused says where.

use std::time::Duration;

use andon::config::{MAX_DURATION, MAX_STALE_AFTER};
use andon::dora::{self, Benchmark};
use andon::model::{DoraEvents, Timestamp};
use andon::poller::{backoff, paced};
use andon::setup;
use andon::sources::hosts::{self, Pace, ready_after, spacing};
use andon::state::{Freshness, SourceState};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

/// Any instant chrono can hold.
fn instant() -> impl Strategy<Value = Timestamp> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    prop_oneof![
        Just(DateTime::<Utc>::MIN_UTC),
        Just(DateTime::<Utc>::MAX_UTC),
        (min..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
        (0i64..4_000_000_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap()),
    ]
}

/// Any std duration, the ends included.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(MAX_DURATION),
        any::<u64>().prop_map(Duration::from_secs),
        any::<u64>().prop_map(Duration::from_millis),
        (0u64..10_000_000).prop_map(Duration::from_secs),
    ]
}

/// Any chrono delta, the ends included.
fn delta() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        Just(TimeDelta::MIN),
        Just(TimeDelta::MAX),
        Just(TimeDelta::zero()),
        (i64::MIN / 1000..=i64::MAX / 1000).prop_map(TimeDelta::milliseconds),
        (-10_000_000i64..10_000_000).prop_map(TimeDelta::seconds),
    ]
}

/// A duration as a config writes it, from sensible to absurd.
fn duration_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u64>(), "(ns|us|ms|s|m|h|d|w|M|y)").prop_map(|(n, u)| format!("{n}{u}")),
        (0u64..100_000, "(s|m|h|d|y)").prop_map(|(n, u)| format!("{n}{u}")),
        "[0-9]{1,30}(y|d)",
        "[ -~]{0,12}",
    ]
}

proptest! {
    #[test]
    fn backoff_is_bounded_for_any_input(
        failures in any::<u32>(),
        interval in duration(),
        max in duration(),
        jitter in any::<f64>(),
    ) {
        let wait = backoff(failures, interval, max, jitter);
        prop_assert!(wait >= interval.min(max.max(interval)));
        prop_assert!(wait <= max.max(interval));
    }

    #[test]
    fn pacing_never_shortens_a_wait(delay in duration(), ready in proptest::option::of(instant()), now in instant()) {
        prop_assert!(paced(delay, ready, now) >= delay);
    }

    #[test]
    fn spacing_and_ready_after_never_panic(
        remaining in any::<u64>(),
        limit in proptest::option::of(any::<u64>()),
        until_reset in delta(),
        previous in proptest::option::of(instant()),
        now in instant(),
        reset in instant(),
    ) {
        if let Some(each) = spacing(remaining, limit, until_reset) {
            prop_assert!(each > TimeDelta::zero());
            let ready = ready_after(previous, now, Pace { spacing: each, reset });
            prop_assert!(ready >= now.min(reset.max(now)));
        }
    }

    #[test]
    fn staleness_is_decided_for_any_interval_and_clock(
        interval in duration(),
        timeout in duration(),
        stale_after in any::<u32>(),
        success in instant(),
        now in instant(),
    ) {
        let config = setup::parse("[[source]]\nname = \"d\"\nkind = \"demo\"\n", "x.toml").unwrap();
        let mut state = SourceState::new(&config.sources[0]);
        state.interval = interval;
        state.timeout = timeout;
        state.stale_after = stale_after;
        state.last_attempt = Some(success);
        state.last_success = Some(success);
        let freshness = state.freshness(now);
        prop_assert!(matches!(freshness, Freshness::Ok | Freshness::Stale));
    }

    #[test]
    fn dora_windows_of_any_length_at_any_time_never_panic(window in duration(), now in instant()) {
        let _ = dora::compute(&DoraEvents::default(), now, window, Benchmark::Dora2023);
    }

    #[test]
    fn every_duration_field_is_read_or_refused_with_where(text in duration_text(), field in 0usize..7) {
        let config = match field {
            0 => format!("[dora]\nwindow = {text:?}\n"),
            1 => format!("[display]\nrotate = {text:?}\n"),
            2 => format!("[[source]]\nname = \"a\"\nkind = \"demo\"\ninterval = {text:?}\n"),
            3 => format!("[[source]]\nname = \"a\"\nkind = \"demo\"\ntimeout = {text:?}\n"),
            4 => format!("[[source]]\nname = \"a\"\nkind = \"cctray\"\nurl = \"http://h\"\nbackoff_max = {text:?}\n"),
            5 => format!("[[source]]\nname = \"a\"\nkind = \"prometheus\"\nurl = \"http://h\"\nlookback = {text:?}\n"),
            _ => format!("[[source]]\nname = \"a\"\nkind = \"demo\"\ninterval = \"3650d\"\nstale_after = {}\n", text.len() as u64 * 1_000_000_000),
        };
        match setup::parse(&config, "x.toml") {
            Ok(parsed) => {
                prop_assert!(parsed.dora.window <= MAX_DURATION);
                for s in &parsed.sources {
                    prop_assert!(s.interval <= MAX_DURATION && s.timeout <= MAX_DURATION);
                    prop_assert!(s.stale_after <= MAX_STALE_AFTER);
                    prop_assert!(s.transport.backoff_max <= MAX_DURATION);
                }
                // The view of a config that passed is computed without a panic.
                let state = andon::state::State::new(&parsed);
                let now = Utc::now();
                let report = andon::view::dora_report(&parsed, &state, now);
                let _ = andon::view::build(&parsed, &state, report, now);
            }
            Err(e) => prop_assert!(e.line >= 1 && !e.field.is_empty(), "{e}"),
        }
    }

    #[test]
    fn since_any_period_never_panics(period in duration()) {
        let config = setup::load(None).unwrap();
        let state = andon::state::State::new(&config);
        let now = Utc::now();
        let view = andon::view::build(&config, &state, andon::view::dora_report(&config, &state, now), now);
        let events = andon::view::merged_events(&state);
        let _ = andon::output::since(&view, &events, period, andon::output::Paint(None));
        let _ = andon::output::since_json(&view, &events, period);
    }

    #[test]
    fn a_rest_is_never_longer_than_an_hour(seconds in any::<u64>(), epoch in any::<u64>(), now in 0i64..8_000_000_000) {
        use reqwest::header::{HeaderMap, HeaderValue};
        let now = DateTime::from_timestamp(now, 0).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_str(&seconds.to_string()).unwrap());
        headers.insert("x-ratelimit-reset", HeaderValue::from_str(&epoch.to_string()).unwrap());
        for at in [hosts::retry_after(&headers, now), hosts::reset_time(&headers, now)].into_iter().flatten() {
            prop_assert!(at >= now && at <= now + hosts::MAX_REST, "{at}");
        }
    }
}

#[test]
fn the_ends_of_the_config_ranges_are_accepted_and_one_past_them_refused() {
    let at_max = setup::parse(
        "[dora]\nwindow = \"3650d\"\n[[source]]\nname = \"a\"\nkind = \"demo\"\n\
         interval = \"3650d\"\nstale_after = 10000\n",
        "x.toml",
    )
    .unwrap();
    assert_eq!(at_max.sources[0].stale_after, MAX_STALE_AFTER);
    let e = setup::parse("[dora]\nwindow = \"3651d\"\n", "x.toml").unwrap_err();
    assert_eq!((e.line, e.column, e.field.as_str()), (2, 10, "dora.window"));
    assert!(e.message.contains("at most 3650d"), "{e}");
    let e = setup::parse(
        "[[source]]\nname = \"a\"\nkind = \"demo\"\nstale_after = 10001\n",
        "x.toml",
    )
    .unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (4, "source[0].stale_after"));
}
