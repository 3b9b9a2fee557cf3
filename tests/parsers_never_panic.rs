//! Bad input for every parser: arbitrary bytes, mutated real payloads, and a table of the
//! classic failures (an HTML page, truncation, wrong types, NaN and Inf, negative and future
//! times, enormous label sets). Nothing may panic; a rejected payload must say why.
//!
//! This is the stable-Rust counterpart of the cargo-fuzz targets in `fuzz/`: `scripts/fuzz`
//! runs those when a nightly toolchain is present and these (with many more cases) otherwise.
//! Inputs that ever crashed a fuzz target live in tests/fixtures/fuzz-regressions/<target>/
//! and are replayed here.

use std::time::Duration;

use andon::config::{BoardQuery, EventNames};
use andon::dora::{self, Benchmark};
use andon::sources::{cctray, exposition, pelorus, prometheus};
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
    if let Err(e) = andon::config::parse(text, "fuzz.toml") {
        let _ = e.to_string();
    }
    for reason in &reasons {
        assert!(!reason.trim().is_empty(), "a refusal must say why");
    }
    reasons
}

/// Real payloads to mutate.
fn seeds() -> Vec<String> {
    vec![
        fixture("cctray/jenkins-cc.xml"),
        fixture("cctray/gocd-cctray.xml"),
        fixture("cctray/buildkite.xml"),
        fixture("cctray/ccnet.xml"),
        fixture("exposition/pelorus-openmetrics.txt"),
        fixture("exposition/pelorus-text-0.0.4.txt"),
        PROMETHEUS_OK.to_string(),
        andon::config::DEMO_CONFIG.to_string(),
    ]
}

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
        seed in 0usize..8,
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
    fn every_truncation_of_a_real_payload_is_handled(seed in 0usize..8, cut in any::<usize>()) {
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
