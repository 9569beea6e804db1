//! An in-memory, stateful EC2 of several Regions, built from a
//! [`Scenario`]. It answers like AWS where the tool depends on it: peering
//! states move only when the test moves them, `RouteAlreadyExists` and
//! accepting twice are repeats, and accepting outside `pendingAcceptance`
//! is `IncorrectState`. It counts reads and records every write.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tgw_peering_core::config::Config;
use tgw_peering_core::domain::{
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState, Region,
    RouteTableId, RouteTarget, StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcId, VpcRoute,
    VpcRouteTable, VpcRouteTableId, VpcRouteTarget, CREATE_ROUTE_ORIGIN,
};
use tgw_peering_core::observed::RegionState;
use tgw_peering_core::ports::{Ec2Clients, Ec2Region, Outcome, RouteSearch};
use tgw_peering_core::Error;

use super::{region, Scenario};

pub(super) struct State {
    /// What each Region holds (its `peerings` unused: see below).
    pub regions: BTreeMap<Region, RegionState>,
    pub config: Config,
    /// Every peering, with each Region's view of its state.
    pub peerings: Vec<PeeringAttachment>,
    pub next: u32,
    pub reads: usize,
    pub writes: Vec<String>,
    /// Route writes fail permanently (as for a route table that refuses them).
    pub refuse_routes: bool,
    /// Another invocation creates the same pair's peering alongside the
    /// next create: `Some(true)` just before it (the rival is older),
    /// `Some(false)` just after it (the rival is newer).
    pub rival: Option<bool>,
}

/// The world; cheap to clone, every clone sees the same state.
#[derive(Clone)]
pub struct World(pub(super) Arc<Mutex<State>>);

impl Scenario {
    /// This scenario as a stateful EC2.
    pub fn world(self) -> World {
        let peerings = self.observed.peerings();
        let mut regions = self.observed.regions;
        for state in regions.values_mut() {
            state.peerings.clear();
        }
        World(Arc::new(Mutex::new(State {
            regions,
            config: self.config,
            peerings,
            next: 0,
            reads: 0,
            writes: Vec::new(),
            refuse_routes: false,
            rival: None,
        })))
    }
}

impl World {
    /// A world with one transit gateway (and its default route table) per
    /// Region: [`Scenario::new`] as a world.
    pub fn new(regions: &[&str]) -> World {
        Scenario::new(regions).world()
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    fn region_mut<'a>(s: &'a mut State, r: &str) -> &'a mut RegionState {
        s.regions.get_mut(&region(r)).unwrap()
    }

    /// The configuration of the world's Regions.
    pub fn config(&self) -> Config {
        self.lock().config.clone()
    }

    /// Adds or replaces a VPC; `tag` is the value of `addToTransitGateway`.
    pub fn vpc(&self, r: &str, id: &str, tag: Option<&str>, cidrs: &[&str]) {
        let vpc = super::scenario::vpc_of(id, tag, cidrs);
        let mut s = self.lock();
        let vpcs = &mut World::region_mut(&mut s, r).vpcs;
        vpcs.retain(|v| v.id != vpc.id);
        vpcs.push(vpc);
    }

    pub fn untag(&self, r: &str, id: &str) {
        let mut s = self.lock();
        let id = VpcId::parse(id).unwrap();
        let vpc = World::region_mut(&mut s, r)
            .vpcs
            .iter_mut()
            .find(|v| v.id == id)
            .unwrap();
        vpc.tags.remove(super::TAG);
    }

    /// Moves every peering to `state` (both sides).
    pub fn set_peering_state(&self, state: PeeringState) {
        for p in &mut self.lock().peerings {
            for v in p.states.values_mut() {
                *v = state.clone();
            }
        }
    }

    /// Moves one side of every peering: `None` makes that Region stop
    /// listing it (as before AWS shows a new request to the accepter).
    pub fn set_side_state(&self, r: &str, state: Option<PeeringState>) {
        for p in &mut self.lock().peerings {
            match &state {
                Some(state) => p.states.insert(region(r), state.clone()),
                None => p.states.remove(&region(r)),
            };
        }
    }

    /// The next peering create races with another invocation's create of
    /// the same pair, which lands just before (`rival_is_older`) or just after it.
    pub fn race_next_create(&self, rival_is_older: bool) {
        self.lock().rival = Some(rival_is_older);
    }

    /// Makes every route write fail permanently from now on.
    pub fn refuse_routes(&self) {
        self.lock().refuse_routes = true;
    }

    /// The peerings: (id, state).
    pub fn peerings(&self) -> Vec<(AttachmentId, PeeringState)> {
        self.lock()
            .peerings
            .iter()
            .map(|p| (p.id.clone(), p.state()))
            .collect()
    }

    /// The static routes of a Region's route table, as "CIDR -> attachment".
    pub fn routes(&self, r: &str) -> Vec<String> {
        let s = self.lock();
        let table = s.regions[&region(r)].route_table.as_ref().unwrap();
        let mut routes: Vec<String> = table
            .static_routes
            .iter()
            .map(|route| match &route.target {
                RouteTarget::Attachment(a) => format!("{} -> {a}", route.cidr),
                other => format!("{} -> {other:?}", route.cidr),
            })
            .collect();
        routes.sort();
        routes
    }

    /// Every write so far, in order.
    pub fn writes(&self) -> Vec<String> {
        self.lock().writes.clone()
    }

    /// How many read calls were made.
    pub fn reads(&self) -> usize {
        self.lock().reads
    }

    /// Moves every peering one step along the part of its life AWS drives:
    /// a request becomes `pendingAcceptance`, an accepted one `available`.
    /// (Accepting is the tool's step.)
    pub fn advance_peerings(&self) {
        for p in &mut self.lock().peerings {
            for v in p.states.values_mut() {
                *v = match &*v {
                    PeeringState::InitiatingRequest => PeeringState::PendingAcceptance,
                    PeeringState::Pending => PeeringState::Available,
                    other => other.clone(),
                };
            }
        }
    }

    /// Sets the association state of one CIDR block of a VPC (adding the block if missing).
    pub fn set_cidr(&self, r: &str, id: &str, cidr: &str, state: CidrState) {
        let mut s = self.lock();
        let id = VpcId::parse(id).unwrap();
        let vpc = World::region_mut(&mut s, r)
            .vpcs
            .iter_mut()
            .find(|v| v.id == id)
            .unwrap();
        let cidr = Cidr::parse(cidr).unwrap();
        match vpc.cidrs.iter_mut().find(|(c, _)| *c == cidr) {
            Some(entry) => entry.1 = state,
            None => vpc.cidrs.push((cidr, state)),
        }
    }

    /// The transit gateway of a Region.
    pub fn tgw(&self, r: &str) -> TransitGatewayId {
        self.lock().regions[&region(r)].transit_gateways[0]
            .id
            .clone()
    }

    /// The first peering listed between two Regions, if any.
    pub fn peering_between(&self, a: &str, b: &str) -> Option<AttachmentId> {
        let (a, b) = (region(a), region(b));
        self.lock()
            .peerings
            .iter()
            .find(|p| {
                let ends = (&p.requester.region, &p.accepter.region);
                ends == (&a, &b) || ends == (&b, &a)
            })
            .map(|p| p.id.clone())
    }

    /// Region `r`'s transit gateway belongs to `account` (a spoke account).
    pub fn owned_by(&self, r: &str, account: &str) {
        let mut s = self.lock();
        World::region_mut(&mut s, r).transit_gateways[0].owner_id =
            Some(AccountId::parse(account).unwrap());
    }

    /// The accepter account each peering was requested with (`PeerAccountId`).
    pub fn peer_accounts(&self) -> Vec<Option<AccountId>> {
        self.lock()
            .peerings
            .iter()
            .map(|p| p.accepter.account_id.clone())
            .collect()
    }

    /// The whole network, sorted and named by Regions rather than by the ids
    /// a run happened to create, so that two runs can be compared: every
    /// peering with each side's state, every association and every route.
    pub fn network(&self) -> Vec<String> {
        let s = self.lock();
        let pair = |a: &AttachmentId| match s.peerings.iter().find(|p| &p.id == a) {
            Some(p) => format!(
                "the {} -> {} peering",
                p.requester.region, p.accepter.region
            ),
            None => format!("unknown attachment {a}"),
        };
        let mut lines: Vec<String> = s
            .peerings
            .iter()
            .map(|p| {
                let states: Vec<String> =
                    p.states.iter().map(|(r, st)| format!("{r} {st}")).collect();
                format!(
                    "peering {} -> {}: {}",
                    p.requester.region,
                    p.accepter.region,
                    states.join(", ")
                )
            })
            .collect();
        for (r, rs) in &s.regions {
            let Some(table) = &rs.route_table else {
                continue;
            };
            lines.extend(
                table
                    .associations
                    .iter()
                    .map(|a| format!("{r}: {} associated", pair(a))),
            );
            lines.extend(table.static_routes.iter().map(|route| match &route.target {
                RouteTarget::Attachment(a) => format!("{r}: route {} via {}", route.cidr, pair(a)),
                other => format!("{r}: route {} {other:?}", route.cidr),
            }));
        }
        lines.sort();
        lines
    }
}

impl Ec2Clients for World {
    fn ec2(&self, r: &Region) -> Result<Arc<dyn Ec2Region>, Error> {
        if !self.lock().regions.contains_key(r) {
            return Err(Error::Internal {
                message: format!("{r} is not in the world"),
                source: None,
            });
        }
        Ok(Arc::new(RegionView {
            region: r.clone(),
            world: self.clone(),
        }))
    }
}

/// One Region's EC2 API on the world.
struct RegionView {
    region: Region,
    world: World,
}

impl RegionView {
    fn with<T>(&self, f: impl FnOnce(&mut State, &Region) -> T) -> T {
        let mut s = self.world.lock();
        f(&mut s, &self.region)
    }

    fn read<T>(&self, f: impl FnOnce(&State, &RegionState) -> T) -> T {
        self.with(|s, r| {
            s.reads += 1;
            f(s, &s.regions[r])
        })
    }

    fn refused(&self, operation: &'static str) -> Error {
        Error::aws(
            self.region.clone(),
            operation,
            Some("InvalidParameterValue"),
            "the route table refuses the route",
            false,
        )
    }
}

fn table_mut<'a>(
    s: &'a mut State,
    r: &Region,
) -> &'a mut tgw_peering_core::observed::RouteTableState {
    s.regions.get_mut(r).unwrap().route_table.as_mut().unwrap()
}

fn vpc_table_mut<'a>(
    s: &'a mut State,
    r: &Region,
    rt: &VpcRouteTableId,
) -> Option<&'a mut VpcRouteTable> {
    s.regions
        .get_mut(r)?
        .vpc_route_tables
        .as_mut()?
        .iter_mut()
        .find(|t| &t.id == rt)
}

#[async_trait]
impl Ec2Region for RegionView {
    fn region(&self) -> &Region {
        &self.region
    }

    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        Ok(self.read(|_, rs| rs.transit_gateways.clone()))
    }

    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        Ok(self.read(|_, rs| rs.vpcs.clone()))
    }

    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        let region = self.region.clone();
        Ok(self.read(|s, _| {
            s.peerings
                .iter()
                .filter(|p| p.states.contains_key(&region))
                .map(|p| {
                    // Each Region reports only its own view of the state.
                    let mut p = p.clone();
                    p.states.retain(|r, _| *r == region);
                    p
                })
                .collect()
        }))
    }

    async fn static_routes(&self, _: &RouteTableId) -> Result<RouteSearch, Error> {
        Ok(self.read(|_, rs| {
            let table = rs.route_table.as_ref();
            RouteSearch {
                routes: table.map(|t| t.static_routes.clone()).unwrap_or_default(),
                truncated: table.is_some_and(|t| t.truncated),
            }
        }))
    }

    async fn associations(&self, _: &RouteTableId) -> Result<BTreeSet<AttachmentId>, Error> {
        Ok(self.read(|_, rs| {
            rs.route_table
                .as_ref()
                .map(|t| t.associations.clone())
                .unwrap_or_default()
        }))
    }

    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        Ok(self.read(|_, rs| rs.vpc_route_tables.clone().unwrap_or_default()))
    }

    async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        tags: &[(String, String)],
    ) -> Result<AttachmentId, Error> {
        Ok(self.with(|s, r| {
            let rival = s.rival.take();
            let owner = s.regions[r].transit_gateways[0].owner_id.clone();
            let create = |s: &mut State| {
                s.next += 1;
                let id = AttachmentId::parse(&format!("tgw-attach-0{:016x}", s.next)).unwrap();
                let states = [r.clone(), accepter.region.clone()]
                    .into_iter()
                    .map(|r| (r, PeeringState::InitiatingRequest))
                    .collect();
                s.peerings.push(PeeringAttachment {
                    id: id.clone(),
                    requester: GatewayRef {
                        region: r.clone(),
                        transit_gateway_id: requester.clone(),
                        account_id: owner.clone(),
                    },
                    accepter: accepter.clone(),
                    states,
                    created_at: Some(i64::from(s.next)),
                    tags: tags.iter().cloned().collect(),
                });
                id
            };
            if rival == Some(true) {
                create(s);
            }
            let id = create(s);
            if rival == Some(false) {
                create(s);
            }
            s.writes.push(format!("create_peering {r} {id}"));
            id
        }))
    }

    async fn accept_peering(&self, a: &AttachmentId) -> Result<Outcome, Error> {
        self.with(|s, r| {
            s.writes.push(format!("accept {r} {a}"));
            let p = s.peerings.iter_mut().find(|p| &p.id == a).unwrap();
            match p.state() {
                PeeringState::PendingAcceptance => {
                    for v in p.states.values_mut() {
                        *v = PeeringState::Pending;
                    }
                    Ok(Outcome::Done)
                }
                PeeringState::Pending | PeeringState::Available => {
                    Ok(Outcome::AlreadyDone("already accepted".into()))
                }
                other => Err(Error::aws(
                    r.clone(),
                    "AcceptTransitGatewayPeeringAttachment",
                    Some("IncorrectState"),
                    format!("the attachment is {other}"),
                    false,
                )),
            }
        })
    }

    async fn delete_peering(&self, a: &AttachmentId) -> Result<Outcome, Error> {
        Ok(self.with(|s, r| {
            s.writes.push(format!("delete_peering {r} {a}"));
            s.peerings.retain(|p| &p.id != a);
            Outcome::Done
        }))
    }

    async fn associate_route_table(
        &self,
        _: &RouteTableId,
        a: &AttachmentId,
    ) -> Result<Outcome, Error> {
        Ok(self.with(|s, r| {
            s.writes.push(format!("associate {r} {a}"));
            if table_mut(s, r).associations.insert(a.clone()) {
                Outcome::Done
            } else {
                Outcome::AlreadyDone("already associated".into())
            }
        }))
    }

    async fn create_route(
        &self,
        _: &RouteTableId,
        cidr: &Cidr,
        a: &AttachmentId,
    ) -> Result<Outcome, Error> {
        self.with(|s, r| {
            s.writes.push(format!("create_route {r} {cidr}"));
            if s.refuse_routes {
                return Err(self.refused("CreateTransitGatewayRoute"));
            }
            let table = table_mut(s, r);
            if table.static_routes.iter().any(|route| route.cidr == *cidr) {
                return Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()));
            }
            let target = RouteTarget::Attachment(a.clone());
            table.static_routes.push(StaticRoute {
                cidr: *cidr,
                target,
                state: "active".into(),
            });
            Ok(Outcome::Done)
        })
    }

    async fn delete_route(&self, _: &RouteTableId, cidr: &Cidr) -> Result<Outcome, Error> {
        Ok(self.with(|s, r| {
            s.writes.push(format!("delete_route {r} {cidr}"));
            let table = table_mut(s, r);
            let before = table.static_routes.len();
            table.static_routes.retain(|route| route.cidr != *cidr);
            if table.static_routes.len() < before {
                Outcome::Done
            } else {
                Outcome::AlreadyDone("InvalidRoute.NotFound".into())
            }
        }))
    }

    async fn create_vpc_route(
        &self,
        rt: &VpcRouteTableId,
        cidr: &Cidr,
        tgw: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        self.with(|s, r| {
            s.writes.push(format!("create_vpc_route {r} {rt} {cidr}"));
            let Some(table) = vpc_table_mut(s, r, rt) else {
                return Err(Error::Input(format!(
                    "no VPC route table {rt} in this world"
                )));
            };
            if table.routes.iter().any(|route| route.cidr == *cidr) {
                return Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()));
            }
            table.routes.push(VpcRoute {
                cidr: *cidr,
                target: VpcRouteTarget::TransitGateway(tgw.clone()),
                origin: CREATE_ROUTE_ORIGIN.to_owned(),
                state: "active".into(),
            });
            Ok(Outcome::Done)
        })
    }

    async fn delete_vpc_route(&self, rt: &VpcRouteTableId, cidr: &Cidr) -> Result<Outcome, Error> {
        self.with(|s, r| {
            s.writes.push(format!("delete_vpc_route {r} {rt} {cidr}"));
            let Some(table) = vpc_table_mut(s, r, rt) else {
                return Err(Error::Input(format!(
                    "no VPC route table {rt} in this world"
                )));
            };
            let before = table.routes.len();
            table.routes.retain(|route| route.cidr != *cidr);
            Ok(if table.routes.len() < before {
                Outcome::Done
            } else {
                Outcome::AlreadyDone("InvalidRoute.NotFound".into())
            })
        })
    }
}
