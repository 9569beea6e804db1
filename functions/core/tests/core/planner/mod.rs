//! The planner on hand-built observed states: one test per reconcile rule.

mod basics;
mod coexistence;
mod ledger_edges;
mod limits;
mod organizations;
mod paths;
mod prefix_lists;
mod rules;
mod segments;
mod truth;
mod vpc_tables;

use crate::support::Scenario;
use tgw_peering_core::{Action, Plan};

pub(crate) fn creates(plan: &Plan) -> Vec<(String, String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateRoute { region, cidr, attachment_id, .. } => {
                Some((region.to_string(), cidr.to_string(), attachment_id.to_string()))
            }
            _ => None,
        })
        .collect()
}

pub(crate) fn deletes(plan: &Plan) -> Vec<(String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::DeleteRoute { region, cidr, .. } => {
                Some((region.to_string(), cidr.to_string()))
            }
            _ => None,
        })
        .collect()
}

pub(crate) fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.actions.iter().map(|p| p.action.kind()).collect()
}

pub(crate) const E: &str = "us-east-1";
pub(crate) const W: &str = "eu-west-1";
pub(crate) const P: &str = "tgw-attach-0001";

/// Two Regions, each with a tagged VPC, peering P available and associated.
pub(crate) fn peered() -> Scenario {
    Scenario::new(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P)
        .associated(W, P)
}

/// [`peered`], with each side's route to the other's VPC in place and in
/// the ledger: a converged world.
pub(crate) fn converged() -> Scenario {
    peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .ledger(E, W, &["10.1.0.0/16"])
        .ledger(W, E, &["10.0.0.0/16"])
}
