//! The DORA keys: the four the radiator always showed and the two DORA added since 2023
//! (rework rate, failed deployment recovery time), each with value, tier as text, trend against
//! the previous window, the evidence (n) and its 2025 score, all in full: a line that does not
//! fit wraps at a word, never ends in "…". At 80x24 one line a key; from 100x30 tiles (six
//! across where they fit, else three on two rows), with a daily sparkline and a marker row of
//! the days with failed deployments and incidents where there is room; on a wall the figures
//! in block digits. Under them, the 2025 scores.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Size, Theme, bigtext};
use crate::dora::Series;
use crate::dora_text;
use crate::format::KeyFigure;
use crate::view::ViewModel;

/// Marks a day (or a group of days) with a failed deployment, under the sparkline.
pub const FAILED_MARKER: char = '✗';
/// Marks a day with an incident opened and no failed deployment.
pub const INCIDENT_MARKER: char = '!';
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Rows of the block digits on a wall.
const BIG_ROWS: usize = 5;
/// Sparkline and marker row.
const SPARK_ROWS: usize = 2;
/// The tallest a tile's daily chart grows on a screen with rows to spare.
const MAX_CHART_ROWS: usize = 16;
/// Width of the key names on the 80-column lines ("Deploy freq").
const NAME_WIDTH: usize = 11;

/// The six figures in tile order.
fn figures(view: &ViewModel) -> Vec<KeyFigure> {
    dora_text::six_figures(&view.dora.keys(), &view.dora.trend, None)
}

fn scores(view: &ViewModel) -> [Option<String>; 6] {
    dora_text::key_scores(&view.dora.scores)
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

/// `text` in lines of at most `width` characters, broken between words (a "·" never ends or
/// starts a line); only a word wider than the line is broken inside. Nothing is dropped.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    if width == 0 {
        return Vec::new();
    }
    if text.chars().count() <= width {
        return vec![text.to_string()];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    for (i, word) in words.iter().enumerate() {
        let mut word = (*word).to_string();
        if word == "·" {
            // Keep the separator with the word after it, or drop it at a line's end.
            let next = words.get(i + 1).map_or(0, |w| w.chars().count());
            let used = current.chars().count();
            if used > 0 && used + 3 + next <= width {
                current.push_str(" ·");
            } else if used > 0 {
                lines.push(std::mem::take(&mut current));
            }
            continue;
        }
        while word.chars().count() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let used = current.chars().count();
        if used == 0 {
            current = word;
        } else if used + 1 + word.chars().count() <= width {
            current.push(' ');
            current.push_str(&word);
        } else {
            lines.push(std::mem::take(&mut current));
            current = word;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The " · "-separated parts of `text` that fit `width` from the left, whole.
pub fn fit_parts(text: &str, width: usize) -> String {
    super::parts::whole(text.split(" · "), " · ", width)
}

/// The days under each of `width` columns, oldest left, spanning the width: a day a column
/// or more when there is room (each day as wide as the width allows), else one or two days a
/// column.
fn columns(days: usize, width: usize) -> Vec<std::ops::Range<usize>> {
    if width == 0 || days == 0 {
        return Vec::new();
    }
    (0..width)
        .map(|c| {
            let lo = c * days / width;
            let hi = ((c + 1) * days / width).max(lo + 1).min(days);
            lo..hi
        })
        .collect()
}

/// The values as bars `rows` high, oldest left across `width` columns, top row first, in
/// eighths of a row (one row is a sparkline). A figure is at least an eighth high; a day
/// without one is blank, never a zero bar.
pub fn chart(values: &[Option<f64>], width: usize, rows: usize) -> Vec<String> {
    let column_values: Vec<Option<f64>> = columns(values.len(), width)
        .into_iter()
        .map(|range| {
            let present: Vec<f64> = values[range].iter().flatten().copied().collect();
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
        })
        .collect();
    let max = column_values
        .iter()
        .flatten()
        .fold(0.0f64, |a, &b| a.max(b));
    let steps = (rows * LEVELS.len()) as f64;
    let eighths: Vec<Option<usize>> = column_values
        .iter()
        .map(|value| {
            value.map(|v| {
                let share = if max > 0.0 { v / max } else { 0.0 };
                (share * (steps - 1.0)).round().clamp(0.0, steps - 1.0) as usize + 1
            })
        })
        .collect();
    (0..rows)
        .rev()
        .map(|row| {
            eighths
                .iter()
                .map(
                    |height| match height.map(|h| h.saturating_sub(row * LEVELS.len())) {
                        None | Some(0) => ' ',
                        Some(h) => LEVELS[h.min(LEVELS.len()) - 1],
                    },
                )
                .collect()
        })
        .collect()
}

/// Under each column of `chart`: `FAILED_MARKER` for a day with a failed deployment,
/// `INCIDENT_MARKER` for one with an incident opened, blank for the rest.
pub fn failure_markers(series: &Series, width: usize) -> String {
    let at = |v: &[usize], d: usize| v.get(d).copied().unwrap_or(0) > 0;
    columns(series.days(), width)
        .into_iter()
        .map(|range| {
            if range.clone().any(|d| at(&series.failed_deployments, d)) {
                FAILED_MARKER
            } else if range.clone().any(|d| at(&series.incidents, d)) {
                INCIDENT_MARKER
            } else {
                ' '
            }
        })
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

fn not_available(figure: &KeyFigure) -> bool {
    !figure.available
}

/// What one tile shows, in lines that fit its width.
struct TileText {
    /// The figure in block digits, on a wall.
    big: Option<Vec<String>>,
    /// Value and tier, trend, n and score: always shown.
    required: Vec<Line<'static>>,
    /// Spread and the rework rules: shown when there is room.
    extra: Vec<Line<'static>>,
}

fn tile_text(
    figure: &KeyFigure,
    score: Option<&str>,
    width: usize,
    big: bool,
    theme: &Theme,
) -> TileText {
    let mut required: Vec<Line<'static>> = Vec::new();
    let mut push = |lines: Vec<String>, style| {
        required.extend(lines.into_iter().map(|l| Line::styled(l, style)));
    };
    let na = not_available(figure);
    if na {
        push(wrap(&figure.value, width), theme.muted());
        push(vec!["trend N/A".to_string()], theme.muted());
    } else {
        push(
            wrap(&format!("{} ({})", figure.value, figure.tier), width),
            theme.accent(),
        );
        let long = figure.trend.long();
        let trend = if long.chars().count() + 12 <= width {
            vec![format!("{long} vs previous")]
        } else if long.chars().count() <= width {
            vec![long]
        } else if figure.trend.change.is_none() && figure.trend.word == "N/A" {
            vec!["trend N/A".to_string()]
        } else {
            wrap(&figure.trend.short(), width)
        };
        push(trend, theme.accent());
    }
    if let Some(n) = figure.evidence.first() {
        let short = n.replace("median · ", "");
        let lines = if n.chars().count() <= width {
            vec![n.clone()]
        } else if short.chars().count() <= width {
            vec![short]
        } else {
            // "1 of 4 failed" over "low sample".
            wrap(&short.replace(", ", " · "), width)
        };
        push(lines, theme.muted());
    }
    if let Some(score) = score {
        push(wrap(score, width), theme.muted());
    }
    let extra = figure
        .evidence
        .iter()
        .skip(1)
        .flat_map(|e| wrap(e, width))
        .map(|l| Line::styled(l, theme.muted()))
        .collect();
    let big = if big && !na {
        let number: String = figure
            .value
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        bigtext::render(&number, width, BIG_ROWS)
    } else {
        None
    };
    TileText {
        big,
        required,
        extra,
    }
}

/// Tiles a row: six where each is wide enough (on a wall, a column for each day of the
/// window), else three on two rows.
fn per_row(view: &ViewModel, size: Size, width: u16) -> usize {
    let six = usize::from(width / 6);
    let enough = match size {
        Size::Wall => six > view.dora.series.days().max(1),
        _ => six >= 20,
    };
    if enough { 6 } else { 3 }
}

fn tiles(view: &ViewModel, size: Size, width: u16, theme: &Theme) -> (usize, Vec<TileText>) {
    let per_row = per_row(view, size, width);
    let inner = (usize::from(width) / per_row).saturating_sub(1);
    let scores = scores(view);
    let texts = figures(view)
        .iter()
        .zip(scores.iter())
        .map(|(f, s)| tile_text(f, s.as_deref(), inner, size == Size::Wall, theme))
        .collect();
    (per_row, texts)
}

/// The rows the keys need (nothing cut) and the rows they can use (big digits, sparklines and
/// every line of evidence), at `width` columns.
pub fn heights(view: &ViewModel, size: Size, width: u16) -> (u16, u16) {
    let theme = Theme::default_theme();
    if size == Size::Compact {
        let rows = compact_lines(view, usize::from(width), &theme).len() as u16 + 2;
        return (rows, rows);
    }
    let (per_row, texts) = tiles(view, size, width, &theme);
    let rows = texts.len().div_ceil(per_row);
    let need = texts.iter().map(|t| t.required.len()).max().unwrap_or(0);
    let full = texts
        .iter()
        .map(|t| {
            t.required.len()
                + t.extra.len()
                + t.big.as_ref().map_or(0, |b| b.len())
                + SPARK_ROWS
                + (MAX_CHART_ROWS - 1)
        })
        .max()
        .unwrap_or(0);
    (
        (rows * (need + 1) + 1) as u16,
        (rows * (full + 1) + 1) as u16,
    )
}

/// 80 columns: a title rule, one line a key (two when it cannot fit one), the scores.
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
    let width = inner.width as usize;
    let mut lines = compact_lines(view, width, theme);
    lines.push(Line::styled(
        fit_parts(&compact_scores(view), width),
        theme.muted(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The parts of a key's line, from the longest wording (level 0) to the shortest.
fn compact_parts(figure: &KeyFigure, score: Option<&str>, level: usize) -> Vec<String> {
    let n = figure.evidence.first().cloned().unwrap_or_default();
    let n = match level {
        0 => n,
        1 => n.replace("median · ", ""),
        _ => n
            .replace("median · ", "")
            .replace(", low sample", " low")
            .replace(" deploys", ""),
    };
    if not_available(figure) {
        return vec![figure.value.clone(), n];
    }
    let value = if figure.tier == "no tier" {
        figure.value.clone()
    } else {
        format!("{} {}", figure.value, figure.tier)
    };
    let trend = if figure.trend.change.is_none() && figure.trend.word == "N/A" {
        "trend N/A".to_string()
    } else if level < 2 {
        figure.trend.short()
    } else {
        figure.trend.short().replacen(' ', "", 1)
    };
    let mut parts = vec![value, trend, n];
    if let Some(score) = score {
        parts.push(match level {
            0 => score.to_string(),
            _ => score.split(" · ").next().unwrap_or(score).to_string(),
        });
    }
    parts
}

/// One line a key, its parts in aligned columns where they fit; a key that cannot fit one
/// line at the shortest wording goes on two, never cut.
fn compact_lines(view: &ViewModel, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let figures = figures(view);
    let scores = scores(view);
    let styles = [theme.accent(), theme.accent(), theme.muted(), theme.muted()];
    let budget = width.saturating_sub(NAME_WIDTH + 1);
    let length = |p: &[String]| p.iter().map(|s| s.chars().count() + 1).sum::<usize>();
    let at = |level: usize| -> Vec<Vec<String>> {
        figures
            .iter()
            .zip(scores.iter())
            .map(|(f, s)| compact_parts(f, s.as_deref(), level))
            .collect()
    };
    // Aligned columns at the longest wording that allows them; else each line as it comes.
    let mut chosen = None;
    for level in 0..3 {
        let parts = at(level);
        let mut widths = [0usize; 4];
        for (f, p) in figures.iter().zip(&parts) {
            if !not_available(f) {
                for (w, part) in widths.iter_mut().zip(p) {
                    *w = (*w).max(part.chars().count());
                }
            }
        }
        let na_fit = figures
            .iter()
            .zip(&parts)
            .all(|(f, p)| !not_available(f) || length(p) <= budget);
        if widths.iter().map(|w| w + 1).sum::<usize>() <= budget && na_fit {
            chosen = Some((parts, Some(widths)));
            break;
        }
    }
    if chosen.is_none() {
        chosen = (0..3)
            .map(at)
            .find(|parts| parts.iter().all(|p| length(p) <= budget))
            .map(|parts| (parts, None));
    }
    let (parts, widths) = chosen.unwrap_or_else(|| (at(2), None));
    // Keys without a figure for the same reason and nothing counted share a line:
    // "Deploy freq · Fail rate · Rework N/A: no deployments in window".
    let empty = |f: &KeyFigure| {
        not_available(f)
            && f.evidence.first().is_none_or(|e| {
                e.ends_with("n=0") || e.starts_with("n=0 ") || e.starts_with("0 of 0")
            })
    };
    let mut lines = Vec::new();
    let mut shared: Vec<&str> = Vec::new();
    for (i, (f, p)) in figures.iter().zip(&parts).enumerate() {
        if shared.contains(&f.value.as_str()) {
            continue;
        }
        let same: Vec<&KeyFigure> = figures[i..]
            .iter()
            .filter(|g| empty(g) && g.value == f.value)
            .collect();
        if empty(f) && same.len() > 1 {
            shared.push(&f.value);
            let names: Vec<&str> = same.iter().map(|g| g.short_name).collect();
            let text = format!("{} {}", names.join(" · "), f.value);
            for (j, piece) in wrap(&text, width.saturating_sub(1)).into_iter().enumerate() {
                let indent = if j == 0 { " " } else { "   " };
                lines.push(Line::styled(format!("{indent}{piece}"), theme.muted()));
            }
            continue;
        }
        let name = Span::raw(format!(" {:<NAME_WIDTH$}", f.short_name));
        let na = not_available(f);
        if length(p) > budget {
            // Even the shortest wording is too long: the key's line wraps, indented.
            let text = p.join(" ");
            for (j, piece) in wrap(&text, budget.saturating_sub(1))
                .into_iter()
                .enumerate()
            {
                let lead = if j == 0 {
                    name.clone()
                } else {
                    Span::raw(" ".repeat(NAME_WIDTH + 1))
                };
                lines.push(Line::from(vec![
                    lead,
                    Span::styled(format!(" {piece}"), theme.muted()),
                ]));
            }
            continue;
        }
        let mut spans = vec![name];
        for (i, part) in p.iter().enumerate() {
            let style = if na { theme.muted() } else { styles[i.min(3)] };
            let cell = match widths {
                Some(w) if !na && i + 1 < p.len() => format!(" {part:<w$}", w = w[i]),
                _ => format!(" {part}"),
            };
            spans.push(Span::styled(cell, style));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// "2025 score 8.6 (all 6.7±1.2) · throughput 8 · stability 9.5": the scores at 80 columns.
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

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, size: Size, theme: &Theme) {
    let [area, scores_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let width = scores_area.width as usize;
    let long = format!(" {}", scores_line(view));
    let scores = if long.chars().count() <= width {
        long
    } else {
        fit_parts(&compact_scores(view), width)
    };
    frame.render_widget(
        Paragraph::new(Line::styled(scores, theme.muted())),
        scores_area,
    );
    let (per_row, texts) = tiles(view, size, area.width, theme);
    let rows = texts.len().div_ceil(per_row);
    let row_areas = Layout::vertical(vec![Constraint::Fill(1); rows]).split(area);
    let window = format!("{:.0}d", view.dora.window_days);
    let daily = daily(&view.dora.series);
    let figures = figures(view);
    for (r, row_area) in row_areas.iter().enumerate() {
        let areas = Layout::horizontal(vec![Constraint::Fill(1); per_row]).split(*row_area);
        for (c, tile) in areas.iter().enumerate() {
            let i = r * per_row + c;
            let (Some(figure), Some(text)) = (figures.get(i), texts.get(i)) else {
                continue;
            };
            let block = Block::default()
                .borders(Borders::TOP | Borders::LEFT)
                .border_style(theme.muted())
                .title(Span::styled(
                    format!(" {} {window} ", figure.short_name),
                    theme.accent(),
                ));
            let inner = block.inner(*tile);
            frame.render_widget(block, *tile);
            draw_tile(frame, inner, text, &daily[i], &view.dora.series, theme);
        }
    }
}

/// The required lines first; then, as the height allows, the sparkline and its markers at the
/// bottom, the block digits on top, the rest of the evidence between.
fn draw_tile(
    frame: &mut Frame,
    inner: Rect,
    text: &TileText,
    values: &[Option<f64>],
    series: &Series,
    theme: &Theme,
) {
    let height = inner.height as usize;
    let mut room = height.saturating_sub(text.required.len());
    let spark = if room >= SPARK_ROWS {
        room -= SPARK_ROWS;
        SPARK_ROWS
    } else {
        0
    };
    let big = match &text.big {
        Some(rows) if room >= rows.len() => {
            room -= rows.len();
            rows.clone()
        }
        _ => Vec::new(),
    };
    let extra = text.extra.len().min(room);
    room -= extra;
    // Rows still free make the daily chart taller.
    let chart_rows = if spark > 0 {
        1 + room.min(MAX_CHART_ROWS - 1)
    } else {
        0
    };
    let spark = if spark > 0 { chart_rows + 1 } else { 0 };
    let mut lines: Vec<Line> = big
        .into_iter()
        .map(|r| Line::styled(r, theme.accent()))
        .collect();
    lines.extend(text.required.iter().cloned());
    lines.extend(text.extra.iter().take(extra).cloned());
    let [text_area, spark_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(spark as u16)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), text_area);
    if spark > 0 {
        let width = inner.width as usize;
        let mut lines: Vec<Line> = chart(values, width, chart_rows)
            .into_iter()
            .map(|row| Line::styled(row, theme.accent()))
            .collect();
        lines.push(Line::styled(failure_markers(series, width), theme.muted()));
        frame.render_widget(Paragraph::new(lines), spark_area);
    }
}

#[cfg(test)]
mod tests {
    use super::chart;

    #[test]
    fn a_taller_chart_draws_the_same_bars_in_more_steps() {
        let values = [Some(0.0), Some(2.0), None, Some(8.0), Some(4.0)];
        assert_eq!(chart(&values, 5, 1), ["▁▃ █▅"], "the sparkline as it was");
        assert_eq!(chart(&values, 5, 2), ["   █▁", "▁▅ ██"]);
        let tall = chart(&values, 5, 4);
        assert_eq!(tall.len(), 4);
        assert_eq!(tall[0], "   █ ", "the highest reaches the top");
        assert_eq!(tall[3], "▁█ ██", "every figure has a bar at the bottom");
        assert!(
            tall.iter().all(|row| row.chars().nth(2) == Some(' ')),
            "no figure, no bar"
        );
        assert_eq!(chart(&[None, None], 2, 3), ["  ", "  ", "  "]);
        assert!(chart(&[], 4, 2).iter().all(String::is_empty));
    }
}
