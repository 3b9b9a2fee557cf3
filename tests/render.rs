//! Render tests on ratatui's TestBackend: the text on screen and the Andon's cell colours.

use std::time::Duration;

use andon::model::{BuildStatus, Pipeline, Snapshot, StageRun, StageStatus, Timestamp};
use andon::setup::{self, Config, SourceConfig, SourceKind};
use andon::sources::SourceError;
use andon::state::State;
use andon::ui::{self, Overlay, Screen, Theme};
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
    let mut config = setup::parse(
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
        kind: SourceKind::Demo(andon::sources::demo::DemoConfig { seed: 1 }),
        transport: Default::default(),
    }];
    config
}

fn pipeline(name: &str, stages: &[(&str, StageStatus)]) -> Pipeline {
    let mut p = Pipeline::from_stages(
        name,
        stages.iter().map(|(n, s)| StageRun::new(*n, *s)).collect(),
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
    broken.url = Some("https://ci.example.com/checkout-api/42".into());
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

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (250, 70)];

fn row_text(buffer: &Buffer, row: u16) -> String {
    text(buffer).lines().nth(row as usize).unwrap().to_string()
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
    // At 80x24, one line per pipeline: glyph, name, word, stage, the stage strip, who.
    let card = row_text(&buffer, row_of(&buffer, "✗ checkout-api"));
    for part in ["failing", "test", "✓✗-", "#42", "by alice"] {
        assert!(card.contains(part), "{part:?} not in {card:?}\n{screen}");
    }
    assert_eq!(
        buffer[(0, row_of(&buffer, "✗ checkout-api"))].fg,
        theme.failing
    );
}

#[test]
fn green_banner_is_green_and_cards_sit_in_their_stage_column() {
    let theme = Theme::default_theme();
    let buffer = render(&green(), &Screen::default(), &theme, 120, 40);
    let screen = text(&buffer);
    assert!(screen.contains("● ALL GREEN ●"), "{screen}");
    assert!(screen.contains("2 pipelines passing"));
    let banner_row = row_of(&buffer, "ALL GREEN");
    assert_eq!(buffer[(0, banner_row)].bg, theme.banner_green);
    // Columns left to right in configured order, each with its WIP count.
    let header = row_text(&buffer, row_of(&buffer, " build "));
    let positions: Vec<usize> = ["build 1", "test 1", "deploy 0", "verify 0"]
        .iter()
        .map(|h| char_column(&header, h))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{header}");
    // checkout-api passed at test: its card is under the test column, not under build.
    let card_line = row_text(&buffer, row_of(&buffer, "✓ checkout-api"));
    let card_col = char_column(&card_line, "✓ checkout-api");
    assert!(
        card_col >= positions[1] - 2 && card_col < positions[2],
        "{}",
        text(&buffer)
    );
}

#[test]
fn a_dead_source_is_never_green() {
    for (width, height) in SIZES {
        let buffer = render(
            &view_of(Err(SourceError::new("connection refused"))),
            &Screen::default(),
            &Theme::default_theme(),
            width,
            height,
        );
        let screen = text(&buffer);
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
}

#[test]
fn no_color_keeps_status_readable_without_any_colour() {
    for theme in [
        Theme::monochrome(),
        Theme::named("monochrome", None).unwrap(),
    ] {
        for (width, height) in SIZES {
            let buffer = render(&red(), &Screen::default(), &theme, width, height);
            assert!(
                buffer
                    .content
                    .iter()
                    .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
                "a colour was used under NO_COLOR at {width}x{height}"
            );
            let banner_row = row_of(&buffer, "checkout-api failed at test");
            assert!(
                buffer[(1, banner_row)]
                    .modifier
                    .contains(Modifier::REVERSED),
                "the red banner is not in reverse video at {width}x{height}"
            );
            let screen = text(&buffer);
            assert!(screen.contains("checkout-api"), "{screen}");
            assert!(
                screen.contains("✗ checkout-api") || screen.contains("✗ FAILING"),
                "{screen}"
            );
        }
    }
}

#[test]
fn every_theme_at_every_size_keeps_glyph_word_and_its_banner_colour() {
    for (name, _) in andon::ui::theme::BUILT_IN {
        let theme = Theme::named(name, None).unwrap();
        for (width, height) in SIZES {
            let buffer = render(&red(), &Screen::default(), &theme, width, height);
            let screen = text(&buffer);
            let at = format!("{name} at {width}x{height}");
            assert!(screen.contains('✗'), "{at}: no failing glyph\n{screen}");
            assert!(
                screen.contains("failing") || screen.contains("FAILING"),
                "{at}: no failing word\n{screen}"
            );
            assert!(screen.contains('✓') && screen.contains("ledger"), "{at}");
            assert!(
                screen.lines().all(|l| l.chars().count() == width as usize),
                "{at}: a line overflows"
            );
            let cause = row_of(&buffer, "checkout-api failed at test");
            if !theme.monochrome {
                assert_eq!(buffer[(0, cause)].bg, theme.banner_red, "{at}");
            }
        }
    }
}

#[test]
fn the_colourblind_theme_marks_failure_without_red() {
    let theme = Theme::named("colourblind", None).unwrap();
    let buffer = render(&red(), &Screen::default(), &theme, 80, 24);
    let row = row_of(&buffer, "✗ checkout-api");
    assert_eq!(buffer[(0, row)].fg, theme.failing);
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg != Color::Red && c.bg != Color::Red)
    );
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg != Color::Green && c.bg != Color::Green)
    );
}

#[test]
fn the_three_layouts_list_board_and_tiles() {
    let theme = Theme::default_theme();
    let small = text(&render(&red(), &Screen::default(), &theme, 80, 24));
    assert!(
        small.contains("pipeline") && small.contains("stages"),
        "{small}"
    );
    assert!(small.contains(" DORA 30d "), "{small}");
    assert!(
        !small.contains("┌ build"),
        "no Kanban columns at 80x24:\n{small}"
    );
    let medium = text(&render(&red(), &Screen::default(), &theme, 120, 40));
    assert!(medium.contains("┌ build 1"), "{medium}");
    assert!(medium.contains("Deploy freq 30d"), "{medium}");
    let wall = render(&red(), &Screen::default(), &theme, 250, 70);
    let wall_text = text(&wall);
    assert!(wall_text.contains("TEST · 1"), "{wall_text}");
    assert!(wall_text.contains("✗ FAILING at test"), "{wall_text}");
    assert!(wall_text.contains("┏"), "a failing tile has a thick border");
    // The banner in block letters, several rows tall, in the banner's colour.
    let big: Vec<u16> = (0..70)
        .filter(|&y| row_text(&wall, y).contains("█████"))
        .collect();
    assert!(big.len() >= 5, "{wall_text}");
    let x = row_text(&wall, big[0])
        .chars()
        .position(|c| c == '█')
        .unwrap() as u16;
    assert_eq!(wall[(x, big[0])].bg, theme.banner_red);
}

#[test]
fn kiosk_has_no_key_hints_a_big_banner_and_says_how_fresh() {
    let screen = Screen {
        kiosk: true,
        updated_ago: Some(15),
        page: Some(andon::ui::Page {
            index: 1,
            count: 3,
            name: "Payments".into(),
        }),
        ..Screen::default()
    };
    for (width, height) in SIZES {
        let buffer = render(&red(), &screen, &Theme::default_theme(), width, height);
        let shown = text(&buffer);
        assert!(
            !shown.contains("q quit") && !shown.contains("? help"),
            "{shown}"
        );
        assert!(shown.contains("updated 15s ago"), "{shown}");
        assert!(shown.contains("▸ Payments 2/3"), "{shown}");
        assert!(
            shown.contains("█"),
            "no big banner at {width}x{height}:\n{shown}"
        );
        assert!(shown.contains("checkout-api failed at test"), "{shown}");
    }
    let paused = Screen {
        paused: true,
        ..screen
    };
    let shown = text(&render(&red(), &paused, &Theme::default_theme(), 120, 40));
    assert!(shown.contains("Payments 2/3 ⏸ paused"), "{shown}");
}

#[test]
fn hide_green_shows_only_what_needs_attention_or_a_clear_all_green() {
    let screen = Screen {
        hide_green: true,
        ..Screen::default()
    };
    for (width, height) in SIZES {
        let shown = text(&render(
            &red(),
            &screen,
            &Theme::default_theme(),
            width,
            height,
        ));
        assert!(shown.contains("checkout-api"), "{shown}");
        assert!(!shown.contains("ledger"), "a green card is shown:\n{shown}");
        let theme = Theme::default_theme();
        let buffer = render(&green(), &screen, &theme, width, height);
        let shown = text(&buffer);
        assert!(
            shown.contains("2 pipelines passing · nothing needs attention"),
            "{shown}"
        );
        assert!(!shown.contains("checkout-api"), "{shown}");
        let row = row_of(&buffer, "nothing needs attention");
        assert_eq!(buffer[(0, row)].bg, theme.banner_green);
        let letters = (0..height)
            .filter(|&y| row_text(&buffer, y).contains('█'))
            .count();
        assert!(letters >= 5, "ALL GREEN is not in big letters:\n{shown}");
    }
}

#[test]
fn detail_shows_stages_times_who_and_links_the_run() {
    let view = red();
    let screen = detail_of(&view, "checkout-api");
    for (width, height) in SIZES {
        let buffer = render(&view, &screen, &Theme::default_theme(), width, height);
        let shown = text(&buffer);
        for part in [
            "✗ FAILING · at test",
            "✓ build",
            "✗ test",
            "- deploy",
            "skipped",
            "broken by alice",
            "Fri 20 Nov 13:53 UTC (12 min ago)",
            "https://ci.example.com/checkout-api/42",
        ] {
            assert!(
                shown.contains(part),
                "{part:?} at {width}x{height}:\n{shown}"
            );
        }
        let area = ratatui::layout::Rect::new(0, 0, width, height);
        let link = ui::hyperlink(area, &view, &screen).unwrap();
        assert!(
            link.contains("\u{1b}]8;;https://ci.example.com/checkout-api/42\u{1b}\\"),
            "{link:?}"
        );
        let row = row_of(&buffer, "https://ci.example.com");
        assert!(link.contains(&format!("\u{1b}[{};", row + 1)), "{link:?}");
    }
    assert_eq!(
        ui::hyperlink(
            ratatui::layout::Rect::new(0, 0, 80, 24),
            &view,
            &Screen::default()
        ),
        None
    );
}

#[test]
fn a_filter_narrows_the_board_and_its_andon() {
    let view = red();
    let page = andon::config::PageConfig {
        name: "all".into(),
        filter: None,
        hide_green: false,
        trends: false,
    };
    let ledger = andon::app::page_view(&view, &page, "LED");
    assert_eq!(ledger.pipelines.len(), 1);
    let screen = Screen {
        filter: "led".into(),
        ..Screen::default()
    };
    let shown = text(&render(&ledger, &screen, &Theme::default_theme(), 80, 24));
    assert!(shown.contains("● ALL GREEN ●"), "{shown}");
    assert!(shown.contains("filter: led"), "{shown}");
    assert!(!shown.contains("checkout-api"), "{shown}");
    let typing = Screen {
        filter: "che".into(),
        overlay: Some(Overlay::Filtering),
        ..Screen::default()
    };
    let shown = text(&render(&view, &typing, &Theme::default_theme(), 80, 24));
    assert!(shown.contains(" / che█"), "{shown}");
    assert!(shown.contains("Esc clear"), "{shown}");
    let paged = andon::config::PageConfig {
        name: "pay".into(),
        filter: Some("ledger".into()),
        hide_green: true,
        trends: false,
    };
    assert_eq!(andon::app::page_view(&view, &paged, "").pipelines.len(), 1);
}

#[test]
fn dora_tiles_show_value_tier_and_n_or_why_not() {
    let theme = Theme::default_theme();
    let screen = text(&render(&green(), &Screen::default(), &theme, 120, 40));
    assert!(screen.contains("Deploy freq 30d"), "{screen}");
    assert!(screen.contains("N/A: no deployments"), "{screen}");
    assert!(screen.contains("n=0"), "{screen}");
    let small = text(&render(&green(), &Screen::default(), &theme, 80, 24));
    // At 80x24 the keys without deployments say why on one line.
    assert!(
        small.contains("Deploy freq · Fail rate · Rework N/A: no deployments in window"),
        "{small}"
    );
}

#[test]
fn wide_screen_and_help_and_selection() {
    let view = red();
    let broken = view
        .pipelines
        .iter()
        .position(|p| p.pipeline.name == "checkout-api");
    let screen_state = Screen {
        selected: broken,
        ..Screen::default()
    };
    for (width, height) in SIZES {
        let buffer = render(&view, &screen_state, &Theme::default_theme(), width, height);
        let row = (0..height)
            .find(|&y| {
                let line = row_text(&buffer, y);
                line.contains("checkout-api") && !line.contains("failed at")
            })
            .unwrap();
        let col = row_text(&buffer, row).find("checkout-api").unwrap();
        let col = row_text(&buffer, row)[..col].chars().count() as u16;
        assert!(
            buffer[(col, row)].modifier.contains(Modifier::REVERSED),
            "selection not shown at {width}x{height}"
        );
    }
    let help = Screen {
        overlay: Some(Overlay::Help { scroll: 0 }),
        ..Screen::default()
    };
    let screen = text(&render(&view, &help, &Theme::default_theme(), 80, 24));
    assert!(screen.contains("andon help"), "{screen}");
    assert!(screen.contains("j k scroll"), "{screen}");
    assert!(
        !screen.contains("Time to restore:"),
        "80x24 needs scrolling:\n{screen}"
    );
    let scrolled = Screen {
        overlay: Some(Overlay::Help { scroll: 12 }),
        ..Screen::default()
    };
    let screen = text(&render(&view, &scrolled, &Theme::default_theme(), 80, 24));
    assert!(screen.contains("Time to restore:"), "{screen}");
    assert!(!screen.contains("Keys"), "scrolled past the top:\n{screen}");
}

#[test]
fn too_small_says_so() {
    let screen = text(&render(
        &red(),
        &Screen::default(),
        &Theme::default_theme(),
        39,
        11,
    ));
    assert!(screen.contains("terminal too small"), "{screen}");
    assert!(screen.contains("need at least 40x12"), "{screen}");
    let smallest = text(&render(
        &red(),
        &Screen::default(),
        &Theme::default_theme(),
        40,
        12,
    ));
    assert!(smallest.contains("LINE STOPPED"), "{smallest}");
    assert!(smallest.contains("✗ checkout-api"), "{smallest}");
}

#[test]
fn on_a_wall_a_crowded_stage_flows_into_more_lanes_instead_of_hiding_cards() {
    let pipelines: Vec<Pipeline> = (0..16)
        .map(|i| Pipeline::new(format!("service-{i:02}"), BuildStatus::Passing))
        .collect();
    let view = view_of(Ok(Snapshot {
        pipelines,
        ..Snapshot::default()
    }));
    let shown = text(&render(
        &view,
        &Screen::default(),
        &Theme::default_theme(),
        250,
        70,
    ));
    for i in 0..16 {
        assert!(shown.contains(&format!("service-{i:02}")), "{i}:\n{shown}");
    }
    assert!(!shown.contains("more"), "{shown}");
}

#[test]
fn a_small_kiosk_with_many_failures_keeps_room_for_the_board() {
    let pipelines: Vec<Pipeline> = (0..8)
        .map(|i| Pipeline::new(format!("service-{i}"), BuildStatus::Failing))
        .collect();
    let view = view_of(Ok(Snapshot {
        pipelines,
        ..Snapshot::default()
    }));
    let screen = Screen {
        kiosk: true,
        ..Screen::default()
    };
    let shown = text(&render(&view, &screen, &Theme::default_theme(), 80, 24));
    assert!(shown.contains('█'), "{shown}");
    let cards = shown
        .lines()
        .filter(|l| l.starts_with("✗ service-"))
        .count();
    assert!(cards >= 5, "only {cards} cards:\n{shown}");
    assert!(shown.contains("more"), "{shown}");
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

/// A board with flow: two runs in test over its WIP limit of 1, and finished runs whose test
/// stage waited longest for a runner; ledger failed and then passed on the same commit.
fn flow_view() -> ViewModel {
    let mut config = config();
    config.board.wip_limits = [("test".to_string(), 1)].into_iter().collect();
    let start = now() - chrono::Duration::minutes(30);
    let timed = |name: &str, status, from: i64, to: Option<i64>, queued: u64| {
        let mut stage = StageRun::new(name, status);
        stage.started_at = Some(start + chrono::Duration::seconds(from));
        stage.finished_at = to.map(|to| start + chrono::Duration::seconds(to));
        stage.queued = Some(Duration::from_secs(queued));
        stage
    };
    let mut pipelines = Vec::new();
    for name in ["api", "web"] {
        let mut p = Pipeline::from_stages(
            name,
            vec![
                timed("build", StageStatus::Passed, 0, Some(60), 5),
                timed("test", StageStatus::Running, 60, None, 0),
            ],
        );
        p.label = Some("#7".into());
        pipelines.push(p);
    }
    for name in ["ledger", "search", "auth"] {
        let mut p = Pipeline::from_stages(
            name,
            vec![
                timed("build", StageStatus::Passed, 0, Some(60), 5),
                timed("test", StageStatus::Passed, 180, Some(480), 120),
                timed("deploy", StageStatus::Passed, 480, Some(510), 2),
            ],
        );
        p.label = Some("#42".into());
        p.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        p.author = Some("Mona Octocat".into());
        p.started_at = Some(start);
        p.finished_at = Some(start + chrono::Duration::seconds(510));
        p.url = Some(format!("https://ci.example.com/{name}/42"));
        if name == "ledger" {
            p.previous = vec![andon::model::PastRun {
                id: "#41".into(),
                passed: false,
                commit: p.commit.clone(),
            }];
        }
        pipelines.push(p);
    }
    let mut state = State::new(&config);
    state.record(
        0,
        now(),
        Ok(Snapshot {
            pipelines,
            ..Snapshot::default()
        }),
    );
    view::build(
        &config,
        &state,
        view::dora_report(&config, &state, now()),
        now(),
    )
}

#[test]
fn the_board_shows_wip_against_its_limit_the_constraint_and_pass_rates() {
    let view = flow_view();
    let theme = Theme::default_theme();
    let buffer = render(&view, &Screen::default(), &theme, 120, 40);
    let screen = text(&buffer);
    let header_row = row_of(&buffer, " test 2 ");
    let header = row_text(&buffer, header_row);
    assert!(header.contains("· 2/1 WIP ▲ over"), "{header}");
    assert!(header.contains(" build 0 · 0 WIP"), "{header}");
    // The breach is in the failing colour, and bold, besides its glyph and word.
    let over = char_column(&header, "2/1 WIP") as u16;
    assert_eq!(buffer[(over, header_row)].fg, theme.failing);
    assert!(buffer[(over, header_row)].modifier.contains(Modifier::BOLD));
    // Under the titles: the constraint mark sits in the test column, with the medians.
    let flow = row_text(&buffer, header_row + 1);
    let constraint = char_column(&flow, "⧗ constraint");
    assert!(
        constraint >= char_column(&header, " test 2 ")
            && constraint < char_column(&header, " deploy"),
        "{screen}"
    );
    assert_eq!(flow.matches('⧗').count(), 1, "{flow}");
    for part in [
        "med 60 s · queue 5 s",
        "⧗ constraint queue 2 min",
        "med 30 s",
    ] {
        assert!(flow.contains(part), "{part:?} not in {flow:?}");
    }
    let ledger = row_of(&buffer, "✓ ledger");
    let card = row_text(&buffer, ledger + 1);
    assert!(card.contains("passing pass 1/2 ≈ flaky"), "{screen}");
    let search = row_text(&buffer, row_of(&buffer, "✓ search") + 1);
    assert!(search.contains("passing pass 1/1 #42"), "{screen}");
}

#[test]
fn the_wall_and_the_compact_list_keep_the_constraint_breach_and_flaky_marks() {
    let view = flow_view();
    let theme = Theme::default_theme();
    let wall = text(&render(&view, &Screen::default(), &theme, 250, 70));
    for part in [
        "TEST · 2",
        "2/1 WIP ▲ over",
        "⧗ constraint",
        "≈ flaky",
        "pass 1/2",
    ] {
        assert!(wall.contains(part), "{part:?} not on the wall:\n{wall}");
    }
    let buffer = render(&view, &Screen::default(), &theme, 80, 24);
    let compact = text(&buffer);
    let header = row_text(&buffer, row_of(&buffer, "pipeline "));
    assert!(header.contains("⧗ test"), "{header}");
    assert!(header.contains("▲ test 2/1 WIP"), "{header}");
    let ledger = row_text(&buffer, row_of(&buffer, "✓ ledger"));
    assert!(ledger.contains("≈flaky"), "{ledger}");
    assert!(ledger.chars().count() <= 80, "{ledger}");
    let search = row_text(&buffer, row_of(&buffer, "✓ search"));
    assert!(!search.contains("flaky"), "{search}\n{compact}");
}

#[test]
fn detail_shows_commit_author_run_times_and_what_each_stage_took() {
    let view = flow_view();
    let screen = detail_of(&view, "ledger");
    for (width, height) in SIZES {
        let buffer = render(&view, &screen, &Theme::default_theme(), width, height);
        let shown = text(&buffer);
        for part in [
            "commit    0123456789ab",
            "author    Mona Octocat",
            "started   Fri 20 Nov 13:35 UTC (30 min ago)",
            "finished  Fri 20 Nov 13:43 UTC (22 min ago), took 8 min",
            "pass 1/2 ≈ flaky",
            "✓ build            passed   60 s       13:35:00–13:36:00  queued 5 s",
            "✓ test             passed   5 min      13:38:00–13:43:00  queued 2 min",
            "https://ci.example.com/ledger/42",
        ] {
            assert!(
                shown.contains(part),
                "{part:?} at {width}x{height}:\n{shown}"
            );
        }
        assert!(
            !shown.contains("0123456789abc"),
            "the commit is shortened:\n{shown}"
        );
        let area = ratatui::layout::Rect::new(0, 0, width, height);
        assert!(
            ui::hyperlink(area, &view, &screen).is_some(),
            "link at {width}x{height}"
        );
    }
}

/// The screen with `name`'s detail open.
fn detail_of(view: &ViewModel, name: &str) -> Screen {
    let index = view
        .pipelines
        .iter()
        .position(|p| p.pipeline.name == name)
        .unwrap();
    Screen {
        selected: Some(index),
        overlay: Some(Overlay::Detail),
        ..Screen::default()
    }
}

/// checkout: 2 deploys 40 and 35 days ago (1 failed), then 4 in the last 4 days (none failed),
/// each 5 h after its commit; ledger: 1 deploy 2 days ago, failed.
fn with_trends() -> ViewModel {
    use andon::model::{Change, Deployment, DoraEvents, Incident};
    let ago = |hours: i64| now() - chrono::Duration::hours(hours);
    let mut events = DoraEvents::default();
    for (i, hours) in [40 * 24, 35 * 24, 24, 48, 72, 96].into_iter().enumerate() {
        let commit = format!("c{i}");
        events.deployments.push(Deployment {
            app: "checkout".into(),
            image_sha: None,
            commit: Some(commit.clone()),
            finished_at: ago(hours),
            marked: None,
        });
        events.changes.push(Change {
            app: "checkout".into(),
            commit,
            image_sha: None,
            committed_at: ago(hours + 5),
        });
    }
    events.deployments.push(Deployment {
        app: "ledger".into(),
        image_sha: None,
        commit: None,
        finished_at: ago(48),
        marked: None,
    });
    for (app, opened) in [("checkout", ago(35 * 24 - 1)), ("ledger", ago(47))] {
        events.incidents.push(Incident {
            app: app.into(),
            id: "1".into(),
            opened_at: opened,
            resolved_at: None,
        });
    }
    view_of(Ok(Snapshot {
        pipelines: vec![Pipeline::new("ledger", BuildStatus::Passing)],
        events,
        ..Snapshot::default()
    }))
}

#[test]
fn dora_tiles_show_the_trend_a_sparkline_and_failure_markers() {
    let theme = Theme::default_theme();
    let view = with_trends();
    let buffer = render(&view, &Screen::default(), &theme, 120, 40);
    let screen = text(&buffer);
    assert!(!screen.contains('…'), "nothing cut:\n{screen}");
    // 5 deploys against 2: +150%; 1 of 5 failed against 1 of 2: -30 points.
    assert!(screen.contains("▲ better +150%"), "{screen}");
    assert!(screen.contains("▼ better -30.0 pp"), "{screen}");
    assert!(screen.contains("n=4, low sample"), "{screen}");
    let markers = row_of(&buffer, &ui::FAILED_MARKER.to_string());
    let sparkline = row_text(&buffer, markers - 1);
    assert!(sparkline.contains('█'), "{sparkline}");
    // Deploys were 1 to 4 days ago, none failed but ledger's two days ago, whose incident opened
    // the day after: one failure mark and one incident mark, at the right end of the 30 days,
    // and no mark for the deploys that went well.
    let marker_row = row_text(&buffer, markers);
    let first_tile: Vec<char> = marker_row.chars().take(20).skip(1).collect();
    let at = |mark: char| first_tile.iter().position(|c| *c == mark);
    assert_eq!(
        first_tile.iter().filter(|c| **c != ' ').count(),
        2,
        "{first_tile:?}"
    );
    assert_eq!(at(ui::FAILED_MARKER), Some(17), "{first_tile:?}");
    assert_eq!(at(ui::INCIDENT_MARKER), Some(18), "{first_tile:?}");

    let small = text(&render(&view, &Screen::default(), &theme, 80, 24));
    let line = |key: &str| -> String {
        small
            .lines()
            .find(|l| l.starts_with(&format!(" {key}")))
            .unwrap_or_else(|| panic!("{key}:\n{small}"))
            .to_string()
    };
    for (key, parts) in [
        (
            "Deploy freq",
            [
                "0.2/day medium",
                "▲ better +150%",
                "n=5 deploys",
                "score 4/10",
            ],
        ),
        (
            "Fail rate",
            [
                "20.0% low",
                "▼ better -30.0 pp",
                "1 of 5 failed",
                "score 8/10",
            ],
        ),
        (
            "Lead time",
            ["5.0 h elite", "= same +0%", "n=4, low sample", "score 8/10"],
        ),
    ] {
        for part in parts {
            assert!(line(key).contains(part), "{key} {part}:\n{small}");
        }
    }
    assert!(!small.contains('…'), "nothing cut:\n{small}");
}

#[test]
fn the_service_table_puts_the_worst_first_under_the_overall_row_and_fits_80x24() {
    let theme = Theme::default_theme();
    let view = with_trends();
    let services = Screen {
        overlay: Some(Overlay::Services { scroll: 0 }),
        ..Screen::default()
    };
    let buffer = render(&view, &services, &theme, 80, 24);
    let screen = text(&buffer);
    assert!(
        !screen.contains('…'),
        "every service, nothing cut:\n{screen}"
    );
    let overall = row_of(&buffer, "overall");
    let ledger = row_of(&buffer, "ledger  ");
    let checkout = row_of(&buffer, "checkout");
    assert!(overall < ledger && ledger < checkout, "{screen}");
    // Three keys a row at 80 columns: deploys, lead time and failure rate on the first.
    assert!(row_text(&buffer, 2).contains("Deploys"), "{screen}");
    assert!(row_text(&buffer, 2).contains("CFR"), "{screen}");
    assert!(row_text(&buffer, 3).contains("Recover"), "{screen}");
    let block = |from: u16, to: u16| -> String {
        (from..to)
            .map(|r| row_text(&buffer, r))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let overall_rows = block(overall, ledger);
    let ledger_rows = block(ledger, checkout);
    assert!(
        row_text(&buffer, ledger).contains("0.2/week medium"),
        "{screen}"
    );
    assert!(ledger_rows.contains("100.0% low"), "{screen}");
    assert!(ledger_rows.contains("n=1 low"), "{screen}");
    assert!(ledger_rows.contains("1/1 fail low"), "{screen}");
    assert!(
        row_text(&buffer, overall).contains("20.0% low 1/5 fail"),
        "{screen}"
    );
    assert!(
        row_text(&buffer, overall).contains("0.2/day medium n=5"),
        "{screen}"
    );
    assert!(
        row_text(&buffer, overall + 1).contains("▲better +150%"),
        "{screen}"
    );
    assert!(
        row_text(&buffer, overall + 1).contains("▼better -30.0pp"),
        "{screen}"
    );
    assert!(overall_rows.contains("80.0% 4/5 rework"), "{screen}");
    assert!(
        block(checkout, checkout + 5).contains("0/4 fail low"),
        "{screen}"
    );
    assert!(
        screen.contains("0 incidents of no service · 0 incidents before any deploy"),
        "{screen}"
    );
    assert!(
        screen.contains("Data quality: 1 deploys with no matching commit"),
        "{screen}"
    );
    assert!(screen.contains("Low samples: lead time (n=4)"), "{screen}");
    assert!(
        screen.contains("time to restore N/A: no incidents resolved"),
        "{screen}"
    );

    let help = Screen {
        overlay: Some(Overlay::Help { scroll: 0 }),
        ..Screen::default()
    };
    let screen = text(&render(&view, &help, &theme, 120, 40));
    assert!(screen.contains("s DORA keys per service"), "{screen}");
    for mark in ["⧗ constraint:", "▲ over", "≈ flaky:"] {
        assert!(screen.contains(mark), "help explains {mark}:\n{screen}");
    }
}

/// GoCD's cctray names its stages and jobs `pipeline :: stage :: job`: names that differ only at
/// the end. Cut to fit a card or a row, each must still read as itself at every size.
#[test]
fn long_names_that_differ_at_the_end_stay_apart_at_every_size() {
    let names = [
        "example-service :: stage-1",
        "example-service :: stage-1 :: job-1",
        "example-service :: stage-1 :: job-2",
        "example-service :: stage-1 :: job-3",
        "example-service :: stage-2",
        "example-service :: stage-2 :: job-1",
    ];
    let mut pipelines: Vec<Pipeline> = names
        .iter()
        .map(|n| Pipeline::new(*n, BuildStatus::Passing))
        .collect();
    // Stages, so that the board has its columns: six of them, as Jenkins' Stage View adds
    // its own, leave 17 characters for a name at 120x40.
    pipelines.push(pipeline(
        "ledger",
        &[
            ("build", StageStatus::Passed),
            ("test", StageStatus::Passed),
            ("deploy", StageStatus::Passed),
            ("verify", StageStatus::Passed),
            ("Dev", StageStatus::Passed),
            ("Staging", StageStatus::Passed),
        ],
    ));
    let view = view_of(Ok(Snapshot {
        pipelines,
        ..Snapshot::default()
    }));
    for (width, height) in [(80, 24), (120, 40), (250, 70)] {
        let screen = text(&render(
            &view,
            &Screen::default(),
            &Theme::default_theme(),
            width,
            height,
        ));
        // Each name as shown: from "exam" to the end of its cell, row or tile line.
        let shown: Vec<String> = screen
            .split("exam")
            .skip(1)
            .map(|rest| {
                let end = ["│", "┃", " passing", "  ", "\n"]
                    .iter()
                    .filter_map(|stop| rest.find(stop))
                    .min()
                    .unwrap_or(rest.len());
                format!("exam{}", &rest[..end])
            })
            .collect();
        assert_eq!(
            shown.len(),
            names.len(),
            "{width}x{height}: {shown:?}\n{screen}"
        );
        let mut distinct = shown.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            names.len(),
            "{width}x{height}: names read alike: {shown:?}\n{screen}"
        );
    }
}

/// At 80x24 the list holds about a dozen rows; when there are more pipelines, the failing ones
/// are the rows kept, wherever their stage is, and the passing ones are counted instead.
#[test]
fn a_long_list_keeps_its_failing_rows_and_counts_the_passing_ones() {
    let mut pipelines: Vec<Pipeline> = (0..20)
        .map(|i| pipeline(&format!("early-{i:02}"), &[("build", StageStatus::Passed)]))
        .collect();
    pipelines.push(pipeline(
        "late-failure",
        &[
            ("build", StageStatus::Passed),
            ("test", StageStatus::Passed),
            ("deploy", StageStatus::Passed),
            ("verify", StageStatus::Failed),
        ],
    ));
    pipelines.push(Pipeline::new("unknown-one", BuildStatus::Unknown));
    let view = view_of(Ok(Snapshot {
        pipelines,
        ..Snapshot::default()
    }));
    let screen = text(&render(
        &view,
        &Screen::default(),
        &Theme::default_theme(),
        80,
        24,
    ));
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| ["✓ ", "✗ ", "? "].iter().any(|g| l.starts_with(g)))
        .collect();
    assert!(rows.len() < 22, "all rows fit; nothing to test:\n{screen}");
    assert!(
        rows.iter().any(|r| r.starts_with("✗ late-failure")),
        "the failing row is hidden:\n{screen}"
    );
    assert!(
        rows.iter().any(|r| r.starts_with("? unknown-one")),
        "{screen}"
    );
    let more = format!("+{} more", 22 - rows.len());
    assert!(
        screen.lines().any(|l| l.trim_end() == more),
        "{more}, none of them failing:\n{screen}"
    );
    // The rows kept stay in board order: the failing one, at verify, comes last.
    assert!(
        rows.last().unwrap().starts_with("✗ late-failure"),
        "{screen}"
    );
}

#[test]
fn a_column_of_more_cards_than_a_terminal_has_rows_draws_at_every_size() {
    // 40,000 cards in one column: two rows each on the board, six on a wall, past u16.
    let pipelines = (0..40_000)
        .map(|i| Pipeline::new(format!("service-{i:05}"), BuildStatus::Passing))
        .collect();
    let view = view_of(Ok(Snapshot {
        pipelines,
        ..Snapshot::default()
    }));
    let theme = Theme::default_theme();
    for (width, height) in [(80, 24), (120, 40), (250, 70)] {
        let screen = text(&render(&view, &Screen::default(), &theme, width, height));
        assert!(screen.contains("more"), "{width}x{height}:\n{screen}");
    }
}
