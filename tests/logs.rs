//! Why it broke: failed jobs' logs read from servers on 127.0.0.1 serving recorded log payloads
//! (a GitHub Actions job log, a GitLab job trace), through a redirect to another origin, with
//! and without range support, cleaned of control sequences and redacted.

use andon::logs::{self, LogText, fetch, text};
use andon::model::{BuildStatus, Pipeline, Snapshot, StageRun, StageStatus};
use andon::setup::{self, Config};
use andon::state::State;
use andon::view::{self, PipelineView};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghp_test0nlyTOKEN0123456789abcdefghij";
const GITHUB_LOG: &[u8] = include_bytes!("fixtures/logs/github-actions-job.log");
const GITLAB_TRACE: &[u8] = include_bytes!("fixtures/logs/gitlab-job-trace.log");

fn config_for(kind_lines: &str) -> Config {
    let text = format!("[[source]]\nname = \"ci\"\n{kind_lines}\n");
    setup::parse(&text, "test.toml").unwrap()
}

/// The view of one failing pipeline whose `stage` failed in job `job`.
fn failing_view(config: &Config, name: &str, stage: &str, job: Option<&str>) -> PipelineView {
    let mut failed = StageRun::new(stage, StageStatus::Failed);
    failed.job = job.map(str::to_string);
    let mut pipeline = Pipeline::from_stages(
        name,
        vec![StageRun::new("checkout", StageStatus::Passed), failed],
    );
    pipeline.label = Some("#42".into());
    pipeline.url = Some("http://127.0.0.1:9/job/web/42/".into());
    assert_eq!(pipeline.status, BuildStatus::Failing);
    let mut state = State::new(config);
    let now = chrono::Utc::now();
    state.record(
        0,
        now,
        Ok(Snapshot {
            pipelines: vec![pipeline],
            ..Snapshot::default()
        }),
    );
    let view = view::build(config, &state, view::dora_report(config, &state, now), now);
    view.pipelines[0].clone()
}

fn texts(log: &LogText) -> Vec<String> {
    log.lines.iter().map(|l| l.text()).collect()
}

#[tokio::test]
async fn a_github_job_log_follows_the_redirect_without_the_token() {
    let api = MockServer::start().await;
    let blob = MockServer::start().await;
    let mut log = GITHUB_LOG.to_vec();
    log.extend_from_slice(
        format!(
            "2022-06-20T09:28:13.4Z leaked {TOKEN} here\r\n\
             2022-06-20T09:28:13.5Z \x1b[31m##[error]Process completed with exit code 1.\x1b[0m\r\n"
        )
        .as_bytes(),
    );
    Mock::given(method("GET"))
        .and(path("/repos/octo/shop/actions/jobs/399444496/logs"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/blob/job-logs.txt?sig=abc", blob.uri()),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/blob/job-logs.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(log))
        .expect(1)
        .mount(&blob)
        .await;
    let config = config_for(&format!(
        "kind = \"github\"\nrepo = \"octo/shop\"\napi_url = \"{}\"\ntoken = \"{TOKEN}\"",
        api.uri()
    ));
    let pipeline = failing_view(&config, "shop/CI", "build", Some("399444496"));
    let target = logs::target(&config, &pipeline, None).unwrap();
    assert_eq!(target.title, "shop/CI #42 · build");
    let log = logs::fetch(&target).await.unwrap();

    let received: Vec<Request> = blob.received_requests().await.unwrap();
    assert!(
        received[0].headers.get("authorization").is_none(),
        "the token must not follow the redirect to another origin"
    );
    assert_eq!(received[0].headers.get("range").unwrap(), "bytes=-65536");

    let lines = texts(&log);
    assert!(!log.cut, "the whole log fits in the tail");
    assert_eq!(
        lines[0], "Requested labels: ubuntu-latest",
        "timestamps stripped"
    );
    assert!(lines.contains(&"▸ Operating System".to_string()));
    assert!(!lines.iter().any(|l| l.contains("##[endgroup]")));
    assert!(
        lines
            .iter()
            .all(|l| !l.contains('\x1b') && !l.contains('\r'))
    );
    assert!(lines.contains(&"leaked [redacted] here".to_string()));
    assert!(!lines.iter().any(|l| l.contains(TOKEN)));
    // The echoed script lines keep their colour as a style.
    let script = log
        .lines
        .iter()
        .find(|l| l.text() == "bash $GITHUB_ACTION_PATH/sourcefiles.sh")
        .expect("the echoed command");
    assert_eq!(script.spans[0].style.fg, Some(ratatui::style::Color::Cyan));
    let last = log.last_error().unwrap();
    assert_eq!(lines[last], "Error: Process completed with exit code 1.");
    assert_eq!(last, lines.len() - 1);
}

#[tokio::test]
async fn a_gitlab_trace_from_a_server_without_ranges_keeps_only_its_tail() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v4/projects/group%2Fpayments/jobs/1001/trace"))
        .and(header("private-token", "glpat-0123456789abcdefghij"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(GITLAB_TRACE.to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let config = config_for(&format!(
        "kind = \"gitlab\"\nproject = \"group/payments\"\napi_url = \"{}/api/v4\"\ntoken = \"glpat-0123456789abcdefghij\"",
        server.uri()
    ));
    let pipeline = failing_view(&config, "payments", "test", Some("1001"));
    let log = logs::fetch(&logs::target(&config, &pipeline, None).unwrap())
        .await
        .unwrap();
    assert!(GITLAB_TRACE.len() > logs::TAIL_BYTES);
    assert!(log.cut);
    let lines = texts(&log);
    assert_eq!(lines.last().unwrap(), "Job succeeded");
    assert!(
        !lines.iter().any(|l| l.starts_with("section_")),
        "markers read"
    );
    assert!(lines.contains(&"Running after script...".to_string()));
    assert!(lines.contains(&"819 examples, 0 failures, 92 pending".to_string()));
    let warning = log
        .lines
        .iter()
        .find(|l| l.text().starts_with("WARNING: tmp/capybara/"))
        .unwrap();
    assert_eq!(
        warning.spans[0].style.fg,
        Some(ratatui::style::Color::Yellow)
    );
    assert!(
        !log.lines
            .iter()
            .any(|l| l.error && l.text().contains("0 failures")),
        "a clean summary is not an error"
    );
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    assert!(bytes <= logs::TAIL_BYTES);
}

#[tokio::test]
async fn a_server_that_serves_ranges_sends_only_the_end() {
    let server = MockServer::start().await;
    let tail = &GITLAB_TRACE[GITLAB_TRACE.len() - 1000..];
    Mock::given(method("GET"))
        .and(path("/trace"))
        .and(header("range", "bytes=-1000"))
        .respond_with(
            ResponseTemplate::new(206)
                .insert_header(
                    "content-range",
                    format!(
                        "bytes {}-{}/{}",
                        GITLAB_TRACE.len() - 1000,
                        GITLAB_TRACE.len() - 1,
                        GITLAB_TRACE.len()
                    )
                    .as_str(),
                )
                .set_body_bytes(tail.to_vec()),
        )
        .mount(&server)
        .await;
    let request = logs::LogRequest {
        url: format!("{}/trace", server.uri()),
        headers: Default::default(),
    };
    let client = fetch::client(&config_for("kind = \"demo\"").sources[0].transport).unwrap();
    let got = fetch::tail(
        &client,
        &request,
        1000,
        16 << 20,
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(got.cut);
    assert_eq!(got.bytes, tail);
    let log = text::clean(&got.bytes, got.cut, &[]);
    assert_eq!(texts(&log).last().unwrap(), "Job succeeded");
}

#[tokio::test]
async fn errors_say_what_happened_and_a_redirect_loop_ends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/gone"))
        .respond_with(ResponseTemplate::new(410).set_body_string("Gone: logs expired"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&server)
        .await;
    let client = fetch::client(&config_for("kind = \"demo\"").sources[0].transport).unwrap();
    let get = |p: &str| logs::LogRequest {
        url: format!("{}{p}", server.uri()),
        headers: Default::default(),
    };
    let wait = std::time::Duration::from_secs(5);
    let gone = fetch::tail(&client, &get("/gone"), 100, 1000, wait).await;
    assert_eq!(gone.unwrap_err(), "HTTP 410 Gone: Gone: logs expired");
    let looped = fetch::tail(&client, &get("/loop"), 100, 1000, wait).await;
    assert_eq!(looped.unwrap_err(), "more than 5 redirects");
}

#[test]
fn kinds_without_logs_and_runs_without_a_job_say_so() {
    let config = config_for("kind = \"cctray\"\nurl = \"http://127.0.0.1:9/cc.xml\"");
    let pipeline = failing_view(&config, "web", "build", None);
    assert_eq!(
        logs::target(&config, &pipeline, None).unwrap_err(),
        "ci is a cctray source, which serves no job logs"
    );
    let config = config_for("kind = \"github\"\nrepo = \"octo/shop\"");
    let pipeline = failing_view(&config, "shop/CI", "build", None);
    assert_eq!(
        logs::target(&config, &pipeline, None).unwrap_err(),
        "ci names no failed job of shop/CI #42 whose log could be read"
    );
    let pipeline = failing_view(&config, "shop/CI", "build", Some("../../admin"));
    assert!(logs::target(&config, &pipeline, None).is_err());
}

#[tokio::test]
async fn the_demo_source_has_a_log_for_its_failed_stage() {
    let config = config_for("kind = \"demo\"");
    let pipeline = failing_view(&config, "ledger", "build", None);
    let log = logs::fetch(&logs::target(&config, &pipeline, None).unwrap())
        .await
        .unwrap();
    assert!(log.last_error().is_some());
    assert!(texts(&log).iter().any(|l| l.contains("error[E0308]")));
}
