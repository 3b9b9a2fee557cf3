//! Why it broke, in a real terminal: tmux runs `andon` against a GitHub API on 127.0.0.1 whose
//! latest run failed; `l` reads the failed job's log through a redirect to another origin, `a`
//! marks the pipeline as someone's, `t` shows the trends; `andon why` prints the same log.

mod support;

use std::io::Write as _;

use support::ci;
use support::tmux::Tmux;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghp_TUIsecret0000github1111why";
const GITHUB_LOG: &[u8] = include_bytes!("fixtures/logs/github-actions-job.log");

struct Setup {
    _api: MockServer,
    blob: MockServer,
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

/// The fixture API, the failed `test` job's log behind a redirect, and a config for both.
async fn setup() -> Setup {
    let api = MockServer::start().await;
    let blob = MockServer::start().await;
    ci::github(&api, Some(TOKEN)).await;
    Mock::given(method("GET"))
        .and(path("/repos/octo-org/shop/actions/jobs/399444497/logs"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/job-logs/399444497", blob.uri())),
        )
        .mount(&api)
        .await;
    let mut log = GITHUB_LOG.to_vec();
    // Hand-made: the token a careless step printed, and the failure.
    log.extend_from_slice(
        format!(
            "2022-06-20T09:28:13.4Z echo {TOKEN}\r\n\
             2022-06-20T09:28:13.5Z \x1b[31mnpm ERR! test failed: 3 of 120 specs\x1b[0m\r\n\
             2022-06-20T09:28:13.6Z ##[error]Process completed with exit code 1.\r\n"
        )
        .as_bytes(),
    );
    Mock::given(method("GET"))
        .and(path("/job-logs/399444497"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(log))
        .mount(&blob)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("andon.toml");
    let mut file = std::fs::File::create(&config).unwrap();
    write!(
        file,
        "title = \"Shop\"\n[dora]\nwindow = \"3650d\"\n\n[[source]]\nname = \"github\"\nkind = \"github\"\nrepo = \"octo-org/shop\"\napi_url = \"{}\"\ntoken_env = \"ANDON_TUI_GITHUB_TOKEN\"\ninterval = \"1h\"\n",
        api.uri()
    )
    .unwrap();
    Setup {
        _api: api,
        blob,
        dir,
        config,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l_reads_the_failed_jobs_log_a_takes_it_and_t_shows_the_trends() {
    let setup = setup().await;
    let config = setup.config.display().to_string();
    let tmux = Tmux::start(
        "why",
        80,
        24,
        &["--config", &config],
        &[("ANDON_TUI_GITHUB_TOKEN", TOKEN), ("USER", "oncall-amy")],
    );
    let screen = tmux.wait_for("LINE STOPPED");
    assert!(screen.contains("l log  a on it"), "{screen}");

    tmux.send("l");
    let screen = tmux.wait_for("Error: Process completed with exit code 1.");
    assert!(screen.contains("log · shop/CI"), "{screen}");
    assert!(screen.contains("✗ npm ERR! test failed"), "{screen}");
    assert!(screen.contains("echo [redacted]"), "{screen}");
    assert!(!screen.contains(TOKEN), "{screen}");
    let received = setup.blob.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert!(received[0].headers.get("authorization").is_none());
    // Scrolling up shows earlier lines; Esc closes the log.
    let first_shown = |screen: &str| {
        screen
            .lines()
            .find_map(|l| l.split("lines ").nth(1))
            .and_then(|rest| rest.split('-').next())
            .and_then(|n| n.trim().parse::<usize>().ok())
    };
    let before = first_shown(&screen).expect("the position line");
    for _ in 0..3 {
        tmux.send("k");
    }
    let scrolled = tmux.wait_for(&format!("lines {}-", before - 3));
    assert!(!scrolled.contains("Error: Process completed"), "{scrolled}");
    tmux.send("Escape");
    let screen = tmux.wait_for("LINE STOPPED");
    assert!(!screen.contains("log · shop/CI"), "{screen}");
    // A second l reads from the cache: no new request.
    tmux.send("l");
    tmux.wait_for("Error: Process completed with exit code 1.");
    assert_eq!(setup.blob.received_requests().await.unwrap().len(), 1);
    tmux.send("Escape");
    tmux.wait_gone("log · shop/CI");

    tmux.send("a");
    let screen = tmux.wait_for("⚑ oncall-amy on it since");
    assert!(screen.contains("⚑ oncall-amy"), "card and banner: {screen}");
    tmux.send("a");
    let screen = tmux.wait_for("LINE STOPPED");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!tmux.capture().contains("⚑"), "taken back: {screen}");

    tmux.send("t");
    let screen = tmux.wait_for("12 wk ago");
    for title in ["Deploy", "Lead time ·", "ailure rate ·", "estore ·"] {
        assert!(screen.contains(title), "{title}: {screen}");
    }
    assert!(
        screen.lines().all(|l| l.chars().count() <= 80),
        "a line overflows 80 columns"
    );
    tmux.send("Escape");
    tmux.wait_for("LINE STOPPED");
    tmux.send("q");
    tmux.assert_quits();
    drop(setup.dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn andon_why_prints_what_broke_and_the_end_of_its_log() {
    let setup = setup().await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_andon"))
        .arg("--config")
        .arg(&setup.config)
        .args(["why", "shop/CI", "--lines", "6"])
        .env("ANDON_TUI_GITHUB_TOKEN", TOKEN)
        .env("XDG_STATE_HOME", setup.dir.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("✗ shop/CI failing at test"),
        "{stdout}"
    );
    assert!(stdout.contains("log of shop/CI #"), "{stdout}");
    assert_eq!(
        &lines[lines.len() - 2..],
        [
            "✗ npm ERR! test failed: 3 of 120 specs",
            "✗ Error: Process completed with exit code 1."
        ],
        "{stdout}"
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert!(!stdout.contains('\x1b'), "not a terminal: no colour codes");

    let missing = tokio::process::Command::new(env!("CARGO_BIN_EXE_andon"))
        .arg("--config")
        .arg(&setup.config)
        .args(["why", "nonesuch"])
        .env("ANDON_TUI_GITHUB_TOKEN", TOKEN)
        .env("XDG_STATE_HOME", setup.dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no pipeline is named like"));
}
