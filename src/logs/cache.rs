//! Logs already read, per job. A failed job's log does not change, so it is read once; the
//! oldest entries go when the cache is full.

use std::collections::VecDeque;
use std::sync::Arc;

use super::{LogKey, LogText};

/// Logs kept; each is at most `TAIL_BYTES` of text.
pub const CACHED_LOGS: usize = 16;

#[derive(Debug, Default)]
pub struct LogCache {
    entries: VecDeque<(LogKey, Arc<LogText>)>,
}

impl LogCache {
    pub fn get(&self, key: &LogKey) -> Option<Arc<LogText>> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, log)| Arc::clone(log))
    }

    pub fn insert(&mut self, key: LogKey, log: Arc<LogText>) {
        self.entries.retain(|(k, _)| *k != key);
        if self.entries.len() >= CACHED_LOGS {
            self.entries.pop_front();
        }
        self.entries.push_back((key, log));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(job: usize) -> LogKey {
        LogKey {
            source: "ci".into(),
            job: job.to_string(),
        }
    }

    #[test]
    fn keeps_each_job_once_and_drops_the_oldest_when_full() {
        let mut cache = LogCache::default();
        for job in 0..CACHED_LOGS + 3 {
            cache.insert(key(job), Arc::new(LogText::default()));
        }
        cache.insert(key(CACHED_LOGS + 2), Arc::new(LogText::default()));
        assert_eq!(cache.len(), CACHED_LOGS);
        assert!(cache.get(&key(0)).is_none());
        assert!(cache.get(&key(CACHED_LOGS + 2)).is_some());
    }
}
