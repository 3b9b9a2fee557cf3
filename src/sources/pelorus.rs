//! Pelorus-compatible DORA event gauges -> domain events. Pure: shared by the Prometheus
//! source (series from PromQL) and the exposition source (samples from a /metrics page).
//!
//! Each gauge's value is the event's Unix time in seconds:
//! `deploy_timestamp{app,image_sha[,commit]}`, `commit_timestamp{app,commit,image_sha}`,
//! `failure_creation_timestamp{app,issue_number}`, `failure_resolution_timestamp{app,issue_number}`.

use std::collections::{BTreeMap, btree_map::Entry};

use chrono::DateTime;

use crate::config::EventNames;
use crate::model::{Change, Deployment, DoraEvents, Incident, Timestamp, UNATTRIBUTED_APP};

/// One sample of one series, whatever it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Series {
    pub fn new(metric: impl Into<String>, labels: &[(&str, &str)], value: f64) -> Series {
        Series {
            metric: metric.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    /// A label's value; an empty value counts as absent, as in Prometheus.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The events read, and how many event series were unusable (bad value, missing label,
/// resolution without creation). Series of other metrics are ignored, not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversion {
    pub events: DoraEvents,
    pub skipped: usize,
}

/// Logs a source's count of skipped event series when it changes, not at every poll: the
/// same bad series would otherwise fill the log every interval for as long as it is exposed.
#[derive(Debug, Default)]
pub struct SkippedLog {
    last: std::sync::atomic::AtomicUsize,
}

impl SkippedLog {
    /// Whether `skipped` differs from the count last seen (and remembers it).
    pub fn changed(&self, skipped: usize) -> bool {
        self.last
            .swap(skipped, std::sync::atomic::Ordering::Relaxed)
            != skipped
    }
}

/// Event times before this are not DORA events: 2000-01-01.
const EARLIEST_PLAUSIBLE: f64 = 946_684_800.0;
/// Nor after this: 2100-01-01. Also rejects millisecond timestamps, a common exporter mistake.
const LATEST_PLAUSIBLE: f64 = 4_102_444_800.0;

/// Reads a gauge value as an event time; NaN, infinities, negatives and absurd values are None.
pub fn event_time(value: f64) -> Option<Timestamp> {
    if !value.is_finite() || !(EARLIEST_PLAUSIBLE..LATEST_PLAUSIBLE).contains(&value) {
        return None;
    }
    // In range, so the cast cannot overflow; milliseconds keep fractional exporters exact enough.
    DateTime::from_timestamp_millis((value * 1000.0).round() as i64)
}

pub fn to_events(series: &[Series], names: &EventNames) -> Conversion {
    let mut conversion = Conversion::default();
    let mut creations = Vec::new();
    let mut resolutions = Vec::new();
    for s in series {
        let read = if s.metric == names.deploy {
            deployment(s, names).map(|d| conversion.events.deployments.push(d))
        } else if s.metric == names.commit {
            change(s, names).map(|c| conversion.events.changes.push(c))
        } else if s.metric == names.failure_created {
            incident_mark(s, names).map(|m| creations.push(m))
        } else if s.metric == names.failure_resolved {
            incident_mark(s, names).map(|m| resolutions.push(m))
        } else {
            continue;
        };
        if read.is_none() {
            conversion.skipped += 1;
        }
    }
    let (incidents, orphans) = join_incidents(creations, resolutions);
    conversion.events.incidents = incidents;
    conversion.skipped += orphans;
    dedup_and_sort(&mut conversion.events);
    conversion
}

fn app_of(series: &Series, names: &EventNames) -> String {
    series
        .label(&names.app_label)
        .unwrap_or(UNATTRIBUTED_APP)
        .to_string()
}

fn deployment(series: &Series, names: &EventNames) -> Option<Deployment> {
    Some(Deployment {
        finished_at: event_time(series.value)?,
        app: app_of(series, names),
        image_sha: series.label(&names.image_label).map(str::to_string),
        commit: series.label(&names.commit_label).map(str::to_string),
        marked: None,
    })
}

fn change(series: &Series, names: &EventNames) -> Option<Change> {
    Some(Change {
        committed_at: event_time(series.value)?,
        commit: series.label(&names.commit_label)?.to_string(),
        app: app_of(series, names),
        image_sha: series.label(&names.image_label).map(str::to_string),
    })
}

/// (app, issue) and the time of a creation or resolution.
type IncidentMark = ((String, String), Timestamp);

fn incident_mark(series: &Series, names: &EventNames) -> Option<IncidentMark> {
    let at = event_time(series.value)?;
    let issue = series.label(&names.issue_label)?.to_string();
    Some(((app_of(series, names), issue), at))
}

/// Joins creations and resolutions on (app, issue). When series disagree (other labels such as
/// namespace differ), the earliest creation and the latest resolution win: a reopened issue
/// keeps its first report and is restored when it is last closed. Returns the incidents and the
/// number of resolutions that could not be used (no creation, or before the creation).
fn join_incidents(
    creations: Vec<IncidentMark>,
    resolutions: Vec<IncidentMark>,
) -> (Vec<Incident>, usize) {
    let mut opened: BTreeMap<(String, String), Timestamp> = BTreeMap::new();
    for (key, at) in creations {
        match opened.entry(key) {
            Entry::Vacant(e) => {
                e.insert(at);
            }
            Entry::Occupied(mut e) => {
                if at < *e.get() {
                    e.insert(at);
                }
            }
        }
    }
    let mut resolved: BTreeMap<(String, String), Timestamp> = BTreeMap::new();
    let mut orphans = 0;
    for (key, at) in resolutions {
        match opened.get(&key) {
            Some(open) if at >= *open => {
                let latest = resolved.entry(key).or_insert(at);
                *latest = (*latest).max(at);
            }
            _ => orphans += 1,
        }
    }
    let incidents = opened
        .into_iter()
        .map(|(key, opened_at)| Incident {
            resolved_at: resolved.get(&key).copied(),
            app: key.0,
            id: key.1,
            opened_at,
        })
        .collect();
    (incidents, orphans)
}

/// The same event seen through several series (differing only in labels we do not read) counts once.
fn dedup_and_sort(events: &mut DoraEvents) {
    events.deployments.sort_by(|a, b| {
        (a.finished_at, &a.app, &a.image_sha, &a.commit).cmp(&(
            b.finished_at,
            &b.app,
            &b.image_sha,
            &b.commit,
        ))
    });
    events.deployments.dedup();
    events.changes.sort_by(|a, b| {
        (a.committed_at, &a.app, &a.commit, &a.image_sha).cmp(&(
            b.committed_at,
            &b.app,
            &b.commit,
            &b.image_sha,
        ))
    });
    events.changes.dedup();
    events
        .incidents
        .sort_by(|a, b| (a.opened_at, &a.app, &a.id).cmp(&(b.opened_at, &b.app, &b.id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: f64 = 1_700_000_000.0;

    fn at(seconds: f64) -> Timestamp {
        event_time(seconds).unwrap()
    }

    fn convert(series: &[Series]) -> Conversion {
        to_events(series, &EventNames::default())
    }

    #[test]
    fn deploy_gauge_becomes_a_deployment() {
        let c = convert(&[Series::new(
            "deploy_timestamp",
            &[
                ("app", "api"),
                ("image_sha", "sha256:abc"),
                ("commit", "c1"),
            ],
            T,
        )]);
        assert_eq!(
            c.events.deployments,
            vec![Deployment {
                app: "api".into(),
                image_sha: Some("sha256:abc".into()),
                commit: Some("c1".into()),
                finished_at: at(T),
                marked: None,
            }]
        );
        assert_eq!(c.skipped, 0);
    }

    #[test]
    fn commit_gauge_becomes_a_change_and_needs_a_commit_label() {
        let c = convert(&[
            Series::new(
                "commit_timestamp",
                &[("app", "api"), ("commit", "c1"), ("image_sha", "s1")],
                T,
            ),
            Series::new(
                "commit_timestamp",
                &[("app", "api"), ("image_sha", "s1")],
                T,
            ),
        ]);
        assert_eq!(
            c.events.changes,
            vec![Change {
                app: "api".into(),
                commit: "c1".into(),
                image_sha: Some("s1".into()),
                committed_at: at(T),
            }]
        );
        assert_eq!(c.skipped, 1);
    }

    #[test]
    fn missing_or_empty_app_is_unattributed() {
        let c = convert(&[
            Series::new("deploy_timestamp", &[("image_sha", "s1")], T),
            Series::new("deploy_timestamp", &[("app", ""), ("image_sha", "s2")], T),
        ]);
        assert!(
            c.events
                .deployments
                .iter()
                .all(|d| d.app == UNATTRIBUTED_APP)
        );
        assert_eq!(c.events.deployments.len(), 2);
    }

    #[test]
    fn unusable_values_are_skipped_and_counted() {
        let bad = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -T,
            0.0,
            T * 1000.0, // milliseconds
        ];
        let series: Vec<Series> = bad
            .iter()
            .map(|v| Series::new("deploy_timestamp", &[("app", "api")], *v))
            .collect();
        let c = convert(&series);
        assert!(c.events.deployments.is_empty());
        assert_eq!(c.skipped, bad.len());
    }

    #[test]
    fn other_metrics_are_ignored_not_skipped() {
        let c = convert(&[Series::new("up", &[("job", "x")], 1.0)]);
        assert_eq!(c, Conversion::default());
    }

    #[test]
    fn identical_events_count_once() {
        let c = convert(&[
            Series::new(
                "deploy_timestamp",
                &[("app", "api"), ("image_sha", "s1"), ("namespace", "a")],
                T,
            ),
            Series::new(
                "deploy_timestamp",
                &[("app", "api"), ("image_sha", "s1"), ("namespace", "b")],
                T,
            ),
            Series::new(
                "commit_timestamp",
                &[("app", "api"), ("commit", "c"), ("namespace", "a")],
                T,
            ),
            Series::new(
                "commit_timestamp",
                &[("app", "api"), ("commit", "c"), ("namespace", "b")],
                T,
            ),
        ]);
        assert_eq!(c.events.deployments.len(), 1);
        assert_eq!(c.events.changes.len(), 1);
    }

    #[test]
    fn incidents_join_creation_and_resolution_on_app_and_issue() {
        let c = convert(&[
            Series::new(
                "failure_resolution_timestamp",
                &[("app", "api"), ("issue_number", "7")],
                T + 600.0,
            ),
            Series::new(
                "failure_creation_timestamp",
                &[("app", "api"), ("issue_number", "7")],
                T,
            ),
            // same issue number, other app: a different incident, still open
            Series::new(
                "failure_creation_timestamp",
                &[("app", "web"), ("issue_number", "7")],
                T + 60.0,
            ),
        ]);
        assert_eq!(
            c.events.incidents,
            vec![
                Incident {
                    app: "api".into(),
                    id: "7".into(),
                    opened_at: at(T),
                    resolved_at: Some(at(T + 600.0)),
                },
                Incident {
                    app: "web".into(),
                    id: "7".into(),
                    opened_at: at(T + 60.0),
                    resolved_at: None,
                },
            ]
        );
        assert_eq!(c.skipped, 0);
    }

    #[test]
    fn unusable_resolutions_are_skipped() {
        let c = convert(&[
            // no creation
            Series::new(
                "failure_resolution_timestamp",
                &[("app", "api"), ("issue_number", "1")],
                T,
            ),
            // resolved before it was opened
            Series::new(
                "failure_creation_timestamp",
                &[("app", "api"), ("issue_number", "2")],
                T,
            ),
            Series::new(
                "failure_resolution_timestamp",
                &[("app", "api"), ("issue_number", "2")],
                T - 1.0,
            ),
            // no issue label
            Series::new("failure_creation_timestamp", &[("app", "api")], T),
        ]);
        assert_eq!(c.events.incidents.len(), 1);
        assert_eq!(c.events.incidents[0].resolved_at, None);
        assert_eq!(c.skipped, 3);
    }

    #[test]
    fn disagreeing_series_keep_first_creation_and_last_resolution() {
        let issue = [("app", "api"), ("issue_number", "9")];
        let c = convert(&[
            Series::new("failure_creation_timestamp", &issue, T + 100.0),
            Series::new("failure_creation_timestamp", &issue, T),
            Series::new("failure_resolution_timestamp", &issue, T + 200.0),
            Series::new("failure_resolution_timestamp", &issue, T + 900.0),
        ]);
        assert_eq!(c.events.incidents.len(), 1);
        assert_eq!(c.events.incidents[0].opened_at, at(T));
        assert_eq!(c.events.incidents[0].resolved_at, Some(at(T + 900.0)));
    }

    #[test]
    fn configured_names_are_used() {
        let names = EventNames {
            deploy: "my_deploys".into(),
            app_label: "service".into(),
            ..EventNames::default()
        };
        let c = to_events(
            &[
                Series::new("my_deploys", &[("service", "api")], T),
                Series::new("deploy_timestamp", &[("app", "web")], T),
            ],
            &names,
        );
        assert_eq!(c.events.deployments.len(), 1);
        assert_eq!(c.events.deployments[0].app, "api");
    }

    #[test]
    fn fractional_seconds_keep_millisecond_precision() {
        assert_eq!(at(T + 0.25).timestamp_subsec_millis(), 250);
    }

    #[test]
    fn skipped_counts_are_logged_when_they_change_only() {
        let log = SkippedLog::default();
        assert!(!log.changed(0), "nothing skipped, nothing to say");
        assert!(log.changed(3));
        assert!(!log.changed(3));
        assert!(log.changed(0), "the bad series went away: say so once");
        assert!(!log.changed(0));
    }
}
