//! State -> view model. Pure, and shared by the TUI, `--once` and `--json`.

use crate::card::Card;
use crate::dora::{self, DoraReport};
use crate::flow::{self, Flow};
use crate::history::PassRate;
use std::sync::Arc;

use crate::model::{BuildStatus, DoraEvents, Pipeline, Timestamp};
use crate::setup::Config;
use crate::state::{Freshness, State, Tracked};

pub use crate::status::{AndonState, PipelineStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct Andon {
    pub state: AndonState,
    /// "LINE STOPPED", "ALL GREEN", "NO DATA" or "STALE".
    pub headline: &'static str,
    /// One line per cause: what broke, where, since when; or why nothing is known.
    pub causes: Vec<String>,
    /// Red past `[andon] escalate_after`: the headline says ESCALATED.
    pub escalation: Option<crate::escalation::Escalation>,
    /// The limit in force, so that a page or a filter judges its own pipelines by it.
    pub escalate_after: Option<std::time::Duration>,
}

impl Andon {
    pub fn escalated(&self) -> bool {
        self.escalation.is_some()
    }

    /// Marks the signal escalated when its red pipelines are past the limit.
    fn escalate(
        mut self,
        cards: &[Card],
        limit: Option<std::time::Duration>,
        now: Timestamp,
    ) -> Andon {
        self.escalate_after = limit;
        if self.state != AndonState::Red {
            return self;
        }
        self.escalation = crate::escalation::assess(cards, limit, now);
        if let Some(escalation) = &self.escalation {
            self.headline = crate::escalation::HEADLINE;
            self.causes.insert(0, escalation.cause());
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineView {
    /// The pipeline as its source reported it, shared with the state (never copied per view).
    pub pipeline: Arc<Pipeline>,
    /// The source's name, one string shared by all of its cards.
    pub source: Arc<str>,
    /// The status as shown: stale when the source or its feed is no longer fresh.
    pub status: PipelineStatus,
    /// The board column the card sits in.
    pub column: usize,
    pub failing_since: Option<Timestamp>,
    /// Over the pipeline's last finished runs; None before one has finished.
    pub pass_rate: Option<PassRate>,
    /// Someone is on it (`a` on a failing card), until the pipeline passes again.
    pub acknowledged: Option<crate::model::Acknowledgement>,
}

impl PipelineView {
    /// What the flow, value-stream and escalation figures read of the card.
    pub fn card(&self) -> Card<'_> {
        Card {
            name: &self.pipeline.name,
            source: &self.source,
            status: self.status,
            column: self.column,
            building: self.pipeline.building,
            stage: self.pipeline.stage.as_deref(),
            stages: &self.pipeline.stages,
            failing_since: self.failing_since,
            last_build_at: self.pipeline.last_build_at,
            finished_at: self.pipeline.finished_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceView {
    pub name: String,
    pub kind: &'static str,
    pub state: Freshness,
    pub error: Option<String>,
    /// What kind of failure the last poll met: a rate-limited source waits, a dead one does not.
    pub error_cause: Option<crate::sources::Cause>,
    pub last_success: Option<Timestamp>,
    /// Since when the source is in error (first failure of the run) or stale (last success).
    pub trouble_since: Option<Timestamp>,
    /// Certificates are not verified: the screen shows a warning.
    pub insecure: bool,
    /// The next poll, when the server's rate limit holds it back past the interval.
    pub paced_until: Option<Timestamp>,
    /// `status_line` at the time the view was built.
    pub summary: String,
}

impl SourceView {
    /// "error 3m: connection refused", "stale 12m", "ok", "pending": the state, how long it
    /// has lasted, and why. What kind of failure it is comes from the cause, never from the
    /// words: a rate-limited source reads "paced until 12:05", a refused token and a failed
    /// TLS handshake say so before the server's words.
    pub fn status_line(&self, now: Timestamp) -> String {
        let mut text = self.state_word().to_string();
        if self.rate_limited_until().is_some() {
            if let Some(reason) = self.reason(now) {
                text.push(' ');
                text.push_str(&reason);
            }
            return text;
        }
        if let Some(since) = self.trouble_since {
            text.push(' ');
            text.push_str(&crate::format::age((now - since).num_seconds()));
        }
        if let Some(reason) = self.reason(now) {
            text.push_str(": ");
            text.push_str(&reason);
        }
        if let Some(next) = self.paced_until.filter(|next| *next > now) {
            let local = next.with_timezone(&chrono::Local);
            text.push_str(&format!(
                " · next poll {} (paced for the rate limit)",
                local.format("%H:%M:%S")
            ));
        }
        text
    }

    /// Until when the server (or andon's own budget for its host) holds the source back, while
    /// its last poll was refused for the rate limit: it waits, it is not dead.
    pub fn rate_limited_until(&self) -> Option<Timestamp> {
        match (self.state, self.error_cause) {
            (Freshness::Error, Some(crate::sources::Cause::RateLimited { until })) => Some(until),
            _ => None,
        }
    }

    /// "paced" for a rate-limited source, else the freshness word.
    pub fn state_word(&self) -> &'static str {
        match self.rate_limited_until() {
            Some(_) => "paced",
            None => self.state.word(),
        }
    }

    /// Why the source is in error, the kind of failure first where the words may not say it:
    /// "until 12:05" for a rate limit (then what the words add: andon's own budget spent, a
    /// collector's words), "token refused (401; …): HTTP 401 …", "TLS handshake failed: …".
    pub fn reason(&self, now: Timestamp) -> Option<String> {
        if let Some(until) = self.rate_limited_until() {
            let mut text = format!("until {}", local_clock(until, now));
            let words = self.error.as_deref().unwrap_or_default();
            let own = crate::sources::hosts::limited_until(until);
            let rest = words.strip_prefix(own.as_str()).unwrap_or(words).trim();
            if !rest.is_empty() {
                if !rest.starts_with('(') {
                    text.push(':');
                }
                text.push(' ');
                text.push_str(rest);
            }
            return Some(text);
        }
        let error = self.error.as_ref()?;
        Some(match self.error_cause.and_then(cause_words) {
            Some(cause) => format!("{cause}: {error}"),
            None => error.clone(),
        })
    }
}

/// What the screen says of a failure of `cause` before the words; None where the words say it.
fn cause_words(cause: crate::sources::Cause) -> Option<String> {
    use crate::sources::Cause;
    match cause {
        Cause::Auth { status: Some(code) } => Some(format!(
            "token refused ({code}; andon check says where it comes from)"
        )),
        Cause::Auth { status: None } => Some("no token to send (see andon check)".to_string()),
        Cause::Tls => Some("TLS handshake failed".to_string()),
        _ => None,
    }
}

/// "12:05" in local time today, "03 Dec 12:05" on another day.
fn local_clock(at: Timestamp, now: Timestamp) -> String {
    let local = at.with_timezone(&chrono::Local);
    if local.date_naive() == now.with_timezone(&chrono::Local).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%d %b %H:%M").to_string()
    }
}

/// Names of the sources whose certificates are not verified.
pub fn insecure_sources(view: &ViewModel) -> Vec<&str> {
    view.sources
        .iter()
        .filter(|s| s.insecure)
        .map(|s| s.name.as_str())
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub struct ViewModel {
    pub title: String,
    pub now: Timestamp,
    pub andon: Andon,
    /// Board columns, left to right.
    pub columns: Vec<String>,
    /// Pipelines in board order: by column, then failing first, then name.
    pub pipelines: Vec<PipelineView>,
    pub dora: DoraReport,
    /// WIP, stage medians and the constraint, per board column.
    pub flow: Flow,
    pub sources: Vec<SourceView>,
    /// True when any data comes from the simulated demo source.
    pub demo: bool,
    /// The keys week by week, while the trends view is shown (computed only then).
    pub trends: Option<crate::dora::Weekly>,
}

impl ViewModel {
    pub fn cards_in(&self, column: usize) -> impl Iterator<Item = (usize, &PipelineView)> {
        self.pipelines
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.column == column)
    }
}

pub const FALLBACK_COLUMN: &str = "build";

/// Merges every source's DORA events (last known data, fresh or not).
pub fn merged_events(state: &State) -> DoraEvents {
    let mut events = DoraEvents::default();
    for snapshot in state.sources.iter().filter_map(|s| s.snapshot.as_ref()) {
        events.extend(&snapshot.events);
    }
    events
}

/// The DORA settings of `config`: tier set, rework rules, scores' industry.
pub fn dora_settings(config: &Config) -> dora::Settings {
    dora::Settings {
        benchmark: config.dora.benchmark,
        rework_rules: config.dora.rework_rules,
        industry: config.dora.industry.clone(),
    }
}

pub fn dora_report(config: &Config, state: &State, now: Timestamp) -> DoraReport {
    let settings = dora_settings(config);
    dora::compute_with(&merged_events(state), now, config.dora.window, &settings)
}

/// Builds the view model. `dora` is passed in so callers can cache it between data changes.
pub fn build(config: &Config, state: &State, dora: DoraReport, now: Timestamp) -> ViewModel {
    let mut columns: Vec<String> = config.board.stages.clone();
    let stage_map = crate::stage_map::StageMap::new(&config.board);
    let mut pipelines = Vec::with_capacity(
        state
            .sources
            .iter()
            .filter_map(|s| s.snapshot.as_ref())
            .map(|s| s.pipelines.len())
            .sum(),
    );
    for source in &state.sources {
        let Some(snapshot) = &source.snapshot else {
            continue;
        };
        let fresh = source.freshness(now) == Freshness::Ok;
        let source_name: Arc<str> = Arc::from(source.name.as_str());
        let tracked = snapshot
            .tracked
            .iter()
            .copied()
            .chain(std::iter::repeat(Tracked::default()));
        for (p, tracked) in snapshot.pipelines.iter().zip(tracked) {
            let status = match (fresh && !p.stale, p.status) {
                (false, _) => PipelineStatus::Stale,
                (true, BuildStatus::Passing) => PipelineStatus::Passing,
                (true, BuildStatus::Failing) => PipelineStatus::Failing,
                (true, BuildStatus::Unknown) => PipelineStatus::Unknown,
            };
            for stage in &p.stages {
                stage_map.column(&mut columns, &stage.name);
            }
            let column = match p.stage.as_deref().or(source.stage.as_deref()) {
                Some(stage) => stage_map.column(&mut columns, stage),
                None if columns.is_empty() => stage_map.column(&mut columns, FALLBACK_COLUMN),
                None => 0,
            };
            pipelines.push(PipelineView {
                pipeline: Arc::clone(p),
                source: Arc::clone(&source_name),
                status,
                column,
                failing_since: tracked.failing_since,
                pass_rate: tracked.pass_rate,
                acknowledged: p.acknowledged.clone(),
            });
        }
    }
    let pipelines = board_order(pipelines, columns.len());
    let sources = source_views(state, now);
    let cards: Vec<Card> = pipelines.iter().map(PipelineView::card).collect();
    let mut flow = flow::compute(
        &columns,
        &cards,
        &config.board.wip_limits,
        state.stage_samples(),
    );
    let kinds: Vec<(String, &'static str)> =
        sources.iter().map(|s| (s.name.clone(), s.kind)).collect();
    flow.value_stream = crate::value_stream::compute(
        flow.stages.iter().map(flow::StageFlow::times),
        state.stage_samples(),
        &cards,
        &kinds,
    );
    let andon = andon(&pipelines, &sources, now).escalate(&cards, config.andon.escalate_after, now);
    ViewModel {
        title: config.title.clone(),
        now,
        flow,
        andon,
        columns,
        // A collector's demo source counts too: its screens show the same warning.
        demo: sources.iter().any(|s| s.kind == "demo"),
        pipelines,
        dora,
        sources,
        trends: None,
    }
}

/// The board's order: by column, failing first, then by name and source. Cards are dealt into
/// their (column, failing) piles in the order they come, and a pile is sorted only when its
/// names are out of order, so a feed that lists its projects by name is ordered in one pass.
fn board_order(pipelines: Vec<PipelineView>, columns: usize) -> Vec<PipelineView> {
    let pile = |p: &PipelineView| 2 * p.column + usize::from(p.status != PipelineStatus::Failing);
    let mut starts = vec![0usize; 2 * columns.max(1) + 1];
    for p in &pipelines {
        starts[pile(p) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut slots: Vec<Option<PipelineView>> = Vec::new();
    slots.resize_with(pipelines.len(), || None);
    let mut next = starts.clone();
    for p in pipelines {
        let at = &mut next[pile(&p)];
        slots[*at] = Some(p);
        *at += 1;
    }
    let mut ordered: Vec<PipelineView> = slots.into_iter().flatten().collect();
    let by_name = |a: &PipelineView, b: &PipelineView| {
        (&a.pipeline.name, &a.source).cmp(&(&b.pipeline.name, &b.source))
    };
    for bounds in starts.windows(2) {
        let pile = &mut ordered[bounds[0]..bounds[1]];
        if !pile.is_sorted_by(|a, b| by_name(a, b).is_le()) {
            pile.sort_by(by_name);
        }
    }
    ordered
}

/// Each source's state as shown at `now`: freshness, how long, why.
pub fn source_views(state: &State, now: Timestamp) -> Vec<SourceView> {
    state
        .sources
        .iter()
        .map(|s| SourceView {
            name: s.name.clone(),
            kind: s.kind,
            state: s.freshness(now),
            error: s.error.clone(),
            error_cause: s.error_cause,
            last_success: s.last_success,
            trouble_since: s.trouble_since(now),
            insecure: s.insecure,
            paced_until: s.paced_until,
            summary: String::new(),
        })
        .flat_map(|s| {
            let upstream = upstream_views(state, &s);
            std::iter::once(s).chain(upstream)
        })
        .map(|mut s| {
            s.summary = s.status_line(now);
            s
        })
        .collect()
}

/// The sources behind a fresh collector source, named `collector/ci`, each in the state the
/// collector reports (an unknown word is an error, never ok). A collector that is not fresh
/// speaks for none of them: its own state says enough.
fn upstream_views(state: &State, collector: &SourceView) -> Vec<SourceView> {
    if collector.state != Freshness::Ok {
        return Vec::new();
    }
    let Some(snapshot) = state
        .sources
        .iter()
        .find(|s| s.name == collector.name)
        .and_then(|s| s.snapshot.as_ref())
    else {
        return Vec::new();
    };
    snapshot
        .upstream
        .iter()
        .map(|u| {
            let freshness = Freshness::from_word(&u.state);
            SourceView {
                name: format!("{}/{}", collector.name, u.name),
                kind: crate::sources::kinds::SOURCE_KINDS
                    .iter()
                    .find(|k| **k == u.kind)
                    .copied()
                    .unwrap_or("unknown"),
                state: freshness.unwrap_or(Freshness::Error),
                error: match freshness {
                    Some(_) => u.error.clone(),
                    None => Some(format!("collector reports an unknown state {:?}", u.state)),
                },
                error_cause: match freshness {
                    Some(_) => u.cause,
                    None => Some(crate::sources::Cause::Malformed),
                },
                last_success: u.last_success,
                trouble_since: u.since.filter(|_| freshness != Some(Freshness::Ok)),
                insecure: u.insecure,
                paced_until: None,
                summary: String::new(),
            }
        })
        .collect()
}

/// Whether a pipeline's name or source contains `filter`, ignoring case.
pub fn matches(pipeline: &PipelineView, filter: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    filter.is_empty()
        || pipeline.pipeline.name.to_lowercase().contains(&filter)
        || pipeline.source.to_lowercase().contains(&filter)
}

/// The view narrowed to the pipelines `keep` accepts, with the Andon recomputed for them (a page
/// or a filter). Columns, sources and DORA figures stay as they are.
pub fn select(view: &ViewModel, keep: impl Fn(&PipelineView) -> bool) -> ViewModel {
    let pipelines: Vec<PipelineView> = view.pipelines.iter().filter(|p| keep(p)).cloned().collect();
    let cards: Vec<Card> = pipelines.iter().map(PipelineView::card).collect();
    let mut andon = andon(&pipelines, &view.sources, view.now).escalate(
        &cards,
        view.andon.escalate_after,
        view.now,
    );
    if pipelines.is_empty() && !view.pipelines.is_empty() && andon.state == AndonState::Unknown {
        andon.causes = vec!["no pipeline matches".to_string()];
    }
    ViewModel {
        andon,
        flow: flow::recount(&view.flow, &cards),
        pipelines,
        ..view.clone()
    }
}

/// Red wins over unknown; green only when every source is fresh and every pipeline passes.
fn andon(pipelines: &[PipelineView], sources: &[SourceView], now: Timestamp) -> Andon {
    let failing: Vec<String> = pipelines
        .iter()
        .filter(|p| p.status == PipelineStatus::Failing)
        .map(|p| describe_failure(p, now))
        .collect();
    if !failing.is_empty() {
        return Andon {
            state: AndonState::Red,
            headline: "LINE STOPPED",
            causes: failing,
            escalation: None,
            escalate_after: None,
        };
    }
    let troubled: Vec<String> = sources
        .iter()
        .filter(|s| s.state != Freshness::Ok)
        .map(|s| match (&s.state, &s.error) {
            (Freshness::Pending, _) => format!("{}: waiting for the first poll", s.name),
            _ => format!("{}: {}", s.name, s.summary),
        })
        .collect();
    let unknown: Vec<String> = pipelines
        .iter()
        .filter(|p| p.status == PipelineStatus::Unknown)
        .map(|p| format!("{}: status unknown", p.pipeline.name))
        .collect();
    if troubled.is_empty() && unknown.is_empty() && !pipelines.is_empty() {
        return Andon {
            state: AndonState::Green,
            headline: "ALL GREEN",
            causes: vec![format!(
                "{} pipeline{} passing",
                pipelines.len(),
                plural(pipelines.len())
            )],
            escalation: None,
            escalate_after: None,
        };
    }
    let any_stale = pipelines.iter().any(|p| p.status == PipelineStatus::Stale);
    let mut causes = troubled;
    causes.extend(unknown);
    if causes.is_empty() {
        causes.push("no pipelines reported by any source".to_string());
    }
    Andon {
        state: AndonState::Unknown,
        headline: if any_stale { "STALE" } else { "NO DATA" },
        causes,
        escalation: None,
        escalate_after: None,
    }
}

/// "14:03 UTC" today; "01 Dec 14:03" (UTC, like the header's clock) on another day, so an old
/// break does not read as this afternoon's; short, for an 80-column banner.
pub fn clock_time(at: Timestamp, now: Timestamp) -> String {
    use chrono::Datelike;
    if at.date_naive() == now.date_naive() {
        at.format("%H:%M UTC").to_string()
    } else if at.year() == now.year() {
        at.format("%d %b %H:%M").to_string()
    } else {
        at.format("%d %b %Y").to_string()
    }
}

fn describe_failure(p: &PipelineView, now: Timestamp) -> String {
    let mut text = p.pipeline.name.clone();
    match (&p.pipeline.stage, p.pipeline.building) {
        (Some(stage), false) => text.push_str(&format!(" failed at {stage}")),
        _ => text.push_str(" failing"),
    }
    if let Some(since) = p.failing_since.or(p.pipeline.last_build_at) {
        text.push_str(&format!(" since {}", clock_time(since, now)));
    }
    if let Some(label) = &p.pipeline.label {
        text.push_str(&format!(" ({label})"));
    }
    if !p.pipeline.breakers.is_empty() {
        text.push_str(&format!(" by {}", p.pipeline.breakers.join(", ")));
    }
    if let (Some(stage), true) = (&p.pipeline.stage, p.pipeline.building) {
        text.push_str(&format!(" · new run at {stage}"));
    }
    if let Some(ack) = &p.acknowledged {
        text.push_str(" · ");
        text.push_str(&ack.note());
    }
    text
}

/// Judges the Andon again after the pipelines changed in place (acknowledgements put on them).
pub fn reassess(view: &mut ViewModel) {
    let limit = view.andon.escalate_after;
    let cards: Vec<Card> = view.pipelines.iter().map(PipelineView::card).collect();
    let andon = andon(&view.pipelines, &view.sources, view.now).escalate(&cards, limit, view.now);
    view.andon = andon;
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BoardConfig, DoraConfig};
    use crate::dora::Benchmark;
    use crate::model::{Snapshot, StageRun, StageStatus};
    use crate::setup::{SourceConfig, SourceKind};
    use crate::sources::SourceError;
    use chrono::{TimeZone, Utc};
    use std::time::Duration;

    fn now() -> Timestamp {
        Utc.timestamp_opt(1_790_000_000, 0).unwrap()
    }

    fn config(sources: &[&str]) -> Config {
        Config {
            origin: "test".into(),
            title: "Test".into(),
            dora: DoraConfig {
                window: Duration::from_secs(30 * 86_400),
                benchmark: Benchmark::Dora2023,
                rework_rules: Default::default(),
                industry: crate::dora::Industry::all(),
            },
            andon: Default::default(),
            board: BoardConfig {
                stages: vec!["build".into(), "test".into()],
                ..BoardConfig::default()
            },
            sources: sources
                .iter()
                .map(|name| SourceConfig {
                    name: name.to_string(),
                    interval: Duration::from_secs(10),
                    timeout: Duration::from_secs(5),
                    stale_after: 3,
                    stage: None,
                    kind: SourceKind::Demo(crate::sources::demo::DemoConfig { seed: 1 }),
                    transport: Default::default(),
                })
                .collect(),
            display: crate::config::DisplayConfig::default(),
            pages: Vec::new(),
            serve: Default::default(),
        }
    }

    fn staged(name: &str, stages: &[(&str, StageStatus)]) -> Pipeline {
        Pipeline::from_stages(
            name,
            stages.iter().map(|(n, s)| StageRun::new(*n, *s)).collect(),
        )
    }

    fn view(config: &Config, state: &State) -> ViewModel {
        build(config, state, dora_report(config, state, now()), now())
    }

    fn snap(pipelines: Vec<Pipeline>) -> Result<Snapshot, SourceError> {
        Ok(Snapshot {
            pipelines,
            ..Snapshot::default()
        })
    }

    #[test]
    fn nothing_polled_yet_is_no_data_not_green() {
        let config = config(&["a"]);
        let v = view(&config, &State::new(&config));
        assert_eq!(v.andon.state, AndonState::Unknown);
        assert_eq!(v.andon.headline, "NO DATA");
    }

    #[test]
    fn a_failing_pipeline_stops_the_line_with_where_it_broke() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now(),
            snap(vec![
                staged(
                    "api",
                    &[
                        ("build", StageStatus::Passed),
                        ("test", StageStatus::Failed),
                    ],
                ),
                Pipeline::new("web", BuildStatus::Passing),
            ]),
        );
        let v = view(&config, &state);
        assert_eq!(v.andon.state, AndonState::Red);
        assert_eq!(v.andon.headline, "LINE STOPPED");
        assert!(v.andon.causes[0].starts_with("api failed at test since"));
        let api = v
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "api")
            .unwrap();
        assert_eq!(v.columns[api.column], "test");
        let web = v
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "web")
            .unwrap();
        assert_eq!(
            v.columns[web.column], "build",
            "stage-less cards sit in the first column"
        );
    }

    #[test]
    fn red_wins_over_a_dead_source() {
        let config = config(&["a", "b"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now(),
            snap(vec![Pipeline::new("api", BuildStatus::Failing)]),
        );
        state.record(1, now(), Err(SourceError::new("connection refused")));
        assert_eq!(view(&config, &state).andon.state, AndonState::Red);
    }

    #[test]
    fn a_dead_source_makes_green_unknown_and_its_pipelines_stale() {
        let config = config(&["a", "b"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now(),
            snap(vec![Pipeline::new("api", BuildStatus::Passing)]),
        );
        state.record(
            1,
            now(),
            snap(vec![Pipeline::new("web", BuildStatus::Passing)]),
        );
        assert_eq!(view(&config, &state).andon.state, AndonState::Green);
        state.record(1, now(), Err(SourceError::new("timed out")));
        let v = view(&config, &state);
        assert_eq!(v.andon.state, AndonState::Unknown);
        assert_eq!(v.andon.headline, "STALE");
        assert!(
            v.andon
                .causes
                .iter()
                .any(|c| c == "b: error <1m: timed out"),
            "{:?}",
            v.andon.causes
        );
        let web = v
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "web")
            .unwrap();
        assert_eq!(web.status, PipelineStatus::Stale);
    }

    #[test]
    fn old_success_goes_stale_by_the_clock() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        let long_ago = now() - chrono::Duration::seconds(600);
        state.record(
            0,
            long_ago,
            snap(vec![Pipeline::new("api", BuildStatus::Passing)]),
        );
        let v = view(&config, &state);
        assert_eq!(v.pipelines[0].status, PipelineStatus::Stale);
        assert_eq!(v.andon.state, AndonState::Unknown);
    }

    #[test]
    fn a_source_in_error_shows_how_long_and_why() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        let earlier = now() - chrono::Duration::seconds(200);
        state.record(
            0,
            earlier,
            snap(vec![Pipeline::new("api", BuildStatus::Passing)]),
        );
        state.record(
            0,
            earlier + chrono::Duration::seconds(10),
            Err(SourceError::new("connection refused")),
        );
        state.record(0, now(), Err(SourceError::new("connection refused")));
        let v = view(&config, &state);
        assert_eq!(
            v.sources[0].status_line(now()),
            "error 3m: connection refused"
        );
        assert_eq!(v.andon.causes, ["a: error 3m: connection refused"]);
        assert_eq!(
            v.pipelines[0].status,
            PipelineStatus::Stale,
            "never green while in error"
        );
    }

    #[test]
    fn a_stale_source_shows_the_age_of_its_last_success() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now() - chrono::Duration::seconds(3 * 3600 + 60),
            snap(vec![Pipeline::new("api", BuildStatus::Passing)]),
        );
        let v = view(&config, &state);
        assert_eq!(v.sources[0].status_line(now()), "stale 3h");
        assert_eq!(v.andon.headline, "STALE");
    }

    #[test]
    fn a_source_held_back_by_its_rate_limit_says_when_it_polls_next() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now() - chrono::Duration::seconds(3 * 3600 + 60),
            snap(vec![Pipeline::new("api", BuildStatus::Passing)]),
        );
        let next = now() + chrono::Duration::seconds(600);
        state.pace(0, Some(next));
        let v = view(&config, &state);
        let at = next.with_timezone(&chrono::Local).format("%H:%M:%S");
        assert_eq!(
            v.sources[0].status_line(now()),
            format!("stale 3h · next poll {at} (paced for the rate limit)")
        );
        assert_eq!(
            v.pipelines[0].status,
            PipelineStatus::Stale,
            "still not green"
        );
        assert_eq!(
            v.sources[0].status_line(next + chrono::Duration::seconds(1)),
            "stale 3h",
            "a time gone by is not announced"
        );
        let generation = state.generation;
        state.pace(0, Some(next));
        assert_eq!(state.generation, generation, "no change, no redraw");
        state.pace(0, None);
        assert_eq!(
            view(&config, &state).sources[0].status_line(now()),
            "stale 3h"
        );
    }

    /// Source "a" of a one-source board, failing since 3m20s ago with `error`, seen now.
    fn failing_with(error: SourceError) -> SourceView {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now() - chrono::Duration::seconds(200),
            Err(error.clone()),
        );
        state.record(0, now(), Err(error));
        view(&config, &state).sources.remove(0)
    }

    fn local_hm(at: Timestamp) -> String {
        at.with_timezone(&chrono::Local).format("%H:%M").to_string()
    }

    #[test]
    fn a_rate_limited_source_reads_as_paced_whatever_its_words() {
        use crate::sources::Cause;
        let until = now() + chrono::Duration::seconds(600);
        let at = local_hm(until);
        let source = failing_with(SourceError::of(
            Cause::RateLimited { until },
            "slow down, please",
        ));
        assert_eq!(
            source.status_line(now()),
            format!("paced until {at}: slow down, please")
        );
        assert_eq!(source.state_word(), "paced");
        assert_eq!(source.rate_limited_until(), Some(until));
        // andon's own words say the time again: only what they add is kept.
        let own = failing_with(crate::sources::hosts::rate_limited(until));
        assert_eq!(own.status_line(now()), format!("paced until {at}"));
        let spent = failing_with(SourceError::of(
            Cause::RateLimited { until },
            format!(
                "{} (andon's budget of 5 requests/h to ci:443 is spent)",
                crate::sources::hosts::limited_until(until)
            ),
        ));
        assert_eq!(
            spent.status_line(now()),
            format!("paced until {at} (andon's budget of 5 requests/h to ci:443 is spent)")
        );
    }

    #[test]
    fn words_that_speak_of_429_do_not_make_a_source_paced() {
        let source = failing_with(SourceError::of(
            crate::sources::Cause::Status(503),
            "HTTP 429 rate limited until 12:05",
        ));
        assert_eq!(
            source.status_line(now()),
            "error 3m: HTTP 429 rate limited until 12:05"
        );
        assert_eq!(source.state_word(), "error");
        assert_eq!(source.rate_limited_until(), None);
    }

    #[test]
    fn a_refused_token_says_so_before_the_servers_words() {
        use crate::sources::Cause;
        let source = failing_with(SourceError::of(
            Cause::Auth { status: Some(403) },
            "go away",
        ));
        assert_eq!(
            source.status_line(now()),
            "error 3m: token refused (403; andon check says where it comes from): go away"
        );
        let missing = failing_with(SourceError::token("token_env CI_TOKEN is not set"));
        assert_eq!(
            missing.status_line(now()),
            "error 3m: no token to send (see andon check): token_env CI_TOKEN is not set"
        );
        let worded = failing_with(SourceError::of(
            Cause::Status(500),
            "HTTP 401: check the source's token",
        ));
        assert!(
            !worded.status_line(now()).contains("token refused"),
            "{}",
            worded.status_line(now())
        );
    }

    #[test]
    fn a_failed_tls_handshake_says_so_whatever_its_words() {
        use crate::sources::Cause;
        let source = failing_with(SourceError::of(Cause::Tls, "certificate unknown"));
        assert_eq!(
            source.status_line(now()),
            "error 3m: TLS handshake failed: certificate unknown"
        );
        let worded = failing_with(SourceError::of(Cause::Network, "TLS error: reset"));
        assert_eq!(worded.status_line(now()), "error 3m: TLS error: reset");
    }

    #[test]
    fn unlisted_stages_are_appended_in_order_seen() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now(),
            snap(vec![staged(
                "api",
                &[
                    ("build", StageStatus::Passed),
                    ("package", StageStatus::Passed),
                    ("test", StageStatus::Running),
                ],
            )]),
        );
        assert_eq!(view(&config, &state).columns, ["build", "test", "package"]);
    }

    #[test]
    fn the_board_is_ordered_by_column_then_failing_first_then_name_and_source() {
        let config = config(&["b", "a"]);
        let mut state = State::new(&config);
        let in_test = |name: &str, status| {
            let mut p = Pipeline::new(name, status);
            p.stage = Some("test".into());
            p
        };
        state.record(
            0,
            now(),
            snap(vec![
                in_test("web", BuildStatus::Passing),
                Pipeline::new("zeta", BuildStatus::Passing),
                Pipeline::new("api", BuildStatus::Passing),
                in_test("db", BuildStatus::Failing),
                Pipeline::new("yak", BuildStatus::Failing),
            ]),
        );
        state.record(
            1,
            now(),
            snap(vec![
                Pipeline::new("api", BuildStatus::Passing),
                in_test("cache", BuildStatus::Passing),
                Pipeline::new("yak", BuildStatus::Failing),
                Pipeline::new("beta", BuildStatus::Passing),
            ]),
        );
        let order: Vec<String> = view(&config, &state)
            .pipelines
            .iter()
            .map(|p| format!("{}/{}", p.source, p.pipeline.name))
            .collect();
        assert_eq!(
            order,
            [
                "a/yak", "b/yak", "a/api", "b/api", "a/beta", "b/zeta", "b/db", "a/cache", "b/web"
            ]
        );
    }

    #[test]
    fn a_selection_recomputes_the_andon_for_its_pipelines() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(
            0,
            now(),
            snap(vec![
                Pipeline::new("payments-api", BuildStatus::Failing),
                Pipeline::new("search", BuildStatus::Passing),
            ]),
        );
        let v = view(&config, &state);
        assert_eq!(v.andon.state, AndonState::Red);
        let search = select(&v, |p| matches(p, "SEARCH"));
        assert_eq!(search.pipelines.len(), 1);
        assert_eq!(search.andon.state, AndonState::Green);
        let none = select(&v, |p| matches(p, "zzz"));
        assert_eq!(none.andon.state, AndonState::Unknown);
        assert_eq!(none.andon.causes, ["no pipeline matches"]);
        assert_eq!(select(&v, |p| matches(p, " ")).pipelines.len(), 2);
    }

    #[test]
    fn pass_rate_and_flow_come_from_the_run_history() {
        let mut config = config(&["a"]);
        config.board.wip_limits = [("test".to_string(), 1)].into_iter().collect();
        let mut state = State::new(&config);
        let run = |name: &str, label: &str, stages: &[(&str, StageStatus)]| {
            let mut p = staged(name, stages);
            p.label = Some(label.into());
            p
        };
        let running = [
            ("build", StageStatus::Passed),
            ("test", StageStatus::Running),
        ];
        state.record(
            0,
            now(),
            snap(vec![
                run(
                    "api",
                    "#1",
                    &[
                        ("build", StageStatus::Passed),
                        ("test", StageStatus::Failed),
                    ],
                ),
                run("web", "#8", &running),
                run("shop", "#3", &running),
            ]),
        );
        state.record(
            0,
            now(),
            snap(vec![
                run(
                    "api",
                    "#2",
                    &[
                        ("build", StageStatus::Passed),
                        ("test", StageStatus::Passed),
                    ],
                ),
                run("web", "#8", &running),
                run("shop", "#3", &running),
            ]),
        );
        let v = view(&config, &state);
        let api = v
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "api")
            .unwrap();
        let rate = api.pass_rate.unwrap();
        assert_eq!((rate.passed, rate.runs), (1, 2));
        let web = v
            .pipelines
            .iter()
            .find(|p| p.pipeline.name == "web")
            .unwrap();
        assert_eq!(web.pass_rate, None, "no finished run yet");
        let test = v.flow.stage("test").unwrap();
        assert_eq!((test.wip, test.breached), (2, true));
        // A page with one of the two shows its own WIP, within the limit.
        let page = select(&v, |p| p.pipeline.name != "shop");
        let test = page.flow.stage("test").unwrap();
        assert_eq!((test.wip, test.breached), (1, false));
    }

    #[test]
    fn no_pipelines_from_healthy_sources_is_no_data() {
        let config = config(&["a"]);
        let mut state = State::new(&config);
        state.record(0, now(), snap(vec![]));
        let v = view(&config, &state);
        assert_eq!(v.andon.state, AndonState::Unknown);
        assert_eq!(v.andon.causes, ["no pipelines reported by any source"]);
    }

    #[test]
    fn a_break_from_another_day_carries_its_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z")
            .unwrap()
            .to_utc();
        let today = chrono::DateTime::parse_from_rfc3339("2026-12-02T07:05:00Z")
            .unwrap()
            .to_utc();
        let yesterday = chrono::DateTime::parse_from_rfc3339("2026-12-01T23:50:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(clock_time(today, now), "07:05 UTC");
        assert_eq!(clock_time(yesterday, now), "01 Dec 23:50");
        let years_ago = chrono::DateTime::parse_from_rfc3339("2014-10-07T11:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            clock_time(years_ago, now),
            "07 Oct 2014",
            "not this October"
        );
    }
}
