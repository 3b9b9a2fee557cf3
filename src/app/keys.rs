//! The key map: what a key does to the screen, and what it asks of the radiator. Pure, so it
//! is testable without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::ui::{self, Overlay, Screen};

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

/// What a key does to the screen. The open overlay answers first; any key pauses a rotation;
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
    if screen.filtering() {
        return on_filter_key(key, screen, ctrl);
    }
    if let Some(pane) = screen.log_mut() {
        match key.code {
            KeyCode::Esc | KeyCode::Char('l') => screen.overlay = None,
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
    let action = on_board_key(key, screen, pipelines, was_paused);
    if action == Action::Nothing && screen.paused != was_paused {
        return Action::Redraw;
    }
    action
}

/// While the filter is typed every plain key is a letter of it.
fn on_filter_key(key: KeyEvent, screen: &mut Screen, ctrl: bool) -> Action {
    match key.code {
        KeyCode::Enter => screen.overlay = None,
        KeyCode::Esc => {
            screen.overlay = None;
            screen.filter.clear();
        }
        KeyCode::Backspace => {
            screen.filter.pop();
        }
        KeyCode::Char(c) if !ctrl => screen.filter.push(c),
        _ => return Action::Nothing,
    }
    screen.selected = None;
    Action::Redraw
}

/// Opens `overlay`, or closes it when it is the one open.
fn toggle(screen: &mut Screen, overlay: Overlay) -> Action {
    screen.overlay = (screen.overlay.as_ref() != Some(&overlay)).then_some(overlay);
    Action::Redraw
}

/// The keys of the board and of the help, the service table, the trends and the detail.
fn on_board_key(key: KeyEvent, screen: &mut Screen, pipelines: usize, was_paused: bool) -> Action {
    let overlay = screen.overlay.clone();
    match (key.code, &overlay) {
        (KeyCode::Char('q'), _) => Action::Quit,
        (KeyCode::Esc, Some(_)) => {
            screen.overlay = None;
            Action::Redraw
        }
        (KeyCode::Char('s'), Some(Overlay::Services { .. })) => {
            screen.overlay = None;
            Action::Redraw
        }
        (KeyCode::Char('s'), _) => {
            screen.overlay = Some(Overlay::Services { scroll: 0 });
            Action::Redraw
        }
        (KeyCode::Char('j') | KeyCode::Down, Some(Overlay::Services { scroll })) => {
            screen.overlay = Some(Overlay::Services {
                scroll: scroll.saturating_add(1),
            });
            Action::Redraw
        }
        (KeyCode::Char('k') | KeyCode::Up, Some(Overlay::Services { scroll })) => {
            screen.overlay = Some(Overlay::Services {
                scroll: scroll.saturating_sub(1),
            });
            Action::Redraw
        }
        (KeyCode::Char('t'), _) => toggle(screen, Overlay::Trends),
        (KeyCode::Esc, None) if !screen.filter.is_empty() => {
            screen.filter.clear();
            Action::Redraw
        }
        (KeyCode::Esc, None) => Action::Quit,
        (KeyCode::Char('?'), Some(Overlay::Help { .. })) => {
            screen.overlay = None;
            Action::Redraw
        }
        (KeyCode::Char('?'), _) => {
            screen.overlay = Some(Overlay::Help { scroll: 0 });
            Action::Redraw
        }
        (KeyCode::Tab | KeyCode::Char('j') | KeyCode::Down, Some(Overlay::Help { scroll })) => {
            screen.overlay = Some(Overlay::Help {
                scroll: scroll.saturating_add(1),
            });
            Action::Redraw
        }
        (KeyCode::BackTab | KeyCode::Char('k') | KeyCode::Up, Some(Overlay::Help { scroll })) => {
            screen.overlay = Some(Overlay::Help {
                scroll: scroll.saturating_sub(1),
            });
            Action::Redraw
        }
        (KeyCode::Char('r'), _) => Action::Refresh,
        (KeyCode::Char('l'), _) => Action::OpenLog,
        (KeyCode::Char('a'), _) => Action::Acknowledge,
        (KeyCode::Char('/'), _) => {
            screen.overlay = Some(Overlay::Filtering);
            Action::Redraw
        }
        (KeyCode::Char('g'), _) => {
            screen.hide_green = !screen.hide_green;
            Action::Redraw
        }
        (KeyCode::Char(' '), _) => {
            screen.paused = !was_paused;
            Action::Redraw
        }
        (KeyCode::Char('n') | KeyCode::Right, _) => Action::NextPage,
        (KeyCode::Char('p') | KeyCode::Left, _) => Action::PreviousPage,
        (KeyCode::Enter, Some(Overlay::Detail)) => {
            screen.overlay = None;
            Action::Redraw
        }
        (KeyCode::Enter, _) if pipelines > 0 => {
            if screen.selected.is_none() {
                screen.selected = Some(0);
            }
            screen.overlay = Some(Overlay::Detail);
            Action::Redraw
        }
        (KeyCode::Tab | KeyCode::Char('j') | KeyCode::Down, _) => {
            screen.select_next(pipelines);
            Action::Redraw
        }
        (KeyCode::BackTab | KeyCode::Char('k') | KeyCode::Up, _) => {
            screen.select_previous(pipelines);
            Action::Redraw
        }
        _ => Action::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::Page;
    use crossterm::event::KeyModifiers;

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
        assert!(screen.help_scroll().is_some());
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 0), Action::Redraw);
        assert!(screen.help_scroll().is_none());
    }

    #[test]
    fn j_and_k_scroll_the_help_not_the_selection() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Down), &mut screen, 3);
        assert_eq!((screen.help_scroll(), screen.selected), (Some(2), None));
        on_key(press(KeyCode::Char('k')), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        assert_eq!(screen.help_scroll(), Some(0), "never above the top");
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        assert_eq!(screen.help_scroll(), Some(0), "help opens at the top");
    }

    #[test]
    fn s_toggles_the_service_table_and_esc_closes_it_before_quitting() {
        let mut screen = Screen::default();
        assert_eq!(
            on_key(press(KeyCode::Char('s')), &mut screen, 0),
            Action::Redraw
        );
        assert!(screen.services_scroll().is_some());
        on_key(press(KeyCode::Char('s')), &mut screen, 0);
        assert!(screen.services_scroll().is_none());
        on_key(press(KeyCode::Char('s')), &mut screen, 0);
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 0), Action::Redraw);
        assert!(screen.services_scroll().is_none());
        // While a filter is typed, s is a letter.
        on_key(press(KeyCode::Char('/')), &mut screen, 0);
        on_key(press(KeyCode::Char('s')), &mut screen, 0);
        assert_eq!(
            (screen.filter.as_str(), screen.services_scroll().is_some()),
            ("s", false)
        );
    }

    #[test]
    fn j_and_k_scroll_the_service_table_not_the_selection() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Down), &mut screen, 3);
        assert_eq!((screen.services_scroll(), screen.selected), (Some(2), None));
        on_key(press(KeyCode::Char('k')), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        on_key(press(KeyCode::Up), &mut screen, 3);
        assert_eq!(screen.services_scroll(), Some(0), "never above the top");
        on_key(press(KeyCode::Char('j')), &mut screen, 3);
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        assert_eq!(
            screen.services_scroll(),
            Some(0),
            "the table opens at the top"
        );
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
        assert!(screen.filtering());
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
        assert_eq!((screen.filter.as_str(), screen.filtering()), ("pay", false));
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 3), Action::Redraw);
        assert!(screen.filter.is_empty());
    }

    #[test]
    fn enter_opens_the_selected_pipeline_and_esc_closes_it() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Enter), &mut screen, 2);
        assert_eq!((screen.selected, screen.detail()), (Some(0), true));
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 2), Action::Redraw);
        assert!(!screen.detail());
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

    #[test]
    fn one_overlay_is_open_at_a_time_and_esc_closes_it_before_quitting() {
        let mut screen = Screen::default();
        on_key(press(KeyCode::Char('?')), &mut screen, 3);
        on_key(press(KeyCode::Char('s')), &mut screen, 3);
        assert_eq!(screen.overlay, Some(Overlay::Services { scroll: 0 }));
        on_key(press(KeyCode::Char('t')), &mut screen, 3);
        assert!(screen.trends());
        on_key(press(KeyCode::Enter), &mut screen, 3);
        assert!(screen.detail(), "the detail over the trends replaces them");
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 3), Action::Redraw);
        assert_eq!(screen.overlay, None);
        assert_eq!(on_key(press(KeyCode::Esc), &mut screen, 3), Action::Quit);
    }

    #[test]
    fn t_toggles_the_trends_and_q_quits_from_any_overlay_but_the_filter() {
        let mut screen = Screen::default();
        assert_eq!(
            on_key(press(KeyCode::Char('t')), &mut screen, 0),
            Action::Redraw
        );
        assert!(screen.trends());
        on_key(press(KeyCode::Char('t')), &mut screen, 0);
        assert!(!screen.trends());
        for open in ['t', 's', '?'] {
            let mut screen = Screen::default();
            on_key(press(KeyCode::Char(open)), &mut screen, 0);
            assert_eq!(
                on_key(press(KeyCode::Char('q')), &mut screen, 0),
                Action::Quit,
                "{open}"
            );
        }
        let mut typing = Screen {
            overlay: Some(Overlay::Filtering),
            ..Screen::default()
        };
        on_key(press(KeyCode::Char('q')), &mut typing, 0);
        assert_eq!(typing.filter, "q");
    }
}
