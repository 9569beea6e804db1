//! The `attachment-watcher` Lambda function: the watcher's re-check
//! messages from its SQS delay queue. A re-check describes a peering
//! attachment on both sides and publishes a state change when it moved; it
//! never writes to EC2 (the state change reaches the reconciler through its
//! rule and the FIFO queue).
//!
//! Wiring only: everything else is the core's `serve_lambda`, shared with
//! the reconciler; the dispatch is shared with `tgw-peering handle`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tgw_peering_core::wiring::serve_watcher().await
}
