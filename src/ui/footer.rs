//! Each source's freshness, and the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::state::Freshness;
use crate::view::{PipelineStatus, ViewModel};

const KEYS: &str = "? help  q quit ";

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(KEYS.len() as u16)])
            .areas(area);
    let mut spans = vec![Span::raw(" ")];
    for source in &view.sources {
        let (glyph, style) = match source.state {
            Freshness::Ok => ("●", theme.status(PipelineStatus::Passing)),
            Freshness::Pending => ("…", theme.muted()),
            Freshness::Stale => ("⌛", theme.status(PipelineStatus::Stale)),
            Freshness::Error => ("✗", theme.status(PipelineStatus::Failing)),
        };
        // "✗ gocd error 3m: connection refused", "⌛ jenkins stale 12m", "● demo ok 02:30:57".
        let mut text = format!("{glyph} {} {}", source.name, source.summary);
        if let (Freshness::Ok, Some(at)) = (source.state, source.last_success) {
            text.push_str(&format!(" {}", at.format("%H:%M:%S")));
        }
        spans.push(Span::styled(text, style));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(Span::styled(KEYS, theme.muted())), right);
}
