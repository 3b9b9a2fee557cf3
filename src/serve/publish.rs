//! What the collector serves, rebuilt whenever the state may have changed: the `--once --json`
//! document, the screens' feed and the metrics text, each document with an ETag that changes
//! only when the document does.

use std::hash::{Hash, Hasher};

use serde_json::Value;

use super::metrics::{self, Health};
use crate::model::{BuildStatus, Timestamp};
use crate::output;
use crate::sources::andon::{
    FEED_SCHEMA, Feed, FeedEvents, FeedPipeline, FeedRun, FeedSource, FeedStage,
};
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
            feed: empty,
            metrics: String::new(),
        }
    }
}

/// A strong ETag of `text`: equal texts, equal tags, across restarts too.
pub fn etag_of(text: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// The `--once --json` document. Its tag leaves out `generated_at`, so an unchanged state keeps
/// its tag (and the earlier document, with the time it was first generated).
fn state_document(view: &ViewModel, previous: &Document) -> Document {
    let mut document = output::json(view);
    let generated_at = document
        .as_object_mut()
        .and_then(|o| o.remove("generated_at"));
    let etag = etag_of(&document.to_string());
    if etag == previous.etag {
        return previous.clone();
    }
    if let (Some(object), Some(at)) = (document.as_object_mut(), generated_at) {
        object.insert("generated_at".into(), at);
    }
    let mut body = format!("{document:#}");
    body.push('\n');
    Document {
        body: body.into(),
        etag,
    }
}

/// Everything a screen needs to show what the collector knows.
pub fn feed(state: &State, view: &ViewModel, now: Timestamp) -> Feed {
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
        })
        .collect();
    let mut pipelines = Vec::new();
    for source in &state.sources {
        let Some(snapshot) = &source.snapshot else {
            continue;
        };
        let fresh = source.freshness(now) == Freshness::Ok;
        for p in &snapshot.pipelines {
            let key = (source.name.clone(), p.name.clone());
            let runs = state.history.get(&key).map_or(Vec::new(), |h| {
                h.runs
                    .iter()
                    .map(|r| FeedRun {
                        id: r.id.clone(),
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
                failing_since: state.failing_since.get(&key).copied(),
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
            });
        }
    }
    Feed {
        schema: FEED_SCHEMA,
        sources,
        pipelines,
        events: FeedEvents::of(&view::merged_events(state)),
    }
}

fn feed_document(feed: &Feed, previous: &Document) -> Document {
    let body = serde_json::to_string(feed).unwrap_or_else(|_| "{}".into());
    let etag = etag_of(&body);
    if etag == previous.etag {
        return previous.clone();
    }
    Document {
        body: body.into(),
        etag,
    }
}

/// Rebuilds what is served from the state and its view, keeping unchanged documents as they were.
pub fn publish(
    state: &State,
    view: &ViewModel,
    health: &Health,
    now: Timestamp,
    previous: &Published,
) -> Published {
    Published {
        state: state_document(view, &previous.state),
        feed: feed_document(&feed(state, view, now), &previous.feed),
        metrics: metrics::render(view, health),
    }
}

/// A JSON value's text, for tests and messages.
pub fn text_of(document: &Document) -> Option<Value> {
    serde_json::from_slice(&document.body).ok()
}
