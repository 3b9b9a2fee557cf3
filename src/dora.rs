//! The four DORA keys, computed from events. Pure: no I/O, no clock (`now` is a parameter).

use std::time::Duration;

use serde::Serialize;

use crate::model::{DoraEvents, Timestamp};

/// Which published tier thresholds are in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Benchmark {
    #[serde(rename = "2023")]
    Dora2023,
    #[serde(rename = "2021")]
    Dora2021,
}

impl Benchmark {
    pub fn parse(word: &str) -> Option<Benchmark> {
        match word.trim() {
            "2023" => Some(Benchmark::Dora2023),
            "2021" => Some(Benchmark::Dora2021),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Benchmark::Dora2023 => "2023",
            Benchmark::Dora2021 => "2021",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Elite,
    High,
    Medium,
    Low,
}

impl Tier {
    pub fn word(self) -> &'static str {
        match self {
            Tier::Elite => "elite",
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentFrequency {
    pub deployments: usize,
    pub per_day: Option<f64>,
    pub deploy_days_per_week: Option<f64>,
    pub tier: Option<Tier>,
    /// Why the figure is N/A, when it is.
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeadTime {
    pub n: usize,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangeFailureRate {
    pub deployments: usize,
    pub failed: usize,
    pub ratio: Option<f64>,
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimeToRestore {
    pub n: usize,
    pub median_seconds: Option<f64>,
    pub tier: Option<Tier>,
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoraReport {
    pub window_days: f64,
    pub benchmark: Benchmark,
    pub deployment_frequency: DeploymentFrequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: ChangeFailureRate,
    pub time_to_restore: TimeToRestore,
}

/// The four keys over the window `(now - window, now]`.
pub fn compute(
    events: &DoraEvents,
    now: Timestamp,
    window: Duration,
    benchmark: Benchmark,
) -> DoraReport {
    let _ = (events, now);
    DoraReport {
        window_days: window.as_secs_f64() / 86_400.0,
        benchmark,
        deployment_frequency: DeploymentFrequency {
            deployments: 0,
            per_day: None,
            deploy_days_per_week: None,
            tier: None,
            missing: Some("not computed"),
        },
        lead_time: LeadTime {
            n: 0,
            median_seconds: None,
            p90_seconds: None,
            tier: None,
            missing: Some("not computed"),
        },
        change_failure_rate: ChangeFailureRate {
            deployments: 0,
            failed: 0,
            ratio: None,
            tier: None,
            missing: Some("not computed"),
        },
        time_to_restore: TimeToRestore {
            n: 0,
            median_seconds: None,
            tier: None,
            missing: Some("not computed"),
        },
    }
}
