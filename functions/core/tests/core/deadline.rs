//! The Lambda deadline: a reconcile stops writing before it, hands the rest
//! on (`Reconcile Continued`), and the next one continues where it stopped.
//! On tokio's paused clock: each write of the world takes 10 ms.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{delivered, fixture, settled_two_regions, typed, Rig};
use tgw_peering_core::events::RECONCILE_CONTINUED;
use tgw_peering_core::execute::{Deadline, DEADLINE_SLACK, WRITE_TIMEOUT};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const NEW_VPCS: usize = 40;

fn ms(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

#[test]
fn a_deadline_already_past_or_more_than_a_day_away_is_no_deadline() {
    let now = SystemTime::now();
    let day = Duration::from_secs(24 * 3600);
    for gone in [0, ms(now) - 1_000, ms(now)] {
        assert_eq!(Deadline::from_epoch_ms(gone, now), None, "{gone}");
    }
    for far in [ms(now + day * 2), u64::MAX] {
        assert_eq!(Deadline::from_epoch_ms(far, now), None, "{far}");
    }
    let real = Deadline::from_epoch_ms(ms(now + Duration::from_secs(180)), now);
    assert!(real.is_some_and(|d| !d.is_near()), "{real:?}");
    // Less than one write's timeout and the slack left: no write starts.
    let near = Deadline::from_epoch_ms(ms(now + WRITE_TIMEOUT + DEADLINE_SLACK), now);
    assert!(near.is_some_and(|d| d.is_near()), "{near:?}");
}

/// Two Regions peered and converged, then `NEW_VPCS` more tagged VPCs in
/// us-east-1: as many route writes in eu-west-1, each taking 10 ms.
async fn many_new_routes() -> Rig {
    let rig = settled_two_regions().await;
    for i in 0..NEW_VPCS {
        rig.world.vpc(EAST, &format!("vpc-0b{i:015}"), Some("true"), &[&format!("10.21.{i}.0/24")]);
    }
    rig.world.slow_writes(Duration::from_millis(10));
    rig
}

fn route_creates(rig: &Rig) -> Vec<String> {
    let prefix = format!("create_route {WEST} ");
    rig.world.writes().into_iter().filter(|w| w.starts_with(&prefix)).collect()
}

#[tokio::test(start_paused = true)]
async fn a_reconcile_that_meets_its_deadline_hands_on_and_the_next_one_finishes_without_repeats() {
    let rig = many_new_routes().await;
    let before = route_creates(&rig).len();
    // Time for the ledger's writes and a few rounds of route writes.
    let deadline = Deadline::after(WRITE_TIMEOUT + DEADLINE_SLACK + Duration::from_millis(50));
    let answer =
        rig.handler.lambda_before(&typed(&fixture("scheduled-event.json")), Some(deadline)).await;
    assert!(answer.as_ref().is_ok_and(|a| a.failure.is_none()), "{answer:?}");
    let first = route_creates(&rig).len() - before;
    assert!(first > 0 && first < NEW_VPCS, "{first} of {NEW_VPCS} written before the deadline");

    let published = rig.bus.take();
    let continued: Vec<_> =
        published.iter().filter(|e| e.detail_type() == RECONCILE_CONTINUED).collect();
    assert_eq!(continued.len(), 1, "{published:?}");
    let detail = continued[0].detail();
    assert_eq!(detail["handed-on"].as_u64(), Some((NEW_VPCS - first) as u64), "{detail}");
    assert!(detail["writes"].as_u64().is_some_and(|w| w >= first as u64), "{detail}");

    // The continuation, delivered as the state-change rule does: the rest,
    // each route written once.
    let next = delivered(continued[0], "evt-continued");
    let answer = rig.handler.lambda_before(&typed(&next), None).await;
    assert!(answer.as_ref().is_ok_and(|a| a.failure.is_none()), "{answer:?}");
    let creates = route_creates(&rig)[before..].to_vec();
    let unique: std::collections::BTreeSet<_> = creates.iter().collect();
    assert_eq!(creates.len(), NEW_VPCS, "{creates:?}");
    assert_eq!(unique.len(), NEW_VPCS, "no route written twice: {creates:?}");
    assert!(!rig.bus.take().iter().any(|e| e.detail_type() == RECONCILE_CONTINUED));
}

#[tokio::test(start_paused = true)]
async fn a_reconcile_that_can_write_nothing_before_its_deadline_fails_retryably_and_hands_nothing_on(
) {
    let rig = many_new_routes().await;
    let writes = rig.world.writes().len();
    let deadline = Deadline::after(WRITE_TIMEOUT + DEADLINE_SLACK);
    let answer =
        rig.handler.lambda_before(&typed(&fixture("scheduled-event.json")), Some(deadline)).await;
    let diagnostic = answer.expect_err("a retryable error answer");
    assert_eq!(diagnostic.error_type, "Retryable");
    assert!(diagnostic.error_message.contains("deadline"), "{diagnostic:?}");
    assert_eq!(rig.world.writes().len(), writes, "nothing written");
    assert!(!rig.bus.take().iter().any(|e| e.detail_type() == RECONCILE_CONTINUED));
}

#[tokio::test(start_paused = true)]
async fn without_a_deadline_a_reconcile_writes_everything_however_long_it_takes() {
    let rig = many_new_routes().await;
    let before = route_creates(&rig).len();
    rig.world.slow_writes(Duration::from_secs(30));
    let answer = rig.handler.lambda_before(&typed(&fixture("scheduled-event.json")), None).await;
    assert!(answer.as_ref().is_ok_and(|a| a.failure.is_none()), "{answer:?}");
    assert_eq!(route_creates(&rig).len() - before, NEW_VPCS);
}
