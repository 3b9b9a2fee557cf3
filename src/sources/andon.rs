//! `kind = "andon"`: a screen that reads an `andon serve` collector instead of the servers
//! behind it. The collector's feed (`GET /api/v1/feed`) carries what it knows: every pipeline
//! with its run history and since when it fails, each upstream source's state, and the DORA
//! events, so the screen shows the same board, the same "since" and the same figures.
//!
//! The request names the last `ETag`: an unchanged collector answers 304, or, when the poll
//! may wait (`?wait=`), holds the request until its state changes. A collector that cannot be
//! reached fails the poll like any other source: the screen says so, never green.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::http;
use super::{Cause, SourceError};
use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{
    Acknowledgement, BuildStatus, DoraEvents, PastRun, Pipeline, Snapshot, StageRun, StageStatus,
    Timestamp, Upstream,
};

/// An `andon serve` collector, read by a screen instead of the servers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct AndonConfig {
    /// The collector's base URL, e.g. `http://127.0.0.1:9464`.
    pub url: String,
}

impl KindConfig for AndonConfig {
    const NAME: &'static str = "andon";
    const KEYS: &'static [&'static str] = &["url"];
    const REQUIRED: &'static [&'static str] = &["url"];
    // A collector answers at once when its state changed since the last poll, and otherwise
    // holds the request until it changes or the timeout nears: polled every second, a screen
    // learns of a change within a second at the cost of one request a change.
    const LONG_POLL: bool = true;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        Ok(AndonConfig {
            url: source.required_url()?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} (an andon serve collector: its pipelines, sources and DORA events)",
            http::redact(&self.url)
        )
    }

    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    fn auth(&self) -> Option<&Auth> {
        None
    }

    fn api_url(&self) -> Option<&str> {
        None
    }
}

/// Where a collector serves its feed for screens.
pub const FEED_PATH: &str = "/api/v1/feed";
/// Where a collector takes acknowledgements (`POST`).
pub const ACKS_PATH: &str = "/api/v1/acks";
/// The feed's shape; a collector speaking another is refused with a reason.
pub const FEED_SCHEMA: u32 = 1;
/// The longest a collector holds a poll open.
pub const MAX_WAIT: Duration = Duration::from_secs(25);
/// What a poll leaves of its timeout for the answer to travel.
const WAIT_MARGIN: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    pub schema: u32,
    pub sources: Vec<FeedSource>,
    pub pipelines: Vec<FeedPipeline>,
    pub events: DoraEvents,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedSource {
    pub name: String,
    pub kind: String,
    /// pending | ok | stale | error
    pub state: String,
    pub error: Option<String>,
    pub since: Option<Timestamp>,
    pub last_success: Option<Timestamp>,
    pub tls_verified: bool,
    /// What kind of failure the last poll met, as `--once --json` names it; absent when ok
    /// and from collectors that do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limited_until: Option<Timestamp>,
}

impl FeedSource {
    /// The cause the collector told, if it told one this screen knows.
    pub fn error_cause(&self) -> Option<crate::sources::Cause> {
        let word = self.cause.as_deref()?;
        crate::sources::Cause::from_parts(word, self.http_status, self.rate_limited_until)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedPipeline {
    /// The collector's source that reports it.
    pub source: String,
    pub name: String,
    /// What the source says: passing | failing | unknown.
    pub status: String,
    /// The collector's copy is not fresh (its source is in error or stale).
    pub stale: bool,
    pub building: bool,
    pub stage: Option<String>,
    pub url: Option<String>,
    pub label: Option<String>,
    pub last_build_at: Option<Timestamp>,
    pub failing_since: Option<Timestamp>,
    pub stages: Vec<FeedStage>,
    pub breakers: Vec<String>,
    pub commit: Option<String>,
    pub author: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub no_verdict: bool,
    /// The collector's run history, newest first.
    pub runs: Vec<FeedRun>,
    /// Who is on it, as the collector keeps it for every screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Acknowledgement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedStage {
    pub name: String,
    pub status: String,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub queued_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedRun {
    pub id: String,
    pub passed: Option<bool>,
    pub commit: Option<String>,
}

/// What a screen sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// The pipeline as the feed names it to screens: its name, or `SOURCE/NAME` when two of
    /// the collector's sources report that name.
    pub pipeline: String,
    /// The collector's source, when the screen knows it.
    #[serde(default)]
    pub source: Option<String>,
    /// Who is on it.
    pub by: String,
    /// Take the acknowledgement back instead.
    #[serde(default)]
    pub release: bool,
}

/// What the collector answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckReply {
    pub source: String,
    pub pipeline: String,
    /// The acknowledgement in force now; None once taken back.
    pub acknowledged: Option<Acknowledgement>,
}

fn build_status(word: &str) -> BuildStatus {
    match word {
        "passing" => BuildStatus::Passing,
        "failing" => BuildStatus::Failing,
        _ => BuildStatus::Unknown,
    }
}

fn stage_of(stage: &FeedStage) -> StageRun {
    let mut run = StageRun::new(stage.name.clone(), StageStatus::from_word(&stage.status));
    run.started_at = stage.started_at;
    run.finished_at = stage.finished_at;
    run.queued = stage
        .queued_seconds
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64);
    run
}

fn pipeline_of(p: &FeedPipeline) -> Pipeline {
    let mut pipeline = Pipeline::new(p.name.clone(), build_status(&p.status));
    pipeline.stale = p.stale;
    pipeline.building = p.building;
    pipeline.stage = p.stage.clone();
    pipeline.url = p.url.clone();
    pipeline.label = p.label.clone();
    pipeline.last_build_at = p.last_build_at;
    pipeline.failing_since = p
        .failing_since
        .filter(|_| pipeline.status == BuildStatus::Failing);
    pipeline.stages = p.stages.iter().map(stage_of).collect();
    pipeline.breakers = p.breakers.clone();
    pipeline.commit = p.commit.clone();
    pipeline.author = p.author.clone();
    pipeline.started_at = p.started_at;
    pipeline.finished_at = p.finished_at;
    pipeline.no_verdict = p.no_verdict;
    pipeline.acknowledged = p
        .acknowledged
        .clone()
        .filter(|_| pipeline.status != BuildStatus::Passing);
    let current = pipeline.run_id().map(std::borrow::Cow::into_owned);
    pipeline.previous = p
        .runs
        .iter()
        .filter(|r| Some(&r.id) != current.as_ref())
        .filter_map(|r| {
            Some(PastRun {
                id: r.id.clone(),
                passed: r.passed?,
                commit: r.commit.clone(),
            })
        })
        .collect();
    pipeline
}

/// The feed's pipelines as one source's: a name two of the collector's sources both report
/// is told apart by its source ("jenkins/api", "gitlab/api"), or the screen would keep one
/// history and one "failing since" for two pipelines.
fn relayed_pipelines(feed: &[FeedPipeline]) -> Vec<Pipeline> {
    let mut sources_of: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for p in feed {
        let sources = sources_of.entry(p.name.as_str()).or_default();
        if !sources.contains(&p.source.as_str()) {
            sources.push(&p.source);
        }
    }
    feed.iter()
        .map(|p| {
            let mut pipeline = pipeline_of(p);
            if sources_of[p.name.as_str()].len() > 1 {
                pipeline.name = format!("{}/{}", p.source, p.name);
            }
            pipeline
        })
        .collect()
}

/// The screen's snapshot of a collector's feed. Pure; its text is cleaned where every poll's
/// is (the poller), like any server's.
pub fn snapshot_of(feed: &Feed) -> Result<Snapshot, SourceError> {
    if feed.schema != FEED_SCHEMA {
        return Err(SourceError::of(
            Cause::Malformed,
            format!(
                "collector speaks feed schema {}, this andon reads {FEED_SCHEMA}: upgrade one of them",
                feed.schema
            ),
        ));
    }
    Ok(Snapshot {
        pipelines: relayed_pipelines(&feed.pipelines),
        events: feed.events.clone(),
        upstream: feed
            .sources
            .iter()
            .map(|s| Upstream {
                name: s.name.clone(),
                kind: s.kind.clone(),
                state: s.state.clone(),
                error: s.error.clone(),
                cause: s.error_cause(),
                since: s.since,
                last_success: s.last_success,
                insecure: !s.tls_verified,
            })
            .collect(),
    })
}

/// Reads a feed body; a broken one names where it broke.
pub fn parse(body: &str) -> Result<Snapshot, SourceError> {
    let feed: Feed = serde_json::from_str(body).map_err(|e| {
        let what = if e.is_eof() {
            "truncated JSON"
        } else {
            "invalid JSON"
        };
        let hint = if body.trim_start().starts_with('<') {
            ", got HTML (is the url an andon collector?)"
        } else {
            ""
        };
        SourceError::of(
            Cause::Malformed,
            format!(
                "malformed andon feed: {what} at line {} column {}{hint}",
                e.line(),
                e.column()
            ),
        )
    })?;
    snapshot_of(&feed)
}

/// How long a poll asks the collector to hold an unchanged answer: what its timeout leaves.
pub fn wait_for(timeout: Duration) -> Duration {
    timeout.saturating_sub(WAIT_MARGIN).min(MAX_WAIT)
}

/// How long a screen waits for a collector to take an acknowledgement.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// The most of a collector's answer to an acknowledgement that is read.
const MAX_ACK_REPLY: usize = 16 * 1024;

/// Asks the collector at `url` to keep (or take back) an acknowledgement for every screen. Its
/// answer, cleaned, or why it was not kept, in words cleaned as a poll's are: the answer may
/// come from anything listening at that address.
pub async fn send_acknowledgement(
    client: &reqwest::Client,
    url: &str,
    request: &AckRequest,
) -> Result<AckReply, SourceError> {
    let mut reply = ask_to_acknowledge(client, url, request)
        .await
        .map_err(SourceError::cleaned)?;
    if let Some(ack) = &mut reply.acknowledged {
        ack.by = crate::logs::text::one_line(&ack.by, &[])
            .chars()
            .take(Acknowledgement::MAX_BY)
            .collect();
    }
    Ok(reply)
}

async fn ask_to_acknowledge(
    client: &reqwest::Client,
    url: &str,
    request: &AckRequest,
) -> Result<AckReply, SourceError> {
    let response = client
        .post(format!("{url}{ACKS_PATH}"))
        .json(request)
        .timeout(ACK_TIMEOUT)
        .send()
        .await
        .map_err(|e| http::describe(&e))?;
    let status = response.status();
    let body = http::read_capped(response, MAX_ACK_REPLY).await?;
    if !status.is_success() {
        return Err(http::status_error(status, &body));
    }
    serde_json::from_str(&body)
        .map_err(|e| SourceError::malformed("answer to an acknowledgement", e))
}

pub struct AndonSource {
    config: AndonConfig,
    client: http::Client,
    wait: Duration,
    /// The last answer and its ETag, reused when the collector says 304.
    last: Mutex<Option<(reqwest::header::HeaderValue, Snapshot)>>,
}

impl AndonSource {
    pub fn new(config: AndonConfig, timeout: Duration, client: http::Client) -> AndonSource {
        AndonSource {
            config,
            client,
            wait: wait_for(timeout),
            last: Mutex::new(None),
        }
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let cached = self.last.lock().ok().and_then(|last| last.clone());
        let mut url = format!("{}{FEED_PATH}", self.config.url);
        let mut request = self.client.get(&url);
        if let Some((etag, _)) = &cached {
            if !self.wait.is_zero() {
                url.push_str(&format!("?wait={}s", self.wait.as_secs()));
                request = self.client.get(&url);
            }
            request = request.header(reqwest::header::IF_NONE_MATCH, etag.clone());
        }
        let response = request.send().await.map_err(|e| http::describe(&e))?;
        let status = response.status();
        super::requests::note(status.as_u16());
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return match cached {
                Some((_, snapshot)) => Ok(snapshot),
                None => Err(SourceError::of(
                    Cause::Malformed,
                    "HTTP 304 for a request never answered before",
                )),
            };
        }
        let etag = response.headers().get(reqwest::header::ETAG).cloned();
        let body = http::read_capped(response, http::body_limit()).await?;
        if !status.is_success() {
            return Err(http::status_error(status, &body));
        }
        let snapshot = parse(&body)?;
        if let Ok(mut last) = self.last.lock() {
            *last = etag.map(|etag| (etag, snapshot.clone()));
        }
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deployment, Incident, ReworkMark};
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + seconds, 0).unwrap()
    }

    fn feed_pipeline(name: &str, status: &str) -> FeedPipeline {
        FeedPipeline {
            source: "ci".into(),
            name: name.into(),
            status: status.into(),
            stale: false,
            building: false,
            stage: None,
            url: None,
            label: Some("#7".into()),
            last_build_at: Some(at(0)),
            failing_since: None,
            stages: Vec::new(),
            breakers: Vec::new(),
            commit: Some("abc".into()),
            author: None,
            started_at: None,
            finished_at: None,
            no_verdict: false,
            runs: Vec::new(),
            acknowledged: None,
        }
    }

    #[tokio::test]
    async fn a_refusal_to_acknowledge_reaches_the_screen_cleaned_of_escapes() {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path(ACKS_PATH))
            .respond_with(
                wiremock::ResponseTemplate::new(409)
                    .set_body_string("no\u{1b}]0;pwned\u{7}\u{1b}[2J see https://u:tok@h/x?t=1"),
            )
            .mount(&server)
            .await;
        let request = AckRequest {
            pipeline: "api".into(),
            source: None,
            by: "dara".into(),
            release: false,
        };
        let refused = send_acknowledgement(&reqwest::Client::new(), &server.uri(), &request)
            .await
            .unwrap_err();
        assert!(refused.reason.starts_with("HTTP 409"), "{refused}");
        assert!(!refused.reason.chars().any(char::is_control), "{refused:?}");
        assert!(!refused.reason.contains("tok"), "{refused}");
    }

    #[test]
    fn a_kept_acknowledgement_is_relayed_until_the_pipeline_passes() {
        let dara = Acknowledgement {
            by: "dara".into(),
            at: at(-60),
        };
        let mut api = feed_pipeline("api", "failing");
        api.acknowledged = Some(dara.clone());
        let mut web = feed_pipeline("web", "passing");
        web.acknowledged = Some(dara.clone());
        let feed = Feed {
            schema: FEED_SCHEMA,
            pipelines: vec![api, web],
            ..Feed::default()
        };
        let text = serde_json::to_string(&feed).unwrap();
        let snapshot = parse(&text).unwrap();
        assert_eq!(snapshot.pipelines[0].acknowledged, Some(dara));
        assert_eq!(
            snapshot.pipelines[1].acknowledged, None,
            "passing: nothing to be on"
        );
        let older = text.replace(
            r#","acknowledged":{"by":"dara","at":"#,
            r#","old":{"by":"dara","at":"#,
        );
        assert!(
            parse(&older).is_ok(),
            "a collector without acknowledgements is read"
        );
    }

    #[test]
    fn a_feed_round_trips_into_the_same_pipelines_history_and_sources() {
        let mut api = feed_pipeline("api", "failing");
        api.failing_since = Some(at(-2520));
        api.runs = vec![
            FeedRun {
                id: "#7".into(),
                passed: Some(false),
                commit: Some("abc".into()),
            },
            FeedRun {
                id: "#6".into(),
                passed: Some(true),
                commit: Some("abb".into()),
            },
            FeedRun {
                id: "#5".into(),
                passed: None,
                commit: None,
            },
        ];
        let mut web = feed_pipeline("web\u{1b}[31m", "passing");
        web.stale = true;
        let feed = Feed {
            schema: FEED_SCHEMA,
            sources: vec![FeedSource {
                name: "ci".into(),
                kind: "cctray".into(),
                state: "error".into(),
                error: Some("connection refused".into()),
                since: Some(at(-60)),
                last_success: Some(at(-90)),
                tls_verified: true,
                cause: None,
                http_status: None,
                rate_limited_until: None,
            }],
            pipelines: vec![api, web],
            events: DoraEvents::default(),
        };
        let body = serde_json::to_string(&feed).unwrap();
        let snapshot = parse(&body).unwrap();
        let api = &snapshot.pipelines[0];
        assert_eq!(api.status, BuildStatus::Failing);
        assert_eq!(api.failing_since, Some(at(-2520)));
        assert_eq!(
            api.previous,
            [PastRun {
                id: "#6".into(),
                passed: true,
                commit: Some("abb".into())
            }],
            "the current run is the card itself; runs without a verdict are not history"
        );
        // As the poller hands every poll's snapshot on: cleaned.
        let mut cleaned = snapshot.clone();
        crate::sanitize::snapshot(&mut cleaned);
        assert_eq!(
            cleaned.pipelines[1].name, "web[31m",
            "control bytes dropped"
        );
        assert!(snapshot.pipelines[1].stale);
        assert_eq!(snapshot.upstream[0].state, "error");
        assert_eq!(
            snapshot.upstream[0].error.as_deref(),
            Some("connection refused")
        );
    }

    #[test]
    fn a_relayed_stale_pipeline_is_never_green_and_upstream_sources_are_shown() {
        use crate::view::{AndonState, PipelineStatus};
        let config = crate::setup::parse(
            "[[source]]\nname = \"hub\"\nkind = \"andon\"\nurl = \"http://127.0.0.1:9464\"\n",
            "t.toml",
        )
        .unwrap();
        let mut web = feed_pipeline("web", "passing");
        web.stale = true;
        let feed = Feed {
            schema: FEED_SCHEMA,
            sources: vec![
                FeedSource {
                    name: "ci".into(),
                    kind: "cctray".into(),
                    state: "error".into(),
                    error: Some("timed out after 10s".into()),
                    since: Some(at(-120)),
                    last_success: Some(at(-200)),
                    tls_verified: true,
                    cause: None,
                    http_status: None,
                    rate_limited_until: None,
                },
                FeedSource {
                    name: "odd".into(),
                    kind: "telepathy".into(),
                    state: "splendid".into(),
                    error: None,
                    since: None,
                    last_success: None,
                    tls_verified: false,
                    cause: None,
                    http_status: None,
                    rate_limited_until: None,
                },
            ],
            pipelines: vec![web],
            events: DoraEvents::default(),
        };
        let mut state = crate::state::State::new(&config);
        state.record(0, at(0), snapshot_of(&feed));
        let view = crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, at(0)),
            at(0),
        );
        assert_eq!(view.pipelines[0].status, PipelineStatus::Stale);
        assert_ne!(view.andon.state, AndonState::Green);
        let names: Vec<(&str, &str, &str)> = view
            .sources
            .iter()
            .map(|s| (s.name.as_str(), s.kind, s.state.word()))
            .collect();
        assert_eq!(
            names,
            [
                ("hub", "andon", "ok"),
                ("hub/ci", "cctray", "error"),
                ("hub/odd", "unknown", "error")
            ],
            "an unknown state word is an error, never ok"
        );
        assert!(view.sources[1].summary.contains("timed out after 10s"));
        assert!(view.sources[2].insecure);
    }

    /// What a screen of `collector` shows of its sources, through the feed as served.
    fn relayed(
        collector: &crate::state::State,
        collector_config: &crate::setup::Config,
    ) -> Vec<crate::view::SourceView> {
        let view = crate::view::build(
            collector_config,
            collector,
            crate::view::dora_report(collector_config, collector, at(0)),
            at(0),
        );
        let feed = crate::serve::publish::feed(collector, &view, &Default::default(), at(0));
        let body = serde_json::to_string(&feed).unwrap();
        let screen_config = crate::setup::parse(
            "[[source]]\nname = \"hub\"\nkind = \"andon\"\nurl = \"http://127.0.0.1:9464\"\n",
            "t.toml",
        )
        .unwrap();
        let mut screen = crate::state::State::new(&screen_config);
        screen.record(0, at(0), parse(&body));
        crate::view::source_views(&screen, at(0))
    }

    #[test]
    fn a_collector_relays_each_sources_cause_and_a_screen_shows_it_like_a_local_one() {
        use crate::sources::Cause;
        let config = crate::setup::parse(
            "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:1/cc.xml\"\n",
            "t.toml",
        )
        .unwrap();
        let mut collector = crate::state::State::new(&config);
        let until = at(600);
        for cause in [
            Cause::RateLimited { until },
            Cause::Auth { status: Some(401) },
            Cause::Tls,
            Cause::Status(502),
        ] {
            collector.record(0, at(0), Err(SourceError::of(cause, "no thanks")));
            let local = crate::view::source_views(&collector, at(0)).remove(0);
            let shown = relayed(&collector, &config);
            let upstream = &shown[1];
            assert_eq!(upstream.name, "hub/ci");
            assert_eq!(upstream.error_cause, Some(cause));
            assert_eq!(upstream.reason(at(0)), local.reason(at(0)));
            assert_eq!(upstream.state_word(), local.state_word());
        }
        let paced = &relayed(&collector, &config)[1];
        assert_eq!(paced.state_word(), "error", "the last cause is a 502");
        collector.record(
            0,
            at(0),
            Err(SourceError::of(Cause::RateLimited { until }, "no thanks")),
        );
        let paced = &relayed(&collector, &config)[1];
        assert!(
            paced.status_line(at(0)).starts_with("paced until "),
            "{}",
            paced.status_line(at(0))
        );
    }

    #[test]
    fn a_feed_source_without_a_cause_or_with_an_unknown_one_reads_as_before() {
        let older = r#"{"name":"ci","kind":"cctray","state":"error","error":"HTTP 429",
            "since":null,"last_success":null,"tls_verified":true}"#;
        let source: FeedSource = serde_json::from_str(older).unwrap();
        assert_eq!(source.cause, None);
        assert_eq!(source.error_cause(), None);
        let newer = r#"{"name":"ci","kind":"cctray","state":"error","error":"odd",
            "since":null,"last_success":null,"tls_verified":true,"cause":"gremlins",
            "http_status":999}"#;
        let source: FeedSource = serde_json::from_str(newer).unwrap();
        assert_eq!(source.error_cause(), None);
        let healthy = FeedSource {
            error: None,
            state: "ok".into(),
            ..source
        };
        let text = serde_json::to_string(&FeedSource {
            cause: None,
            http_status: None,
            ..healthy
        })
        .unwrap();
        assert!(!text.contains("cause"), "an older screen reads it: {text}");
    }

    #[test]
    fn a_broken_feed_or_another_schema_is_an_error_with_a_reason() {
        let truncated = parse(r#"{"schema":1,"sources":["#).unwrap_err();
        assert!(
            truncated
                .reason
                .starts_with("malformed andon feed: truncated JSON"),
            "{}",
            truncated.reason
        );
        let html = parse("<html>login</html>").unwrap_err();
        assert!(html.reason.contains("got HTML"), "{}", html.reason);
        let other = parse(r#"{"schema":2,"sources":[],"pipelines":[],"events":{"deployments":[],"changes":[],"incidents":[]}}"#).unwrap_err();
        assert!(other.reason.contains("schema 2"), "{}", other.reason);
    }

    #[test]
    fn a_name_two_upstream_sources_report_is_told_apart_by_source() {
        let mut jenkins = feed_pipeline("api", "failing");
        jenkins.source = "jenkins".into();
        let mut gitlab = feed_pipeline("api", "passing");
        gitlab.source = "gitlab".into();
        let feed = Feed {
            schema: FEED_SCHEMA,
            pipelines: vec![jenkins, gitlab, feed_pipeline("web", "passing")],
            ..Feed::default()
        };
        let names: Vec<String> = snapshot_of(&feed)
            .unwrap()
            .pipelines
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["jenkins/api", "gitlab/api", "web"]);
    }

    fn sample_feed() -> String {
        let mut api = feed_pipeline("api", "failing");
        api.failing_since = Some(at(-60));
        api.stages = vec![FeedStage {
            name: "test".into(),
            status: "failed".into(),
            started_at: Some(at(-100)),
            finished_at: Some(at(-50)),
            queued_seconds: Some(2.5),
        }];
        api.runs = vec![FeedRun {
            id: "#6".into(),
            passed: Some(true),
            commit: None,
        }];
        let feed = Feed {
            schema: FEED_SCHEMA,
            sources: vec![FeedSource {
                name: "ci".into(),
                kind: "cctray".into(),
                state: "ok".into(),
                error: None,
                since: None,
                last_success: Some(at(-1)),
                tls_verified: true,
                cause: None,
                http_status: None,
                rate_limited_until: None,
            }],
            pipelines: vec![api],
            events: DoraEvents {
                deployments: vec![Deployment {
                    app: "api".into(),
                    image_sha: None,
                    commit: Some("abc".into()),
                    finished_at: at(-3600),
                    marked: Some(ReworkMark::Hotfix),
                }],
                changes: Vec::new(),
                incidents: vec![Incident {
                    app: "api".into(),
                    id: "7".into(),
                    opened_at: at(-1800),
                    resolved_at: None,
                }],
            },
        };
        serde_json::to_string(&feed).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn any_mangled_feed_is_read_or_refused_with_a_reason(
            cut in 0usize..2000,
            flips in proptest::collection::vec((0usize..2000, proptest::prelude::any::<u8>()), 0..4),
        ) {
            let mut bytes = sample_feed().into_bytes();
            for (at, byte) in flips {
                let len = bytes.len();
                bytes[at % len] = byte;
            }
            bytes.truncate(cut.max(1).min(bytes.len()));
            let text = String::from_utf8_lossy(&bytes);
            match parse(&text) {
                Ok(mut snapshot) => {
                    // What the poller does with every poll's result before anything shows it.
                    crate::sanitize::snapshot(&mut snapshot);
                    let mut history = crate::history::RunHistory::default();
                    for p in &snapshot.pipelines {
                        history.observe(p);
                        proptest::prop_assert!(!p.name.chars().any(char::is_control));
                    }
                }
                Err(e) => proptest::prop_assert!(e.reason.starts_with("malformed andon feed") || e.reason.contains("schema")),
            }
        }
    }

    #[test]
    fn the_long_poll_leaves_room_in_the_timeout() {
        assert_eq!(wait_for(Duration::from_secs(30)), Duration::from_secs(25));
        assert_eq!(wait_for(Duration::from_secs(12)), Duration::from_secs(7));
        assert_eq!(wait_for(Duration::from_secs(3)), Duration::ZERO);
        assert_eq!(wait_for(Duration::from_secs(600)), MAX_WAIT);
    }
}
