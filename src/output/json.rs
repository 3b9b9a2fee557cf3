//! The `--once --json` document: the view model for scripts (schema 1), whole or streamed.

use serde_json::{Value, json};
use std::time::Duration;

use crate::dora::{DataQuality, Difference, LOW_SAMPLE, ServiceReport, Trend};
use crate::dora_json;
use crate::flow::{self, Flow};
use crate::model::{DoraEvents, Timestamp};
use crate::since::since_report;
use crate::view::{PipelineStatus, PipelineView, ViewModel};

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
        "name": p.pipeline.name,
        "source": &*p.source,
        "status": p.status.word(),
        "building": p.pipeline.building,
        "stage": p.pipeline.stage,
        "url": p.pipeline.url,
        "last_build_at": p.pipeline.last_build_at.map(rfc3339),
        "failing_since": p.failing_since.filter(|_| p.status == PipelineStatus::Failing).map(rfc3339),
        "stages": p.pipeline.stages.iter().map(|s| json!({
            "name": s.name,
            "status": s.status,
            "started_at": s.started_at.map(rfc3339),
            "finished_at": s.finished_at.map(rfc3339),
            "duration_seconds": s.duration_seconds(),
            "queued_seconds": s.queued_seconds(),
        })).collect::<Vec<_>>(),
        "label": p.pipeline.label,
        "commit": p.pipeline.commit,
        "author": p.pipeline.author,
        "breakers": p.pipeline.breakers,
        "started_at": p.pipeline.started_at.map(rfc3339),
        "finished_at": p.pipeline.finished_at.map(rfc3339),
        "pass_rate": p.pass_rate.map(|r| json!({
            "passed": r.passed,
            "runs": r.runs,
            "flaky": r.flaky,
        })),
        "acknowledged": p.acknowledged.as_ref().map(|a| json!({
            "by": a.by,
            "at": rfc3339(a.at),
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
            "cause": s.error_cause.map(|c| c.word()),
            "http_status": s.error_cause.and_then(|c| c.http_status()),
            "rate_limited_until": s.error_cause.and_then(|c| c.rate_limited_until()).map(rfc3339),
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
    use crate::model::{BuildStatus, Pipeline, Snapshot};
    use crate::setup;
    use crate::state::State;
    use crate::view;
    use chrono::{TimeZone, Utc};

    fn at(hours: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + hours * 3600, 0).unwrap()
    }

    #[test]
    fn each_source_names_the_cause_of_its_failure_and_its_details() {
        use crate::sources::{Cause, SourceError};
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        state.record(0, at(0), Ok(Snapshot::default()));
        let healthy = view::source_views(&state, at(0));
        let source = &json_of(&healthy)[0];
        assert_eq!(source["cause"], Value::Null);
        assert_eq!(source["http_status"], Value::Null);
        assert_eq!(source["rate_limited_until"], Value::Null);

        let until = at(1);
        state.record(
            0,
            at(0),
            Err(SourceError::of(Cause::RateLimited { until }, "slow down")),
        );
        let source = &json_of(&view::source_views(&state, at(0)))[0];
        assert_eq!(source["cause"], "rate_limited");
        assert_eq!(source["rate_limited_until"], rfc3339(until));
        assert_eq!(source["http_status"], Value::Null);

        state.record(
            0,
            at(0),
            Err(SourceError::of(Cause::Auth { status: Some(401) }, "no")),
        );
        let source = &json_of(&view::source_views(&state, at(0)))[0];
        assert_eq!(source["cause"], "auth");
        assert_eq!(source["http_status"], 401);
        assert_eq!(source["rate_limited_until"], Value::Null);

        state.record(
            0,
            at(0),
            Err(SourceError::of(Cause::Status(502), "HTTP 502")),
        );
        let source = &json_of(&view::source_views(&state, at(0)))[0];
        assert_eq!(source["cause"], "http_status");
        assert_eq!(source["http_status"], 502);
    }

    /// The `sources` array of the document of a view holding `sources`.
    fn json_of(sources: &[view::SourceView]) -> Vec<Value> {
        let config = setup::load(None).unwrap();
        let state = State::new(&config);
        let mut view = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, at(0)),
            at(0),
        );
        view.sources = sources.to_vec();
        match json(&view)["sources"].take() {
            Value::Array(sources) => sources,
            other => panic!("sources is not an array: {other}"),
        }
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
}
