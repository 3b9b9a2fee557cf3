//! The trends view (`t`, or a `kind = "trends"` page): each DORA key over the last twelve
//! weeks as a bar chart, the tier thresholds drawn across it and labelled, each week's
//! deployments (▴) and incidents (✗) marked under it. Every bar's tier is in its colour and the
//! latest figure and tier are written in the title, so colour is never the only carrier.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, fit};
use crate::dora::{Benchmark, Tier, TrendKey, Week, Weekly};
use crate::view::{PipelineStatus, ViewModel};

pub const DEPLOY_GLYPH: &str = "▴";
pub const INCIDENT_GLYPH: &str = "✗";
const THRESHOLD: char = '┈';
const EIGHTHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Width of the value labels left of a chart.
const LABEL_WIDTH: u16 = 7;

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    frame.render_widget(Clear, area);
    let Some(weekly) = &view.trends else {
        frame.render_widget(Paragraph::new("trends: no data yet"), area);
        return;
    };
    // Six side by side on a very wide, low screen; three by two on a wide one; else two by three.
    let (columns, rows) = if area.width >= 240 && area.height < 40 {
        (6, 1)
    } else if area.width >= 150 && area.height < 60 {
        (3, 2)
    } else {
        (2, 3)
    };
    let cells: Vec<Rect> = Layout::vertical(vec![Constraint::Fill(1); rows])
        .split(area)
        .iter()
        .flat_map(|row| {
            Layout::horizontal(vec![Constraint::Fill(1); columns])
                .split(*row)
                .to_vec()
        })
        .collect();
    for (key, cell) in TrendKey::ALL.iter().zip(cells) {
        draw_key(frame, cell, *key, weekly, theme);
    }
}

/// "3.0 days (high)", "2.1 d (elite)", "no data".
pub fn figure(key: TrendKey, week: &Week) -> String {
    let Some(value) = key.value(week) else {
        return "no data".to_string();
    };
    let tier = key
        .tier(week)
        .map(|t| format!(" ({})", t.word()))
        .unwrap_or_default();
    format!("{}{tier}", label(key, value))
}

/// A value in the chart's unit as a short label: "5 d/wk", "1 wk", "15%".
pub fn label(key: TrendKey, value: f64) -> String {
    match key {
        TrendKey::DeploymentFrequency if value >= 1.0 || value == 0.0 => {
            format!("{value:.0} d/wk")
        }
        TrendKey::DeploymentFrequency => format!("{:.0}/mo", value * 30.0 / 7.0),
        TrendKey::ChangeFailureRate | TrendKey::DeploymentReworkRate => {
            format!("{:.0}%", value * 100.0)
        }
        TrendKey::LeadTime | TrendKey::TimeToRestore | TrendKey::FailedDeploymentRecoveryTime => {
            span(value)
        }
    }
}

fn span(seconds: f64) -> String {
    const DAY: f64 = 86_400.0;
    if seconds >= 28.0 * DAY {
        format!("{:.0} d", seconds / DAY)
    } else if (seconds - 7.0 * DAY).abs() < 1.0 {
        "1 wk".to_string()
    } else {
        crate::format::duration(seconds).replace(".0 ", " ")
    }
}

/// A chart's vertical scale: values to a fraction of its height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    low: f64,
    high: f64,
    log: bool,
}

impl Scale {
    pub fn of(key: TrendKey, benchmark: Benchmark, values: &[Option<f64>]) -> Scale {
        let thresholds = key.thresholds(benchmark);
        let present = values.iter().flatten().copied().filter(|v| v.is_finite());
        let max = present.clone().fold(1.0, f64::max);
        let min = present.fold(f64::MAX, f64::min);
        match key {
            TrendKey::DeploymentFrequency => Scale {
                low: 0.0,
                high: 7.0,
                log: false,
            },
            // Twice the lowest tier's limit: the thresholds stay apart, and a worse week fills
            // its column to the top (its figure is in the title and the markers).
            TrendKey::ChangeFailureRate | TrendKey::DeploymentReworkRate => Scale {
                low: 0.0,
                high: thresholds[2] * 2.0,
                log: false,
            },
            _ => {
                let low = (thresholds[0] / 4.0).min(min / 2.0).max(1.0);
                let high = (thresholds[2] * 2.0).max(max * 1.5);
                Scale {
                    low: low.log10(),
                    high: high.log10(),
                    log: true,
                }
            }
        }
    }

    /// 0 at the bottom, 1 at the top.
    pub fn fraction(&self, value: f64) -> f64 {
        let v = if self.log {
            value.max(1e-9).log10()
        } else {
            value
        };
        ((v - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
    }

    /// A bar's height in eighths of a row, out of `rows` rows. A value above zero shows at
    /// least a sliver.
    pub fn eighths(&self, value: f64, rows: u16) -> u16 {
        let eighths = (self.fraction(value) * f64::from(rows) * 8.0).round() as u16;
        if value > 0.0 { eighths.max(1) } else { eighths }
    }

    /// The row (0 = bottom) a threshold line is drawn on.
    pub fn row(&self, value: f64, rows: u16) -> u16 {
        ((self.fraction(value) * f64::from(rows)) as u16).min(rows.saturating_sub(1))
    }
}

fn tier_style(tier: Option<Tier>, theme: &Theme) -> Style {
    match tier {
        Some(Tier::Elite | Tier::High) => theme.status(PipelineStatus::Passing),
        Some(Tier::Medium) => theme.building(),
        Some(Tier::Low) => theme.status(PipelineStatus::Failing),
        None => theme.muted(),
    }
}

fn draw_key(frame: &mut Frame, area: Rect, key: TrendKey, weekly: &Weekly, theme: &Theme) {
    let latest = weekly
        .weeks
        .last()
        .map_or_else(|| "no data".to_string(), |w| figure(key, w));
    let mut title = format!(" {} · this week {latest} ", key.name());
    if title.chars().count() + 2 > area.width as usize {
        title = format!(" {} · {latest} ", key.short_name());
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted())
        .title(Line::from(Span::styled(
            fit(&title, area.width.saturating_sub(2) as usize),
            theme.accent().add_modifier(Modifier::BOLD),
        )));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = chart_lines(key, weekly, inner.width, inner.height, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The chart as lines of `width` x `height` cells: bars with the threshold lines behind them,
/// the markers row and the time axis.
pub fn chart_lines(
    key: TrendKey,
    weekly: &Weekly,
    width: u16,
    height: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let weeks = weekly.weeks.len().max(1) as u16;
    if height < 4 || width < LABEL_WIDTH + weeks {
        return vec![Line::from(Span::styled(
            fit("too small for a chart", width as usize),
            theme.muted(),
        ))];
    }
    let rows = height - 2;
    let column = (width - LABEL_WIDTH) / weeks;
    let bar = if column >= 2 { column - 1 } else { column };
    let values: Vec<Option<f64>> = weekly.weeks.iter().map(|w| key.value(w)).collect();
    let scale = Scale::of(key, weekly.benchmark, &values);
    let thresholds = key.thresholds(weekly.benchmark);
    // Each threshold on a row of its own, moved up a row where a lower one took it.
    let mut threshold_rows: Vec<(u16, f64)> = Vec::new();
    let mut ordered = thresholds;
    ordered.sort_by(|a, b| scale.fraction(*a).total_cmp(&scale.fraction(*b)));
    for t in ordered {
        let mut row = scale.row(t, rows);
        while threshold_rows.iter().any(|(r, _)| *r == row) && row + 1 < rows {
            row += 1;
        }
        threshold_rows.push((row, t));
    }
    let mut lines = Vec::with_capacity(height as usize);
    for row in (0..rows).rev() {
        let threshold = threshold_rows.iter().find(|(r, _)| *r == row);
        let mut spans = vec![Span::styled(
            format!(
                "{:>w$} ",
                threshold.map(|(_, t)| label(key, *t)).unwrap_or_default(),
                w = (LABEL_WIDTH - 1) as usize
            ),
            theme.muted(),
        )];
        for (week, value) in weekly.weeks.iter().zip(&values) {
            let style = tier_style(key.tier(week), theme);
            let filled = value.map_or(0, |v| scale.eighths(v, rows));
            let cell = match filled.saturating_sub(row * 8) {
                0 => None,
                n if n >= 8 => Some(EIGHTHS[7]),
                n => Some(EIGHTHS[n as usize - 1]),
            };
            let text: String = match cell {
                Some(c) => std::iter::repeat_n(c, bar as usize).collect(),
                None if threshold.is_some() => {
                    std::iter::repeat_n(THRESHOLD, bar as usize).collect()
                }
                None if row == 0 && value.is_none() => {
                    format!("{:<w$}", "·", w = bar as usize)
                }
                None => " ".repeat(bar as usize),
            };
            let style = if cell.is_some() { style } else { theme.muted() };
            spans.push(Span::styled(text, style));
            if column > bar {
                let gap = if threshold.is_some() { THRESHOLD } else { ' ' };
                spans.push(Span::styled(gap.to_string(), theme.muted()));
            }
        }
        lines.push(Line::from(spans));
    }
    lines.push(markers(key, weekly, column, theme));
    lines.push(axis(weekly, column, width));
    lines
}

/// Under each week: its deployments (▴) and incidents (✗), counted where there is room.
fn markers(key: TrendKey, weekly: &Weekly, column: u16, theme: &Theme) -> Line<'static> {
    let caption = match key {
        TrendKey::ChangeFailureRate => "failed",
        _ => "",
    };
    let mut spans = vec![Span::styled(
        format!("{:>w$} ", caption, w = (LABEL_WIDTH - 1) as usize),
        theme.muted(),
    )];
    for week in &weekly.weeks {
        let deploys = match key {
            TrendKey::ChangeFailureRate => week.failed_deployments,
            _ => week.deployments,
        };
        let deploy_glyph = match key {
            TrendKey::ChangeFailureRate => INCIDENT_GLYPH,
            _ => DEPLOY_GLYPH,
        };
        // The failure rate counts failed deployments: its row shows those alone.
        let incidents = match key {
            TrendKey::ChangeFailureRate => 0,
            _ => week.incidents,
        };
        let text = cell_marks(deploys, deploy_glyph, incidents, column);
        let style = if week.incidents > 0 || (key == TrendKey::ChangeFailureRate && deploys > 0) {
            theme.status(PipelineStatus::Failing)
        } else {
            theme.muted()
        };
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

/// One week's marks in `width` cells: "12▴ 2✗", "▴✗", "✗".
pub fn cell_marks(deploys: usize, deploy_glyph: &str, incidents: usize, width: u16) -> String {
    let width = width as usize;
    let counted = |n: usize, glyph: &str| {
        if n == 0 {
            String::new()
        } else {
            format!("{n}{glyph}")
        }
    };
    let full = [
        counted(deploys, deploy_glyph),
        counted(incidents, INCIDENT_GLYPH),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let text = if full.chars().count() < width {
        full
    } else {
        let mut glyphs = String::new();
        if deploys > 0 && width >= 2 {
            glyphs.push_str(deploy_glyph);
        }
        if incidents > 0 {
            glyphs.push_str(INCIDENT_GLYPH);
        } else if deploys > 0 && glyphs.is_empty() {
            glyphs.push_str(deploy_glyph);
        }
        glyphs
    };
    let pad = width.saturating_sub(text.chars().count());
    format!("{text}{}", " ".repeat(pad))
}

/// "12 wk ago" under the first week, "now" under the last.
fn axis(weekly: &Weekly, column: u16, width: u16) -> Line<'static> {
    let weeks = weekly.weeks.len();
    let start = format!("{} wk ago", weeks);
    let plot = (column as usize) * weeks;
    let mut text = format!("{:w$}", "", w = LABEL_WIDTH as usize);
    text.push_str(&start);
    let end = "now";
    let used = start.chars().count() + end.chars().count();
    text.push_str(&" ".repeat(plot.saturating_sub(used)));
    text.push_str(end);
    Line::from(fit(&text, width as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_fit_their_cell() {
        assert_eq!(cell_marks(12, DEPLOY_GLYPH, 2, 8), "12▴ 2✗  ");
        assert_eq!(cell_marks(12, DEPLOY_GLYPH, 2, 2), "▴✗");
        assert_eq!(cell_marks(3, DEPLOY_GLYPH, 0, 1), "▴");
        assert_eq!(cell_marks(3, DEPLOY_GLYPH, 1, 1), "✗");
        assert_eq!(cell_marks(0, DEPLOY_GLYPH, 0, 3), "   ");
    }

    #[test]
    fn labels_read_in_the_keys_units() {
        assert_eq!(label(TrendKey::DeploymentFrequency, 5.0), "5 d/wk");
        assert_eq!(label(TrendKey::DeploymentFrequency, 7.0 / 30.0), "1/mo");
        assert_eq!(label(TrendKey::ChangeFailureRate, 0.15), "15%");
        assert_eq!(label(TrendKey::LeadTime, 86_400.0), "24 h");
        assert_eq!(label(TrendKey::LeadTime, 7.0 * 86_400.0), "1 wk");
        assert_eq!(label(TrendKey::LeadTime, 30.0 * 86_400.0), "30 d");
        assert_eq!(label(TrendKey::TimeToRestore, 3_600.0), "60 min");
    }

    #[test]
    fn time_scales_are_logarithmic_and_thresholds_land_in_order() {
        let scale = Scale::of(TrendKey::LeadTime, Benchmark::Dora2023, &[Some(7_200.0)]);
        let [day, week, month] = TrendKey::LeadTime.thresholds(Benchmark::Dora2023);
        let (a, b, c) = (
            scale.row(day, 10),
            scale.row(week, 10),
            scale.row(month, 10),
        );
        assert!(a < b && b < c, "{a} {b} {c}");
        // A week is 7 days and a month 30: on a log scale their gap is smaller than a day's to a week's.
        assert!(c - b < b - a + 1);
        assert_eq!(scale.eighths(0.0, 10), 0);
        assert!(scale.eighths(1.0, 10) >= 1, "a value above zero shows");
    }
}
