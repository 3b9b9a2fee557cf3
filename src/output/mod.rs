//! `--once` renderings of the view model: plain text for people, JSON for scripts; and the
//! exit code that tells a script what the Andon says.

mod json;
mod paint;
mod text;

pub use json::{JSON_SCHEMA, json, since_json, write_json};
pub use paint::Paint;
pub use text::{since, text};

use crate::view::{AndonState, ViewModel};

/// `--once` exit code: 0 green, 1 line stopped, 3 nothing red but something unknown.
pub fn exit_code(view: &ViewModel) -> i32 {
    match view.andon.state {
        AndonState::Green => 0,
        AndonState::Red => 1,
        AndonState::Unknown => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        BuildStatus, Deployment, DoraEvents, Incident, Pipeline, Snapshot, Timestamp,
    };
    use crate::setup;
    use crate::since::since_report;
    use crate::state::State;
    use crate::view;
    use chrono::{TimeZone, Utc};
    use serde_json::Value;
    use std::time::Duration;

    fn at(hours: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + hours * 3600, 0).unwrap()
    }

    #[test]
    fn the_sources_section_reads_a_failure_by_its_cause() {
        use crate::sources::{Cause, SourceError};
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        let until = at(1);
        state.record(
            0,
            at(0),
            Err(SourceError::of(Cause::RateLimited { until }, "slow down")),
        );
        let report = |state: &State| {
            let view = view::build(
                &config,
                state,
                view::dora_report(&config, state, at(0)),
                at(0),
            );
            let text = text(&view, Paint(None));
            let name = &config.sources[0].name;
            text.lines()
                .skip_while(|l| *l != "SOURCES")
                .find(|l| l.trim_start().starts_with(name.as_str()))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
        };
        let paced = report(&state);
        let clock = until.with_timezone(&chrono::Local).format("%H:%M");
        assert!(paced.contains("  paced "), "{paced}");
        assert!(
            paced.ends_with(&format!("until {clock}: slow down")),
            "{paced}"
        );
        state.record(
            0,
            at(0),
            Err(SourceError::of(Cause::Auth { status: Some(401) }, "no")),
        );
        let refused = report(&state);
        assert!(refused.contains("  error "), "{refused}");
        assert!(
            refused.ends_with("token refused (401; andon check says where it comes from): no"),
            "{refused}"
        );
    }

    #[test]
    fn flow_text_marks_a_breach_in_words_and_no_data_as_na() {
        let config = setup::parse(
            "[board]\nstages = [\"build\", \"test\"]\nwip_limits = { test = 1 }\n[[source]]\nname = \"d\"\nkind = \"demo\"\n",
            "t.toml",
        )
        .unwrap();
        let mut state = State::new(&config);
        let running = |name: &str| {
            Pipeline::from_stages(
                name,
                vec![
                    crate::model::StageRun::new("build", crate::model::StageStatus::Passed),
                    crate::model::StageRun::new("test", crate::model::StageStatus::Running),
                ],
            )
        };
        state.record(
            0,
            at(0),
            Ok(Snapshot {
                pipelines: vec![running("api"), running("web")],
                ..Snapshot::default()
            }),
        );
        let v = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, at(0)),
            at(0),
        );
        let text = text(&v, Paint(None));
        assert!(
            text.contains("  test   2/1 WIP ▲ over  median N/A (no timed runs)"),
            "{text}"
        );
        assert!(text.contains("  build  0 WIP"), "{text}");
        assert!(
            !text.contains("constraint"),
            "no data, no constraint:\n{text}"
        );
        let json = json(&v);
        assert_eq!(json["flow"]["stages"][1]["breached"], true);
        assert_eq!(
            json["flow"]["stages"][1]["median_duration_seconds"],
            Value::Null
        );
        assert_eq!(
            json["pipelines"][0]["pass_rate"],
            Value::Null,
            "nothing finished"
        );
    }

    #[test]
    fn since_counts_only_what_happened_in_the_period() {
        let config = setup::load(None).unwrap();
        let mut state = State::new(&config);
        let mut fresh = Pipeline::new("api", BuildStatus::Failing);
        fresh.last_build_at = Some(at(-2));
        fresh.breakers = vec!["dara".into()];
        let mut old = Pipeline::new("web", BuildStatus::Failing);
        old.last_build_at = Some(at(-48));
        let deploy = |app: &str, h| Deployment {
            app: app.into(),
            image_sha: None,
            commit: None,
            finished_at: at(h),
            marked: None,
        };
        let mut events = DoraEvents {
            deployments: vec![deploy("api", -1), deploy("api", -5), deploy("web", -30)],
            ..DoraEvents::default()
        };
        events.incidents = vec![
            Incident {
                app: "api".into(),
                id: "7".into(),
                opened_at: at(-3),
                resolved_at: None,
            },
            Incident {
                app: "web".into(),
                id: "6".into(),
                opened_at: at(-40),
                resolved_at: Some(at(-20)),
            },
        ];
        state.record(
            0,
            at(0),
            Ok(Snapshot {
                pipelines: vec![fresh, old],
                events: events.clone(),
                ..Snapshot::default()
            }),
        );
        let v = view::build(
            &config,
            &state,
            view::dora_report(&config, &state, at(0)),
            at(0),
        );
        let report = since_report(&v, &events, Duration::from_secs(24 * 3600));
        assert_eq!(report.broke.len(), 1);
        assert!(report.broke[0].starts_with("api") && report.broke[0].contains("by dara"));
        assert_eq!(report.still_red.len(), 1);
        assert_eq!(report.deploy_count, 2);
        assert_eq!(report.deploys, [("api".to_string(), 2)]);
        assert_eq!(report.opened.len(), 1);
        assert!(report.opened[0].ends_with("still open"));
        assert_eq!(report.resolved.len(), 1);
        assert!(report.resolved[0].contains("after 20.0 h"));
        let once = text(&v, Paint(None));
        assert!(once.contains("SERVICES  worst first"), "{once}");
        let services = once.split("SERVICES").nth(1).unwrap_or_default();
        let row = |name: &str| {
            services
                .lines()
                .position(|l| l.starts_with(&format!("  {name} ")))
                .unwrap_or_else(|| panic!("no {name} row: {once}"))
        };
        assert!(
            row("service") < row("overall") && row("overall") < row("api"),
            "{once}"
        );
        assert!(row("api") < row("web"), "{once}");
        assert!(once.contains("1 incidents before any deploy"), "{once}");
        let j = json(&v);
        assert_eq!(j["dora"]["by_service"][0]["app"], "api");
        assert_eq!(
            j["dora"]["by_service"][0]["change_failure_rate"]["failed"],
            1
        );
        assert_eq!(j["dora"]["by_service"][1]["app"], "web");
        let trend = &j["dora"]["change_failure_rate"]["trend"];
        assert_eq!(trend["missing"], "no figure in the previous window");
        assert_eq!(trend["change_points"], Value::Null);
        assert!(trend.get("change_percent").is_none(), "{trend}");
        assert_eq!(j["dora"]["data_quality"]["incidents_without_deployment"], 1);
        assert_eq!(j["dora"]["deployment_frequency"]["missing"], Value::Null);
        let text = since(&v, &events, Duration::from_secs(24 * 3600), Paint(None));
        assert!(text.contains("(last 24h)"), "{text}");
        assert!(text.contains("  deploys      2  api ×2"), "{text}");
        // Every item of a row starts in the same column.
        let items: Vec<usize> = text
            .lines()
            .filter(|l| l.contains('✗') || l.contains('!') || l.contains('✓'))
            .map(|l| l.chars().position(|c| "✗!✓".contains(c)).unwrap())
            .collect();
        assert!(items.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
