//! Keys and the definitions behind every figure on the screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use crate::view::ViewModel;

/// `scroll` rows are skipped from the top, for small terminals; no further than where the last
/// row shows at the bottom.
pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, scroll: u16, theme: &Theme) {
    let popup = popup(area);
    let block = block();
    let text = text(view, theme);
    let scroll = scroll.min(rows_below(&text, block.inner(popup)));
    let help = text.scroll((scroll, 0)).block(block);
    frame.render_widget(Clear, popup);
    frame.render_widget(help, popup);
}

/// The most rows the help in `area` can be scrolled down by: j goes no further.
pub fn max_scroll(view: &ViewModel, theme: &Theme, area: Rect) -> u16 {
    rows_below(&text(view, theme), block().inner(popup(area)))
}

/// The help's box: nine tenths of the screen each way, in its middle.
fn popup(area: Rect) -> Rect {
    let [popup] = Layout::horizontal([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(popup);
    popup
}

fn block() -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(" andon help ")
        .title_bottom(" j k scroll · Esc close ")
}

fn text(view: &ViewModel, theme: &Theme) -> Paragraph<'static> {
    Paragraph::new(lines(view, theme)).wrap(Wrap { trim: true })
}

/// The wrapped text's rows that do not fit `inner` below its first screenful.
fn rows_below(text: &Paragraph, inner: Rect) -> u16 {
    let rows = text.line_count(inner.width);
    u16::try_from(rows.saturating_sub(usize::from(inner.height))).unwrap_or(u16::MAX)
}

fn lines(view: &ViewModel, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled("Keys", theme.accent()),
        Line::from("q Esc Ctrl-C quit · ? help · r refresh now · Tab j k select · Enter open"),
        Line::from("/ find by name · g hide green · n p next and previous page · Space pause"),
        Line::from("s DORA keys per service, worst first, and data quality (j/k scroll)"),
        Line::from("l the failed job's log · a someone is on it (again: take it back) · t trends"),
        Line::from("Ctrl-Z suspend to the shell (fg brings the board back)"),
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
    for (key, definition) in NEWER_KEYS {
        lines.push(Line::from(format!("{key}: {definition}.")));
    }
    lines.push(Line::styled(
        format!(
            "  rework rules on: {}; recovery tiers use the restore thresholds",
            view.dora.rework_rules.words().join(", ")
        ),
        theme.muted(),
    ));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!(
            "DORA 2025 scores, 0 to 10 as DORA's Quick Check scores them, against the {} \
             benchmark of the 2025 survey (mean ± sd, higher is better)",
            view.dora.scores.industry_name
        ),
        theme.accent(),
    ));
    for band in crate::dora::scores::BAND_HELP {
        lines.push(Line::styled(format!("  {band}"), theme.muted()));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Value stream and escalation", theme.accent()));
    for line in VALUE_STREAM_HELP {
        lines.push(Line::styled(format!("  {line}"), theme.muted()));
    }
    lines.push(Line::styled(
        match view.andon.escalate_after {
            Some(limit) => format!(
                "  ESCALATED: the line has been red for {} or longer ([andon] escalate_after); \
                 red since = the earliest failing-since of the red pipelines",
                crate::format::duration(limit.as_secs() as f64)
            ),
            None => "  ESCALATED: off; [andon] escalate_after = \"30m\" escalates a line red \
                     that long"
                .to_string(),
        },
        theme.muted(),
    ));
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
    lines
}

/// The keys DORA added since 2023, defined as computed.
const NEWER_KEYS: [(&str, &str); 2] = [
    (
        "Deployment rework rate",
        "deployments in the window that were unplanned, over all deployments; each counts \
         once, by its rule: marked (the source says revert or hotfix), rollback (back to a \
         version delivered before, not the one just before it), fix (finished while an \
         incident of its service was open)",
    ),
    (
        "Failed deployment recovery time",
        "for each failed deployment (one with an incident attributed) whose incidents are \
         all resolved in the window: the last resolution minus the deployment's finish; median",
    ),
];

const VALUE_STREAM_HELP: [&str; 3] = [
    "PT process time: median time in the stage · WT wait time: median time queued for it · \
     C/A: share of the stage's finished runs that passed (a failed run is work done again)",
    "Rolling %C/A: the product of the stages' C/A · activity ratio: time some stage was busy \
     over the runs' whole time, queues included, parallel jobs counted once",
    "A source that gives no stages, stage times or queue times is named with what it cannot give",
];

/// What the flow marks on the board mean.
fn board_legend() -> String {
    use crate::format::{BREACH_GLYPH, CONSTRAINT_GLYPH, FLAKY_GLYPH};
    format!(
        "{CONSTRAINT_GLYPH} constraint: the stage where work waits longest (median queue time, \
         else duration) · {BREACH_GLYPH} over the column's WIP limit · {FLAKY_GLYPH} flaky: a run \
         failed, then passed on the same commit · pass 17/20: passed of the last finished runs"
    )
}
