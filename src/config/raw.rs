//! The file as written: the raw TOML tables, before any check. A source is one flat table
//! whatever its kind, so that toml can point at each key it holds.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{BoardQuery, EventNames};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub title: Option<String>,
    #[serde(default)]
    pub dora: RawDora,
    #[serde(default)]
    pub board: RawBoard,
    #[serde(default)]
    pub source: Vec<RawSource>,
    #[serde(default)]
    pub display: RawDisplay,
    #[serde(default)]
    pub page: Vec<RawPage>,
    #[serde(default)]
    pub http: RawHttp,
    #[serde(default)]
    pub serve: RawServe,
    #[serde(default)]
    pub andon: RawAndon,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawServe {
    pub listen: Option<Spanned<String>>,
    #[serde(default)]
    pub allow_remote: bool,
    pub state_dir: Option<Spanned<String>>,
    pub retention: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAndon {
    pub escalate_after: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    pub budget_per_hour: Option<Spanned<i64>>,
    #[serde(default)]
    pub hosts: std::collections::BTreeMap<String, Spanned<RawHost>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    pub budget_per_hour: Spanned<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDisplay {
    pub theme: Option<String>,
    #[serde(default)]
    pub kiosk: bool,
    pub rotate: Option<Spanned<String>>,
    #[serde(default)]
    pub hide_green: bool,
    #[serde(default)]
    pub bell: bool,
    pub command: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPage {
    pub name: Spanned<String>,
    pub filter: Option<String>,
    #[serde(default)]
    pub hide_green: bool,
    pub kind: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDora {
    pub window: Option<Spanned<String>>,
    pub benchmark: Option<Spanned<String>>,
    pub rework_rules: Option<Spanned<Vec<Spanned<String>>>>,
    pub industry: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawBoard {
    #[serde(default)]
    pub stages: Vec<String>,
    #[serde(default)]
    pub wip_limits: std::collections::BTreeMap<String, Spanned<i64>>,
    #[serde(default, rename = "match")]
    pub matches: std::collections::BTreeMap<String, Vec<String>>,
    pub max_columns: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub url: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub stale_after: Option<Spanned<u32>>,
    pub stage: Option<String>,
    pub seed: Option<u64>,
    pub lookback: Option<Spanned<String>>,
    pub events: Option<EventNames>,
    pub board: Option<BoardQuery>,
    // CI API sources.
    pub api_url: Option<Spanned<String>>,
    pub repo: Option<Spanned<String>>,
    pub project: Option<Spanned<String>>,
    pub organization: Option<Spanned<String>>,
    pub pipeline: Option<Spanned<String>>,
    pub branch: Option<Spanned<String>>,
    pub workflows: Option<Spanned<Vec<String>>>,
    pub jobs: Option<Spanned<Vec<String>>>,
    pub environment: Option<Spanned<String>>,
    pub incident_label: Option<Spanned<String>>,
    pub user: Option<Spanned<String>>,
    pub token: Option<Spanned<String>>,
    pub token_env: Option<Spanned<String>>,
    pub token_file: Option<Spanned<String>>,
    pub max_body: Option<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    pub insecure: Option<bool>,
    pub backoff_max: Option<Spanned<String>>,
    pub deploy_pipeline: Option<Spanned<bool>>,
    pub deploy_job: Option<Spanned<String>>,
    pub depth: Option<Spanned<i64>>,
}

impl RawSource {
    /// The keys written in this table that only some kinds take, in the table's order, each
    /// with where it is written (the kind's place where toml gives the key no span of its own).
    /// A key added here for a new kind goes in the kind's `KEYS` too.
    pub fn kind_keys(&self) -> Vec<(&'static str, Range<usize>)> {
        let at = |span: Option<Range<usize>>| span.or_else(|| Some(self.kind.span()));
        let spanned = |v: &Option<Spanned<String>>| v.as_ref().map(|v| v.span());
        let written: [(&str, Option<Option<Range<usize>>>); 22] = [
            ("seed", self.seed.map(|_| None)),
            ("url", self.url.as_ref().map(|v| Some(v.span()))),
            ("lookback", self.lookback.as_ref().map(|v| Some(v.span()))),
            ("events", self.events.as_ref().map(|_| None)),
            ("board", self.board.as_ref().map(|_| None)),
            ("api_url", self.api_url.as_ref().map(|v| Some(v.span()))),
            ("repo", self.repo.as_ref().map(|v| Some(v.span()))),
            ("project", self.project.as_ref().map(|v| Some(v.span()))),
            (
                "organization",
                self.organization.as_ref().map(|v| Some(v.span())),
            ),
            ("pipeline", self.pipeline.as_ref().map(|v| Some(v.span()))),
            ("branch", self.branch.as_ref().map(|v| Some(v.span()))),
            ("workflows", self.workflows.as_ref().map(|v| Some(v.span()))),
            ("jobs", self.jobs.as_ref().map(|v| Some(v.span()))),
            (
                "environment",
                self.environment.as_ref().map(|v| Some(v.span())),
            ),
            ("incident_label", spanned(&self.incident_label).map(Some)),
            ("user", spanned(&self.user).map(Some)),
            ("token", spanned(&self.token).map(Some)),
            ("token_env", spanned(&self.token_env).map(Some)),
            ("token_file", spanned(&self.token_file).map(Some)),
            (
                "deploy_pipeline",
                self.deploy_pipeline.as_ref().map(|v| Some(v.span())),
            ),
            ("deploy_job", spanned(&self.deploy_job).map(Some)),
            ("depth", self.depth.as_ref().map(|v| Some(v.span()))),
        ];
        written
            .into_iter()
            .filter_map(|(key, span)| Some((key, at(span?).unwrap_or_default())))
            .collect()
    }
}
