//! The GitHub Actions source on API answers recorded by PyGithub against github.com (origins in
//! tests/fixtures/SOURCES.md). Where a test needs a case no recording shows (a rename, a file
//! that failed to load, a matrix over 100 jobs), it derives it from a recording in code.

mod support;

use andon::model::{BuildStatus, Pipeline, StageStatus};
use andon::sources::github::GithubConfig;
use andon::sources::github::{self, GithubSource};
use serde_json::Value;
use support::replay::pygithub_body;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PHISHBENCH: &str = "github/pygithub/PullRequest2408.test_get_workflow_runs.txt";
const PHISHBENCH_RUNS: &str = "/repos/ReDASers/PhishBench/actions/runs?exclude_pull_requests=1";
const JOBS_A: &str = "github/pygithub/WorkflowRun.test_jobs.txt";
const JOBS_A_PATH: &str = "/repos/PyGithub/PyGithub/actions/runs/3881497935/jobs";
const JOBS_B: &str = "github/pygithub/WorkflowJob.setUp.txt";
const JOBS_B_PATH: &str = "/repos/PyGithub/PyGithub/actions/runs/4205440316/jobs";

fn phishbench_runs() -> String {
    pygithub_body(PHISHBENCH, PHISHBENCH_RUNS)
}

fn cards(runs: &str, workflows: &[&str]) -> Vec<Pipeline> {
    let wanted: Vec<String> = workflows.iter().map(|w| w.to_string()).collect();
    github::read_runs("PhishBench", runs, &wanted).unwrap()
}

fn names(pipelines: &[Pipeline]) -> Vec<&str> {
    pipelines.iter().map(|p| p.name.as_str()).collect()
}

/// The recorded page with one run changed, found by id.
fn with_run(runs: &str, id: u64, change: impl Fn(&mut Value)) -> String {
    let mut page: Value = serde_json::from_str(runs).unwrap();
    let run = page["workflow_runs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no run {id}"));
    change(run);
    page.to_string()
}

#[test]
fn one_card_per_workflow_from_thirty_recorded_runs() {
    let pipelines = cards(&phishbench_runs(), &[]);
    assert_eq!(
        names(&pipelines),
        [
            "PhishBench/Build Documentation",
            "PhishBench/Email Integration Test",
            "PhishBench/Lint",
            "PhishBench/URL Integration Test",
            "PhishBench/Unit Test",
            "PhishBench/Website TF-IDF Integration Test",
        ]
    );
    let lint = &pipelines[2];
    assert_eq!(
        lint.status,
        BuildStatus::Passing,
        "the newest Lint run passed"
    );
    assert_eq!(lint.label.as_deref(), Some("#384"));
    assert!(!lint.previous[0].passed, "run #383 failed");
}

#[test]
fn workflow_filters_match_however_the_path_is_written() {
    let runs = phishbench_runs();
    for wanted in [
        "Lint",
        "Lint.yml",
        ".github/workflows/Lint.yml",
        "./.github/workflows/Lint.yml",
        "workflows/Lint.yml",
        ".github/workflows/Lint.yml@refs/heads/master",
    ] {
        assert_eq!(
            names(&cards(&runs, &[wanted])),
            ["PhishBench/Lint"],
            "{wanted}"
        );
    }
    assert!(
        cards(&runs, &["lint.yml"]).is_empty(),
        "file names are case-sensitive"
    );
}

#[test]
fn a_renamed_workflow_is_one_card_under_its_new_name() {
    // Run #384 (passed) ran after the workflow was renamed; #383 (failed) carries the old name.
    let runs = with_run(&phishbench_runs(), 2802601342, |r| {
        r["name"] = "Lint and format".into();
    });
    let pipelines = cards(&runs, &[]);
    assert_eq!(pipelines.len(), 6, "{:?}", names(&pipelines));
    let lint: Vec<&Pipeline> = pipelines
        .iter()
        .filter(|p| p.name.contains("Lint"))
        .collect();
    assert_eq!(lint.len(), 1, "no stale card under the old name");
    assert_eq!(lint[0].name, "PhishBench/Lint and format");
    assert_eq!(lint[0].status, BuildStatus::Passing);
    // The old name still finds it.
    assert_eq!(
        names(&cards(&runs, &["Lint"])),
        ["PhishBench/Lint and format"]
    );
}

#[test]
fn a_workflow_file_that_failed_to_load_stays_its_own_card() {
    // GitHub names a run whose workflow file does not parse by the file's path.
    let runs = with_run(&phishbench_runs(), 3519037354, |r| {
        r["name"] = r["path"].clone();
        r["conclusion"] = "startup_failure".into();
    });
    let pipelines = cards(&runs, &[]);
    assert_eq!(pipelines.len(), 6, "{:?}", names(&pipelines));
    let unit = pipelines
        .iter()
        .find(|p| p.name == "PhishBench/Unit Test")
        .expect("the card keeps the workflow's name");
    assert_eq!(unit.status, BuildStatus::Failing);
    // With no run left that carries a name, the card is named by the path.
    let only_broken: Value = {
        let mut page: Value = serde_json::from_str(&runs).unwrap();
        page["workflow_runs"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["id"] == 3519037354u64);
        page
    };
    assert_eq!(
        names(&cards(&only_broken.to_string(), &[])),
        ["PhishBench/.github/workflows/Unit_Test.yml"]
    );
}

#[test]
fn runs_from_before_names_and_paths_were_listed_are_one_card() {
    // Recorded in 2020: runs carry workflow_id but neither name nor path.
    let runs = pygithub_body(
        "github/pygithub/Repository.testGetWorkflowRuns.txt",
        "/repos/PyGithub/PyGithub/actions/runs",
    );
    let pipelines = github::read_runs("PyGithub", &runs, &[]).unwrap();
    assert_eq!(names(&pipelines), ["PyGithub/workflow 1026390"]);
}

#[test]
fn matrix_jobs_become_stages_with_their_real_names() {
    let stages = github::read_jobs(&pygithub_body(JOBS_A, JOBS_A_PATH)).unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "test (Python 3.7)",
            "test (Python 3.8)",
            "test (Python 3.9)",
            "test (Python 3.10)",
            "test (Python 3.11-dev)",
        ]
    );
    assert!(stages.iter().all(|s| s.status == StageStatus::Passed));
}

/// A run whose jobs come in two pages (`link: rel="next"`), as a matrix over 100 jobs does:
/// every page is read.
#[tokio::test]
async fn job_lists_are_read_page_by_page() {
    let server = MockServer::start().await;
    let runs = with_run(&phishbench_runs(), 2802601342, |r| {
        r["id"] = 3881497935u64.into();
    });
    let repo = "/repos/ReDASers/PhishBench";
    Mock::given(path(format!("{repo}/actions/runs")))
        .respond_with(ResponseTemplate::new(200).set_body_string(runs))
        .mount(&server)
        .await;
    let jobs = format!("{repo}/actions/runs/3881497935/jobs");
    Mock::given(path(jobs.as_str()))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(pygithub_body(JOBS_B, JOBS_B_PATH)),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let next = format!("<{}{jobs}?per_page=100&page=2>; rel=\"next\"", server.uri());
    Mock::given(path(jobs.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next.as_str())
                .set_body_string(pygithub_body(JOBS_A, JOBS_A_PATH)),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let source = GithubSource::new(
        GithubConfig {
            api_url: server.uri(),
            repo: "ReDASers/PhishBench".into(),
            branch: "master".into(),
            workflows: vec!["Lint.yml".into()],
            environment: String::new(),
            incident_label: String::new(),
            auth: Default::default(),
        },
        andon::sources::http::client(),
    );
    let snapshot = source.poll(chrono::Utc::now()).await.unwrap();
    assert_eq!(names(&snapshot.pipelines), ["PhishBench/Lint"]);
    assert_eq!(snapshot.pipelines[0].stages.len(), 10, "both pages of jobs");
}
