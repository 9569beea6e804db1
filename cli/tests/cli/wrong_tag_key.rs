//! `tgw-peering apply` with a wrong `TAG_KEY` (say, `make deploy` or the
//! CLI run again without the custom key): every tagged VPC reads as
//! untagged, so every route would go. The ledger records the key it was
//! written under: nothing is withdrawn, and the exit status says so.

use tgw_peering_tests::{Emulator, Flavour, RegionWorld};

#[tokio::test]
async fn apply_with_a_wrong_tag_key_withdraws_nothing_and_exits_with_status_2() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let east = RegionWorld::new(&emulator, "us-east-1").await;
    let west = RegionWorld::new(&emulator, "eu-west-1").await;
    for i in 0..3 {
        east.vpc(&format!("10.10.{i}.0/24"), Some("true"), &[]).await;
        west.vpc(&format!("10.20.{i}.0/24"), Some("true"), &[]).await;
    }
    let first = crate::tgw_peering(&emulator.endpoint)
        .args(["apply", "--timeout", "120"])
        .output()
        .expect("tgw-peering runs");
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let (east_before, west_before) = (east.static_routes().await, west.static_routes().await);
    assert_eq!(east_before.len(), 3);

    let wrong = crate::tgw_peering(&emulator.endpoint)
        .env("TAG_KEY", "AddToTransitGateway")
        .args(["apply", "--timeout", "60"])
        .output()
        .expect("tgw-peering runs");
    let stdout = String::from_utf8_lossy(&wrong.stdout);
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("withdrawals held"), "{stderr}");
    // The finding's line ends with its code and names the key the ledger
    // was written under.
    let held = stdout
        .lines()
        .filter(|l| l.trim_end().ends_with("[other_tag_key]"))
        .filter(|l| l.contains("addToTransitGateway"));
    assert!(held.count() > 0, "{stdout}");
    assert_eq!(east.static_routes().await, east_before, "nothing withdrawn in the east");
    assert_eq!(west.static_routes().await, west_before, "nothing withdrawn in the west");
}
