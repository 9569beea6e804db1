//! The managed table's routes as the transit gateway's route quota counts
//! them ([`TGW_ROUTES_QUOTA`]): every static and propagated route, and each
//! referenced prefix list's maximum entries, not its present ones ("the
//! maximum number of entries for the prefix lists counts against the quota
//! for the number of entries for the resource", VPC user guide, prefix list
//! quotas).
//!
//! [`count_routes`] counts the table as read and after the plan's writes,
//! and warns when the plan would take the table past the quota. The quota
//! covers every route table of the gateway together; only the managed one
//! is read, so the count is a floor of what AWS counts, and the report
//! names the gateway's other tables, not counted.

use std::collections::BTreeMap;

use crate::domain::{
    PrefixListId, RouteTableId, TgwState, PREFIX_LISTS_QUOTA, PREFIX_LISTS_WARN_PERCENT,
    TGW_ROUTES_QUOTA,
};
use crate::observed::{RegionState, RouteTableState};

use super::action::{
    ledger_actions, peering_actions, reference_actions, route_actions, vpc_route_actions,
};
use super::{Action, FindingCode, ListRef, Plan, RegionScope, RouteQuota};

/// Sets the quota line of the Region's table report, and warns when the
/// plan's writes would pass the quota.
pub(super) fn count_routes(scope: RegionScope<'_>, out: &mut Plan) {
    let RegionScope { gw, ctx, ledger, .. } = scope;
    let state = &ctx.observed.regions[&gw.region];
    let Some(read) = state.route_table.as_ref().filter(|t| t.id == gw.route_table_id) else {
        return;
    };
    // The maximum entries of each of the tool's lists, as read.
    let mut sizes: BTreeMap<&PrefixListId, usize> =
        ledger.lists.iter().map(|l| (&l.id, l.max_entries)).collect();
    let counted = as_read(read, &sizes);
    let mut after = counted as i64;
    let referenced = |id: &PrefixListId| read.references.iter().any(|r| &r.prefix_list_id == id);
    for p in out.actions.iter().filter(|p| p.action.region() == &gw.region) {
        match &p.action {
            Action::CreateRoute { route_table_id, .. } if *route_table_id == gw.route_table_id => {
                after += 1
            }
            Action::DeleteRoute { route_table_id, .. }
            | Action::RetireRoute { route_table_id, .. }
                if *route_table_id == gw.route_table_id =>
            {
                after -= 1
            }
            Action::ResizeLedger { prefix_list_id, max_entries, .. } => {
                let old = sizes.insert(prefix_list_id, *max_entries).unwrap_or_default();
                if referenced(prefix_list_id) {
                    after += *max_entries as i64 - old as i64;
                }
            }
            // Another table's route, a reference (counted below), no change
            // of count (a move), or nothing of a route table.
            peering_actions!()
            | Action::TagLedger { .. }
            | Action::UntagLedger { .. }
            | Action::RecordPeering { .. }
            | Action::CreateLedger { .. }
            | Action::UpdateLedger { .. }
            | Action::ReleaseLedger { .. }
            | route_actions!()
            | reference_actions!()
            | vpc_route_actions!() => {}
        }
    }
    after += references_change(gw, &sizes, out);
    let quota = RouteQuota {
        counted,
        after_plan: usize::try_from(after).unwrap_or_default(),
        quota: TGW_ROUTES_QUOTA,
        not_counted: other_tables(state, &gw.route_table_id),
        gateway: None,
    };
    if quota.after_plan > quota.quota && quota.after_plan > quota.counted {
        let reason = format!(
            "after this plan the table counts {} routes against the transit gateway's quota of {} (static and propagated routes, plus each referenced list's maximum entries; the quota covers all of the gateway's route tables, {} other not counted here, and is adjustable in Service Quotas): AWS may refuse the writes that pass it",
            quota.after_plan,
            quota.quota,
            quota.not_counted.len()
        );
        let subject = format!("route table {}", gw.route_table_id);
        out.found(FindingCode::RouteQuota, &gw.region, subject, reason);
    }
    if let Some(report) = out.tables.iter_mut().find(|t| t.route_table_id == gw.route_table_id) {
        report.quota = quota;
    }
}

/// The table as read: every route that is no entry of a referenced list,
/// each reference of the tool's lists at its list's maximum entries, and
/// the listed routes of anyone else's references (their size is not read).
pub(super) fn as_read(read: &RouteTableState, sizes: &BTreeMap<&PrefixListId, usize>) -> usize {
    let ours = |id: &PrefixListId| {
        sizes.contains_key(id) && read.references.iter().any(|r| &r.prefix_list_id == id)
    };
    let routes = read.routes.iter().filter(|r| r.prefix_list.as_ref().is_none_or(|p| !ours(p)));
    let references: usize =
        read.references.iter().filter_map(|r| sizes.get(&r.prefix_list_id)).sum();
    routes.count() + references
}

/// What the plan's reference writes in the managed table add to its count
/// (each list at its maximum entries, as grown by this plan).
fn references_change(
    gw: &crate::observed::Gateway,
    sizes: &BTreeMap<&PrefixListId, usize>,
    out: &Plan,
) -> i64 {
    let mut after = 0;
    for p in &out.actions {
        match &p.action {
            Action::CreateReference { prefix_list: ListRef::Id(id), route_table_id, .. }
                if *route_table_id == gw.route_table_id =>
            {
                after += sizes.get(id).copied().unwrap_or_default() as i64;
            }
            Action::CreateReference { prefix_list: ListRef::New(name), route_table_id, .. }
                if *route_table_id == gw.route_table_id =>
            {
                after += new_list_size(out, name) as i64;
            }
            Action::DeleteReference { prefix_list_id, route_table_id, .. }
                if *route_table_id == gw.route_table_id =>
            {
                after -= sizes.get(prefix_list_id).copied().unwrap_or_default() as i64;
            }
            // Another table's reference, a move (no change of count), or
            // not a reference (counted above).
            peering_actions!()
            | ledger_actions!()
            | route_actions!()
            | reference_actions!()
            | vpc_route_actions!() => {}
        }
    }
    after
}

/// The maximum entries of a list this plan creates.
fn new_list_size(plan: &Plan, name: &str) -> usize {
    plan.actions
        .iter()
        .find_map(|p| {
            let Action::CreateLedger { name: n, max_entries, .. } = &p.action else {
                return None;
            };
            (n == name).then_some(*max_entries)
        })
        .unwrap_or_default()
}

/// The gateway's route tables other than the managed one, as the Region's
/// read lists them (`DescribeTransitGatewayRouteTables`), but the deleted:
/// AWS's quota counts their routes too ("Transit Gateway quotas", routes:
/// "total combined routes (dynamic and static) across all route tables for a
/// single transit gateway"), and the tool does not read them.
pub(super) fn other_tables(state: &RegionState, managed: &RouteTableId) -> Vec<RouteTableId> {
    let tables = state.route_tables.iter().flatten();
    let others = tables.filter(|t| &t.id != managed && t.state != TgwState::Deleted);
    others.map(|t| t.id.clone()).collect()
}

/// The Region's customer-managed prefix lists against AWS's per-Region
/// quota ([`PREFIX_LISTS_QUOTA`]): as read, plus the lists this plan
/// creates; a warning from [`PREFIX_LISTS_WARN_PERCENT`] of it on, before
/// AWS refuses a `CreateManagedPrefixList` (and with it the routes of a
/// new segment or peer Region).
pub(super) fn count_lists(observed: &crate::observed::Observed, out: &mut Plan) {
    for (region, state) in &observed.regions {
        let Some(listed) = state.customer_lists else {
            continue;
        };
        let created = out
            .actions
            .iter()
            .filter(|p| matches!(&p.action, Action::CreateLedger { region: r, .. } if r == region))
            .count();
        let after = listed + created;
        if after * 100 < PREFIX_LISTS_QUOTA * PREFIX_LISTS_WARN_PERCENT {
            continue;
        }
        let reason = format!(
            "the Region lists {listed} customer-managed prefix lists, {after} after this plan ({} of the tool's), of AWS's default quota of {PREFIX_LISTS_QUOTA} per Region (adjustable in Service Quotas; the tool needs one list per segment, peer Region and address family): past it, AWS refuses the lists a new segment or peer Region needs, and their routes wait",
            state.ledger.len() + created
        );
        out.found(FindingCode::PrefixListQuota, region, "customer-managed prefix lists", reason);
    }
}
