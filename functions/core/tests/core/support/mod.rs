//! What the in-memory tests share: the world builder ([`Scenario`]), the
//! stateful EC2 built from it ([`World`]), and the handler's other ports
//! (a bus, a queue and an identity that record what they are given).
#![allow(dead_code)] // each test module uses its own part

mod ec2;
mod scenario;
mod world;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{json, Value};
use tgw_peering_core::config::Config;
use tgw_peering_core::domain::{AccountId, AttachmentId, Cidr, Region};
use tgw_peering_core::events::{GatewayRecheck, OutEvent, Recheck, VpcRecheck, STATE_CHANGE};
use tgw_peering_core::handler::{Decision, Handler};
use tgw_peering_core::ports::{EventBus, Identity, RecheckQueue};
use tgw_peering_core::Error;

pub use scenario::{owned_by, put_vpc, vpc_of as scenario_vpc, Scenario};
pub use world::World;

/// The account of the fixtures, and of every world's gateways by default.
pub const ACCOUNT: &str = "123456789012";
/// The tag key of the default configuration.
pub const TAG: &str = "addToTransitGateway";

pub fn region(r: &str) -> Region {
    Region::parse(r).unwrap()
}

pub fn cidr(c: &str) -> Cidr {
    Cidr::parse(c).unwrap()
}

pub fn att(id: &str) -> AttachmentId {
    AttachmentId::parse(id).unwrap()
}

/// A payload as the Lambda runtime hands it to the functions: typed at
/// the edge (an SQS batch), or JSON.
pub fn typed(payload: &Value) -> tgw_peering_core::events::Payload {
    serde_json::from_value(payload.clone()).expect("any JSON is a payload")
}

/// The repository's event fixtures.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Records what is published; fails every call while `failing` is set.
#[derive(Default)]
pub struct Bus {
    pub events: Mutex<Vec<OutEvent>>,
    pub failing: AtomicBool,
}

#[async_trait]
impl EventBus for Bus {
    async fn publish(&self, events: &[OutEvent]) -> Result<(), Error> {
        if self.failing.load(Ordering::SeqCst) {
            let r = region("us-east-1");
            return Err(Error::aws(
                r,
                "PutEvents",
                Some("InternalFailure"),
                "the bus is down",
                true,
            ));
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
    pub vpc_sent: Mutex<Vec<(VpcRecheck, i32)>>,
    pub gateway_sent: Mutex<Vec<(GatewayRecheck, i32)>>,
    pub failing: AtomicBool,
}

#[async_trait]
impl RecheckQueue for Queue {
    async fn send(&self, recheck: &Recheck, delay_secs: i32) -> Result<(), Error> {
        if self.failing.load(Ordering::SeqCst) {
            let r = region("us-east-1");
            return Err(Error::aws(
                r,
                "SendMessage",
                Some("ThrottlingException"),
                "slow down",
                true,
            ));
        }
        self.sent.lock().unwrap().push((recheck.clone(), delay_secs));
        Ok(())
    }

    async fn send_vpc(&self, recheck: &VpcRecheck, delay_secs: i32) -> Result<(), Error> {
        self.vpc_sent.lock().unwrap().push((recheck.clone(), delay_secs));
        Ok(())
    }

    async fn send_gateway(&self, recheck: &GatewayRecheck, delay_secs: i32) -> Result<(), Error> {
        self.gateway_sent.lock().unwrap().push((recheck.clone(), delay_secs));
        Ok(())
    }
}

impl Queue {
    pub fn take(&self) -> Vec<(Recheck, i32)> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }

    pub fn take_gateway(&self) -> Vec<(GatewayRecheck, i32)> {
        std::mem::take(&mut *self.gateway_sent.lock().unwrap())
    }

    pub fn take_vpc(&self) -> Vec<(VpcRecheck, i32)> {
        std::mem::take(&mut *self.vpc_sent.lock().unwrap())
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
        let config = world.config();
        Rig::with_config(world, config)
    }

    /// A rig whose handler runs with `config` (e.g. with ACCOUNT_ROLE_ARNS).
    pub fn with_config(world: World, config: Config) -> Rig {
        let bus = Arc::new(Bus::default());
        let queue = Arc::new(Queue::default());
        let handler = Handler::new(
            config,
            Arc::new(world.clone()),
            Some(bus.clone()),
            Some(queue.clone()),
            Arc::new(Caller(ACCOUNT)),
        );
        Rig { world, bus, queue, handler }
    }
}

/// The fixtures' tagged VPC in us-east-1 (10.20.0.0/16) and one in
/// eu-west-1 (10.30.0.0/16), peered and routed by the events alone.
pub async fn settled_two_regions() -> Rig {
    let world = World::new(&["us-east-1", "eu-west-1"]);
    world.vpc("us-east-1", "vpc-0a1b2c3d4e5f60718", Some("true"), &["10.20.0.0/16"]);
    world.vpc("eu-west-1", "vpc-0eeeeeeeeeeeeeee1", Some("true"), &["10.30.0.0/16"]);
    let rig = Rig::new(world);
    rig.handler.handle(&fixture("tag-change-added.json")).await.unwrap();
    settle(&rig).await;
    rig
}

/// Delivers the tool's state changes (what its rule routes to the
/// handler) and the queued re-checks until nothing is left, moving every
/// peering on as AWS would in between. No state change is dropped.
pub async fn settle(rig: &Rig) {
    for round in 0..20 {
        let published = rig.bus.take();
        let rechecks = rig.queue.take();
        if published.is_empty() && rechecks.is_empty() {
            return;
        }
        for (i, e) in published.iter().enumerate().filter(|(_, e)| e.detail_type() == STATE_CHANGE)
        {
            let report =
                rig.handler.handle(&delivered(e, &format!("evt-{round}-{i}"))).await.unwrap();
            assert_eq!(report.decisions(Decision::Dropped).count(), 0, "{:?}", report.audit);
        }
        if !rechecks.is_empty() {
            rig.world.advance_peerings();
            let batch: Vec<Recheck> = rechecks.into_iter().map(|(r, _)| r).collect();
            rig.handler.handle(&sqs_batch(&batch)).await.unwrap();
        }
    }
    panic!("the event chain did not settle in 20 rounds");
}

/// An event published by the tool, as EventBridge would deliver it.
pub fn delivered(e: &OutEvent, id: &str) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": e.detail_type(),
        "source": "tgw-peering",
        "account": ACCOUNT,
        "time": "2026-11-26T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": e.detail(),
    })
}

/// Re-check requests as the Lambda SQS integration delivers them.
pub fn sqs_batch(rechecks: &[Recheck]) -> Value {
    let records: Vec<Value> = rechecks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "messageId": format!("msg-{i}-{}", r.chain.attempt),
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
