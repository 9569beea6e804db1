//! The core's tests: one binary, one module per concern, one shared world
//! builder (`support::Scenario`) and stateful EC2 (`support::World`).
#![allow(clippy::unwrap_used)]
// test helpers: a panic is a failed test
// The fakes stand in for AWS's latency on tokio's clock (functions/clippy.toml).
#![allow(clippy::disallowed_methods)]
// A test's match picks the case it checks and fails on any other: a new
// variant fails the test when it runs (the production code is held to
// exhaustive matches, Cargo.toml).
#![allow(clippy::wildcard_enum_match_arm)]

mod accounts;
mod batches;
mod chains;
mod config;
mod deadline;
mod docs;
mod domain;
mod events;
mod executor;
mod handler;
mod intake;
mod lag;
mod limits;
mod metrics;
mod organizations;
mod path_events;
mod planner;
mod reliability;
mod support;
mod transitions;
mod watcher_function;
