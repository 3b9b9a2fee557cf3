//! One HTTP client per distinct transport setting, shared by every source that uses it: one
//! load of the system's root store and one connection pool, however many sources there are.
//! Building a client loads and parses the system's roots (milliseconds of CPU and a few hundred
//! KiB each), so a client per source made start-up grow with the number of sources.
//!
//! Beside them lives the one `Hosts` of a config's sources: the rest, pace and request budget
//! of each host, handed with every client so that all sources on a host spend one budget.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::SourceKind;
use super::hosts::Hosts;
use super::{SourceError, http};
use crate::config::Transport;

/// What makes two sources' clients differ: the extra CA bundle and whether certificates are
/// checked. Everything else a source sets (body cap, budget, backoff) is applied per request
/// or per source, not in the client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Setting {
    ca_file: Option<PathBuf>,
    insecure: bool,
}

impl Setting {
    fn of(transport: &Transport) -> Setting {
        Setting {
            ca_file: transport.ca_file.clone(),
            insecure: transport.insecure,
        }
    }
}

/// The clients of one config, built on first use and then handed out as cheap clones (a
/// `reqwest::Client` is a handle to a shared pool).
#[derive(Default)]
pub struct Clients {
    built: HashMap<Setting, Result<reqwest::Client, SourceError>>,
    builds: usize,
    hosts: Arc<Hosts>,
}

impl Clients {
    pub fn new() -> Clients {
        Clients::default()
    }

    /// The hosts every client handed out shares.
    pub fn hosts(&self) -> &Arc<Hosts> {
        &self.hosts
    }

    /// The client for `transport`, or why it cannot be set up (e.g. the CA file vanished).
    pub fn get(&mut self, transport: &Transport) -> Result<http::Client, SourceError> {
        let setting = Setting::of(transport);
        let pool = match self.built.get(&setting) {
            Some(pool) => pool.clone(),
            None => {
                self.builds += 1;
                let pool = http::client_for(transport);
                self.built.insert(setting, pool.clone());
                pool
            }
        };
        pool.map(|pool| http::Client::new(pool, self.hosts.clone()))
    }

    /// The client a source of `kind` polls with. The demo makes no request; it shares the
    /// default client so its transport settings can never make it fail.
    pub fn for_source(
        &mut self,
        kind: &SourceKind,
        transport: &Transport,
    ) -> Result<http::Client, SourceError> {
        if kind.makes_requests() {
            self.get(transport)
        } else {
            self.get(&Transport::default())
        }
    }

    /// How many clients were built: one per distinct setting in use.
    pub fn builds(&self) -> usize {
        self.builds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_with_the_same_setting_share_one_client() {
        let mut clients = Clients::new();
        let plain = Transport::default();
        let bigger_body = Transport {
            max_body: 1024,
            budget_per_hour: 7,
            ..Transport::default()
        };
        let insecure = Transport {
            insecure: true,
            ..Transport::default()
        };
        for _ in 0..50 {
            clients.get(&plain).unwrap();
            clients.get(&bigger_body).unwrap();
            clients.get(&insecure).unwrap();
        }
        assert_eq!(clients.builds(), 2, "one for verified, one for insecure");
    }

    #[test]
    fn a_missing_ca_file_is_an_error_for_each_source_that_names_it_and_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Transport {
            ca_file: Some(dir.path().join("gone.pem")),
            ..Transport::default()
        };
        let mut clients = Clients::new();
        let first = clients.get(&missing).unwrap_err();
        let second = clients.get(&missing).unwrap_err();
        assert!(first.reason.starts_with("cannot read CA file"), "{first}");
        assert_eq!(first.reason, second.reason);
        assert_eq!(clients.builds(), 1);
        assert!(
            clients.get(&Transport::default()).is_ok(),
            "others unaffected"
        );
    }

    #[test]
    fn every_client_handed_out_shares_the_one_hosts() {
        let mut clients = Clients::new();
        let plain = clients.get(&Transport::default()).unwrap();
        let insecure = clients
            .get(&Transport {
                insecure: true,
                ..Transport::default()
            })
            .unwrap();
        plain
            .hosts()
            .admit("shared.example:443", chrono::Utc::now(), 1)
            .unwrap();
        let spent = insecure
            .hosts()
            .admit("shared.example:443", chrono::Utc::now(), 1)
            .unwrap_err();
        assert!(spent.reason.contains("budget of 1 requests/h"), "{spent}");
        assert_eq!(clients.hosts().requests_sent("shared.example:443"), 1);
        let other = Clients::new();
        assert_eq!(other.hosts().requests_sent("shared.example:443"), 0);
    }
}
