//! What the radiator knows: each source's last result and freshness. Updated only by the app;
//! read by the view. Pure: the clock is a parameter.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::history::{PassRate, RunHistory, StageSample};
use crate::model::{BuildStatus, DoraEvents, Pipeline, Snapshot, Timestamp, Upstream};
use crate::setup::{Config, SourceConfig};
use crate::sources::{Cause, SourceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    /// Not polled yet.
    Pending,
    Ok,
    /// The last success is older than `stale_after` intervals.
    Stale,
    /// The last poll failed.
    Error,
}

impl Freshness {
    /// The state a word names, as `word` writes it; None for any other word.
    pub fn from_word(word: &str) -> Option<Freshness> {
        [
            Freshness::Pending,
            Freshness::Ok,
            Freshness::Stale,
            Freshness::Error,
        ]
        .into_iter()
        .find(|f| f.word() == word)
    }

    pub fn word(self) -> &'static str {
        match self {
            Freshness::Pending => "pending",
            Freshness::Ok => "ok",
            Freshness::Stale => "stale",
            Freshness::Error => "error",
        }
    }
}

/// A successful poll as the state keeps it. Each pipeline is shared with the views built from
/// it, so a view build copies none of its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Polled {
    pub pipelines: Vec<Arc<Pipeline>>,
    /// What is tracked of each pipeline, in the same order, so a view reads it without a lookup.
    pub tracked: Vec<Tracked>,
    pub events: DoraEvents,
    pub upstream: Vec<Upstream>,
}

/// What the state tracks of one polled pipeline, as the view shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tracked {
    pub failing_since: Option<Timestamp>,
    pub pass_rate: Option<PassRate>,
}

impl Tracked {
    /// What a card shows of `pipeline`: since when it fails (only while it does) and its pass
    /// rate.
    fn of(
        pipeline: &Pipeline,
        failing_since: &HashMap<String, Timestamp>,
        pass_rate: Option<PassRate>,
    ) -> Tracked {
        Tracked {
            failing_since: match pipeline.status {
                BuildStatus::Failing => failing_since.get(&pipeline.name).copied(),
                _ => None,
            },
            pass_rate,
        }
    }
}

impl Polled {
    fn new(snapshot: Snapshot, tracked: Vec<Tracked>) -> Polled {
        // Not `collect`: that would reuse the parsed pipelines' buffer for the pointers and keep
        // all of its room (31 MB for a board of 100,000) as long as the poll is held.
        let mut pipelines = Vec::with_capacity(snapshot.pipelines.len());
        pipelines.extend(snapshot.pipelines.into_iter().map(Arc::new));
        Polled {
            pipelines,
            tracked,
            events: snapshot.events,
            upstream: snapshot.upstream,
        }
    }
}

/// A pipeline's run history and the poll that last reported the pipeline (the state's
/// generation then), so that those no poll reports any more can be dropped in place.
#[derive(Debug, Clone, PartialEq)]
struct Watched {
    runs: RunHistory,
    seen: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub name: String,
    pub kind: &'static str,
    pub interval: Duration,
    pub timeout: Duration,
    pub stale_after: u32,
    /// Board column for this source's stage-less pipelines.
    pub stage: Option<String>,
    pub last_attempt: Option<Timestamp>,
    pub last_success: Option<Timestamp>,
    pub error: Option<String>,
    /// What kind of failure the last poll met (None while the source is healthy).
    pub error_cause: Option<Cause>,
    /// When the current run of failures began (None while the source is healthy).
    pub error_since: Option<Timestamp>,
    /// Certificates are not verified for this source; the screen warns.
    pub insecure: bool,
    /// The last successful snapshot, kept through failures so the screen can show it as stale.
    pub snapshot: Option<Polled>,
    /// When the next poll is, while the server's rate limit holds it back past the interval.
    pub paced_until: Option<Timestamp>,
    /// When each of this source's failing pipelines was first seen failing, by pipeline name.
    pub failing_since: HashMap<String, Timestamp>,
    /// Each of this source's pipelines' last runs, by pipeline name, for pass rates and flow.
    history: HashMap<String, Watched>,
    /// Some run history of this source holds a stage sample (most feeds have none).
    staged: bool,
}

impl SourceState {
    pub fn new(config: &SourceConfig) -> SourceState {
        SourceState {
            name: config.name.clone(),
            kind: config.kind.name(),
            interval: config.interval,
            timeout: config.timeout,
            stale_after: config.stale_after,
            stage: config.stage.clone(),
            last_attempt: None,
            last_success: None,
            error: None,
            error_cause: None,
            error_since: None,
            insecure: config.transport.insecure,
            snapshot: None,
            paced_until: None,
            failing_since: HashMap::new(),
            history: HashMap::new(),
            staged: false,
        }
    }

    /// The last runs of this source's `pipeline`.
    pub fn history(&self, pipeline: &str) -> Option<&RunHistory> {
        self.history.get(pipeline).map(|w| &w.runs)
    }

    /// Each of this source's pipelines' run history, by pipeline name.
    pub fn histories(&self) -> impl Iterator<Item = (&str, &RunHistory)> {
        self.history
            .iter()
            .map(|(name, w)| (name.as_str(), &w.runs))
    }

    /// What is tracked of each pipeline of the last snapshot, from the maps.
    fn retrack(&mut self) {
        self.staged = self
            .history
            .values()
            .any(|w| w.runs.stage_samples().next().is_some());
        let Some(snapshot) = &mut self.snapshot else {
            return;
        };
        snapshot.tracked = snapshot
            .pipelines
            .iter()
            .map(|p| {
                let pass_rate = self.history.get(&p.name).and_then(|w| w.runs.pass_rate());
                Tracked::of(p, &self.failing_since, pass_rate)
            })
            .collect();
    }

    /// Since when the source has been in its current trouble: the first failure of the current
    /// run when in error, the last success when stale. None when ok or pending.
    pub fn trouble_since(&self, now: Timestamp) -> Option<Timestamp> {
        match self.freshness(now) {
            Freshness::Error => self.error_since.or(self.last_attempt),
            Freshness::Stale => self.last_success,
            Freshness::Ok | Freshness::Pending => None,
        }
    }

    pub fn freshness(&self, now: Timestamp) -> Freshness {
        if self.last_attempt.is_none() {
            return Freshness::Pending;
        }
        if self.error.is_some() {
            return Freshness::Error;
        }
        let allowed = self
            .interval
            .saturating_mul(self.stale_after)
            .saturating_add(self.timeout);
        match self.last_success {
            Some(at) if (now - at).to_std().unwrap_or_default() <= allowed => Freshness::Ok,
            _ => Freshness::Stale,
        }
    }
}

/// Key of a pipeline across sources: (source, pipeline).
pub type PipelineKey = (String, String);

/// Each source keeps what it tracks of its own pipelines (`SourceState::failing_since`,
/// `SourceState::history`), keyed by pipeline name, so a poll costs time in proportion to that
/// source's pipelines, whatever the others hold.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub sources: Vec<SourceState>,
    /// Bumped on every change to the data, so derived figures can be cached.
    pub generation: u64,
}

impl State {
    pub fn new(config: &Config) -> State {
        State {
            sources: config.sources.iter().map(SourceState::new).collect(),
            generation: 0,
        }
    }

    fn source_named(&self, source: &str) -> Option<&SourceState> {
        self.sources.iter().find(|s| s.name == source)
    }

    /// When `pipeline` of `source` was first seen failing, while it fails.
    pub fn failing_since(&self, source: &str, pipeline: &str) -> Option<Timestamp> {
        self.source_named(source)?
            .failing_since
            .get(pipeline)
            .copied()
    }

    /// The last runs of `pipeline` of `source`.
    pub fn history(&self, source: &str, pipeline: &str) -> Option<&RunHistory> {
        self.source_named(source)?.history(pipeline)
    }

    /// Every pipeline's run history, of every source.
    pub fn histories(&self) -> impl Iterator<Item = &RunHistory> {
        self.sources
            .iter()
            .flat_map(|s| s.history.values().map(|w| &w.runs))
    }

    /// Every stage sample of every run history, skipping the sources that have none.
    pub fn stage_samples(&self) -> impl Iterator<Item = &StageSample> {
        self.sources
            .iter()
            .filter(|s| s.staged)
            .flat_map(|s| s.history.values())
            .flat_map(|w| w.runs.stage_samples())
    }

    /// Every failing pipeline's first sighting, keyed by (source, pipeline).
    pub fn failing_since_by_key(&self) -> HashMap<PipelineKey, Timestamp> {
        self.sources
            .iter()
            .flat_map(|s| {
                s.failing_since
                    .iter()
                    .map(|(pipeline, since)| ((s.name.clone(), pipeline.clone()), *since))
            })
            .collect()
    }

    /// Every pipeline's run history with its source's name and its own.
    pub fn histories_by_source(&self) -> impl Iterator<Item = (&str, &str, &RunHistory)> {
        self.sources.iter().flat_map(|s| {
            s.histories()
                .map(move |(pipeline, history)| (s.name.as_str(), pipeline, history))
        })
    }

    /// Seeds what was tracked before (a collector's history database), keyed by (source,
    /// pipeline); entries of sources this state does not have are dropped.
    pub fn restore_tracking(
        &mut self,
        failing_since: &HashMap<PipelineKey, Timestamp>,
        history: &HashMap<PipelineKey, RunHistory>,
    ) {
        for source in &mut self.sources {
            source.failing_since = failing_since
                .iter()
                .filter(|((s, _), _)| *s == source.name)
                .map(|((_, pipeline), since)| (pipeline.clone(), *since))
                .collect();
            source.history = history
                .iter()
                .filter(|((s, _), _)| *s == source.name)
                .map(|((_, pipeline), runs)| {
                    let watched = Watched {
                        runs: runs.clone(),
                        seen: 0,
                    };
                    (pipeline.clone(), watched)
                })
                .collect();
            source.retrack();
        }
        self.generation += 1;
    }

    /// Records the result of one poll of source `index`, made at `at`.
    pub fn record(&mut self, index: usize, at: Timestamp, result: Result<Snapshot, SourceError>) {
        let Some(source) = self.sources.get_mut(index) else {
            return;
        };
        source.last_attempt = Some(at);
        self.generation += 1;
        match result {
            Ok(snapshot) => {
                source.last_success = Some(at);
                source.error = None;
                source.error_cause = None;
                source.error_since = None;
                track_failures(&mut source.failing_since, &snapshot, at);
                let runs = track_runs(&mut source.history, &snapshot, self.generation);
                source.staged = runs.staged;
                let tracked = snapshot
                    .pipelines
                    .iter()
                    .zip(runs.pass_rates)
                    .map(|(p, pass_rate)| Tracked::of(p, &source.failing_since, pass_rate))
                    .collect();
                source.snapshot = Some(Polled::new(snapshot, tracked));
            }
            Err(err) => {
                if source.error.is_none() {
                    source.error_since = Some(at);
                }
                source.error = Some(err.reason);
                source.error_cause = Some(err.cause);
            }
        }
    }

    /// Notes when a source's next poll is, if pacing for a rate limit moved it past the interval.
    pub fn pace(&mut self, index: usize, until: Option<Timestamp>) {
        if let Some(source) = self.sources.get_mut(index)
            && source.paced_until != until
        {
            source.paced_until = until;
            self.generation += 1;
        }
    }
}

/// What one poll's pass over the run histories found.
struct RunsTracked {
    /// Each pipeline's pass rate, in the snapshot's order.
    pass_rates: Vec<Option<PassRate>>,
    /// Some history holds a stage sample.
    staged: bool,
}

/// One pass over the snapshot, updating each pipeline's history in place and stamping it with
/// `poll`; pipelines the source no longer reports are dropped, so memory follows the board.
fn track_runs(
    history: &mut HashMap<String, Watched>,
    snapshot: &Snapshot,
    poll: u64,
) -> RunsTracked {
    let mut pass_rates = Vec::with_capacity(snapshot.pipelines.len());
    let mut staged = false;
    let mut distinct = 0;
    for p in &snapshot.pipelines {
        let watched = match history.get_mut(&p.name) {
            Some(known) => known,
            None => history.entry(p.name.clone()).or_insert(Watched {
                runs: RunHistory::default(),
                seen: 0,
            }),
        };
        if watched.seen != poll {
            watched.seen = poll;
            distinct += 1;
        }
        watched.runs.observe(p);
        staged |= watched.runs.stage_samples().next().is_some();
        pass_rates.push(watched.runs.pass_rate());
    }
    if history.len() > distinct {
        history.retain(|_, w| w.seen == poll);
    }
    if distinct < snapshot.pipelines.len() {
        // A name listed twice: each of its cards shows the history after the whole poll.
        for (p, rate) in snapshot.pipelines.iter().zip(&mut pass_rates) {
            *rate = history[&p.name].runs.pass_rate();
        }
    }
    RunsTracked { pass_rates, staged }
}

/// Failing pipelines keep the time they were first seen failing (or the one a collector relays);
/// the others are dropped.
fn track_failures(
    failing_since: &mut HashMap<String, Timestamp>,
    snapshot: &Snapshot,
    at: Timestamp,
) {
    let mut previous = std::mem::take(failing_since);
    for p in snapshot
        .pipelines
        .iter()
        .filter(|p| p.status == BuildStatus::Failing)
    {
        if failing_since.contains_key(&p.name) {
            continue;
        }
        let (name, mut since) = previous.remove_entry(&p.name).unwrap_or_else(|| {
            let since = p.last_build_at.map_or(at, |built| built.min(at));
            (p.name.clone(), since)
        });
        // A collector's word (it has watched longer) wins over a first sighting.
        if let Some(relayed) = p.failing_since {
            since = relayed;
        }
        failing_since.insert(name, since);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::SourceKind;
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + seconds, 0).unwrap()
    }

    fn source() -> SourceState {
        SourceState::new(&SourceConfig {
            name: "ci".into(),
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
            stale_after: 3,
            stage: None,
            kind: SourceKind::Demo(crate::sources::demo::DemoConfig { seed: 1 }),
            transport: Default::default(),
        })
    }

    fn state() -> State {
        State {
            sources: vec![source()],
            generation: 0,
        }
    }

    fn snapshot(status: BuildStatus) -> Snapshot {
        Snapshot {
            pipelines: vec![Pipeline::new("api", status)],
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_kept_poll_holds_room_for_its_pointers_only() {
        let pipelines: Vec<Pipeline> = (0..1000)
            .map(|n| Pipeline::new(format!("p{n}"), BuildStatus::Passing))
            .collect();
        let polled = Polled::new(
            Snapshot {
                pipelines,
                ..Snapshot::default()
            },
            Vec::new(),
        );
        assert_eq!(polled.pipelines.len(), 1000);
        assert!(
            polled.pipelines.capacity() <= 1000,
            "room for {} pointers kept",
            polled.pipelines.capacity()
        );
    }

    #[test]
    fn freshness_moves_from_pending_to_ok_to_stale() {
        let mut state = state();
        assert_eq!(state.sources[0].freshness(at(0)), Freshness::Pending);
        state.record(0, at(0), Ok(Snapshot::default()));
        assert_eq!(state.sources[0].freshness(at(35)), Freshness::Ok);
        assert_eq!(state.sources[0].freshness(at(36)), Freshness::Stale);
    }

    #[test]
    fn a_failure_keeps_the_old_data_but_reports_the_error() {
        let mut state = state();
        state.record(0, at(0), Ok(snapshot(BuildStatus::Passing)));
        state.record(0, at(10), Err(SourceError::new("connection refused")));
        let source = &state.sources[0];
        assert_eq!(source.freshness(at(10)), Freshness::Error);
        assert_eq!(source.error.as_deref(), Some("connection refused"));
        assert!(source.snapshot.is_some());
        assert_eq!(source.last_success, Some(at(0)));
    }

    #[test]
    fn the_cause_of_the_last_failure_is_kept_until_a_success_and_reaches_the_view() {
        let mut state = state();
        let until = at(600);
        let limited = SourceError::of(Cause::RateLimited { until }, "rate limited until 10:10");
        state.record(0, at(10), Err(limited));
        assert_eq!(
            state.sources[0].error_cause,
            Some(Cause::RateLimited { until })
        );
        state.record(
            0,
            at(20),
            Err(SourceError::of(Cause::Network, "connection refused")),
        );
        assert_eq!(state.sources[0].error_cause, Some(Cause::Network));
        let views = crate::view::source_views(&state, at(20));
        assert_eq!(views[0].error_cause, Some(Cause::Network));
        state.record(0, at(30), Ok(Snapshot::default()));
        assert_eq!(state.sources[0].error_cause, None);
        assert_eq!(
            crate::view::source_views(&state, at(30))[0].error_cause,
            None
        );
    }

    #[test]
    fn trouble_since_is_the_first_failure_of_the_run_and_clears_on_success() {
        let mut state = state();
        state.record(0, at(0), Ok(snapshot(BuildStatus::Passing)));
        assert_eq!(state.sources[0].trouble_since(at(1)), None);
        state.record(0, at(10), Err(SourceError::new("connection refused")));
        state.record(0, at(20), Err(SourceError::new("timed out")));
        assert_eq!(state.sources[0].trouble_since(at(25)), Some(at(10)));
        assert_eq!(state.sources[0].error.as_deref(), Some("timed out"));
        state.record(0, at(30), Ok(snapshot(BuildStatus::Passing)));
        assert_eq!(state.sources[0].freshness(at(30)), Freshness::Ok);
        assert_eq!(state.sources[0].trouble_since(at(30)), None);
        // Stale: the age is that of the last success.
        assert_eq!(state.sources[0].trouble_since(at(100)), Some(at(30)));
    }

    #[test]
    fn run_history_counts_each_run_once_and_forgets_vanished_pipelines() {
        let mut state = state();
        let run = |label: &str, status| {
            let mut p = Pipeline::new("api", status);
            p.label = Some(label.into());
            Snapshot {
                pipelines: vec![p],
                ..Snapshot::default()
            }
        };
        state.record(0, at(0), Ok(run("#1", BuildStatus::Passing)));
        state.record(0, at(10), Ok(run("#1", BuildStatus::Passing)));
        state.record(0, at(20), Ok(run("#2", BuildStatus::Failing)));
        state.record(0, at(30), Err(SourceError::new("timed out")));
        let rate = state.history("ci", "api").unwrap().pass_rate().unwrap();
        assert_eq!((rate.passed, rate.runs), (1, 2));
        state.record(0, at(40), Ok(Snapshot::default()));
        assert_eq!(state.histories().count(), 0);
    }

    #[test]
    fn a_collectors_failing_since_wins_over_the_first_sighting() {
        let mut state = state();
        let mut p = Pipeline::new("api", BuildStatus::Failing);
        p.failing_since = Some(at(-3600));
        let relayed = Snapshot {
            pipelines: vec![p],
            ..Snapshot::default()
        };
        state.record(0, at(0), Ok(snapshot(BuildStatus::Failing)));
        state.record(0, at(10), Ok(relayed));
        assert_eq!(state.failing_since("ci", "api"), Some(at(-3600)));
        assert_eq!(Freshness::from_word("stale"), Some(Freshness::Stale));
        assert_eq!(Freshness::from_word("green"), None);
    }

    #[test]
    fn failing_since_is_the_first_sighting_and_clears_on_recovery() {
        let mut state = state();
        state.record(0, at(0), Ok(snapshot(BuildStatus::Failing)));
        state.record(0, at(10), Ok(snapshot(BuildStatus::Failing)));
        assert_eq!(state.failing_since("ci", "api"), Some(at(0)));
        state.record(0, at(20), Ok(snapshot(BuildStatus::Passing)));
        assert_eq!(state.failing_since("ci", "api"), None);
        assert!(state.sources[0].failing_since.is_empty());
    }

    #[test]
    fn each_source_tracks_its_own_pipelines_even_under_the_same_name() {
        let mut state = state();
        let mut other = source();
        other.name = "nightly".into();
        state.sources.push(other);
        state.record(0, at(0), Ok(snapshot(BuildStatus::Failing)));
        state.record(1, at(5), Ok(snapshot(BuildStatus::Failing)));
        state.record(0, at(10), Ok(snapshot(BuildStatus::Passing)));
        assert_eq!(state.failing_since("ci", "api"), None);
        assert_eq!(state.failing_since("nightly", "api"), Some(at(5)));
        assert_eq!(state.histories().count(), 2);
    }

    #[test]
    fn a_pipeline_listed_twice_is_tracked_once() {
        let mut state = state();
        let mut twice = snapshot(BuildStatus::Failing);
        twice
            .pipelines
            .push(Pipeline::new("api", BuildStatus::Failing));
        state.record(0, at(0), Ok(twice.clone()));
        state.record(0, at(10), Ok(twice));
        assert_eq!(state.failing_since("ci", "api"), Some(at(0)));
        assert_eq!(state.sources[0].histories().count(), 1);
    }

    fn timed_stage(name: &str, seconds: i64) -> crate::model::StageRun {
        let mut stage = crate::model::StageRun::new(name, crate::model::StageStatus::Passed);
        stage.started_at = Some(at(0));
        stage.finished_at = Some(at(seconds));
        stage
    }

    /// (passed, runs) of each pipeline of the first source's last poll, in its order.
    fn pass_rates(state: &State) -> Vec<Option<(usize, usize)>> {
        let polled = state.sources[0].snapshot.as_ref().unwrap();
        polled
            .tracked
            .iter()
            .map(|t| t.pass_rate.map(|r| (r.passed, r.runs)))
            .collect()
    }

    #[test]
    fn each_polled_pipeline_carries_its_pass_rate_and_failing_since() {
        let mut state = state();
        let labelled = |label: &str, name: &str, status| {
            let mut p = Pipeline::new(name, status);
            p.label = Some(label.into());
            p
        };
        let poll = |label: &str, api| Snapshot {
            pipelines: vec![
                labelled(label, "api", api),
                labelled(label, "web", BuildStatus::Passing),
            ],
            ..Snapshot::default()
        };
        state.record(0, at(0), Ok(poll("#1", BuildStatus::Passing)));
        state.record(0, at(10), Ok(poll("#2", BuildStatus::Failing)));
        assert_eq!(pass_rates(&state), [Some((1, 2)), Some((2, 2))]);
        let tracked = &state.sources[0].snapshot.as_ref().unwrap().tracked;
        assert_eq!(tracked[0].failing_since, Some(at(10)));
        assert_eq!(tracked[1].failing_since, None);
    }

    #[test]
    fn a_pipeline_listed_twice_shows_the_history_of_the_whole_poll_on_both_cards() {
        let mut state = state();
        let mut first = Pipeline::new("api", BuildStatus::Passing);
        first.label = Some("#1".into());
        let mut second = Pipeline::new("api", BuildStatus::Failing);
        second.label = Some("#2".into());
        state.record(
            0,
            at(0),
            Ok(Snapshot {
                pipelines: vec![first, second],
                ..Snapshot::default()
            }),
        );
        assert_eq!(pass_rates(&state), [Some((1, 2)), Some((1, 2))]);
    }

    #[test]
    fn stage_samples_outlive_a_feed_that_stops_listing_stages() {
        let mut state = state();
        let mut staged = Pipeline::new("api", BuildStatus::Passing);
        staged.label = Some("#1".into());
        staged.stages = vec![timed_stage("test", 30)];
        let mut bare = Pipeline::new("api", BuildStatus::Passing);
        bare.label = Some("#2".into());
        for p in [staged, bare] {
            state.record(
                0,
                at(0),
                Ok(Snapshot {
                    pipelines: vec![p],
                    ..Snapshot::default()
                }),
            );
            assert_eq!(state.stage_samples().count(), 1);
        }
        state.record(0, at(10), Ok(Snapshot::default()));
        assert_eq!(state.stage_samples().count(), 0);
    }

    #[test]
    fn a_restore_over_a_kept_poll_shows_the_restored_tracking_on_its_cards() {
        let mut state = state();
        state.record(0, at(0), Ok(snapshot(BuildStatus::Failing)));
        let mut runs = RunHistory::default();
        let mut passed = Pipeline::new("api", BuildStatus::Passing);
        passed.label = Some("#1".into());
        runs.observe(&passed);
        let key = ("ci".to_string(), "api".to_string());
        let since = [(key.clone(), at(-60))].into_iter().collect();
        state.restore_tracking(&since, &[(key, runs)].into_iter().collect());
        assert_eq!(pass_rates(&state), [Some((1, 1))]);
        let tracked = &state.sources[0].snapshot.as_ref().unwrap().tracked;
        assert_eq!(tracked[0].failing_since, Some(at(-60)));
    }

    #[test]
    fn restored_histories_give_their_stage_samples_before_any_poll() {
        let mut runs = RunHistory::default();
        let mut p = Pipeline::new("api", BuildStatus::Passing);
        p.label = Some("#1".into());
        p.stages = vec![timed_stage("test", 30)];
        runs.observe(&p);
        let mut state = state();
        let key = ("ci".to_string(), "api".to_string());
        state.restore_tracking(&HashMap::new(), &[(key, runs)].into_iter().collect());
        assert_eq!(state.stage_samples().count(), 1);
        assert_eq!(state.histories().count(), 1);
    }
}
