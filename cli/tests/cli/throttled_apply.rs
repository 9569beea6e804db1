//! `tgw-peering apply`, the real binary, with 30% of its EC2 calls throttled
//! (and 5% of the answers lost after the call took effect) by the fault proxy
//! in front of the emulator: a two-Region world of 30 tagged VPCs per Region
//! ends in exactly the state a fault-free run of the same binary reaches.

use std::process::Output;

use tgw_peering_tests::{end_state, tagged_world, Emulator, EndState, FaultProxy, Faults, Flavour};

const VPCS: u8 = 30;

/// Runs `tgw-peering apply` against `endpoint` for us-east-1 and eu-west-1.
fn apply(endpoint: &str) -> Output {
    crate::tgw_peering(endpoint)
        .args(["apply", "--timeout", "300"])
        .output()
        .expect("tgw-peering runs")
}

/// A fresh world of `VPCS` tagged VPCs per Region, applied through `faults`
/// (none when `None`): the end state, and the proxy's counts.
async fn run(faults: Option<Faults>) -> (EndState, Option<tgw_peering_tests::FaultCounts>) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, _) = tagged_world(&emulator, VPCS).await;
    let proxy = faults.map(|f| FaultProxy::start(&emulator, f));
    let endpoint = proxy.as_ref().map_or(emulator.endpoint.clone(), |p| p.endpoint.clone());
    let out = apply(&endpoint);
    assert!(
        out.status.success(),
        "apply failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (end_state(&east, &west).await, proxy.map(|p| p.counts()))
}

#[tokio::test]
async fn with_thirty_percent_of_ec2_calls_throttled_the_apply_command_ends_in_the_fault_free_state()
{
    let (expected, _) = run(None).await;
    assert_eq!(expected.live_peerings, 1);
    assert!(expected.routes.values().all(|t| t.len() == usize::from(VPCS)));

    let (got, counts) =
        run(Some(Faults { throttle: 0.30, error: 0.05, seed: 3, ..Faults::default() })).await;
    let counts = counts.expect("the proxy's counts");
    println!(
        "tgw-peering apply, 30 VPCs per Region, 30% throttled: {} EC2 attempts, {} throttled (503), {} answers lost (500); the end state equals the fault-free run's",
        counts.calls, counts.throttled, counts.errors
    );
    assert!(counts.throttled > 0 && counts.errors > 0, "{counts:?}");
    assert_eq!(got, expected);
}
