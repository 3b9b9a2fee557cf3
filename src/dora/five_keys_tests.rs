//! Known answers, worked out by hand, for the keys DORA added since 2023 (rework rate, failed
//! deployment recovery time) and the 2025 scores; and their properties.

use chrono::{TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use super::scores::{self, band_score, frequency_band, rate_score, time_band};
use super::*;
use crate::model::{Deployment, Incident, ReworkMark};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap()
}

fn ago(seconds: i64) -> Timestamp {
    now() - TimeDelta::seconds(seconds)
}

fn deploy(app: &str, commit: Option<&str>, seconds_ago: i64) -> Deployment {
    Deployment {
        app: app.into(),
        image_sha: None,
        commit: commit.map(Into::into),
        finished_at: ago(seconds_ago),
        marked: None,
    }
}

fn incident(app: &str, id: &str, opened_ago: i64, resolved_ago: Option<i64>) -> Incident {
    Incident {
        app: app.into(),
        id: id.into(),
        opened_at: ago(opened_ago),
        resolved_at: resolved_ago.map(ago),
    }
}

fn with(deployments: Vec<Deployment>, incidents: Vec<Incident>) -> DoraEvents {
    DoraEvents {
        deployments,
        incidents,
        ..DoraEvents::default()
    }
}

fn report_with(events: &DoraEvents, rules: ReworkRules) -> DoraReport {
    let settings = Settings {
        rework_rules: rules,
        ..Settings::new(Benchmark::Dora2023)
    };
    compute_with(
        events,
        now(),
        Duration::from_secs(30 * DAY as u64),
        &settings,
    )
}

fn report(events: &DoraEvents) -> DoraReport {
    report_with(events, ReworkRules::default())
}

#[test]
fn a_return_to_an_older_version_is_a_rollback_and_a_redeploy_is_not() {
    // v1, v2, v1 (back to v1: rollback), v1 again (same as just before: a redeploy), v3, v2
    // (back to v2: rollback).
    let events = with(
        vec![
            deploy("api", Some("v1"), 10 * DAY),
            deploy("api", Some("v2"), 9 * DAY),
            deploy("api", Some("v1"), 8 * DAY),
            deploy("api", Some("v1"), 7 * DAY),
            deploy("api", Some("v3"), 6 * DAY),
            deploy("api", Some("v2"), 5 * DAY),
            // Another service delivering v1 for the first time is no rollback of api's.
            deploy("web", Some("v1"), 4 * DAY),
        ],
        vec![],
    );
    let rework = report(&events).deployment_rework_rate;
    assert_eq!((rework.deployments, rework.rework), (7, 2));
    assert_eq!(
        rework.by_rule,
        ByRule {
            fix: 0,
            rollback: 2,
            marked: 0
        }
    );
    assert_eq!(rework.ratio, Some(2.0 / 7.0));
    let api = report(&events)
        .by_service
        .into_iter()
        .find(|s| s.app == "api")
        .unwrap();
    assert_eq!(api.keys.deployment_rework_rate.rework, 2);
    assert_eq!(api.keys.deployment_rework_rate.deployments, 6);
}

#[test]
fn a_deploy_during_an_open_incident_is_a_fix_and_one_after_its_resolution_is_not() {
    let opened = 5 * DAY;
    let resolved = 5 * DAY - 4 * HOUR;
    let events = with(
        vec![
            // Caused the incident: failed, not rework.
            deploy("api", Some("a"), opened + HOUR),
            // While it was open: a fix.
            deploy("api", Some("b"), opened - 2 * HOUR),
            // At the instant it was resolved: still open, a fix.
            deploy("api", Some("c"), resolved),
            // After the resolution: planned work again.
            deploy("api", Some("d"), resolved - HOUR),
            // Another service's deploy during api's incident is not rework.
            deploy("web", Some("w"), opened - HOUR),
        ],
        vec![incident("api", "INC-1", opened, Some(resolved))],
    );
    let r = report(&events);
    let rework = &r.deployment_rework_rate;
    assert_eq!((rework.deployments, rework.rework), (5, 2));
    assert_eq!(
        rework.by_rule,
        ByRule {
            fix: 2,
            rollback: 0,
            marked: 0
        }
    );
    assert_eq!(r.change_failure_rate.failed, 1);
    // The rule can be switched off.
    let off = report_with(
        &events,
        ReworkRules {
            fix: false,
            ..ReworkRules::default()
        },
    );
    assert_eq!(off.deployment_rework_rate.rework, 0);
    assert_eq!(off.rework_rules.words(), ["rollback", "marked"]);
}

#[test]
fn an_unresolved_incident_makes_every_later_deploy_of_its_service_a_fix() {
    let events = with(
        vec![
            deploy("api", Some("a"), 3 * DAY),
            deploy("api", Some("b"), 2 * DAY),
            deploy("api", Some("c"), DAY),
        ],
        vec![
            incident("api", "INC-1", 3 * DAY - HOUR, None),
            // Incidents of no service fix nothing.
            incident(crate::model::UNATTRIBUTED_APP, "INC-2", 4 * DAY, None),
        ],
    );
    assert_eq!(report(&events).deployment_rework_rate.by_rule.fix, 2);
}

#[test]
fn a_marked_deploy_counts_once_by_its_mark_whatever_else_holds() {
    let mut marked = deploy("api", Some("v1"), 2 * DAY);
    marked.marked = Some(ReworkMark::Revert);
    let events = with(
        vec![
            deploy("api", Some("v1"), 4 * DAY),
            deploy("api", Some("v2"), 3 * DAY),
            // A rollback, during an open incident, and marked: one rework, by its mark.
            marked,
        ],
        vec![incident("api", "INC-1", 3 * DAY - HOUR, None)],
    );
    let rework = report(&events).deployment_rework_rate;
    assert_eq!((rework.deployments, rework.rework), (3, 1));
    assert_eq!(
        rework.by_rule,
        ByRule {
            fix: 0,
            rollback: 0,
            marked: 1
        }
    );
    let unmarked = report_with(
        &events,
        ReworkRules {
            marked: false,
            ..ReworkRules::default()
        },
    );
    assert_eq!(unmarked.deployment_rework_rate.by_rule.rollback, 1);
    let none = report_with(&events, ReworkRules::none());
    assert_eq!(none.deployment_rework_rate.rework, 0);
    assert_eq!(none.deployment_rework_rate.ratio, Some(0.0));
}

#[test]
fn no_deployments_no_rework_rate_and_why() {
    let r = report(&DoraEvents::default());
    assert_eq!(r.deployment_rework_rate.ratio, None);
    assert_eq!(r.deployment_rework_rate.missing, Some(NO_DEPLOYMENTS));
    assert_eq!(r.failed_deployment_recovery_time.median_seconds, None);
    assert_eq!(
        r.failed_deployment_recovery_time.missing,
        Some(NO_RECOVERED_DEPLOYMENTS)
    );
    assert!(
        r.data_quality
            .not_available
            .iter()
            .any(|na| na.key == "deployment_rework_rate")
    );
    assert_eq!(r.scores.overall, None);
}

#[test]
fn recovery_runs_from_the_deploy_to_its_last_incident_resolved() {
    let d = 10 * DAY;
    let events = with(
        vec![
            deploy("api", Some("a"), d),
            deploy("web", Some("w"), 6 * DAY),
            deploy("api", Some("b"), 2 * DAY),
        ],
        vec![
            // Both attributed to api's first deploy: recovered 5 h after it finished.
            incident("api", "INC-1", d - HOUR, Some(d - 3 * HOUR)),
            incident("api", "INC-2", d - 2 * HOUR, Some(d - 5 * HOUR)),
            // web's deploy has an incident still open: not recovered, no sample.
            incident("web", "INC-3", 6 * DAY - HOUR, None),
            // api's second deploy: recovered after 26 h.
            incident(
                "api",
                "INC-4",
                2 * DAY - 24 * HOUR,
                Some(2 * DAY - 26 * HOUR),
            ),
        ],
    );
    let r = report(&events);
    let recovery = &r.failed_deployment_recovery_time;
    assert_eq!(recovery.n, 2);
    // Median of 5 h and 26 h.
    assert_eq!(recovery.median_seconds, Some(15.5 * HOUR as f64));
    assert_eq!(recovery.tier, Some(Tier::High));
    // Time to restore keeps its meaning: incident open to resolved (2 h, 3 h, 2 h).
    assert_eq!(r.time_to_restore.n, 3);
    assert_eq!(r.time_to_restore.median_seconds, Some(2.0 * HOUR as f64));
    let api = r.by_service.iter().find(|s| s.app == "api").unwrap();
    assert_eq!(api.keys.failed_deployment_recovery_time.n, 2);
    let web = r.by_service.iter().find(|s| s.app == "web").unwrap();
    assert_eq!(web.keys.failed_deployment_recovery_time.n, 0);
    // The recovered deployment's sample lands on the day of its last resolution.
    let days = &r.series.failed_deployment_recovery_time_seconds;
    assert_eq!(days.iter().flatten().count(), 2);
}

#[test]
fn rework_and_recovery_have_trends_against_the_window_before() {
    let events = with(
        vec![
            // Previous window: v1, v2, v1 (one rollback of three).
            deploy("api", Some("v1"), 40 * DAY),
            deploy("api", Some("v2"), 39 * DAY),
            deploy("api", Some("v1"), 38 * DAY),
            // This window: v3, v4 (none of two).
            deploy("api", Some("v3"), 5 * DAY),
            deploy("api", Some("v4"), 4 * DAY),
        ],
        vec![],
    );
    let r = report(&events);
    let trend = &r.trend.deployment_rework_rate;
    assert_eq!(trend.previous, Some(1.0 / 3.0));
    assert_eq!(trend.direction, Some(Direction::Better));
    match trend.change {
        Some(Difference::Points(p)) => assert!((p + 100.0 / 3.0).abs() < 1e-9, "{p}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.trend.failed_deployment_recovery_time.missing,
        Some(trend::NO_PREVIOUS_FIGURE)
    );
}

#[test]
fn time_bands_at_every_boundary() {
    let h = HOUR as f64;
    let d = DAY as f64;
    for (seconds, band) in [
        (0.0, 6),
        (h - 1.0, 6),
        (h, 5),
        (d - 1.0, 5),
        (d, 4),
        (7.0 * d - 1.0, 4),
        (7.0 * d, 3),
        (30.0 * d - 1.0, 3),
        (30.0 * d, 2),
        (182.5 * d - 1.0, 2),
        (182.5 * d, 1),
        (f64::MAX, 1),
    ] {
        assert_eq!(time_band(seconds), band, "{seconds} s");
    }
    assert_eq!(
        [1, 2, 3, 4, 5, 6].map(band_score),
        [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    );
}

#[test]
fn frequency_bands_at_every_boundary() {
    let window = |days: u64| Duration::from_secs(days * 86_400);
    assert_eq!(frequency_band(5.0, 1.5, 60, window(30)), (6, None));
    assert_eq!(
        frequency_band(5.0, 1.0, 30, window(30)),
        (5, None),
        "one a day is not many"
    );
    assert_eq!(frequency_band(4.5, 3.0, 30, window(30)), (4, None));
    assert_eq!(frequency_band(1.0, 1.0, 4, window(30)), (4, None));
    assert_eq!(
        frequency_band(0.5, 1.0, 1, window(30)),
        (3, None),
        "one in 30 days"
    );
    let (band, note) = frequency_band(0.0, 1.0, 1, window(31));
    assert_eq!((band, note), (2, Some(scores::SHORT_WINDOW_NOTE)));
    assert_eq!(frequency_band(0.0, 1.0, 6, window(180)), (3, None));
    assert_eq!(
        frequency_band(0.0, 1.0, 1, window(180)),
        (2, None),
        "one in 180 days"
    );
    assert_eq!(frequency_band(0.0, 1.0, 1, window(181)), (1, None));
}

#[test]
fn rate_scores_run_from_ten_down_to_zero() {
    assert_eq!(rate_score(0.0), 10.0);
    assert_eq!(rate_score(0.05), 9.5);
    assert_eq!(rate_score(0.5), 5.0);
    assert_eq!(rate_score(1.0), 0.0);
}

#[test]
fn all_industries_benchmark_as_the_quick_check_shows_it() {
    let all = Industry::all();
    assert_eq!(all.name, "All industries");
    let pairs = [
        (all.lead_time, (5.5, 2.4)),
        (all.deployment_frequency, (4.8, 2.8)),
        (all.failed_deployment_recovery_time, (7.4, 2.1)),
        (all.change_failure_rate, (8.1, 2.1)),
        (all.deployment_rework_rate, (7.8, 2.2)),
        (all.throughput, (6.0, 2.1)),
        (all.stability, (7.9, 2.0)),
        // (5.5 + 4.8 + 7.4 + 8.1 + 7.8) / 5, with the published overall sd.
        (all.overall, (6.72, 1.2)),
    ];
    for (benchmark, (mean, sd)) in pairs {
        assert_eq!((benchmark.mean, benchmark.sd), (mean, sd));
    }
    let keys = scores::industry_keys();
    assert_eq!(keys[0], "all");
    assert!(keys.contains(&"technology") && keys.contains(&"financial_services"));
    assert_eq!(scores::industry("technology").unwrap().name, "Technology");
    assert_eq!(scores::industry("nonsense"), None);
}

#[test]
fn scores_of_a_known_team() {
    // Daily deploys, every fourth one a rollback to the version before last, and an incident
    // on one deploy resolved 30 min later.
    let mut deployments = Vec::new();
    for k in 0..28 {
        // k counts forward in time: v0, v1, v2, v1 (rollback), v4, v5, v6, v5 (rollback)...
        let version = if k % 4 == 3 { k - 2 } else { k };
        let day = 27 - k;
        deployments.push(deploy(
            "api",
            Some(&format!("v{version}")),
            day * DAY + HOUR,
        ));
    }
    let incidents = vec![incident(
        "api",
        "INC-1",
        10 * DAY,
        Some(10 * DAY - HOUR / 2),
    )];
    let r = report(&with(deployments, incidents));
    let s = &r.scores;
    assert_eq!(s.industry, "all");
    // 28 deploys, 7 rollbacks, one failed; 7 deploy-days a week with one deploy each.
    assert_eq!(r.deployment_rework_rate.rework, 7);
    let df = s.deployment_frequency.as_ref().unwrap();
    assert_eq!((df.band, df.score), (Some(5), 8.0));
    assert_eq!(s.lead_time, None, "no changes: no lead time score");
    let recovery = s.failed_deployment_recovery_time.as_ref().unwrap();
    // The deploy finished 10 d 1 h ago, its incident was resolved 10 d - 30 min ago.
    assert_eq!(
        r.failed_deployment_recovery_time.median_seconds,
        Some(1.5 * HOUR as f64)
    );
    assert_eq!((recovery.band, recovery.score), (Some(5), 8.0));
    let cfr = s.change_failure_rate.as_ref().unwrap();
    assert!((cfr.score - (10.0 - 100.0 / 28.0 / 10.0)).abs() < 1e-9);
    let rework = s.deployment_rework_rate.as_ref().unwrap();
    assert_eq!((rework.band, rework.score), (None, 7.5));
    let throughput = s.throughput.as_ref().unwrap();
    assert_eq!((throughput.score, throughput.keys), (8.0, 2));
    let stability = s.stability.as_ref().unwrap();
    assert!((stability.score - (cfr.score + 7.5) / 2.0).abs() < 1e-9);
    let overall = s.overall.as_ref().unwrap();
    assert_eq!(overall.keys, 4);
    assert!((overall.score - (8.0 + 8.0 + cfr.score + 7.5) / 4.0).abs() < 1e-9);
    assert_eq!(overall.benchmark.mean, 6.72);
}

fn arb_time() -> impl Strategy<Value = i64> {
    (-48i64..40 * 24).prop_map(|h| h * HOUR)
}

fn arb_events() -> impl Strategy<Value = DoraEvents> {
    let deployment = (
        prop::sample::select(vec!["a", "b", crate::model::UNATTRIBUTED_APP]),
        prop::option::of(prop::sample::select(vec!["v1", "v2", "v3"])),
        arb_time(),
        prop::option::of(Just(ReworkMark::Hotfix)),
    )
        .prop_map(|(app, version, at, marked)| Deployment {
            marked,
            ..deploy(app, version, at)
        });
    (
        prop::collection::vec(deployment, 0..30),
        prop::collection::vec(arb_incident(), 0..10),
    )
        .prop_map(|(d, i)| with(d, i))
}

fn arb_incident() -> impl Strategy<Value = Incident> {
    (
        prop::sample::select(vec!["a", "b", crate::model::UNATTRIBUTED_APP]),
        prop::sample::select(vec!["1", "2", "3", "4"]),
        arb_time(),
        prop::option::of(arb_time()),
    )
        .prop_map(|(app, id, opened, resolved)| incident(app, id, opened, resolved))
}

fn arb_rules() -> impl Strategy<Value = ReworkRules> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(fix, rollback, marked)| ReworkRules {
        fix,
        rollback,
        marked,
    })
}

proptest! {
    #[test]
    fn a_deployment_is_rework_at_most_once(e in arb_events(), rules in arb_rules()) {
        let r = report_with(&e, rules);
        let rework = &r.deployment_rework_rate;
        let by = rework.by_rule;
        prop_assert_eq!(rework.rework, by.fix + by.rollback + by.marked);
        prop_assert!(rework.rework <= rework.deployments);
        prop_assert_eq!(rework.deployments, r.deployment_frequency.deployments);
        // Under all rules a deployment is rework if any single rule makes it so, counted once.
        let single = |rule| report_with(&e, ReworkRules::none().with(rule)).deployment_rework_rate.rework;
        let all = report_with(&e, ReworkRules::default()).deployment_rework_rate.rework;
        let singles = [ReworkRule::Fix, ReworkRule::Rollback, ReworkRule::Marked].map(single);
        prop_assert!(all <= singles.iter().sum::<usize>());
        prop_assert!(all >= *singles.iter().max().unwrap());
        // Services add up to the whole (unattributed deploys are no service's).
        let of_services: usize = r.by_service.iter().map(|s| s.keys.deployment_rework_rate.rework).sum();
        prop_assert!(of_services <= rework.rework);
    }

    #[test]
    fn rollbacks_do_not_depend_on_which_commits_are_known_changes(
        e in arb_events(),
        known in prop::collection::vec(prop::sample::select(vec!["v1", "v2", "v3"]), 0..4),
    ) {
        let rollback = |events: &DoraEvents| {
            report_with(events, ReworkRules::none().with(ReworkRule::Rollback))
                .deployment_rework_rate
                .rework
        };
        let mut with_changes = e.clone();
        for commit in known {
            for app in ["a", "b"] {
                with_changes.changes.push(crate::model::Change {
                    app: app.into(),
                    commit: commit.into(),
                    image_sha: None,
                    committed_at: ago(50 * DAY),
                });
            }
        }
        prop_assert_eq!(rollback(&e), rollback(&with_changes));
    }

    #[test]
    fn adding_an_incident_never_lowers_rework_or_change_failure(
        e in arb_events(),
        extra in arb_incident(),
    ) {
        let before = report(&e);
        let mut more = e.clone();
        // A fresh id, so the incident is new rather than merged into a known one.
        more.incidents.push(Incident { id: "new".into(), ..extra });
        let after = report(&more);
        prop_assert!(after.deployment_rework_rate.rework >= before.deployment_rework_rate.rework);
        prop_assert!(after.change_failure_rate.failed >= before.change_failure_rate.failed);
    }

    #[test]
    fn scores_stay_between_zero_and_ten(e in arb_events()) {
        let s = report(&e).scores;
        let keys = [
            &s.lead_time,
            &s.deployment_frequency,
            &s.failed_deployment_recovery_time,
            &s.change_failure_rate,
            &s.deployment_rework_rate,
        ];
        for key in keys.into_iter().flatten() {
            prop_assert!((0.0..=10.0).contains(&key.score));
        }
        for group in [&s.throughput, &s.stability, &s.overall].into_iter().flatten() {
            prop_assert!((0.0..=10.0).contains(&group.score) && group.keys >= 1);
        }
    }
}
