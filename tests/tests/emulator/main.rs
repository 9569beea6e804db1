//! The integration tests against the EC2 emulator: one binary, one module
//! per concern, the harness in `tgw_peering_tests` (this crate's library).

// A test's match picks the case it checks (the production code is held to
// exhaustive matches, Cargo.toml).
#![allow(clippy::wildcard_enum_match_arm)]

mod apply;
mod coexistence;
mod common;
mod cross_account;
mod events;
mod limits;
mod mesh;
mod organizations;
mod paths;
mod pipeline;
mod prefix_lists;
mod reliability;
mod routing_truth;
mod segments;
mod vpc_routes;
