//! The value stream of the board's stages, as the delivery notes ask for it: per stage the
//! process time (median time in the stage), the wait time (median time queued for it) and
//! %C/A (the share of its runs that passed: a failed run is work done again); rolling %C/A,
//! the product of the stages'; and the activity ratio, total process time over total lead
//! time of recent runs (queues included, parallel jobs not counted twice). Pure.

use std::collections::BTreeMap;

use crate::card::Card;
use crate::history::StageSample;
use crate::model::Timestamp;

/// A stage's median times as the flow figures give them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageTimes<'a> {
    pub name: &'a str,
    /// Median time in the stage, over `process_n` runs.
    pub process_seconds: Option<f64>,
    pub process_n: usize,
    /// Median time queued for the stage, over `wait_n` runs.
    pub wait_seconds: Option<f64>,
    pub wait_n: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageValue {
    pub name: String,
    pub process_seconds: Option<f64>,
    pub process_n: usize,
    pub wait_seconds: Option<f64>,
    pub wait_n: usize,
    /// Passed over finished stage runs; None without any.
    pub complete_accurate: Option<f64>,
    pub complete_accurate_n: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActivityRatio {
    /// Time some stage was busy over the runs' whole time; None without a timed run.
    pub ratio: Option<f64>,
    /// Finished runs with stage times it is computed over.
    pub runs: usize,
    pub busy_seconds: f64,
    pub lead_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueStream {
    pub stages: Vec<StageValue>,
    /// The product of the stages' %C/A (those with runs); None when no stage has any.
    pub rolling_complete_accurate: Option<f64>,
    pub activity_ratio: ActivityRatio,
    /// What a source cannot report, one line each: "cctray ci: no stage times".
    pub cannot_report: Vec<String>,
}

/// The value stream over the board's stages (`stages`: their process and wait times in column
/// order), the recent stage samples (for %C/A) and the cards' latest runs (for the ratio).
pub fn compute<'s, 'a>(
    stages: impl Iterator<Item = StageTimes<'s>>,
    samples: impl Iterator<Item = &'a StageSample>,
    cards: &[Card],
    source_kinds: &[(String, &'static str)],
) -> ValueStream {
    let mut outcomes: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for sample in samples {
        let (passed, finished) = outcomes.entry(&sample.name).or_default();
        *passed += usize::from(sample.passed);
        *finished += 1;
    }
    let stages: Vec<StageValue> = stages
        .map(|s| {
            let (passed, finished) = outcomes.get(s.name).copied().unwrap_or_default();
            StageValue {
                name: s.name.to_string(),
                process_seconds: s.process_seconds,
                process_n: s.process_n,
                wait_seconds: s.wait_seconds,
                wait_n: s.wait_n,
                complete_accurate: (finished > 0).then(|| passed as f64 / finished as f64),
                complete_accurate_n: finished,
            }
        })
        .collect();
    let known: Vec<f64> = stages.iter().filter_map(|s| s.complete_accurate).collect();
    ValueStream {
        rolling_complete_accurate: (!known.is_empty()).then(|| known.iter().product()),
        activity_ratio: activity_ratio(cards),
        cannot_report: cannot_report(cards, source_kinds),
        stages,
    }
}

/// One run's busy time and lead time: the union of its stages' [start, finish] intervals,
/// and from the earliest start less its queue time to the latest finish. None unless the
/// run has finished and has a timed stage.
pub fn run_times(card: &Card) -> Option<(f64, f64)> {
    if card.building {
        return None;
    }
    let mut intervals: Vec<(Timestamp, Timestamp)> = card
        .stages
        .iter()
        .filter_map(|s| Some((s.started_at?, s.finished_at?)))
        .filter(|(start, end)| start <= end)
        .collect();
    if intervals.is_empty() {
        return None;
    }
    intervals.sort();
    let mut busy = 0.0;
    let (mut open_start, mut open_end) = intervals[0];
    for &(start, end) in &intervals[1..] {
        if start > open_end {
            busy += seconds(open_end - open_start);
            (open_start, open_end) = (start, end);
        } else if end > open_end {
            open_end = end;
        }
    }
    busy += seconds(open_end - open_start);
    let first_queued = card
        .stages
        .iter()
        .filter_map(|s| {
            let queued = chrono::Duration::from_std(s.queued.unwrap_or_default()).ok()?;
            Some(s.started_at? - queued)
        })
        .min()?;
    let last_finish = intervals.iter().map(|&(_, end)| end).max()?;
    let lead = seconds(last_finish - first_queued.min(intervals[0].0));
    (lead > 0.0).then_some((busy, lead))
}

fn seconds(span: chrono::Duration) -> f64 {
    span.num_milliseconds() as f64 / 1000.0
}

fn activity_ratio(cards: &[Card]) -> ActivityRatio {
    let times: Vec<(f64, f64)> = cards.iter().filter_map(run_times).collect();
    let busy_seconds: f64 = times.iter().map(|t| t.0).sum();
    let lead_seconds: f64 = times.iter().map(|t| t.1).sum();
    ActivityRatio {
        ratio: (lead_seconds > 0.0).then(|| busy_seconds / lead_seconds),
        runs: times.len(),
        busy_seconds,
        lead_seconds,
    }
}

/// For each source with cards: which of the figures its data cannot give.
fn cannot_report(cards: &[Card], source_kinds: &[(String, &'static str)]) -> Vec<String> {
    let mut lines = Vec::new();
    for (source, kind) in source_kinds {
        let mine: Vec<&Card> = cards.iter().filter(|c| c.source == source).collect();
        if mine.is_empty() {
            continue;
        }
        let stages = mine.iter().flat_map(|c| c.stages.iter());
        let (mut any_stage, mut timed, mut queued) = (false, false, false);
        for stage in stages {
            any_stage = true;
            timed |= stage.started_at.is_some() && stage.finished_at.is_some();
            queued |= stage.queued.is_some();
        }
        let name = format!("{kind} {source}");
        if !any_stage {
            lines.push(format!(
                "{name}: reports no stages (no process time, wait time, %C/A or activity ratio)"
            ));
        } else if !timed {
            lines.push(format!(
                "{name}: reports no stage times (no process time or activity ratio)"
            ));
        } else if !queued {
            lines.push(format!(
                "{name}: reports no queue times (wait time N/A; activity ratio without queues)"
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StageRun, StageStatus};
    use crate::status::PipelineStatus;
    use chrono::{TimeDelta, TimeZone, Utc};
    use std::time::Duration;

    fn t(seconds: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000, 0).unwrap() + TimeDelta::seconds(seconds)
    }

    fn stage(name: &str, start: i64, end: i64, queued: Option<u64>) -> StageRun {
        StageRun {
            name: name.into(),
            status: StageStatus::Passed,
            started_at: Some(t(start)),
            finished_at: Some(t(end)),
            queued: queued.map(Duration::from_secs),
            job: None,
        }
    }

    fn card<'a>(source: &'a str, stages: &'a [StageRun]) -> Card<'a> {
        Card {
            name: "api",
            source,
            status: PipelineStatus::Passing,
            column: 0,
            building: false,
            stage: None,
            stages,
            failing_since: None,
            last_build_at: None,
            finished_at: None,
        }
    }

    fn sample(name: &str, passed: bool) -> StageSample {
        StageSample {
            name: name.into(),
            duration_seconds: Some(10.0),
            queued_seconds: None,
            passed,
        }
    }

    fn times_of<'a>(names: &'a [&'a str]) -> impl Iterator<Item = StageTimes<'a>> {
        names.iter().map(|name| StageTimes {
            name,
            process_seconds: Some(60.0),
            process_n: 4,
            wait_seconds: None,
            wait_n: 0,
        })
    }

    #[test]
    fn a_run_with_parallel_jobs_counts_busy_time_once_and_queues_in_lead_time() {
        // build queued 20 s, runs 0..100; two test jobs in parallel 120..300 and 150..240;
        // deploy 400..460. Busy: 100 + 180 + 60 = 340 s. Lead: from -20 (queued) to 460 = 480 s.
        let run_stages = [
            stage("build", 0, 100, Some(20)),
            stage("test", 120, 300, Some(5)),
            stage("test", 150, 240, Some(35)),
            stage("deploy", 400, 460, None),
        ];
        let run = card("ci", &run_stages);
        assert_eq!(run_times(&run), Some((340.0, 480.0)));
        // A second run: one stage 0..50, no queue: busy 50, lead 50.
        let other_stages = [stage("build", 0, 50, None)];
        let other = card("ci", &other_stages);
        let building_stages = [stage("build", 0, 10, None)];
        let mut building = card("ci", &building_stages);
        building.building = true;
        let vs = compute(
            times_of(&["build"]),
            [].iter(),
            &[run, other, building],
            &[("ci".into(), "gitlab")],
        );
        assert_eq!(vs.activity_ratio.runs, 2, "a run still going is left out");
        assert_eq!(vs.activity_ratio.ratio, Some(390.0 / 530.0));
    }

    #[test]
    fn complete_and_accurate_per_stage_and_rolling() {
        // build: 4 of 5 passed (80%); test: 3 of 4 (75%); deploy: no runs.
        let mut samples = Vec::new();
        for passed in [true, true, false, true, true] {
            samples.push(sample("build", passed));
        }
        for passed in [true, false, true, true] {
            samples.push(sample("test", passed));
        }
        let vs = compute(
            times_of(&["build", "test", "deploy"]),
            samples.iter(),
            &[],
            &[],
        );
        let ca: Vec<(Option<f64>, usize)> = vs
            .stages
            .iter()
            .map(|s| (s.complete_accurate, s.complete_accurate_n))
            .collect();
        assert_eq!(ca, [(Some(0.8), 5), (Some(0.75), 4), (None, 0)]);
        assert_eq!(vs.rolling_complete_accurate, Some(0.8 * 0.75));
        assert_eq!(vs.stages[0].process_seconds, Some(60.0));
        assert_eq!(vs.activity_ratio.ratio, None, "no timed runs: N/A, not 0");
    }

    #[test]
    fn what_a_source_cannot_report_is_said() {
        let jobs = [StageRun::new("build", StageStatus::Passed)];
        let gh = [stage("build", 0, 10, None)];
        let gl = [stage("build", 0, 10, Some(3))];
        let cards = [
            card("wall", &[]),
            card("jobs", &jobs),
            card("gh", &gh),
            card("gl", &gl),
        ];
        let kinds = [
            ("wall".to_string(), "cctray"),
            ("jobs".to_string(), "prometheus"),
            ("gh".to_string(), "github"),
            ("gl".to_string(), "gitlab"),
            ("idle".to_string(), "jenkins"),
        ];
        let lines = compute(times_of(&[]), [].iter(), &cards, &kinds).cannot_report;
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("cctray wall: reports no stages"));
        assert!(lines[1].starts_with("prometheus jobs: reports no stage times"));
        assert!(lines[2].starts_with("github gh: reports no queue times"));
    }
}
