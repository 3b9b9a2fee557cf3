//! The last runs of each pipeline: their verdicts and commits (for a pass rate and flakiness)
//! and how long their stages took and waited (for the board's flow figures). Pure and bounded:
//! at most `RUNS_KEPT` runs per pipeline, each known once by its run id.

use compact_str::CompactString;

use crate::model::{BuildStatus, Pipeline, StageRun, StageStatus};

/// Runs remembered per pipeline.
pub const RUNS_KEPT: usize = 20;

/// What one finished stage of a run took.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSample {
    pub name: String,
    pub duration_seconds: Option<f64>,
    pub queued_seconds: Option<f64>,
    /// Whether the stage passed (else it failed), for the value stream's %C/A.
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Held in place when short (most are), so that telling a new run from a known one reads no
    /// other memory.
    pub id: CompactString,
    /// None while the run goes on, or when it ended without a verdict.
    pub passed: Option<bool>,
    pub commit: Option<String>,
    pub stages: Vec<StageSample>,
}

impl RunRecord {
    /// What a poll says of this run: its verdict and commit once known, its finished stages.
    fn update(&mut self, passed: Option<bool>, commit: Option<&String>, stages: &[StageRun]) {
        if passed.is_some() {
            self.passed = passed;
        }
        if let Some(commit) = commit
            && self.commit.as_ref() != Some(commit)
        {
            self.commit = Some(commit.clone());
        }
        for stage in stages.iter().filter_map(sample) {
            match self.stages.iter_mut().find(|s| s.name == stage.name) {
                Some(known) => *known = stage,
                None => self.stages.push(stage),
            }
        }
    }
}

/// Passed runs out of the runs with a verdict, and whether the pipeline looks flaky.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassRate {
    pub passed: usize,
    pub runs: usize,
    /// A run failed and the next one passed on the same commit: the failure was not the code's.
    pub flaky: bool,
}

/// A pipeline's runs, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunHistory {
    pub runs: Vec<RunRecord>,
}

/// The verdict of the run a card shows: only a finished run has one. While a run goes on,
/// most sources report the previous run's status, which is not this run's.
fn verdict(pipeline: &Pipeline) -> Option<bool> {
    if pipeline.building || pipeline.no_verdict {
        return None;
    }
    match pipeline.status {
        BuildStatus::Passing => Some(true),
        BuildStatus::Failing => Some(false),
        BuildStatus::Unknown => None,
    }
}

fn sample(stage: &StageRun) -> Option<StageSample> {
    if !matches!(stage.status, StageStatus::Passed | StageStatus::Failed) {
        return None;
    }
    let duration_seconds = stage.duration_seconds();
    let queued_seconds = stage.queued_seconds();
    (duration_seconds.is_some() || queued_seconds.is_some()).then(|| StageSample {
        name: stage.name.clone(),
        duration_seconds,
        queued_seconds,
        passed: stage.status == StageStatus::Passed,
    })
}

impl RunHistory {
    /// Takes in what one poll says of the pipeline: its current run (with the stages finished so
    /// far) and the earlier runs the source listed. The source's order wins; runs it no longer
    /// lists are kept after them, as older.
    pub fn observe(&mut self, pipeline: &Pipeline) {
        let Some(current) = pipeline.run_id() else {
            return;
        };
        if pipeline.previous.is_empty() {
            // Nothing earlier listed (most polls of most sources): the run polled again, or a
            // new one in front; only that run's record can change.
            match self.runs.iter().position(|r| r.id == *current) {
                Some(0) => {
                    self.runs[0].update(
                        verdict(pipeline),
                        pipeline.commit.as_ref(),
                        &pipeline.stages,
                    );
                    return;
                }
                None => {
                    if self.runs.len() >= RUNS_KEPT {
                        self.runs.truncate(RUNS_KEPT - 1);
                    }
                    if self.runs.len() == self.runs.capacity() {
                        // Doubling, but never past what is kept.
                        let more = self.runs.len().clamp(1, RUNS_KEPT - self.runs.len());
                        self.runs.reserve_exact(more);
                    }
                    let mut record = RunRecord {
                        id: CompactString::from(current),
                        passed: None,
                        commit: None,
                        stages: Vec::new(),
                    };
                    record.update(
                        verdict(pipeline),
                        pipeline.commit.as_ref(),
                        &pipeline.stages,
                    );
                    self.runs.insert(0, record);
                    return;
                }
                Some(_) => {}
            }
        }
        let mut listed = vec![(
            CompactString::from(current),
            verdict(pipeline),
            pipeline.commit.clone(),
        )];
        listed.extend(pipeline.previous.iter().map(|r| {
            let id = CompactString::from(r.id.as_str());
            (id, Some(r.passed), r.commit.clone())
        }));
        // Sized for what is kept, not for RUNS_KEPT: most pipelines have seen a few runs, and a
        // board of 100,000 would otherwise hold 160 MB of empty slots.
        let mut next: Vec<RunRecord> =
            Vec::with_capacity((listed.len() + self.runs.len()).min(RUNS_KEPT));
        for (id, passed, commit) in listed {
            if next.iter().any(|r| r.id == id) {
                continue;
            }
            let mut record = match self.runs.iter().position(|r| r.id == id) {
                Some(at) => self.runs.remove(at),
                None => RunRecord {
                    id,
                    passed: None,
                    commit: None,
                    stages: Vec::new(),
                },
            };
            if passed.is_some() {
                record.passed = passed;
            }
            if commit.is_some() {
                record.commit = commit;
            }
            next.push(record);
        }
        next[0].update(None, None, &pipeline.stages);
        next.append(&mut self.runs);
        next.truncate(RUNS_KEPT);
        next.shrink_to(RUNS_KEPT);
        self.runs = next;
    }

    /// None until a run has a verdict.
    pub fn pass_rate(&self) -> Option<PassRate> {
        let mut rate = PassRate {
            passed: 0,
            runs: 0,
            flaky: false,
        };
        let mut newer: Option<&RunRecord> = None;
        for run in self.runs.iter().filter(|r| r.passed.is_some()) {
            rate.runs += 1;
            rate.passed += usize::from(run.passed == Some(true));
            // Newest first: a pass right before (newer than) a failure of the same commit.
            rate.flaky |= newer.is_some_and(|newer| {
                newer.passed == Some(true)
                    && run.passed == Some(false)
                    && newer.commit.is_some()
                    && newer.commit == run.commit
            });
            newer = Some(run);
        }
        (rate.runs > 0).then_some(rate)
    }

    pub fn stage_samples(&self) -> impl Iterator<Item = &StageSample> {
        self.runs.iter().flat_map(|r| r.stages.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PastRun, StageRun};
    use chrono::{TimeZone, Utc};

    fn run(label: &str, status: BuildStatus, building: bool) -> Pipeline {
        let mut p = Pipeline::new("api", status);
        p.label = Some(label.into());
        p.building = building;
        p
    }

    fn past(id: &str, passed: bool, commit: &str) -> PastRun {
        PastRun {
            id: id.into(),
            passed,
            commit: Some(commit.into()),
        }
    }

    fn verdicts(history: &RunHistory) -> Vec<(&str, Option<bool>)> {
        history
            .runs
            .iter()
            .map(|r| (r.id.as_str(), r.passed))
            .collect()
    }

    #[test]
    fn a_run_polled_again_counts_once() {
        let mut history = RunHistory::default();
        for _ in 0..3 {
            history.observe(&run("#1", BuildStatus::Passing, false));
        }
        history.observe(&run("#2", BuildStatus::Failing, false));
        history.observe(&run("#2", BuildStatus::Failing, false));
        assert_eq!(
            verdicts(&history),
            [("#2", Some(false)), ("#1", Some(true))]
        );
        assert_eq!(
            history.pass_rate(),
            Some(PassRate {
                passed: 1,
                runs: 2,
                flaky: false
            })
        );
    }

    #[test]
    fn a_run_in_progress_has_no_verdict_yet() {
        let mut history = RunHistory::default();
        history.observe(&run("#1", BuildStatus::Failing, false));
        // The source still says failing (the last finished run) while #2 builds.
        history.observe(&run("#2", BuildStatus::Failing, true));
        assert_eq!(verdicts(&history), [("#2", None), ("#1", Some(false))]);
        assert_eq!(
            history.pass_rate().map(|r| (r.passed, r.runs)),
            Some((0, 1))
        );
        history.observe(&run("#2", BuildStatus::Passing, false));
        assert_eq!(
            history.pass_rate().map(|r| (r.passed, r.runs)),
            Some((1, 2))
        );
    }

    #[test]
    fn a_cancelled_run_showing_an_earlier_verdict_is_not_counted_again() {
        let mut history = RunHistory::default();
        let mut p = run("#563", BuildStatus::Failing, false);
        p.no_verdict = true;
        p.previous = vec![past("#562", false, "abc")];
        history.observe(&p);
        assert_eq!(verdicts(&history), [("#563", None), ("#562", Some(false))]);
        assert_eq!(history.pass_rate().map(|r| r.runs), Some(1));
    }

    #[test]
    fn nothing_finished_is_no_pass_rate_not_zero() {
        let mut history = RunHistory::default();
        history.observe(&run("#1", BuildStatus::Unknown, true));
        assert_eq!(history.pass_rate(), None);
        let mut nameless = Pipeline::new("api", BuildStatus::Passing);
        nameless.label = None;
        history.observe(&nameless);
        assert_eq!(
            history.runs.len(),
            1,
            "a run without id or time is not kept"
        );
    }

    #[test]
    fn memory_is_bounded_to_the_last_runs() {
        let mut history = RunHistory::default();
        for n in 0..(RUNS_KEPT + 15) {
            history.observe(&run(&format!("#{n}"), BuildStatus::Passing, false));
        }
        assert_eq!(history.runs.len(), RUNS_KEPT);
        assert_eq!(history.runs[0].id, format!("#{}", RUNS_KEPT + 14));
        assert_eq!(
            history.runs.capacity(),
            RUNS_KEPT,
            "no room past what is kept"
        );
    }

    #[test]
    fn earlier_runs_listed_over_a_full_history_keep_it_within_bounds() {
        let mut history = RunHistory::default();
        for n in 0..RUNS_KEPT {
            history.observe(&run(&format!("#{n}"), BuildStatus::Passing, false));
        }
        let mut listing = run("#100", BuildStatus::Failing, false);
        listing.previous = (50..60)
            .map(|n| past(&format!("#{n}"), true, "c"))
            .collect();
        history.observe(&listing);
        assert_eq!(history.runs.len(), RUNS_KEPT);
        assert_eq!(history.runs[0].id, "#100");
        assert!(
            history.runs.capacity() <= RUNS_KEPT,
            "room for {} runs",
            history.runs.capacity()
        );
    }

    #[test]
    fn listed_earlier_runs_join_in_the_sources_order() {
        let mut history = RunHistory::default();
        history.observe(&run("#3", BuildStatus::Passing, false));
        let mut p = run("#5", BuildStatus::Passing, false);
        p.commit = Some("e".into());
        p.previous = vec![
            past("#4", false, "d"),
            past("#3", true, "c"),
            past("#2", false, "b"),
        ];
        history.observe(&p);
        let ids: Vec<&str> = history.runs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["#5", "#4", "#3", "#2"]);
        let rate = history.pass_rate().unwrap();
        assert_eq!(
            (rate.passed, rate.runs, rate.flaky),
            (2, 4, false),
            "every fix came with a new commit"
        );
    }

    #[test]
    fn a_failure_that_passes_again_on_the_same_commit_is_flaky() {
        let mut history = RunHistory::default();
        let mut p = run("#7", BuildStatus::Passing, false);
        p.commit = Some("abc".into());
        p.previous = vec![past("#6", false, "abc"), past("#5", true, "abb")];
        history.observe(&p);
        let rate = history.pass_rate().unwrap();
        assert_eq!((rate.passed, rate.runs, rate.flaky), (2, 3, true));
        // Seen over polls: a source that lists no earlier runs (Jenkins, cctray).
        let mut polled = RunHistory::default();
        for (label, status) in [("#1", BuildStatus::Failing), ("#2", BuildStatus::Passing)] {
            let mut p = run(label, status, false);
            p.commit = Some("abc".into());
            polled.observe(&p);
        }
        assert!(polled.pass_rate().unwrap().flaky);
    }

    #[test]
    fn a_break_without_known_commits_is_not_called_flaky() {
        let mut history = RunHistory::default();
        for (n, status) in [
            BuildStatus::Passing,
            BuildStatus::Failing,
            BuildStatus::Passing,
            BuildStatus::Failing,
            BuildStatus::Passing,
        ]
        .into_iter()
        .enumerate()
        {
            history.observe(&run(&format!("#{n}"), status, false));
        }
        let rate = history.pass_rate().unwrap();
        assert_eq!((rate.passed, rate.runs, rate.flaky), (3, 5, false));
    }

    #[test]
    fn finished_stages_leave_their_duration_and_queue_time() {
        let t = |s: i64| Utc.timestamp_opt(1_790_000_000 + s, 0).unwrap();
        let mut build = StageRun::new("build", StageStatus::Passed);
        build.started_at = Some(t(0));
        build.finished_at = Some(t(90));
        build.queued = Some(std::time::Duration::from_millis(2500));
        let mut test = StageRun::new("test", StageStatus::Running);
        test.started_at = Some(t(95));
        let mut p = Pipeline::from_stages("api", vec![build, test]);
        p.label = Some("#9".into());
        let mut history = RunHistory::default();
        history.observe(&p);
        history.observe(&p);
        let samples: Vec<&StageSample> = history.stage_samples().collect();
        assert_eq!(
            samples,
            [&StageSample {
                name: "build".into(),
                duration_seconds: Some(90.0),
                queued_seconds: Some(2.5),
                passed: true,
            }],
            "the running stage has no duration yet; a re-poll adds nothing"
        );
    }
}
