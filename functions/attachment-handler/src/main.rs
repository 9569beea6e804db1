//! The `attachment-handler` Lambda function: peering attachment events (the
//! watcher's Transit Gateway Peering Attachment State Change, CloudTrail
//! Create/Accept/DeleteTransitGatewayPeeringAttachment) and the watcher's
//! re-check messages from SQS. (It would handle a Scheduled Event too; the
//! hub stack sends the sweep to vpc-tag-handler.)
//!
//! Wiring only: everything else is the core's `serve_lambda`, shared with
//! the other function; the dispatch is shared with `tgw-peering handle`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tgw_peering_core::wiring::serve_lambda().await
}
