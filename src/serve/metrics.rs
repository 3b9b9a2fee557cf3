//! `GET /metrics`: the view model in the Prometheus text format 0.0.4. Pure: the view and the
//! collector's own health in, text out.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::dora::Keys;
use crate::state::Freshness;
use crate::view::{PipelineStatus, ViewModel};

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the poll duration histogram, in seconds.
pub const POLL_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// One source's polls since the collector started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollStats {
    /// Polls no longer than each of `POLL_BUCKETS` (not cumulative; summed when rendered).
    buckets: [u64; POLL_BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
    ok: u64,
    failed: u64,
}

/// What the collector knows of its own work.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// Keyed by source name.
    pub polls: BTreeMap<String, PollStats>,
    /// Responses by (source, HTTP status code).
    pub responses: BTreeMap<(String, u16), u64>,
    /// Whether the history database takes writes.
    pub history_up: bool,
}

impl Health {
    pub fn observe_poll(&mut self, source: &str, took: Duration, ok: bool) {
        let stats = self.polls.entry(source.to_string()).or_default();
        let seconds = took.as_secs_f64();
        if let Some(bucket) = POLL_BUCKETS.iter().position(|le| seconds <= *le) {
            stats.buckets[bucket] += 1;
        }
        stats.count += 1;
        stats.sum_seconds += seconds;
        if ok {
            stats.ok += 1;
        } else {
            stats.failed += 1;
        }
    }
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

/// Writes one metric family: HELP and TYPE, then its samples (none is allowed: the family is
/// left out entirely, so a figure without data has no series).
struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    started: bool,
}

impl<'a> Family<'a> {
    fn new(
        out: &'a mut String,
        name: &'static str,
        kind: &'static str,
        help: &'static str,
    ) -> Self {
        Family {
            out,
            name,
            help,
            kind,
            started: false,
        }
    }

    fn sample_named(&mut self, suffix: &str, pairs: &[(&str, &str)], value: f64) {
        if !self.started {
            let _ = writeln!(self.out, "# HELP {} {}", self.name, self.help);
            let _ = writeln!(self.out, "# TYPE {} {}", self.name, self.kind);
            self.started = true;
        }
        let _ = writeln!(
            self.out,
            "{}{suffix}{} {}",
            self.name,
            labels(pairs),
            number(value)
        );
    }

    fn sample(&mut self, pairs: &[(&str, &str)], value: f64) {
        self.sample_named("", pairs, value);
    }
}

fn flag(on: bool) -> f64 {
    if on { 1.0 } else { 0.0 }
}

const STATUSES: [PipelineStatus; 4] = [
    PipelineStatus::Passing,
    PipelineStatus::Failing,
    PipelineStatus::Unknown,
    PipelineStatus::Stale,
];

pub fn render(view: &ViewModel, health: &Health) -> String {
    let mut out = String::new();
    pipelines(&mut out, view);
    line(&mut out, view);
    sources(&mut out, view);
    dora(&mut out, view);
    own_health(&mut out, health);
    out
}

fn pipelines(out: &mut String, view: &ViewModel) {
    let mut f = Family::new(
        out,
        "andon_pipeline_status",
        "gauge",
        "Status of each pipeline: 1 for the status it is in, 0 for the others.",
    );
    for p in &view.pipelines {
        for status in STATUSES {
            let pairs = [
                ("source", &*p.source),
                ("pipeline", p.pipeline.name.as_str()),
                ("status", status.word()),
            ];
            f.sample(&pairs, flag(p.status == status));
        }
    }
    let mut f = Family::new(
        out,
        "andon_pipeline_building",
        "gauge",
        "1 while a run of the pipeline is in progress.",
    );
    for p in &view.pipelines {
        let pairs = [
            ("source", &*p.source),
            ("pipeline", p.pipeline.name.as_str()),
        ];
        f.sample(&pairs, flag(p.pipeline.building));
    }
    let mut f = Family::new(
        out,
        "andon_pipeline_failing_since_timestamp_seconds",
        "gauge",
        "Since when a failing pipeline has been failing (Unix seconds); no series otherwise.",
    );
    for p in &view.pipelines {
        if p.status != PipelineStatus::Failing {
            continue;
        }
        if let Some(since) = p.failing_since.or(p.pipeline.last_build_at) {
            let pairs = [
                ("source", &*p.source),
                ("pipeline", p.pipeline.name.as_str()),
            ];
            f.sample(&pairs, since.timestamp() as f64);
        }
    }
}

fn line(out: &mut String, view: &ViewModel) {
    let mut f = Family::new(
        out,
        "andon_line_state",
        "gauge",
        "The Andon signal: 1 for the state it is in (green, red or unknown), 0 for the others.",
    );
    for state in ["green", "red", "unknown"] {
        f.sample(&[("state", state)], flag(view.andon.state.word() == state));
    }
}

fn sources(out: &mut String, view: &ViewModel) {
    let mut f = Family::new(
        out,
        "andon_source_up",
        "gauge",
        "1 while the source's last poll succeeded and is fresh, 0 when pending, in error or stale.",
    );
    for s in &view.sources {
        let pairs = [("source", s.name.as_str()), ("kind", s.kind)];
        f.sample(&pairs, flag(s.state == Freshness::Ok));
    }
    let mut f = Family::new(
        out,
        "andon_source_failure",
        "gauge",
        "1 for the kind of failure a source's last poll met (timeout, network, tls, http_status, auth, rate_limited, malformed, internal); no series while it is not in error.",
    );
    for s in &view.sources {
        if let Some(cause) = s.error_cause.filter(|_| s.state == Freshness::Error) {
            f.sample(&[("source", s.name.as_str()), ("cause", cause.word())], 1.0);
        }
    }
    let mut f = Family::new(
        out,
        "andon_source_last_success_timestamp_seconds",
        "gauge",
        "When the source was last polled successfully (Unix seconds).",
    );
    for s in &view.sources {
        if let Some(at) = s.last_success {
            f.sample(&[("source", s.name.as_str())], at.timestamp() as f64);
        }
    }
}

/// The five keys and time to restore over the window, overall (no `service` label) and per service.
fn dora(out: &mut String, view: &ViewModel) {
    let overall = Keys {
        deployment_frequency: view.dora.deployment_frequency.clone(),
        lead_time: view.dora.lead_time.clone(),
        change_failure_rate: view.dora.change_failure_rate.clone(),
        time_to_restore: view.dora.time_to_restore.clone(),
        deployment_rework_rate: view.dora.deployment_rework_rate.clone(),
        failed_deployment_recovery_time: view.dora.failed_deployment_recovery_time.clone(),
    };
    let scopes: Vec<(Option<&str>, &Keys)> = std::iter::once((None, &overall))
        .chain(
            view.dora
                .by_service
                .iter()
                .map(|s| (Some(s.app.as_str()), &s.keys)),
        )
        .collect();
    let key = |service: Option<&str>| -> Vec<(&'static str, String)> {
        service.map_or(Vec::new(), |s| vec![("service", s.to_string())])
    };
    type Figure = fn(&Keys) -> Option<f64>;
    let families: [(&'static str, &'static str, Figure); 6] = [
        (
            "andon_dora_deployments",
            "Successful production deployments in the DORA window.",
            |k| {
                k.deployment_frequency
                    .missing
                    .is_none()
                    .then_some(k.deployment_frequency.deployments as f64)
            },
        ),
        (
            "andon_dora_lead_time_median_seconds",
            "Median lead time for changes delivered in the DORA window.",
            |k| k.lead_time.median_seconds,
        ),
        (
            "andon_dora_change_failure_ratio",
            "Deployments in the DORA window with an attributed incident, over all deployments.",
            |k| k.change_failure_rate.ratio,
        ),
        (
            "andon_dora_time_to_restore_median_seconds",
            "Median time to restore of incidents resolved in the DORA window.",
            |k| k.time_to_restore.median_seconds,
        ),
        (
            "andon_dora_deployment_rework_ratio",
            "Deployments in the DORA window that were unplanned rework, over all deployments.",
            |k| k.deployment_rework_rate.ratio,
        ),
        (
            "andon_dora_failed_deployment_recovery_median_seconds",
            "Median time from a failed deployment to its last incident's resolution, in the DORA window.",
            |k| k.failed_deployment_recovery_time.median_seconds,
        ),
    ];
    for (name, help, figure) in families {
        let mut f = Family::new(out, name, "gauge", help);
        for (service, keys) in &scopes {
            if let Some(value) = figure(keys).filter(|v| v.is_finite()) {
                let pairs = key(*service);
                let pairs: Vec<(&str, &str)> =
                    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                f.sample(&pairs, value);
            }
        }
    }
}

fn own_health(out: &mut String, health: &Health) {
    let mut f = Family::new(
        out,
        "andon_poll_duration_seconds",
        "histogram",
        "How long each poll of a source took, from its start to its result.",
    );
    for (source, stats) in &health.polls {
        let mut cumulative = 0;
        for (le, n) in POLL_BUCKETS.iter().zip(stats.buckets) {
            cumulative += n;
            let le = number(*le);
            f.sample_named(
                "_bucket",
                &[("source", source), ("le", &le)],
                cumulative as f64,
            );
        }
        f.sample_named(
            "_bucket",
            &[("source", source), ("le", "+Inf")],
            stats.count as f64,
        );
        f.sample_named("_sum", &[("source", source)], stats.sum_seconds);
        f.sample_named("_count", &[("source", source)], stats.count as f64);
    }
    let mut f = Family::new(
        out,
        "andon_polls_total",
        "counter",
        "Polls of each source by result (ok or error).",
    );
    for (source, stats) in &health.polls {
        f.sample(&[("source", source), ("result", "ok")], stats.ok as f64);
        f.sample(
            &[("source", source), ("result", "error")],
            stats.failed as f64,
        );
    }
    let mut f = Family::new(
        out,
        "andon_http_requests_total",
        "counter",
        "HTTP responses each source received, by status code.",
    );
    for ((source, code), n) in &health.responses {
        let code = code.to_string();
        f.sample(&[("source", source), ("code", &code)], *n as f64);
    }
    let mut f = Family::new(
        out,
        "andon_history_up",
        "gauge",
        "1 while the history database takes writes, 0 when it is unavailable.",
    );
    f.sample(&[], flag(health.history_up));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BuildStatus, Deployment, DoraEvents, Pipeline, Snapshot};
    use crate::state::State;
    use chrono::{TimeZone, Utc};

    fn view_of(snapshot: Snapshot) -> ViewModel {
        let config = crate::setup::parse(
            "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://h/cc.xml\"\n",
            "t.toml",
        )
        .unwrap();
        let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut state = State::new(&config);
        state.record(0, now, Ok(snapshot));
        crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        )
    }

    #[test]
    fn a_source_in_error_has_a_series_naming_its_cause_and_a_healthy_one_none() {
        let healthy = render(&view_of(Snapshot::default()), &Health::default());
        assert!(!healthy.contains("andon_source_failure"), "{healthy}");
        let config = crate::setup::parse(
            "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://h/cc.xml\"\n",
            "t.toml",
        )
        .unwrap();
        let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut state = State::new(&config);
        let until = now + chrono::Duration::seconds(60);
        state.record(
            0,
            now,
            Err(crate::sources::SourceError::of(
                crate::sources::Cause::RateLimited { until },
                "slow down",
            )),
        );
        let view = crate::view::build(
            &config,
            &state,
            crate::view::dora_report(&config, &state, now),
            now,
        );
        let text = render(&view, &Health::default());
        assert!(
            text.contains("andon_source_failure{source=\"ci\",cause=\"rate_limited\"} 1\n"),
            "{text}"
        );
    }

    #[test]
    fn label_values_are_escaped_and_control_bytes_dropped() {
        let view = view_of(Snapshot {
            pipelines: vec![Pipeline::new("we\"ird\\name\n\u{7}x", BuildStatus::Failing)],
            ..Snapshot::default()
        });
        let text = render(&view, &Health::default());
        assert!(
            text.contains(
                r#"andon_pipeline_status{source="ci",pipeline="we\"ird\\name\nx",status="failing"} 1"#
            ),
            "{text}"
        );
    }

    #[test]
    fn a_dora_figure_without_data_has_no_series_and_one_with_data_has_both_scopes() {
        let now = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let deployments = (1..=3)
            .map(|day| Deployment {
                app: "api".into(),
                image_sha: None,
                commit: None,
                finished_at: now - chrono::Duration::days(day),
                marked: None,
            })
            .collect();
        let view = view_of(Snapshot {
            pipelines: vec![Pipeline::new("api", BuildStatus::Passing)],
            events: DoraEvents {
                deployments,
                ..DoraEvents::default()
            },
            ..Snapshot::default()
        });
        let text = render(&view, &Health::default());
        assert!(
            text.lines().any(|l| l == "andon_dora_deployments 3"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l == r#"andon_dora_deployments{service="api"} 3"#),
            "{text}"
        );
        assert!(
            !text.contains("andon_dora_lead_time_median_seconds")
                && !text.contains("andon_dora_time_to_restore_median_seconds")
                && !text.contains("andon_dora_failed_deployment_recovery_median_seconds"),
            "no commits, no incidents: no lead time, restore or recovery series\n{text}"
        );
        assert!(
            text.lines()
                .any(|l| l == "andon_dora_deployment_rework_ratio 0"),
            "three deployments, none rework\n{text}"
        );
    }

    #[test]
    fn the_poll_histogram_is_cumulative_and_counts_every_poll() {
        let mut health = Health::default();
        for ms in [20, 80, 400, 90_000] {
            health.observe_poll("ci", Duration::from_millis(ms), ms < 1000);
        }
        let view = view_of(Snapshot::default());
        let text = render(&view, &health);
        for line in [
            r#"andon_poll_duration_seconds_bucket{source="ci",le="0.05"} 1"#,
            r#"andon_poll_duration_seconds_bucket{source="ci",le="0.1"} 2"#,
            r#"andon_poll_duration_seconds_bucket{source="ci",le="0.5"} 3"#,
            r#"andon_poll_duration_seconds_bucket{source="ci",le="60"} 3"#,
            r#"andon_poll_duration_seconds_bucket{source="ci",le="+Inf"} 4"#,
            r#"andon_poll_duration_seconds_count{source="ci"} 4"#,
            r#"andon_polls_total{source="ci",result="error"} 1"#,
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }
}
