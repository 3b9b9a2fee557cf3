//! `andon schema`: a JSON Schema (draft 2020-12) of the config file, for TOML editors
//! (taplo, Even Better TOML) to complete and check keys.
//!
//! Per source kind it admits only the keys that kind uses, so a key the parser would ignore
//! for that kind is flagged too. `tests/schema.rs` keeps it in step with the parser.

use serde_json::{Value, json};

/// Keys every source kind takes.
pub const COMMON_SOURCE_KEYS: &[&str] = &[
    "name",
    "kind",
    "interval",
    "timeout",
    "stale_after",
    "stage",
    "max_body",
    "ca_file",
    "insecure",
    "backoff_max",
];

/// Each source kind with the keys it takes besides the common ones (the parser's own table),
/// and those it needs.
pub fn source_kinds() -> Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)> {
    crate::sources::kinds::KINDS
        .iter()
        .map(|kind| (kind.name, kind.keys.to_vec(), kind.required.to_vec()))
        .collect()
}

fn text(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn duration(description: &str, example: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("{description} A duration: \"30s\", \"5m\", \"2h\", \"30d\"."),
        "examples": [example],
    })
}

fn flag(description: &str) -> Value {
    json!({ "type": "boolean", "description": description })
}

fn url(description: &str) -> Value {
    json!({ "type": "string", "description": description, "format": "uri", "pattern": "^https?://" })
}

fn names(description: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "description": description })
}

fn source_properties() -> Value {
    json!({
        "name": { "type": "string", "minLength": 1, "description": "Unique name of the source, shown on the screen." },
        "kind": {
            "description": "What the source reads.",
            "enum": source_kinds().iter().map(|(k, _, _)| *k).collect::<Vec<_>>(),
        },
        "url": url("The feed or server URL (prometheus, exposition, cctray, jenkins; andon: the collector's base URL)."),
        "interval": duration("Time between polls (at least 1s).", "30s"),
        "timeout": duration("Longest wait for one poll (default: 10s or the interval).", "10s"),
        "stale_after": { "type": "integer", "minimum": 1, "description": "Intervals without a success after which the data counts as stale (default 3)." },
        "stage": text("Board column for pipelines whose source reports no stages."),
        "seed": { "type": "integer", "minimum": 0, "description": "Seed of the simulated demo data." },
        "lookback": duration("How far back event series are looked for (default: three DORA windows).", "90d"),
        "events": {
            "type": "object",
            "description": "Names of the Pelorus-compatible DORA event gauges and their labels.",
            "additionalProperties": false,
            "properties": {
                "commit": text("Commit time gauge (default commit_timestamp)."),
                "deploy": text("Deployment time gauge (default deploy_timestamp)."),
                "failure_created": text("Failure start gauge (default failure_creation_timestamp)."),
                "failure_resolved": text("Failure end gauge (default failure_resolution_timestamp)."),
                "app_label": text("Label naming the app (default app)."),
                "commit_label": text("Label naming the commit (default commit)."),
                "image_label": text("Label naming the image (default image_sha)."),
                "issue_label": text("Label naming the incident (default issue_number)."),
            },
        },
        "board": {
            "type": "object",
            "description": "A PromQL query whose series describe the board.",
            "additionalProperties": false,
            "required": ["query"],
            "properties": {
                "query": text("PromQL: one series per (pipeline, stage) or job."),
                "pipeline_label": text("Label naming the pipeline (default pipeline)."),
                "stage_label": text("Label naming the stage (default stage)."),
                "status_label": text("Label naming the status (default status)."),
            },
        },
        "api_url": url("API root: https://api.github.com, https://gitlab.example.com/api/v4, https://api.buildkite.com."),
        "repo": { "type": "string", "description": "GitHub repository as owner/name.", "pattern": "^[^/]+/[^/]+$" },
        "project": text("GitLab project: group/project or its numeric id."),
        "organization": text("Buildkite organization slug."),
        "pipeline": text("Buildkite pipeline slug."),
        "branch": text("Branch shown (default main)."),
        "workflows": names("GitHub workflow names or file names shown (default: all)."),
        "jobs": names("Jenkins job names or folder prefixes shown (default: all)."),
        "environment": text("Deployment environment counted for DORA (default production; empty turns deployments off)."),
        "incident_label": text("Label of incident issues (GitHub default incident; GitLab default: issues of type incident)."),
        "user": text("Jenkins user for basic auth (needs a token too)."),
        "token": text("Inline token; discouraged: prefer token_env or token_file."),
        "token_env": text("Environment variable holding the token."),
        "token_file": text("File holding the token."),
        "max_body": { "type": "string", "description": "Largest response read: \"16MiB\", \"512KiB\" (1KiB to 1GiB).", "examples": ["16MiB"] },
        "ca_file": text("PEM bundle of extra CAs trusted besides the system's (relative to the config file)."),
        "insecure": flag("Accept any certificate; the screen warns while this is on."),
        "backoff_max": duration("Longest wait between retries (at least the interval; default 5m).", "5m"),
        "deploy_pipeline": flag("Buildkite: passed builds of this pipeline are production deployments."),
        "deploy_job": text("Jenkins: full name of the job that deploys to production."),
        "depth": { "type": "integer", "minimum": 1, "maximum": crate::sources::jenkins::MAX_DEPTH, "description": "Jenkins: how many folder levels the job listing reads (default 3)." },
    })
}

fn source_schema() -> Value {
    let per_kind: Vec<Value> = source_kinds()
        .into_iter()
        .map(|(kind, keys, required)| {
            let mut allowed: Vec<&str> = COMMON_SOURCE_KEYS.to_vec();
            allowed.extend(keys);
            json!({
                "if": { "properties": { "kind": { "const": kind } }, "required": ["kind"] },
                "then": { "propertyNames": { "enum": allowed }, "required": required },
            })
        })
        .collect();
    json!({
        "type": "object",
        "description": "A feed polled for pipelines and DORA events.",
        "required": ["name", "kind"],
        "additionalProperties": false,
        "properties": source_properties(),
        "allOf": per_kind,
    })
}

/// The whole schema.
pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "andon configuration",
        "description": "The TOML config of andon, a terminal information radiator.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "title": text("Title shown on the screen."),
            "dora": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "window": duration("Period the keys cover (at least 1d, default 30d).", "30d"),
                    "benchmark": { "enum": ["2023", "2021"], "description": "DORA report the performance tiers come from." },
                    "rework_rules": {
                        "type": "array",
                        "items": { "enum": ["fix", "rollback", "marked"] },
                        "description": "What makes a deployment rework, each named once (default: all three; empty: none).",
                    },
                    "industry": {
                        "enum": crate::dora::scores::industry_keys(),
                        "description": "The 2025 benchmark the scores are held against (default all).",
                    },
                },
            },
            "board": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "stages": names("Board columns, in order."),
                    "match": {
                        "type": "object",
                        "description": "Job-name patterns per stage: a job whose name matches one goes in that column.",
                        "additionalProperties": { "type": "array", "items": { "type": "string" } },
                    },
                    "max_columns": { "type": "integer", "minimum": 1, "maximum": 64, "description": "Most columns the board shows before it falls back to a list." },
                    "wip_limits": {
                        "type": "object",
                        "description": "Most runs in progress at once per stage.",
                        "additionalProperties": { "type": "integer", "minimum": 1, "maximum": crate::config::MAX_WIP_LIMIT },
                    },
                },
            },
            "display": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "theme": {
                        "type": "string",
                        "description": "A built-in theme or NAME of NAME.toml in $XDG_CONFIG_HOME/andon/themes.",
                        "examples": ["default", "light", "high-contrast", "colourblind", "ansi", "monochrome"],
                    },
                    "kiosk": flag("Wall mode: no key hints, big banner, pages rotate."),
                    "rotate": duration("Time each page stays on screen (at least 2s).", "30s"),
                    "hide_green": flag("Show only what needs attention on the main board."),
                    "bell": flag("Ring the bell when the line stops and when it is green again."),
                    "command": text("Command run by sh -c on those transitions, with ANDON_* variables."),
                },
            },
            "page": {
                "type": "array",
                "description": "More boards after the main one; they rotate.",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name"],
                    "properties": {
                        "name": { "type": "string", "minLength": 1, "description": "Unique page name." },
                        "filter": text("Pipelines whose name or source contains this (case-insensitive)."),
                        "hide_green": flag("Show only what needs attention."),
                        "kind": { "enum": ["board", "trends"], "description": "What the page shows: a board (default) or the DORA trends." },
                    },
                },
            },
            "http": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "budget_per_hour": { "type": "integer", "minimum": 1, "maximum": 1_000_000, "description": "Requests per hour all sources on one API host may make together." },
                    "hosts": {
                        "type": "object",
                        "description": "Budgets of single hosts, keyed by host name.",
                        "additionalProperties": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["budget_per_hour"],
                            "properties": {
                                "budget_per_hour": { "type": "integer", "minimum": 1, "maximum": 1_000_000 },
                            },
                        },
                    },
                },
            },
            "serve": {
                "type": "object",
                "additionalProperties": false,
                "description": "andon serve, the collector.",
                "properties": {
                    "listen": { "type": "string", "description": "Address and port the collector listens on.", "examples": [crate::config::DEFAULT_LISTEN] },
                    "allow_remote": flag("Allow listening on an address other than loopback."),
                    "state_dir": text("Directory of the history database (default $XDG_STATE_HOME/andon)."),
                    "retention": duration("How long history is kept (at least 1d, default 90d).", "90d"),
                },
            },
            "andon": {
                "type": "object",
                "additionalProperties": false,
                "description": "The stopped line.",
                "properties": {
                    "escalate_after": duration("A line red for longer escalates (at least 1s; default: never).", "30m"),
                },
            },
            "source": { "type": "array", "items": source_schema() },
        },
    })
}
