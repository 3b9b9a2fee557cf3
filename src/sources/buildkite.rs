//! Buildkite: the latest build of a pipeline on a branch, with its jobs as stages. A build
//! carries its jobs, so a poll is one conditional request.
//!
//! With `deploy_pipeline`, the pipeline is taken to deploy to production: its passed builds on
//! the branch (up to 3 pages of 100, one more conditional request) are DORA deployments. That
//! gives deployment frequency and change failure rate, not lead time: a build knows its commit's
//! sha and its own creation time, not when the commit was made, and the build's time is not
//! passed off as the commit's.

use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{
    BuildStatus, Deployment, DoraEvents, Pipeline, ReworkMark, Snapshot, StageRun, StageStatus,
    Timestamp,
};
use crate::sources::SourceError;
use crate::sources::http::{self, encode};
use crate::sources::polite::{Polite, parse_json, sensitive};

/// Buildkite: the latest build of a pipeline on a branch, with its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildkiteConfig {
    pub api_url: String,
    pub organization: String,
    pub pipeline: String,
    pub branch: String,
    pub auth: Auth,
    /// The pipeline deploys to production: its passed builds on the branch are DORA
    /// deployments (frequency and failure rate; no lead time, which needs commit times).
    pub deploy_pipeline: bool,
}

impl KindConfig for BuildkiteConfig {
    const NAME: &'static str = "buildkite";
    const KEYS: &'static [&'static str] = &[
        "api_url",
        "organization",
        "pipeline",
        "branch",
        "token",
        "token_env",
        "token_file",
        "deploy_pipeline",
    ];
    const REQUIRED: &'static [&'static str] = &["organization", "pipeline"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        let raw = source.raw;
        let auth = source.auth()?;
        Ok(BuildkiteConfig {
            api_url: source.api_url("https://api.buildkite.com")?,
            organization: source.required(&raw.organization, "organization", "my-org")?,
            pipeline: source.required(&raw.pipeline, "pipeline", "my-pipeline")?,
            branch: source.branch(),
            auth,
            deploy_pipeline: raw.deploy_pipeline.as_ref().is_some_and(|d| *d.get_ref()),
        })
    }

    fn describe(&self) -> String {
        format!(
            "{}/v2/organizations/{}/pipelines/{} branch {} ({})",
            http::redact(&self.api_url),
            self.organization,
            self.pipeline,
            self.branch,
            self.auth.describe()
        )
    }

    fn notes(&self) -> Vec<String> {
        if !self.deploy_pipeline {
            return Vec::new();
        }
        vec![
            "DORA: passed builds are production deployments (no lead time: builds carry no commit time)"
                .to_string(),
        ]
    }

    fn auth(&self) -> Option<&Auth> {
        Some(&self.auth)
    }

    fn api_url(&self) -> Option<&str> {
        Some(&self.api_url)
    }
}

#[derive(Debug, Deserialize)]
pub struct Build {
    pub number: u64,
    pub state: String,
    #[serde(default)]
    pub commit: Option<String>,
    /// The commit message (a revert or hotfix marks a deployment as rework).
    #[serde(default)]
    pub message: Option<String>,
    pub web_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    #[serde(default)]
    pub jobs: Vec<Job>,
    pub author: Option<Person>,
    pub creator: Option<Person>,
}

#[derive(Debug, Deserialize)]
pub struct Person {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub label: Option<String>,
    pub step_key: Option<String>,
    pub state: Option<String>,
    #[serde(default)]
    pub soft_failed: bool,
    /// When the job could run (its dependencies done); it then waits for an agent.
    pub runnable_at: Option<Timestamp>,
    pub scheduled_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

pub struct BuildkiteSource {
    config: BuildkiteConfig,
    http: Polite,
}

impl BuildkiteSource {
    pub fn new(config: BuildkiteConfig, client: http::Client) -> BuildkiteSource {
        BuildkiteSource {
            config,
            http: Polite::new(client),
        }
    }

    /// Its HTTP client, for the budget and pace the poller follows.
    pub fn http(&self) -> &Polite {
        &self.http
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let mut headers = HeaderMap::new();
        if let Some(token) = self.config.auth.token().map_err(SourceError::token)? {
            headers.insert(
                "authorization",
                sensitive(&format!("Bearer {}", token.expose()))?,
            );
        }
        let url = format!(
            "{}/v2/organizations/{}/pipelines/{}/builds?branch={}&per_page=1",
            self.config.api_url,
            encode(&self.config.organization),
            encode(&self.config.pipeline),
            encode(&self.config.branch)
        );
        let (builds, _): (Vec<Build>, _) = self.http.get_json(&url, &headers, "builds").await?;
        let pipelines = latest_of(&self.config.pipeline, &builds);
        let mut events = DoraEvents::default();
        if self.config.deploy_pipeline {
            let url = format!(
                "{}/v2/organizations/{}/pipelines/{}/builds?branch={}&state=passed&per_page=100",
                self.config.api_url,
                encode(&self.config.organization),
                encode(&self.config.pipeline),
                encode(&self.config.branch)
            );
            let passed: Vec<Build> = self.http.get_pages(&url, &headers, "builds").await?;
            events.deployments = deployments_of(&self.config.pipeline, &passed);
        }
        Ok(Snapshot {
            pipelines,
            events,
            ..Snapshot::default()
        })
    }
}

/// The card of the newest build in one page of builds; none when nothing is listed.
pub fn read_builds(name: &str, text: &str) -> Result<Vec<Pipeline>, SourceError> {
    Ok(latest_of(name, &parse_json::<Vec<Build>>(text, "builds")?))
}

/// The deployments in one page of a deploy pipeline's builds.
pub fn read_deployments(app: &str, text: &str) -> Result<Vec<Deployment>, SourceError> {
    Ok(deployments_of(
        app,
        &parse_json::<Vec<Build>>(text, "builds")?,
    ))
}

/// The card of the newest build (builds are listed newest first).
fn latest_of(name: &str, builds: &[Build]) -> Vec<Pipeline> {
    builds
        .first()
        .map(|b| pipeline_of(name, b))
        .into_iter()
        .collect()
}

/// Passed builds of a deploy pipeline as deployments of `app`, at their finish time.
pub fn deployments_of(app: &str, builds: &[Build]) -> Vec<Deployment> {
    builds
        .iter()
        .filter(|b| b.state == "passed")
        .filter_map(|b| {
            Some(Deployment {
                app: app.to_string(),
                image_sha: None,
                commit: b.commit.clone(),
                finished_at: b.finished_at?,
                marked: b.message.as_deref().and_then(ReworkMark::of_commit_message),
            })
        })
        .collect()
}

/// A job's state as a stage status. `broken` means not run because an earlier step failed.
pub fn job_status(state: &str, soft_failed: bool) -> StageStatus {
    match state {
        "passed" => StageStatus::Passed,
        "failed" | "timed_out" | "expired" if soft_failed => StageStatus::Passed,
        "failed" | "timed_out" | "expired" | "waiting_failed" => StageStatus::Failed,
        "running" | "canceling" | "timing_out" => StageStatus::Running,
        "pending" | "scheduled" | "assigned" | "accepted" | "waiting" | "limited" | "limiting"
        | "blocked" | "unblocked" => StageStatus::Pending,
        "canceled" | "skipped" | "broken" | "not_run" => StageStatus::Skipped,
        _ => StageStatus::Unknown,
    }
}

pub fn pipeline_of(name: &str, build: &Build) -> Pipeline {
    let stages: Vec<StageRun> = build
        .jobs
        .iter()
        .filter(|j| j.kind != "waiter")
        .map(|j| StageRun {
            name: j
                .name
                .clone()
                .or(j.label.clone())
                .or(j.step_key.clone())
                .unwrap_or_else(|| j.kind.clone()),
            status: job_status(j.state.as_deref().unwrap_or(""), j.soft_failed),
            started_at: j.started_at,
            finished_at: j.finished_at.filter(|_| j.started_at.is_some()),
            queued: j
                .started_at
                .zip(j.runnable_at.or(j.scheduled_at))
                .and_then(|(started, ready)| (started - ready).to_std().ok()),
            job: j.id.clone(),
        })
        .collect();
    let mut pipeline = Pipeline::from_stages(name, stages);
    match build.state.as_str() {
        "passed" => pipeline.status = BuildStatus::Passing,
        "failed" | "failing" => pipeline.status = BuildStatus::Failing,
        "running" | "scheduled" => pipeline.building = true,
        _ => {}
    }
    pipeline.url = build.web_url.clone();
    pipeline.label = Some(format!("#{}", build.number));
    pipeline.last_build_at = build.finished_at.or(build.started_at).or(build.created_at);
    pipeline.commit = build.commit.clone().filter(|c| !c.is_empty());
    pipeline.no_verdict = matches!(
        build.state.as_str(),
        "canceled" | "canceling" | "skipped" | "not_run"
    );
    pipeline.author = build
        .author
        .as_ref()
        .and_then(|a| a.name.clone())
        .or_else(|| build.creator.as_ref()?.name.clone());
    pipeline.started_at = build.started_at;
    pipeline.finished_at = build.finished_at;
    pipeline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_states() {
        assert_eq!(job_status("broken", false), StageStatus::Skipped);
        assert_eq!(job_status("failed", true), StageStatus::Passed);
        assert_eq!(job_status("failed", false), StageStatus::Failed);
        assert_eq!(job_status("assigned", false), StageStatus::Pending);
    }

    #[test]
    fn a_hotfix_build_of_a_deploy_pipeline_is_marked_rework() {
        let builds: Vec<Build> = serde_json::from_str(
            r#"[{"number": 2, "state": "passed", "commit": "b2", "message": "Hotfix: null basket",
                 "finished_at": "2026-11-02T10:05:00Z"},
                {"number": 1, "state": "passed", "commit": "b1", "message": "Show the basket total",
                 "finished_at": "2026-11-01T10:05:00Z"}]"#,
        )
        .unwrap();
        let marks: Vec<_> = deployments_of("shop", &builds)
            .iter()
            .map(|d| d.marked)
            .collect();
        assert_eq!(marks, [Some(ReworkMark::Hotfix), None]);
    }
}
