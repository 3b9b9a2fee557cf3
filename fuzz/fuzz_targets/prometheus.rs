//! Prometheus API answers under any status, through to the board and DORA events.
#![no_main]

use andon::config::{BoardQuery, EventNames};
use andon::sources::{pelorus, prometheus};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let status = [200u16, 400, 422, 500, 503][usize::from(first) % 5];
    let status = reqwest::StatusCode::from_u16(status).unwrap();
    let text = String::from_utf8_lossy(rest);
    match prometheus::parse_response(status, &text) {
        Ok(series) => {
            let board = BoardQuery {
                query: "q".into(),
                pipeline_label: "project".into(),
                stage_label: "stage".into(),
                status_label: "status".into(),
            };
            let _ = prometheus::pipelines_from_series(&series, &board);
            let _ = pelorus::to_events(&series, &EventNames::default());
        }
        Err(e) => assert!(!e.reason.is_empty()),
    }
});
