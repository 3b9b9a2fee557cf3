//! A configuration problem and where it is: file, line, column (in characters) and field.

use std::fmt;
use std::ops::Range;

/// A configuration problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Makes the error of a problem at a byte range of the file, naming the field.
pub type Locate<'a> = dyn Fn(Range<usize>, &str, String) -> ConfigError + 'a;

/// The error of a problem at `span` (the file's start when None) of `text`, read from `file`.
pub fn located(
    text: &str,
    file: &str,
    span: Option<Range<usize>>,
    field: String,
    message: String,
) -> ConfigError {
    let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
    ConfigError {
        file: file.to_string(),
        line,
        column,
        field,
        message,
    }
}

/// The file's raw table, or the first thing toml or serde refuse in it, located.
pub fn raw_config(text: &str, file: &str) -> Result<super::RawConfig, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|err| {
        located(
            text,
            file,
            err.span(),
            String::new(),
            clean_message(err.message()),
        )
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        // A `Spanned` value adds a private step to the path; the user wrote the field.
        let field = err
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let field = if field == "." { String::new() } else { field };
        let inner = err.into_inner();
        located(
            text,
            file,
            inner.span(),
            field,
            clean_message(inner.message()),
        )
    })
}

/// toml's messages carry a trailing newline and sometimes an excerpt; keep the first sentence.
fn clean_message(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
    }
}
