//! A board card as the flow, value-stream and escalation figures read it: borrowed from the
//! view model's card, so those figures need nothing of the view model itself.

use crate::model::{StageRun, Timestamp};
use crate::status::PipelineStatus;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Card<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub status: PipelineStatus,
    /// The board column the card sits in.
    pub column: usize,
    pub building: bool,
    pub stage: Option<&'a str>,
    pub stages: &'a [StageRun],
    pub failing_since: Option<Timestamp>,
    pub last_build_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}
