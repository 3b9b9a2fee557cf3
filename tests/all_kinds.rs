//! One config with a source of every kind, each served on 127.0.0.1 what a real server answered
//! (the recordings of tests/fixtures/SOURCES.md; hand-made only where no recording exists):
//! `--once --json`, `--once` and the screen at 80x24, 120x40 and 250x70 all show every source
//! read, the pipelines the recordings imply, under their real job names, and nothing broken.

mod support;

use std::io::Write as _;
use std::process::{Command, Output};

use serde_json::Value;
use support::ci::{self, fixture};
use support::collector::Collector;
use support::prometheus::{OpenMetrics, TestPrometheus};
use support::replay::pygithub_body;
use support::tmux::Tmux;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SOURCES: [(&str, &str); 11] = [
    ("demo", "demo"),
    ("prom", "prometheus"),
    ("metrics", "exposition"),
    ("gocd", "cctray"),
    ("circleci", "cctray"),
    ("phishbench", "github"),
    ("payments", "gitlab"),
    ("jenkins", "jenkins"),
    ("checkout", "buildkite"),
    // A collector (`andon serve`) relaying the CircleCI feed, and its source as it reports it.
    ("hub", "andon"),
    ("hub/relay", "cctray"),
];

const PHISHBENCH: &str = "github/pygithub/PullRequest2408.test_get_workflow_runs.txt";
const PHISHBENCH_REPO: &str = "/repos/ReDASers/PhishBench";
/// The newest runs of the workflows "Unit Test" (#244) and "Lint" (#384) in the recording.
const UNIT_TEST_RUN: u64 = 3519037354;
const LINT_RUN: u64 = 2802601342;
const BUILDKITE_TOKEN: &str = "bkua_allkinds0000";

struct Servers {
    /// A /metrics page, two cctray feeds, GitHub, GitLab, Jenkins, Buildkite.
    http: Vec<MockServer>,
    prometheus: TestPrometheus,
    /// `andon serve` reading the CircleCI feed, once it has read it.
    collector: Collector,
    _collector_home: tempfile::TempDir,
}

impl Servers {
    fn uri(&self, i: usize) -> String {
        self.http[i].uri()
    }
}

async fn plain(server: &MockServer, at: &str, content_type: &str, body: String) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", content_type)
                .set_body_string(body),
        )
        .mount(server)
        .await;
}

/// The DORA events of tests/fixtures/exposition/pelorus-text-0.0.4.txt (hand-made: no published
/// Pelorus page was found), moved into the last days so that they fall in the window.
fn history(now: i64) -> OpenMetrics {
    const H: i64 = 3600;
    const D: i64 = 24 * H;
    let mut history = OpenMetrics::new();
    // Each gauge scraped hourly over the last three hours, its value the event's time.
    let series =
        |at: i64| -> Vec<(i64, f64)> { (0..4).map(|i| (now - 3 * H + i * H, at as f64)).collect() };
    let c1 = now - 5 * D;
    let c2 = now - 2 * D;
    for (image, at) in [("sha256:c1", c1), ("sha256:c2", c2)] {
        history.gauge(
            "deploy_timestamp",
            &[("app", "checkout"), ("image_sha", image)],
            &series(at),
        );
    }
    for (commit, image, at) in [("a1", "sha256:c1", c1 - D), ("b1", "sha256:c2", c2 - H)] {
        history.gauge(
            "commit_timestamp",
            &[
                ("app", "checkout"),
                ("commit", commit),
                ("image_sha", image),
            ],
            &series(at),
        );
    }
    let incident = [("app", "checkout"), ("issue_number", "101")];
    history.gauge("failure_creation_timestamp", &incident, &series(c2 + H));
    history.gauge(
        "failure_resolution_timestamp",
        &incident,
        &series(c2 + 2 * H),
    );
    history
}

/// The recorded Jenkins root (cdancy/jenkins-rest) with its Pipeline job's last build set to the
/// failed run #3 of the Stage View plugin's recording, which is served as that build's wfapi.
fn jenkins_root() -> String {
    let mut root: Value = serde_json::from_str(&fixture(
        "jenkins/recorded",
        "jenkins-rest-jobsInRootFolder.json",
    ))
    .unwrap();
    let job = root["jobs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|j| j["name"] == "Test Workflow Job")
        .unwrap();
    job["color"] = "red".into();
    job["lastBuild"] = serde_json::json!({
        "number": 3, "result": "FAILURE", "building": false,
        "timestamp": 1414318349569u64, "duration": 39528,
        "url": "http://localhost:32769/job/fish-workflow/3/"
    });
    root.to_string()
}

fn wfapi_run_3() -> String {
    let runs: Vec<Value> = serde_json::from_str(&fixture(
        "jenkins/recorded",
        "stage-view-04_rest_api_runs_failed.json",
    ))
    .unwrap();
    runs.into_iter()
        .find(|r| r["name"] == "#3")
        .unwrap()
        .to_string()
}

async fn servers() -> Servers {
    let now = chrono::Utc::now().timestamp();
    let prometheus = TestPrometheus::start(&history(now)).await;
    let mut http = Vec::new();
    for _ in 0..7 {
        http.push(MockServer::start().await);
    }
    // 0: Prometheus's own /metrics page, as recorded (the kind `prometheus` asks the real one).
    plain(
        &http[0],
        "/metrics",
        "text/plain; version=0.0.4; charset=utf-8",
        fixture(
            "exposition/conformance/prometheus-testdata",
            "alltypes.237mfs.prom.txt",
        ),
    )
    .await;
    // 1, 2: what GoCD and CircleCI serve (nevergreen's stubs).
    plain(
        &http[1],
        "/go/cctray.xml",
        "application/xml",
        fixture("cctray/nevergreen", "go_cd.xml"),
    )
    .await;
    plain(
        &http[2],
        "/cc.xml",
        "application/xml",
        fixture("cctray/nevergreen", "circle_ci.xml"),
    )
    .await;
    // 3: GitHub: PhishBench's recorded runs; the jobs of PyGithub's two recorded runs stand for
    // the jobs of the two workflows' newest runs (no recording has PhishBench's jobs).
    let repo = PHISHBENCH_REPO;
    let bodies = [
        (
            "actions/runs".to_string(),
            pygithub_body(
                PHISHBENCH,
                &format!("{repo}/actions/runs?exclude_pull_requests=1"),
            ),
        ),
        (
            format!("actions/runs/{UNIT_TEST_RUN}/jobs"),
            pygithub_body(
                "github/pygithub/WorkflowRun.test_jobs.txt",
                "/repos/PyGithub/PyGithub/actions/runs/3881497935/jobs",
            ),
        ),
        (
            format!("actions/runs/{LINT_RUN}/jobs"),
            pygithub_body(
                "github/pygithub/WorkflowJob.setUp.txt",
                "/repos/PyGithub/PyGithub/actions/runs/4205440316/jobs",
            ),
        ),
    ];
    for (at, body) in bodies {
        ci::serve(&http[3], &format!("{repo}/{at}"), body, None, |r| r).await;
    }
    // 4: GitLab, 6: Buildkite: hand-made after the API documentation (no recording found).
    ci::gitlab(&http[4], None).await;
    ci::buildkite(&http[6], Some(BUILDKITE_TOKEN)).await;
    // 5: Jenkins.
    ci::serve(&http[5], "/api/json", jenkins_root(), None, |r| r).await;
    ci::serve(
        &http[5],
        "/job/fish-workflow/3/wfapi/describe",
        wfapi_run_3(),
        None,
        |r| r,
    )
    .await;
    let collector_home = tempfile::tempdir().unwrap();
    let relay = format!(
        "[[source]]\nname = \"relay\"\nkind = \"cctray\"\nurl = \"{}/cc.xml\"\ninterval = \"1s\"\n",
        http[2].uri()
    );
    let collector = Collector::start(&relay, collector_home.path(), &[]);
    collector
        .state_when(std::time::Duration::from_secs(20), |s| {
            s["sources"][0]["state"] == "ok"
        })
        .await;
    Servers {
        http,
        prometheus,
        collector,
        _collector_home: collector_home,
    }
}

fn config(dir: &tempfile::TempDir, s: &Servers) -> std::path::PathBuf {
    let text = format!(
        r#"title = "All kinds"
[board]
stages = ["build", "test", "deploy", "verify"]

[[source]]
name = "demo"
kind = "demo"
seed = 7

[[source]]
name = "prom"
kind = "prometheus"
url = "{prom}"

[[source]]
name = "metrics"
kind = "exposition"
url = "{metrics}/metrics"

[[source]]
name = "gocd"
kind = "cctray"
url = "{gocd}/go/cctray.xml"

[[source]]
name = "circleci"
kind = "cctray"
url = "{circleci}/cc.xml"

[[source]]
name = "phishbench"
kind = "github"
repo = "ReDASers/PhishBench"
branch = "master"
workflows = ["Unit Test", "Lint"]
environment = ""
incident_label = ""
api_url = "{github}"

[[source]]
name = "payments"
kind = "gitlab"
project = "group/payments"
api_url = "{gitlab}/api/v4"

[[source]]
name = "jenkins"
kind = "jenkins"
url = "{jenkins}"

[[source]]
name = "checkout"
kind = "buildkite"
organization = "my-great-org"
pipeline = "checkout"
api_url = "{buildkite}"
token_env = "ANDON_ALL_KINDS_BUILDKITE"

[[source]]
name = "hub"
kind = "andon"
url = "{hub}"
"#,
        prom = s.prometheus.url,
        metrics = s.uri(0),
        gocd = s.uri(1),
        circleci = s.uri(2),
        github = s.uri(3),
        gitlab = s.uri(4),
        jenkins = s.uri(5),
        buildkite = s.uri(6),
        hub = s.collector.url,
    );
    let path = dir.path().join("andon.toml");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    path
}

fn andon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(args)
        .env_remove("ANDON_CONFIG")
        .env_remove("NO_COLOR")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .env("ANDON_ALL_KINDS_BUILDKITE", BUILDKITE_TOKEN)
        .output()
        .expect("andon runs")
}

/// No control character but the line feed, no escape sequence, no C1 control.
fn assert_no_control(what: &str, text: &str) {
    if let Some(c) = text
        .chars()
        .find(|c| (c.is_control() && *c != '\n') || ('\u{80}'..='\u{9f}').contains(c))
    {
        panic!("{what} holds the control character {c:?}:\n{text}");
    }
}

fn pipeline<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no pipeline {name:?} in {json:#}"))
}

fn stages(p: &Value) -> Vec<(String, String)> {
    p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (source, pipeline, status) as the recordings have them.
const EXPECTED: [(&str, &str, &str); 14] = [
    // GoCD: stage-2's job-1 failed, Jane Doe broke it; the rest passed.
    ("gocd", "example-service :: stage-1", "passing"),
    ("gocd", "example-service :: stage-1 :: job-1", "passing"),
    ("gocd", "example-service :: stage-1 :: job-2", "passing"),
    ("gocd", "example-service :: stage-1 :: job-3", "passing"),
    ("gocd", "example-service :: stage-2", "passing"),
    ("gocd", "example-service :: stage-2 :: job-1", "failing"),
    ("circleci", "owner/example-service", "passing"),
    // The newest runs of both workflows succeeded (Lint #384 after the failed #383).
    ("phishbench", "PhishBench/Unit Test", "passing"),
    ("phishbench", "PhishBench/Lint", "passing"),
    // jenkins-rest's root: a maven job and an agent template never built (no colour), a
    // freestyle job in red, the Pipeline job whose run #3 failed at Staging; the folder and
    // the multibranch project are not cards.
    ("jenkins", "Test Tool", "unknown"),
    ("jenkins", "Test Docker Slave", "unknown"),
    ("jenkins", "Test Free Style", "failing"),
    ("jenkins", "Test Workflow Job", "failing"),
    // Hand-made (no recording): GitLab's pipeline 1001 runs after a success; Buildkite's
    // build 812 failed at its test step.
    ("checkout", "checkout", "failing"),
];

const DEMO: [&str; 6] = [
    "ledger",
    "payments-web",
    "checkout-api",
    "mobile-bff",
    "notifications",
    "search",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_shows_every_kind_read_with_what_its_recording_says() {
    let s = servers().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, &s);
    let config = config.to_str().unwrap();

    let out = andon(&["--config", config, "--once", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_control("--once --json", &stdout);
    assert_no_control("stderr", &stderr);
    // README: 1 when the line is stopped (a pipeline is failing).
    assert_eq!(out.status.code(), Some(1), "{stderr}\n{stdout}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["schema"], 1);
    assert_eq!(json["andon"], "red");
    let sources = json["sources"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = sources
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, SOURCES);
    for source in sources {
        assert_eq!(source["state"], "ok", "{source}");
        assert!(source["error"].is_null(), "{source}");
    }

    for (source, name, status) in EXPECTED {
        let p = pipeline(&json, name);
        assert_eq!(
            (p["source"].as_str(), p["status"].as_str()),
            (Some(source), Some(status)),
            "{p}"
        );
    }
    let payments = pipeline(&json, "payments");
    assert_eq!(
        (
            &payments["source"],
            &payments["status"],
            &payments["building"]
        ),
        (&"payments".into(), &"passing".into(), &true.into()),
        "{payments}"
    );
    let names: Vec<&str> = json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for folder in ["Test Folder", "Test MultiBranch Project"] {
        assert!(!names.contains(&folder), "{folder} is a folder: {names:?}");
    }
    for name in DEMO {
        assert_eq!(pipeline(&json, name)["source"], "demo");
    }
    // The collector relays CircleCI's one project as the feed has it.
    let relayed: Vec<&Value> = json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "owner/example-service")
        .collect();
    assert_eq!(relayed.len(), 2, "{relayed:?}");
    assert_eq!(relayed[1]["source"], "hub", "{relayed:?}");
    assert_eq!(relayed[1]["status"], relayed[0]["status"], "{relayed:?}");
    assert_eq!(names.len(), EXPECTED.len() + 2 + DEMO.len(), "{names:?}");

    // Real job names as stages: the matrix of PyGithub's run, the Stage View's stages.
    let matrix: Vec<(String, String)> = ["3.7", "3.8", "3.9", "3.10", "3.11-dev"]
        .iter()
        .map(|v| (format!("test (Python {v})"), "passed".to_string()))
        .collect();
    // GoCD names who broke its failing job; the feed's run labels come through as they are.
    let broken = pipeline(&json, "example-service :: stage-2 :: job-1");
    assert_eq!(
        broken["breakers"],
        serde_json::json!(["Jane Doe <jdoe@example.com>"]),
        "{broken}"
    );
    assert_eq!(broken["label"], "648", "{broken}");
    assert_eq!(pipeline(&json, "checkout")["label"], "#812");
    for (name, run, author) in [
        ("PhishBench/Unit Test", UNIT_TEST_RUN, "dependabot[bot]"),
        ("PhishBench/Lint", LINT_RUN, "Victor Zeng"),
    ] {
        let p = pipeline(&json, name);
        assert_eq!(stages(p), matrix, "{p}");
        assert_eq!(p["author"], author, "{p}");
        assert_eq!(
            p["url"],
            format!("https://github.com/ReDASers/PhishBench/actions/runs/{run}")
        );
    }
    let workflow = pipeline(&json, "Test Workflow Job");
    let want: Vec<(String, String)> = [("Dev", "passed"), ("QA", "passed"), ("Staging", "failed")]
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(stages(workflow), want, "{workflow}");
    assert_eq!(workflow["stage"], "Staging");
    let buildkite = pipeline(&json, "checkout");
    assert_eq!(buildkite["stage"], ":rspec: Test", "{buildkite}");

    // DORA: the two checkout deployments in Prometheus, one of them followed by an incident.
    let checkout = json["dora"]["by_service"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["app"] == "checkout")
        .unwrap_or_else(|| panic!("{:#}", json["dora"]["by_service"]));
    assert_eq!(
        checkout["deployment_frequency"]["deployments"], 2,
        "{checkout}"
    );
    assert_eq!(checkout["change_failure_rate"]["failed"], 1, "{checkout}");
    assert_eq!(checkout["lead_time"]["n"], 2, "{checkout}");
    assert_eq!(checkout["time_to_restore"]["n"], 1, "{checkout}");

    let out = andon(&["--config", config, "--once"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_no_control("--once", &text);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for (source, kind) in SOURCES {
        assert!(
            text.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.starts_with(&[source, kind, "ok"])
            }),
            "{source} ({kind}) not ok:\n{text}"
        );
    }
    for (_, name, status) in EXPECTED {
        let glyph = match status {
            "passing" => "✓",
            "failing" => "✗",
            _ => "?",
        };
        let row = format!("{glyph} {name} ");
        assert!(
            text.lines()
                .any(|l| l.contains(&row) && l.contains(&format!("  {status}"))),
            "{row}{status}:\n{text}"
        );
    }
    assert!(
        text.contains("Test Workflow Job failed at Staging"),
        "{text}"
    );
    assert!(text.contains("by Jane Doe"), "{text}");
}

/// Whether `needle` on the escaped screen is drawn in the theme's red (palette colour 1, as
/// tmux writes it back, or its bright form): the last colour set before it, on its line.
fn is_red(escaped: &str, needle: &str) -> bool {
    let Some(at) = escaped.find(needle) else {
        return false;
    };
    let line = escaped[..at].rsplit('\n').next().unwrap_or("");
    let mut colour = None;
    for codes in line
        .split("\x1b[")
        .skip(1)
        .filter_map(|sgr| sgr.split_once('m').map(|(codes, _)| codes))
    {
        match codes {
            "" | "0" | "39" => colour = None,
            c if c.starts_with("38;")
                || (c.len() == 2 && (c.starts_with('3') || c.starts_with('9'))) =>
            {
                colour = Some(c)
            }
            _ => {}
        }
    }
    colour.is_some_and(|c| ["38;5;1", "31", "38;5;9", "91"].contains(&c))
}

fn assert_fits(screen: &str, width: usize, what: &str) {
    for line in screen.lines() {
        assert!(
            line.chars().count() <= width,
            "{what}: a line overflows {width} columns: {line:?}\n{screen}"
        );
    }
}

/// Each of the GoCD names, cut or whole, reads as itself on screen.
fn assert_gocd_names_apart(screen: &str, what: &str) {
    let shown: Vec<String> = screen
        .split("example-")
        .skip(1)
        .map(|rest| {
            let end = ["│", "┃", " passing", " failing", "  ", "\n"]
                .iter()
                .filter_map(|stop| rest.find(stop))
                .min()
                .unwrap_or(rest.len());
            rest[..end].to_string()
        })
        // The banner's line about the broken job.
        .filter(|s| !s.contains(" since "))
        // CircleCI's owner/example-service, from its feed and again from the collector.
        .filter(|s| s != "service")
        .collect();
    let mut distinct = shown.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        shown.len(),
        "{what}: GoCD's names read alike: {shown:?}\n{screen}"
    );
}

/// The x position (in characters) where `needle` starts on the first line holding it.
fn column_of(screen: &str, needle: &str) -> usize {
    screen
        .lines()
        .find_map(|l| l.find(needle).map(|i| l[..i].chars().count()))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_screen_reads_at_80x24_120x40_and_250x70() {
    let s = servers().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, &s);
    let config = config.to_str().unwrap().to_string();
    let tmux = Tmux::start(
        "allkinds",
        80,
        24,
        &["--config", &config],
        // Colour is checked: an empty NO_COLOR leaves it on (README: "set and non-empty").
        &[
            ("ANDON_ALL_KINDS_BUILDKITE", BUILDKITE_TOKEN),
            ("NO_COLOR", ""),
        ],
    );

    // 80x24: one line per pipeline; the footer sums the eleven sources up.
    let screen = tmux.wait_for("11 sources: 11 ok");
    assert_fits(&screen, 80, "80x24");
    let footer = screen.lines().last().unwrap();
    assert!(footer.starts_with(" 11 sources: 11 ok "), "{footer}");
    assert!(screen.contains("LINE STOPPED"), "{screen}");
    // The demo's cards move, so which rows fit on 24 lines varies: every row shown reads as
    // glyph, name and status word, and the rest is counted.
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| ["✓ ", "✗ ", "? "].iter().any(|g| l.starts_with(g)))
        .collect();
    // Six DORA keys in full take eight rows; the board keeps the rest.
    assert!(rows.len() >= 8, "{screen}");
    for row in &rows {
        let words: Vec<&str> = row.split_whitespace().collect();
        let status = match words[0] {
            "✓" => "passing",
            "✗" => "failing",
            _ => "unknown",
        };
        assert!(words.contains(&status), "{row}");
    }
    let shown_and_more = rows.len()
        + screen
            .lines()
            .find_map(|l| {
                l.strip_prefix('+')?
                    .split(' ')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .unwrap_or(0);
    assert_eq!(shown_and_more, EXPECTED.len() + 2 + DEMO.len(), "{screen}");
    // Rows that do not fit are the passing ones: every recorded failure is on screen, in red.
    let escaped = tmux.capture_escapes();
    for failing in [
        "✗ Test Free Style",
        "✗ Test Workflow Job",
        "✗ checkout ",
        "✗ example-",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(failing)),
            "{failing}:\n{screen}"
        );
    }
    assert!(is_red(&escaped, "✗ Test Workflow Job"), "{escaped}");
    assert_gocd_names_apart(&screen, "80x24");
    let failing = rows.iter().find(|r| r.starts_with("✗ ")).unwrap();
    let passing = rows.iter().find(|r| r.starts_with("✓ ")).unwrap();
    // The glyph and name, up to the status word (a name may hold single spaces).
    let name = |row: &str| {
        let end = [" passing", " failing", " unknown"]
            .iter()
            .filter_map(|w| row.find(w))
            .min()
            .unwrap();
        row[..end].trim_end().to_string()
    };
    assert!(is_red(&escaped, &name(failing)), "{failing}:\n{escaped}");
    assert!(!is_red(&escaped, &name(passing)), "{passing}:\n{escaped}");

    // 120x40: the Kanban board, the job names mapped onto its stages.
    tmux.resize(120, 40);
    let screen = tmux.wait_for("┌ Staging");
    assert_fits(&screen, 120, "120x40");
    let footer = screen.lines().last().unwrap();
    assert!(footer.starts_with(" 11 sources: 11 ok "), "{footer}");
    let titles: Vec<usize> = ["build", "test", "deploy", "verify"]
        .iter()
        .map(|c| column_of(&screen, &format!("┌ {c} ")))
        .collect();
    assert!(titles.windows(2).all(|w| w[0] < w[1]), "{screen}");
    for job in ["┌ test (", "┌ QA", "┌ :rspec:", "┌ compile", "┌ rspec"] {
        assert!(!screen.contains(job), "a job is a column: {job}\n{screen}");
    }
    let column_width = titles[1] - titles[0];
    assert!(column_width >= 18, "columns of {column_width}:\n{screen}");
    // The matrix jobs and Buildkite's ":rspec: Test" sit in the test column.
    for card in ["✓ PhishBench/Lint", "nit Test", "✗ checkout"] {
        let x = column_of(&screen, card);
        assert!(
            x > titles[1] && x < titles[2],
            "{card} not under test:\n{screen}"
        );
    }
    assert!(column_of(&screen, "✗ Test Workflow Job") > column_of(&screen, "┌ Staging"));
    for name in [
        "Test Free Style",
        "Test Docker Slave",
        "Test Tool",
        "✓ payments",
    ] {
        assert!(screen.contains(name), "{name} cut or missing:\n{screen}");
    }
    assert_gocd_names_apart(&screen, "120x40");
    let escaped = tmux.capture_escapes();
    assert!(is_red(&escaped, "✗ Test Workflow Job"), "{escaped}");
    assert!(is_red(&escaped, "✗ checkout"), "{escaped}");

    // 250x70: a wall, big tiles.
    tmux.resize(250, 70);
    let screen = tmux.wait_for("STAGING ·");
    assert_fits(&screen, 250, "250x70");
    assert!(screen.contains("████"), "{screen}");
    // Eleven sources with their times do not fit one line even here: summed up.
    let footer = screen.lines().last().unwrap();
    assert!(footer.starts_with(" 11 sources: 11 ok "), "{footer}");
    for stage in ["BUILD ·", "TEST ·", "DEPLOY ·", "VERIFY ·"] {
        assert!(screen.contains(stage), "{stage}:\n{screen}");
    }
    assert!(screen.contains("✗ FAILING at Staging"), "{screen}");
    assert!(screen.contains("✓ Dev  ✓ QA  ✗ Staging"), "{screen}");
    assert!(screen.contains("✗ FAILING at :rspec: Test"), "{screen}");
    assert!(screen.contains("✓ test (Python 3.7)"), "{screen}");
    assert_gocd_names_apart(&screen, "250x70");
    let escaped = tmux.capture_escapes();
    assert!(is_red(&escaped, "✗ FAILING at Staging"), "{escaped}");
    tmux.send("q");
    tmux.assert_quits();
}
