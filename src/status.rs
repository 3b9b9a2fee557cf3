//! What the board shows: the Andon signal's state and each pipeline's status. The view model,
//! the figures beneath it and the wording all speak of these.

/// What the Andon signal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AndonState {
    Green,
    Red,
    Unknown,
}

impl AndonState {
    pub fn word(self) -> &'static str {
        match self {
            AndonState::Green => "green",
            AndonState::Red => "red",
            AndonState::Unknown => "unknown",
        }
    }
}

/// A pipeline's status as shown: a pipeline whose source is not fresh is stale, never green.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineStatus {
    Passing,
    Failing,
    Unknown,
    Stale,
}

impl PipelineStatus {
    pub fn word(self) -> &'static str {
        match self {
            PipelineStatus::Passing => "passing",
            PipelineStatus::Failing => "failing",
            PipelineStatus::Unknown => "unknown",
            PipelineStatus::Stale => "stale",
        }
    }
}
