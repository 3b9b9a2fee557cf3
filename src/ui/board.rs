//! The pipelines: a list at 80x24, a Kanban board (stages as columns, left to right) in between,
//! big tiles on a wall.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::{Screen, Theme, ago, fit, fit_names};
use crate::flow::{Flow, WaitKind};
use crate::format::{
    self, BREACH_GLYPH, BUILDING_GLYPH, CONSTRAINT_GLYPH, FLAKY_GLYPH, stage_glyph, status_glyph,
};
use crate::view::{PipelineStatus, PipelineView, ViewModel};

const CARD_LINES: u16 = 2;
/// Narrowest column the board draws; below it the board becomes a list.
pub const MIN_COLUMN_WIDTH: usize = 18;
const TILE_LINES: u16 = 6;

fn highlight(index: usize, screen: &Screen) -> Style {
    if Some(index) == screen.selected {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
    }
}

fn visible<'a>(
    view: &'a ViewModel,
    shown: &'a [bool],
    column: Option<usize>,
) -> Vec<(usize, &'a PipelineView)> {
    view.pipelines
        .iter()
        .enumerate()
        .filter(|(i, p)| shown[*i] && column.is_none_or(|c| p.column == c))
        .collect()
}

/// Rows the board needs to show every shown card in the layout of `size`: what is left goes
/// to the DORA keys.
pub fn rows_needed(view: &ViewModel, shown: &[bool], size: super::Size) -> u16 {
    // A board of 100,000 cards needs more rows than any terminal has: counted in u16, saturated.
    let rows = |cards: usize| u16::try_from(cards.max(1)).unwrap_or(u16::MAX);
    let tallest = rows(
        (0..view.columns.len())
            .map(|column| visible(view, shown, Some(column)).len())
            .max()
            .unwrap_or(0),
    );
    let flow_lines = u16::from(has_flow_line(&view.flow));
    let framed = |card_lines: u16| {
        tallest
            .saturating_mul(card_lines)
            .saturating_add(2 + flow_lines)
    };
    match size {
        super::Size::Compact => rows(visible(view, shown, None).len()).saturating_add(1),
        super::Size::Standard => framed(CARD_LINES),
        super::Size::Wall => framed(TILE_LINES),
    }
}

fn empty(frame: &mut Frame, area: Rect, view: &ViewModel, theme: &Theme) -> bool {
    if view.pipelines.is_empty() {
        let text = if view.columns.is_empty() {
            " no pipelines yet"
        } else {
            " no pipelines to show"
        };
        frame.render_widget(Paragraph::new(text).style(theme.muted()), area);
        return true;
    }
    false
}

/// "+3 more (1 failing)" when cards do not fit.
fn more_line(hidden: &[(usize, &PipelineView)], width: usize, theme: &Theme) -> Line<'static> {
    let failing = hidden
        .iter()
        .filter(|(_, c)| c.status == PipelineStatus::Failing)
        .count();
    let mut more = format!("+{} more", hidden.len());
    if failing > 0 {
        more.push_str(&format!(" ({failing} failing)"));
    }
    Line::from(Span::styled(fit(&more, width), theme.muted()))
}

/// A column's title: its name and cards, then its WIP against the limit; a breach in the
/// failing style with a glyph and a word.
fn column_title(
    view: &ViewModel,
    column: usize,
    name: &str,
    cards: usize,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(format!(" {name} {cards} "), theme.accent())];
    if let Some(stage) = view.flow.stages.get(column) {
        let style = if stage.breached {
            theme
                .status(PipelineStatus::Failing)
                .add_modifier(Modifier::BOLD)
        } else {
            theme.muted()
        };
        spans.push(Span::styled(format!("· {} ", format::wip(stage)), style));
    }
    spans
}

/// Whether any column has a flow figure to show under its title.
fn has_flow_line(flow: &Flow) -> bool {
    flow.constraint.is_some() || flow.stages.iter().any(|s| s.duration_n + s.queue_n > 0)
}

fn draw_flow_line(frame: &mut Frame, area: Rect, view: &ViewModel, column: usize, theme: &Theme) {
    let line = flow_line(&view.flow, column, area.width as usize, theme);
    frame.render_widget(Paragraph::new(line), area);
}

/// Under a column's title: the constraint mark, then median duration and queue time.
fn flow_line(flow: &Flow, column: usize, width: usize, theme: &Theme) -> Line<'static> {
    let Some(stage) = flow.stages.get(column) else {
        return Line::from("");
    };
    let mut spans = Vec::new();
    let mut used = 0;
    if flow.is_constraint(&stage.name) {
        let mark = format!("{CONSTRAINT_GLYPH} constraint ");
        used += mark.chars().count();
        spans.push(Span::styled(
            fit(&mark, width),
            theme.accent().add_modifier(Modifier::BOLD),
        ));
    }
    let mut figures = Vec::new();
    if let Some(median) = stage.median_duration_seconds {
        figures.push(format!("med {}", format::duration(median)));
    }
    if let Some(queue) = stage.median_queue_seconds {
        figures.push(format!("queue {}", format::duration(queue)));
    }
    // The constraint's column leads with the figure it was judged by.
    if flow
        .constraint
        .as_ref()
        .is_some_and(|c| c.stage == stage.name && c.by == WaitKind::Queue)
    {
        figures.reverse();
    }
    if figures.is_empty() {
        figures.push("med N/A".to_string());
    }
    spans.push(Span::styled(
        fit(&figures.join(" · "), width.saturating_sub(used)),
        theme.muted(),
    ));
    Line::from(spans)
}

/// "pass 17/20" for a card, or nothing before a run has finished.
/// Cards' names in a width, cut so that none reads like another card's. The cuts of all the
/// board's long names are worked out together, once per width and frame, not once per card.
struct NameCuts<'a> {
    view: &'a ViewModel,
    by_width: std::cell::RefCell<
        std::collections::HashMap<usize, std::collections::HashMap<&'a str, String>>,
    >,
}

impl<'a> NameCuts<'a> {
    fn new(view: &'a ViewModel) -> NameCuts<'a> {
        NameCuts {
            view,
            by_width: Default::default(),
        }
    }

    fn cut(&self, name: &str, width: usize) -> String {
        if name.chars().count() <= width {
            return name.to_string();
        }
        let mut by_width = self.by_width.borrow_mut();
        let cuts = by_width.entry(width).or_insert_with(|| {
            let long: Vec<&str> = self
                .view
                .pipelines
                .iter()
                .map(|p| p.pipeline.name.as_str())
                .filter(|n| n.chars().count() > width)
                .collect();
            long.iter().copied().zip(fit_names(&long, width)).collect()
        });
        cuts.get(name)
            .cloned()
            .unwrap_or_else(|| super::fit_name(name, width))
    }
}

fn pass_text(card: &PipelineView) -> Option<String> {
    card.pass_rate
        .map(|r| format!("pass {}/{}", r.passed, r.runs))
}

/// A card's second line: the status word (glyph, word and colour each say it), the building
/// glyph, and the facts that fit whole.
fn detail_parts(
    word: &str,
    building: Option<&str>,
    facts: &[Option<&str>],
    width: usize,
) -> String {
    let parts = [Some(word), building]
        .into_iter()
        .chain(facts.iter().copied());
    super::parts::whole(parts.flatten(), " ", width)
}

fn flaky(card: &PipelineView) -> bool {
    card.pass_rate.is_some_and(|r| r.flaky)
}

/// One glyph per board column: where the run is, at a glance ("✓✓✗·").
fn stage_strip(view: &ViewModel, card: &PipelineView) -> String {
    view.columns
        .iter()
        .map(|column| {
            card.pipeline
                .stages
                .iter()
                .find(|s| &s.name == column)
                .map_or(" ", |s| stage_glyph(s.status))
        })
        .collect()
}

/// Compact: one line per pipeline, aligned.
pub fn draw_list(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    shown: &[bool],
    screen: &Screen,
    theme: &Theme,
) {
    if empty(frame, area, view, theme) {
        return;
    }
    let cards = visible(view, shown, None);
    let width = area.width as usize;
    let name_width = cards
        .iter()
        .map(|(_, c)| c.pipeline.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 24);
    let stage_width = view
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 12);
    let strips = view.pipelines.iter().any(|p| !p.pipeline.stages.is_empty());
    let header = format!(
        "  {:<name_width$} {:<9}  {:<stage_width$} {}",
        "pipeline",
        "status",
        "stage",
        if strips { "stages" } else { "" }
    );
    // The flow in brief on the header line: the constraint and any stage over its WIP limit.
    let mut flow = Vec::new();
    if let Some(c) = &view.flow.constraint {
        flow.push(format!("{CONSTRAINT_GLYPH} {}", c.stage));
    }
    for stage in view.flow.stages.iter().filter(|s| s.breached) {
        flow.push(format!(
            "{BREACH_GLYPH} {} {}/{} WIP",
            stage.name,
            stage.wip,
            stage.wip_limit.unwrap_or_default()
        ));
    }
    let header_width = header.trim_end().chars().count() + 2;
    let mut header_spans = vec![Span::styled(fit(header.trim_end(), width), theme.muted())];
    if !flow.is_empty() && width > header_width {
        let breached = view.flow.stages.iter().any(|s| s.breached);
        header_spans.push(Span::styled(
            fit(&format!("  {}", flow.join("  ")), width - header_width + 2),
            if breached {
                theme
                    .status(PipelineStatus::Failing)
                    .add_modifier(Modifier::BOLD)
            } else {
                theme.accent()
            },
        ));
    }
    let mut lines = vec![Line::from(header_spans)];
    let capacity = (area.height as usize).saturating_sub(1);
    let shown_count = if cards.len() > capacity {
        capacity.saturating_sub(1)
    } else {
        cards.len()
    };
    let (kept, hidden) = keep_for_attention(&cards, shown_count);
    let names = NameCuts::new(view);
    for (index, card) in kept.iter() {
        let status = theme.status(card.status).patch(highlight(*index, screen));
        let building = if card.pipeline.building {
            BUILDING_GLYPH
        } else {
            " "
        };
        let head = format!(
            "{} {:<name_width$} {:<7} {building} ",
            status_glyph(card.status),
            names.cut(&card.pipeline.name, name_width),
            card.status.word(),
        );
        let mut rest = format!(
            " {:<stage_width$} ",
            fit(&view.columns[card.column], stage_width)
        );
        if strips {
            rest.push_str(&stage_strip(view, card));
            rest.push(' ');
        }
        if flaky(card) {
            rest.push_str(&format!(" {FLAKY_GLYPH}flaky"));
        }
        if let Some(label) = &card.pipeline.label {
            rest.push_str(&format!(" {label}"));
        }
        if !card.pipeline.breakers.is_empty() {
            rest.push_str(&format!(" by {}", card.pipeline.breakers.join(", ")));
        }
        if let Some(ack) = &card.acknowledged {
            rest.push_str(&format!(" {}", ack.short()));
        }
        let head_width = head.chars().count();
        lines.push(Line::from(vec![
            Span::styled(fit(&head, width), status),
            Span::styled(
                fit(&rest, width.saturating_sub(head_width)),
                theme.muted().patch(highlight(*index, screen)),
            ),
        ]));
    }
    if !hidden.is_empty() {
        lines.push(more_line(&hidden, width, theme));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// A card and its index in the view.
type Row<'a> = (usize, &'a PipelineView);

/// The `count` rows a list has room for, failing first, then unknown or stale, then passing,
/// each kept in board order; and the rows left out, to be counted.
fn keep_for_attention<'a>(cards: &[Row<'a>], count: usize) -> (Vec<Row<'a>>, Vec<Row<'a>>) {
    let rank = |card: &PipelineView| match card.status {
        PipelineStatus::Failing => 0,
        PipelineStatus::Passing => 2,
        _ => 1,
    };
    let mut order: Vec<usize> = (0..cards.len()).collect();
    order.sort_by_key(|&i| rank(cards[i].1));
    let mut keep = vec![false; cards.len()];
    for &i in order.iter().take(count) {
        keep[i] = true;
    }
    let (kept, hidden): (Vec<_>, Vec<_>) = cards.iter().zip(keep).partition(|(_, keep)| *keep);
    (
        kept.into_iter().map(|(c, _)| *c).collect(),
        hidden.into_iter().map(|(c, _)| *c).collect(),
    )
}

/// Standard: stages as columns, two lines per card.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    shown: &[bool],
    screen: &Screen,
    theme: &Theme,
) {
    if view.columns.is_empty() {
        empty(frame, area, view, theme);
        return;
    }
    // Columns narrower than a card's name and status are unreadable: list the cards instead.
    if usize::from(area.width) < view.columns.len() * MIN_COLUMN_WIDTH {
        draw_list(frame, area, view, shown, screen, theme);
        return;
    }
    let constraints = vec![Constraint::Fill(1); view.columns.len()];
    let areas = Layout::horizontal(constraints).split(area);
    let flow_lines = u16::from(has_flow_line(&view.flow));
    for (column, (name, column_area)) in view.columns.iter().zip(areas.iter()).enumerate() {
        let cards = visible(view, shown, Some(column));
        let block = Block::default()
            .borders(Borders::TOP | Borders::LEFT)
            .title(Line::from(column_title(
                view,
                column,
                name,
                cards.len(),
                theme,
            )))
            .border_style(theme.muted());
        let inner = block.inner(*column_area);
        frame.render_widget(block, *column_area);
        let [flow_area, cards_area] =
            Layout::vertical([Constraint::Length(flow_lines), Constraint::Min(0)]).areas(inner);
        if flow_lines > 0 {
            draw_flow_line(frame, flow_area, view, column, theme);
        }
        draw_cards(frame, cards_area, view, &cards, screen, theme);
    }
}

fn draw_cards(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    cards: &[(usize, &PipelineView)],
    screen: &Screen,
    theme: &Theme,
) {
    let width = area.width as usize;
    let capacity = (area.height / CARD_LINES) as usize;
    let overflow = cards.len() > capacity;
    let shown = if overflow {
        capacity.saturating_sub(1)
    } else {
        cards.len()
    };
    let names = NameCuts::new(view);
    let mut lines = Vec::new();
    for (index, card) in cards.iter().take(shown) {
        let highlight = highlight(*index, screen);
        let status = theme.status(card.status);
        let glyph = status_glyph(card.status);
        let name = format!(
            "{glyph} {}",
            names.cut(
                &card.pipeline.name,
                width.saturating_sub(glyph.chars().count() + 1)
            )
        );
        lines.push(Line::from(Span::styled(
            fit(&name, width),
            status.patch(highlight),
        )));
        let building = card.pipeline.building.then_some(BUILDING_GLYPH);
        // In a narrow column the first parts are what must stay: who is on it, then the pass
        // rate, then the run.
        let ack = card.acknowledged.as_ref().map(|a| a.short());
        let pass = pass_text(card);
        let flaky = flaky(card).then(|| format!("{FLAKY_GLYPH} flaky"));
        let breakers = (!card.pipeline.breakers.is_empty())
            .then(|| format!("by {}", card.pipeline.breakers.join(", ")));
        let facts = [
            ack.as_deref(),
            pass.as_deref(),
            flaky.as_deref(),
            card.pipeline.label.as_deref(),
            breakers.as_deref(),
        ];
        let detail = format!(
            "  {}",
            detail_parts(
                card.status.word(),
                building,
                &facts,
                width.saturating_sub(2)
            )
        );
        let detail_style = if card.pipeline.building {
            theme.building()
        } else {
            theme.muted()
        };
        lines.push(Line::from(Span::styled(
            fit(&detail, width),
            detail_style.patch(highlight),
        )));
    }
    if overflow {
        lines.push(more_line(&cards[shown..], width, theme));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Wall: stages as columns of big bordered tiles, the status in capitals. A crowded stage gets
/// more room: its tiles flow into several sub-columns, down then across.
pub fn draw_tiles(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    shown: &[bool],
    screen: &Screen,
    theme: &Theme,
) {
    if view.columns.is_empty() {
        empty(frame, area, view, theme);
        return;
    }
    let flow_lines = u16::from(has_flow_line(&view.flow));
    let capacity = (area.height.saturating_sub(1 + flow_lines) / TILE_LINES).max(1) as usize;
    let columns: Vec<Vec<(usize, &PipelineView)>> = (0..view.columns.len())
        .map(|column| visible(view, shown, Some(column)))
        .collect();
    let weights: Vec<u16> = columns
        .iter()
        .map(|cards| cards.len().div_ceil(capacity).max(1) as u16)
        .collect();
    let constraints: Vec<Constraint> = weights.iter().map(|w| Constraint::Fill(*w)).collect();
    let areas = Layout::horizontal(constraints).spacing(1).split(area);
    let names = NameCuts::new(view);
    for (column, (name, column_area)) in view.columns.iter().zip(areas.iter()).enumerate() {
        let cards = &columns[column];
        let [title_area, flow_area, tiles_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(flow_lines),
            Constraint::Min(0),
        ])
        .areas(*column_area);
        let mut title = column_title(view, column, &name.to_uppercase(), cards.len(), theme);
        title[0] = Span::styled(
            format!(" {} · {} ", name.to_uppercase(), cards.len()),
            theme.accent().add_modifier(Modifier::UNDERLINED),
        );
        frame.render_widget(Paragraph::new(Line::from(title)), title_area);
        if flow_lines > 0 {
            draw_flow_line(frame, flow_area, view, column, theme);
        }
        let across = (weights[column]).min((tiles_area.width / 22).max(1)) as usize;
        let slots = across * capacity;
        let count = if cards.len() > slots {
            slots.saturating_sub(1)
        } else {
            cards.len()
        };
        let lanes = Layout::horizontal(vec![Constraint::Fill(1); across])
            .spacing(1)
            .split(tiles_area);
        for (slot, (index, card)) in cards.iter().take(count).enumerate() {
            let lane = lanes[slot / capacity];
            let tile = Rect {
                y: lane.y + (slot % capacity) as u16 * TILE_LINES,
                height: TILE_LINES.min(lane.height),
                ..lane
            };
            draw_tile(frame, tile, view, &names, *index, card, screen, theme);
        }
        if cards.len() > count {
            let lane = lanes[count / capacity];
            let more = Rect {
                y: lane.y + (count % capacity) as u16 * TILE_LINES,
                height: 1,
                ..lane
            };
            frame.render_widget(
                Paragraph::new(more_line(&cards[count..], more.width as usize, theme)),
                more,
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_tile(
    frame: &mut Frame,
    area: Rect,
    view: &ViewModel,
    names: &NameCuts,
    index: usize,
    card: &PipelineView,
    screen: &Screen,
    theme: &Theme,
) {
    let failing = card.status == PipelineStatus::Failing;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(if failing {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(theme.border(card.status));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let highlight = highlight(index, screen);
    let status = theme.status(card.status).add_modifier(Modifier::BOLD);
    let mut state = format!(
        "{} {}",
        status_glyph(card.status),
        card.status.word().to_uppercase()
    );
    if failing && let Some(stage) = &card.pipeline.stage {
        state.push_str(&format!(" at {stage}"));
    }
    if card.pipeline.building {
        state.push_str(&format!("  {BUILDING_GLYPH} building"));
    }
    if flaky(card) {
        state.push_str(&format!("  {FLAKY_GLYPH} flaky"));
    }
    let stages: Vec<String> = card
        .pipeline
        .stages
        .iter()
        .map(|s| format!("{} {}", stage_glyph(s.status), s.name))
        .collect();
    let mut about = Vec::new();
    if let Some(label) = &card.pipeline.label {
        about.push(label.clone());
    }
    if !card.pipeline.breakers.is_empty() {
        about.push(format!("by {}", card.pipeline.breakers.join(", ")));
    }
    if let Some(ack) = &card.acknowledged {
        about.push(ack.note());
    }
    if let Some(pass) = pass_text(card) {
        about.push(pass);
    }
    if let Some(at) = card
        .failing_since
        .filter(|_| failing)
        .or(card.pipeline.last_build_at)
    {
        about.push(ago(view, at));
    }
    let lines = vec![
        Line::from(Span::styled(
            names.cut(&card.pipeline.name, width),
            status.patch(highlight),
        )),
        Line::from(Span::styled(fit(&state, width), status)),
        Line::from(Span::styled(fit(&stages.join("  "), width), theme.muted())),
        Line::from(Span::styled(fit(&about.join(" · "), width), theme.muted())),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}
