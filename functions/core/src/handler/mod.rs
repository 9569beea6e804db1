//! The dispatch shared by both Lambda functions and `tgw-peering handle`.
//!
//! Every event ends in a level-triggered reconcile: the event only says where
//! to look. A watcher re-check describes one attachment and, when its state
//! changed, publishes a state-change event; it never waits. Every decision is
//! one structured audit line carrying the triggering event's id, and the
//! actions are also published on the event bus.
//!
//! One module per job: `dispatch` (parse, then the looks and the one
//! reconcile), `admission` (scope, the tool's own calls, coverage, pacing,
//! coalescing: what to do with each event), `scope` (which events are the
//! tool's to handle), `coverage` (events the last read already saw),
//! `redeliver` (pacing the FIFO queue, failed messages back soon), `guards`
//! (what a process remembers between invocations), `watcher` (peering
//! re-checks), `vpc_watch` (VPCs that wait on AWS, until ready),
//! `gateway_watch` (Regions whose gateway or route table is in transition),
//! `look` (the end of a VPC or gateway look), `reconcile` (read, plan,
//! execute, then audit and announce), `duplicates` (the guard after a
//! create), `publish` (the bus, the re-check queue, and [`publish::Acts`]:
//! what the reconciler and the watcher function each do with an
//! announcement and a reconcile), `audit` (the records) and `lambda` (the
//! answer to the Lambda runtime). The ports it uses are in
//! [`crate::ports`].
//!
//! Where this goes beyond the design's outline of the watcher:
//! - a re-check describes *both* sides of the peering. AWS moves them at
//!   different moments (the accepter lists a request only after a while), and
//!   a watcher that stopped when its own side settled would leave the accept
//!   or one side's routes to the hourly sweep;
//! - the scheduled reconcile and CloudTrail peering calls start a chain for
//!   every peering between states, so a lost chain, or a peering someone else
//!   created or accepted, is watched too;
//! - a `rejected` peering is reported, not requested again: a rejection is an
//!   answer, and asking again would loop;
//! - chains, of peerings and of VPCs, are bounded by time *and* by count
//!   ([`crate::events::RECHECK_MAX_ATTEMPTS`],
//!   [`crate::events::VPC_RECHECK_MAX_ATTEMPTS`]), so a bad clock or a
//!   crafted message cannot poll forever;
//! - SQS batches are answered with `batchItemFailures`, so one message that
//!   failed retryably does not bring back the ones already handled.

mod admission;
mod audit;
mod coverage;
mod dispatch;
mod duplicates;
mod gateway_watch;
mod guards;
mod lambda;
mod look;
mod paths;
mod publish;
mod reconcile;
mod redeliver;
mod scope;
mod vpc_watch;
mod watcher;

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::config::Config;
use crate::domain::AccountId;
use crate::ports::{Ec2Clients, Ec2ReadClients, EventBus, Identity, RecheckQueue, Redelivery};

pub use audit::{AuditRecord, Decision, HandleReport};
pub use lambda::{LambdaAnswer, Summary};
pub use redeliver::{retry_after_secs, RECONCILE_INTERVAL_SECS};

/// What both functions share, with no path to a write: the
/// configuration, the EC2 reads, the bus, the re-check queue and the
/// process's guards. It parses and admits payloads and makes the looks of
/// watch chains. The `attachment-watcher` function serves it alone: its
/// clients are [`Ec2ReadClients`] (no EC2 write method exists on them) and
/// it announces on the bus, nothing else, so it cannot write by
/// construction (as well as by its IAM role). A payload that asks it for a
/// reconcile is refused.
pub struct Watcher {
    pub config: Config,
    /// The EC2 reads of each managed Region and of the workload accounts.
    pub reads: Arc<dyn Ec2ReadClients>,
    pub bus: Option<Arc<dyn EventBus>>,
    pub queue: Option<Arc<dyn RecheckQueue>>,
    pub identity: Arc<dyn Identity>,
    /// Makes a message of the queues come back sooner (`with_redelivery`).
    pub redelivery: Option<Arc<dyn Redelivery>>,
    /// Seconds since the Unix epoch.
    pub clock: fn() -> i64,
    account: OnceCell<AccountId>,
    /// What this process remembers between invocations (chains, claims,
    /// coverage, pacing), behind one narrow interface.
    guards: guards::Guards,
}

/// The reconciler's handler (and `tgw-peering handle`'s): a [`Watcher`]
/// (its fields and methods are the handler's, through `Deref`) and the EC2
/// clients that write.
pub struct Handler {
    watcher: Watcher,
    pub ec2: Arc<dyn Ec2Clients>,
}

impl std::ops::Deref for Handler {
    type Target = Watcher;
    fn deref(&self) -> &Watcher {
        &self.watcher
    }
}

impl std::ops::DerefMut for Handler {
    fn deref_mut(&mut self) -> &mut Watcher {
        &mut self.watcher
    }
}

/// The system clock in seconds since the Unix epoch.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Watcher {
    /// A watcher with no bus and no re-check queue (set `bus` and `queue`).
    pub fn new(
        config: Config,
        reads: Arc<dyn Ec2ReadClients>,
        identity: Arc<dyn Identity>,
    ) -> Self {
        Self {
            config,
            reads,
            bus: None,
            queue: None,
            identity,
            redelivery: None,
            clock: system_clock,
            account: OnceCell::new(),
            guards: guards::Guards::default(),
        }
    }

    /// The same watcher, able to make queued messages come back sooner.
    #[must_use]
    pub fn with_redelivery(mut self, redelivery: Arc<dyn Redelivery>) -> Self {
        self.redelivery = Some(redelivery);
        self
    }
}

impl Handler {
    pub fn new(
        config: Config,
        ec2: Arc<dyn Ec2Clients>,
        bus: Option<Arc<dyn EventBus>>,
        queue: Option<Arc<dyn RecheckQueue>>,
        identity: Arc<dyn Identity>,
    ) -> Self {
        let mut watcher = Watcher::new(config, ec2.clone(), identity);
        (watcher.bus, watcher.queue) = (bus, queue);
        Self { watcher, ec2 }
    }

    /// The same handler, able to make queued messages come back sooner.
    #[must_use]
    pub fn with_redelivery(mut self, redelivery: Arc<dyn Redelivery>) -> Self {
        self.watcher.redelivery = Some(redelivery);
        self
    }

    /// Its [`Watcher`] alone: the EC2 write clients are dropped.
    pub fn into_watcher(self) -> Watcher {
        self.watcher
    }
}
