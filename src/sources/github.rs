//! GitHub Actions (and GitHub Enterprise via `api_url`): the latest run of each workflow on the
//! branch with its jobs as stages; deployments to the production environment with their
//! statuses as DORA deployments; lead time from every commit each deployment delivers (the
//! comparison of its `sha` with the previous successful deployment's; the oldest listed one
//! counts its own `sha` only); incidents from issues carrying a label.
//!
//! Requests per poll, steady state: runs (1) + jobs of runs still in progress (0..workflows) +
//! deployments (1) + issues (1), all conditional. Jobs of finished runs, deployment outcomes,
//! commit times and comparisons never change and are fetched once; at most `MAX_DETAILS` of
//! those per poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{
    BuildStatus, Change, Deployment, DoraEvents, Incident, PastRun, Pipeline, Snapshot, StageRun,
    StageStatus, Timestamp,
};
use crate::sources::SourceError;
use crate::sources::comparisons::{CompareRequest, Comparisons};
use crate::sources::delivery::{
    Base, Compared, MAX_COMPARE_COMMITS, Seen, bases_in_time_order, changes_of,
};
use crate::sources::http::{self, encode};
use crate::sources::polite::{Polite, parse_json, sensitive};

/// GitHub Actions: workflow runs, jobs, production deployments and labelled incident issues.
#[derive(Debug, Clone, PartialEq)]
pub struct GithubConfig {
    /// API root without a trailing slash: https://api.github.com, or GHE's https://host/api/v3.
    pub api_url: String,
    /// "owner/name".
    pub repo: String,
    pub branch: String,
    /// Workflow names or file names to show; empty shows every workflow with runs on the branch.
    pub workflows: Vec<String>,
    /// Deployment environment counted for DORA; empty turns deployments off.
    pub environment: String,
    pub incident_label: String,
    pub auth: Auth,
}

impl KindConfig for GithubConfig {
    const NAME: &'static str = "github";
    const KEYS: &'static [&'static str] = &[
        "api_url",
        "repo",
        "branch",
        "workflows",
        "environment",
        "incident_label",
        "token",
        "token_env",
        "token_file",
    ];
    const REQUIRED: &'static [&'static str] = &["repo"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        let raw = source.raw;
        let auth = source.auth()?;
        let repo = source.required(&raw.repo, "repo", "owner/name")?;
        let parts: Vec<&str> = repo.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
            let span = raw.repo.as_ref().map_or(0..0, |r| r.span());
            return Err(source.error(
                span,
                "repo",
                format!("{repo:?} is not of the form \"owner/name\""),
            ));
        }
        Ok(GithubConfig {
            api_url: source.api_url("https://api.github.com")?,
            repo,
            branch: source.branch(),
            workflows: raw
                .workflows
                .as_ref()
                .map_or(Vec::new(), |w| w.get_ref().clone()),
            environment: source.environment(),
            incident_label: raw
                .incident_label
                .as_ref()
                .map_or("incident".to_string(), |l| l.get_ref().trim().to_string()),
            auth,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{}/repos/{} branch {} ({})",
            http::redact(&self.api_url),
            self.repo,
            self.branch,
            self.auth.describe()
        )
    }

    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    fn auth(&self) -> Option<&Auth> {
        Some(&self.auth)
    }

    fn api_url(&self) -> Option<&str> {
        Some(&self.api_url)
    }
}

/// Most detail requests (jobs of a new run, a deployment's statuses, a commit, a comparison)
/// in one poll.
pub const MAX_DETAILS: usize = 20;
/// Most workflows shown from one repository.
const MAX_WORKFLOWS: usize = 20;
/// Most pages of one run's jobs (100 each; GitHub caps a matrix at 256 jobs).
const MAX_JOB_PAGES: usize = 10;

#[derive(Debug, Deserialize)]
pub struct Runs {
    pub workflow_runs: Vec<Run>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Run {
    pub id: u64,
    /// The workflow's own id: stable across renames (older servers may leave out name and path).
    #[serde(default)]
    pub workflow_id: Option<u64>,
    pub name: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    pub head_sha: Option<String>,
    pub run_number: Option<u64>,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub run_started_at: Option<Timestamp>,
    #[serde(default)]
    pub head_commit: Option<HeadCommit>,
    #[serde(default)]
    pub actor: Option<Actor>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HeadCommit {
    pub author: Option<CommitAuthor>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommitAuthor {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Actor {
    pub login: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Jobs {
    pub jobs: Vec<Job>,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    #[serde(default)]
    pub id: Option<u64>,
    pub name: String,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    /// When the job was queued.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub completed_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
pub struct GhDeployment {
    pub id: u64,
    pub sha: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct DeploymentStatus {
    pub state: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct CommitDetail {
    pub commit: CommitInner,
}

#[derive(Debug, Deserialize)]
pub struct CommitInner {
    pub committer: Option<Signature>,
    pub author: Option<Signature>,
}

#[derive(Debug, Deserialize)]
pub struct Signature {
    pub date: Option<Timestamp>,
}

impl CommitInner {
    /// When the commit was made: committer date (when it reached the branch), else author date.
    pub fn time(&self) -> Option<Timestamp> {
        self.committer
            .as_ref()
            .and_then(|s| s.date)
            .or(self.author.as_ref().and_then(|s| s.date))
    }
}

/// `GET /repos/{owner}/{repo}/compare/{base}...{head}`: the commits reachable from head and not
/// from base, oldest first.
#[derive(Debug, Deserialize)]
pub struct Comparison {
    pub total_commits: Option<usize>,
    #[serde(default)]
    pub commits: Vec<ComparedCommit>,
}

#[derive(Debug, Deserialize)]
pub struct ComparedCommit {
    pub sha: String,
    pub commit: CommitInner,
}

#[derive(Debug, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
}

/// What is known for good about a deployment once its statuses say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished successfully at this time (the first `success` status).
    Succeeded(Timestamp),
    /// Failed or errored, or went inactive without succeeding.
    NotSucceeded,
}

#[derive(Default)]
struct Memo {
    /// Jobs of finished runs, by run id.
    jobs: HashMap<u64, Vec<StageRun>>,
    outcomes: HashMap<u64, Outcome>,
    commit_times: HashMap<String, Timestamp>,
}

pub struct GithubSource {
    config: GithubConfig,
    http: Polite,
    memo: Mutex<Memo>,
    compares: Comparisons,
}

impl GithubSource {
    pub fn new(config: GithubConfig, client: http::Client) -> GithubSource {
        GithubSource {
            config,
            http: Polite::new(client),
            memo: Mutex::default(),
            compares: Comparisons::default(),
        }
    }

    /// Its HTTP client, for the budget and pace the poller follows.
    pub fn http(&self) -> &Polite {
        &self.http
    }

    fn headers(&self) -> Result<HeaderMap, SourceError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "accept",
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        if let Some(token) = self.config.auth.token().map_err(SourceError::token)? {
            headers.insert(
                "authorization",
                sensitive(&format!("Bearer {}", token.expose()))?,
            );
        }
        Ok(headers)
    }

    fn repo_url(&self) -> String {
        format!("{}/repos/{}", self.config.api_url, self.config.repo)
    }

    /// The repository's short name, used as the DORA app and the pipelines' prefix.
    fn app(&self) -> &str {
        self.config
            .repo
            .rsplit('/')
            .next()
            .unwrap_or(&self.config.repo)
    }

    pub async fn poll(&self, _now: Timestamp) -> Result<Snapshot, SourceError> {
        let headers = self.headers()?;
        let mut details = 0usize;
        let pipelines = self.pipelines(&headers, &mut details).await?;
        let mut events = DoraEvents::default();
        if !self.config.environment.is_empty() {
            let (deployments, changes) = self.deployments(&headers, &mut details).await?;
            events.deployments = deployments;
            events.changes = changes;
        }
        if !self.config.incident_label.is_empty() {
            events.incidents = self.incidents(&headers).await?;
        }
        Ok(Snapshot {
            pipelines,
            events,
            ..Snapshot::default()
        })
    }

    async fn pipelines(
        &self,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<Vec<Pipeline>, SourceError> {
        let url = format!(
            "{}/actions/runs?branch={}&per_page=100",
            self.repo_url(),
            encode(&self.config.branch)
        );
        let (runs, _): (Runs, _) = self.http.get_json(&url, headers, "workflow runs").await?;
        let latest = latest_per_workflow(&runs.workflow_runs, &self.config.workflows);
        let mut pipelines = Vec::with_capacity(latest.len());
        for run in latest.into_iter().take(MAX_WORKFLOWS) {
            let known = self
                .memo
                .lock()
                .ok()
                .and_then(|m| m.jobs.get(&run.id).cloned());
            let stages = match known {
                Some(stages) => Some(stages),
                None if *details < MAX_DETAILS => {
                    let jobs = self.jobs(run.id, headers, details).await?;
                    let stages = stages_of(&jobs);
                    if run.status.as_deref() == Some("completed")
                        && let Ok(mut memo) = self.memo.lock()
                    {
                        memo.jobs.insert(run.id, stages.clone());
                    }
                    Some(stages)
                }
                None => None,
            };
            pipelines.push(card(self.app(), &runs.workflow_runs, run, stages));
        }
        if let Ok(mut memo) = self.memo.lock() {
            super::forget_unlisted(&mut memo.jobs, runs.workflow_runs.iter().map(|r| r.id));
        }
        Ok(pipelines)
    }

    /// Every job of a run, page by page (a matrix easily passes the 100 of one page); each page
    /// counts as a detail request.
    async fn jobs(
        &self,
        run_id: u64,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<Vec<Job>, SourceError> {
        let mut next = Some(format!(
            "{}/actions/runs/{run_id}/jobs?per_page=100",
            self.repo_url()
        ));
        let mut jobs = Vec::new();
        for _ in 0..MAX_JOB_PAGES {
            let Some(url) = next.take() else { break };
            *details += 1;
            let (page, following): (Jobs, _) = self.http.get_json(&url, headers, "jobs").await?;
            if page.jobs.is_empty() {
                break;
            }
            jobs.extend(page.jobs);
            next = following;
        }
        Ok(jobs)
    }

    async fn deployments(
        &self,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<(Vec<Deployment>, Vec<Change>), SourceError> {
        let url = format!(
            "{}/deployments?environment={}&per_page=100",
            self.repo_url(),
            encode(&self.config.environment)
        );
        let listed: Vec<GhDeployment> = self.http.get_pages(&url, headers, "deployments").await?;
        // Outcomes newest first, so that a long history fills in from the recent end.
        if let Ok(mut memo) = self.memo.lock() {
            super::forget_unlisted(&mut memo.outcomes, listed.iter().map(|d| d.id));
            super::forget_unlisted(&mut memo.commit_times, listed.iter().map(|d| d.sha.clone()));
        }
        let mut outcomes = Vec::with_capacity(listed.len());
        for d in &listed {
            outcomes.push(self.outcome(d, headers, details).await?);
        }
        let base_of = bases_in_time_order(
            &listed
                .iter()
                .zip(&outcomes)
                .map(|(d, &outcome)| ((d.created_at, d.id), d.sha.as_str(), seen_of(outcome)))
                .collect::<Vec<_>>(),
        );
        let mut deployments = Vec::new();
        let mut changes = Vec::new();
        for (i, d) in listed.iter().enumerate() {
            let Some(Outcome::Succeeded(finished_at)) = outcomes[i].flatten() else {
                continue;
            };
            deployments.push(Deployment {
                app: self.app().to_string(),
                image_sha: Some(d.sha.clone()),
                commit: Some(d.sha.clone()),
                finished_at,
                marked: None,
            });
            let delivered = match &base_of[i] {
                Some(Base::None) => self.own_commit(&d.sha, headers, details).await?,
                // A redeployment of the same commit delivers nothing new.
                Some(Base::After(base)) if *base == d.sha => Vec::new(),
                Some(Base::After(base)) => {
                    match self.compare(base, &d.sha, headers, details).await? {
                        Some(c) if c.unavailable.is_none() => c.commits.clone(),
                        Some(_) => self.own_commit(&d.sha, headers, details).await?,
                        None => Vec::new(),
                    }
                }
                Some(Base::Unknown) | None => Vec::new(),
            };
            changes.extend(changes_of(self.app(), &d.sha, &delivered));
        }
        Ok((deployments, changes))
    }

    /// A deployment's outcome: `None` when not looked at this poll (too many details already),
    /// `Some(None)` while it is still going.
    async fn outcome(
        &self,
        d: &GhDeployment,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<Option<Option<Outcome>>, SourceError> {
        let known = self
            .memo
            .lock()
            .ok()
            .and_then(|m| m.outcomes.get(&d.id).copied());
        if let Some(outcome) = known {
            return Ok(Some(Some(outcome)));
        }
        if *details >= MAX_DETAILS {
            return Ok(None);
        }
        *details += 1;
        let url = format!(
            "{}/deployments/{}/statuses?per_page=100",
            self.repo_url(),
            d.id
        );
        let (statuses, _): (Vec<DeploymentStatus>, _) = self
            .http
            .get_json(&url, headers, "deployment statuses")
            .await?;
        let outcome = outcome_of(&statuses);
        if let (Some(outcome), Ok(mut memo)) = (outcome, self.memo.lock()) {
            memo.outcomes.insert(d.id, outcome);
        }
        Ok(Some(outcome))
    }

    /// The deployed commit alone, when that is all that is known of a delivery.
    async fn own_commit(
        &self,
        sha: &str,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<Vec<(String, Timestamp)>, SourceError> {
        let at = self.commit_time(sha, headers, details).await?;
        Ok(at.map(|at| (sha.to_string(), at)).into_iter().collect())
    }

    /// The commit time of `sha`, fetched once.
    async fn commit_time(
        &self,
        sha: &str,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<Option<Timestamp>, SourceError> {
        let known = self
            .memo
            .lock()
            .ok()
            .and_then(|m| m.commit_times.get(sha).copied());
        if known.is_some() || *details >= MAX_DETAILS {
            return Ok(known);
        }
        *details += 1;
        let url = format!("{}/commits/{}", self.repo_url(), encode(sha));
        let (commit, _): (CommitDetail, _) = self.http.get_json(&url, headers, "commit").await?;
        let at = commit.commit.time();
        if let (Some(at), Ok(mut memo)) = (at, self.memo.lock()) {
            memo.commit_times.insert(sha.to_string(), at);
        }
        Ok(at)
    }

    /// The commits after `base` up to `head`, fetched once per pair.
    async fn compare(
        &self,
        base: &str,
        head: &str,
        headers: &HeaderMap,
        details: &mut usize,
    ) -> Result<Option<Arc<Compared>>, SourceError> {
        let request = CompareRequest {
            base,
            head,
            url: format!(
                "{}/compare/{}...{}",
                self.repo_url(),
                encode(base),
                encode(head)
            ),
            headers,
            origin: &self.config.repo,
        };
        self.compares
            .get(&self.http, request, details, MAX_DETAILS, compared_of)
            .await
    }

    async fn incidents(&self, headers: &HeaderMap) -> Result<Vec<Incident>, SourceError> {
        let url = format!(
            "{}/issues?labels={}&state=all&sort=created&direction=desc&per_page=100",
            self.repo_url(),
            encode(&self.config.incident_label)
        );
        let issues: Vec<Issue> = self.http.get_pages(&url, headers, "issues").await?;
        Ok(incidents_of(self.app(), issues))
    }
}

/// The cards of one page of workflow runs, as a poll shows them before it has read any jobs.
pub fn read_runs(
    app: &str,
    text: &str,
    workflows: &[String],
) -> Result<Vec<Pipeline>, SourceError> {
    let runs: Runs = parse_json(text, "workflow runs")?;
    Ok(latest_per_workflow(&runs.workflow_runs, workflows)
        .into_iter()
        .take(MAX_WORKFLOWS)
        .map(|run| card(app, &runs.workflow_runs, run, None))
        .collect())
}

/// The stages of one page of a run's jobs.
pub fn read_jobs(text: &str) -> Result<Vec<StageRun>, SourceError> {
    let jobs: Jobs = parse_json(text, "jobs")?;
    Ok(stages_of(&jobs.jobs))
}

/// The outcome of a deployment from one page of its statuses.
pub fn read_statuses(text: &str) -> Result<Option<Outcome>, SourceError> {
    let statuses: Vec<DeploymentStatus> = parse_json(text, "deployment statuses")?;
    Ok(outcome_of(&statuses))
}

/// When a commit was made, from its detail.
pub fn read_commit(text: &str) -> Result<Option<Timestamp>, SourceError> {
    let commit: CommitDetail = parse_json(text, "commit")?;
    Ok(commit.commit.time())
}

/// The commits of a comparison, as lead time counts them.
pub fn read_comparison(text: &str) -> Result<Compared, SourceError> {
    Ok(compared_of(parse_json(text, "comparison")?))
}

/// The incidents of one page of issues.
pub fn read_issues(app: &str, text: &str) -> Result<Vec<Incident>, SourceError> {
    Ok(incidents_of(app, parse_json(text, "issues")?))
}

/// Issues as incidents; pull requests (which the issues API lists too) are not incidents.
pub fn incidents_of(app: &str, issues: Vec<Issue>) -> Vec<Incident> {
    issues
        .into_iter()
        .filter(|i| i.pull_request.is_none())
        .map(|i| Incident {
            app: app.to_string(),
            id: format!("#{}", i.number),
            opened_at: i.created_at,
            resolved_at: i.closed_at,
        })
        .collect()
}

/// A workflow's card from its newest run, with the verdicts of the earlier runs in `runs`.
pub fn card(app: &str, runs: &[Run], run: &Run, stages: Option<Vec<StageRun>>) -> Pipeline {
    let mut pipeline = pipeline_of(app, run, stages);
    pipeline.name = format!("{app}/{}", workflow_name(runs, run));
    pipeline.previous = previous_runs(runs, run);
    // A cancelled or skipped newest run says nothing about the line: show the verdict of the
    // newest run that has one.
    if !pipeline.building
        && matches!(
            stage_status(run.status.as_deref(), run.conclusion.as_deref()),
            StageStatus::Skipped | StageStatus::Unknown
        )
        && let Some(verdict) = last_verdict(runs, run)
    {
        pipeline.status = verdict;
    }
    pipeline
}

/// What makes runs one workflow: its id, else (older servers) its file, else its name. Runs
/// of one workflow may carry different names (a rename; a file that failed to load is named
/// by its path), and stay one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkflowKey {
    Id(u64),
    Path(String),
    Name(String),
}

pub fn workflow_key(run: &Run) -> WorkflowKey {
    if let Some(id) = run.workflow_id {
        return WorkflowKey::Id(id);
    }
    match run.path.as_deref().map(normalized_path) {
        Some(path) if !path.is_empty() => WorkflowKey::Path(path.to_string()),
        _ => WorkflowKey::Name(run.name.clone().unwrap_or_default()),
    }
}

fn same_workflow(a: &Run, b: &Run) -> bool {
    workflow_key(a) == workflow_key(b)
}

/// `./.github/workflows/ci.yml@refs/heads/main` -> `.github/workflows/ci.yml`.
fn normalized_path(path: &str) -> &str {
    let path = path.trim();
    let path = path.split_once('@').map_or(path, |(p, _)| p);
    path.trim_start_matches("./")
}

/// The name a workflow's card shows: the newest name its runs carry that is a name, not the
/// path GitHub puts there when the file failed to load; else the path; else its id.
pub fn workflow_name(runs: &[Run], run: &Run) -> String {
    let mut own: Vec<&Run> = runs.iter().filter(|r| same_workflow(r, run)).collect();
    if !own.iter().any(|r| r.id == run.id) {
        own.push(run);
    }
    own.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    let real_name = own.iter().find_map(|r| {
        let name = r.name.as_deref()?.trim();
        let is_path = r
            .path
            .as_deref()
            .is_some_and(|p| normalized_path(p) == name)
            || name.starts_with(".github/");
        (!name.is_empty() && !is_path).then(|| name.to_string())
    });
    real_name
        .or_else(|| {
            own.iter()
                .find_map(|r| r.path.as_deref().map(normalized_path))
                .filter(|p| !p.is_empty())
                .map(str::to_string)
        })
        .or_else(|| run.workflow_id.map(|id| format!("workflow {id}")))
        .unwrap_or_else(|| "workflow".to_string())
}

/// The newest run of each workflow (the API lists newest first), optionally only the named
/// workflows (by name, file name or path), sorted by the name shown.
pub fn latest_per_workflow<'a>(runs: &'a [Run], wanted: &[String]) -> Vec<&'a Run> {
    let mut latest: Vec<&Run> = Vec::new();
    for run in runs {
        if !wanted.is_empty() && !wanted.iter().any(|w| matches_workflow(w, runs, run)) {
            continue;
        }
        match latest.iter_mut().find(|r| same_workflow(r, run)) {
            Some(existing) => {
                if (run.created_at, run.id) > (existing.created_at, existing.id) {
                    *existing = run;
                }
            }
            None => latest.push(run),
        }
    }
    latest.sort_by_cached_key(|r| workflow_name(runs, r));
    latest
}

/// The status of the newest finished run of `run`'s workflow that passed or failed.
pub fn last_verdict(runs: &[Run], run: &Run) -> Option<BuildStatus> {
    runs.iter()
        .filter(|r| same_workflow(r, run))
        .filter_map(
            |r| match stage_status(r.status.as_deref(), r.conclusion.as_deref()) {
                StageStatus::Passed => Some((r.created_at, BuildStatus::Passing)),
                StageStatus::Failed => Some((r.created_at, BuildStatus::Failing)),
                _ => None,
            },
        )
        .max_by_key(|(at, _)| *at)
        .map(|(_, status)| status)
}

/// A `workflows` entry names a workflow however the API or the user writes it: its name (any
/// its runs carry), its file name (`ci.yml`) or its path (`.github/workflows/ci.yml`, with or
/// without `./` or an `@ref`).
fn matches_workflow(wanted: &str, runs: &[Run], run: &Run) -> bool {
    let wanted = normalized_path(wanted);
    let named = |r: &Run| {
        r.name.as_deref().map(str::trim) == Some(wanted)
            || r.path.as_deref().map(normalized_path).is_some_and(|p| {
                p == wanted
                    || p.rsplit('/').next() == Some(wanted)
                    || p.ends_with(&format!("/{wanted}"))
            })
    };
    named(run) || runs.iter().any(|r| same_workflow(r, run) && named(r))
}

/// A job's or run's stage status from GitHub's status and conclusion.
pub fn stage_status(status: Option<&str>, conclusion: Option<&str>) -> StageStatus {
    match status.unwrap_or("") {
        "completed" => match conclusion.unwrap_or("") {
            "success" => StageStatus::Passed,
            "failure" | "timed_out" | "startup_failure" => StageStatus::Failed,
            "cancelled" | "skipped" | "neutral" | "stale" => StageStatus::Skipped,
            "action_required" => StageStatus::Pending,
            _ => StageStatus::Unknown,
        },
        "in_progress" => StageStatus::Running,
        "queued" | "waiting" | "requested" | "pending" => StageStatus::Pending,
        _ => StageStatus::Unknown,
    }
}

pub fn stages_of(jobs: &[Job]) -> Vec<StageRun> {
    jobs.iter()
        .map(|j| {
            let status = stage_status(j.status.as_deref(), j.conclusion.as_deref());
            let ran = matches!(
                status,
                StageStatus::Passed | StageStatus::Failed | StageStatus::Running
            );
            let started_at = j.started_at.filter(|_| ran);
            StageRun {
                name: j.name.clone(),
                status,
                started_at,
                finished_at: j
                    .completed_at
                    .filter(|_| ran && status != StageStatus::Running),
                queued: started_at
                    .zip(j.created_at)
                    .and_then(|(started, queued)| (started - queued).to_std().ok()),
                job: j.id.map(|id| id.to_string()),
            }
        })
        .collect()
}

/// Verdicts of the workflow's earlier finished runs in the listing, newest first.
pub fn previous_runs(runs: &[Run], run: &Run) -> Vec<PastRun> {
    let mut earlier: Vec<&Run> = runs
        .iter()
        .filter(|r| same_workflow(r, run) && r.id != run.id && r.created_at <= run.created_at)
        .collect();
    earlier.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    earlier
        .into_iter()
        .filter_map(|r| {
            let passed = match stage_status(r.status.as_deref(), r.conclusion.as_deref()) {
                StageStatus::Passed => true,
                StageStatus::Failed => false,
                _ => return None,
            };
            Some(PastRun {
                id: format!("#{}", r.run_number.unwrap_or(r.id)),
                passed,
                commit: r.head_sha.clone(),
            })
        })
        .collect()
}

/// A workflow's card. Without jobs, the run's own status decides.
pub fn pipeline_of(app: &str, run: &Run, stages: Option<Vec<StageRun>>) -> Pipeline {
    let name = format!("{app}/{}", run.name.as_deref().unwrap_or("workflow"));
    let run_status = stage_status(run.status.as_deref(), run.conclusion.as_deref());
    let mut pipeline = match stages.filter(|s| !s.is_empty()) {
        Some(stages) => Pipeline::from_stages(name, stages),
        None => {
            let status = match run_status {
                StageStatus::Passed => BuildStatus::Passing,
                StageStatus::Failed => BuildStatus::Failing,
                _ => BuildStatus::Unknown,
            };
            let mut p = Pipeline::new(name, status);
            p.building = run_status == StageStatus::Running;
            p
        }
    };
    // A finished run's conclusion is the verdict, whatever its jobs say.
    match run_status {
        StageStatus::Passed => pipeline.status = BuildStatus::Passing,
        StageStatus::Failed => pipeline.status = BuildStatus::Failing,
        _ => {}
    }
    pipeline.building |= matches!(run.status.as_deref(), Some("in_progress"));
    pipeline.url = run.html_url.clone();
    pipeline.label = run.run_number.map(|n| format!("#{n}"));
    pipeline.last_build_at = run.updated_at.or(run.created_at);
    pipeline.commit = run.head_sha.clone();
    pipeline.author = run
        .head_commit
        .as_ref()
        .and_then(|c| c.author.as_ref()?.name.clone())
        .or_else(|| run.actor.as_ref()?.login.clone());
    pipeline.started_at = run.run_started_at.or(run.created_at);
    pipeline.finished_at = run
        .updated_at
        .filter(|_| run.status.as_deref() == Some("completed"));
    pipeline.no_verdict = run.status.as_deref() == Some("completed")
        && !matches!(run_status, StageStatus::Passed | StageStatus::Failed);
    pipeline
}

/// A deployment as the delivery pairing sees it: `None` when its statuses were not read.
fn seen_of(outcome: Option<Option<Outcome>>) -> Seen {
    match outcome {
        None => Seen::NotLooked,
        Some(Some(Outcome::Succeeded(_))) => Seen::Succeeded,
        Some(_) => Seen::NotDelivered,
    }
}

/// A comparison's commits with their times, at most `MAX_COMPARE_COMMITS`; commits without a
/// time are left out (and counted in the total, so the cut shows).
pub fn compared_of(comparison: Comparison) -> Compared {
    let listed = comparison.commits.len();
    let commits: Vec<(String, Timestamp)> = comparison
        .commits
        .into_iter()
        .take(MAX_COMPARE_COMMITS)
        .filter_map(|c| Some((c.sha, c.commit.time()?)))
        .collect();
    Compared {
        total: comparison.total_commits.unwrap_or(listed).max(listed),
        commits,
        unavailable: None,
    }
}

/// A deployment's outcome once its statuses settle it; None while it is still going.
pub fn outcome_of(statuses: &[DeploymentStatus]) -> Option<Outcome> {
    if let Some(first_success) = statuses
        .iter()
        .filter(|s| s.state == "success")
        .map(|s| s.created_at)
        .min()
    {
        return Some(Outcome::Succeeded(first_success));
    }
    statuses
        .iter()
        .any(|s| matches!(s.state.as_str(), "failure" | "error" | "inactive"))
        .then_some(Outcome::NotSucceeded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: u64, name: &str, created: i64, status: &str, conclusion: Option<&str>) -> Run {
        Run {
            id,
            workflow_id: None,
            name: Some(name.into()),
            path: Some(format!(".github/workflows/{}.yml", name.to_lowercase())),
            head_sha: None,
            run_number: Some(id),
            status: Some(status.into()),
            conclusion: conclusion.map(String::from),
            html_url: None,
            created_at: chrono::DateTime::from_timestamp(created, 0),
            updated_at: None,
            run_started_at: None,
            head_commit: None,
            actor: None,
        }
    }

    #[test]
    fn latest_run_per_workflow_and_filter_by_file_name() {
        let runs = vec![
            run(3, "CI", 300, "in_progress", None),
            run(2, "Deploy", 200, "completed", Some("success")),
            run(1, "CI", 100, "completed", Some("failure")),
        ];
        let latest = latest_per_workflow(&runs, &[]);
        assert_eq!(latest.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 2]);
        let only = latest_per_workflow(&runs, &["deploy.yml".to_string()]);
        assert_eq!(only.iter().map(|r| r.id).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn conclusion_decides_a_finished_run() {
        let r = run(1, "CI", 0, "completed", Some("failure"));
        let p = pipeline_of("shop", &r, None);
        assert_eq!(
            (p.name.as_str(), p.status),
            ("shop/CI", BuildStatus::Failing)
        );
        assert!(!p.no_verdict);
        let r = run(2, "CI", 0, "completed", Some("cancelled"));
        let cancelled = pipeline_of("shop", &r, None);
        assert_eq!(cancelled.status, BuildStatus::Unknown);
        assert!(
            cancelled.no_verdict,
            "a cancelled run is no pass and no failure"
        );
        let runs = vec![
            r.clone(),
            run(1, "CI", -10, "completed", Some("failure")),
            run(0, "CI", -20, "completed", Some("success")),
        ];
        assert_eq!(last_verdict(&runs, &r), Some(BuildStatus::Failing));
        let ids: Vec<(String, bool)> = previous_runs(&runs, &r)
            .into_iter()
            .map(|p| (p.id, p.passed))
            .collect();
        assert_eq!(ids, [("#1".to_string(), false), ("#0".to_string(), true)]);
    }

    #[test]
    fn deployment_outcomes() {
        let s = |state: &str, t: i64| DeploymentStatus {
            state: state.into(),
            created_at: chrono::DateTime::from_timestamp(t, 0).unwrap(),
        };
        assert_eq!(outcome_of(&[s("in_progress", 1)]), None);
        assert_eq!(
            outcome_of(&[s("inactive", 9), s("success", 5), s("in_progress", 1)]),
            Some(Outcome::Succeeded(
                chrono::DateTime::from_timestamp(5, 0).unwrap()
            ))
        );
        assert_eq!(outcome_of(&[s("failure", 5)]), Some(Outcome::NotSucceeded));
    }

    #[test]
    fn a_cut_comparison_says_so_and_keeps_what_it_lists() {
        let comparison: Comparison = serde_json::from_str(
            r#"{"status": "ahead", "ahead_by": 812, "behind_by": 0, "total_commits": 812,
                "commits": [
                  {"sha": "a1", "commit": {"author": {"date": "2026-11-01T10:00:00Z"},
                                           "committer": {"date": "2026-11-01T11:00:00Z"}}},
                  {"sha": "a2", "commit": {"author": {"date": "2026-11-02T10:00:00Z"},
                                           "committer": null}}
                ], "files": []}"#,
        )
        .unwrap();
        let compared = compared_of(comparison);
        let shas: Vec<(&str, String)> = compared
            .commits
            .iter()
            .map(|(sha, at)| (sha.as_str(), at.to_rfc3339()))
            .collect();
        assert_eq!(
            shas,
            [
                ("a1", "2026-11-01T11:00:00+00:00".to_string()),
                ("a2", "2026-11-02T10:00:00+00:00".to_string())
            ],
            "committer date, else author date"
        );
        assert_eq!(
            compared.truncation().as_deref(),
            Some("lists 2 of 812 commits; lead time counts those")
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("release/1.0 x"), "release%2F1.0%20x");
    }
}
