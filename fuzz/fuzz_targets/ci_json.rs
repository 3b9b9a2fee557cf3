//! CI servers' JSON (GitHub, GitLab, Jenkins, Buildkite), through to cards, stages,
//! deployments, changes and incidents.
#![no_main]

use andon::model::Timestamp;
use andon::sources::{SourceError, buildkite, github, gitlab, jenkins, jenkins_deploys};
use libfuzzer_sys::fuzz_target;

fn refused_with_reason<T>(result: Result<T, SourceError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            assert!(!e.reason.trim().is_empty(), "a refusal must say why");
            None
        }
    }
}

/// Jenkins deploy times are read from milliseconds, and zero or negative ones are skipped.
fn after_epoch(at: Timestamp) -> bool {
    at.timestamp_millis() > 0
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let _ = refused_with_reason(github::read_runs("app", text, &[]));
    let _ = refused_with_reason(github::read_runs("app", text, &["ci.yml".to_string()]));
    let _ = refused_with_reason(github::read_jobs(text));
    let _ = refused_with_reason(github::read_statuses(text));
    let _ = refused_with_reason(github::read_commit(text));
    if let Some(compared) = refused_with_reason(github::read_comparison(text)) {
        assert!(compared.total >= compared.commits.len());
    }
    let _ = refused_with_reason(github::read_issues("app", text));
    let _ = refused_with_reason(gitlab::read_pipelines("app", text, text));
    let _ = refused_with_reason(gitlab::read_deployments("app", text));
    let _ = refused_with_reason(gitlab::read_comparison(text));
    let _ = refused_with_reason(gitlab::read_issues("app", text));
    let _ = refused_with_reason(jenkins::read_jobs(text, &[]));
    let _ = refused_with_reason(jenkins::read_wfapi(text));
    if let Some(events) = refused_with_reason(jenkins_deploys::read_deploy_job("deploy", text)) {
        assert!(
            events
                .deployments
                .iter()
                .all(|d| after_epoch(d.finished_at))
        );
        assert!(events.changes.iter().all(|c| after_epoch(c.committed_at)));
    }
    let _ = refused_with_reason(buildkite::read_builds("pipe", text));
    let _ = refused_with_reason(buildkite::read_deployments("pipe", text));
});
