//! Attention: when a pipeline goes red, and when it is green again, ring the bell and/or run the
//! configured command, once per transition, never every poll.

use std::collections::HashMap;
use std::time::Duration;

use crate::model::Timestamp;
use crate::view::{PipelineStatus, ViewModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Red,
    Green,
}

impl Event {
    pub fn word(self) -> &'static str {
        match self {
            Event::Red => "red",
            Event::Green => "green",
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
}

#[derive(Debug, Clone, Copy)]
struct Colour {
    failing: bool,
    /// The first sighting of the current red spell, when known.
    since: Option<Timestamp>,
    seen_in: u64,
}

impl Tracker {
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
                    if let Some(known) = self.known_mut(&p.source, &p.name) {
                        known.seen_in = pass;
                    }
                    continue;
                }
            };
            let since = p.failing_since.or(p.last_build_at);
            let Some(known) = self.known_mut(&p.source, &p.name) else {
                self.last.entry(p.source.clone()).or_default().insert(
                    p.name.clone(),
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
                pipeline: p.name.clone(),
                source: p.source.clone(),
                stage: p.stage.clone(),
                url: p.url.clone(),
                breakers: p.breakers.clone(),
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
        transitions
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

/// Runs `command` with `sh -c` and the transition's variables; waits at most a minute, logs the
/// outcome, never blocks the screen (call it from a spawned task).
pub async fn run_command(command: &str, transition: &Transition) {
    let mut child = tokio::process::Command::new("sh");
    child
        .arg("-c")
        .arg(command)
        .envs(transition.env())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(Duration::from_secs(60), child.status()).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => tracing::warn!("attention command exited with {status}"),
        Ok(Err(err)) => tracing::warn!("attention command could not run: {err}"),
        Err(_) => tracing::warn!("attention command timed out after 60s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::model::{BuildStatus, Pipeline, Snapshot};
    use crate::state::State;
    use crate::view;
    use chrono::{TimeZone, Utc};

    fn at(minute: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + minute * 60, 0).unwrap()
    }

    fn view_with(state: &mut State, minute: i64, status: BuildStatus) -> ViewModel {
        let config = config::load(None).unwrap();
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
        let config = config::load(None).unwrap();
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
    fn a_pipeline_its_source_drops_is_forgotten_and_comes_back_quietly() {
        let config = config::load(None).unwrap();
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
        assert!(tracker.observe(&board(&mut state, 0, &both), at(0)).is_empty());
        assert_eq!(tracker.len(), 2);
        let only_web = [("web", BuildStatus::Passing)];
        assert!(tracker.observe(&board(&mut state, 1, &only_web), at(1)).is_empty());
        assert_eq!(tracker.len(), 1, "api is no longer on the board");
        let api_red = [("api", BuildStatus::Failing), ("web", BuildStatus::Failing)];
        let rang = tracker.observe(&board(&mut state, 2, &api_red), at(2));
        let names: Vec<&str> = rang.iter().map(|t| t.pipeline.as_str()).collect();
        assert_eq!(names, ["web"], "api is a first sighting again");
    }

    #[tokio::test]
    async fn the_command_sees_the_context() {
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
}
