//! The Kanban board: stages as columns left to right, a card per pipeline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Theme, fit};
use crate::format::{BUILDING_GLYPH, status_glyph};
use crate::view::{PipelineView, ViewModel};

const CARD_LINES: u16 = 2;

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    selected: Option<usize>,
    theme: &Theme,
) {
    if view.columns.is_empty() {
        let empty = Paragraph::new(" no pipelines yet").style(theme.muted());
        frame.render_widget(empty, area);
        return;
    }
    let constraints = vec![Constraint::Fill(1); view.columns.len()];
    let areas = Layout::horizontal(constraints).split(area);
    for (column, (name, column_area)) in view.columns.iter().zip(areas.iter()).enumerate() {
        let cards: Vec<(usize, &PipelineView)> = view.cards_in(column).collect();
        let title = format!(" {name} {} ", cards.len());
        let block = Block::default()
            .borders(Borders::TOP | Borders::LEFT)
            .title(Span::styled(title, theme.accent()))
            .border_style(theme.muted());
        let inner = block.inner(*column_area);
        frame.render_widget(block, *column_area);
        draw_cards(frame, inner, &cards, selected, theme);
    }
}

fn draw_cards(
    frame: &mut Frame,
    area: Rect,
    cards: &[(usize, &PipelineView)],
    selected: Option<usize>,
    theme: &Theme,
) {
    let width = area.width as usize;
    let capacity = (area.height / CARD_LINES) as usize;
    let overflow = cards.len() > capacity;
    let shown = if overflow {
        capacity.saturating_sub(1)
    } else {
        cards.len()
    };
    let mut lines = Vec::new();
    for (index, card) in cards.iter().take(shown) {
        let highlight = if Some(*index) == selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        let status = theme.status(card.status);
        let name = format!("{} {}", status_glyph(card.status), card.name);
        lines.push(Line::from(Span::styled(
            fit(&name, width),
            status.patch(highlight),
        )));
        let mut detail = format!("  {}", card.status.word());
        if card.building {
            detail.push_str(&format!(" {BUILDING_GLYPH}"));
        }
        if let Some(label) = &card.label {
            detail.push_str(&format!(" {label}"));
        }
        if !card.breakers.is_empty() {
            detail.push_str(&format!(" by {}", card.breakers.join(", ")));
        }
        let detail_style = if card.building {
            theme.building()
        } else {
            theme.muted()
        };
        lines.push(Line::from(Span::styled(
            fit(&detail, width),
            detail_style.patch(highlight),
        )));
    }
    if overflow {
        let hidden = cards.len() - shown;
        let failing_hidden = cards[shown..]
            .iter()
            .filter(|(_, c)| c.status == crate::view::PipelineStatus::Failing)
            .count();
        let mut more = format!("+{hidden} more");
        if failing_hidden > 0 {
            more.push_str(&format!(" ({failing_hidden} failing)"));
        }
        lines.push(Line::from(Span::styled(fit(&more, width), theme.muted())));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
