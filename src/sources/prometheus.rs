//! Prometheus HTTP API: DORA event gauges (Pelorus names) and an optional board query.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::try_join_all;
use serde::Deserialize;

use crate::config::{BoardQuery, ConfigError, EventNames, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{BuildStatus, DoraEvents, Pipeline, Snapshot, StageRun, StageStatus, Timestamp};
use crate::sources::pelorus::{self, Series};
use crate::sources::{Cause, SourceError, http};

#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusConfig {
    pub url: String,
    pub events: EventNames,
    pub board: Option<BoardQuery>,
    /// How far back event series are looked for; must cover commits older than the window.
    pub lookback: Duration,
}

impl KindConfig for PrometheusConfig {
    const NAME: &'static str = "prometheus";
    const KEYS: &'static [&'static str] = &["url", "lookback", "events", "board"];
    const REQUIRED: &'static [&'static str] = &["url"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        let lookback = match &source.raw.lookback {
            Some(v) => source.duration(v, "lookback")?,
            None => source.window * 3,
        };
        Ok(PrometheusConfig {
            url: source.required_url()?,
            events: source.raw.events.clone().unwrap_or_default(),
            board: source.raw.board.clone(),
            lookback,
        })
    }

    fn describe(&self) -> String {
        let board = self
            .board
            .as_ref()
            .map_or(String::new(), |b| format!("; board query {:?}", b.query));
        format!(
            "{} (events {}, {}, {}, {}{board})",
            http::redact(&self.url),
            self.events.deploy,
            self.events.commit,
            self.events.failure_created,
            self.events.failure_resolved
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

const WHAT: &str = "Prometheus response";

pub struct PrometheusSource {
    config: PrometheusConfig,
    client: http::Client,
    skipped: pelorus::SkippedLog,
}

impl PrometheusSource {
    /// The URL polled, whose host's rate limit this source follows.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// When the next poll may start without outrunning the server's rate limit; None when now.
    pub fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.client.ready_at(&self.config.url, now)
    }

    pub fn new(config: PrometheusConfig, client: http::Client) -> PrometheusSource {
        PrometheusSource {
            config,
            client,
            skipped: pelorus::SkippedLog::default(),
        }
    }

    /// Every query is evaluated at `now`, so one poll is one consistent instant.
    pub async fn poll(&self, now: Timestamp) -> Result<Snapshot, SourceError> {
        let (events, pipelines) =
            futures_util::future::try_join(self.events(now), self.board(now)).await?;
        Ok(Snapshot {
            pipelines,
            events,
            ..Snapshot::default()
        })
    }

    /// All events found in the lookback, whatever the window: the metrics filter by window.
    async fn events(&self, now: Timestamp) -> Result<DoraEvents, SourceError> {
        let names = &self.config.events;
        let metrics = [
            &names.deploy,
            &names.commit,
            &names.failure_created,
            &names.failure_resolved,
        ];
        let queries = metrics.map(|metric| self.event_series(metric, now));
        let series: Vec<Series> = try_join_all(queries).await?.concat();
        let conversion = pelorus::to_events(&series, names);
        if self.skipped.changed(conversion.skipped) {
            tracing::warn!(
                url = %http::redact(&self.config.url),
                skipped = conversion.skipped,
                "event series with unusable values or labels skipped (logged when the count changes)"
            );
        }
        Ok(conversion.events)
    }

    /// An event gauge may have stopped being written long ago (the exporter restarted, the
    /// issue was closed); `last_over_time` over the lookback still finds its last value.
    async fn event_series(&self, metric: &str, now: Timestamp) -> Result<Vec<Series>, SourceError> {
        let lookback = self.config.lookback.as_secs().max(1);
        let query = format!("last_over_time({metric}[{lookback}s])");
        let mut series = self.query(&query, now).await?;
        for s in &mut series {
            s.metric = metric.to_string();
        }
        Ok(series)
    }

    async fn board(&self, now: Timestamp) -> Result<Vec<Pipeline>, SourceError> {
        match &self.config.board {
            None => Ok(Vec::new()),
            Some(board) => {
                let series = self.query(&board.query, now).await?;
                pipelines_from_series(&series, board)
            }
        }
    }

    async fn query(&self, query: &str, now: Timestamp) -> Result<Vec<Series>, SourceError> {
        let url = query_url(&self.config.url, query, now)?;
        let (status, body) = http::get_any_status(&self.client, url.as_str()).await?;
        parse_response(status, &body).map_err(|e| {
            let reason = format!("{} (query: {})", e.reason, shorten(query));
            e.reworded(reason)
        })
    }
}

/// `/api/v1/query?query=...&time=...`, encoded by `Url` (reqwest's `query` feature is not used).
pub fn query_url(base: &str, query: &str, now: Timestamp) -> Result<reqwest::Url, SourceError> {
    let time = format!("{}.{:03}", now.timestamp(), now.timestamp_subsec_millis());
    let endpoint = format!("{}/api/v1/query", base.trim_end_matches('/'));
    reqwest::Url::parse_with_params(&endpoint, [("query", query), ("time", time.as_str())]).map_err(
        |e| {
            SourceError::of(
                Cause::Internal,
                format!("invalid Prometheus URL {:?}: {e}", http::redact(base)),
            )
        },
    )
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        short.push('…');
    }
    short
}

// ---- the API's JSON ----

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorSample {
    metric: BTreeMap<String, String>,
    /// `[evaluation time, "value"]`
    value: (f64, String),
}

/// Interprets an answer whatever its HTTP status: Prometheus explains errors in JSON, other
/// servers (a wrong path, a proxy) answer in text or HTML.
pub fn parse_response(status: reqwest::StatusCode, body: &str) -> Result<Vec<Series>, SourceError> {
    if status.is_success() {
        return parse_vector(body);
    }
    match serde_json::from_str::<Envelope>(body) {
        Ok(envelope) if envelope.status == "error" => Err(api_error(&envelope, Some(status))),
        // A proxy or a restarting server, not a wrong URL: say it as a server error.
        _ if status.is_server_error() => Err(http::status_error(status, body)),
        _ => {
            let excerpt = http::excerpt(body);
            let detail = if excerpt.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {excerpt}")
            };
            Err(SourceError {
                cause: Cause::Status(status.as_u16()),
                ..SourceError::malformed(
                    WHAT,
                    format!("{detail} (is the URL the Prometheus server's base URL?)"),
                )
            })
        }
    }
}

/// Reads an instant-vector answer into series. `Series::metric` is the `__name__` label when
/// the query kept it, else empty.
pub fn parse_vector(body: &str) -> Result<Vec<Series>, SourceError> {
    let trimmed = body.trim_start();
    if !trimmed.starts_with('{') {
        let what = if trimmed.starts_with('<') {
            "an HTML page, not JSON".to_string()
        } else if trimmed.is_empty() {
            "empty body".to_string()
        } else {
            format!("not JSON: {}", http::excerpt(body))
        };
        return Err(SourceError::malformed(WHAT, what));
    }
    let envelope: Envelope = deserialize(parse_json(body)?, "")?;
    match envelope.status.as_str() {
        "success" => {}
        "error" => return Err(api_error(&envelope, None)),
        other => {
            return Err(SourceError::malformed(
                WHAT,
                format!("unknown status {other:?}"),
            ));
        }
    }
    let data = envelope
        .data
        .ok_or_else(|| SourceError::malformed(WHAT, "success without data"))?;
    if data.result_type != "vector" {
        return Err(SourceError::of(
            Cause::Malformed,
            format!(
                "query returned a {} where an instant vector was expected",
                data.result_type
            ),
        ));
    }
    let samples: Vec<VectorSample> = deserialize(data.result, "data.result")?;
    samples.into_iter().map(series_of).collect()
}

fn parse_json(body: &str) -> Result<serde_json::Value, SourceError> {
    serde_json::from_str(body).map_err(|e| {
        let detail = if e.is_eof() {
            format!("truncated JSON ({e})")
        } else {
            e.to_string()
        };
        SourceError::malformed(WHAT, detail)
    })
}

/// Typed reading with the failing field's path in the message; `at` is where `value` sits.
fn deserialize<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    at: &str,
) -> Result<T, SourceError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (at, inner.as_str()) {
            ("", ".") => "response".to_string(),
            (_, ".") => at.to_string(),
            (_, inner) if inner.starts_with('[') || at.is_empty() => format!("{at}{inner}"),
            (_, inner) => format!("{at}.{inner}"),
        };
        SourceError::malformed(WHAT, format!("{path}: {}", e.into_inner()))
    })
}

/// Prometheus's own error answer; `status` is the HTTP status it came with (None: a success).
fn api_error(envelope: &Envelope, status: Option<reqwest::StatusCode>) -> SourceError {
    let cause = status.map_or(Cause::Malformed, |s| Cause::Status(s.as_u16()));
    SourceError::of(
        cause,
        format!(
            "Prometheus error {}: {}",
            envelope.error_type.as_deref().unwrap_or("(no errorType)"),
            envelope.error.as_deref().unwrap_or("(no message)")
        ),
    )
}

fn series_of(sample: VectorSample) -> Result<Series, SourceError> {
    let mut labels = sample.metric;
    let metric = labels.remove("__name__").unwrap_or_default();
    Ok(Series {
        value: sample_value(&sample.value.1)?,
        metric,
        labels,
    })
}

/// Prometheus renders values with Go's float formatting: "1.5", "1e+09", "NaN", "+Inf", "-Inf".
pub fn sample_value(text: &str) -> Result<f64, SourceError> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => text.parse::<f64>().map_err(|_| {
            SourceError::malformed(WHAT, format!("sample value {text:?} is not a number"))
        }),
    }
}

// ---- the board ----

/// One pipeline per value of the pipeline label, sorted by name. Series valued 0 (the statuses
/// a job is not in, as gitlab-ci-pipelines-exporter reports them) and NaN are ignored.
pub fn pipelines_from_series(
    series: &[Series],
    board: &BoardQuery,
) -> Result<Vec<Pipeline>, SourceError> {
    let current: Vec<&Series> = series
        .iter()
        .filter(|s| s.value != 0.0 && !s.value.is_nan())
        .collect();
    let mut pipelines: BTreeMap<&str, PipelineParts> = BTreeMap::new();
    for s in &current {
        let Some(name) = s.label(&board.pipeline_label) else {
            continue;
        };
        let status = StageStatus::from_word(s.label(&board.status_label).unwrap_or(""));
        let parts = pipelines.entry(name).or_default();
        match s.label(&board.stage_label) {
            Some(stage) => parts.add_stage_status(stage, status),
            None => parts.overall = Some(worst(parts.overall.unwrap_or(status), status)),
        }
    }
    if pipelines.is_empty() && !current.is_empty() {
        return Err(SourceError::of(
            Cause::Malformed,
            format!(
                "board query returned {} series but none has the label {:?} (set pipeline_label)",
                current.len(),
                board.pipeline_label
            ),
        ));
    }
    Ok(pipelines
        .into_iter()
        .map(|(name, parts)| parts.into_pipeline(name))
        .collect())
}

#[derive(Default)]
struct PipelineParts {
    /// Stages in first-seen order.
    stages: Vec<StageRun>,
    /// Status from series without a stage label (a pipeline-level status metric).
    overall: Option<StageStatus>,
}

impl PipelineParts {
    fn add_stage_status(&mut self, stage: &str, status: StageStatus) {
        match self.stages.iter_mut().find(|s| s.name == stage) {
            Some(existing) => existing.status = worst(existing.status, status),
            None => self.stages.push(StageRun::new(stage, status)),
        }
    }

    fn into_pipeline(self, name: &str) -> Pipeline {
        match (self.stages.is_empty(), self.overall) {
            (true, Some(status)) => pipeline_from_overall(name, status),
            _ => Pipeline::from_stages(name, self.stages),
        }
    }
}

fn pipeline_from_overall(name: &str, status: StageStatus) -> Pipeline {
    let build_status = match status {
        StageStatus::Passed => BuildStatus::Passing,
        StageStatus::Failed => BuildStatus::Failing,
        _ => BuildStatus::Unknown,
    };
    let mut pipeline = Pipeline::new(name, build_status);
    pipeline.building = status == StageStatus::Running;
    pipeline
}

/// Of two jobs' statuses in one stage, the one that says more about the stage:
/// failed, then running, pending, unknown, passed, skipped.
fn worst(a: StageStatus, b: StageStatus) -> StageStatus {
    if severity(b) > severity(a) { b } else { a }
}

fn severity(status: StageStatus) -> u8 {
    match status {
        StageStatus::Skipped => 0,
        StageStatus::Passed => 1,
        StageStatus::Unknown => 2,
        StageStatus::Pending => 3,
        StageStatus::Running => 4,
        StageStatus::Failed => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<Vec<Series>, SourceError>) -> String {
        result.expect_err("should be rejected").reason
    }

    #[test]
    fn vector_with_special_values_parses() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"deploy_timestamp","app":"api"},"value":[1700000000.5,"1.7e+09"]},
            {"metric":{"app":"web"},"value":[1700000000,"NaN"]},
            {"metric":{},"value":[1700000000,"+Inf"]},
            {"metric":{},"value":[1700000000,"-Inf"]}]},"warnings":["x"]}"#;
        let series = parse_vector(body).unwrap();
        assert_eq!(series[0].metric, "deploy_timestamp");
        assert_eq!(series[0].labels.get("app").map(String::as_str), Some("api"));
        assert!(!series[0].labels.contains_key("__name__"));
        assert_eq!(series[0].value, 1.7e9);
        assert!(series[1].value.is_nan());
        assert_eq!(series[1].metric, "");
        assert_eq!(series[2].value, f64::INFINITY);
        assert_eq!(series[3].value, f64::NEG_INFINITY);
    }

    #[test]
    fn empty_vector_is_no_series() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(parse_vector(body).unwrap(), vec![]);
    }

    #[test]
    fn error_body_quotes_error_type_and_message() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}"#;
        let status = reqwest::StatusCode::BAD_REQUEST;
        let r = reason(parse_response(status, body));
        assert!(
            r.starts_with("Prometheus error bad_data: invalid parameter"),
            "{r}"
        );
        assert_eq!(r, reason(parse_vector(body)));
        let timeout = r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#;
        let r = reason(parse_response(
            reqwest::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ));
        assert_eq!(r, "Prometheus error timeout: query timed out");
    }

    #[test]
    fn plain_text_404_is_malformed_and_names_the_status() {
        let r = reason(parse_response(
            reqwest::StatusCode::NOT_FOUND,
            "404 page not found\n",
        ));
        assert!(
            r.starts_with("malformed Prometheus response: HTTP 404 Not Found"),
            "{r}"
        );
        assert!(r.contains("404 page not found"), "{r}");
    }

    #[test]
    fn html_is_malformed() {
        let r = reason(parse_vector(
            "<!DOCTYPE html><html><body>Login</body></html>",
        ));
        assert_eq!(r, "malformed Prometheus response: an HTML page, not JSON");
        let r = reason(parse_response(
            reqwest::StatusCode::BAD_GATEWAY,
            "<html><body>502 Bad Gateway</body></html>",
        ));
        assert!(r.contains("HTTP 502 Bad Gateway"), "{r}");
    }

    #[test]
    fn truncated_json_is_malformed() {
        let r = reason(parse_vector(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}"#,
        ));
        assert!(
            r.starts_with("malformed Prometheus response: truncated JSON"),
            "{r}"
        );
        assert!(reason(parse_vector("")).contains("empty body"));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let r = reason(parse_vector(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,2]}]}}"#,
        ));
        assert!(
            r.starts_with("malformed Prometheus response: data.result[0].value"),
            "{r}"
        );
        let r = reason(parse_vector(r#"{"status":7}"#));
        assert!(r.contains("status"), "{r}");
        let r = reason(parse_vector(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"twelve"]}]}}"#,
        ));
        assert!(r.contains("\"twelve\" is not a number"), "{r}");
    }

    #[test]
    fn non_vector_result_is_an_error() {
        let r = reason(parse_vector(
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}}"#,
        ));
        assert!(
            r.contains("matrix where an instant vector was expected"),
            "{r}"
        );
    }

    #[test]
    fn query_url_encodes_the_query_and_pins_time() {
        let now = chrono::DateTime::from_timestamp_millis(1_700_000_000_250).unwrap();
        let url = query_url(
            "http://127.0.0.1:9090/",
            "last_over_time(x{a=\"b c\"}[60s]) == 1 + 2",
            now,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9090/api/v1/query?query=last_over_time%28x%7Ba%3D%22b+c%22%7D%5B60s%5D%29+%3D%3D+1+%2B+2&time=1700000000.250"
        );
    }

    fn job(pipeline: &str, stage: &str, status: &str, value: f64) -> Series {
        Series::new(
            "gitlab_ci_pipeline_job_status",
            &[("project", pipeline), ("stage", stage), ("status", status)],
            value,
        )
    }

    fn board() -> BoardQuery {
        BoardQuery {
            query: "q".into(),
            pipeline_label: "project".into(),
            stage_label: "stage".into(),
            status_label: "status".into(),
        }
    }

    #[test]
    fn board_takes_current_statuses_and_the_worst_job_per_stage() {
        let series = [
            job("web", "build", "success", 1.0),
            job("web", "build", "failed", 0.0),
            job("api", "build", "success", 1.0),
            job("api", "test", "success", 1.0),
            job("api", "test", "failed", 1.0),
            job("api", "test", "running", 1.0),
            job("api", "deploy", "created", 1.0),
            job("api", "deploy", "failed", f64::NAN),
        ];
        let pipelines = pipelines_from_series(&series, &board()).unwrap();
        let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["api", "web"]);
        let api = &pipelines[0];
        assert_eq!(api.status, BuildStatus::Failing);
        assert_eq!(api.stage.as_deref(), Some("test"));
        let stages: Vec<(&str, StageStatus)> = api
            .stages
            .iter()
            .map(|s| (s.name.as_str(), s.status))
            .collect();
        assert_eq!(
            stages,
            [
                ("build", StageStatus::Passed),
                ("test", StageStatus::Failed),
                ("deploy", StageStatus::Pending)
            ]
        );
        assert_eq!(pipelines[1].status, BuildStatus::Passing);
    }

    #[test]
    fn worst_status_order() {
        use StageStatus::*;
        assert_eq!(worst(Passed, Running), Running);
        assert_eq!(worst(Pending, Running), Running);
        assert_eq!(worst(Failed, Running), Failed);
        assert_eq!(worst(Passed, Pending), Pending);
        assert_eq!(worst(Skipped, Passed), Passed);
    }

    #[test]
    fn pipeline_level_series_without_stage() {
        let series = [
            Series::new(
                "gitlab_ci_pipeline_status",
                &[("project", "api"), ("status", "failed")],
                1.0,
            ),
            Series::new(
                "gitlab_ci_pipeline_status",
                &[("project", "web"), ("status", "running")],
                1.0,
            ),
        ];
        let pipelines = pipelines_from_series(&series, &board()).unwrap();
        assert_eq!(pipelines[0].status, BuildStatus::Failing);
        assert_eq!(pipelines[1].status, BuildStatus::Unknown);
        assert!(pipelines[1].building);
    }

    #[test]
    fn board_without_the_pipeline_label_says_so() {
        let series = [Series::new("x", &[("name", "api")], 1.0)];
        let err = pipelines_from_series(&series, &board()).unwrap_err();
        assert!(err.reason.contains("\"project\""), "{err}");
        assert_eq!(pipelines_from_series(&[], &board()).unwrap(), vec![]);
    }
}
