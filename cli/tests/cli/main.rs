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

mod first_run {
    use tgw_peering_tests::{Emulator, Flavour, RegionWorld};

    #[tokio::test]
    async fn a_first_run_without_a_region_of_its_own_answers_with_no_warning() {
        let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
        RegionWorld::new(&emulator, "us-east-1").await;
        RegionWorld::new(&emulator, "eu-west-1").await;
        // A home with no ~/.aws: no profile names a Region either.
        let home =
            std::env::temp_dir().join(format!("tgw-peering-first-run-{}", std::process::id()));
        std::fs::create_dir_all(&home).expect("a fresh home");
        let run = crate::tgw_peering(&emulator.endpoint)
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .env("HOME", &home)
            .env_remove("RUST_LOG")
            .arg("plan")
            .output()
            .expect("tgw-peering runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{stderr}");
        assert!(stderr.trim().is_empty(), "nothing but the answer: {stderr}");
    }
}
