use std::fmt;

use crate::model::Timestamp;

/// Why a poll of a source failed, in words fit for the screen, and what kind of failure it
/// was, so that a paced or rate-limited source can be told from a dead one without reading
/// the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub reason: String,
    pub cause: Cause,
}

/// What kind of failure a poll met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// No answer in time.
    Timeout,
    /// The server could not be reached, or dropped the connection: DNS, refused, reset, a
    /// redirect elsewhere.
    Network,
    /// The TLS handshake failed: a certificate not trusted, or no TLS spoken.
    Tls,
    /// The server answered an error status other than those below.
    Status(u16),
    /// The credentials were refused (`status` 401 or 403), or cannot be sent (`status` None:
    /// not set, unreadable, not fit for a header).
    Auth { status: Option<u16> },
    /// The server, or andon's own request budget for its host, says to wait until then.
    RateLimited { until: Timestamp },
    /// An answer that could not be read: not the format expected, not UTF-8, over the cap.
    Malformed,
    /// andon's own failure: a panic, a client that cannot be set up, an unreadable CA file.
    Internal,
}

impl Cause {
    /// The cause's name in the JSON document and the collector's feed: "timeout", "network",
    /// "tls", "http_status", "auth", "rate_limited", "malformed" or "internal".
    pub fn word(&self) -> &'static str {
        match self {
            Cause::Timeout => "timeout",
            Cause::Network => "network",
            Cause::Tls => "tls",
            Cause::Status(_) => "http_status",
            Cause::Auth { .. } => "auth",
            Cause::RateLimited { .. } => "rate_limited",
            Cause::Malformed => "malformed",
            Cause::Internal => "internal",
        }
    }

    /// The HTTP status the server answered, where the cause has one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Cause::Status(code) => Some(*code),
            Cause::Auth { status } => *status,
            _ => None,
        }
    }

    /// Until when the source is told to wait, for a rate limit.
    pub fn rate_limited_until(&self) -> Option<Timestamp> {
        match self {
            Cause::RateLimited { until } => Some(*until),
            _ => None,
        }
    }

    /// The cause told by `word` and its details (as `word`, `http_status` and
    /// `rate_limited_until` give them); None for a word not known, or a detail missing.
    pub fn from_parts(
        word: &str,
        http_status: Option<u16>,
        rate_limited_until: Option<Timestamp>,
    ) -> Option<Cause> {
        Some(match word {
            "timeout" => Cause::Timeout,
            "network" => Cause::Network,
            "tls" => Cause::Tls,
            "http_status" => Cause::Status(http_status?),
            "auth" => Cause::Auth {
                status: http_status,
            },
            "rate_limited" => Cause::RateLimited {
                until: rate_limited_until?,
            },
            "malformed" => Cause::Malformed,
            "internal" => Cause::Internal,
            _ => return None,
        })
    }
}

impl SourceError {
    /// A failure of `cause`.
    pub fn of(cause: Cause, reason: impl Into<String>) -> SourceError {
        SourceError {
            reason: reason.into(),
            cause,
        }
    }

    /// A failure without a known cause, counted as andon's own.
    pub fn new(reason: impl Into<String>) -> SourceError {
        SourceError::of(Cause::Internal, reason)
    }

    /// Credentials that cannot be had (a token_env not set, a token_file not readable).
    pub fn token(reason: impl Into<String>) -> SourceError {
        SourceError::of(Cause::Auth { status: None }, reason)
    }

    /// A payload that could not be understood.
    pub fn malformed(what: &str, detail: impl fmt::Display) -> SourceError {
        SourceError::of(Cause::Malformed, format!("malformed {what}: {detail}"))
    }

    /// The same failure, told in other words.
    pub fn reworded(self, reason: impl Into<String>) -> SourceError {
        SourceError::of(self.cause, reason)
    }

    /// The reason as the screen may show it: server words quoted in it (an error page's first
    /// line, a parser's message, a panic's) are cleaned, and URLs in it lose their credentials
    /// and query.
    pub fn cleaned(self) -> SourceError {
        let reason = crate::sanitize::redact_words(&crate::sanitize::text(&self.reason));
        self.reworded(reason)
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

    #[test]
    fn a_cause_told_in_parts_reads_back_as_itself() {
        let until = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let causes = [
            Cause::Timeout,
            Cause::Network,
            Cause::Tls,
            Cause::Status(502),
            Cause::Auth { status: Some(403) },
            Cause::Auth { status: None },
            Cause::RateLimited { until },
            Cause::Malformed,
            Cause::Internal,
        ];
        for cause in causes {
            let back = Cause::from_parts(
                cause.word(),
                cause.http_status(),
                cause.rate_limited_until(),
            );
            assert_eq!(back, Some(cause));
        }
        assert_eq!(Cause::from_parts("gremlins", None, None), None);
        assert_eq!(Cause::from_parts("http_status", None, None), None);
        assert_eq!(Cause::from_parts("rate_limited", Some(429), None), None);
    }

    #[test]
    fn cleaning_keeps_the_cause() {
        let e = SourceError::of(Cause::Status(502), "HTTP 502 \u{1b}[2J").cleaned();
        assert_eq!(e.cause, Cause::Status(502));
        assert_eq!(e.reason, "HTTP 502 [2J");
    }
}
