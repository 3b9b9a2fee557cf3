//! The cctray source against feeds served over HTTP on 127.0.0.1.

use andon::model::{BuildStatus, Pipeline, Timestamp};
use andon::sources::SourceError;
use andon::sources::cctray::CctrayConfig;
use andon::sources::cctray::CctraySource;
use chrono::{TimeZone, Utc};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> String {
    let file = format!(
        "{}/tests/fixtures/cctray/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

/// Serves `response` at `feed_path` and polls it once.
async fn poll(feed_path: &str, response: ResponseTemplate) -> Result<Vec<Pipeline>, SourceError> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(feed_path))
        .respond_with(response)
        .mount(&server)
        .await;
    let config = CctrayConfig {
        url: format!("{}{feed_path}", server.uri()),
    };
    let source = CctraySource::new(config, andon::sources::http::client());
    source.poll().await.map(|snapshot| snapshot.pipelines)
}

async fn poll_fixture(feed_path: &str, name: &str) -> Vec<Pipeline> {
    let response = ResponseTemplate::new(200)
        .insert_header("content-type", "application/xml; charset=utf-8")
        .set_body_string(fixture(name));
    poll(feed_path, response).await.unwrap()
}

fn by_name<'a>(pipelines: &'a [Pipeline], name: &str) -> &'a Pipeline {
    pipelines
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no pipeline {name:?} in {pipelines:?}"))
}

#[tokio::test]
async fn jenkins_cc_xml() {
    let pipelines = poll_fixture("/cc.xml", "jenkins-cc.xml").await;
    assert_eq!(pipelines.len(), 4);

    let api = by_name(&pipelines, "api");
    assert_eq!((api.status, api.building), (BuildStatus::Passing, false));
    assert_eq!(api.label.as_deref(), Some("142"));
    assert_eq!(api.url.as_deref(), Some("https://ci.example.org/job/api/"));
    assert_eq!(api.last_build_at, Some(utc(2024, 3, 5, 14, 3, 21)));
    assert_eq!(api.stage, None);

    let web = by_name(&pipelines, "web");
    assert_eq!((web.status, web.building), (BuildStatus::Failing, true));

    let infra = by_name(&pipelines, "platform/infra & ops");
    assert_eq!(infra.status, BuildStatus::Failing);

    let docs = by_name(&pipelines, "docs");
    assert_eq!(docs.status, BuildStatus::Unknown);
    assert_eq!((docs.label.as_deref(), docs.last_build_at), (None, None));
}

#[tokio::test]
async fn gocd_cctray_xml_with_breakers() {
    let pipelines = poll_fixture("/go/cctray.xml", "gocd-cctray.xml").await;
    let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "checkout :: build",
            "checkout :: build :: unit-tests",
            "checkout :: deploy",
            "checkout :: deploy :: helm-upgrade",
        ]
    );

    let build = by_name(&pipelines, "checkout :: build");
    assert_eq!(build.status, BuildStatus::Failing);
    assert_eq!(build.breakers, ["alice", "Bob Smith <bob@example.org>"]);
    assert_eq!(build.label.as_deref(), Some("311"));
    // GoCD writes no offset: the time is taken as UTC.
    assert_eq!(build.last_build_at, Some(utc(2024, 3, 5, 9, 12, 44)));
    assert_eq!(
        build.url.as_deref(),
        Some("https://gocd.example.org/go/pipelines/checkout/311/build/1")
    );

    let deploy = by_name(&pipelines, "checkout :: deploy");
    assert_eq!(
        (deploy.status, deploy.building),
        (BuildStatus::Passing, true)
    );
    assert!(deploy.breakers.is_empty());
}

#[tokio::test]
async fn buildkite_feed_with_bom_and_empty_values() {
    let pipelines = poll_fixture("/acme.xml", "buildkite.xml").await;
    let payments = by_name(&pipelines, "acme/payments (main)");
    assert_eq!(payments.status, BuildStatus::Passing);
    assert_eq!(payments.last_build_at, Some(utc(2024, 3, 5, 14, 3, 21)));
    assert_eq!(
        payments.url.as_deref(),
        Some("https://buildkite.com/acme/payments/builds/4021")
    );

    let search = by_name(&pipelines, "acme/search (main)");
    assert_eq!(
        (search.status, search.building),
        (BuildStatus::Unknown, true)
    );
    assert_eq!(
        (search.label.as_deref(), search.last_build_at),
        (None, None)
    );
}

#[tokio::test]
async fn cruisecontrol_net_times_and_open_close_projects() {
    let pipelines = poll_fixture("/ccnet/XmlStatusReport.aspx", "ccnet.xml").await;
    let trunk = by_name(&pipelines, "Trunk");
    assert!(!trunk.building, "CheckingModifications is idle");
    assert_eq!(trunk.label.as_deref(), Some("1.4.0.812"));
    let at = trunk.last_build_at.unwrap();
    assert_eq!(at.timestamp(), utc(2009, 2, 2, 15, 35, 14).timestamp());
    assert_eq!(at.timestamp_subsec_nanos(), 381_250_000);

    let nightly = by_name(&pipelines, "Nightly");
    assert_eq!(nightly.status, BuildStatus::Passing);
    assert_eq!(nightly.last_build_at, None, "an unreadable time is dropped");
}

#[tokio::test]
async fn feed_without_projects_is_empty_not_an_error() {
    assert!(poll_fixture("/cc.xml", "empty.xml").await.is_empty());
}

#[tokio::test]
async fn unauthenticated_request_reports_401() {
    let response = ResponseTemplate::new(401)
        .insert_header("www-authenticate", "Basic realm=\"Jenkins\"")
        .set_body_string("Authentication required");
    let error = poll("/cc.xml", response).await.unwrap_err();
    assert!(error.reason.contains("401"), "{error}");
}

#[tokio::test]
async fn html_login_page_served_with_200_is_refused() {
    let response = ResponseTemplate::new(200)
        .insert_header("content-type", "text/html;charset=utf-8")
        .set_body_string(fixture("login.html"));
    let error = poll("/cc.xml", response).await.unwrap_err();
    assert_eq!(
        error.reason,
        "malformed cctray feed: expected <Projects>, got HTML"
    );
}

#[tokio::test]
async fn truncated_feed_is_refused() {
    let whole = fixture("jenkins-cc.xml");
    let cut = &whole[..whole.len() / 2];
    let response = ResponseTemplate::new(200).set_body_string(cut);
    let error = poll("/cc.xml", response).await.unwrap_err();
    assert!(
        error.reason.starts_with("malformed cctray feed: "),
        "{error}"
    );
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    let file = format!(
        "{}/tests/fixtures/cctray/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Nevergreen's stub feeds, written after what GoCD and CircleCI serve.
#[tokio::test]
async fn nevergreen_gocd_and_circleci_feeds() {
    let gocd = poll_fixture("/go/cctray.xml", "nevergreen/go_cd.xml").await;
    assert_eq!(gocd.len(), 6);
    let job = by_name(&gocd, "example-service :: stage-2 :: job-1");
    assert_eq!(job.status, BuildStatus::Failing);
    assert_eq!(job.breakers, ["Jane Doe <jdoe@example.com>"]);
    assert_eq!(job.last_build_at, Some(utc(2014, 10, 7, 13, 6, 24)));
    let circle = poll_fixture("/cc.xml", "nevergreen/circle_ci.xml").await;
    assert_eq!(circle[0].name, "owner/example-service");
    assert_eq!(circle[0].status, BuildStatus::Passing);
}

/// A Latin-1 feed (as its XML declaration says, served without a charset) with one
/// `<Project>` that has no name: read in its encoding, the nameless entry skipped.
#[tokio::test]
async fn a_latin1_feed_with_a_nameless_project_is_read() {
    let response = ResponseTemplate::new(200)
        .insert_header("content-type", "application/xml")
        .set_body_bytes(fixture_bytes("latin1-with-nameless-project.xml"));
    let pipelines = poll("/cc.xml", response).await.unwrap();
    let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Café » déploiement", "résumé"]);
    assert!(pipelines[1].building);
}
