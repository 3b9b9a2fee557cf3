//! Bad input for every parser: arbitrary bytes, mutated real payloads, and a table of the
//! classic failures (an HTML page, truncation, wrong types, NaN and Inf, negative and future
//! times, enormous label sets). Nothing may panic; a rejected payload must say why. The CI
//! servers' JSON (GitHub, GitLab, Jenkins, Buildkite) goes through each source's pure entry
//! points, the same parsing and conversion its poll uses.
//!
//! This is the stable-Rust counterpart of the cargo-fuzz targets in `fuzz/`: `scripts/fuzz`
//! runs those when a nightly toolchain is present and these (with many more cases) otherwise.
//! Inputs that ever crashed a fuzz target live in tests/fixtures/fuzz-regressions/<target>/
//! and are replayed here.

use std::time::Duration;

use andon::config::{BoardQuery, EventNames};
use andon::dora::{self, Benchmark};
use andon::model::Timestamp;
use andon::sources::{
    SourceError, buildkite, cctray, exposition, github, gitlab, jenkins, pelorus, prometheus,
};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const PROMETHEUS_OK: &str = r#"{"status":"success","data":{"resultType":"vector","result":[
{"metric":{"__name__":"deploy_timestamp","app":"api","image_sha":"s1"},"value":[1700000000.5,"1.7e+09"]},
{"metric":{"__name__":"commit_timestamp","app":"api","commit":"c1","image_sha":"s1"},"value":[1700000000,"1699990000"]},
{"metric":{"project":"api","stage":"test","status":"failed"},"value":[1700000000,"1"]},
{"metric":{"app":"web"},"value":[1700000000,"NaN"]}]}}"#;

fn board() -> BoardQuery {
    BoardQuery {
        query: "q".into(),
        pipeline_label: "project".into(),
        stage_label: "stage".into(),
        status_label: "status".into(),
    }
}

/// Every parser and everything downstream of it, on one input. Returns the reasons of the
/// parsers that refused it (for tests that care).
fn run_all(text: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    match cctray::parse(text) {
        Ok(pipelines) => assert!(pipelines.iter().all(|p| !p.name.trim().is_empty())),
        Err(e) => reasons.push(e.reason),
    }
    let names = EventNames::default();
    match exposition::parse(text) {
        Ok(series) => {
            let conversion = pelorus::to_events(&series, &names);
            let _ = dora::compute(
                &conversion.events,
                now,
                Duration::from_secs(30 * 86_400),
                Benchmark::Dora2023,
            );
        }
        Err(e) => reasons.push(e.reason),
    }
    for status in [200u16, 400, 422, 503] {
        let status = reqwest::StatusCode::from_u16(status).unwrap();
        match prometheus::parse_response(status, text) {
            Ok(series) => {
                let _ = prometheus::pipelines_from_series(&series, &board());
                let conversion = pelorus::to_events(&series, &names);
                let _ = dora::compute(
                    &conversion.events,
                    now,
                    Duration::from_secs(86_400),
                    Benchmark::Dora2021,
                );
            }
            Err(e) => reasons.push(e.reason),
        }
    }
    if let Err(e) = andon::setup::parse(text, "fuzz.toml") {
        let _ = e.to_string();
    }
    reasons.extend(ci_reasons(text));
    for reason in &reasons {
        assert!(!reason.trim().is_empty(), "a refusal must say why");
    }
    reasons
}

/// Jenkins deploy times come from milliseconds, and zero or negative ones are skipped.
fn after_epoch(at: Timestamp) -> bool {
    at.timestamp_millis() > 0
}

/// Every CI entry point on one input: the reasons of those that refused it, named by the
/// payload each expected.
fn ci_reasons(text: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    let mut refused = |what: &str, result: Result<(), SourceError>| {
        if let Err(e) = result {
            reasons.push(format!("{what}: {}", e.reason));
        }
    };
    refused("github runs", github::read_runs("app", text, &[]).map(drop));
    refused("github jobs", github::read_jobs(text).map(drop));
    refused("github statuses", github::read_statuses(text).map(drop));
    refused("github commit", github::read_commit(text).map(drop));
    refused(
        "github comparison",
        github::read_comparison(text).map(|c| assert!(c.total >= c.commits.len())),
    );
    refused("github issues", github::read_issues("app", text).map(drop));
    refused(
        "gitlab pipelines",
        gitlab::read_pipelines("app", text, text).map(drop),
    );
    refused(
        "gitlab deployments",
        gitlab::read_deployments("app", text).map(drop),
    );
    refused("gitlab comparison", gitlab::read_comparison(text).map(drop));
    refused("gitlab issues", gitlab::read_issues("app", text).map(drop));
    refused("jenkins jobs", jenkins::read_jobs(text, &[]).map(drop));
    refused("jenkins wfapi", jenkins::read_wfapi(text).map(drop));
    refused(
        "jenkins deploy job",
        jenkins::deploys::read_deploy_job("deploy", text).map(|events| {
            assert!(
                events
                    .deployments
                    .iter()
                    .all(|d| after_epoch(d.finished_at))
            );
            assert!(events.changes.iter().all(|c| after_epoch(c.committed_at)));
        }),
    );
    refused(
        "buildkite builds",
        buildkite::read_builds("pipe", text).map(drop),
    );
    refused(
        "buildkite deployments",
        buildkite::read_deployments("pipe", text).map(drop),
    );
    reasons
}

/// The CI parsers' reasons for refusing `text`: every one of them must refuse it.
fn ci_refusals(text: &str) -> Vec<String> {
    let reasons = ci_reasons(text);
    assert_eq!(reasons.len(), CI_ENTRY_POINTS, "{reasons:#?}");
    reasons
}

const CI_ENTRY_POINTS: usize = 15;

const CI_FIXTURES: [&str; 17] = [
    "github/runs.json",
    "github/jobs-30433642.json",
    "github/statuses-101.json",
    "github/commit-aaa111.json",
    "github/compare-aaa111...ccc333.json",
    "github/deployments.json",
    "github/issues-page1.json",
    "gitlab/pipelines.json",
    "gitlab/jobs-1001.json",
    "gitlab/deployments.json",
    "gitlab/compare-ddd444...eee555.json",
    "gitlab/issues-page1.json",
    "jenkins/api-json.json",
    "jenkins/wfapi-web-main-57.json",
    "jenkins/deploy-prod.json",
    "buildkite/builds.json",
    "buildkite/builds-passed.json",
];

/// Real payloads to mutate.
fn seeds() -> Vec<String> {
    let mut seeds = vec![
        fixture("cctray/jenkins-cc.xml"),
        fixture("cctray/gocd-cctray.xml"),
        fixture("cctray/buildkite.xml"),
        fixture("cctray/ccnet.xml"),
        fixture("exposition/pelorus-openmetrics.txt"),
        fixture("exposition/pelorus-text-0.0.4.txt"),
        PROMETHEUS_OK.to_string(),
        andon::config::DEMO_CONFIG.to_string(),
    ];
    seeds.extend(CI_FIXTURES.iter().map(|path| fixture(path)));
    seeds
}

const SEEDS: usize = 8 + CI_FIXTURES.len();

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
    Flip(usize, u8),
}

fn apply(seed: &str, mutations: &[Mutation]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Delete(at, n) => {
                let start = at % len;
                let end = (start + n).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Mutation::Insert(at, text) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, text.bytes());
            }
            Mutation::Duplicate(at, n) => {
                let start = (at % len).min(bytes.len());
                let end = (start + n).min(bytes.len());
                let piece = bytes[start..end].to_vec();
                bytes.splice(end..end, piece);
            }
            Mutation::Flip(at, b) => {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] = *b;
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Fragments that mean something to one of the formats.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<Projects>".to_string()),
        Just("</Projects>".to_string()),
        Just("<Project name=\"x\" lastBuildStatus=\"Failure\"".to_string()),
        Just("/>".to_string()),
        Just("<![CDATA[".to_string()),
        Just("&amp;&#xFFFFFF;&bogus;".to_string()),
        Just("lastBuildTime=\"9999-12-31T23:59:59.9999999+14:00\"".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\"value\":[1,\"NaN\"]".to_string()),
        Just("\"metric\":{\"a\":1}".to_string()),
        Just("\"result\":{}".to_string()),
        Just("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[".to_string()),
        Just("deploy_timestamp{app=\"a\",image_sha=\"s\"} ".to_string()),
        Just("+Inf -Inf NaN 1e309 -1e309 -1700000000 99999999999999".to_string()),
        Just("\\\"\\n\\\\".to_string()),
        Just("\n# EOF\n".to_string()),
        Just("[[source]]\nname=\"a\"\nkind=\"cctray\"\nurl=\"http://x\"\n".to_string()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_token_soup_never_panics(tokens in proptest::collection::vec(token(), 0..40)) {
        run_all(&tokens.concat());
    }

    #[test]
    fn mutated_real_payloads_never_panic(
        seed in 0usize..SEEDS,
        mutations in proptest::collection::vec(prop_oneof![
            any::<usize>().prop_map(Mutation::Truncate),
            (any::<usize>(), 0usize..64).prop_map(|(a, n)| Mutation::Delete(a, n)),
            (any::<usize>(), token()).prop_map(|(a, t)| Mutation::Insert(a, t)),
            (any::<usize>(), 0usize..256).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
            (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        ], 1..8),
    ) {
        run_all(&apply(&seeds()[seed], &mutations));
    }

    #[test]
    fn every_truncation_of_a_real_payload_is_handled(seed in 0usize..SEEDS, cut in any::<usize>()) {
        let text = &seeds()[seed];
        let cut = text.floor_char_boundary(cut % (text.len() + 1));
        run_all(&text[..cut]);
    }

    #[test]
    fn any_sample_value_is_read_or_refused(value in any::<f64>(), text in "[-+0-9.eEInfNa]{0,12}") {
        let line = format!("deploy_timestamp{{app=\"a\"}} {value}\ndeploy_timestamp{{app=\"b\"}} {text}\n");
        run_all(&line);
        let json = format!(r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"__name__":"deploy_timestamp"}},"value":[1,"{text}"]}}]}}}}"#);
        run_all(&json);
    }
}

// ---- the classic bad inputs, one by one, with the reason each must give ----

fn cctray_reason(text: &str) -> String {
    cctray::parse(text).expect_err(text).reason
}

fn exposition_reason(text: &str) -> String {
    exposition::parse(text).expect_err(text).reason
}

fn prometheus_reason(text: &str) -> String {
    prometheus::parse_vector(text).expect_err(text).reason
}

#[test]
fn an_html_error_page_is_named_by_every_parser() {
    let page = fixture("cctray/login.html");
    assert!(cctray_reason(&page).contains("got HTML"));
    assert!(exposition_reason(&page).contains("an HTML page"));
    assert!(prometheus_reason(&page).contains("an HTML page, not JSON"));
}

#[test]
fn truncated_documents_are_refused_by_every_parser() {
    let xml = fixture("cctray/gocd-cctray.xml");
    assert!(cctray_reason(&xml[..xml.len() / 2]).starts_with("malformed cctray feed"));
    let json = &PROMETHEUS_OK[..PROMETHEUS_OK.len() / 2];
    assert!(
        prometheus_reason(json).contains("truncated JSON"),
        "{}",
        prometheus_reason(json)
    );
    let page = "deploy_timestamp{app=\"checkout\",image_sha=\"sha";
    assert!(exposition_reason(page).contains("unterminated"));
}

#[test]
fn wrong_types_are_refused_with_where() {
    let r = prometheus_reason(
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"app":7},"value":[1,"2"]}]}}"#,
    );
    assert!(r.contains("data.result[0].metric"), "{r}");
    let r = prometheus_reason(
        r#"{"status":"success","data":{"resultType":"vector","result":{"a":1}}}"#,
    );
    assert!(r.contains("data.result"), "{r}");
    let r = prometheus_reason(
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["now",2]}]}}"#,
    );
    assert!(r.starts_with("malformed Prometheus response"), "{r}");
    let r = prometheus_reason(r#"{"status":7}"#);
    assert!(r.starts_with("malformed Prometheus response"), "{r}");
    let r = prometheus_reason(r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#);
    assert!(r.contains("matrix"), "{r}");
    assert!(cctray_reason(r#"{"Projects":[]}"#).contains("got text"));
    assert!(exposition_reason("deploy_timestamp{app=\"a\"} yesterday").contains("not a number"));
}

#[test]
fn nan_inf_negative_and_future_times_are_skipped_not_believed() {
    let page = "deploy_timestamp{app=\"a\"} NaN\n\
                deploy_timestamp{app=\"b\"} +Inf\n\
                deploy_timestamp{app=\"c\"} -Inf\n\
                deploy_timestamp{app=\"d\"} -1700000000\n\
                deploy_timestamp{app=\"e\"} 1700000000000\n\
                deploy_timestamp{app=\"f\"} 1e308\n\
                deploy_timestamp{app=\"ok\"} 1700000000\n";
    let series = exposition::parse(page).unwrap();
    let conversion = pelorus::to_events(&series, &EventNames::default());
    assert_eq!(conversion.skipped, 6);
    assert_eq!(conversion.events.deployments.len(), 1);
    // A deploy in the (plausible) future is not counted in a window that ends now.
    let future = "deploy_timestamp{app=\"a\"} 4000000000\n";
    let events =
        pelorus::to_events(&exposition::parse(future).unwrap(), &EventNames::default()).events;
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    let report = dora::compute(
        &events,
        now,
        Duration::from_secs(30 * 86_400),
        Benchmark::Dora2023,
    );
    assert_eq!(report.deployment_frequency.deployments, 0);
    // cctray: an impossible or far-future build time is dropped or kept, never a panic.
    for time in [
        "-0001-01-01T00:00:00Z",
        "99999-01-01T00:00:00Z",
        "2999-01-01T00:00:00Z",
        "NaN",
    ] {
        let xml = format!(r#"<Projects><Project name="a" lastBuildTime="{time}"/></Projects>"#);
        assert_eq!(cctray::parse(&xml).unwrap().len(), 1);
    }
}

#[test]
fn enormous_label_sets_and_deep_nesting_are_handled() {
    let labels: Vec<String> = (0..50_000).map(|i| format!("l{i}=\"{i}\"")).collect();
    let line = format!(
        "deploy_timestamp{{app=\"a\",{}}} 1700000000\n",
        labels.join(",")
    );
    assert_eq!(exposition::parse(&line).unwrap()[0].labels.len(), 50_001);
    let metric: Vec<String> = (0..50_000).map(|i| format!("\"l{i}\":\"{i}\"")).collect();
    let json = format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{{}}},"value":[1,"1"]}}]}}}}"#,
        metric.join(",")
    );
    assert_eq!(
        prometheus::parse_vector(&json).unwrap()[0].labels.len(),
        50_000
    );
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(prometheus_reason(&format!("{{\"status\":{deep_json}}}")).starts_with("malformed"));
    let deep_xml = format!(
        "<Projects>{}{}</Projects>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    assert_eq!(cctray::parse(&deep_xml).unwrap(), vec![]);
    let attributes: String = (0..20_000).map(|i| format!(" a{i}=\"{i}\"")).collect();
    let wide = format!(r#"<Projects><Project name="w"{attributes}/></Projects>"#);
    assert_eq!(cctray::parse(&wide).unwrap()[0].name, "w");
}

#[test]
fn non_utf8_text_decoded_lossily_is_still_handled() {
    let bytes = b"<Projects><Project name=\"\xff\xfe\" lastBuildStatus=\"Success\"/></Projects>";
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(cctray::parse(&text).unwrap()[0].name, "\u{fffd}\u{fffd}");
    run_all(&text);
}

#[test]
fn every_input_that_once_crashed_a_fuzz_target_is_handled() {
    let root = format!(
        "{}/tests/fixtures/fuzz-regressions",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut replayed = 0;
    for target in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(target.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.file_name().is_some_and(|n| n == "README") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            run_all(&String::from_utf8_lossy(&bytes));
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz regressions");
}

// ---- the same classic bad inputs, for every CI server's JSON ----

type Entry = fn(&str) -> Result<(), SourceError>;

/// Each CI entry point with the payload it names in its reasons and a real payload for it.
const CI_ENTRIES: [(&str, &str, Entry); CI_ENTRY_POINTS] = [
    ("workflow runs", "github/runs.json", |t| {
        github::read_runs("app", t, &[]).map(drop)
    }),
    ("jobs", "github/jobs-30433642.json", |t| {
        github::read_jobs(t).map(drop)
    }),
    ("deployment statuses", "github/statuses-101.json", |t| {
        github::read_statuses(t).map(drop)
    }),
    ("commit", "github/commit-aaa111.json", |t| {
        github::read_commit(t).map(drop)
    }),
    ("comparison", "github/compare-aaa111...ccc333.json", |t| {
        github::read_comparison(t).map(drop)
    }),
    ("issues", "github/issues-page1.json", |t| {
        github::read_issues("app", t).map(drop)
    }),
    ("pipelines", "gitlab/pipelines.json", |t| {
        gitlab::read_pipelines("app", t, "[]").map(drop)
    }),
    ("deployments", "gitlab/deployments.json", |t| {
        gitlab::read_deployments("app", t).map(drop)
    }),
    ("comparison", "gitlab/compare-ddd444...eee555.json", |t| {
        gitlab::read_comparison(t).map(drop)
    }),
    ("issues", "gitlab/issues-page1.json", |t| {
        gitlab::read_issues("app", t).map(drop)
    }),
    ("Jenkins jobs", "jenkins/api-json.json", |t| {
        jenkins::read_jobs(t, &[]).map(drop)
    }),
    ("wfapi", "jenkins/wfapi-web-main-57.json", |t| {
        jenkins::read_wfapi(t).map(drop)
    }),
    ("Jenkins deploy job", "jenkins/deploy-prod.json", |t| {
        jenkins::deploys::read_deploy_job("deploy", t).map(drop)
    }),
    ("builds", "buildkite/builds.json", |t| {
        buildkite::read_builds("pipe", t).map(drop)
    }),
    ("builds", "buildkite/builds-passed.json", |t| {
        buildkite::read_deployments("pipe", t).map(drop)
    }),
];

#[test]
fn every_ci_entry_point_reads_its_real_payload() {
    for (what, path, read) in CI_ENTRIES {
        if let Err(e) = read(&fixture(path)) {
            panic!("{what} ({path}): {}", e.reason);
        }
    }
}

#[test]
fn an_html_error_page_is_named_by_every_ci_parser() {
    for page in [fixture("github/unicorn.html"), fixture("cctray/login.html")] {
        for (what, _, read) in CI_ENTRIES {
            let reason = read(&page).expect_err(what).reason;
            assert!(
                reason.starts_with(&format!("{what}: expected JSON, got an HTML page (")),
                "{reason}"
            );
        }
        assert_eq!(ci_refusals(&page).len(), CI_ENTRY_POINTS);
    }
}

#[test]
fn truncated_ci_payloads_are_refused_as_malformed() {
    for (what, path, read) in CI_ENTRIES {
        let text = fixture(path);
        let cut = text.floor_char_boundary(text.len() / 2);
        let reason = read(&text[..cut]).expect_err(path).reason;
        assert!(
            reason.starts_with(&format!("malformed {what}: EOF while parsing")),
            "{path}: {reason}"
        );
    }
    for reason in ci_refusals("") {
        assert!(reason.contains("EOF while parsing"), "{reason}");
    }
}

#[test]
fn wrong_types_in_ci_payloads_are_refused_with_what_was_expected() {
    let cases: [(&str, Entry, &str); 6] = [
        (
            r#"{"workflow_runs":[{"id":"seven"}]}"#,
            |t| github::read_runs("app", t, &[]).map(drop),
            "malformed workflow runs: invalid type: string \"seven\", expected u64",
        ),
        (
            r#"{"jobs":{"a":1}}"#,
            |t| jenkins::read_jobs(t, &[]).map(drop),
            "malformed Jenkins jobs: invalid type: map, expected a sequence",
        ),
        (
            r#"[{"number":-1,"state":"passed"}]"#,
            |t| buildkite::read_builds("pipe", t).map(drop),
            "malformed builds: invalid value: integer `-1`, expected u64",
        ),
        (
            r#"[{"id":1,"sha":"a","created_at":7}]"#,
            |t| gitlab::read_deployments("app", t).map(drop),
            "malformed deployments: invalid type: integer `7`",
        ),
        (
            r#"{"builds":[{"number":1,"timestamp":"yesterday"}]}"#,
            |t| jenkins::deploys::read_deploy_job("deploy", t).map(drop),
            "malformed Jenkins deploy job: invalid type: string \"yesterday\", expected i64",
        ),
        (
            r#"{"commits":[{"sha":"a","commit":{"committer":{"date":"last week"}}}]}"#,
            |t| github::read_comparison(t).map(drop),
            "malformed comparison: input contains invalid characters",
        ),
    ];
    for (text, read, expected) in cases {
        let reason = read(text).expect_err(text).reason;
        assert!(reason.starts_with(expected), "{text}: {reason}");
    }
    // A payload of the wrong shape altogether is refused by every parser, each naming it.
    for reason in ci_refusals(r#""a string""#) {
        assert!(reason.contains("invalid type: string"), "{reason}");
    }
}

#[test]
fn nan_inf_negative_and_future_times_in_ci_payloads() {
    // JSON has no NaN or Inf, and a number beyond f64 is refused.
    for bad in ["NaN", "Infinity", "-Infinity", "1e400"] {
        let text = format!(r#"{{"workflow_runs":[{{"id":1,"created_at":{bad}}}]}}"#);
        let reason = github::read_runs("app", &text, &[]).unwrap_err().reason;
        assert!(reason.starts_with("malformed workflow runs"), "{reason}");
    }
    // Jenkins deploy times in milliseconds: zero, negative and absurd ones deploy nothing.
    let build = |number: u32, timestamp: &str, duration: &str| {
        format!(
            r#"{{"number":{number},"result":"SUCCESS","timestamp":{timestamp},"duration":{duration},
                "changeSets":[{{"items":[{{"commitId":"c{number}","timestamp":{timestamp}}}]}}]}}"#
        )
    };
    let builds = [
        build(1, "0", "1000"),
        build(2, "-1700000000000", "1000"),
        build(3, &i64::MAX.to_string(), &i64::MAX.to_string()),
        build(4, "1700000000000", &i64::MIN.to_string()),
        build(5, "99999999999999999", "0"),
        build(6, "1700000000000", "60000"),
    ];
    let text = format!(r#"{{"builds":[{}]}}"#, builds.join(","));
    let events = jenkins::deploys::read_deploy_job("deploy", &text).unwrap();
    let deployed: Vec<i64> = events
        .deployments
        .iter()
        .map(|d| d.finished_at.timestamp())
        .collect();
    assert_eq!(deployed, [1_700_000_000, 1_700_000_060], "build 4 and 6");
    assert!(events.changes.iter().all(|c| after_epoch(c.committed_at)));
    assert_eq!(events.changes.len(), 2, "{:?}", events.changes);
    // Jenkins jobs and stages: times at the ends of i64 are no time, not a panic.
    let max = i64::MAX;
    let jobs = format!(
        r#"{{"jobs":[{{"name":"a","color":"blue","lastBuild":{{"number":1,"result":"SUCCESS",
            "timestamp":{max},"duration":{max}}}}}]}}"#
    );
    let cards = jenkins::read_jobs(&jobs, &[]).unwrap();
    assert_eq!(cards[0].last_build_at, None);
    let wfapi = format!(
        r#"{{"stages":[{{"name":"build","status":"SUCCESS","startTimeMillis":{max},"durationMillis":{max}}}]}}"#
    );
    let stages = jenkins::read_wfapi(&wfapi).unwrap();
    assert_eq!((stages[0].started_at, stages[0].finished_at), (None, None));
    // GitLab queue times beyond any duration are not believed.
    let jobs = r#"[{"id":1,"name":"t","stage":"test","status":"success",
        "started_at":"2026-11-17T09:55:00Z","finished_at":"2026-11-17T09:56:00Z",
        "queued_duration":1e300}]"#;
    let cards = gitlab::read_pipelines("app", r#"[{"id":1,"status":"success"}]"#, jobs).unwrap();
    assert_eq!(cards[0].stages[0].queued, None);
    // RFC 3339 times are read as they stand, however far in the past or future; a time that
    // is no time is refused.
    let run =
        |at: &str| format!(r#"{{"workflow_runs":[{{"id":1,"name":"CI","created_at":"{at}"}}]}}"#);
    for at in ["-0001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"] {
        let cards = github::read_runs("app", &run(at), &[]).unwrap();
        assert_eq!(cards[0].last_build_at, Some(at.parse().unwrap()));
    }
    for at in ["99999-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "NaN"] {
        let reason = github::read_runs("app", &run(at), &[]).unwrap_err().reason;
        assert!(reason.starts_with("malformed workflow runs"), "{reason}");
    }
}

#[test]
fn non_utf8_ci_payloads_decoded_lossily_are_still_read() {
    let runs = fixture("github/runs.json").replacen("\"name\": \"CI\"", "\"name\": \"CI\u{0}\"", 1);
    let mut bytes = runs.into_bytes();
    let at = bytes
        .iter()
        .position(|&b| b == 0)
        .expect("a workflow named CI");
    bytes.splice(at..at + 1, [0xff, 0xfe]);
    let text = String::from_utf8_lossy(&bytes);
    let cards = github::read_runs("shop", &text, &[]).unwrap();
    assert!(
        cards.iter().any(|c| c.name.ends_with("CI\u{fffd}\u{fffd}")),
        "{:?}",
        cards.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    ci_reasons(&text);
}

#[test]
fn enormous_and_deeply_nested_ci_payloads_are_handled() {
    // Every parser refuses deep nesting as malformed (a list where a struct's field was
    // expected, or serde_json's limit of 128 levels); none overflows its stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for reason in ci_refusals(&deep) {
        assert!(
            reason.contains("recursion limit exceeded")
                || reason.contains("invalid type: sequence"),
            "{reason}"
        );
    }
    let deep =
        format!(r#"[{{"number":1,"created_at":"2026-11-01T00:00:00Z","pull_request":{deep}}}]"#);
    let reason = github::read_issues("app", &deep).unwrap_err().reason;
    assert!(reason.contains("recursion limit exceeded"), "{reason}");
    // 50,000 runs of 100 workflows: at most 20 cards, each with its earlier verdicts.
    let runs: Vec<String> = (0..50_000)
        .map(|i| {
            format!(
                r#"{{"id":{i},"name":"w{}","status":"completed","conclusion":"success","created_at":"2026-11-01T00:00:00Z"}}"#,
                i % 100
            )
        })
        .collect();
    let text = format!(r#"{{"workflow_runs":[{}]}}"#, runs.join(","));
    let cards = github::read_runs("app", &text, &[]).unwrap();
    assert_eq!(cards.len(), 20);
    assert_eq!(cards[0].previous.len(), 499);
    // A comparison of 50,000 commits keeps the first 250 and says how many there were.
    let commits: Vec<String> = (0..50_000)
        .map(|i| {
            format!(
                r#"{{"sha":"c{i}","commit":{{"committer":{{"date":"2026-11-01T00:00:00Z"}}}}}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"total_commits":50000,"commits":[{}]}}"#,
        commits.join(",")
    );
    let compared = github::read_comparison(&text).unwrap();
    assert_eq!((compared.commits.len(), compared.total), (250, 50_000));
    // 50,000 Jenkins jobs are 50,000 cards.
    let jobs: Vec<String> = (0..50_000)
        .map(|i| format!(r#"{{"name":"j{i}","color":"red"}}"#))
        .collect();
    let text = format!(r#"{{"jobs":[{}]}}"#, jobs.join(","));
    assert_eq!(jenkins::read_jobs(&text, &[]).unwrap().len(), 50_000);
}

// ---- headers: the stand-in for fuzz/fuzz_targets/headers.rs ----

const HEADER_NAMES: [&str; 10] = [
    "retry-after",
    "x-ratelimit-reset",
    "ratelimit-reset",
    "x-ratelimit-remaining",
    "ratelimit-remaining",
    "x-ratelimit-limit",
    "ratelimit-limit",
    "link",
    "x-next-page",
    "etag",
];

/// What the headers fuzz target does with one input: the first byte picks the status, each
/// further line is the value of the next header name in turn.
fn run_headers(data: &[u8]) {
    use andon::sources::{hosts, polite};
    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let Some((&status, rest)) = data.split_first() else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (i, value) in rest.split(|&b| b == b'\n').enumerate() {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            let name = HeaderName::from_static(HEADER_NAMES[i % HEADER_NAMES.len()]);
            headers.append(name, value);
        }
    }
    let statuses = [200, 304, 403, 429, 503];
    let status = StatusCode::from_u16(statuses[status as usize % statuses.len()]).unwrap();
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    let latest = now + hosts::MAX_REST;
    for at in [
        hosts::retry_after(&headers, now),
        hosts::reset_time(&headers, now),
    ]
    .into_iter()
    .flatten()
    {
        assert!(at >= now && at <= latest, "{at} outside [now, now + 1h]");
    }
    if let Some(until) = hosts::Hosts::new().observe("fuzz.invalid:0", status, &headers, now) {
        assert!(until <= latest + chrono::TimeDelta::seconds(1), "{until}");
    }
    let _ = polite::link_next(&headers);
    let _ = polite::next_page_number("https://gitlab.example/api/v4/x?page=1", &headers);
}

fn header_line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[0-9]{15,40}",
        "-?[0-9]{1,5}",
        "(Mon|Fri|Sun), [0-9]{1,2} (Jan|Dec) [0-9]{1,6} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        "<https?://[a-z./?=&0-9]{0,30}>; ?rel=\"?(next|last)\"?(, )?",
        "[ -~]{0,40}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_header_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        run_headers(&bytes);
    }

    #[test]
    fn header_values_at_the_ends_of_their_ranges_are_clamped(
        status in any::<u8>(),
        lines in proptest::collection::vec(header_line(), 0..12),
    ) {
        let mut data = vec![status];
        data.extend_from_slice(lines.join("\n").as_bytes());
        run_headers(&data);
    }
}

#[test]
fn every_input_that_once_crashed_the_headers_target_is_handled() {
    let dir = format!(
        "{}/tests/fixtures/fuzz-regressions/headers",
        env!("CARGO_MANIFEST_DIR")
    );
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        if path.file_name().is_some_and(|n| n != "README") {
            run_headers(&std::fs::read(&path).unwrap());
        }
    }
    // The values that once overflowed the clock: an 2^63-second Retry-After, a reset in the
    // year 300 million.
    run_headers(b"\x03 9223372036854775807\n9999999999999999");
}
