//! What a Jenkins server answers: its JSON API's jobs, builds and wfapi stages.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Root {
    #[serde(default)]
    pub jobs: Vec<Job>,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    #[serde(rename = "_class", default)]
    pub class: String,
    #[serde(default)]
    pub name: String,
    #[serde(rename = "fullName", default)]
    pub full_name: Option<String>,
    pub url: Option<String>,
    pub color: Option<String>,
    #[serde(rename = "lastBuild")]
    pub last_build: Option<Build>,
    pub jobs: Option<Vec<Job>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Build {
    pub number: u64,
    pub result: Option<String>,
    #[serde(default)]
    pub building: bool,
    /// Start, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Milliseconds; 0 while building.
    pub duration: Option<i64>,
    pub url: Option<String>,
    /// People whose changes are in the build.
    #[serde(default)]
    pub culprits: Vec<Culprit>,
    /// The git plugin's `BuildData` names the revision built; other actions are empty objects.
    #[serde(default)]
    pub actions: Vec<Option<Action>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Culprit {
    #[serde(rename = "fullName")]
    pub full_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    #[serde(rename = "lastBuiltRevision")]
    pub last_built_revision: Option<Revision>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Revision {
    #[serde(rename = "SHA1")]
    pub sha1: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Describe {
    #[serde(default)]
    pub stages: Vec<WfStage>,
}

#[derive(Debug, Deserialize)]
pub struct WfStage {
    pub name: String,
    pub status: String,
    /// 0 for a stage not started.
    #[serde(rename = "startTimeMillis", default)]
    pub start_time_millis: i64,
    #[serde(rename = "durationMillis", default)]
    pub duration_millis: i64,
}
