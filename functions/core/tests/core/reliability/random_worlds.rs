//! Random worlds for the planner's safety properties, and the oracle that restates the rules.

use super::*;

// ---------------------------------------------------------------------------
// Planner safety on random worlds
// ---------------------------------------------------------------------------
//
// Propagated routes. Transit gateway route tables: the adapter asks
// SearchTransitGatewayRoutes for `type=static` only and skips any other type
// (aws.rs), so the observed model has no propagated route there; what is
// asserted is that every DeleteRoute names a static route that was read, with
// the same target, so a CIDR that exists only as a propagated route can never
// be deleted. (A CreateRoute for a peer's tagged CIDR is not checked against
// propagated routes, which the planner cannot see: see the report.)
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
pub(super) const PROTECTABLE: [&str; 5] = [
    "10.0.0.0/8",
    "10.1.0.0/16",
    "192.168.0.0/16",
    "2600:1f18::/32",
    "172.16.0.0/24",
];
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
    pub(super) associations: u8,
    pub(super) truncated: bool,
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
    )
        .prop_map(|(tag, cidrs)| VpcSpec { tag, cidrs });
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
        prop::collection::vec(
            (0..VPC_ROUTE_CIDRS, vpc_target, select(ORIGINS.to_vec())),
            0..6,
        ),
    )
        .prop_map(|(vpc, serves_subnets, routes)| VpcTableSpec {
            vpc,
            serves_subnets,
            routes,
        });
    let table = (
        prop::collection::vec(vpc, 0..5),
        prop::collection::vec((0..TGW_ROUTE_CIDRS, target), 0..8),
        any::<u8>(),
        prop::bool::weighted(0.05),
        prop::option::weighted(0.9, prop::collection::vec(vpc_table, 0..4)),
    )
        .prop_map(
            |(vpcs, routes, associations, truncated, vpc_tables)| TableSpec {
                vpcs,
                routes,
                associations,
                truncated,
                vpc_tables,
            },
        );
    let accepter = prop_oneof![
        4 => Just(AccepterView::Same),
        1 => select(PEERING_STATES.to_vec()).prop_map(AccepterView::Other),
        1 => Just(AccepterView::Unlisted),
    ];
    let peering = (
        0..3_usize,
        prop::bool::weighted(0.2),
        select(PEERING_STATES.to_vec()),
        accepter,
        prop::bool::weighted(0.75),
        0..3_i64,
    )
        .prop_map(
            |(pair, reversed, state, accepter, managed, created_at)| PeeringSpec {
                pair,
                reversed,
                state,
                accepter,
                managed,
                created_at,
            },
        );
    (
        2..=3_usize,
        prop::collection::vec(table, 3),
        prop::collection::vec(peering, 0..5),
        any::<bool>(),
        prop::bool::weighted(0.7),
        prop::collection::vec(0..PROTECTABLE.len(), 0..3),
    )
        .prop_map(
            |(regions, tables, peerings, prune, manage_vpc_routes, protected)| WorldSpec {
                regions,
                tables,
                peerings,
                prune,
                manage_vpc_routes,
                protected,
            },
        )
}

pub(super) fn cidr(s: &str) -> Cidr {
    Cidr::parse(s).unwrap()
}

/// The CIDRs of routes: those of VPCs, then route-only ones, then summaries
/// (in VPC route tables only).
pub(super) fn route_cidr(i: usize) -> Cidr {
    let mut all = VPC_CIDRS
        .iter()
        .chain(&ROUTE_ONLY_CIDRS)
        .chain(&DEFAULT_ROUTES);
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

/// The observed state and configuration a spec describes: one available
/// gateway per Region (`tgw-<n>`, default table `tgw-rtb-<n>`).
pub(super) fn build(spec: &WorldSpec) -> (Observed, Config) {
    let pairs: Vec<(usize, usize)> = [(0, 1), (0, 2), (1, 2)]
        .into_iter()
        .filter(|&(_, b)| b < spec.regions)
        .collect();
    let ids: Vec<AttachmentId> = (0..spec.peerings.len())
        .map(|k| AttachmentId::parse(&format!("tgw-attach-{k}")).unwrap())
        .collect();
    let mut observed = Observed::default();
    for n in 0..spec.regions {
        let t = &spec.tables[n];
        let state = observed.regions.entry(gateway(n).region).or_default();
        state.transit_gateways.push(TransitGateway {
            id: gateway(n).transit_gateway_id,
            owner_id: gateway(n).account_id,
            state: "available".into(),
            default_association_route_table: Some(
                RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap(),
            ),
        });
        for (j, v) in t.vpcs.iter().enumerate() {
            state.vpcs.push(Vpc {
                id: VpcId::parse(&format!("vpc-{n}x{j}")).unwrap(),
                tags: v
                    .tag
                    .map(|value| ("addToTransitGateway".to_owned(), value.to_owned()))
                    .into_iter()
                    .collect(),
                cidrs: v
                    .cidrs
                    .iter()
                    .map(|&(c, s)| (cidr(VPC_CIDRS[c]), s))
                    .collect(),
            });
        }
        let mut seen = BTreeSet::new();
        let static_routes = t
            .routes
            .iter()
            // One static route per CIDR in a table, as in AWS.
            .filter(|(c, _)| seen.insert(*c))
            .map(|(c, target)| {
                let (target, state) = match target {
                    TargetSpec::Peering(k) if !ids.is_empty() => (
                        RouteTarget::Attachment(ids[k % ids.len()].clone()),
                        "active",
                    ),
                    TargetSpec::Peering(_) | TargetSpec::OtherAttachment => (
                        RouteTarget::Attachment(AttachmentId::parse("tgw-attach-vpc9").unwrap()),
                        "active",
                    ),
                    TargetSpec::Blackhole => (RouteTarget::Blackhole, "blackhole"),
                    TargetSpec::Unknown => (RouteTarget::Unknown, "active"),
                };
                StaticRoute {
                    cidr: route_cidr(*c),
                    target,
                    state: state.into(),
                }
            })
            .collect();
        state.route_table = Some(RouteTableState {
            id: RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap(),
            static_routes,
            associations: ids
                .iter()
                .enumerate()
                .filter(|(k, _)| t.associations & (1 << (k % 8)) != 0)
                .map(|(_, id)| id.clone())
                .collect(),
            truncated: t.truncated,
        });
        state.vpc_route_tables = t.vpc_tables.as_ref().map(|tables| {
            tables
                .iter()
                .enumerate()
                .map(|(k, vt)| vpc_route_table(n, k, vt, t.vpcs.len()))
                .collect()
        });
    }
    for (p, id) in spec.peerings.iter().zip(&ids) {
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
            observed
                .regions
                .get_mut(&region)
                .unwrap()
                .peerings
                .push(attachment);
        }
    }
    let mut config = Config::for_regions(
        PLAN_REGIONS[..spec.regions]
            .iter()
            .map(|r| crate::support::region(r))
            .collect(),
    );
    config.prune_routes = spec.prune;
    config.manage_vpc_routes = spec.manage_vpc_routes;
    config.protected_cidrs = spec
        .protected
        .iter()
        .map(|&i| cidr(PROTECTABLE[i]))
        .collect();
    (observed, config)
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

/// The rules, restated from the README on the observed state, to check the
/// planner against.
pub(super) struct Oracle {
    pub(super) config: Config,
    /// Associated CIDRs of tagged VPCs, per Region.
    pub(super) tagged: BTreeMap<Region, BTreeSet<Cidr>>,
    /// CIDRs proven to be the tool's to withdraw, per Region: those of
    /// untagged VPCs and the ones no longer associated, unless a tagged VPC
    /// of the Region still has them.
    pub(super) withdrawn: BTreeMap<Region, BTreeSet<Cidr>>,
    /// Tagged CIDRs that overlap a tagged CIDR of another Region.
    pub(super) overlapping: BTreeSet<(Region, Cidr)>,
    pub(super) peerings: Vec<PeeringAttachment>,
    /// The static routes read, per Region.
    pub(super) routes: BTreeMap<Region, BTreeMap<Cidr, RouteTarget>>,
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
        let mut tagged: BTreeMap<Region, BTreeSet<Cidr>> = BTreeMap::new();
        let mut withdrawn: BTreeMap<Region, BTreeSet<Cidr>> = BTreeMap::new();
        let mut routes = BTreeMap::new();
        let mut local: BTreeMap<Region, BTreeSet<Cidr>> = BTreeMap::new();
        let (mut gateways, mut vpc_tables, mut vpcs) =
            (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for (region, state) in &observed.regions {
            let (t, w) = (
                tagged.entry(region.clone()).or_default(),
                withdrawn.entry(region.clone()).or_default(),
            );
            for vpc in &state.vpcs {
                for &(c, s) in &vpc.cidrs {
                    match (vpc.is_tagged(&config.tag_key), s) {
                        (true, CidrState::Associated) => t.insert(c),
                        (true, CidrState::Associating) => false,
                        _ => w.insert(c),
                    };
                }
            }
            w.retain(|c| !t.contains(c));
            gateways.insert(region.clone(), state.transit_gateways[0].id.clone());
            for table in state.vpc_route_tables.iter().flatten() {
                vpc_tables.insert(table.id.clone(), table.clone());
            }
            local.entry(region.clone()).or_default().extend(
                state
                    .vpcs
                    .iter()
                    .flat_map(|v| v.cidrs.iter())
                    .filter(|(_, s)| *s != CidrState::Gone)
                    .map(|(c, _)| *c),
            );
            for vpc in &state.vpcs {
                let ipv6 = vpc.associated_cidrs().any(|c| c.is_ipv6());
                vpcs.insert(vpc.id.clone(), (vpc.is_tagged(&config.tag_key), ipv6));
            }
            let table = state.route_table.as_ref().unwrap();
            routes.insert(
                region.clone(),
                table
                    .static_routes
                    .iter()
                    .map(|r| (r.cidr, r.target.clone()))
                    .collect(),
            );
        }
        let mut overlapping = BTreeSet::new();
        for (r, cs) in &tagged {
            for (q, ds) in &tagged {
                for c in cs
                    .iter()
                    .filter(|c| r != q && ds.iter().any(|d| c.overlaps(d)))
                {
                    overlapping.insert((r.clone(), *c));
                }
            }
        }
        Oracle {
            config: config.clone(),
            tagged,
            withdrawn,
            overlapping,
            peerings: observed.peerings(),
            routes,
            gateways,
            vpc_tables,
            vpcs,
            local,
        }
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

    pub(super) fn tagged_anywhere(&self, cidr: &Cidr) -> bool {
        self.tagged.values().any(|cs| cs.contains(cidr))
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
    Peering(&'a AttachmentId),
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
                Action::CreateRoute {
                    region,
                    cidr,
                    attachment_id,
                    ..
                } => (false, region, cidr, Via::Peering(attachment_id)),
                Action::DeleteRoute {
                    region,
                    cidr,
                    attachment_id,
                    ..
                } => (true, region, cidr, Via::Peering(attachment_id)),
                Action::CreateVpcRoute {
                    region,
                    route_table_id,
                    cidr,
                    transit_gateway_id,
                } => (
                    false,
                    region,
                    cidr,
                    Via::Gateway(route_table_id, transit_gateway_id),
                ),
                Action::DeleteVpcRoute {
                    region,
                    route_table_id,
                    cidr,
                    transit_gateway_id,
                } => (
                    true,
                    region,
                    cidr,
                    Via::Gateway(route_table_id, transit_gateway_id),
                ),
                _ => return None,
            };
            Some(RouteWrite {
                delete,
                region,
                cidr: *cidr,
                via,
            })
        })
        .collect()
}

/// The writes to transit gateway route tables, with their peering.
pub(super) fn peering_writes<'a>(
    writes: &'a [RouteWrite<'a>],
) -> impl Iterator<Item = (&'a RouteWrite<'a>, &'a AttachmentId)> {
    writes.iter().filter_map(|w| match w.via {
        Via::Peering(a) => Some((w, a)),
        Via::Gateway(..) => None,
    })
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
            Via::Peering(_) => None,
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
    check_property(
        name,
        proptest_config(PLAN_CASES, stream),
        world_spec(),
        |mut spec| {
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
                        (Via::Peering(_), false) => "creates",
                        (Via::Peering(_), true) => "deletes",
                        (Via::Gateway(..), false) => "VPC route creates",
                        (Via::Gateway(..), true) => "VPC route deletes",
                    },
                    1,
                );
            }
            property(&oracle, &plan, &mut t)
        },
    );
    tally.into_inner()
}
