//! Attention: when a pipeline goes red, and when it is green again, ring the bell and/or run the
//! configured command, once per transition, never every poll. A poll that turns thousands at
//! once is bounded like any other input: a few commands run at a time, a few more wait, and the
//! log counts what it does not list.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use crate::model::Timestamp;
use crate::view::{PipelineStatus, ViewModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Red,
    Green,
    /// The line has been red past `[andon] escalate_after`; once per red spell.
    Escalated,
}

impl Event {
    pub fn word(self) -> &'static str {
        match self {
            Event::Red => "red",
            Event::Green => "green",
            Event::Escalated => "escalated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub event: Event,
    pub pipeline: String,
    pub source: String,
    pub stage: Option<String>,
    pub url: Option<String>,
    pub breakers: Vec<String>,
    /// For Green: how long it was red, when known.
    pub red_for: Option<Duration>,
}

impl Transition {
    /// The variables the command sees.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ANDON_EVENT", self.event.word().to_string()),
            ("ANDON_PIPELINE", self.pipeline.clone()),
            ("ANDON_SOURCE", self.source.clone()),
            ("ANDON_STAGE", self.stage.clone().unwrap_or_default()),
            ("ANDON_URL", self.url.clone().unwrap_or_default()),
            ("ANDON_BREAKERS", self.breakers.join(", ")),
            (
                "ANDON_RED_SECONDS",
                self.red_for
                    .map_or(String::new(), |d| d.as_secs().to_string()),
            ),
        ]
    }

    /// What the screen says for a while after the transition.
    pub fn notice(&self) -> String {
        match (self.event, self.red_for) {
            (Event::Green, Some(d)) => format!(
                "✓ {} back to green after {}",
                self.pipeline,
                crate::format::duration(d.as_secs() as f64)
            ),
            (Event::Green, None) => format!("✓ {} back to green", self.pipeline),
            (Event::Red, _) => format!("✗ {} went red", self.pipeline),
            (Event::Escalated, _) => format!("✗ line escalated: {} red too long", self.pipeline),
        }
    }
}

/// Remembers each pipeline's last definite colour. Stale and unknown are not transitions: a
/// pipeline that goes stale and comes back failing does not ring again. Keyed by source, then
/// pipeline name, looked up without allocating, so one pass costs O(pipelines on the board).
#[derive(Debug, Default)]
pub struct Tracker {
    last: HashMap<String, HashMap<String, Colour>>,
    /// Which pass is running: a pipeline not seen in a pass is forgotten after it.
    pass: u64,
    /// This red spell has escalated already.
    escalated: bool,
}

#[derive(Debug, Clone, Copy)]
struct Colour {
    failing: bool,
    /// The first sighting of the current red spell, when known.
    since: Option<Timestamp>,
    seen_in: u64,
}

impl Tracker {
    /// Starts from a colour remembered elsewhere (a collector's history), so the first
    /// observation after a restart still tells a transition, and how long the red lasted.
    pub fn remember(
        &mut self,
        source: &str,
        pipeline: &str,
        failing: bool,
        since: Option<Timestamp>,
    ) {
        let seen_in = self.pass;
        self.last.entry(source.to_string()).or_default().insert(
            pipeline.to_string(),
            Colour {
                failing,
                since,
                seen_in,
            },
        );
    }

    /// Transitions since the last call. Pipelines seen for the first time raise none. `now` is
    /// the exact time (the view's clock may be rounded to the minute).
    pub fn observe(&mut self, view: &ViewModel, now: Timestamp) -> Vec<Transition> {
        self.pass += 1;
        let pass = self.pass;
        let mut transitions = Vec::new();
        for p in &view.pipelines {
            let failing = match p.status {
                PipelineStatus::Failing => true,
                PipelineStatus::Passing => false,
                PipelineStatus::Unknown | PipelineStatus::Stale => {
                    // Still on the board: its last colour is kept for when it comes back.
                    if let Some(known) = self.known_mut(&p.source, &p.pipeline.name) {
                        known.seen_in = pass;
                    }
                    continue;
                }
            };
            let since = p.failing_since.or(p.pipeline.last_build_at);
            let Some(known) = self.known_mut(&p.source, &p.pipeline.name) else {
                self.last.entry(p.source.to_string()).or_default().insert(
                    p.pipeline.name.clone(),
                    Colour {
                        failing,
                        since,
                        seen_in: pass,
                    },
                );
                continue;
            };
            let was = *known;
            *known = Colour {
                failing,
                // Keep the first sighting of this red spell.
                since: if was.failing && failing {
                    was.since.or(since)
                } else {
                    since
                },
                seen_in: pass,
            };
            if was.failing == failing {
                continue;
            }
            transitions.push(Transition {
                event: if failing { Event::Red } else { Event::Green },
                pipeline: p.pipeline.name.clone(),
                source: p.source.to_string(),
                stage: p.pipeline.stage.clone(),
                url: p.pipeline.url.clone(),
                breakers: p.pipeline.breakers.clone(),
                red_for: (!failing)
                    .then_some(was.since)
                    .flatten()
                    .and_then(|at| (now - at).to_std().ok()),
            });
        }
        // A pipeline its source no longer lists is forgotten, so memory follows the board. A
        // source with nothing on the board (not polled yet after a config reload) keeps all.
        for pipelines in self.last.values_mut() {
            if pipelines.values().any(|colour| colour.seen_in == pass) {
                pipelines.retain(|_, colour| colour.seen_in == pass);
            }
        }
        transitions.extend(self.escalation(view));
        transitions
    }

    /// An escalation the first time the line is seen past its limit (a restart during one
    /// escalates again: missing one is worse); a line green, or red but under the limit,
    /// starts a new spell. Stale and unknown change nothing.
    fn escalation(&mut self, view: &ViewModel) -> Option<Transition> {
        use crate::view::AndonState;
        match (&view.andon.escalation, view.andon.state) {
            (Some(escalation), _) if !self.escalated => {
                self.escalated = true;
                let p = view.pipelines.iter().find(|p| {
                    p.pipeline.name == escalation.pipeline && *p.source == *escalation.source
                });
                Some(Transition {
                    event: Event::Escalated,
                    pipeline: escalation.pipeline.clone(),
                    source: escalation.source.clone(),
                    stage: p.and_then(|p| p.pipeline.stage.clone()),
                    url: p.and_then(|p| p.pipeline.url.clone()),
                    breakers: p.map(|p| p.pipeline.breakers.clone()).unwrap_or_default(),
                    red_for: Some(escalation.red_for),
                })
            }
            (None, AndonState::Green | AndonState::Red) => {
                self.escalated = false;
                None
            }
            _ => None,
        }
    }

    fn known_mut(&mut self, source: &str, pipeline: &str) -> Option<&mut Colour> {
        self.last.get_mut(source)?.get_mut(pipeline)
    }

    /// Pipelines whose last colour is remembered.
    pub fn len(&self) -> usize {
        self.last.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How long the attention command may run, its background children included.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(60);

/// Process groups of attention commands that may still have members, ended at exit.
static GROUPS: LazyLock<Mutex<HashSet<i32>>> = LazyLock::new(Mutex::default);

/// Ends every process of `group` (a command and whatever it started in the background).
fn end_group(group: i32) {
    if group > 1 {
        // SAFETY: killpg only sends a signal; a group that is gone answers ESRCH, ignored.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
    }
}

/// Ends the process groups of every attention command still running: called when andon
/// exits, whatever the reason, so no process it started outlives it.
pub fn end_all() {
    let groups: Vec<i32> = GROUPS
        .lock()
        .map(|mut groups| groups.drain().collect())
        .unwrap_or_default();
    for group in groups {
        end_group(group);
    }
}

/// Attention commands that run at the same time; the others wait their turn.
pub const COMMANDS_AT_ONCE: usize = 4;
/// Attention commands that may wait to run; one more is not run, and the log says so.
pub const COMMANDS_WAITING: usize = 64;
/// Transitions of one poll logged one by one; the rest are counted in one line.
pub const LOGGED_AT_ONCE: usize = 50;

static RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(COMMANDS_AT_ONCE);
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// The log lines for the transitions of one poll.
pub fn log_lines(rang: &[Transition]) -> Vec<String> {
    let mut lines: Vec<String> = rang
        .iter()
        .take(LOGGED_AT_ONCE)
        .map(Transition::notice)
        .collect();
    if rang.len() > LOGGED_AT_ONCE {
        let reds = rang[LOGGED_AT_ONCE..]
            .iter()
            .filter(|t| t.event != Event::Green)
            .count();
        lines.push(format!(
            "and {} more transitions in the same poll ({reds} red, {} green)",
            rang.len() - LOGGED_AT_ONCE,
            rang.len() - LOGGED_AT_ONCE - reds
        ));
    }
    lines
}

/// Runs `command` with `sh -c` and the transition's variables once its turn comes (at most
/// `COMMANDS_AT_ONCE` run together); waits at most a minute, logs the outcome, never blocks the
/// screen (call it from a spawned task). False, and nothing run, when `COMMANDS_WAITING` wait
/// already.
pub async fn run_command(command: &str, transition: &Transition) -> bool {
    if WAITING.fetch_add(1, Ordering::SeqCst) >= COMMANDS_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        tracing::warn!(
            "attention command not run for {} going {}: {COMMANDS_WAITING} wait to run already",
            transition.pipeline,
            transition.event.word()
        );
        return false;
    }
    let turn = RUNNING.acquire().await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    run_command_within(command, transition, COMMAND_LIMIT).await;
    drop(turn);
    true
}

/// `run_command` with a limit of `limit`. The command runs in a process group of its own, and
/// the whole group is ended when `sh` returns (what it left in the background goes with it),
/// at the limit, or when andon exits (`end_all`).
pub async fn run_command_within(command: &str, transition: &Transition, limit: Duration) {
    let mut child = tokio::process::Command::new("sh");
    child
        .arg("-c")
        .arg(command)
        .envs(transition.env())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match child.spawn() {
        Ok(child) => child,
        Err(err) => {
            tracing::warn!("attention command could not run: {err}");
            return;
        }
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .unwrap_or(0);
    if let Ok(mut groups) = GROUPS.lock() {
        groups.insert(group);
    }
    let deadline = tokio::time::Instant::now() + limit;
    match tokio::time::timeout_at(deadline, child.wait()).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => tracing::warn!("attention command exited with {status}"),
        Ok(Err(err)) => tracing::warn!("attention command could not be waited for: {err}"),
        Err(_) => tracing::warn!(
            "attention command timed out after {}",
            humantime::format_duration(limit)
        ),
    }
    // Right after `sh` is gone, before its number could be handed to anyone else.
    let still_ours = GROUPS.lock().map(|mut g| g.remove(&group)).unwrap_or(false);
    if still_ours {
        end_group(group);
    }
    let _ = child.wait().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BuildStatus, Pipeline, Snapshot};
    use crate::setup;
    use crate::state::State;
    use crate::view;
    use chrono::{TimeZone, Utc};

    fn at(minute: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + minute * 60, 0).unwrap()
    }

    fn view_with(state: &mut State, minute: i64, status: BuildStatus) -> ViewModel {
        let config = setup::load(None).unwrap();
        let mut p = Pipeline::new("api", status);
        p.breakers = vec!["dara".into()];
        p.url = Some("https://ci/api/7".into());
        state.record(
            0,
            at(minute),
            Ok(Snapshot {
                pipelines: vec![p],
                ..Snapshot::default()
            }),
        );
        let dora = view::dora_report(&config, state, at(minute));
        view::build(&config, state, dora, at(minute))
    }

    #[test]
    fn once_per_transition_never_every_poll() {
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        let mut tracker = Tracker::default();
        let first = view_with(&mut state, 0, BuildStatus::Passing);
        assert!(
            tracker.observe(&first, at(0)).is_empty(),
            "first sighting is quiet"
        );
        let red = tracker.observe(&view_with(&mut state, 1, BuildStatus::Failing), at(1));
        assert_eq!(red.len(), 1);
        assert_eq!(red[0].event, Event::Red);
        assert_eq!(red[0].breakers, ["dara"]);
        for minute in 2..43 {
            let again = tracker.observe(
                &view_with(&mut state, minute, BuildStatus::Failing),
                at(minute),
            );
            assert!(again.is_empty(), "rang again at minute {minute}");
        }
        let green = tracker.observe(&view_with(&mut state, 43, BuildStatus::Passing), at(43));
        assert_eq!(green.len(), 1);
        assert_eq!(green[0].event, Event::Green);
        assert_eq!(green[0].red_for, Some(Duration::from_secs(42 * 60)));
        assert_eq!(green[0].notice(), "✓ api back to green after 42 min");
        let env = green[0].env();
        assert!(env.contains(&("ANDON_EVENT", "green".to_string())));
        assert!(env.contains(&("ANDON_URL", "https://ci/api/7".to_string())));
    }

    #[test]
    fn a_line_red_past_its_limit_escalates_once() {
        let mut config = setup::load(None).unwrap();
        config.andon.escalate_after = Some(Duration::from_secs(30 * 60));
        let mut state = State::new(&config);
        let mut tracker = Tracker::default();
        let mut at_minute = |state: &mut State, minute: i64, status: BuildStatus| {
            let mut p = Pipeline::new("api", status);
            p.url = Some("https://ci/api/7".into());
            state.record(
                0,
                at(minute),
                Ok(Snapshot {
                    pipelines: vec![p],
                    ..Snapshot::default()
                }),
            );
            let dora = view::dora_report(&config, state, at(minute));
            let v = view::build(&config, state, dora, at(minute));
            tracker.observe(&v, at(minute))
        };
        assert!(at_minute(&mut state, 0, BuildStatus::Passing).is_empty());
        assert_eq!(
            at_minute(&mut state, 1, BuildStatus::Failing)[0].event,
            Event::Red
        );
        for minute in 2..31 {
            assert!(at_minute(&mut state, minute, BuildStatus::Failing).is_empty());
        }
        let escalated = at_minute(&mut state, 31, BuildStatus::Failing);
        assert_eq!(escalated.len(), 1);
        assert_eq!(escalated[0].event, Event::Escalated);
        assert_eq!(escalated[0].red_for, Some(Duration::from_secs(30 * 60)));
        let env = escalated[0].env();
        assert!(env.contains(&("ANDON_EVENT", "escalated".to_string())));
        assert!(env.contains(&("ANDON_RED_SECONDS", "1800".to_string())));
        assert!(env.contains(&("ANDON_URL", "https://ci/api/7".to_string())));
        for minute in 32..90 {
            assert!(
                at_minute(&mut state, minute, BuildStatus::Failing).is_empty(),
                "escalated again at minute {minute}"
            );
        }
        let green = at_minute(&mut state, 90, BuildStatus::Passing);
        assert_eq!(green[0].event, Event::Green);
        // A new red spell escalates anew once past the limit.
        at_minute(&mut state, 91, BuildStatus::Failing);
        let again: Vec<Event> = (92..122)
            .flat_map(|m| at_minute(&mut state, m, BuildStatus::Failing))
            .map(|t| t.event)
            .collect();
        assert_eq!(again, [Event::Escalated]);
    }

    #[test]
    fn a_pipeline_its_source_drops_is_forgotten_and_comes_back_quietly() {
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        let mut tracker = Tracker::default();
        let board = |state: &mut State, minute: i64, names: &[(&str, BuildStatus)]| {
            let pipelines = names.iter().map(|(n, s)| Pipeline::new(*n, *s)).collect();
            state.record(
                0,
                at(minute),
                Ok(Snapshot {
                    pipelines,
                    ..Snapshot::default()
                }),
            );
            let dora = view::dora_report(&config, state, at(minute));
            view::build(&config, state, dora, at(minute))
        };
        let both = [("api", BuildStatus::Passing), ("web", BuildStatus::Passing)];
        assert!(
            tracker
                .observe(&board(&mut state, 0, &both), at(0))
                .is_empty()
        );
        assert_eq!(tracker.len(), 2);
        let only_web = [("web", BuildStatus::Passing)];
        assert!(
            tracker
                .observe(&board(&mut state, 1, &only_web), at(1))
                .is_empty()
        );
        assert_eq!(tracker.len(), 1, "api is no longer on the board");
        let api_red = [("api", BuildStatus::Failing), ("web", BuildStatus::Failing)];
        let rang = tracker.observe(&board(&mut state, 2, &api_red), at(2));
        let names: Vec<&str> = rang.iter().map(|t| t.pipeline.as_str()).collect();
        assert_eq!(names, ["web"], "api is a first sighting again");
    }

    /// Held to read by the tests that run a command, to write by the one that calls `end_all`.
    static ENDING: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

    #[tokio::test]
    async fn the_command_sees_the_context() {
        let _running = ENDING.read().await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let transition = Transition {
            event: Event::Red,
            pipeline: "payments-web".into(),
            source: "ci".into(),
            stage: Some("deploy".into()),
            url: Some("https://ci/run/9".into()),
            breakers: vec!["dara".into(), "lee".into()],
            red_for: None,
        };
        let command = format!(
            "echo \"$ANDON_EVENT|$ANDON_PIPELINE|$ANDON_STAGE|$ANDON_URL|$ANDON_BREAKERS\" > {}",
            out.display()
        );
        run_command(&command, &transition).await;
        let written = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            written.trim(),
            "red|payments-web|deploy|https://ci/run/9|dara, lee"
        );
    }

    /// Whether `pid` is a live process (a zombie is not).
    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit(") ")
                .next()
                .is_some_and(|rest| !rest.starts_with('Z'))
        })
    }

    async fn pid_in(path: &std::path::Path) -> u32 {
        for _ in 0..200 {
            if let Some(pid) = std::fs::read_to_string(path)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                return pid;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the command never wrote its child's pid");
    }

    async fn gone(pid: u32) -> bool {
        for _ in 0..100 {
            if !alive(pid) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    fn red() -> Transition {
        Transition {
            event: Event::Red,
            pipeline: "api".into(),
            source: "ci".into(),
            stage: None,
            url: None,
            breakers: Vec::new(),
            red_for: None,
        }
    }

    #[tokio::test]
    async fn the_limit_ends_the_command_and_what_it_started() {
        let _running = ENDING.read().await;
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pid");
        let command = format!("sleep 300 & echo $! > {}; wait", pids.display());
        let transition = red();
        let run = run_command_within(&command, &transition, Duration::from_millis(500));
        let (_, child) = tokio::join!(run, pid_in(&pids));
        assert!(gone(child).await, "the background sleep outlived the limit");
    }

    #[tokio::test]
    async fn what_a_finished_command_left_behind_is_ended() {
        let _running = ENDING.read().await;
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pid");
        let command = format!("sleep 300 & echo $! > {}", pids.display());
        run_command_within(&command, &red(), Duration::from_secs(60)).await;
        let child = pid_in(&pids).await;
        assert!(
            gone(child).await,
            "the background sleep outlived its command"
        );
    }

    #[test]
    fn a_poll_of_thousands_of_transitions_logs_the_first_and_counts_the_rest() {
        let rang: Vec<Transition> = (0..1_000)
            .map(|i| Transition {
                pipeline: format!("s{i}"),
                event: if i % 4 == 0 { Event::Red } else { Event::Green },
                ..red()
            })
            .collect();
        let lines = log_lines(&rang);
        assert_eq!(lines.len(), LOGGED_AT_ONCE + 1);
        assert_eq!(lines[0], "✗ s0 went red");
        assert_eq!(
            lines[LOGGED_AT_ONCE],
            "and 950 more transitions in the same poll (237 red, 713 green)"
        );
        assert_eq!(log_lines(&rang[..3]).len(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_few_commands_run_at_a_time_and_a_few_more_wait() {
        let _running = ENDING.read().await;
        let dir = tempfile::tempdir().unwrap();
        let running = dir.path().join("running");
        std::fs::create_dir(&running).unwrap();
        let counts = dir.path().join("counts");
        let command = format!(
            "touch {r}/$ANDON_PIPELINE; ls {r} | wc -l >> {c}; sleep 0.2; rm {r}/$ANDON_PIPELINE",
            r = running.display(),
            c = counts.display()
        );
        // Every turn taken: what comes now waits, or is not run.
        let all_turns = RUNNING.acquire_many(COMMANDS_AT_ONCE as u32).await.unwrap();
        let tried = std::sync::Arc::new(AtomicUsize::new(0));
        let asked = COMMANDS_WAITING + 6;
        let tasks: Vec<_> = (0..asked)
            .map(|i| {
                let (command, tried) = (command.clone(), tried.clone());
                let transition = Transition {
                    pipeline: format!("p{i}"),
                    ..red()
                };
                tokio::spawn(async move {
                    tried.fetch_add(1, Ordering::SeqCst);
                    run_command(&command, &transition).await
                })
            })
            .collect();
        while tried.load(Ordering::SeqCst) < asked {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(all_turns);
        let mut ran = 0;
        for task in tasks {
            ran += usize::from(task.await.unwrap());
        }
        assert!(ran <= COMMANDS_WAITING, "{ran} ran");
        assert!(ran > 0);
        let counts = std::fs::read_to_string(&counts).unwrap();
        let seen: Vec<usize> = counts.lines().map(|l| l.trim().parse().unwrap()).collect();
        assert_eq!(seen.len(), ran, "each command admitted ran once");
        assert!(
            seen.iter().all(|&n| n <= COMMANDS_AT_ONCE),
            "more than {COMMANDS_AT_ONCE} at once: {seen:?}"
        );
    }

    #[tokio::test]
    async fn end_all_ends_running_commands() {
        // end_all ends every command running, those of the other tests too.
        let _alone = ENDING.write().await;
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pid");
        let command = format!("sleep 300 & echo $! > {}; wait", pids.display());
        let task = tokio::spawn(async move {
            run_command_within(&command, &red(), Duration::from_secs(60)).await;
        });
        let child = pid_in(&pids).await;
        end_all();
        assert!(
            gone(child).await,
            "end_all left the command's child running"
        );
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the command's task ends with its group")
            .unwrap();
    }
}
