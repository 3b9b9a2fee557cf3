//! The Andon banner: the one thing readable from across the room.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Screen, Size, Theme, bigtext, fit};
use crate::format::andon_glyph;
use crate::view::{AndonState, ViewModel};

/// Cause lines shown under a big banner before "+N more".
const BIG_CAUSES: usize = 4;

fn wants_big(screen: &Screen, size: Size) -> bool {
    size == Size::Wall || screen.kiosk
}

/// Block letters for the headline, if this screen wants them and they fit.
fn big_rows(view: &ViewModel, screen: &Screen, size: Size, area: Rect) -> Option<Vec<String>> {
    if !wants_big(screen, size) {
        return None;
    }
    let max_height = (area.height as usize / 4).max(5);
    bigtext::render(
        view.andon.headline,
        area.width.saturating_sub(4) as usize,
        max_height,
    )
}

fn lines_below(view: &ViewModel, screen: &Screen) -> usize {
    view.andon.causes.len() + screen.notices.len()
}

/// Rows the banner takes on a screen of `area`.
pub fn height(view: &ViewModel, screen: &Screen, size: Size, area: Rect) -> u16 {
    match big_rows(view, screen, size, area) {
        Some(rows) => {
            // On a small kiosk screen the board needs the rows more than a long list of causes.
            let most = if area.height < 30 { 2 } else { BIG_CAUSES + 1 };
            (rows.len() + 2 + lines_below(view, screen).min(most)) as u16
        }
        // The Kanban screen has room for a couple more causes than 80x24.
        None if size == Size::Standard => (1 + lines_below(view, screen).min(4)).max(3) as u16,
        None => 3,
    }
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    screen: &Screen,
    size: Size,
    theme: &Theme,
) {
    let andon = &view.andon;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let big = big_rows(view, screen, size, frame.area());
    if let Some(rows) = &big {
        lines.push(Line::from(""));
        lines.extend(rows.iter().map(|r| Line::from(r.clone())));
        lines.push(Line::from(""));
    } else {
        let headline = format!(
            "{} {} {}",
            andon_glyph(andon.state),
            andon.headline,
            andon_glyph(andon.state)
        );
        lines.push(Line::from(fit(&headline, width)));
    }
    let room = (area.height as usize).saturating_sub(lines.len());
    let below: Vec<&String> = screen.notices.iter().chain(andon.causes.iter()).collect();
    let shown = if below.len() > room {
        room.saturating_sub(1)
    } else {
        room
    };
    for text in below.iter().take(shown) {
        lines.push(Line::from(fit(text, width)));
    }
    if below.len() > shown {
        lines.push(Line::from(format!("+{} more", below.len() - shown)));
    }
    let style = if andon.escalated() {
        theme.escalated()
    } else {
        theme.banner(andon.state)
    };
    let banner = Paragraph::new(lines)
        .alignment(Alignment::Center)
        .style(style);
    frame.render_widget(banner, area);
}

/// Hide-green with nothing to hide: the whole board says so, big and calm.
pub fn draw_all_green(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    screen: &Screen,
    theme: &Theme,
) {
    let width = area.width.saturating_sub(4) as usize;
    let rows = bigtext::render("ALL GREEN", width, (area.height as usize / 2).max(5));
    let mut lines: Vec<Line> = Vec::new();
    let text_height = rows.as_ref().map_or(1, Vec::len) + 2 + screen.notices.len();
    let top = (area.height as usize).saturating_sub(text_height) / 2;
    lines.extend((0..top).map(|_| Line::from("")));
    match rows {
        Some(rows) => lines.extend(rows.into_iter().map(Line::from)),
        None => lines.push(Line::from(format!(
            "{0} ALL GREEN {0}",
            andon_glyph(AndonState::Green)
        ))),
    }
    lines.push(Line::from(""));
    for cause in &view.andon.causes {
        lines.push(Line::from(fit(
            &format!("{} · nothing needs attention", cause),
            width,
        )));
    }
    for notice in &screen.notices {
        lines.push(Line::from(fit(notice, width)));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .style(theme.banner(AndonState::Green)),
        area,
    );
}
