//! What the whole configuration shares: the raw TOML table as written, where a problem is
//! (file, line, column, field), durations, sizes and URLs, the transport settings and the
//! display, board, DORA, serve and http sections. Each source kind builds its own settings on
//! it (in `sources`); the assembled configuration (`setup`) sits above both.

mod error;
mod raw;
mod sections;
mod source;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::dora::{Benchmark, Industry, ReworkRules};

pub use error::{ConfigError, Locate, located, raw_config};
pub use raw::*;
pub use sections::{
    HttpBudgets, MAX_BUDGET_PER_HOUR, board, display, dora, http_budgets, line, max_columns, pages,
    serve, wip_limits,
};
pub use source::{KindConfig, SourceFields, read_ca_file, transport};
pub use values::{MAX_DURATION, api_host, byte_size, duration, http_url};

pub const DEMO_CONFIG: &str = include_str!("../../sample-config.toml");

/// Default for the largest response body read from a source; larger bodies are refused, not
/// truncated. A source's `max_body` overrides it.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Requests per host and rolling hour that all andon sources together may make, unless the
/// config says otherwise (`[http] budget_per_hour`).
pub const HOST_BUDGET_PER_HOUR: u32 = 2000;

/// The stopped line (`[andon]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineConfig {
    /// A line red for longer escalates; None: never.
    pub escalate_after: Option<Duration>,
}

/// The collector (`[serve]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    /// Where `andon serve` listens; `--listen` wins.
    pub listen: std::net::SocketAddr,
    /// Listening on an address other than loopback must be asked for (also `--allow-remote`).
    pub allow_remote: bool,
    /// Where the history database lives; None: `$XDG_STATE_HOME/andon`.
    pub state_dir: Option<PathBuf>,
    /// How long run history, transitions and attention events are kept.
    pub retention: Duration,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 9464)),
            allow_remote: false,
            state_dir: None,
            retention: Duration::from_secs(90 * 86_400),
        }
    }
}

/// How the screen looks and behaves (`[display]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayConfig {
    /// A built-in theme or one in the user's themes folder; `--theme` wins.
    pub theme: Option<String>,
    /// Wall mode: no key hints, big banner, pages rotate.
    pub kiosk: bool,
    /// Time each page stays on screen when there are several.
    pub rotate: Duration,
    /// Show only what needs attention on the main board.
    pub hide_green: bool,
    /// Ring the terminal bell when the line stops and when it is green again.
    pub bell: bool,
    /// A command run (by `sh -c`) on each of those transitions, with ANDON_* variables.
    pub command: Option<String>,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        DisplayConfig {
            theme: None,
            kiosk: false,
            rotate: Duration::from_secs(30),
            hide_green: false,
            bell: false,
            command: None,
        }
    }
}

/// One board page: the pipelines whose name or source contains `filter` (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageConfig {
    pub name: String,
    pub filter: Option<String>,
    pub hide_green: bool,
    /// `kind = "trends"`: the DORA keys over twelve weeks instead of the board.
    pub trends: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoraConfig {
    pub window: Duration,
    pub benchmark: Benchmark,
    /// The rules that make a deployment rework (`rework_rules`), all by default.
    pub rework_rules: ReworkRules,
    /// The 2025 benchmark the scores are held against (`industry`), all industries by default.
    pub industry: Industry,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BoardConfig {
    pub stages: Vec<String>,
    /// Most runs in progress at once per stage (`[board] wip_limits = { test = 3 }`).
    pub wip_limits: std::collections::BTreeMap<String, usize>,
    /// Job-name patterns per board stage (`[board] match = { deploy = ["Deploy to *"] }`).
    pub matches: std::collections::BTreeMap<String, Vec<String>>,
    /// Most columns before names that match no stage are gathered in `other`.
    pub max_columns: usize,
}

/// Columns a board takes before unmatched job names are gathered in one.
pub const DEFAULT_MAX_COLUMNS: usize = 8;

impl Default for BoardConfig {
    fn default() -> Self {
        BoardConfig {
            stages: Vec::new(),
            wip_limits: Default::default(),
            matches: Default::default(),
            max_columns: DEFAULT_MAX_COLUMNS,
        }
    }
}

/// Largest WIP limit accepted; anything above is a typo, not a limit.
pub const MAX_WIP_LIMIT: i64 = 10_000;

/// Per-source connection options.
#[derive(Debug, Clone, PartialEq)]
pub struct Transport {
    /// Largest response body read; a larger one fails the poll.
    pub max_body: usize,
    /// A PEM bundle of extra CAs trusted besides the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate. The screen warns while this is on.
    pub insecure: bool,
    /// Longest wait between retries of a failing source (never below its interval).
    pub backoff_max: Duration,
    /// Requests per hour that all sources on this source's API host may make together
    /// (`[http] budget_per_hour`, or the host's own in `[http.hosts."host"]`).
    pub budget_per_hour: u32,
}

pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(300);

impl Default for Transport {
    fn default() -> Self {
        Transport {
            max_body: MAX_BODY_BYTES,
            ca_file: None,
            insecure: false,
            backoff_max: DEFAULT_BACKOFF_MAX,
            budget_per_hour: HOST_BUDGET_PER_HOUR,
        }
    }
}

/// Names of the Pelorus-compatible DORA event gauges and their join labels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventNames {
    pub commit: String,
    pub deploy: String,
    pub failure_created: String,
    pub failure_resolved: String,
    pub app_label: String,
    pub commit_label: String,
    pub image_label: String,
    pub issue_label: String,
}

impl Default for EventNames {
    fn default() -> Self {
        EventNames {
            commit: "commit_timestamp".into(),
            deploy: "deploy_timestamp".into(),
            failure_created: "failure_creation_timestamp".into(),
            failure_resolved: "failure_resolution_timestamp".into(),
            app_label: "app".into(),
            commit_label: "commit".into(),
            image_label: "image_sha".into(),
            issue_label: "issue_number".into(),
        }
    }
}

/// A PromQL query whose series describe the board: one series per (pipeline, stage) or job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    pub query: String,
    #[serde(default = "default_pipeline_label")]
    pub pipeline_label: String,
    #[serde(default = "default_stage_label")]
    pub stage_label: String,
    #[serde(default = "default_status_label")]
    pub status_label: String,
}

fn default_pipeline_label() -> String {
    "pipeline".into()
}
fn default_stage_label() -> String {
    "stage".into()
}
fn default_status_label() -> String {
    "status".into()
}

/// The largest config file read; a real one is a few KiB.
pub const MAX_CONFIG_FILE: u64 = 4 * 1024 * 1024;

/// The most intervals without a success before a source counts as stale.
pub const MAX_STALE_AFTER: u32 = 10_000;

pub const DEFAULT_WINDOW: Duration = Duration::from_secs(30 * 86_400);

/// Where the config comes from: an explicit path, `$ANDON_CONFIG`, the XDG config dir, or the demo.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("ANDON_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let candidate = user_config_path()?;
    candidate.is_file().then_some(candidate)
}

/// `$XDG_CONFIG_HOME/andon/config.toml` (or under `~/.config`), whether or not it exists.
pub fn user_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("andon").join("config.toml"))
}
