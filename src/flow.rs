//! Flow on the board, per stage: work in progress against its limit, how long the stage takes
//! and how long work waits for it, and the constraint: the one stage where work waits longest.
//! Pure: the board's cards and the recent stage samples in, figures out.

use std::collections::BTreeMap;

use crate::card::Card;
use crate::history::StageSample;
use crate::model::StageStatus;
use crate::value_stream::StageTimes;

/// Fewest samples behind a median used to name the constraint.
pub const MIN_SAMPLES: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct StageFlow {
    pub name: String,
    /// Cards in this column whose run is in progress here: building, or waiting to start.
    pub wip: usize,
    pub wip_limit: Option<usize>,
    /// More work in progress than the limit allows.
    pub breached: bool,
    pub median_duration_seconds: Option<f64>,
    /// Finished stage runs with a known duration.
    pub duration_n: usize,
    pub median_queue_seconds: Option<f64>,
    /// Stage runs with a known queue time.
    pub queue_n: usize,
}

/// What the constraint was judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    /// Time waiting for a runner: used whenever the sources report it.
    Queue,
    /// Time in the stage: used when no source reports queue times.
    Duration,
}

impl WaitKind {
    pub fn word(self) -> &'static str {
        match self {
            WaitKind::Queue => "queue",
            WaitKind::Duration => "duration",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub stage: String,
    pub by: WaitKind,
    pub median_seconds: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flow {
    /// One per board column, in column order.
    pub stages: Vec<StageFlow>,
    /// None until two stages or more have `MIN_SAMPLES` samples of the same kind.
    pub constraint: Option<Constraint>,
    /// Process and wait times, %C/A and the activity ratio of the stages.
    pub value_stream: crate::value_stream::ValueStream,
}

impl StageFlow {
    /// The stage's process and wait times, as the value stream reads them.
    pub fn times(&self) -> StageTimes<'_> {
        StageTimes {
            name: &self.name,
            process_seconds: self.median_duration_seconds,
            process_n: self.duration_n,
            wait_seconds: self.median_queue_seconds,
            wait_n: self.queue_n,
        }
    }
}

impl Flow {
    pub fn stage(&self, name: &str) -> Option<&StageFlow> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn is_constraint(&self, name: &str) -> bool {
        self.constraint.as_ref().is_some_and(|c| c.stage == name)
    }
}

/// Whether a card is work in progress in its column: its run is building, or the stage it sits
/// at is running or waiting.
pub fn in_progress(card: &Card) -> bool {
    card.building
        || card.stage.is_some_and(|stage| {
            card.stages.iter().any(|s| {
                s.name == stage && matches!(s.status, StageStatus::Running | StageStatus::Pending)
            })
        })
}

/// Work in progress per column, in one pass over the cards (cards of unknown columns are not
/// counted).
fn wip_by_column(columns: usize, cards: &[Card]) -> Vec<usize> {
    let mut wips = vec![0; columns];
    for card in cards.iter().filter(|c| in_progress(c)) {
        if let Some(wip) = wips.get_mut(card.column) {
            *wip += 1;
        }
    }
    wips
}

pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// The figures for each column. `limits` maps stage names to their WIP limit.
pub fn compute<'a>(
    columns: &[String],
    cards: &[Card],
    limits: &BTreeMap<String, usize>,
    samples: impl Iterator<Item = &'a StageSample>,
) -> Flow {
    let mut durations: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut queues: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for sample in samples {
        if let Some(d) = sample.duration_seconds.filter(|d| d.is_finite()) {
            durations.entry(&sample.name).or_default().push(d);
        }
        if let Some(q) = sample.queued_seconds.filter(|q| q.is_finite()) {
            queues.entry(&sample.name).or_default().push(q);
        }
    }
    let wips = wip_by_column(columns.len(), cards);
    let stages: Vec<StageFlow> = columns
        .iter()
        .enumerate()
        .map(|(column, name)| {
            let wip = wips[column];
            let wip_limit = limits.get(name).copied();
            let mut durations = durations.remove(name.as_str()).unwrap_or_default();
            let mut queues = queues.remove(name.as_str()).unwrap_or_default();
            StageFlow {
                name: name.clone(),
                wip,
                wip_limit,
                breached: wip_limit.is_some_and(|limit| wip > limit),
                median_duration_seconds: median(&mut durations),
                duration_n: durations.len(),
                median_queue_seconds: median(&mut queues),
                queue_n: queues.len(),
            }
        })
        .collect();
    let constraint = constraint(&stages);
    Flow {
        stages,
        constraint,
        value_stream: Default::default(),
    }
}

/// The same figures with work in progress counted again over `cards`: a page or a filter shows
/// its own WIP; durations and the constraint stay those of the whole board.
pub fn recount(flow: &Flow, cards: &[Card]) -> Flow {
    let mut flow = flow.clone();
    let wips = wip_by_column(flow.stages.len(), cards);
    for (column, stage) in flow.stages.iter_mut().enumerate() {
        stage.wip = wips[column];
        stage.breached = stage.wip_limit.is_some_and(|limit| stage.wip > limit);
    }
    flow
}

/// The stage with the longest median queue time, among stages with enough samples; by
/// duration only when no stage has enough queue samples to compare.
fn constraint(stages: &[StageFlow]) -> Option<Constraint> {
    let pick = |by: WaitKind| {
        let candidates: Vec<(&StageFlow, f64)> = stages
            .iter()
            .filter_map(|s| {
                match by {
                    WaitKind::Queue => s.median_queue_seconds.filter(|_| s.queue_n >= MIN_SAMPLES),
                    WaitKind::Duration => s
                        .median_duration_seconds
                        .filter(|_| s.duration_n >= MIN_SAMPLES),
                }
                .map(|m| (s, m))
            })
            .collect();
        if candidates.len() < 2 {
            return None;
        }
        let (stage, median_seconds) = candidates.into_iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
        Some(Constraint {
            stage: stage.name.clone(),
            by,
            median_seconds,
        })
    };
    pick(WaitKind::Queue).or_else(|| pick(WaitKind::Duration))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StageRun;
    use crate::status::PipelineStatus;

    /// A card's own data; `Card` borrows it.
    struct Run {
        column: usize,
        building: bool,
        stage: String,
        stages: Vec<StageRun>,
    }

    impl Run {
        fn card(&self) -> Card<'_> {
            Card {
                name: "p",
                source: "ci",
                status: PipelineStatus::Passing,
                column: self.column,
                building: self.building,
                stage: Some(&self.stage),
                stages: &self.stages,
                failing_since: None,
                last_build_at: None,
                finished_at: None,
            }
        }
    }

    fn card(column: usize, stage: &str, status: StageStatus, building: bool) -> Run {
        Run {
            column,
            building,
            stage: stage.into(),
            stages: vec![StageRun::new(stage, status)],
        }
    }

    fn sample(name: &str, duration: f64, queue: Option<f64>) -> StageSample {
        StageSample {
            name: name.into(),
            duration_seconds: Some(duration),
            queued_seconds: queue,
            passed: true,
        }
    }

    fn columns() -> Vec<String> {
        vec!["build".into(), "test".into(), "deploy".into()]
    }

    #[test]
    fn wip_counts_work_in_progress_and_a_breach_is_over_the_limit() {
        let runs = [
            card(1, "test", StageStatus::Running, true),
            card(1, "test", StageStatus::Pending, false),
            card(1, "test", StageStatus::Failed, false),
            card(1, "test", StageStatus::Passed, false),
            card(0, "build", StageStatus::Running, true),
        ];
        let cards: Vec<Card> = runs.iter().map(Run::card).collect();
        let limits = BTreeMap::from([("test".to_string(), 1), ("build".to_string(), 1)]);
        let flow = compute(&columns(), &cards, &limits, [].iter());
        let test = flow.stage("test").unwrap();
        assert_eq!(
            (test.wip, test.wip_limit, test.breached),
            (2, Some(1), true)
        );
        let build = flow.stage("build").unwrap();
        assert_eq!(
            (build.wip, build.breached),
            (1, false),
            "at the limit is fine"
        );
        let deploy = flow.stage("deploy").unwrap();
        assert_eq!(
            (deploy.wip, deploy.wip_limit, deploy.breached),
            (0, None, false)
        );
    }

    #[test]
    fn medians_per_stage_with_their_counts() {
        let samples = [
            sample("build", 60.0, None),
            sample("build", 100.0, None),
            sample("test", 300.0, Some(5.0)),
            sample("test", 100.0, Some(7.0)),
            sample("test", 200.0, None),
        ];
        let flow = compute(&columns(), &[], &BTreeMap::new(), samples.iter());
        let build = flow.stage("build").unwrap();
        assert_eq!(
            (build.median_duration_seconds, build.duration_n),
            (Some(80.0), 2)
        );
        let test = flow.stage("test").unwrap();
        assert_eq!(
            (test.median_duration_seconds, test.duration_n),
            (Some(200.0), 3)
        );
        assert_eq!((test.median_queue_seconds, test.queue_n), (Some(6.0), 2));
        let deploy = flow.stage("deploy").unwrap();
        assert_eq!(
            (deploy.median_duration_seconds, deploy.duration_n),
            (None, 0),
            "no data is no figure, not zero"
        );
        assert_eq!(flow.constraint, None, "only one stage has three samples");
    }

    #[test]
    fn the_constraint_is_the_longest_queue_when_queues_are_known() {
        let mut samples = Vec::new();
        for _ in 0..3 {
            // build is slow but starts at once; deploy is quick but waits for a runner.
            samples.push(sample("build", 600.0, Some(1.0)));
            samples.push(sample("deploy", 30.0, Some(240.0)));
        }
        let flow = compute(&columns(), &[], &BTreeMap::new(), samples.iter());
        assert_eq!(
            flow.constraint,
            Some(Constraint {
                stage: "deploy".into(),
                by: WaitKind::Queue,
                median_seconds: 240.0
            })
        );
        assert!(flow.is_constraint("deploy") && !flow.is_constraint("build"));
    }

    #[test]
    fn without_queue_times_the_constraint_is_the_longest_stage() {
        let mut samples = Vec::new();
        for d in [100.0, 120.0, 110.0] {
            samples.push(sample("build", d, None));
            samples.push(sample("test", d * 3.0, None));
        }
        samples.push(sample("deploy", 9_999.0, None));
        let flow = compute(&columns(), &[], &BTreeMap::new(), samples.iter());
        let constraint = flow.constraint.unwrap();
        assert_eq!(
            (
                constraint.stage.as_str(),
                constraint.by,
                constraint.median_seconds
            ),
            ("test", WaitKind::Duration, 330.0),
            "deploy's one sample is not enough to judge"
        );
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
