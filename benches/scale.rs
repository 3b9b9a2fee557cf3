//! How cost grows with the board: one poll on a running radiator (the state update, the view
//! build and the drop of the view it replaces) for feeds of 1,000, 10,000 and 100,000 pipelines
//! (the time should grow tenfold per step, no more), the view build alone for 10,000 and
//! 100,000, and one whole frame of 2,000 pipelines drawn at 250x70 (a wall) and at 80x24 (an SSH
//! session).
//! The feeds are cctray-like: a name, a status (one in ten failing), a label, a time and a link.
//! Run: `cargo bench --bench scale`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use andon::model::{BuildStatus, Pipeline, Snapshot, Timestamp};
use andon::setup::{self, Config};
use andon::state::State;
use andon::ui::{self, Screen, Theme};
use andon::view::{self, ViewModel};
use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn config() -> Config {
    setup::parse(
        "[[source]]\nname = \"ci\"\nkind = \"cctray\"\nurl = \"http://127.0.0.1:1/cc.xml\"\n",
        "bench.toml",
    )
    .unwrap()
}

/// A feed of `n` projects; `round` moves which tenth is failing and the build labels, as a busy
/// CI server does between polls.
fn feed(n: usize, round: usize) -> Snapshot {
    let pipelines = (0..n)
        .map(|i| {
            let failing = (i * 7 + round).is_multiple_of(10);
            let status = if failing {
                BuildStatus::Failing
            } else {
                BuildStatus::Passing
            };
            let mut p = Pipeline::new(format!("service-{i:06}"), status);
            p.label = Some(format!("{}", 1000 + round));
            p.last_build_at = Some(now() - TimeDelta::seconds((i % 3600) as i64));
            p.url = Some(format!("http://127.0.0.1/job/service-{i:06}/"));
            p
        })
        .collect();
    Snapshot {
        pipelines,
        ..Snapshot::default()
    }
}

/// The state after two polls, as it is on a running radiator.
fn polled(config: &Config, n: usize) -> State {
    let mut state = State::new(config);
    state.record(0, now() - TimeDelta::seconds(10), Ok(feed(n, 0)));
    state.record(0, now() - TimeDelta::seconds(5), Ok(feed(n, 1)));
    state
}

fn view_of(config: &Config, state: &State) -> ViewModel {
    view::build(
        config,
        state,
        view::dora_report(config, state, now()),
        now(),
    )
}

/// One poll on a running radiator: the state lives on from poll to poll; each poll's feed is
/// made before the clock starts (as a real one is parsed before it is recorded), then the state
/// takes it in, the view is built, and the view it replaces is dropped.
fn update_and_view(c: &mut Criterion) {
    let config = config();
    let mut group = c.benchmark_group("poll and view");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for n in [1_000, 10_000, 100_000] {
        let mut state = polled(&config, n);
        let mut shown = view_of(&config, &state);
        let mut round = 2;
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|polls| {
                let mut spent = Duration::ZERO;
                for _ in 0..polls {
                    let next = feed(n, round);
                    round += 1;
                    let started = Instant::now();
                    state.record(0, now(), Ok(next));
                    let view = view_of(&config, &state);
                    drop(std::mem::replace(&mut shown, black_box(view)));
                    spent += started.elapsed();
                }
                spent
            })
        });
    }
    group.finish();
}

/// The view build alone, from a state already polled, and the drop of the view it makes (a
/// running radiator drops the last view at each build).
fn view_build(c: &mut Criterion) {
    let config = config();
    let mut group = c.benchmark_group("view build");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for n in [10_000, 100_000] {
        let state = polled(&config, n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| view_of(&config, &state))
        });
    }
    group.finish();
}

fn frame(c: &mut Criterion) {
    let config = config();
    let state = polled(&config, 2_000);
    let view = view_of(&config, &state);
    let theme = Theme::default_theme();
    let screen = Screen::default();
    let mut group = c.benchmark_group("frame of 2000");
    for (width, height) in [(250u16, 70u16), (80, 24)] {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        group.bench_function(format!("{width}x{height}"), |b| {
            b.iter(|| {
                // A full frame: ratatui diffs against the last one, so forget it first.
                terminal.clear().unwrap();
                terminal
                    .draw(|frame| ui::draw(frame, &view, &screen, &theme))
                    .unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, update_and_view, view_build, frame);
criterion_main!(benches);
