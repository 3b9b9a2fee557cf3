//! A /metrics page in the Prometheus text format (0.0.4) or OpenMetrics, read for the Pelorus
//! DORA event gauges. Only sample lines matter; `#` lines (HELP, TYPE, EOF) are skipped.
//!
//! Our own parser, because the usual crate drops or mis-splits label values containing `,`
//! `=` `}` or escaped quotes, and drops `metric{} 4`. Timestamps are checked but not used:
//! the event time is the value.

use std::collections::BTreeMap;

use crate::config::ExpositionConfig;
use crate::model::Snapshot;
use crate::sources::pelorus::{self, Series};
use crate::sources::{SourceError, http};

pub struct ExpositionSource {
    config: ExpositionConfig,
    client: reqwest::Client,
    skipped: pelorus::SkippedLog,
}

impl ExpositionSource {
    /// The URL polled, whose host's rate limit this source follows.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    pub fn new(config: ExpositionConfig, client: reqwest::Client) -> ExpositionSource {
        ExpositionSource {
            config,
            client,
            skipped: pelorus::SkippedLog::default(),
        }
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let body = http::get_text(&self.client, &self.config.url).await?;
        let series = parse(&body)?;
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

/// Every sample of the page. One bad line rejects the page: a half-read page would
/// silently lose events.
pub fn parse(text: &str) -> Result<Vec<Series>, SourceError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut series = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = index + 1;
        if line.starts_with('<') {
            return Err(malformed_at(number, "an HTML page, not Prometheus metrics"));
        }
        series.push(parse_sample(line).map_err(|reason| malformed_at(number, reason))?);
    }
    Ok(series)
}

fn malformed_at(line: usize, reason: impl std::fmt::Display) -> SourceError {
    SourceError::new(format!("malformed exposition at line {line}: {reason}"))
}

/// `name{label="value",...} value [timestamp] [# exemplar]`; the name may also be quoted
/// inside the braces (`{"name.with.dots",label="v"}`), as Prometheus 3 writes UTF-8 names.
pub fn parse_sample(line: &str) -> Result<Series, String> {
    let mut cursor = Cursor::new(line);
    let mut metric = cursor.take_name();
    cursor.skip_spaces();
    let labels = if cursor.eat('{') {
        parse_labels(&mut cursor, &mut metric)?
    } else {
        BTreeMap::new()
    };
    if metric.is_empty() {
        return Err(format!("expected a metric name, found {:?}", cursor.rest()));
    }
    let value_text = cursor.take_field();
    if value_text.is_empty() {
        return Err(format!("missing value for {metric}"));
    }
    let value =
        number(value_text).ok_or_else(|| format!("value {value_text:?} is not a number"))?;
    if !cursor.rest().starts_with('#') {
        let timestamp = cursor.take_field();
        if !timestamp.is_empty() && number(timestamp).is_none_or(|t| !t.is_finite()) {
            return Err(format!("timestamp {timestamp:?} is not a number"));
        }
    }
    let rest = cursor.rest();
    if !rest.is_empty() && !rest.starts_with('#') {
        return Err(format!("unexpected {rest:?} after the value"));
    }
    Ok(Series {
        metric,
        labels,
        value,
    })
}

fn parse_labels(
    cursor: &mut Cursor,
    metric: &mut String,
) -> Result<BTreeMap<String, String>, String> {
    let mut labels = BTreeMap::new();
    loop {
        cursor.skip_spaces();
        if cursor.eat('}') {
            return Ok(labels);
        }
        let name = if cursor.peek() == Some('"') {
            cursor.take_quoted()?
        } else {
            cursor.take_name()
        };
        cursor.skip_spaces();
        if name.is_empty() {
            return Err(match cursor.peek() {
                None => "unterminated label set, expected '}'".to_string(),
                Some(c) => format!("expected a label name, found {c:?}"),
            });
        }
        if cursor.eat('=') {
            cursor.skip_spaces();
            if cursor.peek() != Some('"') {
                return Err(format!("value of label {name} must be quoted"));
            }
            let value = cursor.take_quoted()?;
            if labels.insert(name.clone(), value).is_some() {
                return Err(format!("label {name} appears twice"));
            }
        } else if metric.is_empty() && labels.is_empty() {
            metric.clone_from(&name);
        } else {
            return Err(format!("expected '=' after label {name}"));
        }
        cursor.skip_spaces();
        if !cursor.eat(',') && cursor.peek() != Some('}') {
            return Err(match cursor.peek() {
                None => "unterminated label set, expected '}'".to_string(),
                Some(c) => format!("expected ',' or '}}' after label {name}, found {c:?}"),
            });
        }
    }
}

/// Go's float syntax as the formats use it: decimals, exponents, NaN, +Inf, -Inf.
fn number(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ if text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) => {
            text.parse().ok()
        }
        _ => None,
    }
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor { rest: text }
    }

    fn rest(&self) -> &'a str {
        self.rest
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn eat(&mut self, expected: char) -> bool {
        match self.rest.strip_prefix(expected) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, possibly empty.
    fn take_name(&mut self) -> String {
        let end = self
            .rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()))
            })
            .map_or(self.rest.len(), |(i, _)| i);
        let (name, rest) = self.rest.split_at(end);
        self.rest = rest;
        name.to_string()
    }

    /// A whitespace-separated field after skipping leading spaces; empty at the end.
    fn take_field(&mut self) -> &'a str {
        self.skip_spaces();
        let end = self.rest.find([' ', '\t']).unwrap_or(self.rest.len());
        let (field, rest) = self.rest.split_at(end);
        self.rest = rest;
        self.skip_spaces();
        field
    }

    /// A double-quoted string with the escapes `\\`, `\"` and `\n`; the cursor is on the quote.
    fn take_quoted(&mut self) -> Result<String, String> {
        self.eat('"');
        let mut value = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[i + 1..];
                    return Ok(value);
                }
                '\\' => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, other)) => {
                        return Err(format!("unknown escape \\{other} in {value:?}"));
                    }
                    None => break,
                },
                _ => value.push(c),
            }
        }
        Err(format!("unterminated quoted string {value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Series {
        parse_sample(line).unwrap_or_else(|e| panic!("{line}: {e}"))
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
        let err = parse_sample(r#"m{msg="a\tb"} 1"#).unwrap_err();
        assert!(err.contains("unknown escape"), "{err}");
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
        assert_eq!(one("m +Inf").value, f64::INFINITY);
        assert_eq!(one("m -Inf").value, f64::NEG_INFINITY);
        assert_eq!(one("m -0.5").value, -0.5);
    }

    #[test]
    fn timestamps_in_either_format_leave_the_value_alone() {
        // OpenMetrics: float seconds; text format 0.0.4: integer milliseconds.
        assert_eq!(one(r#"m{a="b"} 1700000000 1700000000.123"#).value, 1.7e9);
        assert_eq!(one("m 1700000000 1700000000123").value, 1.7e9);
        let err = parse_sample("m 1 soon").unwrap_err();
        assert!(err.contains("timestamp \"soon\""), "{err}");
    }

    #[test]
    fn spaces_trailing_comma_and_exemplars() {
        let s = one(r#"m { a = "1" , b="2", } 3 # {trace_id="x"} 1.0"#);
        assert_eq!((label(&s, "a"), label(&s, "b"), s.value), ("1", "2", 3.0));
        assert_eq!(
            one(r#"m_total 3 1700000000 # {trace_id="x"} 1.0"#).value,
            3.0
        );
    }

    #[test]
    fn quoted_utf8_metric_name() {
        let s = one(r#"{"deploy.timestamp", app="api"} 5"#);
        assert_eq!(s.metric, "deploy.timestamp");
        assert_eq!(label(&s, "app"), "api");
    }

    #[test]
    fn bad_lines_say_why() {
        let cases = [
            ("m{a=\"1\"", "unterminated"),
            ("m{a=\"1} 2", "unterminated quoted string"),
            ("m{a=1} 2", "must be quoted"),
            ("m{a=\"1\" b=\"2\"} 3", "expected ',' or '}'"),
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
        let page = "# HELP m help\n# TYPE m gauge\n\nm{a=\"x\"} 1\nm{a=\"y\"} 2\n# EOF\n";
        assert_eq!(parse(page).unwrap().len(), 2);
        let err = parse("# TYPE m gauge\nm 1\nm{a=\"1\" 2\n").unwrap_err();
        assert!(
            err.reason.starts_with("malformed exposition at line 3: "),
            "{err}"
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
