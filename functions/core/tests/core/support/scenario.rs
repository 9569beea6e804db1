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
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState,
    RouteTableId, RouteTarget, StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcId, VpcRoute,
    VpcRouteTable, VpcRouteTableId, VpcRouteTarget, MANAGED_TAG_KEY,
};
use tgw_peering_core::observed::{Observed, RegionState, RouteTableState};
use tgw_peering_core::{plan, Plan};

use super::{cidr, region, ACCOUNT, TAG};

/// A world to plan, or to run handlers against.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub observed: Observed,
    pub config: Config,
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
            let table = RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap();
            state.transit_gateways.push(TransitGateway {
                id: TransitGatewayId::parse(&format!("tgw-{n}")).unwrap(),
                owner_id: Some(AccountId::parse(ACCOUNT).unwrap()),
                state: "available".into(),
                default_association_route_table: Some(table.clone()),
            });
            state.route_table = Some(RouteTableState {
                id: table,
                static_routes: vec![],
                associations: Default::default(),
                truncated: false,
            });
        }
        Scenario { observed, config }
    }

    fn index(&self, r: &str) -> usize {
        self.config
            .regions
            .iter()
            .position(|x| x.as_str() == r)
            .unwrap()
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

    /// Adds a VPC; `tag` is the value of `addToTransitGateway`, if any.
    /// CIDRs are associated unless suffixed with `!` (disassociated) or `~`
    /// (associating).
    pub fn vpc(mut self, r: &str, id: &str, tag: Option<&str>, cidrs: &[&str]) -> Self {
        let vpc = vpc_of(id, tag, cidrs);
        let vpcs = &mut self.region_mut(r).vpcs;
        vpcs.retain(|v| v.id != vpc.id);
        vpcs.push(vpc);
        self
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
        let tags: BTreeMap<String, String> = managed
            .then(|| (MANAGED_TAG_KEY.to_owned(), "true".to_owned()))
            .into_iter()
            .collect();
        for (view, state) in views {
            let p = PeeringAttachment {
                id: AttachmentId::parse(id).unwrap(),
                requester: self.gw(requester),
                accepter: self.gw(accepter),
                states: [(region(view), PeeringState::parse(state))]
                    .into_iter()
                    .collect(),
                created_at: Some(created),
                tags: tags.clone(),
            };
            self.region_mut(view).peerings.push(p);
        }
        self
    }

    /// The attachment is associated with the Region's route table.
    pub fn associated(mut self, r: &str, id: &str) -> Self {
        self.table(r)
            .associations
            .insert(AttachmentId::parse(id).unwrap());
        self
    }

    /// Adds a static route; `target` is an attachment ID, `blackhole`, or
    /// None for a route whose target the API did not report.
    pub fn route(mut self, r: &str, c: &str, target: Option<&str>) -> Self {
        let (target, state) = match target {
            Some("blackhole") => (RouteTarget::Blackhole, "blackhole"),
            Some(id) => (
                RouteTarget::Attachment(AttachmentId::parse(id).unwrap()),
                "active",
            ),
            None => (RouteTarget::Unknown, "active"),
        };
        let route = StaticRoute {
            cidr: cidr(c),
            target,
            state: state.into(),
        };
        self.table(r).static_routes.push(route);
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
        };
        self.region_mut(r)
            .vpc_route_tables
            .get_or_insert_with(Vec::new)
            .push(table);
        self
    }

    /// The owner account of Region `r`'s transit gateway.
    pub fn owned_by(mut self, r: &str, account: &str) -> Self {
        for g in &mut self.region_mut(r).transit_gateways {
            g.owner_id = Some(AccountId::parse(account).unwrap());
        }
        self
    }

    /// Changes the configuration.
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// The plan of this world.
    pub fn plan(&self) -> Plan {
        plan(&self.observed, &self.config).unwrap()
    }
}

/// A VPC; `tag` is the value of `addToTransitGateway`, if any; CIDRs as
/// [`Scenario::vpc`] takes them.
pub fn vpc_of(id: &str, tag: Option<&str>, cidrs: &[&str]) -> Vpc {
    let tags: BTreeMap<String, String> = tag
        .map(|v| (TAG.to_owned(), v.to_owned()))
        .into_iter()
        .collect();
    let cidrs = cidrs.iter().map(|c| cidr_state(c)).collect();
    Vpc {
        id: VpcId::parse(id).unwrap(),
        tags,
        cidrs,
    }
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
    VpcRoute {
        cidr: cidr(c),
        target,
        origin: origin.to_owned(),
        state: "active".into(),
    }
}
