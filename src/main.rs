use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use andon::config;
use andon::output::{self, Paint};
use andon::setup::{self, Config};
use andon::state::State;
use andon::ui::Theme;
use andon::{app, logging, poller, view};

/// A terminal information radiator for software delivery teams.
#[derive(Parser)]
#[command(version = env!("ANDON_VERSION_LINE"))]
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
    /// Why a pipeline broke: what failed and the end of the failed job's log. Exits 0 when a log
    /// was shown, 1 when the pipeline is not failing, 2 when no pipeline matches, 3 without a log.
    Why {
        /// The pipeline's name, or a unique part of it (default: the first failing pipeline).
        pipeline: Option<String>,
        /// Log lines to print, ending a few lines after the last error.
        #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u16).range(1..))]
        lines: u16,
    },
    /// Run headless as a collector: poll every source once for many screens and serve
    /// /metrics (Prometheus), /api/v1/state (the --once --json document) and /api/v1/feed
    /// (for screens with kind = "andon"), keeping a history database in [serve] state_dir.
    Serve {
        /// Address and port to listen on (default: [serve] listen, else 127.0.0.1:9464).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Allow listening on an address other than loopback (also [serve] allow_remote).
        #[arg(long)]
        allow_remote: bool,
    },
    /// Write a commented starter config for your feeds, then say what to run next.
    Init(andon::init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on standard output.
    Man,
    /// Print a JSON Schema of the config file, for TOML editors.
    Schema,
}

const EXIT_CONFIG: u8 = 2;

/// Run by the loader before Rust's runtime, which points a closed standard output at
/// /dev/null: the only moment `andon --once >&-` can be told from `> /dev/null`.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_STDOUT: extern "C" fn() = {
    extern "C" fn note() {
        andon::emit::note_stdout_at_start();
    }
    note
};

fn main() -> ExitCode {
    andon::memory::one_arena();
    andon::panics::install();
    let cli = Cli::parse();
    if let Some(code) = run_setup_command(&cli) {
        return code;
    }
    let path = config::locate(cli.config.as_deref());
    let config = match setup::load(path.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("andon: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let warnings = setup::secret_warnings(path.as_deref(), &config);
    for warning in &warnings {
        eprintln!("andon: warning: {warning}");
    }
    if let Some(Command::Check) = cli.command {
        return match andon::emit::stdout(&andon::check::describe(&config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => ExitCode::from(code),
        };
    }
    if let Some(Command::Serve {
        listen,
        allow_remote,
    }) = cli.command
    {
        let options = andon::serve::Options {
            listen,
            allow_remote,
        };
        return andon::serve::main(config, options, cli.log_file.as_deref(), &warnings);
    }
    if let Some(warning) = logging::init(cli.log_file.as_deref()) {
        eprintln!("andon: warning: {warning}");
    }
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
    if let Some(Command::Why { pipeline, lines }) = &cli.command {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
        let code = runtime.block_on(andon::why::run(
            &config,
            pipeline.as_deref(),
            usize::from(*lines),
            tty && !no_color(),
        ));
        return ExitCode::from(code);
    }
    if cli.once {
        andon::panics::install_for_once();
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
    // The terminal is restored and every attention command ended: nothing left on the runtime
    // needs to finish. Waiting would only free a huge board's memory (a fifth of a second at
    // 100,000 pipelines) or wait on a request or the terminal reader stuck in the kernel; the
    // process ending frees it all at once.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("andon: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The commands that need no config: init, completions, man, schema.
fn run_setup_command(cli: &Cli) -> Option<ExitCode> {
    let command = cli.command.as_ref()?;
    if let Command::Init(args) = command {
        return Some(init(cli, args));
    }
    let text = match command {
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics on a write error such as a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "andon", &mut script);
            String::from_utf8_lossy(&script).into_owned()
        }
        Command::Man => {
            let mut page = Vec::new();
            if let Err(err) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
                eprintln!("andon: {err}");
                return Some(ExitCode::FAILURE);
            }
            String::from_utf8_lossy(&page).into_owned()
        }
        Command::Schema => format!("{:#}\n", andon::schema::schema()),
        _ => return None,
    };
    // A closed pipe, a full disk or a closed stdout: the same quiet non-zero code as --once.
    Some(match andon::emit::stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => ExitCode::from(code),
    })
}

fn init(cli: &Cli, args: &andon::init::InitArgs) -> ExitCode {
    let explicit = args.output.as_ref().or(cli.config.as_ref());
    let default = config::locate(None).or_else(config::user_config_path);
    let Some(path) = explicit.or(default.as_ref()) else {
        eprintln!("andon: no HOME or XDG_CONFIG_HOME to put the config in; use --output PATH");
        return ExitCode::from(EXIT_CONFIG);
    };
    let result =
        andon::init::render(args).and_then(|text| andon::init::write(path, &text, args.force));
    match result {
        Ok(()) => {
            let found = config::locate(None).is_some_and(|p| p == *path);
            match andon::emit::stdout(&andon::init::next_steps(path, found, args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => ExitCode::from(code),
            }
        }
        Err(err) => {
            eprintln!("andon: {err}");
            ExitCode::from(EXIT_CONFIG)
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
    let written = if json {
        let mut extra = Vec::new();
        if let Some(since) = since {
            let events = view::merged_events(&state);
            extra.push(("since", output::since_json(&view, &events, since)));
        }
        // Streamed: each pipeline's object is made as it is written, through one buffer.
        andon::emit::stdout_with(|out| {
            output::write_json(&view, extra, &mut *out)?;
            std::io::Write::write_all(out, b"\n")
        })
    } else {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
        let paint = Paint((tty && !no_color()).then_some(theme));
        let mut text = output::text(&view, paint);
        if let Some(since) = since {
            let events = view::merged_events(&state);
            text.push_str(&output::since(&view, &events, since, paint));
        }
        andon::emit::stdout(&text)
    };
    match written {
        Ok(()) => output::exit_code(&view) as u8,
        Err(code) => code,
    }
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
