//! `andon why [PIPELINE]`: why a pipeline broke, for a terminal without the TUI (an on-call
//! engineer over SSH, a standup). Polls once, finds the pipeline, prints what broke and the end
//! of the failed job's log around its last error.

use crate::logs::{self, LogText, text::one_line};
use crate::setup::Config;
use crate::state::State;
use crate::view::{self, PipelineStatus, PipelineView};
use crate::{poller, ui::log::LogPane, ui::log::LogState};

/// Exit statuses: the log was shown; the pipeline is not failing; no such pipeline; no log.
pub const SHOWN: u8 = 0;
pub const NOT_FAILING: u8 = 1;
pub const NO_PIPELINE: u8 = 2;
pub const NO_LOG: u8 = 3;

const RED_BOLD: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// Prints the report to stdout (problems to stderr) and returns the exit status.
pub async fn run(config: &Config, wanted: Option<&str>, lines: usize, paint: bool) -> u8 {
    let mut state = State::new(config);
    for update in poller::poll_all_once(config).await {
        state.record(update.index, update.at, update.result);
    }
    let now = chrono::Utc::now();
    let view = view::build(config, &state, view::dora_report(config, &state, now), now);
    let pipeline = match wanted {
        Some(wanted) => match logs::find_pipeline(&view.pipelines, wanted) {
            Ok(pipeline) => pipeline,
            Err(reason) => {
                eprintln!("andon: {reason}");
                return NO_PIPELINE;
            }
        },
        None => match view
            .pipelines
            .iter()
            .find(|p| p.status == PipelineStatus::Failing)
        {
            Some(pipeline) => pipeline,
            None => {
                return written("nothing is failing\n").unwrap_or(NOT_FAILING);
            }
        },
    };
    if let Some(code) = written(&heading(pipeline, &view)) {
        return code;
    }
    if pipeline.status != PipelineStatus::Failing {
        return NOT_FAILING;
    }
    let target = match logs::target(config, pipeline, logs::polled_at(&view, pipeline)) {
        Ok(target) => target,
        Err(reason) => {
            eprintln!("andon: no log: {reason}");
            return NO_LOG;
        }
    };
    match logs::fetch(&target).await {
        Ok(log) => written(&excerpt(&target.title, &log, lines, paint)).unwrap_or(SHOWN),
        Err(reason) => {
            eprintln!("andon: cannot read the log of {}: {reason}", target.title);
            NO_LOG
        }
    }
}

/// Writes `text` to stdout: None when it was written, else the output error's exit code.
fn written(text: &str) -> Option<u8> {
    crate::emit::stdout(text).err()
}

/// "✗ ledger failed at build since 03:18 UTC (#18190) by chen" and where it came from.
pub fn heading(pipeline: &PipelineView, view: &view::ViewModel) -> String {
    let name = one_line(&pipeline.pipeline.name, &[]);
    let mut text = format!(
        "{} {name} {}",
        crate::format::status_glyph(pipeline.status),
        pipeline.status.word()
    );
    if let Some(stage) = pipeline
        .pipeline
        .stage
        .as_deref()
        .filter(|_| pipeline.status == PipelineStatus::Failing)
    {
        text.push_str(&format!(" at {}", one_line(stage, &[])));
    }
    if let Some(since) = pipeline.failing_since {
        text.push_str(&format!(" since {}", since.format("%H:%M UTC")));
    }
    if let Some(label) = &pipeline.pipeline.label {
        text.push_str(&format!(" ({})", one_line(label, &[])));
    }
    if !pipeline.pipeline.breakers.is_empty() {
        text.push_str(&format!(
            " by {}",
            one_line(&pipeline.pipeline.breakers.join(", "), &[])
        ));
    }
    text.push('\n');
    if let Some(url) = &pipeline.pipeline.url {
        text.push_str(&format!("  {}\n", one_line(url, &[])));
    }
    let source = view.sources.iter().find(|s| *s.name == *pipeline.source);
    if let Some(source) = source.filter(|s| s.state != crate::state::Freshness::Ok) {
        text.push_str(&format!(
            "  source {} is {}: this may not be the latest run\n",
            source.name,
            one_line(&source.summary, &[])
        ));
    }
    text
}

/// The `lines` log lines that end a few lines after the last error (else the end), as the
/// log view opens on them; error lines marked `✗`.
pub fn excerpt(title: &str, log: &LogText, lines: usize, paint: bool) -> String {
    let mut pane = LogPane::new(
        None,
        title.to_string(),
        LogState::Ready(std::sync::Arc::new(log.clone())),
    );
    let top = pane.top(lines);
    let mut out = format!(
        "\nlog of {title}{}:\n",
        if log.cut { " (its last 64 KiB)" } else { "" }
    );
    if log.lines.is_empty() {
        out.push_str("  (empty)\n");
    }
    for line in log.lines.iter().skip(top).take(lines) {
        let text = line.text();
        match (line.error, paint) {
            (true, true) => out.push_str(&format!("{RED_BOLD}✗ {text}{RESET}\n")),
            (true, false) => out.push_str(&format!("✗ {text}\n")),
            (false, _) => out.push_str(&format!("  {text}\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::text::clean;

    #[test]
    fn the_excerpt_ends_a_few_lines_after_the_last_error() {
        let mut raw: String = (0..20).map(|i| format!("step {i}\n")).collect();
        raw.push_str("\x1b[31merror: it broke\x1b[0m\n");
        raw.push_str("cleanup 1\ncleanup 2\ncleanup 3\ncleanup 4\ncleanup 5\n");
        let log = clean(raw.as_bytes(), false, &[]);
        let text = excerpt("api #7 · test", &log, 5, false);
        assert_eq!(
            text,
            "\nlog of api #7 · test:\n  step 19\n✗ error: it broke\n  cleanup 1\n  cleanup 2\n  cleanup 3\n"
        );
        let painted = excerpt("api #7 · test", &log, 5, true);
        assert!(painted.contains("\x1b[1;31m✗ error: it broke\x1b[0m"));
    }
}
