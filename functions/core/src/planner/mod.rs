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
//! - `tgw_table`: the routes of each transit gateway route table;
//! - `vpc_table`: the routes of VPC route tables (`MANAGE_VPC_ROUTES`);
//! - `ownership`: when a route nothing wants is withdrawn or kept, for both
//!   kinds of table;
//! - `decision`: the typed decision for each route, and the one place that
//!   turns decisions into actions, findings and reports.

mod action;
mod decision;
mod desired;
mod ownership;
mod peering;
mod report;
mod tgw_table;
mod vpc_table;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{Cidr, PeeringAttachment, Region};
use crate::error::Error;
use crate::observed::{resolve_gateway, Gateway, Observed};

pub use action::{Action, Direction, Planned, RouteChange, RouteTableRef};
pub use report::{Finding, FindingKind, PeeringReport, Plan, RouteMark, RouteReport, TableReport};

use desired::{overlapping, region_cidrs, RegionCidrs};
use peering::{plan_pair, Ready};

/// What every route table's plan reads, computed once per plan.
struct TableContext<'a> {
    observed: &'a Observed,
    config: &'a Config,
    peerings: &'a [PeeringAttachment],
    cidrs: &'a BTreeMap<Region, RegionCidrs>,
    /// Tagged CIDRs that overlap between Regions, with their Region.
    conflicted: &'a BTreeSet<(Region, Cidr)>,
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

    // What each Region's VPCs ask for, and the overlaps between Regions.
    let cidrs: BTreeMap<Region, RegionCidrs> = config
        .regions
        .iter()
        .map(|r| {
            (
                r.clone(),
                region_cidrs(&observed.regions[r], &config.tag_key),
            )
        })
        .collect();
    let (conflicted, overlap_findings) = overlapping(&cidrs);
    out.findings.extend(overlap_findings);

    // One peering per pair; the first Region in PEERING_REGIONS requests it.
    let peerings = observed.peerings();
    let mut ready = Ready::new();
    for (i, a) in gateways.iter().enumerate() {
        for b in &gateways[i + 1..] {
            plan_pair(a, b, &peerings, &cidrs, &mut out, &mut ready);
        }
    }

    // Associations and routes, one route table at a time.
    let ctx = TableContext {
        observed,
        config,
        peerings: &peerings,
        cidrs: &cidrs,
        conflicted: &conflicted,
    };
    for gw in &gateways {
        let pairs = ready.remove(&gw.region).unwrap_or_default();
        if config.manage_vpc_routes {
            vpc_table::plan_vpc_tables(gw, &pairs, &ctx, &mut out);
        }
        tgw_table::plan_table(gw, &pairs, &ctx, &mut out);
    }

    out.actions.sort_by(|a, b| a.action.cmp(&b.action));
    out.findings.sort();
    Ok(out)
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
            resolve_gateway(region, &state.transit_gateways, config)
        })
        .collect()
}
