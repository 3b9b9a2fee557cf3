//! OpenMetrics 1.0 pages, read by the specification's rules: a page that breaks one is refused
//! whole, as Prometheus refuses to scrape it, so no event comes from a page Prometheus would not
//! have stored. The rules are those the project's conformance suite checks (metadata once and
//! before the samples, families not interleaved, type suffixes, counter values, histogram
//! buckets, exemplars, `# EOF` last); tests/exposition_conformance.rs runs that suite.

use std::collections::{BTreeMap, HashSet};

use crate::sources::metric_text::{self, Cursor, Sample, Strictness};
use crate::sources::pelorus::Series;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    pub line: usize,
    pub reason: String,
}

/// A page ending in `# EOF` is OpenMetrics (the text format has no such line).
pub fn looks_like_openmetrics(text: &str) -> bool {
    text.lines().any(|line| line == "# EOF")
}

pub fn parse(text: &str) -> Result<Vec<Sample>, PageError> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut page = Page::default();
    let mut eof = false;
    for (index, line) in body.split('\n').enumerate() {
        let number = index + 1;
        let at = |reason: String| PageError {
            line: number,
            reason,
        };
        if eof {
            return Err(at("text after # EOF".into()));
        }
        if line.is_empty() {
            return Err(at("blank line".into()));
        }
        if line == "# EOF" {
            eof = true;
        } else if line.starts_with('#') {
            page.metadata(line, number).map_err(at)?;
        } else {
            let sample = parse_sample(line).map_err(at)?;
            page.sample(sample, number).map_err(at)?;
        }
    }
    page.finish_family()?;
    if !eof {
        return Err(PageError {
            line: body.split('\n').count(),
            reason: "no # EOF at the end (truncated?)".into(),
        });
    }
    Ok(page.samples)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    StateSet,
    Info,
    Summary,
    Unknown,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            "histogram" => Kind::Histogram,
            "gaugehistogram" => Kind::GaugeHistogram,
            "stateset" => Kind::StateSet,
            "info" => Kind::Info,
            "summary" => Kind::Summary,
            "unknown" => Kind::Unknown,
            _ => return None,
        })
    }

    /// The sample names a family of this kind has, as suffixes of its name.
    fn suffixes(self) -> &'static [&'static str] {
        match self {
            Kind::Counter => &["_total", "_created"],
            Kind::Summary => &["", "_count", "_sum", "_created"],
            Kind::Histogram => &["_count", "_sum", "_bucket", "_created"],
            Kind::GaugeHistogram => &["_gcount", "_gsum", "_bucket"],
            Kind::Info => &["_info"],
            Kind::Gauge | Kind::StateSet | Kind::Unknown => &[""],
        }
    }

    fn is_histogram(self) -> bool {
        matches!(self, Kind::Histogram | Kind::GaugeHistogram)
    }
}

type LabelKey = Vec<(String, String)>;

/// A histogram sample as (suffix, labels, value, timestamp), checked when its family ends.
type HistogramSample = (String, BTreeMap<String, String>, f64, Option<f64>);

/// One metric family while it is being read.
#[derive(Default)]
struct Family {
    name: String,
    first_line: usize,
    kind: Option<Kind>,
    help: bool,
    unit: Option<String>,
    allowed: Vec<String>,
    histogram: Vec<HistogramSample>,
    has_samples: bool,
    group: Option<LabelKey>,
    group_timestamp: Option<f64>,
    seen_groups: HashSet<LabelKey>,
}

impl Family {
    fn new(name: String, first_line: usize, kind: Option<Kind>) -> Family {
        Family {
            allowed: vec![name.clone()],
            name,
            first_line,
            kind,
            ..Family::default()
        }
    }

    fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Unknown)
    }
}

#[derive(Default)]
struct Page {
    family: Option<Family>,
    seen_names: HashSet<String>,
    samples: Vec<Sample>,
}

impl Page {
    fn metadata(&mut self, line: &str, number: usize) -> Result<(), String> {
        let invalid = || format!("not a HELP, TYPE or UNIT line: {line:?}");
        let rest = line.strip_prefix("# ").ok_or_else(invalid)?;
        let (keyword, rest) = rest.split_once(' ').ok_or_else(invalid)?;
        let mut cursor = Cursor::new(rest);
        let name = if cursor.peek() == Some('"') {
            cursor.take_quoted()?
        } else {
            let name = cursor.take_token();
            let mut check = Cursor::new(name);
            if name.is_empty() || check.take_metric_name() != name {
                return Err(format!("invalid metric name {name:?} in {keyword}"));
            }
            name.to_string()
        };
        if !cursor.eat(' ') {
            return Err(invalid());
        }
        let text = cursor.rest();
        let current = self.family.as_ref().map(|f| f.name.as_str());
        if current == Some(name.as_str()) {
            if self.family.as_ref().is_some_and(|f| f.has_samples) {
                return Err(format!("{keyword} for {name} after its samples"));
            }
        } else {
            self.finish_family().map_err(|e| e.reason)?;
            self.family = Some(Family::new(name.clone(), number, None));
        }
        let family = self.family.as_mut().expect("a family was just started");
        match keyword {
            "HELP" => {
                if std::mem::replace(&mut family.help, true) {
                    return Err(format!("second HELP for {name}"));
                }
            }
            "TYPE" => {
                if family.kind.is_some() {
                    return Err(format!("second TYPE for {name}"));
                }
                let kind = Kind::parse(text)
                    .ok_or_else(|| format!("unknown metric type {text:?} for {name}"))?;
                family.kind = Some(kind);
                family.allowed = kind
                    .suffixes()
                    .iter()
                    .map(|s| format!("{name}{s}"))
                    .collect();
            }
            "UNIT" => {
                if family.unit.replace(text.to_string()).is_some() {
                    return Err(format!("second UNIT for {name}"));
                }
            }
            _ => return Err(invalid()),
        }
        Ok(())
    }

    fn sample(&mut self, sample: Sample, number: usize) -> Result<(), String> {
        let metric = sample.series.metric.as_str();
        if !self
            .family
            .as_ref()
            .is_some_and(|f| f.allowed.iter().any(|name| name == metric))
        {
            self.finish_family().map_err(|e| e.reason)?;
            self.family = Some(Family::new(metric.to_string(), number, Some(Kind::Unknown)));
        }
        let family = self.family.as_mut().expect("a family was just started");
        check_sample(family, &sample)?;
        family.has_samples = true;
        if family.kind().is_histogram() {
            let suffix = metric[family.name.len()..].to_string();
            family.histogram.push((
                suffix,
                sample.series.labels.clone(),
                sample.series.value,
                sample.timestamp,
            ));
        }
        self.samples.push(sample);
        Ok(())
    }

    fn finish_family(&mut self) -> Result<(), PageError> {
        let Some(family) = self.family.take() else {
            return Ok(());
        };
        let at = |reason: String| PageError {
            line: family.first_line,
            reason: format!("metric family {} (from this line): {reason}", family.name),
        };
        let kind = family.kind();
        let mut names: Vec<&str> = kind.suffixes().to_vec();
        if !names.contains(&"") {
            names.push("");
        }
        for suffix in names {
            let name = format!("{}{suffix}", family.name);
            if self.seen_names.contains(&name) {
                return Err(at(format!(
                    "the name {name} is taken by another family (families must not be split)"
                )));
            }
            self.seen_names.insert(name);
        }
        if let Some(unit) = family.unit.as_deref().filter(|u| !u.is_empty()) {
            if !family.name.ends_with(&format!("_{unit}")) {
                return Err(at(format!("the name does not end in its unit _{unit}")));
            }
            if matches!(kind, Kind::Info | Kind::StateSet) {
                return Err(at("info and stateset families have no unit".into()));
            }
        }
        if kind.is_histogram() {
            check_histogram(&family.histogram).map_err(at)?;
        }
        Ok(())
    }
}

fn is_integer(value: f64) -> bool {
    value.is_finite() && value.fract() == 0.0
}

/// The rules one sample must follow within its family.
fn check_sample(family: &mut Family, sample: &Sample) -> Result<(), String> {
    let name = family.name.as_str();
    let kind = family.kind();
    let series = &sample.series;
    let metric = series.metric.as_str();
    let suffix = &metric[name.len()..];
    let value = series.value;
    if kind == Kind::StateSet && !series.labels.contains_key(name) {
        return Err(format!("stateset sample without its label {name}"));
    }
    if suffix == "_bucket" && kind.is_histogram() {
        let le = series.labels.get("le").map(String::as_str);
        let bound = le.filter(|&le| le != "NaN").and_then(metric_text::number);
        match (le, bound) {
            (Some(le), Some(bound)) if bound != f64::INFINITY || le == "+Inf" => {}
            _ => return Err(format!("bucket with a missing or invalid le label: {le:?}")),
        }
        if !is_integer(value) {
            return Err(format!("bucket value {value} is not a whole number"));
        }
    }
    if (suffix == "_count" || suffix == "_gcount") && !is_integer(value) {
        return Err(format!("count value {value} is not a whole number"));
    }
    if kind == Kind::Summary && suffix.is_empty() {
        let quantile = series
            .labels
            .get("quantile")
            .and_then(|q| metric_text::number(q));
        if !quantile.is_some_and(|q| (0.0..=1.0).contains(&q)) {
            return Err("summary quantile missing or not between 0 and 1".into());
        }
        if value < 0.0 {
            return Err(format!("quantile value {value} is negative"));
        }
    }
    check_grouping(family, sample)?;
    if kind == Kind::StateSet && value != 0.0 && value != 1.0 {
        return Err(format!("stateset value {value} is neither 0 nor 1"));
    }
    if kind == Kind::Info && value != 1.0 {
        return Err(format!("info value {value} is not 1"));
    }
    let counter_like = ["_total", "_sum", "_count", "_bucket", "_gcount", "_gsum"];
    if counter_like.contains(&suffix) && value.is_nan() {
        return Err(format!("{metric} is NaN"));
    }
    if counter_like.contains(&suffix) && suffix != "_gsum" && value < 0.0 {
        return Err(format!("{metric} is negative"));
    }
    let exemplar_allowed = (kind.is_histogram() && metric.ends_with("_bucket"))
        || (kind == Kind::Counter && metric.ends_with("_total"));
    if sample.has_exemplar && !exemplar_allowed {
        return Err("only counter totals and histogram buckets carry exemplars".into());
    }
    Ok(())
}

/// A family's samples come in groups (one label set, minus `le`, `quantile` or the stateset
/// label); a group must not come back once left, and its timestamps must not go backwards.
fn check_grouping(family: &mut Family, sample: &Sample) -> Result<(), String> {
    let name = family.name.as_str();
    let kind = family.kind();
    let metric = sample.series.metric.as_str();
    let group: LabelKey = match kind {
        Kind::Info => Vec::new(),
        _ => {
            let left_out = match kind {
                Kind::Summary if metric == name => Some("quantile"),
                Kind::StateSet => Some(name),
                Kind::Histogram | Kind::GaugeHistogram if metric.ends_with("_bucket") => Some("le"),
                _ => None,
            };
            sample
                .series
                .labels
                .iter()
                .filter(|(k, _)| Some(k.as_str()) != left_out)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }
    };
    if family.group.as_ref() == Some(&group) {
        if sample.timestamp.is_some() != family.group_timestamp.is_some() {
            return Err("timestamps present on some samples of a group and not others".into());
        }
        if let (Some(before), Some(now)) = (family.group_timestamp, sample.timestamp)
            && before > now
            && kind != Kind::Info
        {
            return Err(format!("timestamp {now} is before {before}"));
        }
    } else if family.group.is_some() && family.seen_groups.contains(&group) {
        return Err("samples of one series group are not together".into());
    }
    family.group_timestamp = sample.timestamp;
    family.seen_groups.insert(group.clone());
    family.group = Some(group);
    Ok(())
}

/// Per group (and timestamp): buckets rising in bound and count, ending at `+Inf`; `_count`
/// equal to the `+Inf` bucket and given with `_sum`/`_gsum`; no `_sum` with negative buckets.
fn check_histogram(samples: &[HistogramSample]) -> Result<(), String> {
    #[derive(Default)]
    struct Group {
        count: Option<f64>,
        bucket: Option<f64>,
        value: f64,
        negative_buckets: bool,
        sum: bool,
        gsum: bool,
        negative_gsum: bool,
    }
    fn check(g: &Group) -> Result<(), String> {
        if g.bucket != Some(f64::INFINITY) {
            return Err("no +Inf bucket".into());
        }
        if g.count.is_some_and(|count| count != g.value) {
            return Err("_count differs from the +Inf bucket".into());
        }
        if (g.sum || g.gsum) != g.count.is_some() {
            return Err("_count and _sum come together or not at all".into());
        }
        if g.negative_buckets && g.sum {
            return Err("_sum with negative buckets".into());
        }
        if !g.negative_buckets && g.negative_gsum {
            return Err("negative _gsum without negative buckets".into());
        }
        Ok(())
    }
    let mut current: Option<(BTreeMap<String, String>, Option<f64>, Group)> = None;
    for (suffix, labels, value, timestamp) in samples {
        if suffix.is_empty() {
            continue;
        }
        let mut group_labels = labels.clone();
        if suffix == "_bucket" {
            group_labels.remove("le");
        }
        let same = current
            .as_ref()
            .is_some_and(|(l, t, _)| *l == group_labels && t == timestamp);
        if !same {
            if let Some((_, _, g)) = &current {
                check(g)?;
            }
            current = Some((group_labels, *timestamp, Group::default()));
        }
        let (_, _, g) = current.as_mut().expect("a group was just started");
        match suffix.as_str() {
            "_bucket" => {
                let bound = labels
                    .get("le")
                    .and_then(|le| metric_text::number(le))
                    .unwrap_or(f64::NAN);
                if bound < 0.0 {
                    g.negative_buckets = true;
                }
                if g.bucket.is_some_and(|previous| bound <= previous) {
                    return Err("buckets out of order".into());
                }
                if *value < g.value {
                    return Err("bucket counts go down".into());
                }
                g.bucket = Some(bound);
                g.value = *value;
            }
            "_count" | "_gcount" => g.count = Some(*value),
            "_sum" => g.sum = true,
            "_gsum" => {
                g.gsum = true;
                g.negative_gsum |= *value < 0.0;
            }
            _ => {}
        }
    }
    match &current {
        Some((_, _, g)) => check(g),
        None => Ok(()),
    }
}

/// `name{labels} value [timestamp] [# {labels} value [timestamp]]`, single spaces, nothing
/// else on the line.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let mut cursor = Cursor::new(line);
    let mut metric = cursor.take_metric_name().to_string();
    let labels = if cursor.eat('{') {
        metric_text::parse_labels(&mut cursor, &mut metric, Strictness::Strict)?
    } else {
        BTreeMap::new()
    };
    if metric.is_empty() {
        return Err(format!("expected a metric name, found {:?}", cursor.rest()));
    }
    if !cursor.eat(' ') {
        return Err(format!(
            "expected one space and the value after {metric}, found {:?}",
            cursor.rest()
        ));
    }
    let value = take_number(&mut cursor, "value")?;
    let mut timestamp = None;
    let mut has_exemplar = false;
    if cursor.eat(' ') {
        if cursor.peek() != Some('#') {
            timestamp = Some(take_timestamp(&mut cursor)?);
        }
        if !cursor.rest().is_empty() {
            if timestamp.is_some() && !cursor.eat(' ') {
                return Err(format!("unexpected {:?}", cursor.rest()));
            }
            parse_exemplar(&mut cursor)?;
            has_exemplar = true;
        }
    }
    if !cursor.rest().is_empty() {
        return Err(format!("unexpected {:?} after the value", cursor.rest()));
    }
    Ok(Sample {
        series: Series {
            metric,
            labels,
            value,
        },
        timestamp,
        has_exemplar,
    })
}

fn take_number(cursor: &mut Cursor, what: &str) -> Result<f64, String> {
    match cursor.take_token() {
        "" => Err(format!("missing {what}")),
        text => metric_text::number(text).ok_or_else(|| format!("{what} {text:?} is not a number")),
    }
}

fn take_timestamp(cursor: &mut Cursor) -> Result<f64, String> {
    let timestamp = take_number(cursor, "timestamp")?;
    if timestamp.is_finite() {
        Ok(timestamp)
    } else {
        Err(format!("timestamp {timestamp} is not a time"))
    }
}

/// Exemplar label names and values together are at most this many characters.
const EXEMPLAR_LABEL_CHARS: usize = 128;

/// `# {labels} value [timestamp]`; the cursor is on the `#`.
fn parse_exemplar(cursor: &mut Cursor) -> Result<(), String> {
    if !(cursor.eat('#') && cursor.eat(' ') && cursor.eat('{')) {
        return Err(format!(
            "expected an exemplar '# {{...}}', found {:?}",
            cursor.rest()
        ));
    }
    let mut name = String::new();
    let labels = metric_text::parse_labels(cursor, &mut name, Strictness::Strict)?;
    if !name.is_empty() {
        return Err("an exemplar has no metric name".into());
    }
    let length: usize = labels
        .iter()
        .map(|(k, v)| k.chars().count() + v.chars().count())
        .sum();
    if length > EXEMPLAR_LABEL_CHARS {
        return Err(format!(
            "exemplar labels are {length} characters, more than {EXEMPLAR_LABEL_CHARS}"
        ));
    }
    if !cursor.eat(' ') {
        return Err("expected one space and the exemplar's value".into());
    }
    take_number(cursor, "exemplar value")?;
    if cursor.eat(' ') {
        take_timestamp(cursor)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(page: &str) -> String {
        let e = parse(page).expect_err(page);
        format!("line {}: {}", e.line, e.reason)
    }

    #[test]
    fn a_page_with_families_metadata_and_exemplars_reads() {
        let page = "# TYPE deploy_timestamp gauge\n# HELP deploy_timestamp When.\n\
                    deploy_timestamp{app=\"a\"} 1.7e9 1700000000.5\n\
                    # TYPE runs counter\nruns_total 3 # {trace_id=\"x\"} 1.0\nruns_created 1.6e9\n# EOF";
        let samples = parse(page).unwrap();
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[0].timestamp, Some(1_700_000_000.5));
        assert!(samples[1].has_exemplar);
    }

    #[test]
    fn refusals_name_the_line_and_the_rule() {
        for (page, expected) in [
            ("a 1\n# EOF\nb 2\n", "line 3: text after # EOF"),
            ("a 1\n\n# EOF\n", "line 2: blank line"),
            ("a 1\n", "no # EOF"),
            ("a 1\nb 1\na 2\n# EOF\n", "taken by another family"),
            (
                "# TYPE a gauge\na 0 2\na 0 1\n# EOF\n",
                "line 3: timestamp 1 is before 2",
            ),
            (
                "# TYPE a counter\na_total -1\n# EOF\n",
                "line 2: a_total is negative",
            ),
            ("a 1 # {x=\"y\"} 1\n# EOF\n", "only counter totals"),
            (
                "# TYPE a histogram\na_bucket{le=\"1\"} 0\n# EOF\n",
                "no +Inf bucket",
            ),
        ] {
            let got = reason(page);
            assert!(got.contains(expected), "{page:?}: {got}");
        }
    }
}
