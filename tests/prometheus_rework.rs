//! DORA's newer keys against a real Prometheus with backfilled Pelorus-style event gauges:
//! `andon --once --json` gives the deployment rework rate, the failed deployment recovery
//! time and their 2025 scores worked out by hand below.
//!
//! The events, as offsets from now (30-day window):
//!
//! | deploy | app | image | commit | at | |
//! |---|---|---|---|---|---|
//! | D1 | checkout | i1 | c1 | -20 d | |
//! | D2 | checkout | i2 | c2 | -15 d | incident 201 opens at -15 d + 1 h: D2 failed |
//! | D3 | checkout | i3 | c3 | -15 d + 5 h | 201 still open: rework by `fix` |
//! | D4 | checkout | i4 | c1 | -10 d | c1 again, after c3: rework by `rollback` |
//! | D5 | checkout | i5 | c5 | -5 d | incident 202 opens at -5 d + 2 h: D5 failed |
//! | D6 | checkout | i6 | c6 | -2 d | 202 resolved at -5 d + 8 h: planned, not rework |
//! | S1 | search | s1 | - | -12 d | incident 301 opens at -12 d + 1 h, never resolved: S1 failed |
//! | S2 | search | s2 | - | -3 d | 301 still open: rework by `fix` |
//!
//! - Rework: D3, D4, S2 of 8 deployments: 3/8 = 0.375 (fix 2, rollback 1, marked 0: the
//!   Pelorus gauges carry no revert or hotfix label). checkout 2 of 6, search 1 of 2.
//! - Change failure rate: D2, D5, S1 of 8 = 0.375.
//! - Failed deployment recovery time: D2 recovered when 201 was resolved at -14 d: 86 400 s;
//!   D5 when 202 was resolved at -5 d + 8 h: 28 800 s; S1 has not recovered. n = 2, median
//!   57 600 s (16 h): tier high (under a day), 2025 band 5 (under a day), score 8.
//! - Time to restore keeps its meaning: 201 open 23 h (82 800 s), 202 6 h (21 600 s); median
//!   52 200 s.
//! - Scores: change failure 10 - 37.5 / 10 = 6.25, rework 6.25, stability 6.25 against the
//!   all-industries 7.9 ± 2.0.

mod support;

use support::prometheus::{OpenMetrics, TestPrometheus};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

const DEPLOY: &str = "deploy_timestamp";
const CREATED: &str = "failure_creation_timestamp";
const RESOLVED: &str = "failure_resolution_timestamp";

/// (metric, labels, event time as an offset from now)
type Event = (&'static str, &'static [(&'static str, &'static str)], i64);

const EVENTS: &[Event] = &[
    (
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "i1"), ("commit", "c1")],
        -20 * DAY,
    ),
    (
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "i2"), ("commit", "c2")],
        -15 * DAY,
    ),
    (
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "i3"), ("commit", "c3")],
        -15 * DAY + 5 * HOUR,
    ),
    (
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "i4"), ("commit", "c1")],
        -10 * DAY,
    ),
    (
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "i5"), ("commit", "c5")],
        -5 * DAY,
    ),
    (
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "i6"), ("commit", "c6")],
        -2 * DAY,
    ),
    (DEPLOY, &[("app", "search"), ("image_sha", "s1")], -12 * DAY),
    (DEPLOY, &[("app", "search"), ("image_sha", "s2")], -3 * DAY),
    (
        CREATED,
        &[("app", "checkout"), ("issue_number", "201")],
        -15 * DAY + HOUR,
    ),
    (
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "201")],
        -14 * DAY,
    ),
    (
        CREATED,
        &[("app", "checkout"), ("issue_number", "202")],
        -5 * DAY + 2 * HOUR,
    ),
    (
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "202")],
        -5 * DAY + 8 * HOUR,
    ),
    (
        CREATED,
        &[("app", "search"), ("issue_number", "301")],
        -12 * DAY + HOUR,
    ),
];

/// Each gauge written at its event and then daily until now, its value the event time.
fn history(now: i64) -> OpenMetrics {
    let mut history = OpenMetrics::new();
    for &(metric, labels, offset) in EVENTS {
        let at = now + offset;
        let first_scrape = (at / DAY + 1) * DAY;
        let samples: Vec<(i64, f64)> = std::iter::once(at)
            .chain((first_scrape..now).step_by(DAY as usize))
            .chain(std::iter::once(now))
            .map(|t| (t, at as f64))
            .collect();
        history.gauge(metric, labels, &samples);
    }
    history
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rework_and_recovery_from_pelorus_gauges_in_once_json() {
    // A minute in the past so every sample is behind the server's clock.
    let now = chrono::Utc::now().timestamp() - 60;
    let prometheus = TestPrometheus::start(&history(now)).await;
    let config_text = format!(
        "[dora]\nwindow = \"30d\"\n[[source]]\nname = \"prom\"\nkind = \"prometheus\"\n\
         url = \"{}\"\ntimeout = \"10s\"\n",
        prometheus.url
    );
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("andon.toml");
    std::fs::write(&config_path, config_text).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_andon"))
            .args(["--once", "--json", "--config"])
            .arg(&config_path)
            .env("XDG_STATE_HOME", dir.path())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(json["sources"][0]["state"], "ok", "{json:#}");
    let dora = &json["dora"];
    let close = |value: &serde_json::Value, expected: f64| {
        let got = value
            .as_f64()
            .unwrap_or_else(|| panic!("{value} is not a number"));
        assert!((got - expected).abs() < 1e-6, "{got} != {expected}");
    };

    let rework = &dora["deployment_rework_rate"];
    assert_eq!(rework["deployments"], 8, "{rework:#}");
    assert_eq!(rework["rework"], 3, "{rework:#}");
    close(&rework["ratio"], 0.375);
    assert_eq!(
        rework["by_rule"],
        serde_json::json!({"fix": 2, "rollback": 1, "marked": 0})
    );
    assert_eq!(dora["change_failure_rate"]["failed"], 3);

    let recovery = &dora["failed_deployment_recovery_time"];
    assert_eq!(recovery["n"], 2, "{recovery:#}");
    close(&recovery["median_seconds"], 57_600.0);
    assert_eq!(recovery["tier"], "high");
    let restore = &dora["time_to_restore"];
    assert_eq!(restore["n"], 2);
    close(&restore["median_seconds"], 52_200.0);

    let scores = &dora["scores"];
    assert_eq!(scores["edition"], "2025");
    assert_eq!(scores["industry"], "all");
    let fdrt = &scores["failed_deployment_recovery_time"];
    assert_eq!(
        (fdrt["band"].as_u64(), fdrt["score"].as_f64()),
        (Some(5), Some(8.0))
    );
    close(&fdrt["benchmark_mean"], 7.4);
    close(&scores["change_failure_rate"]["score"], 6.25);
    close(&scores["deployment_rework_rate"]["score"], 6.25);
    close(&scores["deployment_rework_rate"]["benchmark_mean"], 7.8);
    assert_eq!(
        scores["deployment_rework_rate"]["band"],
        serde_json::Value::Null
    );
    let stability = &scores["stability"];
    close(&stability["score"], 6.25);
    assert_eq!(stability["keys"], 2);
    close(&stability["benchmark_mean"], 7.9);
    assert_eq!(
        scores["lead_time"],
        serde_json::Value::Null,
        "no commit gauges"
    );

    let services = dora["by_service"].as_array().unwrap();
    let of = |app: &str| {
        services
            .iter()
            .find(|s| s["app"] == app)
            .unwrap_or_else(|| panic!("{app} in {services:?}"))
    };
    assert_eq!(of("checkout")["deployment_rework_rate"]["rework"], 2);
    assert_eq!(of("checkout")["deployment_rework_rate"]["deployments"], 6);
    assert_eq!(of("search")["deployment_rework_rate"]["rework"], 1);
    assert_eq!(of("search")["failed_deployment_recovery_time"]["n"], 0);
    assert_eq!(json["escalated"], false);
}
