//! The collector's durable history, in SQLite (`history.sqlite3` in the state dir): each
//! pipeline's runs, since when the failing ones fail, every red/green transition with its time
//! and the attention it raised, and the line's state changes. Written in WAL mode, one
//! transaction per change, so a `kill -9` loses nothing already committed and never leaves a
//! half-written file; rows older than the retention are deleted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::TimeZone;
use rusqlite::{Connection, OptionalExtension, params};

use crate::attention::Transition;
use crate::history::{RunHistory, RunRecord, StageSample};
use crate::model::{Acknowledgement, Timestamp};
use crate::state::PipelineKey;

pub const FILE_NAME: &str = "history.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    source TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    position INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    passed INTEGER,
    commit_sha TEXT,
    stages TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, pipeline, position)
);
CREATE TABLE IF NOT EXISTS failing (
    source TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (source, pipeline)
);
CREATE TABLE IF NOT EXISTS colours (
    source TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    failing INTEGER NOT NULL,
    since INTEGER,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, pipeline)
);
CREATE TABLE IF NOT EXISTS transitions (
    at INTEGER NOT NULL,
    source TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    event TEXT NOT NULL,
    red_seconds INTEGER,
    notice TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transitions_at ON transitions (at);
CREATE TABLE IF NOT EXISTS line (
    at INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS line_at ON line (at);
CREATE TABLE IF NOT EXISTS acks (
    source TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (source, pipeline)
);
";

/// A pipeline's last definite colour: failing or not, and since when it is red.
pub type Colour = (bool, Option<Timestamp>);

/// What a restarted collector picks up.
#[derive(Debug, Default, PartialEq)]
pub struct Remembered {
    pub failing_since: HashMap<PipelineKey, Timestamp>,
    pub history: HashMap<PipelineKey, RunHistory>,
    pub colours: HashMap<PipelineKey, Colour>,
    pub line: Option<String>,
    /// Who is on which failing pipeline.
    pub acks: HashMap<PipelineKey, Acknowledgement>,
}

/// One red/green transition as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTransition {
    pub at: Timestamp,
    pub source: String,
    pub pipeline: String,
    pub event: String,
    pub red_seconds: Option<u64>,
    pub notice: String,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    retention: Duration,
}

fn time(seconds: i64) -> Option<Timestamp> {
    chrono::Utc.timestamp_opt(seconds, 0).single()
}

impl Store {
    /// Opens (or creates) the database in `dir`. Every failure says which file and why, in
    /// words: a directory that cannot be made or written, a file that is not a database.
    pub fn open(dir: &Path, retention: Duration) -> Result<Store, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the state dir {}: {e}", dir.display()))?;
        let path = dir.join(FILE_NAME);
        let fail = |e: rusqlite::Error| format!("history database {}: {e}", path.display());
        let conn = Connection::open(&path).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(2)).map_err(fail)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(|e| format!("{} (is it corrupt? move it aside to start afresh)", fail(e)))?;
        if check != "ok" {
            return Err(format!(
                "history database {} is corrupt ({check}); move it aside to start afresh",
                path.display()
            ));
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        Ok(Store {
            conn,
            path,
            retention,
        })
    }

    pub fn retention(&self) -> Duration {
        self.retention
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn fail(&self, e: rusqlite::Error) -> String {
        format!("history database {}: {e}", self.path.display())
    }

    pub fn remember(&self) -> Result<Remembered, String> {
        let mut remembered = Remembered::default();
        let mut failing = self
            .conn
            .prepare("SELECT source, pipeline, since FROM failing")
            .map_err(|e| self.fail(e))?;
        let rows = failing
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.fail(e))?;
        for row in rows {
            let (source, pipeline, since) = row.map_err(|e| self.fail(e))?;
            if let Some(since) = time(since) {
                remembered.failing_since.insert((source, pipeline), since);
            }
        }
        let mut runs = self
            .conn
            .prepare(
                "SELECT source, pipeline, run_id, passed, commit_sha, stages FROM runs \
                 ORDER BY source, pipeline, position",
            )
            .map_err(|e| self.fail(e))?;
        let rows = runs
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<bool>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.fail(e))?;
        for row in rows {
            let (source, pipeline, id, passed, commit, stages) = row.map_err(|e| self.fail(e))?;
            remembered
                .history
                .entry((source, pipeline))
                .or_default()
                .runs
                .push(RunRecord {
                    id: id.into(),
                    passed,
                    commit,
                    stages: stages_of(&stages),
                });
        }
        let mut colours = self
            .conn
            .prepare("SELECT source, pipeline, failing, since FROM colours")
            .map_err(|e| self.fail(e))?;
        let rows = colours
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, Option<i64>>(3)?,
                ))
            })
            .map_err(|e| self.fail(e))?;
        for row in rows {
            let (source, pipeline, failing, since) = row.map_err(|e| self.fail(e))?;
            remembered
                .colours
                .insert((source, pipeline), (failing, since.and_then(time)));
        }
        remembered.line = self
            .conn
            .query_row(
                "SELECT state FROM line ORDER BY at DESC, rowid DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        let mut acks = self
            .conn
            .prepare("SELECT source, pipeline, by_user, at FROM acks")
            .map_err(|e| self.fail(e))?;
        let rows = acks
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .map_err(|e| self.fail(e))?;
        for row in rows {
            let (source, pipeline, by, at) = row.map_err(|e| self.fail(e))?;
            if let Some(at) = time(at) {
                remembered
                    .acks
                    .insert((source, pipeline), Acknowledgement { by, at });
            }
        }
        Ok(remembered)
    }

    /// Replaces the kept acknowledgements with `acks`, in one transaction.
    pub fn save_acks<'a>(
        &mut self,
        acks: impl Iterator<Item = (&'a PipelineKey, &'a Acknowledgement)>,
    ) -> Result<(), String> {
        let path = self.path.display().to_string();
        let fail = |e: rusqlite::Error| format!("history database {path}: {e}");
        let tx = self.conn.transaction().map_err(fail)?;
        tx.execute("DELETE FROM acks", []).map_err(fail)?;
        for ((source, pipeline), ack) in acks {
            tx.execute(
                "INSERT INTO acks (source, pipeline, by_user, at) VALUES (?1, ?2, ?3, ?4)",
                params![source, pipeline, ack.by, ack.at.timestamp()],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    /// Writes what changed, in one transaction: a pipeline's runs, the failing set, colours,
    /// transitions and a new line state.
    pub fn save(&mut self, change: &Change, now: Timestamp) -> Result<(), String> {
        let path = self.path.display().to_string();
        let fail = |e: rusqlite::Error| format!("history database {path}: {e}");
        let tx = self.conn.transaction().map_err(fail)?;
        for ((source, pipeline), history) in &change.histories {
            tx.execute(
                "DELETE FROM runs WHERE source = ?1 AND pipeline = ?2",
                params![source, pipeline],
            )
            .map_err(fail)?;
            for (position, run) in history.runs.iter().enumerate() {
                tx.execute(
                    "INSERT INTO runs (source, pipeline, position, run_id, passed, commit_sha, \
                     stages, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        source,
                        pipeline,
                        position as i64,
                        run.id.as_str(),
                        run.passed,
                        run.commit,
                        stages_text(&run.stages),
                        now.timestamp()
                    ],
                )
                .map_err(fail)?;
            }
        }
        if let Some(failing) = &change.failing_since {
            tx.execute("DELETE FROM failing", []).map_err(fail)?;
            for ((source, pipeline), since) in failing {
                tx.execute(
                    "INSERT INTO failing (source, pipeline, since) VALUES (?1, ?2, ?3)",
                    params![source, pipeline, since.timestamp()],
                )
                .map_err(fail)?;
            }
        }
        for ((source, pipeline), (failing, since)) in &change.colours {
            tx.execute(
                "INSERT OR REPLACE INTO colours (source, pipeline, failing, since, seen_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    source,
                    pipeline,
                    failing,
                    since.map(|s| s.timestamp()),
                    now.timestamp()
                ],
            )
            .map_err(fail)?;
        }
        for t in &change.transitions {
            tx.execute(
                "INSERT INTO transitions (at, source, pipeline, event, red_seconds, notice) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    now.timestamp(),
                    t.source,
                    t.pipeline,
                    t.event.word(),
                    t.red_for.map(|d| d.as_secs() as i64),
                    t.notice()
                ],
            )
            .map_err(fail)?;
        }
        if let Some(line) = &change.line {
            tx.execute(
                "INSERT INTO line (at, state) VALUES (?1, ?2)",
                params![now.timestamp(), line],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    /// Deletes what is older than the retention.
    pub fn prune(&self, now: Timestamp) -> Result<(), String> {
        let cutoff = now.timestamp() - self.retention.as_secs().min(i64::MAX as u64) as i64;
        for sql in [
            "DELETE FROM transitions WHERE at < ?1",
            "DELETE FROM line WHERE at < ?1",
            "DELETE FROM runs WHERE seen_at < ?1",
            "DELETE FROM colours WHERE seen_at < ?1",
        ] {
            self.conn
                .execute(sql, params![cutoff])
                .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Transitions at or after `from`, oldest first.
    /// The newest `limit` transitions at or after `from`, oldest first (only those are read).
    pub fn transitions_since(
        &self,
        from: Timestamp,
        limit: usize,
    ) -> Result<Vec<StoredTransition>, String> {
        let mut query = self
            .conn
            .prepare(
                "SELECT at, source, pipeline, event, red_seconds, notice FROM transitions \
                 WHERE at >= ?1 ORDER BY at DESC, rowid DESC LIMIT ?2",
            )
            .map_err(|e| self.fail(e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = query
            .query_map(params![from.timestamp(), limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    StoredTransition {
                        at: Timestamp::default(),
                        source: row.get(1)?,
                        pipeline: row.get(2)?,
                        event: row.get(3)?,
                        red_seconds: row.get::<_, Option<i64>>(4)?.map(|s| s.max(0) as u64),
                        notice: row.get(5)?,
                    },
                ))
            })
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (at, mut t) = row.map_err(|e| self.fail(e))?;
            t.at = time(at).unwrap_or_default();
            out.push(t);
        }
        out.reverse();
        Ok(out)
    }
}

/// What changed since the last save.
#[derive(Debug, Default)]
pub struct Change {
    pub histories: Vec<(PipelineKey, RunHistory)>,
    /// The whole failing set, when it changed.
    pub failing_since: Option<HashMap<PipelineKey, Timestamp>>,
    pub colours: Vec<(PipelineKey, Colour)>,
    pub transitions: Vec<Transition>,
    pub line: Option<String>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
            && self.failing_since.is_none()
            && self.colours.is_empty()
            && self.transitions.is_empty()
            && self.line.is_none()
    }
}

fn stages_text(stages: &[StageSample]) -> String {
    serde_json::Value::Array(
        stages
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "duration_seconds": s.duration_seconds,
                    "queued_seconds": s.queued_seconds,
                    "passed": s.passed,
                })
            })
            .collect(),
    )
    .to_string()
}

fn stages_of(text: &str) -> Vec<StageSample> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            Some(StageSample {
                name: item.get("name")?.as_str()?.to_string(),
                duration_seconds: item.get("duration_seconds").and_then(|v| v.as_f64()),
                queued_seconds: item.get("queued_seconds").and_then(|v| v.as_f64()),
                passed: item.get("passed")?.as_bool()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::Event;

    fn at(seconds: i64) -> Timestamp {
        chrono::Utc
            .timestamp_opt(1_790_000_000 + seconds, 0)
            .unwrap()
    }

    fn key(pipeline: &str) -> PipelineKey {
        ("ci".to_string(), pipeline.to_string())
    }

    #[test]
    fn what_was_saved_is_remembered_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let retention = Duration::from_secs(30 * 86_400);
        let mut store = Store::open(dir.path(), retention).unwrap();
        let history = RunHistory {
            runs: vec![
                RunRecord {
                    id: "#2".into(),
                    passed: Some(false),
                    commit: Some("b".into()),
                    stages: vec![StageSample {
                        name: "test".into(),
                        duration_seconds: Some(12.5),
                        queued_seconds: None,
                        passed: false,
                    }],
                },
                RunRecord {
                    id: "#1".into(),
                    passed: Some(true),
                    commit: None,
                    stages: Vec::new(),
                },
            ],
        };
        let change = Change {
            histories: vec![(key("api"), history.clone())],
            failing_since: Some(HashMap::from([(key("api"), at(-2520))])),
            colours: vec![(key("api"), (true, Some(at(-2520))))],
            transitions: vec![Transition {
                event: Event::Red,
                pipeline: "api".into(),
                source: "ci".into(),
                stage: None,
                url: None,
                breakers: Vec::new(),
                red_for: None,
            }],
            line: Some("red".into()),
        };
        store.save(&change, at(0)).unwrap();
        drop(store);
        let store = Store::open(dir.path(), retention).unwrap();
        let remembered = store.remember().unwrap();
        assert_eq!(remembered.history[&key("api")], history);
        assert_eq!(remembered.failing_since[&key("api")], at(-2520));
        assert_eq!(remembered.colours[&key("api")], (true, Some(at(-2520))));
        assert_eq!(remembered.line.as_deref(), Some("red"));
        let transitions = store.transitions_since(at(-60), 500).unwrap();
        assert_eq!(transitions.len(), 1);
        assert_eq!(transitions[0].notice, "✗ api went red");
        assert!(store.transitions_since(at(1), 500).unwrap().is_empty());
    }

    #[test]
    fn acknowledgements_are_kept_across_a_restart_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let retention = Duration::from_secs(30 * 86_400);
        let mut store = Store::open(dir.path(), retention).unwrap();
        let dara = Acknowledgement {
            by: "dara".into(),
            at: at(-60),
        };
        let kept = HashMap::from([(key("api"), dara.clone()), (key("web"), dara.clone())]);
        store.save_acks(kept.iter()).unwrap();
        drop(store);
        let mut store = Store::open(dir.path(), retention).unwrap();
        assert_eq!(store.remember().unwrap().acks, kept);
        let fewer = HashMap::from([(key("web"), dara)]);
        store.save_acks(fewer.iter()).unwrap();
        assert_eq!(
            store.remember().unwrap().acks,
            fewer,
            "api's was taken back"
        );
    }

    #[test]
    fn only_the_newest_transitions_asked_for_are_read_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), Duration::from_secs(30 * 86_400)).unwrap();
        for (i, pipeline) in ["a", "b", "c"].iter().enumerate() {
            let change = Change {
                transitions: vec![Transition {
                    event: Event::Red,
                    pipeline: pipeline.to_string(),
                    source: "ci".into(),
                    stage: None,
                    url: None,
                    breakers: Vec::new(),
                    red_for: None,
                }],
                ..Change::default()
            };
            store.save(&change, at(i as i64 * 10)).unwrap();
        }
        let read: Vec<String> = store
            .transitions_since(at(-60), 2)
            .unwrap()
            .into_iter()
            .map(|t| t.pipeline)
            .collect();
        assert_eq!(read, ["b", "c"]);
    }

    #[test]
    fn rows_older_than_the_retention_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), Duration::from_secs(86_400)).unwrap();
        let change = Change {
            line: Some("green".into()),
            ..Change::default()
        };
        store.save(&change, at(0)).unwrap();
        store.save(&change, at(2 * 86_400)).unwrap();
        store.prune(at(2 * 86_400 + 10)).unwrap();
        let lines: i64 = store
            .conn
            .query_row("SELECT count(*) FROM line", [], |r| r.get(0))
            .unwrap();
        assert_eq!(lines, 1);
    }

    #[test]
    fn a_corrupt_file_or_an_unusable_dir_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), vec![0x5a; 8192]).unwrap();
        let err = Store::open(dir.path(), Duration::from_secs(86_400))
            .err()
            .expect("garbage is not a database");
        assert!(
            err.contains(FILE_NAME) && err.contains("not a database"),
            "{err}"
        );
        let file = dir.path().join("plain-file");
        std::fs::write(&file, "x").unwrap();
        let err = Store::open(&file.join("state"), Duration::from_secs(86_400))
            .err()
            .expect("a dir under a file cannot be made");
        assert!(err.starts_with("cannot create the state dir"), "{err}");
    }
}
