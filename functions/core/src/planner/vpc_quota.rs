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
//! [`limit_vpc_tables`] counts each managed table as read (every route but
//! the propagated ones; each route toward one of the tool's lists at that
//! list's maximum entries, toward any other list at one: a floor of what
//! AWS counts, which a `RouteLimitExceeded` then reports) and after the
//! plan's writes, and takes out the additions that would pass the quota.

use std::collections::BTreeMap;

use crate::domain::{PrefixListId, VpcRouteTable, VpcRouteTableId};

use super::vpc_table::ManagedVpcTable;
use super::{Action, Finding, FindingKind, ListRef, Plan, RegionScope, VpcTableQuota};

/// The origin of a route propagated from a virtual private gateway: not
/// counted ("non-propagated routes").
const PROPAGATED_ORIGIN: &str = "EnableVgwRoutePropagation";

/// Counts each managed VPC route table, reports it, and keeps its
/// additions within `VPC_ROUTE_QUOTA`.
pub(super) fn limit_vpc_tables(
    scope: RegionScope<'_>,
    tables: &[ManagedVpcTable<'_>],
    out: &mut Plan,
) {
    let RegionScope { gw, ctx, ledger, .. } = scope;
    let quota = ctx.config.vpc_route_quota;
    let mut sizes: BTreeMap<ListRef, usize> =
        ledger.lists.iter().map(|l| (ListRef::Id(l.id.clone()), l.max_entries)).collect();
    for p in &out.actions {
        match &p.action {
            Action::CreateLedger { name, max_entries, .. } => {
                sizes.insert(ListRef::New(name.clone()), *max_entries);
            }
            Action::ResizeLedger { prefix_list_id, max_entries, .. } => {
                sizes.insert(ListRef::Id(prefix_list_id.clone()), *max_entries);
            }
            _ => {}
        }
    }
    let weight = |list: &ListRef| sizes.get(list).copied().unwrap_or(1);
    for managed in tables {
        let table = managed.table;
        let counted = as_read(table, &weight);
        let changes: Vec<(usize, usize)> =
            out.actions.iter().map(|p| change(&p.action, &table.id, &weight)).collect();
        // Removals first: writes of one phase run together, so an addition
        // may still meet a full table (a conflict, the next reconcile's).
        let mut after = counted.saturating_sub(changes.iter().map(|(_, r)| r).sum());
        let mut cut = Vec::new();
        for (i, (added, _)) in changes.iter().enumerate().filter(|(_, (a, _))| *a > 0) {
            if after + added > quota {
                cut.push(i);
            } else {
                after += added;
            }
        }
        if !cut.is_empty() {
            let reason = format!(
                "{} route(s) would take it past its quota of {quota} routes (VPC_ROUTE_QUOTA; a route toward a prefix list counts the list's maximum entries): not written. Raise the quota of routes per route table (Amazon VPC quotas) and VPC_ROUTE_QUOTA with it",
                cut.len()
            );
            let subject = format!("VPC route table {} ({})", table.id, table.vpc_id);
            out.findings.push(Finding::at(FindingKind::Warning, &gw.region, subject, reason));
            let kept = std::mem::take(&mut out.actions).into_iter().enumerate();
            out.actions = kept.filter(|(i, _)| !cut.contains(i)).map(|(_, p)| p).collect();
        }
        out.vpc_tables.push(VpcTableQuota {
            region: gw.region.clone(),
            route_table_id: table.id.clone(),
            vpc_id: table.vpc_id.clone(),
            counted,
            after_plan: after,
            quota,
        });
    }
}

/// A table's routes as read, as the quota counts them.
fn as_read(table: &VpcRouteTable, weight: &impl Fn(&ListRef) -> usize) -> usize {
    let routes = table.routes.iter().filter(|r| r.origin != PROPAGATED_ORIGIN).count();
    let lists: usize = table
        .list_routes
        .iter()
        .filter(|r| r.origin != PROPAGATED_ORIGIN)
        .map(|r| weight(&ListRef::Id(r.prefix_list_id.clone())))
        .sum();
    routes + lists
}

/// What an action adds to and removes from `table`'s count.
fn change(
    action: &Action,
    table: &VpcRouteTableId,
    weight: &impl Fn(&ListRef) -> usize,
) -> (usize, usize) {
    let list = |id: &PrefixListId| weight(&ListRef::Id(id.clone()));
    match action {
        Action::CreateVpcRoute { route_table_id, .. } if route_table_id == table => (1, 0),
        Action::CreateVpcListRoute { route_table_id, prefix_list, .. }
            if route_table_id == table =>
        {
            (weight(prefix_list), 0)
        }
        Action::DeleteVpcRoute { route_table_id, .. }
        | Action::RetireVpcRoute { route_table_id, .. }
            if route_table_id == table =>
        {
            (0, 1)
        }
        Action::DeleteVpcListRoute { route_table_id, prefix_list_id, .. }
            if route_table_id == table =>
        {
            (0, list(prefix_list_id))
        }
        _ => (0, 0),
    }
}
