//! The trends view and the log view on ratatui's TestBackend, with known data: twelve weeks of
//! deployments and incidents, and a recorded GitHub Actions job log.

use std::sync::Arc;

use andon::dora::{self, Benchmark, TREND_WEEKS};
use andon::logs::text;
use andon::model::{Change, Deployment, DoraEvents, Incident, Snapshot, Timestamp};
use andon::state::State;
use andon::ui::log::{LogPane, LogState};
use andon::ui::{self, Overlay, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

fn ago(days: i64, hours: i64) -> Timestamp {
    now() - chrono::Duration::days(days) - chrono::Duration::hours(hours)
}

/// Week k (0 = this week) has 5 - k/3 deploy days, one deployment a day, each delivering a
/// commit made 6 hours before; weeks 2 and 9 have an incident opened an hour after that week's
/// first deployment, resolved 3 hours later.
fn events() -> DoraEvents {
    let mut events = DoraEvents::default();
    for week in 0..TREND_WEEKS as i64 {
        let days = 5 - week / 3;
        for day in 0..days {
            let at = ago(week * 7 + day, 2);
            let commit = format!("c{week}-{day}");
            events.deployments.push(Deployment {
                app: "api".into(),
                image_sha: None,
                commit: Some(commit.clone()),
                finished_at: at,
                marked: None,
            });
            events.changes.push(Change {
                app: "api".into(),
                commit,
                image_sha: None,
                committed_at: at - chrono::Duration::hours(6),
            });
        }
        if week == 2 || week == 9 {
            let first = ago(week * 7 + days - 1, 2);
            events.incidents.push(Incident {
                app: "api".into(),
                id: format!("INC-{week}"),
                opened_at: first + chrono::Duration::hours(1),
                resolved_at: Some(first + chrono::Duration::hours(4)),
            });
        }
    }
    events
}

fn view_with_trends() -> ViewModel {
    let config = andon::setup::parse(
        "[[source]]\nname = \"demo\"\nkind = \"demo\"\n",
        "test.toml",
    )
    .unwrap();
    let mut state = State::new(&config);
    state.record(
        0,
        now(),
        Ok(Snapshot {
            events: events(),
            ..Snapshot::default()
        }),
    );
    let mut view = view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now()),
        now(),
    );
    view.trends = Some(dora::weekly(
        &view::merged_events(&state),
        now(),
        TREND_WEEKS,
        Benchmark::Dora2023,
    ));
    view
}

fn render(view: &ViewModel, screen: &Screen, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| ui::draw(frame, view, screen, &Theme::default_theme()))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn rows(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

fn trends_screen() -> Screen {
    Screen {
        overlay: Some(Overlay::Trends),
        ..Screen::default()
    }
}

#[test]
fn weekly_figures_follow_the_known_data() {
    let view = view_with_trends();
    let weekly = view.trends.as_ref().unwrap();
    let deploys: Vec<usize> = weekly.weeks.iter().map(|w| w.deployments).collect();
    assert_eq!(deploys, [2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]);
    let incidents: Vec<usize> = weekly.weeks.iter().map(|w| w.incidents).collect();
    assert_eq!(incidents, [0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    let recovery: Vec<Option<f64>> = weekly
        .weeks
        .iter()
        .map(|w| dora::TrendKey::FailedDeploymentRecoveryTime.value(w))
        .collect();
    let mut expected = vec![None; 12];
    // Weeks 9 and 2 back (index 2 and 9): the failed deployment recovered 4 h after it finished.
    expected[2] = Some(4.0 * 3600.0);
    expected[9] = Some(4.0 * 3600.0);
    assert_eq!(recovery, expected);
    let rework: Vec<Option<f64>> = weekly
        .weeks
        .iter()
        .map(|w| dora::TrendKey::DeploymentReworkRate.value(w))
        .collect();
    assert!(rework.iter().all(|r| *r == Some(0.0)), "{rework:?}");
    let failed: Vec<usize> = weekly.weeks.iter().map(|w| w.failed_deployments).collect();
    assert_eq!(
        failed, incidents,
        "each incident fails that week's first deployment"
    );
}

#[test]
fn at_80x24_every_key_has_its_chart_title_thresholds_and_markers() {
    let view = view_with_trends();
    let screen = rows(&render(&view, &trends_screen(), 80, 24)).join("\n");
    for title in [
        "Deploys · 5 d/wk (elite)",
        "Lead time · this week 6 h (elite)",
        "Failure rate · 0% (elite)",
        "Time to restore · this week no data",
        "Rework rate · this week 0%",
        "Recovery · no data",
    ] {
        assert!(screen.contains(title), "{title} in\n{screen}");
    }
    // Threshold labels on the value axis.
    for label in ["5 d/wk", "1 d/wk", "24 h", "1 wk", "5%", "15%", "60 min"] {
        assert!(screen.contains(label), "{label} in\n{screen}");
    }
    assert!(screen.contains("12 wk ago"), "{screen}");
    assert!(screen.contains('▴') && screen.contains('✗'), "{screen}");
    assert!(screen.contains('┈'), "threshold lines drawn\n{screen}");
}

#[test]
fn the_deploy_frequency_bars_climb_with_the_data_and_take_their_tier_colour() {
    let view = view_with_trends();
    let buffer = render(&view, &trends_screen(), 120, 40);
    let lines = rows(&buffer);
    // The first chart's bars: find each week's column by its bottom cell and measure its height.
    let bottom = lines
        .iter()
        .position(|l| l.contains("12 wk ago"))
        .expect("the time axis")
        - 2;
    let heights: Vec<usize> = (0..120u16)
        .filter(|&x| x < 60 && buffer[(x, bottom as u16)].symbol() != " ")
        .filter(|&x| "▁▂▃▄▅▆▇█".contains(buffer[(x, bottom as u16)].symbol()))
        .map(|x| {
            (0..=bottom)
                .rev()
                .take_while(|&y| "▁▂▃▄▅▆▇█".contains(buffer[(x, y as u16)].symbol()))
                .count()
        })
        .collect();
    assert!(!heights.is_empty(), "{}", lines.join("\n"));
    assert!(
        heights.windows(2).all(|w| w[0] <= w[1]),
        "more deploy days, taller bars: {heights:?}"
    );
    assert!(heights.first() < heights.last(), "{heights:?}");
    // This week: five deploy days, elite: the passing colour.
    let x = (0..60u16)
        .rev()
        .find(|&x| buffer[(x, bottom as u16)].symbol() == "█")
        .unwrap();
    assert_eq!(
        buffer[(x, bottom as u16)].fg,
        Theme::default_theme().passing
    );
}

#[test]
fn the_wall_shows_the_same_charts_larger_with_counts_under_the_weeks() {
    let view = view_with_trends();
    let screen = rows(&render(&view, &trends_screen(), 250, 70)).join("\n");
    assert!(screen.contains("Deploy frequency · this week 5 d/wk (elite)"));
    // Week 9's failed deployment recovered when its incident was resolved, 4 h after it.
    assert!(screen.contains("Rework rate · this week 0%"), "{screen}");
    assert!(
        screen.contains("Failed deployment recovery · this week no data"),
        "{screen}"
    );
    // Wide columns count the week's deployments and incidents.
    assert!(screen.contains("5▴"), "{screen}");
    assert!(screen.contains("5▴ 1✗"), "{screen}");
    assert!(screen.contains("2▴ 1✗"), "{screen}");
}

#[test]
fn the_log_view_shows_a_recorded_log_cleaned_with_its_error_marked() {
    let mut raw = include_bytes!("fixtures/logs/github-actions-job.log").to_vec();
    // Hand-made: a token a script printed, and GitHub's error marker in colour.
    raw.extend_from_slice(
        b"2022-06-20T09:28:13.4Z curl -H \"Authorization: Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345\"\r\n\
          2022-06-20T09:28:13.5Z \x1b[31m##[error]Process completed with exit code 1.\x1b[0m\r\n\
          2022-06-20T09:28:13.6Z Cleaning up orphan processes\r\n",
    );
    let log = text::clean(&raw, false, &[]);
    let screen = Screen {
        overlay: Some(Overlay::Log(LogPane::new(
            None,
            "shop/CI #42 · build".into(),
            LogState::Ready(Arc::new(log)),
        ))),
        ..Screen::default()
    };
    let view = view_with_trends();
    let buffer = render(&view, &screen, 80, 24);
    let lines = rows(&buffer);
    let text = lines.join("\n");
    assert!(text.contains("log · shop/CI #42 · build"), "{text}");
    let error_row = lines
        .iter()
        .position(|l| l.contains("✗ Error: Process completed with exit code 1."))
        .unwrap_or_else(|| panic!("the error line in\n{text}"));
    assert!(
        lines[error_row + 1].contains("Cleaning up orphan processes"),
        "context below the error\n{text}"
    );
    assert!(text.contains("Bearer [redacted]"), "{text}");
    assert!(!text.contains("ghp_"), "{text}");
    assert!(!text.contains('\u{1b}'));
    let x = lines[error_row].chars().position(|c| c == '✗').unwrap() as u16;
    assert_eq!(
        buffer[(x, error_row as u16)].fg,
        Theme::default_theme().failing
    );
    assert_ne!(buffer[(x, error_row as u16)].fg, Color::Reset);
}

#[test]
fn a_trends_page_joins_the_rotation_and_a_wrong_kind_is_located() {
    let config = andon::setup::parse(
        "[[page]]\nname = \"Trends\"\nkind = \"trends\"\n[[page]]\nname = \"Pay\"\nfilter = \"pay\"\n",
        "andon.toml",
    )
    .unwrap();
    let pages = andon::app::pages_of(&config);
    let kinds: Vec<(&str, bool)> = pages.iter().map(|p| (p.name.as_str(), p.trends)).collect();
    assert_eq!(
        kinds,
        [("All pipelines", false), ("Trends", true), ("Pay", false)]
    );
    let err = andon::setup::parse(
        "[[page]]\nname = \"Trends\"\nkind = \"graphs\"\n",
        "andon.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("andon.toml:3:"), "{err}");
    assert!(err.contains("page[0].kind"), "{err}");
    assert!(err.contains("\"board\" (default) or \"trends\""), "{err}");
}
