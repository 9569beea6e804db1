//! The CLI's tests: the real `tgw-peering` binary against the emulator.

mod handle;
mod throttled_apply;
mod wrong_tag_key;

use std::process::Command;

/// `tgw-peering` with the emulator's endpoint and credentials, the two
/// Regions us-east-1 and eu-west-1, and nothing else of the caller's
/// environment that the tool reads.
pub fn tgw_peering(endpoint: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tgw-peering"));
    command
        .env("PEERING_REGIONS", "us-east-1,eu-west-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env_remove("EVENT_BUS_NAME")
        .env_remove("RECHECK_QUEUE_URL")
        .env_remove("TAG_KEY");
    command
}
