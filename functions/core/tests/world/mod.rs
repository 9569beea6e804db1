//! An in-memory, stateful EC2 of several Regions, plus an event bus, a
//! re-check queue and an identity that record what they are given. It answers
//! like AWS where the tool depends on it: peering states move only when the
//! test moves them, `RouteAlreadyExists` and accepting twice are repeats, and
//! accepting outside `pendingAcceptance` is `IncorrectState`.
#![allow(dead_code, clippy::unwrap_used)] // shared by several test files

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{json, Value};
use tgw_peering_core::domain::{
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState, Region,
    RouteTableId, RouteTarget, StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcId,
};
use tgw_peering_core::events::Recheck;
use tgw_peering_core::handler::{EventBus, Handler, Identity, OutEvent, RecheckQueue};
use tgw_peering_core::ports::{Ec2Clients, Ec2Region, Outcome, RouteSearch};
use tgw_peering_core::{Config, Error};

pub const ACCOUNT: &str = "123456789012";

pub fn region(r: &str) -> Region {
    Region::parse(r).unwrap()
}

/// The repository's event fixtures.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct RegionState {
    tgw: TransitGatewayId,
    route_table: RouteTableId,
    vpcs: BTreeMap<VpcId, Vpc>,
    routes: BTreeMap<Cidr, AttachmentId>,
    associations: BTreeSet<AttachmentId>,
}

#[derive(Default)]
struct State {
    regions: BTreeMap<Region, RegionState>,
    /// The Regions in the order given: PEERING_REGIONS keeps it.
    order: Vec<Region>,
    peerings: Vec<PeeringAttachment>,
    next: u32,
    reads: usize,
    writes: Vec<String>,
    /// Route writes fail permanently (as for a route table that refuses them).
    refuse_routes: bool,
    /// Another invocation creates the same pair's peering alongside the
    /// next create: `Some(true)` just before it (the rival is older),
    /// `Some(false)` just after it (the rival is newer).
    rival: Option<bool>,
    /// The owner account of a Region's transit gateway, when not ACCOUNT.
    owners: BTreeMap<Region, AccountId>,
}

impl State {
    fn owner(&self, r: &Region) -> AccountId {
        self.owners
            .get(r)
            .cloned()
            .unwrap_or_else(|| AccountId::parse(ACCOUNT).unwrap())
    }
}

/// The world; cheap to clone, every clone sees the same state.
#[derive(Clone, Default)]
pub struct World(Arc<Mutex<State>>);

impl World {
    /// A world with one transit gateway (and its default route table) per Region.
    pub fn new(regions: &[&str]) -> World {
        let world = World::default();
        {
            let mut s = world.0.lock().unwrap();
            for (i, r) in regions.iter().enumerate() {
                s.order.push(region(r));
                s.regions.insert(
                    region(r),
                    RegionState {
                        tgw: TransitGatewayId::parse(&format!("tgw-0{i:016x}")).unwrap(),
                        route_table: RouteTableId::parse(&format!("tgw-rtb-0{i:016x}")).unwrap(),
                        vpcs: BTreeMap::new(),
                        routes: BTreeMap::new(),
                        associations: BTreeSet::new(),
                    },
                );
            }
        }
        world
    }

    pub fn config(&self) -> Config {
        let list: Vec<String> = self
            .0
            .lock()
            .unwrap()
            .order
            .iter()
            .map(|r| r.to_string())
            .collect();
        let list = list.join(",");
        Config::from_lookup(|k| (k == "PEERING_REGIONS").then(|| list.clone())).unwrap()
    }

    /// Adds or replaces a VPC, tagged `addToTransitGateway=true` when `tagged`.
    pub fn vpc(&self, r: &str, id: &str, cidrs: &[&str], tagged: bool) {
        let mut tags = BTreeMap::new();
        if tagged {
            tags.insert("addToTransitGateway".to_owned(), "true".to_owned());
        }
        let vpc = Vpc {
            id: VpcId::parse(id).unwrap(),
            tags,
            cidrs: cidrs
                .iter()
                .map(|c| (Cidr::parse(c).unwrap(), CidrState::Associated))
                .collect(),
        };
        let mut s = self.0.lock().unwrap();
        s.regions
            .get_mut(&region(r))
            .unwrap()
            .vpcs
            .insert(vpc.id.clone(), vpc);
    }

    pub fn untag(&self, r: &str, id: &str) {
        let mut s = self.0.lock().unwrap();
        let vpc = s
            .regions
            .get_mut(&region(r))
            .unwrap()
            .vpcs
            .get_mut(&VpcId::parse(id).unwrap())
            .unwrap();
        vpc.tags.remove("addToTransitGateway");
    }

    /// Moves every peering to `state` (both sides).
    pub fn set_peering_state(&self, state: PeeringState) {
        let mut s = self.0.lock().unwrap();
        for p in &mut s.peerings {
            for v in p.states.values_mut() {
                *v = state.clone();
            }
        }
    }

    /// Moves one side of every peering: `None` makes that Region stop
    /// listing it (as before AWS shows a new request to the accepter).
    pub fn set_side_state(&self, r: &str, state: Option<PeeringState>) {
        let mut s = self.0.lock().unwrap();
        for p in &mut s.peerings {
            match &state {
                Some(state) => {
                    p.states.insert(region(r), state.clone());
                }
                None => {
                    p.states.remove(&region(r));
                }
            }
        }
    }

    /// The next peering create races with another invocation's create of
    /// the same pair, which lands just before (`rival_is_older`) or just after it.
    pub fn race_next_create(&self, rival_is_older: bool) {
        self.0.lock().unwrap().rival = Some(rival_is_older);
    }

    /// Makes every route write fail permanently from now on.
    pub fn refuse_routes(&self) {
        self.0.lock().unwrap().refuse_routes = true;
    }

    /// The peerings: (id, state).
    pub fn peerings(&self) -> Vec<(AttachmentId, PeeringState)> {
        let s = self.0.lock().unwrap();
        s.peerings
            .iter()
            .map(|p| (p.id.clone(), p.state()))
            .collect()
    }

    /// The static routes of a Region's route table, as "CIDR -> attachment".
    pub fn routes(&self, r: &str) -> Vec<String> {
        let s = self.0.lock().unwrap();
        s.regions[&region(r)]
            .routes
            .iter()
            .map(|(c, a)| format!("{c} -> {a}"))
            .collect()
    }

    /// Every write so far, in order.
    pub fn writes(&self) -> Vec<String> {
        self.0.lock().unwrap().writes.clone()
    }

    /// How many read calls were made.
    pub fn reads(&self) -> usize {
        self.0.lock().unwrap().reads
    }
}

impl Ec2Clients for World {
    fn ec2(&self, r: &Region) -> Result<Arc<dyn Ec2Region>, Error> {
        if !self.0.lock().unwrap().regions.contains_key(r) {
            return Err(Error::Input(format!("{r} is not in the world")));
        }
        Ok(Arc::new(RegionView {
            region: r.clone(),
            world: self.clone(),
        }))
    }
}

struct RegionView {
    region: Region,
    world: World,
}

impl RegionView {
    fn with<T>(&self, f: impl FnOnce(&mut State, &Region) -> T) -> T {
        let mut s = self.world.0.lock().unwrap();
        f(&mut s, &self.region)
    }

    fn read<T>(&self, f: impl FnOnce(&State, &RegionState) -> T) -> T {
        self.with(|s, r| {
            s.reads += 1;
            f(s, &s.regions[r])
        })
    }
}

#[async_trait]
impl Ec2Region for RegionView {
    fn region(&self) -> &Region {
        &self.region
    }

    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        Ok(self.read(|s, rs| {
            vec![TransitGateway {
                id: rs.tgw.clone(),
                owner_id: Some(s.owner(&self.region)),
                state: "available".into(),
                default_association_route_table: Some(rs.route_table.clone()),
            }]
        }))
    }

    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        Ok(self.read(|_, rs| rs.vpcs.values().cloned().collect()))
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
        Ok(self.read(|_, rs| RouteSearch {
            routes: rs
                .routes
                .iter()
                .map(|(c, a)| StaticRoute {
                    cidr: *c,
                    target: RouteTarget::Attachment(a.clone()),
                    state: "active".into(),
                })
                .collect(),
            truncated: false,
        }))
    }

    async fn associations(&self, _: &RouteTableId) -> Result<BTreeSet<AttachmentId>, Error> {
        Ok(self.read(|_, rs| rs.associations.clone()))
    }

    async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        tags: &[(String, String)],
    ) -> Result<AttachmentId, Error> {
        Ok(self.with(|s, r| {
            let rival = s.rival.take();
            let create = |s: &mut State| {
                s.next += 1;
                let id = AttachmentId::parse(&format!("tgw-attach-0{:016x}", s.next)).unwrap();
                let mut states = BTreeMap::new();
                states.insert(r.clone(), PeeringState::InitiatingRequest);
                states.insert(accepter.region.clone(), PeeringState::InitiatingRequest);
                s.peerings.push(PeeringAttachment {
                    id: id.clone(),
                    requester: GatewayRef {
                        region: r.clone(),
                        transit_gateway_id: requester.clone(),
                        account_id: Some(s.owner(r)),
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
                other => Err(Error::Aws {
                    region: r.clone(),
                    operation: "AcceptTransitGatewayPeeringAttachment",
                    code: Some("IncorrectState".into()),
                    message: format!("the attachment is {other}"),
                    retryable: false,
                }),
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
            let rs = s.regions.get_mut(r).unwrap();
            if rs.associations.insert(a.clone()) {
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
                return Err(Error::Aws {
                    region: r.clone(),
                    operation: "CreateTransitGatewayRoute",
                    code: Some("InvalidParameterValue".into()),
                    message: "the route table refuses the route".into(),
                    retryable: false,
                });
            }
            let rs = s.regions.get_mut(r).unwrap();
            if rs.routes.contains_key(cidr) {
                Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()))
            } else {
                rs.routes.insert(*cidr, a.clone());
                Ok(Outcome::Done)
            }
        })
    }

    async fn delete_route(&self, _: &RouteTableId, cidr: &Cidr) -> Result<Outcome, Error> {
        Ok(self.with(|s, r| {
            s.writes.push(format!("delete_route {r} {cidr}"));
            let rs = s.regions.get_mut(r).unwrap();
            match rs.routes.remove(cidr) {
                Some(_) => Outcome::Done,
                None => Outcome::AlreadyDone("InvalidRoute.NotFound".into()),
            }
        }))
    }
    // MANAGE_VPC_ROUTES: this world has no VPC route tables.
    async fn vpc_route_tables(
        &self,
    ) -> Result<Vec<tgw_peering_core::domain::VpcRouteTable>, Error> {
        Ok(vec![])
    }
    async fn create_vpc_route(
        &self,
        rt: &tgw_peering_core::domain::VpcRouteTableId,
        _: &Cidr,
        _: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        Err(Error::Input(format!(
            "no VPC route table {rt} in this world"
        )))
    }
    async fn delete_vpc_route(
        &self,
        rt: &tgw_peering_core::domain::VpcRouteTableId,
        _: &Cidr,
    ) -> Result<Outcome, Error> {
        Err(Error::Input(format!(
            "no VPC route table {rt} in this world"
        )))
    }
}

/// Records what is published; fails every call while `failing` is set.
#[derive(Default)]
pub struct Bus {
    pub events: Mutex<Vec<OutEvent>>,
    pub failing: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl EventBus for Bus {
    async fn publish(&self, events: &[OutEvent]) -> Result<(), Error> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Aws {
                region: region("us-east-1"),
                operation: "PutEvents",
                code: Some("InternalFailure".into()),
                message: "the bus is down".into(),
                retryable: true,
            });
        }
        self.events.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
}

impl Bus {
    /// Takes what was published so far.
    pub fn take(&self) -> Vec<OutEvent> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

/// Records every re-check sent, with its delay; fails every send while
/// `failing` is set.
#[derive(Default)]
pub struct Queue {
    pub sent: Mutex<Vec<(Recheck, i32)>>,
    pub failing: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl RecheckQueue for Queue {
    async fn send(&self, recheck: &Recheck, delay_secs: i32) -> Result<(), Error> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Aws {
                region: region("us-east-1"),
                operation: "SendMessage",
                code: Some("ThrottlingException".into()),
                message: "slow down".into(),
                retryable: true,
            });
        }
        self.sent
            .lock()
            .unwrap()
            .push((recheck.clone(), delay_secs));
        Ok(())
    }
}

impl Queue {
    pub fn take(&self) -> Vec<(Recheck, i32)> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

/// The caller's account, as STS would say.
pub struct Caller(pub &'static str);

#[async_trait]
impl Identity for Caller {
    async fn account(&self) -> Result<AccountId, Error> {
        Ok(AccountId::parse(self.0).unwrap())
    }
}

/// A world, its handler and the handler's bus and queue.
pub struct Rig {
    pub world: World,
    pub bus: Arc<Bus>,
    pub queue: Arc<Queue>,
    pub handler: Handler,
}

impl Rig {
    pub fn new(world: World) -> Rig {
        let bus = Arc::new(Bus::default());
        let queue = Arc::new(Queue::default());
        let handler = Handler::new(
            world.config(),
            Arc::new(world.clone()),
            Some(bus.clone()),
            Some(queue.clone()),
            Arc::new(Caller(ACCOUNT)),
        );
        Rig {
            world,
            bus,
            queue,
            handler,
        }
    }
}

/// An event published by the tool, as EventBridge would deliver it.
pub fn delivered(e: &OutEvent, id: &str) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": e.detail_type,
        "source": "tgw-peering",
        "account": ACCOUNT,
        "time": "2026-11-26T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": e.detail,
    })
}

/// Re-check requests as the Lambda SQS integration delivers them.
pub fn sqs_batch(rechecks: &[Recheck]) -> Value {
    let records: Vec<Value> = rechecks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "messageId": format!("msg-{i}-{}", r.attempt),
                "receiptHandle": "handle",
                "body": serde_json::to_string(r).unwrap(),
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tgw-peering-recheck",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    json!({ "Records": records })
}

/// Helpers of the reliability tests (`tests/reliability.rs`).
impl World {
    /// Moves every peering one step along the part of its life AWS drives:
    /// a request becomes `pendingAcceptance`, an accepted one `available`.
    /// (Accepting is the tool's step.)
    pub fn advance_peerings(&self) {
        let mut s = self.0.lock().unwrap();
        for p in &mut s.peerings {
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
        let mut s = self.0.lock().unwrap();
        let vpc = s
            .regions
            .get_mut(&region(r))
            .unwrap()
            .vpcs
            .get_mut(&VpcId::parse(id).unwrap())
            .unwrap();
        let cidr = Cidr::parse(cidr).unwrap();
        match vpc.cidrs.iter_mut().find(|(c, _)| *c == cidr) {
            Some(entry) => entry.1 = state,
            None => vpc.cidrs.push((cidr, state)),
        }
    }

    /// The transit gateway of a Region.
    pub fn tgw(&self, r: &str) -> TransitGatewayId {
        self.0.lock().unwrap().regions[&region(r)].tgw.clone()
    }

    /// The first peering listed between two Regions, if any.
    pub fn peering_between(&self, a: &str, b: &str) -> Option<AttachmentId> {
        let (a, b) = (region(a), region(b));
        let s = self.0.lock().unwrap();
        s.peerings
            .iter()
            .find(|p| {
                let ends = (&p.requester.region, &p.accepter.region);
                ends == (&a, &b) || ends == (&b, &a)
            })
            .map(|p| p.id.clone())
    }

    /// The whole network, sorted and named by Regions rather than by the ids
    /// a run happened to create, so that two runs can be compared: every
    /// peering with each side's state, every association and every route.
    pub fn network(&self) -> Vec<String> {
        let s = self.0.lock().unwrap();
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
            lines.extend(
                rs.associations
                    .iter()
                    .map(|a| format!("{r}: {} associated", pair(a))),
            );
            lines.extend(
                rs.routes
                    .iter()
                    .map(|(c, a)| format!("{r}: route {c} via {}", pair(a))),
            );
        }
        lines.sort();
        lines
    }
}

/// Helpers of the cross-account tests (`tests/accounts.rs`).
impl World {
    /// Region `r`'s transit gateway belongs to `account` (a spoke account).
    pub fn owned_by(&self, r: &str, account: &str) {
        self.0
            .lock()
            .unwrap()
            .owners
            .insert(region(r), AccountId::parse(account).unwrap());
    }

    /// The accepter account each peering was requested with (`PeerAccountId`).
    pub fn peer_accounts(&self) -> Vec<Option<AccountId>> {
        let s = self.0.lock().unwrap();
        s.peerings
            .iter()
            .map(|p| p.accepter.account_id.clone())
            .collect()
    }
}

impl Rig {
    /// A rig whose handler runs with `config` (e.g. with ACCOUNT_ROLE_ARNS).
    pub fn with_config(world: World, config: Config) -> Rig {
        let mut rig = Rig::new(world);
        rig.handler = Handler::new(
            config,
            Arc::new(rig.world.clone()),
            Some(rig.bus.clone()),
            Some(rig.queue.clone()),
            Arc::new(Caller(ACCOUNT)),
        );
        rig
    }
}
