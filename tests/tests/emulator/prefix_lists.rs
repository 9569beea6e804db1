//! `ROUTE_MODE=prefix-list` on the emulator, which implements prefix-list
//! references as AWS documents them (`tests/emulator/patches/prefix_lists.py`
//! and `routes.py`): each entry of a referenced list is a route of the
//! table, behind a static route of the same CIDR.

use std::collections::BTreeSet;

use super::common::converge;
use tgw_peering::commands::Session;
use tgw_peering_core::execute::{execute, ResultLabel};
use tgw_peering_core::observe::observe;
use tgw_peering_core::{plan, Plan, RouteMode};
use tgw_peering_tests::{config, Emulator, Flavour, RegionWorld};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";

fn session_in(emulator_config: &aws_config::SdkConfig, mode: RouteMode) -> Session {
    let mut c = config(&[EAST, WEST]);
    c.route_mode = mode;
    Session::new(c, emulator_config)
}

/// East with `east` tagged VPCs, west with `west`; returns both worlds.
async fn world(emulator: &Emulator, east: &[&str], west: &[&str]) -> (RegionWorld, RegionWorld) {
    let (e, w) = (RegionWorld::new(emulator, EAST).await, RegionWorld::new(emulator, WEST).await);
    for c in east {
        e.vpc(c, Some("true"), &[]).await;
    }
    for c in west {
        w.vpc(c, Some("true"), &[]).await;
    }
    (e, w)
}

fn set(cidrs: &[&str]) -> BTreeSet<String> {
    cidrs.iter().map(|c| (*c).to_owned()).collect()
}

/// The CIDRs `world`'s table routes (active, any kind) toward a peering
/// (not propagated from a local VPC).
async fn routed(world: &RegionWorld) -> BTreeSet<String> {
    world
        .active_routes()
        .await
        .into_iter()
        .filter(|r| r.is_static || r.prefix_list.is_some())
        .map(|r| r.cidr)
        .collect()
}

async fn statics(world: &RegionWorld) -> usize {
    world.static_routes().await.len()
}

async fn listed(world: &RegionWorld) -> BTreeSet<String> {
    let rows = world.active_routes().await;
    rows.into_iter().filter(|r| r.prefix_list.is_some()).map(|r| r.cidr).collect()
}

#[tokio::test]
async fn in_prefix_list_mode_tagging_untagging_and_deleting_converge_with_no_static_route() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west) = world(&emulator, &["10.10.0.0/24"], &["10.20.0.0/24"]).await;
    let session = session_in(&emulator.sdk_config().await, RouteMode::PrefixList);
    let report = converge(&session).await;
    assert!(!report.applied.iter().any(|a| a.action.kind() == "create_route"));
    assert_eq!(listed(&west).await, set(&["10.10.0.0/24"]));
    assert_eq!(listed(&east).await, set(&["10.20.0.0/24"]));
    assert_eq!(west.references().await.len(), 1);

    let second = east.vpc("10.10.1.0/24", Some("true"), &[]).await;
    let doomed = east.vpc("10.10.2.0/24", Some("true"), &[]).await;
    converge(&session).await;
    assert_eq!(listed(&west).await, set(&["10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"]));

    east.untag(&second).await;
    east.delete_vpc(&doomed).await;
    let report = converge(&session).await;
    assert_eq!(listed(&west).await, set(&["10.10.0.0/24"]), "{:#?}", report.applied);
    for w in [&east, &west] {
        assert_eq!(statics(w).await, 0, "no static route from the tool in {}", w.region);
    }
    let again = converge(&session).await;
    assert_eq!(again.writes_done(), 0, "{:#?}", again.applied);
}

/// Runs reconciles one write at a time (in the executor's phase order) until
/// a plan has nothing to do; after every write, both tables still route
/// every wanted CIDR. Returns the writes made.
async fn step_until_converged(
    session: &Session,
    wanted: [(&RegionWorld, &BTreeSet<String>); 2],
) -> Vec<String> {
    let mut writes = Vec::new();
    for _ in 0..6 {
        let observed = observe(&session.clients, &session.config).await.expect("observe");
        let mut planned: Plan = plan(&observed, &session.config).expect("plan");
        if planned.actions.is_empty() {
            return writes;
        }
        planned.actions.sort_by_key(|p| p.action.phase());
        for action in planned.actions {
            let one = Plan { actions: vec![action.clone()], ..Plan::default() };
            let done = execute(&session.clients, &one).await;
            assert!(done.executed.iter().all(|e| e.label() != ResultLabel::Error), "{done:?}");
            writes.push(action.action.kind().to_owned());
            for (world, cidrs) in &wanted {
                let routed = routed(world).await;
                assert!(
                    cidrs.is_subset(&routed),
                    "after {}: {} routes {routed:?}, not all of {cidrs:?}",
                    action.action,
                    world.region
                );
            }
        }
    }
    panic!("no convergence in 6 reconciles: {writes:?}");
}

#[tokio::test]
async fn a_switch_in_either_direction_never_leaves_a_wanted_cidr_without_a_route() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let east_cidrs = ["10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"];
    let west_cidrs = ["10.20.0.0/24", "10.20.1.0/24"];
    let (east, west) = world(&emulator, &east_cidrs, &west_cidrs).await;
    let sdk = emulator.sdk_config().await;
    converge(&session_in(&sdk, RouteMode::Static)).await;
    let (in_west, in_east) = (set(&east_cidrs), set(&west_cidrs));
    assert_eq!(statics(&west).await, 3);

    let to_lists = session_in(&sdk, RouteMode::PrefixList);
    let writes = step_until_converged(&to_lists, [(&west, &in_west), (&east, &in_east)]).await;
    assert_eq!(writes.iter().filter(|k| *k == "create_reference").count(), 2, "{writes:?}");
    assert_eq!(writes.iter().filter(|k| *k == "retire_route").count(), 5, "{writes:?}");
    assert!(!writes.iter().any(|k| k == "delete_route"), "{writes:?}");
    assert!(!writes.iter().any(|k| k.contains("ledger")), "the entries stay: {writes:?}");
    assert_eq!((statics(&west).await, statics(&east).await), (0, 0));
    assert_eq!(listed(&west).await, in_west);

    let to_statics = session_in(&sdk, RouteMode::Static);
    let writes = step_until_converged(&to_statics, [(&west, &in_west), (&east, &in_east)]).await;
    assert_eq!(writes.iter().filter(|k| *k == "create_route").count(), 5, "{writes:?}");
    assert_eq!(writes.iter().filter(|k| *k == "delete_reference").count(), 2, "{writes:?}");
    assert!(west.references().await.is_empty() && east.references().await.is_empty());
    assert_eq!(statics(&west).await, 3);
    assert_eq!(converge(&to_statics).await.writes_done(), 0);
}

#[tokio::test]
async fn a_concurrent_change_to_a_referenced_list_ends_in_the_right_entries() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west) = world(&emulator, &["10.10.0.0/24"], &["10.20.0.0/24"]).await;
    let session = session_in(&emulator.sdk_config().await, RouteMode::PrefixList);
    converge(&session).await;
    east.vpc("10.10.1.0/24", Some("true"), &[]).await;

    // The tool reads and plans; then someone rewrites the west list (one
    // entry swapped for another).
    let observed = observe(&session.clients, &session.config).await.expect("observe");
    let planned = plan(&observed, &session.config).expect("plan");
    let (list, _) = west.references().await.remove(0);
    let version = west
        .ec2
        .describe_managed_prefix_lists()
        .prefix_list_ids(&list)
        .send()
        .await
        .expect("DescribeManagedPrefixLists")
        .prefix_lists()[0]
        .version()
        .expect("a version");
    west.ec2
        .modify_managed_prefix_list()
        .prefix_list_id(&list)
        .current_version(version)
        .remove_entries(
            aws_sdk_ec2::types::RemovePrefixListEntry::builder().cidr("10.10.0.0/24").build(),
        )
        .add_entries(aws_sdk_ec2::types::AddPrefixListEntry::builder().cidr("192.0.2.0/24").build())
        .send()
        .await
        .expect("ModifyManagedPrefixList by hand");

    let stale = execute(&session.clients, &planned).await;
    let refused: Vec<_> =
        stale.failures().map(|(p, e)| (p.action.kind(), e.is_retryable())).collect();
    assert!(
        refused.contains(&("update_ledger", true)),
        "a version conflict, retryable: {refused:?}"
    );

    converge(&session).await;
    assert_eq!(listed(&west).await, set(&["10.10.0.0/24", "10.10.1.0/24"]));
    assert_eq!(statics(&west).await, 0);
}
