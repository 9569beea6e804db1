//! What the planner reports besides its actions: findings (everything it
//! declined to do, with the reason), route marks for `status`, and the
//! peering of each Region pair.

use serde::Serialize;

use crate::domain::{
    AccountId, AttachmentId, AttachmentState, Cidr, GatewayRef, PeeringState, Region, RouteTableId,
    RouteTarget, Segment, VpcId, VpcRouteTableId,
};

use super::finding::{Finding, FindingCode, FindingKind};
use super::Planned;

/// How a route of a managed route table compares with the desired state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteMark {
    /// Wanted and present (exactly, or covered by a supernet to the same peering).
    Desired,
    /// Wanted and absent: a create is planned.
    Missing,
    /// Points at a managed peering but no tagged VPC wants it.
    Extra,
    /// Wanted, but another route or an overlapping CIDR stands in the way.
    Conflict,
    /// The tool's route, made a blackhole by someone: an isolation, kept.
    Isolated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteReport {
    pub cidr: Cidr,
    pub target: RouteTarget,
    pub mark: RouteMark,
    pub note: String,
    /// A withdrawal held back by the withdrawal budget (`MAX_WITHDRAWALS`):
    /// the route is kept and marked extra.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
}

/// Every route of interest in one managed route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    pub region: Region,
    pub route_table_id: RouteTableId,
    pub routes: Vec<RouteReport>,
    /// The table's routes as the transit gateway's route quota counts them.
    pub quota: RouteQuota,
    /// The ledger lists whose entries are routes of the table (referenced,
    /// or referenced by this plan): IDs, or the names of lists this plan
    /// creates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<String>,
    /// The segment whose table it is, where segments are declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
}

/// Routes of one managed table counted against the transit gateway's route
/// quota: every static and propagated route, and each referenced prefix
/// list's maximum entries (see [`crate::domain::TGW_ROUTES_QUOTA`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteQuota {
    /// As read.
    pub counted: usize,
    /// Once the plan's writes in the table are made.
    pub after_plan: usize,
    /// The default quota (for all the route tables of the gateway together;
    /// only the managed table is read).
    pub quota: usize,
    /// The gateway's other route tables (`DescribeTransitGatewayRouteTables`,
    /// all but the deleted): their routes count against the same quota and
    /// are not read, so not in `counted`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_counted: Vec<RouteTableId>,
    /// Where segments are declared: the routes of every table of the
    /// gateway the tool reads (its segments' tables and its peering
    /// table), together, as AWS's quota counts them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayRoutes>,
}

/// The routes of the gateway's tables the tool reads, together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GatewayRoutes {
    /// As read.
    pub counted: usize,
    /// Once the plan's writes are made.
    pub after_plan: usize,
    /// The tables counted.
    pub tables: usize,
}

/// A VPC route table the tool writes to (`MANAGE_VPC_ROUTES`), counted
/// against its quota of routes (`VPC_ROUTE_QUOTA`) for one address family
/// (AWS enforces the quota per family): its routes but the propagated ones,
/// a route toward one of the tool's lists at the list's maximum entries,
/// toward any other list at one. The IPv6 count is given only for a table
/// that has IPv6 routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcTableQuota {
    pub region: Region,
    pub route_table_id: VpcRouteTableId,
    pub vpc_id: VpcId,
    pub family: crate::domain::Family,
    /// As read.
    pub counted: usize,
    /// Once the plan's writes in the table are made.
    pub after_plan: usize,
    pub quota: usize,
}

/// The peering of one Region pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeeringReport {
    /// The peering attachment and its state, when there is one.
    pub attachment_id: Option<AttachmentId>,
    pub state: Option<PeeringState>,
    pub requester: GatewayRef,
    pub accepter: GatewayRef,
    /// Whether the peering is the tool's (between the two managed gateways).
    pub managed: bool,
    /// Whether the pair needs a peering and since when it has one (for the
    /// reconcile's metrics; see [`PeeringNeed`]).
    #[serde(skip)]
    pub need: PeeringNeed,
}

/// Whether a Region pair needs a peering, and since when the one it has
/// exists: what tells a peering AWS is still making from one that is
/// missing for good. Ordered: of two segments' views of one pair, the
/// greater holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeeringNeed {
    /// Neither a peering nor both Regions with tagged VPCs.
    #[default]
    None,
    /// No peering yet: this plan requests it.
    Requested,
    /// A peering exists (live, or failed and not replaced), created at
    /// this time (seconds since the epoch), when AWS said.
    Since(Option<i64>),
}

/// A VPC of a managed Region, and why it is or is not advertised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcReport {
    pub region: Region,
    pub vpc_id: VpcId,
    /// The account that owns the VPC: the Region's own, or a workload
    /// account (`WORKLOAD_ROLE_NAME`); `None` when not known.
    pub owner: Option<AccountId>,
    /// Whether it carries `TAG_KEY=true`; `None` when its owner's VPCs
    /// could not be read (a workload account's).
    pub tagged: Option<bool>,
    /// Its attachment to the Region's managed transit gateway and its state.
    pub attachment: Option<(AttachmentId, AttachmentState)>,
    /// The managed route table routes its CIDRs to its attachment
    /// (propagated or static): traffic arriving over a peering reaches it.
    pub local_route: bool,
    /// Its CIDRs are advertised to the other Regions.
    pub advertised: bool,
    pub note: String,
    /// The segment its tag names, where segments are declared (`None`
    /// otherwise, or when it names none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
}

/// The difference between the observed and the desired state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub actions: Vec<Planned>,
    pub findings: Vec<Finding>,
    pub peerings: Vec<PeeringReport>,
    pub tables: Vec<TableReport>,
    pub vpcs: Vec<VpcReport>,
    /// The VPC route tables the tool writes to, counted against their
    /// quota (`MANAGE_VPC_ROUTES`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpc_tables: Vec<VpcTableQuota>,
    /// Where segments are declared: a cell per segment and Region.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentCell>,
}

/// One segment in one Region: its table, its VPCs advertised, the routes
/// its table holds toward the Region's peerings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentCell {
    pub segment: Segment,
    pub region: Region,
    /// `None`: the Region has no table of the segment.
    pub route_table_id: Option<RouteTableId>,
    /// VPCs of the segment whose CIDRs are advertised.
    pub vpcs_advertised: usize,
    /// Routes of the tool's kind in the table: present (desired), and
    /// missing (this plan writes them).
    pub routes: usize,
    pub missing: usize,
}

impl Plan {
    /// Adds a finding of `code` about `subject` of `region`.
    pub fn found(
        &mut self,
        code: FindingCode,
        region: &Region,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.findings.push(Finding::at(code, region, subject, reason));
    }

    /// Nothing to do and nothing to wait for.
    pub fn is_converged(&self) -> bool {
        self.actions.is_empty() && !self.is_waiting()
    }

    /// Something is between states (a peering, an attachment, a CIDR).
    pub fn is_waiting(&self) -> bool {
        self.findings.iter().any(|f| f.kind() == FindingKind::Waiting)
    }

    /// Withdrawals are held back until a person decides.
    pub fn is_held(&self) -> bool {
        self.findings.iter().any(|f| f.kind() == FindingKind::Held)
    }

    pub fn conflicts(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.kind() == FindingKind::Conflict)
    }
}
