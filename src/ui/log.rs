//! The log overlay (`l`): the tail of the failed job's log, landing on its last error line,
//! scrollable, error-looking lines marked by a glyph and the failing colour.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, fit};
use crate::logs::{LogKey, LogText};
use crate::view::PipelineStatus;

/// Lines of context shown below the last error when the log opens.
const CONTEXT_BELOW: usize = 3;
/// Lines moved by PageUp and PageDown.
pub const PAGE: i64 = 10;
const ERROR_GLYPH: &str = "✗";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogState {
    Loading,
    Ready(Arc<LogText>),
    Failed(String),
}

/// The open log: what it is of, how far it has come, and where the reader scrolled to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPane {
    pub key: Option<LogKey>,
    pub title: String,
    pub state: LogState,
    /// Lines scrolled from where the log opened (negative: up).
    pub offset: i64,
}

impl LogPane {
    pub fn new(key: Option<LogKey>, title: String, state: LogState) -> LogPane {
        LogPane {
            key,
            title,
            state,
            offset: 0,
        }
    }

    /// The first line shown, given `rows` on screen; also pulls `offset` back inside the log so
    /// scrolling past an end does not have to be undone.
    pub fn top(&mut self, rows: usize) -> usize {
        let LogState::Ready(log) = &self.state else {
            return 0;
        };
        let (anchor, last) = anchor_and_last(log, rows);
        let top = (anchor as i64 + self.offset).clamp(0, last as i64);
        self.offset = top - anchor as i64;
        top as usize
    }
}

/// Where the log opens (its last error near the bottom, else its end) and the lowest top.
fn anchor_and_last(log: &LogText, rows: usize) -> (usize, usize) {
    let len = log.lines.len();
    let last = len.saturating_sub(rows);
    let focus = log
        .last_error()
        .map_or(len, |i| (i + 1 + CONTEXT_BELOW).min(len));
    (focus.saturating_sub(rows).min(last), last)
}

/// Rows of log text inside the overlay on a screen of `area`.
pub fn rows(area: Rect) -> usize {
    overlay(area).height.saturating_sub(3) as usize
}

fn overlay(area: Rect) -> Rect {
    // The header stays visible above, the footer below.
    Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    }
}

pub fn draw(frame: &mut Frame, area: Rect, pane: &LogPane, theme: &Theme) {
    let area = overlay(area);
    let mut pane = pane.clone();
    let rows = rows(frame.area());
    let top = pane.top(rows);
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let status = match &pane.state {
        LogState::Loading => "reading…".to_string(),
        LogState::Failed(_) => "not available".to_string(),
        LogState::Ready(log) if log.lines.is_empty() => "empty".to_string(),
        LogState::Ready(log) => {
            let shown_to = (top + rows).min(log.lines.len());
            let errors = log.lines.iter().filter(|l| l.error).count();
            format!(
                "lines {}-{shown_to} of {}{}{}",
                top + 1,
                log.lines.len(),
                if log.cut { " (its last 64 KiB)" } else { "" },
                match errors {
                    0 => String::new(),
                    n => format!(" · {n} {ERROR_GLYPH}"),
                }
            )
        }
    };
    lines.push(Line::from(Span::styled(fit(&status, width), theme.muted())));
    match &pane.state {
        LogState::Loading => lines.push(Line::from("fetching the log of the failed job…")),
        LogState::Failed(reason) => {
            lines.push(Line::from(Span::styled(
                fit(&format!("cannot show the log: {reason}"), width),
                theme.status(PipelineStatus::Failing),
            )));
        }
        LogState::Ready(log) => {
            for line in log.lines.iter().skip(top).take(rows) {
                lines.push(render_line(line, width, theme));
            }
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(PipelineStatus::Failing))
        .title(Line::from(Span::styled(
            fit(&format!(" log · {} ", pane.title), width),
            theme.accent().add_modifier(Modifier::BOLD),
        )))
        .title_bottom(Line::from(Span::styled(
            " j/k ↑/↓ scroll · PgUp/PgDn · g/G top/end · Esc close ",
            theme.muted(),
        )));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_line<'a>(line: &'a crate::logs::LogLine, width: usize, theme: &Theme) -> Line<'a> {
    let error_style = theme
        .status(PipelineStatus::Failing)
        .add_modifier(Modifier::BOLD);
    let mut spans = vec![if line.error {
        Span::styled(format!("{ERROR_GLYPH} "), error_style)
    } else {
        Span::raw("  ")
    }];
    let mut room = width.saturating_sub(2);
    for span in &line.spans {
        if room == 0 {
            break;
        }
        let text: String = span.text.chars().take(room).collect();
        room -= text.chars().count();
        let style = if line.error {
            error_style
        } else {
            log_style(span.style, theme)
        };
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

/// The log's own colours, except on a monochrome screen, which keeps only the emphasis.
fn log_style(style: Style, theme: &Theme) -> Style {
    if theme.monochrome {
        Style {
            fg: None,
            bg: None,
            ..style
        }
    } else {
        style
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::text::clean;

    fn pane(raw: &str) -> LogPane {
        LogPane::new(
            None,
            "x".into(),
            LogState::Ready(Arc::new(clean(raw.as_bytes(), false, &[]))),
        )
    }

    #[test]
    fn opens_on_the_last_error_with_context_and_clamps_scrolling() {
        let mut raw = String::new();
        for i in 0..50 {
            raw.push_str(&format!("line {i}\n"));
        }
        raw.push_str("error: boom\n");
        for i in 0..30 {
            raw.push_str(&format!("cleanup {i}\n"));
        }
        let mut p = pane(&raw);
        // Error at index 50; 3 lines below it; 10 rows: top is 44.
        assert_eq!(p.top(10), 44);
        p.offset = -1000;
        assert_eq!(p.top(10), 0);
        assert_eq!(p.offset, -44, "pulled back inside the log");
        p.offset = 1000;
        assert_eq!(p.top(10), 71, "the end: 81 lines, 10 rows");
    }

    #[test]
    fn a_log_without_errors_opens_at_its_end_and_a_short_one_at_its_top() {
        let raw: String = (0..30).map(|i| format!("ok {i}\n")).collect();
        assert_eq!(pane(&raw).top(10), 20);
        assert_eq!(pane("one\ntwo\n").top(10), 0);
    }
}
