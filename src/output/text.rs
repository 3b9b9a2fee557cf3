//! The `--once` plain text report for people: the Andon, the board, flow, DORA, the sources,
//! and the `--since` summary.

use std::fmt::Write as _;
use std::time::Duration;

use super::Paint;
use crate::dora_text;
use crate::format;
use crate::model::DoraEvents;
use crate::since::since_report;
use crate::view::{PipelineStatus, ViewModel};

pub fn text(view: &ViewModel, paint: Paint) -> String {
    let mut out = String::new();
    let demo = if view.demo { "  [DEMO DATA]" } else { "" };
    let _ = writeln!(
        out,
        "{} · {}{demo}",
        view.title,
        view.now.format("%Y-%m-%d %H:%M UTC")
    );
    let andon = view.andon.state;
    let _ = writeln!(
        out,
        "\n{}",
        paint.andon(
            andon,
            &format!(" {} {} ", format::andon_glyph(andon), view.andon.headline)
        )
    );
    for cause in &view.andon.causes {
        let _ = writeln!(out, "  {cause}");
    }
    write_board(&mut out, view, paint);
    write_flow(&mut out, view);
    write_dora(&mut out, view);
    write_sources(&mut out, view);
    out
}

fn write_board(out: &mut String, view: &ViewModel, paint: Paint) {
    let _ = writeln!(out, "\nBOARD");
    if view.pipelines.is_empty() {
        let _ = writeln!(out, "  (no pipelines)");
        return;
    }
    let header = [
        "STAGE", "PIPELINE", "STATUS", "PASS", "RUN", "WHO", "LAST RUN", "LINK",
    ];
    let rows: Vec<(PipelineStatus, [String; 8])> = (0..view.columns.len())
        .flat_map(|column| view.cards_in(column).map(move |(_, p)| (column, p)))
        .map(|(column, p)| {
            let last = p.pipeline.last_build_at.map_or(String::new(), |at| {
                let seconds = (view.now - at).num_seconds().max(0) as f64;
                if seconds < 60.0 {
                    "just now".to_string()
                } else {
                    format!("{} ago", format::duration(seconds))
                }
            });
            (
                p.status,
                [
                    view.columns[column].clone(),
                    format!("{} {}", format::status_glyph(p.status), p.pipeline.name),
                    format::status_word(p.status, p.pipeline.building),
                    p.pass_rate.map_or(String::new(), format::pass_rate),
                    p.pipeline.label.clone().unwrap_or_default(),
                    p.pipeline.breakers.join(", "),
                    last,
                    p.pipeline.url.clone().unwrap_or_default(),
                ],
            )
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for (_, row) in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::from("  ");
        for (cell, width) in cells.iter().zip(widths) {
            let pad = width.saturating_sub(cell.chars().count());
            let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
        }
        text.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(&header.map(String::from)));
    for (status, row) in &rows {
        let _ = writeln!(out, "{}", paint.status(*status, &line(row)));
    }
}

/// One line per stage: WIP against its limit, median time in the stage and waiting for it.
fn write_flow(out: &mut String, view: &ViewModel) {
    if view.flow.stages.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nFLOW");
    let name_width = column_width(view.flow.stages.iter().map(|s| s.name.as_str()));
    for s in &view.flow.stages {
        let mut line = format!("  {:<name_width$}  {:<14}", s.name, format::wip(s));
        let _ = write!(
            line,
            "  {}",
            format::median_figure("median", s.median_duration_seconds, s.duration_n)
        );
        if s.queue_n > 0 {
            let _ = write!(
                line,
                " · {}",
                format::median_figure("queue", s.median_queue_seconds, s.queue_n)
            );
        }
        if let Some(c) = view.flow.constraint.as_ref().filter(|c| c.stage == s.name) {
            let _ = write!(
                line,
                "  {} constraint (longest {})",
                format::CONSTRAINT_GLYPH,
                c.by.word()
            );
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    write_value_stream(out, view);
}

/// Per stage process time, wait time and %C/A; then rolling %C/A, the activity ratio and
/// what the sources cannot report.
fn write_value_stream(out: &mut String, view: &ViewModel) {
    let vs = &view.flow.value_stream;
    let _ = writeln!(
        out,
        "\nVALUE STREAM  PT process time (median) · WT wait time (median queue) · C/A passed of finished runs"
    );
    let name_width = column_width(vs.stages.iter().map(|s| s.name.as_str()));
    let time = |t: Option<f64>, n: usize| {
        t.map_or_else(
            || "N/A".to_string(),
            |t| format!("{} (n={n})", format::duration(t)),
        )
    };
    for s in &vs.stages {
        let ca = match s.complete_accurate {
            Some(_) => format!(
                "{} (n={})",
                dora_text::percent(s.complete_accurate),
                s.complete_accurate_n
            ),
            None => "N/A".to_string(),
        };
        let line = format!(
            "  {:<name_width$}  PT {:<14}  WT {:<14}  C/A {ca}",
            s.name,
            time(s.process_seconds, s.process_n),
            time(s.wait_seconds, s.wait_n),
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "  {}", dora_text::value_summary(vs));
    for line in &vs.cannot_report {
        let _ = writeln!(out, "  {line}");
    }
}

fn write_dora(out: &mut String, view: &ViewModel) {
    let _ = writeln!(
        out,
        "\nDORA  last {:.0} days · {} benchmark",
        view.dora.window_days,
        view.dora.benchmark.label()
    );
    let figures =
        dora_text::six_figures(&view.dora.keys(), &view.dora.trend, Some(&view.dora.scores));
    let value_width = column_width(figures.iter().map(|f| f.value.as_str()));
    let trend_width = column_width(
        figures
            .iter()
            .map(|f| f.trend.short())
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str),
    );
    let name_width = column_width(figures.iter().map(|f| f.name)).max(17);
    for f in figures {
        let _ = writeln!(
            out,
            "  {:<name_width$} {:<value_width$}  {:<8}  {:<trend_width$}  {}",
            f.name,
            f.value,
            f.tier,
            f.trend.short(),
            f.evidence.join(" · ")
        );
    }
    let _ = writeln!(
        out,
        "  trend: against the previous {:.0} days (fail and rework rates in percentage points)",
        view.dora.window_days
    );
    let scores = &view.dora.scores;
    let _ = writeln!(out, "  {}", dora_text::scores_title(scores));
    let _ = writeln!(out, "    {}", dora_text::group_scores(scores));
    let _ = writeln!(out, "    {}", dora_text::key_scores_line(scores));
    if let Some(note) = scores.deployment_frequency.as_ref().and_then(|s| s.note) {
        let _ = writeln!(out, "    deploy freq: {note}");
    }
    if view.dora.by_service.len() > 1 {
        write_services(out, view);
    }
    for line in crate::ui::quality_lines(view) {
        let _ = writeln!(out, "  {line}");
    }
}

/// One line per service, worst first, after the overall line: value, tier and trend per key.
fn write_services(out: &mut String, view: &ViewModel) {
    let _ = writeln!(out, "\nSERVICES  worst first");
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let cells = |figures: Vec<format::KeyFigure>| -> Vec<String> {
        figures
            .into_iter()
            .map(|f| {
                if !f.available {
                    "N/A".to_string()
                } else if f.tier == "no tier" {
                    format!("{} {}", f.value, f.trend.short())
                } else {
                    format!("{} {} {}", f.value, f.tier, f.trend.short())
                }
            })
            .collect()
    };
    let dora = &view.dora;
    rows.push((
        "overall".to_string(),
        cells(dora_text::six_figures(
            &dora.keys(),
            &dora.trend,
            Some(&dora.scores),
        )),
    ));
    for s in &dora.by_service {
        rows.push((
            s.app.clone(),
            cells(dora_text::six_figures(&s.keys, &s.trend, None)),
        ));
    }
    let header = [
        "deploy freq",
        "lead time",
        "fail rate",
        "restore",
        "rework",
        "recovery",
    ];
    let name_width = column_width(rows.iter().map(|(n, _)| n.as_str())).max(7);
    let mut widths = [0usize; 6];
    for (i, title) in header.iter().enumerate() {
        widths[i] = column_width(rows.iter().map(|(_, c)| c[i].as_str())).max(title.len());
    }
    let mut line = format!("  {:<name_width$}", "service");
    for (title, width) in header.iter().zip(widths) {
        let _ = write!(line, "  {title:<width$}");
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for (name, cells) in rows {
        let mut line = format!("  {name:<name_width$}");
        for (cell, width) in cells.iter().zip(widths) {
            let _ = write!(line, "  {cell:<width$}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn write_sources(out: &mut String, view: &ViewModel) {
    let _ = writeln!(out, "\nSOURCES");
    let name_width = column_width(view.sources.iter().map(|s| s.name.as_str()));
    for s in &view.sources {
        let mut line = format!(
            "  {:<name_width$}  {:<10}  {:<7}",
            s.name,
            s.kind,
            s.state_word()
        );
        if let Some(since) = s.trouble_since {
            let _ = write!(
                line,
                "  for {}",
                format::age((view.now - since).num_seconds())
            );
        }
        if s.insecure {
            let _ = write!(line, "  TLS NOT VERIFIED");
        }
        if let Some(at) = s.last_success {
            let _ = write!(line, "  last success {}", at.format("%H:%M:%S UTC"));
        }
        if let Some(reason) = s.reason(view.now) {
            let _ = write!(line, "  {reason}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn column_width<'a>(items: impl Iterator<Item = &'a str>) -> usize {
    items.map(|s| s.chars().count()).max().unwrap_or(0)
}

/// `--once --since`: the standup's "what happened", aligned, after the board.
pub fn since(view: &ViewModel, events: &DoraEvents, period: Duration, paint: Paint) -> String {
    let report = since_report(view, events, period);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nSINCE {} (last {})",
        report.from.format("%a %d %b %H:%M UTC"),
        period_words(period)
    );
    let mut row = |label: &str, items: &[String], paint_as: Option<PipelineStatus>| {
        let _ = write!(out, "  {label:<10} {:>3}", items.len());
        if items.is_empty() {
            let _ = writeln!(out);
        }
        for (i, item) in items.iter().enumerate() {
            let text = match paint_as {
                Some(status) => paint.status(status, item),
                None => item.clone(),
            };
            if i == 0 {
                let _ = writeln!(out, "  {text}");
            } else {
                let _ = writeln!(out, "  {:<15} {text}", "");
            }
        }
    };
    let broke: Vec<String> = report.broke.iter().map(|b| format!("✗ {b}")).collect();
    row("broke", &broke, Some(PipelineStatus::Failing));
    let still: Vec<String> = report.still_red.iter().map(|b| format!("✗ {b}")).collect();
    row("still red", &still, Some(PipelineStatus::Failing));
    let deploys: Vec<String> = if report.deploys.is_empty() {
        Vec::new()
    } else {
        vec![
            report
                .deploys
                .iter()
                .map(|(app, n)| format!("{app} ×{n}"))
                .collect::<Vec<_>>()
                .join(" · "),
        ]
    };
    let _ = write!(out, "  {:<10} {:>3}", "deploys", report.deploy_count);
    match deploys.first() {
        Some(list) => {
            let _ = writeln!(out, "  {list}");
        }
        None => {
            let _ = writeln!(out);
        }
    }
    let mut row = |label: &str, items: &[String]| {
        let _ = write!(out, "  {label:<10} {:>3}", items.len());
        if items.is_empty() {
            let _ = writeln!(out);
        }
        for (i, item) in items.iter().enumerate() {
            let pad = if i == 0 { "" } else { "                " };
            let glyph = if item.ends_with("still open") {
                "!"
            } else if item.contains(" resolved ") {
                "✓"
            } else {
                "·"
            };
            let _ = writeln!(out, "{pad}  {glyph} {item}");
        }
    };
    row("opened", &report.opened);
    row("resolved", &report.resolved);
    let _ = writeln!(
        out,
        "  (a pipeline that broke and was fixed between two polls is not seen: sources keep only the latest run)"
    );
    out
}

/// "24h", "7d", "90m": the period as people type it.
fn period_words(period: Duration) -> String {
    let s = period.as_secs();
    match s {
        0 => "0s".to_string(),
        s if s % 86_400 == 0 && s >= 7 * 86_400 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}
