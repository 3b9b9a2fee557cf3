//! A board of pipelines whose jobs carry real names (matrix jobs, "Deploy to prod") reads well
//! at 80x24, 120x40 and 250x70; many sources are summarised in the footer.

use std::time::Duration;

use andon::model::{Pipeline, Snapshot, StageRun, StageStatus, Timestamp};
use andon::setup::{self, Config, SourceConfig, SourceKind};
use andon::state::State;
use andon::ui::{self, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap()
}

fn demo_source(name: &str) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        interval: Duration::from_secs(30),
        timeout: Duration::from_secs(5),
        stale_after: 3,
        stage: None,
        kind: SourceKind::Demo(andon::sources::demo::DemoConfig { seed: 1 }),
        transport: Default::default(),
    }
}

fn config(board: &str, sources: &[&str]) -> Config {
    let mut config =
        setup::parse(&format!("title = \"Shop\"\n[board]\n{board}"), "t.toml").unwrap();
    config.sources = sources.iter().map(|s| demo_source(s)).collect();
    config
}

/// The jobs of PyGithub's CI run (tests/fixtures/github/pygithub) and of a deploy workflow.
const JOBS: [&str; 12] = [
    "Build wheels",
    "test (Python 3.7)",
    "test (Python 3.8)",
    "test (Python 3.9)",
    "test (Python 3.10)",
    "test (Python 3.11-dev)",
    "lint",
    "Linux (ubuntu, 3.11)",
    "Windows (2022, 3.11)",
    "docs",
    "Deploy to prod",
    "smoke tests",
];

fn pipeline() -> Pipeline {
    let stages = JOBS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let status = if i == 3 {
                StageStatus::Failed
            } else {
                StageStatus::Passed
            };
            StageRun::new(*name, status)
        })
        .collect();
    let mut p = Pipeline::from_stages("shop/CI", stages);
    p.last_build_at = Some(now() - chrono::Duration::minutes(3));
    p
}

fn view(config: &Config, results: Vec<Result<Snapshot, andon::sources::SourceError>>) -> ViewModel {
    let mut state = State::new(config);
    for (i, result) in results.into_iter().enumerate() {
        state.record(i, now(), result);
    }
    view::build(
        config,
        &state,
        view::dora_report(config, &state, now()),
        now(),
    )
}

fn screen(view: &ViewModel, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| ui::draw(frame, view, &Screen::default(), &Theme::default_theme()))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    buffer
        .content
        .chunks(width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn snapshot() -> Result<Snapshot, andon::sources::SourceError> {
    Ok(Snapshot {
        pipelines: vec![pipeline()],
        ..Snapshot::default()
    })
}

#[test]
fn twelve_job_names_make_the_four_stages_and_a_few_more_not_twelve_columns() {
    let config = config(
        "stages = [\"build\", \"test\", \"deploy\", \"verify\"]\nmax_columns = 6\n",
        &["gh"],
    );
    let v = view(&config, vec![snapshot()]);
    assert_eq!(
        v.columns,
        [
            "build",
            "test",
            "deploy",
            "verify",
            "Linux (ubuntu, 3.11)",
            "other"
        ]
    );
    assert_eq!(
        v.columns[v.pipelines[0].column], "test",
        "the failed matrix job's stage"
    );
    let medium = screen(&v, 120, 40);
    assert!(medium.contains("┌ build"), "{medium}");
    assert!(medium.contains("┌ test 1"), "{medium}");
    assert!(
        !medium.contains("┌ test ("),
        "job names are not columns:\n{medium}"
    );
    assert!(
        medium.contains("failed at test (Python 3.9)"),
        "the banner names the job:\n{medium}"
    );
}

#[test]
fn patterns_from_the_config_take_the_matrix_jobs() {
    let config = config(
        "stages = [\"build\", \"test\", \"deploy\"]\n[board.match]\ntest = [\"test*\", \"Linux*\", \"Windows*\", \"lint\"]\ndeploy = [\"Deploy to *\", \"smoke*\"]\n",
        &["gh"],
    );
    let v = view(&config, vec![snapshot()]);
    assert_eq!(v.columns, ["build", "test", "deploy", "docs"]);
}

#[test]
fn columns_too_narrow_to_read_become_a_list() {
    let config = config(
        "stages = [\"build\", \"test\", \"deploy\", \"verify\"]\n",
        &["gh"],
    );
    let v = view(&config, vec![snapshot()]);
    assert!(v.columns.len() >= 7, "{:?}", v.columns);
    // 120 cells / 7 columns is under the narrowest readable column: a list, not a board.
    let medium = screen(&v, 120, 40);
    assert!(!medium.contains("┌ build"), "{medium}");
    assert!(medium.contains("shop/CI"), "{medium}");
    for (width, height) in [(80, 24), (250, 70)] {
        let text = screen(&v, width, height);
        assert!(text.contains("shop/CI"), "{width}x{height}:\n{text}");
    }
}

#[test]
fn many_sources_are_summarised_in_the_footer() {
    let names = [
        "gh_api",
        "gh_web",
        "gh_docs",
        "gitlab",
        "jenkins",
        "cctray",
        "buildkite",
        "prom",
    ];
    let config = config("stages = [\"build\", \"test\"]\n", &names);
    let mut results: Vec<_> = names.iter().map(|_| snapshot()).collect();
    results[2] = Err(andon::sources::SourceError::new("connection refused"));
    let v = view(&config, results);
    let text = screen(&v, 80, 24);
    let footer = text.lines().last().unwrap();
    assert!(
        footer.contains("8 sources: 7 ok, 1 error: gh_docs"),
        "{footer}"
    );
    let wide = screen(&v, 250, 70);
    let footer = wide.lines().last().unwrap();
    assert!(
        footer.contains("gh_docs error"),
        "room for every source:\n{footer}"
    );
}
