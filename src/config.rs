//! TOML configuration: parsing, validation and where a problem is (file, line, column, field).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::credentials::{Auth, Secret, TokenSource};
use crate::dora::{Benchmark, Industry, ReworkRule, ReworkRules, scores};

pub const DEMO_CONFIG: &str = include_str!("../sample-config.toml");

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

/// Every source kind, as written in `kind = "..."`.
pub const SOURCE_KINDS: [&str; 9] = [
    "demo",
    "prometheus",
    "exposition",
    "cctray",
    "github",
    "gitlab",
    "jenkins",
    "buildkite",
    "andon",
];

const CI_KINDS: &[&str] = &["github", "gitlab", "jenkins", "buildkite"];

/// The source keys only some kinds take, with those kinds; every other key is taken by every
/// kind. The parser refuses a key here for any other kind, and the JSON Schema is made from the
/// same table.
pub const KIND_KEYS: &[(&str, &[&str])] = &[
    ("seed", &["demo"]),
    (
        "url",
        &["prometheus", "exposition", "cctray", "andon", "jenkins"],
    ),
    ("lookback", &["prometheus"]),
    ("events", &["prometheus", "exposition"]),
    ("board", &["prometheus"]),
    ("api_url", &["github", "gitlab", "buildkite"]),
    ("repo", &["github"]),
    ("project", &["gitlab"]),
    ("organization", &["buildkite"]),
    ("pipeline", &["buildkite"]),
    ("branch", &["github", "gitlab", "buildkite"]),
    ("workflows", &["github"]),
    ("jobs", &["jenkins"]),
    ("environment", &["github", "gitlab"]),
    ("incident_label", &["github", "gitlab"]),
    ("user", &["jenkins"]),
    ("token", CI_KINDS),
    ("token_env", CI_KINDS),
    ("token_file", CI_KINDS),
    ("deploy_pipeline", &["buildkite"]),
    ("deploy_job", &["jenkins"]),
    ("depth", &["jenkins"]),
];

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
            max_body: crate::sources::http::MAX_BODY_BYTES,
            ca_file: None,
            insecure: false,
            backoff_max: DEFAULT_BACKOFF_MAX,
            budget_per_hour: crate::sources::polite::HOST_BUDGET_PER_HOUR,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    Demo { seed: u64 },
    Prometheus(PrometheusConfig),
    Exposition(ExpositionConfig),
    Cctray(CctrayConfig),
    Github(GithubConfig),
    Gitlab(GitlabConfig),
    Jenkins(JenkinsConfig),
    Buildkite(BuildkiteConfig),
    Andon(AndonConfig),
}

impl SourceKind {
    pub fn name(&self) -> &'static str {
        match self {
            SourceKind::Demo { .. } => "demo",
            SourceKind::Prometheus(_) => "prometheus",
            SourceKind::Exposition(_) => "exposition",
            SourceKind::Cctray(_) => "cctray",
            SourceKind::Github(_) => "github",
            SourceKind::Gitlab(_) => "gitlab",
            SourceKind::Jenkins(_) => "jenkins",
            SourceKind::Buildkite(_) => "buildkite",
            SourceKind::Andon(_) => "andon",
        }
    }

    /// The host (and port, when not the scheme's) of a CI API source, whose request budget it
    /// shares with every other source on that host.
    pub fn api_host(&self) -> Option<String> {
        let url = match self {
            SourceKind::Github(c) => &c.api_url,
            SourceKind::Gitlab(c) => &c.api_url,
            SourceKind::Jenkins(c) => &c.url,
            SourceKind::Buildkite(c) => &c.api_url,
            _ => return None,
        };
        let parsed = reqwest::Url::parse(url).ok()?;
        let host = parsed.host_str()?;
        Some(match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        })
    }

    /// The source's credentials, for kinds that have them.
    pub fn auth(&self) -> Option<&Auth> {
        match self {
            SourceKind::Github(c) => Some(&c.auth),
            SourceKind::Gitlab(c) => Some(&c.auth),
            SourceKind::Jenkins(c) => Some(&c.auth),
            SourceKind::Buildkite(c) => Some(&c.auth),
            _ => None,
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

#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusConfig {
    pub url: String,
    pub events: EventNames,
    pub board: Option<BoardQuery>,
    /// How far back event series are looked for; must cover commits older than the window.
    pub lookback: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpositionConfig {
    pub url: String,
    pub events: EventNames,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CctrayConfig {
    pub url: String,
}

/// An `andon serve` collector, read by a screen instead of the servers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct AndonConfig {
    /// The collector's base URL, e.g. `http://127.0.0.1:9464`.
    pub url: String,
}

/// GitHub Actions: workflow runs, jobs, production deployments and labelled incident issues.
#[derive(Debug, Clone, PartialEq)]
pub struct GithubConfig {
    /// API root without a trailing slash: https://api.github.com, or GHE's https://host/api/v3.
    pub api_url: String,
    /// "owner/name".
    pub repo: String,
    pub branch: String,
    /// Workflow names or file names to show; empty shows every workflow with runs on the branch.
    pub workflows: Vec<String>,
    /// Deployment environment counted for DORA; empty turns deployments off.
    pub environment: String,
    pub incident_label: String,
    pub auth: Auth,
}

/// GitLab: pipelines, jobs by stage, production deployments and incident issues.
#[derive(Debug, Clone, PartialEq)]
pub struct GitlabConfig {
    /// API root without a trailing slash: https://gitlab.com/api/v4 or https://host/api/v4.
    pub api_url: String,
    /// Numeric id or "group/project" path.
    pub project: String,
    pub branch: String,
    pub environment: String,
    /// None: issues of type incident; Some(label): issues with that label.
    pub incident_label: Option<String>,
    pub auth: Auth,
}

/// Jenkins: jobs (folders and multibranch included) and pipeline stages from wfapi.
#[derive(Debug, Clone, PartialEq)]
pub struct JenkinsConfig {
    /// The server's (or a folder's) URL without a trailing slash.
    pub url: String,
    /// Full job names or folder prefixes to show; empty shows every job.
    pub jobs: Vec<String>,
    pub auth: Auth,
    /// The full name of the job that deploys to production: its successful builds are DORA
    /// deployments of the app of that name, its change sets the commits they deliver.
    pub deploy_job: Option<String>,
    /// Folder levels the job listing reads (`depth`, 1..=10, default 3).
    pub depth: usize,
}

/// Buildkite: the latest build of a pipeline on a branch, with its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildkiteConfig {
    pub api_url: String,
    pub organization: String,
    pub pipeline: String,
    pub branch: String,
    pub auth: Auth,
    /// The pipeline deploys to production: its passed builds on the branch are DORA
    /// deployments (frequency and failure rate; no lead time, which needs commit times).
    pub deploy_pipeline: bool,
}

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

// ---- raw shape, as written in the file ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    #[serde(default)]
    dora: RawDora,
    #[serde(default)]
    board: RawBoard,
    #[serde(default)]
    source: Vec<RawSource>,
    #[serde(default)]
    display: RawDisplay,
    #[serde(default)]
    page: Vec<RawPage>,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    serve: RawServe,
    #[serde(default)]
    andon: RawAndon,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServe {
    listen: Option<Spanned<String>>,
    #[serde(default)]
    allow_remote: bool,
    state_dir: Option<Spanned<String>>,
    retention: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAndon {
    escalate_after: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    budget_per_hour: Option<Spanned<i64>>,
    #[serde(default)]
    hosts: std::collections::BTreeMap<String, Spanned<RawHost>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    budget_per_hour: Spanned<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDisplay {
    theme: Option<String>,
    #[serde(default)]
    kiosk: bool,
    rotate: Option<Spanned<String>>,
    #[serde(default)]
    hide_green: bool,
    #[serde(default)]
    bell: bool,
    command: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    name: Spanned<String>,
    filter: Option<String>,
    #[serde(default)]
    hide_green: bool,
    kind: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDora {
    window: Option<Spanned<String>>,
    benchmark: Option<Spanned<String>>,
    rework_rules: Option<Spanned<Vec<Spanned<String>>>>,
    industry: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBoard {
    #[serde(default)]
    stages: Vec<String>,
    #[serde(default)]
    wip_limits: std::collections::BTreeMap<String, Spanned<i64>>,
    #[serde(default, rename = "match")]
    matches: std::collections::BTreeMap<String, Vec<String>>,
    max_columns: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    kind: Spanned<String>,
    url: Option<Spanned<String>>,
    interval: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    stale_after: Option<Spanned<u32>>,
    stage: Option<String>,
    seed: Option<u64>,
    lookback: Option<Spanned<String>>,
    events: Option<EventNames>,
    board: Option<BoardQuery>,
    // CI API sources.
    api_url: Option<Spanned<String>>,
    repo: Option<Spanned<String>>,
    project: Option<Spanned<String>>,
    organization: Option<Spanned<String>>,
    pipeline: Option<Spanned<String>>,
    branch: Option<Spanned<String>>,
    workflows: Option<Spanned<Vec<String>>>,
    jobs: Option<Spanned<Vec<String>>>,
    environment: Option<Spanned<String>>,
    incident_label: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    token: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    max_body: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
    insecure: Option<bool>,
    backoff_max: Option<Spanned<String>>,
    deploy_pipeline: Option<Spanned<bool>>,
    deploy_job: Option<Spanned<String>>,
    depth: Option<Spanned<i64>>,
}

/// The largest config file read; a real one is a few KiB.
pub const MAX_CONFIG_FILE: u64 = 4 * 1024 * 1024;

/// The most intervals without a success before a source counts as stale.
pub const MAX_STALE_AFTER: u32 = 10_000;

const DEFAULT_WINDOW: Duration = Duration::from_secs(30 * 86_400);

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
    let locate_err = |span: Option<Range<usize>>, field: String, message: String| {
        let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
        ConfigError {
            file: file.to_string(),
            line,
            column,
            field,
            message,
        }
    };
    let deserializer = toml::Deserializer::parse(text)
        .map_err(|err| locate_err(err.span(), String::new(), clean_message(err.message())))?;
    let raw: RawConfig = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        // A `Spanned` value adds a private step to the path; the user wrote the field.
        let field = err
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let field = if field == "." { String::new() } else { field };
        let inner = err.into_inner();
        locate_err(inner.span(), field, clean_message(inner.message()))
    })?;
    validate(raw, file, &|span, field, message| {
        locate_err(Some(span), field.to_string(), message)
    })
}

type Locate<'a> = dyn Fn(Range<usize>, &str, String) -> ConfigError + 'a;

fn validate(raw: RawConfig, file: &str, err: &Locate) -> Result<Config, ConfigError> {
    let window = match &raw.dora.window {
        Some(w) => duration(w, "dora.window", err)?,
        None => DEFAULT_WINDOW,
    };
    if window < Duration::from_secs(86_400) {
        let span = raw.dora.window.as_ref().map(|w| w.span()).unwrap_or(0..0);
        return Err(err(span, "dora.window", "must be at least 1 day".into()));
    }
    let benchmark = match &raw.dora.benchmark {
        None => Benchmark::Dora2023,
        Some(b) => Benchmark::parse(b.get_ref()).ok_or_else(|| {
            err(
                b.span(),
                "dora.benchmark",
                format!(
                    "unknown benchmark {:?}; expected \"2023\" or \"2021\"",
                    b.get_ref()
                ),
            )
        })?,
    };
    let rework_rules = match &raw.dora.rework_rules {
        None => ReworkRules::default(),
        Some(rules) => rework_rules(rules.get_ref(), err)?,
    };
    let industry = match &raw.dora.industry {
        None => Industry::all(),
        Some(name) => scores::industry(name.get_ref()).ok_or_else(|| {
            err(
                name.span(),
                "dora.industry",
                format!(
                    "unknown industry {:?}; expected one of {}",
                    name.get_ref(),
                    scores::industry_keys().join(", ")
                ),
            )
        })?,
    };
    let escalate_after = match &raw.andon.escalate_after {
        None => None,
        Some(after) => {
            let limit = duration(after, "andon.escalate_after", err)?;
            if limit < Duration::from_secs(1) {
                return Err(err(
                    after.span(),
                    "andon.escalate_after",
                    "must be at least 1s".into(),
                ));
            }
            Some(limit)
        }
    };
    let mut sources = Vec::with_capacity(raw.source.len());
    for (index, source) in raw.source.into_iter().enumerate() {
        let name_span = source.name.span();
        let parsed = validate_source(source, index, window, Path::new(file), err)?;
        if sources.iter().any(|s: &SourceConfig| s.name == parsed.name) {
            let message = format!("duplicate source name {:?}", parsed.name);
            return Err(err(name_span, &format!("source[{index}].name"), message));
        }
        sources.push(parsed);
    }
    budgets(&raw.http, &mut sources, err)?;
    let rotate = match &raw.display.rotate {
        Some(r) => duration(r, "display.rotate", err)?,
        None => DisplayConfig::default().rotate,
    };
    if rotate < Duration::from_secs(2) {
        let span = raw.display.rotate.as_ref().map_or(0..0, |r| r.span());
        return Err(err(span, "display.rotate", "must be at least 2s".into()));
    }
    let mut wip_limits = std::collections::BTreeMap::new();
    for (stage, limit) in &raw.board.wip_limits {
        let field = format!("board.wip_limits.{stage}");
        if stage.trim().is_empty() {
            return Err(err(
                limit.span(),
                &field,
                "names no stage: the stage name must not be empty".into(),
            ));
        }
        let value = *limit.get_ref();
        if !(1..=MAX_WIP_LIMIT).contains(&value) {
            return Err(err(
                limit.span(),
                &field,
                format!("must be a whole number from 1 to {MAX_WIP_LIMIT}, got {value}"),
            ));
        }
        wip_limits.insert(stage.trim().to_string(), value as usize);
    }
    let mut pages: Vec<PageConfig> = Vec::with_capacity(raw.page.len());
    for (index, page) in raw.page.into_iter().enumerate() {
        let name = page.name.get_ref().trim().to_string();
        if name.is_empty() || pages.iter().any(|p| p.name == name) {
            let message = if name.is_empty() {
                "must not be empty".to_string()
            } else {
                format!("duplicate page name {name:?}")
            };
            return Err(err(
                page.name.span(),
                &format!("page[{index}].name"),
                message,
            ));
        }
        let trends = match &page.kind {
            None => false,
            Some(kind) if kind.get_ref().trim() == "board" => false,
            Some(kind) if kind.get_ref().trim() == "trends" => true,
            Some(kind) => {
                let other = kind.get_ref();
                return Err(err(
                    kind.span(),
                    &format!("page[{index}].kind"),
                    format!("unknown page kind {other:?}: \"board\" (default) or \"trends\""),
                ));
            }
        };
        pages.push(PageConfig {
            name,
            filter: page.filter.filter(|f| !f.trim().is_empty()),
            hide_green: page.hide_green,
            trends,
        });
    }
    let serve = validate_serve(&raw.serve, err)?;
    Ok(Config {
        serve,
        display: DisplayConfig {
            theme: raw.display.theme,
            kiosk: raw.display.kiosk,
            rotate,
            hide_green: raw.display.hide_green,
            bell: raw.display.bell,
            command: raw.display.command.filter(|c| !c.trim().is_empty()),
        },
        pages,
        origin: file.to_string(),
        title: raw.title.unwrap_or_else(|| "andon".to_string()),
        dora: DoraConfig {
            window,
            benchmark,
            rework_rules,
            industry,
        },
        andon: LineConfig { escalate_after },
        board: BoardConfig {
            max_columns: match &raw.board.max_columns {
                None => DEFAULT_MAX_COLUMNS,
                Some(n) => usize::try_from(*n.get_ref())
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| {
                        err(n.span(), "board.max_columns", "must be from 1 to 64".into())
                    })?,
            },
            matches: raw
                .board
                .matches
                .into_iter()
                .map(|(stage, patterns)| (stage.trim().to_string(), patterns))
                .collect(),
            stages: raw.board.stages,
            wip_limits,
        },
        sources,
    })
}

fn validate_serve(raw: &RawServe, err: &Locate) -> Result<ServeConfig, ConfigError> {
    let mut serve = ServeConfig {
        allow_remote: raw.allow_remote,
        ..ServeConfig::default()
    };
    if let Some(listen) = &raw.listen {
        serve.listen = listen.get_ref().trim().parse().map_err(|_| {
            err(
                listen.span(),
                "serve.listen",
                format!(
                    "{:?} is not an address and port such as {DEFAULT_LISTEN} or [::1]:9464",
                    listen.get_ref()
                ),
            )
        })?;
    }
    if let Some(dir) = &raw.state_dir {
        if dir.get_ref().trim().is_empty() {
            return Err(err(
                dir.span(),
                "serve.state_dir",
                "must not be empty".into(),
            ));
        }
        serve.state_dir = Some(PathBuf::from(dir.get_ref()));
    }
    if let Some(retention) = &raw.retention {
        serve.retention = duration(retention, "serve.retention", err)?;
        if serve.retention < Duration::from_secs(86_400) {
            return Err(err(
                retention.span(),
                "serve.retention",
                "must be at least 1 day".into(),
            ));
        }
    }
    Ok(serve)
}

/// `rework_rules = ["fix", "rollback", "marked"]`: each named once; an empty list counts none.
fn rework_rules(rules: &[Spanned<String>], err: &Locate) -> Result<ReworkRules, ConfigError> {
    let mut on = ReworkRules::none();
    let mut seen = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let field = format!("dora.rework_rules[{index}]");
        let parsed = ReworkRule::parse(rule.get_ref()).ok_or_else(|| {
            err(
                rule.span(),
                &field,
                format!(
                    "unknown rework rule {:?}; expected \"fix\", \"rollback\" or \"marked\"",
                    rule.get_ref()
                ),
            )
        })?;
        if seen.contains(&parsed) {
            return Err(err(
                rule.span(),
                &field,
                format!("{:?} is listed twice", rule.get_ref()),
            ));
        }
        seen.push(parsed);
        on = on.with(parsed);
    }
    Ok(on)
}

const MAX_BUDGET_PER_HOUR: i64 = 1_000_000;

/// Gives each CI API source its host's request budget: the host's own, else `[http]`'s.
fn budgets(raw: &RawHttp, sources: &mut [SourceConfig], err: &Locate) -> Result<(), ConfigError> {
    let budget = |value: &Spanned<i64>, field: &str| {
        let n = *value.get_ref();
        if !(1..=MAX_BUDGET_PER_HOUR).contains(&n) {
            return Err(err(
                value.span(),
                field,
                format!("must be between 1 and {MAX_BUDGET_PER_HOUR} requests per hour"),
            ));
        }
        Ok(n as u32)
    };
    let default = match &raw.budget_per_hour {
        Some(v) => budget(v, "http.budget_per_hour")?,
        None => crate::sources::polite::HOST_BUDGET_PER_HOUR,
    };
    let hosts: Vec<String> = sources.iter().filter_map(|s| s.kind.api_host()).collect();
    let mut per_host = Vec::with_capacity(raw.hosts.len());
    for (name, table) in &raw.hosts {
        let field = format!("http.hosts.{name:?}");
        let bare = name.trim();
        if bare.is_empty() || bare.contains("://") || bare.contains('/') {
            return Err(err(
                table.span(),
                &field,
                format!("{name:?} is not a host; write the host alone, e.g. \"api.github.com\""),
            ));
        }
        if !hosts.iter().any(|host| host_matches(bare, host)) {
            let known = if hosts.is_empty() {
                "no CI API source is configured".to_string()
            } else {
                let mut known = hosts.clone();
                known.sort();
                known.dedup();
                format!("the CI API hosts are {}", known.join(", "))
            };
            return Err(err(
                table.span(),
                &field,
                format!("no source talks to {bare:?}; {known}"),
            ));
        }
        let n = budget(
            &table.get_ref().budget_per_hour,
            &format!("{field}.budget_per_hour"),
        )?;
        per_host.push((bare.to_string(), n));
    }
    for source in sources.iter_mut() {
        let Some(host) = source.kind.api_host() else {
            continue;
        };
        source.transport.budget_per_hour = per_host
            .iter()
            .find(|(key, _)| host_matches(key, &host))
            .map_or(default, |(_, n)| *n);
    }
    Ok(())
}

/// Whether a `[http.hosts]` key names `host` as `SourceKind::api_host` gives it; the scheme's
/// default port may be written or not.
fn host_matches(key: &str, host: &str) -> bool {
    let key = key
        .strip_suffix(":443")
        .or_else(|| key.strip_suffix(":80"))
        .unwrap_or(key);
    key.eq_ignore_ascii_case(host)
}

/// A source's URL as the config writes it: http:// or https://, nothing a terminal would obey
/// (it is shown by `check` and on the screen), without a trailing slash.
fn http_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        return Err(format!("{text:?} is not an http:// or https:// URL"));
    }
    if text.chars().any(crate::sanitize::is_unsafe) {
        return Err(format!("{text:?} holds a control character"));
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// The first key of `raw` that its kind does not take, with where it is written (the kind's
/// place where toml gives the key no span of its own).
fn misplaced_key(raw: &RawSource) -> Option<(&'static str, Range<usize>)> {
    let at = |span: Option<Range<usize>>| span.or_else(|| Some(raw.kind.span()));
    let spanned = |v: &Option<Spanned<String>>| v.as_ref().map(|v| v.span());
    let present: [(&str, Option<Option<Range<usize>>>); 22] = [
        ("seed", raw.seed.map(|_| None)),
        ("url", raw.url.as_ref().map(|v| Some(v.span()))),
        ("lookback", raw.lookback.as_ref().map(|v| Some(v.span()))),
        ("events", raw.events.as_ref().map(|_| None)),
        ("board", raw.board.as_ref().map(|_| None)),
        ("api_url", raw.api_url.as_ref().map(|v| Some(v.span()))),
        ("repo", raw.repo.as_ref().map(|v| Some(v.span()))),
        ("project", raw.project.as_ref().map(|v| Some(v.span()))),
        (
            "organization",
            raw.organization.as_ref().map(|v| Some(v.span())),
        ),
        ("pipeline", raw.pipeline.as_ref().map(|v| Some(v.span()))),
        ("branch", raw.branch.as_ref().map(|v| Some(v.span()))),
        ("workflows", raw.workflows.as_ref().map(|v| Some(v.span()))),
        ("jobs", raw.jobs.as_ref().map(|v| Some(v.span()))),
        (
            "environment",
            raw.environment.as_ref().map(|v| Some(v.span())),
        ),
        ("incident_label", spanned(&raw.incident_label).map(Some)),
        ("user", spanned(&raw.user).map(Some)),
        ("token", spanned(&raw.token).map(Some)),
        ("token_env", spanned(&raw.token_env).map(Some)),
        ("token_file", spanned(&raw.token_file).map(Some)),
        (
            "deploy_pipeline",
            raw.deploy_pipeline.as_ref().map(|v| Some(v.span())),
        ),
        ("deploy_job", spanned(&raw.deploy_job).map(Some)),
        ("depth", raw.depth.as_ref().map(|v| Some(v.span()))),
    ];
    let kind = raw.kind.get_ref().as_str();
    present.into_iter().find_map(|(key, span)| {
        let span = span?;
        let takes = KIND_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .is_some_and(|(_, kinds)| kinds.contains(&kind));
        (!takes).then(|| (key, at(span).unwrap_or_default()))
    })
}

/// "prometheus, exposition and cctray": the kinds that take `key`.
fn kinds_taking(key: &str) -> String {
    let kinds = KIND_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(&[][..], |(_, kinds)| *kinds);
    match kinds.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
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
    // A collector answers at once when its state changed since the last poll, and otherwise
    // holds the request (a long poll) until it changes or the timeout nears: polled every
    // second, a screen learns of a change within a second at the cost of one request a change.
    let collector = raw.kind.get_ref() == "andon";
    let interval = match &raw.interval {
        Some(v) => duration(v, &field("interval"), err)?,
        None if collector => Duration::from_secs(1),
        None => Duration::from_secs(30),
    };
    if interval < Duration::from_secs(1) {
        let span = raw.interval.as_ref().map_or(0..0, |v| v.span());
        return Err(err(span, &field("interval"), "must be at least 1s".into()));
    }
    let timeout = match &raw.timeout {
        Some(v) => duration(v, &field("timeout"), err)?,
        None if collector => Duration::from_secs(30),
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
    let required_url = |kind: &str| -> Result<String, ConfigError> {
        let url = raw.url.as_ref().ok_or_else(|| {
            err(
                raw.kind.span(),
                &field("url"),
                format!("a {kind} source needs a url"),
            )
        })?;
        http_url(url.get_ref()).map_err(|reason| err(url.span(), &field("url"), reason))
    };
    let kind_word = raw.kind.get_ref().as_str();
    if SOURCE_KINDS.contains(&kind_word)
        && let Some((key, span)) = misplaced_key(&raw)
    {
        return Err(err(
            span,
            &field(key),
            format!(
                "`{key}` applies only to {} sources, not {kind_word}",
                kinds_taking(key)
            ),
        ));
    }
    let kind = match kind_word {
        "demo" => SourceKind::Demo {
            seed: raw.seed.unwrap_or(1),
        },
        "prometheus" => {
            let lookback = match &raw.lookback {
                Some(v) => duration(v, &field("lookback"), err)?,
                None => window * 3,
            };
            SourceKind::Prometheus(PrometheusConfig {
                url: required_url("prometheus")?,
                events: raw.events.clone().unwrap_or_default(),
                board: raw.board.clone(),
                lookback,
            })
        }
        "exposition" => SourceKind::Exposition(ExpositionConfig {
            url: required_url("exposition")?,
            events: raw.events.clone().unwrap_or_default(),
        }),
        "cctray" => SourceKind::Cctray(CctrayConfig {
            url: required_url("cctray")?,
        }),
        "andon" => SourceKind::Andon(AndonConfig {
            url: required_url("andon")?,
        }),
        "github" | "gitlab" | "jenkins" | "buildkite" => ci_kind(&raw, kind_word, index, err)?,
        other => {
            return Err(err(
                raw.kind.span(),
                &field("kind"),
                format!(
                    "unknown source kind {other:?}; expected one of {}",
                    SOURCE_KINDS.join(", ")
                ),
            ));
        }
    };
    let transport = validate_transport(&raw, interval, file, &field, err)?;
    Ok(SourceConfig {
        name,
        interval,
        timeout,
        stale_after,
        stage: raw.stage,
        kind,
        transport,
    })
}

/// The kinds that read a CI server's API.
fn ci_kind(
    raw: &RawSource,
    kind: &str,
    index: usize,
    err: &Locate,
) -> Result<SourceKind, ConfigError> {
    let field = |name: &str| format!("source[{index}].{name}");
    let required = |value: &Option<Spanned<String>>, key: &str, example: &str| {
        let Some(value) = value else {
            return Err(err(
                raw.kind.span(),
                &field(key),
                format!("a {kind} source needs `{key}`, e.g. {key} = {example:?}"),
            ));
        };
        let text = value.get_ref().trim();
        if text.is_empty() {
            return Err(err(value.span(), &field(key), "must not be empty".into()));
        }
        Ok(text.to_string())
    };
    let url_of = |value: &Spanned<String>, key: &str| {
        http_url(value.get_ref()).map_err(|reason| err(value.span(), &field(key), reason))
    };
    let api_url = |default: &str| match &raw.api_url {
        Some(v) => url_of(v, "api_url"),
        None => Ok(default.to_string()),
    };
    let branch = || {
        raw.branch
            .as_ref()
            .map_or("main".to_string(), |b| b.get_ref().trim().to_string())
    };
    let environment = || {
        raw.environment
            .as_ref()
            .map_or("production".to_string(), |e| e.get_ref().trim().to_string())
    };
    let auth = auth(raw, kind, index, err)?;
    Ok(match kind {
        "github" => {
            let repo = required(&raw.repo, "repo", "owner/name")?;
            let parts: Vec<&str> = repo.split('/').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                let span = raw.repo.as_ref().map_or(0..0, |r| r.span());
                return Err(err(
                    span,
                    &field("repo"),
                    format!("{repo:?} is not of the form \"owner/name\""),
                ));
            }
            SourceKind::Github(GithubConfig {
                api_url: api_url("https://api.github.com")?,
                repo,
                branch: branch(),
                workflows: raw
                    .workflows
                    .as_ref()
                    .map_or(Vec::new(), |w| w.get_ref().clone()),
                environment: environment(),
                incident_label: raw
                    .incident_label
                    .as_ref()
                    .map_or("incident".to_string(), |l| l.get_ref().trim().to_string()),
                auth,
            })
        }
        "gitlab" => SourceKind::Gitlab(GitlabConfig {
            api_url: api_url("https://gitlab.com/api/v4")?,
            project: required(&raw.project, "project", "group/project")?,
            branch: branch(),
            environment: environment(),
            incident_label: raw
                .incident_label
                .as_ref()
                .map(|l| l.get_ref().trim().to_string()),
            auth,
        }),
        "jenkins" => {
            let url = raw.url.as_ref().ok_or_else(|| {
                err(
                    raw.kind.span(),
                    &field("url"),
                    "a jenkins source needs a url".into(),
                )
            })?;
            SourceKind::Jenkins(JenkinsConfig {
                url: url_of(url, "url")?,
                jobs: raw
                    .jobs
                    .as_ref()
                    .map_or(Vec::new(), |j| j.get_ref().clone()),
                auth,
                deploy_job: match &raw.deploy_job {
                    Some(_) => Some(required(&raw.deploy_job, "deploy_job", "deploy-prod")?),
                    None => None,
                },
                depth: match &raw.depth {
                    None => crate::sources::jenkins::DEFAULT_DEPTH,
                    Some(d) => {
                        let max = crate::sources::jenkins::MAX_DEPTH;
                        usize::try_from(*d.get_ref())
                            .ok()
                            .filter(|depth| (1..=max).contains(depth))
                            .ok_or_else(|| {
                                err(
                                    d.span(),
                                    &field("depth"),
                                    format!("folder levels to read, 1 to {max}"),
                                )
                            })?
                    }
                },
            })
        }
        _ => SourceKind::Buildkite(BuildkiteConfig {
            api_url: api_url("https://api.buildkite.com")?,
            organization: required(&raw.organization, "organization", "my-org")?,
            pipeline: required(&raw.pipeline, "pipeline", "my-pipeline")?,
            branch: branch(),
            auth,
            deploy_pipeline: raw.deploy_pipeline.as_ref().is_some_and(|d| *d.get_ref()),
        }),
    })
}

fn auth(raw: &RawSource, kind: &str, index: usize, err: &Locate) -> Result<Auth, ConfigError> {
    let field = |name: &str| format!("source[{index}].{name}");
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
    if kind == "jenkins" && user.is_some() && token.is_none() {
        let span = raw.user.as_ref().map_or(0..0, |u| u.span());
        return Err(err(
            span,
            &field("user"),
            "basic auth needs a token too: add token_env or token_file".into(),
        ));
    }
    Ok(Auth { user, token })
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

fn validate_transport(
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
        crate::sources::http::read_ca_file(&path)
            .map_err(|e| err(v.span(), &field("ca_file"), e.reason))?;
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

/// "16MiB", "512 KiB", "2MB", "1000000": a byte count; None when it cannot be read.
pub fn byte_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: usize = text[..digits].parse().ok()?;
    let unit: usize = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1000 * 1000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1000 * 1000 * 1000,
        "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(unit)
}

/// The longest duration any setting takes: ten years. Beyond it, clocks and timers overflow
/// (a window of 300 million years has no start date) long before anyone means it.
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

fn duration(value: &Spanned<String>, field: &str, err: &Locate) -> Result<Duration, ConfigError> {
    let parsed = humantime::parse_duration(value.get_ref().trim()).map_err(|e| {
        err(
            value.span(),
            field,
            format!(
                "{:?} is not a duration ({e}); write e.g. \"30s\", \"5m\", \"30d\"",
                value.get_ref()
            ),
        )
    })?;
    if parsed > MAX_DURATION {
        return Err(err(
            value.span(),
            field,
            format!(
                "{:?} is too long: at most 3650d (ten years)",
                value.get_ref()
            ),
        ));
    }
    Ok(parsed)
}

/// toml's messages carry a trailing newline and sometimes an excerpt; keep the first sentence.
fn clean_message(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> ConfigError {
        parse(text, "andon.toml").expect_err("config should be rejected")
    }

    #[test]
    fn sample_config_is_valid_and_uses_the_demo() {
        let config = parse(DEMO_CONFIG, "sample-config.toml").unwrap();
        assert!(!config.sources.is_empty());
        assert!(
            config
                .sources
                .iter()
                .all(|s| matches!(s.kind, SourceKind::Demo { .. }))
        );
    }

    #[test]
    fn full_shape_from_the_documentation_parses() {
        let config = parse(
            r#"
title = "Payments delivery"
[dora]
window = "30d"
benchmark = "2023"
[board]
stages = ["build", "test", "deploy", "verify"]
[[source]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9090/"
interval = "15s"
timeout = "5s"
"#,
            "a.toml",
        )
        .unwrap();
        assert_eq!(config.title, "Payments delivery");
        assert_eq!(config.dora.window, Duration::from_secs(30 * 86_400));
        assert_eq!(config.board.stages, ["build", "test", "deploy", "verify"]);
        let source = &config.sources[0];
        assert_eq!(source.interval, Duration::from_secs(15));
        assert_eq!(source.timeout, Duration::from_secs(5));
        let SourceKind::Prometheus(prom) = &source.kind else {
            panic!("expected prometheus, got {:?}", source.kind)
        };
        assert_eq!(prom.url, "http://127.0.0.1:9090");
        assert_eq!(prom.events, EventNames::default());
        assert_eq!(prom.lookback, Duration::from_secs(90 * 86_400));
    }

    #[test]
    fn wip_limits_parse_and_bad_ones_are_located() {
        let config = parse(
            "[board]\nstages = [\"build\", \"test\"]\nwip_limits = { test = 3, \"code review\" = 1 }\n",
            "a.toml",
        )
        .unwrap();
        assert_eq!(
            config.board.wip_limits,
            std::collections::BTreeMap::from([
                ("code review".to_string(), 1),
                ("test".to_string(), 3)
            ])
        );
        let e = error_of("[board]\nwip_limits = { test = 0 }\n");
        assert_eq!((e.line, e.column), (2, 23));
        assert_eq!(e.field, "board.wip_limits.test");
        assert!(e.message.contains("from 1 to"), "{e}");
        let e = error_of("[board]\n\n[board.wip_limits]\ndeploy = -2\n");
        assert_eq!((e.line, e.field.as_str()), (4, "board.wip_limits.deploy"));
        let e = error_of("[board]\nwip_limits = { \" \" = 2 }\n");
        assert!(e.message.contains("must not be empty"), "{e}");
        let e = error_of("[board]\nwip_limits = { test = \"three\" }\n");
        assert_eq!(e.line, 2, "{e}");
        let e = error_of("[board]\nwip_limits = { test = 2.5 }\n");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn bad_duration_names_line_column_and_field() {
        let e = error_of(
            "[[source]]\nname = \"p\"\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:1\"\ninterval = \"soon\"\n",
        );
        assert_eq!((e.line, e.column), (5, 12));
        assert_eq!(e.field, "source[0].interval");
        assert!(e.message.contains("not a duration"), "{}", e.message);
        assert!(
            e.to_string()
                .starts_with("andon.toml:5:12: field `source[0].interval`")
        );
    }

    #[test]
    fn unknown_field_is_named_with_its_path() {
        let e = error_of("title = \"x\"\n[dora]\nwindw = \"30d\"\n");
        assert_eq!(e.line, 3);
        assert!(e.field.starts_with("dora"), "{e}");
        assert!(e.message.contains("windw"), "{e}");
    }

    #[test]
    fn wrong_type_is_located() {
        let e = error_of("[[source]]\nname = \"d\"\nkind = \"demo\"\nseed = \"one\"\n");
        assert_eq!(e.line, 4);
        assert_eq!(e.field, "source[0].seed");
    }

    #[test]
    fn syntax_error_is_located() {
        let e = error_of("title = \"x\n");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn unknown_kind_is_rejected_at_the_kind() {
        let e = error_of("[[source]]\nname = \"j\"\nkind = \"jenkinz\"\n");
        assert_eq!((e.line, e.field.as_str()), (3, "source[0].kind"));
        assert!(e.message.contains("jenkinz"));
    }

    #[test]
    fn missing_url_and_bad_url_are_rejected() {
        let e = error_of("[[source]]\nname = \"p\"\nkind = \"cctray\"\n");
        assert_eq!(e.field, "source[0].url");
        let e = error_of("[[source]]\nname = \"p\"\nkind = \"cctray\"\nurl = \"ftp://x\"\n");
        assert_eq!((e.line, e.field.as_str()), (4, "source[0].url"));
    }

    #[test]
    fn rework_rules_industry_and_escalation_parse_and_bad_ones_are_located() {
        let c = parse(
            "[dora]\nrework_rules = [\"fix\", \"marked\"]\nindustry = \"technology\"\n\
             [andon]\nescalate_after = \"30m\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(c.dora.rework_rules.words(), ["fix", "marked"]);
        assert_eq!(c.dora.industry.name, "Technology");
        assert_eq!(c.andon.escalate_after, Some(Duration::from_secs(1800)));
        let defaults = parse("", "t.toml").unwrap();
        assert_eq!(defaults.dora.rework_rules, ReworkRules::default());
        assert_eq!(defaults.dora.industry.key, "all");
        assert_eq!(defaults.andon.escalate_after, None);
        let none = parse("[dora]\nrework_rules = []\n", "t.toml").unwrap();
        assert_eq!(none.dora.rework_rules, ReworkRules::none());
        let e = error_of("[dora]\nrework_rules = [\"fix\", \"hotfix\"]\n");
        assert_eq!((e.line, e.field.as_str()), (2, "dora.rework_rules[1]"));
        assert!(e.message.contains("\"hotfix\""), "{e}");
        let e = error_of("[dora]\nrework_rules = [\"fix\", \"fix\"]\n");
        assert!(e.message.contains("twice"), "{e}");
        let e = error_of("[dora]\nindustry = \"banking\"\n");
        assert_eq!((e.line, e.field.as_str()), (2, "dora.industry"));
        assert!(e.message.contains("financial_services"), "{e}");
        let e = error_of("\n[andon]\nescalate_after = \"500ms\"\n");
        assert_eq!((e.line, e.field.as_str()), (3, "andon.escalate_after"));
        let e = error_of("[andon]\nescalate_after = \"soon\"\n");
        assert_eq!(e.field, "andon.escalate_after");
        let e = error_of("[andon]\nescalate = \"30m\"\n");
        assert!(e.field.starts_with("andon"), "{e}");
    }

    #[test]
    fn duplicate_names_and_bad_benchmark_are_rejected() {
        let e = error_of(
            "[[source]]\nname = \"a\"\nkind = \"demo\"\n[[source]]\nname = \"a\"\nkind = \"demo\"\n",
        );
        assert_eq!(e.line, 5);
        assert!(e.message.contains("duplicate"));
        let e = error_of("[dora]\nbenchmark = \"2019\"\n");
        assert_eq!((e.line, e.field.as_str()), (2, "dora.benchmark"));
    }

    #[test]
    fn event_names_and_board_query_are_configurable() {
        let config = parse(
            r#"
[[source]]
name = "p"
kind = "prometheus"
url = "http://127.0.0.1:9090"
[source.events]
deploy = "my_deploy_ts"
app_label = "service"
[source.board]
query = "gitlab_ci_pipeline_job_status == 1"
pipeline_label = "project"
"#,
            "a.toml",
        )
        .unwrap();
        let SourceKind::Prometheus(prom) = &config.sources[0].kind else {
            panic!()
        };
        assert_eq!(prom.events.deploy, "my_deploy_ts");
        assert_eq!(prom.events.app_label, "service");
        assert_eq!(prom.events.commit, "commit_timestamp");
        let board = prom.board.as_ref().unwrap();
        assert_eq!(board.pipeline_label, "project");
        assert_eq!(board.stage_label, "stage");
    }

    #[test]
    fn display_and_pages_parse_and_board_stays_the_main_page() {
        let config = parse(
            r#"
[board]
stages = ["build", "deploy"]
[display]
theme = "light"
kiosk = true
rotate = "20s"
bell = true
command = "notify-send andon"
[[page]]
name = "Payments"
filter = "pay"
[[page]]
name = "Attention"
hide_green = true
"#,
            "a.toml",
        )
        .unwrap();
        assert_eq!(config.board.stages, ["build", "deploy"]);
        assert_eq!(config.display.theme.as_deref(), Some("light"));
        assert!(config.display.kiosk && config.display.bell);
        assert_eq!(config.display.rotate, Duration::from_secs(20));
        assert_eq!(config.pages.len(), 2);
        assert_eq!(config.pages[0].filter.as_deref(), Some("pay"));
        assert!(config.pages[1].hide_green && config.pages[1].filter.is_none());
        let plain = parse("[board]\nstages = [\"a\"]\n", "b.toml").unwrap();
        assert_eq!(plain.display, DisplayConfig::default());
        assert!(plain.pages.is_empty());
    }

    #[test]
    fn bad_rotate_and_duplicate_pages_are_located() {
        let e = error_of("[display]\nrotate = \"1s\"\n");
        assert_eq!((e.line, e.field.as_str()), (2, "display.rotate"));
        let e = error_of("[[page]]\nname = \"a\"\n[[page]]\nname = \"a\"\n");
        assert_eq!((e.line, e.field.as_str()), (4, "page[1].name"));
        let e = error_of("[display]\nkoisk = true\n");
        assert!(e.to_string().contains("koisk"), "{e}");
    }

    #[test]
    fn ci_sources_parse_with_defaults() {
        let config = parse(
            r#"
[[source]]
name = "gh"
kind = "github"
repo = "octo-org/shop"
token_env = "GITHUB_TOKEN"
workflows = ["ci.yml"]
[[source]]
name = "gl"
kind = "gitlab"
project = "group/payments"
api_url = "https://gitlab.example.com/api/v4/"
incident_label = "sev"
[[source]]
name = "jk"
kind = "jenkins"
url = "https://ci.example.org/"
user = "ci"
token_file = "/run/secrets/jenkins"
[[source]]
name = "bk"
kind = "buildkite"
organization = "acme"
pipeline = "checkout"
branch = "trunk"
token = "bkua_inline"
"#,
            "a.toml",
        )
        .unwrap();
        let SourceKind::Github(gh) = &config.sources[0].kind else {
            panic!()
        };
        assert_eq!(gh.api_url, "https://api.github.com");
        assert_eq!(
            (gh.branch.as_str(), gh.environment.as_str()),
            ("main", "production")
        );
        assert_eq!(gh.incident_label, "incident");
        assert_eq!(gh.auth.token, Some(TokenSource::Env("GITHUB_TOKEN".into())));
        let SourceKind::Gitlab(gl) = &config.sources[1].kind else {
            panic!()
        };
        assert_eq!(gl.api_url, "https://gitlab.example.com/api/v4");
        assert_eq!(gl.incident_label.as_deref(), Some("sev"));
        let SourceKind::Jenkins(jk) = &config.sources[2].kind else {
            panic!()
        };
        assert_eq!(jk.url, "https://ci.example.org");
        assert_eq!(jk.auth.user.as_deref(), Some("ci"));
        let SourceKind::Buildkite(bk) = &config.sources[3].kind else {
            panic!()
        };
        assert_eq!(bk.branch, "trunk");
        assert!(!bk.deploy_pipeline, "opt-in");
        assert!(!format!("{config:?}").contains("bkua_inline"));
    }

    #[test]
    fn bad_ci_configs_are_located() {
        let e = error_of("[[source]]\nname = \"g\"\nkind = \"github\"\n");
        assert_eq!((e.line, e.field.as_str()), (3, "source[0].repo"));
        assert!(e.message.contains("owner/name"), "{e}");

        let e = error_of("[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"shop\"\n");
        assert_eq!(
            (e.line, e.column, e.field.as_str()),
            (4, 8, "source[0].repo")
        );

        let e = error_of(
            "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\ntoken_env = \"A\"\ntoken_file = \"/x\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (6, "source[0].token"));
        assert!(e.message.contains("only one"), "{e}");

        let e = error_of(
            "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://j\"\nuser = \"ci\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].user"));

        let e = error_of(
            "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\napi_url = \"api.buildkite.com\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (6, "source[0].api_url"));

        let e = error_of(
            "[[source]]\nname = \"g\"\nkind = \"gitlab\"\nproject = \"p\"\nrepo = \"a/b\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].repo"));

        let e = error_of(
            "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x\"\ntoken_env = \"T\"\n",
        );
        assert_eq!(e.field, "source[0].token_env");
    }

    #[test]
    fn deploy_pipeline_is_buildkite_only_and_opt_in() {
        let config = parse(
            "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"deploy\"\ndeploy_pipeline = true\n",
            "a.toml",
        )
        .unwrap();
        let SourceKind::Buildkite(bk) = &config.sources[0].kind else {
            panic!()
        };
        assert!(bk.deploy_pipeline);
        let e = error_of(
            "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\ndeploy_pipeline = true\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].deploy_pipeline"));
        assert!(
            e.message
                .contains("applies only to buildkite sources, not github"),
            "{e}"
        );
        let e = error_of(
            "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x\"\ndeploy_pipeline = true\n",
        );
        assert_eq!(e.field, "source[0].deploy_pipeline");
        let e = error_of(
            "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\ndeploy_pipeline = \"yes\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (6, "source[0].deploy_pipeline"));
    }

    #[test]
    fn a_url_with_a_control_character_is_refused() {
        let e = error_of(
            "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x/\\u001b[2J\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (4, "source[0].url"));
        assert!(e.message.contains("control character"), "{e}");
        let e = error_of(
            "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\napi_url = \"https://gh/\\u202e\"\n",
        );
        assert_eq!(e.field, "source[0].api_url");
    }

    #[test]
    fn a_key_its_kind_does_not_take_is_refused_where_it_is_written() {
        let e = error_of(
            "[[source]]\nname = \"c\"\nkind = \"cctray\"\nurl = \"http://x/cc.xml\"\nlookback = \"9d\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].lookback"));
        assert!(
            e.message
                .contains("`lookback` applies only to prometheus sources, not cctray"),
            "{e}"
        );
        let e = error_of(
            "[[source]]\nname = \"h\"\nkind = \"andon\"\nurl = \"http://x\"\n[source.events]\ndeploy = \"d\"\n",
        );
        assert_eq!(e.field, "source[0].events");
        assert!(
            e.message
                .contains("applies only to prometheus and exposition sources, not andon"),
            "{e}"
        );
        let e = error_of(
            "[[source]]\nname = \"g\"\nkind = \"github\"\nrepo = \"a/b\"\njobs = [\"x\"]\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].jobs"));
    }

    #[test]
    fn deploy_job_is_jenkins_only_and_not_empty() {
        let config = parse(
            "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://ci\"\ndeploy_job = \"team/deploy\"\n",
            "a.toml",
        )
        .unwrap();
        let SourceKind::Jenkins(jenkins) = &config.sources[0].kind else {
            panic!()
        };
        assert_eq!(jenkins.deploy_job.as_deref(), Some("team/deploy"));
        let e = error_of(
            "[[source]]\nname = \"g\"\nkind = \"gitlab\"\nproject = \"a/b\"\ndeploy_job = \"d\"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].deploy_job"));
        assert!(
            e.message
                .contains("applies only to jenkins sources, not gitlab"),
            "{e}"
        );
        let e = error_of("[[source]]\nname = \"d\"\nkind = \"demo\"\ndeploy_job = \"d\"\n");
        assert_eq!(e.field, "source[0].deploy_job");
        let e = error_of(
            "[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://ci\"\ndeploy_job = \" \"\n",
        );
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].deploy_job"));
    }

    #[test]
    fn inline_token_in_a_readable_file_is_warned_about_without_the_token() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("andon.toml");
        let text = "[[source]]\nname = \"b\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"p\"\ntoken = \"bkua_s3cret\"\n";
        std::fs::write(&path, text).unwrap();
        let config = load(Some(&path)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warnings = secret_warnings(Some(&path), &config);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("mode 644"), "{warnings:?}");
        assert!(!warnings[0].contains("bkua_s3cret"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(secret_warnings(Some(&path), &config).is_empty());
    }

    #[test]
    fn transport_defaults_and_options() {
        let config = parse(
            "[[source]]\nname = \"a\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1\"\n\
             [[source]]\nname = \"b\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1\"\n\
             max_body = \"512 KiB\"\ninsecure = true\nbackoff_max = \"10m\"\ninterval = \"1m\"\n",
            "a.toml",
        )
        .unwrap();
        assert_eq!(config.sources[0].transport, Transport::default());
        let b = &config.sources[1].transport;
        assert_eq!(b.max_body, 512 * 1024);
        assert!(b.insecure);
        assert_eq!(b.backoff_max, Duration::from_secs(600));
    }

    #[test]
    fn bad_transport_options_are_located() {
        let base = "[[source]]\nname = \"a\"\nkind = \"cctray\"\nurl = \"https://127.0.0.1:1\"\n";
        let e = error_of(&format!("{base}max_body = \"lots\"\n"));
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].max_body"));
        let e = error_of(&format!("{base}max_body = \"10\"\n"));
        assert!(e.message.contains("between 1KiB and 1GiB"), "{e}");
        let e = error_of(&format!("{base}backoff_max = \"1s\"\n"));
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].backoff_max"));
        assert!(e.message.contains("at least the interval"), "{e}");
        let e = error_of(&format!("{base}ca_file = \"/nonexistent/ca.pem\"\n"));
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].ca_file"));
        assert!(e.message.contains("cannot read CA file"), "{e}");
        let not_pem = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(not_pem.path(), "hello").unwrap();
        let e = error_of(&format!("{base}ca_file = {:?}\n", not_pem.path()));
        assert!(e.message.contains("no certificate"), "{e}");
    }

    const TWO_ON_GITHUB: &str = "[[source]]\nname = \"a\"\nkind = \"github\"\nrepo = \"o/a\"\n\
         [[source]]\nname = \"b\"\nkind = \"github\"\nrepo = \"o/b\"\n\
         [[source]]\nname = \"gl\"\nkind = \"gitlab\"\nproject = \"g/p\"\n\
         api_url = \"https://gitlab.example.com:8443/api/v4\"\n";

    #[test]
    fn request_budgets_default_per_host_and_configured() {
        let config = parse(TWO_ON_GITHUB, "a.toml").unwrap();
        assert!(
            config
                .sources
                .iter()
                .all(|s| s.transport.budget_per_hour == 2000)
        );
        let config = parse(
            &format!(
                "[http]\nbudget_per_hour = 500\n\
                 [http.hosts.\"api.github.com\"]\nbudget_per_hour = 1000\n{TWO_ON_GITHUB}"
            ),
            "a.toml",
        )
        .unwrap();
        let budgets: Vec<(Option<String>, u32)> = config
            .sources
            .iter()
            .map(|s| (s.kind.api_host(), s.transport.budget_per_hour))
            .collect();
        assert_eq!(
            budgets,
            [
                (Some("api.github.com".to_string()), 1000),
                (Some("api.github.com".to_string()), 1000),
                (Some("gitlab.example.com:8443".to_string()), 500)
            ]
        );
        // The scheme's default port may be written.
        let config = parse(
            &format!("[http.hosts.\"api.github.com:443\"]\nbudget_per_hour = 60\n{TWO_ON_GITHUB}"),
            "a.toml",
        )
        .unwrap();
        assert_eq!(config.sources[0].transport.budget_per_hour, 60);
    }

    #[test]
    fn bad_request_budgets_are_located() {
        let e = error_of(&format!("[http]\nbudget_per_hour = 0\n{TWO_ON_GITHUB}"));
        assert_eq!(
            (e.line, e.column, e.field.as_str()),
            (2, 19, "http.budget_per_hour")
        );
        assert!(e.message.contains("between 1 and 1000000"), "{e}");
        let e = error_of(&format!("[http]\nbudget_per_hour = -5\n{TWO_ON_GITHUB}"));
        assert_eq!(e.field, "http.budget_per_hour");
        let e = error_of(&format!(
            "[http]\nbudget_per_hour = \"lots\"\n{TWO_ON_GITHUB}"
        ));
        assert_eq!((e.line, e.field.as_str()), (2, "http.budget_per_hour"));
        let e = error_of(&format!(
            "[http.hosts.\"api.github.com\"]\nbudget_per_hour = 2000000\n{TWO_ON_GITHUB}"
        ));
        assert_eq!(
            (e.line, e.field.as_str()),
            (2, "http.hosts.\"api.github.com\".budget_per_hour")
        );
        let e = error_of(&format!(
            "[http.hosts.\"api.github.co\"]\nbudget_per_hour = 100\n{TWO_ON_GITHUB}"
        ));
        assert_eq!(e.field, "http.hosts.\"api.github.co\"");
        assert!(
            e.message
                .contains("no source talks to \"api.github.co\"; the CI API hosts are api.github.com, gitlab.example.com:8443"),
            "{e}"
        );
        let e = error_of(&format!(
            "[http.hosts.\"https://api.github.com\"]\nbudget_per_hour = 100\n{TWO_ON_GITHUB}"
        ));
        assert!(e.message.contains("is not a host"), "{e}");
        let e = error_of(&format!("[http]\nbudget = 100\n{TWO_ON_GITHUB}"));
        assert!(e.to_string().contains("budget"), "{e}");
        assert_eq!(e.line, 2);
        let e = error_of(&format!("[http.hosts.\"api.github.com\"]\n{TWO_ON_GITHUB}"));
        assert!(e.message.contains("budget_per_hour"), "{e}");
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(byte_size("16MiB"), Some(16 * 1024 * 1024));
        assert_eq!(byte_size(" 2 mb "), Some(2_000_000));
        assert_eq!(byte_size("1000"), Some(1000));
        assert_eq!(byte_size("1.5MiB"), None);
        assert_eq!(byte_size("MiB"), None);
        assert_eq!(byte_size("99999999999999999999GiB"), None);
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
    }
}
