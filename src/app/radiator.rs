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
use super::notices::Notices;
use super::{acted_on, pages_of, shown_view, updated_ago_since};
use crate::ack::{self, Acknowledgement, Acknowledgements};
use crate::attention::{self, Event as Attention, Transition};
use crate::config::PageConfig;
use crate::live::Published;
use crate::logs::{self, LogCache, LogKey, LogText};
use crate::model::Timestamp;
use crate::setup::{Config, SourceKind};
use crate::sources::andon::{AckReply, AckRequest};
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
    /// Ask a collector to keep an acknowledgement for every screen; the answer comes back
    /// through `ack_sent`.
    SendAck(Box<AckSend>),
}

/// An acknowledgement on its way to the collector a pipeline comes from.
#[derive(Debug, Clone)]
pub struct AckSend {
    /// The collector's base URL.
    pub url: String,
    pub transport: crate::config::Transport,
    pub request: AckRequest,
    /// The pipeline on this screen, to mark here should the collector not take it.
    pub key: ack::PipelineKey,
    pub at: Timestamp,
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
    notices: Notices,
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
            notices: Notices::default(),
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
        let expired = self.notices.expire(now.instant);
        if self.notices_changed || expired {
            self.notices_changed = false;
            self.screen.notices = self
                .config_error
                .iter()
                .cloned()
                .chain(self.notices.lines())
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
        self.clamp_scrolling(&view, area);
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
                self.acks.settle(&self.latest.view);
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

    /// Scrolling past an end is not stored, so the way back starts at once.
    fn clamp_scrolling(&mut self, view: &ViewModel, area: Rect) {
        match &mut self.screen.overlay {
            Some(Overlay::Log(pane)) => {
                pane.top(ui::log::rows(area));
            }
            Some(Overlay::Services { scroll }) => {
                let table = ui::between_header_and_footer(area);
                *scroll = (*scroll).min(ui::services::max_scroll(view, table));
            }
            Some(Overlay::Help { scroll }) => {
                *scroll = (*scroll).min(ui::help::max_scroll(view, &self.theme, area));
            }
            _ => {}
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
            Action::Acknowledge => self.acknowledge(&view, now),
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
    /// A pipeline a collector relays is marked by the collector, for every screen; any other,
    /// and one marked here while the collector could not be reached, on this screen.
    fn acknowledge(&mut self, view: &ViewModel, now: Now) -> Vec<Effect> {
        let Some(pipeline) = acted_on(view, &self.screen) else {
            return Vec::new();
        };
        let key = ack::key_of(pipeline);
        let collector = self
            .config
            .sources
            .iter()
            .find(|s| *s.name == *pipeline.source)
            .and_then(|s| match &s.kind {
                SourceKind::Andon(c) => Some((c.url.clone(), s.transport.clone())),
                _ => None,
            });
        let Some((url, transport)) = collector.filter(|_| self.acks.get(&key).is_none()) else {
            self.acks.toggle(pipeline, &self.user, now.utc);
            self.acks_version += 1;
            return Vec::new();
        };
        let release = pipeline.acknowledged.is_some();
        if !release && pipeline.status != crate::view::PipelineStatus::Failing {
            return Vec::new();
        }
        vec![Effect::SendAck(Box::new(AckSend {
            url,
            transport,
            request: AckRequest {
                pipeline: pipeline.pipeline.name.clone(),
                source: None,
                by: self.user.clone(),
                release,
            },
            key,
            at: now.utc,
        }))]
    }

    /// The collector's answer to an acknowledgement: nothing to do when it kept it (its feed
    /// brings the mark); when it did not, the mark is kept here and the screen says why.
    pub fn ack_sent(&mut self, sent: &AckSend, answer: Result<AckReply, String>, now: Now) {
        let Err(reason) = answer else {
            return;
        };
        let text = if sent.request.release {
            format!("the collector did not take the acknowledgement back: {reason}")
        } else {
            self.acks.insert(
                sent.key.clone(),
                Acknowledgement {
                    by: sent.request.by.clone(),
                    at: sent.at,
                },
            );
            self.acks_version += 1;
            format!(
                "the collector did not keep the acknowledgement ({reason}): marked on this screen only"
            )
        };
        self.notices.hint(text, now.instant + HINT_FOR);
        self.notices_changed = true;
    }

    /// `l`: the log pane of the selected (else the first failing) pipeline, from the cache or
    /// loading; a hint when nothing is failing.
    fn open_log(&mut self, view: &ViewModel, now: Now) -> Vec<Effect> {
        let Some(pipeline) = acted_on(view, &self.screen) else {
            self.notices
                .hint(NO_LOG_HINT.to_string(), now.instant + HINT_FOR);
            self.notices_changed = true;
            return Vec::new();
        };
        let mut effects = Vec::new();
        let pane = match logs::target(&self.config, pipeline, logs::polled_at(view, pipeline)) {
            Err(reason) => LogPane::new(
                None,
                pipeline.pipeline.name.clone(),
                LogState::Failed(reason),
            ),
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

    /// The red and green transitions of a build: the bell once, the command once for each (up
    /// to as many as may wait to run), and a notice for each line back to green.
    pub fn transitions(&mut self, rang: Vec<Transition>, now: Now) -> Vec<Effect> {
        if rang.is_empty() {
            return Vec::new();
        }
        self.notices_changed = true;
        for line in attention::log_lines(&rang) {
            tracing::info!("{line}");
        }
        let mut effects = Vec::new();
        if self.config.display.bell {
            effects.push(Effect::Bell);
        }
        let command = self.config.display.command.as_ref();
        if command.is_some() && rang.len() > attention::COMMANDS_WAITING {
            tracing::warn!(
                "attention command not run for {} transitions: at most {} wait to run",
                rang.len() - attention::COMMANDS_WAITING,
                attention::COMMANDS_WAITING
            );
        }
        for (n, transition) in rang.into_iter().enumerate() {
            if transition.event == Attention::Green {
                self.notices
                    .green(transition.notice(), now.instant + NOTICE_FOR);
            }
            if let Some(command) = command.filter(|_| n < attention::COMMANDS_WAITING) {
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

#[cfg(test)]
mod tests {
    use super::super::notices;
    use super::*;
    use crate::model::{BuildStatus, Change, Deployment, DoraEvents, Pipeline, Snapshot};
    use crate::state::State;
    use crate::view;
    use chrono::{TimeDelta, TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    const CCTRAY: &str =
        "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:1/cc.xml\"\n";

    fn config(settings: &str) -> Config {
        crate::setup::parse(&format!("{settings}\n{CCTRAY}"), "t.toml")
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The start of every test's clock.
    struct Clock {
        instant: Instant,
        utc: Timestamp,
    }

    impl Clock {
        fn new() -> Clock {
            Clock {
                instant: Instant::now(),
                utc: Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap(),
            }
        }

        /// `seconds` after the start.
        fn at(&self, seconds: u64) -> Now {
            Now {
                instant: self.instant + Duration::from_secs(seconds),
                utc: self.utc + TimeDelta::seconds(seconds as i64),
            }
        }
    }

    /// The live model's part: polls recorded into a state, each published as a build.
    struct Feed {
        config: Config,
        state: State,
        build: u64,
    }

    impl Feed {
        fn new(config: &Config) -> Feed {
            Feed {
                config: config.clone(),
                state: State::new(config),
                build: 0,
            }
        }

        fn poll(&mut self, at: Timestamp, board: &[(&str, BuildStatus)]) -> Published {
            let pipelines = board
                .iter()
                .map(|(name, status)| Pipeline::new(*name, *status))
                .collect();
            self.publish(
                at,
                Snapshot {
                    pipelines,
                    ..Snapshot::default()
                },
            )
        }

        fn publish(&mut self, at: Timestamp, snapshot: Snapshot) -> Published {
            self.state.record(0, at, Ok(snapshot));
            let dora = view::dora_report(&self.config, &self.state, at);
            self.build += 1;
            Published {
                view: Arc::new(view::build(&self.config, &self.state, dora, at)),
                last_success: Some(at),
                build: self.build,
            }
        }
    }

    const API_RED: &[(&str, BuildStatus)] =
        &[("api", BuildStatus::Failing), ("web", BuildStatus::Passing)];
    const ALL_GREEN: &[(&str, BuildStatus)] =
        &[("api", BuildStatus::Passing), ("web", BuildStatus::Passing)];

    fn radiator(config: &Config, clock: &Clock, board: &[(&str, BuildStatus)]) -> Radiator {
        let first = Feed::new(config).poll(clock.utc, board);
        Radiator::new(
            config.clone(),
            Theme::default_theme(),
            false,
            first,
            "dara".into(),
            clock.instant,
        )
    }

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    /// The text the terminal would show after `now`, at `width` x `height`.
    fn shown(radiator: &mut Radiator, now: Now, width: u16, height: u16) -> String {
        radiator.tick(now);
        let _ = radiator.frame(Rect::new(0, 0, width, height));
        let view = radiator.view();
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| ui::draw(frame, &view, radiator.screen(), radiator.theme()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        buffer
            .content
            .chunks(usize::from(width))
            .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn page_name(radiator: &Radiator) -> Option<&str> {
        radiator.screen().page.as_ref().map(|p| p.name.as_str())
    }

    const TWO_PAGES: &str = "[display]\nkiosk = true\nrotate = \"10s\"\n\
        [[page]]\nname = \"Web\"\nfilter = \"web\"\n\
        [[page]]\nname = \"Weeks\"\nkind = \"trends\"\n";

    #[test]
    fn kiosk_pages_rotate_until_a_key_pauses_them_and_space_resumes() {
        let clock = Clock::new();
        let mut r = radiator(&config(TWO_PAGES), &clock, API_RED);
        r.tick(clock.at(0));
        assert_eq!(page_name(&r), Some("All pipelines"));
        assert!(r.screen().kiosk);
        r.tick(clock.at(9));
        assert_eq!(r.page(), 0, "not before `rotate`");
        r.tick(clock.at(10));
        assert_eq!(page_name(&r), Some("Web"));
        let web: Vec<String> = r
            .view()
            .pipelines
            .iter()
            .map(|p| p.pipeline.name.clone())
            .collect();
        assert_eq!(web, ["web"], "the page's filter");
        let effects = r.tick(clock.at(20));
        assert_eq!(page_name(&r), Some("Weeks"));
        assert!(r.screen().trends(), "a trends page shows the trends view");
        assert!(
            matches!(effects[..], [Effect::ShowTrends(true)]),
            "{effects:?}"
        );
        let effects = r.tick(clock.at(30));
        assert_eq!(r.page(), 0, "round to the first page");
        assert!(!r.screen().trends());
        assert!(matches!(effects[..], [Effect::ShowTrends(false)]));

        r.key(press(KeyCode::Char('x')), clock.at(31));
        assert!(r.screen().paused);
        r.tick(clock.at(100));
        assert_eq!(r.page(), 0, "paused");
        r.key(press(KeyCode::Char(' ')), clock.at(100));
        assert!(!r.screen().paused);
        r.tick(clock.at(101));
        assert_eq!(r.page(), 1, "resumed: the page was up long enough");

        r.key(press(KeyCode::Char('n')), clock.at(102));
        assert_eq!(r.page(), 2);
        r.key(press(KeyCode::Char('n')), clock.at(103));
        assert_eq!(r.page(), 0, "n wraps");
        r.key(press(KeyCode::Char('p')), clock.at(104));
        assert_eq!(r.page(), 2, "p wraps");
        r.key(press(KeyCode::Left), clock.at(105));
        r.tick(clock.at(200));
        assert_eq!(page_name(&r), Some("Web"), "n and p paused the rotation");
    }

    #[test]
    fn t_on_a_trends_page_shows_the_board_until_the_page_comes_round_again() {
        let clock = Clock::new();
        let mut r = radiator(&config(TWO_PAGES), &clock, API_RED);
        r.key(press(KeyCode::Char('p')), clock.at(0));
        r.tick(clock.at(0));
        assert!(r.screen().trends());
        r.key(press(KeyCode::Char('t')), clock.at(1));
        let effects = r.tick(clock.at(1));
        assert!(!r.screen().trends());
        assert!(matches!(effects[..], [Effect::ShowTrends(false)]));
        r.key(press(KeyCode::Char('n')), clock.at(2));
        assert_eq!(r.page(), 0);
        r.key(press(KeyCode::Char('p')), clock.at(3));
        assert_eq!(r.page(), 2);
        assert!(r.screen().trends());
    }

    #[test]
    fn a_page_turn_drops_the_selection_and_the_detail() {
        let clock = Clock::new();
        let mut r = radiator(&config(TWO_PAGES), &clock, API_RED);
        r.tick(clock.at(0));
        r.key(press(KeyCode::Enter), clock.at(1));
        assert!(r.screen().detail());
        r.key(press(KeyCode::Char('n')), clock.at(2));
        assert_eq!((r.screen().selected, r.screen().detail()), (None, false));
        r.key(press(KeyCode::Char('?')), clock.at(3));
        r.key(press(KeyCode::Char('n')), clock.at(4));
        assert!(
            r.screen().help_scroll().is_some(),
            "the help stays open over a page turn"
        );
    }

    #[test]
    fn a_good_edit_replaces_pages_and_theme_and_keeps_the_page_in_range() {
        let clock = Clock::new();
        let mut r = radiator(&config(TWO_PAGES), &clock, API_RED);
        r.key(press(KeyCode::Char('p')), clock.at(1));
        assert_eq!(r.page(), 2);
        let edited = config("[[page]]\nname = \"Only\"\nhide_green = true\n");
        let ansi = Theme::resolve(Some("ansi"), None).unwrap();
        assert_ne!(ansi, Theme::default_theme());
        let effects = r.reloaded(Ok((edited.clone(), ansi)));
        assert!(
            matches!(&effects[..], [Effect::Reload(next)] if **next == edited),
            "{effects:?}"
        );
        r.tick(clock.at(2));
        assert_eq!(r.page(), 1, "the last page left");
        assert_eq!(page_name(&r), Some("Only"));
        assert_eq!(r.screen().page.as_ref().map(|p| p.count), Some(2));
        assert!(r.screen().hide_green, "the page's own setting");
        assert!(!r.screen().kiosk, "kiosk came from the old config");
        assert!(!r.screen().trends(), "the trends page is gone");
        assert_eq!(*r.theme(), ansi);
        assert_eq!(*r.config(), edited);
        assert!(r.frame(Rect::new(0, 0, 80, 24)).is_some(), "drawn again");
    }

    #[test]
    fn a_bad_edit_keeps_the_running_config_and_says_why_until_a_good_one() {
        let clock = Clock::new();
        let running = config(TWO_PAGES);
        let mut r = radiator(&running, &clock, API_RED);
        r.tick(clock.at(0));
        let effects = r.reloaded(Err("display.rotate: must be at least 2s".into()));
        assert!(
            effects.is_empty(),
            "the live model keeps running: {effects:?}"
        );
        let text = shown(&mut r, clock.at(1), 100, 30);
        assert_eq!(
            r.screen().notices,
            ["config not reloaded, still running the last good one: \
              display.rotate: must be at least 2s"]
        );
        assert!(text.contains("config not reloaded"), "{text}");
        assert_eq!(*r.config(), running);
        assert_eq!(page_name(&r), Some("All pipelines"));
        assert!(r.screen().kiosk);
        // Still there a long while later; gone with the next good edit.
        r.tick(clock.at(3600));
        assert_eq!(r.screen().notices.len(), 1);
        r.reloaded(Ok((running.clone(), Theme::default_theme())));
        r.tick(clock.at(3601));
        assert!(r.screen().notices.is_empty());
    }

    fn transition(event: Attention) -> Transition {
        Transition {
            event,
            pipeline: "api".into(),
            source: "ci".into(),
            stage: None,
            url: None,
            breakers: Vec::new(),
            red_for: Some(Duration::from_secs(42 * 60)),
        }
    }

    fn bells(effects: &[Effect]) -> usize {
        effects.iter().filter(|e| matches!(e, Effect::Bell)).count()
    }

    #[test]
    fn the_bell_rings_once_for_the_transitions_of_a_build_when_asked_for_and_never_when_not() {
        let clock = Clock::new();
        let rang = || vec![transition(Attention::Red), transition(Attention::Green)];
        let mut quiet = radiator(&config(""), &clock, API_RED);
        assert_eq!(bells(&quiet.transitions(rang(), clock.at(1))), 0);
        let mut loud = radiator(&config("[display]\nbell = true\n"), &clock, API_RED);
        assert_eq!(bells(&loud.transitions(rang(), clock.at(1))), 1);
        let thousands = vec![transition(Attention::Green); 5_000];
        assert_eq!(bells(&loud.transitions(thousands, clock.at(1))), 1);
        assert_eq!(
            bells(&loud.transitions(vec![transition(Attention::Red)], clock.at(2))),
            1
        );
        assert_eq!(bells(&loud.transitions(Vec::new(), clock.at(3))), 0);
    }

    #[test]
    fn the_command_runs_once_per_transition_with_it_and_green_leaves_a_notice() {
        let clock = Clock::new();
        let mut r = radiator(&config("[display]\ncommand = \"true\"\n"), &clock, API_RED);
        let effects = r.transitions(
            vec![transition(Attention::Red), transition(Attention::Green)],
            clock.at(1),
        );
        let events: Vec<Attention> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Command {
                    command,
                    transition,
                } if command == "true" => Some(transition.event),
                _ => None,
            })
            .collect();
        assert_eq!(events, [Attention::Red, Attention::Green]);
        r.tick(clock.at(2));
        assert_eq!(r.screen().notices, ["✓ api back to green after 42 min"]);
        r.tick(clock.at(1 + 10 * 60));
        assert!(r.screen().notices.is_empty(), "ten minutes on screen");
    }

    #[test]
    fn a_build_that_turns_thousands_green_runs_the_command_for_the_first_and_lists_a_screenful() {
        let clock = Clock::new();
        let mut r = radiator(&config("[display]\ncommand = \"true\"\n"), &clock, API_RED);
        let rang: Vec<Transition> = (0..20_000)
            .map(|i| Transition {
                pipeline: format!("service-{i}"),
                ..transition(Attention::Green)
            })
            .collect();
        let effects = r.transitions(rang, clock.at(1));
        let commands: Vec<&str> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Command { transition, .. } => Some(transition.pipeline.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(commands.len(), crate::attention::COMMANDS_WAITING);
        assert_eq!(commands[0], "service-0");
        r.tick(clock.at(2));
        let notices = &r.screen().notices;
        assert_eq!(notices.len(), notices::LISTED + 1);
        assert_eq!(
            notices[0],
            format!("✓ {} more back to green", 20_000 - notices::LISTED)
        );
        assert_eq!(
            notices.last().unwrap(),
            "✓ service-19999 back to green after 42 min"
        );
    }

    #[test]
    fn a_line_red_past_escalate_after_reaches_the_drawn_view_as_escalated() {
        let clock = Clock::new();
        let config = config("[andon]\nescalate_after = \"30m\"\n");
        let mut feed = Feed::new(&config);
        let mut r = Radiator::new(
            config.clone(),
            Theme::default_theme(),
            false,
            feed.poll(clock.utc, API_RED),
            "dara".into(),
            clock.instant,
        );
        let text = shown(&mut r, clock.at(0), 100, 30);
        assert!(text.contains("LINE STOPPED"), "{text}");
        assert!(!text.contains("ESCALATED"), "{text}");
        r.build(feed.poll(clock.at(20 * 60).utc, API_RED));
        let text = shown(&mut r, clock.at(20 * 60), 100, 30);
        assert!(!text.contains("ESCALATED"), "not yet at 20 min: {text}");
        r.build(feed.poll(clock.at(45 * 60).utc, API_RED));
        r.tick(clock.at(45 * 60));
        let area = Rect::new(0, 0, 100, 30);
        let drawn = r.frame(area).expect("a new build is drawn");
        assert!(drawn.andon.escalated(), "{:?}", drawn.andon);
        let text = shown(&mut r, clock.at(45 * 60), 100, 30);
        assert!(text.contains("ESCALATED"), "{text}");
    }

    fn acknowledged_by(r: &mut Radiator, name: &str) -> Option<String> {
        let view = r.view();
        let pipeline = view.pipelines.iter().find(|p| p.pipeline.name == name)?;
        pipeline.acknowledged.as_ref().map(|a| a.by.clone())
    }

    #[test]
    fn a_on_a_collectors_pipeline_asks_the_collector_and_marks_here_only_when_it_cannot() {
        let clock = Clock::new();
        let config = crate::setup::parse(
            "[[source]]\nname = \"hub\"\nkind = \"andon\"\nurl = \"http://127.0.0.1:1\"\n",
            "t.toml",
        )
        .unwrap();
        let mut feed = Feed::new(&config);
        let mut r = Radiator::new(
            config.clone(),
            Theme::default_theme(),
            false,
            feed.poll(clock.utc, API_RED),
            "dara".into(),
            clock.instant,
        );
        r.tick(clock.at(0));
        let effects = r.key(press(KeyCode::Char('a')), clock.at(1));
        let [Effect::SendAck(sent)] = effects.as_slice() else {
            panic!("no acknowledgement sent: {effects:?}");
        };
        assert_eq!(sent.url, "http://127.0.0.1:1");
        assert_eq!(
            (
                sent.request.pipeline.as_str(),
                sent.request.by.as_str(),
                sent.request.release
            ),
            ("api", "dara", false)
        );
        assert_eq!(
            acknowledged_by(&mut r, "api"),
            None,
            "the collector's feed brings it"
        );
        // Kept by the collector: nothing more to do here.
        let kept = AckReply {
            source: "ci".into(),
            pipeline: "api".into(),
            acknowledged: None,
        };
        r.ack_sent(sent, Ok(kept), clock.at(2));
        assert_eq!(acknowledged_by(&mut r, "api"), None);
        // Not reachable: marked here, and the screen says so.
        r.ack_sent(sent, Err("connection refused".into()), clock.at(2));
        assert_eq!(acknowledged_by(&mut r, "api").as_deref(), Some("dara"));
        let text = shown(&mut r, clock.at(3), 120, 30);
        assert!(text.contains("marked on this screen only"), "{text}");
        // A mark made here is taken back here.
        assert!(r.key(press(KeyCode::Char('a')), clock.at(4)).is_empty());
        assert_eq!(acknowledged_by(&mut r, "api"), None);
        // A mark the collector relays is taken back by asking it.
        let mut api = Pipeline::new("api", BuildStatus::Failing);
        api.acknowledged = Some(Acknowledgement {
            by: "amy".into(),
            at: clock.utc,
        });
        r.build(feed.publish(
            clock.utc,
            Snapshot {
                pipelines: vec![api],
                ..Snapshot::default()
            },
        ));
        assert_eq!(acknowledged_by(&mut r, "api").as_deref(), Some("amy"));
        let effects = r.key(press(KeyCode::Char('a')), clock.at(5));
        let [Effect::SendAck(sent)] = effects.as_slice() else {
            panic!("no release sent: {effects:?}");
        };
        assert!(sent.request.release);
        // A passing pipeline has nothing to acknowledge.
        r.build(feed.poll(clock.utc, ALL_GREEN));
        assert!(r.key(press(KeyCode::Char('a')), clock.at(6)).is_empty());
    }

    #[test]
    fn a_acknowledges_the_first_failing_line_and_again_takes_it_back() {
        let clock = Clock::new();
        let mut r = radiator(&config(""), &clock, API_RED);
        let area = Rect::new(0, 0, 100, 30);
        r.tick(clock.at(0));
        assert!(r.frame(area).is_some());
        assert!(r.frame(area).is_none(), "nothing changed, nothing drawn");
        let effects = r.key(press(KeyCode::Char('a')), clock.at(1));
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(acknowledged_by(&mut r, "api").as_deref(), Some("dara"));
        assert_eq!(acknowledged_by(&mut r, "web"), None);
        assert!(r.frame(area).is_some(), "the mark is drawn");
        let text = shown(&mut r, clock.at(2), 100, 30);
        assert!(text.contains("dara"), "{text}");
        r.key(press(KeyCode::Char('a')), clock.at(3));
        assert_eq!(acknowledged_by(&mut r, "api"), None, "taken back");
        assert!(r.frame(area).is_some());
        // The selected card rather than the first failing one.
        let both_red = [("api", BuildStatus::Failing), ("web", BuildStatus::Failing)];
        let mut r = radiator(&config(""), &clock, &both_red);
        r.tick(clock.at(0));
        let first = r.view().pipelines[0].pipeline.name.clone();
        let second = r.view().pipelines[1].pipeline.name.clone();
        r.key(press(KeyCode::Tab), clock.at(1));
        r.key(press(KeyCode::Tab), clock.at(2));
        r.key(press(KeyCode::Char('a')), clock.at(3));
        assert_eq!(acknowledged_by(&mut r, &second).as_deref(), Some("dara"));
        assert_eq!(acknowledged_by(&mut r, &first), None);
    }

    #[test]
    fn l_with_nothing_failing_says_so_for_a_while() {
        let clock = Clock::new();
        let mut r = radiator(&config(""), &clock, ALL_GREEN);
        r.tick(clock.at(0));
        let effects = r.key(press(KeyCode::Char('l')), clock.at(1));
        assert!(effects.is_empty(), "no log fetched: {effects:?}");
        assert!(r.screen().log().is_none());
        r.tick(clock.at(2));
        assert_eq!(r.screen().notices, [NO_LOG_HINT]);
        let text = shown(&mut r, clock.at(8), 100, 30);
        assert!(text.contains(NO_LOG_HINT), "{text}");
        r.tick(clock.at(9));
        assert!(r.screen().notices.is_empty(), "gone after 8 s");
        assert!(
            r.frame(Rect::new(0, 0, 100, 30)).is_some(),
            "and drawn away"
        );
    }

    #[test]
    fn l_opens_the_log_pane_of_the_failing_line() {
        let clock = Clock::new();
        let mut r = radiator(&config(""), &clock, API_RED);
        r.tick(clock.at(0));
        r.key(press(KeyCode::Char('l')), clock.at(1));
        let pane = r.screen().log().expect("the log pane");
        assert!(pane.title.contains("api"), "{pane:?}");
        r.tick(clock.at(2));
        assert!(r.screen().notices.is_empty());
    }

    /// Six services with deployments, more than a 80x24 table shows at once.
    fn six_services(config: &Config, clock: &Clock) -> Published {
        let mut events = DoraEvents::default();
        for s in 0..6i64 {
            for d in 0..=s {
                let app = format!("svc-{s}");
                let commit = format!("s{s}d{d}");
                let finished_at = clock.utc - TimeDelta::hours(24 * (d + 1));
                events.deployments.push(Deployment {
                    app: app.clone(),
                    image_sha: None,
                    commit: Some(commit.clone()),
                    finished_at,
                    marked: None,
                });
                events.changes.push(Change {
                    app,
                    commit,
                    image_sha: None,
                    committed_at: finished_at - TimeDelta::hours(2),
                });
            }
        }
        Feed::new(config).publish(
            clock.utc,
            Snapshot {
                pipelines: vec![Pipeline::new("api", BuildStatus::Passing)],
                events,
                ..Snapshot::default()
            },
        )
    }

    #[test]
    fn the_service_table_scrolls_back_at_once_after_j_past_its_end() {
        let clock = Clock::new();
        let config = config("");
        let mut r = Radiator::new(
            config.clone(),
            Theme::default_theme(),
            false,
            six_services(&config, &clock),
            "dara".into(),
            clock.instant,
        );
        r.key(press(KeyCode::Char('s')), clock.at(0));
        let top = shown(&mut r, clock.at(0), 80, 24);
        assert!(top.contains("of 6 · j/k scroll"), "{top}");
        let mut bottom = top.clone();
        for second in 1..=30 {
            r.key(press(KeyCode::Char('j')), clock.at(second));
            bottom = shown(&mut r, clock.at(second), 80, 24);
        }
        assert!(bottom.contains("-6 of 6"), "{bottom}");
        let end = r.screen().services_scroll().unwrap();
        assert!(end < 6, "no further than the last page: {end}");
        r.key(press(KeyCode::Char('k')), clock.at(31));
        let back = shown(&mut r, clock.at(31), 80, 24);
        assert_ne!(back, bottom, "one k moves the table back");
        assert_eq!(r.screen().services_scroll(), Some(end - 1));
    }

    #[test]
    fn the_help_scrolls_back_at_once_after_j_past_its_end() {
        let clock = Clock::new();
        let mut r = radiator(&config(""), &clock, API_RED);
        r.key(press(KeyCode::Char('?')), clock.at(0));
        let mut bottom = String::new();
        for second in 1..=300 {
            r.key(press(KeyCode::Char('j')), clock.at(second));
            bottom = shown(&mut r, clock.at(second), 80, 24);
        }
        let end = r.screen().help_scroll().unwrap();
        assert!(end < 300, "no further than its last line: {end}");
        r.key(press(KeyCode::Char('k')), clock.at(301));
        let back = shown(&mut r, clock.at(301), 80, 24);
        assert_ne!(back, bottom, "one k moves the help back");
        assert_eq!(r.screen().help_scroll(), Some(end - 1));
    }

    #[test]
    fn the_help_scrolls_to_its_last_line_at_80x24() {
        let clock = Clock::new();
        let mut r = radiator(&config(""), &clock, API_RED);
        r.key(press(KeyCode::Char('?')), clock.at(0));
        let top = shown(&mut r, clock.at(0), 80, 24);
        assert!(!top.contains("N/A means no data"), "{top}");
        let mut bottom = String::new();
        for second in 1..=300 {
            r.key(press(KeyCode::Char('j')), clock.at(second));
            bottom = shown(&mut r, clock.at(second), 80, 24);
        }
        assert!(bottom.contains("N/A means no data"), "{bottom}");
        let view = r.view();
        let last = ui::quality_lines(&view).pop().unwrap();
        let start: String = last.chars().take(30).collect();
        assert!(bottom.contains(&start), "{start:?} not shown:\n{bottom}");
    }
}
