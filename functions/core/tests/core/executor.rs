//! The executor on an in-memory EC2: ordering, bounded concurrency, repeats
//! counted as done, and failures that do not stop independent writes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tgw_peering_core::domain::{
    AccountId, AttachmentId, Cidr, GatewayRef, LedgerRead, PeeringAttachment, PrefixListId, Region,
    RouteTableId, RouteTarget, TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway,
    TransitGatewayId, Vpc, VpcRouteTable,
};
use tgw_peering_core::execute::{
    execute, execute_before, execute_with, Deadline, DEADLINE_SLACK, WRITE_TIMEOUT,
};
use tgw_peering_core::planner::LedgerEntry;
use tgw_peering_core::ports::{Ec2Clients, Ec2ReadClients, Ec2Reads, Ec2Region, Outcome};
use tgw_peering_core::{Action, Error, Plan, Planned};

/// Records every write, how many run at once, and answers like AWS for
/// routes that already exist (`existing`) or fail (`failing`).
struct FakeEc2 {
    region: Region,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    log: Mutex<Vec<String>>,
    existing: BTreeSet<Cidr>,
    failing: BTreeSet<Cidr>,
    /// Route writes that never answer.
    hanging: BTreeSet<Cidr>,
}

impl FakeEc2 {
    fn new(existing: &[&str], failing: &[&str]) -> Arc<Self> {
        Arc::new(Self {
            region: Region::parse("us-east-1").unwrap(),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            existing: existing.iter().map(|c| Cidr::parse(c).unwrap()).collect(),
            failing: failing.iter().map(|c| Cidr::parse(c).unwrap()).collect(),
            hanging: BTreeSet::new(),
        })
    }

    fn hanging(hanging: &[&str]) -> Arc<Self> {
        let mut fake = Arc::into_inner(Self::new(&[], &[])).unwrap();
        fake.hanging = hanging.iter().map(|c| Cidr::parse(c).unwrap()).collect();
        Arc::new(fake)
    }

    fn write(&self, what: String) {
        self.log.lock().unwrap().push(what);
    }
}

#[async_trait]
impl Ec2Reads for FakeEc2 {
    fn region(&self) -> &Region {
        &self.region
    }
    async fn account(&self) -> Result<AccountId, Error> {
        Ok(AccountId::parse("123456789012").unwrap())
    }
    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        Ok(vec![])
    }
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        Ok(vec![])
    }
    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        Ok(vec![])
    }
    async fn attachments(&self, _: &TransitGatewayId) -> Result<Vec<TgwAttachment>, Error> {
        Ok(vec![])
    }
    async fn ipv6_support(
        &self,
        _: &[AttachmentId],
    ) -> Result<std::collections::BTreeMap<AttachmentId, bool>, Error> {
        Ok(Default::default())
    }
    async fn route_tables(&self, _: &TransitGatewayId) -> Result<Vec<TgwRouteTable>, Error> {
        Ok(vec![])
    }
    async fn routes(&self, _: &RouteTableId) -> Result<Vec<TgwRoute>, Error> {
        Ok(vec![])
    }
    async fn ledger(&self) -> Result<LedgerRead, Error> {
        Ok(Default::default())
    }
    async fn prefix_list_references(
        &self,
        _: &RouteTableId,
    ) -> Result<Vec<tgw_peering_core::domain::ListReference>, Error> {
        Ok(vec![])
    }
    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        Ok(vec![])
    }
}

#[async_trait]
impl Ec2Region for FakeEc2 {
    async fn apply(&self, action: &Action) -> Result<Outcome, Error> {
        let cidr = match action {
            Action::CreateRoute { cidr, .. }
            | Action::DeleteRoute { cidr, .. }
            | Action::ReplaceRoute { cidr, .. } => Some(*cidr),
            _ => None,
        };
        let Some(cidr) = cidr else {
            self.write(format!("{} {}", action.kind(), ledger_cidrs(action)));
            if ledger_cidrs(action).contains("fail") {
                return Err(Error::aws(
                    self.region.clone(),
                    "ModifyManagedPrefixList",
                    Some("InternalError"),
                    "boom",
                    true,
                ));
            }
            return Ok(Outcome::Done);
        };
        if self.hanging.contains(&cidr) {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.write(format!("route {cidr}"));
        if self.failing.contains(&cidr) {
            return Err(Error::aws(
                self.region.clone(),
                "CreateTransitGatewayRoute",
                Some("RequestLimitExceeded"),
                "Request limit exceeded.",
                true,
            ));
        }
        if self.existing.contains(&cidr) {
            return Ok(Outcome::AlreadyDone("RouteAlreadyExists".into()));
        }
        Ok(Outcome::Done)
    }
}

/// The CIDRs a ledger write adds and removes, for the log; a ledger
/// description `fail` makes the fake fail it.
fn ledger_cidrs(action: &Action) -> String {
    match action {
        Action::UpdateLedger { add, remove, .. } => format!(
            "+{} -{}",
            add.iter()
                .map(|e| format!(
                    "{}{}",
                    e.cidr,
                    if e.description == "fail" { " fail" } else { "" }
                ))
                .collect::<Vec<_>>()
                .join(","),
            remove.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
        ),
        Action::ReleaseLedger { remove, .. } => {
            format!("-{}", remove.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
        }
        _ => String::new(),
    }
}

struct OneRegion(Arc<FakeEc2>);

impl Ec2ReadClients for OneRegion {
    fn reads(&self, region: &Region) -> Result<Arc<dyn Ec2Reads>, Error> {
        let ec2: Arc<dyn Ec2Reads> = self.ec2(region)?;
        Ok(ec2)
    }
}

impl Ec2Clients for OneRegion {
    fn ec2(&self, _: &Region) -> Result<Arc<dyn Ec2Region>, Error> {
        Ok(self.0.clone())
    }

    // The executor's tests count the fake's calls themselves.
    fn calls(&self) -> tgw_peering_core::ports::CallTally {
        tgw_peering_core::ports::CallTally::default()
    }
}

fn route(i: usize) -> Planned {
    Planned {
        action: Action::CreateRoute {
            region: Region::parse("us-east-1").unwrap(),
            route_table_id: RouteTableId::parse("tgw-rtb-1").unwrap(),
            cidr: Cidr::parse(&format!("10.{}.{}.0/24", i / 256, i % 256)).unwrap(),
            attachment_id: AttachmentId::parse("tgw-attach-1").unwrap(),
        },
        reason: "test".into(),
    }
}

fn plan_of(actions: Vec<Planned>) -> Plan {
    Plan { actions, ..Plan::default() }
}

#[tokio::test]
async fn route_writes_run_concurrently_but_never_more_than_eight_at_once() {
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    let plan = plan_of((0..100).map(route).collect());
    let done = execute(&clients, &plan).await;
    assert_eq!(done.writes_done(), 100);
    let max = fake.max_in_flight.load(Ordering::SeqCst);
    assert!(max <= 8, "{max} writes in flight");
    assert!(max > 1, "route writes ran one at a time");
}

#[tokio::test]
async fn the_bound_on_concurrent_writes_is_honoured_when_lowered() {
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    execute_with(&clients, &plan_of((0..40).map(route).collect()), 2).await;
    assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_existing_route_counts_as_done_and_a_failure_does_not_stop_the_others() {
    let fake = FakeEc2::new(&["10.0.1.0/24"], &["10.0.2.0/24"]);
    let clients = OneRegion(fake.clone());
    let done = execute(&clients, &plan_of((0..10).map(route).collect())).await;
    assert_eq!(done.executed.len(), 10);
    assert_eq!(done.writes_done(), 8);
    let failures: Vec<_> = done.failures().collect();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].1.is_retryable());
    let already =
        done.executed.iter().filter(|e| matches!(e.result, Ok(Outcome::AlreadyDone(_)))).count();
    assert_eq!(already, 1);
}

#[tokio::test]
async fn peering_and_association_actions_run_before_route_writes_and_are_tagged() {
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    let region = Region::parse("us-east-1").unwrap();
    let gw = |r: &str, t: &str| GatewayRef {
        region: Region::parse(r).unwrap(),
        transit_gateway_id: TransitGatewayId::parse(t).unwrap(),
        account_id: None,
    };
    let mut actions = vec![route(1), route(2)];
    actions.push(Planned {
        action: Action::AssociateRouteTable {
            region: region.clone(),
            route_table_id: RouteTableId::parse("tgw-rtb-1").unwrap(),
            attachment_id: AttachmentId::parse("tgw-attach-1").unwrap(),
        },
        reason: "test".into(),
    });
    actions.push(Planned {
        action: Action::CreatePeering {
            requester: gw("us-east-1", "tgw-1"),
            accepter: gw("eu-west-1", "tgw-2"),
        },
        reason: "test".into(),
    });
    execute(&clients, &plan_of(actions)).await;
    let log = fake.log.lock().unwrap().clone();
    assert_eq!(log.len(), 4);
    assert!(log[0].starts_with("associate") || log[0].starts_with("create_peering"));
    assert!(log[1].starts_with("associate") || log[1].starts_with("create_peering"));
    assert!(log[2].starts_with("route") && log[3].starts_with("route"));
    // The adapter tags every peering it requests as the tool's.
    let tags =
        tgw_peering_core::domain::peering_tags(&region, &Region::parse("eu-west-1").unwrap());
    assert!(tags.iter().any(|(k, v)| k == "tgw-peering:managed" && v == "true"), "{tags:?}");
}

fn ledger(add: &[&str], remove: &[&str], release: bool) -> Planned {
    let region = Region::parse("us-east-1").unwrap();
    let prefix_list_id = PrefixListId::parse("pl-0a1").unwrap();
    let cidrs = |l: &[&str]| {
        l.iter().map(|c| Cidr::parse(c.trim_end_matches(" fail")).unwrap()).collect::<Vec<_>>()
    };
    let action = if release {
        Action::ReleaseLedger { region, prefix_list_id, version: 1, remove: cidrs(remove) }
    } else {
        let add = add
            .iter()
            .map(|c| LedgerEntry {
                cidr: Cidr::parse(c.trim_end_matches(" fail")).unwrap(),
                description: if c.ends_with(" fail") { "fail" } else { "vpc-1" }.into(),
            })
            .collect();
        Action::UpdateLedger { region, prefix_list_id, version: 1, add, remove: cidrs(remove) }
    };
    Planned { action, reason: "test".into() }
}

fn withdraw(i: usize) -> Planned {
    Planned {
        action: Action::DeleteRoute {
            region: Region::parse("us-east-1").unwrap(),
            route_table_id: RouteTableId::parse("tgw-rtb-1").unwrap(),
            cidr: Cidr::parse(&format!("10.{}.{}.0/24", i / 256, i % 256)).unwrap(),
            target: RouteTarget::Blackhole,
        },
        reason: "test".into(),
    }
}

#[tokio::test]
async fn ledger_entries_go_in_before_their_routes_and_come_out_after_the_withdrawals() {
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    let actions = vec![
        withdraw(5),
        ledger(&[], &["10.0.5.0/24"], true),
        route(1),
        ledger(&["10.0.1.0/24"], &[], false),
    ];
    execute(&clients, &plan_of(actions)).await;
    let log = fake.log.lock().unwrap().clone();
    assert_eq!(log[0], "update_ledger +10.0.1.0/24 -", "{log:?}");
    assert!(log[1].starts_with("route") && log[2].starts_with("route"), "{log:?}");
    assert_eq!(log[3], "release_ledger -10.0.5.0/24", "{log:?}");
}

#[tokio::test]
async fn a_route_whose_ledger_entry_failed_is_not_written_and_is_retried_later() {
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    let actions = vec![route(1), ledger(&["10.0.1.0/24 fail"], &[], false)];
    let done = execute(&clients, &plan_of(actions)).await;
    let log = fake.log.lock().unwrap().clone();
    assert!(!log.iter().any(|l| l.starts_with("route")), "{log:?}");
    let deferred: Vec<_> =
        done.failures().filter(|(p, _)| p.action.kind() == "create_route").collect();
    assert_eq!(deferred.len(), 1);
    assert!(deferred[0].1.is_retryable(), "{}", deferred[0].1);
    assert!(deferred[0].1.to_string().contains("not attempted"), "{}", deferred[0].1);
}

#[tokio::test]
async fn an_entry_is_released_only_when_its_withdrawal_succeeded() {
    // 10.0.2.0/24's withdrawal fails: its entry stays; 10.0.3.0/24's goes.
    let fake = FakeEc2::new(&[], &["10.0.2.0/24"]);
    let clients = OneRegion(fake.clone());
    let actions =
        vec![withdraw(2), withdraw(3), ledger(&[], &["10.0.2.0/24", "10.0.3.0/24"], true)];
    execute(&clients, &plan_of(actions)).await;
    let log = fake.log.lock().unwrap().clone();
    assert_eq!(log.last().unwrap(), "release_ledger -10.0.3.0/24", "{log:?}");
    // When every withdrawal of a release failed, it is not attempted at all.
    let fake = FakeEc2::new(&[], &["10.0.2.0/24"]);
    let clients = OneRegion(fake.clone());
    execute(&clients, &plan_of(vec![withdraw(2), ledger(&[], &["10.0.2.0/24"], true)])).await;
    assert!(!fake.log.lock().unwrap().iter().any(|l| l.starts_with("release")));
}

fn replace(i: usize) -> Planned {
    Planned {
        action: Action::ReplaceRoute {
            region: Region::parse("us-east-1").unwrap(),
            route_table_id: RouteTableId::parse("tgw-rtb-1").unwrap(),
            cidr: Cidr::parse(&format!("10.0.{i}.0/24")).unwrap(),
            attachment_id: AttachmentId::parse("tgw-attach-2").unwrap(),
            from: RouteTarget::Blackhole,
        },
        reason: "test".into(),
    }
}

fn record_peering() -> Planned {
    Planned {
        action: Action::RecordPeering {
            region: Region::parse("us-east-1").unwrap(),
            prefix_list_id: PrefixListId::parse("pl-1").unwrap(),
            peering: AttachmentId::parse("tgw-attach-2").unwrap(),
            left: vec![],
        },
        reason: "test".into(),
    }
}

#[tokio::test]
async fn a_lists_peering_record_moves_only_after_every_move_of_its_region_succeeded() {
    // 10.0.4.0/24's move fails: the old record, which proves that its
    // blackhole was left by a deletion, stays for the next reconcile.
    let fake = FakeEc2::new(&[], &["10.0.4.0/24"]);
    let clients = OneRegion(fake.clone());
    let done = execute(&clients, &plan_of(vec![record_peering(), replace(4), replace(5)])).await;
    let log = fake.log.lock().unwrap().clone();
    assert!(!log.iter().any(|l| l.starts_with("record_peering")), "{log:?}");
    let deferred: Vec<_> =
        done.failures().filter(|(p, _)| p.action.kind() == "record_peering").collect();
    assert_eq!(deferred.len(), 1);
    assert!(deferred[0].1.is_retryable());
    // Every move made: the record follows them.
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    execute(&clients, &plan_of(vec![record_peering(), replace(4), replace(5)])).await;
    let log = fake.log.lock().unwrap().clone();
    assert_eq!(log.last().map(String::as_str), Some("record_peering "), "{log:?}");
    assert_eq!(log.len(), 3, "{log:?}");
}

#[tokio::test(start_paused = true)]
async fn with_a_deadline_no_write_starts_once_it_is_near_and_the_rest_are_handed_on() {
    let fake = FakeEc2::new(&[], &[]);
    let clients = OneRegion(fake.clone());
    let plan = plan_of((0..100).map(route).collect());
    // Writes take 5 ms, one at a time: about 20 fit before the deadline.
    let deadline = Deadline::after(WRITE_TIMEOUT + DEADLINE_SLACK + Duration::from_millis(100));
    let done = execute_before(&clients, &plan, 1, Some(deadline)).await;
    let written = fake.log.lock().unwrap().len();
    assert_eq!(done.writes_done(), written);
    assert!((15..=25).contains(&written), "{written} written");
    assert_eq!(done.handed_on(), 100 - written);
    assert!(done
        .executed
        .iter()
        .all(|e| e.result.is_ok() || matches!(e.result, Err(Error::HandedOn { .. }))));
}

#[tokio::test(start_paused = true)]
async fn with_a_deadline_a_write_that_does_not_answer_is_given_up_after_the_write_timeout() {
    let fake = FakeEc2::hanging(&["10.0.3.0/24"]);
    let clients = OneRegion(fake.clone());
    let plan = plan_of((0..6).map(route).collect());
    let started = tokio::time::Instant::now();
    let done =
        execute_before(&clients, &plan, 8, Some(Deadline::after(Duration::from_secs(900)))).await;
    assert_eq!(done.writes_done(), 5);
    assert_eq!(done.handed_on(), 1);
    assert!(started.elapsed() >= WRITE_TIMEOUT && started.elapsed() < WRITE_TIMEOUT * 2);
    // Without a deadline, the executor waits as before (`apply`).
    let done = execute(&clients, &plan_of(vec![route(1)])).await;
    assert_eq!(done.writes_done(), 1);
}
