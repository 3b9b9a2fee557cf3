//! The live model behind the screen: a task that owns the pollers and the state, records each
//! poll, notices red and green transitions, and builds the view model, off the loop that
//! answers keys. The screen gets every build as a shared, immutable `Arc<ViewModel>`, so a
//! poll of 100,000 pipelines never holds up a key press, and a key press never rebuilds.
//!
//! A build happens only when something it shows changed: the data (the state's generation),
//! the clock's minute, or any source's status line (freshness, how long, why). The DORA report
//! and, while the screen shows them, the trends view's weekly figures are computed here too,
//! once per data and minute, and published with the build.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DurationRound, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::attention::{Tracker, Transition};
use crate::dora::{DoraReport, Weekly};
use crate::memo::Memo;
use crate::model::Timestamp;
use crate::poller;
use crate::setup::Config;
use crate::state::State;
use crate::view::{self, SourceView, ViewModel};

/// One build, as the screen gets it.
#[derive(Debug, Clone)]
pub struct Published {
    /// The whole board (every page and filter is cut from it), its clock at the minute.
    pub view: Arc<ViewModel>,
    /// The freshest successful poll of any source, for the wall's "updated 15 s ago".
    pub last_success: Option<Timestamp>,
    /// Counts builds: equal numbers, same view.
    pub build: u64,
}

enum Command {
    Refresh,
    Reload(Box<Config>),
    /// Whether the screen shows the trends view, so the weekly figures come with each build.
    Trends(bool),
}

/// The running model; dropping it stops its task and the pollers.
pub struct Live {
    pub views: watch::Receiver<Published>,
    /// The red and green transitions of each build that made any, together.
    pub transitions: mpsc::UnboundedReceiver<Vec<Transition>>,
    commands: mpsc::UnboundedSender<Command>,
    task: JoinHandle<()>,
}

impl Live {
    /// Starts the pollers of `config` and the model. Call from within a multi-threaded tokio
    /// runtime (builds run in `block_in_place`).
    pub fn start(config: Config) -> Live {
        let mut model = Model::new(config, Utc::now());
        let (views_tx, views) = watch::channel(model.published());
        let (transitions_tx, transitions) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            model.run(views_tx, transitions_tx, commands_rx).await;
        });
        Live {
            views,
            transitions,
            commands,
            task,
        }
    }

    /// Polls every source now.
    pub fn refresh(&self) {
        let _ = self.commands.send(Command::Refresh);
    }

    /// Runs on with an edited config: new pollers and a fresh state if the sources changed,
    /// the same data seen through the new board and display settings otherwise.
    pub fn reload(&self, config: Config) {
        let _ = self.commands.send(Command::Reload(Box::new(config)));
    }

    /// The screen shows the trends view (`t`, a trends page) or no longer does: builds carry
    /// the weekly figures while it does (the next build comes at once).
    pub fn show_trends(&self, shown: bool) {
        let _ = self.commands.send(Command::Trends(shown));
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The pollers of one config; dropping it stops them.
struct Polling {
    tasks: Vec<JoinHandle<()>>,
    updates: mpsc::Receiver<poller::Update>,
    refresh: watch::Sender<u64>,
}

impl Polling {
    fn start(config: &Config) -> Polling {
        let (update_tx, updates) = mpsc::channel(64);
        let (refresh, refresh_rx) = watch::channel(0u64);
        let tasks = poller::spawn(config, update_tx, refresh_rx);
        Polling {
            tasks,
            updates,
            refresh,
        }
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Everything a build depends on besides the data: the minute and the sources' status lines.
#[derive(Debug, PartialEq)]
struct Clock {
    minute: Timestamp,
    sources: Vec<SourceView>,
}

struct Model {
    config: Config,
    state: State,
    tracker: Tracker,
    dora: Memo<(u64, Timestamp), DoraReport>,
    /// Whether builds carry the trends view's weekly figures.
    trends: bool,
    weekly: Memo<(u64, Timestamp), Weekly>,
    built_from: Option<(u64, Clock)>,
    /// The generation the tracker last saw.
    observed: Option<u64>,
    current: Published,
    /// The build before `current`, held until the screen has let go of it so that it is
    /// freed here, off the screen's loop, and before the next poll's data comes in.
    retired: Option<Arc<ViewModel>>,
}

/// `now` down to its minute: DORA and the screen's clock change once a minute.
pub fn minute_of(now: Timestamp) -> Timestamp {
    now.duration_trunc(chrono::Duration::minutes(1))
        .unwrap_or(now)
}

impl Model {
    fn new(config: Config, now: Timestamp) -> Model {
        let state = State::new(&config);
        let first = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, minute_of(now)),
            now,
        );
        let mut model = Model {
            config,
            state,
            tracker: Tracker::default(),
            dora: Memo::default(),
            trends: false,
            weekly: Memo::default(),
            built_from: None,
            observed: None,
            current: Published {
                view: Arc::new(first),
                last_success: None,
                build: 0,
            },
            retired: None,
        };
        model.rebuild_if_changed(now);
        model
    }

    fn published(&self) -> Published {
        self.current.clone()
    }

    async fn run(
        &mut self,
        views: watch::Sender<Published>,
        transitions: mpsc::UnboundedSender<Vec<Transition>>,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        let mut polling = Polling::start(&self.config);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                Some(update) = polling.updates.recv() => {
                    self.record(update);
                    // Updates that queued up meanwhile go into the same build.
                    while let Ok(update) = polling.updates.try_recv() {
                        self.record(update);
                    }
                }
                command = commands.recv() => match command {
                    None => return,
                    Some(Command::Refresh) => polling.refresh.send_modify(|n| *n += 1),
                    Some(Command::Reload(next)) => {
                        if next.sources != self.config.sources {
                            polling = Polling::start(&next);
                            self.state = State::new(&next);
                            // A new state counts generations afresh: judge its first build.
                            self.observed = None;
                        }
                        self.config = *next;
                        self.dora.clear();
                        self.weekly.clear();
                        self.built_from = None;
                    }
                    Some(Command::Trends(shown)) => {
                        if shown != self.trends {
                            self.trends = shown;
                            self.built_from = None;
                        }
                    }
                },
                _ = tick.tick() => {}
            }
            let now = Utc::now();
            let rang = tokio::task::block_in_place(|| self.rebuild_if_changed(now));
            let Some(rang) = rang else { continue };
            if !rang.is_empty() {
                // One message per build: the screen takes them all in one frame.
                let _ = transitions.send(rang);
            }
            if views.send(self.published()).is_err() {
                return;
            }
        }
    }

    fn record(&mut self, update: poller::Update) {
        self.state.record(update.index, update.at, update.result);
        self.state.pace(update.index, update.paced_until);
    }

    fn dora_at(&mut self, minute: Timestamp) -> DoraReport {
        let (config, state) = (&self.config, &self.state);
        self.dora.get((state.generation, minute), || {
            view::dora_report(config, state, minute)
        })
    }

    fn weekly_at(&mut self, minute: Timestamp) -> Weekly {
        let (config, state) = (&self.config, &self.state);
        self.weekly.get((state.generation, minute), || {
            crate::dora::weekly_with(
                &view::merged_events(state),
                minute,
                crate::dora::TREND_WEEKS,
                &view::dora_settings(config),
            )
        })
    }

    /// Builds the view again if anything it shows changed since the last build; then the
    /// red and green transitions the new data makes (judged on the exact clock). None when
    /// nothing changed.
    fn rebuild_if_changed(&mut self, now: Timestamp) -> Option<Vec<Transition>> {
        if self
            .retired
            .as_ref()
            .is_some_and(|view| Arc::strong_count(view) == 1)
        {
            self.retired = None;
        }
        let minute = minute_of(now);
        let clock = Clock {
            minute,
            sources: view::source_views(&self.state, now),
        };
        let key = (self.state.generation, clock);
        if self.built_from.as_ref() == Some(&key) {
            return None;
        }
        self.retired = None;
        let dora = self.dora_at(minute);
        let mut built = view::build(&self.config, &self.state, dora, now);
        if self.trends {
            built.trends = Some(self.weekly_at(minute));
        }
        let rang = if self.observed != Some(self.state.generation) {
            self.observed = Some(self.state.generation);
            self.tracker.observe(&built, now)
        } else {
            Vec::new()
        };
        // The screen shows minutes; seconds would force a redraw every tick for nothing.
        built.now = minute;
        let next = Published {
            view: Arc::new(built),
            last_success: self
                .state
                .sources
                .iter()
                .filter_map(|s| s.last_success)
                .max(),
            build: self.current.build + 1,
        };
        let previous = std::mem::replace(&mut self.current, next);
        self.retired = Some(previous.view);
        self.built_from = Some(key);
        Some(rang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::Event;
    use crate::model::{BuildStatus, Pipeline, Snapshot};
    use crate::sources::SourceError;
    use chrono::TimeZone;

    /// Seconds after the start of a minute.
    fn at(seconds: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_040 + seconds, 0).unwrap()
    }

    fn model() -> Model {
        let config = crate::setup::parse(
            "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:1/cc.xml\"\ninterval = \"10s\"\n",
            "t.toml",
        )
        .unwrap();
        Model::new(config, at(0))
    }

    fn poll(model: &mut Model, seconds: i64, result: Result<Snapshot, SourceError>) {
        model.record(poller::Update {
            index: 0,
            at: at(seconds),
            result,
            paced_until: None,
        });
    }

    fn board(status: BuildStatus) -> Result<Snapshot, SourceError> {
        Ok(Snapshot {
            pipelines: vec![Pipeline::new("api", status)],
            ..Snapshot::default()
        })
    }

    #[test]
    fn a_build_happens_only_when_something_it_shows_changed() {
        let mut model = model();
        assert!(model.rebuild_if_changed(at(1)).is_none(), "nothing new");
        poll(&mut model, 2, board(BuildStatus::Passing));
        assert!(model.rebuild_if_changed(at(2)).is_some(), "new data");
        let build = model.current.build;
        assert!(model.rebuild_if_changed(at(3)).is_none());
        assert!(
            model.rebuild_if_changed(at(19)).is_none(),
            "same minute, same words"
        );
        assert_eq!(model.current.build, build);
        // Three intervals plus the timeout after the poll, the source turns stale, mid-minute.
        assert!(model.rebuild_if_changed(at(42)).is_none());
        assert!(model.rebuild_if_changed(at(43)).is_some(), "stale now");
        assert_eq!(model.current.view.sources[0].state.word(), "stale");
        assert!(model.rebuild_if_changed(at(59)).is_none());
        assert!(
            model.rebuild_if_changed(at(60)).is_some(),
            "the next minute"
        );
        assert_eq!(model.current.view.now, at(60));
        assert_eq!(model.current.build, build + 2);
    }

    #[test]
    fn the_build_before_is_freed_here_as_soon_as_the_screen_lets_go_of_it() {
        let mut model = model();
        poll(&mut model, 1, board(BuildStatus::Passing));
        model.rebuild_if_changed(at(1));
        let shown = model.published();
        poll(&mut model, 2, board(BuildStatus::Failing));
        model.rebuild_if_changed(at(2));
        let before = Arc::downgrade(&shown.view);
        assert!(model.rebuild_if_changed(at(3)).is_none());
        assert!(before.upgrade().is_some(), "the screen still shows it");
        drop(shown);
        assert!(before.upgrade().is_some(), "not freed on the screen's side");
        assert!(model.rebuild_if_changed(at(4)).is_none());
        assert!(
            before.upgrade().is_none(),
            "freed at the first tick after the screen let go, not a build later"
        );
    }

    #[test]
    fn builds_carry_the_weekly_figures_only_while_the_trends_view_is_shown() {
        let mut model = model();
        poll(&mut model, 1, board(BuildStatus::Passing));
        model.rebuild_if_changed(at(1));
        assert!(model.current.view.trends.is_none(), "not asked for");
        // What the run loop does on `Command::Trends(true)`: the next build comes at once.
        model.trends = true;
        model.built_from = None;
        assert!(model.rebuild_if_changed(at(2)).is_some());
        let weekly = model.current.view.trends.clone().expect("weekly figures");
        assert_eq!(weekly.weeks.len(), crate::dora::TREND_WEEKS);
        model.trends = false;
        model.built_from = None;
        model.rebuild_if_changed(at(3));
        assert!(model.current.view.trends.is_none());
    }

    #[test]
    fn transitions_come_once_with_the_build_that_shows_them() {
        let mut model = model();
        poll(&mut model, 1, board(BuildStatus::Passing));
        assert_eq!(model.rebuild_if_changed(at(1)).map(|t| t.len()), Some(0));
        poll(&mut model, 2, board(BuildStatus::Failing));
        let rang = model.rebuild_if_changed(at(2)).unwrap();
        assert_eq!(rang.len(), 1);
        assert_eq!(rang[0].event, Event::Red);
        poll(&mut model, 3, board(BuildStatus::Failing));
        assert_eq!(model.rebuild_if_changed(at(3)).map(|t| t.len()), Some(0));
        // A new minute rebuilds, but rings nothing: the data did not change.
        assert_eq!(model.rebuild_if_changed(at(60)).map(|t| t.len()), Some(0));
    }
}
