//! The value-stream line under the board's columns: each stage's process time, wait time and
//! %C/A, then rolling %C/A, the activity ratio and what a source cannot report.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Theme, fit};
use crate::dora_text;
use crate::view::ViewModel;

/// Rows the line takes, when the board has room for it.
pub const HEIGHT: u16 = 2;
/// The board keeps at least this many rows for its cards.
pub const MIN_BOARD_ROWS: u16 = 12;

/// The stages, "→" between them, and the summary with what the sources cannot report.
pub fn lines(view: &ViewModel) -> [String; 2] {
    let vs = &view.flow.value_stream;
    let stages: Vec<String> = vs.stages.iter().map(dora_text::value_stage).collect();
    let mut summary = dora_text::value_summary(vs);
    for line in &vs.cannot_report {
        summary.push_str(" · ");
        summary.push_str(line);
    }
    [
        format!(" Value stream: {}", stages.join(" → ")),
        format!(" {summary}"),
    ]
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let width = area.width as usize;
    let text: Vec<Line> = lines(view)
        .iter()
        .map(|l| Line::styled(fit(l, width), theme.muted()))
        .collect();
    frame.render_widget(Paragraph::new(text), area);
}
