//! The Prometheus source against a real Prometheus with backfilled Pelorus-style event gauges
//! and gitlab-ci-pipelines-exporter job series.
//!
//! The history is written relative to `now` (computed when the test runs, so it never goes
//! stale) and every query is pinned to `now`.

mod support;

use std::time::Duration;

use andon::config::{BoardQuery, EventNames};
use andon::model::{
    BuildStatus, Change, Deployment, Incident, Pipeline, StageStatus, Timestamp, UNATTRIBUTED_APP,
};
use andon::sources::prometheus::PrometheusConfig;
use andon::sources::prometheus::PrometheusSource;
use chrono::{DateTime, Utc};
use support::prometheus::{OpenMetrics, TestPrometheus};

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// How often the fixture's exporters wrote each event gauge (besides at the event and at the end).
const SCRAPE_EVERY: i64 = DAY;

/// The DORA figures the fixture's events give over the 30-day window `(now - 30d, now]`, by
/// the README's "The metrics" section, computed by hand (see the event tables below):
///
/// - Deployment frequency: 5 deployments in the window (D1..D5; D0 is older), 5 / 30 days =
///   0.1667 per day. Deploy-days per whole week counted back from now: [now-7d, now): D3, D5
///   -> 2; [now-14d, now-7d): D2 -> 1; [now-21d, now-14d): D4 -> 1; [now-28d, now-21d): D1 -> 1;
///   median 1 (still 1 if the 2-day remainder counts as a week with 0).
/// - Lead time: 11 changes delivered by deployments in the window (b2 is committed after its
///   deployment and dropped; z0 belongs to D0): 600, 1800, 3600, 7200, 14400, 21600, 43200,
///   86400, 172800, 259200, 2419200 s. Median (6th) 21600 s = 6 h; p90 259200 s = 3 d (the
///   10th value by both nearest rank and linear interpolation at n = 11).
/// - Change failure rate: D1 (incident 101), D2 (102 and 103, counted once) and D5 (search 7,
///   opened at the very second D5 finished) failed; D3 and D4 did not. 3 / 5 = 0.6.
///   Incident 99 belongs to D0, outside the window; search 5 predates every search deployment;
///   900 has no app.
/// - Time to restore: incidents resolved in the window: search 5 (172800 s), 101 (7200),
///   102 (1800), 103 (14400), search 7 (10800); 99 was resolved before the window, 900 is
///   open. n = 5, median 10800 s = 3 h (mean 41400 s).
pub mod expected_dora {
    pub const WINDOW_DAYS: u64 = 30;
    pub const DEPLOYMENTS_IN_WINDOW: usize = 5;
    pub const DEPLOYS_PER_DAY: f64 = 5.0 / 30.0;
    pub const DEPLOY_DAYS_PER_WEEK_MEDIAN: f64 = 1.0;
    pub const LEAD_TIME_N: usize = 11;
    pub const LEAD_TIME_MEDIAN_SECONDS: f64 = 21_600.0;
    pub const LEAD_TIME_P90_SECONDS: f64 = 259_200.0;
    pub const CFR_FAILED: usize = 3;
    pub const CFR_TOTAL: usize = 5;
    pub const TIME_TO_RESTORE_N: usize = 5;
    pub const TIME_TO_RESTORE_MEDIAN_SECONDS: f64 = 10_800.0;

    /// The previous window `(now - 60d, now - 30d]`, with `PREVIOUS_WINDOW` added to the
    /// fixture: deployments P1 (-55d), P2 (-50d), P3 (-45d) and D0 (-40d), all checkout, so
    /// search 5 still predates every search deployment and 99 still goes to D0.
    /// - Deployment frequency: 4 / 30 per day; trend (5 - 4) / 4 = +25%, better.
    /// - Lead time: 7200 (P1), 14400 (P2), 43200 (P3), 86400 (z0 by D0): median 28800 s;
    ///   trend (21600 - 28800) / 28800 = -25%, better.
    /// - Change failure rate: P2 (incident 98) and D0 (99) failed: 2 / 4 = 0.5; trend
    ///   0.6 - 0.5 = +10 percentage points, worse.
    /// - Time to restore: 98 (7200 s) and 99 (3600 s): median 5400 s; trend
    ///   (10800 - 5400) / 5400 = +100%, worse.
    pub mod previous {
        pub const DEPLOYMENTS: usize = 4;
        pub const DEPLOYS_PER_DAY: f64 = 4.0 / 30.0;
        pub const DEPLOY_CHANGE_PERCENT: f64 = 25.0;
        pub const LEAD_TIME_N: usize = 4;
        pub const LEAD_TIME_MEDIAN_SECONDS: f64 = 28_800.0;
        pub const LEAD_TIME_CHANGE_PERCENT: f64 = -25.0;
        pub const CFR_RATIO: f64 = 0.5;
        pub const CFR_CHANGE_POINTS: f64 = 10.0;
        pub const TIME_TO_RESTORE_N: usize = 2;
        pub const TIME_TO_RESTORE_MEDIAN_SECONDS: f64 = 5_400.0;
        pub const TIME_TO_RESTORE_CHANGE_PERCENT: f64 = 100.0;
    }
}

/// A second window of history, before the first: see `expected_dora::previous`. Each
/// deployment's series ended a day after it, as D0's did.
const PREVIOUS_WINDOW: &[Gauge] = &[
    Gauge {
        metric: DEPLOY,
        labels: &[("app", "checkout"), ("image_sha", "p1")],
        at: -55 * DAY,
        until: -54 * DAY,
    },
    Gauge {
        metric: DEPLOY,
        labels: &[("app", "checkout"), ("image_sha", "p2")],
        at: -50 * DAY,
        until: -49 * DAY,
    },
    Gauge {
        metric: DEPLOY,
        labels: &[("app", "checkout"), ("image_sha", "p3")],
        at: -45 * DAY,
        until: -44 * DAY,
    },
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "p1a"), ("image_sha", "p1")],
        -55 * DAY - 2 * HOUR, // 7200 s
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "p2a"), ("image_sha", "p2")],
        -50 * DAY - 4 * HOUR, // 14400 s
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "p3a"), ("image_sha", "p3")],
        -45 * DAY - 12 * HOUR, // 43200 s
    ),
    written_until_now(
        CREATED,
        &[("app", "checkout"), ("issue_number", "98")],
        -50 * DAY + HOUR,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "98")],
        -50 * DAY + 3 * HOUR,
    ),
];

/// An event gauge: its value is the event time `at`; the exporter wrote it from `at` until
/// `until` (both offsets from now, in seconds).
struct Gauge {
    metric: &'static str,
    labels: &'static [(&'static str, &'static str)],
    at: i64,
    until: i64,
}

const fn written_until_now(
    metric: &'static str,
    labels: &'static [(&'static str, &'static str)],
    at: i64,
) -> Gauge {
    Gauge {
        metric,
        labels,
        at,
        until: 0,
    }
}

const DEPLOY: &str = "deploy_timestamp";
const COMMIT: &str = "commit_timestamp";
const CREATED: &str = "failure_creation_timestamp";
const RESOLVED: &str = "failure_resolution_timestamp";

const EVENTS: &[Gauge] = &[
    // D0: before the window; its series stopped a day later.
    Gauge {
        metric: DEPLOY,
        labels: &[("app", "checkout"), ("image_sha", "c0")],
        at: -40 * DAY,
        until: -39 * DAY,
    },
    // D1: inside the window, but its series ENDED 24 days ago: only last_over_time finds it.
    Gauge {
        metric: DEPLOY,
        labels: &[("app", "checkout"), ("image_sha", "c1")],
        at: -25 * DAY,
        until: -24 * DAY,
    },
    written_until_now(DEPLOY, &[("app", "search"), ("image_sha", "s1")], -20 * DAY), // D4
    written_until_now(
        DEPLOY,
        &[("app", "checkout"), ("image_sha", "c2")],
        -10 * DAY,
    ), // D2
    written_until_now(DEPLOY, &[("app", "search"), ("image_sha", "s2")], -5 * DAY),  // D5
    // D3, exported from two namespaces: one deployment.
    written_until_now(
        DEPLOY,
        &[
            ("app", "checkout"),
            ("image_sha", "c3"),
            ("namespace", "prod-a"),
        ],
        -2 * DAY,
    ),
    written_until_now(
        DEPLOY,
        &[
            ("app", "checkout"),
            ("image_sha", "c3"),
            ("namespace", "prod-b"),
        ],
        -2 * DAY,
    ),
    // Commits: lead time = deployment time - commit time.
    Gauge {
        metric: COMMIT,
        labels: &[("app", "checkout"), ("commit", "z0"), ("image_sha", "c0")],
        at: -41 * DAY,
        until: -39 * DAY,
    },
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "a2"), ("image_sha", "c1")],
        -26 * DAY, // 86400 s before D1
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "a1"), ("image_sha", "c1")],
        -25 * DAY - 2 * HOUR, // 7200 s
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "b3"), ("image_sha", "c2")],
        -12 * DAY, // 172800 s before D2
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "b1"), ("image_sha", "c2")],
        -10 * DAY - HOUR, // 3600 s
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "b2"), ("image_sha", "c2")],
        -10 * DAY + HOUR, // after D2: lead time <= 0, dropped
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "c3b"), ("image_sha", "c3")],
        -2 * DAY - 12 * HOUR, // 43200 s before D3
    ),
    written_until_now(
        COMMIT,
        &[("app", "checkout"), ("commit", "c1x"), ("image_sha", "c3")],
        -2 * DAY - 30 * MINUTE, // 1800 s
    ),
    written_until_now(
        COMMIT,
        &[("app", "search"), ("commit", "s2b"), ("image_sha", "s2")],
        -33 * DAY, // before the window, delivered in it: 2419200 s before D5
    ),
    written_until_now(
        COMMIT,
        &[("app", "search"), ("commit", "s1b"), ("image_sha", "s1")],
        -23 * DAY, // 259200 s before D4
    ),
    written_until_now(
        COMMIT,
        &[("app", "search"), ("commit", "s1a"), ("image_sha", "s1")],
        -20 * DAY - 4 * HOUR, // 14400 s
    ),
    written_until_now(
        COMMIT,
        &[("app", "search"), ("commit", "s2a"), ("image_sha", "s2")],
        -5 * DAY - 6 * HOUR, // 21600 s before D5
    ),
    written_until_now(
        COMMIT,
        &[("app", "search"), ("commit", "s2c"), ("image_sha", "s2")],
        -5 * DAY - 10 * MINUTE, // 600 s
    ),
    // Incidents: creation and resolution joined on (app, issue_number).
    written_until_now(
        CREATED,
        &[("app", "checkout"), ("issue_number", "99")],
        -39 * DAY,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "99")],
        -39 * DAY + HOUR,
    ),
    written_until_now(
        CREATED,
        &[("app", "search"), ("issue_number", "5")],
        -31 * DAY,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "search"), ("issue_number", "5")],
        -29 * DAY,
    ),
    written_until_now(
        CREATED,
        &[("app", "checkout"), ("issue_number", "101")],
        -24 * DAY,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "101")],
        -24 * DAY + 2 * HOUR,
    ),
    written_until_now(
        CREATED,
        &[("app", "checkout"), ("issue_number", "102")],
        -9 * DAY,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "102")],
        -9 * DAY + 30 * MINUTE,
    ),
    written_until_now(
        CREATED,
        &[("app", "checkout"), ("issue_number", "103")],
        -8 * DAY,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "checkout"), ("issue_number", "103")],
        -8 * DAY + 4 * HOUR,
    ),
    written_until_now(
        CREATED,
        &[("app", "search"), ("issue_number", "7")],
        -5 * DAY,
    ),
    written_until_now(
        RESOLVED,
        &[("app", "search"), ("issue_number", "7")],
        -5 * DAY + 3 * HOUR,
    ),
    written_until_now(CREATED, &[("issue_number", "900")], -DAY), // no app, still open
];

/// Series the source must skip: a NaN deploy time, a millisecond timestamp and a resolution
/// with no creation.
fn add_unusable_series(history: &mut OpenMetrics, now: i64) {
    let broken = [("app", "broken"), ("image_sha", "x")];
    history.gauge(DEPLOY, &broken, &[(now - HOUR, f64::NAN)]);
    let millis = [("app", "broken"), ("image_sha", "ms")];
    history.gauge(
        DEPLOY,
        &millis,
        &[(now - HOUR, ((now - HOUR) * 1000) as f64)],
    );
    let orphan = [("app", "search"), ("issue_number", "404")];
    history.gauge(RESOLVED, &orphan, &[(now - HOUR, (now - HOUR) as f64)]);
}

fn add_events(history: &mut OpenMetrics, now: i64) {
    add_gauges(history, now, EVENTS);
}

fn add_gauges(history: &mut OpenMetrics, now: i64, gauges: &[Gauge]) {
    for gauge in gauges {
        let event_time = now + gauge.at;
        let end = now + gauge.until;
        // Scrapes on a shared grid keep the backfill to few TSDB blocks (one per 2 h touched),
        // which keeps the server's start fast.
        let first_scrape = (event_time / SCRAPE_EVERY + 1) * SCRAPE_EVERY;
        let scrapes = (first_scrape..=end).step_by(SCRAPE_EVERY as usize);
        let samples: Vec<(i64, f64)> = std::iter::once(event_time)
            .chain(scrapes)
            .chain(std::iter::once(end))
            .map(|t| (t, event_time as f64))
            .collect();
        history.gauge(gauge.metric, gauge.labels, &samples);
    }
}

/// gitlab-ci-pipelines-exporter writes one series per job and status: 1 for the current status.
const JOB_STATUSES: [&str; 5] = ["success", "failed", "running", "pending", "canceled"];

/// (project, ref, stage, job, current status)
const JOBS: &[(&str, &str, &str, &str, &str)] = &[
    ("shop/api", "main", "build", "compile", "success"),
    ("shop/api", "main", "test", "unit", "success"),
    ("shop/api", "main", "test", "integration", "failed"),
    ("shop/api", "main", "test", "lint", "running"),
    ("shop/api", "main", "deploy", "production", "pending"),
    ("shop/web", "main", "build", "compile", "success"),
    ("shop/web", "main", "test", "e2e", "running"),
    ("shop/web", "main", "test", "unit", "success"),
    ("shop/web", "main", "deploy", "production", "pending"),
    ("shop/docs", "main", "build", "site", "pending"),
    // another branch, left out by the board query
    ("shop/api", "feature-x", "test", "unit", "failed"),
];

fn add_jobs(history: &mut OpenMetrics, now: i64) {
    for (project, git_ref, stage, job, current) in JOBS {
        for status in JOB_STATUSES {
            let value = if status == *current { 1.0 } else { 0.0 };
            let labels = [
                ("project", *project),
                ("ref", *git_ref),
                ("stage", *stage),
                ("job_name", *job),
                ("status", status),
            ];
            let samples: Vec<(i64, f64)> = (0..3).map(|i| (now - i * MINUTE, value)).collect();
            history.gauge("gitlab_ci_pipeline_job_status", &labels, &samples);
        }
    }
}

/// Whole seconds, a minute in the past so every sample is behind the server's clock.
fn test_now() -> (i64, Timestamp) {
    let now = Utc::now().timestamp() - MINUTE;
    (now, at(now))
}

fn at(seconds: i64) -> Timestamp {
    DateTime::from_timestamp(seconds, 0).expect("valid test time")
}

fn config(url: &str, board: Option<BoardQuery>) -> PrometheusConfig {
    PrometheusConfig {
        url: url.to_string(),
        events: EventNames::default(),
        board,
        lookback: Duration::from_secs(90 * DAY as u64),
    }
}

fn job_board(query: &str) -> Option<BoardQuery> {
    Some(BoardQuery {
        query: query.to_string(),
        pipeline_label: "project".into(),
        stage_label: "stage".into(),
        status_label: "status".into(),
    })
}

fn source(url: &str, board: Option<BoardQuery>) -> PrometheusSource {
    PrometheusSource::new(config(url, board), andon::sources::http::client())
}

fn deployment(app: &str, image: &str, offset: i64, now: i64) -> Deployment {
    Deployment {
        app: app.into(),
        image_sha: Some(image.into()),
        commit: None,
        finished_at: at(now + offset),
        marked: None,
    }
}

fn change(app: &str, commit: &str, image: &str, offset: i64, now: i64) -> Change {
    Change {
        app: app.into(),
        commit: commit.into(),
        image_sha: Some(image.into()),
        committed_at: at(now + offset),
    }
}

fn incident(app: &str, id: &str, opened: i64, resolved: Option<i64>, now: i64) -> Incident {
    Incident {
        app: app.into(),
        id: id.into(),
        opened_at: at(now + opened),
        resolved_at: resolved.map(|r| at(now + r)),
    }
}

#[tokio::test]
async fn events_come_back_whole_including_series_that_ended() {
    let (now_s, now) = test_now();
    let mut history = OpenMetrics::new();
    add_events(&mut history, now_s);
    add_unusable_series(&mut history, now_s);
    let prometheus = TestPrometheus::start(&history).await;

    let snapshot = source(&prometheus.url, None).poll(now).await.unwrap();

    let n = now_s;
    assert_eq!(
        snapshot.events.deployments,
        vec![
            deployment("checkout", "c0", -40 * DAY, n),
            deployment("checkout", "c1", -25 * DAY, n),
            deployment("search", "s1", -20 * DAY, n),
            deployment("checkout", "c2", -10 * DAY, n),
            deployment("search", "s2", -5 * DAY, n),
            deployment("checkout", "c3", -2 * DAY, n),
        ]
    );
    assert_eq!(
        snapshot.events.changes,
        vec![
            change("checkout", "z0", "c0", -41 * DAY, n),
            change("search", "s2b", "s2", -33 * DAY, n),
            change("checkout", "a2", "c1", -26 * DAY, n),
            change("checkout", "a1", "c1", -25 * DAY - 2 * HOUR, n),
            change("search", "s1b", "s1", -23 * DAY, n),
            change("search", "s1a", "s1", -20 * DAY - 4 * HOUR, n),
            change("checkout", "b3", "c2", -12 * DAY, n),
            change("checkout", "b1", "c2", -10 * DAY - HOUR, n),
            change("checkout", "b2", "c2", -10 * DAY + HOUR, n),
            change("search", "s2a", "s2", -5 * DAY - 6 * HOUR, n),
            change("search", "s2c", "s2", -5 * DAY - 10 * MINUTE, n),
            change("checkout", "c3b", "c3", -2 * DAY - 12 * HOUR, n),
            change("checkout", "c1x", "c3", -2 * DAY - 30 * MINUTE, n),
        ]
    );
    assert_eq!(
        snapshot.events.incidents,
        vec![
            incident("checkout", "99", -39 * DAY, Some(-39 * DAY + HOUR), n),
            incident("search", "5", -31 * DAY, Some(-29 * DAY), n),
            incident("checkout", "101", -24 * DAY, Some(-24 * DAY + 2 * HOUR), n),
            incident("checkout", "102", -9 * DAY, Some(-9 * DAY + 30 * MINUTE), n),
            incident("checkout", "103", -8 * DAY, Some(-8 * DAY + 4 * HOUR), n),
            incident("search", "7", -5 * DAY, Some(-5 * DAY + 3 * HOUR), n),
            incident(UNATTRIBUTED_APP, "900", -DAY, None, n),
        ]
    );
    assert!(snapshot.pipelines.is_empty());
}

#[tokio::test]
async fn lookback_shorter_than_an_event_age_leaves_it_out() {
    let (now_s, now) = test_now();
    let mut history = OpenMetrics::new();
    add_events(&mut history, now_s);
    let prometheus = TestPrometheus::start(&history).await;
    let mut short = config(&prometheus.url, None);
    // D0's series was last written 39 days ago; D1's 24 days ago.
    short.lookback = Duration::from_secs(30 * DAY as u64);
    let snapshot = PrometheusSource::new(short, andon::sources::http::client())
        .poll(now)
        .await
        .unwrap();
    let images: Vec<Option<&str>> = snapshot
        .events
        .deployments
        .iter()
        .map(|d| d.image_sha.as_deref())
        .collect();
    assert_eq!(
        images,
        [Some("c1"), Some("s1"), Some("c2"), Some("s2"), Some("c3")]
    );
}

fn stages(pipeline: &Pipeline) -> Vec<(String, StageStatus)> {
    let mut stages: Vec<(String, StageStatus)> = pipeline
        .stages
        .iter()
        .map(|s| (s.name.clone(), s.status))
        .collect();
    stages.sort_by(|a, b| a.0.cmp(&b.0));
    stages
}

fn owned(stages: &[(&str, StageStatus)]) -> Vec<(String, StageStatus)> {
    stages.iter().map(|(n, s)| (n.to_string(), *s)).collect()
}

fn assert_job_board(pipelines: &[Pipeline]) {
    let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["shop/api", "shop/docs", "shop/web"]);

    let api = &pipelines[0];
    assert_eq!(api.status, BuildStatus::Failing);
    assert_eq!(api.stage.as_deref(), Some("test"));
    assert!(!api.building);
    assert_eq!(
        stages(api),
        owned(&[
            ("build", StageStatus::Passed),
            ("deploy", StageStatus::Pending),
            ("test", StageStatus::Failed),
        ])
    );

    let docs = &pipelines[1];
    assert_eq!(docs.status, BuildStatus::Unknown);
    assert_eq!(stages(docs), owned(&[("build", StageStatus::Pending)]));

    let web = &pipelines[2];
    assert_eq!(web.status, BuildStatus::Passing);
    assert!(web.building);
    assert_eq!(web.stage.as_deref(), Some("test"));
    assert_eq!(
        stages(web),
        owned(&[
            ("build", StageStatus::Passed),
            ("deploy", StageStatus::Pending),
            ("test", StageStatus::Running),
        ])
    );
}

#[tokio::test]
async fn board_from_gitlab_job_status_series() {
    let (now_s, now) = test_now();
    let mut history = OpenMetrics::new();
    add_jobs(&mut history, now_s);
    let prometheus = TestPrometheus::start(&history).await;

    let filtered = source(
        &prometheus.url,
        job_board(r#"gitlab_ci_pipeline_job_status{ref="main"} == 1"#),
    );
    let snapshot = filtered.poll(now).await.unwrap();
    assert_job_board(&snapshot.pipelines);
    assert_eq!(snapshot.events, Default::default());

    // Without `== 1` the zero-valued statuses come back too, and must be ignored.
    let unfiltered = source(
        &prometheus.url,
        job_board(r#"gitlab_ci_pipeline_job_status{ref="main"}"#),
    );
    assert_job_board(&unfiltered.poll(now).await.unwrap().pipelines);
}

#[tokio::test]
async fn errors_are_explained() {
    let (now_s, now) = test_now();
    let mut history = OpenMetrics::new();
    add_jobs(&mut history, now_s);
    let prometheus = TestPrometheus::start(&history).await;

    let bad_promql = source(
        &prometheus.url,
        job_board("sum(gitlab_ci_pipeline_job_status"),
    );
    let err = bad_promql.poll(now).await.unwrap_err();
    assert!(
        err.reason.starts_with("Prometheus error bad_data: "),
        "{err}"
    );
    assert!(
        err.reason.contains("sum(gitlab_ci_pipeline_job_status"),
        "{err}"
    );

    let range = source(
        &prometheus.url,
        job_board("gitlab_ci_pipeline_job_status[5m]"),
    );
    let err = range.poll(now).await.unwrap_err();
    assert!(err.reason.contains("matrix"), "{err}");
    assert!(
        err.reason.contains("gitlab_ci_pipeline_job_status[5m]"),
        "{err}"
    );

    let wrong_path = source(&format!("{}/prometheus", prometheus.url), None);
    let err = wrong_path.poll(now).await.unwrap_err();
    assert!(
        err.reason
            .starts_with("malformed Prometheus response: HTTP 404 Not Found: 404 page not found"),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_server_is_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let err = source(&format!("http://127.0.0.1:{port}"), None)
        .poll(Utc::now())
        .await
        .unwrap_err();
    assert_eq!(err.reason, "connection refused");
}

/// The whole product against a real Prometheus: `andon --once --json` gives the hand-computed
/// DORA figures above and the board from the job series, and stops the line for shop/api.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_json_gives_the_expected_dora_figures_and_board() {
    let (now_s, _) = test_now();
    let mut history = OpenMetrics::new();
    add_events(&mut history, now_s);
    add_gauges(&mut history, now_s, PREVIOUS_WINDOW);
    add_unusable_series(&mut history, now_s);
    add_jobs(&mut history, now_s);
    let prometheus = TestPrometheus::start(&history).await;
    let config_text = format!(
        "title = \"Shop\"\n[dora]\nwindow = \"30d\"\n[board]\nstages = [\"build\", \"test\", \"deploy\"]\n\
         [[source]]\nname = \"prom\"\nkind = \"prometheus\"\nurl = \"{}\"\ntimeout = \"10s\"\n\
         [source.board]\nquery = 'gitlab_ci_pipeline_job_status{{ref=\"main\"}} == 1'\npipeline_label = \"project\"\n",
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
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&output.stderr));
    });
    assert_eq!(output.status.code(), Some(1), "{json:#}");
    assert_eq!(json["andon"], "red");
    assert_eq!(json["sources"][0]["state"], "ok", "{json:#}");

    use expected_dora as want;
    let dora = &json["dora"];
    let close = |value: &serde_json::Value, expected: f64| {
        let got = value
            .as_f64()
            .unwrap_or_else(|| panic!("{value} is not a number"));
        assert!((got - expected).abs() < 1e-6, "{got} != {expected}");
    };
    close(&dora["window_days"], want::WINDOW_DAYS as f64);
    let df = &dora["deployment_frequency"];
    assert_eq!(df["deployments"], want::DEPLOYMENTS_IN_WINDOW);
    close(&df["per_day"], want::DEPLOYS_PER_DAY);
    close(
        &df["deploy_days_per_week"],
        want::DEPLOY_DAYS_PER_WEEK_MEDIAN,
    );
    assert_eq!(df["tier"], "high");
    let lt = &dora["lead_time"];
    assert_eq!(lt["n"], want::LEAD_TIME_N);
    close(&lt["median_seconds"], want::LEAD_TIME_MEDIAN_SECONDS);
    close(&lt["p90_seconds"], want::LEAD_TIME_P90_SECONDS);
    assert_eq!(lt["tier"], "elite");
    let cfr = &dora["change_failure_rate"];
    assert_eq!(cfr["failed"], want::CFR_FAILED);
    assert_eq!(cfr["deployments"], want::CFR_TOTAL);
    close(
        &cfr["ratio"],
        want::CFR_FAILED as f64 / want::CFR_TOTAL as f64,
    );
    assert_eq!(cfr["tier"], "low");
    let ttr = &dora["time_to_restore"];
    assert_eq!(ttr["n"], want::TIME_TO_RESTORE_N);
    close(&ttr["median_seconds"], want::TIME_TO_RESTORE_MEDIAN_SECONDS);
    assert_eq!(ttr["tier"], "high");

    use expected_dora::previous as before;
    let trend = &df["trend"];
    assert_eq!(trend["previous_n"], before::DEPLOYMENTS, "{trend}");
    close(&trend["previous"], before::DEPLOYS_PER_DAY);
    close(&trend["change_percent"], before::DEPLOY_CHANGE_PERCENT);
    assert_eq!(trend["direction"], "better");
    let trend = &lt["trend"];
    assert_eq!(trend["previous_n"], before::LEAD_TIME_N, "{trend}");
    close(&trend["previous"], before::LEAD_TIME_MEDIAN_SECONDS);
    close(&trend["change_percent"], before::LEAD_TIME_CHANGE_PERCENT);
    assert_eq!(trend["direction"], "better");
    let trend = &cfr["trend"];
    close(&trend["previous"], before::CFR_RATIO);
    close(&trend["change_points"], before::CFR_CHANGE_POINTS);
    assert_eq!(trend["change_percent"], serde_json::Value::Null, "{trend}");
    assert_eq!(trend["direction"], "worse");
    let trend = &ttr["trend"];
    assert_eq!(trend["previous_n"], before::TIME_TO_RESTORE_N, "{trend}");
    close(&trend["previous"], before::TIME_TO_RESTORE_MEDIAN_SECONDS);
    close(
        &trend["change_percent"],
        before::TIME_TO_RESTORE_CHANGE_PERCENT,
    );
    assert_eq!(trend["direction"], "worse");

    // Per service, from each service's own events: checkout D1, D2, D3 (D1 and D2 failed);
    // search D4, D5 (D5 failed). Both are low on failure rate; checkout's 66.7% is worse.
    let services = dora["by_service"].as_array().unwrap();
    let apps: Vec<&str> = services
        .iter()
        .map(|s| s["app"].as_str().unwrap())
        .collect();
    assert_eq!(apps, ["checkout", "search"], "{services:#?}");
    assert_eq!(services[0]["change_failure_rate"]["failed"], 2);
    assert_eq!(services[0]["change_failure_rate"]["deployments"], 3);
    assert_eq!(services[1]["change_failure_rate"]["failed"], 1);
    assert_eq!(services[1]["change_failure_rate"]["deployments"], 2);
    assert_eq!(
        services[1]["deployment_frequency"]["trend"]["missing"],
        "no figure in the previous window"
    );
    // Data quality over the window: incident 900 has no app; every deployment has commits;
    // b2 was committed after the only deployment of its image, so nothing delivered it.
    let quality = &dora["data_quality"];
    assert_eq!(quality["incidents_unattributed"], 1, "{quality}");
    assert_eq!(quality["deployments_without_change"], 0, "{quality}");
    assert_eq!(quality["changes_not_deployed"], 1, "{quality}");
    assert_eq!(quality["incidents_without_deployment"], 0, "{quality}");

    let pipelines = json["pipelines"].as_array().unwrap();
    let find = |name: &str| {
        pipelines
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {json:#}"))
    };
    let api = find("shop/api");
    assert_eq!(api["status"], "failing");
    assert_eq!(api["stage"], "test");
    assert_eq!(api["source"], "prom");
    let web = find("shop/web");
    assert_eq!(web["status"], "passing");
    assert_eq!(web["building"], true);
    assert_eq!(web["stage"], "test");
    assert_eq!(find("shop/docs")["status"], "unknown");
}

/// The same history read two ways, from Prometheus and as the page an exporter would have
/// served, gives the same events: repeated samples of one series (every scrape of an event
/// gauge, and a "last deploy" gauge whose value moved) count once, at the latest value.
#[tokio::test]
async fn exposition_page_and_prometheus_agree_on_the_same_history() {
    let (now_s, now) = test_now();
    let mut history = OpenMetrics::new();
    add_events(&mut history, now_s);
    add_unusable_series(&mut history, now_s);
    let last_deploy = [("app", "billing")];
    let moves = [now_s - 3 * DAY, now_s - DAY, now_s - HOUR];
    let samples: Vec<(i64, f64)> = moves.iter().map(|&t| (t, t as f64)).collect();
    history.gauge(DEPLOY, &last_deploy, &samples);
    let page = history.render();
    let prometheus = TestPrometheus::start(&history).await;
    let from_prometheus = source(&prometheus.url, None)
        .poll(now)
        .await
        .unwrap()
        .events;

    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/metrics"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .insert_header(
                    "content-type",
                    "application/openmetrics-text; version=1.0.0",
                )
                .set_body_string(page),
        )
        .mount(&server)
        .await;
    let exposition = andon::sources::exposition::ExpositionSource::new(
        andon::sources::exposition::ExpositionConfig {
            url: format!("{}/metrics", server.uri()),
            events: EventNames::default(),
        },
        andon::sources::http::client(),
    );
    let from_page = exposition.poll().await.unwrap().events;

    let billing: Vec<&Deployment> = from_page
        .deployments
        .iter()
        .filter(|d| d.app == "billing")
        .collect();
    assert_eq!(billing.len(), 1, "{billing:?}");
    assert_eq!(billing[0].finished_at, at(now_s - HOUR));
    assert_eq!(from_page, from_prometheus);
}
