//! HTTP responses counted per source and status code, for the collector's metrics. The poller
//! names the source around each poll; the HTTP helpers note each response's status.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex};

tokio::task_local! {
    static SOURCE: Arc<str>;
}

static COUNTS: LazyLock<Mutex<BTreeMap<(String, u16), u64>>> = LazyLock::new(Mutex::default);

/// Runs `poll` with its responses counted as `source`'s.
pub async fn counted_as<F: Future>(source: Arc<str>, poll: F) -> F::Output {
    SOURCE.scope(source, poll).await
}

/// Counts one response for the source being polled (nothing outside a poll).
pub fn note(status: u16) {
    let Ok(source) = SOURCE.try_with(Arc::clone) else {
        return;
    };
    if let Ok(mut counts) = COUNTS.lock() {
        *counts.entry((source.to_string(), status)).or_insert(0) += 1;
    }
}

/// Responses so far, by (source, status code).
pub fn counts() -> BTreeMap<(String, u16), u64> {
    COUNTS.lock().map(|c| c.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn responses_count_for_the_source_being_polled_only() {
        note(200);
        counted_as("requests-test-a".into(), async {
            note(200);
            note(200);
            note(503);
        })
        .await;
        let counts = counts();
        assert_eq!(counts.get(&("requests-test-a".into(), 200)), Some(&2));
        assert_eq!(counts.get(&("requests-test-a".into(), 503)), Some(&1));
    }
}
