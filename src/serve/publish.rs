//! What the collector serves, rebuilt whenever the state may have changed: the `--once --json`
//! document, the screens' feed and the metrics text, each document with an ETag that changes
//! only when the document does.

use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::metrics::{self, Health};
use super::store::StoredTransition;
use crate::ack::Acknowledgements;
use crate::model::{BuildStatus, Timestamp};
use crate::output;
use crate::sources::andon::{FEED_SCHEMA, Feed, FeedPipeline, FeedRun, FeedSource, FeedStage};
use crate::state::{Freshness, State};
use crate::view::{self, ViewModel};

/// A served document and its entity tag (quoted, as sent in `ETag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub body: bytes::Bytes,
    pub etag: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub state: Document,
    pub feed: Document,
    pub metrics: String,
    /// The latest red/green transitions, newest last (`/api/v1/transitions`).
    pub transitions: Document,
}

impl Published {
    /// Before the first build: documents saying nothing is known yet.
    pub fn empty() -> Published {
        let empty = Document {
            body: bytes::Bytes::from_static(b"{}"),
            etag: "\"0\"".into(),
        };
        Published {
            state: empty.clone(),
            feed: empty.clone(),
            metrics: String::new(),
            transitions: empty,
        }
    }
}

/// An ETag of `text`: equal texts, equal tags, across restarts too.
pub fn etag_of(text: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// A weak tag of what a document says, leaving out what moves at every poll without anything
/// having changed: when it was generated and each source's last success. Weak, since two
/// documents with one tag may differ in exactly those bytes.
fn semantic_etag(document: &Value) -> String {
    let mut meaning = document.clone();
    if let Some(object) = meaning.as_object_mut() {
        object.remove("generated_at");
        if let Some(Value::Array(sources)) = object.get_mut("sources") {
            for source in sources.iter_mut().filter_map(Value::as_object_mut) {
                source.remove("last_success");
            }
        }
    }
    format!("W/{}", etag_of(&meaning.to_string()))
}

/// The `--once --json` document, always the newest; its tag changes only with the state.
fn state_document(view: &ViewModel) -> Document {
    let document = output::json(view);
    let mut body = format!("{document:#}");
    body.push('\n');
    Document {
        etag: semantic_etag(&document),
        body: body.into(),
    }
}

/// Everything a screen needs to show what the collector knows.
pub fn feed(state: &State, view: &ViewModel, acks: &Acknowledgements, now: Timestamp) -> Feed {
    let sources = view
        .sources
        .iter()
        .map(|s| FeedSource {
            name: s.name.clone(),
            kind: s.kind.to_string(),
            state: s.state.word().to_string(),
            error: s.error.clone(),
            since: s.trouble_since,
            last_success: s.last_success,
            tls_verified: !s.insecure,
            cause: s.error_cause.map(|c| c.word().to_string()),
            http_status: s.error_cause.and_then(|c| c.http_status()),
            rate_limited_until: s.error_cause.and_then(|c| c.rate_limited_until()),
        })
        .collect();
    let mut pipelines = Vec::new();
    for source in &state.sources {
        let Some(snapshot) = &source.snapshot else {
            continue;
        };
        let fresh = source.freshness(now) == Freshness::Ok;
        for p in &snapshot.pipelines {
            let runs = source.history(&p.name).map_or(Vec::new(), |h| {
                h.runs
                    .iter()
                    .map(|r| FeedRun {
                        id: r.id.to_string(),
                        passed: r.passed,
                        commit: r.commit.clone(),
                    })
                    .collect()
            });
            pipelines.push(FeedPipeline {
                source: source.name.clone(),
                name: p.name.clone(),
                status: match p.status {
                    BuildStatus::Passing => "passing",
                    BuildStatus::Failing => "failing",
                    BuildStatus::Unknown => "unknown",
                }
                .into(),
                stale: !fresh || p.stale,
                building: p.building,
                stage: p.stage.clone(),
                url: p.url.clone(),
                label: p.label.clone(),
                last_build_at: p.last_build_at,
                failing_since: source.failing_since.get(&p.name).copied(),
                stages: p
                    .stages
                    .iter()
                    .map(|s| FeedStage {
                        name: s.name.clone(),
                        status: serde_json::to_value(s.status)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_else(|| "unknown".into()),
                        started_at: s.started_at,
                        finished_at: s.finished_at,
                        queued_seconds: s.queued_seconds(),
                    })
                    .collect(),
                breakers: p.breakers.clone(),
                commit: p.commit.clone(),
                author: p.author.clone(),
                started_at: p.started_at,
                finished_at: p.finished_at,
                no_verdict: p.no_verdict,
                runs,
                acknowledged: acks
                    .get(&(source.name.clone(), p.name.clone()))
                    .or(p.acknowledged.as_ref())
                    .cloned(),
            });
        }
    }
    Feed {
        schema: FEED_SCHEMA,
        sources,
        pipelines,
        events: view::merged_events(state),
    }
}

fn feed_document(feed: &Feed) -> Document {
    let value = serde_json::to_value(feed).unwrap_or_default();
    Document {
        etag: semantic_etag(&value),
        body: value.to_string().into(),
    }
}

/// The transitions document: each with its time, pipeline, event and how long the red lasted.
pub fn transitions_document(transitions: &[StoredTransition]) -> Document {
    let list: Vec<Value> = transitions
        .iter()
        .map(|t| {
            serde_json::json!({
                "at": t.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "source": t.source,
                "pipeline": t.pipeline,
                "event": t.event,
                "red_seconds": t.red_seconds,
                "notice": t.notice,
            })
        })
        .collect();
    let body = format!("{:#}\n", serde_json::json!({ "transitions": list }));
    Document {
        etag: etag_of(&body),
        body: body.into(),
    }
}

/// Rebuilds what is served from the state and its view, keeping unchanged documents as they were.
pub fn publish(
    state: &State,
    view: &ViewModel,
    acks: &Acknowledgements,
    health: &Health,
    now: Timestamp,
    previous: &Published,
) -> Published {
    Published {
        state: state_document(view),
        feed: feed_document(&feed(state, view, acks, now)),
        metrics: metrics::render(view, health),
        transitions: previous.transitions.clone(),
    }
}
