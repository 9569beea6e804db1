//! Reliability on the emulator: throttling and lost answers, a crash after
//! every write, and concurrent invocations. Every test compares its end
//! state with the fault-free run's and prints the figures it proves;
//! RELIABILITY.md quotes them.
//!
//! The hub template sets no reserved concurrency: concurrent invocations are
//! expected, and the concurrency test proves the code's own guard (re-read
//! after a create, delete the newer duplicates) together with the re-checks.
//! Its 20 invocations are 20 handlers (as 20 Lambda environments would be),
//! each on its own tokio task of a multi-threaded runtime. A crash is a panic caught at the invocation's edge: nothing
//! after it in that invocation runs.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::FutureExt;
use serde_json::Value;
use tgw_peering::commands::{apply, ApplyOptions, Session};
use tgw_peering_core::domain::{
    AccountId, AttachmentId, LedgerRead, PeeringAttachment, Region, RouteTableId, TgwAttachment,
    TgwRoute, TgwRouteTable, TransitGateway, TransitGatewayId, Vpc, VpcRouteTable,
};
use tgw_peering_core::handler::Handler;
use tgw_peering_core::planner::Action;
use tgw_peering_core::ports::{Ec2Clients, Ec2ReadClients, Ec2Reads, Ec2Region, Outcome};
use tgw_peering_core::{plan, Error};
use tgw_peering_tests::{
    config, end_state, tag_event, tagged_world as world, Emulator, EndState, EventPlumbing,
    FaultProxy, Faults, Flavour, RegionWorld, EMULATOR_ACCOUNT,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const OPTIONS: ApplyOptions =
    ApplyOptions { timeout: Duration::from_secs(300), poll: Duration::from_millis(200) };

/// The fault-free run: `apply` on a fresh emulator.
async fn fault_free(n: u8) -> EndState {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, _) = world(&emulator, n).await;
    let session = Session::new(config(&[EAST, WEST]), &emulator.sdk_config().await);
    let report = apply(&session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "{:?}", report.error);
    let state = end_state(&east, &west).await;
    assert_eq!(state.live_peerings, 1);
    for table in state.routes.values() {
        assert_eq!(table.len(), usize::from(n), "{table:?}");
        assert!(table.iter().all(|(_, t)| t == "peering"), "{table:?}");
    }
    state
}

/// 30% of EC2 calls throttled and 5% answered 500 after taking effect.
fn throttled(seed: u64) -> Faults {
    Faults { throttle: 0.30, error: 0.05, seed, ..Faults::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_thirty_percent_of_ec2_calls_throttled_apply_ends_in_exactly_the_fault_free_state() {
    let expected = fault_free(30).await;

    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, _) = world(&emulator, 30).await;
    let proxy = FaultProxy::start(&emulator, throttled(7));
    let session = Session::new(config(&[EAST, WEST]), &proxy.sdk_config().await);
    let report = apply(&session, OPTIONS, |_| {}).await.expect("apply runs");
    assert!(report.converged, "{:?}", report.error);
    let faults = proxy.counts();
    let calls = &report.ec2_calls;
    println!(
        "throttled apply, 30 VPCs per Region: {} EC2 attempts through the proxy, {} throttled (503), {} answers lost (500); the tool made {} operations ({} reads, {} writes) and {} SDK retries in {} rounds",
        faults.calls,
        faults.throttled,
        faults.errors,
        calls.reads + calls.writes,
        calls.reads,
        calls.writes,
        calls.attempts - calls.reads - calls.writes,
        report.rounds
    );
    assert!(faults.throttled > 0 && faults.errors > 0, "{faults:?}");
    // Each 503 RequestLimitExceeded is counted as a throttle (the reconcile
    // metric Throttles), and no other answer is.
    assert_eq!(calls.throttled as u64, faults.throttled, "{calls:?}");
    assert_eq!(end_state(&east, &west).await, expected);
}

/// Delivers `first`, then everything the bus and the re-check queue hand
/// out, to `handler` until `done` holds. A retryable failure is delivered
/// again, as Lambda and SQS would; a permanent one fails the test. Returns
/// the deliveries and the redeliveries.
async fn deliver_until<F, Fut>(
    handler: &Handler,
    plumbing: &EventPlumbing,
    first: Vec<Value>,
    mut done: F,
) -> (usize, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(240);
    let (mut deliveries, mut retries) = (0, 0);
    let mut pending = first;
    loop {
        pending.extend(plumbing.take().await.into_iter().map(|d| d.payload));
        for payload in std::mem::take(&mut pending) {
            deliveries += 1;
            match handler.handle(&payload).await {
                Ok(_) => {}
                Err(e) if e.is_retryable() => {
                    retries += 1;
                    pending.push(payload);
                }
                Err(e) => panic!("a permanent failure: {e}\n{payload:#}"),
            }
        }
        if pending.is_empty() && done().await {
            return (deliveries, retries);
        }
        assert!(Instant::now() < deadline, "the events did not converge");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn converged(east: &RegionWorld, west: &RegionWorld, expected: &EndState) -> bool {
    // Routes only, first: end_state asserts there is no duplicate.
    &end_state(east, west).await == expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_thirty_percent_of_ec2_calls_throttled_the_event_flow_ends_in_the_fault_free_state() {
    let expected = fault_free(10).await;

    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, vpcs) = world(&emulator, 10).await;
    let proxy = FaultProxy::start(&emulator, throttled(11));
    let plumbing = EventPlumbing::create(&emulator).await;
    let handler = tgw_peering_core::wiring::handler(
        plumbing.config(&[EAST, WEST]),
        &proxy.sdk_config().await,
    );
    let events =
        vpcs.iter().map(|(region, vpc)| tag_event(region, EMULATOR_ACCOUNT, vpc, true)).collect();
    let (deliveries, retries) =
        deliver_until(&handler, &plumbing, events, || converged(&east, &west, &expected)).await;
    let faults = proxy.counts();
    println!(
        "throttled event flow, 10 VPCs per Region: {deliveries} deliveries ({retries} redelivered after a retryable failure), {} EC2 attempts, {} throttled, {} answers lost",
        faults.calls, faults.throttled, faults.errors
    );
    assert!(faults.throttled > 0, "{faults:?}");
    assert_eq!(end_state(&east, &west).await, expected);
}

/// EC2 clients that crash the process, as a Lambda timeout or an
/// out-of-memory kill would, when a write is attempted after `budget` writes.
/// The crash is a panic: the task that runs the invocation stops there, so
/// nothing after it (audit, re-checks, the rest of the plan) happens.
struct Crashing {
    inner: Arc<dyn Ec2Clients>,
    budget: Arc<AtomicUsize>,
}

struct CrashingRegion {
    inner: Arc<dyn Ec2Region>,
    budget: Arc<AtomicUsize>,
}

impl Ec2ReadClients for Crashing {
    fn reads(&self, region: &Region) -> Result<Arc<dyn Ec2Reads>, Error> {
        let ec2: Arc<dyn Ec2Reads> = self.ec2(region)?;
        Ok(ec2)
    }
}

impl Ec2Clients for Crashing {
    fn ec2(&self, region: &Region) -> Result<Arc<dyn Ec2Region>, Error> {
        Ok(Arc::new(CrashingRegion { inner: self.inner.ec2(region)?, budget: self.budget.clone() }))
    }

    fn calls(&self) -> tgw_peering_core::ports::CallTally {
        self.inner.calls()
    }
}

/// Keeps the simulated crashes' panics out of the test output; every other
/// panic is reported as usual.
fn quiet_crashes() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info.payload().downcast_ref::<&str>().copied().unwrap_or_default();
            if !text.contains("simulated crash") {
                default(info);
            }
        }));
    });
}

impl CrashingRegion {
    fn write(&self) {
        let left =
            self.budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1));
        if left.is_err() {
            panic!("simulated crash: the write budget is spent");
        }
    }
}

#[async_trait]
impl Ec2Reads for CrashingRegion {
    fn region(&self) -> &Region {
        self.inner.region()
    }
    async fn account(&self) -> Result<AccountId, Error> {
        self.inner.account().await
    }
    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        self.inner.transit_gateways().await
    }
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        self.inner.vpcs().await
    }
    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        self.inner.peering_attachments().await
    }
    async fn attachments(&self, tgw: &TransitGatewayId) -> Result<Vec<TgwAttachment>, Error> {
        self.inner.attachments(tgw).await
    }
    async fn route_tables(&self, tgw: &TransitGatewayId) -> Result<Vec<TgwRouteTable>, Error> {
        self.inner.route_tables(tgw).await
    }
    async fn ipv6_support(
        &self,
        attachments: &[AttachmentId],
    ) -> Result<BTreeMap<AttachmentId, bool>, Error> {
        self.inner.ipv6_support(attachments).await
    }
    async fn routes(&self, rt: &RouteTableId) -> Result<Vec<TgwRoute>, Error> {
        self.inner.routes(rt).await
    }
    async fn ledger(&self) -> Result<LedgerRead, Error> {
        self.inner.ledger().await
    }
    async fn prefix_list_references(
        &self,
        rt: &RouteTableId,
    ) -> Result<Vec<tgw_peering_core::domain::ListReference>, Error> {
        self.inner.prefix_list_references(rt).await
    }
    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        self.inner.vpc_route_tables().await
    }
}

#[async_trait]
impl Ec2Region for CrashingRegion {
    async fn apply(&self, action: &Action) -> Result<Outcome, Error> {
        self.write();
        self.inner.apply(action).await
    }
}

/// VPCs per Region in the crash tests: a full setup is 4 peering writes
/// (create, accept, two associations), a ledger list per side, and one
/// route per VPC and side.
const CRASH_VPCS: u8 = 3;
const FULL_SETUP_WRITES: usize = 4 + 2 + 2 * CRASH_VPCS as usize;

/// One apply that crashes once `budget` writes are made: read, plan and
/// execute until converged, in a task that the crash ends.
async fn crashing_apply(shared: &aws_config::SdkConfig, budget: usize) -> bool {
    quiet_crashes();
    let cfg = config(&[EAST, WEST]);
    let inner = tgw_peering_core::aws::AwsClients::new(shared, &cfg.regions);
    let clients = Crashing { inner: Arc::new(inner), budget: Arc::new(AtomicUsize::new(budget)) };
    let run = AssertUnwindSafe(async move {
        for _ in 0..50 {
            let observed =
                tgw_peering_core::observe::observe(&clients, &cfg).await.expect("a read");
            let p = plan(&observed, &cfg).expect("a plan");
            if p.is_converged() {
                return;
            }
            tgw_peering_core::execute::execute(&clients, &p).await;
        }
        panic!("no convergence in 50 rounds");
    });
    match run.catch_unwind().await {
        Ok(()) => false,
        Err(message) => {
            let text = message
                .downcast_ref::<&str>()
                .copied()
                .map(str::to_owned)
                .or_else(|| message.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            assert!(text.contains("simulated crash"), "{text}");
            true
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_that_crashes_after_any_write_is_finished_by_the_next_apply() {
    let expected = fault_free(CRASH_VPCS).await;
    for k in 1..=FULL_SETUP_WRITES {
        let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
        let (east, west, _) = world(&emulator, CRASH_VPCS).await;
        let shared = emulator.sdk_config().await;
        // After the last write of a full setup there is nothing left to crash.
        assert_eq!(
            crashing_apply(&shared, k).await,
            k < FULL_SETUP_WRITES,
            "a crash after {k} writes"
        );
        let session = Session::new(config(&[EAST, WEST]), &shared);
        let next = apply(&session, OPTIONS, |_| {}).await.expect("apply runs");
        assert!(next.converged, "after a crash at {k}: {:?}", next.error);
        assert_eq!(end_state(&east, &west).await, expected, "after a crash at write {k}");
    }
    println!(
        "crash at every write of apply: {FULL_SETUP_WRITES} crash points (k = 1..={FULL_SETUP_WRITES}), {FULL_SETUP_WRITES} end states equal to the fault-free one"
    );
}

/// The event flow crashes after `k` writes; Lambda then delivers the event
/// that was being handled again, and the chain goes on with healthy code.
async fn event_flow_crashing_after(k: usize, expected: &EndState) -> usize {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, vpcs) = world(&emulator, CRASH_VPCS).await;
    let plumbing = EventPlumbing::create(&emulator).await;
    let shared = emulator.sdk_config().await;
    let cfg = plumbing.config(&[EAST, WEST]);
    let healthy = tgw_peering_core::wiring::handler(cfg.clone(), &shared);
    let mut crashing = tgw_peering_core::wiring::handler(cfg, &shared);
    crashing.ec2 =
        Arc::new(Crashing { inner: crashing.ec2.clone(), budget: Arc::new(AtomicUsize::new(k)) });

    quiet_crashes();
    let mut pending: Vec<Value> =
        vpcs.iter().map(|(region, vpc)| tag_event(region, EMULATOR_ACCOUNT, vpc, true)).collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    // The invocation that crashed, then the events not yet delivered.
    let redeliver = 'crash: loop {
        pending.extend(plumbing.take().await.into_iter().map(|d| d.payload));
        let mut batch = std::mem::take(&mut pending).into_iter();
        while let Some(payload) = batch.next() {
            if AssertUnwindSafe(crashing.handle(&payload)).catch_unwind().await.is_err() {
                break 'crash std::iter::once(payload).chain(batch).collect::<Vec<_>>();
            }
        }
        // After the last write of a full setup there is nothing left to crash.
        if k == FULL_SETUP_WRITES && converged(&east, &west, expected).await {
            break Vec::new();
        }
        assert!(Instant::now() < deadline, "no crash after {k} writes within 120 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    // The crashed invocation is delivered again; the rest follows.
    let (deliveries, _) =
        deliver_until(&healthy, &plumbing, redeliver, || converged(&east, &west, expected)).await;
    deliveries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_flow_that_crashes_after_any_write_is_finished_by_the_next_delivery() {
    let expected = fault_free(CRASH_VPCS).await;
    // The crash points run at once, each on its own emulator: the flow is
    // mostly waiting on the re-check queue's delays.
    let runs = (1..=FULL_SETUP_WRITES).map(|k| {
        let expected = expected.clone();
        async move { (k, event_flow_crashing_after(k, &expected).await) }
    });
    let done = futures::future::join_all(runs).await;
    assert_eq!(done.len(), FULL_SETUP_WRITES);
    println!(
        "crash at every write of the event flow: {FULL_SETUP_WRITES} crash points, each converged to the fault-free state; deliveries after the crash: {:?}",
        done.iter().map(|(_, d)| *d).collect::<Vec<_>>()
    );
}

/// Twenty tag events at once: AWS refuses a second live peering between two
/// gateways (the emulator's default code; the refusal is read back as done),
/// and should it ever accept one, the guard deletes the newer duplicates
/// (the emulator with `TGW_EMULATOR_DUPLICATE_PEERING_CODE=none`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_tag_events_leave_one_peering_and_no_duplicate_route() {
    for (setting, refused) in [("DuplicateTransitGatewayAttachment", true), ("none", false)] {
        let emulator = Emulator::start_with(
            Flavour::Patched { phase_seconds: 0 },
            &[("TGW_EMULATOR_DUPLICATE_PEERING_CODE", setting)],
        );
        let (created, deleted, live, deliveries) = twenty_concurrent(&emulator).await;
        let how = if refused { "duplicates refused" } else { "duplicates allowed" };
        println!(
            "20 concurrent tag events, {how}: {created} peerings created at once, {deleted} deleted by the guard right after, {live} live after the guard; after {deliveries} re-check and state-change deliveries: 1 live peering, 10 routes per table, 0 duplicates"
        );
        assert!(created >= 1);
        if refused {
            assert_eq!((created, deleted), (1, 0), "AWS allows one live peering per pair");
        } else {
            assert_eq!(deleted, created - 1, "the guard keeps one");
        }
    }
}

/// Runs the twenty events and then the re-checks until converged: the
/// peerings created, the duplicates deleted, the live peerings right after,
/// and the deliveries that followed.
async fn twenty_concurrent(emulator: &Emulator) -> (usize, usize, usize, usize) {
    let (east, west, vpcs) = world(emulator, 10).await;
    let plumbing = EventPlumbing::create(emulator).await;
    let shared = emulator.sdk_config().await;
    let cfg = plumbing.config(&[EAST, WEST]);
    // One handler per invocation, as separate Lambda environments would be.
    let invocations = vpcs.iter().map(|(region, vpc)| {
        let handler = tgw_peering_core::wiring::handler(cfg.clone(), &shared);
        let event = tag_event(region, EMULATOR_ACCOUNT, vpc, true);
        tokio::spawn(async move { handler.handle(&event).await })
    });
    let reports = futures::future::join_all(invocations).await;
    assert_eq!(reports.len(), 20);
    let mut created = 0;
    let mut deleted = BTreeSet::new();
    for r in reports {
        let report = r.expect("no panic").expect("handled");
        for a in report.decisions(tgw_peering_core::handler::Decision::Action) {
            match (a.kind.as_str(), a.result.as_deref()) {
                ("create_peering", Some("done")) => created += 1,
                ("delete_peering", Some("done")) => {
                    deleted.insert(a.subject.clone());
                }
                _ => {}
            }
        }
    }
    let live = end_state(&east, &west).await.live_peerings;
    let expected = EndState {
        live_peerings: 1,
        routes: [(EAST, 2), (WEST, 1)]
            .into_iter()
            .map(|(region, second)| {
                let table = (0..10)
                    .map(|i| (format!("10.{second}.{i}.0/24"), "peering".to_owned()))
                    .collect();
                (region.to_owned(), table)
            })
            .collect(),
    };
    let handler = tgw_peering_core::wiring::handler(cfg, &shared);
    let (deliveries, _) =
        deliver_until(&handler, &plumbing, Vec::new(), || converged(&east, &west, &expected)).await;
    assert_eq!(end_state(&east, &west).await, expected);
    (created, deleted.len(), live, deliveries)
}
