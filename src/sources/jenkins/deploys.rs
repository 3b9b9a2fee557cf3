//! Jenkins deployments: with `deploy_job`, that job's successful builds are production
//! deployments. Each build's change sets list the commits it brought since the build before,
//! with their commit times, so the commits of failed or aborted builds are delivered by the
//! next successful one. That gives all four keys' inputs but incidents, which Jenkins does not
//! have (join them from another source by app).

use chrono::DateTime;
use serde::Deserialize;

use crate::model::{Change, Deployment, DoraEvents, Timestamp};
use crate::sources::SourceError;
use crate::sources::polite::parse_json;

/// Builds read per poll: the job's newest, one request.
pub const BUILDS_READ: usize = 100;

/// The `tree` parameter for the deploy job's builds and their change sets (Pipeline jobs name
/// them `changeSets`, freestyle jobs `changeSet`).
pub fn tree() -> String {
    let items = "items[commitId,timestamp]";
    format!(
        "builds[number,result,building,timestamp,duration,\
         changeSet[{items}],changeSets[{items}],actions[lastBuiltRevision[SHA1]]]{{0,{BUILDS_READ}}}"
    )
}

/// The API path of a job by its full name ("folder/deploy-prod" → "/job/folder/job/deploy-prod").
pub fn job_path(full_name: &str) -> String {
    full_name
        .split('/')
        .filter(|part| !part.is_empty())
        .map(|part| format!("/job/{}", crate::sources::http::encode(part)))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct DeployJob {
    #[serde(default)]
    pub builds: Vec<DeployBuild>,
}

#[derive(Debug, Deserialize)]
pub struct DeployBuild {
    pub number: u64,
    pub result: Option<String>,
    #[serde(default)]
    pub building: bool,
    /// Start, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    pub duration: Option<i64>,
    #[serde(rename = "changeSet")]
    pub change_set: Option<ChangeSet>,
    #[serde(rename = "changeSets", default)]
    pub change_sets: Vec<ChangeSet>,
    #[serde(default)]
    pub actions: Vec<Option<super::wire::Action>>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeSet {
    #[serde(default)]
    pub items: Vec<ChangeItem>,
}

#[derive(Debug, Deserialize)]
pub struct ChangeItem {
    #[serde(rename = "commitId")]
    pub commit_id: Option<String>,
    /// Commit time, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
}

impl DeployBuild {
    fn finished_at(&self) -> Option<Timestamp> {
        let end = self
            .timestamp
            .filter(|&start| start > 0)?
            .checked_add(self.duration.unwrap_or(0).max(0))?;
        millis(end)
    }

    fn revision(&self) -> Option<String> {
        self.actions
            .iter()
            .flatten()
            .find_map(|a| a.last_built_revision.as_ref()?.sha1.clone())
    }

    fn commits(&self) -> impl Iterator<Item = &ChangeItem> {
        self.change_set
            .iter()
            .chain(&self.change_sets)
            .flat_map(|set| &set.items)
    }
}

/// The deploy job's deployments and changes from its `api/json` answer.
pub fn read_deploy_job(job: &str, text: &str) -> Result<DoraEvents, SourceError> {
    Ok(events_of(job, &parse_json(text, "Jenkins deploy job")?))
}

/// The deploy job's deployments and changes; the job's full name is also the app.
pub fn events_of(job: &str, deploy_job: &DeployJob) -> DoraEvents {
    let (deployments, changes) = deliveries(job, job, &deploy_job.builds);
    DoraEvents {
        deployments,
        changes,
        ..DoraEvents::default()
    }
}

/// An event time from milliseconds; zero, negative and absurd values are None.
fn millis(ms: i64) -> Option<Timestamp> {
    (ms > 0).then(|| DateTime::from_timestamp_millis(ms))?
}

/// The deploy job's successful builds as deployments of `app`, and the commits each delivers
/// (its own change sets and those of the unsuccessful builds since the last success). A build
/// still running delivers nothing yet. Builds may come in any order.
pub fn deliveries(app: &str, job: &str, builds: &[DeployBuild]) -> (Vec<Deployment>, Vec<Change>) {
    let mut ordered: Vec<&DeployBuild> = builds.iter().filter(|b| !b.building).collect();
    ordered.sort_by_key(|b| b.number);
    let mut deployments = Vec::new();
    let mut changes = Vec::new();
    let mut pending: Vec<(String, Timestamp)> = Vec::new();
    for build in ordered {
        pending.extend(
            build
                .commits()
                .filter_map(|item| Some((item.commit_id.clone()?, millis(item.timestamp?)?))),
        );
        let succeeded = build.result.as_deref() == Some("SUCCESS");
        let Some(finished_at) = build.finished_at().filter(|_| succeeded) else {
            continue;
        };
        // Marks which deployment delivered which commits, whatever the commits' own shas.
        let delivery = format!("jenkins:{job}#{}", build.number);
        deployments.push(Deployment {
            app: app.to_string(),
            image_sha: Some(delivery.clone()),
            commit: build.revision(),
            finished_at,
            marked: None,
        });
        changes.extend(pending.drain(..).map(|(commit, committed_at)| Change {
            app: app.to_string(),
            commit,
            image_sha: Some(delivery.clone()),
            committed_at,
        }));
    }
    (deployments, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(number: u64, result: &str, start_ms: i64, commits: &[(&str, i64)]) -> DeployBuild {
        DeployBuild {
            number,
            result: Some(result.into()),
            building: false,
            timestamp: Some(start_ms),
            duration: Some(60_000),
            change_set: None,
            change_sets: vec![ChangeSet {
                items: commits
                    .iter()
                    .map(|(sha, at)| ChangeItem {
                        commit_id: Some(sha.to_string()),
                        timestamp: Some(*at),
                    })
                    .collect(),
            }],
            actions: Vec::new(),
        }
    }

    const T: i64 = 1_763_640_000_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_failed_deploys_commits_are_delivered_by_the_next_success() {
        let builds = [
            build(12, "SUCCESS", T + 5 * HOUR, &[("c3", T + 4 * HOUR)]),
            build(11, "FAILURE", T + 2 * HOUR, &[("c2", T + HOUR)]),
            build(10, "SUCCESS", T, &[("c1", T - HOUR)]),
        ];
        let (deployments, changes) = deliveries("pay", "deploy-prod", &builds);
        assert_eq!(deployments.len(), 2, "the failed build is no deployment");
        let delivered_by = |sha: &str| {
            let change = changes.iter().find(|c| c.commit == sha).unwrap();
            change.image_sha.clone().unwrap()
        };
        assert_eq!(delivered_by("c1"), "jenkins:deploy-prod#10");
        assert_eq!(delivered_by("c2"), "jenkins:deploy-prod#12");
        assert_eq!(delivered_by("c3"), "jenkins:deploy-prod#12");
        assert_eq!(
            deployments[1].finished_at,
            millis(T + 5 * HOUR + 60_000).unwrap(),
            "start plus duration"
        );
    }

    #[test]
    fn a_running_build_delivers_nothing_yet_and_order_does_not_matter() {
        let mut running = build(3, "SUCCESS", T + 2 * HOUR, &[("c3", T + HOUR)]);
        running.result = None;
        running.building = true;
        let mut builds = vec![
            build(1, "SUCCESS", T, &[("c1", T - HOUR)]),
            running,
            build(2, "ABORTED", T + HOUR, &[("c2", T)]),
        ];
        let (deployments, changes) = deliveries("pay", "d", &builds);
        assert_eq!(deployments.len(), 1);
        assert_eq!(changes.len(), 1, "c2 waits for a success, c3 for its build");
        builds.reverse();
        assert_eq!(deliveries("pay", "d", &builds), (deployments, changes));
    }

    #[test]
    fn unusable_times_are_skipped_not_guessed() {
        let builds = [build(
            1,
            "SUCCESS",
            T,
            &[("c1", 0), ("c2", -5), ("c3", T - HOUR)],
        )];
        let (_, changes) = deliveries("pay", "d", &builds);
        let shas: Vec<&str> = changes.iter().map(|c| c.commit.as_str()).collect();
        assert_eq!(shas, ["c3"]);
        let mut no_start = build(2, "SUCCESS", 0, &[]);
        no_start.timestamp = None;
        assert!(deliveries("pay", "d", &[no_start]).0.is_empty());
    }

    #[test]
    fn job_paths_nest_folders() {
        assert_eq!(job_path("deploy"), "/job/deploy");
        assert_eq!(job_path("team/deploy prod"), "/job/team/job/deploy%20prod");
    }
}
