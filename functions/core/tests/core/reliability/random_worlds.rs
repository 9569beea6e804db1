//! Random worlds for the planner's safety properties, and the oracle that restates the rules.

use super::*;

// ---------------------------------------------------------------------------
// Planner safety on random worlds
// ---------------------------------------------------------------------------
//
// The worlds: up to three Regions, each with VPCs (attached to the gateway,
// pending, or not attached), static routes toward peerings, other
// attachments, blackholes or unreported targets, propagated routes from VPC
// and VPN attachments, ledger entries (the tool's proof of ownership) for
// random CIDRs and peers, and VPC route tables. Propagated routes are read
// (SearchTransitGatewayRoutes without a type filter); what is asserted is
// that they are never written over and never deleted.
// VPC route tables (MANAGE_VPC_ROUTES) are read with every route and its
// origin, so there the worlds have propagated (`EnableVgwRoutePropagation`)
// and local (`CreateRouteTable`) routes, and the properties assert that no
// VPC route is ever created over, or deleted from, anything but a route the
// tool could have made (`CreateRoute`, toward the Region's gateway).

pub(super) const PLAN_REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// VPC CIDRs: equal, nested and disjoint blocks, IPv4 and IPv6, so that
/// overlaps within and across Regions are common.
pub(super) const VPC_CIDRS: [&str; 10] = [
    "10.0.0.0/16",
    "10.0.0.0/17",
    "10.0.128.0/17",
    "10.1.0.0/16",
    "10.2.0.0/16",
    "10.0.0.0/8",
    "172.16.0.0/24",
    "172.16.1.0/24",
    "2600:1f18:1::/56",
    "2600:1f18:2::/56",
];
/// CIDRs only routes have.
pub(super) const ROUTE_ONLY_CIDRS: [&str; 2] = ["192.168.0.0/16", "10.9.0.0/16"];
/// Summary routes of VPC route tables, which opt a table in.
pub(super) const DEFAULT_ROUTES: [&str; 2] = ["0.0.0.0/0", "::/0"];
/// Origins of VPC routes, `CreateRoute` the most common.
pub(super) const ORIGINS: [&str; 7] = [
    CREATE_ROUTE_ORIGIN,
    CREATE_ROUTE_ORIGIN,
    CREATE_ROUTE_ORIGIN,
    CREATE_ROUTE_ORIGIN,
    "CreateRouteTable",
    "EnableVgwRoutePropagation",
    "",
];
pub(super) const PROTECTABLE: [&str; 5] =
    ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "2600:1f18::/32", "172.16.0.0/24"];
/// Peering states, `available` the most common.
pub(super) const PEERING_STATES: [&str; 10] = [
    "available",
    "available",
    "available",
    "available",
    "pendingAcceptance",
    "pending",
    "initiatingRequest",
    "deleted",
    "failed",
    "rejected",
];
pub(super) const PLAN_CASES: u32 = 2_000;

#[derive(Debug, Clone)]
pub(super) struct VpcSpec {
    pub(super) tag: Option<&'static str>,
    pub(super) cidrs: Vec<(usize, CidrState)>,
    /// The state of its attachment to the gateway; `None`: not attached.
    pub(super) attached: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub(super) enum AccepterView {
    Same,
    Other(&'static str),
    Unlisted,
}

#[derive(Debug, Clone)]
pub(super) struct PeeringSpec {
    pub(super) pair: usize,
    pub(super) reversed: bool,
    pub(super) state: &'static str,
    pub(super) accepter: AccepterView,
    pub(super) managed: bool,
    pub(super) created_at: i64,
}

#[derive(Debug, Clone)]
pub(super) enum TargetSpec {
    /// One of the world's peerings (by index, modulo their number).
    Peering(usize),
    OtherAttachment,
    Blackhole,
    Unknown,
}

#[derive(Debug, Clone)]
pub(super) enum VpcTargetSpec {
    /// The Region's transit gateway.
    Gateway,
    OtherGateway,
    Other(&'static str),
}

#[derive(Debug, Clone)]
pub(super) struct VpcTableSpec {
    /// The VPC (by index, modulo their number).
    pub(super) vpc: usize,
    pub(super) serves_subnets: bool,
    pub(super) routes: Vec<(usize, VpcTargetSpec, &'static str)>,
}

#[derive(Debug, Clone)]
pub(super) struct TableSpec {
    pub(super) vpcs: Vec<VpcSpec>,
    pub(super) routes: Vec<(usize, TargetSpec)>,
    /// Routes propagated from a VPN attachment (route CIDR indexes).
    pub(super) vpn: Vec<usize>,
    /// Ledger entries: (route CIDR index, peer Region index).
    pub(super) ledger: Vec<(usize, usize)>,
    pub(super) associations: u8,
    /// `None`: not read.
    pub(super) vpc_tables: Option<Vec<VpcTableSpec>>,
}

#[derive(Debug, Clone)]
pub(super) struct WorldSpec {
    pub(super) regions: usize,
    pub(super) tables: Vec<TableSpec>,
    pub(super) peerings: Vec<PeeringSpec>,
    pub(super) prune: bool,
    pub(super) manage_vpc_routes: bool,
    pub(super) protected: Vec<usize>,
}

pub(super) fn world_spec() -> impl Strategy<Value = WorldSpec> {
    let cidr_state = prop_oneof![
        4 => Just(CidrState::Associated),
        1 => Just(CidrState::Associating),
        1 => Just(CidrState::Gone),
    ];
    let vpc = (
        select(vec![Some("true"), Some("TRUE"), Some("false"), None]),
        prop::collection::vec((0..VPC_CIDRS.len(), cidr_state), 1..3),
        select(vec![
            Some("available"),
            Some("available"),
            Some("available"),
            Some("pending"),
            None,
        ]),
    )
        .prop_map(|(tag, cidrs, attached)| VpcSpec { tag, cidrs, attached });
    let target = prop_oneof![
        6 => any::<usize>().prop_map(TargetSpec::Peering),
        1 => Just(TargetSpec::OtherAttachment),
        1 => Just(TargetSpec::Blackhole),
        1 => Just(TargetSpec::Unknown),
    ];
    let vpc_target = prop_oneof![
        4 => Just(VpcTargetSpec::Gateway),
        1 => Just(VpcTargetSpec::OtherGateway),
        1 => select(vec!["local", "igw-0a1", "pcx-0b2", "nat-0c3"]).prop_map(VpcTargetSpec::Other),
    ];
    let vpc_table = (
        any::<usize>(),
        prop::bool::weighted(0.85),
        prop::collection::vec((0..VPC_ROUTE_CIDRS, vpc_target, select(ORIGINS.to_vec())), 0..6),
    )
        .prop_map(|(vpc, serves_subnets, routes)| VpcTableSpec { vpc, serves_subnets, routes });
    let table = (
        prop::collection::vec(vpc, 0..5),
        prop::collection::vec((0..TGW_ROUTE_CIDRS, target), 0..8),
        prop::collection::vec(0..TGW_ROUTE_CIDRS, 0..2),
        prop::collection::vec((0..TGW_ROUTE_CIDRS, 0..3_usize), 0..6),
        any::<u8>(),
        prop::option::weighted(0.9, prop::collection::vec(vpc_table, 0..4)),
    )
        .prop_map(|(vpcs, routes, vpn, ledger, associations, vpc_tables)| TableSpec {
            vpcs,
            routes,
            vpn,
            ledger,
            associations,
            vpc_tables,
        });
    let accepter = prop_oneof![
        4 => Just(AccepterView::Same),
        1 => select(PEERING_STATES.to_vec()).prop_map(AccepterView::Other),
        1 => Just(AccepterView::Unlisted),
    ];
    let peering =
        (
            0..3_usize,
            prop::bool::weighted(0.2),
            select(PEERING_STATES.to_vec()),
            accepter,
            prop::bool::weighted(0.75),
            0..3_i64,
        )
            .prop_map(|(pair, reversed, state, accepter, managed, created_at)| {
                PeeringSpec { pair, reversed, state, accepter, managed, created_at }
            });
    (
        2..=3_usize,
        prop::collection::vec(table, 3),
        prop::collection::vec(peering, 0..5),
        any::<bool>(),
        prop::bool::weighted(0.7),
        prop::collection::vec(0..PROTECTABLE.len(), 0..3),
    )
        .prop_map(|(regions, tables, peerings, prune, manage_vpc_routes, protected)| {
            WorldSpec { regions, tables, peerings, prune, manage_vpc_routes, protected }
        })
}

pub(super) fn cidr(s: &str) -> Cidr {
    Cidr::parse(s).unwrap()
}

/// The CIDRs of routes: those of VPCs, then route-only ones, then summaries
/// (in VPC route tables only).
pub(super) fn route_cidr(i: usize) -> Cidr {
    let mut all = VPC_CIDRS.iter().chain(&ROUTE_ONLY_CIDRS).chain(&DEFAULT_ROUTES);
    cidr(all.nth(i).unwrap())
}
pub(super) const TGW_ROUTE_CIDRS: usize = VPC_CIDRS.len() + ROUTE_ONLY_CIDRS.len();
pub(super) const VPC_ROUTE_CIDRS: usize = TGW_ROUTE_CIDRS + DEFAULT_ROUTES.len();

pub(super) fn gateway(n: usize) -> GatewayRef {
    GatewayRef {
        region: crate::support::region(PLAN_REGIONS[n]),
        transit_gateway_id: TransitGatewayId::parse(&format!("tgw-{n}")).unwrap(),
        account_id: Some(AccountId::parse(ACCOUNT).unwrap()),
    }
}

/// The observed state and configuration a spec describes, built with the
/// tests' one world builder: one available gateway per Region (`tgw-<n>`,
/// default table `tgw-rtb-<n>`).
pub(super) fn build(spec: &WorldSpec) -> (Observed, Config) {
    let regions: Vec<&str> = PLAN_REGIONS[..spec.regions].to_vec();
    let mut w = Scenario::new(&regions);
    let ids: Vec<AttachmentId> = (0..spec.peerings.len())
        .map(|k| AttachmentId::parse(&format!("tgw-attach-{k}")).unwrap())
        .collect();
    for (n, r) in regions.iter().enumerate() {
        let t = &spec.tables[n];
        for (j, v) in t.vpcs.iter().enumerate() {
            let vpc = Vpc {
                id: VpcId::parse(&format!("vpc-{n}x{j}")).unwrap(),
                tags: v.tag.map(|value| (TAG.to_owned(), value.to_owned())).into_iter().collect(),
                cidrs: v.cidrs.iter().map(|&(c, s)| (cidr(VPC_CIDRS[c]), s)).collect(),
                owner: None,
            };
            put_vpc(w.region_mut(r), vpc, v.attached);
        }
        table_routes(&mut w, r, t, &ids);
        for &(c, p) in &t.ledger {
            let peer = regions[p % regions.len()];
            if peer != *r
                && w.region_mut(r).ledger.iter().all(|l| !l.entries.contains_key(&route_cidr(c)))
            {
                w = w.ledger(r, peer, &[&route_cidr(c).to_string()]);
            }
        }
        w.region_mut(r).vpc_route_tables = t.vpc_tables.as_ref().map(|tables| {
            tables
                .iter()
                .enumerate()
                .map(|(k, vt)| vpc_route_table(n, k, vt, t.vpcs.len()))
                .collect()
        });
    }
    peerings(&mut w, spec, &ids);
    w.config.prune_routes = spec.prune;
    w.config.manage_vpc_routes = spec.manage_vpc_routes;
    w.config.protected_cidrs = spec.protected.iter().map(|&i| cidr(PROTECTABLE[i])).collect();
    (w.observed, w.config)
}

/// The static routes, VPN routes and associations of Region `r`'s table.
fn table_routes(w: &mut Scenario, r: &str, t: &TableSpec, ids: &[AttachmentId]) {
    let table = w.table(r);
    for (c, target) in &t.routes {
        let c = route_cidr(*c);
        // One static route per CIDR in a table, as in AWS.
        if table.routes.iter().any(|x| x.cidr == c && x.is_static()) {
            continue;
        }
        let target = match target {
            TargetSpec::Peering(k) if !ids.is_empty() => {
                RouteTarget::Attachment(ids[k % ids.len()].clone())
            }
            TargetSpec::Peering(_) | TargetSpec::OtherAttachment => {
                RouteTarget::Attachment(AttachmentId::parse("tgw-attach-vpc9").unwrap())
            }
            TargetSpec::Blackhole => RouteTarget::Blackhole,
            TargetSpec::Unknown => RouteTarget::Unknown,
        };
        table.routes.push(TgwRoute::static_to(c, target));
    }
    table.associations = ids
        .iter()
        .enumerate()
        .filter(|(k, _)| t.associations & (1 << (k % 8)) != 0)
        .map(|(_, id)| id.clone())
        .collect();
    for c in &t.vpn {
        let c = route_cidr(*c).to_string();
        w.add_foreign_route(r, &c, "tgw-attach-vpn1", "vpn", true);
    }
}

/// Each Region's view of each peering of the spec.
fn peerings(w: &mut Scenario, spec: &WorldSpec, ids: &[AttachmentId]) {
    let pairs: Vec<(usize, usize)> =
        [(0, 1), (0, 2), (1, 2)].into_iter().filter(|&(_, b)| b < spec.regions).collect();
    for (p, id) in spec.peerings.iter().zip(ids) {
        let (a, b) = pairs[p.pair % pairs.len()];
        let (requester, accepter) = if p.reversed { (b, a) } else { (a, b) };
        let views = [
            Some((requester, p.state)),
            match p.accepter {
                AccepterView::Same => Some((accepter, p.state)),
                AccepterView::Other(s) => Some((accepter, s)),
                AccepterView::Unlisted => None,
            },
        ];
        for (side, state) in views.into_iter().flatten() {
            let region = gateway(side).region;
            let attachment = PeeringAttachment {
                id: id.clone(),
                requester: gateway(requester),
                accepter: gateway(accepter),
                states: [(region.clone(), PeeringState::parse(state))].into(),
                created_at: Some(p.created_at),
                tags: p
                    .managed
                    .then(|| (MANAGED_TAG_KEY.to_owned(), "true".to_owned()))
                    .into_iter()
                    .collect(),
            };
            w.region_mut(region.as_str()).peerings.push(attachment);
        }
    }
}

/// Route table `k` of Region `n`, of one of its `vpcs` VPCs (or of a VPC
/// not read, when it has none).
pub(super) fn vpc_route_table(
    n: usize,
    k: usize,
    spec: &VpcTableSpec,
    vpcs: usize,
) -> VpcRouteTable {
    let vpc = match vpcs {
        0 => format!("vpc-{n}x99"),
        _ => format!("vpc-{n}x{}", spec.vpc % vpcs),
    };
    let mut seen = BTreeSet::new();
    VpcRouteTable {
        id: VpcRouteTableId::parse(&format!("rtb-{n}x{k}")).unwrap(),
        vpc_id: VpcId::parse(&vpc).unwrap(),
        serves_subnets: spec.serves_subnets,
        list_routes: Vec::new(),
        routes: spec
            .routes
            .iter()
            // One route per CIDR in a table, as in AWS.
            .filter(|(c, _, _)| seen.insert(*c))
            .map(|(c, target, origin)| VpcRoute {
                cidr: route_cidr(*c),
                target: match target {
                    VpcTargetSpec::Gateway => {
                        VpcRouteTarget::TransitGateway(gateway(n).transit_gateway_id)
                    }
                    VpcTargetSpec::OtherGateway => {
                        VpcRouteTarget::TransitGateway(TransitGatewayId::parse("tgw-9").unwrap())
                    }
                    VpcTargetSpec::Other(other) => VpcRouteTarget::Other((*other).to_owned()),
                },
                origin: (*origin).to_owned(),
                state: "active".into(),
            })
            .collect(),
    }
}

/// The rules, restated from docs/how-it-decides.md on the observed state, to check the
/// planner against.
pub(super) struct Oracle {
    pub(super) config: Config,
    /// Advertised CIDRs per Region: associated CIDRs of tagged VPCs with an
    /// available attachment.
    pub(super) tagged: BTreeMap<Region, BTreeSet<Cidr>>,
    /// The ledger per Region: the CIDRs it records (the tool's routes).
    pub(super) ledger: BTreeMap<Region, BTreeSet<Cidr>>,
    /// Advertised CIDRs that overlap another one (of another Region, or of
    /// another VPC of the same Region).
    pub(super) overlapping: BTreeSet<(Region, Cidr)>,
    pub(super) peerings: Vec<PeeringAttachment>,
    /// The static routes read, per Region.
    pub(super) routes: BTreeMap<Region, BTreeMap<Cidr, RouteTarget>>,
    /// The propagated routes read, per Region.
    pub(super) propagated: BTreeMap<Region, BTreeSet<Cidr>>,
    /// Each Region's transit gateway.
    pub(super) gateways: BTreeMap<Region, TransitGatewayId>,
    /// The VPC route tables read.
    pub(super) vpc_tables: BTreeMap<VpcRouteTableId, VpcRouteTable>,
    /// Per VPC: tagged, and has an associated IPv6 block.
    pub(super) vpcs: BTreeMap<VpcId, (bool, bool)>,
    /// Every CIDR of every VPC (tagged or not, not gone), per Region.
    pub(super) local: BTreeMap<Region, BTreeSet<Cidr>>,
}

impl Oracle {
    pub(super) fn new(observed: &Observed, config: &Config) -> Oracle {
        let mut o = Oracle {
            config: config.clone(),
            tagged: BTreeMap::new(),
            ledger: BTreeMap::new(),
            overlapping: BTreeSet::new(),
            peerings: observed.peerings(),
            routes: BTreeMap::new(),
            propagated: BTreeMap::new(),
            gateways: BTreeMap::new(),
            vpc_tables: BTreeMap::new(),
            vpcs: BTreeMap::new(),
            local: BTreeMap::new(),
        };
        let mut owners: Vec<(Region, Cidr, VpcId)> = Vec::new();
        for (region, state) in &observed.regions {
            for vpc in &state.vpcs {
                let attached = state
                    .attachments
                    .iter()
                    .any(|a| a.vpc().as_ref() == Some(&vpc.id) && a.is_available());
                let tagged = vpc.is_tagged(&config.tag_key);
                for c in vpc.associated_cidrs().filter(|_| tagged && attached) {
                    o.tagged.entry(region.clone()).or_default().insert(c);
                    owners.push((region.clone(), c, vpc.id.clone()));
                }
                let ipv6 = vpc.associated_cidrs().any(|c| c.is_ipv6());
                o.vpcs.insert(vpc.id.clone(), (tagged, ipv6));
                let cidrs =
                    vpc.cidrs.iter().filter(|(_, s)| *s != CidrState::Gone).map(|(c, _)| *c);
                o.local.entry(region.clone()).or_default().extend(cidrs);
            }
            o.tagged.entry(region.clone()).or_default();
            let entries = state.ledger.iter().flat_map(|l| l.entries.keys().copied());
            o.ledger.insert(region.clone(), entries.collect());
            o.gateways.insert(region.clone(), state.transit_gateways[0].id.clone());
            for table in state.vpc_route_tables.iter().flatten() {
                o.vpc_tables.insert(table.id.clone(), table.clone());
            }
            let table = state.route_table.as_ref().unwrap();
            let statics = table.routes.iter().filter(|r| r.is_static());
            o.routes.insert(region.clone(), statics.map(|r| (r.cidr, r.target.clone())).collect());
            let propagated = table.routes.iter().filter(|r| r.kind == RouteKind::Propagated);
            o.propagated.insert(region.clone(), propagated.map(|r| r.cidr).collect());
        }
        for (r, c, v) in &owners {
            for (q, d, u) in &owners {
                if (r != q || v != u) && c.overlaps(d) {
                    o.overlapping.insert((r.clone(), *c));
                }
            }
        }
        o
    }

    /// A peering between `region` and `peer` (a managed one if `managed`),
    /// available on `region`'s side.
    pub(super) fn available(&self, region: &Region, peer: &Region, managed: bool) -> bool {
        self.peerings.iter().any(|p| {
            let ends = (&p.requester.region, &p.accepter.region);
            (p.is_managed() || !managed)
                && (ends == (region, peer) || ends == (peer, region))
                && p.state_in(region) == PeeringState::Available
        })
    }

    /// The peer Regions that have `cidr` tagged, outside any overlap.
    pub(super) fn owners<'a>(
        &'a self,
        region: &'a Region,
        cidr: &'a Cidr,
    ) -> impl Iterator<Item = &'a Region> {
        self.tagged.iter().filter_map(move |(p, cs)| {
            (p != region && cs.contains(cidr) && !self.overlapping.contains(&(p.clone(), *cidr)))
                .then_some(p)
        })
    }

    /// Some Region advertises `cidr`: routes for it are wanted somewhere.
    pub(super) fn wanted_anywhere(&self, cidr: &Cidr) -> bool {
        self.tagged.values().any(|cs| cs.contains(cidr))
    }

    /// The Region of a route table (`tgw-rtb-<n>` or `rtb-<n>x<k>`).
    pub(super) fn table_region(&self, table: &str) -> Option<&Region> {
        let n: usize = table
            .strip_prefix("tgw-rtb-")
            .or_else(|| table.strip_prefix("rtb-").and_then(|t| t.split('x').next()))?
            .parse()
            .ok()?;
        self.gateways.keys().find(|r| r.as_str() == PLAN_REGIONS[n])
    }

    /// The peering `id` with `region` on one side: (other Region, managed).
    pub(super) fn peer(&self, id: &AttachmentId, region: &Region) -> Option<(Region, bool)> {
        let p = self.peerings.iter().find(|p| &p.id == id)?;
        let other = if &p.requester.region == region {
            &p.accepter.region
        } else if &p.accepter.region == region {
            &p.requester.region
        } else {
            return None;
        };
        Some((other.clone(), p.is_managed()))
    }

    pub(super) fn is_managed_peering(&self, target: &RouteTarget) -> bool {
        matches!(target, RouteTarget::Attachment(id)
            if self.peerings.iter().any(|p| &p.id == id && p.is_managed()))
    }
}

/// Where a route write goes: a transit gateway route table, toward a
/// peering, or a VPC route table, toward the Region's transit gateway.
pub(super) enum Via<'a> {
    /// A route created toward a peering.
    Peering(&'a AttachmentId),
    /// A route moved onto a peering (ReplaceTransitGatewayRoute).
    Moved(&'a AttachmentId),
    /// A route deleted; where it went.
    Deleted(&'a RouteTarget),
    Gateway(&'a VpcRouteTableId, &'a TransitGatewayId),
}

/// A route write of a plan.
pub(super) struct RouteWrite<'a> {
    pub(super) delete: bool,
    pub(super) region: &'a Region,
    pub(super) cidr: Cidr,
    pub(super) via: Via<'a>,
}

pub(super) fn route_writes(plan: &Plan) -> Vec<RouteWrite<'_>> {
    plan.actions
        .iter()
        .filter_map(|p| {
            let (delete, region, cidr, via) = match &p.action {
                Action::CreateRoute { region, cidr, attachment_id, .. } => {
                    (false, region, cidr, Via::Peering(attachment_id))
                }
                Action::DeleteRoute { region, cidr, target, .. } => {
                    (true, region, cidr, Via::Deleted(target))
                }
                Action::ReplaceRoute { region, cidr, attachment_id, .. } => {
                    (false, region, cidr, Via::Moved(attachment_id))
                }
                Action::CreateVpcRoute { region, route_table_id, cidr, transit_gateway_id } => {
                    (false, region, cidr, Via::Gateway(route_table_id, transit_gateway_id))
                }
                Action::DeleteVpcRoute { region, route_table_id, cidr, transit_gateway_id } => {
                    (true, region, cidr, Via::Gateway(route_table_id, transit_gateway_id))
                }
                _ => return None,
            };
            Some(RouteWrite { delete, region, cidr: *cidr, via })
        })
        .collect()
}

/// The writes to transit gateway route tables.
pub(super) fn peering_writes<'a>(
    writes: &'a [RouteWrite<'a>],
) -> impl Iterator<Item = &'a RouteWrite<'a>> {
    writes.iter().filter(|w| !matches!(w.via, Via::Gateway(..)))
}

/// A write to a VPC route table, with its gateway and the table as read.
pub(super) type VpcWrite<'a> = (&'a RouteWrite<'a>, &'a TransitGatewayId, &'a VpcRouteTable);

/// The writes to VPC route tables (each table must have been read).
pub(super) fn vpc_writes<'a>(
    o: &'a Oracle,
    writes: &'a [RouteWrite<'a>],
) -> Result<Vec<VpcWrite<'a>>, TestCaseError> {
    writes
        .iter()
        .filter_map(|w| match w.via {
            Via::Gateway(id, tgw) => Some(
                o.vpc_tables
                    .get(id)
                    .map(|t| (w, tgw, t))
                    .ok_or_else(|| TestCaseError::fail(format!("{id} was never read"))),
            ),
            _ => None,
        })
        .collect()
}

/// Runs `property` on PLAN_CASES random worlds drawn from seed `stream`
/// (PRUNE_ROUTES forced when `prune` says so); returns what it counted.
pub(super) fn planner_property(
    name: &str,
    stream: u64,
    prune: Option<bool>,
    property: impl Fn(&Oracle, &Plan, &mut Tally) -> Result<(), TestCaseError>,
) -> Tally {
    let tally = RefCell::new(Tally::default());
    check_property(name, proptest_config(PLAN_CASES, stream), world_spec(), |mut spec| {
        if let Some(prune) = prune {
            spec.prune = prune;
        }
        let (observed, config) = build(&spec);
        let plan = plan(&observed, &config).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let oracle = Oracle::new(&observed, &config);
        let mut t = tally.borrow_mut();
        t.add("worlds", 1);
        for w in route_writes(&plan) {
            t.add(
                match (&w.via, w.delete) {
                    (Via::Peering(_), _) => "creates",
                    (Via::Moved(_), _) => "moves",
                    (Via::Deleted(_), _) => "deletes",
                    (Via::Gateway(..), false) => "VPC route creates",
                    (Via::Gateway(..), true) => "VPC route deletes",
                },
                1,
            );
        }
        property(&oracle, &plan, &mut t)
    });
    tally.into_inner()
}
