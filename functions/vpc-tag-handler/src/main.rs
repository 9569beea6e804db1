//! The `vpc-tag-handler` Lambda function: VPC tag and lifecycle events
//! (aws.tag Tag Change on Resource, CloudTrail CreateVpc, DeleteVpc,
//! AssociateVpcCidrBlock, DisassociateVpcCidrBlock) and the scheduled
//! reconcile.
//!
//! Wiring only: everything else is the core's `serve_lambda` (tracing,
//! configuration, the SDK clients built once at init, the runtime loop),
//! whose dispatch `tgw-peering handle` shares.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tgw_peering_core::wiring::serve_lambda().await
}
