//! "Someone is on it": who acknowledged a failing pipeline, and since when. Kept until the
//! pipeline passes again. Pure state with a small API (acknowledge, release, settle, apply), so
//! the interactive radiator keeps it today and a collector can keep it for every screen.

use std::collections::HashMap;

use crate::model::Timestamp;
use crate::state::Freshness;
use crate::view::{self, PipelineStatus, PipelineView, ViewModel};

pub use crate::model::{ACK_GLYPH, Acknowledgement};

/// A pipeline as acknowledgements know it: its source and its name.
pub type PipelineKey = (String, String);

pub fn key_of(pipeline: &PipelineView) -> PipelineKey {
    (pipeline.source.to_string(), pipeline.pipeline.name.clone())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acknowledgements {
    by_pipeline: HashMap<PipelineKey, Acknowledgement>,
}

impl Acknowledgements {
    pub fn get(&self, key: &PipelineKey) -> Option<&Acknowledgement> {
        self.by_pipeline.get(key)
    }

    pub fn len(&self) -> usize {
        self.by_pipeline.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_pipeline.is_empty()
    }

    /// Marks a failing pipeline as taken care of. A pipeline that is not failing has nothing
    /// to acknowledge: false, and nothing is kept.
    pub fn acknowledge(&mut self, pipeline: &PipelineView, by: &str, at: Timestamp) -> bool {
        if pipeline.status != PipelineStatus::Failing {
            return false;
        }
        self.by_pipeline.insert(
            key_of(pipeline),
            Acknowledgement {
                by: crate::logs::text::one_line(by, &[]),
                at,
            },
        );
        true
    }

    pub fn release(&mut self, key: &PipelineKey) -> Option<Acknowledgement> {
        self.by_pipeline.remove(key)
    }

    /// `a` on a card: acknowledges it, or takes the acknowledgement back. Returns whether the
    /// pipeline is acknowledged now.
    pub fn toggle(&mut self, pipeline: &PipelineView, by: &str, at: Timestamp) -> bool {
        if self.release(&key_of(pipeline)).is_some() {
            return false;
        }
        self.acknowledge(pipeline, by, at)
    }

    /// Forgets the pipelines that pass again, and those their source no longer lists. A stale
    /// or unknown pipeline keeps its acknowledgement: nobody knows it is fixed; so does one whose
    /// source has not answered yet (a restarted collector has not polled it). Returns whether
    /// anything was forgotten.
    pub fn settle(&mut self, view: &ViewModel) -> bool {
        if self.by_pipeline.is_empty() {
            return false;
        }
        let reported: HashMap<(&str, &str), PipelineStatus> = view
            .pipelines
            .iter()
            .map(|p| ((&*p.source, p.pipeline.name.as_str()), p.status))
            .collect();
        let listing_is_current = |source: &str| {
            view.sources
                .iter()
                .any(|s| s.name == source && s.state == Freshness::Ok)
        };
        let before = self.by_pipeline.len();
        self.by_pipeline
            .retain(|(source, name), _| match reported.get(&(source, name)) {
                Some(status) => *status != PipelineStatus::Passing,
                None => !listing_is_current(source),
            });
        self.by_pipeline.len() != before
    }

    /// Puts the acknowledgements on the view: on each card (one kept here wins over one the
    /// source relayed), and on the banner's line of each failing pipeline.
    pub fn apply(&self, view: &mut ViewModel) {
        if self.by_pipeline.is_empty() {
            return;
        }
        for pipeline in &mut view.pipelines {
            if let Some(ack) = self.get(&key_of(pipeline)) {
                pipeline.acknowledged = Some(ack.clone());
            }
        }
        view::reassess(view);
    }

    /// Every acknowledgement, by pipeline.
    pub fn entries(&self) -> impl Iterator<Item = (&PipelineKey, &Acknowledgement)> {
        self.by_pipeline.iter()
    }

    /// Keeps an acknowledgement made elsewhere (read back from a database).
    pub fn insert(&mut self, key: PipelineKey, ack: Acknowledgement) {
        self.by_pipeline.insert(key, ack);
    }
}

/// The local user's name: `$USER`, else `$LOGNAME`, else "someone".
pub fn local_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .map(|v| v.chars().take(32).collect())
        .unwrap_or_else(|| "someone".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BuildStatus, Pipeline, Snapshot};
    use crate::state::State;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
    }

    /// A view of pipelines with the given statuses, from one source named "ci".
    fn view_of(pipelines: &[(&str, BuildStatus)]) -> ViewModel {
        let config =
            crate::setup::parse("[[source]]\nname = \"ci\"\nkind = \"demo\"\n", "t").unwrap();
        let mut state = State::new(&config);
        let snapshot = Snapshot {
            pipelines: pipelines
                .iter()
                .map(|(name, status)| Pipeline::new(*name, *status))
                .collect(),
            ..Snapshot::default()
        };
        let now = at(9, 30);
        state.record(0, now, Ok(snapshot));
        crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        )
    }

    fn named<'a>(view: &'a ViewModel, name: &str) -> &'a PipelineView {
        view.pipelines
            .iter()
            .find(|p| p.pipeline.name == name)
            .unwrap()
    }

    #[test]
    fn only_a_failing_pipeline_can_be_acknowledged_and_a_second_press_takes_it_back() {
        let view = view_of(&[("api", BuildStatus::Failing), ("web", BuildStatus::Passing)]);
        let mut acks = Acknowledgements::default();
        assert!(!acks.toggle(named(&view, "web"), "alice", at(9, 12)));
        assert!(acks.is_empty());
        assert!(acks.toggle(named(&view, "api"), "alice", at(9, 12)));
        assert_eq!(acks.get(&key_of(named(&view, "api"))).unwrap().by, "alice");
        assert!(!acks.toggle(named(&view, "api"), "alice", at(9, 13)));
        assert!(acks.is_empty());
    }

    #[test]
    fn shown_on_the_card_and_on_its_banner_line() {
        let mut view = view_of(&[("api", BuildStatus::Failing), ("db", BuildStatus::Failing)]);
        let mut acks = Acknowledgements::default();
        acks.acknowledge(named(&view, "db"), "bob", at(9, 12));
        acks.apply(&mut view);
        assert_eq!(
            named(&view, "db").acknowledged.as_ref().unwrap().note(),
            "⚑ bob on it since 09:12 UTC"
        );
        assert!(named(&view, "api").acknowledged.is_none());
        assert!(view.andon.causes[0].starts_with("api"));
        assert!(!view.andon.causes[0].contains(ACK_GLYPH));
        assert!(view.andon.causes[1].starts_with("db"));
        assert!(view.andon.causes[1].ends_with("· ⚑ bob on it since 09:12 UTC"));
    }

    #[test]
    fn kept_until_green_again_even_through_stale_or_unknown() {
        let view = view_of(&[("api", BuildStatus::Failing)]);
        let mut acks = Acknowledgements::default();
        acks.acknowledge(named(&view, "api"), "carol", at(9, 12));
        acks.settle(&view_of(&[("api", BuildStatus::Unknown)]));
        assert_eq!(acks.len(), 1, "unknown is not fixed");
        acks.settle(&view_of(&[("api", BuildStatus::Passing)]));
        assert!(acks.is_empty(), "green again");
        acks.acknowledge(named(&view, "api"), "carol", at(9, 12));
        acks.settle(&view_of(&[]));
        assert!(
            acks.is_empty(),
            "a pipeline no longer reported is forgotten"
        );
    }

    #[test]
    fn on_an_escalated_line_the_mark_goes_on_its_pipelines_line_not_the_escalation() {
        let config = crate::setup::parse(
            "[andon]\nescalate_after = \"1h\"\n[[source]]\nname = \"ci\"\nkind = \"demo\"\n",
            "t",
        )
        .unwrap();
        let mut state = State::new(&config);
        let mut api = Pipeline::new("api", BuildStatus::Failing);
        api.failing_since = Some(at(7, 0));
        let db = Pipeline::new("db", BuildStatus::Failing);
        let now = at(9, 30);
        let snapshot = Snapshot {
            pipelines: vec![api, db],
            ..Snapshot::default()
        };
        state.record(0, now, Ok(snapshot));
        let dora = crate::view::dora_report(&config, &state, now);
        let mut view = crate::view::build(&config, &state, dora, now);
        assert!(view.andon.escalated(), "{:?}", view.andon);
        let mut acks = Acknowledgements::default();
        acks.acknowledge(named(&view, "api"), "bob", at(9, 12));
        acks.apply(&mut view);
        let marked: Vec<&String> = view
            .andon
            .causes
            .iter()
            .filter(|c| c.contains(ACK_GLYPH))
            .collect();
        assert_eq!(marked.len(), 1, "{:?}", view.andon.causes);
        assert!(marked[0].starts_with("api"), "{:?}", view.andon.causes);
    }

    #[test]
    fn a_mark_a_collector_relayed_is_on_the_card_and_banner_and_one_made_here_wins() {
        let config =
            crate::setup::parse("[[source]]\nname = \"hub\"\nkind = \"demo\"\n", "t").unwrap();
        let mut state = State::new(&config);
        let mut api = Pipeline::new("api", BuildStatus::Failing);
        api.acknowledged = Some(Acknowledgement {
            by: "amy".into(),
            at: at(9, 0),
        });
        let now = at(9, 30);
        let snapshot = Snapshot {
            pipelines: vec![api, Pipeline::new("db", BuildStatus::Failing)],
            ..Snapshot::default()
        };
        state.record(0, now, Ok(snapshot));
        let dora = crate::view::dora_report(&config, &state, now);
        let mut view = crate::view::build(&config, &state, dora, now);
        assert_eq!(named(&view, "api").acknowledged.as_ref().unwrap().by, "amy");
        assert!(view.andon.causes[0].ends_with("· ⚑ amy on it since 09:00 UTC"));
        let mut acks = Acknowledgements::default();
        acks.acknowledge(named(&view, "db"), "bob", at(9, 12));
        acks.apply(&mut view);
        assert_eq!(named(&view, "api").acknowledged.as_ref().unwrap().by, "amy");
        assert_eq!(named(&view, "db").acknowledged.as_ref().unwrap().by, "bob");
        assert_eq!(
            view.andon
                .causes
                .iter()
                .filter(|c| c.contains(ACK_GLYPH))
                .count(),
            2,
            "{:?}",
            view.andon.causes
        );
    }

    #[test]
    fn a_source_that_has_not_answered_yet_keeps_its_marks() {
        let view = view_of(&[("api", BuildStatus::Failing)]);
        let mut acks = Acknowledgements::default();
        acks.acknowledge(named(&view, "api"), "carol", at(9, 12));
        let config =
            crate::setup::parse("[[source]]\nname = \"ci\"\nkind = \"demo\"\n", "t").unwrap();
        let state = State::new(&config);
        let now = at(9, 40);
        let pending = crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        );
        assert!(!acks.settle(&pending));
        assert_eq!(acks.len(), 1);
    }

    #[test]
    fn a_hostile_user_name_cannot_reach_the_terminal() {
        let view = view_of(&[("api", BuildStatus::Failing)]);
        let mut acks = Acknowledgements::default();
        acks.acknowledge(
            named(&view, "api"),
            "eve\x1b]0;pwned\x07\x1b[2J\nroot",
            at(9, 0),
        );
        assert_eq!(acks.get(&key_of(named(&view, "api"))).unwrap().by, "eve");
    }
}
