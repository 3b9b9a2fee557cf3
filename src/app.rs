//! The interactive radiator's screen: answers keys and draws. The live model (`crate::live`)
//! owns the pollers and the state and publishes each build; this loop cuts the page's view
//! from it (filter, acknowledgements), keeps the log pane, and draws only when the build, the
//! page, the filter, the acknowledgements or the screen changed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::ack::{self, Acknowledgements};
use crate::attention::{self, Event as Attention};
use crate::config::PageConfig;
use crate::live::Live;
use crate::logs::{self, LogCache, LogKey, LogText};
use crate::model::Timestamp;
use crate::setup::{self, Config};
use crate::state::State;
use crate::suspend::{self, Signalled, Signals};
use crate::ui::log::{LogPane, LogState};
use crate::ui::{self, Page, Screen, Theme};
use crate::view::{self, PipelineStatus, PipelineView, ViewModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Refresh,
    Redraw,
    NextPage,
    PreviousPage,
    /// Open the log of the selected (else the first) failing pipeline.
    OpenLog,
    /// Mark the selected (else the first) failing pipeline as taken care of, or take it back.
    Acknowledge,
    /// Ctrl-Z: suspend as SIGTSTP does (raw mode makes it a key).
    Suspend,
    Nothing,
}

/// What a key does to the screen. Pure, so the key map is testable. Any key pauses a rotation;
/// Space resumes it.
pub fn on_key(key: KeyEvent, screen: &mut Screen, pipelines: usize) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::Nothing;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Action::Quit;
    }
    if ctrl && key.code == KeyCode::Char('z') {
        return Action::Suspend;
    }
    if screen.filtering {
        match key.code {
            KeyCode::Enter => screen.filtering = false,
            KeyCode::Esc => {
                screen.filtering = false;
                screen.filter.clear();
            }
            KeyCode::Backspace => {
                screen.filter.pop();
            }
            KeyCode::Char(c) if !ctrl => screen.filter.push(c),
            _ => return Action::Nothing,
        }
        screen.selected = None;
        return Action::Redraw;
    }
    if let Some(pane) = &mut screen.log {
        match key.code {
            KeyCode::Esc | KeyCode::Char('l') => screen.log = None,
            KeyCode::Char('q') => return Action::Quit,
            KeyCode::Char('j') | KeyCode::Down => pane.offset += 1,
            KeyCode::Char('k') | KeyCode::Up => pane.offset -= 1,
            KeyCode::PageDown | KeyCode::Char(' ') => pane.offset += ui::log::PAGE,
            KeyCode::PageUp => pane.offset -= ui::log::PAGE,
            KeyCode::Char('g') | KeyCode::Home => pane.offset = i64::MIN / 4,
            KeyCode::Char('G') | KeyCode::End => pane.offset = i64::MAX / 4,
            _ => return Action::Nothing,
        }
        return Action::Redraw;
    }
    let was_paused = screen.paused;
    if screen.page.is_some() {
        screen.paused = true;
    }
    let action = match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc if screen.help => {
            screen.help = false;
            Action::Redraw
        }
        KeyCode::Esc if screen.services => {
            screen.services = false;
            Action::Redraw
        }
        KeyCode::Char('s') => {
            screen.services = !screen.services;
            screen.services_scroll = 0;
            Action::Redraw
        }
        KeyCode::Char('j') | KeyCode::Down if screen.services && !screen.help => {
            screen.services_scroll = screen.services_scroll.saturating_add(1);
            Action::Redraw
        }
        KeyCode::Char('k') | KeyCode::Up if screen.services && !screen.help => {
            screen.services_scroll = screen.services_scroll.saturating_sub(1);
            Action::Redraw
        }
        KeyCode::Esc if screen.trends => {
            screen.trends = false;
            Action::Redraw
        }
        KeyCode::Char('t') => {
            screen.trends = !screen.trends;
            Action::Redraw
        }
        KeyCode::Esc if screen.detail => {
            screen.detail = false;
            Action::Redraw
        }
        KeyCode::Esc if !screen.filter.is_empty() => {
            screen.filter.clear();
            Action::Redraw
        }
        KeyCode::Esc => Action::Quit,
        KeyCode::Char('?') => {
            screen.help = !screen.help;
            screen.help_scroll = 0;
            Action::Redraw
        }
        KeyCode::Tab | KeyCode::Char('j') | KeyCode::Down if screen.help => {
            screen.help_scroll = screen.help_scroll.saturating_add(1);
            Action::Redraw
        }
        KeyCode::BackTab | KeyCode::Char('k') | KeyCode::Up if screen.help => {
            screen.help_scroll = screen.help_scroll.saturating_sub(1);
            Action::Redraw
        }
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char('l') => Action::OpenLog,
        KeyCode::Char('a') => Action::Acknowledge,
        KeyCode::Char('/') => {
            screen.filtering = true;
            screen.detail = false;
            Action::Redraw
        }
        KeyCode::Char('g') => {
            screen.hide_green = !screen.hide_green;
            Action::Redraw
        }
        KeyCode::Char(' ') => {
            screen.paused = !was_paused;
            Action::Redraw
        }
        KeyCode::Char('n') | KeyCode::Right => Action::NextPage,
        KeyCode::Char('p') | KeyCode::Left => Action::PreviousPage,
        KeyCode::Enter if screen.detail => {
            screen.detail = false;
            Action::Redraw
        }
        KeyCode::Enter if pipelines > 0 => {
            if screen.selected.is_none() {
                screen.selected = Some(0);
            }
            screen.detail = true;
            Action::Redraw
        }
        KeyCode::Tab | KeyCode::Char('j') | KeyCode::Down => {
            screen.select_next(pipelines);
            Action::Redraw
        }
        KeyCode::BackTab | KeyCode::Char('k') | KeyCode::Up => {
            screen.select_previous(pipelines);
            Action::Redraw
        }
        _ => Action::Nothing,
    };
    if action == Action::Nothing && screen.paused != was_paused {
        return Action::Redraw;
    }
    action
}

/// How the radiator was started, beyond the config file.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--kiosk` (or `[display] kiosk`).
    pub kiosk: bool,
    /// `--theme`, which wins over `[display] theme`.
    pub theme: Option<String>,
    /// The config file, watched for edits; None for the built-in demo.
    pub config_path: Option<PathBuf>,
}

/// How long "back to green after 42 min" stays on screen.
const NOTICE_FOR: Duration = Duration::from_secs(10 * 60);
/// How long a key's hint ("nothing is failing") stays under the banner.
const HINT_FOR: Duration = Duration::from_secs(8);
/// How often the config file's modification time is checked.
const RELOAD_EVERY: Duration = Duration::from_secs(2);

pub async fn run(config: Config, theme: Theme, options: Options) -> std::io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    crate::panics::install_for_tui();
    let result = event_loop(&mut terminal, config, theme, &options).await;
    ratatui::restore();
    // Whatever ended the loop (a key, a signal, the terminal gone), no command outlives it.
    attention::end_all();
    result
}

/// The main board first, then each `[[page]]`.
pub fn pages_of(config: &Config) -> Vec<PageConfig> {
    let mut pages = vec![PageConfig {
        name: "All pipelines".into(),
        filter: None,
        hide_green: config.display.hide_green,
        trends: false,
    }];
    pages.extend(config.pages.iter().cloned());
    pages
}

/// The page's pipelines, narrowed by the typed filter.
pub fn page_view(full: &ViewModel, page: &PageConfig, filter: &str) -> ViewModel {
    if page.filter.is_none() && filter.trim().is_empty() {
        return full.clone();
    }
    view::select(full, |p| {
        page.filter.as_deref().is_none_or(|f| view::matches(p, f)) && view::matches(p, filter)
    })
}

/// The page's pipelines as shared by the screen, acknowledgements on: the whole board itself
/// when nothing narrows or marks it (no copy of 100,000 cards per frame), else the page's cut.
fn shown_view(
    full: &Arc<ViewModel>,
    page: &PageConfig,
    filter: &str,
    acks: &Acknowledgements,
) -> Arc<ViewModel> {
    let narrowed = page.filter.is_some() || !filter.trim().is_empty();
    if !narrowed && acks.is_empty() {
        return Arc::clone(full);
    }
    let mut view = page_view(full, page, filter);
    acks.apply(&mut view);
    Arc::new(view)
}

/// Seconds since the freshest successful poll, in steps so the screen changes every 5 s at most
/// in the first minute and every minute after.
pub fn updated_ago(state: &State, now: Timestamp) -> Option<u64> {
    updated_ago_since(
        state.sources.iter().filter_map(|s| s.last_success).max(),
        now,
    )
}

fn updated_ago_since(last: Option<Timestamp>, now: Timestamp) -> Option<u64> {
    let last = last?;
    let seconds = (now - last).num_seconds().max(0) as u64;
    Some(if seconds < 60 {
        seconds / 5 * 5
    } else {
        seconds / 60 * 60
    })
}

/// The config file's modification time, to notice edits without a watcher crate.
fn modified(path: Option<&std::path::Path>) -> Option<std::time::SystemTime> {
    std::fs::metadata(path?).and_then(|m| m.modified()).ok()
}

/// What a page's view is cut from: the build, the page, the typed filter and the
/// acknowledgements' version.
type Cut = (u64, usize, String, u64);

async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut config: Config,
    mut theme: Theme,
    options: &Options,
) -> std::io::Result<()> {
    let mut live = Live::start(config.clone());
    let mut latest = live.views.borrow_and_update().clone();
    let mut pages = pages_of(&config);
    let mut page = 0usize;
    let mut page_since = Instant::now();
    let mut screen = Screen {
        kiosk: options.kiosk || config.display.kiosk,
        hide_green: pages[0].hide_green,
        ..Screen::default()
    };
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut reload_tick = tokio::time::interval(RELOAD_EVERY);
    let mut config_mtime = modified(options.config_path.as_deref());
    let (reload_tx, mut reload_rx) = mpsc::channel(1);
    let mut reload_in_flight = false;
    let mut config_error: Option<String> = None;
    let mut notices: Vec<(String, Instant)> = Vec::new();
    let mut notices_changed = true;
    let mut acks = Acknowledgements::default();
    // Bumped on each change to the acknowledgements, so the page's cut is made again.
    let mut acks_version = 0u64;
    // The build the acknowledgements were last settled against.
    let mut settled: Option<u64> = None;
    // Whether the live model was told the trends view is shown.
    let mut trends_asked = false;
    // The page's view, cut for `Cut`.
    let mut shown: Option<(Cut, Arc<ViewModel>)> = None;
    // What the terminal shows: the cut drawn, and the screen's state.
    let mut drawn: Option<(Cut, Screen)> = None;
    let mut log_cache = LogCache::default();
    let (log_tx, mut log_rx) = mpsc::channel::<(LogKey, Result<LogText, String>)>(4);
    // SIGTERM (a supervisor), SIGHUP (the SSH session dropped), SIGINT (kill -INT; Ctrl-C
    // itself arrives as a key in raw mode) and the like end the loop, so the terminal is
    // restored; SIGTSTP suspends with the terminal restored (see `suspend`).
    let mut signals = Signals::new()?;
    loop {
        let now = Utc::now();
        if pages.len() > 1 && !screen.paused && page_since.elapsed() >= config.display.rotate {
            page = (page + 1) % pages.len();
            page_since = Instant::now();
            screen.hide_green = pages[page].hide_green;
            screen.trends = pages[page].trends;
            screen.selected = None;
            screen.detail = false;
        }
        if screen.trends != trends_asked {
            trends_asked = screen.trends;
            live.show_trends(trends_asked);
        }
        screen.page = (pages.len() > 1).then(|| Page {
            index: page,
            count: pages.len(),
            name: pages[page].name.clone(),
        });
        let noticed = notices.len();
        notices.retain(|(_, until)| *until > Instant::now());
        // Copied only when they change: a busy wall can hold thousands.
        if notices_changed || notices.len() != noticed {
            notices_changed = false;
            screen.notices = config_error
                .iter()
                .cloned()
                .chain(notices.iter().map(|(text, _)| text.clone()))
                .collect();
        }
        screen.updated_ago = if screen.kiosk {
            updated_ago_since(latest.last_success, now)
        } else {
            None
        };
        if settled != Some(latest.build) {
            settled = Some(latest.build);
            if !acks.is_empty() {
                let before = acks.len();
                acks.settle(&latest.view.pipelines);
                if acks.len() != before {
                    acks_version += 1;
                }
            }
        }
        let cut: Cut = (latest.build, page, screen.filter.clone(), acks_version);
        let view = match &shown {
            Some((key, view)) if *key == cut => Arc::clone(view),
            _ => {
                let view = shown_view(&latest.view, &pages[page], &screen.filter, &acks);
                shown = Some((cut.clone(), Arc::clone(&view)));
                view
            }
        };
        screen.clamp(view.pipelines.len());
        if let Some(pane) = &mut screen.log {
            pane.top(ui::log::rows(terminal.get_frame().area()));
        }
        if drawn
            .as_ref()
            .is_none_or(|(key, drawn)| *key != cut || *drawn != screen)
        {
            // One synchronized update per frame: the terminal shows it whole or not at all.
            crossterm::execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
            let frame = terminal.draw(|frame| ui::draw(frame, &view, &screen, &theme))?;
            let link = ui::hyperlink(frame.area, &view, &screen);
            {
                use std::io::Write;
                let mut out = std::io::stdout();
                if let Some(link) = link {
                    out.write_all(link.as_bytes())?;
                }
                crossterm::execute!(out, EndSynchronizedUpdate)?;
            }
            drawn = Some((cut, screen.clone()));
        }
        tokio::select! {
            // Keys first: a key waiting is answered before a new build is taken in.
            biased;
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    crate::panics::inject("key");
                    match on_key(key, &mut screen, view.pipelines.len()) {
                        Action::Quit => return Ok(()),
                        Action::Suspend => {
                            suspend::suspend(terminal)?;
                            drawn = None;
                        }
                        Action::Refresh => live.refresh(),
                        Action::OpenLog => match open_log(&config, &view, &screen, &log_cache, &log_tx) {
                            Some(pane) => screen.log = Some(pane),
                            None => {
                                notices.push((
                                    "nothing is failing: no log to read".to_string(),
                                    Instant::now() + HINT_FOR,
                                ));
                                notices_changed = true;
                            }
                        },
                        Action::Acknowledge => {
                            if let Some(pipeline) = acted_on(&view, &screen) {
                                acks.toggle(pipeline, &ack::local_user(), Utc::now());
                                acks_version += 1;
                            }
                        }
                        Action::NextPage | Action::PreviousPage if pages.len() > 1 => {
                            let forward = on_key_is_next(key);
                            page = if forward {
                                (page + 1) % pages.len()
                            } else {
                                (page + pages.len() - 1) % pages.len()
                            };
                            page_since = Instant::now();
                            screen.hide_green = pages[page].hide_green;
                            screen.trends = pages[page].trends;
                            screen.selected = None;
                            screen.detail = false;
                        }
                        _ => {}
                    }
                }
                Some(Ok(Event::Resize(..))) => {
                    terminal.autoresize()?;
                    drawn = None;
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err),
                None => return Ok(()),
            },
            Some(rang) = live.transitions.recv() => {
                notices_changed = true;
                for transition in rang {
                    attend(&config, &transition);
                    if transition.event == Attention::Green {
                        notices.push((transition.notice(), Instant::now() + NOTICE_FOR));
                    }
                }
            }
            changed = live.views.changed() => {
                if changed.is_ok() {
                    latest = live.views.borrow_and_update().clone();
                }
            }
            Some((key, result)) = log_rx.recv() => {
                let state = match result {
                    Ok(log) => {
                        let log = Arc::new(log);
                        log_cache.insert(key.clone(), Arc::clone(&log));
                        LogState::Ready(log)
                    }
                    Err(reason) => LogState::Failed(reason),
                };
                if let Some(pane) = screen.log.as_mut().filter(|p| p.key.as_ref() == Some(&key)) {
                    pane.state = state;
                }
            }
            _ = tick.tick() => {}
            _ = reload_tick.tick(), if !reload_in_flight => {
                // Off the event loop: a config on a mount that stopped answering leaves the
                // board responsive and quittable (the check simply never comes back).
                reload_in_flight = true;
                let path = options.config_path.clone();
                let cli_theme = options.theme.clone();
                let known = config_mtime;
                let done = reload_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = done.try_send(check_for_edit(path.as_deref(), known, cli_theme.as_deref()));
                });
            }
            Some((mtime, edited)) = reload_rx.recv() => {
                reload_in_flight = false;
                if let Some(edited) = edited {
                    config_mtime = mtime;
                    match edited {
                        Ok((next, next_theme)) => {
                            config_error = None;
                            notices_changed = true;
                            live.reload(next.clone());
                            theme = next_theme;
                            screen.kiosk = options.kiosk || next.display.kiosk;
                            pages = pages_of(&next);
                            page = page.min(pages.len() - 1);
                            screen.hide_green = pages[page].hide_green;
                            screen.trends = pages[page].trends;
                            config = next;
                            drawn = None;
                            shown = None;
                            tracing::info!("config reloaded from {}", config.origin);
                        }
                        Err(err) => {
                            tracing::warn!("config not reloaded: {err}");
                            config_error = Some(format!("config not reloaded, still running the last good one: {err}"));
                            notices_changed = true;
                        }
                    }
                }
            }
            signalled = signals.next(terminal) => match signalled? {
                Signalled::End => return Ok(()),
                Signalled::Redraw => drawn = None,
            },
        }
    }
}

/// The pipeline `l` and `a` act on: the selected card, else the first failing one.
pub fn acted_on<'a>(view: &'a ViewModel, screen: &Screen) -> Option<&'a PipelineView> {
    screen
        .selected
        .and_then(|i| view.pipelines.get(i))
        .or_else(|| {
            view.pipelines
                .iter()
                .find(|p| p.status == PipelineStatus::Failing)
        })
}

/// The log pane for `l`: from the cache, or loading while a task fetches it.
fn open_log(
    config: &Config,
    view: &ViewModel,
    screen: &Screen,
    cache: &LogCache,
    results: &mpsc::Sender<(LogKey, Result<LogText, String>)>,
) -> Option<LogPane> {
    let pipeline = acted_on(view, screen)?;
    let target = match logs::target(config, pipeline, logs::polled_at(view, pipeline)) {
        Ok(target) => target,
        Err(reason) => {
            return Some(LogPane::new(
                None,
                pipeline.name.clone(),
                LogState::Failed(reason),
            ));
        }
    };
    if let Some(log) = cache.get(&target.key) {
        return Some(LogPane::new(
            Some(target.key),
            target.title,
            LogState::Ready(log),
        ));
    }
    let pane = LogPane::new(
        Some(target.key.clone()),
        target.title.clone(),
        LogState::Loading,
    );
    let results = results.clone();
    tokio::spawn(async move {
        let result = logs::fetch(&target).await;
        if let Err(reason) = &result {
            tracing::warn!("log of {} not read: {reason}", target.title);
        }
        let _ = results.send((target.key, result)).await;
    });
    Some(pane)
}

fn on_key_is_next(key: KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char('n') | KeyCode::Right)
}

/// A config edit seen by its modification time: the new time, and the edited config and
/// its theme when the time changed (any error keeps the running config). Blocking: run it off
/// the event loop.
type Edit = (
    Option<std::time::SystemTime>,
    Option<Result<(Config, Theme), String>>,
);

fn check_for_edit(
    path: Option<&std::path::Path>,
    known: Option<std::time::SystemTime>,
    cli_theme: Option<&str>,
) -> Edit {
    let mtime = modified(path);
    if mtime == known {
        return (mtime, None);
    }
    let reloaded = setup::load(path)
        .map_err(|e| e.to_string())
        .and_then(|next| {
            let theme = Theme::resolve(cli_theme, next.display.theme.as_deref())?;
            tracing::debug!("reloading {}", next.origin);
            Ok((next, theme))
        });
    (mtime, Some(reloaded))
}

/// The bell and the command, once per transition.
fn attend(config: &Config, transition: &attention::Transition) {
    tracing::info!("{} went {}", transition.pipeline, transition.event.word());
    if config.display.bell {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x07").and_then(|()| out.flush());
    }
    if let Some(command) = config.display.command.clone() {
        let transition = transition.clone();
        tokio::spawn(async move { attention::run_command(&command, &transition).await });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn quit_keys() {
        let mut screen = Screen::default();
        assert_eq!(
            on_key(press(KeyCode::Char('q')), &mut screen, 0),
            Action::Quit
        );
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 0), Action::Quit);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(on_key(ctrl_c, &mut screen, 0), Action::Quit);
    }

    #[test]
    fn esc_closes_help_before_quitting() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('?')), &mut screen, 0);
        assert!(screen.help);
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 0), Action::Redraw);
        assert!(!screen.help);
    }

    #[test]
    fn j_and_k_scroll_the_help_not_the_selection() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Down), &mut screen, 3);
        assert_eq!((screen.help_scroll, screen.selected), (2, None));
        on_key(press(KeyCode::Char('k')), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        assert_eq!(screen.help_scroll, 0, "never above the top");
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        assert_eq!(screen.help_scroll, 0, "help opens at the top");
    }

    #[test]
    fn s_toggles_the_service_table_and_esc_closes_it_before_quitting() {
        let mut screen = Screen::default();
        assert_eq!(
            on_key(press(KeyCode::Char('s')), &mut screen, 0),
            Action::Redraw
        );
        assert!(screen.services);
        on_key(press(KeyCode::Char('s')), &mut screen, 0);
        assert!(!screen.services);
        on_key(press(KeyCode::Char('s')), &mut screen, 0);
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 0), Action::Redraw);
        assert!(!screen.services);
        // While a filter is typed, s is a letter.
        on_key(press(KeyCode::Char('/')), &mut screen, 0);
        on_key(press(KeyCode::Char('s')), &mut screen, 0);
        assert_eq!((screen.filter.as_str(), screen.services), ("s", false));
    }

    #[test]
    fn j_and_k_scroll_the_service_table_not_the_selection() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Down), &mut screen, 3);
        assert_eq!((screen.services_scroll, screen.selected), (2, None));
        on_key(press(KeyCode::Char('k')), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        assert_eq!(screen.services_scroll, 0, "never above the top");
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        assert_eq!(screen.services_scroll, 0, "the table opens at the top");
    }

    #[test]
    fn selection_wraps_both_ways() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Tab), &mut screen, 3);
        assert_eq!(screen.selected, Some(0));
        on_key(press(KeyCode::Char('k')), &mut screen, 3);
        assert_eq!(screen.selected, Some(2));
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        assert_eq!(screen.selected, Some(0));
    }

    #[test]
    fn slash_types_a_filter_enter_keeps_it_esc_clears_it() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('/')), &mut screen, 3);
        assert!(screen.filtering);
        for c in "pay".chars() {
            on_key(press(KeyCode::Char(c)), &mut screen, 3);
        }
        // While typing, q is a letter, not quit.
        assert_eq!(
            on_key(press(KeyCode::Char('q')), &mut screen, 3),
            Action::Redraw
        );
        on_key(press(KeyCode::Backspace), &mut screen, 3);
        on_key(press(KeyCode::Enter), &mut screen, 3);
        assert_eq!((screen.filter.as_str(), screen.filtering), ("pay", false));
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 3), Action::Redraw);
        assert!(screen.filter.is_empty());
    }

    #[test]
    fn enter_opens_the_selected_pipeline_and_esc_closes_it() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Enter), &mut screen, 2);
        assert_eq!((screen.selected, screen.detail), (Some(0), true));
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 2), Action::Redraw);
        assert!(!screen.detail);
        assert_eq!(
            on_key(press(KeyCode::Enter), &mut Screen::default(), 0),
            Action::Nothing
        );
    }

    #[test]
    fn any_key_pauses_the_rotation_and_space_resumes_it() {
        let mut screen = Screen {
            page: Some(Page {
                index: 0,
                count: 2,
                name: "a".into(),
            }),
            ..Screen::default()
        };
        assert_eq!(
            on_key(press(KeyCode::Char('x')), &mut screen, 0),
            Action::Redraw
        );
        assert!(screen.paused);
        on_key(press(KeyCode::Char(' ')), &mut screen, 0);
        assert!(!screen.paused);
        assert_eq!(
            on_key(press(KeyCode::Char('n')), &mut screen, 0),
            Action::NextPage
        );
        let mut single = Screen::default();
        on_key(press(KeyCode::Char('x')), &mut single, 0);
        assert!(!single.paused, "nothing to pause with one page");
    }

    #[test]
    fn updated_ago_moves_in_steps() {
        let config = crate::setup::load(None).unwrap();
        let mut state = State::new(&config);
        let t0 = Utc::now();
        assert_eq!(updated_ago(&state, t0), None);
        state.record(0, t0, Ok(crate::model::Snapshot::default()));
        let later = |s| t0 + chrono::Duration::seconds(s);
        assert_eq!(updated_ago(&state, later(3)), Some(0));
        assert_eq!(updated_ago(&state, later(17)), Some(15));
        assert_eq!(updated_ago(&state, later(150)), Some(120));
    }

    /// A board of `api` failing and `web` passing, as the live model publishes it.
    fn published_board() -> Arc<ViewModel> {
        use crate::model::{BuildStatus, Pipeline, Snapshot};
        let config = crate::setup::parse(
            "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:1/cc.xml\"\n",
            "t.toml",
        )
        .unwrap();
        let mut state = State::new(&config);
        let now = Utc::now();
        state.record(
            0,
            now,
            Ok(Snapshot {
                pipelines: vec![
                    Pipeline::new("api", BuildStatus::Failing),
                    Pipeline::new("web", BuildStatus::Passing),
                ],
                ..Snapshot::default()
            }),
        );
        let dora = view::dora_report(&config, &state, now);
        Arc::new(view::build(&config, &state, dora, now))
    }

    #[test]
    fn the_shown_view_is_the_build_itself_until_a_filter_or_an_acknowledgement_marks_it() {
        let full = published_board();
        let main = &pages_of(&crate::setup::load(None).unwrap())[0];
        let mut acks = Acknowledgements::default();
        assert!(Arc::ptr_eq(&shown_view(&full, main, "", &acks), &full));
        let api = full.pipelines.iter().find(|p| p.name == "api").unwrap();
        assert!(acks.toggle(api, "dara", Utc::now()));
        let shown = shown_view(&full, main, "", &acks);
        assert!(!Arc::ptr_eq(&shown, &full), "marked on a copy");
        let api = shown.pipelines.iter().find(|p| p.name == "api").unwrap();
        assert_eq!(
            api.acknowledged.as_ref().map(|a| a.by.as_str()),
            Some("dara")
        );
        assert!(
            full.pipelines.iter().all(|p| p.acknowledged.is_none()),
            "the build untouched"
        );
        let narrowed = shown_view(&full, main, "web", &acks);
        assert_eq!(narrowed.pipelines.len(), 1);
    }

    #[test]
    fn ctrl_z_suspends_even_while_typing_a_filter() {
        let ctrl_z = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL);
        assert_eq!(on_key(ctrl_z, &mut Screen::default(), 0), Action::Suspend);
        let mut typing = Screen::default();
        on_key(press(KeyCode::Char('/')), &mut typing, 0);
        assert_eq!(on_key(ctrl_z, &mut typing, 0), Action::Suspend);
        assert!(typing.filter.is_empty());
    }

    #[test]
    fn r_asks_for_a_refresh() {
        let mut screen = Screen::default();
        assert_eq!(
            on_key(press(KeyCode::Char('r')), &mut screen, 0),
            Action::Refresh
        );
    }
}
