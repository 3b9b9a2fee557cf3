//! Render tests on ratatui's TestBackend: the text on screen and the Andon's cell colours.

use std::time::Duration;

use andon::config::{self, Config, SourceConfig, SourceKind};
use andon::model::{BuildStatus, Pipeline, Snapshot, StageRun, StageStatus, Timestamp};
use andon::sources::SourceError;
use andon::state::State;
use andon::ui::{self, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap()
}

fn config() -> Config {
    let mut config = config::parse(
        "title = \"Payments delivery\"\n[board]\nstages = [\"build\", \"test\", \"deploy\", \"verify\"]\n",
        "test.toml",
    )
    .unwrap();
    config.sources = vec![SourceConfig {
        name: "ci".into(),
        interval: Duration::from_secs(30),
        timeout: Duration::from_secs(5),
        stale_after: 3,
        stage: None,
        kind: SourceKind::Demo { seed: 1 },
        transport: Default::default(),
    }];
    config
}

fn pipeline(name: &str, stages: &[(&str, StageStatus)]) -> Pipeline {
    let mut p = Pipeline::from_stages(
        name,
        stages
            .iter()
            .map(|(n, s)| StageRun {
                name: n.to_string(),
                status: *s,
            })
            .collect(),
    );
    p.label = Some("#42".into());
    p.last_build_at = Some(now() - chrono::Duration::minutes(12));
    p
}

fn view_of(result: Result<Snapshot, SourceError>) -> ViewModel {
    let config = config();
    let mut state = State::new(&config);
    state.record(0, now(), result);
    view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now()),
        now(),
    )
}

fn green() -> ViewModel {
    view_of(Ok(Snapshot {
        pipelines: vec![
            pipeline(
                "checkout-api",
                &[
                    ("build", StageStatus::Passed),
                    ("test", StageStatus::Passed),
                ],
            ),
            Pipeline::new("ledger", BuildStatus::Passing),
        ],
        ..Snapshot::default()
    }))
}

fn red() -> ViewModel {
    let mut broken = pipeline(
        "checkout-api",
        &[
            ("build", StageStatus::Passed),
            ("test", StageStatus::Failed),
            ("deploy", StageStatus::Skipped),
        ],
    );
    broken.breakers = vec!["alice".into()];
    view_of(Ok(Snapshot {
        pipelines: vec![broken, Pipeline::new("ledger", BuildStatus::Passing)],
        ..Snapshot::default()
    }))
}

fn render(view: &ViewModel, screen: &Screen, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| ui::draw(frame, view, screen, theme))
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

/// Column, in cells, where `needle` starts in `line`.
fn char_column(line: &str, needle: &str) -> usize {
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {line:?}"));
    line[..byte].chars().count()
}

/// Row index of the first row containing `needle`.
fn row_of(buffer: &Buffer, needle: &str) -> u16 {
    text(buffer)
        .lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", text(buffer))) as u16
}

#[test]
fn red_line_stops_the_screen_with_what_broke_where_and_who() {
    let theme = Theme::default_theme();
    let buffer = render(&red(), &Screen::default(), &theme, 80, 24);
    let screen = text(&buffer);
    assert!(screen.contains("■ LINE STOPPED ■"), "{screen}");
    assert!(
        screen.contains("checkout-api failed at test since 13:53 UTC (#42) by alice"),
        "{screen}"
    );
    let banner_row = row_of(&buffer, "LINE STOPPED");
    for x in 0..80 {
        let cell = &buffer[(x, banner_row)];
        assert_eq!(cell.bg, theme.banner_red, "banner cell {x} is not red");
    }
    assert!(buffer[(40, banner_row)].modifier.contains(Modifier::BOLD));
    // The failing card carries glyph and word, not colour alone.
    assert!(screen.contains("✗ checkout-api"), "{screen}");
    assert!(screen.contains("failing #42 by a"), "{screen}");
}

#[test]
fn green_banner_is_green_and_cards_sit_in_their_stage_column() {
    let theme = Theme::default_theme();
    let buffer = render(&green(), &Screen::default(), &theme, 80, 24);
    let screen = text(&buffer);
    assert!(screen.contains("● ALL GREEN ●"), "{screen}");
    assert!(screen.contains("2 pipelines passing"));
    let banner_row = row_of(&buffer, "ALL GREEN");
    assert_eq!(buffer[(0, banner_row)].bg, theme.banner_green);
    // Columns left to right in configured order, each with its WIP count.
    let header_row = row_of(&buffer, " build ");
    let header = text(&buffer)
        .lines()
        .nth(header_row as usize)
        .unwrap()
        .to_string();
    let positions: Vec<usize> = ["build 1", "test 1", "deploy 0", "verify 0"]
        .iter()
        .map(|h| char_column(&header, h))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{header}");
    // checkout-api passed at test: its card is under the test column, not under build.
    let card_row = row_of(&buffer, "✓ checkout-api");
    let card_line = text(&buffer)
        .lines()
        .nth(card_row as usize)
        .unwrap()
        .to_string();
    let card_col = char_column(&card_line, "✓ checkout-api");
    assert!(
        card_col >= positions[1] - 2 && card_col < positions[2],
        "{}",
        text(&buffer)
    );
}

#[test]
fn a_dead_source_is_never_green() {
    let buffer = render(
        &view_of(Err(SourceError::new("connection refused"))),
        &Screen::default(),
        &Theme::default_theme(),
        80,
        24,
    );
    let screen = text(&buffer);
    assert!(screen.contains("? NO DATA ?"), "{screen}");
    assert!(
        screen.contains("ci: error <1m: connection refused"),
        "{screen}"
    );
    assert!(
        screen.contains("✗ ci error <1m: connection refused"),
        "{screen}"
    );
    assert!(!screen.contains("GREEN"));
}

#[test]
fn no_color_keeps_status_readable_without_any_colour() {
    let theme = Theme::monochrome();
    let buffer = render(&red(), &Screen::default(), &theme, 80, 24);
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "a colour was used under NO_COLOR"
    );
    let banner_row = row_of(&buffer, "LINE STOPPED");
    assert!(
        buffer[(10, banner_row)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert!(text(&buffer).contains("✗ checkout-api"));
}

#[test]
fn dora_tiles_show_value_tier_and_n_or_why_not() {
    let buffer = render(
        &green(),
        &Screen::default(),
        &Theme::default_theme(),
        80,
        24,
    );
    let screen = text(&buffer);
    assert!(screen.contains("Deploy freq 30d"), "{screen}");
    assert!(screen.contains("N/A: no deployments"), "{screen}");
    assert!(screen.contains("n=0"), "{screen}");
}

#[test]
fn wide_screen_and_help_and_selection() {
    let view = red();
    let broken = view.pipelines.iter().position(|p| p.name == "checkout-api");
    let screen_state = Screen {
        selected: broken,
        help: false,
    };
    let buffer = render(&view, &screen_state, &Theme::default_theme(), 200, 60);
    let row = row_of(&buffer, "✗ checkout-api");
    let col = text(&buffer)
        .lines()
        .nth(row as usize)
        .unwrap()
        .chars()
        .position(|c| c == '✗')
        .unwrap();
    assert!(
        buffer[(col as u16, row)]
            .modifier
            .contains(Modifier::REVERSED)
    );

    let help = Screen {
        selected: None,
        help: true,
    };
    let screen = text(&render(&view, &help, &Theme::default_theme(), 80, 24));
    assert!(screen.contains("andon help"), "{screen}");
    assert!(screen.contains("Change failure rate"), "{screen}");
}

#[test]
fn too_small_says_so() {
    let screen = text(&render(
        &red(),
        &Screen::default(),
        &Theme::default_theme(),
        30,
        10,
    ));
    assert!(screen.contains("terminal too small"));
}

#[test]
fn unverified_tls_is_warned_about_in_the_header_and_a_stale_source_shows_its_age() {
    let mut config = config();
    config.sources[0].transport.insecure = true;
    let mut state = State::new(&config);
    let an_hour_ago = now() - chrono::Duration::minutes(61);
    state.record(
        0,
        an_hour_ago,
        Ok(Snapshot {
            pipelines: vec![Pipeline::new("api", BuildStatus::Passing)],
            ..Snapshot::default()
        }),
    );
    let v = view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now()),
        now(),
    );
    let screen = text(&render(
        &v,
        &Screen::default(),
        &Theme::default_theme(),
        80,
        24,
    ));
    let header = screen.lines().next().unwrap();
    assert!(header.contains("⚠ TLS NOT VERIFIED: ci"), "{screen}");
    let footer = screen.lines().last().unwrap();
    assert!(
        footer.contains("⌛") && footer.contains("ci stale 1h"),
        "{screen}"
    );
    assert!(screen.contains("STALE"), "{screen}");
    assert!(!screen.contains("ALL GREEN"), "{screen}");
}
