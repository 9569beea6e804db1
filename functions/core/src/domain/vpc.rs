//! VPCs, their CIDR blocks, and their route tables.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AccountId, Cidr, PrefixListId, TransitGatewayId, VpcId, VpcRouteTableId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CidrState {
    /// `associated`: the block is in use, routes are wanted.
    Associated,
    /// `associating`: not usable yet, no route yet.
    Associating,
    /// Anything else (`disassociating`, `disassociated`, `failed`, …): the block
    /// is known to have belonged to the VPC, so its routes may be withdrawn.
    Gone,
}

impl CidrState {
    pub fn parse(s: &str) -> Self {
        match s {
            "associated" => Self::Associated,
            "associating" => Self::Associating,
            _ => Self::Gone,
        }
    }
}

/// A VPC with its tags of interest and every CIDR block, IPv4 and IPv6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    pub id: VpcId,
    /// Every tag of the VPC, key to value.
    pub tags: BTreeMap<String, String>,
    pub cidrs: Vec<(Cidr, CidrState)>,
    /// The account that owns the VPC (`OwnerId`): the Region's own, or a
    /// workload account whose VPC is attached to a shared transit gateway.
    #[serde(default)]
    pub owner: Option<AccountId>,
}

/// The tag rule, one for every path (the VPC read, the tag events, the
/// CloudTrail tag calls, the workload accounts' reads, the VPC watch): the
/// key `TAG_KEY` compared exactly (EC2 tag keys are case-sensitive), its
/// value `true` in any case once the white space around it is trimmed
/// (`"true "`, `"TRUE"` and `" True"` tag a VPC; `"yes"` does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagRule<'a> {
    key: &'a str,
}

impl<'a> TagRule<'a> {
    pub fn new(key: &'a str) -> Self {
        Self { key }
    }

    /// The tag key, compared exactly.
    pub fn key(&self) -> &'a str {
        self.key
    }

    /// Whether the key's value (`None`: no such tag) tags a VPC.
    pub fn tags(&self, value: Option<&str>) -> bool {
        value.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// Whether a tag set (key to value) tags a VPC.
    pub fn tagged_by<S: std::hash::BuildHasher>(
        &self,
        tags: &std::collections::HashMap<String, String, S>,
    ) -> bool {
        self.tags(tags.get(self.key).map(String::as_str))
    }
}

impl Vpc {
    /// The tag rule ([`TagRule`]) on the VPC's tags.
    pub fn is_tagged(&self, tag_key: &str) -> bool {
        TagRule::new(tag_key).tags(self.tags.get(tag_key).map(String::as_str))
    }

    pub fn associated_cidrs(&self) -> impl Iterator<Item = Cidr> + '_ {
        self.cidrs.iter().filter(|(_, s)| *s == CidrState::Associated).map(|(c, _)| *c)
    }
}
/// Where a VPC route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum VpcRouteTarget {
    TransitGateway(TransitGatewayId),
    /// Any other target, as AWS names it: `local`, `igw-…`, `nat-…`,
    /// `pcx-…`, `eni-…`, `vgw-…`, or `unknown`.
    Other(String),
}

impl fmt::Display for VpcRouteTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TransitGateway(id) => id.fmt(f),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// The `Origin` of a route made by `CreateRoute`: the only routes the tool
/// may ever delete from a VPC route table (never `CreateRouteTable`, the
/// local route, nor `EnableVgwRoutePropagation`, a propagated route).
pub const CREATE_ROUTE_ORIGIN: &str = "CreateRoute";

/// One route of a VPC route table (prefix-list routes are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcRoute {
    pub cidr: Cidr,
    pub target: VpcRouteTarget,
    /// `CreateRoute`, `CreateRouteTable`, `EnableVgwRoutePropagation`; empty
    /// when AWS did not say (treated as not `CreateRoute`).
    pub origin: String,
    /// `active` or `blackhole`.
    pub state: String,
}

impl VpcRoute {
    /// Made with `CreateRoute`: neither the local route nor a propagated one.
    pub fn is_created(&self) -> bool {
        self.origin == CREATE_ROUTE_ORIGIN
    }
}

/// A route of a VPC route table whose destination is a prefix list
/// (`DestinationPrefixListId`): every entry of the list is routed to its
/// target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcListRoute {
    pub prefix_list_id: PrefixListId,
    pub target: VpcRouteTarget,
    /// `CreateRoute` when made by a route write.
    pub origin: String,
    /// `active` or `blackhole`.
    pub state: String,
}

/// A route table of a VPC with its routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcRouteTable {
    pub id: VpcRouteTableId,
    pub vpc_id: VpcId,
    /// True when the table is associated with a subnet, or is the VPC's
    /// main table (which serves every subnet without an explicit one).
    pub serves_subnets: bool,
    pub routes: Vec<VpcRoute>,
    /// The routes toward a prefix list's entries.
    #[serde(default)]
    pub list_routes: Vec<VpcListRoute>,
}

impl VpcRouteTable {
    /// True when some route of the table, of any origin and destination
    /// (a CIDR or a prefix list), targets `tgw`.
    pub fn routes_to(&self, tgw: &TransitGatewayId) -> bool {
        let to = |t: &VpcRouteTarget| matches!(t, VpcRouteTarget::TransitGateway(x) if x == tgw);
        self.routes.iter().any(|r| to(&r.target)) || self.list_routes.iter().any(|r| to(&r.target))
    }

    /// The route toward `list`'s entries, if any.
    pub fn list_route(&self, list: &PrefixListId) -> Option<&VpcListRoute> {
        self.list_routes.iter().find(|r| &r.prefix_list_id == list)
    }
}
