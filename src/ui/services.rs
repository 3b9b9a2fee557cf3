//! The keys per service, worst first, under an overall row computed from all events; then
//! what the data could not show (data quality).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, fit};
use crate::dora_text;
use crate::format::KeyFigure;
use crate::view::ViewModel;

/// The title row's key names: complete short names.
const KEYS: [&str; 6] = ["Deploys", "Lead", "CFR", "Restore", "Rework", "Recover"];

/// A figure's cell: value and tier, the sample and the trend, each whole ("0.2/day medium",
/// "n=4 low", "▲better +150%"), on as few lines as the cell allows.
fn cell(f: &KeyFigure, width: usize) -> (Vec<String>, bool) {
    let na = !f.available;
    let value = if na {
        "N/A".to_string()
    } else if f.tier == "no tier" {
        f.value.clone()
    } else {
        format!("{} {}", f.value, f.tier)
    };
    let trend = match &f.trend.change {
        Some(change) => format!(
            "{}{} {}",
            f.trend.arrow,
            f.trend.word,
            change.replace(" pp", "pp")
        ),
        None => format!("{}{}", f.trend.arrow, f.trend.word),
    };
    let sample = f
        .evidence
        .first()
        .map(|e| {
            e.replace("median · ", "")
                .replace(" deploys", "")
                .replace(" of ", "/")
                .replace(" failed", " fail")
                .replace(", low sample", " low")
        })
        .unwrap_or_default();
    let mut broken = false;
    let mut lines: Vec<String> = Vec::new();
    // No figure, no trend: "N/A n=0" says it.
    let phrases = if na {
        vec![value, sample]
    } else {
        vec![value, sample, trend]
    };
    for (i, phrase) in phrases.into_iter().enumerate() {
        let len = phrase.chars().count();
        broken |= len > width;
        let lines_so_far = lines.len();
        match lines.last_mut() {
            // The sample goes with the value where it fits; the trend goes with the sample
            // when the sample is on a line of its own, else has a line of its own.
            Some(last)
                if (i == 1 || (i == 2 && lines_so_far > 1))
                    && last.chars().count() + 1 + len <= width =>
            {
                last.push(' ');
                last.push_str(&phrase);
            }
            _ => lines.extend(super::dora::wrap(&phrase, width)),
        }
    }
    (lines, broken)
}

/// A scope's figures in groups of `per_row` keys: the lines of each group.
fn blocks(figures: &[KeyFigure], per_row: usize, cell_width: usize) -> (Vec<Vec<String>>, bool) {
    let mut broken = false;
    let mut groups = Vec::new();
    for group in figures.chunks(per_row) {
        let cells: Vec<Vec<String>> = group
            .iter()
            .map(|f| {
                let (lines, b) = cell(f, cell_width.saturating_sub(1));
                broken |= b;
                lines
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        let lines = (0..height)
            .map(|j| {
                cells
                    .iter()
                    .map(|c| format!("{:<cell_width$}", c.get(j).map_or("", String::as_str)))
                    .collect::<String>()
            })
            .collect();
        groups.push(lines);
    }
    (groups, broken)
}

/// The table's frame: its border and title.
fn block(view: &ViewModel) -> Block<'static> {
    Block::default().borders(Borders::ALL).title(format!(
        " services · last {:.0}d vs the {:.0}d before · worst first · s closes ",
        view.dora.window_days, view.dora.window_days
    ))
}

/// The table laid out for its inner size, before any scrolling.
struct Table<'a> {
    scopes: Vec<(&'a str, Vec<KeyFigure>)>,
    quality: Vec<String>,
    name_width: usize,
    per_row: usize,
    cell_width: usize,
    laid: Vec<(Vec<Vec<String>>, bool)>,
    /// The lines each scope takes.
    needed: Vec<usize>,
    /// The lines left for the scopes under the title rows and over the data quality.
    room: usize,
    all_fit: bool,
    /// The most services it can be scrolled past: up to a full last page.
    last_page: usize,
}

fn table(view: &ViewModel, width: usize, height: usize) -> Option<Table<'_>> {
    let mut scopes: Vec<(&str, Vec<KeyFigure>)> = vec![(
        "overall",
        dora_text::six_figures(&view.dora.keys(), &view.dora.trend, None),
    )];
    scopes.extend(view.dora.by_service.iter().map(|s| {
        (
            s.app.as_str(),
            dora_text::six_figures(&s.keys, &s.trend, None),
        )
    }));
    let quality: Vec<String> = table_quality_lines(view)
        .iter()
        .flat_map(|l| super::dora::wrap(l, width))
        .collect();
    let longest = scopes
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    let name_width = (longest.clamp(7, 20) + 1).min(width / 3);
    // Six keys a row where every figure fits its cell, else three, two or one a row: the
    // widest that fits the height, with the data quality under it.
    let mut plan = None;
    for per_row in [6, 3, 2, 1] {
        let cell_width = width.saturating_sub(name_width) / per_row;
        let laid: Vec<(Vec<Vec<String>>, bool)> = scopes
            .iter()
            .map(|(_, f)| blocks(f, per_row, cell_width))
            .collect();
        let broken = laid.iter().any(|(_, b)| *b);
        let rows = 6usize.div_ceil(per_row)
            + laid
                .iter()
                .map(|(g, _)| g.iter().map(Vec::len).sum::<usize>())
                .sum::<usize>()
            + quality.len();
        let candidate = (per_row, cell_width, laid);
        if !broken && rows <= height {
            plan = Some(candidate);
            break;
        }
        if plan.is_none() && (!broken || per_row == 1) {
            plan = Some(candidate);
        }
    }
    let (per_row, cell_width, laid) = plan?;
    let needed: Vec<usize> = laid
        .iter()
        .map(|(groups, _)| groups.iter().map(Vec::len).sum())
        .collect();
    let mut room = height.saturating_sub(KEYS.len().div_ceil(per_row) + quality.len());
    let all_fit = needed.iter().sum::<usize>() <= room;
    if !all_fit {
        // A line to say which services are shown and how to see the rest.
        room = room.saturating_sub(1);
    }
    let services = scopes.len() - 1;
    let last_page = if all_fit {
        0
    } else {
        (0..services)
            .find(|&s| needed[0] + needed[1 + s..].iter().sum::<usize>() <= room)
            .unwrap_or(services.saturating_sub(1))
    };
    Some(Table {
        scopes,
        quality,
        name_width,
        per_row,
        cell_width,
        laid,
        needed,
        room,
        all_fit,
        last_page,
    })
}

/// The most services the table in `area` can be scrolled past: j goes no further.
pub fn max_scroll(view: &ViewModel, area: Rect) -> u16 {
    let inner = block(view).inner(area);
    table(view, usize::from(inner.width), usize::from(inner.height))
        .map_or(0, |t| u16::try_from(t.last_page).unwrap_or(u16::MAX))
}

/// The table; `scroll` services are scrolled past (the overall row stays on top).
pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, scroll: u16, theme: &Theme) {
    let block = block(view);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let height = inner.height as usize;
    let Some(Table {
        scopes,
        quality,
        name_width,
        per_row,
        cell_width,
        laid,
        needed,
        mut room,
        all_fit,
        last_page,
    }) = table(view, width, height)
    else {
        return;
    };
    let name_cell =
        |name: &str| format!("{:<name_width$}", fit(name, name_width.saturating_sub(1)));
    let mut lines: Vec<Line> = KEYS
        .chunks(per_row)
        .enumerate()
        .map(|(g, keys)| {
            let mut text = name_cell(if g == 0 { "service" } else { "" });
            for key in keys {
                text.push_str(&format!("{key:<cell_width$}"));
            }
            Line::styled(text, theme.accent())
        })
        .collect();
    let services = scopes.len() - 1;
    // Scrolled no further than a full last page.
    let scroll = usize::from(scroll).min(last_page);
    let order = std::iter::once(0).chain(1 + scroll..scopes.len());
    let mut shown = Vec::new();
    for i in order {
        if needed[i] > room {
            break;
        }
        room -= needed[i];
        shown.push(i);
    }
    for &i in &shown {
        let (name, _) = &scopes[i];
        let (groups, _) = &laid[i];
        let style = if i == 0 {
            theme.accent()
        } else {
            ratatui::style::Style::default()
        };
        for (g, group) in groups.iter().enumerate() {
            for (j, text) in group.iter().enumerate() {
                let head = name_cell(if g == 0 && j == 0 { name } else { "" });
                let style = if j == 0 { style } else { Style::default() };
                lines.push(Line::styled(format!("{head}{text}"), style));
            }
        }
    }
    if !all_fit {
        let services_shown: Vec<usize> = shown.iter().copied().filter(|&i| i > 0).collect();
        let text = match (services_shown.first(), services_shown.last()) {
            (Some(first), Some(last)) => {
                format!("services {first}-{last} of {services} · j/k scroll")
            }
            _ => format!("{services} services: a larger terminal shows them"),
        };
        lines.push(Line::styled(text, theme.muted()));
    }
    if lines.len() + quality.len() < height {
        lines.push(Line::from(""));
    }
    lines.extend(
        quality
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.muted()))),
    );
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The data quality under the table: the low samples on one line, as the cells mark them.
fn table_quality_lines(view: &ViewModel) -> Vec<String> {
    let q = &view.dora.data_quality;
    let mut lines: Vec<String> = quality_lines(view)
        .into_iter()
        .take(2 + q.not_available.len())
        .collect();
    if !q.low_samples.is_empty() {
        let low: Vec<String> = q
            .low_samples
            .iter()
            .map(|low| format!("{} (n={})", low.key.replace('_', " "), low.n))
            .collect();
        lines.push(format!("Low samples: {}", low.join(" · ")));
    }
    lines
}

/// What the figures could not see, one short line each; N/A figures with their reasons.
pub fn quality_lines(view: &ViewModel) -> Vec<String> {
    let q = &view.dora.data_quality;
    let mut lines = vec![
        format!(
            "Data quality: {} deploys with no matching commit · {} changes not deployed",
            q.deployments_without_change, q.changes_not_deployed
        ),
        format!(
            "  {} incidents of no service · {} incidents before any deploy",
            q.incidents_unattributed, q.incidents_without_deployment
        ),
    ];
    for na in &q.not_available {
        lines.push(format!("{} N/A: {}", na.key.replace('_', " "), na.reason));
    }
    for low in &q.low_samples {
        lines.push(format!(
            "{}: low sample (n={})",
            low.key.replace('_', " "),
            low.n
        ));
    }
    lines
}
