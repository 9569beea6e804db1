//! The changes the planner asks for: one [`Action`] per AWS write, each
//! [`Planned`] with the reason it is needed, and the [`Phase`] it runs in.

use std::fmt;

use serde::Serialize;

use crate::domain::{
    AttachmentId, Cidr, Family, GatewayRef, PrefixListId, Region, RouteTableId, RouteTarget,
    Segment, TransitGatewayId, VpcRouteTableId,
};

/// One entry of a ledger list: a peer Region's CIDR and the VPC it
/// belongs to (the entry's description).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LedgerEntry {
    pub cidr: Cidr,
    pub description: String,
}

/// The prefix list a new reference points at: one read, or one this plan
/// creates (its ID is known once `CreateLedger` has run; the executor fills
/// it in).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListRef {
    Id(PrefixListId),
    /// The name of a ledger list created earlier in the same plan.
    New(String),
}

impl fmt::Display for ListRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListRef::Id(id) => id.fmt(f),
            ListRef::New(name) => write!(f, "the new list {name}"),
        }
    }
}

/// A change to make in AWS.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Request a peering from `requester` (whose Region makes the call) to `accepter`.
    CreatePeering { requester: GatewayRef, accepter: GatewayRef },
    /// Accept a peering, in the accepter's Region.
    AcceptPeering { region: Region, attachment_id: AttachmentId },
    /// Delete a duplicate peering the tool created, in its requester's Region.
    DeletePeering { region: Region, attachment_id: AttachmentId },
    AssociateRouteTable {
        region: Region,
        route_table_id: RouteTableId,
        attachment_id: AttachmentId,
    },
    /// Take a peering the tool created out of the gateway's default
    /// association table, so that it can be associated with the managed one.
    DisassociateRouteTable {
        region: Region,
        route_table_id: RouteTableId,
        attachment_id: AttachmentId,
    },
    /// Forget records of a ledger list that no longer hold (`DeleteTags`):
    /// isolations that ended. Runs before `TagLedger` (their order here),
    /// so that the tags a list has never pass AWS's 50.
    UntagLedger { region: Region, prefix_list_id: PrefixListId, keys: Vec<String> },
    /// Record on a ledger list (`CreateTags`) what proves it and its routes
    /// the tool's: the deployment's transit gateway, when a list written
    /// before deployments were recorded is adopted; a CIDR whose blackhole
    /// someone set (an isolation).
    TagLedger { region: Region, prefix_list_id: PrefixListId, tags: Vec<(String, String)> },
    /// Create a ledger list (one peer Region, one address family, one part)
    /// with its first entries, tagged with the deployment's transit gateway
    /// and the peering its routes go over.
    CreateLedger {
        region: Region,
        peer: Region,
        family: Family,
        name: String,
        tag_key: String,
        transit_gateway: TransitGatewayId,
        peering: Option<AttachmentId>,
        /// The segment whose table its routes are in, tagged
        /// `tgw-peering:segment` (`None`: the default segment's table, no
        /// tag, as before segments).
        segment: Option<Segment>,
        max_entries: usize,
        entries: Vec<LedgerEntry>,
    },
    /// Grow a ledger list to hold `max_entries`, recording the request on
    /// the list first (`tgw-peering:resize`, with the list's `version`): a
    /// resize can fail after it is accepted, and is then not repeated for
    /// an hour at the same size and version.
    ResizeLedger { region: Region, prefix_list_id: PrefixListId, max_entries: usize, version: i64 },
    /// Add entries (before their routes are created) and remove entries
    /// that no route depends on any more, at the version read.
    UpdateLedger {
        region: Region,
        prefix_list_id: PrefixListId,
        version: i64,
        add: Vec<LedgerEntry>,
        remove: Vec<Cidr>,
    },
    /// Remove the entries of routes this plan withdraws: run after the
    /// route writes, and only for CIDRs whose withdrawals all succeeded.
    ReleaseLedger { region: Region, prefix_list_id: PrefixListId, version: i64, remove: Vec<Cidr> },
    /// Record the peering a ledger list's routes go over now (`CreateTags`):
    /// run after the route writes, and only when every move of the
    /// Region's routes in this run succeeded (a blackhole of the list is
    /// moved only while the record names a peering that is gone).
    /// With it, `left`: the record keys of the blackholes left by the old
    /// peering's deletion that are not moved yet (still proven).
    RecordPeering {
        region: Region,
        prefix_list_id: PrefixListId,
        peering: AttachmentId,
        left: Vec<String>,
    },
    CreateRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        attachment_id: AttachmentId,
    },
    /// Point one of the tool's routes (a blackhole, or toward a peering that
    /// was replaced) at the pair's peering.
    ReplaceRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        attachment_id: AttachmentId,
        from: RouteTarget,
    },
    /// Withdraw a route; `target` is where it went (a peering, or a
    /// blackhole).
    DeleteRoute { region: Region, route_table_id: RouteTableId, cidr: Cidr, target: RouteTarget },
    /// Remove the tool's static route of a CIDR that one of the tool's
    /// referenced lists routes toward the same peering
    /// (`ROUTE_MODE=prefix-list`): where traffic goes does not change.
    RetireRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        prefix_list_id: PrefixListId,
    },
    /// The same in a VPC route table: the route toward the list serves it.
    RetireVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        prefix_list_id: PrefixListId,
        transit_gateway_id: TransitGatewayId,
    },
    /// Reference a ledger list in the managed route table toward the pair's
    /// peering (`ROUTE_MODE=prefix-list`): every entry becomes a route.
    CreateReference {
        region: Region,
        route_table_id: RouteTableId,
        prefix_list: ListRef,
        attachment_id: AttachmentId,
    },
    /// Point the tool's reference (a blackhole, or toward a replaced
    /// peering) at the pair's peering.
    ModifyReference {
        region: Region,
        route_table_id: RouteTableId,
        prefix_list_id: PrefixListId,
        attachment_id: AttachmentId,
        from: RouteTarget,
    },
    /// Remove the tool's reference: in static mode, once every entry of its
    /// list has its static route toward the same target.
    DeleteReference {
        region: Region,
        route_table_id: RouteTableId,
        prefix_list_id: PrefixListId,
        target: RouteTarget,
    },
    /// A route in a VPC route table toward the Region's transit gateway
    /// (`MANAGE_VPC_ROUTES`).
    CreateVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        transit_gateway_id: TransitGatewayId,
    },
    DeleteVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        transit_gateway_id: TransitGatewayId,
    },
    /// A route in a VPC route table toward the Region's transit gateway for
    /// every entry of a ledger list (`DestinationPrefixListId`;
    /// `ROUTE_MODE=prefix-list` with `MANAGE_VPC_ROUTES`).
    CreateVpcListRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        prefix_list: ListRef,
        transit_gateway_id: TransitGatewayId,
    },
    DeleteVpcListRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        prefix_list_id: PrefixListId,
        transit_gateway_id: TransitGatewayId,
    },
}

/// The patterns of the action families (peering, ledger, route, reference,
/// VPC route), for exhaustive matches that treat a whole family alike:
/// `peering_actions!() | ledger_actions!() => {}`. A new action joins its
/// family here, or no match that names the families compiles.
macro_rules! peering_actions {
    () => {
        $crate::planner::any_action!(
            CreatePeering,
            AcceptPeering,
            DeletePeering,
            AssociateRouteTable,
            DisassociateRouteTable
        )
    };
}

/// The ledger writes: lists, their entries and their records.
macro_rules! ledger_actions {
    () => {
        $crate::planner::any_action!(
            TagLedger,
            UntagLedger,
            RecordPeering,
            CreateLedger,
            ResizeLedger,
            UpdateLedger,
            ReleaseLedger
        )
    };
}

/// The static routes of a managed transit gateway route table.
macro_rules! route_actions {
    () => {
        $crate::planner::any_action!(CreateRoute, ReplaceRoute, DeleteRoute, RetireRoute)
    };
}

/// The prefix list references of a managed transit gateway route table.
macro_rules! reference_actions {
    () => {
        $crate::planner::any_action!(CreateReference, ModifyReference, DeleteReference)
    };
}

/// The routes of VPC route tables, toward a CIDR or a list.
macro_rules! vpc_route_actions {
    () => {
        $crate::planner::any_action!(
            CreateVpcRoute,
            DeleteVpcRoute,
            RetireVpcRoute,
            CreateVpcListRoute,
            DeleteVpcListRoute
        )
    };
}

/// The pattern of the named actions, whatever their fields:
/// `any_action!(CreateRoute, DeleteRoute)`.
macro_rules! any_action {
    ($($variant:ident),+ $(,)?) => {
        $($crate::planner::Action::$variant { .. })|+
    };
}

/// Every family but the ledger's: for a match about ledger writes.
macro_rules! beside_ledger_actions {
    () => {
        $crate::planner::peering_actions!()
            | $crate::planner::route_actions!()
            | $crate::planner::reference_actions!()
            | $crate::planner::vpc_route_actions!()
    };
}

pub(crate) use {
    any_action, beside_ledger_actions, ledger_actions, peering_actions, reference_actions,
    route_actions, vpc_route_actions,
};

/// When an action runs within one execution. Each phase starts after the
/// one before has ended, so that a route is created only once its ledger
/// entry is in, and an entry comes out only after its route is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Peerings and associations, one at a time.
    Peering,
    /// Ledger lists created, grown and given their new entries.
    Ledger,
    /// Route writes, independent of each other, several in flight.
    Routes,
    /// Ledger entries of withdrawn routes released.
    Release,
}

impl Action {
    /// The Region whose API carries out the action.
    pub fn region(&self) -> &Region {
        match self {
            Action::CreatePeering { requester, .. } => &requester.region,
            Action::AcceptPeering { region, .. }
            | Action::DeletePeering { region, .. }
            | Action::AssociateRouteTable { region, .. }
            | Action::DisassociateRouteTable { region, .. }
            | Action::TagLedger { region, .. }
            | Action::UntagLedger { region, .. }
            | Action::RecordPeering { region, .. }
            | Action::CreateLedger { region, .. }
            | Action::ResizeLedger { region, .. }
            | Action::UpdateLedger { region, .. }
            | Action::ReleaseLedger { region, .. }
            | Action::CreateRoute { region, .. }
            | Action::ReplaceRoute { region, .. }
            | Action::DeleteRoute { region, .. }
            | Action::RetireRoute { region, .. }
            | Action::RetireVpcRoute { region, .. }
            | Action::CreateReference { region, .. }
            | Action::ModifyReference { region, .. }
            | Action::DeleteReference { region, .. }
            | Action::CreateVpcRoute { region, .. }
            | Action::DeleteVpcRoute { region, .. }
            | Action::CreateVpcListRoute { region, .. }
            | Action::DeleteVpcListRoute { region, .. } => region,
        }
    }

    /// The name used in logs and in `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreatePeering { .. } => "create_peering",
            Action::AcceptPeering { .. } => "accept_peering",
            Action::DeletePeering { .. } => "delete_peering",
            Action::AssociateRouteTable { .. } => "associate_route_table",
            Action::DisassociateRouteTable { .. } => "disassociate_route_table",
            Action::TagLedger { .. } => "tag_ledger",
            Action::UntagLedger { .. } => "untag_ledger",
            Action::RecordPeering { .. } => "record_peering",
            Action::CreateLedger { .. } => "create_ledger",
            Action::ResizeLedger { .. } => "resize_ledger",
            Action::UpdateLedger { .. } => "update_ledger",
            Action::ReleaseLedger { .. } => "release_ledger",
            Action::CreateRoute { .. } => "create_route",
            Action::ReplaceRoute { .. } => "replace_route",
            Action::DeleteRoute { .. } => "delete_route",
            Action::RetireRoute { .. } => "retire_route",
            Action::RetireVpcRoute { .. } => "retire_vpc_route",
            Action::CreateReference { .. } => "create_reference",
            Action::ModifyReference { .. } => "modify_reference",
            Action::DeleteReference { .. } => "delete_reference",
            Action::CreateVpcRoute { .. } => "create_vpc_route",
            Action::DeleteVpcRoute { .. } => "delete_vpc_route",
            Action::CreateVpcListRoute { .. } => "create_vpc_list_route",
            Action::DeleteVpcListRoute { .. } => "delete_vpc_list_route",
        }
    }

    /// The phase the action runs in.
    pub fn phase(&self) -> Phase {
        match self {
            peering_actions!() => Phase::Peering,
            Action::TagLedger { .. }
            | Action::UntagLedger { .. }
            | Action::CreateLedger { .. }
            | Action::ResizeLedger { .. }
            | Action::UpdateLedger { .. } => Phase::Ledger,
            Action::ReleaseLedger { .. } | Action::RecordPeering { .. } => Phase::Release,
            route_actions!() | reference_actions!() | vpc_route_actions!() => Phase::Routes,
        }
    }

    /// For a route write: its table, its CIDR, and whether it adds or
    /// removes the route (a replacement adds it toward its new target).
    pub fn route_change(&self) -> Option<RouteChange> {
        let (table, cidr, direction) = match self {
            Action::CreateRoute { route_table_id, cidr, .. }
            | Action::ReplaceRoute { route_table_id, cidr, .. } => {
                (RouteTableRef::Transit(route_table_id.clone()), cidr, Direction::Added)
            }
            Action::DeleteRoute { route_table_id, cidr, .. } => {
                (RouteTableRef::Transit(route_table_id.clone()), cidr, Direction::Removed)
            }
            Action::CreateVpcRoute { route_table_id, cidr, .. } => {
                (RouteTableRef::Vpc(route_table_id.clone()), cidr, Direction::Added)
            }
            Action::DeleteVpcRoute { route_table_id, cidr, .. } => {
                (RouteTableRef::Vpc(route_table_id.clone()), cidr, Direction::Removed)
            }
            // Where traffic goes does not change (a retirement), or not a
            // route of its own (a reference: its entries are the routes).
            peering_actions!()
            | ledger_actions!()
            | reference_actions!()
            | Action::RetireRoute { .. }
            | Action::RetireVpcRoute { .. }
            | Action::CreateVpcListRoute { .. }
            | Action::DeleteVpcListRoute { .. } => return None,
        };
        Some(RouteChange { region: self.region().clone(), table, cidr: *cidr, direction })
    }

    /// Route writes are independent of each other and may run concurrently.
    pub fn is_route_write(&self) -> bool {
        self.phase() == Phase::Routes
    }

    /// True for a write that withdraws a route (counted by the budget).
    pub fn is_withdrawal(&self) -> bool {
        self.withdrawn().is_some()
    }

    /// The CIDR a route withdrawal removes (a retirement withdraws
    /// nothing: the list's route stays).
    pub fn withdrawn(&self) -> Option<Cidr> {
        let change = self.route_change()?;
        (change.direction == Direction::Removed).then_some(change.cidr)
    }

    /// The CIDR whose ledger entry must be in before this write: a route
    /// the tool adds toward a peering or its transit gateway. Defined here
    /// only; the planner holds such a route back while its entry cannot be
    /// written, the executor while its entry failed.
    pub fn needs_entry(&self) -> Option<Cidr> {
        match self {
            Action::CreateRoute { cidr, .. }
            | Action::ReplaceRoute { cidr, .. }
            | Action::CreateVpcRoute { cidr, .. } => Some(*cidr),
            peering_actions!()
            | ledger_actions!()
            | reference_actions!()
            | any_action!(DeleteRoute, RetireRoute, DeleteVpcRoute, RetireVpcRoute)
            | any_action!(CreateVpcListRoute, DeleteVpcListRoute) => None,
        }
    }

    /// The ledger entries this write adds (a new list's first entries, an
    /// update's additions).
    pub fn added_entries(&self) -> &[LedgerEntry] {
        match self {
            Action::CreateLedger { entries, .. } => entries,
            Action::UpdateLedger { add, .. } => add,
            beside_ledger_actions!()
            | Action::TagLedger { .. }
            | Action::UntagLedger { .. }
            | Action::RecordPeering { .. }
            | Action::ResizeLedger { .. }
            | Action::ReleaseLedger { .. } => &[],
        }
    }
}

/// An action and why it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
}

/// A route table of either kind: a transit gateway's (`tgw-rtb-…`) or a
/// VPC's (`rtb-…`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum RouteTableRef {
    Transit(RouteTableId),
    Vpc(VpcRouteTableId),
}

impl fmt::Display for RouteTableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteTableRef::Transit(id) => id.fmt(f),
            RouteTableRef::Vpc(id) => id.fmt(f),
        }
    }
}

/// Whether a route write adds or removes its route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Added,
    Removed,
}

/// One route added to or removed from a route table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RouteChange {
    pub region: Region,
    pub table: RouteTableRef,
    pub cidr: Cidr,
    pub direction: Direction,
}
