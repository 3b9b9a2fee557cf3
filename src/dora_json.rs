//! JSON of the keys DORA added since 2023, the 2025 scores and the escalation, for `--json`.

use serde_json::{Value, json};

use crate::dora::{
    DeploymentReworkRate, FailedDeploymentRecoveryTime, GroupScore, KeyScore, Scores, Trends,
};
use crate::view::Andon;

/// `trend_json` of output.rs, passed in so both keep one shape.
pub type TrendJson = fn(&crate::dora::Trend, bool) -> Value;

pub fn rework_json(k: &DeploymentReworkRate, trends: &Trends, trend: TrendJson) -> Value {
    json!({
        "deployments": k.deployments,
        "rework": k.rework,
        "ratio": k.ratio,
        "by_rule": {
            "fix": k.by_rule.fix,
            "rollback": k.by_rule.rollback,
            "marked": k.by_rule.marked,
        },
        "missing": k.missing,
        "trend": trend(&trends.deployment_rework_rate, true),
    })
}

pub fn recovery_json(k: &FailedDeploymentRecoveryTime, trends: &Trends, trend: TrendJson) -> Value {
    json!({
        "n": k.n,
        "median_seconds": k.median_seconds,
        "tier": k.tier,
        "missing": k.missing,
        "trend": trend(&trends.failed_deployment_recovery_time, false),
    })
}

fn key_json(score: &Option<KeyScore>) -> Value {
    match score {
        None => Value::Null,
        Some(s) => {
            let mut out = json!({
                "band": s.band,
                "score": s.score,
                "benchmark_mean": s.benchmark.mean,
                "benchmark_sd": s.benchmark.sd,
            });
            if let Some(note) = s.note {
                out["note"] = json!(note);
            }
            out
        }
    }
}

fn group_json(score: &Option<GroupScore>) -> Value {
    match score {
        None => Value::Null,
        Some(s) => json!({
            "score": s.score,
            "benchmark_mean": s.benchmark.mean,
            "benchmark_sd": s.benchmark.sd,
            "keys": s.keys,
        }),
    }
}

pub fn scores_json(s: &Scores) -> Value {
    json!({
        "edition": crate::dora::scores::EDITION,
        "industry": s.industry,
        "industry_name": s.industry_name,
        "lead_time": key_json(&s.lead_time),
        "deployment_frequency": key_json(&s.deployment_frequency),
        "failed_deployment_recovery_time": key_json(&s.failed_deployment_recovery_time),
        "change_failure_rate": key_json(&s.change_failure_rate),
        "deployment_rework_rate": key_json(&s.deployment_rework_rate),
        "throughput": group_json(&s.throughput),
        "stability": group_json(&s.stability),
        "overall": group_json(&s.overall),
    })
}

/// Top-level `escalation`: null unless the line is escalated.
pub fn escalation_json(andon: &Andon) -> Value {
    match &andon.escalation {
        None => Value::Null,
        Some(e) => json!({
            "red_since": e.red_since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "red_seconds": e.red_for.as_secs(),
            "after_seconds": e.limit.as_secs(),
            "pipeline": e.pipeline,
            "source": e.source,
        }),
    }
}

/// `flow.value_stream`: per stage process time, wait time and %C/A; rolling %C/A; the
/// activity ratio; what the sources cannot report.
pub fn value_stream_json(vs: &crate::value_stream::ValueStream) -> Value {
    json!({
        "stages": vs.stages.iter().map(|s| json!({
            "name": s.name,
            "process_seconds": s.process_seconds,
            "process_n": s.process_n,
            "wait_seconds": s.wait_seconds,
            "wait_n": s.wait_n,
            "complete_accurate": s.complete_accurate,
            "complete_accurate_n": s.complete_accurate_n,
        })).collect::<Vec<_>>(),
        "rolling_complete_accurate": vs.rolling_complete_accurate,
        "activity_ratio": {
            "ratio": vs.activity_ratio.ratio,
            "runs": vs.activity_ratio.runs,
            "busy_seconds": vs.activity_ratio.busy_seconds,
            "lead_seconds": vs.activity_ratio.lead_seconds,
        },
        "cannot_report": vs.cannot_report,
    })
}
