//! Whole-screen snapshots of `ui::draw` at 80x24, 120x40 and 250x70, reviewed as text beside the
//! cell-by-cell asserts of tests/render.rs: the built-in demo at a fixed clock, and a board of
//! real pipelines read from recorded payloads (tests/fixtures/SOURCES.md) by each source's own
//! parsing. Clock times and "ago" figures are masked (digits as `#`, widths kept), so a snapshot
//! is the same on any machine and day. Under the text, each row that has colour is repeated as
//! marks: `R`, `G`, `Y` for a red, green or yellow background (the banner), `r`, `g`, `y` for red,
//! green or yellow text (the theme's failing, passing and unknown or stale colours), so a colour
//! that changes shows in the snapshot too.
//!
//! The snapshots are files under tests/snapshots/, compared and never rewritten by `cargo test`
//! (.config/insta.yaml); after a deliberate change, review and accept them with
//! `INSTA_UPDATE=always cargo test --test screens` or `cargo insta review`.

mod support;

use andon::model::{Pipeline, Snapshot, Timestamp};
use andon::setup::{self, Config};
use andon::sources::demo::DemoSource;
use andon::sources::{cctray, github, jenkins};
use andon::state::State;
use andon::ui::{self, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use serde_json::Value;
use support::ci::fixture;
use support::replay::pygithub_body;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (250, 70)];

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap()
}

fn parse(text: &str) -> Config {
    setup::parse(text, "screens.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn view_of(config: &Config, snapshots: Vec<Snapshot>) -> ViewModel {
    let mut state = State::new(config);
    for (index, snapshot) in snapshots.into_iter().enumerate() {
        state.record(index, now(), Ok(snapshot));
    }
    view::build(
        config,
        &state,
        view::dora_report(config, &state, now()),
        now(),
    )
}

fn demo() -> ViewModel {
    let config = parse("[[source]]\nname = \"demo\"\nkind = \"demo\"\nseed = 7\n");
    view_of(&config, vec![DemoSource::new(7).snapshot(now())])
}

const PHISHBENCH: &str = "github/pygithub/PullRequest2408.test_get_workflow_runs.txt";
/// The newest runs of the workflows "Unit Test" and "Lint" in the recording.
const UNIT_TEST_RUN: u64 = 3519037354;
const LINT_RUN: u64 = 2802601342;

/// PhishBench's recorded runs, one card per workflow as the GitHub source makes them; the jobs
/// of PyGithub's two recorded runs stand for those of the newest "Unit Test" and "Lint" runs (as
/// in tests/all_kinds.rs: no recording has PhishBench's jobs).
fn github_cards() -> Vec<Pipeline> {
    let body = pygithub_body(
        PHISHBENCH,
        "/repos/ReDASers/PhishBench/actions/runs?exclude_pull_requests=1",
    );
    let runs: github::Runs = serde_json::from_str(&body).unwrap();
    let jobs = |file: &str, path: &str| github::read_jobs(&pygithub_body(file, path)).unwrap();
    github::latest_per_workflow(&runs.workflow_runs, &[])
        .into_iter()
        .map(|run| {
            let stages = match run.id {
                UNIT_TEST_RUN => Some(jobs(
                    "github/pygithub/WorkflowRun.test_jobs.txt",
                    "/repos/PyGithub/PyGithub/actions/runs/3881497935/jobs",
                )),
                LINT_RUN => Some(jobs(
                    "github/pygithub/WorkflowJob.setUp.txt",
                    "/repos/PyGithub/PyGithub/actions/runs/4205440316/jobs",
                )),
                _ => None,
            };
            github::card("PhishBench", &runs.workflow_runs, run, stages)
        })
        .collect()
}

/// The recorded Jenkins root with its Pipeline job's last build set to the failed run #3 of the
/// Stage View plugin's recording, whose stages it gets (as in tests/all_kinds.rs).
fn jenkins_cards() -> Vec<Pipeline> {
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
    let runs: Vec<Value> = serde_json::from_str(&fixture(
        "jenkins/recorded",
        "stage-view-04_rest_api_runs_failed.json",
    ))
    .unwrap();
    let run_3 = runs.into_iter().find(|r| r["name"] == "#3").unwrap();
    let stages = jenkins::read_wfapi(&run_3.to_string()).unwrap();
    let root: jenkins::Root = serde_json::from_value(root).unwrap();
    jenkins::leaves(&root, &[])
        .into_iter()
        .map(|(name, job)| {
            let stages = (name == "Test Workflow Job").then(|| stages.clone());
            jenkins::pipeline_of(&name, job, stages)
        })
        .collect()
}

fn cctray_cards(name: &str) -> Vec<Pipeline> {
    cctray::parse(&fixture("cctray/nevergreen", name)).unwrap()
}

fn recorded() -> ViewModel {
    let config = parse(
        r#"title = "Recorded"
[board]
stages = ["build", "test", "deploy", "verify"]

[[source]]
name = "gocd"
kind = "cctray"
url = "http://127.0.0.1:9/go/cctray.xml"

[[source]]
name = "circleci"
kind = "cctray"
url = "http://127.0.0.1:9/cc.xml"

[[source]]
name = "phishbench"
kind = "github"
repo = "ReDASers/PhishBench"

[[source]]
name = "jenkins"
kind = "jenkins"
url = "http://127.0.0.1:9"
"#,
    );
    let snapshot = |pipelines| Snapshot {
        pipelines,
        ..Snapshot::default()
    };
    view_of(
        &config,
        vec![
            snapshot(cctray_cards("go_cd.xml")),
            snapshot(cctray_cards("circle_ci.xml")),
            snapshot(github_cards()),
            snapshot(jenkins_cards()),
        ],
    )
}

fn render(view: &ViewModel, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| ui::draw(frame, view, &Screen::default(), theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn rows(buffer: &Buffer) -> Vec<Vec<&ratatui::buffer::Cell>> {
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().collect())
        .collect()
}

/// Digits of clock times ("14:05", "14:05:00") and of "ago" figures ("12 min ago", "3.1 y
/// ago") as `#`: the rest of the row, and its width, as drawn.
fn mask(row: &str) -> String {
    let mut chars: Vec<char> = row.chars().collect();
    let digit = |c: char| c.is_ascii_digit();
    let mut masked = vec![false; chars.len()];
    // Clock times: d?d:dd, then :dd maybe.
    for colon in 0..chars.len() {
        if chars[colon] != ':' || colon == 0 {
            continue;
        }
        let minutes = chars.get(colon + 1..colon + 3);
        if !minutes.is_some_and(|m| m.iter().all(|c| digit(*c))) || !digit(chars[colon - 1]) {
            continue;
        }
        let mut start = colon - 1;
        if start > 0 && digit(chars[start - 1]) {
            start -= 1;
        }
        masked[start..colon + 3].fill(true);
        let seconds = chars.get(colon + 3..colon + 6);
        if seconds.is_some_and(|s| s[0] == ':' && digit(s[1]) && digit(s[2])) {
            masked[colon + 3..colon + 6].fill(true);
        }
    }
    // "ago" figures: a number, its unit, then "ago", or as much of it as fits before a "…".
    let mut start = 0;
    while start < chars.len() {
        let number = chars[start..]
            .iter()
            .take_while(|c| digit(**c) || **c == '.')
            .count();
        let after_number = start + number;
        let starts_token = start == 0 || !chars[start - 1].is_alphanumeric();
        if number == 0 || !starts_token || chars.get(after_number) != Some(&' ') {
            start += number.max(1);
            continue;
        }
        let unit = chars[after_number + 1..]
            .iter()
            .take_while(|c| c.is_alphabetic())
            .count();
        let rest: String = chars[after_number + 1 + unit..].iter().collect();
        let ago = [" ago", " ag…", " a…", " …", "…"]
            .iter()
            .any(|tail| rest.starts_with(tail));
        if unit > 0 && ago {
            masked[start..after_number].fill(true);
        }
        start = after_number;
    }
    for (c, masked) in chars.iter_mut().zip(masked) {
        if masked && digit(*c) {
            *c = '#';
        }
    }
    chars.into_iter().collect()
}

fn colour_mark(cell: &ratatui::buffer::Cell, theme: &Theme) -> char {
    let is = |colour: Color, of: &[Color]| of.contains(&colour);
    let red = [theme.failing, theme.banner_red];
    let green = [theme.passing, theme.banner_green];
    let yellow = [theme.unknown, theme.stale, theme.banner_unknown];
    match (cell.bg, cell.fg) {
        (bg, _) if is(bg, &[theme.banner_red]) => 'R',
        (bg, _) if is(bg, &[theme.banner_green]) => 'G',
        (bg, _) if is(bg, &[theme.banner_unknown]) => 'Y',
        (_, fg) if is(fg, &red) => 'r',
        (_, fg) if is(fg, &green) => 'g',
        (_, fg) if is(fg, &yellow) => 'y',
        _ => ' ',
    }
}

/// The screen's text, masked, then the colour marks of the rows that have any.
fn screen(view: &ViewModel, width: u16, height: u16) -> String {
    let theme = Theme::default_theme();
    let buffer = render(view, &theme, width, height);
    let mut out = String::new();
    for row in rows(&buffer) {
        let text: String = row.iter().map(|c| c.symbol()).collect();
        out.push_str(mask(&text).trim_end());
        out.push('\n');
    }
    out.push_str("--- colours: R G Y background, r g y text ---\n");
    for (y, row) in rows(&buffer).iter().enumerate() {
        // A wide glyph's second cell draws nothing: it is not a column of its own on screen.
        let marks: String = row
            .iter()
            .filter(|c| !c.symbol().is_empty())
            .map(|c| colour_mark(c, &theme))
            .collect();
        if marks.trim().is_empty() {
            continue;
        }
        out.push_str(&format!("{y:>2}|{}\n", marks.trim_end()));
    }
    out
}

#[test]
fn masking_keeps_widths_and_hides_only_clocks_and_ages() {
    assert_eq!(
        mask("Fri 20 Nov 14:05 UTC  demo ok 02:30:57  #42 12 min ago  3.1 d ago  v1.2"),
        "Fri 20 Nov ##:## UTC  demo ok ##:##:##  #42 ## min ago  #.# d ago  v1.2"
    );
    assert_eq!(
        mask("pass 1/1 · 4427.0 d a…│ 1459.6 d …│ 12.0 h (high) │ n=156 deploys"),
        "pass 1/1 · ####.# d a…│ ####.# d …│ 12.0 h (high) │ n=156 deploys"
    );
    assert_eq!(mask("just now · 9:07"), "just now · #:##");
}

#[test]
fn the_demo_screen_at_each_size() {
    let view = demo();
    for (width, height) in SIZES {
        insta::assert_snapshot!(
            format!("demo_{width}x{height}"),
            screen(&view, width, height)
        );
    }
}

#[test]
fn a_board_of_recorded_pipelines_at_each_size() {
    let view = recorded();
    for (width, height) in SIZES {
        insta::assert_snapshot!(
            format!("recorded_{width}x{height}"),
            screen(&view, width, height)
        );
    }
}
