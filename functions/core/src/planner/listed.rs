//! `ROUTE_MODE=prefix-list`: the tool's ledger lists referenced in the
//! managed route table, and the switch between the two forms of a route.
//!
//! In prefix-list mode each ledger list (one per peer Region, address family
//! and part) is referenced in the managed transit gateway route table toward
//! the pair's peering, so its entries are the tool's routes: adding or
//! releasing an entry adds or withdraws a route, with the ledger's own
//! rules (entries at the version read, the withdrawal budget).
//!
//! AWS evaluates routes of one destination in this order: static routes,
//! then prefix-list routes, then routes propagated from VPCs (Transit
//! Gateway guide, "How transit gateways work", route evaluation order). So:
//! - every conflict rule of static mode applies to an entry before it goes
//!   in (an entry beside a VPC's propagated route would take its traffic);
//! - a static route and an entry of the same CIDR may stand together, the
//!   static one carrying the traffic: each switch adds the new form first
//!   and removes the old one only once the read shows the new one in place.
//!
//! Rules, one function each:
//! - [`listed_routes`]: the routes the tool's references install, as read;
//! - [`retired_statics`]: prefix-list mode withdraws the tool's static route
//!   of a wanted CIDR once a referenced list routes it toward the same
//!   peering (under the withdrawal budget);
//! - [`plan_references`]: prefix-list mode references every ledger list of a
//!   peer whose peering is available here (a new list as soon as it is
//!   created), and moves a reference left on a blackhole or a replaced
//!   peering; static mode removes the tool's reference once every entry of
//!   its list has its static route (or is withdrawn by this plan).

use std::collections::{BTreeMap, BTreeSet};

use crate::config::RouteMode;
use crate::domain::{
    AttachmentId, Cidr, LedgerList, ListReference, PrefixListId, Region, RouteKind, RouteTarget,
    TgwRoute,
};
use crate::observed::RouteTableState;

use super::decision::{Decided, RouteDecision};
use super::ledger::{LedgerNeeds, RegionLedger};
use super::ownership::WithdrawCause;
use super::tgw_routes::moves_from;
use super::tgw_table::{Table, TableView, Want};
use super::{Action, FindingCode, ListRef, Plan, Planned, RegionScope};

/// The routes the tool's references install in `read`, by CIDR: every entry
/// of a ledger list that is referenced (in any state but `deleting`; the
/// route's `state` is `active` once the reference is `available`) and is
/// not applying a change. AWS lists each entry as a route with the list's
/// `PrefixListId` (Transit Gateway guide, "View prefix list references");
/// when the read shows such routes for a list, an entry without its route
/// is not counted as routed, unless a static route of its CIDR stands in
/// front of it (AWS documents whether the search then lists both for
/// propagated routes only, where it lists the static one alone; both
/// answers are handled).
pub(super) fn listed_routes(
    read: &RouteTableState,
    ledger: &RegionLedger<'_>,
    pair_peerings: &BTreeSet<&AttachmentId>,
) -> BTreeMap<Cidr, TgwRoute> {
    let mut rows: BTreeMap<&PrefixListId, BTreeSet<Cidr>> = BTreeMap::new();
    for r in &read.routes {
        if let Some(list) = &r.prefix_list {
            rows.entry(list).or_default().insert(r.cidr);
        }
    }
    let statics: BTreeMap<Cidr, &RouteTarget> =
        read.routes.iter().filter(|r| r.is_static()).map(|r| (r.cidr, &r.target)).collect();
    let mut out = BTreeMap::new();
    for reference in read.references.iter().filter(|r| r.state != "deleting") {
        let Some(list) = ledger.lists.iter().find(|l| l.id == reference.prefix_list_id) else {
            continue;
        };
        if list.is_busy() {
            continue;
        }
        let shown = rows.get(&list.id);
        // In front of an entry: a static route toward the same target, or
        // the tool's own (the list holds its CIDR) left on a blackhole or a
        // replaced peering, which the switch retires.
        let behind_static = |c: &Cidr| {
            statics.get(c).is_some_and(|t| match t {
                RouteTarget::Blackhole => true,
                RouteTarget::Attachment(id) => {
                    **t == reference.target || pair_peerings.contains(id)
                }
                RouteTarget::Unknown => false,
            })
        };
        let routed = |c: &&Cidr| shown.is_none_or(|s| s.contains(c)) || behind_static(c);
        // A reference not available yet (or being modified) holds its
        // entries all the same: they are decided on (never dropped as
        // stale), but serve no static route's retirement.
        let state = if reference.is_available() { "active" } else { reference.state.as_str() };
        for cidr in list.entries.keys().filter(routed) {
            let route = TgwRoute {
                cidr: *cidr,
                kind: RouteKind::Propagated,
                target: reference.target.clone(),
                state: state.to_owned(),
                prefix_list: Some(list.id.clone()),
                former_target: reference.former_target.clone(),
            };
            out.entry(*cidr).or_insert(route);
        }
    }
    out
}

/// Prefix-list mode: the tool's static routes of wanted CIDRs whose entry a
/// referenced list routes toward the same peering, as withdrawals. The
/// others stay (one waiting finding for the table) until it does.
pub(super) fn retired_statics<'a>(
    table: &Table<'a>,
    wanted: &BTreeMap<Cidr, Want<'a>>,
    out: &mut Plan,
) -> Vec<Decided<'a>> {
    if table.mode != RouteMode::PrefixList {
        return Vec::new();
    }
    let mut retired = Vec::new();
    let mut waiting = 0;
    for (cidr, want) in wanted {
        let Some(route) = table.existing.get(cidr) else {
            continue;
        };
        let Some(peer) = table.ledger.owner(cidr) else {
            continue;
        };
        let target = RouteTarget::Attachment(want.via.id.clone());
        let ours = route.target == target || moves_from(table, route);
        if !ours {
            continue;
        }
        if table.ctx.config.is_protected(cidr) {
            let reason = "in PROTECTED_CIDRS: the tool's static route stays beside the list's";
            let subject = format!("route {cidr} in {}", table.gw.route_table_id);
            out.found(FindingCode::Protected, table.region(), subject, reason);
            continue;
        }
        let listed = table.listed.get(cidr);
        // A reference of the tool's list that someone pointed elsewhere is
        // left alone (see `keep_referenced`): nothing to wait for.
        if listed.is_some_and(|l| l.target != target && !moves_from(table, l)) {
            continue;
        }
        let serving = listed.filter(|l| l.target == target && l.state == "active");
        match serving.and_then(|l| l.prefix_list.clone()) {
            Some(list) => retired.push(Decided {
                place: table.place_of(route, &want.via.peer, Some(want.via)),
                cidr: *cidr,
                owners: None,
                target: route.target.clone(),
                entry: Some(peer),
                decision: RouteDecision::Withdraw(WithdrawCause::ServedByList {
                    list,
                    peer: peer.clone(),
                }),
            }),
            None => waiting += 1,
        }
    }
    if waiting > 0 {
        let reason = format!(
            "ROUTE_MODE=prefix-list: {waiting} static route(s) of the tool's stay until the referenced lists route their CIDRs (as read)"
        );
        let subject = format!("static routes in {}", table.gw.route_table_id);
        out.found(FindingCode::StaticRoutesAwaitReferences, table.region(), subject, reason);
    }
    retired
}

/// The references of the Region's managed table (see the module's rules).
pub(super) fn plan_references(
    scope: RegionScope<'_>,
    view: &TableView,
    needs: &LedgerNeeds,
    out: &mut Plan,
) {
    let RegionScope { gw, ctx, ledger, .. } = scope;
    let Some(read) =
        ctx.observed.regions[&gw.region].route_table.as_ref().filter(|t| t.id == gw.route_table_id)
    else {
        return;
    };
    let refs: BTreeMap<&PrefixListId, &ListReference> =
        read.references.iter().map(|r| (&r.prefix_list_id, r)).collect();
    let at = References { scope, view, read, out_region: &gw.region };
    for list in &ledger.lists {
        let reference = refs.get(&list.id).copied();
        match ctx.config.route_mode {
            RouteMode::PrefixList => at.keep_referenced(list, reference, out),
            RouteMode::Static => {
                if let Some(r) = reference {
                    at.unreference(list, r, needs, out);
                }
            }
        }
    }
    if ctx.config.route_mode == RouteMode::PrefixList {
        at.reference_new_lists(out);
    }
    report_lists(&gw.route_table_id, read, out);
}

/// The lists whose entries are routes of the table: referenced as read,
/// or by this plan (see [`super::TableReport::lists`]).
fn report_lists(table: &crate::domain::RouteTableId, read: &RouteTableState, out: &mut Plan) {
    let mut lists: BTreeSet<String> =
        read.references.iter().map(|r| r.prefix_list_id.to_string()).collect();
    for p in &out.actions {
        if let Action::CreateReference { route_table_id, prefix_list, .. } = &p.action {
            if route_table_id == table {
                lists.insert(match prefix_list {
                    ListRef::Id(id) => id.to_string(),
                    ListRef::New(name) => name.clone(),
                });
            }
        }
    }
    if let Some(report) = out.tables.iter_mut().find(|t| &t.route_table_id == table) {
        report.lists = lists.into_iter().collect();
    }
}

/// What the reference rules of one table read.
struct References<'s, 'a> {
    scope: RegionScope<'a>,
    view: &'s TableView,
    read: &'s RouteTableState,
    out_region: &'a Region,
}

impl References<'_, '_> {
    fn create(&self, prefix_list: ListRef, peer: &Region, entries: usize) -> Option<Planned> {
        let via = self.view.vias.get(peer)?;
        Some(Planned {
            reason: format!(
                "ROUTE_MODE=prefix-list: the ledger list {prefix_list} ({entries} CIDR(s) of {peer}) is routed toward the peering {via}"
            ),
            action: Action::CreateReference {
                region: self.out_region.clone(),
                route_table_id: self.scope.gw.route_table_id.clone(),
                prefix_list,
                attachment_id: via.clone(),
            },
        })
    }

    /// Prefix-list mode: the list is referenced toward the pair's peering.
    fn keep_referenced(
        &self,
        list: &LedgerList,
        reference: Option<&ListReference>,
        out: &mut Plan,
    ) {
        let Some(via) = self.view.vias.get(&list.peer) else {
            return;
        };
        let Some(r) = reference else {
            out.actions.extend(self.create(
                ListRef::Id(list.id.clone()),
                &list.peer,
                list.entries.len(),
            ));
            return;
        };
        let subject = format!("reference {} in {}", list.id, self.scope.gw.route_table_id);
        let target = RouteTarget::Attachment(via.clone());
        if !r.is_available() {
            let reason =
                format!("the reference is {}; its routes count once AWS has applied it", r.state);
            out.found(FindingCode::ReferencePending, self.out_region, subject, reason);
        } else if r.target == target {
        } else if !self.movable(list, r) {
            // Someone pointed it elsewhere or made it a blackhole: the list
            // is frozen and left alone (the ledger reports it).
        } else if let Some(c) = list.entries.keys().find(|c| self.scope.ctx.config.is_protected(c))
        {
            let reason = format!(
                "the tool's reference goes to {}, but its list holds {c}, in PROTECTED_CIDRS: not moved onto {via}",
                r.target
            );
            out.found(FindingCode::ProtectedNotMoved, self.out_region, subject, reason);
        } else {
            out.actions.push(Planned {
                reason: format!(
                    "the tool's reference of {} goes to {}; the peering with {} is {via}",
                    list.id, r.target, list.peer
                ),
                action: Action::ModifyReference {
                    region: self.out_region.clone(),
                    route_table_id: self.scope.gw.route_table_id.clone(),
                    prefix_list_id: list.id.clone(),
                    attachment_id: via.clone(),
                    from: r.target.clone(),
                },
            });
        }
    }

    /// A reference the tool may move: left on a blackhole by the deletion
    /// of the tool's peering, or toward a peering of the Region's pairs (a
    /// replaced one, or the list's recorded one, gone): any reference the
    /// freeze rule does not hold (`tgw_table::frozen_lists`).
    fn movable(&self, list: &LedgerList, r: &ListReference) -> bool {
        r.target != RouteTarget::Unknown && !self.view.frozen.contains_key(&list.id)
    }

    /// Prefix-list mode: the lists this plan creates are referenced in the
    /// same execution (the executor fills in the new list's ID).
    fn reference_new_lists(&self, out: &mut Plan) {
        let created: Vec<(String, Region, usize)> = out
            .actions
            .iter()
            .filter_map(|p| {
                let Action::CreateLedger { name, peer, entries, .. } = &p.action else {
                    return None;
                };
                Some((name.clone(), peer.clone(), entries.len()))
            })
            .collect();
        for (name, peer, entries) in created {
            out.actions.extend(self.create(ListRef::New(name), &peer, entries));
        }
    }

    /// Static mode: the tool's reference goes once every entry of its list
    /// is routed by a static route as read (or is withdrawn by this plan,
    /// or the reference is a blackhole, which carries nothing).
    fn unreference(
        &self,
        list: &LedgerList,
        r: &ListReference,
        needs: &LedgerNeeds,
        out: &mut Plan,
    ) {
        let subject = format!("reference {} in {}", list.id, self.scope.gw.route_table_id);
        // A reference someone changed freezes its list (the ledger
        // reports it): left alone.
        if r.state == "deleting" || !self.movable(list, r) {
            return;
        }
        let statics: BTreeSet<&Cidr> = self
            .read
            .routes
            .iter()
            .filter(|x| x.is_static() && x.state == "active")
            .filter(|x| matches!(x.target, RouteTarget::Attachment(_)))
            .map(|x| &x.cidr)
            .collect();
        let released = |c: &Cidr| {
            let k = (list.peer.clone(), *c);
            needs.release.contains(&k) && !needs.keep.contains(&k) && !needs.add.contains_key(&k)
        };
        let bare: Vec<&Cidr> =
            list.entries.keys().filter(|c| !statics.contains(c) && !released(c)).collect();
        // Wanted entries get their static route from the static planner;
        // the others (kept by PROTECTED_CIDRS, an overlap or the budget)
        // never do, and would lose their route with the reference.
        let (wanted, kept): (Vec<&Cidr>, Vec<&Cidr>) =
            bare.into_iter().partition(|c| self.view.wanted.contains(c));
        let held = if r.target == RouteTarget::Blackhole {
            None
        } else if !wanted.is_empty() {
            Some((FindingCode::ReferenceAwaitsStaticRoutes, format!(
                "ROUTE_MODE=static: the reference stays until the static routes of its {} remaining wanted entr(y/ies) are in (as read)",
                wanted.len()
            )))
        } else if !kept.is_empty() {
            Some((FindingCode::ReferenceKeepsEntries, format!(
                "ROUTE_MODE=static: the reference stays, since {} of its entries are kept (protected, in an overlap, or held) and have no static route: removing it would withdraw them",
                kept.len()
            )))
        } else {
            None
        };
        if let Some((code, reason)) = held {
            out.found(code, self.out_region, subject, reason);
            return;
        }
        out.actions.push(Planned {
            reason: format!(
                "ROUTE_MODE=static: every entry of the ledger list {} has its static route; the reference goes",
                list.id
            ),
            action: Action::DeleteReference {
                region: self.out_region.clone(),
                route_table_id: self.scope.gw.route_table_id.clone(),
                prefix_list_id: list.id.clone(),
                target: r.target.clone(),
            },
        });
    }
}
