//! Simulated delivery activity: pipelines moving through stages with occasional breaks and
//! fixes, plus twelve weeks of DORA events. A pure function of the seed and the clock, so the same
//! seed shows the same history on every screen.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{
    BuildStatus, Change, Deployment, DoraEvents, Incident, PastRun, Pipeline, Snapshot, StageRun,
    StageStatus, Timestamp, UNATTRIBUTED_APP,
};

/// The simulated demo: no server, made-up pipelines and DORA events from a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    pub seed: u64,
}

impl KindConfig for DemoConfig {
    const NAME: &'static str = "demo";
    const KEYS: &'static [&'static str] = &["seed"];
    const REQUIRED: &'static [&'static str] = &[];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        Ok(DemoConfig {
            seed: source.raw.seed.unwrap_or(1),
        })
    }

    fn describe(&self) -> String {
        format!("simulated, seed {}", self.seed)
    }

    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    fn auth(&self) -> Option<&Auth> {
        None
    }

    fn api_url(&self) -> Option<&str> {
        None
    }
}

pub const STAGES: [&str; 4] = ["build", "test", "deploy", "verify"];
const PIPELINES: [&str; 6] = [
    "checkout-api",
    "payments-web",
    "ledger",
    "notifications",
    "search",
    "mobile-bff",
];
/// Services that deploy to production; the others only build.
const SERVICES: usize = 4;
const HISTORY_DAYS: i64 = 84;
/// Chance, in percent, that a run breaks at some stage.
const BREAK_PERCENT: u64 = 12;
/// Earlier runs each pipeline reports besides its latest.
pub const PREVIOUS_RUNS: i64 = 19;
const AUTHORS: [&str; 4] = ["alice", "bob", "chen", "dara"];

pub struct DemoSource {
    seed: u64,
}

impl DemoSource {
    pub fn new(seed: u64) -> DemoSource {
        DemoSource { seed }
    }

    pub fn snapshot(&self, now: Timestamp) -> Snapshot {
        Snapshot {
            pipelines: PIPELINES
                .iter()
                .enumerate()
                .map(|(i, name)| pipeline(self.seed, i, name, now))
                .collect(),
            events: events(self.seed, now),
            ..Snapshot::default()
        }
    }
}

/// splitmix64: a tiny, well-distributed hash; enough for a simulation.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn roll(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(mix(seed), |acc, part| mix(acc ^ *part))
}

/// Seconds per stage, per pipeline, so pipelines move at different paces.
fn stage_seconds(seed: u64, pipeline: usize, stage: usize) -> i64 {
    8 + (roll(seed, &[1, pipeline as u64, stage as u64]) % 18) as i64
}

fn cycle_seconds(seed: u64, pipeline: usize) -> i64 {
    let work: i64 = (0..STAGES.len())
        .map(|s| stage_seconds(seed, pipeline, s))
        .sum();
    work + 20 + (roll(seed, &[2, pipeline as u64]) % 50) as i64
}

/// The stage a run breaks at, if it breaks.
fn break_stage(seed: u64, pipeline: usize, cycle: i64) -> Option<usize> {
    let r = roll(seed, &[3, pipeline as u64, cycle as u64]);
    (r % 100 < BREAK_PERCENT).then_some(((r >> 8) % STAGES.len() as u64) as usize)
}

fn pipeline(seed: u64, index: usize, name: &str, now: Timestamp) -> Pipeline {
    let period = cycle_seconds(seed, index);
    let offset = (roll(seed, &[4, index as u64]) % period as u64) as i64;
    let shifted = now.timestamp() + offset;
    let cycle = shifted.div_euclid(period);
    let elapsed = shifted.rem_euclid(period);
    let started_at = now - Duration::seconds(elapsed);

    let broken_at = break_stage(seed, index, cycle);
    let mut stages = Vec::with_capacity(STAGES.len());
    let mut clock = 0;
    let mut stopped = false;
    let mut finished_at = None;
    for (s, stage) in STAGES.iter().enumerate() {
        let length = stage_seconds(seed, index, s);
        let status = if stopped {
            StageStatus::Skipped
        } else if elapsed < clock {
            StageStatus::Pending
        } else if elapsed < clock + length {
            StageStatus::Running
        } else if broken_at == Some(s) {
            stopped = true;
            StageStatus::Failed
        } else {
            StageStatus::Passed
        };
        let mut run = StageRun::new(*stage, status);
        if matches!(
            status,
            StageStatus::Running | StageStatus::Passed | StageStatus::Failed
        ) {
            run.started_at = Some(started_at + Duration::seconds(clock));
        }
        if matches!(status, StageStatus::Passed | StageStatus::Failed) {
            run.finished_at = Some(started_at + Duration::seconds(clock + length));
            finished_at = run.finished_at;
        }
        clock += length;
        stages.push(run);
    }

    let mut p = Pipeline::from_stages(name, stages);
    if p.building {
        // While a run is in progress the pipeline's status is the last finished run's.
        p.status = if break_stage(seed, index, cycle - 1).is_some() {
            BuildStatus::Failing
        } else {
            BuildStatus::Passing
        };
    }
    let run_number = run_number_of(cycle);
    p.label = Some(format!("#{run_number}"));
    p.url = Some(format!("https://ci.example.com/{name}/runs/{run_number}"));
    p.last_build_at = Some(started_at);
    p.started_at = Some(started_at);
    p.finished_at = finished_at.filter(|_| stopped || elapsed >= clock);
    let commit = commit_of(seed, index, cycle);
    p.author = Some(AUTHORS[(mix(commit) % AUTHORS.len() as u64) as usize].to_string());
    p.commit = Some(sha(commit));
    if p.status == BuildStatus::Failing {
        let r = roll(seed, &[5, index as u64, cycle as u64]) as usize;
        p.breakers = vec![AUTHORS[r % AUTHORS.len()].to_string()];
    }
    p.previous = (1..=PREVIOUS_RUNS)
        .map(|k| PastRun {
            id: format!("#{}", run_number_of(cycle - k)),
            passed: break_stage(seed, index, cycle - k).is_none(),
            commit: Some(sha(commit_of(seed, index, cycle - k))),
        })
        .collect();
    p
}

/// The run label and stage of `name`'s latest failed run at `now`, if that is the run that
/// decides its status: the current run once it failed, else (while a run is in progress) the
/// previous one when it failed. What the demo's logs are of.
pub fn failed_run(seed: u64, name: &str, now: Timestamp) -> Option<(String, &'static str)> {
    let index = PIPELINES.iter().position(|p| *p == name)?;
    let pipeline = pipeline(seed, index, name, now);
    if pipeline.status != BuildStatus::Failing {
        return None;
    }
    let period = cycle_seconds(seed, index);
    let offset = (roll(seed, &[4, index as u64]) % period as u64) as i64;
    let cycle = (now.timestamp() + offset).div_euclid(period);
    let failed_cycle = if pipeline
        .stages
        .iter()
        .any(|s| s.status == StageStatus::Failed)
    {
        cycle
    } else {
        cycle - 1
    };
    let stage = break_stage(seed, index, failed_cycle)?;
    Some((format!("#{}", run_number_of(failed_cycle)), STAGES[stage]))
}

/// The pipeline whose team retries broken runs (`search`): the board has one flaky pipeline to
/// show, as most teams do, rather than flakiness everywhere.
const RETRYING_PIPELINE: usize = 4;

/// The commit a cycle builds: a new one, except that the retrying pipeline runs the same commit
/// again after half of its broken runs (and a retry that passes shows the break was flaky).
fn commit_of(seed: u64, pipeline: usize, cycle: i64) -> u64 {
    let mut cycle = cycle;
    for _ in 0..PREVIOUS_RUNS {
        let retry = pipeline == RETRYING_PIPELINE
            && break_stage(seed, pipeline, cycle - 1).is_some()
            && roll(seed, &[11, pipeline as u64, cycle as u64]).is_multiple_of(2);
        if !retry {
            break;
        }
        cycle -= 1;
    }
    roll(seed, &[10, pipeline as u64, cycle as u64])
}

fn sha(commit: u64) -> String {
    format!(
        "{commit:016x}{:016x}{:08x}",
        mix(commit),
        mix(!commit) >> 32
    )
}

fn run_number_of(cycle: i64) -> u64 {
    cycle.rem_euclid(100_000) as u64 + 1000
}

fn day_start(now: Timestamp, days_ago: i64) -> DateTime<Utc> {
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&midnight) - Duration::days(days_ago)
}

/// Deployments, their commits and incidents for the last twelve weeks, none after `now`.
fn events(seed: u64, now: Timestamp) -> DoraEvents {
    let mut events = DoraEvents::default();
    for days_ago in 0..=HISTORY_DAYS {
        let day = day_start(now, days_ago);
        let day_number = day.timestamp().div_euclid(86_400) as u64;
        for (app_index, app) in PIPELINES.iter().take(SERVICES).enumerate() {
            let r = roll(seed, &[6, app_index as u64, day_number]);
            let weekend = matches!(day.format("%a").to_string().as_str(), "Sat" | "Sun");
            let deploys = if weekend { r % 2 } else { r % 4 };
            for k in 0..deploys {
                let r = roll(seed, &[7, app_index as u64, day_number, k]);
                let at = day + Duration::seconds(8 * 3600 + (r % (10 * 3600)) as i64);
                if at > now {
                    continue;
                }
                add_deployment(&mut events, seed, app, at, r, now);
            }
        }
    }
    events
}

fn add_deployment(
    events: &mut DoraEvents,
    seed: u64,
    app: &str,
    at: Timestamp,
    r: u64,
    now: Timestamp,
) {
    let image = format!("sha256:{:012x}", mix(r) & 0xFFFF_FFFF_FFFF);
    events.deployments.push(Deployment {
        app: app.to_string(),
        image_sha: Some(image.clone()),
        commit: None,
        finished_at: at,
        marked: None,
    });
    for c in 0..(1 + r % 3) {
        let age = 1800 + (roll(seed, &[8, r, c]) % (3 * 86_400)) as i64;
        events.changes.push(Change {
            app: app.to_string(),
            commit: format!("{:040x}", u128::from(mix(r ^ c)) << 64 | u128::from(mix(c))),
            image_sha: Some(image.clone()),
            committed_at: at - Duration::seconds(age),
        });
    }
    let incident_roll = roll(seed, &[9, r]);
    if incident_roll % 100 < 9 {
        let opened_at = at + Duration::seconds(600 + (incident_roll % 6 * 3600) as i64);
        let repair = 1200 + ((incident_roll >> 16) % (30 * 3600)) as i64;
        let resolved = opened_at + Duration::seconds(repair);
        let unattributed = (incident_roll >> 32).is_multiple_of(10);
        if opened_at > now {
            return;
        }
        events.incidents.push(Incident {
            app: if unattributed { UNATTRIBUTED_APP } else { app }.to_string(),
            id: format!("INC-{}", incident_roll % 10_000),
            opened_at,
            resolved_at: (resolved <= now).then_some(resolved),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_card_names_the_run_and_stage_that_failed_even_while_the_next_one_runs() {
        let base = Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap();
        let (mut finished, mut building) = (0, 0);
        for second in (0..2 * 3600).step_by(5) {
            let now = base + Duration::seconds(second);
            for (index, name) in PIPELINES.iter().enumerate() {
                let p = pipeline(1, index, name, now);
                let failed = failed_run(1, name, now);
                if p.status != BuildStatus::Failing {
                    assert_eq!(failed, None);
                    continue;
                }
                let (run, stage) = failed.expect("a failing card has a failed run");
                match p.stages.iter().find(|s| s.status == StageStatus::Failed) {
                    Some(failed_stage) => {
                        assert_eq!(
                            (Some(&run), stage),
                            (p.label.as_ref(), failed_stage.name.as_str())
                        );
                        finished += 1;
                    }
                    None => {
                        assert_ne!(Some(&run), p.label.as_ref(), "the previous run");
                        building += 1;
                    }
                }
            }
        }
        assert!(finished > 0 && building > 0, "{finished} {building}");
    }

    fn at(seconds: i64) -> Timestamp {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    #[test]
    fn same_seed_same_moment_same_snapshot() {
        let now = at(1_790_000_000);
        assert_eq!(
            DemoSource::new(7).snapshot(now),
            DemoSource::new(7).snapshot(now)
        );
        assert_ne!(
            DemoSource::new(7).snapshot(now),
            DemoSource::new(8).snapshot(now)
        );
    }

    #[test]
    fn pipelines_move_break_and_recover_over_an_hour() {
        let demo = DemoSource::new(7);
        let mut failing = 0;
        let mut passing = 0;
        let mut stages_seen = std::collections::HashSet::new();
        for minute in 0..60 {
            for p in demo.snapshot(at(1_790_000_000 + minute * 60)).pipelines {
                match p.status {
                    BuildStatus::Failing => failing += 1,
                    BuildStatus::Passing => passing += 1,
                    BuildStatus::Unknown => {}
                }
                if p.building {
                    stages_seen.insert(p.stage.clone().unwrap());
                }
            }
        }
        assert!(failing > 0, "the demo never breaks");
        assert!(passing > failing, "the demo is mostly broken");
        assert_eq!(
            stages_seen.len(),
            STAGES.len(),
            "work does not flow through every stage"
        );
    }

    #[test]
    fn runs_carry_stage_times_commit_and_earlier_verdicts() {
        let demo = DemoSource::new(7);
        let mut retried = 0;
        for minute in 0..30 {
            let now = at(1_790_000_000 + minute * 60);
            for p in demo.snapshot(now).pipelines {
                assert_eq!(p.previous.len(), PREVIOUS_RUNS as usize);
                assert_eq!(p.commit.as_ref().map(String::len), Some(40));
                assert!(p.author.is_some());
                for s in &p.stages {
                    match s.status {
                        StageStatus::Passed | StageStatus::Failed => {
                            assert!(s.duration_seconds().unwrap() >= 8.0, "{s:?}");
                            assert!(s.finished_at.unwrap() <= now);
                        }
                        StageStatus::Running => {
                            assert!(s.started_at.unwrap() <= now && s.finished_at.is_none())
                        }
                        _ => assert!(s.started_at.is_none() && s.finished_at.is_none()),
                    }
                }
                assert_eq!(p.finished_at.is_some(), !p.building, "{p:?}");
                // The run just before this one, when it broke, may be retried on its commit.
                if p.previous[0].commit == p.commit {
                    assert!(!p.previous[0].passed, "only a broken run is retried");
                    assert_eq!(p.name, PIPELINES[RETRYING_PIPELINE], "one team retries");
                    retried += 1;
                }
            }
        }
        assert!(retried > 0, "no retries in half an hour");
    }

    #[test]
    fn events_never_lie_in_the_future() {
        let now = at(1_790_000_000);
        let events = DemoSource::new(7).snapshot(now).events;
        assert!(events.deployments.len() > 50);
        assert!(events.deployments.iter().all(|d| d.finished_at <= now));
        assert!(events.changes.iter().all(|c| c.committed_at < now));
        assert!(events.incidents.iter().all(|i| i.opened_at <= now));
        assert!(
            events
                .incidents
                .iter()
                .flat_map(|i| i.resolved_at)
                .all(|r| r <= now)
        );
        assert!(!events.incidents.is_empty());
    }
}
