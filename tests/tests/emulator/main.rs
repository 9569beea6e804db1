//! The integration tests against the EC2 emulator: one binary, one module
//! per concern, the harness in `tgw_peering_tests` (this crate's library).

mod apply;
mod coexistence;
mod common;
mod cross_account;
mod events;
mod limits;
mod organizations;
mod pipeline;
mod prefix_lists;
mod reliability;
mod routing_truth;
mod vpc_routes;
