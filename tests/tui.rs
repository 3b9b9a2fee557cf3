//! The TUI in a real terminal: tmux runs `andon`, keys are sent, the screen is read back.

mod support;

use std::time::{Duration, Instant};

use support::tmux::Tmux;

fn start(name: &str, width: u16, height: u16, env: &[(&str, &str)]) -> Tmux {
    start_with(name, width, height, env, "--config sample-config.toml")
}

/// `args` split at spaces (the temporary paths used here have none).
fn start_with(name: &str, width: u16, height: u16, env: &[(&str, &str)], args: &str) -> Tmux {
    let args: Vec<&str> = args.split_whitespace().collect();
    Tmux::start(name, width, height, &args, env)
}

fn assert_readable_board(screen: &str, width: usize) {
    assert!(screen.contains("Demo delivery"), "{screen}");
    if width >= 180 {
        // On a wall the headline is in block letters, with the causes under it.
        assert!(screen.contains("████"), "{screen}");
        assert!(
            screen.contains(" since ") || screen.contains("passing"),
            "{screen}"
        );
    } else {
        assert!(
            ["LINE STOPPED", "ALL GREEN"]
                .iter()
                .any(|h| screen.contains(h)),
            "{screen}"
        );
    }
    if width < 100 {
        // One line per pipeline.
        assert!(
            screen.contains("pipeline") && screen.contains("stages"),
            "{screen}"
        );
        for name in ["checkout-api", "ledger", "payments-web", "search"] {
            // The banner may name the pipeline too ("... failed at test"): look at its row.
            assert!(
                screen
                    .lines()
                    .filter(|l| l.contains(name))
                    .any(|l| l.contains("passing") || l.contains("failing")),
                "{name}:\n{screen}"
            );
        }
        assert!(screen.contains("DORA 30d"), "{screen}");
    } else {
        for column in ["build", "test", "deploy", "verify"] {
            assert!(
                screen.to_lowercase().contains(&format!(" {column} ")),
                "{column}:\n{screen}"
            );
        }
    }
    for tile in ["Deploy freq", "Lead time", "Fail rate", "Restore"] {
        assert!(screen.contains(tile), "{tile}:\n{screen}");
    }
    assert!(screen.contains("● demo ok"), "{screen}");
    assert!(
        screen.lines().all(|l| l.chars().count() <= width),
        "a line overflows {width} columns"
    );
}

#[test]
fn at_80x24_the_board_reads_and_q_quits() {
    let tmux = start("small", 80, 24, &[]);
    let screen = tmux.wait_for("● demo ok");
    assert_readable_board(&screen, 80);
    assert!(screen.contains("s services  ? help  q quit"), "{screen}");
    tmux.send("?");
    tmux.wait_for("andon help");
    tmux.send("Escape");
    let screen = tmux.wait_for("Deploy freq");
    assert!(!screen.contains("andon help"));
    // The demo has several services: s lists them under the overall row, with data quality.
    tmux.send("s");
    let screen = tmux.wait_for("Data quality");
    assert!(screen.contains("worst first"), "{screen}");
    let overall = screen.lines().position(|l| l.contains("│overall"));
    let checkout = screen.lines().position(|l| l.contains("│checkout-api"));
    assert!(overall.is_some() && overall < checkout, "{screen}");
    assert!(
        screen.lines().all(|l| l.chars().count() <= 80),
        "a line overflows 80 columns"
    );
    tmux.send("s");
    let screen = tmux.wait_for("Deploy freq");
    assert!(!screen.contains("Data quality"), "{screen}");
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn at_120x40_enter_opens_the_detail_and_slash_filters() {
    let tmux = start("medium", 120, 40, &[]);
    let screen = tmux.wait_for("● demo ok");
    assert_readable_board(&screen, 120);
    assert!(screen.contains("┌ build"), "{screen}");
    tmux.send("Enter");
    let screen = tmux.wait_for("Esc close");
    for part in ["source", "stages", "link", "https://ci.example.com/"] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    tmux.send("Escape");
    tmux.wait_gone("Esc close");
    tmux.send("/");
    tmux.wait_for("Esc clear");
    for key in ["l", "e", "d", "g"] {
        tmux.send(key);
    }
    tmux.wait_for(" / ledg█");
    tmux.send("Enter");
    let screen = tmux.wait_for("filter: ledg");
    assert!(screen.contains("ledger"), "{screen}");
    for other in ["checkout-api", "payments-web", "notifications"] {
        assert!(
            !screen.contains(other),
            "{other} not filtered out:\n{screen}"
        );
    }
    // The banner speaks of the filtered page only: ledger, passing or not.
    assert!(
        screen.contains("1 pipeline passing") || screen.contains("ledger fail"),
        "{screen}"
    );
    tmux.send("Escape");
    tmux.wait_for("checkout-api");
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn at_200x60_the_board_reads_and_ctrl_c_quits() {
    let tmux = start("wide", 200, 60, &[]);
    let screen = tmux.wait_for("● demo ok");
    assert_readable_board(&screen, 200);
    tmux.send("C-c");
    tmux.assert_quits();
}

const PAGES: &str = r#"title = "Demo delivery"
[board]
stages = ["build", "test", "deploy", "verify"]
[display]
rotate = "2s"
[[page]]
name = "Payments"
filter = "pay"
[[page]]
name = "Attention"
hide_green = true
[[source]]
name = "demo"
kind = "demo"
seed = 7
interval = "2s"
"#;

#[test]
fn on_a_250x70_wall_pages_rotate_until_a_key_pauses_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wall.toml");
    std::fs::write(&config, PAGES).unwrap();
    let tmux = start_with(
        "wall",
        250,
        70,
        &[],
        &format!("--kiosk --config {}", config.display()),
    );
    let screen = tmux.wait_for("● demo ok");
    assert!(screen.contains("████"), "no big banner:\n{screen}");
    assert!(!screen.contains("q quit"), "key hints on a wall:\n{screen}");
    assert!(screen.contains("updated"), "{screen}");
    assert!(
        screen.lines().all(|l| l.chars().count() <= 250),
        "a line overflows"
    );
    let screen = tmux.wait_for("▸ Payments 2/3");
    assert!(screen.contains("payments-web"), "{screen}");
    assert!(!screen.contains("checkout-api"), "{screen}");
    tmux.wait_for("▸ Attention 3/3");
    tmux.send("x");
    let paused = tmux.wait_for("⏸ paused");
    let page = paused
        .lines()
        .next()
        .and_then(|l| l.split('▸').nth(1))
        .and_then(|rest| rest.split('⏸').next())
        .unwrap()
        .trim()
        .to_string();
    std::thread::sleep(Duration::from_secs(5));
    let later = tmux.capture();
    assert!(
        later.lines().next().unwrap().contains(&page),
        "rotation went on:\n{later}"
    );
    tmux.send("Space");
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.capture().lines().next().unwrap().contains(&page) {
        assert!(Instant::now() < deadline, "rotation did not resume");
        std::thread::sleep(Duration::from_millis(200));
    }
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn a_config_edit_applies_live_and_a_broken_one_keeps_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("live.toml");
    std::fs::write(
        &config,
        std::fs::read_to_string("sample-config.toml").unwrap(),
    )
    .unwrap();
    let tmux = start_with(
        "reload",
        120,
        40,
        &[],
        &format!("--config {}", config.display()),
    );
    tmux.wait_for("Demo delivery");
    let edited = std::fs::read_to_string("sample-config.toml")
        .unwrap()
        .replace("Demo delivery", "Payments wall");
    // Make sure the modification time moves even on coarse clocks.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&config, &edited).unwrap();
    tmux.wait_for("Payments wall");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(
        &config,
        edited.replace("interval = \"2s\"", "interval = \"often\""),
    )
    .unwrap();
    let screen = tmux.wait_for("config not reloaded");
    assert!(screen.contains("Payments wall"), "{screen}");
    assert!(screen.contains("DEMO DATA"), "{screen}");
    tmux.send("q");
    tmux.assert_quits();
}

#[test]
fn no_color_draws_without_colour_codes() {
    for theme in ["default", "colourblind"] {
        let tmux = start_with(
            &format!("mono-{theme}"),
            80,
            24,
            &[("NO_COLOR", "1")],
            &format!("--theme {theme} --config sample-config.toml"),
        );
        tmux.wait_for("● demo ok");
        let screen = tmux.capture_escapes();
        // tmux -e renders colours as SGR 3x/4x/38/48 codes; bold and reverse are allowed.
        for code in [
            "[31m", "[32m", "[38;", "[48;", "[41m", "[42m", "[34m", "[33m",
        ] {
            assert!(
                !screen.contains(code),
                "colour {code} under NO_COLOR:\n{screen}"
            );
        }
        assert!(tmux.capture().contains("passing"));
        tmux.send("q");
        tmux.assert_quits();
    }
}

#[test]
fn themes_draw_in_a_real_terminal_and_ansi_keeps_to_16_colours() {
    let tmux = start_with(
        "ansi",
        80,
        24,
        &[],
        "--theme ansi --config sample-config.toml",
    );
    tmux.wait_for("● demo ok");
    let screen = tmux.capture_escapes();
    // tmux writes palette colours as 38;5;N / 48;5;N: all of them must be among the first 16.
    let mut palette = Vec::new();
    for prefix in ["[38;5;", "[48;5;"] {
        for piece in screen.split(prefix).skip(1) {
            let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
            palette.push(digits.parse::<u16>().unwrap());
        }
    }
    assert!(palette.contains(&2), "no green from the palette:\n{screen}");
    assert!(palette.iter().all(|&n| n < 16), "{palette:?}");
    assert!(
        !screen.contains("[38;2;") && !screen.contains("[48;2;"),
        "{screen}"
    );
    tmux.send("q");
    tmux.assert_quits();
}

/// A one-file HTTP server on 127.0.0.1 serving whatever `feed` holds at the moment.
fn serve(feed: std::sync::Arc<std::sync::Mutex<String>>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = feed.lock().unwrap().clone();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}/cc.xml")
}

fn cctray(status: &str, breakers: &str) -> String {
    format!(
        r#"<Projects><Project name="payments-web" activity="Sleeping" lastBuildStatus="{status}" lastBuildLabel="42" lastBuildTime="2026-11-20T10:00:00Z" webUrl="https://ci.example.org/payments-web/42"><messages><message text="{breakers}" kind="Breakers" /></messages></Project></Projects>"#
    )
}

#[test]
fn a_break_and_a_fix_ring_the_bell_once_each_and_run_the_command_with_context() {
    let feed = std::sync::Arc::new(std::sync::Mutex::new(cctray("Success", "")));
    let url = serve(feed.clone());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("attention.log");
    let config = dir.path().join("attention.toml");
    std::fs::write(
        &config,
        format!(
            r#"title = "Attention"
[display]
bell = true
command = "echo \"$ANDON_EVENT|$ANDON_PIPELINE|$ANDON_BREAKERS|$ANDON_URL\" >> {}"
[[source]]
name = "ci"
kind = "cctray"
url = "{url}"
interval = "1s"
"#,
            log.display()
        ),
    )
    .unwrap();
    let tmux = start_with(
        "attention",
        80,
        24,
        &[],
        &format!("--config {}", config.display()),
    );
    let bells = dir.path().join("bells.log");
    tmux.record_bells(&bells);
    tmux.wait_for("ALL GREEN");
    *feed.lock().unwrap() = cctray("Failure", "dara");
    tmux.wait_for("LINE STOPPED");
    // Several polls while red: still one line in the log.
    std::thread::sleep(Duration::from_secs(3));
    *feed.lock().unwrap() = cctray("Success", "");
    let screen = tmux.wait_for("back to green after");
    assert!(
        screen.contains("✓ payments-web back to green after"),
        "{screen}"
    );
    let after = screen.split("back to green after ").nth(1).unwrap();
    assert!(
        after.trim_start().starts_with(char::is_numeric) && after.contains(" s"),
        "{screen}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines = std::fs::read_to_string(&log).unwrap_or_default();
        if lines.lines().count() >= 2 {
            assert_eq!(
                lines,
                "red|payments-web|dara|https://ci.example.org/payments-web/42\n\
                 green|payments-web||https://ci.example.org/payments-web/42\n"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the command ran {lines:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Settle, then count: one bell going red, one back to green, none for the polls between.
    std::thread::sleep(Duration::from_secs(2));
    let rung = std::fs::read_to_string(&bells).unwrap_or_default();
    assert_eq!(rung.lines().count(), 2, "bells rung: {rung:?}");
    tmux.send("q");
    tmux.assert_quits();
}
