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
//! - `deployments`: which ledger lists are this deployment's (one per
//!   managed transit gateway), and the adoption of lists written before;
//! - `blackholes`: a blackhole is moved only on proof that the deletion of
//!   the tool's peering left it, and the records on the lists that prove it;
//! - `listed`: `ROUTE_MODE=prefix-list`, the ledger lists referenced in the
//!   managed table, and the switch between static routes and references;
//! - `quota`: the managed table's routes as the transit gateway's route
//!   quota counts them, before and after the plan;
//! - `local_leg`: each VPC's attachment and local route;
//! - `segments` and `segment_reports`: where route tables declare
//!   segments, one plan per segment over a view of the read, merged, and
//!   what is reported beside it; `association`: the peerings' association
//!   with the managed or the peering table;
//! - `decision`: the typed decision for each route, and the one place that
//!   turns decisions into actions, findings, reports and ledger needs.

mod action;
mod action_text;
mod association;
mod blackholes;
mod decision;
mod deployments;
mod desired;
mod finding;
mod ledger;
mod listed;
mod local_leg;
mod ownership;
mod peering;
mod quota;
mod report;
mod segment_reports;
mod segments;
mod tgw_routes;
mod tgw_table;
mod vpc_lists;
mod vpc_quota;
mod vpc_table;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{
    AccountId, AttachmentId, Cidr, LedgerList, PeeringAttachment, PeeringPhase, Region, Segment,
    TransitGatewayId, VpcId, LEDGER_GATEWAY_TAG,
};
use crate::error::Error;
use crate::observed::{Gateway, Observed};

pub(crate) use action::{
    any_action, beside_ledger_actions, peering_actions, reference_actions, route_actions,
    vpc_route_actions,
};
pub use action::{
    Action, Direction, LedgerEntry, ListRef, Phase, Planned, RouteChange, RouteTableRef,
};
pub use desired::{is_terminal, vpc_wait};
pub use finding::{Finding, FindingCode, FindingKind};
pub use report::{
    GatewayRoutes, PeeringNeed, PeeringReport, Plan, RouteMark, RouteQuota, RouteReport,
    SegmentCell, TableReport, VpcReport, VpcTableQuota,
};
pub(crate) use segments::reaches;

use blackholes::{plan_records, Peerings};
use deployments::{classify, Lists};
use desired::{hold_in_transition, hold_unproven, overlapping, region_cidrs, RegionCidrs};
use ledger::{plan_ledger, unrecorded_routes_wait, LedgerNeeds, LedgerWrites, RegionLedger};
use peering::{plan_pair, Ready, ReadyPeering};

/// What every route table's plan reads, computed once per plan.
struct TableContext<'a> {
    observed: &'a Observed,
    config: &'a Config,
    peerings: &'a [PeeringAttachment],
    cidrs: &'a BTreeMap<Region, RegionCidrs>,
    /// Tagged CIDRs that overlap between Regions, with their Region.
    conflicted: &'a BTreeSet<(Region, Cidr)>,
    /// The managed transit gateway of every Region (in transition or not):
    /// a peering is the tool's only between two of them.
    managed: &'a BTreeMap<Region, TransitGatewayId>,
    /// The peerings that are live (on their way to `available`, or there).
    live: &'a BTreeSet<AttachmentId>,
    /// The account of every VPC read, for the ledger entries' descriptions.
    accounts: &'a BTreeMap<VpcId, AccountId>,
    /// The segment planned, where segments are declared (`None`: a flat
    /// plan, whose lists are named and tagged as before segments).
    segment: Option<&'a Segment>,
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
    let gateways = resolve_all(observed, config)?;
    let mut out = if gateways.iter().any(|g| g.tables.declared) {
        segments::plan_segments(observed, config, &gateways)?
    } else {
        plan_view(observed, config, None)?
    };
    quota::count_lists(observed, &mut out);
    out.actions.sort_by(|a, b| a.action.cmp(&b.action));
    out.findings.sort();
    out.vpcs.sort_by(|a, b| (&a.region, &a.vpc_id).cmp(&(&b.region, &b.vpc_id)));
    Ok(out)
}

/// The plan of one view: the whole deployment where no segment is
/// declared, else one segment's (`segment`: see `segments`), where the
/// local leg is checked apart, in the peering table.
fn plan_view(
    observed: &Observed,
    config: &Config,
    segment: Option<&Segment>,
) -> Result<Plan, Error> {
    let mut out = Plan::default();
    let gateways = resolve_all(observed, config)?;
    let managed: BTreeMap<Region, TransitGatewayId> =
        gateways.iter().map(|g| (g.region.clone(), g.transit_gateway_id.clone())).collect();
    let peerings = observed.peerings();
    let live: BTreeSet<AttachmentId> =
        peerings.iter().filter(|p| p.phase() == PeeringPhase::Live).map(|p| p.id.clone()).collect();
    let accounts = vpc_accounts(observed);
    // Each Region's ledger lists, by deployment.
    let lists: BTreeMap<Region, Lists<'_>> = gateways
        .iter()
        .map(|gw| {
            let state = &observed.regions[&gw.region];
            (gw.region.clone(), classify(gw, state, observed, &managed, &peerings))
        })
        .collect();
    let ours: BTreeMap<Region, Vec<&LedgerList>> =
        lists.iter().map(|(r, l)| (r.clone(), l.ours.clone())).collect();

    // What each Region's VPCs ask for, and the overlaps.
    let cidrs = desired_cidrs(observed, config, &gateways, &ours);
    let (conflicted, overlap_findings) = overlapping(&cidrs);
    out.findings.extend(overlap_findings);
    out.findings.extend(cidrs.values().flat_map(|rc| rc.findings.iter().cloned()));
    let mut ready = plan_pairs(&gateways, &peerings, &cidrs, &mut out);

    // Associations, routes and the ledger, one Region at a time.
    let ctx = TableContext {
        observed,
        config,
        peerings: &peerings,
        cidrs: &cidrs,
        conflicted: &conflicted,
        managed: &managed,
        live: &live,
        accounts: &accounts,
        segment,
    };
    for gw in &gateways {
        if let Some(why) = gw.waits() {
            let reason = format!(
                "{why}: nothing is written in this Region, and its peerings' routes elsewhere stay as they are, until then"
            );
            let subject = format!("transit gateway {}", gw.transit_gateway_id);
            out.found(FindingCode::GatewayInTransition, &gw.region, subject, reason);
            continue;
        }
        let pairs = ready.remove(&gw.region).unwrap_or_default();
        if !gw.no_segment_table {
            plan_region(gw, &pairs, &ctx, &lists[&gw.region], &mut out);
        }
    }
    Ok(out)
}

/// What each Region's VPCs ask for, with the holds: a workload account not
/// read, a Region in transition.
fn desired_cidrs(
    observed: &Observed,
    config: &Config,
    gateways: &[Gateway],
    ours: &BTreeMap<Region, Vec<&LedgerList>>,
) -> BTreeMap<Region, RegionCidrs> {
    let mut cidrs: BTreeMap<Region, RegionCidrs> = config
        .regions
        .iter()
        .map(|r| (r.clone(), region_cidrs(r, &observed.regions[r], &config.tag_key)))
        .collect();
    hold_unproven(&mut cidrs, &observed.regions, ours);
    for gw in gateways.iter().filter(|g| !g.is_ready()) {
        if let Some(rc) = cidrs.get_mut(&gw.region) {
            hold_in_transition(rc, &gw.region, ours);
        }
    }
    cidrs
}

/// One peering per pair; the first Region in `PEERING_REGIONS` requests it.
/// A pair with a Region in transition waits.
fn plan_pairs(
    gateways: &[Gateway],
    peerings: &[PeeringAttachment],
    cidrs: &BTreeMap<Region, RegionCidrs>,
    out: &mut Plan,
) -> Ready {
    let mut ready = Ready::new();
    for (i, a) in gateways.iter().enumerate() {
        for b in &gateways[i + 1..] {
            match a.waits().or(b.waits()) {
                Some(why) => out.findings.push(Finding {
                    code: FindingCode::PairInTransition,
                    region: None,
                    subject: format!("peering {} <-> {}", a.region, b.region),
                    reason: format!("{why}; the pair waits until it is available"),
                }),
                None => plan_pair(a, b, peerings, cidrs, out, &mut ready),
            }
        }
    }
    ready
}

/// The tables, the ledger and the local leg of one Region. A Region whose
/// ledger was written under another `TAG_KEY` gets no route or ledger
/// write at all: a wrong key would otherwise read as "every VPC untagged".
fn plan_region(
    gw: &Gateway,
    pairs: &[ReadyPeering],
    ctx: &TableContext<'_>,
    lists: &Lists<'_>,
    out: &mut Plan,
) {
    let state = &ctx.observed.regions[&gw.region];
    let ledger = RegionLedger::new(&gw.region, lists.ours.clone(), ctx.config);
    let mut needs = LedgerNeeds::default();
    let mut region_plan = Plan::default();
    report_deployments(gw, lists, &mut region_plan);
    let scope = RegionScope { gw, pairs, ctx, ledger: &ledger };
    let view = tgw_table::plan_table(scope, &mut needs, &mut region_plan);
    let vpc_view = if ctx.config.manage_vpc_routes {
        vpc_table::plan_vpc_tables(scope, &view.wanted, &mut needs, &mut region_plan)
    } else {
        None
    };
    let writes = LedgerWrites {
        config: ctx.config,
        transit_gateway: &gw.transit_gateway_id,
        accounts: ctx.accounts,
        vias: &view.vias,
        frozen: &view.frozen,
        now: ctx.observed.read_at,
        segment: ctx.segment.filter(|s| !s.is_default()),
    };
    plan_ledger(&ledger, &needs, &writes, &mut region_plan);
    listed::plan_references(scope, &view, &needs, &mut region_plan);
    if let Some(v) = &vpc_view {
        vpc_lists::plan_list_routes(scope, &v.tables, &v.remote, &mut region_plan);
        vpc_quota::limit_vpc_tables(scope, &v.tables, &mut region_plan);
    }
    quota::count_routes(scope, &mut region_plan);
    unrecorded_routes_wait(&ledger, &mut region_plan);
    if let Some(read) = state.route_table.as_ref().filter(|t| t.id == gw.route_table_id) {
        let peerings = Peerings { pair: view.pair_peerings.iter().collect(), live: ctx.live };
        plan_records(&ledger, read, &peerings, &view.vias, &mut region_plan);
    }
    report_unmanaged_lists(gw, &ledger, &mut region_plan);
    if ctx.segment.is_none() {
        local_leg::plan_local_leg(
            &gw.region,
            state,
            &ctx.cidrs[&gw.region],
            &ctx.config.tag_key,
            &mut region_plan,
        );
    }
    if let Some(list) = ledger.other_tag_key(ctx.config) {
        let held =
            region_plan.actions.iter().filter(|p| p.action.phase() != Phase::Peering).count();
        region_plan.actions.retain(|p| p.action.phase() == Phase::Peering);
        let reason = format!(
            "the tool's ledger here was written with TAG_KEY={}, but this run has TAG_KEY={}: {held} route and ledger write(s) held, nothing is withdrawn. Run with TAG_KEY={} (e.g. give it to `make deploy` again); if the change is deliberate, retag the ledger lists (tag tgw-peering:tag-key={}) first",
            list.tag_key, ctx.config.tag_key, list.tag_key, ctx.config.tag_key
        );
        let subject = format!("ledger list {}", list.id);
        region_plan.found(FindingCode::OtherTagKey, &gw.region, subject, reason);
    }
    out.actions.append(&mut region_plan.actions);
    out.findings.append(&mut region_plan.findings);
    out.tables.append(&mut region_plan.tables);
    out.vpcs.append(&mut region_plan.vpcs);
    out.vpc_tables.append(&mut region_plan.vpc_tables);
}

/// The tool's lists of Regions outside `PEERING_REGIONS`: left as they are,
/// each said so.
fn report_unmanaged_lists(gw: &Gateway, ledger: &RegionLedger<'_>, out: &mut Plan) {
    for list in &ledger.unmanaged {
        let reason = format!(
            "it records routes for {}, which is not in PEERING_REGIONS: they and the list are left as they are",
            list.peer
        );
        let subject = format!("ledger list {}", list.id);
        out.found(FindingCode::ListOfUnmanagedRegion, &gw.region, subject, reason);
    }
}

/// The lists of other deployments, once for the Region; the lists written
/// before deployments were recorded: adopted (tagged with the gateway) or
/// left alone, each said so.
fn report_deployments(gw: &Gateway, lists: &Lists<'_>, out: &mut Plan) {
    if !lists.foreign.is_empty() {
        let ids: Vec<String> = lists.foreign.iter().map(|l| l.id.to_string()).collect();
        let reason = format!(
            "{} ledger list(s) of other deployments ({}): not this deployment's ledger (it records {}); never read as such, modified or referenced, and their routes are foreign routes",
            ids.len(),
            ids.join(", "),
            gw.transit_gateway_id
        );
        let subject = "ledger lists of other deployments";
        out.found(FindingCode::OtherDeploymentLists, &gw.region, subject, reason);
    }
    for list in &lists.adopted {
        out.actions.push(Planned {
            reason: format!(
                "written before deployments were recorded, and proven this deployment's (the account has no other transit gateway here, or the managed table routes its entries toward this deployment's peering): recorded as {}'s",
                gw.transit_gateway_id
            ),
            action: Action::TagLedger {
                region: gw.region.clone(),
                prefix_list_id: list.id.clone(),
                tags: vec![(LEDGER_GATEWAY_TAG.to_owned(), gw.transit_gateway_id.to_string())],
            },
        });
    }
    for (list, why) in &lists.unproven {
        let reason = format!(
            "written before deployments were recorded, and nothing proves it this deployment's: {why}; left alone with its routes (tag it {LEDGER_GATEWAY_TAG}={} to adopt it)",
            gw.transit_gateway_id
        );
        let subject = format!("ledger list {}", list.id);
        out.found(FindingCode::UnprovenLedgerList, &gw.region, subject, reason);
    }
}

/// The account of every VPC read (its owner, else its Region's account).
fn vpc_accounts(observed: &Observed) -> BTreeMap<VpcId, AccountId> {
    observed
        .regions
        .values()
        .flat_map(|s| {
            s.vpcs
                .iter()
                .filter_map(|v| Some((v.id.clone(), v.owner.clone().or(s.account.clone())?)))
        })
        .collect()
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
            state.gateway(region, config)
        })
        .collect()
}
