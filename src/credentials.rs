//! Secrets for CI APIs: where a token comes from, and a type that never prints its value.
//!
//! A `Secret` shows as `[redacted]` in Debug and Display, so a token cannot reach the screen,
//! the log, `check` or JSON by way of formatting. Only `expose` hands out the value, and only
//! the code that builds request headers calls it.

use std::fmt;
use std::path::PathBuf;

/// A token or password. Compared by value so configs stay comparable; never formatted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for an Authorization header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The largest token file read: tokens are tens of bytes, a PEM key a few KiB.
const MAX_TOKEN_FILE: u64 = 64 * 1024;
/// A token file is local and small: a read slower than this is a hung mount.
const TOKEN_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Where a source's token comes from. Read at every poll, so a rotated token is picked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The name of an environment variable (`token_env = "GITHUB_TOKEN"`).
    Env(String),
    /// A file holding the token (`token_file`); surrounding whitespace is ignored.
    File(PathBuf),
    /// Written in the config file itself (`token = "..."`); discouraged.
    Inline(Secret),
}

impl TokenSource {
    /// The token, or why there is none, in words that never include a value.
    pub fn resolve(&self) -> Result<Secret, String> {
        match self {
            TokenSource::Env(name) => match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
                Ok(_) => Err(format!("token_env {name} is empty")),
                Err(_) => Err(format!("token_env {name} is not set")),
            },
            // Bounded in size and time: read at every poll, on the poll's own thread.
            TokenSource::File(path) => {
                match crate::files::read_text(path, MAX_TOKEN_FILE, TOKEN_READ_TIMEOUT) {
                    Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
                    Ok(_) => Err(format!("token_file {} is empty", path.display())),
                    Err(err) => Err(format!("cannot read token_file {}: {err}", path.display(),)),
                }
            }
            TokenSource::Inline(secret) => Ok(secret.clone()),
        }
    }

    /// Where the token comes from, fit for `check`: names the variable or file, never the value.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Env(name) => format!("token from ${name}"),
            TokenSource::File(path) => format!("token from file {}", path.display()),
            TokenSource::Inline(_) => "inline token".to_string(),
        }
    }
}

/// A source's credentials: an optional user (Jenkins basic auth) and an optional token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Auth {
    pub user: Option<String>,
    pub token: Option<TokenSource>,
}

impl Auth {
    /// The token if one is configured; an error when configured but unavailable.
    pub fn token(&self) -> Result<Option<Secret>, String> {
        self.token.as_ref().map(TokenSource::resolve).transpose()
    }

    pub fn describe(&self) -> String {
        match (&self.user, &self.token) {
            (Some(user), Some(token)) => format!("user {user}, {}", token.describe()),
            (Some(user), None) => format!("user {user}, no token"),
            (None, Some(token)) => token.describe(),
            (None, None) => "no token".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_formats_its_value() {
        let secret = Secret::new("ghp_abc123");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let auth = Auth {
            user: Some("ci".into()),
            token: Some(TokenSource::Inline(secret)),
        };
        assert!(!format!("{auth:?}").contains("ghp_abc123"));
        assert!(!auth.describe().contains("ghp_abc123"));
    }

    #[test]
    fn missing_env_and_file_are_explained_without_values() {
        let env = TokenSource::Env("ANDON_TEST_SURELY_UNSET_TOKEN".into());
        assert_eq!(
            env.resolve().unwrap_err(),
            "token_env ANDON_TEST_SURELY_UNSET_TOKEN is not set"
        );
        let file = TokenSource::File("/nonexistent/andon-token".into());
        assert!(
            file.resolve()
                .unwrap_err()
                .contains("cannot read token_file")
        );
    }

    #[test]
    fn token_file_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "  s3cret\n").unwrap();
        let token = TokenSource::File(path).resolve().unwrap();
        assert_eq!(token.expose(), "s3cret");
    }
}
