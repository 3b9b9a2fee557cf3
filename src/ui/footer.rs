//! Each source's freshness, and the keys (or, on a wall, how fresh the screen is).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Screen, Theme};
use crate::state::Freshness;
use crate::view::{PipelineStatus, ViewModel};

const KEYS: &str = "/ find  ⏎ open  s services  ? help  q quit ";
/// While the line is stopped, the keys that say why and who is on it come first.
const RED_KEYS: &str = "l log  a on it  s services  ? help  q quit ";
const LOG_KEYS: &str = "j k scroll  Esc close ";
const FILTER_KEYS: &str = "⏎ apply  Esc clear ";

/// "updated 12s ago", "updated 3 min ago", or "no update yet".
pub fn updated(ago: Option<u64>) -> String {
    match ago {
        None => "no update yet ".to_string(),
        Some(s) if s < 90 => format!("updated {s}s ago "),
        Some(s) => format!("updated {} ago ", crate::format::duration(s as f64)),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &ViewModel, screen: &Screen, theme: &Theme) {
    let right_text = if screen.filtering() {
        FILTER_KEYS.to_string()
    } else if screen.kiosk {
        updated(screen.updated_ago)
    } else if screen.log().is_some() {
        LOG_KEYS.to_string()
    } else if view.andon.state == crate::view::AndonState::Red {
        RED_KEYS.to_string()
    } else {
        KEYS.to_string()
    };
    // A space before the hints, so a source line cut at its edge never runs into them.
    let right_text = format!(" {right_text}");
    let [left, right] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(right_text.chars().count() as u16),
    ])
    .areas(area);
    if screen.filtering() {
        let line = Line::from(vec![
            Span::styled(" / ", theme.accent()),
            Span::raw(format!("{}█", screen.filter)),
        ]);
        frame.render_widget(Paragraph::new(line), left);
    } else {
        let full: usize = view
            .sources
            .iter()
            .map(|s| source_text(s).chars().count() + 4)
            .sum::<usize>()
            + 1;
        if full > usize::from(left.width) && view.sources.len() > 1 {
            let (text, worst) = summary(view);
            let style = match worst {
                Freshness::Ok => theme.status(PipelineStatus::Passing),
                Freshness::Pending => theme.muted(),
                Freshness::Stale => theme.status(PipelineStatus::Stale),
                Freshness::Error => theme.status(PipelineStatus::Failing),
            };
            // Then why, for as many of the troubled sources as the line holds.
            let mut text = format!(" {text}");
            for source in view.sources.iter().filter(|s| standing(s) != Freshness::Ok) {
                text.push_str(&format!(" · {}", source_text(source)));
            }
            let text = super::fit(&text, usize::from(left.width));
            frame.render_widget(Paragraph::new(Span::styled(text, style)), left);
            frame.render_widget(
                Paragraph::new(Span::styled(right_text, theme.muted())),
                right,
            );
            return;
        }
        let mut spans = vec![Span::raw(" ")];
        let mut room = usize::from(left.width).saturating_sub(1);
        for source in &view.sources {
            let (glyph, style) = match standing(source) {
                Freshness::Ok => ("●", theme.status(PipelineStatus::Passing)),
                Freshness::Pending => ("…", theme.muted()),
                Freshness::Stale => ("⌛", theme.status(PipelineStatus::Stale)),
                Freshness::Error => ("✗", theme.status(PipelineStatus::Failing)),
            };
            // A line longer than the room is cut with an ellipsis, never mid-word unmarked.
            let text = super::fit(&format!("{glyph} {}", source_text(source)), room);
            room = room.saturating_sub(text.chars().count() + 2);
            spans.push(Span::styled(text, style));
            spans.push(Span::raw("  "));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), left);
    }
    frame.render_widget(
        Paragraph::new(Span::styled(right_text, theme.muted())),
        right,
    );
}

/// "gocd error 3m: connection refused", "jenkins stale 12m", "demo ok 02:30:57".
fn source_text(source: &crate::view::SourceView) -> String {
    let mut text = format!("{} {}", source.name, source.summary);
    if let (Freshness::Ok, Some(at)) = (source.state, source.last_success) {
        text.push_str(&format!(" {}", at.format("%H:%M:%S")));
    }
    text
}

/// How the footer shows a source: a rate-limited one waits like a stale one, not as dead.
fn standing(source: &crate::view::SourceView) -> Freshness {
    match source.rate_limited_until() {
        Some(_) => Freshness::Stale,
        None => source.state,
    }
}

/// When every source's line does not fit: "8 sources: 7 ok, 1 error: gh_docs", naming the
/// sources that are not ok (worst first), and the worst state for the colour.
pub fn summary(view: &ViewModel) -> (String, Freshness) {
    let order = [
        (Freshness::Ok, "ok"),
        (Freshness::Error, "error"),
        (Freshness::Stale, "paced"),
        (Freshness::Stale, "stale"),
        (Freshness::Pending, "pending"),
    ];
    let mut parts = Vec::new();
    let mut worst = Freshness::Ok;
    for (state, word) in order {
        let names: Vec<&str> = view
            .sources
            .iter()
            .filter(|s| standing(s) == state && s.state_word() == word)
            .map(|s| s.name.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        if rank(state) > rank(worst) {
            worst = state;
        }
        if state == Freshness::Ok {
            parts.push(format!("{} {word}", names.len()));
        } else {
            parts.push(format!("{} {word}: {}", names.len(), names.join(", ")));
        }
    }
    (
        format!("{} sources: {}", view.sources.len(), parts.join(", ")),
        worst,
    )
}

fn rank(state: Freshness) -> u8 {
    match state {
        Freshness::Ok => 0,
        Freshness::Pending => 1,
        Freshness::Stale => 2,
        Freshness::Error => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{Cause, SourceError};
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_rate_limited_source_is_counted_as_paced_not_as_an_error() {
        let config = crate::setup::parse(
            "[[source]]\nname = \"gh\"\nkind = \"demo\"\n\
             [[source]]\nname = \"ci\"\nkind = \"demo\"\n\
             [[source]]\nname = \"up\"\nkind = \"demo\"\n",
            "t.toml",
        )
        .unwrap();
        let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut state = crate::state::State::new(&config);
        let until = now + chrono::Duration::seconds(600);
        // Words that say nothing of a rate limit: the cause decides.
        state.record(
            0,
            now,
            Err(SourceError::of(Cause::RateLimited { until }, "slow down")),
        );
        state.record(1, now, Err(SourceError::of(Cause::Network, "HTTP 429")));
        state.record(2, now, Ok(crate::model::Snapshot::default()));
        let view = crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        );
        let (text, worst) = summary(&view);
        assert_eq!(text, "3 sources: 1 ok, 1 error: ci, 1 paced: gh");
        assert_eq!(worst, Freshness::Error);
        assert_eq!(standing(&view.sources[0]), Freshness::Stale);
        assert_eq!(standing(&view.sources[1]), Freshness::Error);
    }

    #[test]
    fn a_long_source_line_is_cut_with_an_ellipsis_and_kept_apart_from_the_hints() {
        let config = crate::setup::parse(
            "[[source]]\nname = \"dead\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:9/cc.xml\"\n",
            "t.toml",
        )
        .unwrap();
        let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut state = crate::state::State::new(&config);
        let words = "connection refused by a server that explains itself at length";
        state.record(0, now, Err(SourceError::of(Cause::Network, words)));
        let view = crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        );
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 1)).unwrap();
        terminal
            .draw(|frame| {
                draw(
                    frame,
                    frame.area(),
                    &view,
                    &Screen::default(),
                    &Theme::default_theme(),
                )
            })
            .unwrap();
        let line: String = terminal
            .backend()
            .buffer()
            .content
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        let hints = line.find(KEYS.trim_end()).expect("the hints are shown");
        let before = line[..hints].trim_end();
        assert!(before.ends_with('…'), "cut without a mark: {line:?}");
        assert!(
            line[..hints].ends_with(' '),
            "runs into the hints: {line:?}"
        );
    }
}
