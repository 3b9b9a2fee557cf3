use chrono::{TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use super::events::{
    Apps, DeploymentIndex, DistinctIncident, Micros, Window, distinct_incidents, first_deliveries,
};
use super::trend;
use super::*;
use crate::model::{Change, Deployment, Incident, UNATTRIBUTED_APP};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
}

fn ago(seconds: i64) -> Timestamp {
    now() - TimeDelta::seconds(seconds)
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

fn deploy(app: &str, image_sha: Option<&str>, commit: Option<&str>, at: Timestamp) -> Deployment {
    Deployment {
        app: app.into(),
        image_sha: image_sha.map(Into::into),
        commit: commit.map(Into::into),
        finished_at: at,
        marked: None,
    }
}

fn deploy_at(app: &str, at: Timestamp) -> Deployment {
    deploy(app, None, None, at)
}

fn change(app: &str, commit: &str, image_sha: Option<&str>, at: Timestamp) -> Change {
    Change {
        app: app.into(),
        commit: commit.into(),
        image_sha: image_sha.map(Into::into),
        committed_at: at,
    }
}

fn incident(app: &str, id: &str, opened: Timestamp, resolved: Option<Timestamp>) -> Incident {
    Incident {
        app: app.into(),
        id: id.into(),
        opened_at: opened,
        resolved_at: resolved,
    }
}

fn events(
    deployments: Vec<Deployment>,
    changes: Vec<Change>,
    incidents: Vec<Incident>,
) -> DoraEvents {
    DoraEvents {
        deployments,
        changes,
        incidents,
    }
}

fn report_over(events: &DoraEvents, window: Duration, benchmark: Benchmark) -> DoraReport {
    compute(events, now(), window, benchmark)
}

fn report(events: &DoraEvents) -> DoraReport {
    report_over(events, days(30), Benchmark::Dora2023)
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

// ---- empty input ----

#[test]
fn empty_input_gives_no_figures_with_reasons_never_zero() {
    let r = report(&DoraEvents::default());
    assert_eq!(r.window_days, 30.0);
    assert_eq!(r.benchmark, Benchmark::Dora2023);
    let df = &r.deployment_frequency;
    assert_eq!(
        (df.per_day, df.deploy_days_per_week, df.tier),
        (None, None, None)
    );
    assert_eq!(df.missing, Some("no deployments in window"));
    let lt = &r.lead_time;
    assert_eq!(
        (lt.n, lt.median_seconds, lt.p90_seconds, lt.tier),
        (0, None, None, None)
    );
    assert_eq!(
        lt.missing,
        Some("no changes with a matching deployment in window")
    );
    let cfr = &r.change_failure_rate;
    assert_eq!((cfr.ratio, cfr.tier), (None, None));
    assert_eq!(cfr.missing, Some("no deployments in window"));
    let ttr = &r.time_to_restore;
    assert_eq!((ttr.n, ttr.median_seconds, ttr.tier), (0, None, None));
    assert_eq!(ttr.missing, Some("no incidents resolved in window"));
}

#[test]
fn events_outside_the_window_only_give_no_figures() {
    let e = events(
        vec![deploy("a", None, Some("c1"), ago(40 * DAY))],
        vec![change("a", "c1", None, ago(41 * DAY))],
        vec![incident("a", "1", ago(39 * DAY), Some(ago(38 * DAY)))],
    );
    let r = report(&e);
    assert_eq!(r.deployment_frequency.missing, Some(NO_DEPLOYMENTS));
    assert_eq!(r.lead_time.missing, Some(NO_DELIVERED_CHANGES));
    assert_eq!(r.change_failure_rate.missing, Some(NO_DEPLOYMENTS));
    assert_eq!(r.time_to_restore.missing, Some(NO_RESOLVED_INCIDENTS));
}

// ---- deployment frequency ----

#[test]
fn deployment_frequency_counts_deploys_in_window_per_day() {
    let e = events(
        vec![
            deploy_at("a", ago(HOUR)),
            deploy_at("a", ago(10 * DAY)),
            deploy_at("b", ago(20 * DAY)),
            deploy_at("b", ago(31 * DAY)),
        ],
        vec![],
        vec![],
    );
    let df = report(&e).deployment_frequency;
    assert_eq!(df.deployments, 3);
    assert_eq!(df.per_day, Some(0.1));
    assert_eq!(df.missing, None);
}

#[test]
fn window_start_is_excluded_and_now_included() {
    let e = events(
        vec![
            deploy_at("a", ago(30 * DAY)),
            deploy_at("a", now()),
            deploy_at("a", now() + TimeDelta::seconds(1)),
        ],
        vec![],
        vec![],
    );
    assert_eq!(report(&e).deployment_frequency.deployments, 1);
}

#[test]
fn identical_deployments_are_counted_once() {
    let same = deploy("a", Some("s1"), Some("c1"), ago(HOUR));
    let other_image = deploy("a", Some("s2"), Some("c1"), ago(HOUR));
    let e = events(vec![same.clone(), same, other_image], vec![], vec![]);
    assert_eq!(report(&e).deployment_frequency.deployments, 2);
}

#[test]
fn deploy_days_per_week_is_the_median_over_whole_weeks_even_count() {
    // 4 weeks; deploy-days per week: 3, 1, 0, 5 -> median (1 + 3) / 2 = 2.
    let e = events(
        vec![
            // week 0: 1 h and 2 h ago are the same UTC day (now is noon)
            deploy_at("a", ago(HOUR)),
            deploy_at("b", ago(2 * HOUR)),
            deploy_at("a", ago(DAY)),
            deploy_at("a", ago(2 * DAY)),
            // week 1
            deploy_at("a", ago(8 * DAY)),
            deploy_at("a", ago(8 * DAY + HOUR)),
            // week 3
            deploy_at("a", ago(22 * DAY)),
            deploy_at("a", ago(23 * DAY)),
            deploy_at("a", ago(24 * DAY)),
            deploy_at("a", ago(25 * DAY)),
            deploy_at("a", ago(26 * DAY)),
        ],
        vec![],
        vec![],
    );
    let df = report_over(&e, days(28), Benchmark::Dora2023).deployment_frequency;
    assert_eq!(df.deploy_days_per_week, Some(2.0));
    assert_eq!(df.tier, Some(Tier::High));
}

#[test]
fn deploy_days_per_week_is_the_median_over_whole_weeks_odd_count() {
    // 3 weeks; deploy-days per week: 2, 0, 1 -> median 1.
    let e = events(
        vec![
            deploy_at("a", ago(HOUR)),
            deploy_at("a", ago(DAY)),
            deploy_at("a", ago(15 * DAY)),
        ],
        vec![],
        vec![],
    );
    let df = report_over(&e, days(21), Benchmark::Dora2023).deployment_frequency;
    assert_eq!(df.deploy_days_per_week, Some(1.0));
}

#[test]
fn a_week_starts_exactly_seven_days_before_now_excluded() {
    // 7 days ago exactly belongs to the second week, which is empty otherwise.
    let e = events(
        vec![deploy_at("a", ago(WEEK)), deploy_at("a", ago(WEEK + DAY))],
        vec![],
        vec![],
    );
    let df = report_over(&e, days(14), Benchmark::Dora2023).deployment_frequency;
    // weeks: [0, 2] -> median 1
    assert_eq!(df.deploy_days_per_week, Some(1.0));
}

#[test]
fn partial_week_counts_for_per_day_but_not_for_deploy_days() {
    // A 10-day window has one whole week; deploys 8 and 9 days ago are outside it.
    let e = events(
        vec![deploy_at("a", ago(8 * DAY)), deploy_at("a", ago(9 * DAY))],
        vec![],
        vec![],
    );
    let df = report_over(&e, days(10), Benchmark::Dora2023).deployment_frequency;
    assert_eq!(df.deployments, 2);
    assert_eq!(df.per_day, Some(0.2));
    assert_eq!(df.deploy_days_per_week, Some(0.0));
    assert_eq!(df.tier, Some(Tier::Medium));
}

#[test]
fn window_shorter_than_a_week_uses_one_week() {
    let e = events(
        vec![
            deploy_at("a", ago(HOUR)),
            deploy_at("a", ago(DAY)),
            deploy_at("a", ago(2 * DAY)),
        ],
        vec![],
        vec![],
    );
    let df = report_over(&e, days(3), Benchmark::Dora2023).deployment_frequency;
    assert_eq!(df.deploy_days_per_week, Some(3.0));
    assert_eq!(df.per_day, Some(1.0));
}

#[test]
fn deployment_frequency_end_to_end_tiers() {
    // Five distinct days in a one-week window: elite; four: high.
    let five: Vec<Deployment> = (0..5)
        .map(|d| deploy_at("a", ago(d * DAY + HOUR)))
        .collect();
    let e = events(five.clone(), vec![], vec![]);
    let tier = |e: &DoraEvents, b| report_over(e, days(7), b).deployment_frequency.tier;
    assert_eq!(tier(&e, Benchmark::Dora2023), Some(Tier::Elite));
    assert_eq!(tier(&e, Benchmark::Dora2021), Some(Tier::Elite));
    let e = events(five[..4].to_vec(), vec![], vec![]);
    assert_eq!(tier(&e, Benchmark::Dora2023), Some(Tier::High));
    assert_eq!(tier(&e, Benchmark::Dora2021), Some(Tier::High));
    // Two deploys in 60 days is one per month exactly: medium (2023), high (2021).
    let e = events(
        vec![deploy_at("a", ago(DAY)), deploy_at("a", ago(40 * DAY))],
        vec![],
        vec![],
    );
    let df = report_over(&e, days(60), Benchmark::Dora2023).deployment_frequency;
    assert_eq!(df.deploy_days_per_week, Some(0.0));
    assert_eq!(df.tier, Some(Tier::Medium));
    let df = report_over(&e, days(60), Benchmark::Dora2021).deployment_frequency;
    assert_eq!(df.tier, Some(Tier::High));
    // One deploy in 60 days: low (2023), medium (2021).
    let e = events(vec![deploy_at("a", ago(DAY))], vec![], vec![]);
    let tier = |b| report_over(&e, days(60), b).deployment_frequency.tier;
    assert_eq!(tier(Benchmark::Dora2023), Some(Tier::Low));
    assert_eq!(tier(Benchmark::Dora2021), Some(Tier::Medium));
}

#[test]
fn deployment_frequency_tier_boundaries_2023() {
    let tier = |days_per_week, count, window| {
        deployment_frequency_tier(Benchmark::Dora2023, days_per_week, count, window)
    };
    assert_eq!(tier(5.0, 20, days(28)), Tier::Elite);
    assert_eq!(tier(4.5, 20, days(28)), Tier::High);
    assert_eq!(tier(1.0, 4, days(28)), Tier::High);
    assert_eq!(tier(0.5, 4, days(28)), Tier::Medium);
    assert_eq!(tier(0.0, 1, days(30)), Tier::Medium);
    assert_eq!(tier(0.0, 1, days(30) + Duration::from_secs(1)), Tier::Low);
    assert_eq!(tier(0.0, 3, days(90)), Tier::Medium);
    assert_eq!(tier(0.0, 2, days(90)), Tier::Low);
}

#[test]
fn deployment_frequency_tier_boundaries_2021() {
    let tier = |days_per_week, count, window| {
        deployment_frequency_tier(Benchmark::Dora2021, days_per_week, count, window)
    };
    let half_year = Duration::from_secs(182 * 86_400 + 43_200);
    assert_eq!(tier(5.0, 20, days(28)), Tier::Elite);
    assert_eq!(tier(4.5, 20, days(28)), Tier::High);
    assert_eq!(tier(0.0, 1, days(30)), Tier::High);
    assert_eq!(
        tier(0.0, 1, days(30) + Duration::from_secs(1)),
        Tier::Medium
    );
    assert_eq!(tier(0.0, 1, half_year), Tier::Medium);
    assert_eq!(tier(0.0, 1, half_year + Duration::from_secs(1)), Tier::Low);
    assert_eq!(tier(0.0, 2, days(365)), Tier::Medium);
}

// ---- lead time ----

#[test]
fn lead_time_is_deploy_finish_minus_commit() {
    let e = events(
        vec![deploy("a", None, Some("c1"), ago(HOUR))],
        vec![change("a", "c1", None, ago(3 * HOUR))],
        vec![],
    );
    let lt = report(&e).lead_time;
    assert_eq!(lt.n, 1);
    assert_eq!(lt.median_seconds, Some(7_200.0));
    assert_eq!(lt.p90_seconds, Some(7_200.0));
    assert_eq!(lt.tier, Some(Tier::Elite));
    assert_eq!(lt.missing, None);
}

#[test]
fn commit_after_its_deploy_is_dropped() {
    let e = events(
        vec![deploy("a", None, Some("c1"), ago(3 * HOUR))],
        vec![change("a", "c1", None, ago(HOUR))],
        vec![],
    );
    let lt = report(&e).lead_time;
    assert_eq!(lt.n, 0);
    assert_eq!(lt.median_seconds, None);
    assert_eq!(lt.missing, Some(NO_DELIVERED_CHANGES));
}

#[test]
fn commit_at_the_deploy_instant_is_dropped() {
    let e = events(
        vec![deploy("a", None, Some("c1"), ago(HOUR))],
        vec![change("a", "c1", None, ago(HOUR))],
        vec![],
    );
    assert_eq!(report(&e).lead_time.n, 0);
}

#[test]
fn change_delivered_twice_counts_once_at_the_earliest_delivery() {
    let e = events(
        vec![
            deploy("a", Some("s1"), Some("c1"), ago(5 * HOUR)),
            deploy("a", Some("s1"), Some("c1"), ago(HOUR)),
            deploy("a", Some("s9"), Some("c1"), ago(10 * HOUR)),
        ],
        vec![change("a", "c1", Some("s1"), ago(12 * HOUR))],
        vec![],
    );
    let lt = report(&e).lead_time;
    assert_eq!(lt.n, 1);
    assert_eq!(lt.median_seconds, Some(2.0 * 3_600.0));
}

#[test]
fn change_first_delivered_before_the_window_does_not_count() {
    let e = events(
        vec![
            deploy("a", None, Some("c1"), ago(31 * DAY)),
            deploy("a", None, Some("c1"), ago(DAY)),
        ],
        vec![change("a", "c1", None, ago(32 * DAY))],
        vec![],
    );
    assert_eq!(report(&e).lead_time.n, 0);
}

#[test]
fn changes_join_on_image_sha_or_commit_within_the_same_app() {
    let e = events(
        vec![
            deploy("a", Some("s1"), None, ago(HOUR)),
            deploy("b", None, Some("c2"), ago(HOUR)),
        ],
        vec![
            change("a", "c1", Some("s1"), ago(2 * HOUR)), // image sha
            change("b", "c2", Some("s7"), ago(3 * HOUR)), // commit
            change("b", "c3", Some("s1"), ago(4 * HOUR)), // s1 is a's image
            change("a", "c2", None, ago(5 * HOUR)),       // c2 is b's commit
            change("a", "c4", None, ago(6 * HOUR)),       // nothing to join
        ],
        vec![],
    );
    let lt = report(&e).lead_time;
    assert_eq!(lt.n, 2);
    assert_eq!(lt.median_seconds, Some(1.5 * 3_600.0));
}

#[test]
fn changes_are_deduplicated_by_app_and_commit() {
    let e = events(
        vec![deploy("a", None, Some("c1"), ago(HOUR))],
        vec![
            change("a", "c1", None, ago(2 * HOUR)),
            change("a", "c1", None, ago(2 * HOUR)),
            change("a", "c1", Some("s1"), ago(2 * HOUR)),
        ],
        vec![],
    );
    assert_eq!(report(&e).lead_time.n, 1);
}

fn one_deploy_per_change(lead_hours: &[i64]) -> DoraEvents {
    let mut e = DoraEvents::default();
    for (i, &h) in lead_hours.iter().enumerate() {
        let commit = format!("c{i}");
        e.deployments
            .push(deploy("a", None, Some(&commit), ago(DAY)));
        e.changes
            .push(change("a", &commit, None, ago(DAY + h * HOUR)));
    }
    e
}

#[test]
fn lead_time_median_even_and_p90_nearest_rank() {
    let lt = report(&one_deploy_per_change(&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).lead_time;
    assert_eq!(lt.n, 10);
    assert_eq!(lt.median_seconds, Some(5.5 * 3_600.0));
    // ceil(0.9 * 10) = 9th smallest
    assert_eq!(lt.p90_seconds, Some(9.0 * 3_600.0));
}

#[test]
fn lead_time_median_odd_and_p90_nearest_rank() {
    let lt = report(&one_deploy_per_change(&[11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6])).lead_time;
    assert_eq!(lt.n, 11);
    assert_eq!(lt.median_seconds, Some(6.0 * 3_600.0));
    // ceil(0.9 * 11) = 10th smallest
    assert_eq!(lt.p90_seconds, Some(10.0 * 3_600.0));
}

#[test]
fn median_and_p90_helpers() {
    let d = |s: &[i64]| s.iter().map(|&s| s * events::SECOND).collect::<Vec<_>>();
    assert_eq!(median_seconds(&mut d(&[])), None);
    assert_eq!(p90_seconds(&mut d(&[])), None);
    assert_eq!(median_seconds(&mut d(&[7])), Some(7.0));
    assert_eq!(p90_seconds(&mut d(&[7])), Some(7.0));
    assert_eq!(median_seconds(&mut d(&[1, 4])), Some(2.5));
    assert_eq!(p90_seconds(&mut d(&[1, 4])), Some(4.0));
    assert_eq!(median_seconds(&mut d(&[1, 2, 100])), Some(2.0));
    let twenty: Vec<i64> = (1..=20).collect();
    assert_eq!(p90_seconds(&mut d(&twenty)), Some(18.0));
    assert_eq!(median_seconds(&mut [1_500_000]), Some(1.5));
}

#[test]
fn lead_time_tier_boundaries() {
    let day = DAY_SECONDS;
    let t = lead_time_tier;
    assert_eq!(t(Benchmark::Dora2023, day - 1.0), Tier::Elite);
    assert_eq!(t(Benchmark::Dora2023, day), Tier::High);
    assert_eq!(t(Benchmark::Dora2023, 7.0 * day - 0.5), Tier::High);
    assert_eq!(t(Benchmark::Dora2023, 7.0 * day), Tier::Medium);
    assert_eq!(t(Benchmark::Dora2023, 30.0 * day - 0.5), Tier::Medium);
    assert_eq!(t(Benchmark::Dora2023, 30.0 * day), Tier::Low);
    assert_eq!(t(Benchmark::Dora2021, 3_599.5), Tier::Elite);
    assert_eq!(t(Benchmark::Dora2021, 3_600.0), Tier::High);
    assert_eq!(t(Benchmark::Dora2021, 7.0 * day - 1.0), Tier::High);
    assert_eq!(t(Benchmark::Dora2021, 7.0 * day), Tier::Medium);
    assert_eq!(t(Benchmark::Dora2021, 182.0 * day - 1.0), Tier::Medium);
    assert_eq!(t(Benchmark::Dora2021, 182.0 * day), Tier::Low);
}

// ---- change failure rate ----

#[test]
fn deployment_with_two_incidents_fails_once() {
    let e = events(
        vec![deploy_at("a", ago(10 * DAY)), deploy_at("a", ago(5 * DAY))],
        vec![],
        vec![
            incident("a", "1", ago(9 * DAY), None),
            incident("a", "2", ago(8 * DAY), Some(ago(7 * DAY))),
        ],
    );
    let cfr = report(&e).change_failure_rate;
    assert_eq!((cfr.failed, cfr.deployments), (1, 2));
    assert_eq!(cfr.ratio, Some(0.5));
    assert_eq!(cfr.tier, Some(Tier::Low));
    assert_eq!(cfr.missing, None);
}

#[test]
fn incident_goes_to_the_latest_deployment_of_its_app_at_or_before_opening() {
    let e = events(
        vec![
            deploy_at("a", ago(10 * DAY)),
            deploy_at("a", ago(5 * DAY)),
            deploy_at("a", ago(DAY)),
            deploy_at("b", ago(2 * DAY)),
        ],
        vec![],
        vec![incident("a", "1", ago(5 * DAY), None)],
    );
    let cfr = report(&e).change_failure_rate;
    assert_eq!((cfr.failed, cfr.deployments), (1, 4));
    assert_eq!(cfr.ratio, Some(0.25));
}

#[test]
fn incident_before_any_deployment_of_its_app_is_not_attributed() {
    let e = events(
        vec![deploy_at("b", ago(20 * DAY)), deploy_at("a", ago(5 * DAY))],
        vec![],
        vec![incident("a", "1", ago(10 * DAY), None)],
    );
    let cfr = report(&e).change_failure_rate;
    assert_eq!((cfr.failed, cfr.deployments), (0, 2));
    assert_eq!(cfr.ratio, Some(0.0));
    assert_eq!(cfr.tier, Some(Tier::Elite));
}

#[test]
fn unattributed_incident_fails_no_deployment() {
    let e = events(
        vec![
            deploy_at("a", ago(5 * DAY)),
            deploy_at(UNATTRIBUTED_APP, ago(5 * DAY)),
        ],
        vec![],
        vec![incident(UNATTRIBUTED_APP, "1", ago(DAY), None)],
    );
    assert_eq!(report(&e).change_failure_rate.failed, 0);
}

#[test]
fn incident_caused_by_a_deployment_before_the_window_fails_nothing_in_it() {
    let e = events(
        vec![deploy_at("a", ago(31 * DAY)), deploy_at("a", ago(10 * DAY))],
        vec![],
        vec![incident("a", "1", ago(30 * DAY + HOUR), None)],
    );
    let cfr = report(&e).change_failure_rate;
    assert_eq!((cfr.failed, cfr.deployments), (0, 1));
}

#[test]
fn change_failure_rate_needs_deployments_in_window() {
    let e = events(
        vec![deploy_at("a", ago(40 * DAY))],
        vec![],
        vec![incident("a", "1", ago(DAY), None)],
    );
    let cfr = report(&e).change_failure_rate;
    assert_eq!((cfr.ratio, cfr.tier), (None, None));
    assert_eq!(cfr.missing, Some(NO_DEPLOYMENTS));
}

#[test]
fn change_failure_rate_tier_boundaries() {
    let t = change_failure_rate_tier;
    let (y23, y21) = (Benchmark::Dora2023, Benchmark::Dora2021);
    assert_eq!(t(y23, 0, 1), Tier::Elite);
    assert_eq!(t(y23, 1, 20), Tier::Elite);
    assert_eq!(t(y23, 1, 19), Tier::High);
    assert_eq!(t(y23, 2, 20), Tier::High);
    assert_eq!(t(y23, 3, 29), Tier::Medium);
    assert_eq!(t(y23, 3, 20), Tier::Medium);
    assert_eq!(t(y23, 4, 26), Tier::Low);
    assert_eq!(t(y23, 1, 1), Tier::Low);
    assert_eq!(t(y21, 3, 20), Tier::Elite);
    assert_eq!(t(y21, 4, 26), Tier::High);
    assert_eq!(t(y21, 4, 20), Tier::High);
    assert_eq!(t(y21, 5, 24), Tier::Medium);
    assert_eq!(t(y21, 6, 20), Tier::Medium);
    assert_eq!(t(y21, 7, 23), Tier::Low);
}

// ---- time to restore ----

#[test]
fn time_to_restore_is_the_median_over_incidents_resolved_in_window() {
    let e = events(
        vec![],
        vec![],
        vec![
            incident("a", "1", ago(DAY), Some(ago(DAY - HOUR))),
            incident("a", "2", ago(2 * DAY), Some(ago(2 * DAY - 3 * HOUR))),
            incident(UNATTRIBUTED_APP, "3", ago(HOUR), Some(now())),
            incident("a", "4", ago(HOUR), None),
            incident("a", "5", ago(31 * DAY), Some(ago(30 * DAY))),
            incident("a", "6", ago(HOUR), Some(now() + TimeDelta::seconds(1))),
        ],
    );
    let ttr = report(&e).time_to_restore;
    assert_eq!(ttr.n, 3);
    assert_eq!(ttr.median_seconds, Some(3_600.0));
    assert_eq!(ttr.tier, Some(Tier::High));
    assert_eq!(ttr.missing, None);
}

#[test]
fn time_to_restore_even_median_and_negative_dropped() {
    let e = events(
        vec![],
        vec![],
        vec![
            incident("a", "1", ago(5 * HOUR), Some(ago(4 * HOUR))),
            incident("a", "2", ago(5 * HOUR), Some(ago(3 * HOUR))),
            incident("a", "3", ago(HOUR), Some(ago(2 * HOUR))),
        ],
    );
    let ttr = report(&e).time_to_restore;
    assert_eq!(ttr.n, 2);
    assert_eq!(ttr.median_seconds, Some(1.5 * 3_600.0));
}

#[test]
fn incidents_are_deduplicated_by_app_and_id() {
    let e = events(
        vec![],
        vec![],
        vec![
            incident("a", "1", ago(2 * HOUR), None),
            incident("a", "1", ago(2 * HOUR), Some(ago(HOUR))),
            incident("a", "1", ago(2 * HOUR), Some(ago(HOUR))),
            incident("b", "1", ago(3 * HOUR), Some(ago(HOUR))),
        ],
    );
    let ttr = report(&e).time_to_restore;
    assert_eq!(ttr.n, 2);
    assert_eq!(ttr.median_seconds, Some(1.5 * 3_600.0));
}

#[test]
fn time_to_restore_tier_boundaries_are_the_same_for_both_benchmarks() {
    for benchmark in [Benchmark::Dora2023, Benchmark::Dora2021] {
        let tier_for = |restore: TimeDelta| {
            let e = events(
                vec![],
                vec![],
                vec![incident("a", "1", now() - restore, Some(now()))],
            );
            report_over(&e, days(30), benchmark).time_to_restore.tier
        };
        assert_eq!(
            tier_for(hours(1) - TimeDelta::seconds(1)),
            Some(Tier::Elite)
        );
        assert_eq!(tier_for(hours(1)), Some(Tier::High));
        assert_eq!(
            tier_for(hours(24) - TimeDelta::seconds(1)),
            Some(Tier::High)
        );
        assert_eq!(tier_for(hours(24)), Some(Tier::Medium));
        assert_eq!(
            tier_for(hours(7 * 24) - TimeDelta::seconds(1)),
            Some(Tier::Medium)
        );
        assert_eq!(tier_for(hours(7 * 24)), Some(Tier::Low));
    }
}

// ---- windows at the edge of the calendar ----

#[test]
fn degenerate_windows_do_not_panic() {
    let e = events(
        vec![deploy("a", None, Some("c1"), ago(HOUR))],
        vec![change("a", "c1", None, ago(2 * HOUR))],
        vec![incident("a", "1", ago(HOUR), Some(now()))],
    );
    let r = report_over(&e, Duration::ZERO, Benchmark::Dora2023);
    assert_eq!(r.deployment_frequency.missing, Some(NO_DEPLOYMENTS));
    let r = report_over(&e, Duration::MAX, Benchmark::Dora2021);
    assert_eq!(r.deployment_frequency.deployments, 1);
    assert_eq!(r.deployment_frequency.deploy_days_per_week, Some(0.0));
    assert_eq!(r.lead_time.n, 1);
    assert_eq!(r.change_failure_rate.failed, 1);
}

#[test]
fn thresholds_list_four_tiers_per_key_elite_first() {
    for benchmark in [Benchmark::Dora2023, Benchmark::Dora2021] {
        for key in tier_thresholds(benchmark) {
            for (line, tier) in
                key.tiers
                    .iter()
                    .zip([Tier::Elite, Tier::High, Tier::Medium, Tier::Low])
            {
                assert!(line.starts_with(&format!("{}: ", tier.word())), "{line}");
            }
        }
    }
    assert_eq!(
        tier_thresholds(Benchmark::Dora2023)[1].tiers[0],
        "elite: < 1 day"
    );
    assert_eq!(
        tier_thresholds(Benchmark::Dora2021)[1].tiers[0],
        "elite: < 1 hour"
    );
}

// ---- trends ----

fn lead_deploy(app: &str, commit: &str, lead: TimeDelta, at: Timestamp) -> (Deployment, Change) {
    (
        deploy(app, None, Some(commit), at),
        change(app, commit, None, at - lead),
    )
}

#[test]
fn trend_compares_each_key_with_the_previous_window_of_the_same_length() {
    // Window 7 days. Previous (14d, 7d] ago: 2 deploys (1 failed), leads 10 h, 10 h, restore 1 h.
    // Current (7d, 0]: 4 deploys (1 failed), leads 5 h x4, restore 3 h.
    let mut deployments = Vec::new();
    let mut changes = Vec::new();
    for (i, at) in [ago(10 * DAY), ago(9 * DAY)].into_iter().enumerate() {
        let (d, c) = lead_deploy("a", &format!("p{i}"), hours(10), at);
        deployments.push(d);
        changes.push(c);
    }
    for i in 0..4 {
        let (d, c) = lead_deploy("a", &format!("c{i}"), hours(5), ago((6 - i) * DAY));
        deployments.push(d);
        changes.push(c);
    }
    let incidents = vec![
        incident("a", "1", ago(9 * DAY - HOUR), Some(ago(9 * DAY - 2 * HOUR))),
        incident("a", "2", ago(3 * DAY - HOUR), Some(ago(3 * DAY - 4 * HOUR))),
    ];
    let r = report_over(
        &events(deployments, changes, incidents),
        days(7),
        Benchmark::Dora2023,
    );
    assert_eq!(r.previous.deployment_frequency.deployments, 2);
    assert_eq!(r.previous.change_failure_rate.failed, 1);
    assert_eq!(r.deployment_frequency.deployments, 4);
    let t = &r.trend;
    assert_eq!(t.deployment_frequency.previous, Some(2.0 / 7.0));
    assert_eq!(t.deployment_frequency.previous_n, 2);
    assert_eq!(
        t.deployment_frequency.change,
        Some(Difference::Percent(100.0))
    );
    assert_eq!(t.deployment_frequency.direction, Some(Direction::Better));
    assert_eq!(t.lead_time.previous, Some(10.0 * 3600.0));
    assert_eq!(t.lead_time.change, Some(Difference::Percent(-50.0)));
    assert_eq!(t.lead_time.direction, Some(Direction::Better));
    assert_eq!(t.change_failure_rate.previous, Some(0.5));
    assert_eq!(
        t.change_failure_rate.change,
        Some(Difference::Points(-25.0))
    );
    assert_eq!(t.change_failure_rate.direction, Some(Direction::Better));
    assert_eq!(t.time_to_restore.change, Some(Difference::Percent(200.0)));
    assert_eq!(t.time_to_restore.direction, Some(Direction::Worse));
    assert!(t.all().iter().all(|trend| trend.missing.is_none()));
}

#[test]
fn trend_is_not_available_with_a_reason_when_a_window_has_no_figure() {
    let e = events(vec![deploy_at("a", ago(DAY))], vec![], vec![]);
    let t = report_over(&e, days(7), Benchmark::Dora2023).trend;
    assert_eq!(t.deployment_frequency.previous, None);
    assert_eq!(t.deployment_frequency.direction, None);
    assert_eq!(t.deployment_frequency.change, None);
    assert_eq!(
        t.deployment_frequency.missing,
        Some(trend::NO_PREVIOUS_FIGURE)
    );
    let e = events(vec![deploy_at("a", ago(8 * DAY))], vec![], vec![]);
    let t = report_over(&e, days(7), Benchmark::Dora2023).trend;
    assert_eq!(t.deployment_frequency.previous, Some(1.0 / 7.0));
    assert_eq!(
        t.deployment_frequency.missing,
        Some(trend::NO_CURRENT_FIGURE)
    );
    assert_eq!(t.deployment_frequency.direction, None);
}

#[test]
fn failure_rate_rising_from_zero_is_measured_in_points() {
    let e = events(
        vec![
            deploy_at("a", ago(10 * DAY)),
            deploy_at("a", ago(2 * DAY)),
            deploy_at("a", ago(DAY)),
        ],
        vec![],
        vec![incident("a", "1", ago(DAY - HOUR), None)],
    );
    let t = report_over(&e, days(7), Benchmark::Dora2023).trend;
    assert_eq!(t.change_failure_rate.previous, Some(0.0));
    assert_eq!(t.change_failure_rate.change, Some(Difference::Points(50.0)));
    assert_eq!(t.change_failure_rate.direction, Some(Direction::Worse));
}

#[test]
fn a_change_that_rounds_to_zero_is_the_same() {
    // 1000 vs 1004 deploys: +0.4%, shown as 0%.
    let mut deployments: Vec<Deployment> = (0..1000)
        .map(|i| deploy_at("a", ago(8 * DAY + i * 60)))
        .collect();
    deployments.extend((0..1004).map(|i| deploy_at("a", ago(DAY + i * 60))));
    let t = report_over(
        &events(deployments, vec![], vec![]),
        days(7),
        Benchmark::Dora2023,
    )
    .trend;
    assert_eq!(t.deployment_frequency.direction, Some(Direction::Same));
}

#[test]
fn restore_time_rising_from_zero_has_a_direction_but_no_percent() {
    let e = events(
        vec![],
        vec![],
        vec![
            incident("a", "1", ago(9 * DAY), Some(ago(9 * DAY))),
            incident("a", "2", ago(2 * DAY), Some(ago(DAY))),
        ],
    );
    let t = report_over(&e, days(7), Benchmark::Dora2023).trend;
    assert_eq!(t.time_to_restore.previous, Some(0.0));
    assert_eq!(t.time_to_restore.change, None);
    assert_eq!(t.time_to_restore.missing, Some(trend::PREVIOUS_ZERO));
    assert_eq!(t.time_to_restore.direction, Some(Direction::Worse));
}

// ---- per service ----

#[test]
fn overall_figures_come_from_all_events_not_a_mean_of_services() {
    // a: 1 of 1 deploys failed; b: 0 of 3. The mean of the rates would be 50%; the rate is 25%.
    // Lead times a: 1 h; b: 10, 20, 30 h. Median of all four is 15 h; the mean of medians 10.5 h.
    let mut deployments = Vec::new();
    let mut changes = Vec::new();
    for (app, commit, lead, at) in [
        ("a", "a1", 1, 5),
        ("b", "b1", 10, 4),
        ("b", "b2", 20, 3),
        ("b", "b3", 30, 2),
    ] {
        let (d, c) = lead_deploy(app, commit, hours(lead), ago(at * DAY));
        deployments.push(d);
        changes.push(c);
    }
    let e = events(
        deployments,
        changes,
        vec![incident("a", "1", ago(5 * DAY - HOUR), None)],
    );
    let r = report(&e);
    assert_eq!(r.change_failure_rate.ratio, Some(0.25));
    assert_eq!(r.lead_time.median_seconds, Some(15.0 * 3600.0));
    let services: Vec<&str> = r.by_service.iter().map(|s| s.app.as_str()).collect();
    assert_eq!(services, ["a", "b"]);
    let a = &r.by_service[0].keys;
    assert_eq!(a.change_failure_rate.ratio, Some(1.0));
    assert_eq!(a.lead_time.median_seconds, Some(3600.0));
    let b = &r.by_service[1].keys;
    assert_eq!(b.change_failure_rate.ratio, Some(0.0));
    assert_eq!(b.lead_time.median_seconds, Some(20.0 * 3600.0));
    assert_eq!(b.deployment_frequency.deployments, 3);
}

#[test]
fn a_service_whose_only_event_is_an_open_incident_is_listed() {
    let e = events(
        vec![deploy_at("a", ago(2 * DAY))],
        Vec::new(),
        vec![incident("pager", "1", ago(DAY), None)],
    );
    let r = report(&e);
    let services: Vec<&str> = r.by_service.iter().map(|s| s.app.as_str()).collect();
    assert_eq!(services, ["a", "pager"]);
}

#[test]
fn services_are_sorted_worst_tier_first_then_by_failure_rate_then_name() {
    // Daily deploys over a 7-day window in each app: elite frequency. c fails 1 of 7 (14%,
    // medium); b fails 1 of 8 (medium) and has a 40-day lead time (low); a and d fail nothing;
    // "unknown" is no service.
    let mut deployments = Vec::new();
    for app in ["a", "b", "c", "d", UNATTRIBUTED_APP] {
        deployments.extend((0..7).map(|i| deploy_at(app, ago(i * DAY + HOUR))));
    }
    let changes = vec![change("b", "b1", None, ago(40 * DAY))];
    deployments.push(deploy("b", None, Some("b1"), ago(HOUR / 2)));
    let incidents = vec![
        incident("c", "1", ago(HOUR / 2), None),
        incident("b", "1", ago(HOUR / 4), None),
        incident(UNATTRIBUTED_APP, "1", ago(HOUR / 4), None),
    ];
    let r = report_over(
        &events(deployments, changes, incidents),
        days(7),
        Benchmark::Dora2023,
    );
    let order: Vec<(&str, Option<Tier>)> = r
        .by_service
        .iter()
        .map(|s| (s.app.as_str(), s.worst_tier()))
        .collect();
    assert_eq!(
        order,
        [
            ("b", Some(Tier::Low)),
            ("c", Some(Tier::Medium)),
            ("a", Some(Tier::Elite)),
            ("d", Some(Tier::Elite)),
        ]
    );
}

// ---- data quality ----

#[test]
fn data_quality_counts_what_joins_nothing() {
    let e = events(
        vec![
            deploy("a", None, Some("c1"), ago(5 * DAY)),
            deploy("a", Some("img"), None, ago(4 * DAY)),
            deploy("a", None, Some("stray"), ago(3 * DAY)),
            deploy("a", None, None, ago(2 * DAY)),
            deploy("a", None, None, ago(40 * DAY)),
        ],
        vec![
            change("a", "c1", None, ago(6 * DAY)),
            change("a", "c2", Some("img"), ago(6 * DAY)),
            change("a", "c3", None, ago(DAY)),
            change("b", "c1", None, ago(DAY)),
            change("a", "old", None, ago(50 * DAY)),
        ],
        vec![
            incident(UNATTRIBUTED_APP, "1", ago(DAY), None),
            incident("z", "1", ago(DAY), None),
            incident("a", "1", ago(HOUR), Some(ago(HOUR / 2))),
        ],
    );
    let q = report(&e).data_quality;
    assert_eq!(q.deployments_without_change, 2);
    assert_eq!(q.changes_not_deployed, 2);
    assert_eq!(q.incidents_unattributed, 1);
    assert_eq!(q.incidents_without_deployment, 1);
    assert_eq!(
        q.low_samples,
        [
            LowSample {
                key: "deployment_frequency",
                n: 4
            },
            LowSample {
                key: "lead_time",
                n: 2
            },
            LowSample {
                key: "change_failure_rate",
                n: 4
            },
            LowSample {
                key: "time_to_restore",
                n: 1
            },
            LowSample {
                key: "deployment_rework_rate",
                n: 4
            },
            LowSample {
                key: "failed_deployment_recovery_time",
                n: 1
            },
        ]
    );
    assert!(q.not_available.is_empty());
}

#[test]
fn data_quality_lists_each_figure_that_is_not_available_with_its_reason() {
    let q = report(&DoraEvents::default()).data_quality;
    assert_eq!(
        q.not_available,
        [
            NotAvailable {
                key: "deployment_frequency",
                reason: NO_DEPLOYMENTS
            },
            NotAvailable {
                key: "lead_time",
                reason: NO_DELIVERED_CHANGES
            },
            NotAvailable {
                key: "change_failure_rate",
                reason: NO_DEPLOYMENTS
            },
            NotAvailable {
                key: "time_to_restore",
                reason: NO_RESOLVED_INCIDENTS
            },
            NotAvailable {
                key: "deployment_rework_rate",
                reason: NO_DEPLOYMENTS
            },
            NotAvailable {
                key: "failed_deployment_recovery_time",
                reason: NO_RECOVERED_DEPLOYMENTS
            },
        ]
    );
    assert!(q.low_samples.is_empty());
}

// ---- daily series ----

#[test]
fn series_has_one_bucket_per_day_oldest_first() {
    let e = events(
        vec![
            deploy("a", None, Some("c1"), ago(HOUR)),
            deploy("a", None, Some("c2"), ago(2 * HOUR)),
            deploy("a", None, None, ago(6 * DAY + HOUR)),
            deploy("a", None, None, ago(8 * DAY)),
        ],
        vec![
            change("a", "c1", None, ago(3 * HOUR)),
            change("a", "c2", None, ago(6 * HOUR)),
        ],
        vec![incident("a", "1", ago(90 * 60), Some(ago(30 * 60)))],
    );
    let s = report_over(&e, days(7), Benchmark::Dora2023).series;
    assert_eq!(s.days(), 7);
    assert_eq!(s.deployments, [1, 0, 0, 0, 0, 0, 2]);
    assert_eq!(
        s.change_failure_rate,
        [Some(0.0), None, None, None, None, None, Some(0.5)]
    );
    assert_eq!(s.lead_time_seconds[6], Some(3.0 * 3600.0));
    assert_eq!(s.lead_time_seconds[..6], [None; 6]);
    assert_eq!(s.time_to_restore_seconds[6], Some(3600.0));
    let long = report_over(&e, Duration::MAX, Benchmark::Dora2023).series;
    assert_eq!(long.days(), MAX_SERIES_DAYS);
    let short = report_over(
        &e,
        Duration::from_secs(3 * HOUR as u64),
        Benchmark::Dora2023,
    )
    .series;
    assert_eq!(short.deployments, [2]);
}

// ---- properties ----

/// Lead times of the changes whose first delivery finished inside the window, straight from
/// the definition.
fn lead_time_samples<'a>(
    changes: &'a [Change],
    deployments: &DeploymentIndex,
    apps: &mut Apps<'a>,
    window: Window,
) -> Vec<Micros> {
    first_deliveries(changes, deployments, apps)
        .changes
        .into_iter()
        .filter_map(|change| {
            let delivered_at = change.delivered_at.filter(|&t| window.contains(t))?;
            let lead = delivered_at - change.committed_at;
            (lead > 0).then_some(lead)
        })
        .collect()
}

/// Restore times of the incidents resolved inside the window, straight from the definition.
fn restore_time_samples(incidents: &[DistinctIncident], window: Window) -> Vec<Micros> {
    incidents
        .iter()
        .filter_map(|incident| {
            let resolved_at = incident.resolved_at.filter(|&t| window.contains(t))?;
            let restore = resolved_at - incident.opened_at;
            (restore >= 0).then_some(restore)
        })
        .collect()
}

fn arb_time() -> impl Strategy<Value = Timestamp> {
    // Whole hours from 2 days ahead to 40 days back, so ties and boundaries are common.
    (-48i64..40 * 24).prop_map(|h| ago(h * HOUR))
}

fn arb_app() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "b", UNATTRIBUTED_APP])
}

fn arb_sha() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec!["s1", "s2", "s3"]))
}

fn arb_commit() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["c1", "c2", "c3", "c4"])
}

fn arb_events() -> impl Strategy<Value = DoraEvents> {
    let deployment = (
        arb_app(),
        arb_sha(),
        prop::option::of(arb_commit()),
        arb_time(),
    )
        .prop_map(|(app, sha, commit, at)| deploy(app, sha, commit, at));
    let change = (arb_app(), arb_commit(), arb_sha(), arb_time())
        .prop_map(|(app, commit, sha, at)| change(app, commit, sha, at));
    let incident = (
        arb_app(),
        prop::sample::select(vec!["1", "2", "3", "4"]),
        arb_time(),
        prop::option::of(arb_time()),
    )
        .prop_map(|(app, id, opened, resolved)| incident(app, id, opened, resolved));
    (
        prop::collection::vec(deployment, 0..30),
        prop::collection::vec(change, 0..30),
        prop::collection::vec(incident, 0..15),
    )
        .prop_map(|(deployments, changes, incidents)| events(deployments, changes, incidents))
}

fn arb_window() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(days(30)),
        Just(days(7)),
        Just(Duration::ZERO),
        Just(Duration::from_secs(1)),
        Just(Duration::MAX),
        (1u64..60 * 86_400).prop_map(Duration::from_secs),
    ]
}

fn arb_benchmark() -> impl Strategy<Value = Benchmark> {
    prop_oneof![Just(Benchmark::Dora2023), Just(Benchmark::Dora2021)]
}

fn arb_events_and_shuffle() -> impl Strategy<Value = (DoraEvents, DoraEvents)> {
    arb_events().prop_flat_map(|e| {
        let shuffled = (
            Just(e.deployments.clone()).prop_shuffle(),
            Just(e.changes.clone()).prop_shuffle(),
            Just(e.incidents.clone()).prop_shuffle(),
        )
            .prop_map(|(d, c, i)| events(d, c, i));
        (Just(e), shuffled)
    })
}

fn assert_missing_iff_no_figure(r: &DoraReport) {
    assert_eq!(
        r.deployment_frequency.missing.is_some(),
        r.deployment_frequency.per_day.is_none()
    );
    assert_eq!(
        r.lead_time.missing.is_some(),
        r.lead_time.median_seconds.is_none()
    );
    assert_eq!(
        r.change_failure_rate.missing.is_some(),
        r.change_failure_rate.ratio.is_none()
    );
    assert_eq!(
        r.time_to_restore.missing.is_some(),
        r.time_to_restore.median_seconds.is_none()
    );
}

fn assert_within_samples(figure: Option<f64>, mut samples: Vec<Micros>) {
    samples.sort_unstable();
    match (figure, samples.first(), samples.last()) {
        (None, None, None) => {}
        (Some(figure), Some(&min), Some(&max)) => {
            assert!(seconds(min) <= figure && figure <= seconds(max));
        }
        other => panic!("figure and samples disagree: {other:?}"),
    }
}

proptest! {
    #[test]
    fn result_does_not_depend_on_event_order(
        (e, shuffled) in arb_events_and_shuffle(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        prop_assert_eq!(
            report_over(&e, window, benchmark),
            report_over(&shuffled, window, benchmark)
        );
    }

    #[test]
    fn duplicating_every_event_changes_nothing(
        e in arb_events(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        let mut doubled = e.clone();
        doubled.extend(&e);
        prop_assert_eq!(
            report_over(&e, window, benchmark),
            report_over(&doubled, window, benchmark)
        );
    }

    #[test]
    fn a_new_incident_never_lowers_change_failure_rate(
        e in arb_events(),
        app in arb_app(),
        opened in arb_time(),
        window in arb_window(),
    ) {
        let before = report_over(&e, window, Benchmark::Dora2023).change_failure_rate;
        let mut more = e.clone();
        more.incidents.push(incident(app, "new", opened, None));
        let after = report_over(&more, window, Benchmark::Dora2023).change_failure_rate;
        prop_assert_eq!(before.deployments, after.deployments);
        prop_assert!(after.failed >= before.failed);
        prop_assert!(after.ratio >= before.ratio);
    }

    #[test]
    fn counts_stay_within_their_populations(
        e in arb_events(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        let r = report_over(&e, window, benchmark);
        let cfr = &r.change_failure_rate;
        prop_assert!(cfr.failed <= cfr.deployments);
        prop_assert!(cfr.ratio.is_none_or(|ratio| (0.0..=1.0).contains(&ratio)));
        prop_assert_eq!(cfr.deployments, r.deployment_frequency.deployments);
        prop_assert!(r.deployment_frequency.deployments <= e.deployments.len());
        prop_assert!(r.lead_time.n <= e.changes.len());
        prop_assert!(r.time_to_restore.n <= e.incidents.len());
        assert_missing_iff_no_figure(&r);
    }

    #[test]
    fn medians_and_p90_lie_within_their_samples(
        e in arb_events(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        let r = report_over(&e, window, benchmark);
        let w = Window::ending_at(now(), window);
        let mut apps = Apps::default();
        let deployments = DeploymentIndex::new(&e.deployments, &mut apps);
        let incidents = distinct_incidents(&e.incidents, &mut apps);
        let lead = lead_time_samples(&e.changes, &deployments, &mut apps, w);
        prop_assert_eq!(lead.len(), r.lead_time.n);
        prop_assert!(lead.iter().all(|&l| l > 0));
        assert_within_samples(r.lead_time.median_seconds, lead.clone());
        assert_within_samples(r.lead_time.p90_seconds, lead);
        prop_assert!(r.lead_time.p90_seconds >= r.lead_time.median_seconds);
        let restore = restore_time_samples(&incidents, w);
        prop_assert_eq!(restore.len(), r.time_to_restore.n);
        assert_within_samples(r.time_to_restore.median_seconds, restore);
        if let Some(days_per_week) = r.deployment_frequency.deploy_days_per_week {
            prop_assert!((0.0..=7.0).contains(&days_per_week));
        }
    }

    #[test]
    fn each_service_matches_the_keys_of_its_own_events(
        e in arb_events(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        let r = report_over(&e, window, benchmark);
        for service in &r.by_service {
            let own = DoraEvents {
                deployments: e.deployments.iter().filter(|d| d.app == service.app).cloned().collect(),
                changes: e.changes.iter().filter(|c| c.app == service.app).cloned().collect(),
                incidents: e.incidents.iter().filter(|i| i.app == service.app).cloned().collect(),
            };
            let alone = report_over(&own, window, benchmark);
            prop_assert_eq!(&service.keys, &alone.keys());
            prop_assert_eq!(&service.trend, &alone.trend);
        }
    }

    #[test]
    fn a_deployment_is_counted_once_in_exactly_one_service(
        e in arb_events(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        let r = report_over(&e, window, benchmark);
        let w = Window::ending_at(now(), window);
        let mut distinct: Vec<(&str, Timestamp, &Option<String>, &Option<String>)> = e
            .deployments
            .iter()
            .filter(|d| w.contains(events::micros(d.finished_at)))
            .map(|d| (d.app.as_str(), d.finished_at, &d.image_sha, &d.commit))
            .collect();
        distinct.sort();
        distinct.dedup();
        prop_assert_eq!(r.deployment_frequency.deployments, distinct.len());
        let unattributed = distinct.iter().filter(|d| d.0 == UNATTRIBUTED_APP).count();
        let per_service: usize = r.by_service.iter().map(|s| s.keys.deployment_frequency.deployments).sum();
        prop_assert_eq!(per_service + unattributed, distinct.len());
        let failed: usize = r.by_service.iter().map(|s| s.keys.change_failure_rate.failed).sum();
        prop_assert_eq!(failed, r.change_failure_rate.failed);
        if window <= days(MAX_SERIES_DAYS as u64) {
            prop_assert_eq!(r.series.deployments.iter().sum::<usize>(), distinct.len());
        }
    }

    #[test]
    fn the_previous_window_is_the_same_computation_one_window_earlier(
        e in arb_events(),
        window in (1u64..20 * 86_400).prop_map(Duration::from_secs),
        benchmark in arb_benchmark(),
    ) {
        let r = report_over(&e, window, benchmark);
        let earlier = compute(&e, now() - TimeDelta::from_std(window).unwrap(), window, benchmark);
        prop_assert_eq!(&r.previous, &earlier.keys());
    }

    #[test]
    fn trend_direction_agrees_with_the_figures(
        e in arb_events(),
        window in arb_window(),
        benchmark in arb_benchmark(),
    ) {
        let r = report_over(&e, window, benchmark);
        let now_keys = r.keys();
        let pairs = [
            (now_keys.deployment_frequency.per_day, r.previous.deployment_frequency.per_day, &r.trend.deployment_frequency, true),
            (now_keys.lead_time.median_seconds, r.previous.lead_time.median_seconds, &r.trend.lead_time, false),
            (now_keys.change_failure_rate.ratio, r.previous.change_failure_rate.ratio, &r.trend.change_failure_rate, false),
            (now_keys.time_to_restore.median_seconds, r.previous.time_to_restore.median_seconds, &r.trend.time_to_restore, false),
        ];
        for (current, previous, trend, higher_is_better) in pairs {
            prop_assert_eq!(trend.previous, previous);
            match (current, previous, trend.direction) {
                (Some(c), Some(p), Some(direction)) => {
                    let better = if higher_is_better { c > p } else { c < p };
                    match direction {
                        Direction::Better => prop_assert!(better),
                        Direction::Worse => prop_assert!(!better && c != p),
                        Direction::Same => {}
                    }
                }
                (None, _, None) | (_, None, None) => prop_assert!(trend.missing.is_some()),
                other => prop_assert!(false, "direction without figures: {:?}", other),
            }
        }
    }

    #[test]
    fn a_new_incident_never_lowers_any_services_failure_rate(
        e in arb_events(),
        app in arb_app(),
        opened in arb_time(),
        window in arb_window(),
    ) {
        let before = report_over(&e, window, Benchmark::Dora2023);
        let mut more = e.clone();
        more.incidents.push(incident(app, "new", opened, None));
        let after = report_over(&more, window, Benchmark::Dora2023);
        for service in &before.by_service {
            // An open incident can take a service's only recovery away, and with it the service
            // from the table: that is no lowered failure rate when it had none.
            let Some(later) = after.by_service.iter().find(|s| s.app == service.app) else {
                prop_assert!(service.keys.change_failure_rate.ratio.is_none());
                continue;
            };
            prop_assert!(later.keys.change_failure_rate.failed >= service.keys.change_failure_rate.failed);
            prop_assert!(later.keys.change_failure_rate.ratio >= service.keys.change_failure_rate.ratio);
        }
        prop_assert!(after.previous.change_failure_rate.ratio >= before.previous.change_failure_rate.ratio);
    }

    #[test]
    fn median_lies_between_min_and_max(mut samples in prop::collection::vec(0i64..1_000_000_000, 1..50)) {
        samples.sort_unstable();
        let sorted: Vec<Micros> = samples.iter().map(|&s| s * 1_000).collect();
        let median = median_seconds(&mut sorted.clone()).unwrap();
        let p90 = p90_seconds(&mut sorted.clone()).unwrap();
        // Selection in any order gives what the sorted definition gives.
        let mut reversed: Vec<Micros> = sorted.iter().rev().copied().collect();
        let n = sorted.len();
        let sorted_median = if n % 2 == 1 {
            seconds(sorted[n / 2])
        } else {
            (seconds(sorted[n / 2 - 1]) + seconds(sorted[n / 2])) / 2.0
        };
        prop_assert_eq!(median_seconds(&mut reversed).unwrap(), sorted_median);
        prop_assert_eq!(p90_seconds(&mut reversed).unwrap(), seconds(sorted[(9 * n).div_ceil(10) - 1]));
        let (min, max) = (seconds(sorted[0]), seconds(sorted[sorted.len() - 1]));
        prop_assert!(min <= median && median <= max);
        prop_assert!(median <= p90 && p90 <= max);
    }
}

#[test]
fn a_week_not_ending_at_midnight_still_has_at_most_seven_deploy_days() {
    // now is 12:00: the week (now - 7d, now] touches eight calendar dates, each with a deploy.
    let mut deployments: Vec<Deployment> = (0..7)
        .map(|i| deploy_at("api", ago(HOUR + i * DAY)))
        .collect();
    deployments.push(deploy_at("api", ago(WEEK - HOUR)));
    let e = DoraEvents {
        deployments,
        ..DoraEvents::default()
    };
    let df = report_over(&e, days(7), Benchmark::Dora2023).deployment_frequency;
    assert_eq!(df.deployments, 8);
    assert_eq!(df.deploy_days_per_week, Some(7.0));
}
