//! The quota of routes of each VPC route table the tool writes to
//! (`MANAGE_VPC_ROUTES`): 50 by default, adjustable ("Amazon VPC quotas",
//! route tables: routes per route table, non-propagated routes), and a
//! route toward a prefix list counts that list's maximum entries ("the
//! maximum number of entries for the prefix lists counts against the quota
//! for the number of entries for the resource", VPC user guide, prefix list
//! quotas). A table that would pass `VPC_ROUTE_QUOTA` gets no write that
//! passes it and a warning; a `RouteLimitExceeded` all the same (a quota set
//! higher than the account's) is a conflict of that write, not a failure
//! of the reconcile (`aws::ec2_write`).
//!
//! The quota "is enforced separately for IPv4 routes and IPv6 routes"
//! (same page): each family is counted on its own.
//!
//! [`limit_vpc_tables`] counts each managed table as read (every route but
//! the propagated ones, the local route included: AWS does not say whether
//! it counts, so it is counted, the safe side; each route toward one of the
//! tool's lists at that list's maximum entries, toward any other list at
//! one and in both families, its family not being read) and after the
//! plan's writes, and takes out the additions that would pass the quota.

use std::collections::BTreeMap;

use crate::domain::{Family, VpcRouteTable, VpcRouteTableId};

use super::action::{
    beside_ledger_actions, ledger_actions, peering_actions, reference_actions, route_actions,
    vpc_route_actions,
};
use super::vpc_table::ManagedVpcTable;
use super::{Action, FindingCode, ListRef, Plan, RegionScope, VpcTableQuota};

/// The origin of a route propagated from a virtual private gateway: not
/// counted ("non-propagated routes").
const PROPAGATED_ORIGIN: &str = "EnableVgwRoutePropagation";

/// Routes a table counts (or an action adds or removes), per family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Count {
    ipv4: usize,
    ipv6: usize,
}

impl Count {
    fn of(family: Option<Family>, n: usize) -> Self {
        match family {
            Some(Family::Ipv4) => Count { ipv4: n, ipv6: 0 },
            Some(Family::Ipv6) => Count { ipv4: 0, ipv6: n },
            None => Count { ipv4: n, ipv6: n },
        }
    }

    fn get(&self, family: Family) -> usize {
        match family {
            Family::Ipv4 => self.ipv4,
            Family::Ipv6 => self.ipv6,
        }
    }

    fn plus(self, o: Count) -> Count {
        Count { ipv4: self.ipv4 + o.ipv4, ipv6: self.ipv6 + o.ipv6 }
    }

    fn minus(self, o: Count) -> Count {
        Count { ipv4: self.ipv4.saturating_sub(o.ipv4), ipv6: self.ipv6.saturating_sub(o.ipv6) }
    }

    fn is_zero(&self) -> bool {
        *self == Count::default()
    }
}

/// The weight of a route toward a list: its maximum entries, in its family
/// (one, in both, for a list that is not the tool's).
struct Weights(BTreeMap<ListRef, (usize, Family)>);

impl Weights {
    fn of(&self, list: &ListRef) -> Count {
        self.0.get(list).map_or(Count::of(None, 1), |(n, f)| Count::of(Some(*f), *n))
    }
}

/// Counts each managed VPC route table, reports it, and keeps its
/// additions within `VPC_ROUTE_QUOTA`, per address family.
pub(super) fn limit_vpc_tables(
    scope: RegionScope<'_>,
    tables: &[ManagedVpcTable<'_>],
    out: &mut Plan,
) {
    let RegionScope { gw, ctx, ledger, .. } = scope;
    let quota = ctx.config.vpc_route_quota;
    let weights = weights(ledger, out);
    for managed in tables {
        let table = managed.table;
        let counted = as_read(table, &weights);
        let changes: Vec<(Count, Count)> =
            out.actions.iter().map(|p| change(&p.action, &table.id, &weights)).collect();
        // Removals first: writes of one phase run together, so an addition
        // may still meet a full table (a conflict, the next reconcile's).
        let removed = changes.iter().fold(Count::default(), |a, (_, r)| a.plus(*r));
        let mut after = counted.minus(removed);
        let mut cut = Vec::new();
        for (i, (added, _)) in changes.iter().enumerate().filter(|(_, (a, _))| !a.is_zero()) {
            let next = after.plus(*added);
            if next.ipv4 > quota || next.ipv6 > quota {
                cut.push(i);
            } else {
                after = next;
            }
        }
        if !cut.is_empty() {
            let reason = format!(
                "{} route(s) would take it past its quota of {quota} routes of a family (VPC_ROUTE_QUOTA; a route toward a prefix list counts the list's maximum entries): not written. Raise the quota of routes per route table (Amazon VPC quotas) and VPC_ROUTE_QUOTA with it",
                cut.len()
            );
            let subject = format!("VPC route table {} ({})", table.id, table.vpc_id);
            out.found(FindingCode::VpcRouteQuota, &gw.region, subject, reason);
            let kept = std::mem::take(&mut out.actions).into_iter().enumerate();
            out.actions = kept.filter(|(i, _)| !cut.contains(i)).map(|(_, p)| p).collect();
        }
        for family in [Family::Ipv4, Family::Ipv6] {
            if family == Family::Ipv6 && counted.ipv6 == 0 && after.ipv6 == 0 {
                continue;
            }
            out.vpc_tables.push(VpcTableQuota {
                region: gw.region.clone(),
                route_table_id: table.id.clone(),
                vpc_id: table.vpc_id.clone(),
                family,
                counted: counted.get(family),
                after_plan: after.get(family),
                quota,
            });
        }
    }
}

/// The weights of the Region's lists, as read or as the plan makes them.
fn weights(ledger: &super::ledger::RegionLedger<'_>, out: &Plan) -> Weights {
    let mut sizes: BTreeMap<ListRef, (usize, Family)> = ledger
        .lists
        .iter()
        .map(|l| (ListRef::Id(l.id.clone()), (l.max_entries, l.family)))
        .collect();
    for p in &out.actions {
        match &p.action {
            Action::CreateLedger { name, max_entries, family, .. } => {
                sizes.insert(ListRef::New(name.clone()), (*max_entries, *family));
            }
            Action::ResizeLedger { prefix_list_id, max_entries, .. } => {
                if let Some(entry) = sizes.get_mut(&ListRef::Id(prefix_list_id.clone())) {
                    entry.0 = *max_entries;
                }
            }
            beside_ledger_actions!()
            | Action::TagLedger { .. }
            | Action::UntagLedger { .. }
            | Action::RecordPeering { .. }
            | Action::UpdateLedger { .. }
            | Action::ReleaseLedger { .. } => {}
        }
    }
    Weights(sizes)
}

/// A table's routes as read, as the quota counts them.
fn as_read(table: &VpcRouteTable, weights: &Weights) -> Count {
    let routes = table
        .routes
        .iter()
        .filter(|r| r.origin != PROPAGATED_ORIGIN)
        .fold(Count::default(), |a, r| a.plus(Count::of(Some(Family::of(&r.cidr)), 1)));
    table
        .list_routes
        .iter()
        .filter(|r| r.origin != PROPAGATED_ORIGIN)
        .map(|r| weights.of(&ListRef::Id(r.prefix_list_id.clone())))
        .fold(routes, Count::plus)
}

/// What an action adds to and removes from `table`'s count.
fn change(action: &Action, table: &VpcRouteTableId, weights: &Weights) -> (Count, Count) {
    let one = |cidr| Count::of(Some(Family::of(cidr)), 1);
    let none = Count::default();
    match action {
        Action::CreateVpcRoute { route_table_id, cidr, .. } if route_table_id == table => {
            (one(cidr), none)
        }
        Action::CreateVpcListRoute { route_table_id, prefix_list, .. }
            if route_table_id == table =>
        {
            (weights.of(prefix_list), none)
        }
        Action::DeleteVpcRoute { route_table_id, cidr, .. }
        | Action::RetireVpcRoute { route_table_id, cidr, .. }
            if route_table_id == table =>
        {
            (none, one(cidr))
        }
        Action::DeleteVpcListRoute { route_table_id, prefix_list_id, .. }
            if route_table_id == table =>
        {
            (none, weights.of(&ListRef::Id(prefix_list_id.clone())))
        }
        // Another table's route, or nothing of a VPC route table.
        peering_actions!()
        | ledger_actions!()
        | route_actions!()
        | reference_actions!()
        | vpc_route_actions!() => (none, none),
    }
}
