//! What the kinds of source build on: one `[[source]]` table with where to report a problem
//! in it, the checks most kinds share (URLs, required keys, credentials), the transport keys
//! every kind takes, and the trait each kind's settings implement.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::values::{byte_size, duration, http_url};
use super::{ConfigError, DEFAULT_BACKOFF_MAX, Locate, RawSource, Transport};
use crate::credentials::{Auth, Secret, TokenSource};

/// The settings of one kind of source, read from its `[[source]]` table. Every kind says all
/// of it: nothing here has a default, so a new kind cannot silently leave a part out.
pub trait KindConfig: Sized {
    /// The kind as written in `kind = "..."`.
    const NAME: &'static str;
    /// The keys the kind takes besides those every kind takes, in `RawSource::kind_keys`'s
    /// order. Any other such key is refused for this kind, and the JSON Schema says the same.
    const KEYS: &'static [&'static str];
    /// Those of `KEYS` a source of this kind must set.
    const REQUIRED: &'static [&'static str];
    /// The server holds each request until something changes (a long poll), so the source is
    /// polled every second with a 30s timeout unless the config says otherwise.
    const LONG_POLL: bool;

    /// The kind's settings from its table; `KEYS` were checked already.
    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError>;
    /// What `andon check` says the source reads.
    fn describe(&self) -> String;
    /// `andon check`'s further lines about the source, e.g. what counts as a deployment.
    fn notes(&self) -> Vec<String>;
    /// The source's credentials, for kinds that have them.
    fn auth(&self) -> Option<&Auth>;
    /// The CI API the source reads, whose host's request budget it shares; None for feeds.
    fn api_url(&self) -> Option<&str>;
}

/// One `[[source]]` table on its way to a kind's settings, with where to report a problem and
/// what of the rest of the config a kind may need.
pub struct SourceFields<'a> {
    pub raw: &'a RawSource,
    /// The table's place among the `[[source]]` tables, for field names.
    pub index: usize,
    /// The DORA window (`[dora] window`).
    pub window: Duration,
    pub err: &'a Locate<'a>,
}

impl SourceFields<'_> {
    /// `source[2].repo`.
    pub fn field(&self, key: &str) -> String {
        format!("source[{}].{key}", self.index)
    }

    /// A problem with `key`, written at `span`.
    pub fn error(&self, span: Range<usize>, key: &str, message: String) -> ConfigError {
        (self.err)(span, &self.field(key), message)
    }

    /// The kind as written.
    pub fn kind(&self) -> &str {
        self.raw.kind.get_ref()
    }

    /// A problem with a key that is not written: reported where the kind is.
    pub fn missing(&self, key: &str, message: String) -> ConfigError {
        self.error(self.raw.kind.span(), key, message)
    }

    pub fn duration(&self, value: &Spanned<String>, key: &str) -> Result<Duration, ConfigError> {
        duration(value, &self.field(key), self.err)
    }

    /// The URL written at `key` (see `http_url`).
    pub fn url_of(&self, value: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
        http_url(value.get_ref()).map_err(|reason| self.error(value.span(), key, reason))
    }

    /// `url`, which the kind cannot do without.
    pub fn required_url(&self) -> Result<String, ConfigError> {
        let url =
            self.raw.url.as_ref().ok_or_else(|| {
                self.missing("url", format!("a {} source needs a url", self.kind()))
            })?;
        self.url_of(url, "url")
    }

    /// A text key the kind cannot do without, trimmed and not empty.
    pub fn required(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
        example: &str,
    ) -> Result<String, ConfigError> {
        let Some(value) = value else {
            let kind = self.kind();
            return Err(self.missing(
                key,
                format!("a {kind} source needs `{key}`, e.g. {key} = {example:?}"),
            ));
        };
        let text = value.get_ref().trim();
        if text.is_empty() {
            return Err(self.error(value.span(), key, "must not be empty".into()));
        }
        Ok(text.to_string())
    }

    /// `api_url`, or the public service's API when it is not written.
    pub fn api_url(&self, default: &str) -> Result<String, ConfigError> {
        match &self.raw.api_url {
            Some(v) => self.url_of(v, "api_url"),
            None => Ok(default.to_string()),
        }
    }

    /// `branch`, main by default.
    pub fn branch(&self) -> String {
        self.raw
            .branch
            .as_ref()
            .map_or("main".to_string(), |b| b.get_ref().trim().to_string())
    }

    /// `environment`, production by default.
    pub fn environment(&self) -> String {
        self.raw
            .environment
            .as_ref()
            .map_or("production".to_string(), |e| e.get_ref().trim().to_string())
    }

    /// `token`, `token_env` or `token_file` (one of them at most), and `user`.
    pub fn auth(&self) -> Result<Auth, ConfigError> {
        let raw = self.raw;
        let err = self.err;
        let field = |name: &str| self.field(name);
        let given: Vec<&Spanned<String>> = [&raw.token, &raw.token_env, &raw.token_file]
            .into_iter()
            .flatten()
            .collect();
        if given.len() > 1 {
            return Err(err(
                given[1].span(),
                &field("token"),
                "give only one of token, token_env and token_file".into(),
            ));
        }
        for value in &given {
            if value.get_ref().trim().is_empty() {
                return Err(err(
                    value.span(),
                    &field("token"),
                    "must not be empty".into(),
                ));
            }
        }
        let token = if let Some(t) = &raw.token {
            Some(TokenSource::Inline(Secret::new(t.get_ref().trim())))
        } else if let Some(name) = &raw.token_env {
            Some(TokenSource::Env(name.get_ref().trim().to_string()))
        } else {
            raw.token_file
                .as_ref()
                .map(|p| TokenSource::File(PathBuf::from(p.get_ref().trim())))
        };
        let user = raw.user.as_ref().map(|u| u.get_ref().trim().to_string());
        Ok(Auth { user, token })
    }
}

/// A source's `[[source]]` transport keys: body cap, CA bundle, certificate checks, backoff.
pub fn transport(
    raw: &RawSource,
    interval: Duration,
    file: &Path,
    field: &dyn Fn(&str) -> String,
    err: &Locate,
) -> Result<Transport, ConfigError> {
    let mut transport = Transport::default();
    if let Some(v) = &raw.max_body {
        transport.max_body = byte_size(v.get_ref()).ok_or_else(|| {
            err(
                v.span(),
                &field("max_body"),
                format!(
                    "{:?} is not a size; write e.g. \"16MiB\", \"512KiB\", \"1000000\"",
                    v.get_ref()
                ),
            )
        })?;
        if !(1024..=1024 * 1024 * 1024).contains(&transport.max_body) {
            return Err(err(
                v.span(),
                &field("max_body"),
                "must be between 1KiB and 1GiB".into(),
            ));
        }
    }
    if let Some(v) = &raw.ca_file {
        let path = Path::new(v.get_ref().trim());
        // Relative to the config file, so a config and its CA travel together.
        let path = match file.parent() {
            Some(dir) if path.is_relative() && file.is_file() => dir.join(path),
            _ => path.to_path_buf(),
        };
        read_ca_file(&path).map_err(|reason| err(v.span(), &field("ca_file"), reason))?;
        transport.ca_file = Some(path);
    }
    transport.insecure = raw.insecure.unwrap_or(false);
    transport.backoff_max = interval.max(DEFAULT_BACKOFF_MAX);
    if let Some(v) = &raw.backoff_max {
        let max = duration(v, &field("backoff_max"), err)?;
        if max < interval {
            return Err(err(
                v.span(),
                &field("backoff_max"),
                format!(
                    "must be at least the interval ({})",
                    humantime::format_duration(interval)
                ),
            ));
        }
        transport.backoff_max = max;
    }
    Ok(transport)
}

/// The certificates of a PEM bundle; an unreadable file or one without a certificate is an
/// error that names the file.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    const MAX_CA_FILE: u64 = 16 * 1024 * 1024;
    // Not a device or a FIFO (reading /dev/zero would never end), of a sane size, and not
    // waited for past the deadline when the mount hangs.
    let pem = crate::files::read_bounded(path, MAX_CA_FILE, crate::files::READ_TIMEOUT)
        .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("CA file {} is not PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("CA file {} holds no certificate", path.display()));
    }
    Ok(certs)
}
