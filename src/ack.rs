//! "Someone is on it": who acknowledged a failing pipeline, and since when. Kept until the
//! pipeline passes again. Pure state with a small API (acknowledge, release, settle, apply), so
//! the interactive radiator keeps it today and a collector can keep it for every screen.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::Timestamp;
use crate::view::{AndonState, PipelineStatus, PipelineView, ViewModel};

/// The flag on a card and in the banner.
pub const ACK_GLYPH: &str = "⚑";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    /// Who is on it: the local user's name.
    pub by: String,
    pub at: Timestamp,
}

impl Acknowledgement {
    /// "⚑ alice on it since 09:12 UTC".
    pub fn note(&self) -> String {
        format!(
            "{ACK_GLYPH} {} on it since {}",
            self.by,
            self.at.format("%H:%M UTC")
        )
    }

    /// "⚑ alice": for a narrow card.
    pub fn short(&self) -> String {
        format!("{ACK_GLYPH} {}", self.by)
    }
}

/// A pipeline as acknowledgements know it: its source and its name.
pub type PipelineKey = (String, String);

pub fn key_of(pipeline: &PipelineView) -> PipelineKey {
    (pipeline.source.clone(), pipeline.name.clone())
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

    /// Forgets the pipelines that pass again, or are gone. A stale or unknown pipeline keeps
    /// its acknowledgement: nobody knows it is fixed.
    pub fn settle(&mut self, pipelines: &[PipelineView]) {
        self.by_pipeline.retain(|key, _| {
            pipelines
                .iter()
                .find(|p| key_of(p) == *key)
                .is_some_and(|p| p.status != PipelineStatus::Passing)
        });
    }

    /// Puts the acknowledgements on the view: each card, and the banner's line for each failing
    /// pipeline (the Andon lists failing pipelines in board order, one line each).
    pub fn apply(&self, view: &mut ViewModel) {
        if self.by_pipeline.is_empty() {
            return;
        }
        for pipeline in &mut view.pipelines {
            pipeline.acknowledged = self.get(&key_of(pipeline)).cloned();
        }
        if view.andon.state != AndonState::Red {
            return;
        }
        let failing = view
            .pipelines
            .iter()
            .filter(|p| p.status == PipelineStatus::Failing);
        for (cause, pipeline) in view.andon.causes.iter_mut().zip(failing) {
            if let Some(ack) = &pipeline.acknowledged {
                cause.push_str(" · ");
                cause.push_str(&ack.note());
            }
        }
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
        view.pipelines.iter().find(|p| p.name == name).unwrap()
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
        acks.settle(&view_of(&[("api", BuildStatus::Unknown)]).pipelines);
        assert_eq!(acks.len(), 1, "unknown is not fixed");
        acks.settle(&view_of(&[("api", BuildStatus::Passing)]).pipelines);
        assert!(acks.is_empty(), "green again");
        acks.acknowledge(named(&view, "api"), "carol", at(9, 12));
        acks.settle(&[]);
        assert!(
            acks.is_empty(),
            "a pipeline no longer reported is forgotten"
        );
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
