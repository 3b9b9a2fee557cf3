//! A /metrics page in the Prometheus text format (0.0.4) or OpenMetrics, read for the Pelorus
//! DORA event gauges. A page is read whole or refused, by the rules of its format (checked
//! against the OpenMetrics conformance suite and Prometheus's own parser cases, see
//! tests/exposition_conformance.rs); only sample lines give events.
//!
//! Our own parser, because the usual crate drops or mis-splits label values containing `,`
//! `=` `}` or escaped quotes, and drops `metric{} 4`. The event time is the value; a sample's
//! timestamp only decides which of a series' samples is its latest.

use std::collections::BTreeMap;

use crate::config::{ConfigError, EventNames, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{Snapshot, Timestamp};
use crate::sources::metric_text::{self, Cursor, Sample, Strictness};
use crate::sources::pelorus::{self, Series};
use crate::sources::{Cause, SourceError, http, openmetrics};

#[derive(Debug, Clone, PartialEq)]
pub struct ExpositionConfig {
    pub url: String,
    pub events: EventNames,
}

impl KindConfig for ExpositionConfig {
    const NAME: &'static str = "exposition";
    const KEYS: &'static [&'static str] = &["url", "events"];
    const REQUIRED: &'static [&'static str] = &["url"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        Ok(ExpositionConfig {
            url: source.required_url()?,
            events: source.raw.events.clone().unwrap_or_default(),
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} (events {})",
            http::redact(&self.url),
            self.events.deploy
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

pub struct ExpositionSource {
    config: ExpositionConfig,
    client: http::Client,
    skipped: pelorus::SkippedLog,
}

impl ExpositionSource {
    /// The URL polled, whose host's rate limit this source follows.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// When the next poll may start without outrunning the server's rate limit; None when now.
    pub fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.client.ready_at(&self.config.url, now)
    }

    pub fn new(config: ExpositionConfig, client: http::Client) -> ExpositionSource {
        ExpositionSource {
            config,
            client,
            skipped: pelorus::SkippedLog::default(),
        }
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let (format, body) = self.fetch().await?;
        let series = parse_as(&body, format)?;
        let conversion = pelorus::to_events(&series, &self.config.events);
        if self.skipped.changed(conversion.skipped) {
            tracing::warn!(
                url = %http::redact(&self.config.url),
                skipped = conversion.skipped,
                "event samples with unusable values or labels skipped (logged when the count changes)"
            );
        }
        Ok(Snapshot {
            events: conversion.events,
            ..Snapshot::default()
        })
    }
}

impl ExpositionSource {
    /// The page and the format its `Content-Type` names (as Prometheus's scraper picks its
    /// parser); without one, the page's own shape decides.
    async fn fetch(&self) -> Result<(Format, String), SourceError> {
        let accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
        let request = self
            .client
            .get(&self.config.url)
            .header(reqwest::header::ACCEPT, accept);
        let response = http::send_politely(&self.client, request, &self.config.url).await?;
        let status = response.status();
        let content_type = http::content_type(&response);
        let body = http::read_capped(response, http::body_limit()).await?;
        if !status.is_success() {
            return Err(http::status_error(status, &body));
        }
        Ok((Format::of(content_type.as_deref()), body))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    OpenMetrics,
    /// No (or another) content type: the page's shape decides.
    Unknown,
}

impl Format {
    /// The format a `Content-Type` header names.
    pub fn of(content_type: Option<&str>) -> Format {
        let media_type = content_type
            .and_then(|c| c.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase());
        match media_type.as_deref() {
            Some("application/openmetrics-text") => Format::OpenMetrics,
            Some("text/plain") => Format::Text,
            _ => Format::Unknown,
        }
    }
}

/// Every series of the page, one sample each (the latest, as Prometheus would keep it), in a
/// format told by the page's shape: see `parse_as`.
pub fn parse(text: &str) -> Result<Vec<Series>, SourceError> {
    parse_as(text, Format::Unknown)
}

/// One bad line rejects the page: a half-read page would silently lose events. OpenMetrics is
/// read by its stricter rules. A page of unknown format with a `# EOF` line is read as
/// OpenMetrics, and if that refuses it, as the text format (Prometheus's own test pages end the
/// text format with `# EOF`); any other as the text format.
pub fn parse_as(text: &str, format: Format) -> Result<Vec<Series>, SourceError> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('<') {
        return Err(malformed_at(1, "an HTML page, not Prometheus metrics"));
    }
    let as_openmetrics =
        |text| openmetrics::parse(text).map_err(|e| malformed_at(e.line, e.reason));
    let samples = match format {
        Format::OpenMetrics => as_openmetrics(text)?,
        Format::Text => parse_text_format(text)?,
        Format::Unknown if openmetrics::looks_like_openmetrics(text) => {
            match as_openmetrics(text) {
                Ok(samples) => samples,
                Err(refusal) => parse_text_format(text).map_err(|_| refusal)?,
            }
        }
        Format::Unknown => parse_text_format(text)?,
    };
    Ok(metric_text::latest_per_series(samples))
}

/// The Prometheus text format 0.0.4, as Prometheus's own scraper reads it: blank lines and
/// comments allowed, `# HELP` and `# TYPE` checked, integer millisecond timestamps.
pub fn parse_text_format(text: &str) -> Result<Vec<Sample>, SourceError> {
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim_start_matches([' ', '\t']);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            check_comment(comment).map_err(|reason| malformed_at(number, reason))?;
            continue;
        }
        if line.starts_with('<') {
            return Err(malformed_at(number, "an HTML page, not Prometheus metrics"));
        }
        samples.push(parse_sample(line).map_err(|reason| malformed_at(number, reason))?);
    }
    Ok(samples)
}

fn malformed_at(line: usize, reason: impl std::fmt::Display) -> SourceError {
    SourceError::of(
        Cause::Malformed,
        format!("malformed exposition at line {line}: {reason}"),
    )
}

/// `# HELP name text` and `# TYPE name type` must be well formed; other comments are free.
fn check_comment(comment: &str) -> Result<(), String> {
    let mut cursor = Cursor::new(comment);
    if !comment.starts_with([' ', '\t']) {
        return Ok(());
    }
    cursor.skip_spaces();
    let keyword = cursor.take_token();
    if keyword != "HELP" && keyword != "TYPE" {
        return Ok(());
    }
    if !cursor.rest().is_empty() && !cursor.rest().starts_with([' ', '\t']) {
        return Ok(());
    }
    cursor.skip_spaces();
    let name = if cursor.peek() == Some('"') {
        cursor.take_quoted()?
    } else {
        cursor.take_metric_name().to_string()
    };
    let text = cursor.rest();
    if name.is_empty() || !(text.is_empty() || text.starts_with([' ', '\t'])) {
        return Err(format!("expected a metric name after {keyword}"));
    }
    let text = text.strip_prefix([' ', '\t']).unwrap_or(text);
    if keyword == "TYPE" && !TEXT_FORMAT_TYPES.contains(&text) {
        return Err(format!("unknown metric type {text:?} for {name}"));
    }
    Ok(())
}

const TEXT_FORMAT_TYPES: [&str; 5] = ["counter", "gauge", "histogram", "summary", "untyped"];

/// `name{label="value",...} value [timestamp]`; the name may also be quoted inside the braces
/// (`{"name.with.dots",label="v"}`), as Prometheus 3 writes UTF-8 names.
pub fn parse_sample(line: &str) -> Result<Sample, String> {
    let mut cursor = Cursor::new(line);
    let mut metric = cursor.take_metric_name().to_string();
    cursor.skip_spaces();
    let labels = if cursor.eat('{') {
        metric_text::parse_labels(&mut cursor, &mut metric, Strictness::Lenient)?
    } else {
        BTreeMap::new()
    };
    if metric.is_empty() {
        return Err(format!("expected a metric name, found {:?}", cursor.rest()));
    }
    cursor.skip_spaces();
    let value_text = cursor.take_token();
    if value_text.is_empty() {
        return Err(format!("missing value for {metric}"));
    }
    let value = metric_text::number(value_text)
        .ok_or_else(|| format!("value {value_text:?} is not a number"))?;
    cursor.skip_spaces();
    let timestamp = match cursor.take_token() {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .map_err(|_| format!("timestamp {text:?} is not whole milliseconds"))?
                as f64,
        ),
    };
    cursor.skip_spaces();
    let rest = cursor.rest();
    if !rest.is_empty() {
        return Err(format!("unexpected {rest:?} after the value"));
    }
    Ok(Sample {
        series: Series {
            metric,
            labels,
            value,
        },
        timestamp,
        has_exemplar: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Series {
        parse_sample(line)
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .series
    }

    fn label<'a>(s: &'a Series, name: &str) -> &'a str {
        s.labels.get(name).map(String::as_str).unwrap_or("<absent>")
    }

    #[test]
    fn plain_sample_with_labels() {
        let s = one(r#"deploy_timestamp{app="api",image_sha="sha256:ab"} 1.7e+09"#);
        assert_eq!(s.metric, "deploy_timestamp");
        assert_eq!(label(&s, "app"), "api");
        assert_eq!(label(&s, "image_sha"), "sha256:ab");
        assert_eq!(s.value, 1.7e9);
    }

    #[test]
    fn label_values_with_separators_stay_whole() {
        let s = one(r#"commit_timestamp{app="a,b=c}d",commit="x"} 1700000000"#);
        assert_eq!(label(&s, "app"), "a,b=c}d");
        assert_eq!(label(&s, "commit"), "x");
    }

    #[test]
    fn escapes_in_label_values() {
        let s = one(r#"m{msg="say \"hi\"\\now\nbye"} 1"#);
        assert_eq!(label(&s, "msg"), "say \"hi\"\\now\nbye");
        // Prometheus keeps a backslash before any other character as written.
        assert_eq!(label(&one(r#"m{msg="a\tb\z"} 1"#), "msg"), "a\\tb\\z");
    }

    #[test]
    fn empty_braces_and_no_braces() {
        assert_eq!(one("metric{} 4").value, 4.0);
        assert_eq!(one("metric 4").metric, "metric");
        assert!(one("metric{} 4").labels.is_empty());
    }

    #[test]
    fn special_values() {
        assert!(one("m NaN").value.is_nan());
        assert!(one("m nan").value.is_nan());
        assert_eq!(one("m inf").value, f64::INFINITY);
        assert_eq!(one("m -INF").value, f64::NEG_INFINITY);
        assert_eq!(one("m +Inf").value, f64::INFINITY);
        assert_eq!(one("m -Inf").value, f64::NEG_INFINITY);
        assert_eq!(one("m -0.5").value, -0.5);
    }

    #[test]
    fn timestamps_in_either_format_leave_the_value_alone() {
        // text format 0.0.4: integer milliseconds; OpenMetrics (float seconds) below.
        assert_eq!(one("m 1700000000 1700000000123").value, 1.7e9);
        for line in ["m 1 soon", "m 1 1700000000.123"] {
            let err = parse_sample(line).unwrap_err();
            assert!(err.contains("not whole milliseconds"), "{err}");
        }
        let page = "m{a=\"b\"} 1700000000 1700000000.123\n# EOF\n";
        assert_eq!(parse(page).unwrap()[0].value, 1.7e9);
    }

    #[test]
    fn spaces_and_commas_as_prometheus_reads_them() {
        let s = one(r#"m { a = "1" , b="2", } 3"#);
        assert_eq!((label(&s, "a"), label(&s, "b"), s.value), ("1", "2", 3.0));
        let s = one(r#"m{a="1" b="2"} 3"#);
        assert_eq!((label(&s, "a"), label(&s, "b")), ("1", "2"));
        let err = parse_sample(r#"m_total 3 # {trace_id="x"} 1.0"#).unwrap_err();
        assert!(err.contains("not whole milliseconds"), "{err}");
        let page = "# TYPE m counter\nm_total 3 1700000000 # {trace_id=\"x\"} 1.0\n# EOF\n";
        assert!(parse(page).is_ok(), "exemplars belong to OpenMetrics");
    }

    #[test]
    fn quoted_utf8_metric_name() {
        let s = one(r#"{"deploy.timestamp", app="api"} 5"#);
        assert_eq!(s.metric, "deploy.timestamp");
        assert_eq!(label(&s, "app"), "api");
        let s = one(r#"{app="api", "deploy.timestamp"} 5"#);
        assert_eq!(
            (s.metric.as_str(), label(&s, "app")),
            ("deploy.timestamp", "api")
        );
        let err = parse_sample(r#"m{"other"} 5"#).unwrap_err();
        assert!(err.contains("given twice"), "{err}");
    }

    #[test]
    fn bad_lines_say_why() {
        let cases = [
            ("m{a=\"1\"", "unterminated"),
            ("m{a=\"1} 2", "unterminated quoted string"),
            ("m{a=1} 2", "must be quoted"),
            ("m{a=\"1\"=} 3", "expected a label name"),
            ("m{a=\"1\",a=\"2\"} 3", "appears twice"),
            ("m", "missing value"),
            ("m twelve", "not a number"),
            ("m 1 2 3", "unexpected"),
            ("{} 1", "expected a metric name"),
            ("9m 1", "expected a metric name"),
        ];
        for (line, expected) in cases {
            let err = parse_sample(line).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn page_skips_comments_and_blank_lines_and_names_the_bad_line() {
        let page = "# HELP m help\n# TYPE m gauge\n\nm{a=\"x\"} 1\nm{a=\"y\"} 2\n";
        assert_eq!(parse(page).unwrap().len(), 2);
        for (page, expected) in [
            ("# TYPE m meh\nm 1\n", "unknown metric type \"meh\""),
            ("# HELP #\n", "expected a metric name after HELP"),
        ] {
            let err = parse(page).unwrap_err();
            assert!(err.reason.contains(expected), "{page:?}: {err}");
        }
        let err = parse("# TYPE m gauge\nm 1\nm{a=\"1\" 2\n").unwrap_err();
        assert!(
            err.reason.starts_with("malformed exposition at line 3: "),
            "{err}"
        );
    }

    #[test]
    fn one_series_counts_once_whatever_the_format() {
        let text =
            "deploy_timestamp{app=\"a\"} 1700000000\ndeploy_timestamp{app=\"a\"} 1700000100\n";
        let series = parse(text).unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(
            series[0].value, 1_700_000_000.0,
            "a repeat without a later timestamp is dropped"
        );
        let om = "# TYPE deploy_timestamp gauge\n\
                  deploy_timestamp{app=\"a\"} 1700000000 1700000000\n\
                  deploy_timestamp{app=\"a\"} 1700000100 1700000100\n# EOF\n";
        let series = parse(om).unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(
            series[0].value, 1_700_000_100.0,
            "the latest sample is the series' value"
        );
    }

    #[test]
    fn html_page_is_named() {
        let err = parse("<!DOCTYPE html>\n<html><body>Sign in</body></html>").unwrap_err();
        assert_eq!(
            err.reason,
            "malformed exposition at line 1: an HTML page, not Prometheus metrics"
        );
    }
}
