//! An in-memory, stateful EC2 of several Regions, built from a
//! [`Scenario`]. It answers like AWS where the tool depends on it: peering
//! states move only when the test moves them, `RouteAlreadyExists` and
//! accepting twice are repeats, and accepting outside `pendingAcceptance`
//! is `IncorrectState`. It counts reads and records every write.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tgw_peering_core::config::Config;
use tgw_peering_core::domain::{
    AccountId, AttachmentId, CidrState, PeeringAttachment, PeeringState, Region, RouteTarget,
    TransitGatewayId, VpcId,
};
use tgw_peering_core::observed::RegionState;
use tgw_peering_core::ports::{Ec2Clients, Ec2ReadClients, Ec2Reads, Ec2Region, WorkloadVpcs};
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
    /// How long each write takes (on tokio's clock), as AWS's latency.
    pub write_delay: std::time::Duration,
    /// Another invocation creates the same pair's peering alongside the
    /// next create: `Some(true)` just before it (the rival is older),
    /// `Some(false)` just after it (the rival is newer).
    pub rival: Option<bool>,
    /// Workload accounts whose role cannot be assumed (STS `AccessDenied`).
    pub denied: std::collections::BTreeSet<AccountId>,
    /// VPCs of other accounts shared into the Region's account (VPC
    /// sharing): its own `DescribeVpcs` lists them, without their tags.
    pub shared: std::collections::BTreeSet<VpcId>,
    /// Regions whose route search flags more routes without a way to
    /// read them (`AdditionalRoutesAvailable` and no `NextToken`).
    pub partial: std::collections::BTreeSet<Region>,
    /// Calls that wrote the records of broken hops on a route table.
    pub path_records: usize,
}

/// The world; cheap to clone, every clone sees the same state.
#[derive(Clone)]
pub struct World(pub(super) Arc<Mutex<State>>);

impl Scenario {
    /// This scenario as a stateful EC2.
    pub fn world(self) -> World {
        let observed = self.recorded();
        let peerings = observed.peerings();
        let mut regions = observed.regions;
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
            write_delay: std::time::Duration::ZERO,
            rival: None,
            denied: std::collections::BTreeSet::new(),
            shared: std::collections::BTreeSet::new(),
            partial: std::collections::BTreeSet::new(),
            path_records: 0,
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
    /// Adds or replaces a VPC, attached to the Region's gateway (as
    /// [`Scenario::vpc`]); `tag` is the value of `addToTransitGateway`.
    pub fn vpc(&self, r: &str, id: &str, tag: Option<&str>, cidrs: &[&str]) {
        let vpc = super::scenario::vpc_of(id, tag, cidrs);
        let mut s = self.lock();
        super::scenario::put_vpc(World::region_mut(&mut s, r), vpc, Some("available"));
    }

    /// Adds or replaces a VPC of workload account `account`, attached to
    /// the Region's gateway (shared with it): listed only by that account's
    /// reads ([`Ec2Clients::workload`]), its attachment by the Region's.
    pub fn workload_vpc(
        &self,
        r: &str,
        account: &str,
        id: &str,
        tag: Option<&str>,
        cidrs: &[&str],
    ) {
        self.vpc(r, id, tag, cidrs);
        let mut s = self.lock();
        super::scenario::owned_by(
            World::region_mut(&mut s, r),
            &VpcId::parse(id).unwrap(),
            account,
        );
    }

    /// Sets the state of the Region's managed transit gateway
    /// (`modifying`, `available`…).
    pub fn set_gateway_state(&self, r: &str, state: &str) {
        let mut s = self.lock();
        World::region_mut(&mut s, r).transit_gateways[0].state =
            tgw_peering_core::domain::TgwState::parse(state);
    }

    /// Sets the state of VPC `id`'s attachment (`deleted`, `pending`…).
    pub fn set_attachment_state(&self, r: &str, id: &str, state: &str) {
        let attachment = super::scenario::vpc_attachment(&VpcId::parse(id).unwrap());
        let mut s = self.lock();
        for a in World::region_mut(&mut s, r).attachments.iter_mut().filter(|a| a.id == attachment)
        {
            a.state = state.into();
        }
    }

    /// VPC `id`'s attachment has `Ipv6Support` disabled (AWS's default):
    /// its IPv6 blocks no longer propagate ("IPv6 routes do not
    /// propagate", `TransitGatewayVpcAttachmentOptions`).
    pub fn without_ipv6_support(&self, r: &str, id: &str) {
        let mut s = self.lock();
        super::scenario::no_ipv6_support(World::region_mut(&mut s, r), &VpcId::parse(id).unwrap());
    }

    /// The managed table of `r` no longer has the propagated route of
    /// `cidr` (its attachment's propagation turned off).
    pub fn unpropagate(&self, r: &str, cidr: &str) {
        let cidr = super::cidr(cidr);
        let mut s = self.lock();
        let table = World::region_mut(&mut s, r).route_table.as_mut().unwrap();
        table.routes.retain(|route| route.cidr != cidr || route.is_static());
    }

    /// VPC `id` (another account's) is shared into the Region's account:
    /// the account's own read lists it, without its owner's tags.
    pub fn share_vpc(&self, id: &str) {
        self.lock().shared.insert(VpcId::parse(id).unwrap());
    }

    /// VPC `id` is no longer listed by any read (its attachment stays), as
    /// an eventually consistent `DescribeVpcs` may answer.
    pub fn forget_vpc(&self, r: &str, id: &str) {
        let mut s = self.lock();
        World::region_mut(&mut s, r).vpcs.retain(|v| v.id.as_str() != id);
    }

    /// From now on, workload account `account`'s role cannot be assumed
    /// (`false`: it can again).
    pub fn deny_role(&self, account: &str, denied: bool) {
        let account = AccountId::parse(account).unwrap();
        let mut s = self.lock();
        if denied {
            s.denied.insert(account);
        } else {
            s.denied.remove(&account);
        }
    }

    /// Deletes a VPC and its attachment (the routes toward it stay, as
    /// blackholes).
    pub fn delete_vpc(&self, r: &str, id: &str) {
        let id = VpcId::parse(id).unwrap();
        let attachment = super::scenario::vpc_attachment(&id);
        let mut s = self.lock();
        let state = World::region_mut(&mut s, r);
        state.vpcs.retain(|v| v.id != id);
        state.attachments.retain(|a| a.id != attachment);
        let table = state.route_table.as_mut().unwrap();
        table
            .routes
            .retain(|r| r.is_static() || r.target != RouteTarget::Attachment(attachment.clone()));
        blackhole(table, &attachment);
    }

    /// Tags a VPC `TAG=true`.
    pub fn tag(&self, r: &str, id: &str) {
        let mut s = self.lock();
        let id = VpcId::parse(id).unwrap();
        let vpc = World::region_mut(&mut s, r).vpcs.iter_mut().find(|v| v.id == id).unwrap();
        vpc.tags.insert(super::TAG.to_owned(), "true".to_owned());
    }

    pub fn untag(&self, r: &str, id: &str) {
        let mut s = self.lock();
        let id = VpcId::parse(id).unwrap();
        let vpc = World::region_mut(&mut s, r).vpcs.iter_mut().find(|v| v.id == id).unwrap();
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

    /// Each write takes `delay` from now on (on tokio's clock: a test with
    /// paused time runs it at once).
    pub fn slow_writes(&self, delay: std::time::Duration) {
        self.lock().write_delay = delay;
    }

    /// Changes what Region `r` holds (its ledger lists, say) in place.
    pub fn edit(&self, r: &str, f: impl FnOnce(&mut RegionState)) {
        let mut s = self.lock();
        f(World::region_mut(&mut s, r));
    }

    /// From now on, Region `r`'s route search answers in part (more routes
    /// flagged, no `NextToken`).
    pub fn partial_search(&self, r: &str) {
        self.lock().partial.insert(super::region(r));
    }

    /// Makes every route write fail permanently from now on.
    pub fn refuse_routes(&self) {
        self.lock().refuse_routes = true;
    }

    /// The peerings: (id, state).
    pub fn peerings(&self) -> Vec<(AttachmentId, PeeringState)> {
        self.lock().peerings.iter().map(|p| (p.id.clone(), p.state())).collect()
    }

    /// The static routes of a Region's route table, as "CIDR -> attachment".
    pub fn routes(&self, r: &str) -> Vec<String> {
        let s = self.lock();
        let table = s.regions[&region(r)].route_table.as_ref().unwrap();
        let mut routes: Vec<String> = table
            .routes
            .iter()
            .filter(|route| route.is_static())
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
        let vpc = World::region_mut(&mut s, r).vpcs.iter_mut().find(|v| v.id == id).unwrap();
        let cidr = tgw_peering_core::domain::Cidr::parse(cidr).unwrap();
        match vpc.cidrs.iter_mut().find(|(c, _)| *c == cidr) {
            Some(entry) => entry.1 = state,
            None => vpc.cidrs.push((cidr, state)),
        }
    }

    /// The transit gateway of a Region.
    pub fn tgw(&self, r: &str) -> TransitGatewayId {
        self.lock().regions[&region(r)].transit_gateways[0].id.clone()
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
        let account = AccountId::parse(account).unwrap();
        let mut s = self.lock();
        let state = World::region_mut(&mut s, r);
        state.account = Some(account.clone());
        state.transit_gateways[0].owner_id = Some(account);
    }

    /// The accepter account each peering was requested with (`PeerAccountId`).
    pub fn peer_accounts(&self) -> Vec<Option<AccountId>> {
        self.lock().peerings.iter().map(|p| p.accepter.account_id.clone()).collect()
    }

    /// The whole network, sorted and named by Regions rather than by the ids
    /// a run happened to create, so that two runs can be compared: every
    /// peering with each side's state, every association and every route.
    pub fn network(&self) -> Vec<String> {
        let s = self.lock();
        let pair = |a: &AttachmentId| match s.peerings.iter().find(|p| &p.id == a) {
            Some(p) => format!("the {} -> {} peering", p.requester.region, p.accepter.region),
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
            lines.extend(table.associations.iter().map(|a| format!("{r}: {} associated", pair(a))));
            lines.extend(table.routes.iter().filter(|r| r.is_static()).map(|route| {
                match &route.target {
                    RouteTarget::Attachment(a) => {
                        format!("{r}: route {} via {}", route.cidr, pair(a))
                    }
                    other => format!("{r}: route {} {other:?}", route.cidr),
                }
            }));
        }
        lines.sort();
        lines
    }
}

impl Ec2ReadClients for World {
    fn reads(&self, region: &Region) -> Result<Arc<dyn Ec2Reads>, Error> {
        let ec2: Arc<dyn Ec2Reads> = self.ec2(region)?;
        Ok(ec2)
    }

    fn workload(&self, r: &Region, account: &AccountId) -> Result<Arc<dyn WorkloadVpcs>, Error> {
        self.ec2(r)?;
        Ok(Arc::new(WorkloadView {
            view: RegionView { region: r.clone(), world: self.clone() },
            account: account.clone(),
        }))
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
        Ok(Arc::new(RegionView { region: r.clone(), world: self.clone() }))
    }

    fn calls(&self) -> tgw_peering_core::ports::CallTally {
        let state = self.lock();
        let writes = state.writes.len() + state.path_records;
        tgw_peering_core::ports::CallTally { reads: state.reads, writes, throttles: 0 }
    }
}

/// A workload account's view of one Region: its own VPCs only.
pub(super) struct WorkloadView {
    pub(super) view: RegionView,
    pub(super) account: AccountId,
}

/// One Region's EC2 API on the world.
pub(super) struct RegionView {
    pub(super) region: Region,
    pub(super) world: World,
}

impl RegionView {
    pub(super) fn with<T>(&self, f: impl FnOnce(&mut State, &Region) -> T) -> T {
        let mut s = self.world.lock();
        f(&mut s, &self.region)
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&State, &RegionState) -> T) -> T {
        self.with(|s, r| {
            s.reads += 1;
            f(s, &s.regions[r])
        })
    }
}

/// Every static route toward `attachment` becomes a blackhole, as AWS
/// leaves them when an attachment is deleted.
pub(super) fn blackhole(
    table: &mut tgw_peering_core::observed::RouteTableState,
    attachment: &AttachmentId,
) {
    for route in table.routes.iter_mut().filter(|r| r.is_static()) {
        if route.target == RouteTarget::Attachment(attachment.clone()) {
            route.target = RouteTarget::Blackhole;
            route.state = "blackhole".into();
        }
    }
    // References toward the attachment become blackholes too.
    for reference in &mut table.references {
        if reference.target == RouteTarget::Attachment(attachment.clone()) {
            reference.target = RouteTarget::Blackhole;
        }
    }
}
