//! The keys DORA added since 2023 and the 2025 scores, in words, for every output.

use crate::dora::{GroupScore, KeyScore, Keys, LOW_SAMPLE, Scores, Trends};
use crate::format::{KeyFigure, duration, tier, trend_text};

fn na(reason: Option<&'static str>) -> String {
    format!("N/A: {}", reason.unwrap_or("no data"))
}

/// "score 7.5/10 · all 7.8±2.2": a key's score against its benchmark.
pub fn key_score(score: &Option<KeyScore>) -> Option<String> {
    score.as_ref().map(|s| {
        format!(
            "score {}/10 · bench {:.1}±{:.1}",
            number(s.score),
            s.benchmark.mean,
            s.benchmark.sd
        )
    })
}

/// A score with at most one decimal, without a trailing ".0" noise: "8", "7.5".
pub fn number(score: f64) -> String {
    let tenth = (score * 10.0).round() / 10.0;
    if tenth.fract() == 0.0 {
        format!("{tenth:.0}")
    } else {
        format!("{tenth:.1}")
    }
}

/// Rework rate and failed deployment recovery time, as the four older keys are shown.
pub fn newer_figures(keys: &Keys, trends: &Trends, scores: Option<&Scores>) -> [KeyFigure; 2] {
    let rw = &keys.deployment_rework_rate;
    let fr = &keys.failed_deployment_recovery_time;
    let mut rework_evidence = vec![if rw.ratio.is_some() && rw.deployments < LOW_SAMPLE {
        format!("{} of {} rework, low sample", rw.rework, rw.deployments)
    } else {
        format!("{} of {} rework", rw.rework, rw.deployments)
    }];
    if rw.rework > 0 {
        rework_evidence.push(format!(
            "fix {} · rollback {} · marked {}",
            rw.by_rule.fix, rw.by_rule.rollback, rw.by_rule.marked
        ));
    }
    let sample = if fr.median_seconds.is_some() && fr.n < LOW_SAMPLE {
        format!("median · n={}, low sample", fr.n)
    } else {
        format!("median · n={}", fr.n)
    };
    let mut recovery_evidence = vec![sample];
    if let Some(scores) = scores {
        rework_evidence.extend(key_score(&scores.deployment_rework_rate));
        recovery_evidence.extend(key_score(&scores.failed_deployment_recovery_time));
    }
    [
        KeyFigure {
            name: "Deploy rework rate",
            short_name: "Rework",
            available: rw.ratio.is_some(),
            value: rw
                .ratio
                .map_or_else(|| na(rw.missing), |r| format!("{:.1}%", r * 100.0)),
            // DORA publishes no tiers for rework: its score says how it compares.
            tier: "no tier",
            trend: trend_text(&trends.deployment_rework_rate),
            evidence: rework_evidence,
        },
        KeyFigure {
            name: "Failed deploy recovery",
            short_name: "Recovery",
            available: fr.median_seconds.is_some(),
            value: fr.median_seconds.map_or_else(|| na(fr.missing), duration),
            tier: tier(fr.tier),
            trend: trend_text(&trends.failed_deployment_recovery_time),
            evidence: recovery_evidence,
        },
    ]
}

/// The six keys of one scope (everything, or one service) in their order: the four older keys,
/// then rework and recovery; `scores` adds each newer key's 2025 score to its evidence.
pub fn six_figures(keys: &Keys, trends: &Trends, scores: Option<&Scores>) -> Vec<KeyFigure> {
    crate::format::scope_figures(keys, trends)
        .into_iter()
        .chain(newer_figures(keys, trends, scores))
        .collect()
}

/// Each key's 2025 score in the keys' order (deploy freq, lead time, fail rate, restore, rework,
/// recovery): "score 6.5/10 · bench 5.5±2.4"; restore has none, recovery time took its place.
pub fn key_scores(scores: &Scores) -> [Option<String>; 6] {
    [
        key_score(&scores.deployment_frequency),
        key_score(&scores.lead_time),
        key_score(&scores.change_failure_rate),
        None,
        key_score(&scores.deployment_rework_rate),
        key_score(&scores.failed_deployment_recovery_time),
    ]
}

fn group(name: &str, score: &Option<GroupScore>) -> String {
    match score {
        Some(g) => format!(
            "{name} {} ({:.1}±{:.1}{})",
            number(g.score),
            g.benchmark.mean,
            g.benchmark.sd,
            if g.keys < 5 && name == "overall" {
                format!(", {} keys", g.keys)
            } else {
                String::new()
            }
        ),
        None => format!("{name} N/A"),
    }
}

/// "overall 8.3 (6.7±1.2) · throughput 8 (6.0±2.1) · stability 8.6 (7.9±2.0)".
pub fn group_scores(scores: &Scores) -> String {
    [
        group("overall", &scores.overall),
        group("throughput", &scores.throughput),
        group("stability", &scores.stability),
    ]
    .join(" · ")
}

/// The title of the scores: "2025 scores vs All industries (survey mean±sd)".
pub fn scores_title(scores: &Scores) -> String {
    format!(
        "DORA 2025 scores 0-10 vs {} (survey mean±sd)",
        scores.industry_name
    )
}

/// Every key's score in one line, for `--once`.
pub fn key_scores_line(scores: &Scores) -> String {
    let one = |name: &str, s: &Option<KeyScore>| match s {
        Some(s) => format!(
            "{name} {} ({:.1}±{:.1})",
            number(s.score),
            s.benchmark.mean,
            s.benchmark.sd
        ),
        None => format!("{name} N/A"),
    };
    [
        one("deploy freq", &scores.deployment_frequency),
        one("lead time", &scores.lead_time),
        one("recovery", &scores.failed_deployment_recovery_time),
        one("fail rate", &scores.change_failure_rate),
        one("rework", &scores.deployment_rework_rate),
    ]
    .join(" · ")
}

/// "80%", or "N/A" without runs.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "N/A".to_string(), |s| format!("{:.0}%", s * 100.0))
}

/// One stage of the value stream: "build PT 2 min WT 10 s C/A 95%".
pub fn value_stage(s: &crate::value_stream::StageValue) -> String {
    let time = |t: Option<f64>| t.map_or_else(|| "N/A".to_string(), duration);
    format!(
        "{} PT {} WT {} C/A {}",
        s.name,
        time(s.process_seconds),
        time(s.wait_seconds),
        percent(s.complete_accurate)
    )
}

/// "rolling %C/A 60% · activity ratio 34% (3 runs)".
pub fn value_summary(vs: &crate::value_stream::ValueStream) -> String {
    format!(
        "rolling %C/A {} · activity ratio {} ({} run{})",
        percent(vs.rolling_complete_accurate),
        percent(vs.activity_ratio.ratio),
        vs.activity_ratio.runs,
        if vs.activity_ratio.runs == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_figures_in_key_order_say_whether_each_has_a_figure() {
        let config = crate::setup::load(None).unwrap();
        let now = chrono::Utc::now();
        let mut state = crate::state::State::new(&config);
        let empty = crate::view::dora_report(&config, &state, now);
        let none = six_figures(&empty.keys(), &empty.trend, Some(&empty.scores));
        let names: Vec<&str> = none.iter().map(|f| f.short_name).collect();
        assert_eq!(
            names,
            [
                "Deploy freq",
                "Lead time",
                "Fail rate",
                "Restore",
                "Rework",
                "Recovery"
            ]
        );
        assert!(
            none.iter()
                .all(|f| !f.available && f.value.starts_with("N/A"))
        );
        let demo = crate::sources::demo::DemoSource::new(1).snapshot(now);
        state.record(0, now, Ok(demo));
        let report = crate::view::dora_report(&config, &state, now);
        let all = six_figures(&report.keys(), &report.trend, Some(&report.scores));
        assert!(all.iter().all(|f| f.available), "{all:?}");
        assert!(all.iter().all(|f| !f.value.contains("N/A")), "{all:?}");
    }

    #[test]
    fn scores_read_without_float_noise() {
        assert_eq!(number(8.0), "8");
        assert_eq!(number(7.5), "7.5");
        assert_eq!(number(9.642857), "9.6");
        assert_eq!(number(9.96), "10");
    }
}
