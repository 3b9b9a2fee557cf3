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
