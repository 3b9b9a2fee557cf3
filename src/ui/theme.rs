//! Colours. Status never relies on colour alone: glyphs and words carry it too.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::view::{AndonState, PipelineStatus};

const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    passing: String,
    failing: String,
    unknown: String,
    stale: String,
    building: String,
    accent: String,
    muted: String,
    banner_text: String,
    banner_green: String,
    banner_red: String,
    banner_unknown: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub passing: Color,
    pub failing: Color,
    pub unknown: Color,
    pub stale: Color,
    pub building: Color,
    pub accent: Color,
    pub muted: Color,
    pub banner_text: Color,
    pub banner_green: Color,
    pub banner_red: Color,
    pub banner_unknown: Color,
    /// No colours at all (NO_COLOR): emphasis by bold and reverse video only.
    pub monochrome: bool,
}

impl Theme {
    pub fn default_theme() -> Theme {
        Theme::parse(DEFAULT_THEME).unwrap_or_else(|_| Theme::monochrome())
    }

    pub fn parse(text: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let colour =
            |value: &str| Color::from_str(value).map_err(|_| format!("{value:?} is not a colour"));
        Ok(Theme {
            passing: colour(&file.passing)?,
            failing: colour(&file.failing)?,
            unknown: colour(&file.unknown)?,
            stale: colour(&file.stale)?,
            building: colour(&file.building)?,
            accent: colour(&file.accent)?,
            muted: colour(&file.muted)?,
            banner_text: colour(&file.banner_text)?,
            banner_green: colour(&file.banner_green)?,
            banner_red: colour(&file.banner_red)?,
            banner_unknown: colour(&file.banner_unknown)?,
            monochrome: false,
        })
    }

    pub fn monochrome() -> Theme {
        Theme {
            passing: Color::Reset,
            failing: Color::Reset,
            unknown: Color::Reset,
            stale: Color::Reset,
            building: Color::Reset,
            accent: Color::Reset,
            muted: Color::Reset,
            banner_text: Color::Reset,
            banner_green: Color::Reset,
            banner_red: Color::Reset,
            banner_unknown: Color::Reset,
            monochrome: true,
        }
    }

    /// The default theme, or monochrome when NO_COLOR is set to anything non-empty.
    pub fn from_environment() -> Theme {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            Theme::monochrome()
        } else {
            Theme::default_theme()
        }
    }

    fn fg(&self, colour: Color) -> Style {
        if self.monochrome {
            Style::default()
        } else {
            Style::default().fg(colour)
        }
    }

    pub fn status(&self, status: PipelineStatus) -> Style {
        let style = self.fg(match status {
            PipelineStatus::Passing => self.passing,
            PipelineStatus::Failing => self.failing,
            PipelineStatus::Unknown => self.unknown,
            PipelineStatus::Stale => self.stale,
        });
        if status == PipelineStatus::Failing {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    pub fn building(&self) -> Style {
        self.fg(self.building)
    }

    pub fn accent(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    pub fn muted(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            self.fg(self.muted)
        }
    }

    pub fn banner(&self, state: AndonState) -> Style {
        if self.monochrome {
            let style = Style::default().add_modifier(Modifier::BOLD);
            return if state == AndonState::Green {
                style
            } else {
                style.add_modifier(Modifier::REVERSED)
            };
        }
        let background = match state {
            AndonState::Green => self.banner_green,
            AndonState::Red => self.banner_red,
            AndonState::Unknown => self.banner_unknown,
        };
        Style::default()
            .fg(self.banner_text)
            .bg(background)
            .add_modifier(Modifier::BOLD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_theme_parses() {
        let theme = Theme::parse(DEFAULT_THEME).unwrap();
        assert_eq!(theme.failing, Color::Red);
        assert!(!theme.monochrome);
    }

    #[test]
    fn a_bad_colour_is_named() {
        let bad = DEFAULT_THEME.replace("passing = \"green\"", "passing = \"greenish\"");
        assert!(Theme::parse(&bad).unwrap_err().contains("greenish"));
    }
}
