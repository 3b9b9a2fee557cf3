//! The four DORA tiles: value, tier as text, and the evidence (n).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, fit};
use crate::format::key_figures;
use crate::view::ViewModel;

pub const HEIGHT: u16 = 4;

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let areas = Layout::horizontal([Constraint::Fill(1); 4]).split(area);
    let window = format!("{:.0}d", view.dora.window_days);
    for (figure, tile) in key_figures(&view.dora).iter().zip(areas.iter()) {
        let block = Block::default()
            .borders(Borders::TOP | Borders::LEFT)
            .border_style(theme.muted())
            .title(Span::styled(
                format!(" {} {window} ", figure.short_name),
                theme.accent(),
            ));
        let inner = block.inner(*tile);
        frame.render_widget(block, *tile);
        let not_available = figure.value.starts_with("N/A");
        let value_lines = if not_available { 2 } else { 1 };
        let [value_area, evidence_area] =
            Layout::vertical([Constraint::Length(value_lines), Constraint::Min(0)]).areas(inner);
        let value = if not_available {
            Paragraph::new(Span::styled(figure.value.clone(), theme.muted()))
                .wrap(Wrap { trim: true })
        } else {
            Paragraph::new(Line::from(vec![
                Span::styled(figure.value.clone(), theme.accent()),
                Span::raw(format!(" ({})", figure.tier)),
            ]))
        };
        frame.render_widget(value, value_area);
        let width = inner.width as usize;
        let evidence: Vec<Line> = figure
            .evidence
            .iter()
            .map(|line| Line::styled(fit(line, width), theme.muted()))
            .collect();
        frame.render_widget(Paragraph::new(evidence), evidence_area);
    }
}
