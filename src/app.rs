//! The interactive radiator: the single owner of state. Waits on keys, source updates and the
//! clock; rebuilds the view model and draws only when it changed.

use std::time::Duration;

use chrono::{DurationRound, Utc};
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::dora::DoraReport;
use crate::model::Timestamp;
use crate::poller;
use crate::state::State;
use crate::ui::{self, Screen, Theme};
use crate::view::{self, ViewModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Refresh,
    Redraw,
    Nothing,
}

/// What a key does to the screen. Pure, so the key map is testable.
pub fn on_key(key: KeyEvent, screen: &mut Screen, pipelines: usize) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::Nothing;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc if screen.help => {
            screen.help = false;
            Action::Redraw
        }
        KeyCode::Esc => Action::Quit,
        KeyCode::Char('?') => {
            screen.help = !screen.help;
            Action::Redraw
        }
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Tab | KeyCode::Char('j') | KeyCode::Down => {
            screen.select_next(pipelines);
            Action::Redraw
        }
        KeyCode::BackTab | KeyCode::Char('k') | KeyCode::Up => {
            screen.select_previous(pipelines);
            Action::Redraw
        }
        _ => Action::Nothing,
    }
}

/// DORA figures change only with the data or the clock's minute; keep them between ticks.
struct DoraCache {
    key: Option<(u64, Timestamp)>,
    report: Option<DoraReport>,
}

impl DoraCache {
    fn get(&mut self, config: &Config, state: &State, now: Timestamp) -> DoraReport {
        let minute = now
            .duration_trunc(chrono::Duration::minutes(1))
            .unwrap_or(now);
        let key = (state.generation, minute);
        if self.key != Some(key) || self.report.is_none() {
            self.report = Some(view::dora_report(config, state, minute));
            self.key = Some(key);
        }
        self.report
            .clone()
            .unwrap_or_else(|| view::dora_report(config, state, minute))
    }
}

fn view_at(config: &Config, state: &State, cache: &mut DoraCache, now: Timestamp) -> ViewModel {
    let mut view = view::build(config, state, cache.get(config, state, now), now);
    // The screen shows minutes; seconds would force a redraw every tick for nothing.
    view.now = now
        .duration_trunc(chrono::Duration::minutes(1))
        .unwrap_or(now);
    view
}

pub async fn run(config: Config, theme: Theme) -> std::io::Result<()> {
    let (update_tx, mut updates) = mpsc::channel(64);
    let (refresh_tx, refresh_rx) = watch::channel(0u64);
    let tasks = poller::spawn(&config, update_tx, refresh_rx);
    // ratatui::init also installs a panic hook that restores the terminal before the message.
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &config, &theme, &mut updates, &refresh_tx).await;
    for task in &tasks {
        task.abort();
    }
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    config: &Config,
    theme: &Theme,
    updates: &mut mpsc::Receiver<poller::Update>,
    refresh: &watch::Sender<u64>,
) -> std::io::Result<()> {
    let mut state = State::new(config);
    let mut screen = Screen::default();
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut cache = DoraCache {
        key: None,
        report: None,
    };
    let mut drawn: Option<(ViewModel, Screen)> = None;
    // SIGTERM (a supervisor), SIGHUP (the SSH session dropped) and SIGINT (kill -INT; Ctrl-C
    // itself arrives as a key in raw mode) all end the loop, so the terminal is restored.
    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hangup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
    loop {
        let view = view_at(config, &state, &mut cache, Utc::now());
        screen.clamp(view.pipelines.len());
        if drawn.as_ref() != Some(&(view.clone(), screen.clone())) {
            terminal.draw(|frame| ui::draw(frame, &view, &screen, theme))?;
            drawn = Some((view.clone(), screen.clone()));
        }
        tokio::select! {
            Some(update) = updates.recv() => state.record(update.index, update.at, update.result),
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => match on_key(key, &mut screen, view.pipelines.len()) {
                    Action::Quit => return Ok(()),
                    Action::Refresh => {
                        refresh.send_modify(|n| *n += 1);
                    }
                    Action::Redraw | Action::Nothing => {}
                },
                Some(Ok(Event::Resize(..))) => {
                    terminal.autoresize()?;
                    drawn = None;
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err),
                None => return Ok(()),
            },
            _ = tick.tick() => {}
            _ = terminate.recv() => return Ok(()),
            _ = hangup.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
        }
    }
}

fn signal(kind: tokio::signal::unix::SignalKind) -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind)
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
    fn r_asks_for_a_refresh() {
        let mut screen = Screen::default();
        assert_eq!(
            on_key(press(KeyCode::Char('r')), &mut screen, 0),
            Action::Refresh
        );
    }
}
