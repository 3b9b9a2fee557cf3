//! The sections every configuration has besides its sources: `[dora]`, `[andon]`, `[display]`,
//! `[board]`, `[[page]]`, `[serve]` and `[http]`.

use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::values::{duration, host_matches};
use super::{
    BoardConfig, ConfigError, DEFAULT_LISTEN, DEFAULT_MAX_COLUMNS, DEFAULT_WINDOW, DisplayConfig,
    DoraConfig, HOST_BUDGET_PER_HOUR, LineConfig, Locate, MAX_WIP_LIMIT, PageConfig, RawAndon,
    RawBoard, RawDisplay, RawDora, RawHttp, RawPage, RawServe, ServeConfig,
};
use crate::dora::{Benchmark, Industry, ReworkRule, ReworkRules, scores};

/// `[dora]`.
pub fn dora(raw: &RawDora, err: &Locate) -> Result<DoraConfig, ConfigError> {
    let window = match &raw.window {
        Some(w) => duration(w, "dora.window", err)?,
        None => DEFAULT_WINDOW,
    };
    if window < Duration::from_secs(86_400) {
        let span = raw.window.as_ref().map(|w| w.span()).unwrap_or(0..0);
        return Err(err(span, "dora.window", "must be at least 1 day".into()));
    }
    let benchmark = match &raw.benchmark {
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
    let rework_rules = match &raw.rework_rules {
        None => ReworkRules::default(),
        Some(rules) => rework_rules(rules.get_ref(), err)?,
    };
    let industry = match &raw.industry {
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
    Ok(DoraConfig {
        window,
        benchmark,
        rework_rules,
        industry,
    })
}

/// `[andon]`.
pub fn line(raw: &RawAndon, err: &Locate) -> Result<LineConfig, ConfigError> {
    let escalate_after = match &raw.escalate_after {
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
    Ok(LineConfig { escalate_after })
}

/// `[display]`.
pub fn display(raw: RawDisplay, err: &Locate) -> Result<DisplayConfig, ConfigError> {
    let rotate = match &raw.rotate {
        Some(r) => duration(r, "display.rotate", err)?,
        None => DisplayConfig::default().rotate,
    };
    if rotate < Duration::from_secs(2) {
        let span = raw.rotate.as_ref().map_or(0..0, |r| r.span());
        return Err(err(span, "display.rotate", "must be at least 2s".into()));
    }
    Ok(DisplayConfig {
        theme: raw.theme,
        kiosk: raw.kiosk,
        rotate,
        hide_green: raw.hide_green,
        bell: raw.bell,
        command: raw.command.filter(|c| !c.trim().is_empty()),
    })
}

/// `[board] wip_limits`.
pub fn wip_limits(
    raw: &RawBoard,
    err: &Locate,
) -> Result<std::collections::BTreeMap<String, usize>, ConfigError> {
    let mut wip_limits = std::collections::BTreeMap::new();
    for (stage, limit) in &raw.wip_limits {
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
    Ok(wip_limits)
}

/// `[board] max_columns`.
pub fn max_columns(raw: &RawBoard, err: &Locate) -> Result<usize, ConfigError> {
    Ok(match &raw.max_columns {
        None => DEFAULT_MAX_COLUMNS,
        Some(n) => usize::try_from(*n.get_ref())
            .ok()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| err(n.span(), "board.max_columns", "must be from 1 to 64".into()))?,
    })
}

/// The `[board]` section, its limits and columns already checked.
pub fn board(
    raw: RawBoard,
    wip_limits: std::collections::BTreeMap<String, usize>,
    max_columns: usize,
) -> BoardConfig {
    BoardConfig {
        max_columns,
        matches: raw
            .matches
            .into_iter()
            .map(|(stage, patterns)| (stage.trim().to_string(), patterns))
            .collect(),
        stages: raw.stages,
        wip_limits,
    }
}

/// `[[page]]`.
pub fn pages(raw: Vec<RawPage>, err: &Locate) -> Result<Vec<PageConfig>, ConfigError> {
    let mut pages: Vec<PageConfig> = Vec::with_capacity(raw.len());
    for (index, page) in raw.into_iter().enumerate() {
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
    Ok(pages)
}

/// `[serve]`.
pub fn serve(raw: &RawServe, err: &Locate) -> Result<ServeConfig, ConfigError> {
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

/// Largest request budget per hour accepted.
pub const MAX_BUDGET_PER_HOUR: i64 = 1_000_000;

/// The request budgets of `[http]`: one for every host, and those of single hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpBudgets {
    default: u32,
    per_host: Vec<(String, u32)>,
}

impl HttpBudgets {
    /// The budget of `host` (as `api_host` gives it): the host's own, else `[http]`'s.
    pub fn of(&self, host: &str) -> u32 {
        self.per_host
            .iter()
            .find(|(key, _)| host_matches(key, host))
            .map_or(self.default, |(_, n)| *n)
    }
}

/// `[http]`, given the CI API hosts the sources talk to (a host's own budget must name one).
pub fn http_budgets(
    raw: &RawHttp,
    hosts: &[String],
    err: &Locate,
) -> Result<HttpBudgets, ConfigError> {
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
        None => HOST_BUDGET_PER_HOUR,
    };
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
                let mut known = hosts.to_vec();
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
    Ok(HttpBudgets { default, per_host })
}
