//! The `andon` binary end to end: `--once`, `--json`, `check`, exit codes and config errors.

use std::io::Write as _;
use std::process::{Command, Output};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn andon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(args)
        .env_remove("ANDON_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .output()
        .expect("andon runs")
}

fn once_json(config: &tempfile::NamedTempFile) -> Output {
    andon(&[
        "--config",
        config.path().to_str().unwrap(),
        "--once",
        "--json",
    ])
}

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

const CCTRAY_GREEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Projects>
  <Project name="api" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="41"
           lastBuildTime="2026-11-20T13:02:11.1234567+01:00" webUrl="http://ci.local/job/api/41/"/>
  <Project name="web" activity="Building" lastBuildStatus="Success" lastBuildLabel="7"
           lastBuildTime="2026-11-20T12:00:00Z" webUrl="http://ci.local/job/web/7/"/>
</Projects>"#;

const CCTRAY_RED: &str = r#"<Projects>
  <Project name="api" activity="Sleeping" lastBuildStatus="Failure" lastBuildLabel="42"
           lastBuildTime="2026-11-20T13:40:00Z" webUrl="http://ci.local/job/api/42/"/>
  <Project name="web" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="7"
           lastBuildTime="2026-11-20T12:00:00Z"/>
</Projects>"#;

async fn feed(body: &'static str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cc.xml"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    server
}

fn cctray_config(urls: &[(&str, String)]) -> tempfile::NamedTempFile {
    let mut text = String::from("title = \"CI\"\n[board]\nstages = [\"build\", \"deploy\"]\n");
    for (name, url) in urls {
        text.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nkind = \"cctray\"\nurl = \"{url}\"\ntimeout = \"2s\"\n"
        ));
    }
    config_file(&text)
}

fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/cc.xml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn green_feed_exits_0_with_passing_pipelines() {
    let server = feed(CCTRAY_GREEN).await;
    let config = cctray_config(&[("jenkins", format!("{}/cc.xml", server.uri()))]);
    let out = once_json(&config);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = json_of(&out);
    assert_eq!(json["schema"], 1);
    assert_eq!(json["andon"], "green");
    let pipelines = json["pipelines"].as_array().unwrap();
    assert_eq!(pipelines.len(), 2);
    let web = pipelines.iter().find(|p| p["name"] == "web").unwrap();
    assert_eq!(web["status"], "passing");
    assert_eq!(web["building"], true);
    assert_eq!(web["source"], "jenkins");
    assert_eq!(web["url"], "http://ci.local/job/web/7/");
    let api = pipelines.iter().find(|p| p["name"] == "api").unwrap();
    assert_eq!(api["last_build_at"], "2026-11-20T12:02:11Z");
    assert_eq!(json["sources"][0]["state"], "ok");
    assert_eq!(json["sources"][0]["error"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_stops_the_line_exit_1_even_with_a_dead_source() {
    let server = feed(CCTRAY_RED).await;
    let config = cctray_config(&[
        ("jenkins", format!("{}/cc.xml", server.uri())),
        ("gocd", refused_url()),
    ]);
    let out = once_json(&config);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["andon"], "red");
    let api = json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "api")
        .unwrap();
    assert_eq!(api["status"], "failing");
    let gocd = &json["sources"][1];
    assert_eq!(gocd["state"], "error");
    assert_eq!(gocd["error"], "connection refused");
    assert_eq!(gocd["last_success"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_source_with_nothing_red_exits_3_never_green() {
    let server = feed(CCTRAY_GREEN).await;
    let config = cctray_config(&[
        ("jenkins", format!("{}/cc.xml", server.uri())),
        ("gocd", refused_url()),
    ]);
    let out = andon(&["--config", config.path().to_str().unwrap(), "--once"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("? NO DATA"), "{text}");
    assert!(
        text.contains("gocd: error <1m: connection refused"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "colour codes in piped output:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_feed_is_reported_with_its_reason() {
    let server = feed("<html><body>Login required</body></html>").await;
    let config = cctray_config(&[("jenkins", format!("{}/cc.xml", server.uri()))]);
    let out = once_json(&config);
    assert_eq!(out.status.code(), Some(3));
    let json = json_of(&out);
    assert_eq!(json["andon"], "unknown");
    let error = json["sources"][0]["error"].as_str().unwrap();
    assert!(error.contains("HTML"), "{error}");
}

#[test]
fn text_once_on_the_demo_prints_board_dora_and_sources() {
    let out = andon(&["--config", "sample-config.toml", "--once"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let code = out.status.code().unwrap();
    assert!(text.contains("[DEMO DATA]"), "{text}");
    for section in [
        "BOARD",
        "FLOW",
        "DORA  last 30 days · 2023 benchmark",
        "SOURCES",
    ] {
        assert!(text.contains(section), "{section} missing:\n{text}");
    }
    // One flow line per stage, with its WIP and the median time in it.
    let flow: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "FLOW")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(flow.len(), 4, "{text}");
    assert!(
        flow.iter()
            .all(|l| l.contains(" WIP") && l.contains("median ")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("PASS") && l.contains("PIPELINE")),
        "{text}"
    );
    let expected = if text.contains("LINE STOPPED") { 1 } else { 0 };
    assert_eq!(code, expected, "{text}");
}

#[test]
fn json_once_on_the_demo_has_every_schema_field() {
    let out = andon(&["--config", "sample-config.toml", "--once", "--json"]);
    let json = json_of(&out);
    let code = out.status.code().unwrap();
    match json["andon"].as_str().unwrap() {
        "green" => assert_eq!(code, 0),
        "red" => assert_eq!(code, 1),
        other => panic!("the demo should never be {other}"),
    }
    assert!(chrono::DateTime::parse_from_rfc3339(json["generated_at"].as_str().unwrap()).is_ok());
    let p = &json["pipelines"][0];
    for key in [
        "name",
        "source",
        "status",
        "building",
        "stage",
        "url",
        "last_build_at",
        "stages",
        "label",
        "commit",
        "author",
        "breakers",
        "started_at",
        "finished_at",
        "pass_rate",
    ] {
        assert!(p.get(key).is_some(), "pipeline lacks {key}: {p}");
    }
    for key in [
        "name",
        "status",
        "started_at",
        "finished_at",
        "duration_seconds",
        "queued_seconds",
    ] {
        assert!(p["stages"][0].get(key).is_some(), "stage lacks {key}: {p}");
    }
    // The demo lists each pipeline's earlier runs: a pass rate from the first poll.
    let rate = &p["pass_rate"];
    assert!(rate["runs"].as_u64().unwrap() >= 19, "{rate}");
    assert!(rate["passed"].as_u64().unwrap() <= rate["runs"].as_u64().unwrap());
    assert!(rate["flaky"].is_boolean());
    let flow = &json["flow"];
    let stages = flow["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 4, "{flow}");
    for key in [
        "name",
        "wip",
        "wip_limit",
        "breached",
        "median_duration_seconds",
        "n",
        "median_queue_seconds",
        "queue_n",
    ] {
        assert!(
            stages[0].get(key).is_some(),
            "flow stage lacks {key}: {flow}"
        );
    }
    assert!(flow.get("constraint").is_some() && flow.get("constraint_note").is_some());
    let dora = &json["dora"];
    assert_eq!(dora["window_days"], 30.0);
    assert_eq!(dora["benchmark"], "2023");
    let df = &dora["deployment_frequency"];
    for key in ["deployments", "per_day", "deploy_days_per_week", "tier"] {
        assert!(df.get(key).is_some(), "deployment_frequency lacks {key}");
    }
    assert!(df["deployments"].as_u64().unwrap() > 0);
    for (figure, keys) in [
        (
            "lead_time",
            &["n", "median_seconds", "p90_seconds", "tier"][..],
        ),
        (
            "change_failure_rate",
            &["deployments", "failed", "ratio", "tier"][..],
        ),
        ("time_to_restore", &["n", "median_seconds", "tier"][..]),
        (
            "deployment_rework_rate",
            &["deployments", "rework", "ratio", "by_rule", "trend"][..],
        ),
        (
            "failed_deployment_recovery_time",
            &["n", "median_seconds", "tier", "trend"][..],
        ),
        (
            "scores",
            &[
                "edition",
                "industry",
                "lead_time",
                "deployment_frequency",
                "failed_deployment_recovery_time",
                "change_failure_rate",
                "deployment_rework_rate",
                "throughput",
                "stability",
                "overall",
            ][..],
        ),
    ] {
        for key in keys {
            assert!(dora[figure].get(key).is_some(), "{figure} lacks {key}");
        }
    }
    assert_eq!(dora["scores"]["edition"], "2025");
    for key in ["score", "benchmark_mean", "benchmark_sd", "keys"] {
        assert!(
            dora["scores"]["overall"].get(key).is_some(),
            "overall lacks {key}"
        );
    }
    assert_eq!(json["escalated"], false);
    for key in [
        "stages",
        "rolling_complete_accurate",
        "activity_ratio",
        "cannot_report",
    ] {
        assert!(
            json["flow"]["value_stream"].get(key).is_some(),
            "value_stream lacks {key}"
        );
    }
    let source = &json["sources"][0];
    assert_eq!(source["kind"], "demo");
    assert_eq!(source["state"], "ok");
}

#[test]
fn no_data_figures_are_null_not_zero() {
    let config = config_file(
        "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:9/cc.xml\"\ntimeout = \"1s\"\n",
    );
    let out = once_json(&config);
    let json = json_of(&out);
    let dora = &json["dora"];
    assert_eq!(dora["deployment_frequency"]["per_day"], Value::Null);
    assert_eq!(dora["deployment_frequency"]["tier"], Value::Null);
    assert_eq!(dora["lead_time"]["median_seconds"], Value::Null);
    assert_eq!(dora["change_failure_rate"]["ratio"], Value::Null);
    assert_eq!(dora["time_to_restore"]["median_seconds"], Value::Null);
    assert_eq!(dora["deployment_rework_rate"]["ratio"], Value::Null);
    assert_eq!(
        dora["deployment_rework_rate"]["missing"],
        "no deployments in window"
    );
    assert_eq!(
        dora["failed_deployment_recovery_time"]["median_seconds"],
        Value::Null
    );
    assert_eq!(dora["scores"]["overall"], Value::Null);
    assert_eq!(dora["scores"]["lead_time"], Value::Null);
    assert_eq!(json["flow"]["constraint"], Value::Null);
    assert!(
        json["flow"]["constraint_note"]
            .as_str()
            .unwrap()
            .contains("not enough data")
    );
    assert_eq!(json["andon"], "unknown");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn wip_limits_reach_the_json_and_a_breach_is_more_than_the_limit() {
    let config = config_file(
        "[board]\nstages = [\"build\", \"test\", \"deploy\", \"verify\"]\nwip_limits = { test = 1, verify = 2 }\n[[source]]\nname = \"d\"\nkind = \"demo\"\n",
    );
    let json = json_of(&once_json(&config));
    let stages = json["flow"]["stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["build", "test", "deploy", "verify"]);
    for stage in stages {
        let limit = match stage["name"].as_str().unwrap() {
            "test" => Some(1),
            "verify" => Some(2),
            _ => None,
        };
        assert_eq!(stage["wip_limit"].as_u64(), limit, "{stage}");
        let wip = stage["wip"].as_u64().unwrap();
        assert_eq!(
            stage["breached"].as_bool().unwrap(),
            limit.is_some_and(|l| wip > l),
            "{stage}"
        );
    }
    // WIP is the cards in the column whose run is in progress.
    let building = json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["building"] == true)
        .count() as u64;
    let wip: u64 = stages.iter().map(|s| s["wip"].as_u64().unwrap()).sum();
    assert_eq!(wip, building, "{json}");
}

#[test]
fn a_bad_wip_limit_names_file_line_and_field() {
    let config = config_file("[board]\nwip_limits = { test = 0 }\n");
    let file = config.path().to_str().unwrap();
    let out = andon(&["check", "--config", file]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{file}:2:23: field `board.wip_limits.test`")),
        "{stderr}"
    );
}

#[test]
fn a_bad_config_names_file_line_column_and_field_and_exits_2() {
    let config = config_file(
        "title = \"x\"\n[[source]]\nname = \"p\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9090\"\ninterval = \"every minute\"\n",
    );
    let file = config.path().to_str().unwrap();
    for args in [
        vec!["--config", file, "--once"],
        vec!["check", "--config", file],
    ] {
        let out = andon(&args);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("{file}:6:12: field `source[0].interval`")),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_missing_config_file_is_an_error_not_the_demo() {
    let out = andon(&["--config", "/nonexistent/andon.toml", "--once"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("/nonexistent/andon.toml")
    );
}

#[test]
fn check_prints_what_would_be_polled() {
    let config = config_file(
        "[[source]]\nname = \"prom\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9090\"\ninterval = \"15s\"\ntimeout = \"5s\"\n",
    );
    let out = andon(&["check", "--config", config.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("config ok"), "{text}");
    assert!(
        text.contains("prom  prometheus  http://127.0.0.1:9090"),
        "{text}"
    );
    assert!(text.contains("every 15s, timeout 5s"), "{text}");
}

#[test]
fn json_without_once_is_a_usage_error() {
    assert_eq!(andon(&["--json"]).status.code(), Some(2));
}

#[test]
fn andon_config_environment_variable_is_used() {
    let config = config_file("title = \"From env\"\n[[source]]\nname = \"d\"\nkind = \"demo\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(["check"])
        .env("ANDON_CONFIG", config.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("title: From env")
    );
}

#[test]
fn the_tui_without_a_terminal_says_what_to_do_instead_of_panicking() {
    let out = andon(&["--config", "sample-config.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("use --once"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn once_text_is_an_aligned_table_without_colour_when_piped() {
    let out = andon(&["--config", "sample-config.toml", "--once"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "colour in a pipe:\n{text}");
    let header = text.lines().find(|l| l.contains("PIPELINE")).unwrap();
    for column in ["STAGE", "STATUS", "RUN", "LAST RUN", "LINK"] {
        assert!(header.contains(column), "{header}");
    }
    let status_at = header[..header.find("STATUS").unwrap()].chars().count();
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("PIPELINE"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 6, "{text}");
    for row in rows {
        let word: String = row.chars().skip(status_at).collect();
        assert!(
            word.starts_with("passing") || word.starts_with("failing"),
            "STATUS column not aligned in {row:?}"
        );
    }
}

#[test]
fn once_since_adds_what_happened_in_the_period() {
    let out = andon(&["--config", "sample-config.toml", "--once", "--since", "7d"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("(last 7d)"), "{text}");
    for row in ["broke", "still red", "deploys", "opened", "resolved"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(row)),
            "{row}:\n{text}"
        );
    }
    let deploys = text
        .lines()
        .find(|l| l.trim_start().starts_with("deploys"))
        .unwrap();
    let count: usize = deploys.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(count > 0, "the demo deploys every day:\n{text}");
    let json = json_of(&andon(&[
        "--config",
        "sample-config.toml",
        "--once",
        "--json",
        "--since",
        "24h",
    ]));
    assert!(json["since"]["deployments"].is_u64(), "{json}");
    assert!(json["since"]["incidents_opened"].is_array(), "{json}");
    let usage = andon(&["--config", "sample-config.toml", "--since", "24h"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn an_unknown_theme_is_a_config_error_naming_the_built_ins() {
    let out = andon(&[
        "--config",
        "sample-config.toml",
        "--once",
        "--theme",
        "solarised",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("solarised") && err.contains("colourblind"),
        "{err}"
    );
}
