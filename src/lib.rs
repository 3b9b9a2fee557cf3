//! andon: a terminal information radiator for software delivery teams.

pub mod config;
pub mod dora;
pub mod model;
pub mod sources;
