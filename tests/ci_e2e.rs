//! The binary against GitHub, GitLab, Jenkins and Buildkite at once (wiremock on 127.0.0.1):
//! one board, correct statuses, stages and DORA figures; no secret in any output.

mod support;

use std::io::Write as _;
use std::process::{Command, Output};

use serde_json::Value;
use support::ci;
use wiremock::MockServer;

const GITHUB_TOKEN: &str = "ghp_E2Esecret0000github1111";
const GITLAB_TOKEN: &str = "glpat-E2Esecret2222gitlab";
const JENKINS_TOKEN: &str = "11e2esecret3333jenkins4444";
const BUILDKITE_TOKEN: &str = "bkua_E2Esecret5555buildkite";
const SECRETS: [&str; 4] = [GITHUB_TOKEN, GITLAB_TOKEN, JENKINS_TOKEN, BUILDKITE_TOKEN];

struct Servers {
    github: MockServer,
    gitlab: MockServer,
    jenkins: MockServer,
    buildkite: MockServer,
}

async fn servers() -> Servers {
    let servers = Servers {
        github: MockServer::start().await,
        gitlab: MockServer::start().await,
        jenkins: MockServer::start().await,
        buildkite: MockServer::start().await,
    };
    ci::github(&servers.github, Some(GITHUB_TOKEN)).await;
    ci::gitlab(&servers.gitlab, Some(GITLAB_TOKEN)).await;
    let basic = andon::sources::jenkins::base64(format!("ci:{JENKINS_TOKEN}").as_bytes());
    ci::jenkins(&servers.jenkins, Some(&basic)).await;
    ci::buildkite(&servers.buildkite, Some(BUILDKITE_TOKEN)).await;
    servers
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    path
}

fn config(dir: &tempfile::TempDir, s: &Servers) -> std::path::PathBuf {
    let token_file = write(dir, "jenkins-token", &format!("{JENKINS_TOKEN}\n"));
    // Kept like a secret, so that andon has nothing to warn about.
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let text = format!(
        r#"title = "Delivery"
[dora]
window = "3650d"
[board]
stages = ["build", "test", "deploy"]

[[source]]
name = "github"
kind = "github"
repo = "octo-org/shop"
api_url = "{github}"
token_env = "ANDON_E2E_GITHUB_TOKEN"

[[source]]
name = "gitlab"
kind = "gitlab"
project = "group/payments"
api_url = "{gitlab}/api/v4"
token = "{GITLAB_TOKEN}"

[[source]]
name = "jenkins"
kind = "jenkins"
url = "{jenkins}"
user = "ci"
token_file = "{token_file}"

[[source]]
name = "buildkite"
kind = "buildkite"
api_url = "{buildkite}"
organization = "my-great-org"
pipeline = "checkout"
token_env = "ANDON_E2E_BUILDKITE_TOKEN"
"#,
        github = s.github.uri(),
        gitlab = s.gitlab.uri(),
        jenkins = s.jenkins.uri(),
        buildkite = s.buildkite.uri(),
        token_file = token_file.display(),
    );
    let path = write(dir, "andon.toml", &text);
    set_mode(&path, 0o600);
    path
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn andon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(args)
        .env_remove("ANDON_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .env("ANDON_LOG", "trace")
        .env("ANDON_E2E_GITHUB_TOKEN", GITHUB_TOKEN)
        .env("ANDON_E2E_BUILDKITE_TOKEN", BUILDKITE_TOKEN)
        .output()
        .expect("andon runs")
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks a token:\n{text}");
    }
}

fn pipeline<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no pipeline {name} in {json:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_ci_servers_on_one_board_with_dora_and_no_leaks() {
    let s = servers().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, &s);
    let log = dir.path().join("andon.log");
    let out = andon(&[
        "--config",
        config.to_str().unwrap(),
        "--log-file",
        log.to_str().unwrap(),
        "--once",
        "--json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(1),
        "line stopped\n{stdout}\n{stderr}"
    );
    let json: Value = serde_json::from_str(&stdout).unwrap();
    for source in json["sources"].as_array().unwrap() {
        assert_eq!(source["state"], "ok", "{source}");
    }
    assert_eq!(json["andon"], "red");

    let expect = [
        ("shop/CI", "github", "failing", "test"),
        ("shop/Deploy", "github", "passing", "deploy"),
        ("payments", "gitlab", "passing", "deploy"),
        ("platform/infra", "jenkins", "failing", "Apply"),
        ("web/main", "jenkins", "passing", "Test"),
        ("api", "jenkins", "passing", ""),
        ("checkout", "buildkite", "failing", ":rspec: Test"),
    ];
    for (name, source, status, stage) in expect {
        let p = pipeline(&json, name);
        assert_eq!(p["source"], source, "{p}");
        assert_eq!(p["status"], status, "{p}");
        if !stage.is_empty() {
            assert_eq!(p["stage"], stage, "{p}");
        }
    }
    assert_eq!(
        pipeline(&json, "payments")["stages"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(pipeline(&json, "web/main")["building"], true);

    // GitHub: 2 successful deployments delivering 4 commits (lead 2h04m; 31h06m, 19h06m, 2h),
    // incident #7 after deploy 101, restored in 90 min. GitLab: 2 deployments delivering 3
    // commits (lead 24h; 22h, 1h), incident #12 after the first, restored in 2h, and #11
    // before any deployment, restored in 1h. Median of 7: 19h06m.
    let dora = &json["dora"];
    assert_eq!(dora["deployment_frequency"]["deployments"], 4, "{dora:#}");
    assert_eq!(dora["lead_time"]["n"], 7, "{dora:#}");
    assert_eq!(
        dora["lead_time"]["median_seconds"].as_f64(),
        Some(19.0 * 3600.0 + 6.0 * 60.0),
        "{dora:#}"
    );
    assert_eq!(dora["change_failure_rate"]["deployments"], 4, "{dora:#}");
    assert_eq!(dora["change_failure_rate"]["failed"], 2, "{dora:#}");
    assert_eq!(dora["time_to_restore"]["n"], 3, "{dora:#}");
    assert_eq!(
        dora["time_to_restore"]["median_seconds"], 5400.0,
        "{dora:#}"
    );

    assert_no_secret("stdout", &stdout);
    assert_no_secret("stderr", &stderr);
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_no_secret("log", &log_text);

    // The same run as text.
    let text = andon(&["--config", config.to_str().unwrap(), "--once"]);
    assert_no_secret("text", &String::from_utf8_lossy(&text.stdout));

    let check = andon(&["--config", config.to_str().unwrap(), "check"]);
    let check_out = String::from_utf8_lossy(&check.stdout).to_string();
    assert_eq!(check.status.code(), Some(0), "{check_out}");
    assert!(
        check_out.contains("token from $ANDON_E2E_GITHUB_TOKEN"),
        "{check_out}"
    );
    assert!(check_out.contains("inline token"), "{check_out}");
    assert!(
        check_out.contains("user ci, token from file"),
        "{check_out}"
    );
    assert_no_secret("check", &check_out);
    assert_no_secret("check stderr", &String::from_utf8_lossy(&check.stderr));
    assert!(
        String::from_utf8_lossy(&check.stderr).is_empty(),
        "a 0600 file gets no warning"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_token_in_a_file_others_can_read_is_warned_about() {
    let s = servers().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, &s);
    set_mode(&config, 0o644);
    let check = andon(&["--config", config.to_str().unwrap(), "check"]);
    let stderr = String::from_utf8_lossy(&check.stderr).to_string();
    assert_eq!(check.status.code(), Some(0));
    assert!(stderr.contains("inline token"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert_no_secret("warning", &stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_an_error_that_does_not_quote_it() {
    let s = servers().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dir, &s);
    let out = Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(["--config", config.to_str().unwrap(), "--once", "--json"])
        .env_remove("ANDON_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env("XDG_STATE_HOME", dir.path())
        .env("ANDON_E2E_GITHUB_TOKEN", "ghp_wrongWRONGwrong")
        .env("ANDON_E2E_BUILDKITE_TOKEN", BUILDKITE_TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let github = &json["sources"][0];
    assert_eq!(github["state"], "error", "{github}");
    assert!(!stdout.contains("ghp_wrongWRONGwrong"));
    assert_no_secret("stdout", &stdout);
}
