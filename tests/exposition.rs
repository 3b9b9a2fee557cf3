//! The exposition source against /metrics pages served over HTTP on 127.0.0.1.

use andon::config::EventNames;
use andon::model::{Change, Deployment, DoraEvents, Incident, Timestamp, UNATTRIBUTED_APP};
use andon::sources::SourceError;
use andon::sources::exposition::ExpositionConfig;
use andon::sources::exposition::ExpositionSource;
use chrono::DateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn fixture(name: &str) -> String {
    let file = format!(
        "{}/tests/fixtures/exposition/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn at_millis(millis: i64) -> Timestamp {
    DateTime::from_timestamp_millis(millis).expect("valid test time")
}

fn at(seconds: i64) -> Timestamp {
    at_millis(seconds * 1000)
}

async fn poll_with(
    body: String,
    status: u16,
    content_type: &str,
    events: EventNames,
) -> Result<DoraEvents, SourceError> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metrics"))
        .respond_with(
            // set_body_raw keeps the content type; set_body_string would make it text/plain.
            ResponseTemplate::new(status).set_body_raw(body, content_type),
        )
        .mount(&server)
        .await;
    let config = ExpositionConfig {
        url: format!("{}/metrics", server.uri()),
        events,
    };
    let source = ExpositionSource::new(config, andon::sources::http::client());
    source.poll().await.map(|snapshot| {
        assert!(snapshot.pipelines.is_empty());
        snapshot.events
    })
}

async fn poll(body: String, status: u16, content_type: &str) -> Result<DoraEvents, SourceError> {
    poll_with(body, status, content_type, EventNames::default()).await
}

fn deployment(app: &str, image: &str, commit: Option<&str>, finished_at: Timestamp) -> Deployment {
    Deployment {
        app: app.into(),
        image_sha: Some(image.into()),
        commit: commit.map(str::to_string),
        finished_at,
        marked: None,
    }
}

#[tokio::test]
async fn pelorus_gauges_from_a_text_format_page() {
    let events = poll(fixture("pelorus-text-0.0.4.txt"), 200, TEXT_FORMAT)
        .await
        .unwrap();
    assert_eq!(
        events.deployments,
        vec![
            deployment("checkout", "sha256:c1", None, at(1_700_000_000)),
            // label values with `,` `"` `=` `}` stay whole; fractional seconds are kept
            deployment(
                "search, \"v2\"",
                "sha256:s1",
                None,
                at_millis(1_700_000_500_500)
            ),
            deployment(UNATTRIBUTED_APP, "sha256:orphan", None, at(1_700_000_600)),
            // the sample's own timestamp (milliseconds) does not change the event time
            deployment("checkout", "sha256:c2", Some("b1"), at(1_700_086_400)),
        ]
    );
    assert_eq!(
        events.changes,
        vec![
            // exported from two namespaces, counted once
            Change {
                app: "checkout".into(),
                commit: "a1".into(),
                image_sha: Some("sha256:c1".into()),
                committed_at: at(1_699_996_400),
            },
            Change {
                app: "checkout".into(),
                commit: "b1".into(),
                image_sha: Some("sha256:c2".into()),
                committed_at: at(1_700_082_800),
            },
        ]
    );
    assert_eq!(
        events.incidents,
        vec![
            Incident {
                app: "checkout".into(),
                id: "101".into(),
                opened_at: at(1_700_090_000),
                resolved_at: Some(at(1_700_093_600)),
            },
            Incident {
                app: "checkout".into(),
                id: "102".into(),
                opened_at: at(1_700_100_000),
                resolved_at: None,
            },
        ]
    );
}

#[tokio::test]
async fn openmetrics_page_with_second_timestamps_and_exemplars() {
    let events = poll(fixture("pelorus-openmetrics.txt"), 200, OPENMETRICS)
        .await
        .unwrap();
    assert_eq!(
        events.deployments,
        vec![deployment("checkout", "sha256:c1", None, at(1_700_000_000))]
    );
    assert_eq!(events.incidents.len(), 1);
    assert_eq!(
        events.incidents[0].resolved_at,
        Some(at(1_700_093_600)),
        "{:?}",
        events.incidents
    );
}

#[tokio::test]
async fn configured_gauge_and_label_names() {
    let page = "my_deploys{service=\"api\"} 1700000000\ndeploy_timestamp{app=\"web\"} 1700000000\n";
    let names = EventNames {
        deploy: "my_deploys".into(),
        app_label: "service".into(),
        ..EventNames::default()
    };
    let events = poll_with(page.into(), 200, TEXT_FORMAT, names)
        .await
        .unwrap();
    assert_eq!(events.deployments.len(), 1);
    assert_eq!(events.deployments[0].app, "api");
}

#[tokio::test]
async fn html_instead_of_metrics_is_a_clear_error() {
    let err = poll(fixture("grafana-login.html"), 200, "text/html")
        .await
        .unwrap_err();
    assert_eq!(
        err.reason,
        "malformed exposition at line 1: an HTML page, not Prometheus metrics"
    );
}

#[tokio::test]
async fn error_status_quotes_the_page() {
    let err = poll(fixture("grafana-login.html"), 502, "text/html")
        .await
        .unwrap_err();
    assert!(err.reason.starts_with("HTTP 502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn one_bad_line_fails_the_poll_and_is_located() {
    let page = "# TYPE deploy_timestamp gauge\n\
                deploy_timestamp{app=\"api\"} 1700000000\n\
                deploy_timestamp{app=\"web} 1700000000\n";
    let err = poll(page.into(), 200, TEXT_FORMAT).await.unwrap_err();
    assert!(
        err.reason
            .starts_with("malformed exposition at line 3: unterminated quoted string"),
        "{err}"
    );
}
