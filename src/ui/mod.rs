//! Pure draw functions: a view model and the screen's own state in, a frame out.

mod andon;
mod bigtext;
mod board;
mod detail;
mod dora;
mod footer;
mod header;
pub mod help;
pub mod log;
mod parts;
pub mod services;
pub mod theme;
pub mod trends;
pub mod value_stream;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use crate::view::{AndonState, PipelineStatus, PipelineView, ViewModel};
pub use dora::{FAILED_MARKER, INCIDENT_MARKER};
pub use services::quality_lines;
pub use theme::Theme;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// One board page of several, as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub index: usize,
    pub count: usize,
    pub name: String,
}

/// The one thing open over the board, if any. Keys go to it first and it is drawn on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The filter is being typed (`/`).
    Filtering,
    /// The selected pipeline's detail (Enter).
    Detail,
    /// The keys over the last twelve weeks (`t`, or a trends page) instead of the board.
    Trends,
    /// The table of the DORA keys per service (`s`), scrolled down by `scroll` services.
    Services { scroll: u16 },
    /// The failed job's log (`l`).
    Log(log::LogPane),
    /// The keys and definitions (`?`), scrolled down by `scroll` lines.
    Help { scroll: u16 },
}

/// What belongs to the screen rather than the data: selection, overlay, page and mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screen {
    /// Index into `ViewModel::pipelines`.
    pub selected: Option<usize>,
    /// What is open over the board.
    pub overlay: Option<Overlay>,
    /// Narrows the board to pipelines whose name or source contains it.
    pub filter: String,
    /// Wall mode: no key hints, big banner, "updated Ns ago".
    pub kiosk: bool,
    /// Only what needs attention; an all-green screen when nothing does.
    pub hide_green: bool,
    pub page: Option<Page>,
    /// Page rotation paused by a key.
    pub paused: bool,
    /// Seconds since the freshest successful poll, in steps (see `app::updated_ago`).
    pub updated_ago: Option<u64>,
    /// Lines shown under the banner for a while: "back to green after 42 min", a config error.
    pub notices: Vec<String>,
}

impl Screen {
    pub fn select_next(&mut self, count: usize) {
        self.selected = match (self.selected, count) {
            (_, 0) => None,
            (None, _) => Some(0),
            (Some(i), n) => Some((i + 1) % n),
        };
    }

    pub fn select_previous(&mut self, count: usize) {
        self.selected = match (self.selected, count) {
            (_, 0) => None,
            (None, n) | (Some(0), n) => Some(n - 1),
            (Some(i), _) => Some(i - 1),
        };
    }

    /// Keeps the selection inside the list after the data changed.
    pub fn clamp(&mut self, count: usize) {
        if let Some(i) = self.selected {
            self.selected = (count > 0).then(|| i.min(count - 1));
        }
        if self.selected.is_none() && self.overlay == Some(Overlay::Detail) {
            self.overlay = None;
        }
    }

    /// The filter is being typed.
    pub fn filtering(&self) -> bool {
        self.overlay == Some(Overlay::Filtering)
    }

    /// The trends view is shown (`t`, or a trends page).
    pub fn trends(&self) -> bool {
        self.overlay == Some(Overlay::Trends)
    }

    /// The selected pipeline's detail is open.
    pub fn detail(&self) -> bool {
        self.overlay == Some(Overlay::Detail)
    }

    /// The log pane, while it is open.
    pub fn log(&self) -> Option<&log::LogPane> {
        match &self.overlay {
            Some(Overlay::Log(pane)) => Some(pane),
            _ => None,
        }
    }

    pub fn log_mut(&mut self) -> Option<&mut log::LogPane> {
        match &mut self.overlay {
            Some(Overlay::Log(pane)) => Some(pane),
            _ => None,
        }
    }

    /// Lines the help is scrolled down by, while it is open.
    pub fn help_scroll(&self) -> Option<u16> {
        match self.overlay {
            Some(Overlay::Help { scroll }) => Some(scroll),
            _ => None,
        }
    }

    /// Services the table is scrolled down by, while it is open.
    pub fn services_scroll(&self) -> Option<u16> {
        match self.overlay {
            Some(Overlay::Services { scroll }) => Some(scroll),
            _ => None,
        }
    }
}

/// The three layouts: one line per pipeline over SSH, the Kanban board, big tiles on a wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Below 100x30, e.g. 80x24.
    Compact,
    /// From 100x30, e.g. 120x40.
    Standard,
    /// From 180x50, e.g. 250x70.
    Wall,
}

pub fn size_of(area: Rect) -> Size {
    if area.width >= 180 && area.height >= 50 {
        Size::Wall
    } else if area.width >= 100 && area.height >= 30 {
        Size::Standard
    } else {
        Size::Compact
    }
}

/// Whether a card is on screen: hide-green leaves only what needs attention.
fn needs_showing(pipeline: &PipelineView, hide_green: bool) -> bool {
    !hide_green || pipeline.status != PipelineStatus::Passing
}

pub fn draw(frame: &mut Frame, view: &ViewModel, screen: &Screen, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return;
    }
    let size = size_of(area);
    let shown: Vec<bool> = view
        .pipelines
        .iter()
        .map(|p| needs_showing(p, screen.hide_green))
        .collect();
    let all_green =
        screen.hide_green && view.andon.state == AndonState::Green && !shown.contains(&true);
    let banner_height = if all_green {
        0
    } else {
        andon::height(view, screen, size, area)
    };
    // The keys get the rows they need to show every figure in full, and the rows the board
    // does not need on top, up to what they can use (sparklines, block digits, evidence).
    let (dora_need, dora_full) = dora::heights(view, size, area.width);
    let rest = area.height.saturating_sub(2 + banner_height);
    let board_rows = board::rows_needed(view, &shown, size);
    let board_need = if all_green {
        3
    } else {
        let stream = if size == Size::Compact {
            0
        } else {
            value_stream::HEIGHT
        };
        board_rows.saturating_add(stream)
    };
    let dora_height = rest
        .saturating_sub(board_need)
        .min(dora_full)
        .max(dora_need)
        .min(rest.saturating_sub(3));
    let [header_area, banner_area, body_area, dora_area, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_height),
        Constraint::Min(3),
        Constraint::Length(dora_height),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, header_area, view, screen, theme);
    if all_green {
        andon::draw_all_green(frame, body_area, view, screen, theme);
    } else {
        andon::draw(frame, banner_area, view, screen, size, theme);
        let board_rows = board_rows.min(value_stream::MIN_BOARD_ROWS);
        let room_for_value_stream = size != Size::Compact
            && body_area.height >= board_rows.saturating_add(value_stream::HEIGHT);
        let body_area = if room_for_value_stream {
            let [board_area, stream_area] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(value_stream::HEIGHT)])
                    .areas(body_area);
            value_stream::draw(frame, stream_area, view, theme);
            board_area
        } else {
            body_area
        };
        match size {
            Size::Compact => board::draw_list(frame, body_area, view, &shown, screen, theme),
            Size::Standard => board::draw(frame, body_area, view, &shown, screen, theme),
            Size::Wall => board::draw_tiles(frame, body_area, view, &shown, screen, theme),
        }
    }
    match size {
        Size::Compact => dora::draw_compact(frame, dora_area, view, theme),
        _ => dora::draw(frame, dora_area, view, size, theme),
    }
    footer::draw(frame, footer_area, view, screen, theme);
    match &screen.overlay {
        None | Some(Overlay::Filtering) => {}
        Some(Overlay::Trends) => trends::draw(frame, between_header_and_footer(area), view, theme),
        Some(Overlay::Detail) => {
            if let Some(pipeline) = screen.selected.and_then(|i| view.pipelines.get(i)) {
                detail::draw(frame, area, view, pipeline, theme);
            }
        }
        Some(Overlay::Services { scroll }) => {
            services::draw(frame, between_header_and_footer(area), view, *scroll, theme);
        }
        Some(Overlay::Log(pane)) => log::draw(frame, area, pane, theme),
        Some(Overlay::Help { scroll }) => help::draw(frame, area, view, *scroll, theme),
    }
}

/// Where the trends and the service table go: all but the header's and the footer's rows.
pub fn between_header_and_footer(area: Rect) -> Rect {
    let [_, middle, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    middle
}

/// The OSC 8 hyperlink to write over the frame, if the detail shows a run's link:
/// the escape sequence, already positioned (save cursor, move, link, restore cursor).
pub fn hyperlink(area: Rect, view: &ViewModel, screen: &Screen) -> Option<String> {
    if !screen.detail() || area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let pipeline = screen.selected.and_then(|i| view.pipelines.get(i))?;
    let (x, y, text, url) = detail::link(area, view, pipeline)?;
    Some(format!(
        "\x1b7\x1b[{};{}H\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\\x1b8",
        y + 1,
        x + 1
    ))
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from("terminal too small"),
        Line::from(format!(
            "{}x{}: need at least {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        )),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .block(Block::default()),
        area,
    );
}

/// Cuts `text` to `width` characters, marking the cut with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// Cuts a pipeline's name to `width` characters in the middle, keeping its start and its end:
/// names from one server often differ only at the end (`example-service :: stage-1 :: job-2`,
/// `shop/CI`, `shop/CD`), and a cut at the end would show them all alike.
pub fn fit_name(text: &str, width: usize) -> String {
    cut_middle(text, width, width.saturating_sub(1) / 2)
}

/// `names` cut as `fit_name` does, except that where two different names would read alike, each
/// shows more of its end until they do not (`…1 :: job-1`, `…2 :: job-1`); names that share a
/// long end (`PhishBench/Email Integration Test`, `PhishBench/URL Integration Test`) show more
/// of their start instead (`PhishBench/E…Test`), or, too narrow for that, where they differ
/// (`…Email Integ…`).
pub fn fit_names(names: &[&str], width: usize) -> Vec<String> {
    let middle = width.saturating_sub(1) / 2;
    let mut tails: Vec<usize> = vec![middle; names.len()];
    let mut cuts: Vec<String> = names.iter().map(|n| fit_name(n, width)).collect();
    // Longer ends first; then, for the names still alike, longer starts.
    let ends = |tail: usize| (tail + 2 < width).then_some(tail + 1);
    let starts = |tail: usize| (tail > 1).then(|| tail - 1);
    for (step, from_middle) in [
        (&ends as &dyn Fn(usize) -> Option<usize>, false),
        (&starts, true),
    ] {
        if from_middle {
            for i in clashing(&cuts, names, width) {
                tails[i] = middle;
                cuts[i] = cut_middle(names[i], width, middle);
            }
        }
        for _ in 0..width {
            let mut moved = false;
            for i in clashing(&cuts, names, width) {
                if let Some(tail) = step(tails[i]) {
                    tails[i] = tail;
                    cuts[i] = cut_middle(names[i], width, tail);
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
    }
    // Too narrow for a start and an end to tell them apart: from where they differ.
    let still = clashing(&cuts, names, width);
    for &i in &still {
        let chars: Vec<char> = names[i].chars().collect();
        let shared = still
            .iter()
            .filter(|&&j| j != i && names[j] != names[i])
            .map(|&j| {
                chars
                    .iter()
                    .zip(names[j].chars())
                    .take_while(|(a, b)| **a == *b)
                    .count()
            })
            .max()
            .unwrap_or(0);
        let rest: String = chars[shared.min(chars.len())..].iter().collect();
        cuts[i] = format!("…{}", fit(&rest, width.saturating_sub(1)));
    }
    cuts
}

/// The names longer than `width` whose cut reads like another name's.
fn clashing(cuts: &[String], names: &[&str], width: usize) -> Vec<usize> {
    let mut alike: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for (cut, name) in cuts.iter().zip(names) {
        let same = alike.entry(cut.as_str()).or_default();
        if !same.contains(name) {
            same.push(name);
        }
    }
    (0..names.len())
        .filter(|&i| names[i].chars().count() > width && alike[cuts[i].as_str()].len() > 1)
        .collect()
}

/// `text` in `width` characters: its start, an ellipsis and its last `tail` characters.
fn cut_middle(text: &str, width: usize, tail: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    if width < 8 {
        return fit(text, width);
    }
    let tail = tail.min(width - 2);
    let head = width - 1 - tail;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{}…{}", start.trim_end(), end.trim_start())
}

/// "12 min ago" for the cards and the detail.
pub fn ago(view: &ViewModel, at: crate::model::Timestamp) -> String {
    let seconds = (view.now - at).num_seconds().max(0) as f64;
    if seconds < 60.0 {
        "just now".to_string()
    } else {
        format!("{} ago", crate::format::duration(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::{fit_name, fit_names};

    #[test]
    fn names_that_share_a_long_end_show_more_of_their_start() {
        let names = [
            "PhishBench/Email Header Integration Test",
            "PhishBench/URL Feature Integration Test",
            "PhishBench/Website Integration Test",
            "PhishBench/Unit Test",
        ];
        for width in [12, 17, 24] {
            let cut = fit_names(&names, width);
            for (i, a) in cut.iter().enumerate() {
                assert!(a.chars().count() <= width, "{a:?} over {width}");
                for b in &cut[i + 1..] {
                    assert_ne!(a, b, "two names read alike at {width}: {cut:?}");
                }
            }
        }
        assert_eq!(fit_names(&names, 17)[0], "PhishBench/E…Test");
    }

    #[test]
    fn names_cut_in_the_middle_stay_apart() {
        let names = [
            "example-service :: stage-1",
            "example-service :: stage-1 :: job-1",
            "example-service :: stage-1 :: job-2",
            "example-service :: stage-2",
            "example-service :: stage-2 :: job-1",
        ];
        for width in [12, 17, 24, 31] {
            let cut = fit_names(&names, width);
            for (i, a) in cut.iter().enumerate() {
                assert!(a.chars().count() <= width, "{a:?} over {width}");
                assert!(a.starts_with('e'), "the start stays: {a:?}");
                for b in &cut[i + 1..] {
                    assert_ne!(a, b, "two names read alike at {width}: {cut:?}");
                }
            }
        }
        assert_eq!(
            fit_name("example-service :: stage-1 :: job-1", 17),
            "example-…:: job-1"
        );
        assert_eq!(fit_name("checkout", 8), "checkout");
        assert_eq!(fit_name("checkout-api", 5), "chec…");
        // The same name twice (two sources) is not a clash.
        let twice = fit_names(&["example-service :: stage-1"; 2], 17);
        assert_eq!(twice[0], fit_name("example-service :: stage-1", 17));
    }
}
