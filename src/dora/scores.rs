//! DORA 2025 scores: each key scored 0 to 10 the way DORA's Quick Check scores its answers,
//! the throughput, stability and overall scores, and the 2025 survey's benchmark of an
//! industry to hold them against. Benchmarks are read from the DORA team's published data
//! (`data/dora/2025`, origin in `data/dora/SOURCES.md`) and turned, as the Quick Check turns
//! them, so that higher is better for every figure.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;

use super::{DAY_SECONDS, HOUR_SECONDS, Keys, WEEK_SECONDS};

pub const EDITION: &str = "2025";
/// The benchmark used when `[dora] industry` is not set.
pub const ALL_INDUSTRIES: &str = "all";
/// Why deployment frequency's band may be 2 where a longer window would say 1.
pub const SHORT_WINDOW_NOTE: &str =
    "a window shorter than 180 days cannot tell band 2 from band 1 (less than once per 6 months)";

const INDUSTRY_2025: &str = include_str!("../../data/dora/2025/industry_metrics.json");
const MONTH_SECONDS: f64 = 30.0 * DAY_SECONDS;
/// "Six months" in the lead time and recovery answers.
const SIX_MONTHS_SECONDS: f64 = 182.5 * DAY_SECONDS;
/// Deployment frequency's lowest answer, "less than once per six months", as measured.
const HALF_YEAR_DAYS: Duration = Duration::from_secs(180 * 86_400);

/// A benchmark: the survey's mean score and its standard deviation, higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MeanSd {
    pub mean: f64,
    pub sd: f64,
}

/// One industry's 2025 benchmark of every score.
#[derive(Debug, Clone, PartialEq)]
pub struct Industry {
    /// The key in the data and in `[dora] industry`, e.g. "technology".
    pub key: String,
    /// As DORA names it, e.g. "Technology".
    pub name: String,
    pub lead_time: MeanSd,
    pub deployment_frequency: MeanSd,
    pub failed_deployment_recovery_time: MeanSd,
    pub change_failure_rate: MeanSd,
    pub deployment_rework_rate: MeanSd,
    pub throughput: MeanSd,
    pub stability: MeanSd,
    pub overall: MeanSd,
}

#[derive(Deserialize)]
struct RawMeanSd {
    mean: f64,
    std: f64,
}

#[derive(Deserialize)]
struct RawIndustry {
    name: String,
    performance_average: RawMeanSd,
    software_delivery_throughput: RawMeanSd,
    software_delivery_instability: RawMeanSd,
    leadtime: RawMeanSd,
    deployfreq: RawMeanSd,
    changefailure: RawMeanSd,
    failurerecovery: RawMeanSd,
    rework: RawMeanSd,
}

/// Published values carry one decimal; turning them adds float noise, which is cut off.
fn tidy(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn as_is(raw: &RawMeanSd) -> MeanSd {
    MeanSd {
        mean: raw.mean,
        sd: raw.std,
    }
}

/// Stored higher = worse; shown as 10 - mean.
fn inverted(raw: &RawMeanSd) -> MeanSd {
    MeanSd {
        mean: tidy(10.0 - raw.mean),
        sd: raw.std,
    }
}

impl Industry {
    fn from_raw(key: &str, raw: &RawIndustry) -> Industry {
        let keys = [
            as_is(&raw.leadtime),
            as_is(&raw.deployfreq),
            as_is(&raw.failurerecovery),
            inverted(&raw.changefailure),
            inverted(&raw.rework),
        ];
        let overall_mean = keys.iter().map(|k| k.mean).sum::<f64>() / keys.len() as f64;
        Industry {
            key: key.to_string(),
            name: raw.name.clone(),
            lead_time: keys[0],
            deployment_frequency: keys[1],
            failed_deployment_recovery_time: keys[2],
            change_failure_rate: keys[3],
            deployment_rework_rate: keys[4],
            throughput: as_is(&raw.software_delivery_throughput),
            stability: inverted(&raw.software_delivery_instability),
            overall: MeanSd {
                mean: tidy(overall_mean),
                sd: raw.performance_average.std,
            },
        }
    }

    /// The benchmark of all industries, the default.
    pub fn all() -> Industry {
        industry(ALL_INDUSTRIES).expect("the published data has an \"all\" entry")
    }
}

fn industries() -> &'static BTreeMap<String, Industry> {
    static PARSED: OnceLock<BTreeMap<String, Industry>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let raw: BTreeMap<String, RawIndustry> =
            serde_json::from_str(INDUSTRY_2025).expect("embedded benchmark data parses");
        raw.iter()
            .map(|(key, raw)| (key.clone(), Industry::from_raw(key, raw)))
            .collect()
    })
}

/// The 2025 benchmark of the industry `key` ("all", "technology", "financial_services", ...).
pub fn industry(key: &str) -> Option<Industry> {
    industries().get(key.trim()).cloned()
}

/// Every industry key the data has, "all" first.
pub fn industry_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = industries().keys().map(String::as_str).collect();
    keys.sort_by_key(|k| (*k != ALL_INDUSTRIES, *k));
    keys
}

/// One key's score.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyScore {
    /// The Quick Check's answer, 1 (worst) to 6 (best); None for the two rates, which are
    /// scored from the percentage itself.
    pub band: Option<u8>,
    pub score: f64,
    pub benchmark: MeanSd,
    /// A limit of the data behind the band, when there is one.
    pub note: Option<&'static str>,
}

/// The mean score of a group of keys.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScore {
    pub score: f64,
    pub benchmark: MeanSd,
    /// How many keys with data the score rests on.
    pub keys: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub industry: String,
    pub industry_name: String,
    pub lead_time: Option<KeyScore>,
    pub deployment_frequency: Option<KeyScore>,
    pub failed_deployment_recovery_time: Option<KeyScore>,
    pub change_failure_rate: Option<KeyScore>,
    pub deployment_rework_rate: Option<KeyScore>,
    /// Lead time, deployment frequency, recovery time.
    pub throughput: Option<GroupScore>,
    /// Change failure rate, rework rate.
    pub stability: Option<GroupScore>,
    /// The five keys.
    pub overall: Option<GroupScore>,
}

/// Band b (1..6) scores (b - 1) * 2, as the Quick Check recodes 1..6 to 0..10.
pub fn band_score(band: u8) -> f64 {
    (f64::from(band.clamp(1, 6)) - 1.0) * 2.0
}

/// A rate scores 10 - percent / 10.
pub fn rate_score(ratio: f64) -> f64 {
    (10.0 - ratio * 10.0).clamp(0.0, 10.0)
}

/// Lead time and recovery time: less than an hour 6, a day 5, a week 4, a month 3, six
/// months 2, longer 1.
pub fn time_band(seconds: f64) -> u8 {
    let limits = [
        HOUR_SECONDS,
        DAY_SECONDS,
        WEEK_SECONDS,
        MONTH_SECONDS,
        SIX_MONTHS_SECONDS,
    ];
    6 - limits.iter().take_while(|&&limit| seconds >= limit).count() as u8
}

/// Deployment frequency as measured: 6 on demand (at least 5 deploy-days a week and more
/// than one deploy on the median deploy-day), 5 at least 5 deploy-days a week, 4 at least
/// one, 3 at least one deploy per 30 days, 2 fewer, 1 less than one per 180 days (only a
/// window of 180 days or more can tell).
pub fn frequency_band(
    deploy_days_per_week: f64,
    median_deploys_per_deploy_day: f64,
    deployments: usize,
    window: Duration,
) -> (u8, Option<&'static str>) {
    let at_least_once_per = |period: Duration| {
        deployments as u128 * period.as_nanos() >= window.as_nanos() && deployments > 0
    };
    if deploy_days_per_week >= 5.0 && median_deploys_per_deploy_day > 1.0 {
        (6, None)
    } else if deploy_days_per_week >= 5.0 {
        (5, None)
    } else if deploy_days_per_week >= 1.0 {
        (4, None)
    } else if at_least_once_per(Duration::from_secs(30 * 86_400)) {
        (3, None)
    } else if window < HALF_YEAR_DAYS {
        (2, Some(SHORT_WINDOW_NOTE))
    } else if at_least_once_per(HALF_YEAR_DAYS) {
        (2, None)
    } else {
        (1, None)
    }
}

fn group(scores: &[&Option<KeyScore>], benchmark: MeanSd) -> Option<GroupScore> {
    let present: Vec<f64> = scores
        .iter()
        .filter_map(|s| s.as_ref())
        .map(|s| s.score)
        .collect();
    (!present.is_empty()).then(|| GroupScore {
        score: present.iter().sum::<f64>() / present.len() as f64,
        benchmark,
        keys: present.len(),
    })
}

/// The scores of one scope's keys over a window of `window`.
pub fn score(keys: &Keys, window: Duration, industry: &Industry) -> Scores {
    let banded = |band: u8, note, benchmark| KeyScore {
        band: Some(band),
        score: band_score(band),
        benchmark,
        note,
    };
    let rated = |ratio: f64, benchmark| KeyScore {
        band: None,
        score: rate_score(ratio),
        benchmark,
        note: None,
    };
    let df = &keys.deployment_frequency;
    let lead_time = keys
        .lead_time
        .median_seconds
        .map(|m| banded(time_band(m), None, industry.lead_time));
    let deployment_frequency = match (df.deploy_days_per_week, df.median_per_deploy_day) {
        (Some(days), Some(per_day)) => {
            let (band, note) = frequency_band(days, per_day, df.deployments, window);
            Some(banded(band, note, industry.deployment_frequency))
        }
        _ => None,
    };
    let failed_deployment_recovery_time = keys
        .failed_deployment_recovery_time
        .median_seconds
        .map(|m| banded(time_band(m), None, industry.failed_deployment_recovery_time));
    let change_failure_rate = keys
        .change_failure_rate
        .ratio
        .map(|r| rated(r, industry.change_failure_rate));
    let deployment_rework_rate = keys
        .deployment_rework_rate
        .ratio
        .map(|r| rated(r, industry.deployment_rework_rate));
    Scores {
        industry: industry.key.clone(),
        industry_name: industry.name.clone(),
        throughput: group(
            &[
                &lead_time,
                &deployment_frequency,
                &failed_deployment_recovery_time,
            ],
            industry.throughput,
        ),
        stability: group(
            &[&change_failure_rate, &deployment_rework_rate],
            industry.stability,
        ),
        overall: group(
            &[
                &lead_time,
                &deployment_frequency,
                &failed_deployment_recovery_time,
                &change_failure_rate,
                &deployment_rework_rate,
            ],
            industry.overall,
        ),
        lead_time,
        deployment_frequency,
        failed_deployment_recovery_time,
        change_failure_rate,
        deployment_rework_rate,
    }
}

/// The bands, worded for the help screen: one line per key.
pub const BAND_HELP: [&str; 4] = [
    "Lead time and recovery: band 6 < 1 hour, 5 < 1 day, 4 < 1 week, 3 < 1 month, \
     2 < 6 months, 1 longer; score = (band - 1) x 2",
    "Deploy frequency: 6 >= 5 deploy-days/week and > 1 deploy on the median deploy-day, \
     5 >= 5 deploy-days/week, 4 >= 1, 3 >= 1 deploy/30 days, 2 fewer, 1 < 1 per 180 days",
    "Fail rate and rework rate: score = 10 - percent / 10",
    "Throughput = mean of lead time, deploy frequency, recovery; stability = mean of the two \
     rates; overall = mean of the five (keys with data); benchmark = 2025 survey mean ± sd",
];
