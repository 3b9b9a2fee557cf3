//! andon: a terminal information radiator for software delivery teams.

pub mod app;
pub mod attention;
pub mod check;
pub mod config;
pub mod credentials;
pub mod dora;
pub mod flow;
pub mod format;
pub mod history;
pub mod live;
pub mod logging;
pub mod model;
pub mod output;
pub mod panics;
pub mod poller;
pub mod sources;
pub mod state;
pub mod ui;
pub mod view;
