//! The whole DORA report over one million events (400k deployments, 400k changes, 200k
//! incidents, 50 services, 60 days), the size a large organisation's Prometheus can hold: the
//! four keys over the window and the one before, the trends, every service's keys, the daily
//! series and the data quality. Commits are 40-digit hex shas and incident ids are like
//! `INC-123`, as real sources give them.
//! Run: `cargo bench --bench dora`.

use std::hint::black_box;
use std::time::Duration;

use andon::dora::{Benchmark, compute};
use andon::model::{Change, Deployment, DoraEvents, Incident, Timestamp};
use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

const DAY: i64 = 86_400;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

/// A 40-digit hex sha, different for each `i`.
fn sha(i: i64) -> String {
    let mix = |x: u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ x;
    let i = i as u64;
    format!(
        "{:016x}{:016x}{:08x}",
        mix(i),
        mix(!i),
        mix(i ^ 0x5555) as u32
    )
}

fn million_events() -> DoraEvents {
    let apps: Vec<String> = (0..50).map(|i| format!("app{i}")).collect();
    let mut events = DoraEvents::default();
    for i in 0..400_000i64 {
        let app = &apps[(i % 50) as usize];
        let commit = sha(i);
        let at = now() - TimeDelta::seconds((i * 7) % (60 * DAY));
        events.deployments.push(Deployment {
            app: app.clone(),
            image_sha: None,
            commit: Some(commit.clone()),
            finished_at: at,
            marked: None,
        });
        events.changes.push(Change {
            app: app.clone(),
            commit,
            image_sha: None,
            committed_at: at - TimeDelta::seconds(i % 5_000),
        });
    }
    for i in 0..200_000i64 {
        let opened = now() - TimeDelta::seconds((i * 13) % (60 * DAY));
        events.incidents.push(Incident {
            app: apps[(i % 50) as usize].clone(),
            id: format!("INC-{i}"),
            opened_at: opened,
            resolved_at: Some(opened + TimeDelta::hours(2)),
        });
    }
    events
}

fn one_million_events(c: &mut Criterion) {
    let events = million_events();
    let window = Duration::from_secs(30 * DAY as u64);
    let mut group = c.benchmark_group("dora");
    group.sample_size(10);
    group.bench_function("compute 1M events", |b| {
        b.iter(|| compute(black_box(&events), now(), window, Benchmark::Dora2023))
    });
    group.finish();
}

criterion_group!(benches, one_million_events);
criterion_main!(benches);
