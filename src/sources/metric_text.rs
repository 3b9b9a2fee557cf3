//! The lexical pieces both metric text formats share: names, quoted strings, label sets and
//! numbers. The Prometheus text format (0.0.4) is lenient about spaces and commas inside the
//! braces; OpenMetrics is not. `Strictness` says which rules apply.

use std::collections::BTreeMap;

use crate::sources::pelorus::Series;

/// One sample line as read, before the page decides which of its samples count.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub series: Series,
    /// As written: milliseconds in the text format, seconds in OpenMetrics.
    pub timestamp: Option<f64>,
    pub has_exemplar: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Prometheus text format: spaces around terms, optional and trailing commas.
    Lenient,
    /// OpenMetrics: `{a="1",b="2"}` exactly.
    Strict,
}

pub struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Cursor<'a> {
        Cursor { rest: text }
    }

    pub fn rest(&self) -> &'a str {
        self.rest
    }

    pub fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    pub fn eat(&mut self, expected: char) -> bool {
        match self.rest.strip_prefix(expected) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    pub fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`, possibly empty.
    pub fn take_metric_name(&mut self) -> &'a str {
        self.take_identifier(true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, possibly empty.
    pub fn take_label_name(&mut self) -> &'a str {
        self.take_identifier(false)
    }

    fn take_identifier(&mut self, colons: bool) -> &'a str {
        let end = self
            .rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_alphabetic()
                    || c == '_'
                    || (colons && c == ':')
                    || (i > 0 && c.is_ascii_digit()))
            })
            .map_or(self.rest.len(), |(i, _)| i);
        let (name, rest) = self.rest.split_at(end);
        self.rest = rest;
        name
    }

    /// Up to the next space or tab (or the end).
    pub fn take_token(&mut self) -> &'a str {
        let end = self.rest.find([' ', '\t']).unwrap_or(self.rest.len());
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        token
    }

    /// A double-quoted string; the cursor is on the opening quote. `\\`, `\"` and `\n` are
    /// escapes; a backslash before anything else stands for itself, as both formats' reference
    /// parsers read it (`"b\\a\z"` is `b\a\z`).
    pub fn take_quoted(&mut self) -> Result<String, String> {
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
                        value.push('\\');
                        value.push(other);
                    }
                    None => break,
                },
                _ => value.push(c),
            }
        }
        Err(format!("unterminated quoted string {value:?}"))
    }
}

/// The label set after `{`, up to and including `}`. A quoted string not followed by `=` is
/// the metric name (UTF-8 names, Prometheus 3), wherever it stands in the braces.
pub fn parse_labels(
    cursor: &mut Cursor,
    metric: &mut String,
    strictness: Strictness,
) -> Result<BTreeMap<String, String>, String> {
    let lenient = strictness == Strictness::Lenient;
    let mut labels = BTreeMap::new();
    let mut first = true;
    loop {
        if lenient {
            cursor.skip_spaces();
        }
        if cursor.eat('}') {
            if !lenient && !first {
                return Err("a ',' before '}'".to_string());
            }
            return Ok(labels);
        }
        first = false;
        let quoted = cursor.peek() == Some('"');
        let name = if quoted {
            cursor.take_quoted()?
        } else {
            cursor.take_label_name().to_string()
        };
        if lenient {
            cursor.skip_spaces();
        }
        if name.is_empty() && !quoted {
            return Err(match cursor.peek() {
                None => "unterminated label set, expected '}'".to_string(),
                Some(c) => format!("expected a label name, found {c:?}"),
            });
        }
        if cursor.eat('=') {
            if lenient {
                cursor.skip_spaces();
            }
            if cursor.peek() != Some('"') {
                return Err(format!("value of label {name} must be quoted"));
            }
            let value = cursor.take_quoted()?;
            if labels.insert(name.clone(), value).is_some() {
                return Err(format!("label {name} appears twice"));
            }
        } else if quoted && matches!(cursor.peek(), Some(',' | '}')) {
            if !metric.is_empty() {
                return Err(format!("metric name given twice ({metric:?} and {name:?})"));
            }
            metric.clone_from(&name);
        } else {
            return Err(match cursor.peek() {
                None => "unterminated label set, expected '}'".to_string(),
                Some(_) => format!("expected '=' after label {name}"),
            });
        }
        if lenient {
            cursor.skip_spaces();
        }
        if cursor.eat(',') {
            continue;
        }
        match cursor.peek() {
            Some('}') => {
                cursor.eat('}');
                return Ok(labels);
            }
            // Prometheus reads `{a="1" b="2"}` as two labels; so do we, in its format.
            Some(_) if lenient => continue,
            None => return Err("unterminated label set, expected '}'".to_string()),
            Some(c) => {
                return Err(format!(
                    "expected ',' or '}}' after label {name}, found {c:?}"
                ));
            }
        }
    }
}

/// A float as both formats write it (the grammar of Go's and Python's float parsers without
/// hex and `_`): decimals, exponents, and `NaN`, `Inf`, `Infinity` in any case, signed.
pub fn number(text: &str) -> Option<f64> {
    if text.is_empty() || text.contains(['_', 'x', 'X', 'p', 'P']) {
        return None;
    }
    text.parse().ok()
}

/// Of the samples of one series (same name and labels), the one Prometheus would answer an
/// instant query with: the latest timestamp; at equal (or no) timestamps the first, since
/// Prometheus drops a later sample with a timestamp it already has.
pub fn latest_per_series(samples: Vec<Sample>) -> Vec<Series> {
    let mut index: std::collections::HashMap<(String, Vec<(String, String)>), usize> =
        std::collections::HashMap::new();
    let mut kept: Vec<Sample> = Vec::with_capacity(samples.len());
    for sample in samples {
        let key = (
            sample.series.metric.clone(),
            sample
                .series
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        match index.entry(key) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(kept.len());
                kept.push(sample);
            }
            std::collections::hash_map::Entry::Occupied(e) => {
                let previous = &mut kept[*e.get()];
                if sample.timestamp.unwrap_or(f64::NEG_INFINITY)
                    > previous.timestamp.unwrap_or(f64::NEG_INFINITY)
                {
                    *previous = sample;
                }
            }
        }
    }
    kept.into_iter().map(|s| s.series).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(
        text: &str,
        strictness: Strictness,
    ) -> Result<(String, Vec<(String, String)>), String> {
        let mut cursor = Cursor::new(text);
        assert!(cursor.eat('{'));
        let mut metric = String::new();
        let labels = parse_labels(&mut cursor, &mut metric, strictness)?;
        Ok((metric, labels.into_iter().collect()))
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn unknown_escapes_stand_for_themselves() {
        let mut cursor = Cursor::new(r#""b\\a\z\"q\n" rest"#);
        assert_eq!(cursor.take_quoted().unwrap(), "b\\a\\z\"q\n");
        assert_eq!(cursor.rest(), " rest");
    }

    #[test]
    fn quoted_metric_name_anywhere_in_the_braces() {
        let (metric, l) = labels(r#"{a="1","my.metric",b="2"}"#, Strictness::Strict).unwrap();
        assert_eq!(metric, "my.metric");
        assert_eq!(l, vec![pair("a", "1"), pair("b", "2")]);
        let (metric, _) = labels(r#"{a="1","last"}"#, Strictness::Strict).unwrap();
        assert_eq!(metric, "last");
        let (metric, l) = labels(r#"{"quoted.label"="v"}"#, Strictness::Strict).unwrap();
        assert_eq!((metric.as_str(), l), ("", vec![pair("quoted.label", "v")]));
        let err = labels(r#"{"a","b"}"#, Strictness::Strict).unwrap_err();
        assert!(err.contains("given twice"), "{err}");
    }

    #[test]
    fn strict_label_sets_refuse_what_lenient_ones_allow() {
        for text in [
            r#"{a="1",}"#,
            r#"{ a="1"}"#,
            r#"{a="1" ,b="2"}"#,
            r#"{a="1"b="2"}"#,
        ] {
            assert!(labels(text, Strictness::Strict).is_err(), "{text}");
            assert!(labels(text, Strictness::Lenient).is_ok(), "{text}");
        }
        for text in [
            r#"{a="1",,b="2"}"#,
            r#"{a=1}"#,
            r#"{a}"#,
            r#"{1="1"}"#,
            r#"{a:b="1"}"#,
        ] {
            assert!(labels(text, Strictness::Lenient).is_err(), "{text}");
        }
    }

    #[test]
    fn numbers_in_any_case_and_never_hex() {
        for (text, expected) in [("1.5e3", 1500.0), ("+1", 1.0), ("0001", 1.0), (".5", 0.5)] {
            assert_eq!(number(text), Some(expected), "{text}");
        }
        for text in ["NaN", "nan", "NAN"] {
            assert!(number(text).unwrap().is_nan(), "{text}");
        }
        for text in ["+Inf", "inf", "INF", "Infinity", "+infinity"] {
            assert_eq!(number(text), Some(f64::INFINITY), "{text}");
        }
        assert_eq!(number("-inf"), Some(f64::NEG_INFINITY));
        for text in ["", "0x1p-3", "0x1", "1_000", "1e", "one", " 1", "1 "] {
            assert_eq!(number(text), None, "{text:?}");
        }
    }

    fn sample(value: f64, timestamp: Option<f64>) -> Sample {
        Sample {
            series: Series::new("m", &[("a", "1")], value),
            timestamp,
            has_exemplar: false,
        }
    }

    #[test]
    fn one_series_keeps_its_latest_sample() {
        let kept = latest_per_series(vec![
            sample(1.0, Some(10.0)),
            Sample {
                series: Series::new("m", &[("a", "2")], 9.0),
                timestamp: None,
                has_exemplar: false,
            },
            sample(3.0, Some(30.0)),
            sample(2.0, Some(20.0)),
            sample(4.0, Some(30.0)),
        ]);
        let values: Vec<f64> = kept.iter().map(|s| s.value).collect();
        assert_eq!(values, vec![3.0, 9.0]);
        let untimed = latest_per_series(vec![sample(1.0, None), sample(2.0, None)]);
        assert_eq!(untimed.len(), 1);
        assert_eq!(untimed[0].value, 1.0);
    }
}
