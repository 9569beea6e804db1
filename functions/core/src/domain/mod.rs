//! Domain types: parsed once at the edge, trusted everywhere after.
//!
//! The bottom layer of the crate: it imports nothing of the crate above it.
//! Identifiers are newtypes whose only constructor is `parse`; CIDRs wrap
//! `ipnet`; states are enums with an `Unknown` variant where AWS may add
//! values.

mod cidr;
mod ids;
mod ledger;
mod peering;
mod routes;
mod segment;
mod states;
mod vpc;

pub use cidr::Cidr;
pub use ids::{
    AccountId, AttachmentId, ParseError, PrefixListId, Region, RoleArn, RouteTableId,
    TransitGatewayId, VpcId, VpcRouteTableId,
};
pub use ledger::{
    Blackholes, EntryOwner, Family, LedgerList, LedgerRead, ListDeployment, ResizeRecord,
    ISOLATED_REFERENCE, LEDGER_GATEWAY_TAG, LEDGER_ISOLATED_PREFIX, LEDGER_LEFT_PREFIX,
    LEDGER_PEERING_TAG, LEDGER_PEER_TAG, LEDGER_RESIZE_TAG, LEDGER_TAG_KEY_TAG, MAX_DESCRIPTION,
    MAX_LEDGER_ENTRIES, MAX_TAGS, PREFIX_LISTS_QUOTA, PREFIX_LISTS_WARN_PERCENT, RESIZE_RETRY_SECS,
};
pub use peering::{
    peering_tags, GatewayRef, PeeringAttachment, PeeringPhase, PeeringState, TgwState,
    TransitGateway, DEPLOYMENT_TAG, MANAGED_TAG_KEY, MANAGED_TAG_VALUE,
};
pub use routes::{
    Association, AttachmentKind, ListReference, RouteKind, RouteTarget, TgwAttachment, TgwRoute,
    TgwRouteTable, TGW_ROUTES_QUOTA,
};
pub use segment::{
    Segment, SegmentTables, SegmentTag, MAX_SEGMENT_LEN, PEERING_ROLE, ROLE_TAG, SEGMENT_TAG,
};
pub use states::{AssociationState, AttachmentState};
pub use vpc::{
    CidrState, TagRule, Vpc, VpcListRoute, VpcRoute, VpcRouteTable, VpcRouteTarget,
    CREATE_ROUTE_ORIGIN,
};
