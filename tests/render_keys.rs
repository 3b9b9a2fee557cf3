//! The six DORA keys in full at every size: no figure cut, the board and the keys given the
//! rows they need, the wall's large figures, daily sparklines and failure markers.

use andon::model::{
    Change, Deployment, DoraEvents, Incident, Pipeline, Snapshot, StageRun, StageStatus, Timestamp,
};
use andon::setup::{self, Config};
use andon::state::State;
use andon::ui::{self, Overlay, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeDelta, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap()
}

fn config() -> Config {
    setup::parse(
        "[board]\nstages = [\"build\", \"test\", \"deploy\"]\n[[source]]\nname = \"ci\"\n\
         kind = \"gitlab\"\nproject = \"shop/api\"\n",
        "test.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn hours_ago(hours: i64) -> Timestamp {
    now() - TimeDelta::hours(hours)
}

fn deploy(app: &str, commit: &str, hours: i64) -> Deployment {
    Deployment {
        app: app.into(),
        image_sha: None,
        commit: Some(commit.into()),
        finished_at: hours_ago(hours),
        marked: None,
    }
}

fn change(app: &str, commit: &str, hours: i64) -> Change {
    Change {
        app: app.into(),
        commit: commit.into(),
        image_sha: None,
        committed_at: hours_ago(hours),
    }
}

/// Data in every key, this window and the one before. api: the previous window two deploys
/// (p1 failed, restored in 2 h); this window v1, v2, v1 again (a rollback), v3 (failed,
/// restored after 1 h); each change committed 5 h before its first deploy.
fn view() -> ViewModel {
    let config = config();
    let mut events = DoraEvents::default();
    for (commit, hours) in [
        ("p1", 40 * 24),
        ("p2", 35 * 24),
        ("v1", 96),
        ("v2", 72),
        ("v3", 24),
    ] {
        events.deployments.push(deploy("api", commit, hours));
        events.changes.push(change("api", commit, hours + 5));
    }
    events.deployments.push(deploy("api", "v1", 48));
    events.incidents.push(Incident {
        app: "api".into(),
        id: "INC-0".into(),
        opened_at: hours_ago(40 * 24 - 1),
        resolved_at: Some(hours_ago(40 * 24 - 3)),
    });
    events.incidents.push(Incident {
        app: "api".into(),
        id: "INC-1".into(),
        opened_at: hours_ago(23),
        resolved_at: Some(hours_ago(22)),
    });
    let mut p = Pipeline::from_stages(
        "shop/api",
        vec![
            StageRun::new("build", StageStatus::Passed),
            StageRun::new("test", StageStatus::Failed),
            StageRun::new("deploy", StageStatus::Skipped),
        ],
    );
    p.finished_at = Some(now() - TimeDelta::minutes(10));
    let snapshot = Snapshot {
        pipelines: vec![p],
        events,
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

fn render(view: &ViewModel, screen: &Screen, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let theme = Theme::default_theme();
    terminal
        .draw(|frame| ui::draw(frame, view, screen, &theme))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    buffer
        .content
        .chunks(width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect()
}

/// The rows from the DORA title (or the first tile) to the scores line.
fn dora_rows(lines: &[String]) -> Vec<String> {
    let start = lines
        .iter()
        .position(|l| l.contains("DORA 30d") || l.contains("Deploy freq 30d"))
        .unwrap_or_else(|| panic!("no DORA area:\n{}", lines.join("\n")));
    let end = lines
        .iter()
        .rposition(|l| l.contains("2025 score"))
        .unwrap_or_else(|| panic!("no scores line:\n{}", lines.join("\n")));
    lines[start..=end].to_vec()
}

/// What each key must show in full, from the events above: (value, tier, score, trend word, n).
/// The scores are the 2025 Quick Check bands of these figures.
const KEYS: [(&str, &str, Option<&str>, &str, &str); 6] = [
    // 4 deploys in 30 days (0.13 a day) against 2: +100%.
    ("0.1/day", "medium", Some("score 4"), "better", "n=4"),
    // Every change 5 h before its first deploy, as before: three changes this window.
    ("5.0 h", "elite", Some("score 8"), "same", "n=3"),
    // 1 of 4 failed (v3) against 1 of 2 (p1): -25 points.
    ("25.0%", "low", Some("score 7.5"), "better", "1 of 4"),
    // INC-1 took 1 h against INC-0's 2 h: -50%.
    ("60 min", "high", None, "better", "n=1"),
    // The rollback to v1, one of four, against none of two: +25 points.
    ("25.0%", "", Some("score 7.5"), "worse", "1 of 4"),
    // v3 recovered 2 h after it finished, p1 after 3 h: -33%.
    ("2.0 h", "high", Some("score 8"), "better", "n=1"),
];

const SIZES: [(u16, u16); 5] = [(80, 24), (100, 30), (120, 40), (180, 50), (250, 70)];

#[test]
fn every_key_shows_value_tier_score_trend_and_n_in_full_at_every_size() {
    let v = view();
    for (width, height) in SIZES {
        let lines = render(&v, &Screen::default(), width, height);
        let screen = lines.join("\n");
        for line in &lines {
            assert!(
                !line.contains('…'),
                "{width}x{height} cuts {line:?}:\n{screen}"
            );
        }
        let dora = dora_rows(&lines).join("\n");
        for (value, tier, score, word, n) in KEYS {
            for part in [Some(value), Some(tier), score, Some(word), Some(n)]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty())
            {
                assert!(
                    dora.contains(part),
                    "{width}x{height}: {part:?} of {value}:\n{screen}"
                );
            }
        }
        assert!(
            dora.contains("n=3 low") || dora.contains("n=3, low sample"),
            "{width}x{height}: the low sample is said:\n{screen}"
        );
        assert!(
            dora.contains("-25.0 pp") && dora.contains("+100%"),
            "{width}x{height}:\n{screen}"
        );
    }
}

#[test]
fn the_keys_take_the_rows_the_board_does_not_need() {
    let v = view();
    // One pipeline: at 120x40 the keys get a sparkline and their second lines of evidence.
    let lines = render(&v, &Screen::default(), 120, 40);
    let dora = dora_rows(&lines);
    assert!(dora.len() > 8, "{}", lines.join("\n"));
    assert!(dora.iter().any(|l| l.contains("█")), "{}", lines.join("\n"));
    assert!(
        dora.iter().any(|l| l.contains("p90 5.0 h")),
        "{}",
        lines.join("\n")
    );
}

#[test]
fn on_the_wall_the_figures_are_big_the_sparkline_daily_and_marks_only_failures() {
    let v = view();
    for (width, height) in [(180, 50), (250, 70)] {
        let lines = render(&v, &Screen::default(), width, height);
        let screen = lines.join("\n");
        let dora = dora_rows(&lines);
        // Block digits: five rows of full blocks over the first tile's value line.
        let value_row = dora
            .iter()
            .position(|l| l.contains("0.1/day (medium)"))
            .unwrap_or_else(|| panic!("{width}x{height}:\n{screen}"));
        assert!(value_row >= 6, "{width}x{height}:\n{screen}");
        for row in &dora[value_row - 5..value_row] {
            assert!(
                row.contains("██"),
                "{width}x{height} no big figure:\n{screen}"
            );
        }
        // The first tile's columns: from its left border to the next tile's corner.
        let title = dora.iter().find(|l| l.contains("Deploy freq 30d")).unwrap();
        let end = title[..title.find("┌ Lead time 30d").unwrap()]
            .chars()
            .count();
        let marks = dora
            .iter()
            .position(|l| l.contains(ui::FAILED_MARKER))
            .unwrap_or_else(|| panic!("{width}x{height} no failure marks:\n{screen}"));
        let first = |row: usize| -> Vec<char> { dora[row].chars().take(end).skip(1).collect() };
        let marker_row = first(marks);
        // Four deploy days; v3 failed a day ago, INC-1 opened today: the marker row marks those
        // two days only, at the right end, today (the last column) with the incident.
        assert!(
            !marker_row.contains(&'▴'),
            "no mark for every deploy: {marker_row:?}"
        );
        assert_eq!(
            marker_row.last(),
            Some(&ui::INCIDENT_MARKER),
            "{marker_row:?}"
        );
        let failed: Vec<usize> = (0..marker_row.len())
            .filter(|&i| marker_row[i] == ui::FAILED_MARKER)
            .collect();
        let days = 30;
        let per_day = marker_row.len() / days;
        assert!(per_day >= 1, "a column a day at least: {marker_row:?}");
        assert!(
            failed.len() >= per_day && failed.len() <= per_day + 1,
            "{marker_row:?}"
        );
        assert_eq!(
            *failed.last().unwrap() + 1,
            marker_row.len()
                - marker_row
                    .iter()
                    .rev()
                    .take_while(|c| **c == ui::INCIDENT_MARKER)
                    .count(),
            "the failed day is the day before today: {marker_row:?}"
        );
        let marked = marker_row.iter().filter(|c| **c != ' ').count();
        assert!(
            marked <= 2 * (per_day + 1),
            "two days marked: {marker_row:?}"
        );
        // The sparkline over it spans the tile: today's deploy-less column is blank, the deploy
        // a day ago sits over the failed mark.
        let spark = first(marks - 1);
        assert_eq!(spark.len(), marker_row.len());
        assert!(failed.iter().all(|&i| spark[i] != ' '), "{spark:?}");
        assert_eq!(spark.last(), Some(&' '), "{spark:?}");
    }
}

#[test]
fn the_service_table_shows_every_figure_in_full_at_80x24() {
    let v = view();
    let services = Screen {
        overlay: Some(Overlay::Services { scroll: 0 }),
        ..Screen::default()
    };
    for (width, height) in SIZES {
        let lines = render(&v, &services, width, height);
        let screen = lines.join("\n");
        for line in &lines {
            assert!(
                !line.contains('…'),
                "{width}x{height} cuts {line:?}:\n{screen}"
            );
        }
        for header in ["Deploys", "Lead", "CFR", "Restore", "Rework", "Recover"] {
            assert!(
                screen.contains(header),
                "{width}x{height} {header}:\n{screen}"
            );
        }
        for part in [
            "0.1/day medium",
            "5.0 h elite",
            "25.0% low",
            "60 min high",
            "2.0 h high",
            "▲better +100%",
            "1/4 fail",
            "1/4 rework",
            "n=3 low",
        ] {
            assert!(screen.contains(part), "{width}x{height} {part}:\n{screen}");
        }
        assert!(
            screen.contains("Data quality"),
            "{width}x{height}:\n{screen}"
        );
    }
}

#[test]
fn with_no_stages_reported_the_value_stream_says_so_once() {
    let v = view();
    for (width, height) in [(100, 30), (120, 40), (180, 50), (250, 70)] {
        let lines = render(&v, &Screen::default(), width, height);
        let screen = lines.join("\n");
        let stream: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains("Value stream"))
            .collect();
        if stream.is_empty() {
            continue;
        }
        assert_eq!(screen.matches("N/A WT N/A").count(), 0, "{screen}");
        assert!(stream[0].contains("Value stream: N/A"), "{screen}");
    }
}

#[test]
fn a_service_table_longer_than_the_screen_scrolls_instead_of_cutting() {
    let config = config();
    let mut events = DoraEvents::default();
    for s in 0..6 {
        for d in 0..=s {
            let commit = format!("s{s}d{d}");
            let app = format!("svc-{s}");
            events.deployments.push(deploy(&app, &commit, 24 * (d + 1)));
            events.changes.push(change(&app, &commit, 24 * (d + 1) + 2));
        }
    }
    let snapshot = Snapshot {
        pipelines: vec![Pipeline::from_stages("shop/api", Vec::new())],
        events,
        ..Snapshot::default()
    };
    let mut state = State::new(&config);
    state.record(0, now(), Ok(snapshot));
    let v = view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now()),
        now(),
    );
    let at = |scroll: u16| -> String {
        let screen = Screen {
            overlay: Some(Overlay::Services { scroll }),
            ..Screen::default()
        };
        render(&v, &screen, 80, 24).join("\n")
    };
    let top = at(0);
    assert!(!top.contains('…'), "{top}");
    assert!(top.contains("│overall"), "{top}");
    assert!(top.contains("of 6 · j/k scroll"), "{top}");
    assert!(top.contains("Data quality"), "{top}");
    let shown = |screen: &str| -> Vec<String> {
        (0..6)
            .map(|s| format!("svc-{s}"))
            .filter(|name| screen.contains(&format!("│{name} ")))
            .collect()
    };
    let first = shown(&top);
    assert!(!first.is_empty() && first.len() < 6, "{top}");
    // Scrolled to the end: the overall row stays, the last services show, still whole.
    let bottom = at(20);
    assert!(!bottom.contains('…'), "{bottom}");
    assert!(bottom.contains("│overall"), "{bottom}");
    let last = shown(&bottom);
    assert!(!last.is_empty(), "{bottom}");
    assert!(
        !last.contains(&first[0]),
        "scrolled past {}:\n{bottom}",
        first[0]
    );
    assert!(bottom.contains("-6 of 6 · j/k scroll"), "{bottom}");
    // A full last page: scrolling further changes nothing.
    assert_eq!(at(21), bottom);
    assert!(last.len() >= first.len(), "{bottom}");
}
