use std::fmt;

/// Why a poll of a source failed, in words fit for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub reason: String,
}

impl SourceError {
    pub fn new(reason: impl Into<String>) -> SourceError {
        SourceError {
            reason: reason.into(),
        }
    }

    /// The reason as the screen may show it: server words quoted in it (an error page's first
    /// line, a parser's message, a panic's) are cleaned, and URLs in it lose their credentials
    /// and query.
    pub fn cleaned(self) -> SourceError {
        SourceError::new(crate::sanitize::redact_words(&crate::sanitize::text(
            &self.reason,
        )))
    }

    /// A payload that could not be understood.
    pub fn malformed(what: &str, detail: impl fmt::Display) -> SourceError {
        SourceError::new(format!("malformed {what}: {detail}"))
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for SourceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_cleaned_and_redacted() {
        let e =
            SourceError::new("HTTP 500: \u{1b}]0;x\u{7} see https://u:tok@h/x?token=1").cleaned();
        assert_eq!(e.reason, "HTTP 500: ]0;x see https://h/x");
    }
}
