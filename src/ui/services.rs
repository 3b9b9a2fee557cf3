//! The keys per service, worst first, under an overall row computed from all events; then
//! what the data could not show (data quality).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Theme, fit};
use crate::dora_text;
use crate::format::{KeyFigure, key_figures, scope_figures};
use crate::view::ViewModel;

/// The title row's key names, short enough for a 10-column cell.
const KEYS: [&str; 6] = [
    "Deploy freq",
    "Lead time",
    "Fail rate",
    "Restore",
    "Rework",
    "Recovery",
];

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).title(format!(
        " services · last {:.0}d vs the {:.0}d before · worst first · s closes ",
        view.dora.window_days, view.dora.window_days
    ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    // At 80 columns: 14 for the name ("notifications"), 10 for each key.
    let key_width = (width.saturating_sub(14) / KEYS.len()).max(8);
    let name_width = width.saturating_sub(KEYS.len() * key_width);
    let row = |name: &str, cells: Vec<String>| -> String {
        let mut text = format!("{:<name_width$}", fit(name, name_width.saturating_sub(1)));
        for cell in cells {
            text.push_str(&format!(
                "{:<key_width$}",
                fit(&cell, key_width.saturating_sub(1))
            ));
        }
        text
    };
    let quality = quality_lines(view);
    let mut lines = vec![Line::styled(
        row("service", KEYS.map(String::from).to_vec()),
        theme.accent(),
    )];
    let six = |older: [KeyFigure; 4], newer: [KeyFigure; 2]| -> Vec<KeyFigure> {
        older.into_iter().chain(newer).collect()
    };
    let mut scopes: Vec<(&str, Vec<KeyFigure>)> = vec![(
        "overall",
        six(
            key_figures(&view.dora),
            dora_text::newer_figures(&view.dora.keys(), &view.dora.trend, None),
        ),
    )];
    scopes.extend(view.dora.by_service.iter().map(|s| {
        (
            s.app.as_str(),
            six(
                scope_figures(&s.keys, &s.trend),
                dora_text::newer_figures(&s.keys, &s.trend, None),
            ),
        )
    }));
    // Three lines a service (value and tier, trend, sample); keep room for the data quality.
    let room = (inner.height as usize).saturating_sub(1 + quality.len() + 1);
    let fitting = room / 3;
    for (i, (name, figures)) in scopes.iter().enumerate() {
        if i >= fitting {
            lines.push(Line::styled(
                format!(
                    "… {} more services (a larger terminal shows them)",
                    scopes.len() - i
                ),
                theme.muted(),
            ));
            break;
        }
        // The tier goes with the value when both fit the cell, else before the trend.
        let tier_fits = |f: &KeyFigure| f.value.chars().count() + 1 + f.tier.len() < key_width;
        let tier_of = |f: &KeyFigure| if f.tier == "no tier" { "" } else { f.tier };
        let values = figures
            .iter()
            .map(|f| {
                if f.value.starts_with("N/A") {
                    "N/A".to_string()
                } else if tier_fits(f) && !tier_of(f).is_empty() {
                    format!("{} {}", f.value, f.tier)
                } else {
                    f.value.clone()
                }
            })
            .collect();
        let trends = figures
            .iter()
            .map(|f| {
                let tier = if tier_fits(f) || f.value.starts_with("N/A") {
                    String::new()
                } else {
                    format!("{} ", tier_of(f))
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
                format!("{}{trend}", tier.trim_start())
            })
            .collect();
        let samples = figures.iter().map(|f| {
            f.evidence
                .first()
                .map(|e| {
                    e.replace("median · ", "")
                        .replace(" deploys", "")
                        .replace(" of ", "/")
                        .replace(" failed, low sample", " fail (low)")
                        .replace(", low sample", " (low)")
                        .replace(" rework", "")
                })
                .unwrap_or_default()
        });
        let samples = samples.collect();
        let style = if i == 0 {
            theme.accent()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::styled(row(name, values), style));
        lines.push(Line::from(row("", trends)));
        lines.push(Line::styled(row("", samples), theme.muted()));
    }
    lines.push(Line::from(""));
    lines.extend(
        quality
            .into_iter()
            .map(|l| Line::from(Span::styled(fit(&l, width), theme.muted()))),
    );
    frame.render_widget(Paragraph::new(lines), inner);
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
