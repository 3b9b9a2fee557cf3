//! The value-stream line under the board's columns: each stage's process time, wait time and
//! %C/A, then rolling %C/A, the activity ratio and what a source cannot report.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::dora_text;
use crate::view::ViewModel;

/// Rows the line takes, when the board has room for it.
pub const HEIGHT: u16 = 2;
/// The board keeps at least this many rows for its cards.
pub const MIN_BOARD_ROWS: u16 = 12;

/// The stages, "→" between them, and the summary with what the sources cannot report. When no
/// stage has a figure: "Value stream: N/A — demo ci reports no stages", once.
pub fn lines(view: &ViewModel) -> [String; 2] {
    let vs = &view.flow.value_stream;
    let nothing = vs.stages.iter().all(|s| {
        s.process_seconds.is_none() && s.wait_seconds.is_none() && s.complete_accurate.is_none()
    }) && vs.rolling_complete_accurate.is_none()
        && vs.activity_ratio.ratio.is_none();
    if nothing {
        let why: Vec<String> = vs
            .cannot_report
            .iter()
            .map(|line| {
                let short = line.split(" (").next().unwrap_or(line);
                short.replacen(": ", " ", 1)
            })
            .collect();
        let why = if why.is_empty() {
            "no stage has run yet".to_string()
        } else {
            why.join(" · ")
        };
        return [format!(" Value stream: N/A — {why}"), String::new()];
    }
    let stages: Vec<String> = vs.stages.iter().map(dora_text::value_stage).collect();
    let mut summary = dora_text::value_summary(vs);
    for line in &vs.cannot_report {
        summary.push_str(" · ");
        summary.push_str(line);
    }
    [
        format!(" Value stream: {}", stages.join(" → ")),
        format!(" {summary}"),
    ]
}

/// The parts of `line` (between " → " or " · ") that fit `width`, whole; never a cut word.
fn fit_whole(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        let next = [" → ", " · "]
            .iter()
            .filter_map(|sep| rest.find(sep).map(|i| (i, sep.len())))
            .min();
        let (part, after) = match next {
            Some((i, len)) => (&rest[..i], &rest[i + len..]),
            None => (rest, ""),
        };
        let candidate_len = out.chars().count() + part.chars().count() + 3;
        if !out.is_empty() && candidate_len > width {
            break;
        }
        if out.is_empty() && part.chars().count() > width {
            return super::dora::wrap(part, width)
                .into_iter()
                .next()
                .unwrap_or_default();
        }
        let consumed = line.len() - rest.len() + part.len();
        out = line[..consumed].to_string();
        rest = after;
    }
    out
}

/// The stages' line in `width`: every stage when they fit; else the stages with a figure, in
/// order, and how many stages say N/A; else as many of those as fit and how many more there
/// are. A stage is never dropped without a word: the summary under it may come from it.
fn stages_line(view: &ViewModel, all: &str, width: usize) -> String {
    let vs = &view.flow.value_stream;
    if all.chars().count() <= width || vs.stages.is_empty() {
        return fit_whole(all, width);
    }
    let with_figure: Vec<String> = vs
        .stages
        .iter()
        .filter(|s| {
            s.process_seconds.is_some() || s.wait_seconds.is_some() || s.complete_accurate.is_some()
        })
        .map(dora_text::value_stage)
        .collect();
    let line = |shown: &[String], more: usize| {
        let mut text = " Value stream:".to_string();
        if !shown.is_empty() {
            text.push(' ');
            text.push_str(&shown.join(" → "));
        }
        if more > 0 && shown.len() == with_figure.len() {
            text.push_str(&format!(" · {more} more N/A"));
        } else if more > 0 {
            text.push_str(&format!(" · +{more} more"));
        }
        text
    };
    for shown in (0..=with_figure.len()).rev() {
        let text = line(&with_figure[..shown], vs.stages.len() - shown);
        if text.chars().count() <= width {
            return text;
        }
    }
    fit_whole(all, width)
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let width = area.width as usize;
    let [stages, summary] = lines(view);
    let text = vec![
        Line::styled(stages_line(view, &stages, width), theme.muted()),
        Line::styled(fit_whole(&summary, width), theme.muted()),
    ];
    frame.render_widget(Paragraph::new(text), area);
}
