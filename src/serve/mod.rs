//! `andon serve`: the collector. The same pollers as the TUI, headless; what they learn is
//! served to screens (`kind = "andon"`), to scripts (`/api/v1/state`) and to Prometheus
//! (`/metrics`), and kept in a history database so a restart forgets nothing.

pub mod acks;
pub mod http;
pub mod metrics;
pub mod publish;
pub mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::ack::Acknowledgements;
use crate::attention::{Tracker, Transition};
use crate::config::ServeConfig;
use crate::dora::DoraReport;
use crate::memo::Memo;
use crate::model::Timestamp;
use crate::setup::Config;
use crate::state::{Freshness, PipelineKey, State};
use crate::view::{self, PipelineStatus, ViewModel};
use crate::{history::RunHistory, poller};
use metrics::Health;
use publish::Published;
use store::{Change, Colour, Store};

/// How `andon serve` was started, beyond the config file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--listen`, which wins over `[serve] listen`.
    pub listen: Option<String>,
    /// `--allow-remote`: listening on an address other than loopback was asked for.
    pub allow_remote: bool,
}

/// Where to listen. Loopback unless another address is named AND asked for with
/// `--allow-remote` or `[serve] allow_remote = true`: the board names pipelines, people and
/// links that a team may not want on the network.
pub fn listen_address(serve: &ServeConfig, options: &Options) -> Result<SocketAddr, String> {
    let address = match &options.listen {
        Some(text) => text.trim().parse().map_err(|_| {
            format!(
                "--listen {text:?} is not an address and port such as {} or [::1]:9464",
                crate::config::DEFAULT_LISTEN
            )
        })?,
        None => serve.listen,
    };
    let asked = options.allow_remote || serve.allow_remote;
    if !(address.ip().is_loopback() || asked) {
        return Err(format!(
            "{address} is not a loopback address: whoever reaches it can read the board and the \
             metrics. Pass --allow-remote (or set allow_remote = true in [serve]) to listen there"
        ));
    }
    Ok(address)
}

/// `[serve] state_dir`, else `$XDG_STATE_HOME/andon` (`~/.local/state/andon`).
pub fn state_dir(serve: &ServeConfig) -> Option<PathBuf> {
    serve.state_dir.clone().or_else(|| {
        crate::logging::default_path().and_then(|log| log.parent().map(|d| d.to_path_buf()))
    })
}

const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The history database and what was last written to it, so only changes are written.
struct History {
    store: Option<Store>,
    up: bool,
    histories: HashMap<PipelineKey, RunHistory>,
    failing_since: HashMap<PipelineKey, Timestamp>,
    colours: HashMap<PipelineKey, Colour>,
    line: Option<String>,
    pruned: Option<std::time::Instant>,
    /// The latest transitions, newest last, as served.
    recent: std::collections::VecDeque<store::StoredTransition>,
    recent_changed: bool,
    /// Who is on which failing pipeline, for every screen.
    acks: Acknowledgements,
}

/// Transitions served at `/api/v1/transitions`.
const RECENT_TRANSITIONS: usize = 500;

impl History {
    fn open(serve: &ServeConfig) -> History {
        let store = match state_dir(serve) {
            None => Err("no state dir: set [serve] state_dir (HOME is not set)".to_string()),
            Some(dir) => Store::open(&dir, serve.retention),
        };
        let store = match store {
            Ok(store) => {
                tracing::info!("history in {}", store.path().display());
                Some(store)
            }
            Err(reason) => {
                eprintln!("andon serve: history disabled, serving live data only: {reason}");
                tracing::error!("history disabled, serving live data only: {reason}");
                None
            }
        };
        History {
            up: store.is_some(),
            store,
            histories: HashMap::new(),
            failing_since: HashMap::new(),
            colours: HashMap::new(),
            line: None,
            pruned: None,
            recent: Default::default(),
            recent_changed: true,
            acks: Acknowledgements::default(),
        }
    }

    /// Seeds a fresh state and tracker with what the last run of the collector knew.
    fn restore(&mut self, state: &mut State, tracker: &mut Tracker) {
        let Some(store) = &self.store else {
            return;
        };
        match store.remember() {
            Ok(remembered) => {
                for ((source, pipeline), (failing, since)) in &remembered.colours {
                    tracker.remember(source, pipeline, *failing, *since);
                }
                state.restore_tracking(&remembered.failing_since, &remembered.history);
                self.failing_since = remembered.failing_since;
                self.histories = remembered.history;
                self.colours = remembered.colours;
                self.line = remembered.line;
                for (key, ack) in remembered.acks {
                    self.acks.insert(key, ack);
                }
                let from = chrono::Duration::from_std(store.retention())
                    .ok()
                    .and_then(|kept| Utc::now().checked_sub_signed(kept))
                    .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
                match store.transitions_since(from, RECENT_TRANSITIONS) {
                    Ok(list) => self.recent = list.into_iter().collect(),
                    Err(reason) => tracing::warn!("transitions not read: {reason}"),
                }
                self.trim_recent();
            }
            Err(reason) => {
                eprintln!("andon serve: history not read, starting afresh: {reason}");
                tracing::error!("history not read, starting afresh: {reason}");
                self.up = false;
            }
        }
    }

    /// Writes the acknowledgements after a change; a failed write leaves them in memory.
    fn keep_acks(&mut self) {
        let Some(store) = &mut self.store else {
            return;
        };
        if let Err(reason) = store.save_acks(self.acks.entries()) {
            tracing::error!("acknowledgements not written: {reason}");
        }
    }

    /// Answers a screen's acknowledgement against the board last built; true when it changed
    /// what is kept.
    fn answer(&mut self, asked: acks::Asked, board: &ViewModel) -> bool {
        let before = self.acks.clone();
        let verdict = acks::answer(&mut self.acks, board, &asked.request, Utc::now());
        match &verdict {
            Ok(reply) => tracing::info!(
                "{}/{} {}",
                reply.source,
                reply.pipeline,
                match &reply.acknowledged {
                    Some(ack) => format!("acknowledged by {}", ack.by),
                    None => "acknowledgement taken back".to_string(),
                }
            ),
            Err(refusal) => tracing::info!("acknowledgement refused: {}", refusal.reason()),
        }
        let changed = self.acks != before;
        if changed {
            self.keep_acks();
        }
        let _ = asked.reply.send(verdict);
        changed
    }

    /// Forgets what passes again, and puts what is kept on the board.
    fn acknowledge_on(&mut self, board: &mut ViewModel) {
        if self.acks.settle(board) {
            self.keep_acks();
        }
        self.acks.apply(board);
    }

    fn trim_recent(&mut self) {
        while self.recent.len() > RECENT_TRANSITIONS {
            self.recent.pop_front();
        }
    }

    /// Colours as the attention tracker keeps them: the first sighting of a red spell stays.
    fn colours_of(&self, view: &ViewModel) -> Vec<(PipelineKey, Colour)> {
        let mut changed = Vec::new();
        for p in &view.pipelines {
            let failing = match p.status {
                PipelineStatus::Failing => true,
                PipelineStatus::Passing => false,
                PipelineStatus::Unknown | PipelineStatus::Stale => continue,
            };
            let key = (p.source.to_string(), p.pipeline.name.clone());
            let known = self.colours.get(&key);
            let since = match known {
                Some((true, since)) if failing => {
                    since.or(p.failing_since.or(p.pipeline.last_build_at))
                }
                _ => p.failing_since.or(p.pipeline.last_build_at),
            };
            if known != Some(&(failing, since)) {
                changed.push((key, (failing, since)));
            }
        }
        changed
    }

    fn record(&mut self, state: &State, view: &ViewModel, transitions: Vec<Transition>) {
        let now = Utc::now();
        self.recent
            .extend(transitions.iter().map(|t| store::StoredTransition {
                at: now,
                source: t.source.clone(),
                pipeline: t.pipeline.clone(),
                event: t.event.word().to_string(),
                red_seconds: t.red_for.map(|d| d.as_secs()),
                notice: t.notice(),
            }));
        self.trim_recent();
        self.recent_changed |= !transitions.is_empty();
        if self.store.is_none() {
            return;
        }
        let histories: Vec<(PipelineKey, RunHistory)> = state
            .histories_by_source()
            .map(|(source, pipeline, history)| {
                ((source.to_string(), pipeline.to_string()), history)
            })
            .filter(|(key, history)| self.histories.get(key) != Some(*history))
            .map(|(key, history)| (key, history.clone()))
            .collect();
        let line = view.andon.state.word().to_string();
        let failing_since = state.failing_since_by_key();
        let change = Change {
            histories,
            failing_since: (failing_since != self.failing_since).then_some(failing_since),
            colours: self.colours_of(view),
            transitions,
            line: (self.line.as_deref() != Some(line.as_str())).then_some(line),
        };
        if change.is_empty() {
            return;
        }
        let Some(store) = &mut self.store else {
            return;
        };
        match store.save(&change, now) {
            Ok(()) => {
                if !self.up {
                    tracing::info!("history writable again");
                }
                self.up = true;
                self.histories.extend(change.histories);
                if let Some(failing) = change.failing_since {
                    self.failing_since = failing;
                }
                self.colours.extend(change.colours);
                if change.line.is_some() {
                    self.line = change.line;
                }
            }
            Err(reason) => {
                if self.up {
                    tracing::error!("history not written, serving live data only: {reason}");
                }
                self.up = false;
            }
        }
        if self.pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            self.pruned = Some(std::time::Instant::now());
            if let Err(reason) = store.prune(now) {
                tracing::warn!("old history not deleted: {reason}");
            }
        }
    }
}

/// The DORA report at `now`'s minute, computed once per data change and minute.
fn dora_at(
    memo: &mut Memo<(u64, Timestamp), DoraReport>,
    config: &Config,
    state: &State,
    now: Timestamp,
) -> DoraReport {
    let minute = crate::live::minute_of(now);
    memo.get((state.generation, minute), || {
        view::dora_report(config, state, minute)
    })
}

/// What decides the served documents besides the clock's minute: the data and each source's
/// freshness (which moves with time alone, from ok to stale).
fn document_key(state: &State, now: Timestamp) -> (u64, Vec<Freshness>, Timestamp) {
    let minute = crate::live::minute_of(now);
    let freshness = state.sources.iter().map(|s| s.freshness(now)).collect();
    (state.generation, freshness, minute)
}

/// `andon serve` from the command line: logs to the log file, refuses an address it may not
/// listen on (exit 2), runs until SIGTERM or SIGINT (exit 0).
pub fn main(
    config: Config,
    options: Options,
    log_file: Option<&std::path::Path>,
    warnings: &[String],
) -> std::process::ExitCode {
    use std::process::ExitCode;
    if let Some(warning) = crate::logging::init(log_file) {
        eprintln!("andon: warning: {warning}");
    }
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    if let Err(err) = listen_address(&config.serve, &options) {
        eprintln!("andon serve: {err}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("andon serve: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(config, options));
    // A held request or a poll stuck in the kernel must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("andon serve: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the collector until SIGTERM or SIGINT. Fails only when it cannot listen.
pub async fn run(config: Config, options: Options) -> Result<(), String> {
    let address = listen_address(&config.serve, &options)?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let signal = |kind| {
        tokio::signal::unix::signal(kind).map_err(|e| format!("cannot watch for signals: {e}"))
    };
    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut history = History::open(&config.serve);
    let mut state = State::new(&config);
    let mut tracker = Tracker::default();
    history.restore(&mut state, &mut tracker);
    eprintln!(
        "andon serve: listening on http://{bound} (/metrics, /api/v1/state, /api/v1/feed), \
         {} source{}",
        config.sources.len(),
        if config.sources.len() == 1 { "" } else { "s" }
    );
    tracing::info!("andon serve listening on {bound}");

    let mut health = Health {
        history_up: history.up,
        ..Health::default()
    };
    let mut dora = Memo::default();
    // Before the first request: documents that say every source is pending, never `{}`.
    let now = Utc::now();
    let mut board = view::build(
        &config,
        &state,
        dora_at(&mut dora, &config, &state, now),
        now,
    );
    history.acknowledge_on(&mut board);
    let mut published = publish::publish(
        &state,
        &board,
        &history.acks,
        &health,
        now,
        &Published::empty(),
    );
    published.transitions = publish::transitions_document(history.recent.make_contiguous());
    history.recent_changed = false;
    let (publisher, latest) = watch::channel(Arc::new(published.clone()));
    let (stop, stopped) = watch::channel(false);
    let (asked_tx, mut asked) = mpsc::channel(16);
    let server = tokio::spawn(http::serve(listener, latest, asked_tx, stopped));
    let (update_tx, mut updates) = mpsc::channel(64);
    let (_refresh, refresh_rx) = watch::channel(0u64);
    let tasks = poller::spawn(&config, update_tx, refresh_rx);

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut observed = u64::MAX;
    let mut built: Option<(u64, Vec<Freshness>, Timestamp)> = None;
    loop {
        tokio::select! {
            Some(update) = updates.recv() => {
                let took = (Utc::now() - update.at).to_std().unwrap_or_default();
                if let Some(source) = state.sources.get(update.index) {
                    health.observe_poll(&source.name, took, update.result.is_ok());
                }
                state.record(update.index, update.at, update.result);
                state.pace(update.index, update.paced_until);
            }
            Some(request) = asked.recv() => {
                if history.answer(request, &board) {
                    built = None;
                }
            }
            _ = tick.tick() => {}
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
        let now = Utc::now();
        let key = document_key(&state, now);
        if built.as_ref() == Some(&key) {
            continue;
        }
        built = Some(key);
        let mut view = view::build(
            &config,
            &state,
            dora_at(&mut dora, &config, &state, now),
            now,
        );
        history.acknowledge_on(&mut view);
        let transitions = if state.generation != observed {
            observed = state.generation;
            tracker.observe(&view, now)
        } else {
            Vec::new()
        };
        for line in crate::attention::log_lines(&transitions) {
            tracing::info!("{line}");
        }
        history.record(&state, &view, transitions);
        health.history_up = history.up;
        health.responses = crate::sources::requests::counts();
        published = publish::publish(&state, &view, &history.acks, &health, now, &published);
        if history.recent_changed {
            history.recent_changed = false;
            published.transitions = publish::transitions_document(history.recent.make_contiguous());
        }
        board = view;
        let next = Arc::new(published.clone());
        publisher.send_if_modified(|current| {
            if **current == *next {
                return false;
            }
            *current = next;
            true
        });
    }
    tracing::info!("andon serve stopping");
    let _ = stop.send(true);
    for task in tasks {
        task.abort();
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup;

    fn error_of(text: &str) -> String {
        setup::parse(text, "c.toml").unwrap_err().to_string()
    }

    #[test]
    fn serve_section_parses_and_bad_values_are_located() {
        let parsed = setup::parse(
            "[serve]\nlisten = \"[::1]:9000\"\nallow_remote = true\nstate_dir = \"/var/lib/andon\"\nretention = \"7d\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(parsed.serve.listen.to_string(), "[::1]:9000");
        assert!(parsed.serve.allow_remote);
        assert_eq!(
            state_dir(&parsed.serve),
            Some(PathBuf::from("/var/lib/andon"))
        );
        assert_eq!(parsed.serve.retention, Duration::from_secs(7 * 86_400));
        assert_eq!(
            setup::parse("", "c.toml").unwrap().serve,
            ServeConfig::default()
        );
        let err = error_of("[serve]\nlisten = \"localhost\"\n");
        assert!(
            err.starts_with("c.toml:2:10: field `serve.listen`") && err.contains("not an address"),
            "{err}"
        );
        let err = error_of("[serve]\nretention = \"1h\"\n");
        assert!(
            err.contains("serve.retention") && err.contains("at least 1 day"),
            "{err}"
        );
        let err = error_of("[serve]\nport = 9464\n");
        assert!(err.contains("port"), "{err}");
    }

    #[test]
    fn an_andon_source_needs_a_url_and_polls_every_second_with_room_to_wait() {
        let parsed = setup::parse(
            "[[source]]\nname = \"hub\"\nkind = \"andon\"\nurl = \"http://127.0.0.1:9464/\"\n",
            "c.toml",
        )
        .unwrap();
        let source = &parsed.sources[0];
        assert_eq!(source.kind.name(), "andon");
        assert_eq!(
            source.kind,
            setup::SourceKind::Andon(crate::sources::andon::AndonConfig {
                url: "http://127.0.0.1:9464".into()
            })
        );
        assert_eq!(
            (source.interval, source.timeout),
            (Duration::from_secs(1), Duration::from_secs(30))
        );
        let described = crate::check::describe(&parsed);
        assert!(
            described.contains("hub  andon  http://127.0.0.1:9464 (an andon serve collector"),
            "{described}"
        );
        assert!(
            described.contains("andon serve: listens on 127.0.0.1:9464"),
            "{described}"
        );
        let err = error_of("[[source]]\nname = \"hub\"\nkind = \"andon\"\n");
        assert!(
            err.contains("source[0].url") && err.contains("needs a url"),
            "{err}"
        );
        let err = error_of(
            "[[source]]\nname = \"hub\"\nkind = \"andon\"\nurl = \"http://h\"\nseed = 3\n",
        );
        assert!(err.contains("source[0].seed"), "{err}");
        let err = error_of("[[source]]\nname = \"x\"\nkind = \"andom\"\nurl = \"http://h\"\n");
        assert!(err.contains("buildkite, andon"), "{err}");
    }

    #[test]
    fn loopback_by_default_and_any_other_address_only_when_asked_for() {
        let serve = ServeConfig::default();
        let none = Options::default();
        assert_eq!(
            listen_address(&serve, &none).unwrap().to_string(),
            "127.0.0.1:9464"
        );
        let v6 = Options {
            listen: Some("[::1]:9000".into()),
            ..Options::default()
        };
        assert_eq!(
            listen_address(&serve, &v6).unwrap().to_string(),
            "[::1]:9000"
        );
        let wide = Options {
            listen: Some("0.0.0.0:9464".into()),
            allow_remote: false,
        };
        let err = listen_address(&serve, &wide).unwrap_err();
        assert!(
            err.contains("not a loopback address") && err.contains("--allow-remote"),
            "{err}"
        );
        let asked = Options {
            allow_remote: true,
            ..wide.clone()
        };
        assert_eq!(
            listen_address(&serve, &asked).unwrap().to_string(),
            "0.0.0.0:9464"
        );
        let configured = ServeConfig {
            allow_remote: true,
            ..ServeConfig::default()
        };
        assert!(listen_address(&configured, &wide).is_ok());
        let typo = Options {
            listen: Some("localhost".into()),
            ..Options::default()
        };
        assert!(
            listen_address(&serve, &typo)
                .unwrap_err()
                .contains("not an address")
        );
    }
}
