use super::*;
use crate::config::EventNames;
use crate::dora::ReworkRules;

fn error_of(text: &str) -> ConfigError {
    parse(text, "andon.toml").expect_err("config should be rejected")
}

#[test]
fn sample_config_is_valid_and_uses_the_demo() {
    let config = parse(DEMO_CONFIG, "sample-config.toml").unwrap();
    assert!(!config.sources.is_empty());
    assert!(
        config
            .sources
            .iter()
            .all(|s| matches!(s.kind, SourceKind::Demo { .. }))
    );
}

#[test]
fn full_shape_from_the_documentation_parses() {
    let config = parse(
        r#"
title = "Payments delivery"
[dora]
window = "30d"
benchmark = "2023"
[board]
stages = ["build", "test", "deploy", "verify"]
[[source]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9090/"
interval = "15s"
timeout = "5s"
"#,
        "a.toml",
    )
    .unwrap();
    assert_eq!(config.title, "Payments delivery");
    assert_eq!(config.dora.window, Duration::from_secs(30 * 86_400));
    assert_eq!(config.board.stages, ["build", "test", "deploy", "verify"]);
    let source = &config.sources[0];
    assert_eq!(source.interval, Duration::from_secs(15));
    assert_eq!(source.timeout, Duration::from_secs(5));
    let SourceKind::Prometheus(prom) = &source.kind else {
        panic!("expected prometheus, got {:?}", source.kind)
    };
    assert_eq!(prom.url, "http://127.0.0.1:9090");
    assert_eq!(prom.events, EventNames::default());
    assert_eq!(prom.lookback, Duration::from_secs(90 * 86_400));
}

#[test]
fn wip_limits_parse_and_bad_ones_are_located() {
    let config = parse(
        "[board]\nstages = [\"build\", \"test\"]\nwip_limits = { test = 3, \"code review\" = 1 }\n",
        "a.toml",
    )
    .unwrap();
    assert_eq!(
        config.board.wip_limits,
        std::collections::BTreeMap::from([("code review".to_string(), 1), ("test".to_string(), 3)])
    );
    let e = error_of("[board]\nwip_limits = { test = 0 }\n");
    assert_eq!((e.line, e.column), (2, 23));
    assert_eq!(e.field, "board.wip_limits.test");
    assert!(e.message.contains("from 1 to"), "{e}");
    let e = error_of("[board]\n\n[board.wip_limits]\ndeploy = -2\n");
    assert_eq!((e.line, e.field.as_str()), (4, "board.wip_limits.deploy"));
    let e = error_of("[board]\nwip_limits = { \" \" = 2 }\n");
    assert!(e.message.contains("must not be empty"), "{e}");
    let e = error_of("[board]\nwip_limits = { test = \"three\" }\n");
    assert_eq!(e.line, 2, "{e}");
    let e = error_of("[board]\nwip_limits = { test = 2.5 }\n");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn bad_duration_names_line_column_and_field() {
    let e = error_of(
        "[[source]]\nname = \"p\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:1\"\ninterval = \"soon\"\n",
    );
    assert_eq!((e.line, e.column), (5, 12));
    assert_eq!(e.field, "source[0].interval");
    assert!(e.message.contains("not a duration"), "{}", e.message);
    assert!(
        e.to_string()
            .starts_with("andon.toml:5:12: field `source[0].interval`")
    );
}

#[test]
fn unknown_field_is_named_with_its_path() {
    let e = error_of("title = \"x\"\n[dora]\nwindw = \"30d\"\n");
    assert_eq!(e.line, 3);
    assert!(e.field.starts_with("dora"), "{e}");
    assert!(e.message.contains("windw"), "{e}");
}

#[test]
fn wrong_type_is_located() {
    let e = error_of("[[source]]\nname = \"d\"\nkind = \"demo\"\nseed = \"one\"\n");
    assert_eq!(e.line, 4);
    assert_eq!(e.field, "source[0].seed");
}

#[test]
fn syntax_error_is_located() {
    let e = error_of("title = \"x\n");
    assert_eq!(e.line, 1);
}

#[test]
fn unknown_kind_is_rejected_at_the_kind() {
    let e = error_of("[[source]]\nname = \"j\"\nkind = \"jenkinz\"\n");
    assert_eq!((e.line, e.field.as_str()), (3, "source[0].kind"));
    assert!(e.message.contains("jenkinz"));
}

#[test]
fn missing_url_and_bad_url_are_rejected() {
    let e = error_of("[[source]]\nname = \"p\"\nkind = \"cctray\"\n");
    assert_eq!(e.field, "source[0].url");
    let e = error_of("[[source]]\nname = \"p\"\nkind = \"cctray\"\nurl = \"ftp://x\"\n");
    assert_eq!((e.line, e.field.as_str()), (4, "source[0].url"));
}

#[test]
fn rework_rules_industry_and_escalation_parse_and_bad_ones_are_located() {
    let c = parse(
        "[dora]\nrework_rules = [\"fix\", \"marked\"]\nindustry = \"technology\"\n\
             [andon]\nescalate_after = \"30m\"\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(c.dora.rework_rules.words(), ["fix", "marked"]);
    assert_eq!(c.dora.industry.name, "Technology");
    assert_eq!(c.andon.escalate_after, Some(Duration::from_secs(1800)));
    let defaults = parse("", "t.toml").unwrap();
    assert_eq!(defaults.dora.rework_rules, ReworkRules::default());
    assert_eq!(defaults.dora.industry.key, "all");
    assert_eq!(defaults.andon.escalate_after, None);
    let none = parse("[dora]\nrework_rules = []\n", "t.toml").unwrap();
    assert_eq!(none.dora.rework_rules, ReworkRules::none());
    let e = error_of("[dora]\nrework_rules = [\"fix\", \"hotfix\"]\n");
    assert_eq!((e.line, e.field.as_str()), (2, "dora.rework_rules[1]"));
    assert!(e.message.contains("\"hotfix\""), "{e}");
    let e = error_of("[dora]\nrework_rules = [\"fix\", \"fix\"]\n");
    assert!(e.message.contains("twice"), "{e}");
    let e = error_of("[dora]\nindustry = \"banking\"\n");
    assert_eq!((e.line, e.field.as_str()), (2, "dora.industry"));
    assert!(e.message.contains("financial_services"), "{e}");
    let e = error_of("\n[andon]\nescalate_after = \"500ms\"\n");
    assert_eq!((e.line, e.field.as_str()), (3, "andon.escalate_after"));
    let e = error_of("[andon]\nescalate_after = \"soon\"\n");
    assert_eq!(e.field, "andon.escalate_after");
    let e = error_of("[andon]\nescalate = \"30m\"\n");
    assert!(e.field.starts_with("andon"), "{e}");
}

#[test]
fn duplicate_names_and_bad_benchmark_are_rejected() {
    let e = error_of(
        "[[source]]\nname = \"a\"\nkind = \"demo\"\n[[source]]\nname = \"a\"\nkind = \"demo\"\n",
    );
    assert_eq!(e.line, 5);
    assert!(e.message.contains("duplicate"));
    let e = error_of("[dora]\nbenchmark = \"2019\"\n");
    assert_eq!((e.line, e.field.as_str()), (2, "dora.benchmark"));
}

#[test]
fn event_names_and_board_query_are_configurable() {
    let config = parse(
        r#"
[[source]]
name = "p"
kind = "prometheus"
url = "http://127.0.0.1:9090"
[source.events]
deploy = "my_deploy_ts"
app_label = "service"
[source.board]
query = "gitlab_ci_pipeline_job_status == 1"
pipeline_label = "project"
"#,
        "a.toml",
    )
    .unwrap();
    let SourceKind::Prometheus(prom) = &config.sources[0].kind else {
        panic!()
    };
    assert_eq!(prom.events.deploy, "my_deploy_ts");
    assert_eq!(prom.events.app_label, "service");
    assert_eq!(prom.events.commit, "commit_timestamp");
    let board = prom.board.as_ref().unwrap();
    assert_eq!(board.pipeline_label, "project");
    assert_eq!(board.stage_label, "stage");
}

#[test]
fn display_and_pages_parse_and_board_stays_the_main_page() {
    let config = parse(
        r#"
[board]
stages = ["build", "deploy"]
[display]
theme = "light"
kiosk = true
rotate = "20s"
bell = true
command = "notify-send andon"
[[page]]
name = "Payments"
filter = "pay"
[[page]]
name = "Attention"
hide_green = true
"#,
        "a.toml",
    )
    .unwrap();
    assert_eq!(config.board.stages, ["build", "deploy"]);
    assert_eq!(config.display.theme.as_deref(), Some("light"));
    assert!(config.display.kiosk && config.display.bell);
    assert_eq!(config.display.rotate, Duration::from_secs(20));
    assert_eq!(config.pages.len(), 2);
    assert_eq!(config.pages[0].filter.as_deref(), Some("pay"));
    assert!(config.pages[1].hide_green && config.pages[1].filter.is_none());
    let plain = parse("[board]\nstages = [\"a\"]\n", "b.toml").unwrap();
    assert_eq!(plain.display, DisplayConfig::default());
    assert!(plain.pages.is_empty());
}

#[test]
fn bad_rotate_and_duplicate_pages_are_located() {
    let e = error_of("[display]\nrotate = \"1s\"\n");
    assert_eq!((e.line, e.field.as_str()), (2, "display.rotate"));
    let e = error_of("[[page]]\nname = \"a\"\n[[page]]\nname = \"a\"\n");
    assert_eq!((e.line, e.field.as_str()), (4, "page[1].name"));
    let e = error_of("[display]\nkoisk = true\n");
    assert!(e.to_string().contains("koisk"), "{e}");
}

#[test]
fn ci_sources_parse_with_defaults() {
    let config = parse(
        r#"
[[source]]
name = "gh"
kind = "github"
repo = "octo-org/shop"
token_env = "GITHUB_TOKEN"
workflows = ["ci.yml"]
[[source]]
name = "gl"
kind = "gitlab"
project = "group/payments"
api_url = "https://gitlab.example.com/api/v4/"
incident_label = "sev"
[[source]]
name = "jk"
kind = "jenkins"
url = "https://ci.example.org/"
user = "ci"
token_file = "/run/secrets/jenkins"
[[source]]
name = "bk"
kind = "buildkite"
organization = "acme"
pipeline = "checkout"
branch = "trunk"
token = "bkua_inline"
"#,
        "a.toml",
    )
    .unwrap();
    let SourceKind::Github(gh) = &config.sources[0].kind else {
        panic!()
    };
    assert_eq!(gh.api_url, "https://api.github.com");
    assert_eq!(
        (gh.branch.as_str(), gh.environment.as_str()),
        ("main", "production")
    );
    assert_eq!(gh.incident_label, "incident");
    assert_eq!(gh.auth.token, Some(TokenSource::Env("GITHUB_TOKEN".into())));
    let SourceKind::Gitlab(gl) = &config.sources[1].kind else {
        panic!()
    };
    assert_eq!(gl.api_url, "https://gitlab.example.com/api/v4");
    assert_eq!(gl.incident_label.as_deref(), Some("sev"));
    let SourceKind::Jenkins(jk) = &config.sources[2].kind else {
        panic!()
    };
    assert_eq!(jk.url, "https://ci.example.org");
    assert_eq!(jk.auth.user.as_deref(), Some("ci"));
    let SourceKind::Buildkite(bk) = &config.sources[3].kind else {
        panic!()
    };
    assert_eq!(bk.branch, "trunk");
    assert!(!bk.deploy_pipeline, "opt-in");
    assert!(!format!("{config:?}").contains("bkua_inline"));
}

#[test]
fn bad_ci_configs_are_located() {
    let e = error_of("[[source]]\nname = \"g\"\nkind = \"github\"\n");
    assert_eq!((e.line, e.field.as_str()), (3, "source[0].repo"));
    assert!(e.message.contains("owner/name"), "{e}");

    let e = error_of("[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"shop\"\n");
    assert_eq!(
        (e.line, e.column, e.field.as_str()),
        (4, 8, "source[0].repo")
    );

    let e = error_of(
        "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\ntoken_env = \"A\"\ntoken_file = \"/x\"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (6, "source[0].token"));
    assert!(e.message.contains("only one"), "{e}");

    let e = error_of(
        "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://j\"\nuser = \"ci\"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].user"));

    let e = error_of(
        "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\napi_url = \"api.buildkite.com\"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (6, "source[0].api_url"));

    let e =
        error_of("[[source]]\nname = \"g\"\nkind = \"gitlab\"\nproject = \"p\"\nrepo = \"a/b\"\n");
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].repo"));

    let e = error_of(
        "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x\"\ntoken_env = \"T\"\n",
    );
    assert_eq!(e.field, "source[0].token_env");
}

#[test]
fn deploy_pipeline_is_buildkite_only_and_opt_in() {
    let config = parse(
            "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"deploy\"\ndeploy_pipeline = true\n",
            "a.toml",
        )
        .unwrap();
    let SourceKind::Buildkite(bk) = &config.sources[0].kind else {
        panic!()
    };
    assert!(bk.deploy_pipeline);
    let e = error_of(
        "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\ndeploy_pipeline = true\n",
    );
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].deploy_pipeline"));
    assert!(
        e.message
            .contains("applies only to buildkite sources, not github"),
        "{e}"
    );
    let e = error_of(
        "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x\"\ndeploy_pipeline = true\n",
    );
    assert_eq!(e.field, "source[0].deploy_pipeline");
    let e = error_of(
        "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\ndeploy_pipeline = \"yes\"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (6, "source[0].deploy_pipeline"));
}

#[test]
fn a_url_with_a_control_character_is_refused() {
    let e =
        error_of("[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x/\\u001b[2J\"\n");
    assert_eq!((e.line, e.field.as_str()), (4, "source[0].url"));
    assert!(e.message.contains("control character"), "{e}");
    let e = error_of(
        "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\napi_url = \"https://gh/\\u202e\"\n",
    );
    assert_eq!(e.field, "source[0].api_url");
}

#[test]
fn a_key_its_kind_does_not_take_is_refused_where_it_is_written() {
    let e = error_of(
        "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x/cc.xml\"\nlookback = \"9d\"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].lookback"));
    assert!(
        e.message
            .contains("`lookback` applies only to prometheus sources, not cctray"),
        "{e}"
    );
    let e = error_of(
        "[[source]]\nname = \"h\"\nkind = \"andon\"\nurl = \"http://x\"\n[source.events]\ndeploy = \"d\"\n",
    );
    assert_eq!(e.field, "source[0].events");
    assert!(
        e.message
            .contains("applies only to prometheus and exposition sources, not andon"),
        "{e}"
    );
    let e =
        error_of("[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\njobs = [\"x\"]\n");
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].jobs"));
}

#[test]
fn deploy_job_is_jenkins_only_and_not_empty() {
    let config = parse(
            "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://ci\"\ndeploy_job = \"team/deploy\"\n",
            "a.toml",
        )
        .unwrap();
    let SourceKind::Jenkins(jenkins) = &config.sources[0].kind else {
        panic!()
    };
    assert_eq!(jenkins.deploy_job.as_deref(), Some("team/deploy"));
    let e = error_of(
        "[[source]]\nname = \"g\"\nkind = \"gitlab\"\nproject = \"a/b\"\ndeploy_job = \"d\"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].deploy_job"));
    assert!(
        e.message
            .contains("applies only to jenkins sources, not gitlab"),
        "{e}"
    );
    let e = error_of("[[source]]\nname = \"d\"\nkind = \"demo\"\ndeploy_job = \"d\"\n");
    assert_eq!(e.field, "source[0].deploy_job");
    let e = error_of(
        "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://ci\"\ndeploy_job = \" \"\n",
    );
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].deploy_job"));
}

#[test]
fn inline_token_in_a_readable_file_is_warned_about_without_the_token() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("andon.toml");
    let text = "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\ntoken = \"bkua_s3cret\"\n";
    std::fs::write(&path, text).unwrap();
    let config = load(Some(&path)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let warnings = secret_warnings(Some(&path), &config);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("mode 644"), "{warnings:?}");
    assert!(!warnings[0].contains("bkua_s3cret"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(secret_warnings(Some(&path), &config).is_empty());
}

#[test]
fn transport_defaults_and_options() {
    let config = parse(
        "[[source]]\nname = \"a\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1\"\n\
             [[source]]\nname = \"b\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1\"\n\
             max_body = \"512 KiB\"\ninsecure = true\nbackoff_max = \"10m\"\ninterval = \"1m\"\n",
        "a.toml",
    )
    .unwrap();
    assert_eq!(config.sources[0].transport, Transport::default());
    let b = &config.sources[1].transport;
    assert_eq!(b.max_body, 512 * 1024);
    assert!(b.insecure);
    assert_eq!(b.backoff_max, Duration::from_secs(600));
}

#[test]
fn bad_transport_options_are_located() {
    let base = "[[source]]\nname = \"a\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1\"\n";
    let e = error_of(&format!("{base}max_body = \"lots\"\n"));
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].max_body"));
    let e = error_of(&format!("{base}max_body = \"10\"\n"));
    assert!(e.message.contains("between 1KiB and 1GiB"), "{e}");
    let e = error_of(&format!("{base}backoff_max = \"1s\"\n"));
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].backoff_max"));
    assert!(e.message.contains("at least the interval"), "{e}");
    let e = error_of(&format!("{base}ca_file = \"/nonexistent/ca.pem\"\n"));
    assert_eq!((e.line, e.field.as_str()), (5, "source[0].ca_file"));
    assert!(e.message.contains("cannot read CA file"), "{e}");
    let not_pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_pem.path(), "hello").unwrap();
    let e = error_of(&format!("{base}ca_file = {:?}\n", not_pem.path()));
    assert!(e.message.contains("no certificate"), "{e}");
}

const TWO_ON_GITHUB: &str = "[[source]]\nname = \"a\"\nkind = \"github\"\nrepo = \"o/a\"\n\
         [[source]]\nname = \"b\"\nkind = \"github\"\nrepo = \"o/b\"\n\
         [[source]]\nname = \"gl\"\nkind = \"gitlab\"\nproject = \"g/p\"\n\
         api_url = \"https://gitlab.example.com:8443/api/v4\"\n";

#[test]
fn request_budgets_default_per_host_and_configured() {
    let config = parse(TWO_ON_GITHUB, "a.toml").unwrap();
    assert!(
        config
            .sources
            .iter()
            .all(|s| s.transport.budget_per_hour == 2000)
    );
    let config = parse(
        &format!(
            "[http]\nbudget_per_hour = 500\n\
                 [http.hosts.\"api.github.com\"]\nbudget_per_hour = 1000\n{TWO_ON_GITHUB}"
        ),
        "a.toml",
    )
    .unwrap();
    let budgets: Vec<(Option<String>, u32)> = config
        .sources
        .iter()
        .map(|s| (s.kind.api_host(), s.transport.budget_per_hour))
        .collect();
    assert_eq!(
        budgets,
        [
            (Some("api.github.com".to_string()), 1000),
            (Some("api.github.com".to_string()), 1000),
            (Some("gitlab.example.com:8443".to_string()), 500)
        ]
    );
    // The scheme's default port may be written.
    let config = parse(
        &format!("[http.hosts.\"api.github.com:443\"]\nbudget_per_hour = 60\n{TWO_ON_GITHUB}"),
        "a.toml",
    )
    .unwrap();
    assert_eq!(config.sources[0].transport.budget_per_hour, 60);
}

#[test]
fn bad_request_budgets_are_located() {
    let e = error_of(&format!("[http]\nbudget_per_hour = 0\n{TWO_ON_GITHUB}"));
    assert_eq!(
        (e.line, e.column, e.field.as_str()),
        (2, 19, "http.budget_per_hour")
    );
    assert!(e.message.contains("between 1 and 1000000"), "{e}");
    let e = error_of(&format!("[http]\nbudget_per_hour = -5\n{TWO_ON_GITHUB}"));
    assert_eq!(e.field, "http.budget_per_hour");
    let e = error_of(&format!(
        "[http]\nbudget_per_hour = \"lots\"\n{TWO_ON_GITHUB}"
    ));
    assert_eq!((e.line, e.field.as_str()), (2, "http.budget_per_hour"));
    let e = error_of(&format!(
        "[http.hosts.\"api.github.com\"]\nbudget_per_hour = 2000000\n{TWO_ON_GITHUB}"
    ));
    assert_eq!(
        (e.line, e.field.as_str()),
        (2, "http.hosts.\"api.github.com\".budget_per_hour")
    );
    let e = error_of(&format!(
        "[http.hosts.\"api.github.co\"]\nbudget_per_hour = 100\n{TWO_ON_GITHUB}"
    ));
    assert_eq!(e.field, "http.hosts.\"api.github.co\"");
    assert!(
            e.message
                .contains("no source talks to \"api.github.co\"; the CI API hosts are api.github.com, gitlab.example.com:8443"),
            "{e}"
        );
    let e = error_of(&format!(
        "[http.hosts.\"https://api.github.com\"]\nbudget_per_hour = 100\n{TWO_ON_GITHUB}"
    ));
    assert!(e.message.contains("is not a host"), "{e}");
    let e = error_of(&format!("[http]\nbudget = 100\n{TWO_ON_GITHUB}"));
    assert!(e.to_string().contains("budget"), "{e}");
    assert_eq!(e.line, 2);
    let e = error_of(&format!("[http.hosts.\"api.github.com\"]\n{TWO_ON_GITHUB}"));
    assert!(e.message.contains("budget_per_hour"), "{e}");
}
