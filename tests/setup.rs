//! Setting andon up from the binary: `init` round-trips through `check`, completions, the man
//! page and `--version`.

use std::path::Path;
use std::process::{Command, Output};

fn andon_in(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_andon"))
        .args(args)
        .env_remove("ANDON_CONFIG")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITLAB_TOKEN")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .expect("andon runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn init_for_each_kind_round_trips_through_check() {
    let cases: [(&[&str], &str, Option<&str>); 6] = [
        (
            &["--github", "acme/shop"],
            "shop  github  https://api.github.com/repos/acme/shop",
            Some("token_env GITHUB_TOKEN is not set"),
        ),
        (
            &[
                "--gitlab",
                "group/sub/web",
                "--api-url",
                "https://gitlab.example.com/api/v4",
            ],
            "web  gitlab  https://gitlab.example.com/api/v4/projects/group/sub/web",
            Some("token_env GITLAB_TOKEN is not set"),
        ),
        (
            &["--jenkins", "https://ci.example.com/"],
            "ci  jenkins  https://ci.example.com (no token)",
            None,
        ),
        (
            &["--cctray", "http://127.0.0.1:8153/go/cctray.xml"],
            "cctray  cctray  http://127.0.0.1:8153/go/cctray.xml",
            None,
        ),
        (
            &["--prometheus", "http://127.0.0.1:9090"],
            "prometheus  prometheus  http://127.0.0.1:9090",
            None,
        ),
        (&[], "demo  demo  simulated", None),
    ];
    for (flags, source_line, note) in cases {
        let home = tempfile::tempdir().unwrap();
        let mut args = vec!["init"];
        args.extend_from_slice(flags);
        let init = andon_in(home.path(), &args);
        assert_ok(&init);
        let written = home.path().join("config/andon/config.toml");
        let stdout = text(&init.stdout);
        assert!(
            stdout.contains(&format!("wrote {}", written.display())),
            "{stdout}"
        );
        assert!(stdout.contains("  andon check "), "{stdout}");
        if let Some(note) = note {
            let env = note.split(' ').nth(1).unwrap();
            assert!(stdout.contains(&format!("export {env}=")), "{stdout}");
        }
        // No --config: check finds the file where init put it.
        let check = andon_in(home.path(), &["check"]);
        assert_ok(&check);
        let report = text(&check.stdout);
        assert!(
            report.starts_with(&format!("config ok: {}", written.display())),
            "{report}"
        );
        assert!(report.contains(source_line), "{flags:?}:\n{report}");
        match note {
            Some(note) => assert!(report.contains(&format!("note: {note}")), "{report}"),
            None => assert!(!report.contains("note:"), "{report}"),
        }
    }
}

#[test]
fn init_keeps_an_existing_file_unless_forced_and_writes_where_told() {
    let home = tempfile::tempdir().unwrap();
    let target = home.path().join("elsewhere/andon.toml");
    let target_arg = target.to_str().unwrap();
    assert_ok(&andon_in(
        home.path(),
        &["init", "--output", target_arg, "--github", "a/one"],
    ));
    assert!(!home.path().join("config/andon/config.toml").exists());
    let again = andon_in(
        home.path(),
        &["init", "--output", target_arg, "--github", "a/two"],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );
    assert!(std::fs::read_to_string(&target).unwrap().contains("a/one"));
    let forced = andon_in(
        home.path(),
        &[
            "--config", target_arg, "init", "--force", "--github", "a/two",
        ],
    );
    assert_ok(&forced);
    assert!(
        text(&forced.stdout).contains(&format!("andon check --config {target_arg}")),
        "{}",
        text(&forced.stdout)
    );
    assert!(std::fs::read_to_string(&target).unwrap().contains("a/two"));
    let check = andon_in(home.path(), &["check", "--config", target_arg]);
    assert_ok(&check);
}

#[test]
fn init_refuses_a_bad_value_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let output = andon_in(home.path(), &["init", "--github", "not-a-repo"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--github"),
        "{}",
        text(&output.stderr)
    );
    assert!(!home.path().join("config/andon/config.toml").exists());
    // A URL that carries an escape sequence would reach the terminal through `check`.
    let output = andon_in(home.path(), &["init", "--jenkins", "https://ci/x\u{1b}[2J"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        !text(&output.stderr).contains('\u{1b}'),
        "{}",
        text(&output.stderr)
    );
    assert!(!home.path().join("config/andon/config.toml").exists());
}

#[test]
fn completions_generate_for_each_shell_and_know_the_subcommands() {
    let home = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _andon"),
        ("zsh", "#compdef andon"),
        ("fish", "complete -c andon"),
    ] {
        let output = andon_in(home.path(), &["completions", shell]);
        assert_ok(&output);
        let script = text(&output.stdout);
        assert!(script.contains(marker), "{shell}:\n{script}");
        for word in ["init", "completions", "schema", "github", "kiosk"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let unknown = andon_in(home.path(), &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn completion_scripts_load_in_their_shells() {
    // bash is on every machine the tests run on; the script must at least parse and register.
    let home = tempfile::tempdir().unwrap();
    let script = andon_in(home.path(), &["completions", "bash"]);
    assert_ok(&script);
    let file = home.path().join("andon.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p andon",
            file.to_str().unwrap()
        ))
        .output()
        .unwrap();
    assert_ok(&output);
    assert!(
        text(&output.stdout).contains("_andon"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn the_man_page_is_roff_naming_the_version_and_every_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let output = andon_in(home.path(), &["man"]);
    assert_ok(&output);
    let page = text(&output.stdout);
    assert!(page.contains(".TH andon 1"), "{page}");
    assert!(page.contains(env!("CARGO_PKG_VERSION")), "{page}");
    for word in ["init", "check", "completions", "schema", "\\-\\-once"] {
        assert!(page.contains(word), "man page lacks {word}");
    }
}

#[test]
fn version_names_the_package_version_and_a_commit() {
    let home = tempfile::tempdir().unwrap();
    let output = andon_in(home.path(), &["--version"]);
    assert_ok(&output);
    let line = text(&output.stdout);
    let expected = format!("andon {} (", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected), "{line}");
    // Built from this checkout: the commit is HEAD's (or the packager's ANDON_COMMIT).
    let head = Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short=12",
            "HEAD",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| text(&o.stdout).trim().to_string());
    match (std::env::var("ANDON_COMMIT").ok(), head) {
        (Some(commit), _) if !commit.trim().is_empty() => {
            assert!(
                line.contains(&format!("(commit {})", commit.trim())),
                "{line}"
            )
        }
        (_, Some(head)) => assert!(line.contains(&format!("(commit {head})")), "{line}"),
        (_, None) => assert!(line.contains("(unknown commit)"), "{line}"),
    }
}

#[test]
fn init_writes_where_andon_config_points_and_check_reads_it_there() {
    let home = tempfile::tempdir().unwrap();
    let target = home.path().join("team/radiator.toml");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_andon"))
            .args(args)
            .env("ANDON_CONFIG", &target)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .output()
            .unwrap()
    };
    let init = run(&["init", "--cctray", "http://127.0.0.1:8153/go/cctray.xml"]);
    assert_ok(&init);
    assert!(target.is_file());
    assert!(
        !text(&init.stdout).contains("--config"),
        "{}",
        text(&init.stdout)
    );
    let check = run(&["check"]);
    assert_ok(&check);
    assert!(
        text(&check.stdout).starts_with(&format!("config ok: {}", target.display())),
        "{}",
        text(&check.stdout)
    );
}
