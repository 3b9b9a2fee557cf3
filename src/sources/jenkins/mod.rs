//! Jenkins: every job in one `api/json` request (folders and multibranch projects nest their
//! jobs, read three levels deep), and the stages of Pipeline jobs' last builds from the Pipeline
//! Stage View API (`wfapi/describe`) where the server has it.
//!
//! Requests per poll, steady state: api/json (1) + wfapi of builds still running, or new since
//! the last poll (at most `MAX_WFAPI`) + the deploy job's builds when `deploy_job` is set (1).
//! Stages of finished builds are read once; a server without wfapi is asked once.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::DateTime;
use reqwest::header::HeaderMap;

use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{BuildStatus, DoraEvents, Pipeline, Snapshot, StageRun, StageStatus};
use crate::sources::polite::{Polite, parse_json, sensitive};
use crate::sources::{SourceError, http};

pub mod deploys;
mod wire;

pub use wire::{Action, Build, Culprit, Describe, Job, Revision, Root, WfStage};

/// Jenkins: jobs (folders and multibranch included) and pipeline stages from wfapi.
#[derive(Debug, Clone, PartialEq)]
pub struct JenkinsConfig {
    /// The server's (or a folder's) URL without a trailing slash.
    pub url: String,
    /// Full job names or folder prefixes to show; empty shows every job.
    pub jobs: Vec<String>,
    pub auth: Auth,
    /// The full name of the job that deploys to production: its successful builds are DORA
    /// deployments of the app of that name, its change sets the commits they deliver.
    pub deploy_job: Option<String>,
    /// Folder levels the job listing reads (`depth`, 1..=10, default 3).
    pub depth: usize,
}

impl KindConfig for JenkinsConfig {
    const NAME: &'static str = "jenkins";
    const KEYS: &'static [&'static str] = &[
        "url",
        "jobs",
        "user",
        "token",
        "token_env",
        "token_file",
        "deploy_job",
        "depth",
    ];
    const REQUIRED: &'static [&'static str] = &["url"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        let raw = source.raw;
        let auth = source.auth()?;
        if auth.user.is_some() && auth.token.is_none() {
            let span = raw.user.as_ref().map_or(0..0, |u| u.span());
            return Err(source.error(
                span,
                "user",
                "basic auth needs a token too: add token_env or token_file".into(),
            ));
        }
        Ok(JenkinsConfig {
            url: source.required_url()?,
            jobs: raw
                .jobs
                .as_ref()
                .map_or(Vec::new(), |j| j.get_ref().clone()),
            auth,
            deploy_job: match &raw.deploy_job {
                Some(_) => Some(source.required(&raw.deploy_job, "deploy_job", "deploy-prod")?),
                None => None,
            },
            depth: match &raw.depth {
                None => DEFAULT_DEPTH,
                Some(d) => usize::try_from(*d.get_ref())
                    .ok()
                    .filter(|depth| (1..=MAX_DEPTH).contains(depth))
                    .ok_or_else(|| {
                        source.error(
                            d.span(),
                            "depth",
                            format!("folder levels to read, 1 to {MAX_DEPTH}"),
                        )
                    })?,
            },
        })
    }

    fn describe(&self) -> String {
        format!("{} ({})", http::redact(&self.url), self.auth.describe())
    }

    fn notes(&self) -> Vec<String> {
        let Some(job) = &self.deploy_job else {
            return Vec::new();
        };
        vec![format!(
            "DORA: successful builds of {job} are production deployments of app {job:?}; \
             lead time from their change sets"
        )]
    }

    fn auth(&self) -> Option<&Auth> {
        Some(&self.auth)
    }

    fn api_url(&self) -> Option<&str> {
        Some(&self.url)
    }
}

/// Most wfapi requests in one poll.
pub const MAX_WFAPI: usize = 10;

const BUILD_FIELDS: &str = "lastBuild[number,result,building,timestamp,duration,url,\
culprits[fullName],actions[lastBuiltRevision[SHA1]]]";

/// Folder levels the `tree` query reads by default, and at most.
pub const DEFAULT_DEPTH: usize = 3;
pub const MAX_DEPTH: usize = 10;

/// The `tree` parameter: jobs and their builds, `depth` folder levels deep (1..=MAX_DEPTH).
pub fn tree_of_depth(depth: usize) -> String {
    let leaf = format!("_class,name,fullName,url,color,{BUILD_FIELDS}");
    let mut tree = format!("jobs[{leaf}]");
    for _ in 1..depth.clamp(1, MAX_DEPTH) {
        tree = format!("jobs[{leaf},{tree}]");
    }
    tree
}

pub fn tree() -> String {
    tree_of_depth(DEFAULT_DEPTH)
}

/// Items that hold jobs rather than build: folders, organisation folders (GitHub, Bitbucket
/// organisations), multibranch projects. Never a card: they have no build to be green.
const CONTAINER_CLASSES: [&str; 5] = [
    "com.cloudbees.hudson.plugins.folder.Folder",
    "jenkins.branch.OrganizationFolder",
    "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject",
    "org.jenkinsci.plugins.workflow.multibranch.OrganizationFolder",
    "com.cloudbees.hudson.plugins.modeling.impl.folder.FolderTemplate",
];

impl Job {
    /// A folder-like item, by its class (or, from servers that leave `_class` out, by the jobs
    /// it lists).
    pub fn is_container(&self) -> bool {
        self.jobs.is_some()
            || CONTAINER_CLASSES.contains(&self.class.as_str())
            || self.class.ends_with("MultiBranchProject")
            || self.class.ends_with(".Folder")
            || self.class.ends_with("OrganizationFolder")
    }

    /// Its own name; answers that list only `fullName` give the last segment of it.
    pub fn short_name(&self) -> &str {
        if !self.name.is_empty() {
            return &self.name;
        }
        self.full_name
            .as_deref()
            .and_then(|f| f.rsplit('/').next())
            .unwrap_or("")
    }
}

#[derive(Default)]
struct Memo {
    /// Stages of finished builds, by build URL.
    stages: HashMap<String, Vec<StageRun>>,
    /// Set once the server answered 404 for wfapi: the plugin is not installed.
    no_wfapi: bool,
}

pub struct JenkinsSource {
    config: JenkinsConfig,
    http: Polite,
    memo: Mutex<Memo>,
    unread: crate::sources::pelorus::SkippedLog,
}

impl JenkinsSource {
    pub fn new(config: JenkinsConfig, client: http::Client) -> JenkinsSource {
        JenkinsSource {
            config,
            http: Polite::new(client),
            memo: Mutex::default(),
            unread: Default::default(),
        }
    }

    /// Its HTTP client, for the budget and pace the poller follows.
    pub fn http(&self) -> &Polite {
        &self.http
    }

    fn headers(&self) -> Result<HeaderMap, SourceError> {
        let mut headers = HeaderMap::new();
        if let Some(token) = self.config.auth.token().map_err(SourceError::token)? {
            let user = self.config.auth.user.as_deref().unwrap_or("");
            let basic = base64(format!("{user}:{}", token.expose()).as_bytes());
            headers.insert("authorization", sensitive(&format!("Basic {basic}"))?);
        }
        Ok(headers)
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let headers = self.headers()?;
        let url = format!(
            "{}/api/json?tree={}",
            self.config.url,
            tree_of_depth(self.config.depth)
        );
        let (root, _): (Root, _) = self.http.get_json(&url, &headers, "Jenkins jobs").await?;
        let unread = unread_folders(&root);
        if self.unread.changed(unread.len()) && !unread.is_empty() {
            tracing::warn!(
                folders = unread.len(),
                first = %unread[0],
                depth = self.config.depth,
                "folders deeper than the tree query's depth are not read (raise `depth`)"
            );
        }
        let leaves = leaves(&root, &self.config.jobs);
        let mut pipelines = Vec::with_capacity(leaves.len());
        let mut asked = 0usize;
        for (name, job) in leaves {
            let stages = match &job.last_build {
                Some(build) if job.class.contains("WorkflowJob") => {
                    self.stages(build, &headers, &mut asked).await?
                }
                _ => None,
            };
            pipelines.push(pipeline_of(&name, job, stages));
        }
        if let Ok(mut memo) = self.memo.lock() {
            let listed = pipelines.iter().filter_map(|p| p.url.clone());
            super::forget_unlisted(&mut memo.stages, listed);
        }
        let events = match &self.config.deploy_job {
            Some(job) => self.deliveries(job, &headers).await?,
            None => DoraEvents::default(),
        };
        Ok(Snapshot {
            pipelines,
            events,
            ..Snapshot::default()
        })
    }

    /// The deploy job's successful builds and the commits they deliver (one request).
    async fn deliveries(&self, job: &str, headers: &HeaderMap) -> Result<DoraEvents, SourceError> {
        let url = format!(
            "{}{}/api/json?tree={}",
            self.config.url,
            deploys::job_path(job),
            deploys::tree()
        );
        let (deploy_job, _): (deploys::DeployJob, _) = self
            .http
            .get_json(&url, headers, "Jenkins deploy job")
            .await?;
        Ok(deploys::events_of(job, &deploy_job))
    }

    async fn stages(
        &self,
        build: &Build,
        headers: &HeaderMap,
        asked: &mut usize,
    ) -> Result<Option<Vec<StageRun>>, SourceError> {
        let Some(build_url) = &build.url else {
            return Ok(None);
        };
        if let Ok(memo) = self.memo.lock() {
            if memo.no_wfapi {
                return Ok(None);
            }
            if let Some(stages) = memo.stages.get(build_url) {
                return Ok(Some(stages.clone()));
            }
        }
        if *asked >= MAX_WFAPI {
            return Ok(None);
        }
        *asked += 1;
        let url = format!(
            "{}wfapi/describe",
            rebase(&self.config.url, build_url)
                .trim_end_matches('/')
                .to_owned()
                + "/"
        );
        let describe: Describe = match self.http.get_json(&url, headers, "wfapi").await {
            Ok((describe, _)) => describe,
            Err(err) if err.reason.starts_with("HTTP 404") => {
                if let Ok(mut memo) = self.memo.lock() {
                    memo.no_wfapi = true;
                }
                return Ok(None);
            }
            Err(err) => return Err(err),
        };
        let stages = stages_of(&describe);
        if !build.building
            && let Ok(mut memo) = self.memo.lock()
        {
            memo.stages.insert(build_url.clone(), stages.clone());
        }
        Ok(Some(stages))
    }
}

/// Standard base64 with padding, for the Basic authorization header.
/// The cards of every wanted job in an `api/json` answer, as a poll shows them before it has
/// read any stages.
pub fn read_jobs(text: &str, filters: &[String]) -> Result<Vec<Pipeline>, SourceError> {
    let root: Root = parse_json(text, "Jenkins jobs")?;
    Ok(leaves(&root, filters)
        .into_iter()
        .map(|(name, job)| pipeline_of(&name, job, None))
        .collect())
}

/// The stages of a build from its `wfapi/describe` answer.
pub fn read_wfapi(text: &str) -> Result<Vec<StageRun>, SourceError> {
    Ok(stages_of(&parse_json(text, "wfapi")?))
}

pub fn stages_of(describe: &Describe) -> Vec<StageRun> {
    describe.stages.iter().map(stage_of).collect()
}

/// Every job that is not a folder, by its full name, that the filters want.
pub fn leaves<'a>(root: &'a Root, filters: &[String]) -> Vec<(String, &'a Job)> {
    let mut leaves = Vec::new();
    flatten(&root.jobs, "", &mut leaves);
    leaves.retain(|(name, _)| wanted(filters, name));
    leaves
}

pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Jenkins writes absolute URLs from its configured root, which behind a proxy may not be the
/// address andon reaches it at: keep the path, use the configured origin.
pub fn rebase(configured: &str, absolute: &str) -> String {
    let (Ok(base), Ok(target)) = (
        reqwest::Url::parse(configured),
        reqwest::Url::parse(absolute),
    ) else {
        return absolute.to_string();
    };
    let mut rebased = base.clone();
    rebased.set_path(target.path());
    rebased.set_query(None);
    rebased.to_string()
}

/// Leaf jobs with their full names ("folder/multibranch/branch"). Folders, organisation
/// folders and multibranch projects are walked into, never listed themselves.
pub fn flatten<'a>(jobs: &'a [Job], prefix: &str, out: &mut Vec<(String, &'a Job)>) {
    for job in jobs {
        let name = full_name(prefix, job);
        if job.is_container() {
            if let Some(children) = &job.jobs {
                flatten(children, &name, out);
            }
        } else {
            out.push((name, job));
        }
    }
}

fn full_name(prefix: &str, job: &Job) -> String {
    if prefix.is_empty() {
        job.short_name().to_string()
    } else {
        format!("{prefix}/{}", job.short_name())
    }
}

/// Folders the answer names without their jobs: below the depth the tree query reached.
pub fn unread_folders(root: &Root) -> Vec<String> {
    fn walk(jobs: &[Job], prefix: &str, out: &mut Vec<String>) {
        for job in jobs.iter().filter(|j| j.is_container()) {
            let name = full_name(prefix, job);
            match &job.jobs {
                Some(children) => walk(children, &name, out),
                None => out.push(name),
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.jobs, "", &mut out);
    out
}

fn wanted(filters: &[String], name: &str) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            let f = f.trim_matches('/');
            name == f || name.starts_with(&format!("{f}/"))
        })
}

/// A ball colour: the last finished result, `_anime` while a build runs.
pub fn color_status(color: &str) -> (BuildStatus, bool) {
    let (base, building) = match color.strip_suffix("_anime") {
        Some(base) => (base, true),
        None => (color, false),
    };
    let status = match base {
        "blue" | "green" => BuildStatus::Passing,
        "red" | "yellow" => BuildStatus::Failing,
        _ => BuildStatus::Unknown,
    };
    (status, building)
}

fn result_status(result: &str) -> BuildStatus {
    match result {
        "SUCCESS" => BuildStatus::Passing,
        "FAILURE" | "UNSTABLE" => BuildStatus::Failing,
        _ => BuildStatus::Unknown,
    }
}

pub fn wf_status(status: &str) -> StageStatus {
    match status {
        "SUCCESS" => StageStatus::Passed,
        "FAILED" | "UNSTABLE" => StageStatus::Failed,
        "IN_PROGRESS" => StageStatus::Running,
        "PAUSED_PENDING_INPUT" | "NOT_EXECUTED" | "QUEUED" => StageStatus::Pending,
        "ABORTED" | "SKIPPED" => StageStatus::Skipped,
        _ => StageStatus::Unknown,
    }
}

/// A wfapi stage: started when its start is set, finished (start + duration) once it has a
/// verdict. Jenkins does not say how long a stage waited for an executor.
pub fn stage_of(stage: &WfStage) -> StageRun {
    let status = wf_status(&stage.status);
    let mut run = StageRun::new(stage.name.clone(), status);
    if stage.start_time_millis > 0 {
        run.started_at = DateTime::from_timestamp_millis(stage.start_time_millis);
        if matches!(status, StageStatus::Passed | StageStatus::Failed) {
            run.finished_at = stage
                .start_time_millis
                .checked_add(stage.duration_millis)
                .and_then(DateTime::from_timestamp_millis);
        }
    }
    run
}

pub fn pipeline_of(name: &str, job: &Job, stages: Option<Vec<StageRun>>) -> Pipeline {
    let (color, color_building) = color_status(job.color.as_deref().unwrap_or("notbuilt"));
    let build = job.last_build.as_ref();
    let building = color_building || build.is_some_and(|b| b.building);
    let result = build
        .and_then(|b| b.result.as_deref())
        .filter(|_| !building)
        .map(result_status);
    let mut pipeline = match stages.filter(|s| !s.is_empty()) {
        Some(stages) => Pipeline::from_stages(name, stages),
        None => Pipeline::new(name, color),
    };
    // The result of a finished build is the verdict; while one runs, the colour keeps the
    // previous result unless the running stages already show a failure.
    pipeline.status = match result {
        Some(status) => status,
        None if pipeline.status == BuildStatus::Failing => BuildStatus::Failing,
        None => color,
    };
    pipeline.building = building;
    pipeline.url = build.and_then(|b| b.url.clone()).or(job.url.clone());
    pipeline.label = build.map(|b| format!("#{}", b.number));
    pipeline.last_build_at = build.and_then(|b| {
        let duration = if b.building {
            0
        } else {
            b.duration.unwrap_or(0)
        };
        DateTime::from_timestamp_millis(b.timestamp?.checked_add(duration)?)
    });
    pipeline.started_at = build.and_then(|b| DateTime::from_timestamp_millis(b.timestamp?));
    pipeline.finished_at = pipeline.last_build_at.filter(|_| !building);
    if let Some(b) = build {
        pipeline.commit = b
            .actions
            .iter()
            .flatten()
            .find_map(|a| a.last_built_revision.as_ref()?.sha1.clone());
        let culprits: Vec<String> = b
            .culprits
            .iter()
            .filter_map(|c| c.full_name.clone())
            .collect();
        pipeline.author = (!culprits.is_empty()).then(|| culprits.join(", "));
    }
    pipeline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"ci:tok"), "Y2k6dG9r");
    }

    #[test]
    fn colours() {
        assert_eq!(color_status("blue"), (BuildStatus::Passing, false));
        assert_eq!(color_status("red_anime"), (BuildStatus::Failing, true));
        assert_eq!(color_status("disabled"), (BuildStatus::Unknown, false));
        assert_eq!(color_status("notbuilt_anime"), (BuildStatus::Unknown, true));
    }

    #[test]
    fn rebase_keeps_the_path_on_the_configured_origin() {
        assert_eq!(
            rebase(
                "http://127.0.0.1:8080",
                "https://ci.example.org/job/api/42/"
            ),
            "http://127.0.0.1:8080/job/api/42/"
        );
    }

    #[test]
    fn job_filter_takes_names_and_folder_prefixes() {
        assert!(wanted(&[], "a/b"));
        assert!(wanted(&["team".into()], "team/api/main"));
        assert!(!wanted(&["team".into()], "teamx/api"));
    }

    #[test]
    fn tree_nests_as_deep_as_asked_and_no_deeper_than_the_cap() {
        assert_eq!(tree().matches("jobs[").count(), DEFAULT_DEPTH);
        assert_eq!(tree_of_depth(1).matches("jobs[").count(), 1);
        assert_eq!(tree_of_depth(6).matches("jobs[").count(), 6);
        assert_eq!(tree_of_depth(0).matches("jobs[").count(), 1);
        assert_eq!(tree_of_depth(1000).matches("jobs[").count(), MAX_DEPTH);
    }
}
