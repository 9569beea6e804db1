//! The `attachment-watcher` Lambda function: the watcher's re-check
//! messages from its SQS delay queue. A re-check describes a peering
//! attachment on both sides and publishes a state change when it moved; it
//! never writes to EC2 (the state change reaches the reconciler through its
//! rule and the FIFO queue).
//!
//! It cannot: it serves the core's `Watcher` (`serve_watcher`), which holds
//! EC2 read clients only and announces on the bus; a payload that asks for a
//! reconcile is refused. Wiring only: the dispatch is shared with the
//! reconciler and `tgw-peering handle`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tgw_peering_core::wiring::serve_watcher().await
}
