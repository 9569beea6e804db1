//! Reading the observed state of every managed Region: one call per
//! resource type per Region (and its pages), all Regions concurrently.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Config, RouteMode};
use crate::domain::{
    AccountId, AttachmentId, LedgerList, Region, RouteTableId, SegmentTables, SegmentTag,
    TgwAttachment, TgwState, TransitGatewayId, Vpc, VpcId,
};
use crate::error::Error;
use crate::observed::{choose_gateway, Observed, RegionState, RouteTableState};
use crate::ports::{workload_vpcs, Ec2Clients, Ec2Region};

/// Reads every managed Region concurrently. Per Region: the account (STS,
/// once per process), transit gateways, VPCs, peering attachments and
/// ledger lists (and VPC route tables when `MANAGE_VPC_ROUTES` is on);
/// then, for the selected gateway, its route tables (and their states),
/// its attachments and its route table's routes and, once the Region has a
/// ledger list (or in `ROUTE_MODE=prefix-list`), its prefix-list
/// references. A no-op reconcile of a Region whose ledger is one list
/// costs 9 EC2 reads, plus one per extra page and per extra list.
///
/// # Errors
/// The first read that fails (an [`Error::Aws`], retryable or not), or
/// [`Error::Decode`] for an answer that does not decode.
pub async fn observe(clients: &dyn Ec2Clients, config: &Config) -> Result<Observed, Error> {
    observe_for(clients, config, false).await
}

/// [`observe`], and where `verify` is true what path verification reads
/// too (see [`crate::observe_verify::read_verify`]).
///
/// # Errors
/// As [`observe`].
pub async fn observe_for(
    clients: &dyn Ec2Clients,
    config: &Config,
    verify: bool,
) -> Result<Observed, Error> {
    let reads = config.regions.iter().map(|region| async move {
        let ec2 = clients.ec2(region)?;
        let mut state = read_region(clients, ec2.as_ref(), config).await?;
        if verify {
            crate::observe_verify::read_verify(clients, ec2.as_ref(), config, &mut state).await?;
        }
        Ok::<_, Error>((region.clone(), state))
    });
    let read_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let regions = futures::future::try_join_all(reads).await?;
    Ok(Observed { regions: regions.into_iter().collect(), read_at })
}

async fn read_region(
    clients: &dyn Ec2Clients,
    ec2: &dyn Ec2Region,
    config: &Config,
) -> Result<RegionState, Error> {
    let vpc_route_tables = async {
        if config.manage_vpc_routes {
            ec2.vpc_route_tables().await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (account, transit_gateways, vpcs, peerings, ledger, vpc_route_tables) = futures::try_join!(
        ec2.account(),
        ec2.transit_gateways(),
        ec2.vpcs(),
        ec2.peering_attachments(),
        ec2.ledger(),
        vpc_route_tables
    )?;
    // DescribeVpcs also lists the VPCs shared into the account (VPC
    // sharing), without their owner's tags: never proof of an untag.
    let vpcs =
        vpcs.into_iter().filter(|v| v.owner.as_ref().is_none_or(|o| o == &account)).collect();
    let mut state = RegionState {
        account: Some(account),
        transit_gateways,
        vpcs,
        peerings,
        attachments: Vec::new(),
        route_table: None,
        ledger: ledger.lists,
        customer_lists: Some(ledger.customer_lists),
        vpc_route_tables,
        unreadable: BTreeMap::new(),
        frozen: BTreeSet::new(),
        route_tables: None,
        managed: None,
        segment_tables: Vec::new(),
        held_vpcs: BTreeMap::new(),
        verify: None,
    };
    // When no gateway can be selected, the planner reports why.
    let Some((tgw, table)) = managed_table(ec2.region(), &state, config) else {
        state.resolve(ec2.region(), config);
        return Ok(state);
    };
    let routes = async {
        match &table {
            Some(t) => Some(ec2.routes(t).await),
            None => None,
        }
    };
    let (route_tables, routes, attachments) =
        futures::join!(ec2.route_tables(&tgw), routes, ec2.attachments(&tgw));
    let (route_tables, attachments) = (route_tables?, attachments?);
    state.route_tables = Some(route_tables);
    state.attachments = attachments;
    if let (Some(table), Some(routes)) = (table, routes) {
        state.route_table = Some(read_table(ec2, config, &state, table, routes).await?);
    }
    state.segment_tables = read_segment_tables(ec2, config, &state, &tgw).await?;
    if config.workload_role_name.is_some() {
        read_workloads(clients, ec2.region(), config, &mut state).await;
    }
    read_ipv6_support(ec2, config, &mut state).await?;
    state.resolve(ec2.region(), config);
    Ok(state)
}

/// A table of the gateway as the plan reads it: its routes (`routes`,
/// the answer of its route search), its associations, and its references
/// where they are read.
pub(crate) async fn read_table(
    ec2: &dyn Ec2Region,
    config: &Config,
    state: &RegionState,
    table: RouteTableId,
    routes: Result<Vec<crate::domain::TgwRoute>, Error>,
) -> Result<RouteTableState, Error> {
    let route_tables = state.route_tables.as_deref().unwrap_or_default();
    let attachments = &state.attachments;
    // A table still `pending` may refuse the search (AWS documents
    // nothing there); its routes are not planned on until it is available.
    let ready = route_tables.iter().any(|t| t.id == table && t.state == TgwState::Available);
    let (routes, partial) = match routes {
        Ok(routes) => (routes, None),
        // Not planned on this time (the reconcile fails retryably).
        Err(Error::PartialRead { message, .. }) => {
            let why = format!("the route search of {table} answered part of it ({message})");
            (Vec::new(), Some(why))
        }
        Err(_) if !ready => (Vec::new(), None),
        Err(e) => return Err(e),
    };
    let associations = associated_with(attachments, &table);
    let references = if ready && reads_references(config, &state.ledger) {
        ec2.prefix_list_references(&table).await?
    } else {
        Vec::new()
    };
    Ok(RouteTableState { id: table, routes, associations, references, partial })
}

/// The `Ipv6Support` of the attachments of tagged VPCs that have an IPv6
/// block (one `DescribeTransitGatewayVpcAttachments` per 100 of them, none
/// when no tagged VPC has IPv6): "IPv6 routes do not propagate" through an
/// attachment without it (API reference, `TransitGatewayVpcAttachmentOptions`).
async fn read_ipv6_support(
    ec2: &dyn Ec2Region,
    config: &Config,
    state: &mut RegionState,
) -> Result<(), Error> {
    let dual_stack: BTreeSet<&VpcId> = state
        .vpcs
        .iter()
        .filter(|v| {
            // Tagged `true` or with a segment name (read the same way
            // whether or not segments are declared: one read at most).
            let tag = v.tags.get(&config.tag_key).map(String::as_str);
            SegmentTag::of(tag) != SegmentTag::NotTagged
                && v.associated_cidrs().any(|c| c.is_ipv6())
        })
        .map(|v| &v.id)
        .collect();
    let ids: Vec<AttachmentId> = state
        .attachments
        .iter()
        .filter(|a| a.vpc().is_some_and(|v| dual_stack.contains(&v)))
        .map(|a| a.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let support = ec2.ipv6_support(&ids).await?;
    for a in &mut state.attachments {
        if let Some(enabled) = support.get(&a.id) {
            a.ipv6_support = Some(*enabled);
        }
    }
    Ok(())
}

/// The Region's managed transit gateway and route table as configured and
/// listed (see [`choose_gateway`]), before their states are read; `None`
/// when none can be selected. A gateway with neither `ROUTE_TABLE_IDS` nor
/// a default association table is read with no managed table: its tables'
/// tags may declare segments ([`read_segment_tables`]).
fn managed_table(
    region: &Region,
    state: &RegionState,
    config: &Config,
) -> Option<(TransitGatewayId, Option<RouteTableId>)> {
    let tgw =
        choose_gateway(region, &state.transit_gateways, state.account.as_ref(), config).ok()?;
    let table = config
        .route_table_ids
        .get(region)
        .or(tgw.default_association_route_table.as_ref())
        .cloned();
    Some((tgw.id.clone(), table))
}

/// The segments' tables and the peering table of `tgw` other than the
/// managed one (already read), from the tables' tags
/// ([`SegmentTables`]): each read as the managed table is (its routes, its
/// associations, and its references where the managed table's are read),
/// concurrently. None where no table is tagged: no extra read.
async fn read_segment_tables(
    ec2: &dyn Ec2Region,
    config: &Config,
    state: &RegionState,
    tgw: &TransitGatewayId,
) -> Result<Vec<RouteTableState>, Error> {
    let Some(listed) = &state.route_tables else {
        return Ok(Vec::new());
    };
    let gateway = state.transit_gateways.iter().find(|g| &g.id == tgw);
    let named = config.route_table_ids.get(ec2.region());
    let default = gateway.and_then(|g| g.default_association_route_table.as_ref());
    let tables = SegmentTables::of(listed, named, default);
    if !tables.declared {
        return Ok(Vec::new());
    }
    let managed = state.route_table.as_ref().map(|t| &t.id);
    let ids: BTreeSet<&RouteTableId> =
        tables.segments.values().chain(&tables.peering).filter(|id| Some(*id) != managed).collect();
    let reads = ids.into_iter().map(|id| async move {
        let routes = ec2.routes(id).await;
        read_table(ec2, config, state, id.clone(), routes).await
    });
    futures::future::try_join_all(reads).await
}

/// Workload accounts read at once, at most: each is one `DescribeVpcs`
/// (and one `AssumeRole` per process), so a large organization neither
/// bursts the Region's EC2 request rate nor opens hundreds of connections.
const WORKLOAD_READS_IN_FLIGHT: usize = 16;

/// Reads the VPCs of every workload account attached to the Region's
/// managed gateway: one `DescribeVpcs` per account (and page), at most
/// [`WORKLOAD_READS_IN_FLIGHT`] at a time, through its `WORKLOAD_ROLE_NAME`
/// role. Only the attached VPCs are kept (the candidates). An account that
/// cannot be read (its role cannot be assumed, or the read fails), or whose
/// read does not list a VPC it has attached (nothing proves that VPC gone:
/// an attachment outlives no VPC), is recorded in
/// [`RegionState::unreadable`] and the others go on.
async fn read_workloads(
    clients: &dyn Ec2Clients,
    region: &Region,
    config: &Config,
    state: &mut RegionState,
) {
    use futures::StreamExt;
    let accounts = workload_accounts(state, config);
    let reads: Vec<_> = accounts
        .iter()
        .map(|(account, attached)| read_workload(clients, region, account, attached))
        .collect();
    let reads: Vec<_> =
        futures::stream::iter(reads).buffer_unordered(WORKLOAD_READS_IN_FLIGHT).collect().await;
    state.frozen = frozen_accounts(state, config);
    for (account, attached, read) in reads {
        let vpcs = match read {
            Ok(vpcs) => vpcs,
            Err(e) => {
                state.unreadable.insert(account.clone(), e.to_string());
                continue;
            }
        };
        let kept: Vec<Vpc> = vpcs
            .into_iter()
            .filter(|v| attached.contains(&v.id))
            .map(|v| Vpc { owner: Some(account.clone()), ..v })
            .collect();
        if let Some(missing) = attached.iter().find(|id| !kept.iter().any(|v| &v.id == *id)) {
            let why = format!("its DescribeVpcs does not list {missing}, which it has attached");
            state.unreadable.insert(account.clone(), why);
            continue;
        }
        state.vpcs.extend(kept);
    }
}

/// One workload account's VPCs, with the account and its attached VPCs.
async fn read_workload<'a>(
    clients: &dyn Ec2Clients,
    region: &Region,
    account: &'a AccountId,
    attached: &'a BTreeSet<VpcId>,
) -> (&'a AccountId, &'a BTreeSet<VpcId>, Result<Vec<Vpc>, Error>) {
    (account, attached, workload_vpcs(clients, region, account).await)
}

/// The owners of the gateway's VPC attachments other than the Region's
/// account and those of `EXCLUDED_ACCOUNT_IDS`, with the VPCs they attached
/// (attachments `deleting`, `deleted`, `failed` or `rejected` left out:
/// those VPCs left the gateway, and an account with no other attachment is
/// not read at all). The accounts of `FROZEN_ACCOUNT_IDS` are not read.
fn workload_accounts(state: &RegionState, config: &Config) -> BTreeMap<AccountId, BTreeSet<VpcId>> {
    let mut accounts = attached_workloads(state, config);
    accounts.retain(|a, _| !config.is_frozen(a));
    accounts
}

/// The accounts of `FROZEN_ACCOUNT_IDS` with a live VPC attachment to the
/// gateway: their routes are served as they are.
fn frozen_accounts(state: &RegionState, config: &Config) -> BTreeSet<AccountId> {
    attached_workloads(state, config).into_keys().filter(|a| config.is_frozen(a)).collect()
}

/// Every served workload account with a live VPC attachment to the
/// gateway, with the VPCs it attached.
fn attached_workloads(
    state: &RegionState,
    config: &Config,
) -> BTreeMap<AccountId, BTreeSet<VpcId>> {
    let mut accounts: BTreeMap<AccountId, BTreeSet<VpcId>> = BTreeMap::new();
    for a in state.attachments.iter().filter(|a| !crate::planner::is_terminal(a)) {
        if let (Some(vpc), Some(owner)) = (a.vpc(), &a.owner) {
            if state.account.as_ref() != Some(owner) && config.serves_workload(owner) {
                accounts.entry(owner.clone()).or_default().insert(vpc);
            }
        }
    }
    accounts
}

/// The table's references are read in `ROUTE_MODE=prefix-list`, and in
/// static mode whenever the Region has a ledger list (a reference of the
/// tool's can only point at one): a reference left from prefix-list mode
/// must be seen to be removed, and its routes may all be hidden behind the
/// static routes of the same CIDRs (see `planner::listed`), so the routes
/// read cannot tell whether one is there.
fn reads_references(config: &Config, ledger: &[LedgerList]) -> bool {
    config.route_mode == RouteMode::PrefixList || !ledger.is_empty()
}

/// The attachments associated (or associating) with `table`.
fn associated_with(
    attachments: &[TgwAttachment],
    table: &crate::domain::RouteTableId,
) -> BTreeSet<crate::domain::AttachmentId> {
    attachments
        .iter()
        .filter(|a| {
            a.association.as_ref().is_some_and(|s| &s.route_table_id == table && s.state.is_live())
        })
        .map(|a| a.id.clone())
        .collect()
}
