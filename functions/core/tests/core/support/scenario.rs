//! The one builder of the in-memory tests' worlds: Regions, each with one
//! available transit gateway `tgw-<n>` and its default route table
//! `tgw-rtb-<n>` (n: the Region's position), owned by [`ACCOUNT`]; then
//! VPCs, peerings, associations, static routes and VPC route tables.
//!
//! A scenario is planned as is ([`Scenario::plan`], for the planner's
//! tests) or turned into a stateful EC2 ([`Scenario::world`], for the
//! handler's). Every method takes the Region first, then the resource's
//! id, then its settings.

use std::collections::BTreeMap;

use tgw_peering_core::config::Config;
use tgw_peering_core::domain::{
    AccountId, Association, AttachmentId, AttachmentKind, Cidr, CidrState, EntryOwner, Family,
    GatewayRef, LedgerList, ListDeployment, ListReference, PeeringAttachment, PeeringState,
    PrefixListId, RouteKind, RouteTableId, RouteTarget, TgwAttachment, TgwRoute, TgwRouteTable,
    TgwState, TransitGateway, TransitGatewayId, Vpc, VpcId, VpcListRoute, VpcRoute, VpcRouteTable,
    VpcRouteTableId, VpcRouteTarget, DEPLOYMENT_TAG, MANAGED_TAG_KEY,
};
use tgw_peering_core::observed::{Observed, RegionState, RouteTableState};
use tgw_peering_core::{plan, Plan};

use super::{cidr, region, ACCOUNT, TAG};

/// A world to plan, or to run handlers against.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub observed: Observed,
    pub config: Config,
    /// Ledger lists without a record of their peering get one when the
    /// world is planned or built (see [`Scenario::recorded`]).
    pub peering_records: bool,
}

impl Scenario {
    /// The Regions, in `PEERING_REGIONS` order, with a gateway each and
    /// nothing else.
    pub fn new(regions: &[&str]) -> Scenario {
        let list = regions.join(",");
        let config = Config::from_lookup(|k| (k == "PEERING_REGIONS").then(|| list.clone()))
            .expect("a valid PEERING_REGIONS");
        let mut observed = Observed::default();
        for (n, r) in regions.iter().enumerate() {
            let state = observed.regions.entry(region(r)).or_default();
            state.account = Some(AccountId::parse(ACCOUNT).unwrap());
            let table = RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap();
            state.transit_gateways.push(TransitGateway {
                id: TransitGatewayId::parse(&format!("tgw-{n}")).unwrap(),
                owner_id: Some(AccountId::parse(ACCOUNT).unwrap()),
                state: TgwState::Available,
                default_association_route_table: Some(table.clone()),
                tags: BTreeMap::new(),
            });
            state.route_table = Some(RouteTableState::empty(table));
        }
        Scenario { observed, config, peering_records: true }
    }

    fn index(&self, r: &str) -> usize {
        self.config.regions.iter().position(|x| x.as_str() == r).unwrap()
    }

    /// The gateway of a Region, as a peering names it.
    pub fn gw(&self, r: &str) -> GatewayRef {
        let tgw = &self.observed.regions[&region(r)].transit_gateways[0];
        GatewayRef {
            region: region(r),
            transit_gateway_id: tgw.id.clone(),
            account_id: tgw.owner_id.clone(),
        }
    }

    pub fn tgw(&self, r: &str) -> TransitGatewayId {
        TransitGatewayId::parse(&format!("tgw-{}", self.index(r))).unwrap()
    }

    pub fn rtb(&self, r: &str) -> RouteTableId {
        RouteTableId::parse(&format!("tgw-rtb-{}", self.index(r))).unwrap()
    }

    /// What was read in a Region, to change by hand.
    pub fn region_mut(&mut self, r: &str) -> &mut RegionState {
        self.observed.regions.get_mut(&region(r)).unwrap()
    }

    pub fn table(&mut self, r: &str) -> &mut RouteTableState {
        self.region_mut(r).route_table.as_mut().unwrap()
    }

    /// Adds a VPC attached to the Region's gateway (its attachment
    /// `tgw-attach-v…` available, associated and propagating into the
    /// table, as with a gateway's default settings); `tag` is the value of
    /// `addToTransitGateway`, if any. CIDRs are associated unless suffixed
    /// with `!` (disassociated) or `~` (associating).
    pub fn vpc(mut self, r: &str, id: &str, tag: Option<&str>, cidrs: &[&str]) -> Self {
        put_vpc(self.region_mut(r), vpc_of(id, tag, cidrs), Some("available"));
        self
    }

    /// [`Scenario::vpc`] for a VPC of workload account `account`, attached
    /// to the Region's gateway (shared with it through AWS RAM): its
    /// attachment's owner and the VPC's are `account`.
    pub fn workload_vpc(
        mut self,
        r: &str,
        account: &str,
        id: &str,
        tag: Option<&str>,
        cidrs: &[&str],
    ) -> Self {
        let state = self.region_mut(r);
        put_vpc(state, vpc_of(id, tag, cidrs), Some("available"));
        owned_by(state, &VpcId::parse(id).unwrap(), account);
        self
    }

    /// Workload account `account`'s VPCs of the Region could not be read
    /// (its role cannot be assumed): they are gone from the read, the
    /// account is in `unreadable`; their attachments stay.
    pub fn unreadable(mut self, r: &str, account: &str) -> Self {
        let account = AccountId::parse(account).unwrap();
        let state = self.region_mut(r);
        state.vpcs.retain(|v| v.owner.as_ref() != Some(&account));
        state.unreadable.insert(account, "AssumeRole: AccessDenied".to_owned());
        self
    }

    /// [`Scenario::vpc`] with no attachment to the gateway.
    pub fn vpc_unattached(mut self, r: &str, id: &str, tag: Option<&str>, cidrs: &[&str]) -> Self {
        put_vpc(self.region_mut(r), vpc_of(id, tag, cidrs), None);
        self
    }

    /// Sets the state of a VPC's attachment (`pending`, `available`…).
    pub fn attachment_state(mut self, r: &str, vpc: &str, state: &str) -> Self {
        let id = vpc_attachment(&VpcId::parse(vpc).unwrap());
        for a in self.region_mut(r).attachments.iter_mut().filter(|a| a.id == id) {
            a.state = state.into();
        }
        self
    }

    /// Adds `cidrs` to the Region's ledger list of `peer` (its part 0 of the
    /// CIDRs' family, made if missing), written under `TAG_KEY` `tag_key` by
    /// the deployment of the Region's gateway `tgw-<n>`.
    pub fn ledger_with(self, r: &str, peer: &str, tag_key: &str, cidrs: &[&str]) -> Self {
        let deployment = ListDeployment::Gateway(self.tgw(r));
        self.ledger_of(r, peer, tag_key, deployment, cidrs)
    }

    /// [`Scenario::ledger_with`] for a list recorded as `deployment`'s
    /// (`Unrecorded`: written before deployments were recorded).
    pub fn ledger_of(
        mut self,
        r: &str,
        peer: &str,
        tag_key: &str,
        deployment: ListDeployment,
        cidrs: &[&str],
    ) -> Self {
        let state = self.region_mut(r);
        for c in cidrs {
            let c = cidr(c);
            let family = Family::of(&c);
            let name = LedgerList::name_for(&region(peer), family, 0);
            let n = state.ledger.len();
            let list = match state
                .ledger
                .iter()
                .position(|l| l.name == name && l.deployment == deployment)
            {
                Some(i) => &mut state.ledger[i],
                None => {
                    state.ledger.push(LedgerList {
                        id: PrefixListId::parse(&format!("pl-{}{n}", r.replace('-', ""))).unwrap(),
                        name,
                        peer: region(peer),
                        family,
                        tag_key: tag_key.to_owned(),
                        version: 1,
                        max_entries: 0,
                        state: "create-complete".into(),
                        entries: BTreeMap::new(),
                        deployment: deployment.clone(),
                        peering: None,
                        isolated: Default::default(),
                        left: Default::default(),
                        tag_count: 4,
                        state_message: None,
                        resize: None,
                        segment: None,
                    });
                    state.ledger.last_mut().unwrap()
                }
            };
            list.entries.insert(c, format!("recorded {c}"));
            list.max_entries = list.max_entries.max(list.entries.len());
        }
        self
    }

    /// [`Scenario::ledger_with`] under the default `TAG_KEY`.
    pub fn ledger(self, r: &str, peer: &str, cidrs: &[&str]) -> Self {
        self.ledger_with(r, peer, TAG, cidrs)
    }

    /// Adds a peering seen in both Regions in `state`, created by the tool.
    pub fn peering(
        self,
        id: &str,
        requester: &str,
        accepter: &str,
        state: &str,
        created: i64,
    ) -> Self {
        let views = [(requester, state), (accepter, state)];
        self.peering_with(id, requester, accepter, &views, created, true)
    }

    /// Adds a peering as each Region of `views` sees it (a Region not in
    /// `views` does not list it); `managed`: created by the tool.
    pub fn peering_with(
        mut self,
        id: &str,
        requester: &str,
        accepter: &str,
        views: &[(&str, &str)],
        created: i64,
        managed: bool,
    ) -> Self {
        let tags: BTreeMap<String, String> =
            managed.then(|| (MANAGED_TAG_KEY.to_owned(), "true".to_owned())).into_iter().collect();
        for (view, state) in views {
            let p = PeeringAttachment {
                id: AttachmentId::parse(id).unwrap(),
                requester: self.gw(requester),
                accepter: self.gw(accepter),
                states: [(region(view), PeeringState::parse(state))].into_iter().collect(),
                created_at: Some(created),
                tags: tags.clone(),
            };
            self.region_mut(view).peerings.push(p);
        }
        self
    }

    /// The attachment is associated with the Region's route table.
    pub fn associated(mut self, r: &str, id: &str) -> Self {
        self.table(r).associations.insert(AttachmentId::parse(id).unwrap());
        self
    }

    /// Adds a static route; `target` is an attachment ID, `blackhole`, or
    /// None for a route whose target the API did not report.
    pub fn route(mut self, r: &str, c: &str, target: Option<&str>) -> Self {
        let target = match target {
            Some("blackhole") => RouteTarget::Blackhole,
            Some(id) => RouteTarget::Attachment(AttachmentId::parse(id).unwrap()),
            None => RouteTarget::Unknown,
        };
        let c = cidr(c);
        let routes = &mut self.table(r).routes;
        routes.retain(|x| !(x.cidr == c && x.is_static()));
        routes.push(TgwRoute::static_to(c, target));
        self
    }

    /// Adds an attachment the tool does not manage (`kind`: vpn,
    /// direct-connect-gateway, connect, vpc…) and a route toward it,
    /// propagated or static.
    pub fn foreign_route(
        mut self,
        r: &str,
        c: &str,
        attachment: &str,
        kind: &str,
        propagated: bool,
    ) -> Self {
        self.add_foreign_route(r, c, attachment, kind, propagated);
        self
    }

    /// [`Scenario::foreign_route`], in place.
    pub fn add_foreign_route(
        &mut self,
        r: &str,
        c: &str,
        attachment: &str,
        kind: &str,
        propagated: bool,
    ) {
        let id = AttachmentId::parse(attachment).unwrap();
        let state = self.region_mut(r);
        if !state.attachments.iter().any(|a| a.id == id) {
            state.attachments.push(TgwAttachment {
                id: id.clone(),
                kind: AttachmentKind::parse(kind),
                resource_id: format!("{kind}-resource"),
                owner: None,
                state: "available".into(),
                association: None,
                ipv6_support: None,
            });
        }
        let mut route = TgwRoute::static_to(cidr(c), RouteTarget::Attachment(id));
        if propagated {
            route.kind = RouteKind::Propagated;
        }
        self.table(r).routes.push(route);
    }

    /// VPC `vpc`'s attachment has `Ipv6Support` disabled: its IPv6 blocks
    /// do not propagate.
    pub fn without_ipv6_support(mut self, r: &str, vpc: &str) -> Self {
        no_ipv6_support(self.region_mut(r), &VpcId::parse(vpc).unwrap());
        self
    }

    /// `MANAGE_VPC_ROUTES=true`, with every Region's VPC route tables read
    /// (none yet).
    pub fn manage_vpc_routes(mut self) -> Self {
        self.config.manage_vpc_routes = true;
        for state in self.observed.regions.values_mut() {
            state.vpc_route_tables.get_or_insert_with(Vec::new);
        }
        self
    }

    /// Adds a route table of `vpc` serving subnets, with routes written
    /// `cidr>target@origin` (see [`vpc_route`]).
    pub fn vpc_table(self, r: &str, vpc: &str, id: &str, routes: &[&str]) -> Self {
        self.vpc_table_with(r, vpc, id, true, routes)
    }

    /// [`Scenario::vpc_table`], serving subnets or not.
    pub fn vpc_table_with(
        mut self,
        r: &str,
        vpc: &str,
        id: &str,
        serves_subnets: bool,
        routes: &[&str],
    ) -> Self {
        let tgw = self.tgw(r);
        let table = VpcRouteTable {
            id: VpcRouteTableId::parse(id).unwrap(),
            vpc_id: VpcId::parse(vpc).unwrap(),
            serves_subnets,
            routes: routes.iter().map(|s| vpc_route(&tgw, s)).collect(),
            list_routes: Vec::new(),
        };
        self.region_mut(r).vpc_route_tables.get_or_insert_with(Vec::new).push(table);
        self
    }

    /// The owner account of Region `r`'s transit gateway.
    pub fn owned_by(mut self, r: &str, account: &str) -> Self {
        let account = AccountId::parse(account).unwrap();
        let state = self.region_mut(r);
        state.account = Some(account.clone());
        for g in &mut state.transit_gateways {
            g.owner_id = Some(account.clone());
        }
        self
    }

    /// Changes the configuration.
    /// `ROUTE_MODE=prefix-list`.
    pub fn prefix_list_mode(self) -> Self {
        self.configure(|c| c.route_mode = tgw_peering_core::RouteMode::PrefixList)
    }

    /// References the Region's (IPv4, part 0) ledger list of `peer` in its
    /// managed table toward `target` (an attachment, or `blackhole`),
    /// `available`.
    pub fn referenced(mut self, r: &str, peer: &str, target: &str) -> Self {
        let name = LedgerList::name_for(&region(peer), Family::Ipv4, 0);
        let list = self.region_mut(r).ledger.iter().find(|l| l.name == name).unwrap().id.clone();
        let target = match target {
            "blackhole" => RouteTarget::Blackhole,
            id => RouteTarget::Attachment(AttachmentId::parse(id).unwrap()),
        };
        let references = &mut self.table(r).references;
        references.retain(|x| x.prefix_list_id != list);
        references.push(ListReference {
            prefix_list_id: list,
            target,
            state: "available".into(),
            former_target: None,
        });
        self
    }

    /// Sets the description of the entry of `c` in the Region's ledger
    /// lists to the fixed form naming `account` and `vpc` (as the tool
    /// writes it).
    pub fn entry_owner(mut self, r: &str, c: &str, account: &str, vpc: &str) -> Self {
        let owner = EntryOwner {
            account: AccountId::parse(account).unwrap(),
            vpc: VpcId::parse(vpc).unwrap(),
        };
        let c = cidr(c);
        for l in self.region_mut(r).ledger.iter_mut() {
            if let Some(d) = l.entries.get_mut(&c) {
                *d = EntryOwner::describe([&owner]);
            }
        }
        self
    }

    /// Adds another transit gateway of the Region's account, `id`, with its
    /// default association table `<id>-rtb` (made up), tagged
    /// `tgw-peering:deployment` = `deployment` if given.
    pub fn second_gateway(mut self, r: &str, id: &str, deployment: Option<&str>) -> Self {
        let tags =
            deployment.map(|d| (DEPLOYMENT_TAG.to_owned(), d.to_owned())).into_iter().collect();
        let number = id.trim_start_matches("tgw-");
        self.region_mut(r).transit_gateways.push(TransitGateway {
            id: TransitGatewayId::parse(id).unwrap(),
            owner_id: Some(AccountId::parse(ACCOUNT).unwrap()),
            state: TgwState::Available,
            default_association_route_table: Some(
                RouteTableId::parse(&format!("tgw-rtb-{number}9")).unwrap(),
            ),
            tags,
        });
        self
    }

    /// Tags the Region's managed gateway `tgw-peering:deployment` =
    /// `deployment`.
    pub fn deployment_tag(mut self, r: &str, deployment: &str) -> Self {
        let tgw = &mut self.region_mut(r).transit_gateways[0];
        tgw.tags.insert(DEPLOYMENT_TAG.to_owned(), deployment.to_owned());
        self
    }

    /// Adds peering `id` in `state`, seen from both Regions, between the
    /// managed gateway of `r` and gateway `other` of `peer` (a second
    /// gateway there), not created by the tool.
    pub fn foreign_peering(
        mut self,
        id: &str,
        r: &str,
        peer: &str,
        other: &str,
        state: &str,
    ) -> Self {
        let accepter = GatewayRef {
            region: region(peer),
            transit_gateway_id: TransitGatewayId::parse(other).unwrap(),
            account_id: Some(AccountId::parse(ACCOUNT).unwrap()),
        };
        for view in [r, peer] {
            let p = PeeringAttachment {
                id: AttachmentId::parse(id).unwrap(),
                requester: self.gw(r),
                accepter: accepter.clone(),
                states: [(region(view), PeeringState::parse(state))].into_iter().collect(),
                created_at: Some(200),
                tags: BTreeMap::new(),
            };
            self.region_mut(view).peerings.push(p);
        }
        self
    }

    /// The Region's managed gateway is in `state` (`modifying`, `pending`…).
    pub fn gateway_state(mut self, r: &str, state: &str) -> Self {
        self.region_mut(r).transit_gateways[0].state = TgwState::parse(state);
        self
    }

    /// Another route table `id` of the Region's gateway, in `state`, beside
    /// the managed one (listed `available` unless `table_state` says
    /// otherwise).
    pub fn other_table(mut self, r: &str, id: &str, state: &str) -> Self {
        let (rtb, tgw) = (self.rtb(r), self.tgw(r));
        let managed = TgwRouteTable {
            id: rtb,
            transit_gateway_id: tgw.clone(),
            state: TgwState::Available,
            tags: BTreeMap::new(),
        };
        let tables = self.region_mut(r).route_tables.get_or_insert_with(|| vec![managed]);
        let id = RouteTableId::parse(id).unwrap();
        tables.push(TgwRouteTable {
            id,
            transit_gateway_id: tgw,
            state: TgwState::parse(state),
            tags: BTreeMap::new(),
        });
        self
    }

    /// The Region's managed route table, as its gateway's route tables list
    /// it, is in `state`.
    pub fn table_state(mut self, r: &str, state: &str) -> Self {
        let (id, tgw) = (self.rtb(r), self.tgw(r));
        let table = TgwRouteTable {
            id,
            transit_gateway_id: tgw,
            state: TgwState::parse(state),
            tags: BTreeMap::new(),
        };
        self.region_mut(r).route_tables = Some(vec![table]);
        self
    }

    /// The static route of `c`, a blackhole, still names `attachment` (as
    /// AWS may report a route whose attachment was deleted).
    pub fn former_target(mut self, r: &str, c: &str, attachment: &str) -> Self {
        let c = cidr(c);
        for route in self.table(r).routes.iter_mut().filter(|x| x.cidr == c && x.is_static()) {
            route.former_target = Some(AttachmentId::parse(attachment).unwrap());
        }
        self
    }

    /// Records on the Region's ledger lists of `peer` that their routes go
    /// over `peering` (tag `tgw-peering:peering`).
    pub fn recorded_peering(mut self, r: &str, peer: &str, peering: &str) -> Self {
        let peer = region(peer);
        for l in self.region_mut(r).ledger.iter_mut().filter(|l| l.peer == peer) {
            l.peering = Some(AttachmentId::parse(peering).unwrap());
        }
        self
    }

    /// A route of VPC route table `table` toward the Region's transit
    /// gateway for the Region's (IPv4, part 0) ledger list of `peer`.
    pub fn vpc_list_route(mut self, r: &str, table: &str, peer: &str) -> Self {
        let name = LedgerList::name_for(&region(peer), Family::Ipv4, 0);
        let tgw = self.tgw(r);
        let state = self.region_mut(r);
        let list = state.ledger.iter().find(|l| l.name == name).unwrap().id.clone();
        let tables = state.vpc_route_tables.as_mut().unwrap();
        let t = tables.iter_mut().find(|t| t.id.as_str() == table).unwrap();
        t.list_routes.push(VpcListRoute {
            prefix_list_id: list,
            target: VpcRouteTarget::TransitGateway(tgw),
            origin: "CreateRoute".into(),
            state: "active".into(),
        });
        self
    }

    /// Removes the static route of `c` from the Region's table.
    pub fn no_route(mut self, r: &str, c: &str) -> Self {
        let c = cidr(c);
        self.table(r).routes.retain(|x| !(x.cidr == c && x.is_static()));
        self
    }

    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// The world as the tool's current version leaves it: each of its ledger
    /// lists without a peering record records the oldest peering of its
    /// pair (the one its routes were written over), unless the test asked
    /// for none ([`Scenario::without_peering_records`]).
    pub fn recorded(&self) -> Observed {
        let mut observed = self.observed.clone();
        if !self.peering_records {
            return observed;
        }
        let peerings = observed.peerings();
        for (r, state) in observed.regions.iter_mut() {
            let Some(own) = state.transit_gateways.first().map(|g| g.id.clone()) else {
                continue;
            };
            for list in state.ledger.iter_mut().filter(|l| l.peering.is_none()) {
                let Some(peer) = self.observed.regions.get(&list.peer) else { continue };
                let Some(theirs) = peer.transit_gateways.first() else { continue };
                list.peering = peerings
                    .iter()
                    .filter(|p| p.links(&own, &theirs.id) && r != &list.peer)
                    .min_by_key(|p| (p.created_at, p.id.clone()))
                    .map(|p| p.id.clone());
            }
        }
        observed
    }

    /// The ledger lists record no peering (as lists written before the
    /// record existed).
    pub fn without_peering_records(mut self) -> Self {
        self.peering_records = false;
        self
    }

    /// The plan of this world.
    pub fn plan(&self) -> Plan {
        plan(&self.recorded(), &self.config).unwrap()
    }
}

/// The attachment id a scenario gives a VPC's attachment.
pub fn vpc_attachment(vpc: &VpcId) -> AttachmentId {
    AttachmentId::parse(&format!("tgw-attach-v{}", &vpc.as_str()[4..])).unwrap()
}

/// VPC `id`'s attachment has `Ipv6Support` disabled (AWS's default): "IPv6
/// routes do not propagate" (`TransitGatewayVpcAttachmentOptions`).
pub fn no_ipv6_support(state: &mut RegionState, id: &VpcId) {
    let attachment = vpc_attachment(id);
    for a in state.attachments.iter_mut().filter(|a| a.id == attachment) {
        a.ipv6_support = Some(false);
    }
    let table = state.route_table.as_mut().unwrap();
    table.routes.retain(|route| {
        route.is_static()
            || !route.cidr.is_ipv6()
            || route.target != RouteTarget::Attachment(attachment.clone())
    });
}

/// Puts a VPC into a Region, replacing one of the same id, with an
/// attachment in `attached` state (none when `None`); an available one is
/// associated with the table and propagates the VPC's associated CIDRs
/// (unless another attachment propagates the same CIDR, as AWS does).
pub fn put_vpc(state: &mut RegionState, vpc: Vpc, attached: Option<&str>) {
    let id = vpc_attachment(&vpc.id);
    state.vpcs.retain(|v| v.id != vpc.id);
    state.attachments.retain(|a| a.id != id);
    let table = state.route_table.as_mut().unwrap();
    table.routes.retain(|r| r.target != RouteTarget::Attachment(id.clone()) || r.is_static());
    if let Some(attached) = attached {
        state.attachments.push(TgwAttachment {
            id: id.clone(),
            kind: AttachmentKind::Vpc,
            resource_id: vpc.id.to_string(),
            owner: Some(AccountId::parse(ACCOUNT).unwrap()),
            state: attached.into(),
            association: Some(Association {
                route_table_id: table.id.clone(),
                state: "associated".into(),
            }),
            // Attached with `Ipv6Support` enabled; see
            // `World::without_ipv6_support`.
            ipv6_support: Some(true),
        });
        if attached == "available" {
            for c in vpc.associated_cidrs() {
                if !table.routes.iter().any(|r| r.cidr == c && r.kind == RouteKind::Propagated) {
                    let mut route = TgwRoute::static_to(c, RouteTarget::Attachment(id.clone()));
                    route.kind = RouteKind::Propagated;
                    table.routes.push(route);
                }
            }
        }
    }
    state.vpcs.push(vpc);
}

/// Makes `account` the owner of VPC `id` and of its attachment.
pub fn owned_by(state: &mut RegionState, id: &VpcId, account: &str) {
    let account = AccountId::parse(account).unwrap();
    let attachment = vpc_attachment(id);
    for v in state.vpcs.iter_mut().filter(|v| &v.id == id) {
        v.owner = Some(account.clone());
    }
    for a in state.attachments.iter_mut().filter(|a| a.id == attachment) {
        a.owner = Some(account.clone());
    }
}

/// A VPC; `tag` is the value of `addToTransitGateway`, if any; CIDRs as
/// [`Scenario::vpc`] takes them.
pub fn vpc_of(id: &str, tag: Option<&str>, cidrs: &[&str]) -> Vpc {
    let tags: BTreeMap<String, String> =
        tag.map(|v| (TAG.to_owned(), v.to_owned())).into_iter().collect();
    let cidrs = cidrs.iter().map(|c| cidr_state(c)).collect();
    Vpc { id: VpcId::parse(id).unwrap(), tags, cidrs, owner: None }
}

/// A CIDR with its state: associated, or `!` disassociated, `~` associating.
fn cidr_state(c: &str) -> (Cidr, CidrState) {
    if let Some(c) = c.strip_suffix('!') {
        (cidr(c), CidrState::Gone)
    } else if let Some(c) = c.strip_suffix('~') {
        (cidr(c), CidrState::Associating)
    } else {
        (cidr(c), CidrState::Associated)
    }
}

/// A VPC route written `cidr>target@origin`: the target `tgw` is the
/// Region's own transit gateway `own`, another `tgw-…` another gateway,
/// anything else is taken as is; the origin defaults to `CreateRoute`.
pub fn vpc_route(own: &TransitGatewayId, spec: &str) -> VpcRoute {
    let (c, rest) = spec.split_once('>').unwrap();
    let (target, origin) = rest.split_once('@').unwrap_or((rest, "CreateRoute"));
    let target = match target {
        "tgw" => VpcRouteTarget::TransitGateway(own.clone()),
        t if t.starts_with("tgw-") => {
            VpcRouteTarget::TransitGateway(TransitGatewayId::parse(t).unwrap())
        }
        t => VpcRouteTarget::Other(t.to_owned()),
    };
    VpcRoute { cidr: cidr(c), target, origin: origin.to_owned(), state: "active".into() }
}
