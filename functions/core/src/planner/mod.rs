//! The pure planner: `plan(&Observed, &Config) -> Plan`, no I/O.
//!
//! Level-triggered: whatever event led here, the plan is the difference
//! between what was read and what the rules want. Every action carries the
//! reason it is needed; everything the planner declines to do is a
//! [`Finding`] with its reason.
//!
//! Where each rule lives:
//! - `desired`: what the Regions' VPCs ask for, and overlaps between Regions;
//! - `peering`: one peering per Region pair (request, accept, duplicates);
//! - `tgw_table` and `tgw_routes`: the routes of each transit gateway
//!   route table, and the conflicts that forbid one;
//! - `vpc_table`: the routes of VPC route tables (`MANAGE_VPC_ROUTES`);
//! - `vpc_lists`: their routes toward the tool's lists, one per list, in
//!   `ROUTE_MODE=prefix-list`;
//! - `ownership`: when a route nothing wants is withdrawn or kept, for both
//!   kinds of table, and the withdrawal budget;
//! - `ledger`: which routes are the tool's, and the writes that keep the
//!   ledger lists true;
//! - `listed`: `ROUTE_MODE=prefix-list`, the ledger lists referenced in the
//!   managed table, and the switch between static routes and references;
//! - `quota`: the managed table's routes as the transit gateway's route
//!   quota counts them, before and after the plan;
//! - `local_leg`: each VPC's attachment and local route;
//! - `decision`: the typed decision for each route, and the one place that
//!   turns decisions into actions, findings, reports and ledger needs.

mod action;
mod decision;
mod desired;
mod ledger;
mod listed;
mod local_leg;
mod ownership;
mod peering;
mod quota;
mod report;
mod tgw_routes;
mod tgw_table;
mod vpc_lists;
mod vpc_table;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{Cidr, PeeringAttachment, Region};
use crate::error::Error;
use crate::observed::{resolve_gateway, Gateway, Observed};

pub use action::{
    Action, Direction, LedgerEntry, ListRef, Phase, Planned, RouteChange, RouteTableRef,
};
pub use desired::{is_terminal, vpc_wait};
pub use report::{
    Finding, FindingKind, PeeringReport, Plan, RouteMark, RouteQuota, RouteReport, TableReport,
    VpcReport,
};

use desired::{hold_unproven, overlapping, region_cidrs, RegionCidrs};
use ledger::{plan_ledger, unrecorded_routes_wait, LedgerNeeds, RegionLedger};
use peering::{plan_pair, Ready, ReadyPeering};

/// What every route table's plan reads, computed once per plan.
struct TableContext<'a> {
    observed: &'a Observed,
    config: &'a Config,
    peerings: &'a [PeeringAttachment],
    cidrs: &'a BTreeMap<Region, RegionCidrs>,
    /// Tagged CIDRs that overlap between Regions, with their Region.
    conflicted: &'a BTreeSet<(Region, Cidr)>,
}

/// One Region's part of a plan: its gateway, its pairs whose peering is
/// ready, the run's context and the Region's ledger.
#[derive(Clone, Copy)]
struct RegionScope<'a> {
    gw: &'a Gateway,
    pairs: &'a [ReadyPeering],
    ctx: &'a TableContext<'a>,
    ledger: &'a RegionLedger<'a>,
}

/// Computes every action needed to bring `observed` to the desired state.
///
/// # Errors
/// [`Error::Resolve`] when a Region was not read, or cannot be resolved to
/// one transit gateway and route table: a configuration problem to fix,
/// never a guess.
pub fn plan(observed: &Observed, config: &Config) -> Result<Plan, Error> {
    let mut out = Plan::default();
    let gateways = resolve_all(observed, config)?;

    // What each Region's VPCs ask for, and the overlaps.
    let mut cidrs: BTreeMap<Region, RegionCidrs> = config
        .regions
        .iter()
        .map(|r| (r.clone(), region_cidrs(r, &observed.regions[r], &config.tag_key)))
        .collect();
    hold_unproven(&mut cidrs, &observed.regions);
    let (conflicted, overlap_findings) = overlapping(&cidrs);
    out.findings.extend(overlap_findings);
    out.findings.extend(cidrs.values().flat_map(|rc| rc.findings.iter().cloned()));

    // One peering per pair; the first Region in PEERING_REGIONS requests it.
    let peerings = observed.peerings();
    let mut ready = Ready::new();
    for (i, a) in gateways.iter().enumerate() {
        for b in &gateways[i + 1..] {
            plan_pair(a, b, &peerings, &cidrs, &mut out, &mut ready);
        }
    }

    // Associations, routes and the ledger, one Region at a time.
    let ctx = TableContext {
        observed,
        config,
        peerings: &peerings,
        cidrs: &cidrs,
        conflicted: &conflicted,
    };
    for gw in &gateways {
        let pairs = ready.remove(&gw.region).unwrap_or_default();
        plan_region(gw, &pairs, &ctx, &mut out);
    }

    out.actions.sort_by(|a, b| a.action.cmp(&b.action));
    out.findings.sort();
    out.vpcs.sort_by(|a, b| (&a.region, &a.vpc_id).cmp(&(&b.region, &b.vpc_id)));
    Ok(out)
}

/// The tables, the ledger and the local leg of one Region. A Region whose
/// ledger was written under another `TAG_KEY` gets no route or ledger
/// write at all: a wrong key would otherwise read as "every VPC untagged".
fn plan_region(gw: &Gateway, pairs: &[ReadyPeering], ctx: &TableContext<'_>, out: &mut Plan) {
    let state = &ctx.observed.regions[&gw.region];
    let ledger = RegionLedger::new(&gw.region, &state.ledger, ctx.config);
    let mut needs = LedgerNeeds::default();
    let mut region_plan = Plan::default();
    let scope = RegionScope { gw, pairs, ctx, ledger: &ledger };
    let view = tgw_table::plan_table(scope, &mut needs, &mut region_plan);
    let vpc_view = if ctx.config.manage_vpc_routes {
        vpc_table::plan_vpc_tables(scope, &view.wanted, &mut needs, &mut region_plan)
    } else {
        None
    };
    plan_ledger(&ledger, &needs, ctx.config, &mut region_plan);
    listed::plan_references(scope, &view, &needs, &mut region_plan);
    if let Some(v) = &vpc_view {
        vpc_lists::plan_list_routes(scope, &v.tables, &v.remote, &mut region_plan);
    }
    quota::count_routes(scope, &mut region_plan);
    unrecorded_routes_wait(&ledger, &mut region_plan);
    for list in &ledger.unmanaged {
        let reason = format!(
            "it records routes for {}, which is not in PEERING_REGIONS: they and the list are left as they are",
            list.peer
        );
        let subject = format!("ledger list {}", list.id);
        region_plan.findings.push(Finding::at(FindingKind::Skip, &gw.region, subject, reason));
    }
    local_leg::plan_local_leg(
        &gw.region,
        state,
        &ctx.cidrs[&gw.region],
        &ctx.config.tag_key,
        &mut region_plan,
    );
    if let Some(list) = ledger.other_tag_key(ctx.config) {
        let held =
            region_plan.actions.iter().filter(|p| p.action.phase() != Phase::Peering).count();
        region_plan.actions.retain(|p| p.action.phase() == Phase::Peering);
        let reason = format!(
            "the tool's ledger here was written with TAG_KEY={}, but this run has TAG_KEY={}: {held} route and ledger write(s) held, nothing is withdrawn. Run with TAG_KEY={} (e.g. give it to `make deploy` again); if the change is deliberate, retag the ledger lists (tag tgw-peering:tag-key={}) first",
            list.tag_key, ctx.config.tag_key, list.tag_key, ctx.config.tag_key
        );
        let subject = format!("ledger list {}", list.id);
        region_plan.findings.push(Finding::at(FindingKind::Held, &gw.region, subject, reason));
    }
    out.actions.append(&mut region_plan.actions);
    out.findings.append(&mut region_plan.findings);
    out.tables.append(&mut region_plan.tables);
    out.vpcs.append(&mut region_plan.vpcs);
}

/// One gateway and route table per Region, in configuration order.
fn resolve_all(observed: &Observed, config: &Config) -> Result<Vec<Gateway>, Error> {
    config
        .regions
        .iter()
        .map(|region| {
            let state = observed.regions.get(region).ok_or_else(|| Error::Resolve {
                region: region.clone(),
                message: "the Region was not read".to_owned(),
            })?;
            resolve_gateway(region, &state.transit_gateways, state.account.as_ref(), config)
        })
        .collect()
}
