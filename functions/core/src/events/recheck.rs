//! The watcher's re-check request: the body of a message on the re-check
//! queue, and its schedule.

use serde::{Deserialize, Serialize};

use crate::domain::{AttachmentId, PeeringState, Region, RouteTableId, TransitGatewayId, VpcId};

/// A chain of re-checks gives up (and publishes `Peering Stuck`) after 30 minutes.
pub const RECHECK_GIVE_UP_SECS: i64 = 30 * 60;
/// ... or after this many re-checks, whatever its clock says (one every
/// [`RECHECK_EVERY_SECS`]: 30 minutes is 450 re-checks).
pub const RECHECK_MAX_ATTEMPTS: u32 = 480;
/// The watcher's cadence, in seconds: one look every 4 s. Chosen from a
/// measurement (`make bench-cadence`, BENCHMARKS.md): for AWS phases of
/// 30 s to 10 min it adds 3.9 to 4.2 s at p95 after each transition (a
/// look's own latency of 0.1 to 0.5 s), in at most 147 messages a phase;
/// every 5 s would reach 5.0 s, and the backoff it replaces (5, 10, 20, 40,
/// then 60 s) added 57 s.
pub const RECHECK_EVERY_SECS: i32 = 4;
/// An attachment that neither side lists yet is looked for this long after
/// the chain started (describe calls are eventually consistent), then the
/// chain ends.
pub const RECHECK_UNLISTED_GRACE_SECS: i64 = 120;

/// The watcher's re-check request, the body of a message on the re-check queue.
///
/// Unknown fields are ignored rather than refused, so that a newer publisher
/// and an older handler can coexist during a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Recheck {
    /// The attachment to describe.
    pub attachment_id: AttachmentId,
    /// The Region that started the watch (created or accepted the peering).
    /// Both sides are described: AWS updates them at different moments.
    pub region: Region,
    /// Where the chain is: it gives up [`RECHECK_GIVE_UP_SECS`] after it
    /// started (its fields are the body's own: flattened).
    #[serde(flatten)]
    pub chain: Chain,
    /// Each side's state when the chain last looked (`None`, or absent:
    /// not listed, or not looked at yet): the requester's, then the
    /// accepter's.
    pub last_requester_state: Option<PeeringState>,
    pub last_accepter_state: Option<PeeringState>,
}

impl Recheck {
    /// The first re-check of a chain, which last saw `seen` (the
    /// requester's state, the accepter's state).
    pub fn first(
        attachment_id: &AttachmentId,
        region: &Region,
        seen: (Option<PeeringState>, Option<PeeringState>),
        now: i64,
        origin_event_id: &str,
    ) -> Recheck {
        Recheck {
            attachment_id: attachment_id.clone(),
            region: region.clone(),
            last_requester_state: seen.0,
            last_accepter_state: seen.1,
            chain: Chain::start(now, origin_event_id),
        }
    }

    /// The SQS delay before re-check number `attempt`: every
    /// [`RECHECK_EVERY_SECS`], from the first look on.
    pub fn delay_secs(_attempt: u32) -> i32 {
        RECHECK_EVERY_SECS
    }
}

/// Where a chain of re-checks (a peering's, a VPC's, a Region's) is: when
/// it started, the looks made so far and the event that started it. Flattened into each
/// message body (`started-at`, `attempt`, `origin-event-id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Chain {
    /// When the chain started (seconds since the Unix epoch).
    pub started_at: i64,
    /// Re-checks made so far in this chain.
    pub attempt: u32,
    /// The event that started the chain (empty until the first look is
    /// sent, which names the reconcile's event).
    pub origin_event_id: String,
}

impl Chain {
    /// A chain that starts at `now` (seconds since the Unix epoch).
    pub fn start(now: i64, origin_event_id: &str) -> Chain {
        Chain { started_at: now, attempt: 0, origin_event_id: origin_event_id.to_owned() }
    }

    /// The chain's next look.
    pub fn next(&self) -> Chain {
        Chain { attempt: self.attempt.saturating_add(1), ..self.clone() }
    }

    /// Seconds since the chain started (0 for a start in the future).
    pub fn elapsed(&self, now: i64) -> i64 {
        now.saturating_sub(self.started_at).max(0)
    }

    /// Whether the chain is over: bounded by time (`give_up_secs`) and by
    /// count (`max_attempts`); a start in the future (a bad clock, a
    /// crafted message) ends it too.
    pub fn over(&self, now: i64, give_up_secs: i64, max_attempts: u32) -> bool {
        self.elapsed(now) >= give_up_secs
            || self.attempt >= max_attempts
            || self.started_at > now.saturating_add(60)
    }
}

/// A chain of VPC re-checks gives up (with an audit line) after 10 minutes:
/// a new VPC attachment takes AWS a few minutes at most.
pub const VPC_RECHECK_GIVE_UP_SECS: i64 = 10 * 60;
/// ... or after this many looks, whatever its clock says (10 minutes is
/// 23 looks on [`VpcRecheck::delay_secs`]).
pub const VPC_RECHECK_MAX_ATTEMPTS: u32 = 30;

/// A look at one VPC that a reconcile is waiting on, the body of a message
/// on the re-check queue: an event's tag state that the read did not show
/// yet (EC2's reads are eventually consistent), an attachment still
/// pending, or a block still associating. The watcher reads the VPC and
/// its attachments and, once nothing is waited for, publishes `VPC Ready`,
/// which brings a reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct VpcRecheck {
    pub vpc_id: VpcId,
    pub region: Region,
    /// The Region's managed transit gateway, whose attachments are read.
    pub transit_gateway_id: TransitGatewayId,
    /// The tag state an event announced, when one did (`TAG_KEY=true`).
    pub tagged: Option<bool>,
    /// Where the chain is (its fields are the body's own: flattened).
    #[serde(flatten)]
    pub chain: Chain,
}

impl VpcRecheck {
    /// The SQS delay before re-check number `attempt`: 5 s for the first
    /// minute (AWS usually catches up within seconds), then 15, 30, and 60 s.
    pub fn delay_secs(attempt: u32) -> i32 {
        match attempt {
            0..=11 => 5,
            12..=13 => 15,
            14..=15 => 30,
            _ => 60,
        }
    }
}

/// A look at a Region whose managed transit gateway (`pending`, or
/// `modifying` after `ModifyTransitGateway`) or route table (`pending`) a
/// reconcile had to wait on, the body of a message on the re-check queue.
/// The watcher reads the gateways and the gateway's route tables and, once
/// both are `available`, publishes `Transit Gateway Ready`, which brings a
/// reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GatewayRecheck {
    pub region: Region,
    pub transit_gateway_id: TransitGatewayId,
    pub route_table_id: RouteTableId,
    /// Where the chain is (its fields are the body's own: flattened).
    #[serde(flatten)]
    pub chain: Chain,
}

impl GatewayRecheck {
    /// The SQS delay before re-check number `attempt`: 10 s for the first
    /// minute, then 30 s.
    pub fn delay_secs(attempt: u32) -> i32 {
        if attempt < 6 {
            10
        } else {
            30
        }
    }
}

/// A chain of gateway re-checks gives up (with an audit line) after 30
/// minutes: AWS documents no duration for `ModifyTransitGateway`, and the
/// hourly sweep comes back after that.
pub const GATEWAY_RECHECK_GIVE_UP_SECS: i64 = 30 * 60;
/// ... or after this many looks, whatever its clock says (30 minutes is
/// 64 looks on [`GatewayRecheck::delay_secs`]).
pub const GATEWAY_RECHECK_MAX_ATTEMPTS: u32 = 70;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_rechecks_look_every_ten_seconds_for_a_minute_then_every_thirty() {
        let d: Vec<i32> = (0..8).map(GatewayRecheck::delay_secs).collect();
        assert_eq!(d, [10, 10, 10, 10, 10, 10, 30, 30]);
        let total: i32 = (0..GATEWAY_RECHECK_MAX_ATTEMPTS).map(GatewayRecheck::delay_secs).sum();
        assert!(i64::from(total) >= GATEWAY_RECHECK_GIVE_UP_SECS, "the clock bound is met first");
    }

    #[test]
    fn vpc_rechecks_look_every_five_seconds_for_a_minute_then_back_off() {
        let d: Vec<i32> = (0..18).map(VpcRecheck::delay_secs).collect();
        assert_eq!(d[..12], [5; 12]);
        assert_eq!(d[12..], [15, 15, 30, 30, 60, 60]);
        let total: i32 = (0..VPC_RECHECK_MAX_ATTEMPTS).map(VpcRecheck::delay_secs).sum();
        assert!(i64::from(total) >= VPC_RECHECK_GIVE_UP_SECS, "the clock bound is met first");
    }

    #[test]
    fn rechecks_look_every_four_seconds_and_the_count_bound_covers_the_time_bound() {
        assert!((0..RECHECK_MAX_ATTEMPTS).all(|a| Recheck::delay_secs(a) == RECHECK_EVERY_SECS));
        let looks = RECHECK_GIVE_UP_SECS / i64::from(RECHECK_EVERY_SECS);
        assert!(i64::from(RECHECK_MAX_ATTEMPTS) > looks, "the clock bound is met first");
    }

    #[test]
    fn states_travel_as_aws_spells_them_and_unknown_ones_are_kept() {
        let json = serde_json::json!({
            "attachment-id": "tgw-attach-01", "region": "us-east-1",
            "last-requester-state": "pendingAcceptance", "last-accepter-state": "somethingNew",
            "started-at": 1, "attempt": 0, "origin-event-id": "e"
        });
        let r: Recheck = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(r.last_requester_state, Some(PeeringState::PendingAcceptance));
        assert_eq!(r.last_accepter_state, Some(PeeringState::Unknown("somethingNew".into())));
        assert_eq!(serde_json::to_value(&r).unwrap(), json);
    }
}
