//! Domain newtypes: parsed once at the edge, trusted everywhere after.
//!
//! Every identifier the tool handles is a newtype whose only constructor is
//! `parse`, so a value of the type is a valid value ("parse, don't validate").

use std::fmt;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Why a string is not a valid value of a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}: {why}")]
pub struct ParseError {
    pub kind: &'static str,
    pub value: String,
    pub why: &'static str,
}

impl ParseError {
    fn new(kind: &'static str, value: &str, why: &'static str) -> Self {
        let mut value = value.to_owned();
        // Keep messages readable when fed garbage.
        if value.len() > 80 {
            let mut end = 80;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            value.truncate(end);
            value.push('…');
        }
        Self { kind, value, why }
    }
}

fn is_lower_alnum(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// An AWS Region code such as `us-east-1` or `us-gov-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const KIND: &str = "AWS Region";
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() < 3 {
            return Err(ParseError::new(
                KIND,
                s,
                "expected a code like us-east-1 (area-name-number)",
            ));
        }
        let (last, rest) = parts.split_last().expect("len >= 3");
        if last.is_empty() || !last.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(KIND, s, "must end with a number"));
        }
        if !rest
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        {
            return Err(ParseError::new(
                KIND,
                s,
                "must be lowercase letters separated by '-' before the number",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $t {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $t {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

macro_rules! aws_id {
    ($(#[$doc:meta])* $t:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $t(String);

        impl $t {
            pub const PREFIX: &'static str = $prefix;

            pub fn parse(s: &str) -> Result<Self, ParseError> {
                match s.strip_prefix($prefix) {
                    Some(rest) if is_lower_alnum(rest) && rest.len() <= 32 => Ok(Self(s.to_owned())),
                    Some(_) => Err(ParseError::new(
                        $kind,
                        s,
                        concat!("expected ", $prefix, " followed by lowercase letters or digits"),
                    )),
                    None => Err(ParseError::new($kind, s, concat!("must start with ", $prefix))),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        string_newtype_impls!($t);
    };
}

string_newtype_impls!(Region);

aws_id!(
    /// A transit gateway ID, `tgw-…`.
    TransitGatewayId,
    "tgw-",
    "transit gateway ID"
);
aws_id!(
    /// A transit gateway route table ID, `tgw-rtb-…`.
    RouteTableId,
    "tgw-rtb-",
    "transit gateway route table ID"
);
aws_id!(
    /// A transit gateway attachment ID, `tgw-attach-…`. An inter-Region peering
    /// has the same ID on both sides.
    AttachmentId,
    "tgw-attach-",
    "transit gateway attachment ID"
);
aws_id!(
    /// A VPC ID, `vpc-…`.
    VpcId,
    "vpc-",
    "VPC ID"
);

aws_id!(
    /// A VPC route table ID, `rtb-…` (a transit gateway route table is a
    /// [`RouteTableId`], `tgw-rtb-…`).
    VpcRouteTableId,
    "rtb-",
    "VPC route table ID"
);

/// A 12-digit AWS account ID.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new("AWS account ID", s, "expected 12 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_impls!(AccountId);

/// The ARN of an IAM role, `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`,
/// which carries the account the role belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleArn {
    arn: String,
    account: AccountId,
}

impl RoleArn {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const KIND: &str = "IAM role ARN";
        const WHY: &str = "expected arn:aws:iam::ACCOUNT:role/NAME";
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else {
            return Err(ParseError::new(KIND, s, WHY));
        };
        let name = resource.strip_prefix("role/").unwrap_or_default();
        let name_ok = !name.is_empty()
            && name.len() <= 512
            && !name.ends_with('/')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
        if *arn != "arn"
            || !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov")
            || *service != "iam"
            || !region.is_empty()
            || !name_ok
        {
            return Err(ParseError::new(KIND, s, WHY));
        }
        let account = AccountId::parse(account)
            .map_err(|_| ParseError::new(KIND, s, "the account is not 12 digits"))?;
        Ok(Self {
            arn: s.to_owned(),
            account,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// The account the role belongs to.
    pub fn account(&self) -> &AccountId {
        &self.account
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl TryFrom<String> for RoleArn {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<RoleArn> for String {
    fn from(r: RoleArn) -> String {
        r.arn
    }
}

/// An IPv4 or IPv6 CIDR block in canonical form (no host bits set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr(IpNet);

impl Cidr {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let net = IpNet::from_str(s.trim()).map_err(|_| {
            ParseError::new("CIDR block", s, "expected an address and a prefix length")
        })?;
        if net.trunc() != net {
            return Err(ParseError::new(
                "CIDR block",
                s,
                "host bits are set (write the network address)",
            ));
        }
        Ok(Self(net))
    }

    pub fn net(&self) -> IpNet {
        self.0
    }

    pub fn is_ipv6(&self) -> bool {
        matches!(self.0, IpNet::V6(_))
    }

    /// True when `self` contains `other` (equal blocks contain each other).
    pub fn contains(&self, other: &Cidr) -> bool {
        self.0.contains(&other.0)
    }

    /// True when the two blocks share at least one address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// The strictly larger blocks that contain this one, nearest first.
    pub fn supernets(&self) -> impl Iterator<Item = Cidr> {
        std::iter::successors(self.0.supernet(), |n| n.supernet()).map(Cidr)
    }
}

impl From<IpNet> for Cidr {
    fn from(net: IpNet) -> Self {
        Cidr(net.trunc())
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Cidr {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Cidr {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Cidr> for String {
    fn from(c: Cidr) -> String {
        c.to_string()
    }
}

/// The lifecycle state of a transit gateway peering attachment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PeeringState {
    InitiatingRequest,
    PendingAcceptance,
    Pending,
    Available,
    Modifying,
    Deleting,
    Deleted,
    Failing,
    Failed,
    Rejecting,
    Rejected,
    RollingBack,
    /// A state this build does not know; treated as transitional (wait, never act).
    #[serde(untagged)]
    Unknown(String),
}

/// What the planner may do with a peering in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeeringPhase {
    /// On its way to `available` (or there): the pair's peering.
    Live,
    /// Failed or rejected: reported, never silently replaced.
    Failed,
    /// Gone or going: replaced by a new one when needed.
    Gone,
}

impl PeeringState {
    pub fn parse(s: &str) -> Self {
        match s {
            "initiatingRequest" => Self::InitiatingRequest,
            "pendingAcceptance" => Self::PendingAcceptance,
            "pending" => Self::Pending,
            "available" => Self::Available,
            "modifying" => Self::Modifying,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            "failing" => Self::Failing,
            "failed" => Self::Failed,
            "rejecting" => Self::Rejecting,
            "rejected" => Self::Rejected,
            "rollingBack" => Self::RollingBack,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::InitiatingRequest => "initiatingRequest",
            Self::PendingAcceptance => "pendingAcceptance",
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Modifying => "modifying",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Failing => "failing",
            Self::Failed => "failed",
            Self::Rejecting => "rejecting",
            Self::Rejected => "rejected",
            Self::RollingBack => "rollingBack",
            Self::Unknown(s) => s,
        }
    }

    pub fn phase(&self) -> PeeringPhase {
        match self {
            Self::InitiatingRequest
            | Self::PendingAcceptance
            | Self::Pending
            | Self::Available
            | Self::Modifying
            | Self::Unknown(_) => PeeringPhase::Live,
            // A rejection is an answer: asking again at once would loop
            // (request, reject, request…), so it is reported like a failure.
            Self::Failing | Self::Failed | Self::RollingBack | Self::Rejecting | Self::Rejected => {
                PeeringPhase::Failed
            }
            Self::Deleting | Self::Deleted => PeeringPhase::Gone,
        }
    }
}

impl fmt::Display for PeeringState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One end of a peering: a transit gateway in a Region, owned by an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GatewayRef {
    pub region: Region,
    pub transit_gateway_id: TransitGatewayId,
    pub account_id: Option<AccountId>,
}

/// A transit gateway as read from its Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitGateway {
    pub id: TransitGatewayId,
    pub owner_id: Option<AccountId>,
    /// The gateway's state as AWS reports it (`available`, `pending`, …).
    pub state: String,
    pub default_association_route_table: Option<RouteTableId>,
}

/// The association state of one CIDR block with its VPC.
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
    pub tags: std::collections::BTreeMap<String, String>,
    pub cidrs: Vec<(Cidr, CidrState)>,
}

impl Vpc {
    /// The tag rule: key compared exactly, value `true` in any case.
    pub fn is_tagged(&self, tag_key: &str) -> bool {
        self.tags
            .get(tag_key)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    pub fn associated_cidrs(&self) -> impl Iterator<Item = Cidr> + '_ {
        self.cidrs
            .iter()
            .filter(|(_, s)| *s == CidrState::Associated)
            .map(|(c, _)| *c)
    }
}

/// A transit gateway peering attachment, as seen from one or both of its Regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeeringAttachment {
    pub id: AttachmentId,
    pub requester: GatewayRef,
    pub accepter: GatewayRef,
    /// The state as each Region reports it. An accepter's view is authoritative
    /// for acceptance; each side's view decides that side's routes.
    pub states: std::collections::BTreeMap<Region, PeeringState>,
    /// Seconds since the Unix epoch; orders concurrent duplicates (oldest wins).
    pub created_at: Option<i64>,
    pub tags: std::collections::BTreeMap<String, String>,
}

impl PeeringAttachment {
    /// The state as `region` sees it, else as the other side sees it.
    pub fn state_in(&self, region: &Region) -> PeeringState {
        if let Some(s) = self.states.get(region) {
            return s.clone();
        }
        self.state()
    }

    /// The overall state: the accepter's view if read, else the requester's.
    pub fn state(&self) -> PeeringState {
        self.states
            .get(&self.accepter.region)
            .or_else(|| self.states.get(&self.requester.region))
            .or_else(|| self.states.values().next())
            .cloned()
            .unwrap_or_else(|| PeeringState::Unknown("unread".into()))
    }

    /// Overall phase; a peering counts as gone or failed as soon as either side says so.
    pub fn phase(&self) -> PeeringPhase {
        let mut phase = PeeringPhase::Live;
        for s in self.states.values() {
            match s.phase() {
                PeeringPhase::Gone => return PeeringPhase::Gone,
                PeeringPhase::Failed => phase = PeeringPhase::Failed,
                PeeringPhase::Live => {}
            }
        }
        phase
    }

    /// True when the peering links exactly these two gateways, in either direction.
    pub fn links(&self, a: &TransitGatewayId, b: &TransitGatewayId) -> bool {
        let (r, x) = (
            &self.requester.transit_gateway_id,
            &self.accepter.transit_gateway_id,
        );
        (r == a && x == b) || (r == b && x == a)
    }

    pub fn is_managed(&self) -> bool {
        self.tags
            .get(crate::MANAGED_TAG_KEY)
            .is_some_and(|v| v == "true")
    }
}

/// Where a static route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum RouteTarget {
    Attachment(AttachmentId),
    /// A blackhole route (drops traffic).
    Blackhole,
    /// The API returned no attachment: the route exists, its target cannot be
    /// proven. Such a route is never rewritten and never deleted.
    Unknown,
}

/// A static route of a transit gateway route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticRoute {
    pub cidr: Cidr,
    pub target: RouteTarget,
    /// `active`, `blackhole`, …
    pub state: String,
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

/// A route table of a VPC with its routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcRouteTable {
    pub id: VpcRouteTableId,
    pub vpc_id: VpcId,
    /// True when the table is associated with a subnet, or is the VPC's
    /// main table (which serves every subnet without an explicit one).
    pub serves_subnets: bool,
    pub routes: Vec<VpcRoute>,
}

impl VpcRouteTable {
    /// True when some route of the table, of any origin, targets `tgw`.
    pub fn routes_to(&self, tgw: &TransitGatewayId) -> bool {
        self.routes
            .iter()
            .any(|r| matches!(&r.target, VpcRouteTarget::TransitGateway(t) if t == tgw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_parse_and_garbage_is_rejected() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert_eq!(Region::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "us--1",
            "us-east-x",
            "us east 1",
        ] {
            assert!(Region::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn ids_require_their_prefix() {
        assert!(TransitGatewayId::parse("tgw-0123abcd").is_ok());
        assert!(TransitGatewayId::parse("tgw-rtb-0123").is_err());
        assert!(RouteTableId::parse("tgw-rtb-0123abcd").is_ok());
        assert!(AttachmentId::parse("tgw-attach-01").is_ok());
        assert!(AttachmentId::parse("tgw-01").is_err());
        assert!(VpcId::parse("vpc-0a").is_ok());
        assert!(VpcId::parse("vpc-").is_err());
        assert!(VpcId::parse("vpc-ABC").is_err());
        assert!(VpcRouteTableId::parse("rtb-0a1b").is_ok());
        assert!(VpcRouteTableId::parse("tgw-rtb-0a1b").is_err());
        assert!(RouteTableId::parse("rtb-0a1b").is_err());
        assert!(AccountId::parse("123456789012").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
    }

    #[test]
    fn cidrs_must_be_canonical() {
        assert!(Cidr::parse("10.0.0.0/16").is_ok());
        assert!(Cidr::parse("2600:1f18:abcd::/56").is_ok());
        let err = Cidr::parse("10.0.0.1/16").unwrap_err();
        assert!(err.to_string().contains("host bits"), "{err}");
        assert!(Cidr::parse("10.0.0.0").is_err());
        assert!(Cidr::parse("nonsense").is_err());
    }

    #[test]
    fn supernets_walk_up_to_the_default_route() {
        let c = Cidr::parse("10.1.2.0/24").unwrap();
        let s: Vec<String> = c.supernets().map(|c| c.to_string()).collect();
        assert_eq!(s.len(), 24);
        assert_eq!(s[0], "10.1.2.0/23");
        assert_eq!(s[8], "10.0.0.0/15");
        assert_eq!(s[7], "10.1.0.0/16");
        assert_eq!(s.last().unwrap(), "0.0.0.0/0");
    }

    #[test]
    fn tag_value_true_matches_in_any_case_and_key_is_exact() {
        let mut vpc = Vpc {
            id: VpcId::parse("vpc-1").unwrap(),
            tags: Default::default(),
            cidrs: vec![],
        };
        for v in ["true", "True", "TRUE"] {
            vpc.tags.insert("addToTransitGateway".into(), v.into());
            assert!(vpc.is_tagged("addToTransitGateway"), "{v}");
        }
        vpc.tags
            .insert("addToTransitGateway".into(), "false".into());
        assert!(!vpc.is_tagged("addToTransitGateway"));
        vpc.tags.clear();
        vpc.tags.insert("addtotransitgateway".into(), "true".into());
        assert!(!vpc.is_tagged("addToTransitGateway"));
    }

    #[test]
    fn unknown_peering_states_are_kept_and_treated_as_live() {
        let s = PeeringState::parse("somethingNew");
        assert_eq!(s.as_str(), "somethingNew");
        assert_eq!(s.phase(), PeeringPhase::Live);
        assert_eq!(
            PeeringState::parse("rejected").phase(),
            PeeringPhase::Failed
        );
        assert_eq!(PeeringState::parse("deleted").phase(), PeeringPhase::Gone);
        assert_eq!(PeeringState::parse("failed").phase(), PeeringPhase::Failed);
    }
}

#[cfg(test)]
mod role_arn_tests {
    use super::*;

    #[test]
    fn role_arns_carry_their_account() {
        for (arn, account) in [
            (
                "arn:aws:iam::111111111111:role/tgw-peering-spoke",
                "111111111111",
            ),
            (
                "arn:aws:iam::222222222222:role/path/to/spoke",
                "222222222222",
            ),
            (
                "arn:aws-us-gov:iam::333333333333:role/a+b=c,d.e@f_g-h",
                "333333333333",
            ),
        ] {
            let r = RoleArn::parse(arn).unwrap();
            assert_eq!(r.as_str(), arn);
            assert_eq!(r.account().as_str(), account);
            assert_eq!(r.to_string(), arn);
        }
    }

    #[test]
    fn anything_but_a_role_arn_is_refused() {
        for bad in [
            "",
            "tgw-peering-spoke",
            "arn:aws:iam::111111111111:user/alice",
            "arn:aws:iam::111111111111:role/",
            "arn:aws:iam::111111111111:role/trailing/",
            "arn:aws:iam::1111:role/x",
            "arn:aws:iam:us-east-1:111111111111:role/x",
            "arn:aws:sts::111111111111:assumed-role/x/y",
            "arn:other:iam::111111111111:role/x",
            "arn:aws:iam::111111111111:role/has space",
            "arn:aws:iam::111111111111:role/star*",
        ] {
            assert!(RoleArn::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
