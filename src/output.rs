//! `--once` renderings of the view model: plain text for people, JSON for scripts.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::format::{self, key_figures};
use crate::model::Timestamp;
use crate::view::{AndonState, PipelineStatus, ViewModel};

pub const JSON_SCHEMA: u32 = 1;

fn rfc3339(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn json(view: &ViewModel) -> Value {
    let dora = &view.dora;
    let df = &dora.deployment_frequency;
    let lt = &dora.lead_time;
    let cfr = &dora.change_failure_rate;
    let ttr = &dora.time_to_restore;
    json!({
        "schema": JSON_SCHEMA,
        "generated_at": rfc3339(view.now),
        "andon": view.andon.state.word(),
        "pipelines": view.pipelines.iter().map(|p| json!({
            "name": p.name,
            "source": p.source,
            "status": p.status.word(),
            "building": p.building,
            "stage": p.stage,
            "url": p.url,
            "last_build_at": p.last_build_at.map(rfc3339),
            "stages": p.stages.iter().map(|s| json!({
                "name": s.name,
                "status": s.status,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "dora": {
            "window_days": dora.window_days,
            "benchmark": dora.benchmark.label(),
            "deployment_frequency": {
                "deployments": df.deployments,
                "per_day": df.per_day,
                "deploy_days_per_week": df.deploy_days_per_week,
                "tier": df.tier,
            },
            "lead_time": {
                "n": lt.n,
                "median_seconds": lt.median_seconds,
                "p90_seconds": lt.p90_seconds,
                "tier": lt.tier,
            },
            "change_failure_rate": {
                "deployments": cfr.deployments,
                "failed": cfr.failed,
                "ratio": cfr.ratio,
                "tier": cfr.tier,
            },
            "time_to_restore": {
                "n": ttr.n,
                "median_seconds": ttr.median_seconds,
                "tier": ttr.tier,
            },
        },
        "sources": view.sources.iter().map(|s| json!({
            "name": s.name,
            "kind": s.kind,
            "state": s.state.word(),
            "error": s.error,
            "last_success": s.last_success.map(rfc3339),
            "since": s.trouble_since.map(rfc3339),
            "tls_verified": !s.insecure,
        })).collect::<Vec<_>>(),
    })
}

/// ANSI colouring for the text output; off for pipes and under NO_COLOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint(pub bool);

impl Paint {
    fn apply(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn status(self, status: PipelineStatus, text: &str) -> String {
        let code = match status {
            PipelineStatus::Passing => "32",
            PipelineStatus::Failing => "1;31",
            PipelineStatus::Unknown | PipelineStatus::Stale => "33",
        };
        self.apply(code, text)
    }

    fn andon(self, state: AndonState, text: &str) -> String {
        let code = match state {
            AndonState::Green => "1;32",
            AndonState::Red => "1;37;41",
            AndonState::Unknown => "1;33",
        };
        self.apply(code, text)
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
    let name_width = column_width(view.pipelines.iter().map(|p| p.name.as_str()));
    let stage_width = column_width(view.columns.iter().map(String::as_str));
    for (column, stage) in view.columns.iter().enumerate() {
        for (_, p) in view.cards_in(column) {
            let word = format::status_word(p.status, p.building);
            let mut line = format!(
                "  {stage:<stage_width$}  {} {:<name_width$}  {:<20}",
                format::status_glyph(p.status),
                p.name,
                word
            );
            if let Some(label) = &p.label {
                let _ = write!(line, " {label}");
            }
            if !p.breakers.is_empty() {
                let _ = write!(line, " by {}", p.breakers.join(", "));
            }
            if let Some(url) = &p.url {
                let _ = write!(line, "  {url}");
            }
            let _ = writeln!(out, "{}", paint.status(p.status, line.trim_end()));
        }
    }
}

fn write_dora(out: &mut String, view: &ViewModel) {
    let _ = writeln!(
        out,
        "\nDORA  last {:.0} days · {} benchmark",
        view.dora.window_days,
        view.dora.benchmark.label()
    );
    let figures = key_figures(&view.dora);
    let value_width = column_width(figures.iter().map(|f| f.value.as_str()));
    for f in figures {
        let _ = writeln!(
            out,
            "  {:<17} {:<value_width$}  {:<8}  {}",
            f.name,
            f.value,
            f.tier,
            f.evidence.join(" · ")
        );
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
