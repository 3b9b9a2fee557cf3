//! The five keys, the 2025 scores, the value stream and the escalated banner on screen
//! (ratatui's TestBackend), at the three layouts.

use std::time::Duration;

use andon::model::{
    BuildStatus, Deployment, Incident, Pipeline, Snapshot, StageRun, StageStatus, Timestamp,
};
use andon::setup::{self, Config};
use andon::state::State;
use andon::ui::{self, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeDelta, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap()
}

fn config(extra: &str) -> Config {
    let text = format!(
        "[board]\nstages = [\"build\", \"test\", \"deploy\"]\n{extra}\n[[source]]\nname = \"ci\"\n\
         kind = \"gitlab\"\nproject = \"shop/api\"\n"
    );
    setup::parse(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn timed(name: &str, status: StageStatus, start: i64, end: i64, queued: u64) -> StageRun {
    StageRun {
        name: name.into(),
        status,
        started_at: Some(now() - TimeDelta::minutes(60 - start)),
        finished_at: Some(now() - TimeDelta::minutes(60 - end)),
        queued: Some(Duration::from_secs(queued)),
        job: None,
    }
}

fn deploy(commit: &str, hours_ago: i64) -> Deployment {
    Deployment {
        app: "api".into(),
        image_sha: None,
        commit: Some(commit.into()),
        finished_at: now() - TimeDelta::hours(hours_ago),
        marked: None,
    }
}

/// One pipeline failing at test since `red_minutes` ago (by its source's run time), and a
/// week of deploys: v1, v2, v1 (a rollback), v3 failed and recovered after 2 h.
fn view_with(extra: &str, red_minutes: i64) -> ViewModel {
    let config = config(extra);
    let mut p = Pipeline::from_stages(
        "shop/api",
        vec![
            timed("build", StageStatus::Passed, 0, 10, 30),
            timed("test", StageStatus::Failed, 12, 20, 5),
            StageRun::new("deploy", StageStatus::Skipped),
        ],
    );
    p.finished_at = Some(now() - TimeDelta::minutes(red_minutes));
    p.label = Some("#7".into());
    let snapshot = Snapshot {
        pipelines: vec![p, Pipeline::new("shop/web", BuildStatus::Passing)],
        events: andon::model::DoraEvents {
            deployments: vec![
                deploy("v1", 96),
                deploy("v2", 72),
                deploy("v1", 48),
                deploy("v3", 24),
            ],
            changes: Vec::new(),
            incidents: vec![Incident {
                app: "api".into(),
                id: "INC-1".into(),
                opened_at: now() - TimeDelta::hours(23),
                resolved_at: Some(now() - TimeDelta::hours(22)),
            }],
        },
        ..Snapshot::default()
    };
    let mut state = State::new(&config);
    state.record(0, now(), Ok(snapshot));
    view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now()),
        now(),
    )
}

fn render(view: &ViewModel, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let theme = Theme::default_theme();
    terminal
        .draw(|frame| ui::draw(frame, view, &Screen::default(), &theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn six_tiles_scores_and_the_value_stream_at_120x40() {
    let v = view_with("", 10);
    let screen = text(&render(&v, 120, 40));
    for tile in [
        "Deploy freq",
        "Lead time",
        "Fail rate",
        "Restore",
        "Rework",
        "Recovery",
    ] {
        assert!(screen.contains(tile), "{tile}:\n{screen}");
    }
    assert!(
        screen.contains("25.0% (no tier)"),
        "one rollback of four:\n{screen}"
    );
    assert!(
        screen.contains("2025 scores vs All industries: overall 6.8 (6.7±1.2, 4 keys)"),
        "{screen}"
    );
    assert!(
        screen.contains("Value stream: build PT 10 min WT 30 s C/A 100%"),
        "{screen}"
    );
    assert!(screen.contains("test PT 8 min WT 5 s C/A 0%"), "{screen}");
    assert!(screen.contains("rolling %C/A 0%"), "{screen}");
    for line in screen.lines() {
        assert!(line.chars().count() <= 120);
    }
}

#[test]
fn the_five_keys_and_the_score_fit_80x24() {
    let v = view_with("", 10);
    let screen = text(&render(&v, 80, 24));
    for key in ["Rework", "Recovery", "2025 score"] {
        assert!(screen.contains(key), "{key}:\n{screen}");
    }
    assert!(
        !screen.contains("Value stream:"),
        "no room at 80x24:\n{screen}"
    );
}

#[test]
fn a_line_red_past_its_limit_shows_escalated_distinctly() {
    let under = view_with("[andon]\nescalate_after = \"30m\"", 29);
    assert!(!under.andon.escalated());
    let buffer = render(&under, 120, 40);
    assert!(text(&buffer).contains("LINE STOPPED"));
    let stopped_style = buffer[(2, 1)].style();

    let over = view_with("[andon]\nescalate_after = \"30m\"", 45);
    assert!(over.andon.escalated());
    let buffer = render(&over, 120, 40);
    let screen = text(&buffer);
    assert!(screen.contains("ESCALATED"), "{screen}");
    assert!(
        screen.contains("line red for 45 min (since 13:20 UTC), past the 30 min limit"),
        "{screen}"
    );
    let escalated_style = buffer[(2, 1)].style();
    assert_ne!(stopped_style, escalated_style, "a state of its own");
    assert!(escalated_style.add_modifier.contains(Modifier::UNDERLINED));
    // Without colour, too.
    let mono = Theme::named("monochrome", None).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| ui::draw(frame, &over, &Screen::default(), &mono))
        .unwrap();
    let cell = terminal.backend().buffer()[(2, 1)].style();
    assert!(
        cell.add_modifier
            .contains(Modifier::UNDERLINED | Modifier::REVERSED)
    );
    // No limit, no escalation however long it is red.
    assert!(!view_with("", 10_000).andon.escalated());
}
