//! andon: a terminal information radiator for software delivery teams.

pub mod ack;
pub mod app;
pub mod attention;
pub mod check;
pub mod config;
pub mod credentials;
pub mod dora;
pub mod emit;
pub mod files;
pub mod flow;
pub mod format;
pub mod history;
pub mod logging;
pub mod logs;
pub mod model;
pub mod output;
pub mod panics;
pub mod poller;
pub mod sanitize;
pub mod sources;
pub mod stage_map;
pub mod state;
pub mod suspend;
pub mod ui;
pub mod view;
pub mod why;
