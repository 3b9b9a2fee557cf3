//! Words and numbers as every output shows them.

use crate::dora::Tier;
use crate::dora::{Difference, Direction, Keys, LOW_SAMPLE, Trend, Trends, samples_and_reasons};
use crate::model::StageStatus;
use crate::status::{AndonState, PipelineStatus};

/// A duration in the largest unit that keeps it readable: "45 s", "12 min", "2.1 h", "3.5 d",
/// "140 d", "12.1 y" (a job nobody ran for years reads as years, not as "4427.0 d").
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 90.0 * 60.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 36.0 * 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s < 99.95 * 86_400.0 {
        format!("{:.1} d", s / 86_400.0)
    } else if s < 365.0 * 86_400.0 {
        format!("{:.0} d", s / 86_400.0)
    } else if s < 9_999.0 * 365.25 * 86_400.0 {
        format!("{:.1} y", s / (365.25 * 86_400.0))
    } else {
        ">9999 y".to_string()
    }
}

/// How long a state has lasted, compact for the footer: "<1m", "3m", "2h", "4d". Minutes at
/// the finest, so an idle screen redraws at most once a minute for it.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    if s < 60 {
        "<1m".to_string()
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86_400)
    }
}

pub fn tier(t: Option<Tier>) -> &'static str {
    t.map_or("no tier", Tier::word)
}

pub const BUILDING_GLYPH: &str = "◐";

pub fn status_glyph(status: PipelineStatus) -> &'static str {
    match status {
        PipelineStatus::Passing => "✓",
        PipelineStatus::Failing => "✗",
        PipelineStatus::Unknown => "?",
        PipelineStatus::Stale => "⌛",
    }
}

/// Status word as shown in text: "building" is added, never replaces the result.
pub fn status_word(status: PipelineStatus, building: bool) -> String {
    if building {
        format!("{} · building", status.word())
    } else {
        status.word().to_string()
    }
}

/// The glyphs' meanings, for help screens.
pub const LEGEND: &str = "✓ passing  ✗ failing  ◐ building  ? unknown  ⌛ stale";

pub fn andon_glyph(state: AndonState) -> &'static str {
    match state {
        AndonState::Green => "●",
        AndonState::Red => "■",
        AndonState::Unknown => "?",
    }
}

pub fn stage_glyph(status: StageStatus) -> &'static str {
    match status {
        StageStatus::Passed => "✓",
        StageStatus::Failed => "✗",
        StageStatus::Running => "◐",
        StageStatus::Pending => "·",
        StageStatus::Skipped => "-",
        StageStatus::Unknown => "?",
    }
}

pub fn stage_word(status: StageStatus) -> &'static str {
    match status {
        StageStatus::Passed => "passed",
        StageStatus::Failed => "failed",
        StageStatus::Running => "running",
        StageStatus::Pending => "pending",
        StageStatus::Skipped => "skipped",
        StageStatus::Unknown => "unknown",
    }
}

/// One DORA key for display: a name, its value (or N/A and why), and its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigure {
    pub name: &'static str,
    /// There is a figure; else `value` says why not ("N/A: no deployments in window").
    pub available: bool,
    /// Fits a quarter of an 80-column screen.
    pub short_name: &'static str,
    pub value: String,
    pub tier: &'static str,
    /// Sample size and spread, one short line each.
    pub evidence: Vec<String>,
    /// Against the previous window.
    pub trend: TrendText,
}

/// A trend as shown: "▲ better +12%", "▼ worse +2.5 pp", "N/A: no figure in the previous window".
#[derive(Debug, Clone, PartialEq)]
pub struct TrendText {
    /// ▲ the figure rose, ▼ it fell, = the same; "?" when unknown.
    pub arrow: &'static str,
    /// "better", "worse", "same" or "N/A".
    pub word: &'static str,
    /// "+12%" or "-2.5 pp", when there is one.
    pub change: Option<String>,
    /// Why there is no trend, when there is none.
    pub missing: Option<&'static str>,
}

impl TrendText {
    /// "▲ better +12%": arrow, word and change.
    pub fn short(&self) -> String {
        match &self.change {
            Some(change) => format!("{} {} {change}", self.arrow, self.word),
            None => format!("{} {}", self.arrow, self.word),
        }
    }

    /// The short form, or "trend N/A: why".
    pub fn long(&self) -> String {
        match (self.missing, &self.change) {
            (Some(why), None) if self.word == "N/A" => format!("trend N/A: {why}"),
            _ => self.short(),
        }
    }
}

pub fn trend_text(trend: &Trend) -> TrendText {
    let change = trend.change.map(|change| match change {
        Difference::Percent(p) => format!("{p:+.0}%"),
        Difference::Points(p) => format!("{p:+.1} pp"),
    });
    let rose = match trend.change {
        Some(Difference::Percent(p) | Difference::Points(p)) => Some(p > 0.0),
        None => None,
    };
    let (arrow, word) = match trend.direction {
        None => ("?", "N/A"),
        Some(Direction::Same) => ("=", "same"),
        Some(direction) => {
            let arrow = match rose {
                Some(true) => "▲",
                Some(false) => "▼",
                None => "?",
            };
            (arrow, direction.word())
        }
    };
    TrendText {
        arrow,
        word,
        change,
        missing: trend.missing,
    }
}

/// "n=3 deploys" or, under `LOW_SAMPLE` samples, "n=3 deploys, low sample".
fn sample(n: usize, what: &str, has_figure: bool) -> String {
    if has_figure && n < LOW_SAMPLE {
        format!("n={n}{what}, low sample")
    } else {
        format!("n={n}{what}")
    }
}

/// Whether a key's figure stands on fewer than `LOW_SAMPLE` samples, in key order.
pub fn low_samples(keys: &Keys) -> [bool; 4] {
    samples_and_reasons(keys).map(|(n, missing)| missing.is_none() && n < LOW_SAMPLE)
}

/// "2.5/day"; under 0.1 a day, per week, so a rare deploy never reads as "0.0/day".
fn per_day(v: f64) -> String {
    if v < 0.1 {
        format!("{:.1}/week", v * 7.0)
    } else {
        format!("{v:.1}/day")
    }
}

/// The four figures of one scope (everything, or one service).
pub fn scope_figures(keys: &Keys, trends: &Trends) -> [KeyFigure; 4] {
    let na = |reason: Option<&'static str>| format!("N/A: {}", reason.unwrap_or("no data"));
    let df = &keys.deployment_frequency;
    let lt = &keys.lead_time;
    let cfr = &keys.change_failure_rate;
    let ttr = &keys.time_to_restore;
    [
        KeyFigure {
            name: "Deploy frequency",
            short_name: "Deploy freq",
            available: df.per_day.is_some(),
            value: df.per_day.map_or_else(|| na(df.missing), per_day),
            tier: tier(df.tier),
            trend: trend_text(&trends.deployment_frequency),
            evidence: [sample(df.deployments, " deploys", df.per_day.is_some())]
                .into_iter()
                .chain(
                    df.deploy_days_per_week
                        .map(|days| format!("{days:.1} deploy-days/wk")),
                )
                .collect(),
        },
        KeyFigure {
            name: "Lead time",
            short_name: "Lead time",
            available: lt.median_seconds.is_some(),
            value: lt.median_seconds.map_or_else(|| na(lt.missing), duration),
            tier: tier(lt.tier),
            trend: trend_text(&trends.lead_time),
            evidence: [format!(
                "median · {}",
                sample(lt.n, "", lt.median_seconds.is_some())
            )]
            .into_iter()
            .chain(lt.p90_seconds.map(|p90| format!("p90 {}", duration(p90))))
            .collect(),
        },
        KeyFigure {
            name: "Change fail rate",
            short_name: "Fail rate",
            available: cfr.ratio.is_some(),
            value: cfr
                .ratio
                .map_or_else(|| na(cfr.missing), |r| format!("{:.1}%", r * 100.0)),
            tier: tier(cfr.tier),
            trend: trend_text(&trends.change_failure_rate),
            evidence: vec![if cfr.ratio.is_some() && cfr.deployments < LOW_SAMPLE {
                format!("{} of {} failed, low sample", cfr.failed, cfr.deployments)
            } else {
                format!("{} of {} failed", cfr.failed, cfr.deployments)
            }],
        },
        KeyFigure {
            name: "Time to restore",
            short_name: "Restore",
            available: ttr.median_seconds.is_some(),
            value: ttr.median_seconds.map_or_else(|| na(ttr.missing), duration),
            tier: tier(ttr.tier),
            trend: trend_text(&trends.time_to_restore),
            evidence: vec![format!(
                "median · {}",
                sample(ttr.n, "", ttr.median_seconds.is_some())
            )],
        },
    ]
}

/// Marks the board's constraint: the stage where work waits longest.
pub const CONSTRAINT_GLYPH: &str = "⧗";
/// Marks a stage over its WIP limit, beside the word, never by colour alone.
pub const BREACH_GLYPH: &str = "▲";
/// Marks a pipeline whose runs go red and green again by turns.
pub const FLAKY_GLYPH: &str = "≈";

/// "3/4 WIP", "5/4 WIP ▲ over", "3 WIP" without a limit.
pub fn wip(stage: &crate::flow::StageFlow) -> String {
    match stage.wip_limit {
        Some(limit) if stage.breached => format!("{}/{limit} WIP {BREACH_GLYPH} over", stage.wip),
        Some(limit) => format!("{}/{limit} WIP", stage.wip),
        None => format!("{} WIP", stage.wip),
    }
}

/// "pass 17/20", "pass 3/5 ≈ flaky".
pub fn pass_rate(rate: crate::history::PassRate) -> String {
    let mut text = format!("pass {}/{}", rate.passed, rate.runs);
    if rate.flaky {
        text.push_str(&format!(" {FLAKY_GLYPH} flaky"));
    }
    text
}

/// "median 4 min (n=12)", or "median N/A (no timed runs)": never a zero for no data.
pub fn median_figure(label: &str, seconds: Option<f64>, n: usize) -> String {
    match seconds {
        Some(s) => format!("{label} {} (n={n})", duration(s)),
        None => format!("{label} N/A (no timed runs)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_compact() {
        assert_eq!(age(-5), "<1m");
        assert_eq!(age(59), "<1m");
        assert_eq!(age(180), "3m");
        assert_eq!(age(7300), "2h");
        assert_eq!(age(400_000), "4d");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(45.0), "45 s");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(2.1 * 3600.0), "2.1 h");
        assert_eq!(duration(3.5 * 86_400.0), "3.5 d");
        assert_eq!(duration(99.9 * 86_400.0), "99.9 d");
        assert_eq!(duration(140.2 * 86_400.0), "140 d");
        assert_eq!(duration(4427.0 * 86_400.0), "12.1 y");
        assert_eq!(duration(f64::MAX), ">9999 y");
        assert_eq!(duration(f64::INFINITY), ">9999 y");
        assert_eq!(duration(f64::NAN), "0 s");
    }

    #[test]
    fn building_adds_to_the_status_word() {
        assert_eq!(
            status_word(PipelineStatus::Failing, true),
            "failing · building"
        );
    }
}
