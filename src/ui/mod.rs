//! Pure draw functions: a view model and the screen's own state in, a frame out.

mod andon;
mod board;
mod dora;
mod footer;
mod header;
mod help;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::view::ViewModel;
pub use theme::Theme;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// What belongs to the screen rather than the data: selection and overlays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screen {
    /// Index into `ViewModel::pipelines`.
    pub selected: Option<usize>,
    pub help: bool,
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
    }
}

pub fn draw(frame: &mut Frame, view: &ViewModel, screen: &Screen, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return;
    }
    let [header_area, banner_area, board_area, dora_area, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(4),
        Constraint::Length(dora::HEIGHT),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, header_area, view, theme);
    andon::draw(frame, banner_area, view, theme);
    board::draw(frame, board_area, view, screen.selected, theme);
    dora::draw(frame, dora_area, view, theme);
    footer::draw(frame, footer_area, view, theme);
    if screen.help {
        help::draw(frame, area, view, theme);
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from("terminal too small"),
        Line::from(format!("need {MIN_WIDTH}x{MIN_HEIGHT}")),
    ];
    frame.render_widget(Paragraph::new(text), area);
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
