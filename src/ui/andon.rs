//! The Andon banner: the one thing readable from across the room.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Theme, fit};
use crate::format::andon_glyph;
use crate::view::ViewModel;

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let andon = &view.andon;
    let width = area.width.saturating_sub(2) as usize;
    let headline = format!(
        "{} {} {}",
        andon_glyph(andon.state),
        andon.headline,
        andon_glyph(andon.state)
    );
    let mut lines = vec![Line::from(fit(&headline, width))];
    let room = area.height.saturating_sub(1) as usize;
    let shown = if andon.causes.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    for cause in andon.causes.iter().take(shown) {
        lines.push(Line::from(fit(cause, width)));
    }
    if andon.causes.len() > shown {
        lines.push(Line::from(format!("+{} more", andon.causes.len() - shown)));
    }
    let banner = Paragraph::new(lines)
        .alignment(Alignment::Center)
        .style(theme.banner(andon.state));
    frame.render_widget(banner, area);
}
