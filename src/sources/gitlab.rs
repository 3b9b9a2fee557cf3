//! GitLab (gitlab.com or self-hosted via `api_url`): the branch's latest pipeline with its jobs
//! grouped by stage; successful production deployments with every commit each delivers (the
//! repository comparison with the previous deployment's commit; the oldest listed deployment
//! counts its own commit only); and incidents (issues of type incident, or issues with a
//! configured label).
//!
//! Requests per poll, steady state: pipelines (1) + jobs of the latest pipeline unless it
//! finished and was already read (0..1) + deployments (1) + issues (1), all conditional.
//! Comparisons never change: each is asked once, at most `MAX_COMPARES` in one poll.

use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{
    BuildStatus, Change, Deployment, DoraEvents, Incident, PastRun, Pipeline, ReworkMark, Snapshot,
    StageRun, StageStatus, Timestamp,
};
use crate::sources::SourceError;
use crate::sources::comparisons::{CompareRequest, Comparisons};
use crate::sources::delivery::{
    Base, Compared, MAX_COMPARE_COMMITS, Seen, bases_in_time_order, changes_of,
};
use crate::sources::http::{self, encode};
use crate::sources::polite::{Polite, parse_json, sensitive};

/// GitLab: pipelines, jobs by stage, production deployments and incident issues.
#[derive(Debug, Clone, PartialEq)]
pub struct GitlabConfig {
    /// API root without a trailing slash: https://gitlab.com/api/v4 or https://host/api/v4.
    pub api_url: String,
    /// Numeric id or "group/project" path.
    pub project: String,
    pub branch: String,
    pub environment: String,
    /// None: issues of type incident; Some(label): issues with that label.
    pub incident_label: Option<String>,
    pub auth: Auth,
}

impl KindConfig for GitlabConfig {
    const NAME: &'static str = "gitlab";
    const KEYS: &'static [&'static str] = &[
        "api_url",
        "project",
        "branch",
        "environment",
        "incident_label",
        "token",
        "token_env",
        "token_file",
    ];
    const REQUIRED: &'static [&'static str] = &["project"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        let raw = source.raw;
        let auth = source.auth()?;
        Ok(GitlabConfig {
            api_url: source.api_url("https://gitlab.com/api/v4")?,
            project: source.required(&raw.project, "project", "group/project")?,
            branch: source.branch(),
            environment: source.environment(),
            incident_label: raw
                .incident_label
                .as_ref()
                .map(|l| l.get_ref().trim().to_string()),
            auth,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{}/projects/{} branch {} ({})",
            http::redact(&self.api_url),
            self.project,
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

#[derive(Debug, Clone, Deserialize)]
pub struct GlPipeline {
    pub id: u64,
    pub iid: Option<u64>,
    pub sha: Option<String>,
    pub status: String,
    pub web_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GlJob {
    pub id: u64,
    pub name: String,
    pub stage: String,
    pub status: String,
    #[serde(default)]
    pub allow_failure: bool,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// Seconds the job waited for a runner.
    #[serde(default)]
    pub queued_duration: Option<f64>,
    #[serde(default)]
    pub commit: Option<JobCommit>,
    #[serde(default)]
    pub user: Option<GlUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobCommit {
    pub author_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GlUser {
    pub username: Option<String>,
    pub name: Option<String>,
}

/// What the jobs of a pipeline tell: its stages, and who wrote the commit it runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobsRead {
    pub stages: Vec<StageRun>,
    pub author: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct GlDeployment {
    pub sha: String,
    pub status: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub deployable: Option<Deployable>,
}

#[derive(Debug, Deserialize)]
pub struct Deployable {
    pub finished_at: Option<Timestamp>,
    pub commit: Option<GlCommit>,
}

#[derive(Debug, Deserialize)]
pub struct GlCommit {
    pub created_at: Option<Timestamp>,
    pub committed_date: Option<Timestamp>,
    pub authored_date: Option<Timestamp>,
    /// The whole commit message, and its first line (a revert or hotfix marks the deployment
    /// as rework).
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// `GET /projects/:id/repository/compare?from=&to=`: the commits after `from` up to `to`.
#[derive(Debug, Deserialize)]
pub struct GlComparison {
    #[serde(default)]
    pub commits: Vec<GlComparedCommit>,
    /// True when GitLab gave up before listing everything.
    #[serde(default)]
    pub compare_timeout: bool,
}

#[derive(Debug, Deserialize)]
pub struct GlComparedCommit {
    pub id: String,
    #[serde(flatten)]
    pub times: GlCommit,
}

impl GlCommit {
    fn time(&self) -> Option<Timestamp> {
        self.committed_date
            .or(self.created_at)
            .or(self.authored_date)
    }
}

/// Most comparisons asked in one poll; the rest follow on later polls.
pub const MAX_COMPARES: usize = 20;

#[derive(Debug, Deserialize)]
pub struct GlIssue {
    pub iid: u64,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

/// Stages of the last finished pipeline read, keyed by (id, updated_at).
type StageMemo = Option<((u64, Option<Timestamp>), JobsRead)>;

pub struct GitlabSource {
    config: GitlabConfig,
    http: Polite,
    memo: Mutex<StageMemo>,
    compares: Comparisons,
    /// Which of `DEPLOYMENT_QUERIES` the server accepts, found by trying them in order.
    deployment_query: std::sync::atomic::AtomicUsize,
}

/// The deployments query, newest GitLab first. Older self-hosted versions answer 400 to an
/// ordering or filter they do not know (`order_by=finished_at` came in 14.x); each step drops
/// what the one before needed. Order does not matter to the figures: deployments are put in
/// time order before they are paired.
const DEPLOYMENT_QUERIES: [&str; 3] = [
    "status=success&order_by=finished_at&sort=desc",
    "status=success&order_by=id&sort=desc",
    "order_by=id&sort=desc",
];

impl GitlabSource {
    pub fn new(config: GitlabConfig, client: http::Client) -> GitlabSource {
        GitlabSource {
            config,
            http: Polite::new(client),
            deployment_query: Default::default(),
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
        if let Some(token) = self.config.auth.token().map_err(SourceError::token)? {
            headers.insert("private-token", sensitive(token.expose())?);
        }
        Ok(headers)
    }

    fn project_url(&self) -> String {
        format!(
            "{}/projects/{}",
            self.config.api_url,
            encode(&self.config.project)
        )
    }

    fn app(&self) -> &str {
        self.config
            .project
            .rsplit('/')
            .next()
            .unwrap_or(&self.config.project)
    }

    pub async fn poll(&self, _now: Timestamp) -> Result<Snapshot, SourceError> {
        let headers = self.headers()?;
        let url = format!(
            "{}/pipelines?ref={}&order_by=id&sort=desc&per_page=5",
            self.project_url(),
            encode(&self.config.branch)
        );
        let (listed, _): (Vec<GlPipeline>, _) =
            self.http.get_json(&url, &headers, "pipelines").await?;
        let mut pipelines = Vec::new();
        if let Some((latest, earlier)) = listed.split_first() {
            let jobs = self.stages(latest, &headers).await?;
            pipelines.push(card(self.app(), latest, earlier, jobs));
        }
        let mut events = DoraEvents::default();
        if !self.config.environment.is_empty() {
            let listed = self.deployments(&headers).await?;
            let delivered = self.delivered(&listed, &headers).await?;
            let (deployments, changes) = dora_of(self.app(), &listed, &delivered);
            events.deployments = deployments;
            events.changes = changes;
        }
        let filter = match &self.config.incident_label {
            Some(label) => format!("labels={}", encode(label)),
            None => "issue_type=incident".to_string(),
        };
        let url = format!(
            "{}/issues?{filter}&scope=all&order_by=created_at&sort=desc&per_page=100",
            self.project_url()
        );
        let issues: Vec<GlIssue> = self.http.get_pages(&url, &headers, "issues").await?;
        events.incidents = incidents_of(self.app(), issues);
        Ok(Snapshot {
            pipelines,
            events,
            ..Snapshot::default()
        })
    }

    /// The production deployments, by the first query this server accepts.
    async fn deployments(&self, headers: &HeaderMap) -> Result<Vec<GlDeployment>, SourceError> {
        use std::sync::atomic::Ordering::Relaxed;
        loop {
            let step = self.deployment_query.load(Relaxed);
            let url = format!(
                "{}/deployments?environment={}&{}&per_page=100",
                self.project_url(),
                encode(&self.config.environment),
                DEPLOYMENT_QUERIES[step]
            );
            match self.http.get_pages(&url, headers, "deployments").await {
                Err(refused)
                    if refused.reason.starts_with("HTTP 400")
                        && step + 1 < DEPLOYMENT_QUERIES.len() =>
                {
                    tracing::info!(
                        refused = %refused.reason,
                        next = DEPLOYMENT_QUERIES[step + 1],
                        "this GitLab refuses a deployments query parameter; asking without it"
                    );
                    self.deployment_query.store(step + 1, Relaxed);
                }
                listed => return listed,
            }
        }
    }

    /// The commits each listed deployment delivers, where a comparison says; `None` where the
    /// deployed commit alone stands for the delivery.
    async fn delivered(
        &self,
        listed: &[GlDeployment],
        headers: &HeaderMap,
    ) -> Result<Vec<Option<Vec<(String, Timestamp)>>>, SourceError> {
        let base_of = bases_in_time_order(
            &listed
                .iter()
                .map(|d| {
                    let seen = if delivers(d) {
                        Seen::Succeeded
                    } else {
                        Seen::NotDelivered
                    };
                    ((finished_at(d), d.created_at), d.sha.as_str(), seen)
                })
                .collect::<Vec<_>>(),
        );
        let mut asked = 0usize;
        let mut delivered = vec![None; listed.len()];
        // Newest first (the list's order), so that a long history fills in from the recent end.
        for i in (0..listed.len()).filter(|&i| delivers(&listed[i])) {
            let head = listed[i].sha.as_str();
            delivered[i] = match &base_of[i] {
                Some(Base::After(base)) if base == head => Some(Vec::new()),
                Some(Base::After(base)) => self
                    .compare(base, head, headers, &mut asked)
                    .await?
                    .filter(|c| c.unavailable.is_none())
                    .map(|c| c.commits.clone()),
                _ => None,
            };
        }
        Ok(delivered)
    }

    async fn compare(
        &self,
        base: &str,
        head: &str,
        headers: &HeaderMap,
        asked: &mut usize,
    ) -> Result<Option<Arc<Compared>>, SourceError> {
        let request = CompareRequest {
            base,
            head,
            url: format!(
                "{}/repository/compare?from={}&to={}",
                self.project_url(),
                encode(base),
                encode(head)
            ),
            headers,
            origin: &self.config.project,
        };
        self.compares
            .get(&self.http, request, asked, MAX_COMPARES, compared_of)
            .await
    }

    async fn stages(
        &self,
        pipeline: &GlPipeline,
        headers: &HeaderMap,
    ) -> Result<JobsRead, SourceError> {
        let key = (pipeline.id, pipeline.updated_at);
        if let Ok(memo) = self.memo.lock()
            && let Some((known, read)) = memo.as_ref()
            && *known == key
        {
            return Ok(read.clone());
        }
        let url = format!(
            "{}/pipelines/{}/jobs?per_page=100",
            self.project_url(),
            pipeline.id
        );
        let jobs: Vec<GlJob> = self.http.get_pages(&url, headers, "jobs").await?;
        let read = jobs_read(&jobs);
        if finished(&pipeline.status)
            && let Ok(mut memo) = self.memo.lock()
        {
            *memo = Some((key, read.clone()));
        }
        Ok(read)
    }
}

/// The card of the newest of the listed pipelines (newest first) with one page of its jobs;
/// none when nothing is listed.
pub fn read_pipelines(
    app: &str,
    pipelines: &str,
    jobs: &str,
) -> Result<Vec<Pipeline>, SourceError> {
    let listed: Vec<GlPipeline> = parse_json(pipelines, "pipelines")?;
    let Some((latest, earlier)) = listed.split_first() else {
        return Ok(Vec::new());
    };
    let jobs: Vec<GlJob> = parse_json(jobs, "jobs")?;
    Ok(vec![card(app, latest, earlier, jobs_read(&jobs))])
}

/// Deployments and the changes they deliver from one page of deployments, before any
/// comparison is read (each delivers its own commit).
pub fn read_deployments(
    app: &str,
    text: &str,
) -> Result<(Vec<Deployment>, Vec<Change>), SourceError> {
    let listed: Vec<GlDeployment> = parse_json(text, "deployments")?;
    Ok(dora_of(app, &listed, &[]))
}

/// The commits of a comparison, as lead time counts them.
pub fn read_comparison(text: &str) -> Result<Compared, SourceError> {
    Ok(compared_of(parse_json(text, "comparison")?))
}

/// The incidents of one page of issues.
pub fn read_issues(app: &str, text: &str) -> Result<Vec<Incident>, SourceError> {
    Ok(incidents_of(app, parse_json(text, "issues")?))
}

/// Issues as incidents.
pub fn incidents_of(app: &str, issues: Vec<GlIssue>) -> Vec<Incident> {
    issues
        .into_iter()
        .map(|i| Incident {
            app: app.to_string(),
            id: format!("#{}", i.iid),
            opened_at: i.created_at,
            resolved_at: i.closed_at,
        })
        .collect()
}

/// A pipeline's stages and author from its jobs.
pub fn jobs_read(jobs: &[GlJob]) -> JobsRead {
    JobsRead {
        stages: stages_of(jobs),
        author: author_of(jobs),
    }
}

/// The card of the newest pipeline with its jobs, and the verdicts of the earlier ones.
fn card(app: &str, latest: &GlPipeline, earlier: &[GlPipeline], jobs: JobsRead) -> Pipeline {
    let mut pipeline = pipeline_of(app, latest, jobs.stages);
    pipeline.author = jobs.author;
    pipeline.previous = previous_runs(earlier);
    pipeline
}

fn finished(status: &str) -> bool {
    matches!(status, "success" | "failed" | "canceled" | "skipped")
}

/// Jobs grouped by stage, stages in the order their first job was created. A stage starts
/// with its first job and finishes with its last; its queue time is its longest job wait, as
/// the stage cannot finish before that job has had a runner.
pub fn stages_of(jobs: &[GlJob]) -> Vec<StageRun> {
    let mut jobs: Vec<&GlJob> = jobs.iter().collect();
    jobs.sort_by_key(|j| j.id);
    let mut stages: Vec<(String, Vec<(StageStatus, &GlJob)>)> = Vec::new();
    for job in jobs {
        let status = match StageStatus::from_word(&job.status) {
            StageStatus::Failed if job.allow_failure => StageStatus::Passed,
            other => other,
        };
        match stages.iter_mut().find(|(name, _)| *name == job.stage) {
            Some((_, members)) => members.push((status, job)),
            None => stages.push((job.stage.clone(), vec![(status, job)])),
        }
    }
    stages
        .into_iter()
        .map(|(name, members)| {
            let statuses: Vec<StageStatus> = members.iter().map(|(s, _)| *s).collect();
            let status = stage_status(&statuses);
            let ran: Vec<&GlJob> = members
                .iter()
                .filter(|(_, j)| j.started_at.is_some())
                .map(|(_, j)| *j)
                .collect();
            let done = matches!(status, StageStatus::Passed | StageStatus::Failed);
            StageRun {
                name,
                status,
                started_at: ran.iter().filter_map(|j| j.started_at).min(),
                finished_at: ran
                    .iter()
                    .filter_map(|j| j.finished_at)
                    .max()
                    .filter(|_| done && ran.iter().all(|j| j.finished_at.is_some())),
                queued: ran
                    .iter()
                    .filter_map(|j| j.queued_duration)
                    .filter(|q| q.is_finite() && *q >= 0.0)
                    .max_by(f64::total_cmp)
                    .and_then(|q| std::time::Duration::try_from_secs_f64(q).ok()),
                job: members
                    .iter()
                    .find(|(s, _)| *s == StageStatus::Failed)
                    .or(members.last())
                    .map(|(_, j)| j.id.to_string()),
            }
        })
        .collect()
}

/// The commit's author as the jobs carry it, else who started the pipeline.
pub fn author_of(jobs: &[GlJob]) -> Option<String> {
    jobs.iter()
        .find_map(|j| j.commit.as_ref()?.author_name.clone())
        .or_else(|| {
            jobs.iter().find_map(|j| {
                let user = j.user.as_ref()?;
                user.name.clone().or(user.username.clone())
            })
        })
}

/// Verdicts of the earlier pipelines listed, newest first; unfinished ones say nothing.
pub fn previous_runs(listed: &[GlPipeline]) -> Vec<PastRun> {
    listed
        .iter()
        .filter_map(|p| {
            let passed = match StageStatus::from_word(&p.status) {
                StageStatus::Passed => true,
                StageStatus::Failed => false,
                _ => return None,
            };
            Some(PastRun {
                id: format!("#{}", p.iid.unwrap_or(p.id)),
                passed,
                commit: p.sha.clone(),
            })
        })
        .collect()
}

/// One stage from its jobs: any failure fails it, then running, then waiting, then unknown.
fn stage_status(jobs: &[StageStatus]) -> StageStatus {
    for status in [
        StageStatus::Failed,
        StageStatus::Running,
        StageStatus::Pending,
        StageStatus::Unknown,
        StageStatus::Passed,
    ] {
        if jobs.contains(&status) {
            return status;
        }
    }
    StageStatus::Skipped
}

pub fn pipeline_of(app: &str, p: &GlPipeline, stages: Vec<StageRun>) -> Pipeline {
    let mut pipeline = Pipeline::from_stages(app, stages);
    match StageStatus::from_word(&p.status) {
        StageStatus::Passed => pipeline.status = BuildStatus::Passing,
        StageStatus::Failed => pipeline.status = BuildStatus::Failing,
        StageStatus::Running => pipeline.building = true,
        _ => {}
    }
    pipeline.url = p.web_url.clone();
    pipeline.label = Some(format!("#{}", p.iid.unwrap_or(p.id)));
    pipeline.last_build_at = p.updated_at.or(p.created_at);
    pipeline.commit = p.sha.clone();
    pipeline.no_verdict = matches!(p.status.as_str(), "canceled" | "skipped");
    pipeline.started_at = pipeline.stages.iter().filter_map(|s| s.started_at).min();
    if finished(&p.status) {
        pipeline.finished_at = pipeline
            .stages
            .iter()
            .filter_map(|s| s.finished_at)
            .max()
            .or(p.updated_at);
    }
    pipeline
}

fn delivers(d: &GlDeployment) -> bool {
    d.status.as_deref().is_none_or(|s| s == "success")
}

fn finished_at(d: &GlDeployment) -> Timestamp {
    d.deployable
        .as_ref()
        .and_then(|j| j.finished_at)
        .or(d.updated_at)
        .unwrap_or(d.created_at)
}

/// A comparison's commits with their times, at most `MAX_COMPARE_COMMITS`. GitLab gives no
/// total; a comparison it gave up on (`compare_timeout`) is not trusted to be whole.
pub fn compared_of(comparison: GlComparison) -> Compared {
    if comparison.compare_timeout {
        return Compared::unavailable("GitLab timed out comparing".into());
    }
    let listed = comparison.commits.len();
    Compared {
        commits: comparison
            .commits
            .into_iter()
            .take(MAX_COMPARE_COMMITS)
            .filter_map(|c| Some((c.id, c.times.time()?)))
            .collect(),
        total: listed,
        unavailable: None,
    }
}

/// Successful deployments and the changes they deliver: `delivered[i]` (from a comparison)
/// when known, else the deployed commit itself when its time is known.
pub fn dora_of(
    app: &str,
    listed: &[GlDeployment],
    delivered: &[Option<Vec<(String, Timestamp)>>],
) -> (Vec<Deployment>, Vec<Change>) {
    let mut deployments = Vec::new();
    let mut changes = Vec::new();
    for (i, d) in listed.iter().enumerate().filter(|(_, d)| delivers(d)) {
        deployments.push(Deployment {
            app: app.to_string(),
            image_sha: Some(d.sha.clone()),
            commit: Some(d.sha.clone()),
            finished_at: finished_at(d),
            marked: d
                .deployable
                .as_ref()
                .and_then(|j| j.commit.as_ref())
                .and_then(|c| c.message.as_deref().or(c.title.as_deref()))
                .and_then(ReworkMark::of_commit_message),
        });
        let own = || {
            d.deployable
                .as_ref()
                .and_then(|j| j.commit.as_ref())
                .and_then(GlCommit::time)
                .map(|at| vec![(d.sha.clone(), at)])
                .unwrap_or_default()
        };
        let commits = match delivered.get(i) {
            Some(Some(commits)) => commits.clone(),
            _ => own(),
        };
        changes.extend(changes_of(app, &d.sha, &commits));
    }
    (deployments, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: u64, stage: &str, status: &str) -> GlJob {
        GlJob {
            id,
            name: format!("{stage}-{id}"),
            stage: stage.into(),
            status: status.into(),
            allow_failure: false,
            started_at: None,
            finished_at: None,
            queued_duration: None,
            commit: None,
            user: None,
        }
    }

    #[test]
    fn jobs_group_into_stages_in_creation_order() {
        let jobs = vec![
            job(5, "deploy", "created"),
            job(4, "test", "failed"),
            job(3, "test", "success"),
            job(2, "build", "success"),
        ];
        let stages = stages_of(&jobs);
        let names: Vec<_> = stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["build", "test", "deploy"]);
        assert_eq!(stages[1].status, StageStatus::Failed);
        assert_eq!(stages[2].status, StageStatus::Pending);
    }

    #[test]
    fn a_deployment_without_deployable_counts_but_has_no_change() {
        let listed: Vec<GlDeployment> = serde_json::from_str(
            r#"[{"id": 1, "sha": "abc", "status": "success",
                 "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:05:00Z",
                 "deployable": null}]"#,
        )
        .unwrap();
        let (deployments, changes) = dora_of("payments", &listed, &[]);
        assert_eq!(deployments.len(), 1);
        assert_eq!(
            deployments[0].finished_at.to_rfc3339(),
            "2026-11-01T10:05:00+00:00"
        );
        assert!(changes.is_empty());
    }

    #[test]
    fn a_revert_commit_marks_its_deployment_as_rework() {
        let listed: Vec<GlDeployment> = serde_json::from_str(
            r#"[{"id": 2, "sha": "def", "status": "success", "created_at": "2026-11-02T10:00:00Z",
                 "deployable": {"finished_at": "2026-11-02T10:05:00Z", "commit": {
                   "title": "Revert \"Add SEPA refunds\"",
                   "message": "Revert \"Add SEPA refunds\"\n\nThis reverts commit abc.\n",
                   "created_at": "2026-11-02T09:00:00Z"}}},
                {"id": 1, "sha": "abc", "status": "success", "created_at": "2026-11-01T10:00:00Z",
                 "deployable": {"finished_at": "2026-11-01T10:05:00Z", "commit": {
                   "title": "Add SEPA refunds", "created_at": "2026-11-01T09:00:00Z"}}}]"#,
        )
        .unwrap();
        let (deployments, _) = dora_of("payments", &listed, &[]);
        let marks: Vec<_> = deployments.iter().map(|d| d.marked).collect();
        assert_eq!(marks, [Some(ReworkMark::Revert), None]);
    }

    #[test]
    fn allowed_failure_does_not_fail_the_stage() {
        let mut lint = job(1, "test", "failed");
        lint.allow_failure = true;
        assert_eq!(stages_of(&[lint])[0].status, StageStatus::Passed);
    }
}
