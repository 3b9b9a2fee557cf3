//! Older self-hosted GitLab refuses query parameters newer versions take: the source asks
//! again without them instead of going blank. The 400 body is Grape's validation message, as
//! GitLab answers an unknown `order_by` value.

mod support;

use andon::credentials::{Auth, Secret, TokenSource};
use andon::sources::gitlab::GitlabConfig;
use andon::sources::gitlab::GitlabSource;
use support::ci;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REFUSAL: &str = r#"{"error":"order_by does not have a valid value"}"#;

async fn refuse(server: &MockServer, param: &str, value: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{}/deployments", ci::GITLAB_PROJECT_PATH)))
        .and(query_param(param, value))
        .respond_with(ResponseTemplate::new(400).set_body_string(REFUSAL))
        .with_priority(1)
        .expect(1)
        .mount(server)
        .await;
}

fn source(server: &MockServer) -> GitlabSource {
    GitlabSource::new(
        GitlabConfig {
            api_url: format!("{}/api/v4", server.uri()),
            project: "group/payments".into(),
            branch: "main".into(),
            environment: "production".into(),
            incident_label: None,
            auth: Auth {
                user: None,
                token: Some(TokenSource::Inline(Secret::new("glpat-test0nly"))),
            },
        },
        andon::sources::http::client(),
    )
}

#[tokio::test]
async fn a_refused_ordering_is_dropped_and_the_deployments_still_count() {
    let server = MockServer::start().await;
    refuse(&server, "order_by", "finished_at").await;
    ci::gitlab(&server, Some("glpat-test0nly")).await;
    let source = source(&server);
    let first = source.poll(chrono::Utc::now()).await.unwrap();
    assert_eq!(first.pipelines.len(), 1);
    assert_eq!(first.events.deployments.len(), 2, "{:?}", first.events);
    // The refusal is remembered: the next poll does not ask the refused query again
    // (`expect(1)` above is checked when the server drops).
    let second = source.poll(chrono::Utc::now()).await.unwrap();
    assert_eq!(second.events.deployments, first.events.deployments);
}

#[tokio::test]
async fn a_server_that_refuses_every_form_is_an_error_that_says_why() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{}/deployments", ci::GITLAB_PROJECT_PATH)))
        .respond_with(ResponseTemplate::new(400).set_body_string(REFUSAL))
        .with_priority(1)
        .mount(&server)
        .await;
    ci::gitlab(&server, Some("glpat-test0nly")).await;
    let err = source(&server).poll(chrono::Utc::now()).await.unwrap_err();
    assert!(
        err.reason.contains("order_by does not have a valid value"),
        "{err}"
    );
}
