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
    if let Some(Command::Check) = cli.command {
        print!("{}", andon::check::describe(&config));
        return ExitCode::SUCCESS;
    }
    logging::init(cli.log_file.as_deref());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("andon: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    if cli.once {
        let code = runtime.block_on(once(&config, cli.json));
        return ExitCode::from(code);
    }
    let result = runtime.block_on(app::run(config, Theme::from_environment()));
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

async fn once(config: &Config, json: bool) -> u8 {
    let mut state = State::new(config);
    for update in poller::poll_all_once(config).await {
        state.record(update.index, update.at, update.result);
    }
    let now = chrono::Utc::now();
    let view = view::build(config, &state, view::dora_report(config, &state, now), now);
    if json {
        println!("{:#}", output::json(&view));
    } else {
        let paint = Paint(std::io::IsTerminal::is_terminal(&std::io::stdout()) && !no_color());
        print!("{}", output::text(&view, paint));
    }
    output::exit_code(&view) as u8
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
