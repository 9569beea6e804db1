//! What other people and other deployments do beside the tool: a second
//! transit gateway and its peering, a blackhole set on purpose, two
//! deployments in one account, lists written before deployments were
//! recorded, gateways in transition, workload accounts not read.

use super::*;
use crate::support::{cidr, region};
use tgw_peering_core::domain::{
    EntryOwner, ListDeployment, TransitGatewayId, LEDGER_GATEWAY_TAG, LEDGER_LEFT_PREFIX,
};
use tgw_peering_core::{FindingCode, RouteMark};

/// A peering between E's managed gateway and a second gateway of W.
const NEW: &str = "tgw-attach-0new";
/// A peering of the pair that was deleted.
const OLD: &str = "tgw-attach-0old";

fn named_west(mut w: Scenario) -> Scenario {
    let tgw = w.tgw(W);
    w.config.transit_gateway_ids.insert(region(W), tgw);
    w
}

/// [`converged`], with a second gateway in W peered with E's managed one
/// and associated with E's managed table (someone's migration).
fn with_second_gateway() -> Scenario {
    named_west(converged().second_gateway(W, "tgw-w2", None))
        .foreign_peering(NEW, E, W, "tgw-w2", "available")
        .associated(E, NEW)
}

fn actions_in<'a>(plan: &'a Plan, r: &str) -> Vec<&'a Action> {
    plan.actions.iter().map(|p| &p.action).filter(|a| a.region().as_str() == r).collect()
}

fn removed_entries(plan: &Plan, r: &str) -> Vec<String> {
    actions_in(plan, r)
        .into_iter()
        .flat_map(|a| match a {
            Action::UpdateLedger { remove, .. } | Action::ReleaseLedger { remove, .. } => {
                remove.iter().map(ToString::to_string).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

fn writes_of(plan: &Plan, r: &str, c: &str) -> Vec<&'static str> {
    actions_in(plan, r)
        .into_iter()
        .filter(|a| match a {
            Action::CreateRoute { cidr, .. }
            | Action::ReplaceRoute { cidr, .. }
            | Action::DeleteRoute { cidr, .. }
            | Action::RetireRoute { cidr, .. } => cidr.to_string() == c,
            _ => false,
        })
        .map(Action::kind)
        .collect()
}

/// Whether the plan has a finding of `code` whose subject names `id` (a
/// CIDR, a gateway's, a list's or an account's id).
fn has(plan: &Plan, code: FindingCode, id: &str) -> bool {
    plan.findings.iter().any(|f| f.code == code && f.subject.contains(id))
}

// --- Gateway and peering identity --------------------------------------------

#[test]
fn a_cut_over_route_toward_another_gateways_peering_is_left_alone_and_released() {
    let plan = with_second_gateway().route(E, "10.1.0.0/16", Some(NEW)).plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
    assert_eq!(
        removed_entries(&plan, E),
        ["10.1.0.0/16"],
        "no longer the tool's: {:?}",
        plan.actions
    );
    assert!(has(&plan, FindingCode::PointedElsewhere, "10.1.0.0/16"), "{:?}", plan.findings);
}

#[test]
fn once_the_migrated_vpc_leaves_the_old_gateway_its_route_elsewhere_stays() {
    // The entry is still there (its release failed), or already gone.
    for recorded in [true, false] {
        let mut w = with_second_gateway()
            .route(E, "10.1.0.0/16", Some(NEW))
            .attachment_state(W, "vpc-w1", "deleted");
        if !recorded {
            w.region_mut(E).ledger.clear();
        }
        let plan = w.plan();
        assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{recorded}: {:?}", plan.actions);
    }
}

#[test]
fn only_the_peering_between_the_two_managed_gateways_is_the_tools() {
    // The tool's route left on a second gateway's peering is not "a
    // replaced peering of the pair": it stays where someone put it.
    let plan = with_second_gateway().route(E, "10.1.0.0/16", Some(NEW)).plan();
    assert!(!plan.actions.iter().any(|p| matches!(p.action, Action::ReplaceRoute { .. })));
    // A route toward the pair's own replaced peering is still moved.
    let plan =
        converged().peering(OLD, E, W, "deleted", 50).route(E, "10.1.0.0/16", Some(OLD)).plan();
    assert_eq!(writes_of(&plan, E, "10.1.0.0/16"), ["replace_route"], "{:?}", plan.actions);
}

#[test]
fn a_reference_pointed_at_another_gateways_peering_freezes_its_list() {
    let plan = with_second_gateway()
        .prefix_list_mode()
        .referenced(E, W, NEW)
        .referenced(W, E, P)
        .no_route(E, "10.1.0.0/16")
        .no_route(W, "10.0.0.0/16")
        // Untagged now: its entry would be released, but the list is frozen.
        .vpc(W, "vpc-w1", None, &["10.1.0.0/16"])
        .plan();
    let e = actions_in(&plan, E);
    assert!(
        !e.iter()
            .any(|a| matches!(a, Action::ModifyReference { .. } | Action::DeleteReference { .. })),
        "{e:?}"
    );
    assert!(removed_entries(&plan, E).is_empty(), "{e:?}");
    assert!(has(&plan, FindingCode::ListFrozen, "pl-useast10"), "{:?}", plan.findings);
}

#[test]
fn two_gateways_of_the_account_in_a_region_must_be_named_whatever_their_state() {
    for state in ["available", "modifying", "deleted"] {
        let mut w = converged().second_gateway(W, "tgw-w2", None);
        w.region_mut(W).transit_gateways[1].state =
            tgw_peering_core::domain::TgwState::parse(state);
        let err = tgw_peering_core::plan(&w.recorded(), &w.config).unwrap_err().to_string();
        assert!(err.contains("TRANSIT_GATEWAY_IDS") && err.contains("tgw-w2"), "{state}: {err}");
    }
    // Named by its tag, the managed gateway is chosen even while modifying,
    // and never the other deployment's.
    let plan = converged()
        .second_gateway(W, "tgw-w2", Some("nonprod"))
        .deployment_tag(W, "default")
        .gateway_state(W, "modifying")
        .plan();
    assert!(has(&plan, FindingCode::GatewayInTransition, "tgw-1"), "{:?}", plan.findings);
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
}

// --- Blackholes ---------------------------------------------------------------

#[test]
fn a_blackhole_set_while_the_peering_is_live_is_an_isolation_kept_and_recorded() {
    let plan = converged().route(E, "10.1.0.0/16", Some("blackhole")).plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(removed_entries(&plan, E).is_empty(), "its entry stays: {:?}", plan.actions);
    assert!(has(&plan, FindingCode::Isolated, "10.1.0.0/16"), "{:?}", plan.findings);
    let recorded = plan.actions.iter().any(|p| matches!(&p.action,
        Action::TagLedger { tags, .. } if tags.iter().any(|(k, _)| k == "tgw-peering:isolated:10.1.0.0/16")));
    assert!(recorded, "{:?}", plan.actions);
    let table = plan.tables.iter().find(|t| t.region.as_str() == E).unwrap();
    let row = table.routes.iter().find(|r| r.cidr == cidr("10.1.0.0/16")).unwrap();
    assert_eq!(row.mark, RouteMark::Isolated);
}

#[test]
fn a_blackhole_left_by_the_deletion_of_the_recorded_peering_is_moved_and_the_record_follows() {
    let plan = converged()
        .peering(OLD, E, W, "deleted", 50)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .recorded_peering(E, W, OLD)
        .plan();
    assert_eq!(writes_of(&plan, E, "10.1.0.0/16"), ["replace_route"], "{:?}", plan.actions);
    let record = plan.actions.iter().any(|p| matches!(&p.action,
        Action::RecordPeering { region, peering, .. } if region.as_str() == E && peering.as_str() == P));
    assert!(record, "{:?}", plan.actions);
}

#[test]
fn a_blackhole_that_still_names_the_deleted_peering_is_proof_without_a_record() {
    let plan = converged()
        .without_peering_records()
        .peering(OLD, E, W, "deleted", 50)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .former_target(E, "10.1.0.0/16", OLD)
        .plan();
    assert_eq!(writes_of(&plan, E, "10.1.0.0/16"), ["replace_route"], "{:?}", plan.actions);
    // Without the id and without a record, nothing proves it.
    let plan = converged()
        .without_peering_records()
        .peering(OLD, E, W, "deleted", 50)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
}

#[test]
fn a_blackhole_recorded_as_left_by_a_deletion_stays_proven_after_the_record_moved() {
    // The record already names the live peering; the blackhole was
    // recorded as left when it moved (it was protected then).
    let mut w = converged()
        .peering(OLD, E, W, "deleted", 50)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .recorded_peering(E, W, P);
    w.region_mut(E).ledger[0].left.cidrs.insert(cidr("10.1.0.0/16"));
    let plan = w.clone().plan();
    assert_eq!(writes_of(&plan, E, "10.1.0.0/16"), ["replace_route"], "{:?}", plan.actions);
    assert!(!has(&plan, FindingCode::Isolated, "10.1.0.0/16"), "{:?}", plan.findings);
    // Without the left record, the same blackhole under a live recorded
    // peering is someone's.
    w.region_mut(E).ledger[0].left.cidrs.clear();
    let plan = w.plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::Isolated, "10.1.0.0/16"), "{:?}", plan.findings);
}

#[test]
fn the_left_record_of_a_blackhole_that_is_gone_is_untagged() {
    let mut w = converged().peering(OLD, E, W, "deleted", 50).recorded_peering(E, W, P);
    w.region_mut(E).ledger[0].left.cidrs.insert(cidr("10.1.0.0/16"));
    let plan = w.plan();
    let untagged = plan.actions.iter().any(|p| {
        matches!(&p.action,
        Action::UntagLedger { region, keys, .. }
            if region.as_str() == E && keys == &[format!("{LEDGER_LEFT_PREFIX}10.1.0.0/16")])
    });
    assert!(untagged, "{:?}", plan.actions);
}

#[test]
fn an_isolation_recorded_before_the_peering_was_replaced_stays_an_isolation() {
    let mut w = converged()
        .peering(OLD, E, W, "deleted", 50)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .recorded_peering(E, W, OLD);
    w.region_mut(E).ledger[0].isolated.cidrs.insert(cidr("10.1.0.0/16"));
    let plan = w.plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::Isolated, "10.1.0.0/16"), "{:?}", plan.findings);
    // Nothing else is left to move: the record moves to the live peering.
    assert!(plan.actions.iter().any(|p| matches!(p.action, Action::RecordPeering { .. })));
}

#[test]
fn protected_cidrs_stop_moves_and_the_record_moves_noting_the_blackhole_left_by_the_deletion() {
    let plan = converged()
        .peering(OLD, E, W, "deleted", 50)
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .recorded_peering(E, W, OLD)
        .configure(|c| c.protected_cidrs = vec![cidr("10.1.0.0/16")])
        .plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::ProtectedNotMoved, "10.1.0.0/16"), "{:?}", plan.findings);
    // The record moves to the live peering and keeps the proof: the
    // blackhole the deletion left is recorded as left, not as someone's.
    let e_left = actions_in(&plan, E).into_iter().find_map(|a| match a {
        Action::RecordPeering { left, .. } => Some(left.clone()),
        _ => None,
    });
    assert_eq!(
        e_left,
        Some(vec![format!("{LEDGER_LEFT_PREFIX}10.1.0.0/16")]),
        "{:?}",
        plan.actions
    );
}

#[test]
fn in_prefix_list_mode_a_blackhole_in_front_of_an_entry_is_never_retired() {
    let plan = converged()
        .prefix_list_mode()
        .referenced(E, W, P)
        .referenced(W, E, P)
        .no_route(W, "10.0.0.0/16")
        .route(E, "10.1.0.0/16", Some("blackhole"))
        .plan();
    assert!(writes_of(&plan, E, "10.1.0.0/16").is_empty(), "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::Isolated, "10.1.0.0/16"), "{:?}", plan.findings);
}

// --- One deployment, one ledger -----------------------------------------------

/// Two deployments in one account: in each Region, the default deployment's
/// gateway (tagged) and the nonprod one's, with a list of its own.
fn two_deployments() -> Scenario {
    let nonprod = ListDeployment::Gateway(TransitGatewayId::parse("tgw-e9").unwrap());
    converged()
        .second_gateway(E, "tgw-e9", Some("nonprod"))
        .second_gateway(W, "tgw-w9", Some("nonprod"))
        .deployment_tag(E, "default")
        .deployment_tag(W, "default")
        .ledger_of(E, W, crate::support::TAG, nonprod, &["10.9.0.0/16"])
}

#[test]
fn another_deployments_lists_are_reported_once_and_never_written() {
    let plan = two_deployments().plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let reported: Vec<_> =
        plan.findings.iter().filter(|f| f.code == FindingCode::OtherDeploymentLists).collect();
    assert_eq!(reported.len(), 1, "{:?}", plan.findings);
    assert!(reported[0].reason.contains("tgw-0"), "{:?}", reported[0]);
}

#[test]
fn another_deployments_referenced_list_is_a_foreign_route_never_adopted_nor_removed() {
    let mut w = two_deployments().prefix_list_mode().referenced(E, W, P).referenced(W, E, P).vpc(
        W,
        "vpc-w9",
        Some("true"),
        &["10.9.0.0/16"],
    );
    let theirs = w
        .region_mut(E)
        .ledger
        .iter()
        .find(|l| {
            l.deployment != ListDeployment::Gateway(TransitGatewayId::parse("tgw-0").unwrap())
        })
        .unwrap()
        .id
        .clone();
    w.table(E).references.push(tgw_peering_core::domain::ListReference {
        prefix_list_id: theirs.clone(),
        target: tgw_peering_core::domain::RouteTarget::Attachment(crate::support::att(P)),
        state: "available".into(),
        former_target: None,
    });
    let mut row = tgw_peering_core::domain::TgwRoute::static_to(
        cidr("10.9.0.0/16"),
        tgw_peering_core::domain::RouteTarget::Attachment(crate::support::att(P)),
    );
    row.kind = tgw_peering_core::domain::RouteKind::Propagated;
    row.prefix_list = Some(theirs.clone());
    w.table(E).routes.push(row);
    let plan = w.plan();
    let touched = actions_in(&plan, E).into_iter().any(|a| match a {
        Action::DeleteReference { prefix_list_id, .. }
        | Action::ModifyReference { prefix_list_id, .. }
        | Action::UpdateLedger { prefix_list_id, .. } => *prefix_list_id == theirs,
        _ => false,
    });
    assert!(!touched, "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::ServedElsewhere, "10.9.0.0/16"), "{:?}", plan.findings);
}

#[test]
fn new_lists_record_the_deployments_gateway_and_the_peering_and_entries_their_owner() {
    let plan = peered().plan();
    let created: Vec<_> = plan
        .actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateLedger { region, transit_gateway, peering, entries, .. } => Some((
                region.to_string(),
                transit_gateway.to_string(),
                peering.clone(),
                entries.clone(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 2, "{:?}", plan.actions);
    for (r, tgw, peering, entries) in created {
        assert_eq!(tgw, if r == E { "tgw-0" } else { "tgw-1" });
        assert_eq!(peering.map(|p| p.to_string()), Some(P.to_owned()));
        let owners = EntryOwner::parse(&entries[0].description).expect("the fixed form");
        assert_eq!(owners[0].account.as_str(), crate::support::ACCOUNT);
        assert_eq!(owners[0].vpc.as_str(), if r == E { "vpc-w1" } else { "vpc-e1" });
    }
}

// --- Lists written before deployments were recorded ----------------------------

fn legacy(w: Scenario, r: &str, peer: &str, cidrs: &[&str]) -> Scenario {
    w.ledger_of(r, peer, crate::support::TAG, ListDeployment::Unrecorded, cidrs)
}

fn adoptions(plan: &Plan) -> Vec<String> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::TagLedger { region, tags, .. }
                if tags.iter().any(|(k, _)| k == LEDGER_GATEWAY_TAG) =>
            {
                Some(region.to_string())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn with_one_gateway_in_the_account_a_legacy_list_is_adopted_with_no_withdrawal() {
    let w = peered().route(E, "10.1.0.0/16", Some(P)).route(W, "10.0.0.0/16", Some(P));
    let w = legacy(legacy(w, E, W, &["10.1.0.0/16"]), W, E, &["10.0.0.0/16"]);
    let plan = w.plan();
    assert_eq!(adoptions(&plan), [W, E], "{:?}", plan.actions);
    assert!(
        deletes(&plan).is_empty() && removed_entries(&plan, E).is_empty(),
        "{:?}",
        plan.actions
    );
}

#[test]
fn with_two_gateways_a_legacy_list_is_adopted_only_on_proof_from_the_managed_table() {
    let w = named_west(peered().second_gateway(W, "tgw-w9", None))
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P));
    // Routed toward this deployment's peering: adopted.
    let plan = legacy(w.clone(), W, E, &["10.0.0.0/16"]).plan();
    assert_eq!(adoptions(&plan), [W], "{:?}", plan.actions);
    // Nothing routes its entry here: reported, left alone.
    let plan = legacy(w.clone(), W, E, &["10.7.0.0/16"]).plan();
    assert!(adoptions(&plan).is_empty(), "{:?}", plan.actions);
    assert!(removed_entries(&plan, W).is_empty(), "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::UnprovenLedgerList, "pl-euwest10"), "{:?}", plan.findings);
    // It also holds a CIDR of a VPC of E not attached to E's managed
    // gateway (another deployment's network): not proven.
    let other = w.clone().vpc_unattached(E, "vpc-e8", Some("true"), &["10.8.0.0/16"]);
    let plan = legacy(other, W, E, &["10.0.0.0/16", "10.8.0.0/16"]).plan();
    assert!(adoptions(&plan).is_empty(), "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::UnprovenLedgerList, "pl-euwest10"), "{:?}", plan.findings);
    // An entry of no VPC read at all, beside a routed one: not proven.
    let plan = legacy(w.clone(), W, E, &["10.0.0.0/16", "10.9.0.0/16"]).plan();
    assert!(adoptions(&plan).is_empty(), "{:?}", plan.actions);
    // An entry not routed yet but of a VPC attached to E's managed
    // gateway, beside a routed one: adopted.
    let more = w.vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]);
    let plan = legacy(more, W, E, &["10.0.0.0/16", "10.2.0.0/16"]).plan();
    assert_eq!(adoptions(&plan), [W], "{:?}", plan.actions);
}

// --- AWS in transition ----------------------------------------------------------

const A: &str = "ap-south-1";

#[test]
fn a_gateway_modifying_is_a_wait_for_its_region_and_the_other_pair_goes_on() {
    let plan = Scenario::new(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"])
        .gateway_state(A, "modifying")
        .plan();
    assert!(actions_in(&plan, A).is_empty(), "{:?}", plan.actions);
    assert!(plan.actions.iter().any(|p| matches!(&p.action,
        Action::CreatePeering { requester, accepter } if requester.region.as_str() == E && accepter.region.as_str() == W)));
    assert!(!plan.actions.iter().any(|p| matches!(&p.action,
        Action::CreatePeering { accepter, .. } if accepter.region.as_str() == A)));
    assert!(has(&plan, FindingCode::GatewayInTransition, "tgw-2"), "{:?}", plan.findings);
    assert!(
        plan.findings.iter().any(|f| f.code == FindingCode::PairInTransition
            && f.region.is_none()
            && f.subject.contains(E)
            && f.subject.contains(A)),
        "{:?}",
        plan.findings
    );
}

#[test]
fn a_route_table_pending_is_a_wait_and_routes_elsewhere_stay() {
    let plan =
        converged().vpc(W, "vpc-w1", None, &["10.1.0.0/16"]).table_state(W, "pending").plan();
    assert!(plan.actions.is_empty(), "nothing withdrawn while W waits: {:?}", plan.actions);
    // The gateway itself is available: its route table's id and state
    // (AWS's) say which one waits.
    let waits = plan.findings.iter().any(|f| {
        f.code == FindingCode::GatewayInTransition
            && f.region.as_ref().is_some_and(|r| r.as_str() == W)
            && f.subject.contains("tgw-1")
            && f.reason.contains("tgw-rtb-1")
    });
    assert!(waits, "{:?}", plan.findings);
}

// --- Holds per account ----------------------------------------------------------

const B: &str = "222222222222";
const C: &str = "333333333333";

/// E routes two VPCs of W's workload accounts: B's 10.2.0.0/16 (deleted
/// since) and C's 10.3.0.0/16 (C cannot be read); each entry names its
/// owner.
fn two_workloads() -> Scenario {
    peered()
        .configure(|c| {
            c.workload_role_name = Some("tgw-peering-workload-read".to_owned());
        })
        .workload_vpc(W, C, "vpc-c1", Some("true"), &["10.3.0.0/16"])
        .unreadable(W, C)
        .route(E, "10.2.0.0/16", Some(P))
        .route(E, "10.3.0.0/16", Some(P))
        .ledger(E, W, &["10.2.0.0/16", "10.3.0.0/16"])
        .entry_owner(E, "10.2.0.0/16", B, "vpc-b1")
        .entry_owner(E, "10.3.0.0/16", C, "vpc-c1")
}

#[test]
fn an_unreadable_account_holds_its_own_routes_not_those_of_a_readable_one() {
    let plan = two_workloads().plan();
    assert_eq!(deletes(&plan), [(E.to_owned(), "10.2.0.0/16".to_owned())], "{:?}", plan.actions);
    assert!(has(&plan, FindingCode::AccountUnreadable, C), "{:?}", plan.findings);
}

#[test]
fn an_entry_that_names_no_owner_is_held_while_an_account_cannot_be_read() {
    let mut w = two_workloads();
    for l in &mut w.region_mut(E).ledger {
        l.entries.insert(cidr("10.2.0.0/16"), "vpc-b1".to_owned());
    }
    let plan = w.plan();
    assert!(deletes(&plan).is_empty(), "{:?}", plan.actions);
}

#[test]
fn a_frozen_account_keeps_its_routes_with_no_alarm_and_others_converge() {
    let mut w = two_workloads();
    w.region_mut(W).unreadable.clear();
    w.region_mut(W).frozen.insert(tgw_peering_core::domain::AccountId::parse(C).unwrap());
    let plan = w.plan();
    assert_eq!(deletes(&plan), [(E.to_owned(), "10.2.0.0/16".to_owned())], "{:?}", plan.actions);
    assert!(!plan.is_held(), "{:?}", plan.findings);
    assert!(has(&plan, FindingCode::AccountFrozen, C), "{:?}", plan.findings);
}
