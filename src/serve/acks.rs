//! Acknowledgements kept by the collector for every screen. `POST /api/v1/acks` marks a failing
//! pipeline as taken care of, or takes the mark back; the feed and the state carry the marks,
//! and the history database keeps them across restarts. Pure: the server hands each request to
//! the collector's loop, which answers it against the board it last built.

use crate::ack::Acknowledgements;
use crate::model::{Acknowledgement, Timestamp};
pub use crate::sources::andon::{ACKS_PATH as PATH, AckReply, AckRequest};
use crate::view::{PipelineStatus, PipelineView, ViewModel};

/// A request names a pipeline and a person: a few hundred bytes. More is refused unread.
pub const MAX_BODY: usize = 4 * 1024;

/// A request on its way to the collector's loop, and where its verdict goes.
pub struct Asked {
    pub request: AckRequest,
    pub reply: tokio::sync::oneshot::Sender<Result<AckReply, Refusal>>,
}

/// Why a request was not carried out, with the HTTP status it is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: not a request of this shape.
    Malformed(String),
    /// 404: no such pipeline on the board.
    Unknown(String),
    /// 409: the name fits pipelines of several sources, or the pipeline is not failing.
    Conflict(String),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) => 400,
            Refusal::Unknown(_) => 404,
            Refusal::Conflict(_) => 409,
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Refusal::Malformed(reason) | Refusal::Unknown(reason) | Refusal::Conflict(reason) => {
                reason
            }
        }
    }
}

/// Reads a request body.
pub fn parse(body: &[u8]) -> Result<AckRequest, Refusal> {
    let request: AckRequest = serde_json::from_slice(body).map_err(|e| {
        // serde names an unknown field as the client wrote it: cleaned before a log has it.
        let why = crate::sanitize::text(&e.to_string()).into_owned();
        Refusal::Malformed(format!(
            "expected {{\"pipeline\": \"NAME\", \"by\": \"WHO\", \"release\": false}}: {why}"
        ))
    })?;
    Ok(request)
}

/// The board's pipeline a request names: by source and name, by a name only one source
/// reports, or by `SOURCE/NAME` (pipeline names may hold `/` themselves).
pub fn resolve<'a>(
    view: &'a ViewModel,
    source: Option<&str>,
    name: &str,
) -> Result<&'a PipelineView, Refusal> {
    let unknown = || Refusal::Unknown(format!("no pipeline {name:?} on the board"));
    if let Some(source) = source {
        return view
            .pipelines
            .iter()
            .find(|p| &*p.source == source && p.pipeline.name == name)
            .ok_or_else(unknown);
    }
    let mut named = view.pipelines.iter().filter(|p| p.pipeline.name == name);
    match (named.next(), named.next()) {
        (Some(only), None) => return Ok(only),
        (Some(_), Some(_)) => {
            return Err(Refusal::Conflict(format!(
                "several sources report {name:?}: name it as SOURCE/{name}"
            )));
        }
        (None, _) => {}
    }
    name.match_indices('/')
        .find_map(|(at, _)| {
            let (source, rest) = (&name[..at], &name[at + 1..]);
            view.pipelines
                .iter()
                .find(|p| &*p.source == source && p.pipeline.name == rest)
        })
        .ok_or_else(unknown)
}

/// Carries out a request at `now`: acknowledges a failing pipeline (again, by someone else,
/// is fine: the newest wins) or takes the acknowledgement back (nothing to take back is fine).
pub fn answer(
    acks: &mut Acknowledgements,
    view: &ViewModel,
    request: &AckRequest,
    now: Timestamp,
) -> Result<AckReply, Refusal> {
    let by = crate::logs::text::one_line(&request.by, &[]);
    let by: String = by.trim().chars().take(Acknowledgement::MAX_BY).collect();
    if by.is_empty() && !request.release {
        return Err(Refusal::Malformed("`by` must name who is on it".into()));
    }
    let pipeline = resolve(view, request.source.as_deref(), &request.pipeline)?;
    let key = crate::ack::key_of(pipeline);
    if request.release {
        acks.release(&key);
    } else if !acks.acknowledge(pipeline, &by, now) {
        let word = match pipeline.status {
            PipelineStatus::Passing => "passing",
            PipelineStatus::Unknown => "of unknown status",
            PipelineStatus::Stale => "stale",
            PipelineStatus::Failing => "failing",
        };
        return Err(Refusal::Conflict(format!(
            "{} is {word}: only a failing pipeline is acknowledged",
            pipeline.pipeline.name
        )));
    }
    Ok(AckReply {
        source: key.0.clone(),
        pipeline: key.1.clone(),
        acknowledged: acks.get(&key).cloned(),
    })
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

    /// A collector's board: two sources, `jenkins` and `gitlab`, that both report `api`.
    fn board() -> ViewModel {
        let config = crate::setup::parse(
            "[[source]]\nname = \"jenkins\"\nkind = \"demo\"\n\
             [[source]]\nname = \"gitlab\"\nkind = \"demo\"\n",
            "t",
        )
        .unwrap();
        let mut state = State::new(&config);
        let now = at(9, 30);
        let snapshot = |pipelines: Vec<Pipeline>| Snapshot {
            pipelines,
            ..Snapshot::default()
        };
        state.record(
            0,
            now,
            Ok(snapshot(vec![
                Pipeline::new("api", BuildStatus::Failing),
                Pipeline::new("team/web", BuildStatus::Failing),
                Pipeline::new("docs", BuildStatus::Passing),
            ])),
        );
        state.record(
            1,
            now,
            Ok(snapshot(vec![Pipeline::new("api", BuildStatus::Failing)])),
        );
        crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        )
    }

    fn request(pipeline: &str, by: &str) -> AckRequest {
        AckRequest {
            pipeline: pipeline.into(),
            source: None,
            by: by.into(),
            release: false,
        }
    }

    #[test]
    fn a_name_is_found_alone_with_its_source_or_as_the_feed_prefixes_it() {
        let view = board();
        let found = |source: Option<&str>, name: &str| {
            resolve(&view, source, name).map(|p| (p.source.clone(), p.pipeline.name.clone()))
        };
        assert_eq!(
            found(None, "team/web"),
            Ok(("jenkins".into(), "team/web".into()))
        );
        assert_eq!(
            found(None, "gitlab/api"),
            Ok(("gitlab".into(), "api".into()))
        );
        assert_eq!(
            found(Some("jenkins"), "api"),
            Ok(("jenkins".into(), "api".into()))
        );
        assert_eq!(found(None, "api").unwrap_err().status(), 409);
        assert_eq!(found(None, "nope").unwrap_err().status(), 404);
        assert_eq!(found(Some("gitlab"), "docs").unwrap_err().status(), 404);
    }

    #[test]
    fn only_a_failing_pipeline_is_acknowledged_and_a_release_takes_it_back() {
        let view = board();
        let mut acks = Acknowledgements::default();
        let reply = answer(&mut acks, &view, &request("gitlab/api", "dara"), at(9, 31)).unwrap();
        assert_eq!(
            reply.acknowledged,
            Some(Acknowledgement {
                by: "dara".into(),
                at: at(9, 31)
            })
        );
        assert_eq!(acks.len(), 1);
        let refused = answer(&mut acks, &view, &request("docs", "dara"), at(9, 31)).unwrap_err();
        assert_eq!(refused.status(), 409);
        assert!(refused.reason().contains("passing"), "{refused:?}");
        let release = AckRequest {
            release: true,
            ..request("gitlab/api", "")
        };
        let reply = answer(&mut acks, &view, &release, at(9, 40)).unwrap();
        assert_eq!(reply.acknowledged, None);
        assert!(acks.is_empty());
        assert!(
            answer(&mut acks, &view, &release, at(9, 41)).is_ok(),
            "nothing to take back is no error"
        );
    }

    #[test]
    fn a_hostile_or_empty_name_is_cleaned_or_refused() {
        let view = board();
        let mut acks = Acknowledgements::default();
        let hostile = format!("eve\x1b]0;pwned\x07{}", "x".repeat(500));
        let reply = answer(&mut acks, &view, &request("team/web", &hostile), at(9, 31)).unwrap();
        let by = reply.acknowledged.unwrap().by;
        assert!(!by.chars().any(char::is_control), "{by:?}");
        assert!(by.chars().count() <= Acknowledgement::MAX_BY, "{by:?}");
        let refused = answer(&mut acks, &view, &request("team/web", " \x1b "), at(9, 31));
        assert_eq!(refused.unwrap_err().status(), 400);
    }

    #[test]
    fn a_body_of_another_shape_is_refused_with_the_shape_expected() {
        assert!(parse(br#"{"pipeline":"api","by":"dara"}"#).is_ok());
        for body in [
            &b"not json"[..],
            br#"{"pipeline":"api"}"#,
            br#"{"pipeline":"api","by":"dara","extra":1}"#,
            br#"{"pipeline":7,"by":"dara"}"#,
            br#"{"pipeline":"api","by":"dara","\u001b]0;pwned\u0007":1}"#,
        ] {
            let refused = parse(body).unwrap_err();
            assert_eq!(refused.status(), 400);
            assert!(refused.reason().contains("\"pipeline\""), "{refused:?}");
            assert!(
                !refused.reason().chars().any(char::is_control),
                "{refused:?}"
            );
        }
    }
}
