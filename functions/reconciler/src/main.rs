//! The `reconciler` Lambda function: the one function that writes. It reads
//! the FIFO reconcile queue, where every trigger that can lead to a write
//! arrives (VPC tag changes, CloudTrail VPC, tag and peering calls, Network
//! Manager events, the watcher's state changes, the hourly schedule), and
//! answers each batch with one reconcile. One message group: at most one
//! reconcile runs at a time.
//!
//! Wiring only: everything else is the core's `serve_lambda` (tracing,
//! configuration, the SDK clients built once at init, the runtime loop),
//! whose dispatch `tgw-peering handle` shares.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tgw_peering_core::wiring::serve_lambda().await
}
