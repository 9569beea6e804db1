//! The observed state of every managed Region, as read, and the rules that
//! pick each Region's transit gateway and route table from it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::domain::{
    AccountId, AttachmentId, GatewayRef, LedgerList, ListReference, PeeringAttachment, Region,
    RouteTableId, SegmentTables, TgwAttachment, TgwRoute, TgwRouteTable, TgwState, TransitGateway,
    TransitGatewayId, Vpc, VpcRouteTable, DEPLOYMENT_TAG,
};
use crate::error::Error;

/// What was read in every managed Region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub regions: BTreeMap<Region, RegionState>,
    /// When the read began, in seconds since the Unix epoch (0 when not
    /// known): the planner's only clock.
    #[serde(default)]
    pub read_at: i64,
}

/// What was read in one Region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionState {
    /// The account the Region's clients act in (its role's, or the hub's):
    /// only its own transit gateways are candidates.
    #[serde(default)]
    pub account: Option<AccountId>,
    pub transit_gateways: Vec<TransitGateway>,
    /// Every VPC of the Region, tagged or not: an untagged VPC's CIDRs prove
    /// which routes the tool may withdraw.
    pub vpcs: Vec<Vpc>,
    /// The peering attachments as this Region reports them.
    pub peerings: Vec<PeeringAttachment>,
    /// Every attachment of the selected transit gateway (VPCs, peerings,
    /// VPNs…), with its association; empty when no gateway could be selected.
    #[serde(default)]
    pub attachments: Vec<TgwAttachment>,
    /// The route table of the selected transit gateway; `None` when no
    /// gateway could be selected (the planner reports why).
    pub route_table: Option<RouteTableState>,
    /// The tool's ledger lists in this Region (tagged
    /// `tgw-peering:managed=true`), with their entries.
    #[serde(default)]
    pub ledger: Vec<LedgerList>,
    /// The customer-managed prefix lists the Region lists, the tool's
    /// included (see [`crate::domain::LedgerRead`]); `None` when not read.
    #[serde(default)]
    pub customer_lists: Option<usize>,
    /// Every route table of every VPC of the Region (one paginated
    /// `DescribeRouteTables`), read only when `MANAGE_VPC_ROUTES` is on;
    /// `None` when not read.
    #[serde(default)]
    pub vpc_route_tables: Option<Vec<VpcRouteTable>>,
    /// Workload accounts (owners of VPCs attached to the managed gateway,
    /// other than the Region's account) whose VPCs could not be read
    /// through their `WORKLOAD_ROLE_NAME` role, and why. Their attached
    /// VPCs are in no `vpcs`: their routes are neither written nor
    /// withdrawn.
    #[serde(default)]
    pub unreadable: BTreeMap<AccountId, String>,
    /// Workload accounts with VPCs attached to the managed gateway that
    /// are not read (`FROZEN_ACCOUNT_IDS`): their last known routes are
    /// served, neither written nor withdrawn.
    #[serde(default)]
    pub frozen: BTreeSet<AccountId>,
    /// The route tables of the selected transit gateway, with their states
    /// (`DescribeTransitGatewayRouteTables`); `None` when not read (no
    /// gateway could be selected).
    #[serde(default)]
    pub route_tables: Option<Vec<TgwRouteTable>>,
    /// The managed transit gateway and route table, resolved once from
    /// this read by [`resolve_gateway`], or why none could be (the message
    /// of its [`Error::Resolve`]): the planner and the VPC watch take it
    /// from here. `None` for a state the read did not make (built by hand
    /// in a test or a benchmark): the planner resolves that one itself.
    #[serde(default)]
    pub managed: Option<Result<Gateway, String>>,
    /// The other route tables the tool routes in or checks, read as the
    /// managed one: each segment's and the peering table (see
    /// [`SegmentTables`]); empty where no segment is declared.
    #[serde(default)]
    pub segment_tables: Vec<RouteTableState>,
    /// VPCs whose routes are held, and why (set by the planner's segment
    /// rules, never read): a tag value that names no segment of the
    /// Region, an attachment associated with another segment's table. Their
    /// CIDRs' routes stay as they are; nothing new is written.
    #[serde(default)]
    pub held_vpcs: BTreeMap<crate::domain::VpcId, String>,
    /// What only path verification reads; `None` where it does not run.
    #[serde(default)]
    pub verify: Option<VerifyRead>,
}

/// What path verification reads beyond the plan's read (see
/// `crate::verify`), in one Region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRead {
    /// The route tables of the Region's tagged VPCs in its own account
    /// (`DescribeRouteTables` filtered by `vpc-id`, 100 VPCs a request,
    /// every page); `None` where [`RegionState::vpc_route_tables`] already
    /// holds every VPC's.
    #[serde(default)]
    pub vpc_tables: Option<Vec<VpcRouteTable>>,
    /// The route tables of tagged VPCs in workload accounts, read through
    /// their `WORKLOAD_ROLE_NAME` role, or why they could not be.
    #[serde(default)]
    pub workload_tables: BTreeMap<AccountId, Result<Vec<VpcRouteTable>, String>>,
    /// The transit gateway route tables associated with the tagged VPCs'
    /// attachments and with the peerings that the plan's read did not read.
    #[serde(default)]
    pub tables: Vec<RouteTableState>,
}

impl RegionState {
    /// The read of route table `id`: the managed one, or a segment's.
    pub fn table(&self, id: &RouteTableId) -> Option<&RouteTableState> {
        self.route_table.iter().chain(&self.segment_tables).find(|t| &t.id == id)
    }

    /// The read of route table `id`, by the plan or by path verification.
    pub fn any_table(&self, id: &RouteTableId) -> Option<&RouteTableState> {
        self.table(id).or_else(|| self.verify.as_ref()?.tables.iter().find(|t| &t.id == id))
    }
}

impl RegionState {
    /// Records the managed gateway of this read (see [`RegionState::managed`]).
    pub fn resolve(&mut self, region: &Region, config: &Config) {
        self.managed = Some(resolve_gateway(region, self, config).map_err(|e| {
            if let Error::Resolve { message, .. } = e {
                message
            } else {
                e.to_string()
            }
        }));
    }

    /// The managed gateway: as recorded by the read, else resolved now.
    ///
    /// # Errors
    /// [`Error::Resolve`] naming the Region and what to configure.
    pub fn gateway(&self, region: &Region, config: &Config) -> Result<Gateway, Error> {
        match &self.managed {
            Some(Ok(gateway)) => Ok(gateway.clone()),
            Some(Err(message)) => {
                Err(Error::Resolve { region: region.clone(), message: message.clone() })
            }
            None => resolve_gateway(region, self, config),
        }
    }
}

/// One transit gateway route table: every route (every page, static and
/// propagated) and its associations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTableState {
    pub id: RouteTableId,
    pub routes: Vec<TgwRoute>,
    /// Attachments associated (or associating) with this table.
    pub associations: BTreeSet<AttachmentId>,
    /// The table's prefix-list references; read in `ROUTE_MODE=prefix-list`,
    /// and in static mode whenever the Region has a ledger list (a reference
    /// left from prefix-list mode must be seen to be removed).
    #[serde(default)]
    pub references: Vec<ListReference>,
    /// Why the routes were not read whole (a search page that says more
    /// routes are available without a way to get them): the table is not
    /// planned on. `None`: read whole.
    #[serde(default)]
    pub partial: Option<String>,
}

impl RouteTableState {
    /// An empty table.
    pub fn empty(id: RouteTableId) -> Self {
        Self {
            id,
            routes: Vec::new(),
            associations: BTreeSet::new(),
            references: Vec::new(),
            partial: None,
        }
    }
}

/// The transit gateway and route table the tool manages in one Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gateway {
    pub region: Region,
    pub transit_gateway_id: TransitGatewayId,
    pub owner_id: Option<AccountId>,
    pub route_table_id: RouteTableId,
    /// Why the Region waits on AWS (its gateway `pending` or `modifying`,
    /// its route table `pending`); `None` when both are `available`.
    pub transition: Option<String>,
    /// Why its route table was not read whole (see
    /// [`RouteTableState::partial`]): the Region is not planned on.
    pub partial: Option<String>,
    /// The segments' tables and the peering table, from the tables' tags.
    #[serde(default)]
    pub tables: SegmentTables,
    /// In the plan of one segment, the Region has no table of that
    /// segment: its VPCs count for the other Regions' tables, and nothing
    /// is planned in its own.
    #[serde(default)]
    pub no_segment_table: bool,
}

impl Gateway {
    pub fn as_ref(&self) -> GatewayRef {
        GatewayRef {
            region: self.region.clone(),
            transit_gateway_id: self.transit_gateway_id.clone(),
            account_id: self.owner_id.clone(),
        }
    }

    /// Both the gateway and its route table are `available`, and the table
    /// was read whole.
    pub fn is_ready(&self) -> bool {
        self.waits().is_none()
    }

    /// Why the Region is not planned on this time, if it is not: a
    /// transition of AWS's, or a table not read whole.
    pub fn waits(&self) -> Option<&str> {
        self.transition.as_deref().or(self.partial.as_deref())
    }

    /// The table the Region's peerings are associated with: the managed
    /// one; where segments are declared, the peering table, else the
    /// default segment's, else none.
    pub fn peering_table(&self) -> Option<&RouteTableId> {
        if self.tables.declared {
            self.tables.peering_table()
        } else {
            Some(&self.route_table_id)
        }
    }
}

/// The transit gateway the tool manages in `region`, of `gateways` (every
/// gateway the Region lists, in any state).
///
/// The one `TRANSIT_GATEWAY_IDS` names, else the one of the Region's
/// account tagged `tgw-peering:deployment` = `DEPLOYMENT_NAME`, else the
/// only gateway the account has there, in any state. Where the account has
/// several (two deployments, a migration, a gateway being replaced) and
/// none is named, it is an error, never a guess: a gateway that is not
/// `available` (modifying, say) must not let another deployment's gateway
/// be picked. A gateway shared from another account through AWS RAM is
/// listed too, but is no candidate: it cannot be peered or managed.
///
/// # Errors
/// [`Error::Resolve`] naming the Region and what to configure.
pub fn choose_gateway<'a>(
    region: &Region,
    gateways: &'a [TransitGateway],
    account: Option<&AccountId>,
    config: &Config,
) -> Result<&'a TransitGateway, Error> {
    let err = |message: String| Error::Resolve { region: region.clone(), message };
    if let Some(id) = config.transit_gateway_ids.get(region) {
        return gateways.iter().find(|g| &g.id == id).ok_or_else(|| {
            err(format!(
                "transit gateway {id} from TRANSIT_GATEWAY_IDS does not exist in this Region"
            ))
        });
    }
    let name = config.deployment_name.as_str();
    let own: Vec<&TransitGateway> = gateways
        .iter()
        .filter(|g| account.is_none_or(|a| g.owner_id.as_ref().is_none_or(|o| o == a)))
        .collect();
    let tagged: Vec<&TransitGateway> =
        own.iter().copied().filter(|g| g.deployment() == Some(name)).collect();
    // One named and gone is chosen (and refused for its state by
    // `resolve_gateway`); of several, the live ones count.
    let live: Vec<&TransitGateway> =
        tagged.iter().copied().filter(|g| !g.state.is_gone()).collect();
    let named = if live.is_empty() && tagged.len() == 1 { tagged } else { live };
    let listed = |gws: &[&TransitGateway]| {
        gws.iter().map(|g| format!("{} ({})", g.id, g.state)).collect::<Vec<_>>().join(", ")
    };
    match (named.as_slice(), own.as_slice()) {
        ([one], _) => Ok(*one),
        ([_, _, ..], _) => Err(err(format!(
            "{} transit gateways are tagged {DEPLOYMENT_TAG}={name} ({}); tag one only, or set TRANSIT_GATEWAY_IDS={region}=tgw-…",
            named.len(),
            listed(&named)
        ))),
        ([], []) => Err(err(
            "no transit gateway owned by the Region's account; create one or set TRANSIT_GATEWAY_IDS"
                .to_owned(),
        )),
        ([], [one]) => match one.deployment() {
            Some(other) => Err(err(format!(
                "the Region's only transit gateway, {}, is tagged {DEPLOYMENT_TAG}={other}, not {name}: it is another deployment's; set DEPLOYMENT_NAME={other} or TRANSIT_GATEWAY_IDS",
                one.id
            ))),
            None => Ok(*one),
        },
        ([], many) => Err(err(format!(
            "the account has {} transit gateways here ({}); name the managed one with TRANSIT_GATEWAY_IDS={region}=tgw-… or tag it {DEPLOYMENT_TAG}={name}",
            many.len(),
            listed(many)
        ))),
    }
}

/// Picks the Region's transit gateway ([`choose_gateway`]) and route table
/// (`ROUTE_TABLE_IDS`, else the gateway's default association table), and
/// says whether either is in transition: a gateway `pending` or
/// `modifying` (`ModifyTransitGateway`), a route table `pending`, is waited
/// for, not an error.
///
/// # Errors
/// [`Error::Resolve`] naming the Region and what to configure: no gateway
/// or several, a gateway or table `deleting` or `deleted`, no route table,
/// a table that is not one of the gateway's.
pub fn resolve_gateway(
    region: &Region,
    state: &RegionState,
    config: &Config,
) -> Result<Gateway, Error> {
    let err = |message: String| Error::Resolve { region: region.clone(), message };
    let tgw = choose_gateway(region, &state.transit_gateways, state.account.as_ref(), config)?;
    if tgw.state.is_gone() {
        return Err(err(format!(
            "transit gateway {} is {}; create one or name another with TRANSIT_GATEWAY_IDS",
            tgw.id, tgw.state
        )));
    }
    let transition = (tgw.state != TgwState::Available)
        .then(|| format!("transit gateway {} is {}", tgw.id, tgw.state));
    // A gateway with no default association table needs ROUTE_TABLE_IDS,
    // in any state (AWS reports the default table's id from the gateway's
    // creation when DefaultRouteTableAssociation is enabled).
    let named = config.route_table_ids.get(region);
    let default_association = tgw.default_association_route_table.as_ref();
    let tables = state
        .route_tables
        .as_deref()
        .map(|t| SegmentTables::of(t, named, default_association))
        .unwrap_or_default();
    // Where segments are declared, a Region may have no default segment:
    // the managed table is then the peering table (or a segment's), and
    // the plan routes in each segment's table.
    let declared = tables.default_table().or(tables.peering.as_ref());
    let first = tables.segments.values().next();
    let route_table_id = match named.or(if tables.declared { declared.or(first) } else { None }) {
        Some(id) => id.clone(),
        None => default_association.cloned().ok_or_else(|| {
            err(format!(
                "transit gateway {} has no default association route table; set ROUTE_TABLE_IDS",
                tgw.id
            ))
        })?,
    };
    let mut transition = transition;
    // A table not listed yet while the gateway is in transition (a gateway
    // still being created) is waited for with it.
    if let Some(tables) = &state.route_tables {
        match tables.iter().find(|t| t.id == route_table_id) {
            None if transition.is_none() => {
                return Err(err(format!(
                    "route table {route_table_id} is not a route table of {}",
                    tgw.id
                )))
            }
            None => {}
            Some(t) if t.state.is_gone() => {
                return Err(err(format!("route table {route_table_id} is {}", t.state)))
            }
            Some(t) if t.state != TgwState::Available && transition.is_none() => {
                transition = Some(format!("route table {route_table_id} is {}", t.state));
            }
            Some(_) => {}
        }
    }
    let partial = state.route_table.as_ref().and_then(|t| t.partial.clone());
    Ok(Gateway {
        region: region.clone(),
        transit_gateway_id: tgw.id.clone(),
        owner_id: tgw.owner_id.clone(),
        route_table_id,
        transition,
        partial,
        tables,
        no_segment_table: false,
    })
}

impl Observed {
    /// Every peering attachment, one entry per ID, with the views of all the
    /// Regions that reported it merged (each Region's state kept apart).
    pub fn peerings(&self) -> Vec<PeeringAttachment> {
        let mut merged: BTreeMap<AttachmentId, PeeringAttachment> = BTreeMap::new();
        for state in self.regions.values() {
            for p in &state.peerings {
                match merged.get_mut(&p.id) {
                    None => {
                        merged.insert(p.id.clone(), p.clone());
                    }
                    Some(m) => {
                        for (r, s) in &p.states {
                            m.states.insert(r.clone(), s.clone());
                        }
                        for (k, v) in &p.tags {
                            m.tags.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                        m.created_at = match (m.created_at, p.created_at) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                    }
                }
            }
        }
        merged.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgw(id: &str, state: &str, rtb: Option<&str>) -> TransitGateway {
        TransitGateway {
            id: TransitGatewayId::parse(id).unwrap(),
            owner_id: None,
            state: TgwState::parse(state),
            default_association_route_table: rtb.map(|r| RouteTableId::parse(r).unwrap()),
            tags: BTreeMap::new(),
        }
    }

    fn named(mut g: TransitGateway, deployment: &str) -> TransitGateway {
        g.tags.insert(DEPLOYMENT_TAG.to_owned(), deployment.to_owned());
        g
    }

    fn config() -> Config {
        Config::for_regions(vec![
            Region::parse("us-east-1").unwrap(),
            Region::parse("eu-west-1").unwrap(),
        ])
    }

    fn east() -> Region {
        Region::parse("us-east-1").unwrap()
    }

    fn state_of(gws: &[TransitGateway]) -> RegionState {
        RegionState { transit_gateways: gws.to_vec(), ..RegionState::default() }
    }

    fn chosen(gws: &[TransitGateway], config: &Config) -> Result<String, String> {
        choose_gateway(&east(), gws, None, config)
            .map(|g| g.id.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_only_gateway_and_its_default_table_are_chosen() {
        let g = resolve_gateway(
            &east(),
            &state_of(&[tgw("tgw-1", "available", Some("tgw-rtb-1"))]),
            &config(),
        )
        .unwrap();
        assert_eq!(g.transit_gateway_id.as_str(), "tgw-1");
        assert_eq!(g.route_table_id.as_str(), "tgw-rtb-1");
        assert!(g.is_ready());
    }

    #[test]
    fn several_gateways_in_any_state_must_be_named() {
        // Deleted, modifying, available: none is a guess.
        for other in ["available", "modifying", "deleted", "pending"] {
            let gws = [tgw("tgw-1", "available", Some("tgw-rtb-1")), tgw("tgw-2", other, None)];
            let err = chosen(&gws, &config()).unwrap_err();
            assert!(err.contains("TRANSIT_GATEWAY_IDS") && err.contains(DEPLOYMENT_TAG), "{err}");
            assert!(err.contains("tgw-1") && err.contains("tgw-2"), "{err}");
        }
        let gws = [tgw("tgw-1", "available", Some("tgw-rtb-1")), tgw("tgw-2", "available", None)];
        let mut c = config();
        c.transit_gateway_ids.insert(east(), TransitGatewayId::parse("tgw-2").unwrap());
        assert_eq!(chosen(&gws, &c).unwrap(), "tgw-2");
    }

    #[test]
    fn the_gateway_a_read_recorded_is_the_one_used_and_is_not_resolved_again() {
        let mut s = state_of(&[tgw("tgw-1", "available", Some("tgw-rtb-1"))]);
        assert!(s.managed.is_none());
        s.resolve(&east(), &config());
        let recorded = s.gateway(&east(), &config()).unwrap();
        assert_eq!(recorded.transit_gateway_id.as_str(), "tgw-1");
        // A later change of what was read does not change the choice: the
        // record is the read's.
        s.transit_gateways.clear();
        assert_eq!(s.gateway(&east(), &config()).unwrap(), recorded);
        s.managed = Some(Err("no gateway here".to_owned()));
        let err = s.gateway(&east(), &config()).unwrap_err();
        assert!(matches!(err, Error::Resolve { ref message, .. } if message == "no gateway here"));
    }

    #[test]
    fn the_gateway_tagged_with_the_deployment_name_is_chosen_among_several() {
        let gws = [
            named(tgw("tgw-1", "modifying", Some("tgw-rtb-1")), "prod"),
            named(tgw("tgw-2", "available", Some("tgw-rtb-2")), "nonprod"),
        ];
        let mut c = config();
        c.deployment_name = "prod".to_owned();
        // Modifying, but named: never the other deployment's gateway.
        assert_eq!(chosen(&gws, &c).unwrap(), "tgw-1");
        c.deployment_name = "nonprod".to_owned();
        assert_eq!(chosen(&gws, &c).unwrap(), "tgw-2");
        c.deployment_name = "default".to_owned();
        assert!(chosen(&gws, &c).unwrap_err().contains("2 transit gateways"));
        let twice = [
            named(tgw("tgw-1", "available", None), "prod"),
            named(tgw("tgw-2", "available", None), "prod"),
        ];
        c.deployment_name = "prod".to_owned();
        assert!(chosen(&twice, &c).unwrap_err().contains("tag one only"));
    }

    #[test]
    fn the_only_gateway_of_another_deployment_is_not_taken() {
        let gws = [named(tgw("tgw-1", "available", Some("tgw-rtb-1")), "prod")];
        let err = chosen(&gws, &config()).unwrap_err();
        assert!(
            err.contains("another deployment's") && err.contains("DEPLOYMENT_NAME=prod"),
            "{err}"
        );
    }

    #[test]
    fn a_gateway_or_table_in_transition_is_a_wait_and_a_deleted_one_an_error() {
        let mut s = state_of(&[tgw("tgw-1", "modifying", Some("tgw-rtb-1"))]);
        let g = resolve_gateway(&east(), &s, &config()).unwrap();
        assert_eq!(g.transition.as_deref(), Some("transit gateway tgw-1 is modifying"));
        s.transit_gateways[0].state = TgwState::Available;
        let table = |state: &str| TgwRouteTable {
            id: RouteTableId::parse("tgw-rtb-1").unwrap(),
            transit_gateway_id: TransitGatewayId::parse("tgw-1").unwrap(),
            state: TgwState::parse(state),
            tags: BTreeMap::new(),
        };
        s.route_tables = Some(vec![table("pending")]);
        let g = resolve_gateway(&east(), &s, &config()).unwrap();
        assert_eq!(g.transition.as_deref(), Some("route table tgw-rtb-1 is pending"));
        s.route_tables = Some(vec![table("available")]);
        assert!(resolve_gateway(&east(), &s, &config()).unwrap().is_ready());
        s.route_tables = Some(vec![table("deleting")]);
        assert!(resolve_gateway(&east(), &s, &config()).is_err());
        s.route_tables = Some(Vec::new());
        let err = resolve_gateway(&east(), &s, &config()).unwrap_err().to_string();
        assert!(err.contains("not a route table of tgw-1"), "{err}");
        s.route_tables = None;
        s.transit_gateways[0].state = TgwState::Deleted;
        assert!(resolve_gateway(&east(), &s, &config())
            .unwrap_err()
            .to_string()
            .contains("is deleted"));
    }

    #[test]
    fn no_gateway_or_no_route_table_is_a_clear_error() {
        assert!(resolve_gateway(&east(), &state_of(&[]), &config()).is_err());
        let err =
            resolve_gateway(&east(), &state_of(&[tgw("tgw-1", "available", None)]), &config())
                .unwrap_err()
                .to_string();
        assert!(err.contains("ROUTE_TABLE_IDS"), "{err}");
        let mut c = config();
        c.transit_gateway_ids.insert(east(), TransitGatewayId::parse("tgw-9").unwrap());
        let err = chosen(&[tgw("tgw-1", "available", Some("tgw-rtb-1"))], &c).unwrap_err();
        assert!(err.contains("tgw-9"), "{err}");
    }

    #[test]
    fn a_gateway_shared_from_another_account_is_no_candidate() {
        let own = AccountId::parse("123456789012").unwrap();
        let mut mine = tgw("tgw-1", "available", Some("tgw-rtb-1"));
        mine.owner_id = Some(own.clone());
        let mut shared = tgw("tgw-2", "available", Some("tgw-rtb-2"));
        shared.owner_id = Some(AccountId::parse("999999999999").unwrap());
        let both = [mine, shared.clone()];
        let g = choose_gateway(&east(), &both, Some(&own), &config()).unwrap();
        assert_eq!(g.id.as_str(), "tgw-1");
        let err = choose_gateway(&east(), &[shared], Some(&own), &config()).unwrap_err();
        assert!(err.to_string().contains("owned by the Region's account"), "{err}");
    }
}
