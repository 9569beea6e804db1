//! The contract the deployment is checked against: every AWS operation
//! the functions call.

/// Every AWS operation the functions call, as IAM names them. The
/// deployment's roles grant exactly these (plus what Lambda itself needs);
/// `infra/tests` checks the template against this list, and an emulator test
/// checks that a full event flow calls exactly these operations.
pub const SDK_CALLS: &[&str] = &[
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeTransitGatewayPeeringAttachments",
    "ec2:SearchTransitGatewayRoutes",
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    // Only where a tagged VPC has an IPv6 block: its attachment's options.
    "ec2:DescribeTransitGatewayVpcAttachments",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
    "ec2:GetTransitGatewayPrefixListReferences",
    "ec2:CreateTransitGatewayPeeringAttachment",
    "ec2:AcceptTransitGatewayPeeringAttachment",
    "ec2:DeleteTransitGatewayPeeringAttachment",
    "ec2:AssociateTransitGatewayRouteTable",
    "ec2:DisassociateTransitGatewayRouteTable",
    "ec2:CreateTransitGatewayRoute",
    "ec2:DeleteTransitGatewayRoute",
    "ec2:ReplaceTransitGatewayRoute",
    // The ownership ledger, and its records (tags of the tool's lists).
    "ec2:CreateManagedPrefixList",
    "ec2:ModifyManagedPrefixList",
    "ec2:CreateTags",
    "ec2:DeleteTags",
    // Only with ROUTE_MODE=prefix-list (and when switching back from it).
    "ec2:CreateTransitGatewayPrefixListReference",
    "ec2:ModifyTransitGatewayPrefixListReference",
    "ec2:DeleteTransitGatewayPrefixListReference",
    // Only with MANAGE_VPC_ROUTES=true.
    "ec2:DescribeRouteTables",
    "ec2:CreateRoute",
    "ec2:DeleteRoute",
    "events:PutEvents",
    "sqs:SendMessage",
    // A queued message brought back sooner (a deferred or failed batch).
    "sqs:ChangeMessageVisibility",
    "sts:GetCallerIdentity",
    // Only with ACCOUNT_ROLE_ARNS: aws-config's assume-role provider.
    "sts:AssumeRole",
];

/// The calls of [`SDK_CALLS`] the attachment-watcher makes: it only reads
/// (a peering on both sides; a VPC and the gateway's attachments; a
/// gateway and its route tables in transition), publishes
/// what it saw, schedules its next look and brings a failed one back. (With
/// no bus configured it would reconcile itself; the deployment always sets
/// one.) `tests/tests/emulator/pipeline.rs` checks it against the calls a
/// watcher really makes.
pub const WATCHER_CALLS: &[&str] = &[
    "ec2:DescribeTransitGatewayPeeringAttachments",
    "ec2:DescribeVpcs",
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeTransitGatewayRouteTables",
    "events:PutEvents",
    "sqs:SendMessage",
    "sqs:ChangeMessageVisibility",
    "sts:AssumeRole",
];

/// The calls of [`SDK_CALLS`] that only read: what `plan` and `status`
/// need (the hub's operator policy grants them).
pub fn read_calls() -> impl Iterator<Item = &'static str> {
    SDK_CALLS
        .iter()
        .copied()
        .filter(|c| c.strip_prefix("ec2:").is_some_and(super::counter::is_read_operation))
}

/// The calls of [`SDK_CALLS`] made only with `ACCOUNT_ROLE_ARNS` set (by the
/// credentials provider, outside the call counters).
pub const ASSUME_ROLE_CALLS: &[&str] = &["sts:AssumeRole"];

/// The calls of [`SDK_CALLS`] made only with `ROUTE_MODE=prefix-list`, or
/// while a table still holds a reference from it (static mode removes it).
pub const PREFIX_LIST_CALLS: &[&str] = &[
    "ec2:CreateTransitGatewayPrefixListReference",
    "ec2:ModifyTransitGatewayPrefixListReference",
    "ec2:DeleteTransitGatewayPrefixListReference",
];

/// The calls of [`SDK_CALLS`] that write VPC routes, made only with
/// `MANAGE_VPC_ROUTES=true`, and the read they need (`DescribeRouteTables`,
/// which path verification makes too).
pub const VPC_ROUTE_CALLS: &[&str] =
    &["ec2:DescribeRouteTables", "ec2:CreateRoute", "ec2:DeleteRoute"];
