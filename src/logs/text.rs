//! Raw log bytes -> lines fit for a terminal: control sequences removed, plain SGR colours kept
//! as styles, carriage-return rewrites applied, CI markers (`##[group]`, `section_start:`)
//! turned into readable lines, secrets redacted and error-looking lines flagged. Pure.

use ratatui::style::{Color, Modifier, Style};

use super::redact;

/// Longest line kept, in characters; the rest of a longer line is dropped.
pub const MAX_LINE_CHARS: usize = 2_000;
/// Longest control sequence read before it is given up as garbage.
const MAX_SEQUENCE: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogLine {
    pub spans: Vec<Span>,
    /// The line looks like the error: `##[error]`, `error:`, `FAILED`, a panic, a traceback.
    pub error: bool,
}

impl LogLine {
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// A log's tail, cleaned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogText {
    pub lines: Vec<LogLine>,
    /// Only the end of the log was read; the first line shown may be its middle.
    pub cut: bool,
}

impl LogText {
    /// Index of the last error-looking line, where a reader should land.
    pub fn last_error(&self) -> Option<usize> {
        self.lines.iter().rposition(|l| l.error)
    }
}

/// Cleans `raw`. `cut` says the bytes are a tail: the first, partial line is dropped.
/// `secrets` are redacted wherever they occur, besides the usual token shapes.
pub fn clean(raw: &[u8], cut: bool, secrets: &[&str]) -> LogText {
    let text = String::from_utf8_lossy(raw);
    let mut body: &str = &text;
    if cut {
        body = match body.find('\n') {
            Some(newline) => &body[newline + 1..],
            None => "",
        };
    }
    let mut terminal = Terminal::default();
    let mut lines = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => terminal.escape(&mut chars),
            '\n' => {
                if let Some(line) = finish(terminal.take_line(), secrets) {
                    lines.push(line);
                }
            }
            '\r' => terminal.cursor = 0,
            '\t' if !terminal.hidden => {
                let to = ((terminal.cursor / 8 + 1) * 8).min(MAX_LINE_CHARS);
                while terminal.cursor < to {
                    terminal.put(' ');
                }
            }
            '\x08' => terminal.cursor = terminal.cursor.saturating_sub(1),
            c if is_dropped(c) => {}
            c => terminal.put(c),
        }
    }
    if let Some(line) = finish(terminal.take_line(), secrets) {
        lines.push(line);
    }
    while lines
        .last()
        .is_some_and(|l: &LogLine| l.text().trim().is_empty())
    {
        lines.pop();
    }
    LogText { lines, cut }
}

/// A server's string as one safe line: controls gone, secrets masked, only its first line.
pub fn one_line(text: &str, secrets: &[&str]) -> String {
    clean(text.as_bytes(), false, secrets)
        .lines
        .first()
        .map(LogLine::text)
        .unwrap_or_default()
}

/// C0 and C1 controls, DEL, and the bidirectional overrides that can make a line read
/// differently from what it holds.
fn is_dropped(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One line being written, with a cursor, so `\r` rewrites and `ESC[K` erases as a terminal
/// would: progress bars leave their last state, GitLab's section headers their title.
#[derive(Default)]
struct Terminal {
    cells: Vec<(char, Style)>,
    cursor: usize,
    style: Style,
    hidden: bool,
}

impl Terminal {
    fn put(&mut self, c: char) {
        if self.hidden || self.cursor >= MAX_LINE_CHARS {
            return;
        }
        if self.cursor < self.cells.len() {
            self.cells[self.cursor] = (c, self.style);
        } else {
            self.cells.push((c, self.style));
        }
        self.cursor += 1;
    }

    fn take_line(&mut self) -> Vec<(char, Style)> {
        self.cursor = 0;
        std::mem::take(&mut self.cells)
    }

    fn escape(&mut self, chars: &mut std::iter::Peekable<std::str::Chars>) {
        match chars.next() {
            Some('[') => {
                let mut sequence = String::new();
                for c in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&c) {
                        self.control(&sequence, c);
                        return;
                    }
                    if sequence.len() >= MAX_SEQUENCE || c.is_control() {
                        return;
                    }
                    sequence.push(c);
                }
            }
            // OSC, DCS, APC (Buildkite's timestamps), PM, SOS: strings up to BEL or ESC \.
            Some(']' | 'P' | '_' | '^' | 'X') => {
                let mut read = 0;
                while let Some(c) = chars.next() {
                    read += 1;
                    if c == '\x07' || read > 4 * MAX_SEQUENCE {
                        return;
                    }
                    if c == '\x1b' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        return;
                    }
                }
            }
            // Two-byte escapes (ESC 7, ESC =, charset selection's third byte is ordinary text).
            _ => {}
        }
    }

    fn control(&mut self, params: &str, last: char) {
        match last {
            'm' => self.sgr(params),
            'K' => match params {
                "" | "0" => self.cells.truncate(self.cursor),
                "2" => {
                    self.cells.clear();
                }
                _ => {}
            },
            'G' => {
                let column: usize = params.parse().unwrap_or(1);
                self.cursor = column.saturating_sub(1).min(MAX_LINE_CHARS);
            }
            _ => {}
        }
    }

    fn sgr(&mut self, params: &str) {
        if params.contains(|c: char| !c.is_ascii_digit() && c != ';' && c != ':') {
            return;
        }
        let codes: Vec<u16> = params
            .split([';', ':'])
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let mut i = 0;
        while i < codes.len() {
            let code = codes[i];
            match code {
                0 => {
                    self.style = Style::default();
                    self.hidden = false;
                }
                1 => self.style = self.style.add_modifier(Modifier::BOLD),
                2 => self.style = self.style.add_modifier(Modifier::DIM),
                3 => self.style = self.style.add_modifier(Modifier::ITALIC),
                4 => self.style = self.style.add_modifier(Modifier::UNDERLINED),
                7 => self.style = self.style.add_modifier(Modifier::REVERSED),
                8 => self.hidden = true,
                22 => self.style = self.style.remove_modifier(Modifier::BOLD | Modifier::DIM),
                23 => self.style = self.style.remove_modifier(Modifier::ITALIC),
                24 => self.style = self.style.remove_modifier(Modifier::UNDERLINED),
                27 => self.style = self.style.remove_modifier(Modifier::REVERSED),
                28 => self.hidden = false,
                30..=37 => self.style = self.style.fg(basic(code - 30)),
                39 => self.style.fg = None,
                40..=47 => self.style = self.style.bg(basic(code - 40)),
                49 => self.style.bg = None,
                90..=97 => self.style = self.style.fg(bright(code - 90)),
                100..=107 => self.style = self.style.bg(bright(code - 100)),
                38 | 48 => {
                    let (color, used) = extended(&codes[i + 1..]);
                    if let Some(color) = color {
                        self.style = if code == 38 {
                            self.style.fg(color)
                        } else {
                            self.style.bg(color)
                        };
                    }
                    i += used;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

fn basic(n: u16) -> Color {
    [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
    ][usize::from(n.min(7))]
}

fn bright(n: u16) -> Color {
    [
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ][usize::from(n.min(7))]
}

/// `5;n` or `2;r;g;b` after 38 or 48: the colour and how many codes it took.
fn extended(rest: &[u16]) -> (Option<Color>, usize) {
    match rest {
        [5, n, ..] => (u8::try_from(*n).ok().map(Color::Indexed), 2),
        [2, r, g, b, ..] => {
            let channel = |v: u16| u8::try_from(v).ok();
            let color = match (channel(*r), channel(*g), channel(*b)) {
                (Some(r), Some(g), Some(b)) => Some(Color::Rgb(r, g, b)),
                _ => None,
            };
            (color, 4)
        }
        _ => (None, rest.len()),
    }
}

/// A written line -> a log line: CI markers read, secrets redacted, errors flagged. None for
/// lines that carry only markup (`##[endgroup]`, GitLab's `section_end:`).
fn finish(cells: Vec<(char, Style)>, secrets: &[&str]) -> Option<LogLine> {
    let mut cells = cells;
    strip_timestamp(&mut cells);
    let plain: String = cells.iter().map(|(c, _)| *c).collect();
    let mut error = false;
    if let Some(rest) = plain.strip_prefix("##[") {
        let (marker, _) = rest.split_once(']')?;
        let skip = marker.chars().count() + 4;
        let label = match marker {
            "endgroup" => return None,
            "group" => "▸ ",
            "error" => {
                error = true;
                "Error: "
            }
            "warning" => "Warning: ",
            "notice" => "Notice: ",
            _ => "",
        };
        let style = if marker == "group" {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        let mut replaced: Vec<(char, Style)> = label.chars().map(|c| (c, style)).collect();
        replaced.extend(cells.into_iter().skip(skip));
        cells = replaced;
    } else if is_section_marker(&plain) {
        return None;
    }
    let plain: String = cells.iter().map(|(c, _)| *c).collect();
    for range in redact::find(&plain, secrets) {
        let start = plain[..range.start].chars().count();
        let len = plain[range.clone()].chars().count();
        let style = cells.get(start).map(|(_, s)| *s).unwrap_or_default();
        let mask: Vec<(char, Style)> = redact::MASK.chars().map(|c| (c, style)).collect();
        cells.splice(start..start + len, mask);
    }
    let plain: String = cells.iter().map(|(c, _)| *c).collect();
    let error = error || looks_like_error(&plain);
    Some(LogLine {
        spans: spans_of(&cells),
        error,
    })
}

/// GitHub prefixes each line with `2024-03-01T20:34:05.7910724Z `; the screen has no room.
fn strip_timestamp(cells: &mut Vec<(char, Style)>) {
    let shape = |i: usize, c: char| match i {
        4 | 7 => c == '-',
        10 => c == 'T',
        13 | 16 => c == ':',
        _ => c.is_ascii_digit(),
    };
    if cells.len() < 20
        || !cells
            .iter()
            .take(19)
            .enumerate()
            .all(|(i, (c, _))| shape(i, *c))
    {
        return;
    }
    let mut end = 19;
    if cells.get(end).map(|c| c.0) == Some('.') {
        end += 1;
        while cells.get(end).is_some_and(|c| c.0.is_ascii_digit()) {
            end += 1;
        }
    }
    if cells.get(end).map(|c| c.0) != Some('Z') {
        return;
    }
    end += 1;
    if cells.get(end).map(|c| c.0) == Some(' ') {
        end += 1;
    }
    cells.drain(..end);
}

/// GitLab's `section_start:1560896352:name[collapsed=true]` and `section_end:...` lines that
/// carry nothing else once the `\r` and `ESC[0K` around them are applied.
fn is_section_marker(plain: &str) -> bool {
    let rest = plain
        .strip_prefix("section_start:")
        .or_else(|| plain.strip_prefix("section_end:"));
    let Some(rest) = rest else {
        return false;
    };
    let Some((time, name)) = rest.split_once(':') else {
        return false;
    };
    !time.is_empty()
        && time.chars().all(|c| c.is_ascii_digit())
        && !name.contains(char::is_whitespace)
}

fn spans_of(cells: &[(char, Style)]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for &(c, style) in cells {
        match spans.last_mut() {
            Some(last) if last.style == style => last.text.push(c),
            _ => spans.push(Span {
                text: c.to_string(),
                style,
            }),
        }
    }
    spans
}

/// Words that mark a failure, unless a zero or "no" counts them ("0 failures", "no errors").
const ERROR_WORDS: [&str; 10] = [
    "error",
    "errors",
    "failed",
    "failure",
    "failures",
    "fatal",
    "panicked",
    "exception",
    "traceback",
    "err!",
];

pub fn looks_like_error(line: &str) -> bool {
    // Test runners' verdicts: jest's "FAIL src/x.test.ts", go's "--- FAIL: TestX".
    let trimmed = line.trim_start();
    if trimmed.starts_with("FAIL ")
        || trimmed.starts_with("FAIL:")
        || trimmed.starts_with("--- FAIL")
    {
        return true;
    }
    let lower = line.to_lowercase();
    if lower.contains("exit code") || lower.contains("exit status") {
        let code = lower
            .rsplit(|c: char| !c.is_ascii_digit())
            .find(|w| !w.is_empty());
        if code.is_some_and(|c| c != "0") {
            return true;
        }
    }
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '!' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, word)| {
        ERROR_WORDS.contains(word)
            && !(i > 0 && matches!(words[i - 1], "0" | "no" | "without" | "if" | "on"))
            && !(i + 1 < words.len() && matches!(words[i + 1], "0" | "false"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(log: &LogText) -> Vec<String> {
        log.lines.iter().map(LogLine::text).collect()
    }

    #[test]
    fn sgr_colours_become_styles_and_the_codes_go() {
        let log = clean(b"\x1b[31;1mboom\x1b[0m after\n", false, &[]);
        assert_eq!(texts(&log), ["boom after"]);
        let spans = &log.lines[0].spans;
        assert_eq!(spans[0].style.fg, Some(Color::Red));
        assert!(spans[0].style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(spans[1].style, Style::default());
    }

    #[test]
    fn extended_colours_and_odd_codes_are_read_or_ignored_safely() {
        let log = clean(
            b"\x1b[38;5;208mA\x1b[48;2;1;2;3mB\x1b[38;2;999;0;0mC\x1b[38;5m\n",
            false,
            &[],
        );
        assert_eq!(texts(&log), ["ABC"]);
        assert_eq!(log.lines[0].spans[0].style.fg, Some(Color::Indexed(208)));
        assert_eq!(log.lines[0].spans[1].style.bg, Some(Color::Rgb(1, 2, 3)));
    }

    #[test]
    fn other_controls_are_removed_not_interpreted() {
        let raw = b"a\x1b]8;;http://x\x07link\x1b]8;;\x1b\\b\x1b[2J\x1b[10;5H\x07c\x00\x7f\x1b_bk;t=1\x07d\x1b7e\n";
        assert_eq!(texts(&clean(raw, false, &[])), ["alinkbcde"]);
        let bidi = "safe\u{202e}txt.exe\u{2066}\n";
        assert_eq!(texts(&clean(bidi.as_bytes(), false, &[])), ["safetxt.exe"]);
    }

    #[test]
    fn carriage_returns_rewrite_the_line_and_crlf_keeps_it() {
        let raw = b"progress 10%\rprogress 100%\nline one\r\nx\x1b[0Kabc\rZ\x1b[K\n";
        assert_eq!(
            texts(&clean(raw, false, &[])),
            ["progress 100%", "line one", "Z"]
        );
    }

    #[test]
    fn hidden_text_is_dropped() {
        // Jenkins console notes are concealed with SGR 8.
        let raw = b"\x1b[8mha:////4JKsecret\x1b[0m[Pipeline] sh\n";
        assert_eq!(texts(&clean(raw, false, &[])), ["[Pipeline] sh"]);
    }

    #[test]
    fn github_markers_and_timestamps() {
        let raw = b"2022-06-20T09:28:12.2827344Z ##[group]Run make\n\
                    2022-06-20T09:28:12.2827344Z make\n\
                    2022-06-20T09:28:12.2827344Z ##[endgroup]\n\
                    2022-06-20T09:28:13.1Z ##[error]Process completed with exit code 2.\n";
        let log = clean(raw, false, &[]);
        assert_eq!(
            texts(&log),
            [
                "▸ Run make",
                "make",
                "Error: Process completed with exit code 2."
            ]
        );
        assert_eq!(log.last_error(), Some(2));
    }

    #[test]
    fn gitlab_section_markers_leave_their_titles() {
        let raw = b"\x1b[0Ksection_start:1560896352:step_script[collapsed=true]\r\x1b[0K\x1b[32;1mExecuting step\x1b[0;m\n\
                    $ make\n\
                    \x1b[0Ksection_end:1560896353:step_script\r\x1b[0K\n\
                    section_start:1522927103:prepare_script\n";
        assert_eq!(texts(&clean(raw, false, &[])), ["Executing step", "$ make"]);
    }

    #[test]
    fn a_cut_log_drops_its_partial_first_line_and_bad_utf8_is_replaced() {
        let log = clean(b"tail of a line\nwhole\xff line\n", true, &[]);
        assert_eq!(texts(&log), ["whole\u{fffd} line"]);
        assert!(log.cut);
    }

    #[test]
    fn long_lines_and_endless_sequences_are_bounded() {
        let mut raw = vec![b'x'; MAX_LINE_CHARS * 3];
        raw.extend_from_slice(b"\n\x1b[");
        raw.extend(std::iter::repeat_n(b'1', 100_000));
        raw.extend_from_slice(b"mtail\n");
        let log = clean(&raw, false, &[]);
        assert_eq!(log.lines[0].text().len(), MAX_LINE_CHARS);
        assert!(log.lines.len() <= 3);
    }

    #[test]
    fn tabs_expand_and_end_at_the_line_cap_or_in_hidden_text() {
        assert_eq!(texts(&clean(b"a\tb\n", false, &[])), ["a       b"]);
        let mut raw = vec![b'x'; MAX_LINE_CHARS];
        raw.extend_from_slice(b"\t\t\x1b[8m\t\t\x1b[0m\tz\n");
        let log = clean(&raw, false, &[]);
        assert_eq!(log.lines[0].text().chars().count(), MAX_LINE_CHARS);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_clean_to_lines_without_controls(raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
            let log = clean(&raw, false, &["secret"]);
            for line in &log.lines {
                let text = line.text();
                proptest::prop_assert!(!text.chars().any(is_dropped), "{text:?}");
                proptest::prop_assert!(text.chars().count() <= MAX_LINE_CHARS + redact::MASK.len());
            }
        }
    }

    #[test]
    fn error_lines_are_recognised_without_crying_wolf() {
        for line in [
            "error[E0308]: mismatched types",
            "FAILED tests/test_orders.py::test_apply_discount",
            "thread 'main' panicked at src/lib.rs:3:5:",
            "npm ERR! code ELIFECYCLE",
            "Traceback (most recent call last):",
            "ERROR: Job failed: exit code 1",
            "make: *** [Makefile:4: all] Error 2",
            "Process completed with exit code 127.",
        ] {
            assert!(looks_like_error(line), "{line}");
        }
        for line in [
            "819 examples, 0 failures, 92 pending",
            "Finished in 5 minutes 7 seconds",
            "Process completed with exit code 0.",
            "no errors found",
            "  fail-fast: false",
            "Removing log/api_json.log",
        ] {
            assert!(!looks_like_error(line), "{line}");
        }
    }
}
