//! Why it broke: the tail of a failed job's log, fetched only when asked, one home per kind.
//!
//! `target` says which log tells why a pipeline fails (its first failed stage's job) and how to
//! ask its source for it; `fetch` reads the tail (size-capped, redirect-safe), and `text` cleans
//! it for a terminal (controls removed, colours kept, secrets redacted, errors flagged).

mod buildkite;
pub mod cache;
pub mod demo;
pub mod fetch;
mod github;
mod gitlab;
mod jenkins;
pub mod redact;
pub mod text;

use std::time::Duration;

use crate::credentials::Secret;
use crate::model::StageStatus;
use crate::setup::{Config, SourceKind};
use crate::view::PipelineView;
pub use cache::LogCache;
pub use fetch::LogRequest;
pub use text::{LogLine, LogText, Span};

/// Most bytes read from the end of a log: some hundreds of lines, the part that says why.
pub const TAIL_BYTES: usize = 64 * 1024;
/// Longest wait for a log, whatever the source's poll timeout.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Which log, as the cache knows it: the source and its job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogKey {
    pub source: String,
    pub job: String,
}

/// A log to read, and how.
#[derive(Debug, Clone)]
pub struct Target {
    pub key: LogKey,
    /// "ledger #18190 · build": what the log is of, for the title.
    pub title: String,
    pub how: How,
}

#[derive(Debug, Clone)]
pub enum How {
    /// The demo source writes its own logs.
    Demo(demo::DemoLog),
    Http {
        request: LogRequest,
        /// The source's token, redacted wherever it shows in the log.
        secret: Option<Secret>,
        transport: crate::config::Transport,
        timeout: Duration,
    },
}

/// The log that tells why `pipeline` fails, or why there is none to read.
/// `polled_at` is when the pipeline's source last answered: the demo's runs are a function of
/// the clock.
pub fn target(
    config: &Config,
    pipeline: &PipelineView,
    polled_at: Option<crate::model::Timestamp>,
) -> Result<Target, String> {
    let source = config
        .sources
        .iter()
        .find(|s| *s.name == *pipeline.source)
        .ok_or_else(|| format!("source {} is no longer configured", pipeline.source))?;
    let failed = pipeline
        .pipeline
        .stages
        .iter()
        .find(|s| s.status == StageStatus::Failed);
    let run = pipeline.pipeline.label.clone().unwrap_or_default();
    let stage_name = failed.map(|s| s.name.clone());
    let title = match &stage_name {
        Some(stage) => format!("{} {run} · {stage}", pipeline.pipeline.name),
        None => format!("{} {run}", pipeline.pipeline.name),
    };
    let job = failed.and_then(|s| s.job.clone());
    let no_job = || {
        format!(
            "{} names no failed job of {} {run} whose log could be read",
            source.name, pipeline.pipeline.name
        )
    };
    let secret = |auth: &crate::credentials::Auth| auth.token().ok().flatten();
    let http = |request: LogRequest, secret: Option<Secret>| How::Http {
        request,
        secret,
        transport: source.transport.clone(),
        timeout: (source.timeout * 2).min(MAX_WAIT),
    };
    let (job, how) = match &source.kind {
        SourceKind::Demo(crate::sources::demo::DemoConfig { seed }) => {
            // While the next run goes on, the failure on the card is the previous run's.
            let (run, stage) = match &stage_name {
                Some(stage) => (run.clone(), stage.clone()),
                None => polled_at
                    .and_then(|at| {
                        crate::sources::demo::failed_run(*seed, &pipeline.pipeline.name, at)
                    })
                    .map(|(run, stage)| (run, stage.to_string()))
                    .ok_or_else(no_job)?,
            };
            let log = demo::DemoLog {
                seed: *seed,
                pipeline: pipeline.pipeline.name.clone(),
                run: run.clone(),
                stage: stage.clone(),
                author: pipeline
                    .pipeline
                    .breakers
                    .first()
                    .or(pipeline.pipeline.author.as_ref())
                    .cloned(),
            };
            let key = format!("{} {run} {stage}", pipeline.pipeline.name);
            return Ok(Target {
                key: LogKey {
                    source: source.name.clone(),
                    job: key,
                },
                title: format!("{} {run} · {stage}", pipeline.pipeline.name),
                how: How::Demo(log),
            });
        }
        SourceKind::Github(c) => {
            let job = job.ok_or_else(no_job)?;
            let request = github::request(c, &job)?;
            (job, http(request, secret(&c.auth)))
        }
        SourceKind::Gitlab(c) => {
            let job = job.ok_or_else(no_job)?;
            let request = gitlab::request(c, &job)?;
            (job, http(request, secret(&c.auth)))
        }
        SourceKind::Buildkite(c) => {
            let job = job.ok_or_else(no_job)?;
            let request = buildkite::request(c, &run, &job)?;
            (job, http(request, secret(&c.auth)))
        }
        SourceKind::Jenkins(c) => {
            let build = pipeline.pipeline.url.as_deref().ok_or_else(|| {
                format!(
                    "{} gives no build URL for {}",
                    source.name, pipeline.pipeline.name
                )
            })?;
            let request = jenkins::request(c, build)?;
            (request.url.clone(), http(request, secret(&c.auth)))
        }
        SourceKind::Prometheus(_)
        | SourceKind::Exposition(_)
        | SourceKind::Cctray(_)
        | SourceKind::Andon(_) => {
            return Err(format!(
                "{} is a {} source, which serves no job logs",
                source.name,
                source.kind.name()
            ));
        }
    };
    Ok(Target {
        key: LogKey {
            source: source.name.clone(),
            job,
        },
        title,
        how,
    })
}

/// Reads and cleans the log. Errors are worded for the screen and never hold a credential.
pub async fn fetch(target: &Target) -> Result<LogText, String> {
    match &target.how {
        How::Demo(log) => Ok(text::clean(log.render().as_bytes(), false, &[])),
        How::Http {
            request,
            secret,
            transport,
            timeout,
        } => {
            let secrets: Vec<&str> = secret.iter().map(Secret::expose).collect();
            // A reason may quote the server's answer: it gets the log's treatment too.
            let clean_reason = |reason: String| text::one_line(&reason, &secrets);
            let client = fetch::client(transport).map_err(clean_reason)?;
            let tail = fetch::tail(&client, request, TAIL_BYTES, transport.max_body, *timeout)
                .await
                .map_err(clean_reason)?;
            Ok(text::clean(&tail.bytes, tail.cut, &secrets))
        }
    }
}

/// When the source of `pipeline` last answered, as the view says.
pub fn polled_at(
    view: &crate::view::ViewModel,
    pipeline: &PipelineView,
) -> Option<crate::model::Timestamp> {
    view.sources
        .iter()
        .find(|s| *s.name == *pipeline.source)
        .and_then(|s| s.last_success)
}

/// The first failing pipeline whose name is `wanted`, or else the only one containing it.
pub fn find_pipeline<'a>(
    pipelines: &'a [PipelineView],
    wanted: &str,
) -> Result<&'a PipelineView, String> {
    if let Some(exact) = pipelines.iter().find(|p| p.pipeline.name == wanted) {
        return Ok(exact);
    }
    let lower = wanted.to_lowercase();
    let matching: Vec<&PipelineView> = pipelines
        .iter()
        .filter(|p| p.pipeline.name.to_lowercase().contains(&lower))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no pipeline is named like {wanted:?}")),
        many => Err(format!(
            "{wanted:?} names {} pipelines: {}",
            many.len(),
            many.iter()
                .map(|p| p.pipeline.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
