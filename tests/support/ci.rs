//! Wiremock servers serving the CI APIs' documented payload shapes from tests/fixtures/<kind>/.
//! Every list answers with an ETag and 304s a request that sends it back.

use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

tokio::task_local! {
    /// When set around the mounting of a server, every fixture it serves goes through this
    /// first (the fault tests plant control characters in the real payloads this way).
    pub static TRANSFORM: fn(&str, String) -> String;
}

pub fn fixture(kind: &str, name: &str) -> String {
    let file = format!(
        "{}/tests/fixtures/{kind}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    match TRANSFORM.try_with(|transform| *transform) {
        Ok(transform) => transform(name, text),
        Err(_) => text,
    }
}

pub const GITHUB_REPO: &str = "octo-org/shop";
pub const GITLAB_PROJECT_PATH: &str = "/api/v4/projects/group%2Fpayments";
pub const BUILDKITE_BUILDS: &str = "/v2/organizations/my-great-org/pipelines/checkout/builds";

/// Rate-limit headers of a comfortable GitHub answer.
fn github_limits(response: ResponseTemplate) -> ResponseTemplate {
    let reset = chrono::Utc::now().timestamp() + 3600;
    response
        .insert_header("x-ratelimit-limit", "5000")
        .insert_header("x-ratelimit-remaining", "4990")
        .insert_header("x-ratelimit-used", "10")
        .insert_header("x-ratelimit-reset", reset.to_string().as_str())
}

/// Serves `body` at `at` with an ETag; a request with `auth` (when given) and the ETag gets 304.
pub async fn serve(
    server: &MockServer,
    at: &str,
    body: String,
    auth: Option<(&str, String)>,
    decorate: fn(ResponseTemplate) -> ResponseTemplate,
) {
    let etag = format!("\"{:x}\"", body.len() * 31 + at.len());
    let mut not_modified = Mock::given(method("GET"))
        .and(path(at))
        .and(header("if-none-match", etag.as_str()));
    let mut fresh = Mock::given(method("GET")).and(path(at));
    if let Some((name, value)) = &auth {
        not_modified = not_modified.and(header(*name, value.as_str()));
        fresh = fresh.and(header(*name, value.as_str()));
    }
    not_modified
        .respond_with(decorate(
            ResponseTemplate::new(304).insert_header("etag", etag.as_str()),
        ))
        .with_priority(1)
        .mount(server)
        .await;
    fresh
        .respond_with(decorate(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json; charset=utf-8")
                .insert_header("etag", etag.as_str())
                .set_body_string(body),
        ))
        .with_priority(3)
        .mount(server)
        .await;
}

fn plain(response: ResponseTemplate) -> ResponseTemplate {
    response
}

/// The GitHub API for octo-org/shop; with a token, only requests bearing it are answered.
pub async fn github(server: &MockServer, token: Option<&str>) {
    let auth = token.map(|t| ("authorization", format!("Bearer {t}")));
    let repo = format!("/repos/{GITHUB_REPO}");
    let files = [
        ("actions/runs", "runs.json"),
        ("actions/runs/30433642/jobs", "jobs-30433642.json"),
        ("actions/runs/30433650/jobs", "jobs-30433650.json"),
        ("deployments", "deployments.json"),
        ("deployments/101/statuses", "statuses-101.json"),
        ("deployments/102/statuses", "statuses-102.json"),
        ("deployments/103/statuses", "statuses-103.json"),
        (
            "commits/aaa1110b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a44",
            "commit-aaa111.json",
        ),
        (
            "commits/ccc3330b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a11",
            "commit-ccc333.json",
        ),
        (
            "compare/aaa1110b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a44...ccc3330b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a11",
            "compare-aaa111...ccc333.json",
        ),
    ];
    for (at, file) in files {
        serve(
            server,
            &format!("{repo}/{at}"),
            fixture("github", file),
            auth.clone(),
            github_limits,
        )
        .await;
    }
    // Issues come in two pages linked by `link: rel="next"`.
    let issues = format!("{repo}/issues");
    let mut page2 = Mock::given(method("GET"))
        .and(path(issues.as_str()))
        .and(query_param("page", "2"));
    let mut page1 = Mock::given(method("GET")).and(path(issues.as_str()));
    if let Some((name, value)) = &auth {
        page2 = page2.and(header(*name, value.as_str()));
        page1 = page1.and(header(*name, value.as_str()));
    }
    page2
        .respond_with(github_limits(
            ResponseTemplate::new(200).set_body_string(fixture("github", "issues-page2.json")),
        ))
        .with_priority(1)
        .mount(server)
        .await;
    let next = format!(
        "<{}{issues}?labels=incident&state=all&per_page=100&page=2>; rel=\"next\", <{}{issues}?labels=incident&state=all&per_page=100&page=2>; rel=\"last\"",
        server.uri(),
        server.uri()
    );
    page1
        .respond_with(github_limits(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_string(fixture("github", "issues-page1.json")),
        ))
        .with_priority(3)
        .mount(server)
        .await;
}

/// The GitLab API for group/payments under /api/v4; issues paged by `x-next-page`.
pub async fn gitlab(server: &MockServer, token: Option<&str>) {
    let auth = token.map(|t| ("private-token", t.to_string()));
    for (at, file) in [
        ("pipelines", "pipelines.json"),
        ("pipelines/1001/jobs", "jobs-1001.json"),
        ("deployments", "deployments.json"),
        ("repository/compare", "compare-ddd444...eee555.json"),
    ] {
        serve(
            server,
            &format!("{GITLAB_PROJECT_PATH}/{at}"),
            fixture("gitlab", file),
            auth.clone(),
            plain,
        )
        .await;
    }
    let issues = format!("{GITLAB_PROJECT_PATH}/issues");
    let mut page2 = Mock::given(method("GET"))
        .and(path(issues.as_str()))
        .and(query_param("issue_type", "incident"))
        .and(query_param("page", "2"));
    let mut page1 = Mock::given(method("GET"))
        .and(path(issues.as_str()))
        .and(query_param("issue_type", "incident"));
    if let Some((name, value)) = &auth {
        page2 = page2.and(header(*name, value.as_str()));
        page1 = page1.and(header(*name, value.as_str()));
    }
    page2
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-next-page", "")
                .insert_header("x-page", "2")
                .set_body_string(fixture("gitlab", "issues-page2.json")),
        )
        .with_priority(1)
        .mount(server)
        .await;
    page1
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-next-page", "2")
                .insert_header("x-page", "1")
                .set_body_string(fixture("gitlab", "issues-page1.json")),
        )
        .with_priority(3)
        .mount(server)
        .await;
}

/// A Jenkins server with a freestyle job, a folder, a multibranch project and wfapi.
pub async fn jenkins(server: &MockServer, basic: Option<&str>) {
    let auth = basic.map(|b| ("authorization", format!("Basic {b}")));
    for (at, file) in [
        ("/api/json", "api-json.json"),
        (
            "/job/web/job/main/57/wfapi/describe",
            "wfapi-web-main-57.json",
        ),
        (
            "/job/platform/job/infra/17/wfapi/describe",
            "wfapi-platform-infra-17.json",
        ),
        ("/job/deploy-prod/api/json", "deploy-prod.json"),
    ] {
        serve(server, at, fixture("jenkins", file), auth.clone(), plain).await;
    }
}

pub async fn buildkite(server: &MockServer, token: Option<&str>) {
    let auth = token.map(|t| ("authorization", format!("Bearer {t}")));
    serve(
        server,
        BUILDKITE_BUILDS,
        fixture("buildkite", "builds.json"),
        auth,
        |r| {
            r.insert_header("ratelimit-remaining", "199")
                .insert_header("ratelimit-limit", "200")
                .insert_header("ratelimit-reset", "42")
        },
    )
    .await;
}
