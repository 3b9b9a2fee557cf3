//! The exposition parser against published conformance cases (origins in
//! tests/fixtures/SOURCES.md): the OpenMetrics project's parser suite, and the text-format cases
//! of Prometheus's own parser. Every valid page is read whole; every invalid page is refused by
//! the source served over HTTP, so it gives no event at all.

use std::path::{Path, PathBuf};

use andon::config::EventNames;
use andon::sources::exposition::ExpositionConfig;
use andon::sources::exposition::{self, ExpositionSource, Format};
use andon::sources::openmetrics;
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, ResponseTemplate};

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

struct Case {
    name: String,
    page: Vec<u8>,
    valid: bool,
    content_type: &'static str,
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exposition/conformance")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

/// `openmetrics/<case>/metrics` with `test.json` saying whether it should parse.
fn openmetrics_cases() -> Vec<Case> {
    sorted_entries(&conformance_dir().join("openmetrics"))
        .into_iter()
        .map(|dir| {
            let spec: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("test.json")).unwrap()).unwrap();
            assert_eq!(spec["type"], "text", "{}", dir.display());
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                page: std::fs::read(dir.join(spec["file"].as_str().unwrap())).unwrap(),
                valid: spec["shouldParse"].as_bool().unwrap(),
                content_type: OPENMETRICS,
            }
        })
        .collect()
}

/// `prometheus-textparse/{valid,invalid}/*.txt`, and the valid pages of Prometheus's testdata.
fn prometheus_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (folder, valid) in [("valid", true), ("invalid", false)] {
        let dir = conformance_dir().join("prometheus-textparse").join(folder);
        for file in sorted_entries(&dir) {
            cases.push(Case {
                name: format!(
                    "textparse/{folder}/{}",
                    file.file_name().unwrap().to_string_lossy()
                ),
                page: std::fs::read(&file).unwrap(),
                valid,
                content_type: TEXT_FORMAT,
            });
        }
    }
    for file in sorted_entries(&conformance_dir().join("prometheus-testdata")) {
        if file.ends_with("alltypes.5mfs.om.txt") {
            continue; // breaks OpenMetrics 1.0: see the test below
        }
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let content_type = if name.ends_with(".om.txt") {
            OPENMETRICS
        } else {
            TEXT_FORMAT
        };
        cases.push(Case {
            name: format!("testdata/{name}"),
            page: std::fs::read(&file).unwrap(),
            valid: true,
            content_type,
        });
    }
    cases
}

fn sample_lines(page: &str) -> usize {
    page.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count()
}

#[test]
fn the_suites_are_all_there() {
    let om = openmetrics_cases();
    assert_eq!(om.len(), 211);
    assert_eq!(om.iter().filter(|c| c.valid).count(), 44);
    let prom = prometheus_cases();
    assert_eq!(prom.iter().filter(|c| c.valid).count(), 8);
    assert_eq!(prom.iter().filter(|c| !c.valid).count(), 23);
}

/// The parser on its own: each valid OpenMetrics page gives one sample per sample line; each
/// invalid one is refused with a line number.
#[test]
fn openmetrics_suite_parses_exactly_the_valid_pages() {
    let mut wrong = Vec::new();
    for case in openmetrics_cases() {
        let Ok(page) = std::str::from_utf8(&case.page) else {
            if case.valid {
                wrong.push(format!("{}: valid but not UTF-8", case.name));
            }
            continue;
        };
        match (openmetrics::parse(page), case.valid) {
            (Ok(samples), true) if samples.len() == sample_lines(page) => {}
            (Ok(samples), true) => wrong.push(format!(
                "{}: {} samples of {} lines",
                case.name,
                samples.len(),
                sample_lines(page)
            )),
            (Err(e), true) => wrong.push(format!(
                "{}: refused: line {}: {}",
                case.name, e.line, e.reason
            )),
            (Ok(_), false) => wrong.push(format!("{}: invalid but read", case.name)),
            (Err(_), false) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn what_the_suite_pages_say_is_read_as_written() {
    let read = |case: &str| {
        let file = conformance_dir()
            .join("openmetrics")
            .join(case)
            .join("metrics");
        let text = std::fs::read_to_string(&file).unwrap();
        exposition::parse_as(&text, Format::OpenMetrics).unwrap()
    };
    let escaping = read("escaping");
    let values: Vec<&str> = escaping.iter().map(|s| s.labels["foo"].as_str()).collect();
    assert_eq!(values, ["b\"a\nr", "b\\a\\z", "b\"a\nr # ", "b\\a\\z # "]);
    let infinite = read("labels_and_infinite");
    assert_eq!(infinite[0].value, f64::INFINITY);
    assert_eq!(infinite[1].value, f64::NEG_INFINITY);
    // Five samples of two series: each series counts once, at its latest sample.
    let repeated = read("duplicate_timestamps_0");
    let values: Vec<(&str, f64)> = repeated
        .iter()
        .map(|s| (s.labels["a"].as_str(), s.value))
        .collect();
    assert_eq!(values, [("1", 3.0), ("2", 5.0)]);
}

/// Through the source, as a server would send them: valid pages are read, invalid ones are
/// refused (an error, so no event and no half page).
#[tokio::test]
async fn the_source_reads_valid_pages_and_refuses_the_others() {
    let mut cases = openmetrics_cases();
    cases.extend(prometheus_cases());
    let server = MockServer::start().await;
    let pages: Vec<(&'static str, Vec<u8>)> = cases
        .iter()
        .map(|c| (c.content_type, c.page.clone()))
        .collect();
    Mock::given(path_regex("^/case/[0-9]+$"))
        .respond_with(move |request: &wiremock::Request| {
            let index: usize = request.url.path()["/case/".len()..].parse().unwrap();
            let (content_type, page) = &pages[index];
            ResponseTemplate::new(200)
                .insert_header("content-type", *content_type)
                .set_body_bytes(page.clone())
        })
        .mount(&server)
        .await;
    let mut wrong = Vec::new();
    let client = andon::sources::http::client();
    for (index, case) in cases.iter().enumerate() {
        let source = ExpositionSource::new(
            ExpositionConfig {
                url: format!("{}/case/{index}", server.uri()),
                events: EventNames::default(),
            },
            client.clone(),
        );
        match (source.poll().await, case.valid) {
            (Ok(_), true) | (Err(_), false) => {}
            (Ok(snapshot), false) => wrong.push(format!(
                "{}: invalid but read ({} deployments)",
                case.name,
                snapshot.events.deployments.len()
            )),
            (Err(e), true) => wrong.push(format!("{}: {}", case.name, e.reason)),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Valid pages served without a content type are still read: the page's shape decides.
#[test]
fn pages_without_a_content_type_are_told_apart_by_their_shape() {
    assert_eq!(Format::of(Some(OPENMETRICS)), Format::OpenMetrics);
    assert_eq!(Format::of(Some(TEXT_FORMAT)), Format::Text);
    assert_eq!(Format::of(Some("text/html")), Format::Unknown);
    let valid = prometheus_cases()
        .into_iter()
        .chain(openmetrics_cases())
        .filter(|c| c.valid);
    for case in valid {
        let page = String::from_utf8(case.page).unwrap();
        if let Err(e) = exposition::parse(&page) {
            panic!("{}: {e}", case.name);
        }
    }
}

/// Go's client library writes `_sum` beside negative buckets; OpenMetrics 1.0 forbids it (the
/// suite's bad_counter_values_8/9, bad_histograms_3) and so do we, saying which rule.
#[test]
fn a_histogram_sum_beside_negative_buckets_is_refused_as_openmetrics_says() {
    let file = conformance_dir().join("prometheus-testdata/alltypes.5mfs.om.txt");
    let page = std::fs::read_to_string(file).unwrap();
    let err = exposition::parse_as(&page, Format::OpenMetrics).unwrap_err();
    assert!(err.reason.contains("_sum is negative"), "{err}");
}
