//! The DORA tiles: the four keys the radiator always showed and the two DORA added since
//! 2023 (rework rate, failed deployment recovery time), each with value, tier as text, trend
//! against the previous window, the evidence (n), and where there is room a daily sparkline
//! with a marker under each day with a deploy; under them, the 2025 scores.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, fit};
use crate::dora::Series;
use crate::dora_text;
use crate::format::{KeyFigure, key_figures};
use crate::view::ViewModel;

pub const HEIGHT: u16 = 7;
pub const COMPACT_HEIGHT: u16 = 5;
pub const WALL_HEIGHT: u16 = 8;

/// The six figures in tile order.
fn figures(view: &ViewModel) -> Vec<KeyFigure> {
    let mut figures = key_figures(&view.dora).to_vec();
    figures.extend(dora_text::report_newer_figures(&view.dora));
    figures
}

/// "2025 scores vs All industries: overall 8.6 (6.7±1.2) · ..." (benchmarks as mean±sd).
pub fn scores_line(view: &ViewModel) -> String {
    let scores = &view.dora.scores;
    format!(
        "2025 scores vs {}: {}",
        scores.industry_name,
        dora_text::group_scores(scores)
    )
}

/// Marks a day (or a group of days) with at least one deploy, under the sparkline.
pub const DEPLOY_MARKER: char = '▴';
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Block characters for the values, oldest left; several days share a column when the
/// window has more days than `width`. A day without a figure is blank, never a zero bar.
pub fn sparkline(values: &[Option<f64>], width: usize) -> String {
    let columns = group(values, width, |group| {
        let present: Vec<f64> = group.iter().flatten().copied().collect();
        (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
    });
    let max = columns.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
    columns
        .iter()
        .map(|value| match value {
            None => ' ',
            Some(_) if max <= 0.0 => LEVELS[0],
            Some(v) => LEVELS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

/// `DEPLOY_MARKER` under each column of `sparkline` with a deploy in it.
pub fn deploy_markers(series: &Series, width: usize) -> String {
    let days: Vec<Option<f64>> = series
        .deployments
        .iter()
        .map(|&n| (n > 0).then_some(n as f64))
        .collect();
    group(&days, width, |group| group.iter().flatten().next().copied())
        .iter()
        .map(|day| if day.is_some() { DEPLOY_MARKER } else { ' ' })
        .collect()
}

fn group(
    values: &[Option<f64>],
    width: usize,
    combine: impl Fn(&[Option<f64>]) -> Option<f64>,
) -> Vec<Option<f64>> {
    if width == 0 || values.is_empty() {
        return Vec::new();
    }
    values
        .chunks(values.len().div_ceil(width))
        .map(combine)
        .collect()
}

/// Each key's daily values, in tile order: deploys, median lead time, failure rate, median
/// restore time, rework rate, median recovery time.
fn daily(series: &Series) -> [Vec<Option<f64>>; 6] {
    [
        series
            .deployments
            .iter()
            .map(|&n| (n > 0).then_some(n as f64))
            .collect(),
        series.lead_time_seconds.clone(),
        series.change_failure_rate.clone(),
        series.time_to_restore_seconds.clone(),
        series.deployment_rework_rate.clone(),
        series.failed_deployment_recovery_time_seconds.clone(),
    ]
}

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
    let figures = figures(view);
    let cell = |f: &crate::format::KeyFigure| -> Vec<Span<'static>> {
        let name = format!(" {:<11} ", f.short_name);
        if f.value.starts_with("N/A") {
            let text = fit(&format!("{name}{}", f.value), half);
            return vec![Span::styled(text, theme.muted())];
        }
        let value = format!("{} ({}) {}{}", f.value, f.tier, f.trend.arrow, f.trend.word);
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
    lines.push(Line::styled(
        fit(&compact_scores(view), inner.width as usize),
        theme.muted(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// "2025 score 8.6 (all 6.7±1.2) · thru 8 · stab 9.5": the scores at 80 columns.
fn compact_scores(view: &ViewModel) -> String {
    let s = &view.dora.scores;
    let n = |g: &Option<crate::dora::GroupScore>| {
        g.as_ref()
            .map_or_else(|| "N/A".to_string(), |g| dora_text::number(g.score))
    };
    let bench = s.overall.as_ref().map_or(String::new(), |g| {
        format!(
            " ({} {:.1}±{:.1})",
            s.industry, g.benchmark.mean, g.benchmark.sd
        )
    });
    format!(
        " 2025 score {}{bench} · throughput {} · stability {}",
        n(&s.overall),
        n(&s.throughput),
        n(&s.stability)
    )
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let [area, scores_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(
            fit(
                &format!(" {}", scores_line(view)),
                scores_area.width as usize,
            ),
            theme.muted(),
        )),
        scores_area,
    );
    let areas = Layout::horizontal([Constraint::Fill(1); 6]).split(area);
    let window = format!("{:.0}d", view.dora.window_days);
    let daily = daily(&view.dora.series);
    let older_scores = dora_text::older_key_scores(&view.dora.scores);
    let mut figures = figures(view);
    for (figure, score) in figures.iter_mut().zip(older_scores) {
        figure.evidence.extend(score);
    }
    for ((figure, tile), values) in figures.iter().zip(areas.iter()).zip(daily.iter()) {
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
        let spark_lines = if inner.height >= value_lines + 4 {
            2
        } else {
            0
        };
        let [value_area, trend_area, evidence_area, spark_area] = Layout::vertical([
            Constraint::Length(value_lines),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(spark_lines),
        ])
        .areas(inner);
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
        let trend = Line::from(vec![
            Span::styled(fit(&figure.trend.long(), width), theme.accent()),
            Span::styled(
                fit(
                    " vs previous",
                    width.saturating_sub(figure.trend.long().chars().count()),
                ),
                theme.muted(),
            ),
        ]);
        frame.render_widget(Paragraph::new(trend), trend_area);
        if spark_lines > 0 {
            let spark_width = width.saturating_sub(1);
            let lines = vec![
                Line::styled(sparkline(values, spark_width), theme.accent()),
                Line::styled(
                    deploy_markers(&view.dora.series, spark_width),
                    theme.muted(),
                ),
            ];
            frame.render_widget(Paragraph::new(lines), spark_area);
        }
    }
}
