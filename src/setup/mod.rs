//! The whole typed configuration: the shared sections (`crate::config`) and each source read
//! by its kind (`crate::sources::kinds`), from a file, with where a problem is.

use std::path::Path;
use std::time::Duration;

use crate::config::{
    self, BoardConfig, ConfigError, DEMO_CONFIG, DisplayConfig, DoraConfig, LineConfig, Locate,
    MAX_CONFIG_FILE, MAX_STALE_AFTER, PageConfig, RawConfig, RawSource, ServeConfig, SourceFields,
    Transport,
};
use crate::credentials::TokenSource;
use crate::sources::Source;
use crate::sources::kinds::{Kind, SOURCE_KINDS, kinds_taking};

pub use crate::sources::SourceKind;

#[cfg(test)]
mod tests;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where the config came from, for messages; "(built-in demo)" when none was found.
    pub origin: String,
    pub title: String,
    pub dora: DoraConfig,
    pub board: BoardConfig,
    pub sources: Vec<SourceConfig>,
    pub display: DisplayConfig,
    /// Extra boards (`[[page]]`), each a filtered view; the main `[board]` is always page one.
    pub pages: Vec<PageConfig>,
    /// `andon serve`: where the collector listens and keeps its history (`[serve]`).
    pub serve: ServeConfig,
    pub andon: LineConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub name: String,
    pub interval: Duration,
    pub timeout: Duration,
    /// Consecutive intervals without a success after which the source's data counts as stale.
    pub stale_after: u32,
    /// Board column for pipelines whose source reports no stages.
    pub stage: Option<String>,
    pub kind: SourceKind,
    /// How the source is reached: body cap, TLS trust, retry backoff.
    pub transport: Transport,
}

impl Source {
    /// The poller of a configured source.
    pub fn from_config(config: &SourceConfig, client: &crate::sources::http::Client) -> Source {
        Source::new(
            &config.kind,
            config.timeout,
            config.transport.budget_per_hour,
            client,
        )
    }
}

/// Loads the config at `path`, or the built-in demo when `path` is None.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    match path {
        None => parse(DEMO_CONFIG, "(built-in demo)"),
        Some(path) => {
            let file = path.display().to_string();
            // Bounded: a FIFO, /dev/zero or a hung mount is an error at start-up, not a hang.
            let text = crate::files::read_text(path, MAX_CONFIG_FILE, crate::files::READ_TIMEOUT)
                .map_err(|err| ConfigError {
                file: file.clone(),
                line: 0,
                column: 0,
                field: String::new(),
                message: format!("cannot read config: {err}"),
            })?;
            parse(&text, &file)
        }
    }
}

pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let raw = config::raw_config(text, file)?;
    validate(raw, file, &|span, field, message| {
        config::located(text, file, Some(span), field.to_string(), message)
    })
}

fn validate(raw: RawConfig, file: &str, err: &Locate) -> Result<Config, ConfigError> {
    let dora = config::dora(&raw.dora, err)?;
    let andon = config::line(&raw.andon, err)?;
    let mut sources = Vec::with_capacity(raw.source.len());
    for (index, source) in raw.source.into_iter().enumerate() {
        let name_span = source.name.span();
        let parsed = validate_source(source, index, dora.window, Path::new(file), err)?;
        if sources.iter().any(|s: &SourceConfig| s.name == parsed.name) {
            let message = format!("duplicate source name {:?}", parsed.name);
            return Err(err(name_span, &format!("source[{index}].name"), message));
        }
        sources.push(parsed);
    }
    let hosts: Vec<String> = sources.iter().filter_map(|s| s.kind.api_host()).collect();
    let budgets = config::http_budgets(&raw.http, &hosts, err)?;
    for source in &mut sources {
        if let Some(host) = source.kind.api_host() {
            source.transport.budget_per_hour = budgets.of(&host);
        }
    }
    let display = config::display(raw.display, err)?;
    let wip_limits = config::wip_limits(&raw.board, err)?;
    let pages = config::pages(raw.page, err)?;
    let serve = config::serve(&raw.serve, err)?;
    let max_columns = config::max_columns(&raw.board, err)?;
    Ok(Config {
        serve,
        display,
        pages,
        origin: file.to_string(),
        title: raw.title.unwrap_or_else(|| "andon".to_string()),
        dora,
        andon,
        board: config::board(raw.board, wip_limits, max_columns),
        sources,
    })
}

fn validate_source(
    raw: RawSource,
    index: usize,
    window: Duration,
    file: &Path,
    err: &Locate,
) -> Result<SourceConfig, ConfigError> {
    let field = |name: &str| format!("source[{index}].{name}");
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(err(
            raw.name.span(),
            &field("name"),
            "must not be empty".into(),
        ));
    }
    let kind = Kind::named(raw.kind.get_ref());
    let long_poll = kind.is_some_and(|k| k.long_poll);
    let interval = match &raw.interval {
        Some(v) => config::duration(v, &field("interval"), err)?,
        None if long_poll => Duration::from_secs(1),
        None => Duration::from_secs(30),
    };
    if interval < Duration::from_secs(1) {
        let span = raw.interval.as_ref().map_or(0..0, |v| v.span());
        return Err(err(span, &field("interval"), "must be at least 1s".into()));
    }
    let timeout = match &raw.timeout {
        Some(v) => config::duration(v, &field("timeout"), err)?,
        None if long_poll => Duration::from_secs(30),
        None => Duration::from_secs(10).min(interval),
    };
    let stale_after = match &raw.stale_after {
        Some(v) if !(1..=MAX_STALE_AFTER).contains(v.get_ref()) => {
            return Err(err(
                v.span(),
                &field("stale_after"),
                format!("must be from 1 to {MAX_STALE_AFTER} intervals"),
            ));
        }
        Some(v) => *v.get_ref(),
        None => 3,
    };
    let Some(kind) = kind else {
        let other = raw.kind.get_ref();
        return Err(err(
            raw.kind.span(),
            &field("kind"),
            format!(
                "unknown source kind {other:?}; expected one of {}",
                SOURCE_KINDS.join(", ")
            ),
        ));
    };
    if let Some((key, span)) = raw
        .kind_keys()
        .into_iter()
        .find(|(key, _)| !kind.keys.contains(key))
    {
        return Err(err(
            span,
            &field(key),
            format!(
                "`{key}` applies only to {} sources, not {}",
                kinds_taking(key),
                kind.name
            ),
        ));
    }
    let fields = SourceFields {
        raw: &raw,
        index,
        window,
        err,
    };
    let settings = kind.read(&fields)?;
    let transport = config::transport(&raw, interval, file, &field, err)?;
    Ok(SourceConfig {
        name,
        interval,
        timeout,
        stale_after,
        stage: raw.stage,
        kind: settings,
        transport,
    })
}

/// Warnings about where secrets are kept: an inline token in a config file, or a token_file,
/// that other users can read. Never quotes a secret.
pub fn secret_warnings(path: Option<&Path>, config: &Config) -> Vec<String> {
    let mut warnings = inline_token_warnings(path, config);
    let mut seen = std::collections::BTreeSet::new();
    for source in &config.sources {
        if let Some(TokenSource::File(file)) = source.kind.auth().and_then(|a| a.token.as_ref())
            && seen.insert(file.clone())
            && let Some(mode) = readable_by_others(file)
        {
            warnings.push(format!(
                "token_file {} of source {:?} can be read by other users (mode {mode:o}); \
                 chmod 600 it",
                file.display(),
                source.name
            ));
        }
    }
    warnings
}

fn inline_token_warnings(path: Option<&Path>, config: &Config) -> Vec<String> {
    let Some(path) = path else {
        return Vec::new();
    };
    let inline = config.sources.iter().any(|s| {
        matches!(
            s.kind.auth().and_then(|a| a.token.as_ref()),
            Some(TokenSource::Inline(_))
        )
    });
    if !inline {
        return Vec::new();
    }
    match readable_by_others(path) {
        Some(mode) => vec![format!(
            "{} holds an inline token and other users can read it (mode {mode:o}); \
             chmod 600 it, or use token_env or token_file",
            path.display()
        )],
        None => Vec::new(),
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<u32> {
    None
}
