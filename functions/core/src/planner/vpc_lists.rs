//! Routes of VPC route tables toward the tool's ledger lists
//! (`ROUTE_MODE=prefix-list` with `MANAGE_VPC_ROUTES=true`): one route per
//! list (`DestinationPrefixListId`, toward the Region's transit gateway)
//! instead of one per CIDR.
//!
//! Rules ([`plan_list_routes`]), for each managed table (see `vpc_table`):
//! - prefix-list mode, tagged VPC: every ledger list of a group the table
//!   routes through lists (`vpc_table::list_groups`) gets its route, a list
//!   this plan creates too (the executor fills in its ID); the table's
//!   routes of the CIDRs of those lists go once the read shows the list
//!   route (`vpc_table`), as static routes take priority over prefix-list
//!   routes ("How route priority works", VPC user guide);
//! - a route toward one of the tool's lists that the table should not have
//!   goes: at once for a VPC no longer tagged (within the withdrawal
//!   budget); in a tagged VPC's table (static mode, or a group with a clash),
//!   once every wanted entry of the list has its own route in the table (as
//!   read), so no CIDR is without a route at any moment;
//! - a list of a peer whose peering is not available here is left as it is.

use std::collections::BTreeSet;

use crate::config::RouteMode;
use crate::domain::{Cidr, LedgerList, Region, VpcListRoute, VpcRouteTarget};

use super::ownership::budget;
use super::vpc_table::{ManagedVpcTable, Remote};
use super::{Action, FindingCode, ListRef, Plan, Planned, RegionScope};

/// The list routes of the Region's managed VPC route tables.
pub(super) fn plan_list_routes(
    scope: RegionScope<'_>,
    managed: &[ManagedVpcTable<'_>],
    remote: &Remote<'_>,
    out: &mut Plan,
) {
    let created: Vec<(String, Region, crate::domain::Family)> = out
        .actions
        .iter()
        .filter_map(|p| {
            let Action::CreateLedger { name, peer, family, .. } = &p.action else {
                return None;
            };
            Some((name.clone(), peer.clone(), *family))
        })
        .collect();
    for m in managed {
        let rules = ListRoutes { scope, m, remote };
        let mut wanted: BTreeSet<ListRef> = BTreeSet::new();
        if scope.ctx.config.route_mode == RouteMode::PrefixList && m.tagged {
            for list in &scope.ledger.lists {
                if m.groups.contains(&(list.peer.clone(), list.family)) {
                    wanted.insert(ListRef::Id(list.id.clone()));
                }
            }
            for (name, peer, family) in &created {
                if m.groups.contains(&(peer.clone(), *family)) {
                    wanted.insert(ListRef::New(name.clone()));
                }
            }
        }
        for list in &wanted {
            rules.create(list, out);
        }
        for route in &m.table.list_routes {
            rules.retire(route, &wanted, out);
        }
    }
}

/// The list-route rules of one managed table.
struct ListRoutes<'s, 'a> {
    scope: RegionScope<'a>,
    m: &'s ManagedVpcTable<'a>,
    remote: &'s Remote<'a>,
}

impl ListRoutes<'_, '_> {
    fn toward(&self) -> VpcRouteTarget {
        VpcRouteTarget::TransitGateway(self.scope.gw.transit_gateway_id.clone())
    }

    /// The route toward `list`, unless the table has it.
    fn create(&self, list: &ListRef, out: &mut Plan) {
        if let ListRef::Id(id) = list {
            if self.m.table.list_route(id).is_some() {
                return;
            }
        }
        out.actions.push(Planned {
            reason: format!(
                "ROUTE_MODE=prefix-list: {} of tagged {} routes the entries of the ledger list {list} toward the transit gateway",
                self.m.table.id, self.m.table.vpc_id
            ),
            action: Action::CreateVpcListRoute {
                region: self.scope.gw.region.clone(),
                route_table_id: self.m.table.id.clone(),
                prefix_list: list.clone(),
                transit_gateway_id: self.scope.gw.transit_gateway_id.clone(),
            },
        });
    }

    /// A route toward one of the tool's lists that the table should not
    /// have: removed when that cuts no wanted CIDR off (see the module).
    fn retire(&self, route: &VpcListRoute, wanted: &BTreeSet<ListRef>, out: &mut Plan) {
        let id = &route.prefix_list_id;
        let Some(list) = self.scope.ledger.lists.iter().find(|l| &l.id == id) else {
            return;
        };
        if route.target != self.toward()
            || wanted.contains(&ListRef::Id(id.clone()))
            || !self.remote.ready.contains(&list.peer)
        {
            return;
        }
        let static_mode = self.scope.ctx.config.route_mode == RouteMode::Static;
        // A tagged VPC's table keeps the route until each wanted entry has
        // its own (static mode, or a group no longer routed through lists).
        if self.m.tagged {
            let bare = self.bare_entries(list);
            if bare > 0 {
                let reason = format!(
                    "the route toward {id} stays until {bare} wanted entr(y/ies) of it have their own route in the table (as read)"
                );
                let subject = format!("VPC route {id} in {}", self.m.table.id);
                let region = &self.scope.gw.region;
                out.found(FindingCode::VpcListRouteAwaitsRoutes, region, subject, reason);
                return;
            }
        }
        // Removing the route of an untagged VPC's table withdraws every
        // entry's route from it at once: the withdrawal budget applies.
        let limit = budget(self.scope.ctx.config, self.scope.ledger.size());
        if !self.m.tagged && list.entries.len() > limit {
            let reason = format!(
                "removing it would withdraw {} routes from the table at once, more than the budget of {limit} (MAX_WITHDRAWALS); held",
                list.entries.len()
            );
            let subject = format!("VPC route {id} in {}", self.m.table.id);
            out.found(FindingCode::OverBudget, &self.scope.gw.region, subject, reason);
            return;
        }
        let why = if !self.m.tagged {
            "the VPC is not tagged"
        } else if static_mode {
            "ROUTE_MODE=static: every wanted entry has its own route"
        } else {
            "a CIDR of the list equals a route the table has from elsewhere (a propagated route), which the list route would take over; every other wanted entry has its own route"
        };
        out.actions.push(Planned {
            reason: format!("{why}; the route toward the ledger list {id} goes"),
            action: Action::DeleteVpcListRoute {
                region: self.scope.gw.region.clone(),
                route_table_id: self.m.table.id.clone(),
                prefix_list_id: id.clone(),
                transit_gateway_id: self.scope.gw.transit_gateway_id.clone(),
            },
        });
    }

    /// The entries of `list` the table wants and will get a route of their
    /// own for, that have none yet: no route of the CIDR at all (one toward
    /// another target is a conflict, never written over).
    fn bare_entries(&self, list: &LedgerList) -> usize {
        let any: BTreeSet<&Cidr> = self.m.table.routes.iter().map(|r| &r.cidr).collect();
        list.entries
            .keys()
            .filter(|c| self.remote.desired.contains_key(c) && !self.remote.refused.contains(c))
            .filter(|c| self.m.ipv6 || !c.is_ipv6())
            .filter(|c| !any.contains(c))
            .count()
    }
}
