//! Previous window to current window: how much each key moved, and whether that is good.

use serde::Serialize;

use super::Keys;

/// Why a trend is N/A.
pub const NO_CURRENT_FIGURE: &str = "no figure in this window";
pub const NO_PREVIOUS_FIGURE: &str = "no figure in the previous window";
pub const PREVIOUS_ZERO: &str = "previous figure is 0, a percent change is undefined";

/// Whether the key moved the way a team wants it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Better,
    Worse,
    /// The change rounds to zero at the precision shown (0% or 0.0 points).
    Same,
}

impl Direction {
    pub fn word(self) -> &'static str {
        match self {
            Direction::Better => "better",
            Direction::Worse => "worse",
            Direction::Same => "same",
        }
    }
}

/// How far a key moved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Difference {
    /// Relative change of the figure, in percent of the previous figure.
    Percent(f64),
    /// Change failure rate: difference of the two rates in percentage points, since a rate
    /// going up from 0% has no percent change.
    Points(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The previous window's figure, in the unit of the key's headline (per day, seconds,
    /// ratio).
    pub previous: Option<f64>,
    /// The sample size behind `previous`.
    pub previous_n: usize,
    pub change: Option<Difference>,
    /// Better, worse or the same; None when either window has no figure.
    pub direction: Option<Direction>,
    /// Why `change` is N/A, when it is.
    pub missing: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    pub deployment_frequency: Trend,
    pub lead_time: Trend,
    pub change_failure_rate: Trend,
    pub time_to_restore: Trend,
    /// In percentage points, like the change failure rate.
    pub deployment_rework_rate: Trend,
    pub failed_deployment_recovery_time: Trend,
}

/// Which way is good for a key.
#[derive(Clone, Copy)]
enum Goal {
    Higher,
    Lower,
}

impl Trends {
    pub fn between(current: &Keys, previous: &Keys) -> Trends {
        let df = |k: &Keys| k.deployment_frequency.per_day;
        let lt = |k: &Keys| k.lead_time.median_seconds;
        let cfr = |k: &Keys| k.change_failure_rate.ratio;
        let ttr = |k: &Keys| k.time_to_restore.median_seconds;
        Trends {
            deployment_frequency: percent_trend(
                df(current),
                df(previous),
                previous.deployment_frequency.deployments,
                Goal::Higher,
            ),
            lead_time: percent_trend(lt(current), lt(previous), previous.lead_time.n, Goal::Lower),
            change_failure_rate: points_trend(
                cfr(current),
                cfr(previous),
                previous.change_failure_rate.deployments,
            ),
            time_to_restore: percent_trend(
                ttr(current),
                ttr(previous),
                previous.time_to_restore.n,
                Goal::Lower,
            ),
            deployment_rework_rate: points_trend(
                current.deployment_rework_rate.ratio,
                previous.deployment_rework_rate.ratio,
                previous.deployment_rework_rate.deployments,
            ),
            failed_deployment_recovery_time: percent_trend(
                current.failed_deployment_recovery_time.median_seconds,
                previous.failed_deployment_recovery_time.median_seconds,
                previous.failed_deployment_recovery_time.n,
                Goal::Lower,
            ),
        }
    }

    /// The four trends in the order of the keys everywhere else.
    pub fn all(&self) -> [&Trend; 4] {
        [
            &self.deployment_frequency,
            &self.lead_time,
            &self.change_failure_rate,
            &self.time_to_restore,
        ]
    }
}

fn missing(previous: Option<f64>, previous_n: usize, why: &'static str) -> Trend {
    Trend {
        previous,
        previous_n,
        change: None,
        direction: None,
        missing: Some(why),
    }
}

fn both(
    current: Option<f64>,
    previous: Option<f64>,
    previous_n: usize,
) -> Result<(f64, f64), Trend> {
    match (current, previous) {
        (_, None) => Err(missing(None, previous_n, NO_PREVIOUS_FIGURE)),
        (None, Some(_)) => Err(missing(previous, previous_n, NO_CURRENT_FIGURE)),
        (Some(current), Some(previous)) => Ok((current, previous)),
    }
}

fn direction(delta: f64, negligible: f64, goal: Goal) -> Direction {
    if delta.abs() < negligible {
        return Direction::Same;
    }
    match (goal, delta > 0.0) {
        (Goal::Higher, true) | (Goal::Lower, false) => Direction::Better,
        _ => Direction::Worse,
    }
}

fn percent_trend(
    current: Option<f64>,
    previous: Option<f64>,
    previous_n: usize,
    goal: Goal,
) -> Trend {
    let (now, before) = match both(current, previous, previous_n) {
        Ok(pair) => pair,
        Err(trend) => return trend,
    };
    if before == 0.0 {
        // A restore time of 0 s can be followed by one that is not: the direction is known,
        // the percent is not.
        return Trend {
            direction: Some(direction(now, f64::MIN_POSITIVE, goal)),
            ..missing(previous, previous_n, PREVIOUS_ZERO)
        };
    }
    let percent = (now - before) / before * 100.0;
    Trend {
        previous,
        previous_n,
        change: Some(Difference::Percent(percent)),
        // Shown as a whole percent: what shows as 0% is the same.
        direction: Some(direction(percent, 0.5, goal)),
        missing: None,
    }
}

fn points_trend(current: Option<f64>, previous: Option<f64>, previous_n: usize) -> Trend {
    let (now, before) = match both(current, previous, previous_n) {
        Ok(pair) => pair,
        Err(trend) => return trend,
    };
    let points = (now - before) * 100.0;
    Trend {
        previous,
        previous_n,
        change: Some(Difference::Points(points)),
        // Shown with one decimal: what shows as 0.0 points is the same.
        direction: Some(direction(points, 0.05, Goal::Lower)),
        missing: None,
    }
}
