//! The one list of source kinds. Each kind's home (`sources/<kind>`) holds its settings, the
//! keys it takes, how they are read and checked, its `andon check` words, its wire types and
//! its polling; this file names every kind once in each of the places that must know them
//! all: `SourceKind`, `KINDS`, `Source` and the matches over them, none with a catch-all arm,
//! so the compiler points at each one a new kind is missing from.

use std::time::Duration;

use super::polite::Polite;
use super::{
    SourceError, andon, buildkite, cctray, demo, exposition, github, gitlab, http, jenkins,
    prometheus,
};
use crate::config::{ConfigError, KindConfig, SourceFields, api_host};
use crate::credentials::Auth;
use crate::model::{Snapshot, Timestamp};

/// A source's settings, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    Demo(demo::DemoConfig),
    Prometheus(prometheus::PrometheusConfig),
    Exposition(exposition::ExpositionConfig),
    Cctray(cctray::CctrayConfig),
    Github(github::GithubConfig),
    Gitlab(gitlab::GitlabConfig),
    Jenkins(jenkins::JenkinsConfig),
    Buildkite(buildkite::BuildkiteConfig),
    Andon(andon::AndonConfig),
}

/// Every kind, in the order messages and the JSON Schema list them.
pub const KINDS: [Kind; 9] = [
    kind::<demo::DemoConfig>(|s| demo::DemoConfig::from_raw(s).map(SourceKind::Demo)),
    kind::<prometheus::PrometheusConfig>(|s| {
        prometheus::PrometheusConfig::from_raw(s).map(SourceKind::Prometheus)
    }),
    kind::<exposition::ExpositionConfig>(|s| {
        exposition::ExpositionConfig::from_raw(s).map(SourceKind::Exposition)
    }),
    kind::<cctray::CctrayConfig>(|s| cctray::CctrayConfig::from_raw(s).map(SourceKind::Cctray)),
    kind::<github::GithubConfig>(|s| github::GithubConfig::from_raw(s).map(SourceKind::Github)),
    kind::<gitlab::GitlabConfig>(|s| gitlab::GitlabConfig::from_raw(s).map(SourceKind::Gitlab)),
    kind::<jenkins::JenkinsConfig>(|s| {
        jenkins::JenkinsConfig::from_raw(s).map(SourceKind::Jenkins)
    }),
    kind::<buildkite::BuildkiteConfig>(|s| {
        buildkite::BuildkiteConfig::from_raw(s).map(SourceKind::Buildkite)
    }),
    kind::<andon::AndonConfig>(|s| andon::AndonConfig::from_raw(s).map(SourceKind::Andon)),
];

/// Every kind as written in `kind = "..."`.
pub const SOURCE_KINDS: [&str; KINDS.len()] = {
    let mut names = [""; KINDS.len()];
    let mut i = 0;
    while i < KINDS.len() {
        names[i] = KINDS[i].name;
        i += 1;
    }
    names
};

/// What is known of a kind by its name, before a source of it is read.
#[derive(Clone, Copy)]
pub struct Kind {
    pub name: &'static str,
    /// The keys it takes besides those every kind takes.
    pub keys: &'static [&'static str],
    /// Those of `keys` it needs.
    pub required: &'static [&'static str],
    /// Polled by a long poll (see `KindConfig::LONG_POLL`).
    pub long_poll: bool,
    read: fn(&SourceFields) -> Result<SourceKind, ConfigError>,
}

const fn kind<K: KindConfig>(read: fn(&SourceFields) -> Result<SourceKind, ConfigError>) -> Kind {
    Kind {
        name: K::NAME,
        keys: K::KEYS,
        required: K::REQUIRED,
        long_poll: K::LONG_POLL,
        read,
    }
}

impl Kind {
    /// The kind written `name`, if there is one.
    pub fn named(name: &str) -> Option<Kind> {
        KINDS.into_iter().find(|kind| kind.name == name)
    }

    /// A source of this kind from its table; its keys were checked already.
    pub fn read(&self, source: &SourceFields) -> Result<SourceKind, ConfigError> {
        (self.read)(source)
    }
}

/// "prometheus, exposition and cctray": the kinds that take `key`.
pub fn kinds_taking(key: &str) -> String {
    let kinds: Vec<&str> = KINDS
        .iter()
        .filter(|kind| kind.keys.contains(&key))
        .map(|kind| kind.name)
        .collect();
    match kinds.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl SourceKind {
    pub fn name(&self) -> &'static str {
        match self {
            SourceKind::Demo(_) => demo::DemoConfig::NAME,
            SourceKind::Prometheus(_) => prometheus::PrometheusConfig::NAME,
            SourceKind::Exposition(_) => exposition::ExpositionConfig::NAME,
            SourceKind::Cctray(_) => cctray::CctrayConfig::NAME,
            SourceKind::Github(_) => github::GithubConfig::NAME,
            SourceKind::Gitlab(_) => gitlab::GitlabConfig::NAME,
            SourceKind::Jenkins(_) => jenkins::JenkinsConfig::NAME,
            SourceKind::Buildkite(_) => buildkite::BuildkiteConfig::NAME,
            SourceKind::Andon(_) => andon::AndonConfig::NAME,
        }
    }

    fn settings(&self) -> &dyn Described {
        match self {
            SourceKind::Demo(c) => c,
            SourceKind::Prometheus(c) => c,
            SourceKind::Exposition(c) => c,
            SourceKind::Cctray(c) => c,
            SourceKind::Github(c) => c,
            SourceKind::Gitlab(c) => c,
            SourceKind::Jenkins(c) => c,
            SourceKind::Buildkite(c) => c,
            SourceKind::Andon(c) => c,
        }
    }

    /// What `andon check` says the source reads.
    pub fn describe(&self) -> String {
        self.settings().describe()
    }

    /// `andon check`'s further lines about the source.
    pub fn notes(&self) -> Vec<String> {
        self.settings().notes()
    }

    /// The source's credentials, for kinds that have them.
    pub fn auth(&self) -> Option<&Auth> {
        self.settings().auth()
    }

    /// The host (and port, when not the scheme's) of a CI API source, whose request budget it
    /// shares with every other source on that host.
    pub fn api_host(&self) -> Option<String> {
        api_host(self.settings().api_url()?)
    }

    /// Whether the source asks a server at all (the demo makes everything up).
    pub fn makes_requests(&self) -> bool {
        match self {
            SourceKind::Demo(_) => false,
            SourceKind::Prometheus(_)
            | SourceKind::Exposition(_)
            | SourceKind::Cctray(_)
            | SourceKind::Github(_)
            | SourceKind::Gitlab(_)
            | SourceKind::Jenkins(_)
            | SourceKind::Buildkite(_)
            | SourceKind::Andon(_) => true,
        }
    }
}

/// The part of `KindConfig` a source's settings answer once read, as one object.
trait Described {
    fn describe(&self) -> String;
    fn notes(&self) -> Vec<String>;
    fn auth(&self) -> Option<&Auth>;
    fn api_url(&self) -> Option<&str>;
}

impl<K: KindConfig> Described for K {
    fn describe(&self) -> String {
        KindConfig::describe(self)
    }
    fn notes(&self) -> Vec<String> {
        KindConfig::notes(self)
    }
    fn auth(&self) -> Option<&Auth> {
        KindConfig::auth(self)
    }
    fn api_url(&self) -> Option<&str> {
        KindConfig::api_url(self)
    }
}

/// A source's poller, by kind.
pub enum Source {
    Demo(demo::DemoSource),
    Prometheus(prometheus::PrometheusSource),
    Exposition(exposition::ExpositionSource),
    Cctray(cctray::CctraySource),
    Github(github::GithubSource),
    Gitlab(gitlab::GitlabSource),
    Jenkins(jenkins::JenkinsSource),
    Buildkite(buildkite::BuildkiteSource),
    Andon(andon::AndonSource),
}

impl Source {
    /// The poller of a source of `kind`, waiting at most `timeout` for an answer; the CI APIs
    /// spend at most `budget_per_hour` requests of their host.
    pub fn new(
        kind: &SourceKind,
        timeout: Duration,
        budget_per_hour: u32,
        client: &http::Client,
    ) -> Source {
        let client = client.clone();
        let source = match kind {
            SourceKind::Demo(c) => Source::Demo(demo::DemoSource::new(c.seed)),
            SourceKind::Prometheus(c) => {
                Source::Prometheus(prometheus::PrometheusSource::new(c.clone(), client))
            }
            SourceKind::Exposition(c) => {
                Source::Exposition(exposition::ExpositionSource::new(c.clone(), client))
            }
            SourceKind::Cctray(c) => Source::Cctray(cctray::CctraySource::new(c.clone(), client)),
            SourceKind::Github(c) => Source::Github(github::GithubSource::new(c.clone(), client)),
            SourceKind::Gitlab(c) => Source::Gitlab(gitlab::GitlabSource::new(c.clone(), client)),
            SourceKind::Jenkins(c) => {
                Source::Jenkins(jenkins::JenkinsSource::new(c.clone(), client))
            }
            SourceKind::Buildkite(c) => {
                Source::Buildkite(buildkite::BuildkiteSource::new(c.clone(), client))
            }
            SourceKind::Andon(c) => {
                Source::Andon(andon::AndonSource::new(c.clone(), timeout, client))
            }
        };
        if let Some(http) = source.polite() {
            http.set_budget(budget_per_hour);
        }
        source
    }

    /// The polite HTTP client of a CI API source.
    fn polite(&self) -> Option<&Polite> {
        match self {
            Source::Github(s) => Some(s.http()),
            Source::Gitlab(s) => Some(s.http()),
            Source::Jenkins(s) => Some(s.http()),
            Source::Buildkite(s) => Some(s.http()),
            Source::Demo(_)
            | Source::Prometheus(_)
            | Source::Exposition(_)
            | Source::Cctray(_)
            | Source::Andon(_) => None,
        }
    }

    /// When the next poll may start without outrunning a server's rate limit; None when now.
    pub fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        match self {
            Source::Prometheus(s) => s.ready_at(now),
            Source::Exposition(s) => s.ready_at(now),
            Source::Cctray(s) => s.ready_at(now),
            Source::Github(_) | Source::Gitlab(_) | Source::Jenkins(_) | Source::Buildkite(_) => {
                self.polite()?.ready_at(now)
            }
            Source::Demo(_) | Source::Andon(_) => None,
        }
    }

    /// One poll. `now` is the poll's clock: sources that compute time windows use it.
    pub async fn poll(&self, now: Timestamp) -> Result<Snapshot, SourceError> {
        match self {
            Source::Demo(s) => Ok(s.snapshot(now)),
            Source::Prometheus(s) => s.poll(now).await,
            Source::Exposition(s) => s.poll().await,
            Source::Cctray(s) => s.poll().await,
            Source::Github(s) => s.poll(now).await,
            Source::Gitlab(s) => s.poll(now).await,
            Source::Jenkins(s) => s.poll().await,
            Source::Buildkite(s) => s.poll().await,
            Source::Andon(s) => s.poll().await,
        }
    }
}
