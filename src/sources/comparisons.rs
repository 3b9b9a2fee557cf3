//! A source's comparisons of two commits, fetched through its polite client at most once per
//! (base, head) pair, shared by the GitHub and GitLab sources.

use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::sources::SourceError;
use crate::sources::delivery::{CompareCache, Compared};
use crate::sources::polite::Polite;

/// One comparison to ask for: the commits after `base` up to `head`, at `url`.
pub struct CompareRequest<'a> {
    pub base: &'a str,
    pub head: &'a str,
    pub url: String,
    pub headers: &'a HeaderMap,
    /// The repository or project, for the log.
    pub origin: &'a str,
}

#[derive(Default)]
pub struct Comparisons {
    cache: Mutex<CompareCache>,
}

impl Comparisons {
    /// The comparison from the cache, else from the server while `asked` is under `most`
    /// (None when over). One the server cannot make (a commit gone after a force push, a
    /// comparison too large) is remembered as unavailable and logged, never asked again.
    pub async fn get<T: DeserializeOwned>(
        &self,
        http: &Polite,
        request: CompareRequest<'_>,
        asked: &mut usize,
        most: usize,
        read: impl FnOnce(T) -> Compared,
    ) -> Result<Option<Arc<Compared>>, SourceError> {
        let CompareRequest {
            base,
            head,
            url,
            headers,
            origin,
        } = request;
        let known = self.cache.lock().ok().and_then(|mut c| c.get(base, head));
        if known.is_some() || *asked >= most {
            return Ok(known);
        }
        *asked += 1;
        let compared = match http
            .get_json_if_available::<T>(&url, headers, "comparison")
            .await?
        {
            Ok(comparison) => read(comparison),
            Err(missing) => {
                tracing::warn!(
                    origin,
                    base,
                    head,
                    reason = %missing.reason,
                    "cannot compare; lead time counts the deployed commit only"
                );
                Compared::unavailable(missing.reason)
            }
        };
        if let Some(note) = compared.truncation() {
            tracing::warn!(origin, base, head, "comparison {note}");
        }
        Ok(Some(match self.cache.lock() {
            Ok(mut cache) => cache.insert(base, head, compared),
            Err(_) => Arc::new(compared),
        }))
    }
}
