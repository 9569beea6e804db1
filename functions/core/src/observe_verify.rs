//! What path verification reads beyond the plan's read (`crate::verify`),
//! only where verification runs: the tagged VPCs' route tables, and the
//! transit gateway route tables their attachments and the peerings are
//! associated with that the plan did not read.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{AccountId, AttachmentKind, RouteTableId, SegmentTag, VpcId};
use crate::error::Error;
use crate::observe::read_table;
use crate::observed::{RegionState, VerifyRead};
use crate::ports::{Ec2Clients, Ec2Region};

/// Reads what verification needs in one Region into
/// [`RegionState::verify`]:
/// - the route tables of the Region's tagged VPCs (one
///   `DescribeRouteTables` per 100 VPCs, every page), unless
///   `MANAGE_VPC_ROUTES` already read every VPC's;
/// - those of the tagged VPCs of each workload account, through its
///   `WORKLOAD_ROLE_NAME` role (an account whose role refuses is recorded,
///   and its VPCs' first hop is not verified);
/// - each transit gateway route table associated with a tagged VPC's
///   attachment or a peering that the plan's read did not read (its
///   routes, one `SearchTransitGatewayRoutes` and its pages).
///
/// # Errors
/// The first read of the Region's own that fails, as [`crate::observe::observe`].
pub(crate) async fn read_verify(
    clients: &dyn Ec2Clients,
    ec2: &dyn Ec2Region,
    config: &Config,
    state: &mut RegionState,
) -> Result<(), Error> {
    let mut read = VerifyRead::default();
    let mut own: Vec<VpcId> = Vec::new();
    let mut workloads: BTreeMap<AccountId, Vec<VpcId>> = BTreeMap::new();
    for v in &state.vpcs {
        let tag = v.tags.get(&config.tag_key).map(String::as_str);
        if !matches!(SegmentTag::of(tag), SegmentTag::Segment(_)) {
            continue;
        }
        match &v.owner {
            Some(owner) if Some(owner) != state.account.as_ref() => {
                workloads.entry(owner.clone()).or_default().push(v.id.clone());
            }
            _ => own.push(v.id.clone()),
        }
    }
    if state.vpc_route_tables.is_none() && !own.is_empty() {
        read.vpc_tables = Some(ec2.vpc_route_tables_of(&own).await?);
    }
    let tagged: BTreeSet<VpcId> = own.iter().chain(workloads.values().flatten()).cloned().collect();
    for (account, vpcs) in workloads {
        let tables = match clients.workload(ec2.region(), &account) {
            Ok(reader) => reader.route_tables(&vpcs).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        read.workload_tables.insert(account, tables);
    }
    read.tables = read_other_tables(ec2, config, state, &tagged).await?;
    state.verify = Some(read);
    Ok(())
}

/// The tables associated with the attachments of `tagged` VPCs and with
/// the peerings, that the plan did not read.
async fn read_other_tables(
    ec2: &dyn Ec2Region,
    config: &Config,
    state: &RegionState,
    tagged: &BTreeSet<VpcId>,
) -> Result<Vec<crate::observed::RouteTableState>, Error> {
    let peering =
        |k: &AttachmentKind| matches!(k, AttachmentKind::Peering | AttachmentKind::TgwPeering);
    let ids: BTreeSet<&RouteTableId> = state
        .attachments
        .iter()
        .filter(|a| peering(&a.kind) || a.vpc().is_some_and(|v| tagged.contains(&v)))
        .filter_map(|a| a.association.as_ref())
        .filter(|a| a.state.is_live())
        .map(|a| &a.route_table_id)
        .filter(|id| state.table(id).is_none())
        .collect();
    let reads = ids.into_iter().map(|id| async move {
        let routes = ec2.routes(id).await;
        read_table(ec2, config, state, id.clone(), routes).await
    });
    futures::future::try_join_all(reads).await
}

/// Brings a read made before a reconcile's writes up to date for path
/// verification, at the cost of what changed, and reads what verification
/// needs ([`read_verify`]). In each Region with a change (`changed`: the
/// route tables written in, by Region): the routes of each transit gateway
/// table written (one `SearchTransitGatewayRoutes` each, and its pages);
/// with `MANAGE_VPC_ROUTES`, every VPC's route tables again; in
/// `ROUTE_MODE=prefix-list`, the ledger lists and the changed tables'
/// references again (their entries are routes). Peering states and
/// associations are not read again: a reconcile that changed them is not
/// verified (see `handler::paths`).
///
/// # Errors
/// The first read that fails.
pub(crate) async fn refresh_for_verify(
    clients: &dyn Ec2Clients,
    config: &Config,
    observed: &mut crate::observed::Observed,
    changed: &BTreeSet<(crate::domain::Region, String)>,
) -> Result<(), Error> {
    for (region, state) in &mut observed.regions {
        let ec2 = clients.ec2(region)?;
        let ours: Vec<&str> =
            changed.iter().filter(|(r, _)| r == region).map(|(_, t)| t.as_str()).collect();
        let listed = config.route_mode == crate::config::RouteMode::PrefixList;
        if listed && !ours.is_empty() {
            state.ledger = ec2.ledger().await?.lists;
        }
        for id in ours.iter().filter_map(|t| RouteTableId::parse(t).ok()) {
            let routes = ec2.routes(&id).await?;
            let references =
                if listed { Some(ec2.prefix_list_references(&id).await?) } else { None };
            let tables = state.route_table.iter_mut().chain(state.segment_tables.iter_mut());
            for t in tables.filter(|t| t.id == id) {
                t.routes.clone_from(&routes);
                if let Some(r) = &references {
                    t.references.clone_from(r);
                }
            }
        }
        if config.manage_vpc_routes && !ours.is_empty() {
            state.vpc_route_tables = Some(ec2.vpc_route_tables().await?);
        }
        state.verify = None;
        read_verify(clients, ec2.as_ref(), config, state).await?;
    }
    Ok(())
}
