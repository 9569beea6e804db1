//! Coexistence on the emulator: the tool beside what others do to the same
//! network. A route or reference someone cut over to a peering with a
//! second gateway stays where they put it; a blackhole someone set is an
//! isolation, kept, while one left by the deletion of the tool's peering is
//! moved onto the new one; two deployments (one per transit gateway) share
//! an account without touching each other's routes or ledger lists, and
//! lists written before deployments were recorded are adopted by the right
//! one; a gateway `modifying` makes its Region wait, not fail; a workload
//! account that cannot be read holds only its own routes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::common::converge;
use tgw_peering::commands::{apply, ApplyOptions, Progress, Session};
use tgw_peering_core::execute::execute;
use tgw_peering_core::{FindingCode, FindingKind, Plan, RouteMark};
use tgw_peering_tests::{
    config, config_with, tagged_world, Emulator, Flavour, ListState, RegionWorld,
};

const EAST: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const SOUTH: &str = "ap-south-1";

const GATEWAY_TAG: &str = "tgw-peering:transit-gateway";
const PEERING_TAG: &str = "tgw-peering:peering";
const DEPLOYMENT_TAG: &str = "tgw-peering:deployment";

const PREFIX_LIST_MODE: &[(&str, &str)] = &[("ROUTE_MODE", "prefix-list")];

/// Two Regions of two tagged VPCs each, converged under the settings
/// `vars`, and the peering between them.
async fn peered(
    emulator: &Emulator,
    vars: &[(&str, &str)],
) -> (RegionWorld, RegionWorld, Session, String) {
    let (east, west, _) = tagged_world(emulator, 2).await;
    let session = Session::new(config_with(&[EAST, WEST], vars), &emulator.sdk_config().await);
    converge(&session).await;
    let peering = peering_between(&east, &west).await;
    (east, west, session, peering)
}

/// One reconcile: read, plan, execute; every write must succeed. Returns
/// the plan it executed.
async fn reconcile(session: &Session) -> Plan {
    let planned = session.plan().await.expect("a plan");
    let done = execute(&session.clients, &planned).await;
    let failed: Vec<String> = done.failures().map(|(p, e)| format!("{}: {e}", p.action)).collect();
    assert!(failed.is_empty(), "failed writes: {failed:?}");
    planned
}

fn set(cidrs: &[&str]) -> BTreeSet<String> {
    cidrs.iter().map(|c| (*c).to_owned()).collect()
}

/// The one available peering between the two worlds' gateways.
async fn peering_between(a: &RegionWorld, b: &RegionWorld) -> String {
    let out = a
        .ec2
        .describe_transit_gateway_peering_attachments()
        .send()
        .await
        .expect("DescribeTransitGatewayPeeringAttachments");
    let found: Vec<String> = out
        .transit_gateway_peering_attachments()
        .iter()
        .filter(|p| p.state().map(|s| s.as_str()) == Some("available"))
        .filter(|p| {
            let ends: BTreeSet<&str> = [p.requester_tgw_info(), p.accepter_tgw_info()]
                .into_iter()
                .flatten()
                .filter_map(|i| i.transit_gateway_id())
                .collect();
            ends == BTreeSet::from([a.tgw.as_str(), b.tgw.as_str()])
        })
        .filter_map(|p| p.transit_gateway_attachment_id().map(str::to_owned))
        .collect();
    assert_eq!(found.len(), 1, "one available peering {} <-> {}: {found:?}", a.tgw, b.tgw);
    found[0].clone()
}

/// The static route of `cidr` in `world`'s table: (attachment, state).
async fn static_route(world: &RegionWorld, cidr: &str) -> Option<(Option<String>, String)> {
    world
        .static_routes_with_state()
        .await
        .into_iter()
        .find(|(c, _, _)| c == cidr)
        .map(|(_, target, state)| (target, state))
}

/// The tool's ledger lists of `world`'s Region recorded as `gateway`'s.
async fn lists_of(world: &RegionWorld, gateway: &str) -> Vec<ListState> {
    world.ledger_lists().await.into_iter().filter(|l| l.tag(GATEWAY_TAG) == Some(gateway)).collect()
}

/// The one ledger list of `world`'s Region (its only deployment, one peer).
async fn the_list(world: &RegionWorld) -> ListState {
    let mut lists = world.ledger_lists().await;
    assert_eq!(lists.len(), 1, "{lists:#?}");
    lists.remove(0)
}

/// The mark of `cidr` in the `status` report of `region`'s table.
fn mark(plan: &Plan, region: &str, cidr: &str) -> Option<RouteMark> {
    plan.tables
        .iter()
        .find(|t| t.region.as_str() == region)
        .and_then(|t| t.routes.iter().find(|r| r.cidr.to_string() == cidr))
        .map(|r| r.mark)
}

/// The findings of `code` whose subject names `id` (a CIDR, a list's or a
/// gateway's id; `""`: any).
fn findings_of<'a>(
    plan: &'a Plan,
    code: FindingCode,
    id: &str,
) -> Vec<&'a tgw_peering_core::Finding> {
    plan.findings.iter().filter(|f| f.code == code && f.subject.contains(id)).collect()
}

// --- 1. a cut-over to a peering with a second gateway ----------------------

#[tokio::test]
async fn a_route_cut_over_to_a_peering_with_a_second_gateway_survives_reconciles_and_the_old_attachments_deletion(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, vpcs) = tagged_world(&emulator, 1).await;
    let sdk = emulator.sdk_config().await;
    converge(&Session::new(config(&[EAST, WEST]), &sdk)).await;
    let west_vpc = &vpcs[1].1;
    assert_eq!(the_list(&east).await.cidrs(), set(&["10.2.0.0/24"]));

    // Someone peers east's managed gateway with a second gateway of
    // eu-west-1 and cuts the west VPC's route over to it.
    let second = RegionWorld::new(&emulator, WEST).await;
    let cut = east.peer_by_hand(&second).await;
    east.associate(&cut).await;
    east.replace_route("10.2.0.0/24", Some(&cut)).await;

    let managed = format!("{WEST}={}", west.tgw);
    let session =
        Session::new(config_with(&[EAST, WEST], &[("TRANSIT_GATEWAY_IDS", &managed)]), &sdk);
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(
            static_route(&east, "10.2.0.0/24").await,
            Some((Some(cut.clone()), "active".to_owned())),
            "reconcile {round}: {:#?}",
            plan.actions
        );
        // Said once, as the tool lets the route go; then it is someone
        // else's route in the way of a wanted one. Either names the
        // attachment it goes to.
        let code =
            if round == 0 { FindingCode::PointedElsewhere } else { FindingCode::RouteExists };
        let conflicts = findings_of(&plan, code, "10.2.0.0/24");
        assert!(
            conflicts.iter().any(|f| f.reason.contains(&cut)),
            "reconcile {round}: {:#?}",
            plan.findings
        );
    }
    // No longer the tool's: its entry is released.
    assert!(!the_list(&east).await.entries.contains_key("10.2.0.0/24"));

    // The west VPC leaves the old gateway: the route toward the new
    // peering is still not the tool's to withdraw.
    west.detach(west_vpc).await;
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(
            static_route(&east, "10.2.0.0/24").await,
            Some((Some(cut.clone()), "active".to_owned())),
            "after the detachment, reconcile {round}: {:#?}",
            plan.actions
        );
    }
    // The tool's other route is untouched.
    let managed_peering = peering_between(&east, &west).await;
    assert_eq!(west.static_routes().await, [("10.1.0.0/24".to_owned(), Some(managed_peering))]);
}

#[tokio::test]
async fn a_reference_pointed_at_a_peering_with_a_second_gateway_stays_there_and_its_list_is_frozen()
{
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, vpcs) = tagged_world(&emulator, 1).await;
    let sdk = emulator.sdk_config().await;
    let lists = [("ROUTE_MODE", "prefix-list")];
    converge(&Session::new(config_with(&[EAST, WEST], &lists), &sdk)).await;
    let west_vpc = &vpcs[1].1;
    let list = the_list(&east).await;
    assert_eq!(list.cidrs(), set(&["10.2.0.0/24"]));
    assert_eq!(east.references().await.len(), 1);

    let second = RegionWorld::new(&emulator, WEST).await;
    let cut = east.peer_by_hand(&second).await;
    east.associate(&cut).await;
    east.point_reference(&list.id, Some(&cut)).await;

    let managed = format!("{WEST}={}", west.tgw);
    let config = config_with(
        &[EAST, WEST],
        &[("ROUTE_MODE", "prefix-list"), ("TRANSIT_GATEWAY_IDS", &managed)],
    );
    let session = Session::new(config, &sdk);
    let pointed = vec![(list.id.clone(), Some(cut.clone()))];
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(east.references().await, pointed, "reconcile {round}: {:#?}", plan.actions);
        assert_eq!(the_list(&east).await, list, "reconcile {round}: {:#?}", plan.actions);
        assert!(
            !findings_of(&plan, FindingCode::ListFrozen, &list.id).is_empty(),
            "reconcile {round}: {:#?}",
            plan.findings
        );
    }

    // The west VPC leaves the old gateway: its CIDR is wanted no more, but
    // no entry is released while the reference points elsewhere.
    west.detach(west_vpc).await;
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(east.references().await, pointed, "after the detachment, reconcile {round}");
        assert_eq!(
            the_list(&east).await,
            list,
            "after the detachment, reconcile {round}: {:#?}",
            plan.actions
        );
    }
}

// --- 2. blackholes: isolations and deletions --------------------------------

/// Asserts what `status` says of an isolated CIDR in `region`.
fn assert_isolated(plan: &Plan, region: &str, cidr: &str) {
    assert_eq!(mark(plan, region, cidr), Some(RouteMark::Isolated), "{:#?}", plan.tables);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::Isolated
            && f.region.as_ref().is_some_and(|r| r.as_str() == region)
            && f.subject.contains(cidr)),
        "{:#?}",
        plan.findings
    );
}

#[tokio::test]
async fn a_blackhole_set_by_hand_on_a_tool_route_stays_a_blackhole_and_status_shows_it_isolated() {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, _, session, peering) = peered(&emulator, &[]).await;

    east.replace_route("10.2.0.0/24", None).await;
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(
            east.static_routes_with_state().await,
            [
                ("10.2.0.0/24".to_owned(), None, "blackhole".to_owned()),
                ("10.2.1.0/24".to_owned(), Some(peering.clone()), "active".to_owned()),
            ],
            "reconcile {round}: {:#?}",
            plan.actions
        );
    }
    let status = session.plan().await.expect("a plan");
    assert_isolated(&status, EAST, "10.2.0.0/24");
    assert_eq!(mark(&status, EAST, "10.2.1.0/24"), Some(RouteMark::Desired));
    // The isolation is recorded on the list, its entry kept.
    let list = the_list(&east).await;
    assert_eq!(list.tag("tgw-peering:isolated:10.2.0.0/24"), Some("true"), "{list:#?}");
    assert_eq!(list.cidrs(), set(&["10.2.0.0/24", "10.2.1.0/24"]));
}

#[tokio::test]
async fn in_prefix_list_mode_a_blackhole_route_in_front_of_a_list_entry_stays_and_status_shows_it_isolated(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, _, session, peering) = peered(&emulator, PREFIX_LIST_MODE).await;
    assert!(east.static_routes().await.is_empty());

    east.blackhole_route("10.2.0.0/24").await;
    let list = the_list(&east).await;
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(
            east.static_routes_with_state().await,
            [("10.2.0.0/24".to_owned(), None, "blackhole".to_owned())],
            "reconcile {round}: {:#?}",
            plan.actions
        );
        assert_eq!(east.references().await, [(list.id.clone(), Some(peering.clone()))]);
    }
    assert_eq!(the_list(&east).await.cidrs(), list.cidrs(), "the entry stays");
    let active: Vec<String> = east
        .active_routes()
        .await
        .into_iter()
        .filter(|r| r.prefix_list.is_some())
        .map(|r| r.cidr)
        .collect();
    assert_eq!(active, ["10.2.1.0/24"], "the other entry still routes");
    let status = session.plan().await.expect("a plan");
    assert_isolated(&status, EAST, "10.2.0.0/24");
}

#[tokio::test]
async fn in_prefix_list_mode_a_reference_blackholed_by_hand_stays_a_blackhole_and_status_shows_its_cidrs_isolated(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, _west, _) = tagged_world(&emulator, 2).await;
    let config = config_with(&[EAST, WEST], &[("ROUTE_MODE", "prefix-list")]);
    let session = Session::new(config, &emulator.sdk_config().await);
    converge(&session).await;
    let list = the_list(&east).await;

    east.point_reference(&list.id, None).await;
    for round in 0..2 {
        let plan = reconcile(&session).await;
        assert_eq!(
            east.references().await,
            [(list.id.clone(), None)],
            "reconcile {round}: {:#?}",
            plan.actions
        );
        assert!(east.static_routes().await.is_empty(), "reconcile {round}: {:#?}", plan.actions);
    }
    assert_eq!(the_list(&east).await.cidrs(), list.cidrs(), "the entries stay");
    let status = session.plan().await.expect("a plan");
    assert!(
        status.findings.iter().any(|f| f.code == FindingCode::Isolated
            && f.region.as_ref().is_some_and(|r| r.as_str() == EAST)
            && f.subject.contains(&list.id)),
        "{:#?}",
        status.findings
    );
    for cidr in ["10.2.0.0/24", "10.2.1.0/24"] {
        assert_eq!(mark(&status, EAST, cidr), Some(RouteMark::Isolated), "{:#?}", status.tables);
    }
}

/// Converges two VPCs a side, deletes the managed peering, and applies
/// again: a new peering, and every route moved onto it, active.
async fn a_deleted_peerings_blackholes_move_to_the_new_one(blackhole_attachment: &str) {
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_BLACKHOLE_ATTACHMENT", blackhole_attachment)],
    );
    let (east, west, session, old) = peered(&emulator, &[]).await;
    assert_eq!(the_list(&east).await.tag(PEERING_TAG), Some(old.as_str()));
    east.ec2
        .delete_transit_gateway_peering_attachment()
        .transit_gateway_attachment_id(&old)
        .send()
        .await
        .expect("DeleteTransitGatewayPeeringAttachment");
    let kept = (blackhole_attachment == "keep").then(|| old.clone());
    for (_, target, state) in west.static_routes_with_state().await {
        assert_eq!((target, state.as_str()), (kept.clone(), "blackhole"));
    }

    let report = converge(&session).await;
    assert!(
        !report.applied.iter().any(|a| a.action.kind() == "delete_route"),
        "{:#?}",
        report.applied
    );
    let new = peering_between(&east, &west).await;
    assert_ne!(new, old);
    for (world, cidrs) in
        [(&east, ["10.2.0.0/24", "10.2.1.0/24"]), (&west, ["10.1.0.0/24", "10.1.1.0/24"])]
    {
        let want: Vec<(String, Option<String>, String)> = cidrs
            .iter()
            .map(|c| ((*c).to_owned(), Some(new.clone()), "active".to_owned()))
            .collect();
        assert_eq!(world.static_routes_with_state().await, want, "{}", world.region);
        assert_eq!(the_list(world).await.tag(PEERING_TAG), Some(new.as_str()), "{}", world.region);
    }
    let status = session.plan().await.expect("a plan");
    assert!(!status.findings.iter().any(|f| f.kind() == FindingKind::Isolated), "{status:#?}");
}

#[tokio::test]
async fn a_route_left_blackhole_by_the_deletion_of_the_managed_peering_is_moved_to_the_new_peering()
{
    a_deleted_peerings_blackholes_move_to_the_new_one("drop").await;
}

#[tokio::test]
async fn a_route_left_blackhole_by_the_deletion_of_the_managed_peering_and_still_naming_it_is_moved_to_the_new_peering(
) {
    a_deleted_peerings_blackholes_move_to_the_new_one("keep").await;
}

#[tokio::test]
async fn in_prefix_list_mode_a_reference_left_blackhole_by_the_deletion_of_the_managed_peering_is_moved_to_the_new_peering(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, session, old) = peered(&emulator, PREFIX_LIST_MODE).await;
    east.ec2
        .delete_transit_gateway_peering_attachment()
        .transit_gateway_attachment_id(&old)
        .send()
        .await
        .expect("DeleteTransitGatewayPeeringAttachment");

    let report = converge(&session).await;
    let kinds: Vec<&str> = report.applied.iter().map(|a| a.action.kind()).collect();
    assert!(!kinds.iter().any(|k| k.contains("delete") || k.starts_with("release")), "{kinds:?}");
    let new = peering_between(&east, &west).await;
    assert_ne!(new, old);
    for (world, cidrs) in
        [(&east, ["10.2.0.0/24", "10.2.1.0/24"]), (&west, ["10.1.0.0/24", "10.1.1.0/24"])]
    {
        let list = the_list(world).await;
        assert_eq!(world.references().await, [(list.id.clone(), Some(new.clone()))]);
        assert_eq!(list.cidrs(), set(&cidrs), "{}", world.region);
        assert_eq!(list.tag(PEERING_TAG), Some(new.as_str()), "{}", world.region);
        let active: BTreeSet<String> = world
            .active_routes()
            .await
            .into_iter()
            .filter(|r| r.prefix_list.is_some() && r.attachment.as_deref() == Some(new.as_str()))
            .map(|r| r.cidr)
            .collect();
        assert_eq!(active, set(&cidrs), "{}", world.region);
    }
}

#[tokio::test]
async fn an_isolation_seen_before_the_managed_peering_is_deleted_stays_a_blackhole_after_the_replacement(
) {
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (east, west, session, old) = peered(&emulator, &[]).await;
    east.replace_route("10.2.0.0/24", None).await;
    // The tool sees (and records) the isolation while the peering is live.
    reconcile(&session).await;
    east.ec2
        .delete_transit_gateway_peering_attachment()
        .transit_gateway_attachment_id(&old)
        .send()
        .await
        .expect("DeleteTransitGatewayPeeringAttachment");

    converge(&session).await;
    let new = peering_between(&east, &west).await;
    assert_eq!(
        east.static_routes_with_state().await,
        [
            ("10.2.0.0/24".to_owned(), None, "blackhole".to_owned()),
            ("10.2.1.0/24".to_owned(), Some(new.clone()), "active".to_owned()),
        ]
    );
    let status = session.plan().await.expect("a plan");
    assert_isolated(&status, EAST, "10.2.0.0/24");
}

// --- 3. and 4. two deployments in one account -------------------------------

/// One deployment: its gateway in each Region, its name and its VPCs' CIDRs.
struct Deployment {
    name: &'static str,
    east: RegionWorld,
    west: RegionWorld,
    east_cidrs: Vec<&'static str>,
    west_cidrs: Vec<&'static str>,
    /// Each VPC's id, by CIDR.
    vpcs: BTreeMap<&'static str, String>,
}

impl Deployment {
    async fn new(
        emulator: &Emulator,
        name: &'static str,
        east_cidrs: Vec<&'static str>,
        west_cidrs: Vec<&'static str>,
    ) -> Deployment {
        let east = RegionWorld::new(emulator, EAST).await;
        let west = RegionWorld::new(emulator, WEST).await;
        let mut vpcs = BTreeMap::new();
        for (w, cidrs) in [(&east, &east_cidrs), (&west, &west_cidrs)] {
            w.tag_gateway(DEPLOYMENT_TAG, name).await;
            for c in cidrs.iter() {
                vpcs.insert(*c, w.vpc(c, Some("true"), &[]).await);
            }
        }
        Deployment { name, east, west, east_cidrs, west_cidrs, vpcs }
    }

    fn session(&self, sdk: &aws_config::SdkConfig) -> Session {
        Session::new(config_with(&[EAST, WEST], &[("DEPLOYMENT_NAME", self.name)]), sdk)
    }

    /// The routes and ledger lists of the deployment, as read back.
    async fn snapshot(&self) -> Snapshot {
        let mut out = Snapshot::default();
        for w in [&self.east, &self.west] {
            out.routes.insert(w.region.clone(), w.static_routes().await);
            out.lists.insert(w.region.clone(), lists_of(w, &w.tgw).await);
        }
        out
    }

    /// Asserts that each of the deployment's tables holds exactly the other
    /// Region's CIDRs, toward its own peering, and that its ledger lists (by
    /// their gateway tag) hold exactly those CIDRs.
    async fn assert_exact(&self, when: &str) {
        let peering = peering_between(&self.east, &self.west).await;
        for (w, remote) in [(&self.east, &self.west_cidrs), (&self.west, &self.east_cidrs)] {
            let mut want: Vec<(String, Option<String>)> =
                remote.iter().map(|c| ((*c).to_owned(), Some(peering.clone()))).collect();
            want.sort();
            assert_eq!(w.static_routes().await, want, "{} {} {when}", self.name, w.region);
            let lists = lists_of(w, &w.tgw).await;
            let held: BTreeSet<String> = lists.iter().flat_map(ListState::cidrs).collect();
            let want: BTreeSet<String> = remote.iter().map(|c| (*c).to_owned()).collect();
            assert_eq!(held, want, "{}'s ledger in {} {when}: {lists:#?}", self.name, w.region);
        }
    }

    /// The static routes of its two tables.
    async fn routes(&self) -> RoutePair {
        (self.east.static_routes().await, self.west.static_routes().await)
    }

    fn ids(&self) -> [&str; 4] {
        [&self.east.tgw, &self.west.tgw, &self.east.route_table, &self.west.route_table]
    }
}

type RoutePair = (Vec<(String, Option<String>)>, Vec<(String, Option<String>)>);

#[derive(Debug, Default, PartialEq, Eq)]
struct Snapshot {
    routes: BTreeMap<String, Vec<(String, Option<String>)>>,
    lists: BTreeMap<String, Vec<ListState>>,
}

async fn prod_and_nonprod(emulator: &Emulator) -> (Deployment, Deployment) {
    let prod =
        Deployment::new(emulator, "prod", vec!["10.1.0.0/24", "10.1.1.0/24"], vec!["10.2.0.0/24"])
            .await;
    let nonprod = Deployment::new(
        emulator,
        "nonprod",
        vec!["10.11.0.0/24"],
        vec!["10.12.0.0/24", "10.12.1.0/24"],
    )
    .await;
    (prod, nonprod)
}

#[tokio::test]
async fn two_deployments_in_one_account_run_alternately_each_keep_exactly_their_own_routes_and_ledger(
) {
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_MODIFY_SECONDS", "6")],
    );
    let (prod, nonprod) = prod_and_nonprod(&emulator).await;
    let sdk = emulator.sdk_config().await;
    let (prod_session, nonprod_session) = (prod.session(&sdk), nonprod.session(&sdk));

    for run in 0..4 {
        for (dep, session, other) in
            [(&prod, &prod_session, &nonprod), (&nonprod, &nonprod_session, &prod)]
        {
            let before = other.snapshot().await;
            let report = converge(session).await;
            let when = format!("after {}'s run {run}", dep.name);
            dep.assert_exact(&when).await;
            assert_eq!(other.snapshot().await, before, "{} untouched {when}", other.name);
            if run > 0 {
                other.assert_exact(&when).await;
                assert_eq!(report.writes_done(), 0, "{when}: {:#?}", report.applied);
            }
            for id in other.ids() {
                assert!(
                    !report.applied.iter().any(|a| a.action.to_string().contains(id)),
                    "{when}: {} wrote to {}'s {id}: {:#?}",
                    dep.name,
                    other.name,
                    report.applied
                );
            }
        }
    }
    // Every ledger list of the account is one deployment's.
    for (w, gateways) in [
        (&prod.east, [&prod.east.tgw, &nonprod.east.tgw]),
        (&prod.west, [&prod.west.tgw, &nonprod.west.tgw]),
    ] {
        let lists = w.ledger_lists().await;
        assert_eq!(lists.len(), 2, "{lists:#?}");
        for l in &lists {
            assert!(gateways.iter().any(|g| l.tag(GATEWAY_TAG) == Some(g.as_str())), "{l:#?}");
        }
    }

    // Each sees the other's lists, once per Region, and leaves them alone.
    for session in [&prod_session, &nonprod_session] {
        let status = session.plan().await.expect("a plan");
        let foreign = findings_of(&status, FindingCode::OtherDeploymentLists, "");
        let regions: BTreeSet<String> =
            foreign.iter().filter_map(|f| f.region.as_ref().map(|r| r.to_string())).collect();
        assert_eq!((foreign.len(), regions), (2, set(&[EAST, WEST])), "{:#?}", status.findings);
    }

    // prod's west gateway is modifying; prod has a new VPC on each side.
    prod.east.vpc("10.1.2.0/24", Some("true"), &[]).await;
    prod.west.vpc("10.2.1.0/24", Some("true"), &[]).await;
    prod.west.modify_gateway().await;
    let (nonprod_before, prod_before) = (nonprod.snapshot().await, prod.snapshot().await);
    let plan = reconcile(&prod_session).await;
    assert_eq!(prod.west.gateway_state().await, "modifying", "the test ran too slowly");
    let waits = findings_of(&plan, FindingCode::GatewayInTransition, &prod.west.tgw);
    assert!(!waits.is_empty(), "{:#?}", plan.findings);
    assert!(plan.actions.is_empty(), "nothing is written while a pair waits: {:#?}", plan.actions);
    // The managed gateways and tables are prod's, never nonprod's.
    let text = format!("{:?}", (&plan.tables, &plan.peerings));
    for id in nonprod.ids() {
        assert!(!text.contains(id), "prod's plan names nonprod's {id}: {text}");
    }
    assert_eq!(nonprod.snapshot().await, nonprod_before);
    assert_eq!(prod.snapshot().await, prod_before);

    // Once available again, prod converges; nonprod is still untouched.
    let options =
        ApplyOptions { timeout: Duration::from_secs(60), poll: Duration::from_millis(500) };
    let report = apply(&prod_session, options, |_| {}).await.expect("apply runs");
    assert!(report.converged, "{report:#?}");
    assert_eq!(prod.west.gateway_state().await, "available");
    let prod = Deployment {
        east_cidrs: vec!["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24"],
        west_cidrs: vec!["10.2.0.0/24", "10.2.1.0/24"],
        ..prod
    };
    prod.assert_exact("after the modification").await;
    assert_eq!(nonprod.snapshot().await, nonprod_before);
    nonprod.assert_exact("after prod's modification").await;
}

/// The state the code before deployments were recorded leaves for one
/// deployment, made by hand: its peering (tagged `tgw-peering:managed`),
/// associated on both sides; a static route per remote CIDR; and in each
/// Region a ledger list named `tgw-peering-<peer>-ipv4-0` with only the
/// tags `tgw-peering:managed`, `tgw-peering:tag-key` and
/// `tgw-peering:peer-region`, each entry described by its VPC id.
async fn as_before_deployments(dep: &Deployment) {
    use aws_sdk_ec2::types::{AddPrefixListEntry, ResourceType, Tag, TagSpecification};
    let peering = dep.east.peer_by_hand(&dep.west).await;
    dep.east
        .ec2
        .create_tags()
        .resources(&peering)
        .tags(Tag::builder().key("tgw-peering:managed").value("true").build())
        .send()
        .await
        .expect("CreateTags (peering)");
    for (w, peer, remote) in
        [(&dep.east, &dep.west, &dep.west_cidrs), (&dep.west, &dep.east, &dep.east_cidrs)]
    {
        w.associate(&peering).await;
        for c in remote {
            w.route(c, &peering).await;
        }
        let tags = [
            ("tgw-peering:managed", "true"),
            ("tgw-peering:tag-key", "addToTransitGateway"),
            ("tgw-peering:peer-region", peer.region.as_str()),
        ];
        let tags = tags.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build());
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::PrefixList)
            .set_tags(Some(tags.collect()))
            .build();
        let entries = remote
            .iter()
            .map(|c| AddPrefixListEntry::builder().cidr(*c).description(&dep.vpcs[c]).build());
        w.ec2
            .create_managed_prefix_list()
            .prefix_list_name(format!("tgw-peering-{}-ipv4-0", peer.region))
            .address_family("IPv4")
            .max_entries(10)
            .set_entries(Some(entries.collect()))
            .tag_specifications(spec)
            .send()
            .await
            .expect("CreateManagedPrefixList");
    }
}

#[tokio::test]
async fn an_upgrade_tags_each_deployments_old_ledger_lists_with_its_gateway_and_withdraws_no_route()
{
    let emulator = Emulator::start(Flavour::Patched { phase_seconds: 0 });
    let (prod, nonprod) = prod_and_nonprod(&emulator).await;
    as_before_deployments(&prod).await;
    as_before_deployments(&nonprod).await;
    let sdk = emulator.sdk_config().await;
    let before = (prod.routes().await, nonprod.routes().await);
    // Which list is whose: the deployment whose remote CIDRs it holds.
    let owner = |l: &ListState| -> Option<String> {
        [&prod, &nonprod].into_iter().find_map(|d| {
            [(&d.east, &d.west_cidrs), (&d.west, &d.east_cidrs)]
                .into_iter()
                .find(|(_, remote)| l.cidrs() == remote.iter().map(|c| (*c).to_owned()).collect())
                .map(|(w, _)| w.tgw.clone())
        })
    };

    for (dep, other) in [(&prod, &nonprod), (&nonprod, &prod)] {
        let other_lists = [other.east.ledger_lists().await, other.west.ledger_lists().await];
        let report = converge(&dep.session(&sdk)).await;
        assert_eq!(
            (prod.routes().await, nonprod.routes().await),
            before,
            "no route withdrawn (or added) by {}'s upgrade: {:#?}",
            dep.name,
            report.applied
        );
        let adopted: Vec<String> = report
            .applied
            .iter()
            .filter(|a| a.action.kind() == "tag_ledger")
            .map(|a| a.action.to_string())
            .collect();
        assert_eq!(adopted.len(), 2, "{}: {adopted:#?}", dep.name);
        for w in [&dep.east, &dep.west] {
            let mine = lists_of(w, &w.tgw).await;
            assert_eq!(
                mine.len(),
                1,
                "{} in {}: {:#?}",
                dep.name,
                w.region,
                w.ledger_lists().await
            );
            assert_eq!(owner(&mine[0]).as_deref(), Some(w.tgw.as_str()), "{:#?}", mine[0]);
        }
        if dep.name == "prod" {
            // nonprod's old lists: nothing proves them prod's; untouched.
            for (w, lists) in [&other.east, &other.west].into_iter().zip(&other_lists) {
                let theirs: Vec<ListState> = w
                    .ledger_lists()
                    .await
                    .into_iter()
                    .filter(|l| owner(l).as_deref() == Some(w.tgw.as_str()))
                    .collect();
                let untouched: Vec<&ListState> =
                    lists.iter().filter(|l| owner(l).as_deref() == Some(w.tgw.as_str())).collect();
                assert_eq!(theirs.iter().collect::<Vec<_>>(), untouched, "{}", w.region);
                assert_eq!(theirs[0].tag(GATEWAY_TAG), None);
            }
            let status = dep.session(&sdk).plan().await.expect("a plan");
            let unproven = findings_of(&status, FindingCode::UnprovenLedgerList, "");
            assert_eq!(unproven.len(), 2, "{:#?}", status.findings);
        }
    }
    // Every list now records the deployment whose CIDRs it holds.
    for w in [&prod.east, &prod.west] {
        let lists = w.ledger_lists().await;
        assert_eq!(lists.len(), 2);
        for l in lists {
            assert_eq!(l.tag(GATEWAY_TAG), owner(&l).as_deref(), "{l:#?}");
        }
    }
}

// --- 5. a gateway modifying in a third Region -------------------------------

#[tokio::test]
async fn a_pair_converges_while_a_third_regions_gateway_is_modifying_and_that_region_follows_once_it_is_available(
) {
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_MODIFY_SECONDS", "8")],
    );
    let regions = [EAST, WEST, SOUTH];
    let mut worlds = Vec::new();
    for (i, r) in regions.iter().enumerate() {
        let w = RegionWorld::new(&emulator, r).await;
        w.vpc(&format!("10.{}.0.0/24", i + 1), Some("true"), &[]).await;
        worlds.push(w);
    }
    let (east, west, south) = (&worlds[0], &worlds[1], &worlds[2]);
    south.modify_gateway().await;
    let session = Session::new(config(&regions), &emulator.sdk_config().await);

    // Reconciles while ap-south-1 is modifying: the pair converges.
    let mut last = None;
    for _ in 0..6 {
        let plan = reconcile(&session).await;
        let done = plan.actions.is_empty();
        last = Some(plan);
        if done {
            break;
        }
    }
    let last = last.expect("a plan");
    assert!(last.actions.is_empty(), "the pair did not converge: {:#?}", last.actions);
    assert_eq!(south.gateway_state().await, "modifying", "the test ran too slowly");
    assert!(
        last.findings.iter().any(|f| f.code == FindingCode::GatewayInTransition
            && f.region.as_ref().is_some_and(|r| r.as_str() == SOUTH)
            && f.subject.contains(&south.tgw)),
        "{:#?}",
        last.findings
    );
    let pair = peering_between(east, west).await;
    assert_eq!(east.static_routes().await, [("10.2.0.0/24".to_owned(), Some(pair.clone()))]);
    assert_eq!(west.static_routes().await, [("10.1.0.0/24".to_owned(), Some(pair))]);
    assert!(south.static_routes().await.is_empty());
    assert!(south.peerings().await.is_empty(), "no peering requested with {SOUTH}");

    // apply waits for it, then converges it too.
    let mut waited = 0;
    let options =
        ApplyOptions { timeout: Duration::from_secs(60), poll: Duration::from_millis(500) };
    let report = apply(&session, options, |p| {
        if let Progress::Waiting(_) = p {
            waited += 1;
        }
    })
    .await
    .expect("apply runs");
    assert!(report.converged, "{report:#?}");
    assert!(waited > 0, "apply polled while {SOUTH} was modifying");
    assert_eq!(south.gateway_state().await, "available");
    for (i, w) in worlds.iter().enumerate() {
        let cidrs: BTreeSet<String> = w.static_routes().await.into_iter().map(|(c, _)| c).collect();
        let want: BTreeSet<String> =
            (0..3).filter(|j| *j != i).map(|j| format!("10.{}.0.0/24", j + 1)).collect();
        assert_eq!(cidrs, want, "{}", w.region);
    }
}

// --- 6. a workload account whose role is deleted ----------------------------

const B: &str = "222222222222";
const C: &str = "333333333333";
const ROLE_NAME: &str = "tgw-peering-workload-read";
const EXTERNAL_ID: &str = "tgw-peering-ext-1";
const ROTATED_ID: &str = "tgw-peering-ext-2";

fn workload_config(external_id: &str) -> tgw_peering_core::Config {
    config_with(
        &[EAST, WEST],
        &[("WORKLOAD_ROLE_NAME", ROLE_NAME), ("ROLE_EXTERNAL_ID", external_id)],
    )
}

fn cidrs_of(routes: Vec<(String, Option<String>)>) -> Vec<String> {
    routes.into_iter().map(|(c, _)| c).collect()
}

#[tokio::test]
async fn with_a_workload_account_unreadable_another_accounts_untagged_vpc_is_withdrawn_and_the_unreadable_accounts_routes_stay(
) {
    // The world of organizations.rs: the network account owns both gateways,
    // shared with B and C; B's role trusts both external ids, C's only the
    // first (the second makes C unreadable, as a deleted role would).
    let roles = format!(
        "arn:aws:iam::{B}:role/{ROLE_NAME}={EXTERNAL_ID}|{ROTATED_ID};arn:aws:iam::{C}:role/{ROLE_NAME}={EXTERNAL_ID}"
    );
    let shared = format!("{B},{C}");
    let emulator = Emulator::start_with(
        Flavour::Patched { phase_seconds: 0 },
        &[("TGW_EMULATOR_RAM_SHARED_WITH", &shared), ("TGW_EMULATOR_ROLES", &roles)],
    );
    let east = RegionWorld::shared(&emulator, EAST).await;
    let west = RegionWorld::shared(&emulator, WEST).await;
    east.vpc("10.1.0.0/16", Some("true"), &[]).await;
    east.as_account(&emulator, B).await.vpc("10.20.0.0/16", Some("true"), &[]).await;
    west.as_account(&emulator, C).await.vpc("10.30.0.0/16", Some("true"), &[]).await;
    let b_west = west.as_account(&emulator, B).await;
    let b_vpc = b_west.vpc("10.40.0.0/16", Some("true"), &[]).await;
    east.as_account(&emulator, C).await.vpc("10.50.0.0/16", Some("true"), &[]).await;
    let sdk = emulator.sdk_config().await;
    converge(&Session::new(workload_config(EXTERNAL_ID), &sdk)).await;
    assert_eq!(cidrs_of(east.static_routes().await), ["10.30.0.0/16", "10.40.0.0/16"]);
    assert_eq!(
        cidrs_of(west.static_routes().await),
        ["10.1.0.0/16", "10.20.0.0/16", "10.50.0.0/16"]
    );
    let entry = the_list(&east).await.entries.get("10.40.0.0/16").cloned().flatten();
    assert_eq!(entry, Some(format!("account={B} vpc={b_vpc}")), "entries name their account");

    // C's role refuses the tool; B untags its VPC in C's Region.
    b_west.untag(&b_vpc).await;
    let session = Session::new(workload_config(ROTATED_ID), &sdk);
    let plan = reconcile(&session).await;
    assert_eq!(
        cidrs_of(east.static_routes().await),
        ["10.30.0.0/16"],
        "B's untagged VPC's route is withdrawn, C's stays: {:#?}",
        plan
    );
    assert_eq!(
        cidrs_of(west.static_routes().await),
        ["10.1.0.0/16", "10.20.0.0/16", "10.50.0.0/16"],
        "C's route from us-east-1 stays"
    );
    assert_eq!(the_list(&east).await.cidrs(), set(&["10.30.0.0/16"]));
    // And again: nothing more changes while C cannot be read.
    reconcile(&session).await;
    assert_eq!(cidrs_of(east.static_routes().await), ["10.30.0.0/16"]);
    assert_eq!(
        cidrs_of(west.static_routes().await),
        ["10.1.0.0/16", "10.20.0.0/16", "10.50.0.0/16"]
    );
}
