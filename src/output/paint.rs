//! ANSI colouring of the text report in the theme's colours.

use ratatui::style::{Color, Modifier, Style};

use crate::ui::Theme;
use crate::view::{AndonState, PipelineStatus};

/// ANSI colouring for the text output in the theme's colours; None for pipes and under NO_COLOR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paint(pub Option<Theme>);

/// The SGR parameters for a ratatui colour: the 16 named colours as the terminal's own palette.
fn sgr(colour: Color, background: bool) -> Option<String> {
    let base = if background { 40 } else { 30 };
    let named = |n: u8| Some((base + n as u16).to_string());
    let bright = |n: u8| Some((base + 60 + n as u16).to_string());
    match colour {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Indexed(i) => Some(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", base + 8)),
    }
}

impl Paint {
    fn apply(self, style: Style, text: &str) -> String {
        if self.0.is_none() {
            return text.to_string();
        }
        let mut codes: Vec<String> = Vec::new();
        if style.add_modifier.contains(Modifier::BOLD) {
            codes.push("1".into());
        }
        if style.add_modifier.contains(Modifier::REVERSED) {
            codes.push("7".into());
        }
        codes.extend(style.fg.and_then(|c| sgr(c, false)));
        codes.extend(style.bg.and_then(|c| sgr(c, true)));
        if codes.is_empty() {
            return text.to_string();
        }
        format!("\x1b[{}m{text}\x1b[0m", codes.join(";"))
    }

    pub(super) fn status(self, status: PipelineStatus, text: &str) -> String {
        match self.0 {
            Some(theme) => self.apply(theme.status(status), text),
            None => text.to_string(),
        }
    }

    pub(super) fn andon(self, state: AndonState, text: &str) -> String {
        match self.0 {
            Some(theme) => self.apply(theme.banner(state), text),
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_uses_the_theme_and_nothing_without_one() {
        let ansi = Paint(Some(Theme::named("ansi", None).unwrap()));
        assert_eq!(
            ansi.status(PipelineStatus::Passing, "ok"),
            "\u{1b}[32mok\u{1b}[0m"
        );
        let blind = Paint(Some(Theme::named("colourblind", None).unwrap()));
        assert!(
            blind
                .status(PipelineStatus::Failing, "x")
                .contains("38;2;230;159;0")
        );
        let mono = Paint(Some(Theme::monochrome()));
        assert_eq!(mono.andon(AndonState::Red, "x"), "\u{1b}[1;7mx\u{1b}[0m");
        assert_eq!(Paint(None).status(PipelineStatus::Failing, "x"), "x");
    }
}
