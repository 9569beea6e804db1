//! What the emulator test modules share: `tgw-peering apply` until it
//! converges.

use std::time::Duration;

use tgw_peering::commands::{apply, ApplyOptions, ApplyReport, Session};

/// Two minutes at most, re-reading every 300 ms.
pub(crate) const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(120), poll: Duration::from_millis(300) };

/// Applies until converged; fails the test otherwise.
pub(crate) async fn converge(session: &Session) -> ApplyReport {
    let report = apply(session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "apply did not converge: {report:#?}");
    report
}
