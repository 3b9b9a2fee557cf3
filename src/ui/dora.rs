//! The four DORA tiles: value, tier as text, and the evidence (n).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, fit};
use crate::format::key_figures;
use crate::view::ViewModel;

pub const HEIGHT: u16 = 4;
pub const COMPACT_HEIGHT: u16 = 3;
pub const WALL_HEIGHT: u16 = 5;

/// Compact: a title rule and two keys per line.
pub fn draw_compact(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.muted())
        .title(Span::styled(
            format!(" DORA {:.0}d ", view.dora.window_days),
            theme.accent(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let half = (inner.width / 2) as usize;
    let figures = key_figures(&view.dora);
    let cell = |f: &crate::format::KeyFigure| -> Vec<Span<'static>> {
        let name = format!(" {:<11} ", f.short_name);
        if f.value.starts_with("N/A") {
            let text = fit(&format!("{name}{}", f.value), half);
            return vec![Span::styled(text, theme.muted())];
        }
        let value = format!("{} ({})", f.value, f.tier);
        let evidence = f.evidence.first().cloned().unwrap_or_default();
        let used = name.chars().count() + value.chars().count();
        vec![
            Span::raw(name),
            Span::styled(value, theme.accent()),
            Span::styled(
                fit(&format!(" {evidence}"), half.saturating_sub(used)),
                theme.muted(),
            ),
        ]
    };
    let mut lines = Vec::new();
    for pair in figures.chunks(2) {
        let mut left = cell(&pair[0]);
        let used: usize = left.iter().map(|s| s.content.chars().count()).sum();
        left.push(Span::raw(" ".repeat(half.saturating_sub(used))));
        left.extend(cell(&pair[1]));
        lines.push(Line::from(left));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

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
