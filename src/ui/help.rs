//! Keys and the definitions behind every figure on the screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use crate::view::ViewModel;

/// `scroll` lines are skipped from the top (at most all but the last), for small terminals.
pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, scroll: u16, theme: &Theme) {
    let [popup] = Layout::horizontal([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(popup);
    let mut lines = vec![
        Line::styled("Keys", theme.accent()),
        Line::from("q Esc Ctrl-C quit · ? help · r refresh now · Tab j k select · Enter open"),
        Line::from("/ find by name · g hide green · n p next and previous page · Space pause"),
        Line::from("s DORA keys per service, worst first, and data quality"),
        Line::from("l the failed job's log · a someone is on it (again: take it back) · t trends"),
        Line::from(crate::format::LEGEND),
        Line::from(board_legend()),
        Line::from(""),
        Line::styled(
            format!(
                "Definitions (window {:.0} days, DORA {} tiers)",
                view.dora.window_days,
                view.dora.benchmark.label()
            ),
            theme.accent(),
        ),
    ];
    for key in crate::dora::tier_thresholds(view.dora.benchmark) {
        lines.push(Line::from(format!("{}: {}.", key.key, key.definition)));
        lines.push(Line::styled(
            format!("  {}", key.tiers.join(" · ")),
            theme.muted(),
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!(
            "Trend: against the previous {:.0} days; ▲ rose ▼ fell = same (rounds to 0); \
             better/worse knows lower lead time, fail rate and restore time are better; \
             fail rate moves in percentage points (pp). Low sample: n < {}.",
            view.dora.window_days,
            crate::dora::LOW_SAMPLE
        ),
        theme.muted(),
    ));
    lines.push(Line::styled(
        "N/A means no data (the reason is shown); it is never 0.",
        theme.muted(),
    ));
    for line in super::services::quality_lines(view) {
        lines.push(Line::styled(line, theme.muted()));
    }
    let scroll = scroll.min(lines.len().saturating_sub(1) as u16);
    let help = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .scroll((scroll, 0))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(" andon help ")
                .title_bottom(" j k scroll · Esc close "),
        );
    frame.render_widget(Clear, popup);
    frame.render_widget(help, popup);
}

/// What the flow marks on the board mean.
fn board_legend() -> String {
    use crate::format::{BREACH_GLYPH, CONSTRAINT_GLYPH, FLAKY_GLYPH};
    format!(
        "{CONSTRAINT_GLYPH} constraint: the stage where work waits longest (median queue time, \
         else duration) · {BREACH_GLYPH} over the column's WIP limit · {FLAKY_GLYPH} flaky: a run \
         failed, then passed on the same commit · pass 17/20: passed of the last finished runs"
    )
}
