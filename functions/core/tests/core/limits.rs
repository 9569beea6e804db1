//! AWS's limits through the handler, on the in-memory world: a route table
//! read in part, a ledger list whose resize failed, IPv6 on an attachment
//! without IPv6 support.

use crate::support::{fixture, settled_two_regions};
use tgw_peering_core::domain::ResizeRecord;
use tgw_peering_core::handler::{system_clock, Decision};
use tgw_peering_core::FindingCode;

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const REFUSED: &str = "The following resources do not support the new maximum size: sg-0123";

fn written_in(writes: &[String], r: &str) -> Vec<String> {
    writes.iter().filter(|w| w.contains(r)).cloned().collect()
}

#[tokio::test]
async fn a_route_table_read_in_part_is_not_written_to_and_the_reconcile_fails_retryably() {
    let rig = settled_two_regions().await;
    rig.world.vpc(EAST, "vpc-0c000000000000001", Some("true"), &["10.21.0.0/24"]);
    rig.world.partial_search(WEST);
    let before = rig.world.writes().len();
    let answer = rig.handler.lambda(&fixture("scheduled-event.json")).await;
    let diagnostic = answer.expect_err("a retryable error answer");
    assert_eq!(diagnostic.error_type, "Retryable");
    assert!(diagnostic.error_message.contains("NextToken"), "{diagnostic:?}");
    let west = written_in(&rig.world.writes()[before..], WEST);
    assert!(west.is_empty(), "{west:?}");
}

#[tokio::test]
async fn a_failed_resize_is_reported_with_aws_s_message_and_not_asked_again() {
    let rig = settled_two_regions().await;
    rig.world.edit(WEST, |state| {
        let list = &mut state.ledger[0];
        list.state = "modify-failed".into();
        list.state_message = Some(REFUSED.into());
        list.resize = Some(ResizeRecord { size: 2, at: system_clock(), version: list.version });
    });
    rig.world.vpc(EAST, "vpc-0c000000000000001", Some("true"), &["10.21.0.0/24"]);
    let before = rig.world.writes().len();
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    let west = written_in(&rig.world.writes()[before..], WEST);
    assert!(west.is_empty(), "no resize, no list, no route: {west:?}");
    // The new CIDR waits, with AWS's message.
    let warned: Vec<_> = report.decisions(Decision::Warning).collect();
    assert!(
        warned.iter().any(|r| r.code == Some(FindingCode::ResizeFailed)
            && r.region.as_ref().is_some_and(|r| r.as_str() == WEST)
            && r.reason.contains(REFUSED)),
        "{warned:?}"
    );
    assert!(!rig.world.routes(WEST).iter().any(|r| r.starts_with("10.21.0.0/24")));
}

#[tokio::test]
async fn a_dual_stack_vpc_attached_without_ipv6_support_has_only_its_ipv4_block_routed() {
    let rig = settled_two_regions().await;
    let vpc = "vpc-0c000000000000002";
    rig.world.vpc(EAST, vpc, Some("true"), &["10.22.0.0/24", "2600:1f18:22::/56"]);
    rig.world.without_ipv6_support(EAST, vpc);
    let report = rig.handler.handle(&fixture("scheduled-event.json")).await.unwrap();
    let routes = rig.world.routes(WEST);
    assert!(routes.iter().any(|r| r.starts_with("10.22.0.0/24 ")), "{routes:?}");
    assert!(!routes.iter().any(|r| r.starts_with("2600:1f18:22::/56")), "{routes:?}");
    let skipped: Vec<_> = report.decisions(Decision::Skip).collect();
    assert!(
        skipped
            .iter()
            .any(|r| r.code == Some(FindingCode::Ipv6Unsupported) && r.subject.contains(vpc)),
        "{skipped:?}"
    );
}
