//! A stopped line that stays stopped escalates: past `[andon] escalate_after` the whole
//! organisation is asked to help. Pure: the board's red pipelines and the clock in.

use std::time::Duration;

use crate::card::Card;
use crate::model::Timestamp;
use crate::status::PipelineStatus;

pub const HEADLINE: &str = "ESCALATED";

/// The line has been red past its limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// The earliest failing-since of the red pipelines.
    pub red_since: Timestamp,
    pub red_for: Duration,
    pub limit: Duration,
    /// The pipeline red the longest, and its source.
    pub pipeline: String,
    pub source: String,
}

impl Escalation {
    /// "red for 42 min, past the 30 min limit: all hands".
    pub fn cause(&self) -> String {
        format!(
            "line red for {} (since {}), past the {} limit: everyone can help",
            crate::format::duration(self.red_for.as_secs() as f64),
            self.red_since.format("%H:%M UTC"),
            crate::format::duration(self.limit.as_secs() as f64),
        )
    }
}

/// When a red pipeline went red, as well as we know: the first time it was seen failing, or
/// the source's time of the failed run when that is earlier (so a first look, `--once`,
/// knows too). Times that are later than the truth only make escalation later, never early.
pub fn red_since(pipeline: &Card) -> Option<Timestamp> {
    let run_time = pipeline.finished_at.or(pipeline.last_build_at);
    [pipeline.failing_since, run_time]
        .into_iter()
        .flatten()
        .min()
}

/// The escalation, if the red pipelines have been red for `limit` or longer at `now`.
pub fn assess(pipelines: &[Card], limit: Option<Duration>, now: Timestamp) -> Option<Escalation> {
    let limit = limit?;
    let (since, first) = pipelines
        .iter()
        .filter(|p| p.status == PipelineStatus::Failing)
        .filter_map(|p| Some((red_since(p)?, p)))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(b.1.name)))?;
    let red_for = (now - since).to_std().ok()?;
    (red_for >= limit).then(|| Escalation {
        red_since: since,
        red_for,
        limit,
        pipeline: first.name.to_string(),
        source: first.source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};

    fn at(minute: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000, 0).unwrap() + TimeDelta::minutes(minute)
    }

    fn card(name: &str, status: PipelineStatus, failing_since: Option<i64>) -> Card<'_> {
        Card {
            name,
            source: "ci",
            status,
            column: 0,
            building: false,
            stage: None,
            stages: &[],
            failing_since: failing_since.map(at),
            last_build_at: None,
            finished_at: None,
        }
    }

    const LIMIT: Option<Duration> = Some(Duration::from_secs(30 * 60));

    #[test]
    fn red_past_the_limit_escalates_from_the_earliest_red_pipeline() {
        let cards = [
            card("web", PipelineStatus::Failing, Some(10)),
            card("api", PipelineStatus::Failing, Some(0)),
            card("old", PipelineStatus::Passing, Some(-500)),
        ];
        assert_eq!(
            assess(&cards, LIMIT, at(29)),
            None,
            "29 min is under the limit"
        );
        let e = assess(&cards, LIMIT, at(30)).expect("30 min is the limit");
        assert_eq!((e.pipeline.as_str(), e.red_since), ("api", at(0)));
        assert_eq!(e.red_for, Duration::from_secs(30 * 60));
        assert_eq!(
            e.cause(),
            format!(
                "line red for 30 min (since {}), past the 30 min limit: everyone can help",
                at(0).format("%H:%M UTC")
            )
        );
        assert_eq!(
            assess(&cards, None, at(1_000)),
            None,
            "no limit, no escalation"
        );
    }

    #[test]
    fn the_source_build_time_dates_a_first_look() {
        // First seen failing just now (as `--once` sees everything), but the source says the
        // failed run finished 45 minutes ago.
        let mut seen_now = card("api", PipelineStatus::Failing, Some(60));
        seen_now.finished_at = Some(at(15));
        seen_now.last_build_at = Some(at(5));
        assert_eq!(
            red_since(&seen_now),
            Some(at(15)),
            "the finish, not the start"
        );
        assert!(assess(std::slice::from_ref(&seen_now), LIMIT, at(60)).is_some());
        seen_now.finished_at = None;
        assert_eq!(red_since(&seen_now), Some(at(5)));
        let unknown = card("x", PipelineStatus::Failing, None);
        assert_eq!(
            assess(&[unknown], LIMIT, at(60)),
            None,
            "no time, no escalation"
        );
        let stale = card("x", PipelineStatus::Stale, Some(0));
        assert_eq!(assess(&[stale], LIMIT, at(60)), None, "stale is not red");
    }
}
