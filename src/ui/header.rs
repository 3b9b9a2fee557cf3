use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Screen, Theme};
use crate::view::ViewModel;

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, screen: &Screen, theme: &Theme) {
    let clock = view.now.format("%a %d %b %H:%M UTC").to_string();
    let [left, right] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(clock.chars().count() as u16 + 1),
    ])
    .areas(area);
    let mut title = vec![Span::styled(format!(" {}", view.title), theme.accent())];
    if view.demo {
        title.push(Span::styled("  DEMO DATA", theme.building()));
    }
    let insecure = crate::view::insecure_sources(view);
    if !insecure.is_empty() {
        title.push(Span::styled(
            format!("  ⚠ TLS NOT VERIFIED: {}", insecure.join(", ")),
            theme.status(crate::view::PipelineStatus::Failing),
        ));
    }
    if let Some(page) = &screen.page {
        let paused = if screen.paused { " ⏸ paused" } else { "" };
        title.push(Span::styled(
            format!(
                "  ▸ {} {}/{}{paused}",
                page.name,
                page.index + 1,
                page.count
            ),
            theme.accent(),
        ));
    }
    if screen.hide_green {
        title.push(Span::styled("  needs attention only", theme.muted()));
    }
    if !screen.filter.is_empty() && !screen.filtering() {
        title.push(Span::styled(
            format!("  filter: {}", screen.filter),
            theme.building(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(title)), left);
    frame.render_widget(
        Paragraph::new(Line::from(clock)).alignment(ratatui::layout::Alignment::Right),
        right,
    );
}
