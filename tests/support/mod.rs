//! Helpers shared by integration tests; each test crate uses only part of them.
#![allow(dead_code)]

pub mod ci;
pub mod collector;
pub mod prometheus;
pub mod raw;
pub mod replay;
pub mod tmux;
