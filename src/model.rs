//! Domain types shared by sources, metrics and views. No I/O here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub type Timestamp = DateTime<Utc>;

/// Outcome of a pipeline's latest run as reported by its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    Passing,
    Failing,
    Unknown,
}

/// State of one stage inside a pipeline run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageStatus {
    Passed,
    Failed,
    Running,
    Pending,
    Skipped,
    #[default]
    Unknown,
}

impl StageStatus {
    /// Reads the status words used by CI servers and exporters; anything else is Unknown.
    pub fn from_word(word: &str) -> StageStatus {
        match word.trim().to_ascii_lowercase().as_str() {
            "success" | "succeeded" | "passed" | "passing" | "pass" | "ok" | "green" | "blue" => {
                StageStatus::Passed
            }
            "failed" | "failure" | "failing" | "fail" | "error" | "errored" | "exception"
            | "broken" | "red" | "timed_out" => StageStatus::Failed,
            "running" | "building" | "in_progress" | "started" => StageStatus::Running,
            "pending"
            | "queued"
            | "scheduled"
            | "waiting"
            | "created"
            | "preparing"
            | "waiting_for_resource"
            | "manual" => StageStatus::Pending,
            "skipped" | "canceled" | "cancelled" | "not_run" => StageStatus::Skipped,
            _ => StageStatus::Unknown,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StageRun {
    pub name: String,
    pub status: StageStatus,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// How long the stage waited for a runner before it started, when the source says.
    pub queued: Option<std::time::Duration>,
    /// The source's id of the job whose log tells how the stage went (for a stage of several
    /// jobs, its first failed one), when the source has job logs.
    pub job: Option<String>,
}

impl StageRun {
    pub fn new(name: impl Into<String>, status: StageStatus) -> StageRun {
        StageRun {
            name: name.into(),
            status,
            ..StageRun::default()
        }
    }

    /// Finish minus start, when both are known and in order.
    pub fn duration_seconds(&self) -> Option<f64> {
        let seconds = (self.finished_at? - self.started_at?).num_milliseconds() as f64 / 1000.0;
        (seconds >= 0.0).then_some(seconds)
    }

    pub fn queued_seconds(&self) -> Option<f64> {
        self.queued.map(|q| q.as_secs_f64())
    }
}

/// A pipeline's latest run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub name: String,
    pub status: BuildStatus,
    pub building: bool,
    /// The stage the run is in, or failed at, or finished with.
    pub stage: Option<String>,
    pub url: Option<String>,
    pub last_build_at: Option<Timestamp>,
    pub label: Option<String>,
    pub stages: Vec<StageRun>,
    /// Who broke it, when the source says (GoCD breakers).
    pub breakers: Vec<String>,
    /// The commit the run built, as the source names it (a full sha, usually).
    pub commit: Option<String>,
    /// Who wrote or pushed that commit, when the source says.
    pub author: Option<String>,
    pub started_at: Option<Timestamp>,
    /// None while the run goes on, or when the source does not say.
    pub finished_at: Option<Timestamp>,
    /// Earlier finished runs the source reported besides this one, newest first.
    pub previous: Vec<PastRun>,
    /// The run ended without a verdict of its own (cancelled, skipped): it counts neither as a
    /// pass nor as a failure, whatever status the card shows.
    pub no_verdict: bool,
    /// Since when the pipeline has been failing, when the source knows better than a first
    /// sighting (a collector that has watched it longer).
    pub failing_since: Option<Timestamp>,
    /// The source relays this pipeline from a feed of its own that is no longer fresh: shown
    /// stale, never green.
    pub stale: bool,
    /// Someone is on it, as a collector that keeps acknowledgements for every screen says.
    pub acknowledged: Option<Acknowledgement>,
}

/// The flag on a card and in the banner.
pub const ACK_GLYPH: &str = "⚑";

/// "Someone is on it": who acknowledged a failing pipeline, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Who is on it: the name of the user who pressed `a`.
    pub by: String,
    pub at: Timestamp,
}

impl Acknowledgement {
    /// The most characters of a name kept: a user name, not a message.
    pub const MAX_BY: usize = 32;

    /// "⚑ alice on it since 09:12 UTC".
    pub fn note(&self) -> String {
        format!(
            "{ACK_GLYPH} {} on it since {}",
            self.by,
            self.at.format("%H:%M UTC")
        )
    }

    /// "⚑ alice": for a narrow card.
    pub fn short(&self) -> String {
        format!("{ACK_GLYPH} {}", self.by)
    }
}

/// A finished run's verdict, keyed by the source's run id or number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRun {
    pub id: String,
    pub passed: bool,
    pub commit: Option<String>,
}

impl Pipeline {
    pub fn new(name: impl Into<String>, status: BuildStatus) -> Pipeline {
        Pipeline {
            name: name.into(),
            status,
            building: false,
            stage: None,
            url: None,
            last_build_at: None,
            label: None,
            stages: Vec::new(),
            breakers: Vec::new(),
            commit: None,
            author: None,
            started_at: None,
            finished_at: None,
            previous: Vec::new(),
            no_verdict: false,
            failing_since: None,
            stale: false,
            acknowledged: None,
        }
    }

    /// The key that tells this run from others of the same pipeline: the source's run label
    /// ("#562"), else the time it ran.
    pub fn run_id(&self) -> Option<std::borrow::Cow<'_, str>> {
        match (&self.label, self.last_build_at) {
            (Some(label), _) => Some(std::borrow::Cow::Borrowed(label)),
            (None, Some(at)) => Some(std::borrow::Cow::Owned(at.to_rfc3339())),
            (None, None) => None,
        }
    }

    /// Derives status, building flag and current stage from the stages, in the order given.
    pub fn from_stages(name: impl Into<String>, stages: Vec<StageRun>) -> Pipeline {
        let failed = stages.iter().find(|s| s.status == StageStatus::Failed);
        let running = stages.iter().find(|s| s.status == StageStatus::Running);
        // A run in progress counts as passing so far once a stage has passed and none has
        // failed or gone unknown; a run with nothing passed yet says nothing about the line.
        let passing_so_far = stages.iter().any(|s| s.status == StageStatus::Passed)
            && !stages.iter().any(|s| s.status == StageStatus::Unknown);
        let status = if failed.is_some() {
            BuildStatus::Failing
        } else if passing_so_far {
            BuildStatus::Passing
        } else {
            BuildStatus::Unknown
        };
        let current = failed
            .or(running)
            .or_else(|| {
                stages
                    .iter()
                    .find(|s| matches!(s.status, StageStatus::Pending | StageStatus::Unknown))
            })
            .or(stages.last());
        let mut pipeline = Pipeline::new(name, status);
        pipeline.building = running.is_some();
        pipeline.stage = current.map(|s| s.name.clone());
        pipeline.stages = stages;
        pipeline
    }
}

/// A successful production deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub app: String,
    pub image_sha: Option<String>,
    pub commit: Option<String>,
    pub finished_at: Timestamp,
    /// The source marks the deployment as unplanned rework (a hotfix or revert label, or a
    /// revert commit), where its API says so.
    #[serde(default)]
    pub marked: Option<ReworkMark>,
}

/// How a source marked a deployment as rework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReworkMark {
    /// A commit titled as a hotfix (or a hotfix label, for a source that gives labels).
    Hotfix,
    /// A commit `git revert` wrote (or a revert label).
    Revert,
}

impl ReworkMark {
    /// The mark a commit message carries: `git revert`'s own wording (a title starting
    /// `Revert "` or a body saying "This reverts commit"), or a title starting with "hotfix"
    /// (`hotfix:`, `[hotfix]`, `Hotfix/`...). Anything else is no mark: a false mark would
    /// count planned work as rework.
    pub fn of_commit_message(message: &str) -> Option<ReworkMark> {
        let title = message.lines().next().unwrap_or("").trim_start();
        if title.starts_with("Revert \"") || message.contains("This reverts commit ") {
            return Some(ReworkMark::Revert);
        }
        let bare = title.trim_start_matches(['[', '(']).get(..6)?;
        let next = title.trim_start_matches(['[', '(']).chars().nth(6);
        (bare.eq_ignore_ascii_case("hotfix") && next.is_none_or(|c| !c.is_alphanumeric()))
            .then_some(ReworkMark::Hotfix)
    }
}

/// A commit that may be delivered by a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub app: String,
    pub commit: String,
    pub image_sha: Option<String>,
    pub committed_at: Timestamp,
}

/// A production incident. `app == "unknown"` means attributed to no service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub app: String,
    pub id: String,
    pub opened_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

pub const UNATTRIBUTED_APP: &str = "unknown";

/// The DORA events known to the radiator (also as a collector's feed carries them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoraEvents {
    pub deployments: Vec<Deployment>,
    pub changes: Vec<Change>,
    pub incidents: Vec<Incident>,
}

impl DoraEvents {
    pub fn extend(&mut self, other: &DoraEvents) {
        self.deployments.extend(other.deployments.iter().cloned());
        self.changes.extend(other.changes.iter().cloned());
        self.incidents.extend(other.incidents.iter().cloned());
    }
}

/// Everything one successful poll of a source returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub pipelines: Vec<Pipeline>,
    pub events: DoraEvents,
    /// The sources behind a collector (`kind = "andon"`), as it reports them; empty otherwise.
    pub upstream: Vec<Upstream>,
}

/// One source of a collector, as the collector sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub name: String,
    pub kind: String,
    /// "pending", "ok", "stale" or "error".
    pub state: String,
    pub error: Option<String>,
    /// What kind of failure the collector's last poll of it met; None when it did not say.
    pub cause: Option<crate::sources::Cause>,
    /// Since when it has been in error or stale.
    pub since: Option<Timestamp>,
    pub last_success: Option<Timestamp>,
    pub insecure: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &str, status: StageStatus) -> StageRun {
        StageRun::new(name, status)
    }

    #[test]
    fn failed_stage_makes_the_pipeline_fail_there() {
        let p = Pipeline::from_stages(
            "api",
            vec![
                stage("build", StageStatus::Passed),
                stage("test", StageStatus::Failed),
                stage("deploy", StageStatus::Pending),
            ],
        );
        assert_eq!(p.status, BuildStatus::Failing);
        assert_eq!(p.stage.as_deref(), Some("test"));
        assert!(!p.building);
    }

    #[test]
    fn running_stage_is_current_and_passing_so_far() {
        let p = Pipeline::from_stages(
            "api",
            vec![
                stage("build", StageStatus::Passed),
                stage("test", StageStatus::Running),
                stage("deploy", StageStatus::Pending),
            ],
        );
        assert_eq!(p.status, BuildStatus::Passing);
        assert!(p.building);
        assert_eq!(p.stage.as_deref(), Some("test"));
    }

    #[test]
    fn first_stage_running_says_nothing_yet() {
        let p = Pipeline::from_stages("api", vec![stage("build", StageStatus::Running)]);
        assert_eq!(p.status, BuildStatus::Unknown);
        assert!(p.building);
    }

    #[test]
    fn all_passed_is_passing_at_last_stage() {
        let p = Pipeline::from_stages(
            "api",
            vec![
                stage("build", StageStatus::Passed),
                stage("deploy", StageStatus::Passed),
            ],
        );
        assert_eq!(p.status, BuildStatus::Passing);
        assert_eq!(p.stage.as_deref(), Some("deploy"));
    }

    #[test]
    fn no_stages_is_unknown_not_green() {
        assert_eq!(
            Pipeline::from_stages("x", vec![]).status,
            BuildStatus::Unknown
        );
    }

    #[test]
    fn rework_marks_from_commit_messages_and_labels() {
        let of = ReworkMark::of_commit_message;
        assert_eq!(
            of("Revert \"Add cache\"\n\nThis reverts commit 0123abc."),
            Some(ReworkMark::Revert)
        );
        assert_eq!(
            of("Undo it\n\nThis reverts commit 0123abc."),
            Some(ReworkMark::Revert)
        );
        assert_eq!(of("hotfix: null check"), Some(ReworkMark::Hotfix));
        assert_eq!(of("[Hotfix] null check"), Some(ReworkMark::Hotfix));
        assert_eq!(of("HOTFIX"), Some(ReworkMark::Hotfix));
        assert_eq!(of("hotfixes are bad, say the docs"), None);
        assert_eq!(of("Reverted the colour scheme"), None);
        assert_eq!(of("Add hotfix button"), None);
        assert_eq!(of(""), None);
        assert_eq!(of("hö"), None);
    }

    #[test]
    fn status_words() {
        assert_eq!(StageStatus::from_word("SUCCESS"), StageStatus::Passed);
        assert_eq!(StageStatus::from_word("failed"), StageStatus::Failed);
        assert_eq!(StageStatus::from_word("in_progress"), StageStatus::Running);
        assert_eq!(StageStatus::from_word("whatever"), StageStatus::Unknown);
    }
}
