//! The `--since` report: what changed on the board and in the DORA events in a period, as far
//! as the sources let us know. Pure: the view model, the events and the period in.

use std::fmt::Write as _;
use std::time::Duration;

use crate::format;
use crate::model::{DoraEvents, Timestamp};
use crate::view::{PipelineStatus, ViewModel};

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
        let mut text = p.pipeline.name.clone();
        if let Some(stage) = &p.pipeline.stage {
            let _ = write!(text, " at {stage}");
        }
        if let Some(label) = &p.pipeline.label {
            let _ = write!(text, " ({label})");
        }
        if !p.pipeline.breakers.is_empty() {
            let _ = write!(text, " by {}", p.pipeline.breakers.join(", "));
        }
        match p.pipeline.last_build_at.or(p.failing_since) {
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
