//! The radiator's state between events: the pages and the one shown, the screen, the latest
//! build, the notices, the acknowledgements and the log cache. Each event is a method (a key, a
//! build, the transitions of a build, a tick, a config reload, a log read) that changes that
//! state and returns what the event loop must do about it: the terminal, the live model and
//! every other I/O stay with the loop, so all of this runs in tests without a terminal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::keys::{Action, on_key};
use super::{acted_on, pages_of, shown_view, updated_ago_since};
use crate::ack::Acknowledgements;
use crate::attention::{Event as Attention, Transition};
use crate::config::{Config, PageConfig};
use crate::live::Published;
use crate::logs::{self, LogCache, LogKey, LogText};
use crate::model::Timestamp;
use crate::ui::log::{LogPane, LogState};
use crate::ui::{self, Overlay, Page, Screen, Theme};
use crate::view::ViewModel;

/// How long "back to green after 42 min" stays on screen.
const NOTICE_FOR: Duration = Duration::from_secs(10 * 60);
/// How long a key's hint ("nothing is failing") stays under the banner.
const HINT_FOR: Duration = Duration::from_secs(8);
/// The hint of `l` with no failing pipeline to read the log of.
pub const NO_LOG_HINT: &str = "nothing is failing: no log to read";

/// The time of an event, on both clocks: the monotonic one for rotation and notices, the
/// wall's for acknowledgements.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    pub instant: Instant,
    pub utc: Timestamp,
}

impl Now {
    pub fn current() -> Now {
        Now {
            instant: Instant::now(),
            utc: chrono::Utc::now(),
        }
    }
}

/// What the event loop does for the radiator.
#[derive(Debug)]
pub enum Effect {
    Quit,
    /// Suspend to the shell as SIGTSTP does.
    Suspend,
    /// Poll every source now.
    Refresh,
    /// Ring the terminal's bell.
    Bell,
    /// Run the `[display] command` for a transition.
    Command {
        command: String,
        transition: Transition,
    },
    /// Run the live model on an edited config.
    Reload(Box<Config>),
    /// Tell the live model whether the trends view is shown.
    ShowTrends(bool),
    /// Read a log; its result comes back through `log_read`.
    FetchLog(Box<logs::Target>),
}

/// What a page's view is cut from: the build, the page, the typed filter and the
/// acknowledgements' version.
type Cut = (u64, usize, String, u64);

pub struct Radiator {
    config: Config,
    theme: Theme,
    /// `--kiosk`, which `[display] kiosk` cannot turn off.
    kiosk_flag: bool,
    pages: Vec<PageConfig>,
    page: usize,
    page_since: Instant,
    screen: Screen,
    latest: Published,
    config_error: Option<String>,
    notices: Vec<(String, Instant)>,
    notices_changed: bool,
    acks: Acknowledgements,
    /// Bumped on each change to the acknowledgements, so the page's cut is made again.
    acks_version: u64,
    /// The build the acknowledgements were last settled against.
    settled: Option<u64>,
    /// Who acknowledges with `a`.
    user: String,
    /// Whether the live model was told the trends view is shown.
    trends_asked: bool,
    /// The page's view, cut for `Cut`.
    shown: Option<(Cut, Arc<ViewModel>)>,
    /// What the terminal shows: the cut drawn, and the screen's state.
    drawn: Option<(Cut, Screen)>,
    log_cache: LogCache,
}

impl Radiator {
    pub fn new(
        config: Config,
        theme: Theme,
        kiosk_flag: bool,
        latest: Published,
        user: String,
        now: Instant,
    ) -> Radiator {
        let pages = pages_of(&config);
        let screen = Screen {
            kiosk: kiosk_flag || config.display.kiosk,
            hide_green: pages[0].hide_green,
            ..Screen::default()
        };
        Radiator {
            config,
            theme,
            kiosk_flag,
            pages,
            page: 0,
            page_since: now,
            screen,
            latest,
            config_error: None,
            notices: Vec::new(),
            notices_changed: true,
            acks: Acknowledgements::default(),
            acks_version: 0,
            settled: None,
            user,
            trends_asked: false,
            shown: None,
            drawn: None,
            log_cache: LogCache::default(),
        }
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The index of the page shown.
    pub fn page(&self) -> usize {
        self.page
    }

    /// Time passed: the pages rotate, notices expire, "updated ago" moves on.
    pub fn tick(&mut self, now: Now) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.pages.len() > 1
            && !self.screen.paused
            && now.instant.duration_since(self.page_since) >= self.config.display.rotate
        {
            self.turn_page((self.page + 1) % self.pages.len(), now.instant);
        }
        if self.screen.trends() != self.trends_asked {
            self.trends_asked = self.screen.trends();
            effects.push(Effect::ShowTrends(self.trends_asked));
        }
        self.screen.page = (self.pages.len() > 1).then(|| Page {
            index: self.page,
            count: self.pages.len(),
            name: self.pages[self.page].name.clone(),
        });
        let noticed = self.notices.len();
        self.notices.retain(|(_, until)| *until > now.instant);
        // Copied only when they change: a busy wall can hold thousands.
        if self.notices_changed || self.notices.len() != noticed {
            self.notices_changed = false;
            self.screen.notices = self
                .config_error
                .iter()
                .cloned()
                .chain(self.notices.iter().map(|(text, _)| text.clone()))
                .collect();
        }
        self.screen.updated_ago = if self.screen.kiosk {
            updated_ago_since(self.latest.last_success, now.utc)
        } else {
            None
        };
        effects
    }

    /// The view to draw on `area`, when the terminal does not show it already; the screen's
    /// selection and scrolling are kept inside what `area` shows.
    pub fn frame(&mut self, area: Rect) -> Option<Arc<ViewModel>> {
        let view = self.view();
        self.screen.clamp(view.pipelines.len());
        self.clamp_scrolling(area);
        let cut = self.cut();
        if self
            .drawn
            .as_ref()
            .is_some_and(|(key, drawn)| *key == cut && *drawn == self.screen)
        {
            return None;
        }
        self.drawn = Some((cut, self.screen.clone()));
        Some(view)
    }

    /// The terminal lost what it showed (resized, resumed): the next frame draws.
    pub fn redraw_all(&mut self) {
        self.drawn = None;
    }

    /// The page's view as it would be drawn now, acknowledgements on.
    pub fn view(&mut self) -> Arc<ViewModel> {
        if self.settled != Some(self.latest.build) {
            self.settled = Some(self.latest.build);
            if !self.acks.is_empty() {
                let before = self.acks.len();
                self.acks.settle(&self.latest.view.pipelines);
                if self.acks.len() != before {
                    self.acks_version += 1;
                }
            }
        }
        let cut = self.cut();
        match &self.shown {
            Some((key, view)) if *key == cut => Arc::clone(view),
            _ => {
                let view = shown_view(
                    &self.latest.view,
                    &self.pages[self.page],
                    &self.screen.filter,
                    &self.acks,
                );
                self.shown = Some((cut, Arc::clone(&view)));
                view
            }
        }
    }

    fn cut(&self) -> Cut {
        (
            self.latest.build,
            self.page,
            self.screen.filter.clone(),
            self.acks_version,
        )
    }

    /// The log pane keeps its offset inside the log.
    fn clamp_scrolling(&mut self, area: Rect) {
        if let Some(pane) = self.screen.log_mut() {
            pane.top(ui::log::rows(area));
        }
    }

    /// A key.
    pub fn key(&mut self, key: KeyEvent, now: Now) -> Vec<Effect> {
        let view = self.view();
        match on_key(key, &mut self.screen, view.pipelines.len()) {
            Action::Quit => vec![Effect::Quit],
            Action::Suspend => vec![Effect::Suspend],
            Action::Refresh => vec![Effect::Refresh],
            Action::OpenLog => self.open_log(&view, now),
            Action::Acknowledge => {
                self.acknowledge(&view, now);
                Vec::new()
            }
            Action::NextPage if self.pages.len() > 1 => {
                self.turn_page((self.page + 1) % self.pages.len(), now.instant);
                Vec::new()
            }
            Action::PreviousPage if self.pages.len() > 1 => {
                let count = self.pages.len();
                self.turn_page((self.page + count - 1) % count, now.instant);
                Vec::new()
            }
            Action::NextPage | Action::PreviousPage | Action::Redraw | Action::Nothing => {
                Vec::new()
            }
        }
    }

    /// `a`: the selected (else the first failing) pipeline is taken care of, or taken back.
    fn acknowledge(&mut self, view: &ViewModel, now: Now) {
        if let Some(pipeline) = acted_on(view, &self.screen) {
            self.acks.toggle(pipeline, &self.user, now.utc);
            self.acks_version += 1;
        }
    }

    /// `l`: the log pane of the selected (else the first failing) pipeline, from the cache or
    /// loading; a hint when nothing is failing.
    fn open_log(&mut self, view: &ViewModel, now: Now) -> Vec<Effect> {
        let Some(pipeline) = acted_on(view, &self.screen) else {
            self.notices
                .push((NO_LOG_HINT.to_string(), now.instant + HINT_FOR));
            self.notices_changed = true;
            return Vec::new();
        };
        let mut effects = Vec::new();
        let pane = match logs::target(&self.config, pipeline, logs::polled_at(view, pipeline)) {
            Err(reason) => LogPane::new(None, pipeline.name.clone(), LogState::Failed(reason)),
            Ok(target) => match self.log_cache.get(&target.key) {
                Some(log) => LogPane::new(Some(target.key), target.title, LogState::Ready(log)),
                None => {
                    let pane = LogPane::new(
                        Some(target.key.clone()),
                        target.title.clone(),
                        LogState::Loading,
                    );
                    effects.push(Effect::FetchLog(Box::new(target)));
                    pane
                }
            },
        };
        self.screen.overlay = Some(Overlay::Log(pane));
        effects
    }

    /// A log read for the pane: kept in the cache, and shown if its pane is still open.
    pub fn log_read(&mut self, key: LogKey, result: Result<LogText, String>) {
        let state = match result {
            Ok(log) => {
                let log = Arc::new(log);
                self.log_cache.insert(key.clone(), Arc::clone(&log));
                LogState::Ready(log)
            }
            Err(reason) => LogState::Failed(reason),
        };
        if let Some(pane) = self
            .screen
            .log_mut()
            .filter(|p| p.key.as_ref() == Some(&key))
        {
            pane.state = state;
        }
    }

    /// A new build from the live model.
    pub fn build(&mut self, published: Published) {
        self.latest = published;
    }

    /// The red and green transitions of a build: the bell and the command once each, and a
    /// notice for each line back to green.
    pub fn transitions(&mut self, rang: Vec<Transition>, now: Now) -> Vec<Effect> {
        self.notices_changed = true;
        let mut effects = Vec::new();
        for transition in rang {
            tracing::info!("{} went {}", transition.pipeline, transition.event.word());
            if self.config.display.bell {
                effects.push(Effect::Bell);
            }
            if transition.event == Attention::Green {
                self.notices
                    .push((transition.notice(), now.instant + NOTICE_FOR));
            }
            if let Some(command) = &self.config.display.command {
                effects.push(Effect::Command {
                    command: command.clone(),
                    transition,
                });
            }
        }
        effects
    }

    /// The config file was edited: a good edit runs on (pages, theme, kiosk, the live model's
    /// sources), a bad one keeps the running config and says why.
    pub fn reloaded(&mut self, edited: Result<(Config, Theme), String>) -> Vec<Effect> {
        self.notices_changed = true;
        match edited {
            Ok((next, theme)) => {
                self.config_error = None;
                self.theme = theme;
                self.screen.kiosk = self.kiosk_flag || next.display.kiosk;
                self.pages = pages_of(&next);
                self.page = self.page.min(self.pages.len() - 1);
                self.show_page();
                self.config = next.clone();
                self.drawn = None;
                self.shown = None;
                tracing::info!("config reloaded from {}", self.config.origin);
                vec![Effect::Reload(Box::new(next))]
            }
            Err(err) => {
                tracing::warn!("config not reloaded: {err}");
                self.config_error = Some(format!(
                    "config not reloaded, still running the last good one: {err}"
                ));
                Vec::new()
            }
        }
    }

    /// Shows `page` from its start: no selection, no detail.
    fn turn_page(&mut self, page: usize, now: Instant) {
        self.page = page;
        self.page_since = now;
        self.screen.selected = None;
        if self.screen.detail() {
            self.screen.overlay = None;
        }
        self.show_page();
    }

    /// The page's own settings: hide-green, and the trends view as its body on a trends page.
    /// An overlay a key opened over it (help, services, the log, a filter typed) stays.
    fn show_page(&mut self) {
        let page = &self.pages[self.page];
        self.screen.hide_green = page.hide_green;
        match (&self.screen.overlay, page.trends) {
            (None | Some(Overlay::Detail), true) => self.screen.overlay = Some(Overlay::Trends),
            (Some(Overlay::Trends), false) => self.screen.overlay = None,
            _ => {}
        }
    }
}
