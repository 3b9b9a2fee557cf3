//! The interactive radiator's screen: answers keys and draws. The live model (`crate::live`)
//! owns the pollers and the state and publishes each build; the radiator (`radiator`) cuts the
//! page's view from it (filter, acknowledgements), keeps the log pane, and says when to draw:
//! only when the build, the page, the filter, the acknowledgements or the screen changed. The
//! loop here routes events to it and does the I/O it asks for.

mod keys;
mod notices;
mod radiator;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::ack::{self, Acknowledgements};
use crate::attention;
use crate::config::PageConfig;
use crate::live::Live;
use crate::logs::{self, LogKey, LogText};
use crate::model::Timestamp;
use crate::setup::{self, Config};
use crate::sources::andon::AckReply;
use crate::state::State;
use crate::suspend::{Signalled, Signals};
use crate::ui::{self, Screen, Theme};
use crate::view::{self, PipelineStatus, PipelineView, ViewModel};
pub use keys::{Action, on_key};
pub use radiator::{AckSend, Effect, Now, Radiator};

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

type LogRead = (LogKey, Result<LogText, String>);

/// Routes each event to the radiator and does what it asks: draws, rings, runs, reads.
async fn event_loop(
    terminal: &mut DefaultTerminal,
    config: Config,
    theme: Theme,
    options: &Options,
) -> std::io::Result<()> {
    let mut live = Live::start(config.clone());
    let latest = live.views.borrow_and_update().clone();
    let mut radiator = Radiator::new(
        config,
        theme,
        options.kiosk,
        latest,
        ack::local_user(),
        std::time::Instant::now(),
    );
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut reload_tick = tokio::time::interval(RELOAD_EVERY);
    let mut config_mtime = modified(options.config_path.as_deref());
    let (reload_tx, mut reload_rx) = mpsc::channel(1);
    let mut reload_in_flight = false;
    let (log_tx, mut log_rx) = mpsc::channel::<LogRead>(4);
    let (ack_tx, mut ack_rx) = mpsc::channel::<AckSent>(4);
    // SIGTERM (a supervisor), SIGHUP (the SSH session dropped), SIGINT (kill -INT; Ctrl-C
    // itself arrives as a key in raw mode) and the like end the loop, so the terminal is
    // restored; SIGTSTP suspends with the terminal restored (see `suspend`).
    let mut signals = Signals::new()?;
    loop {
        let effects = radiator.tick(Now::current());
        if perform(
            effects,
            terminal,
            &live,
            &mut signals,
            &log_tx,
            &ack_tx,
            &mut radiator,
        )? {
            return Ok(());
        }
        if let Some(view) = radiator.frame(terminal.get_frame().area()) {
            draw(terminal, &view, radiator.screen(), radiator.theme())?;
        }
        let effects = tokio::select! {
            // Keys first: a key waiting is answered before a new build is taken in.
            biased;
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    crate::panics::inject("key");
                    radiator.key(key, Now::current())
                }
                Some(Ok(Event::Resize(..))) => {
                    terminal.autoresize()?;
                    radiator.redraw_all();
                    Vec::new()
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(err)) => return Err(err),
                None => return Ok(()),
            },
            Some(rang) = live.transitions.recv() => radiator.transitions(rang, Now::current()),
            changed = live.views.changed() => {
                if changed.is_ok() {
                    radiator.build(live.views.borrow_and_update().clone());
                }
                Vec::new()
            }
            Some((key, result)) = log_rx.recv() => {
                radiator.log_read(key, result);
                Vec::new()
            }
            Some((sent, answer)) = ack_rx.recv() => {
                radiator.ack_sent(&sent, answer, Now::current());
                Vec::new()
            }
            _ = tick.tick() => Vec::new(),
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
                Vec::new()
            }
            Some((mtime, edited)) = reload_rx.recv() => {
                reload_in_flight = false;
                match edited {
                    Some(edited) => {
                        config_mtime = mtime;
                        radiator.reloaded(edited)
                    }
                    None => Vec::new(),
                }
            }
            signalled = signals.next(terminal) => match signalled? {
                Signalled::End => return Ok(()),
                Signalled::Redraw => {
                    radiator.redraw_all();
                    Vec::new()
                }
            },
        };
        if perform(
            effects,
            terminal,
            &live,
            &mut signals,
            &log_tx,
            &ack_tx,
            &mut radiator,
        )? {
            return Ok(());
        }
    }
}

/// One synchronized update per frame: the terminal shows it whole or not at all.
fn draw(
    terminal: &mut DefaultTerminal,
    view: &ViewModel,
    screen: &Screen,
    theme: &Theme,
) -> std::io::Result<()> {
    use std::io::Write;
    crossterm::execute!(std::io::stdout(), BeginSynchronizedUpdate)?;
    let frame = terminal.draw(|frame| ui::draw(frame, view, screen, theme))?;
    let link = ui::hyperlink(frame.area, view, screen);
    let mut out = std::io::stdout();
    if let Some(link) = link {
        out.write_all(link.as_bytes())?;
    }
    crossterm::execute!(out, EndSynchronizedUpdate)
}

/// Does what the radiator asked for; true when it asked to quit.
fn perform(
    effects: Vec<Effect>,
    terminal: &mut DefaultTerminal,
    live: &Live,
    signals: &mut Signals,
    logs_read: &mpsc::Sender<LogRead>,
    acks_sent: &mpsc::Sender<AckSent>,
    radiator: &mut Radiator,
) -> std::io::Result<bool> {
    let mut quit = false;
    for effect in effects {
        match effect {
            Effect::Quit => quit = true,
            Effect::Suspend => {
                signals.suspend(terminal)?;
                radiator.redraw_all();
            }
            Effect::Refresh => live.refresh(),
            Effect::Bell => {
                use std::io::Write;
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|()| out.flush());
            }
            Effect::Command {
                command,
                transition,
            } => {
                tokio::spawn(async move { attention::run_command(&command, &transition).await });
            }
            Effect::Reload(config) => live.reload(*config),
            Effect::ShowTrends(shown) => live.show_trends(shown),
            Effect::FetchLog(target) => {
                let done = logs_read.clone();
                tokio::spawn(async move {
                    let result = logs::fetch(&target).await;
                    if let Err(reason) = &result {
                        tracing::warn!("log of {} not read: {reason}", target.title);
                    }
                    let _ = done.send((target.key, result)).await;
                });
            }
            Effect::SendAck(sent) => {
                let done = acks_sent.clone();
                tokio::spawn(async move {
                    let answer = send_ack(&sent).await;
                    if let Err(reason) = &answer {
                        tracing::warn!(
                            "acknowledgement not sent to {}: {reason}",
                            crate::sanitize::redact(&sent.url)
                        );
                    }
                    let _ = done.send((sent, answer)).await;
                });
            }
        }
    }
    Ok(quit)
}

/// An acknowledgement and the collector's answer, or why there is none.
type AckSent = (Box<AckSend>, Result<AckReply, String>);

async fn send_ack(sent: &AckSend) -> Result<AckReply, String> {
    let client = crate::sources::http::client_for(&sent.transport).map_err(|e| e.to_string())?;
    crate::sources::andon::send_acknowledgement(&client, &sent.url, &sent.request)
        .await
        .map_err(|e| e.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

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
        let api = full
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "api")
            .unwrap();
        assert!(acks.toggle(api, "dara", Utc::now()));
        let shown = shown_view(&full, main, "", &acks);
        assert!(!Arc::ptr_eq(&shown, &full), "marked on a copy");
        let api = shown
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "api")
            .unwrap();
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
}
