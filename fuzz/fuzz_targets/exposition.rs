//! /metrics pages, through to DORA events and figures.
#![no_main]

use std::time::Duration;

use andon::config::EventNames;
use andon::dora::{self, Benchmark};
use andon::sources::{exposition, pelorus};
use chrono::TimeZone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match exposition::parse(&text) {
        Ok(series) => {
            let events = pelorus::to_events(&series, &EventNames::default()).events;
            let now = chrono::Utc.timestamp_opt(1_800_000_000, 0).unwrap();
            let _ = dora::compute(&events, now, Duration::from_secs(30 * 86_400), Benchmark::Dora2023);
        }
        Err(e) => assert!(!e.reason.is_empty()),
    }
});
