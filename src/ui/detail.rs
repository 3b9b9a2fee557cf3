//! One pipeline opened: its stages, when it ran, who broke it, and a link to the run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::{Theme, ago, fit};
use crate::format::{BUILDING_GLYPH, stage_glyph, status_glyph};
use crate::model::{StageRun, StageStatus, Timestamp};
use crate::view::{PipelineStatus, PipelineView, ViewModel};

const LINK_LABEL: &str = "link      ";

fn popup(area: Rect, pipeline: &PipelineView) -> Rect {
    let [popup] = Layout::horizontal([Constraint::Max(90)])
        .flex(Flex::Center)
        .areas(area);
    let height = (pipeline.pipeline.stages.len() as u16 + 17).min(area.height);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(popup);
    popup
}

fn block<'a>(pipeline: &'a PipelineView, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if pipeline.status == PipelineStatus::Failing {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(theme.border(pipeline.status))
        .title(Span::styled(
            format!(" {} ", pipeline.pipeline.name),
            theme.accent(),
        ))
        .title_bottom(Span::styled(" Esc close ", theme.muted()))
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    pipeline: &PipelineView,
    theme: &Theme,
) {
    let popup = popup(area, pipeline);
    let block = block(pipeline, theme);
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let (lines, _) = lines(view, pipeline, inner.width as usize, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Where the run's link is on screen: (x, y, the text shown, the url), for the caller to wrap in
/// an OSC 8 hyperlink after the frame is drawn (escapes inside cells would confuse the diff).
pub fn link(
    area: Rect,
    view: &ViewModel,
    pipeline: &PipelineView,
) -> Option<(u16, u16, String, String)> {
    let url = pipeline.pipeline.url.as_ref()?;
    let inner = block(pipeline, &Theme::monochrome()).inner(popup(area, pipeline));
    let width = inner.width as usize;
    let (_, row) = lines(view, pipeline, width, &Theme::monochrome());
    let row = row? as u16;
    (row < inner.height).then(|| {
        let text = fit(url, width.saturating_sub(LINK_LABEL.len()));
        (
            inner.x + LINK_LABEL.len() as u16,
            inner.y + row,
            text,
            url.chars().filter(|c| !c.is_control()).collect(),
        )
    })
}

/// The first twelve characters of a commit id, as people quote them.
fn short_sha(commit: &str) -> String {
    commit.chars().take(12).collect()
}

/// "Fri 20 Nov 14:05 UTC (12 min ago)".
fn when(view: &ViewModel, at: Timestamp) -> String {
    format!("{} ({})", at.format("%a %d %b %H:%M UTC"), ago(view, at))
}

/// "✓ build  passed  2 min  14:00:05–14:02:10  queued 3 s": what the stage took and when.
fn stage_line(view: &ViewModel, stage: &StageRun) -> String {
    let mut line = format!(
        "  {} {:<16} {:<8}",
        stage_glyph(stage.status),
        stage.name,
        crate::format::stage_word(stage.status)
    );
    let took = match (stage.duration_seconds(), stage.started_at) {
        (Some(seconds), _) => crate::format::duration(seconds),
        (None, Some(start)) if stage.status == StageStatus::Running => format!(
            "{} so far",
            crate::format::duration((view.now - start).num_seconds().max(0) as f64)
        ),
        _ => String::new(),
    };
    line.push_str(&format!(" {took:<10}"));
    match (stage.started_at, stage.finished_at) {
        (Some(start), Some(end)) => line.push_str(&format!(
            " {}–{}",
            start.format("%H:%M:%S"),
            end.format("%H:%M:%S")
        )),
        (Some(start), None) => line.push_str(&format!(" from {}", start.format("%H:%M:%S"))),
        _ => {}
    }
    if let Some(queued) = stage.queued_seconds() {
        line.push_str(&format!("  queued {}", crate::format::duration(queued)));
    }
    line.trim_end().to_string()
}

fn lines(
    view: &ViewModel,
    pipeline: &PipelineView,
    width: usize,
    theme: &Theme,
) -> (Vec<Line<'static>>, Option<usize>) {
    let status = theme.status(pipeline.status).add_modifier(Modifier::BOLD);
    let mut headline = format!(
        "{} {}",
        status_glyph(pipeline.status),
        pipeline.status.word().to_uppercase()
    );
    if let Some(stage) = &pipeline.pipeline.stage {
        headline.push_str(&format!(" · at {stage}"));
    }
    if pipeline.pipeline.building {
        headline.push_str(&format!(" · {BUILDING_GLYPH} building"));
    }
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<10}"), theme.muted()),
            Span::raw(fit(&value, width.saturating_sub(10))),
        ])
    };
    let mut lines = vec![Line::from(Span::styled(headline, status)), Line::from("")];
    lines.push(field("source", pipeline.source.to_string()));
    if let Some(label) = &pipeline.pipeline.label {
        lines.push(field("run", label.clone()));
    }
    if let Some(commit) = &pipeline.pipeline.commit {
        lines.push(field("commit", short_sha(commit)));
    }
    if let Some(author) = &pipeline.pipeline.author {
        lines.push(field("author", author.clone()));
    }
    if let Some(at) = pipeline.pipeline.started_at {
        lines.push(field("started", when(view, at)));
    }
    match (pipeline.pipeline.started_at, pipeline.pipeline.finished_at) {
        (_, Some(end)) => {
            let took = pipeline
                .pipeline
                .started_at
                .map(|start| (end - start).num_seconds())
                .filter(|s| *s >= 0)
                .map_or(String::new(), |s| {
                    format!(", took {}", crate::format::duration(s as f64))
                });
            lines.push(field("finished", format!("{}{took}", when(view, end))));
        }
        (Some(_), None) if pipeline.pipeline.building => {
            lines.push(field("finished", "not yet: running".into()));
        }
        _ => {}
    }
    if let Some(rate) = pipeline.pass_rate {
        lines.push(field(
            "history",
            format!(
                "{} of the last finished runs",
                crate::format::pass_rate(rate)
            ),
        ));
    }
    if let Some(at) = pipeline.pipeline.last_build_at {
        lines.push(field(
            "built",
            format!("{} ({})", at.format("%a %d %b %H:%M UTC"), ago(view, at)),
        ));
    }
    if let Some(at) = pipeline.failing_since {
        lines.push(field(
            "failing",
            format!(
                "since {} ({})",
                at.format("%a %d %b %H:%M UTC"),
                ago(view, at)
            ),
        ));
    }
    if !pipeline.pipeline.breakers.is_empty() {
        lines.push(field("broken by", pipeline.pipeline.breakers.join(", ")));
    }
    if pipeline.pipeline.stages.is_empty() {
        lines.push(field("stages", "none reported by the source".into()));
    } else {
        lines.push(field("stages", String::new()));
        for stage in &pipeline.pipeline.stages {
            lines.push(Line::from(fit(&stage_line(view, stage), width)));
        }
    }
    let link_row = pipeline.pipeline.url.as_ref().map(|url| {
        lines.push(Line::from(vec![
            Span::styled(LINK_LABEL, theme.muted()),
            Span::styled(
                fit(url, width.saturating_sub(LINK_LABEL.len())),
                theme.accent().add_modifier(Modifier::UNDERLINED),
            ),
        ]));
        lines.len() - 1
    });
    (lines, link_row)
}
