//! The CI API sources against wiremock servers on 127.0.0.1 serving documented payload shapes:
//! statuses, stages, DORA events, pagination, 304s, rate limits and error pages.

mod support;

use andon::credentials::{Auth, Secret, TokenSource};
use andon::model::{BuildStatus, PastRun, Pipeline, StageStatus, Timestamp};
use andon::sources::buildkite::BuildkiteConfig;
use andon::sources::buildkite::BuildkiteSource;
use andon::sources::github::GithubConfig;
use andon::sources::github::GithubSource;
use andon::sources::gitlab::GitlabConfig;
use andon::sources::gitlab::GitlabSource;
use andon::sources::http::client;
use andon::sources::jenkins::JenkinsConfig;
use andon::sources::jenkins::JenkinsSource;
use chrono::{TimeZone, Utc};
use support::ci;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghp_test0nlyTOKEN0123456789";

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn inline(token: &str) -> Auth {
    Auth {
        user: None,
        token: Some(TokenSource::Inline(Secret::new(token))),
    }
}

fn github_config(server: &MockServer) -> GithubConfig {
    GithubConfig {
        api_url: server.uri(),
        repo: ci::GITHUB_REPO.into(),
        branch: "main".into(),
        workflows: Vec::new(),
        environment: "production".into(),
        incident_label: "incident".into(),
        auth: inline(TOKEN),
    }
}

fn by_name<'a>(pipelines: &'a [Pipeline], name: &str) -> &'a Pipeline {
    pipelines
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no pipeline {name:?} in {pipelines:?}"))
}

/// Each stage's duration and queue time in seconds, as far as the source says.
fn stage_times(p: &Pipeline) -> Vec<(String, Option<f64>, Option<f64>)> {
    p.stages
        .iter()
        .map(|s| (s.name.clone(), s.duration_seconds(), s.queued_seconds()))
        .collect()
}

fn stage_words(p: &Pipeline) -> Vec<(String, StageStatus)> {
    p.stages
        .iter()
        .map(|s| (s.name.clone(), s.status))
        .collect()
}

/// A server of its own: a host that andon rests must not be a pooled server other tests reuse.
async fn rested_server() -> MockServer {
    MockServer::builder().start().await
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn github_runs_jobs_deployments_and_incidents() {
    let server = MockServer::start().await;
    ci::github(&server, Some(TOKEN)).await;
    let source = GithubSource::new(github_config(&server), client());
    let snapshot = source.poll(Utc::now()).await.unwrap();

    let names: Vec<&str> = snapshot.pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["shop/CI", "shop/Deploy"]);
    let ci_run = by_name(&snapshot.pipelines, "shop/CI");
    assert_eq!(ci_run.status, BuildStatus::Failing);
    assert_eq!(ci_run.stage.as_deref(), Some("test"));
    assert_eq!(ci_run.label.as_deref(), Some("#562"));
    assert_eq!(ci_run.last_build_at, Some(utc(2026, 11, 20, 14, 7, 31)));
    assert_eq!(
        ci_run.url.as_deref(),
        Some("https://github.com/octo-org/shop/actions/runs/30433642")
    );
    assert_eq!(
        ci_run.commit.as_deref(),
        Some("ddd4440b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a22")
    );
    assert_eq!(ci_run.author.as_deref(), Some("Hubot"));
    assert_eq!(ci_run.started_at, Some(utc(2026, 11, 20, 14, 0, 3)));
    assert_eq!(ci_run.finished_at, Some(utc(2026, 11, 20, 14, 7, 31)));
    assert_eq!(
        stage_times(ci_run),
        [
            ("build".to_string(), Some(125.0), Some(4.0)),
            ("test".to_string(), Some(305.0), Some(4.0)),
            ("package".to_string(), None, None),
        ],
        "a skipped job did not run, whatever its times say"
    );
    assert_eq!(
        ci_run.previous,
        [PastRun {
            id: "#561".into(),
            passed: true,
            commit: Some("ccc3330b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a11".into()),
        }]
    );
    let deploy = by_name(&snapshot.pipelines, "shop/Deploy");
    assert_eq!(
        (deploy.status, deploy.building),
        (BuildStatus::Passing, true)
    );
    assert_eq!(deploy.author.as_deref(), Some("Mona Octocat"));
    assert_eq!(deploy.finished_at, None, "still running");
    assert_eq!(
        deploy.stages[1].started_at,
        Some(utc(2026, 11, 20, 15, 2, 5))
    );
    assert_eq!(deploy.stages[1].finished_at, None);
    assert_eq!(
        stage_words(deploy),
        [
            ("build".to_string(), StageStatus::Passed),
            ("deploy".to_string(), StageStatus::Running)
        ]
    );

    let events = &snapshot.events;
    let finished: Vec<Timestamp> = events.deployments.iter().map(|d| d.finished_at).collect();
    assert_eq!(
        finished,
        [utc(2026, 11, 20, 15, 6, 0), utc(2026, 11, 18, 10, 4, 0)],
        "the failed deployment 102 is not one"
    );
    let commits: Vec<(String, Timestamp)> = events
        .changes
        .iter()
        .map(|c| (c.commit[..6].to_string(), c.committed_at))
        .collect();
    // 103 delivers the three commits after 101's (102 failed, so its commit ships with 103);
    // 101, the oldest listed, counts its own commit only.
    assert_eq!(
        commits,
        [
            ("bbb222".to_string(), utc(2026, 11, 19, 8, 0, 0)),
            ("bbb555".to_string(), utc(2026, 11, 19, 20, 0, 0)),
            ("ccc333".to_string(), utc(2026, 11, 20, 13, 6, 0)),
            ("aaa111".to_string(), utc(2026, 11, 18, 8, 0, 0))
        ]
    );
    // Two pages of issues; the pull request is not an incident.
    let incidents: Vec<(&str, Option<Timestamp>)> = events
        .incidents
        .iter()
        .map(|i| (i.id.as_str(), i.resolved_at))
        .collect();
    assert_eq!(
        incidents,
        [("#7", Some(utc(2026, 11, 18, 13, 30, 0))), ("#5", None)]
    );
    assert!(events.incidents.iter().all(|i| i.app == "shop"));
}

#[tokio::test]
async fn github_second_poll_is_conditional_and_skips_immutable_details() {
    let server = MockServer::start().await;
    ci::github(&server, Some(TOKEN)).await;
    let source = GithubSource::new(github_config(&server), client());
    let first = source.poll(Utc::now()).await.unwrap();
    let after_first = requests(&server).await;
    // runs, 2 jobs, deployments, 3 statuses, 1 commit, 1 comparison, 2 pages of issues
    assert_eq!(after_first, 11);
    let second = source.poll(Utc::now()).await.unwrap();
    assert_eq!(first, second, "304s reuse the cached bodies");
    let received = server.received_requests().await.unwrap();
    let later = &received[after_first..];
    // runs, jobs of the run still in progress, deployments, 2 pages of issues
    assert_eq!(
        later.len(),
        5,
        "{:?}",
        later.iter().map(|r| r.url.path()).collect::<Vec<_>>()
    );
    let conditional = later
        .iter()
        .filter(|r| r.headers.contains_key("if-none-match"))
        .count();
    assert_eq!(
        conditional, 3,
        "every list with an ETag is asked conditionally"
    );
}

#[tokio::test]
async fn github_lead_time_counts_every_commit_a_deployment_delivers() {
    let server = MockServer::start().await;
    ci::github(&server, Some(TOKEN)).await;
    let source = GithubSource::new(github_config(&server), client());
    let snapshot = source.poll(Utc::now()).await.unwrap();
    let now = utc(2026, 11, 21, 0, 0, 0);
    let report = andon::dora::compute(
        &snapshot.events,
        now,
        std::time::Duration::from_secs(30 * 86_400),
        andon::dora::Benchmark::Dora2023,
    );
    // 101 at 11-18 10:04 delivers aaa111 (08:00): 2h04m. 103 at 11-20 15:06 delivers bbb222
    // (11-19 08:00): 31h06m, bbb555 (11-19 20:00): 19h06m, ccc333 (11-20 13:06): 2h.
    let lead = &report.lead_time;
    assert_eq!(lead.n, 4, "{lead:?}");
    let median = (2 * 3600 + 4 * 60 + 19 * 3600 + 6 * 60) as f64 / 2.0;
    assert_eq!(lead.median_seconds, Some(median), "10h35m");
    // The deployed commit alone would have said n=2, median 2h02m.
    assert_ne!(lead.median_seconds, Some((2 * 3600 + 2 * 60) as f64));
}

#[tokio::test]
async fn github_comparisons_are_asked_once() {
    let server = MockServer::start().await;
    ci::github(&server, Some(TOKEN)).await;
    let source = GithubSource::new(github_config(&server), client());
    let compares = |received: &[wiremock::Request]| {
        received
            .iter()
            .filter(|r| r.url.path().contains("/compare/"))
            .count()
    };
    let first = source.poll(Utc::now()).await.unwrap();
    assert_eq!(compares(&server.received_requests().await.unwrap()), 1);
    for _ in 0..3 {
        let again = source.poll(Utc::now()).await.unwrap();
        assert_eq!(again.events, first.events);
    }
    let received = server.received_requests().await.unwrap();
    assert_eq!(compares(&received), 1, "immutable: kept, not asked again");
    assert!(
        !received.iter().any(|r| r
            .url
            .path()
            .ends_with("/commits/ccc3330b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a11")),
        "the compared head needs no commit lookup of its own"
    );
}

#[tokio::test]
async fn github_comparison_that_cannot_be_made_falls_back_to_the_deployed_commit() {
    let server = MockServer::start().await;
    // A deployed commit gone after a force push: GitHub answers 404, for good.
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("/compare/"))
        .respond_with(
            ResponseTemplate::new(404).set_body_string(r#"{"message":"Not Found","status":"404"}"#),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    ci::github(&server, Some(TOKEN)).await;
    let source = GithubSource::new(github_config(&server), client());
    let snapshot = source.poll(Utc::now()).await.unwrap();
    let commits: Vec<&str> = snapshot
        .events
        .changes
        .iter()
        .map(|c| &c.commit[..6])
        .collect();
    assert_eq!(commits, ["ccc333", "aaa111"]);
    source.poll(Utc::now()).await.unwrap();
    let received = server.received_requests().await.unwrap();
    let compares = received
        .iter()
        .filter(|r| r.url.path().contains("/compare/"))
        .count();
    assert_eq!(
        compares, 1,
        "a comparison that cannot be made is not asked again"
    );
}

#[tokio::test]
async fn github_secondary_rate_limit_rests_the_host_and_names_the_time() {
    let server = rested_server().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "600")
                .insert_header("content-type", "application/json")
                .set_body_string(ci::fixture("github", "secondary-rate-limit.json")),
        )
        .mount(&server)
        .await;
    let source = GithubSource::new(github_config(&server), client());
    let err = source.poll(Utc::now()).await.unwrap_err();
    assert!(err.reason.starts_with("rate limited until "), "{err}");
    assert_eq!(requests(&server).await, 1);
    // The next poll does not knock again before the time said.
    let again = source.poll(Utc::now()).await.unwrap_err();
    assert_eq!(again.reason, err.reason);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn github_nearly_spent_limit_slows_down_before_the_limit() {
    let server = rested_server().await;
    let reset = (Utc::now().timestamp() + 1800).to_string();
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "5")
                .insert_header("x-ratelimit-reset", reset.as_str())
                .set_body_string(ci::fixture("github", "runs.json")),
        )
        .mount(&server)
        .await;
    let mut config = github_config(&server);
    config.auth = Auth::default();
    let source = GithubSource::new(config, client());
    let err = source.poll(Utc::now()).await.unwrap_err();
    assert!(err.reason.starts_with("rate limited until "), "{err}");
    // One answer said 5 of 60 left: andon stopped there instead of spending them.
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn github_error_page_in_place_of_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string(ci::fixture("github", "unicorn.html")),
        )
        .mount(&server)
        .await;
    let err = GithubSource::new(github_config(&server), client())
        .poll(Utc::now())
        .await
        .unwrap_err();
    assert!(
        err.reason.contains("expected JSON, got an HTML page"),
        "{err}"
    );
    assert!(!err.reason.contains(TOKEN));
}

#[tokio::test]
async fn github_missing_token_env_is_explained() {
    let server = MockServer::start().await;
    let mut config = github_config(&server);
    config.auth.token = Some(TokenSource::Env("ANDON_TEST_UNSET_GITHUB_TOKEN".into()));
    let err = GithubSource::new(config, client())
        .poll(Utc::now())
        .await
        .unwrap_err();
    assert_eq!(
        err.reason,
        "token_env ANDON_TEST_UNSET_GITHUB_TOKEN is not set"
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn gitlab_pipeline_stages_deployments_and_paged_incidents() {
    let server = MockServer::start().await;
    ci::gitlab(&server, Some("glpat-test0nly")).await;
    let config = GitlabConfig {
        api_url: format!("{}/api/v4", server.uri()),
        project: "group/payments".into(),
        branch: "main".into(),
        environment: "production".into(),
        incident_label: None,
        auth: inline("glpat-test0nly"),
    };
    let source = GitlabSource::new(config, client());
    let snapshot = source.poll(Utc::now()).await.unwrap();
    let p = by_name(&snapshot.pipelines, "payments");
    assert_eq!((p.status, p.building), (BuildStatus::Passing, true));
    assert_eq!(p.stage.as_deref(), Some("deploy"));
    assert_eq!(p.label.as_deref(), Some("#310"));
    assert_eq!(
        stage_words(p),
        [
            ("build".to_string(), StageStatus::Passed),
            ("test".to_string(), StageStatus::Passed),
            ("deploy".to_string(), StageStatus::Running)
        ],
        "lint may fail"
    );
    assert_eq!(
        p.commit.as_deref(),
        Some("fff6660b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a55")
    );
    assert_eq!(p.author.as_deref(), Some("Ana Lima"));
    assert_eq!(p.started_at, Some(utc(2026, 11, 20, 16, 0, 5)));
    assert_eq!(p.finished_at, None, "still running");
    assert_eq!(
        stage_times(p),
        [
            ("build".to_string(), Some(110.0), Some(0.5)),
            ("test".to_string(), Some(115.0), Some(1.2)),
            ("deploy".to_string(), None, Some(0.8)),
        ],
        "a stage spans its jobs and waited as long as its longest-waiting job"
    );
    assert_eq!(
        p.previous,
        [PastRun {
            id: "#309".into(),
            passed: true,
            commit: Some("eee5550b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a66".into()),
        }]
    );
    let events = &snapshot.events;
    let deployed: Vec<Timestamp> = events.deployments.iter().map(|d| d.finished_at).collect();
    assert_eq!(
        deployed,
        [utc(2026, 11, 17, 10, 0, 0), utc(2026, 11, 15, 10, 0, 0)]
    );
    // The newer deployment delivers the two commits after the older one's.
    let committed: Vec<(&str, Timestamp)> = events
        .changes
        .iter()
        .map(|c| (&c.commit[..6], c.committed_at))
        .collect();
    assert_eq!(
        committed,
        [
            ("fff666", utc(2026, 11, 16, 12, 0, 0)),
            ("eee555", utc(2026, 11, 17, 9, 0, 0)),
            ("ddd444", utc(2026, 11, 14, 10, 0, 0))
        ]
    );
    let incidents: Vec<&str> = events.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(incidents, ["#12", "#11"], "both pages read");
    // pipelines, jobs, deployments, 1 comparison, 2 pages of issues
    assert_eq!(requests(&server).await, 6);

    source.poll(Utc::now()).await.unwrap();
    // pipelines, jobs of the running pipeline, deployments, 2 pages of issues: no comparison
    assert_eq!(requests(&server).await, 6 + 5);
    let received = server.received_requests().await.unwrap();
    let compares: Vec<String> = received
        .iter()
        .filter(|r| r.url.path().ends_with("/repository/compare"))
        .map(|r| r.url.query().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        compares,
        [
            "from=ddd4440b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a77&to=eee5550b3c8ea0d4a1a9c5d1e3b0f27f2f6b1a66"
        ],
        "asked once, from the previous deployment's commit"
    );
}

#[tokio::test]
async fn jenkins_folders_multibranch_and_wfapi_stages_with_basic_auth() {
    let server = MockServer::start().await;
    // ci:tok in base64
    ci::jenkins(&server, Some("Y2k6dG9r")).await;
    let config = JenkinsConfig {
        url: server.uri(),
        jobs: Vec::new(),
        auth: Auth {
            user: Some("ci".into()),
            token: Some(TokenSource::Inline(Secret::new("tok"))),
        },
        deploy_job: None,
        depth: andon::sources::jenkins::DEFAULT_DEPTH,
    };
    let source = JenkinsSource::new(config, client());
    let snapshot = source.poll().await.unwrap();
    let names: Vec<&str> = snapshot.pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["api", "platform/infra", "web/main", "legacy"]);

    let api = by_name(&snapshot.pipelines, "api");
    assert_eq!((api.status, api.building), (BuildStatus::Passing, false));
    assert_eq!(api.label.as_deref(), Some("#142"));
    // timestamp + duration, from milliseconds
    assert_eq!(api.last_build_at, Some(utc(2025, 11, 20, 12, 1, 1)));
    assert!(api.stages.is_empty(), "freestyle jobs have no wfapi");

    let infra = by_name(&snapshot.pipelines, "platform/infra");
    assert_eq!(infra.status, BuildStatus::Failing);
    assert_eq!(infra.stage.as_deref(), Some("Apply"));
    assert_eq!(
        infra.commit.as_deref(),
        Some("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432")
    );
    assert_eq!(infra.author.as_deref(), Some("Grace Hopper, Alan Kay"));
    assert_eq!(infra.started_at, Some(utc(2025, 11, 20, 13, 0, 0)));
    assert_eq!(infra.finished_at, Some(utc(2025, 11, 20, 13, 1, 35)));
    assert_eq!(
        stage_times(infra),
        [
            ("Plan".to_string(), Some(30.0), None),
            ("Apply".to_string(), Some(60.0), None)
        ]
    );

    let web = by_name(&snapshot.pipelines, "web/main");
    assert_eq!((web.status, web.building), (BuildStatus::Passing, true));
    assert_eq!(web.stage.as_deref(), Some("Test"));
    assert_eq!(web.stages.len(), 3);
    assert_eq!(
        stage_times(web),
        [
            ("Build".to_string(), Some(40.0), None),
            ("Test".to_string(), None, None),
            ("Deploy".to_string(), None, None)
        ],
        "a running stage has no duration yet, one not run has no times"
    );
    assert!(web.stages[1].started_at.is_some() && web.stages[2].started_at.is_none());
    assert_eq!(web.finished_at, None);

    let legacy = by_name(&snapshot.pipelines, "legacy");
    assert_eq!(legacy.status, BuildStatus::Unknown);

    // A second poll re-reads api/json and the running build's stages only.
    let before = requests(&server).await;
    assert_eq!(before, 3);
    source.poll().await.unwrap();
    assert_eq!(requests(&server).await - before, 2);
}

#[tokio::test]
async fn jenkins_deploy_job_gives_deployments_and_lead_time_from_change_sets() {
    let server = MockServer::start().await;
    ci::jenkins(&server, None).await;
    let config = JenkinsConfig {
        url: server.uri(),
        jobs: vec!["api".into()],
        auth: Auth::default(),
        deploy_job: Some("deploy-prod".into()),
        depth: andon::sources::jenkins::DEFAULT_DEPTH,
    };
    let source = JenkinsSource::new(config, client());
    let snapshot = source.poll().await.unwrap();
    let deployments = &snapshot.events.deployments;
    let numbers: Vec<&str> = deployments
        .iter()
        .filter_map(|d| d.image_sha.as_deref())
        .collect();
    assert_eq!(
        numbers,
        ["jenkins:deploy-prod#21", "jenkins:deploy-prod#23"],
        "successful builds only; #22 failed, #24 is running"
    );
    assert!(deployments.iter().all(|d| d.app == "deploy-prod"));
    assert_eq!(deployments[1].finished_at, utc(2025, 11, 20, 14, 5, 0));
    let report = andon::dora::compute(
        &snapshot.events,
        utc(2025, 11, 21, 0, 0, 0),
        std::time::Duration::from_secs(30 * 86_400),
        andon::dora::Benchmark::Dora2023,
    );
    // #21 (10:05) delivers 08:05 and 09:05: 2 h, 1 h. #23 (14:05) delivers #22's 11:05 (3 h,
    // its own deploy failed) and 13:05 (1 h). Sorted 1, 1, 2, 3 h: median 1.5 h.
    assert_eq!(report.lead_time.n, 4, "{:?}", report.lead_time);
    assert_eq!(report.lead_time.median_seconds, Some(5_400.0));
    assert_eq!(report.deployment_frequency.deployments, 2);
}

#[tokio::test]
async fn jenkins_without_wfapi_is_asked_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(ci::fixture("jenkins", "api-json.json")),
        )
        .mount(&server)
        .await;
    let config = JenkinsConfig {
        url: server.uri(),
        jobs: vec!["web".into(), "platform".into()],
        auth: Auth::default(),
        deploy_job: None,
        depth: andon::sources::jenkins::DEFAULT_DEPTH,
    };
    let source = JenkinsSource::new(config, client());
    let snapshot = source.poll().await.unwrap();
    assert_eq!(snapshot.pipelines.len(), 2, "filtered to the folders named");
    let web = by_name(&snapshot.pipelines, "web/main");
    assert_eq!((web.status, web.building), (BuildStatus::Passing, true));
    assert_eq!(
        requests(&server).await,
        2,
        "api/json and one 404 from wfapi"
    );
    source.poll().await.unwrap();
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn buildkite_latest_build_and_its_jobs() {
    let server = MockServer::start().await;
    ci::buildkite(&server, Some("bkua_test0nly")).await;
    let config = BuildkiteConfig {
        api_url: server.uri(),
        organization: "my-great-org".into(),
        pipeline: "checkout".into(),
        branch: "main".into(),
        auth: inline("bkua_test0nly"),
        deploy_pipeline: false,
    };
    let snapshot = BuildkiteSource::new(config, client()).poll().await.unwrap();
    let p = by_name(&snapshot.pipelines, "checkout");
    assert_eq!(p.status, BuildStatus::Failing);
    assert_eq!(p.stage.as_deref(), Some(":rspec: Test"));
    assert_eq!(
        stage_words(p),
        [
            (":package: Build".to_string(), StageStatus::Passed),
            (":rspec: Test".to_string(), StageStatus::Failed),
            (":rocket: Deploy".to_string(), StageStatus::Skipped)
        ]
    );
    assert_eq!(p.last_build_at, Some(utc(2026, 11, 20, 17, 6, 1)));
    assert_eq!(p.label.as_deref(), Some("#812"));
    assert_eq!(
        p.commit.as_deref(),
        Some("abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8")
    );
    assert_eq!(p.author.as_deref(), Some("Keith Pitt"));
    assert_eq!(
        (p.started_at, p.finished_at),
        (
            Some(utc(2026, 11, 20, 17, 0, 5)),
            Some(utc(2026, 11, 20, 17, 6, 1))
        )
    );
    assert_eq!(
        stage_times(p),
        [
            (":package: Build".to_string(), Some(115.0), Some(4.0)),
            (":rspec: Test".to_string(), Some(235.0), None),
            (":rocket: Deploy".to_string(), None, None)
        ],
        "queue time runs from runnable to started, when the job says"
    );
}

#[tokio::test]
async fn buildkite_deploy_pipeline_gives_deployments_and_no_made_up_lead_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ci::BUILDKITE_BUILDS))
        .and(wiremock::matchers::query_param("state", "passed"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(ci::fixture("buildkite", "builds-passed.json")),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    ci::buildkite(&server, Some("bkua_test0nly")).await;
    let mut config = BuildkiteConfig {
        api_url: server.uri(),
        organization: "my-great-org".into(),
        pipeline: "checkout".into(),
        branch: "main".into(),
        auth: inline("bkua_test0nly"),
        deploy_pipeline: true,
    };
    let snapshot = BuildkiteSource::new(config.clone(), client())
        .poll()
        .await
        .unwrap();
    assert_eq!(
        by_name(&snapshot.pipelines, "checkout").status,
        BuildStatus::Failing,
        "the card is still the latest build"
    );
    let deployed: Vec<(Option<&str>, Timestamp)> = snapshot
        .events
        .deployments
        .iter()
        .map(|d| (d.commit.as_deref().map(|c| &c[..4]), d.finished_at))
        .collect();
    assert_eq!(
        deployed,
        [
            (Some("9f1e"), utc(2026, 11, 20, 9, 7, 30)),
            (Some("7a3c"), utc(2026, 11, 19, 15, 6, 0)),
            (Some("5b2d"), utc(2026, 11, 17, 11, 5, 10))
        ]
    );
    assert!(snapshot.events.changes.is_empty());
    let report = andon::dora::compute(
        &snapshot.events,
        utc(2026, 11, 21, 0, 0, 0),
        std::time::Duration::from_secs(30 * 86_400),
        andon::dora::Benchmark::Dora2023,
    );
    assert_eq!(report.deployment_frequency.deployments, 3);
    assert_eq!(
        (report.lead_time.n, report.lead_time.median_seconds),
        (0, None)
    );
    assert!(report.lead_time.missing.is_some(), "N/A with its reason");

    // Off by default: one request, no deployments.
    let before = requests(&server).await;
    config.deploy_pipeline = false;
    let plain = BuildkiteSource::new(config, client()).poll().await.unwrap();
    assert!(plain.events.deployments.is_empty());
    assert_eq!(requests(&server).await - before, 1);
}

#[tokio::test]
async fn rate_limited_keeps_the_last_board_marked_stale_with_the_reason() {
    let server = rested_server().await;
    ci::github(&server, None).await;
    let text = format!(
        "[[source]]\nname = \"shop\"\nkind = \"github\"\nrepo = \"octo-org/shop\"\napi_url = \"{}\"\n",
        server.uri()
    );
    let config = andon::setup::parse(&text, "andon.toml").unwrap();
    let source = andon::sources::Source::from_config(&config.sources[0], &client());
    let mut state = andon::state::State::new(&config);
    let t0 = Utc::now();
    state.record(0, t0, source.poll(t0).await);
    server.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "300"))
        .mount(&server)
        .await;
    let t1 = t0 + chrono::TimeDelta::seconds(30);
    state.record(0, t1, source.poll(t1).await);

    let report = andon::view::dora_report(&config, &state, t1);
    let view = andon::view::build(&config, &state, report, t1);
    assert_eq!(view.pipelines.len(), 2, "the last data stays on the board");
    assert!(
        view.pipelines
            .iter()
            .all(|p| p.status == andon::view::PipelineStatus::Stale)
    );
    let reason = view.sources[0].error.as_deref().unwrap();
    assert!(reason.starts_with("rate limited until "), "{reason}");
    assert_eq!(view.dora.deployment_frequency.deployments, 2);
}

#[tokio::test]
async fn pagination_is_bounded_even_when_the_server_always_has_more() {
    let server = MockServer::start().await;
    let issues = format!("/repos/{}/issues", ci::GITHUB_REPO);
    let next = format!("<{}{issues}?page=2>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path(issues.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_string(ci::fixture("github", "issues-page2.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/{}/actions/runs", ci::GITHUB_REPO)))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"total_count":0,"workflow_runs":[]}"#),
        )
        .mount(&server)
        .await;
    let mut config = github_config(&server);
    config.environment = String::new();
    let snapshot = GithubSource::new(config, client())
        .poll(Utc::now())
        .await
        .unwrap();
    assert!(snapshot.pipelines.is_empty());
    assert_eq!(
        snapshot.events.incidents.len(),
        andon::sources::polite::MAX_PAGES
    );
    assert_eq!(
        requests(&server).await,
        1 + andon::sources::polite::MAX_PAGES
    );
}

/// A GitHub source polling only the runs list (one request a poll) every second.
fn runs_only(name: &str, server: &MockServer) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"github\"\nrepo = \"octo-org/shop\"\n\
         api_url = \"{}\"\ninterval = \"1s\"\nenvironment = \"\"\nincident_label = \"\"\n",
        server.uri()
    )
}

async fn serve_runs_with_limit(server: &MockServer, limit: &str, remaining: &str, reset_in: i64) {
    let reset = (Utc::now().timestamp() + reset_in).to_string();
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", limit)
                .insert_header("x-ratelimit-remaining", remaining)
                .insert_header("x-ratelimit-reset", reset.as_str())
                .set_body_string(r#"{"total_count":0,"workflow_runs":[]}"#),
        )
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_remaining_limit_stretches_the_interval_instead_of_running_out() {
    // 16 of 60 left for 10 minutes, a tenth kept: 10 requests spread, one a minute.
    let low = rested_server().await;
    serve_runs_with_limit(&low, "60", "16", 600).await;
    // 4990 of 5000 left for an hour: about one request every 0.8 s, under the interval.
    let roomy = rested_server().await;
    serve_runs_with_limit(&roomy, "5000", "4990", 3600).await;
    let text = format!("{}{}", runs_only("low", &low), runs_only("roomy", &roomy));
    let config = andon::setup::parse(&text, "andon.toml").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let (_refresh, refresh_rx) = tokio::sync::watch::channel(0u64);
    let tasks = andon::poller::spawn(&config, tx, refresh_rx);
    let drain = tokio::spawn(async move {
        let mut failures = Vec::new();
        let mut paced = Vec::new();
        while let Some(update) = rx.recv().await {
            paced.push((update.index, update.paced_until.is_some()));
            if let Err(e) = update.result {
                failures.push(e.reason);
            }
        }
        (failures, paced)
    });
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    for task in &tasks {
        task.abort();
    }
    let (failures, paced) = drain.await.unwrap();
    assert!(failures.is_empty(), "pacing is not a failure: {failures:?}");
    assert_eq!(
        paced.iter().find(|(index, _)| *index == 0),
        Some(&(0, true)),
        "the screen is told when the next poll is"
    );
    assert!(
        paced
            .iter()
            .filter(|(index, _)| *index == 1)
            .all(|(_, p)| !p),
        "a roomy host is not announced as paced: {paced:?}"
    );
    assert_eq!(requests(&low).await, 1, "the next poll waits a minute");
    assert!(
        requests(&roomy).await >= 3,
        "plenty left keeps the interval: {}",
        requests(&roomy).await
    );
}

#[tokio::test]
async fn the_configured_host_budget_is_spent_then_named() {
    let server = rested_server().await;
    serve_runs_with_limit(&server, "5000", "4990", 3600).await;
    let host = server.uri().trim_start_matches("http://").to_string();
    let text = format!(
        "[http.hosts.\"{host}\"]\nbudget_per_hour = 2\n{}",
        runs_only("shop", &server)
    );
    let config = andon::setup::parse(&text, "andon.toml").unwrap();
    assert_eq!(config.sources[0].transport.budget_per_hour, 2);
    let source = andon::sources::Source::from_config(&config.sources[0], &client());
    source.poll(Utc::now()).await.unwrap();
    source.poll(Utc::now()).await.unwrap();
    let err = source.poll(Utc::now()).await.unwrap_err();
    assert!(err.reason.starts_with("rate limited until "), "{err}");
    assert!(
        err.reason.contains(&format!(
            "andon's budget of 2 requests/h to {host} is spent"
        )),
        "{err}"
    );
    assert_eq!(requests(&server).await, 2);
}
