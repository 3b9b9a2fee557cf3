use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use andon::config::{self, Config};
use andon::output::{self, Paint};
use andon::state::State;
use andon::ui::Theme;
use andon::{app, logging, poller, view};

/// A terminal information radiator for software delivery teams.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Config file (default: $ANDON_CONFIG, then $XDG_CONFIG_HOME/andon/config.toml, then the
    /// built-in demo).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print the state once and exit: 0 green, 1 line stopped, 3 unknown, 2 usage or config error.
    #[arg(long)]
    once: bool,
    /// With --once: print one JSON document instead of text.
    #[arg(long, requires = "once")]
    json: bool,
    /// With --once: add what broke and was fixed, deploys and incidents since this long ago
    /// (e.g. 24h, 7d).
    #[arg(long, requires = "once", value_name = "DURATION", value_parser = humantime::parse_duration)]
    since: Option<std::time::Duration>,
    /// Wall mode: no key hints, a big banner, the pages rotating (also `[display] kiosk`).
    #[arg(long)]
    kiosk: bool,
    /// Colour theme: default, light, high-contrast, colourblind, ansi, monochrome, or a NAME.toml
    /// in $XDG_CONFIG_HOME/andon/themes (also `[display] theme`). NO_COLOR wins.
    #[arg(long, value_name = "NAME")]
    theme: Option<String>,
    /// Log file (default: $XDG_STATE_HOME/andon/andon.log).
    #[arg(long, global = true, value_name = "PATH")]
    log_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the config and print what would be polled.
    Check,
}

const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = config::locate(cli.config.as_deref());
    let config = match config::load(path.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("andon: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let warnings = config::secret_warnings(path.as_deref(), &config);
    for warning in &warnings {
        eprintln!("andon: warning: {warning}");
    }
    if let Some(Command::Check) = cli.command {
        print!("{}", andon::check::describe(&config));
        return ExitCode::SUCCESS;
    }
    logging::init(cli.log_file.as_deref());
    for warning in &warnings {
        tracing::warn!("{warning}");
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("andon: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let theme = match Theme::resolve(cli.theme.as_deref(), config.display.theme.as_deref()) {
        Ok(theme) => theme,
        Err(err) => {
            eprintln!("andon: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if cli.once {
        let code = runtime.block_on(once(&config, cli.json, cli.since, theme));
        return ExitCode::from(code);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        eprintln!("andon: standard output is not a terminal; use --once (or --once --json)");
        return ExitCode::from(EXIT_CONFIG);
    }
    let options = app::Options {
        kiosk: cli.kiosk,
        theme: cli.theme.clone(),
        config_path: path.clone(),
    };
    let result = runtime.block_on(app::run(config, theme, options));
    // A request or the terminal reader stuck in the kernel must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("andon: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn once(config: &Config, json: bool, since: Option<std::time::Duration>, theme: Theme) -> u8 {
    let mut state = State::new(config);
    for update in poller::poll_all_once(config).await {
        state.record(update.index, update.at, update.result);
    }
    let now = chrono::Utc::now();
    let view = view::build(config, &state, view::dora_report(config, &state, now), now);
    if json {
        let mut extra = Vec::new();
        if let Some(since) = since {
            let events = view::merged_events(&state);
            extra.push(("since", output::since_json(&view, &events, since)));
        }
        // Buffered: stdout alone writes line by line, a system call per line of the document.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = output::write_json(&view, extra, &mut out)
            .and_then(|()| std::io::Write::write_all(&mut out, b"\n"))
            .and_then(|()| std::io::Write::flush(&mut out));
        if let Err(err) = written {
            eprintln!("andon: cannot write the JSON document: {err}");
            return EXIT_CONFIG;
        }
    } else {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
        let paint = Paint((tty && !no_color()).then_some(theme));
        print!("{}", output::text(&view, paint));
        if let Some(since) = since {
            let events = view::merged_events(&state);
            print!("{}", output::since(&view, &events, since, paint));
        }
    }
    output::exit_code(&view) as u8
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
