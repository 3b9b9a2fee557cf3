//! `--once` renderings of the view model: plain text for people, JSON for scripts.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use crate::dora::{DataQuality, Difference, LOW_SAMPLE, ServiceReport, Trend};
use crate::flow::{self, Flow};
use crate::format::{self, key_figures, scope_figures};
use crate::model::{DoraEvents, Timestamp};
use crate::ui::Theme;
use crate::view::{AndonState, PipelineStatus, PipelineView, ViewModel};
use crate::{dora_json, dora_text};
use ratatui::style::{Color, Modifier, Style};

pub const JSON_SCHEMA: u32 = 1;

fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `points`: the change is a difference of rates in percentage points (change failure rate),
/// not a percent of the previous figure.
fn trend_json(trend: &Trend, points: bool) -> Value {
    let change = match trend.change {
        Some(Difference::Percent(p) | Difference::Points(p)) => Some(p),
        None => None,
    };
    let mut out = json!({
        "previous": trend.previous,
        "previous_n": trend.previous_n,
        "direction": trend.direction,
        "missing": trend.missing,
    });
    let field = if points {
        "change_points"
    } else {
        "change_percent"
    };
    out[field] = json!(change);
    out
}

fn service_json(service: &ServiceReport) -> Value {
    let k = &service.keys;
    let t = &service.trend;
    json!({
        "app": service.app,
        "worst_tier": service.worst_tier(),
        "deployment_frequency": {
            "deployments": k.deployment_frequency.deployments,
            "per_day": k.deployment_frequency.per_day,
            "deploy_days_per_week": k.deployment_frequency.deploy_days_per_week,
            "tier": k.deployment_frequency.tier,
            "missing": k.deployment_frequency.missing,
            "trend": trend_json(&t.deployment_frequency, false),
        },
        "lead_time": {
            "n": k.lead_time.n,
            "median_seconds": k.lead_time.median_seconds,
            "p90_seconds": k.lead_time.p90_seconds,
            "tier": k.lead_time.tier,
            "missing": k.lead_time.missing,
            "trend": trend_json(&t.lead_time, false),
        },
        "change_failure_rate": {
            "deployments": k.change_failure_rate.deployments,
            "failed": k.change_failure_rate.failed,
            "ratio": k.change_failure_rate.ratio,
            "tier": k.change_failure_rate.tier,
            "missing": k.change_failure_rate.missing,
            "trend": trend_json(&t.change_failure_rate, true),
        },
        "time_to_restore": {
            "n": k.time_to_restore.n,
            "median_seconds": k.time_to_restore.median_seconds,
            "tier": k.time_to_restore.tier,
            "missing": k.time_to_restore.missing,
            "trend": trend_json(&t.time_to_restore, false),
        },
        "deployment_rework_rate": dora_json::rework_json(&k.deployment_rework_rate, t, trend_json),
        "failed_deployment_recovery_time":
            dora_json::recovery_json(&k.failed_deployment_recovery_time, t, trend_json),
        "scores": dora_json::scores_json(&service.scores),
    })
}

fn quality_json(q: &DataQuality) -> Value {
    json!({
        "deployments_without_change": q.deployments_without_change,
        "changes_not_deployed": q.changes_not_deployed,
        "incidents_unattributed": q.incidents_unattributed,
        "incidents_without_deployment": q.incidents_without_deployment,
        "low_sample_threshold": LOW_SAMPLE,
        "low_samples": q.low_samples.iter().map(|l| json!({"key": l.key, "n": l.n})).collect::<Vec<_>>(),
        "not_available": q.not_available.iter().map(|na| json!({"key": na.key, "reason": na.reason})).collect::<Vec<_>>(),
    })
}

pub fn json(view: &ViewModel) -> Value {
    let mut document = summary_json(view);
    document["pipelines"] = Value::Array(view.pipelines.iter().map(pipeline_json).collect());
    document
}

/// Writes the document `json` gives, with `extra` fields added, pretty-printed as `{:#}` prints
/// it, making each pipeline's object only as it is written: the document of a 100,000-pipeline
/// board is never whole in memory.
pub fn write_json(
    view: &ViewModel,
    extra: Vec<(&str, Value)>,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    let mut rest = match summary_json(view) {
        Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    };
    for (key, value) in extra {
        rest.insert(key.to_string(), value);
    }
    let document = StreamedDocument {
        rest,
        pipelines: &view.pipelines,
    };
    // An I/O error comes back as itself (a closed pipe stays a closed pipe).
    serde_json::to_writer_pretty(out, &document).map_err(std::io::Error::from)
}

/// The document's fields in `json`'s (sorted) order, with the pipelines produced one by one.
struct StreamedDocument<'a> {
    rest: serde_json::Map<String, Value>,
    pipelines: &'a [PipelineView],
}

struct StreamedPipelines<'a>(&'a [PipelineView]);

impl serde::Serialize for StreamedPipelines<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(pipeline_json))
    }
}

impl serde::Serialize for StreamedDocument<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        const KEY: &str = "pipelines";
        let mut map = serializer.serialize_map(Some(self.rest.len() + 1))?;
        let mut written = false;
        for (key, value) in &self.rest {
            if !written && key.as_str() > KEY {
                map.serialize_entry(KEY, &StreamedPipelines(self.pipelines))?;
                written = true;
            }
            if key != KEY {
                map.serialize_entry(key, value)?;
            }
        }
        if !written {
            map.serialize_entry(KEY, &StreamedPipelines(self.pipelines))?;
        }
        map.end()
    }
}

/// One card of the board (schema 1).
fn pipeline_json(p: &PipelineView) -> Value {
    json!({
        "name": p.name,
        "source": p.source,
        "status": p.status.word(),
        "building": p.building,
        "stage": p.stage,
        "url": p.url,
        "last_build_at": p.last_build_at.map(rfc3339),
        "failing_since": p.failing_since.filter(|_| p.status == PipelineStatus::Failing).map(rfc3339),
        "stages": p.stages.iter().map(|s| json!({
            "name": s.name,
            "status": s.status,
            "started_at": s.started_at.map(rfc3339),
            "finished_at": s.finished_at.map(rfc3339),
            "duration_seconds": s.duration_seconds(),
            "queued_seconds": s.queued_seconds(),
        })).collect::<Vec<_>>(),
        "label": p.label,
        "commit": p.commit,
        "author": p.author,
        "breakers": p.breakers,
        "started_at": p.started_at.map(rfc3339),
        "finished_at": p.finished_at.map(rfc3339),
        "pass_rate": p.pass_rate.map(|r| json!({
            "passed": r.passed,
            "runs": r.runs,
            "flaky": r.flaky,
        })),
    })
}

/// Everything but the pipelines.
fn summary_json(view: &ViewModel) -> Value {
    let dora = &view.dora;
    let df = &dora.deployment_frequency;
    let lt = &dora.lead_time;
    let cfr = &dora.change_failure_rate;
    let ttr = &dora.time_to_restore;
    json!({
        "schema": JSON_SCHEMA,
        "generated_at": rfc3339(view.now),
        "andon": view.andon.state.word(),
        "escalated": view.andon.escalated(),
        "escalation": dora_json::escalation_json(&view.andon),
        "flow": flow_json(&view.flow),
        "dora": {
            "window_days": dora.window_days,
            "benchmark": dora.benchmark.label(),
            "deployment_frequency": {
                "deployments": df.deployments,
                "per_day": df.per_day,
                "deploy_days_per_week": df.deploy_days_per_week,
                "tier": df.tier,
                "missing": df.missing,
                "trend": trend_json(&dora.trend.deployment_frequency, false),
            },
            "lead_time": {
                "n": lt.n,
                "median_seconds": lt.median_seconds,
                "p90_seconds": lt.p90_seconds,
                "tier": lt.tier,
                "missing": lt.missing,
                "trend": trend_json(&dora.trend.lead_time, false),
            },
            "change_failure_rate": {
                "deployments": cfr.deployments,
                "failed": cfr.failed,
                "ratio": cfr.ratio,
                "tier": cfr.tier,
                "missing": cfr.missing,
                "trend": trend_json(&dora.trend.change_failure_rate, true),
            },
            "time_to_restore": {
                "n": ttr.n,
                "median_seconds": ttr.median_seconds,
                "tier": ttr.tier,
                "missing": ttr.missing,
                "trend": trend_json(&dora.trend.time_to_restore, false),
            },
            "deployment_rework_rate":
                dora_json::rework_json(&dora.deployment_rework_rate, &dora.trend, trend_json),
            "failed_deployment_recovery_time": dora_json::recovery_json(
                &dora.failed_deployment_recovery_time,
                &dora.trend,
                trend_json,
            ),
            "rework_rules": dora.rework_rules.words(),
            "scores": dora_json::scores_json(&dora.scores),
            "series": {
                "days": dora.series.days(),
                "deployments": dora.series.deployments,
                "lead_time_seconds": dora.series.lead_time_seconds,
                "change_failure_rate": dora.series.change_failure_rate,
                "time_to_restore_seconds": dora.series.time_to_restore_seconds,
                "deployment_rework_rate": dora.series.deployment_rework_rate,
                "failed_deployment_recovery_time_seconds":
                    dora.series.failed_deployment_recovery_time_seconds,
            },
            "by_service": dora.by_service.iter().map(service_json).collect::<Vec<_>>(),
            "data_quality": quality_json(&dora.data_quality),
        },
        "sources": view.sources.iter().map(|s| json!({
            "name": s.name,
            "kind": s.kind,
            "state": s.state.word(),
            "error": s.error,
            "last_success": s.last_success.map(rfc3339),
            "since": s.trouble_since.map(rfc3339),
            "tls_verified": !s.insecure,
            "next_poll": s.paced_until.map(rfc3339),
        })).collect::<Vec<_>>(),
    })
}

/// Stage flow figures; a median without samples is null, and a missing constraint says why.
fn flow_json(flow: &Flow) -> Value {
    json!({
        "stages": flow.stages.iter().map(|s| json!({
            "name": s.name,
            "wip": s.wip,
            "wip_limit": s.wip_limit,
            "breached": s.breached,
            "median_duration_seconds": s.median_duration_seconds,
            "n": s.duration_n,
            "median_queue_seconds": s.median_queue_seconds,
            "queue_n": s.queue_n,
        })).collect::<Vec<_>>(),
        "constraint": flow.constraint.as_ref().map(|c| json!({
            "stage": c.stage,
            "by": c.by.word(),
            "median_seconds": c.median_seconds,
        })),
        "constraint_note": flow.constraint.is_none().then(|| format!(
            "not enough data: needs two stages with {} timed runs each", flow::MIN_SAMPLES
        )),
        "value_stream": dora_json::value_stream_json(&flow.value_stream),
    })
}

/// ANSI colouring for the text output in the theme's colours; None for pipes and under NO_COLOR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paint(pub Option<Theme>);

/// The SGR parameters for a ratatui colour: the 16 named colours as the terminal's own palette.
fn sgr(colour: Color, background: bool) -> Option<String> {
    let base = if background { 40 } else { 30 };
    let named = |n: u8| Some((base + n as u16).to_string());
    let bright = |n: u8| Some((base + 60 + n as u16).to_string());
    match colour {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Indexed(i) => Some(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", base + 8)),
    }
}

impl Paint {
    fn apply(self, style: Style, text: &str) -> String {
        if self.0.is_none() {
            return text.to_string();
        }
        let mut codes: Vec<String> = Vec::new();
        if style.add_modifier.contains(Modifier::BOLD) {
            codes.push("1".into());
        }
        if style.add_modifier.contains(Modifier::REVERSED) {
            codes.push("7".into());
        }
        codes.extend(style.fg.and_then(|c| sgr(c, false)));
        codes.extend(style.bg.and_then(|c| sgr(c, true)));
        if codes.is_empty() {
            return text.to_string();
        }
        format!("\x1b[{}m{text}\x1b[0m", codes.join(";"))
    }

    fn status(self, status: PipelineStatus, text: &str) -> String {
        match self.0 {
            Some(theme) => self.apply(theme.status(status), text),
            None => text.to_string(),
        }
    }

    fn andon(self, state: AndonState, text: &str) -> String {
        match self.0 {
            Some(theme) => self.apply(theme.banner(state), text),
            None => text.to_string(),
        }
    }
}

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
            let last = p.last_build_at.map_or(String::new(), |at| {
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
                    format!("{} {}", format::status_glyph(p.status), p.name),
                    format::status_word(p.status, p.building),
                    p.pass_rate.map_or(String::new(), format::pass_rate),
                    p.label.clone().unwrap_or_default(),
                    p.breakers.join(", "),
                    last,
                    p.url.clone().unwrap_or_default(),
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
    let mut figures = key_figures(&view.dora).to_vec();
    figures.extend(dora_text::report_newer_figures(&view.dora));
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
                if f.value.starts_with("N/A") {
                    "N/A".to_string()
                } else if f.tier == "no tier" {
                    format!("{} {}", f.value, f.trend.short())
                } else {
                    format!("{} {} {}", f.value, f.tier, f.trend.short())
                }
            })
            .collect()
    };
    let all = |older: [format::KeyFigure; 4], newer: [format::KeyFigure; 2]| {
        older.into_iter().chain(newer).collect::<Vec<_>>()
    };
    rows.push((
        "overall".to_string(),
        cells(all(
            key_figures(&view.dora),
            dora_text::report_newer_figures(&view.dora),
        )),
    ));
    for s in &view.dora.by_service {
        rows.push((
            s.app.clone(),
            cells(all(
                scope_figures(&s.keys, &s.trend),
                dora_text::newer_figures(&s.keys, &s.trend, None),
            )),
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
            s.state.word()
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
        if let Some(error) = &s.error {
            let _ = write!(line, "  {error}");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn column_width<'a>(items: impl Iterator<Item = &'a str>) -> usize {
    items.map(|s| s.chars().count()).max().unwrap_or(0)
}

/// `--once` exit code: 0 green, 1 line stopped, 3 nothing red but something unknown.
pub fn exit_code(view: &ViewModel) -> i32 {
    match view.andon.state {
        AndonState::Green => 0,
        AndonState::Red => 1,
        AndonState::Unknown => 3,
    }
}

/// What changed in the last `period`, as far as the sources let us know: deployments and
/// incidents from the DORA events (they carry their times); pipelines red now that last ran in
/// the period. A break fixed between two runs is invisible: sources report only the latest run.
#[derive(Debug, Clone, PartialEq)]
pub struct SinceReport {
    pub from: Timestamp,
    /// Failing now, last run (or first seen failing) inside the period.
    pub broke: Vec<String>,
    /// Failing now, since before the period.
    pub still_red: Vec<String>,
    /// (app, deployments) in the period, most first.
    pub deploys: Vec<(String, usize)>,
    pub deploy_count: usize,
    pub opened: Vec<String>,
    pub resolved: Vec<String>,
}

pub fn since_report(view: &ViewModel, events: &DoraEvents, period: Duration) -> SinceReport {
    let from = chrono::Duration::from_std(period)
        .ok()
        .and_then(|period| view.now.checked_sub_signed(period))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let mut broke = Vec::new();
    let mut still_red = Vec::new();
    for p in view
        .pipelines
        .iter()
        .filter(|p| p.status == PipelineStatus::Failing)
    {
        let mut text = p.name.clone();
        if let Some(stage) = &p.stage {
            let _ = write!(text, " at {stage}");
        }
        if let Some(label) = &p.label {
            let _ = write!(text, " ({label})");
        }
        if !p.breakers.is_empty() {
            let _ = write!(text, " by {}", p.breakers.join(", "));
        }
        match p.last_build_at.or(p.failing_since) {
            Some(at) if at >= from => {
                let _ = write!(text, ", last run {}", at.format("%a %H:%M UTC"));
                broke.push(text);
            }
            Some(at) => {
                let _ = write!(text, ", last run {}", at.format("%a %d %b %H:%M UTC"));
                still_red.push(text);
            }
            None => broke.push(text),
        }
    }
    let mut per_app: Vec<(String, usize)> = Vec::new();
    let mut deploy_count = 0;
    for d in events
        .deployments
        .iter()
        .filter(|d| d.finished_at >= from && d.finished_at <= view.now)
    {
        deploy_count += 1;
        match per_app.iter_mut().find(|(app, _)| *app == d.app) {
            Some((_, n)) => *n += 1,
            None => per_app.push((d.app.clone(), 1)),
        }
    }
    per_app.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut incidents: Vec<_> = events.incidents.iter().collect();
    incidents.sort_by_key(|i| i.opened_at);
    let opened = incidents
        .iter()
        .filter(|i| i.opened_at >= from && i.opened_at <= view.now)
        .map(|i| {
            let state = match i.resolved_at {
                Some(at) if at <= view.now => format!("resolved {}", at.format("%a %H:%M")),
                _ => "still open".to_string(),
            };
            format!(
                "#{} {} opened {}, {state}",
                i.id,
                i.app,
                i.opened_at.format("%a %H:%M")
            )
        })
        .collect();
    let resolved = incidents
        .iter()
        .filter_map(|i| Some((i, i.resolved_at?)))
        .filter(|(_, at)| *at >= from && *at <= view.now)
        .map(|(i, at)| {
            format!(
                "#{} {} resolved {} after {}",
                i.id,
                i.app,
                at.format("%a %H:%M"),
                format::duration((at - i.opened_at).num_seconds() as f64)
            )
        })
        .collect();
    SinceReport {
        from,
        broke,
        still_red,
        deploys: per_app,
        deploy_count,
        opened,
        resolved,
    }
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

pub fn since_json(view: &ViewModel, events: &DoraEvents, period: Duration) -> Value {
    let report = since_report(view, events, period);
    json!({
        "from": rfc3339(report.from),
        "broke": report.broke,
        "still_red": report.still_red,
        "deployments": report.deploy_count,
        "deployments_by_app": report.deploys.iter().map(|(app, n)| json!({"app": app, "count": n})).collect::<Vec<_>>(),
        "incidents_opened": report.opened,
        "incidents_resolved": report.resolved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BuildStatus, Deployment, Incident, Pipeline, Snapshot};
    use crate::setup;
    use crate::state::State;
    use crate::view;
    use chrono::{TimeZone, Utc};

    fn at(hours: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + hours * 3600, 0).unwrap()
    }

    #[test]
    fn the_streamed_document_is_the_document() {
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        let mut failing = Pipeline::new("api \"quoted\" \u{7}", BuildStatus::Failing);
        failing.url = Some("https://ci/api/1".into());
        let pipelines = vec![failing, Pipeline::new("web", BuildStatus::Passing)];
        state.record(
            0,
            at(0),
            Ok(Snapshot {
                pipelines,
                ..Snapshot::default()
            }),
        );
        let view = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, at(0)),
            at(0),
        );
        let since = json!({"fixed": [], "broke": ["api"]});
        let mut expected = json(&view);
        expected["since"] = since.clone();
        let mut streamed = Vec::new();
        write_json(&view, vec![("since", since)], &mut streamed).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            format!("{expected:#}")
        );
        let mut plain = Vec::new();
        write_json(&view, Vec::new(), &mut plain).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            format!("{:#}", json(&view))
        );
    }

    #[test]
    fn paint_uses_the_theme_and_nothing_without_one() {
        let ansi = Paint(Some(Theme::named("ansi", None).unwrap()));
        assert_eq!(
            ansi.status(PipelineStatus::Passing, "ok"),
            "\u{1b}[32mok\u{1b}[0m"
        );
        let blind = Paint(Some(Theme::named("colourblind", None).unwrap()));
        assert!(
            blind
                .status(PipelineStatus::Failing, "x")
                .contains("38;2;230;159;0")
        );
        let mono = Paint(Some(Theme::monochrome()));
        assert_eq!(mono.andon(AndonState::Red, "x"), "\u{1b}[1;7mx\u{1b}[0m");
        assert_eq!(Paint(None).status(PipelineStatus::Failing, "x"), "x");
    }

    #[test]
    fn flow_text_marks_a_breach_in_words_and_no_data_as_na() {
        let config = setup::parse(
            "[board]\nstages = [\"build\", \"test\"]\nwip_limits = { test = 1 }\n[[source]]\nname = \"d\"\nkind = \"demo\"\n",
            "t.toml",
        )
        .unwrap();
        let mut state = State::new(&config);
        let running = |name: &str| {
            Pipeline::from_stages(
                name,
                vec![
                    crate::model::StageRun::new("build", crate::model::StageStatus::Passed),
                    crate::model::StageRun::new("test", crate::model::StageStatus::Running),
                ],
            )
        };
        state.record(
            0,
            at(0),
            Ok(Snapshot {
                pipelines: vec![running("api"), running("web")],
                ..Snapshot::default()
            }),
        );
        let v = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, at(0)),
            at(0),
        );
        let text = text(&v, Paint(None));
        assert!(
            text.contains("  test   2/1 WIP ▲ over  median N/A (no timed runs)"),
            "{text}"
        );
        assert!(text.contains("  build  0 WIP"), "{text}");
        assert!(
            !text.contains("constraint"),
            "no data, no constraint:\n{text}"
        );
        let json = json(&v);
        assert_eq!(json["flow"]["stages"][1]["breached"], true);
        assert_eq!(
            json["flow"]["stages"][1]["median_duration_seconds"],
            Value::Null
        );
        assert_eq!(
            json["pipelines"][0]["pass_rate"],
            Value::Null,
            "nothing finished"
        );
    }

    #[test]
    fn since_counts_only_what_happened_in_the_period() {
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        let mut fresh = Pipeline::new("api", BuildStatus::Failing);
        fresh.last_build_at = Some(at(-2));
        fresh.breakers = vec!["dara".into()];
        let mut old = Pipeline::new("web", BuildStatus::Failing);
        old.last_build_at = Some(at(-48));
        let deploy = |app: &str, h| Deployment {
            app: app.into(),
            image_sha: None,
            commit: None,
            finished_at: at(h),
            marked: None,
        };
        let mut events = DoraEvents {
            deployments: vec![deploy("api", -1), deploy("api", -5), deploy("web", -30)],
            ..DoraEvents::default()
        };
        events.incidents = vec![
            Incident {
                app: "api".into(),
                id: "7".into(),
                opened_at: at(-3),
                resolved_at: None,
            },
            Incident {
                app: "web".into(),
                id: "6".into(),
                opened_at: at(-40),
                resolved_at: Some(at(-20)),
            },
        ];
        state.record(
            0,
            at(0),
            Ok(Snapshot {
                pipelines: vec![fresh, old],
                events: events.clone(),
                ..Snapshot::default()
            }),
        );
        let v = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, at(0)),
            at(0),
        );
        let report = since_report(&v, &events, Duration::from_secs(24 * 3600));
        assert_eq!(report.broke.len(), 1);
        assert!(report.broke[0].starts_with("api") && report.broke[0].contains("by dara"));
        assert_eq!(report.still_red.len(), 1);
        assert_eq!(report.deploy_count, 2);
        assert_eq!(report.deploys, [("api".to_string(), 2)]);
        assert_eq!(report.opened.len(), 1);
        assert!(report.opened[0].ends_with("still open"));
        assert_eq!(report.resolved.len(), 1);
        assert!(report.resolved[0].contains("after 20.0 h"));
        let once = text(&v, Paint(None));
        assert!(once.contains("SERVICES  worst first"), "{once}");
        let services = once.split("SERVICES").nth(1).unwrap_or_default();
        let row = |name: &str| {
            services
                .lines()
                .position(|l| l.starts_with(&format!("  {name} ")))
                .unwrap_or_else(|| panic!("no {name} row: {once}"))
        };
        assert!(
            row("service") < row("overall") && row("overall") < row("api"),
            "{once}"
        );
        assert!(row("api") < row("web"), "{once}");
        assert!(once.contains("1 incidents before any deploy"), "{once}");
        let j = json(&v);
        assert_eq!(j["dora"]["by_service"][0]["app"], "api");
        assert_eq!(
            j["dora"]["by_service"][0]["change_failure_rate"]["failed"],
            1
        );
        assert_eq!(j["dora"]["by_service"][1]["app"], "web");
        let trend = &j["dora"]["change_failure_rate"]["trend"];
        assert_eq!(trend["missing"], "no figure in the previous window");
        assert_eq!(trend["change_points"], Value::Null);
        assert!(trend.get("change_percent").is_none(), "{trend}");
        assert_eq!(j["dora"]["data_quality"]["incidents_without_deployment"], 1);
        assert_eq!(j["dora"]["deployment_frequency"]["missing"], Value::Null);
        let text = since(&v, &events, Duration::from_secs(24 * 3600), Paint(None));
        assert!(text.contains("(last 24h)"), "{text}");
        assert!(text.contains("  deploys      2  api ×2"), "{text}");
        // Every item of a row starts in the same column.
        let items: Vec<usize> = text
            .lines()
            .filter(|l| l.contains('✗') || l.contains('!') || l.contains('✓'))
            .map(|l| l.chars().position(|c| "✗!✓".contains(c)).unwrap())
            .collect();
        assert!(items.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
