//! Findings: everything the planner declined to do, each with a stable
//! [`FindingCode`] (what a metric filter, an alarm, a query or a test
//! counts on) and a sentence for people (its wording may change).

use serde::{Deserialize, Serialize};

use crate::domain::Region;

/// How a finding weighs: derived from its [`FindingCode`], never chosen
/// apart from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A peering is between states; the next state change or re-check moves on.
    Waiting,
    /// Something the tool could do but deliberately does not.
    Skip,
    /// Desired state that contradicts what exists; nothing is written.
    Conflict,
    /// Withdrawals held back by a safety rule (the withdrawal budget, or a
    /// ledger written under another `TAG_KEY`): a person decides.
    Held,
    /// Written as asked, but traffic may not flow (a local leg without a
    /// route): worth a look.
    Warning,
    /// A route of the tool's that someone made a blackhole (an isolation of
    /// a network): kept as it is, never re-activated.
    Isolated,
}

/// What a finding is about: one code per rule that declines to act. Written
/// in the audit line (`code`), in `status --output json`, at the end of the
/// CLI's finding line, and in the `Route Conflict` and `Withdrawal Held`
/// events, in snake case (`overlap_between_regions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    // waiting
    /// A managed transit gateway (or its route table) is `pending` or
    /// `modifying`, or its route table was read only in part.
    GatewayInTransition,
    /// A pair of Regions waits for one of its gateways.
    PairInTransition,
    /// The pair's peering is not `available` (yet) on one side.
    PeeringPending,
    /// The tool's peering is leaving another route table's association.
    AssociationMoving,
    /// A tagged VPC's attachment is not `available` (`pending`,
    /// `modifying`…): its routes elsewhere stay, new ones wait.
    VpcAttachmentPending,
    /// A CIDR block of a tagged VPC is still `associating`.
    CidrAssociating,
    /// A ledger list is applying its last change.
    LedgerListBusy,
    /// A route waits for its ledger entry.
    RouteAwaitsLedgerEntry,
    /// Static routes of the tool's wait for the lists' references to route
    /// their CIDRs (`ROUTE_MODE=prefix-list`).
    StaticRoutesAwaitReferences,
    /// Static routes served by lists go in later reconciles (the budget).
    RetirementsPaced,
    /// A prefix list reference is not `available` yet.
    ReferencePending,
    /// A reference stays until its entries' static routes are in
    /// (`ROUTE_MODE=static`).
    ReferenceAwaitsStaticRoutes,
    /// A VPC route toward a list stays until its entries have their own
    /// routes.
    VpcListRouteAwaitsRoutes,
    // skip
    /// An IPv6 block whose attachment has `Ipv6Support` disabled.
    Ipv6Unsupported,
    /// A tagged VPC with no attachment to the managed transit gateway.
    VpcNotAttached,
    /// An account in `FROZEN_ACCOUNT_IDS`.
    AccountFrozen,
    /// Only one Region of a pair has tagged VPCs.
    PeeringNotNeeded,
    /// A second peering of a pair that the tool did not create.
    ForeignPeering,
    /// The tool's peering is associated with another route table.
    AssociatedElsewhere,
    /// A route the ledger recorded goes to something the tool never routes
    /// over (changed by someone else).
    RouteTakenOver,
    /// AWS did not report a route's target.
    TargetUnreported,
    /// `MANAGE_VPC_ROUTES` is on but the VPC route tables were not read.
    VpcTablesNotRead,
    /// A ledger list whose reference someone pointed elsewhere.
    ListFrozen,
    /// A ledger list of a Region outside `PEERING_REGIONS`.
    ListOfUnmanagedRegion,
    /// Ledger lists of another deployment.
    OtherDeploymentLists,
    /// A list written before deployments were recorded that nothing proves
    /// this deployment's.
    UnprovenLedgerList,
    /// A route kept by `PROTECTED_CIDRS`.
    Protected,
    /// A route or reference not moved because of `PROTECTED_CIDRS`.
    ProtectedNotMoved,
    /// A reference kept because some of its entries are kept.
    ReferenceKeepsEntries,
    /// A route kept because its CIDR is in an overlap conflict.
    InOverlap,
    /// A route on a peering the tool did not create.
    UnmanagedPeering,
    /// A route toward a managed peering that no record proves the tool's.
    NotProven,
    /// A route whose withdrawal the budget holds.
    KeptOverBudget,
    // conflict
    /// The pair's peering failed or was rejected.
    PeeringFailed,
    /// Two tagged VPCs of one Region hold overlapping CIDRs.
    OverlapInRegion,
    /// Tagged CIDRs of two Regions overlap.
    OverlapBetweenRegions,
    /// A tagged CIDR overlaps a held CIDR of another Region.
    OverlapWithHeld,
    /// A CIDR overlaps a VPC of the table's own Region.
    OverlapsLocalVpc,
    /// A CIDR overlaps a route propagated from a VPC attachment.
    OverlapsPropagatedRoute,
    /// A CIDR would take the traffic of a route that is not the tool's
    /// (toward another attachment, or through another deployment's list).
    ServedElsewhere,
    /// A route for the CIDR exists and goes elsewhere.
    RouteExists,
    /// The tool's route was pointed by someone at another attachment.
    PointedElsewhere,
    /// AWS refused a planned write as a conflict (the route exists, the
    /// route table's quota): found on writing, not by the planner.
    WriteRefused,
    /// VPCs of two segments of one Region hold overlapping CIDRs (the
    /// peering table would have to route both): both held.
    SegmentOverlap,
    /// A route toward a peering in a segment's table for a CIDR of a VPC
    /// whose segment it may not reach: withdrawn when the segment's ledger
    /// records it, else left as it is.
    Leak,
    /// A VPC's tag value names no segment of its Region (a typo, or
    /// `true` where the Region has no default segment): its routes stay,
    /// nothing new is written.
    SegmentUnknown,
    /// A VPC's attachment is associated with another table than its
    /// segment's: its routes stay, nothing new is written.
    SegmentMismatch,
    // held
    /// More withdrawals than the budget (`MAX_WITHDRAWALS`).
    OverBudget,
    /// A workload account's VPCs cannot be read.
    AccountUnreadable,
    /// The ledger was written under another `TAG_KEY`.
    OtherTagKey,
    // warning
    /// A ledger list's resize failed; the peer's new CIDRs wait.
    ResizeFailed,
    /// A ledger list's last change failed.
    ListChangeFailed,
    /// A table passes the transit gateway's route quota.
    RouteQuota,
    /// The Region's customer-managed prefix lists near AWS's quota.
    PrefixListQuota,
    /// A VPC route table would pass `VPC_ROUTE_QUOTA`.
    VpcRouteQuota,
    /// Isolations that do not fit in the list's tags as records.
    IsolationsUnrecorded,
    /// Blackholes left by a deletion that do not fit in the list's tags.
    LeftBlackholesUnrecorded,
    /// A tagged VPC whose CIDRs have no route toward its attachment.
    NoLocalRoute,
    /// A route table's segment or role tag that gives it none.
    SegmentTagInvalid,
    /// Segments are declared, and the Region has neither a peering table
    /// nor a default segment's: its peerings are associated with no table.
    NoPeeringTable,
    // isolated
    /// The tool's route (or list reference) is a blackhole set by someone.
    Isolated,
}

impl FindingCode {
    /// The weight of every finding of this code.
    pub fn kind(self) -> FindingKind {
        use FindingCode as C;
        match self {
            C::GatewayInTransition
            | C::PairInTransition
            | C::PeeringPending
            | C::AssociationMoving
            | C::VpcAttachmentPending
            | C::CidrAssociating
            | C::LedgerListBusy
            | C::RouteAwaitsLedgerEntry
            | C::StaticRoutesAwaitReferences
            | C::RetirementsPaced
            | C::ReferencePending
            | C::ReferenceAwaitsStaticRoutes
            | C::VpcListRouteAwaitsRoutes => FindingKind::Waiting,
            C::Ipv6Unsupported
            | C::VpcNotAttached
            | C::AccountFrozen
            | C::PeeringNotNeeded
            | C::ForeignPeering
            | C::AssociatedElsewhere
            | C::RouteTakenOver
            | C::TargetUnreported
            | C::VpcTablesNotRead
            | C::ListFrozen
            | C::ListOfUnmanagedRegion
            | C::OtherDeploymentLists
            | C::UnprovenLedgerList
            | C::Protected
            | C::ProtectedNotMoved
            | C::ReferenceKeepsEntries
            | C::InOverlap
            | C::UnmanagedPeering
            | C::NotProven
            | C::KeptOverBudget => FindingKind::Skip,
            C::PeeringFailed
            | C::OverlapInRegion
            | C::OverlapBetweenRegions
            | C::OverlapWithHeld
            | C::OverlapsLocalVpc
            | C::OverlapsPropagatedRoute
            | C::ServedElsewhere
            | C::RouteExists
            | C::PointedElsewhere
            | C::WriteRefused
            | C::SegmentOverlap
            | C::Leak
            | C::SegmentUnknown
            | C::SegmentMismatch => FindingKind::Conflict,
            C::OverBudget | C::AccountUnreadable | C::OtherTagKey => FindingKind::Held,
            C::ResizeFailed
            | C::ListChangeFailed
            | C::RouteQuota
            | C::PrefixListQuota
            | C::VpcRouteQuota
            | C::IsolationsUnrecorded
            | C::LeftBlackholesUnrecorded
            | C::NoLocalRoute
            | C::SegmentTagInvalid
            | C::NoPeeringTable => FindingKind::Warning,
            C::Isolated => FindingKind::Isolated,
        }
    }
}

/// The code as written in the audit line and the events: serde's snake
/// case, one spelling for both.
impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(code)) => f.write_str(&code),
            _ => Err(std::fmt::Error),
        }
    }
}

/// Something the planner did not do, and why. Its kind is its code's;
/// serialized with both (`kind`, `code`, `region`, `subject`, `reason`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: FindingCode,
    pub region: Option<Region>,
    pub subject: String,
    pub reason: String,
}

impl Finding {
    /// A finding about something of `region` (or of no one Region).
    pub fn new(
        code: FindingCode,
        region: Option<&Region>,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Finding { code, region: region.cloned(), subject: subject.into(), reason: reason.into() }
    }

    /// A finding about something of `region`.
    pub fn at(
        code: FindingCode,
        region: &Region,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(code, Some(region), subject, reason)
    }

    /// How it weighs (its code's kind).
    pub fn kind(&self) -> FindingKind {
        self.code.kind()
    }

    fn order(&self) -> (FindingKind, &Option<Region>, &str, &str, FindingCode) {
        (self.kind(), &self.region, &self.subject, &self.reason, self.code)
    }
}

/// Findings sort by kind, Region, subject and reason, as `plan` lists them.
impl Ord for Finding {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order().cmp(&other.order())
    }
}

impl PartialOrd for Finding {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Finding", 5)?;
        out.serialize_field("kind", &self.kind())?;
        out.serialize_field("code", &self.code)?;
        out.serialize_field("region", &self.region)?;
        out.serialize_field("subject", &self.subject)?;
        out.serialize_field("reason", &self.reason)?;
        out.end()
    }
}
