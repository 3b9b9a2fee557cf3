//! `andon check`: what the config says would be polled, in words.

use std::fmt::Write as _;

use crate::config::{Config, SourceKind};
use crate::sources::http::redact;

pub fn describe(config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "config ok: {}", config.origin);
    let _ = writeln!(out, "title: {}", config.title);
    let _ = writeln!(
        out,
        "dora: window {}, benchmark {}",
        humantime::format_duration(config.dora.window),
        config.dora.benchmark.label()
    );
    if !config.board.stages.is_empty() {
        let _ = writeln!(out, "board stages: {}", config.board.stages.join(" → "));
    }
    let _ = writeln!(out, "sources ({}):", config.sources.len());
    for s in &config.sources {
        let target = match &s.kind {
            SourceKind::Demo { seed } => format!("simulated, seed {seed}"),
            SourceKind::Prometheus(p) => {
                let board = p
                    .board
                    .as_ref()
                    .map_or(String::new(), |b| format!("; board query {:?}", b.query));
                format!(
                    "{} (events {}, {}, {}, {}{board})",
                    redact(&p.url),
                    p.events.deploy,
                    p.events.commit,
                    p.events.failure_created,
                    p.events.failure_resolved
                )
            }
            SourceKind::Exposition(e) => format!("{} (events {})", redact(&e.url), e.events.deploy),
            SourceKind::Cctray(c) => redact(&c.url),
            SourceKind::Github(c) => format!(
                "{}/repos/{} branch {} ({})",
                c.api_url,
                c.repo,
                c.branch,
                c.auth.describe()
            ),
            SourceKind::Gitlab(c) => format!(
                "{}/projects/{} branch {} ({})",
                c.api_url,
                c.project,
                c.branch,
                c.auth.describe()
            ),
            SourceKind::Jenkins(c) => format!("{} ({})", redact(&c.url), c.auth.describe()),
            SourceKind::Buildkite(c) => format!(
                "{}/v2/organizations/{}/pipelines/{} branch {} ({})",
                c.api_url,
                c.organization,
                c.pipeline,
                c.branch,
                c.auth.describe()
            ),
        };
        let _ = writeln!(
            out,
            "  {}  {}  {}  every {}, timeout {}",
            s.name,
            s.kind.name(),
            target,
            humantime::format_duration(s.interval),
            humantime::format_duration(s.timeout)
        );
        if let Some(ca) = &s.transport.ca_file {
            let _ = writeln!(out, "    TLS: system roots and {}", ca.display());
        }
        if s.transport.insecure {
            let _ = writeln!(out, "    TLS: NOT VERIFIED (insecure = true)");
        }
    }
    if config.sources.is_empty() {
        let _ = writeln!(out, "  (none: the screen will show NO DATA)");
    }
    out
}
