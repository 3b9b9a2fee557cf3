//! Colours. Status never relies on colour alone: glyphs and words carry it too.

use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The largest theme file read (the built-ins are about 2 KiB).
const MAX_THEME_FILE: u64 = 256 * 1024;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::view::{AndonState, PipelineStatus};

const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

/// The themes built into the binary, by name.
pub const BUILT_IN: [(&str, &str); 6] = [
    ("default", DEFAULT_THEME),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colourblind", include_str!("../../themes/colourblind.toml")),
    ("ansi", include_str!("../../themes/ansi.toml")),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

/// `$XDG_CONFIG_HOME/andon/themes` (`~/.config/andon/themes`): `NAME.toml` there adds or overrides
/// a theme.
pub fn user_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .map(|base| base.join("andon").join("themes"))
}

/// Whether NO_COLOR is set to anything non-empty.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

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
    #[serde(default)]
    monochrome: bool,
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
            monochrome: file.monochrome,
        })
    }

    /// A theme by name: the user's themes folder first, then the built-ins. "colorblind" is
    /// accepted for "colourblind".
    pub fn named(name: &str, user_dir: Option<&Path>) -> Result<Theme, String> {
        let name = match name.trim() {
            "colorblind" => "colourblind",
            other => other,
        };
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            // Bounded: a theme that is a FIFO, a device or on a hung mount is an error, not a hang.
            match crate::files::read_text(&path, MAX_THEME_FILE, crate::files::READ_TIMEOUT) {
                Ok(text) => {
                    return Theme::parse(&text).map_err(|e| format!("{}: {e}", path.display()));
                }
                Err(e) if e == crate::files::MISSING => {}
                Err(e) => return Err(format!("cannot read theme {}: {e}", path.display())),
            }
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Theme::parse(text).map_err(|e| format!("theme {name}: {e}")),
            None => Err(format!(
                "unknown theme {name:?}; built in: {}{}",
                BUILT_IN.map(|(n, _)| n).join(", "),
                user_dir.map_or(String::new(), |d| format!(
                    ", or add {}/{name}.toml",
                    d.display()
                ))
            )),
        }
    }

    /// The theme to use: NO_COLOR wins over everything, then `--theme`, then `[display] theme`.
    pub fn resolve(cli: Option<&str>, config: Option<&str>) -> Result<Theme, String> {
        if no_color() {
            return Ok(Theme::monochrome());
        }
        Theme::named(cli.or(config).unwrap_or("default"), user_dir().as_deref())
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
        if no_color() {
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

    /// A border that needs attention: bold in every theme, so it reads without colour too.
    pub fn border(&self, status: PipelineStatus) -> Style {
        match status {
            PipelineStatus::Passing => self.muted(),
            other => self.status(other),
        }
    }

    /// The escalated line: red, inverted, so it differs from a line just stopped in every
    /// theme, with or without colour.
    pub fn escalated(&self) -> Style {
        if self.monochrome {
            return Style::default()
                .add_modifier(Modifier::BOLD | Modifier::REVERSED | Modifier::UNDERLINED);
        }
        Style::default()
            .fg(self.banner_red)
            .bg(self.banner_text)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
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
    fn every_built_in_theme_parses_and_only_monochrome_is_monochrome() {
        for (name, _) in BUILT_IN {
            let theme = Theme::named(name, None).unwrap();
            assert_eq!(theme.monochrome, name == "monochrome", "{name}");
        }
        assert_eq!(
            Theme::named("colorblind", None),
            Theme::named("colourblind", None)
        );
        let err = Theme::named("solarised", None).unwrap_err();
        assert!(
            err.contains("solarised") && err.contains("high-contrast"),
            "{err}"
        );
    }

    #[test]
    fn colourblind_never_uses_red_or_green_for_status() {
        let theme = Theme::named("colourblind", None).unwrap();
        for colour in [
            theme.passing,
            theme.failing,
            theme.banner_green,
            theme.banner_red,
        ] {
            assert!(
                ![Color::Red, Color::Green, Color::LightRed, Color::LightGreen].contains(&colour),
                "{colour:?}"
            );
        }
    }

    #[test]
    fn ansi_uses_only_the_terminals_16_colours() {
        let theme = Theme::named("ansi", None).unwrap();
        for colour in [
            theme.passing,
            theme.failing,
            theme.unknown,
            theme.stale,
            theme.building,
            theme.accent,
            theme.muted,
            theme.banner_text,
            theme.banner_green,
            theme.banner_red,
            theme.banner_unknown,
        ] {
            assert!(
                !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                "{colour:?}"
            );
        }
    }

    #[test]
    fn a_user_theme_overrides_and_adds() {
        let dir = tempfile::tempdir().unwrap();
        let mine = DEFAULT_THEME.replace("passing = \"green\"", "passing = \"#123456\"");
        std::fs::write(dir.path().join("mine.toml"), mine).unwrap();
        let theme = Theme::named("mine", Some(dir.path())).unwrap();
        assert_eq!(theme.passing, Color::Rgb(0x12, 0x34, 0x56));
        std::fs::write(dir.path().join("broken.toml"), "passing = 1").unwrap();
        let err = Theme::named("broken", Some(dir.path())).unwrap_err();
        assert!(err.contains("broken.toml"), "{err}");
    }

    #[test]
    fn a_bad_colour_is_named() {
        let bad = DEFAULT_THEME.replace("passing = \"green\"", "passing = \"greenish\"");
        assert!(Theme::parse(&bad).unwrap_err().contains("greenish"));
    }
}
