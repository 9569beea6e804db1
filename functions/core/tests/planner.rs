//! The planner on hand-built observed states: one test per reconcile rule.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use std::collections::BTreeMap;

use tgw_peering_core::config::Config;
use tgw_peering_core::domain::{
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState, Region,
    RouteTableId, RouteTarget, StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcId,
};
use tgw_peering_core::observed::{Observed, RouteTableState};
use tgw_peering_core::{plan, Action, FindingKind, Plan, RouteMark, MANAGED_TAG_KEY};

const TAG: &str = "addToTransitGateway";

fn region(s: &str) -> Region {
    Region::parse(s).unwrap()
}
fn cidr(s: &str) -> Cidr {
    Cidr::parse(s).unwrap()
}
fn att(s: &str) -> AttachmentId {
    AttachmentId::parse(s).unwrap()
}

/// A world of Regions, each with one available transit gateway `tgw-<n>` and
/// its default route table `tgw-rtb-<n>`, n being the Region's position.
struct World {
    observed: Observed,
    config: Config,
}

fn world(regions: &[&str]) -> World {
    let regions: Vec<Region> = regions.iter().map(|r| region(r)).collect();
    let mut observed = Observed::default();
    for (n, r) in regions.iter().enumerate() {
        let state = observed.regions.entry(r.clone()).or_default();
        state.transit_gateways.push(TransitGateway {
            id: TransitGatewayId::parse(&format!("tgw-{n}")).unwrap(),
            owner_id: Some(AccountId::parse("111111111111").unwrap()),
            state: "available".into(),
            default_association_route_table: Some(
                RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap(),
            ),
        });
        state.route_table = Some(RouteTableState {
            id: RouteTableId::parse(&format!("tgw-rtb-{n}")).unwrap(),
            static_routes: vec![],
            associations: Default::default(),
            truncated: false,
        });
    }
    World {
        observed,
        config: Config::for_regions(regions),
    }
}

impl World {
    fn index(&self, r: &str) -> usize {
        self.config
            .regions
            .iter()
            .position(|x| x.as_str() == r)
            .unwrap()
    }

    fn gw(&self, r: &str) -> GatewayRef {
        GatewayRef {
            region: region(r),
            transit_gateway_id: TransitGatewayId::parse(&format!("tgw-{}", self.index(r))).unwrap(),
            account_id: Some(AccountId::parse("111111111111").unwrap()),
        }
    }

    fn rtb(&self, r: &str) -> RouteTableId {
        RouteTableId::parse(&format!("tgw-rtb-{}", self.index(r))).unwrap()
    }

    /// Adds a VPC; `tag` is the value of `addToTransitGateway`, if any.
    /// CIDRs are associated unless suffixed with `!` (disassociated).
    fn vpc(mut self, r: &str, id: &str, tag: Option<&str>, cidrs: &[&str]) -> Self {
        let mut tags = BTreeMap::new();
        if let Some(v) = tag {
            tags.insert(TAG.to_owned(), v.to_owned());
        }
        let cidrs = cidrs
            .iter()
            .map(|c| match c.strip_suffix('!') {
                Some(c) => (cidr(c), CidrState::Gone),
                None => (cidr(c), CidrState::Associated),
            })
            .collect();
        self.observed
            .regions
            .get_mut(&region(r))
            .unwrap()
            .vpcs
            .push(Vpc {
                id: VpcId::parse(id).unwrap(),
                tags,
                cidrs,
            });
        self
    }

    /// Adds a peering seen in both Regions in `state`.
    fn peering(self, id: &str, requester: &str, accepter: &str, state: &str, created: i64) -> Self {
        self.peering_with(
            id,
            requester,
            accepter,
            &[(requester, state), (accepter, state)],
            created,
            true,
        )
    }

    fn peering_with(
        mut self,
        id: &str,
        requester: &str,
        accepter: &str,
        views: &[(&str, &str)],
        created: i64,
        managed: bool,
    ) -> Self {
        let mut tags = BTreeMap::new();
        if managed {
            tags.insert(MANAGED_TAG_KEY.to_owned(), "true".to_owned());
        }
        for (view, state) in views {
            let p = PeeringAttachment {
                id: att(id),
                requester: self.gw(requester),
                accepter: self.gw(accepter),
                states: [(region(view), PeeringState::parse(state))]
                    .into_iter()
                    .collect(),
                created_at: Some(created),
                tags: tags.clone(),
            };
            self.observed
                .regions
                .get_mut(&region(view))
                .unwrap()
                .peerings
                .push(p);
        }
        self
    }

    fn table(&mut self, r: &str) -> &mut RouteTableState {
        self.observed
            .regions
            .get_mut(&region(r))
            .unwrap()
            .route_table
            .as_mut()
            .unwrap()
    }

    fn associated(mut self, r: &str, id: &str) -> Self {
        self.table(r).associations.insert(att(id));
        self
    }

    /// Adds a static route; `target` is an attachment ID, or None for a route
    /// whose target the API did not report.
    fn route(mut self, r: &str, c: &str, target: Option<&str>) -> Self {
        let target = match target {
            Some(id) => RouteTarget::Attachment(att(id)),
            None => RouteTarget::Unknown,
        };
        self.table(r).static_routes.push(StaticRoute {
            cidr: cidr(c),
            target,
            state: "active".into(),
        });
        self
    }

    fn plan(&self) -> Plan {
        plan(&self.observed, &self.config).unwrap()
    }
}

fn creates(plan: &Plan) -> Vec<(String, String, String)> {
    plan.actions
        .iter()
        .filter_map(|p| match &p.action {
            Action::CreateRoute {
                region,
                cidr,
                attachment_id,
                ..
            } => Some((
                region.to_string(),
                cidr.to_string(),
                attachment_id.to_string(),
            )),
            _ => None,
        })
        .collect()
}

fn deletes(plan: &Plan) -> Vec<(String, String)> {
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

fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.actions.iter().map(|p| p.action.kind()).collect()
}

const E: &str = "us-east-1";
const W: &str = "eu-west-1";
const P: &str = "tgw-attach-0001";

/// Two Regions, each with a tagged VPC, peering P available and associated.
fn peered() -> World {
    world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P)
        .associated(W, P)
}

#[test]
fn a_fresh_world_creates_one_peering_requested_by_the_first_region() {
    let w = world(&[W, E])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let plan = w.plan();
    assert_eq!(kinds(&plan), ["create_peering"]);
    match &plan.actions[0].action {
        Action::CreatePeering {
            requester,
            accepter,
        } => {
            assert_eq!(
                requester.region.as_str(),
                W,
                "first in PEERING_REGIONS requests"
            );
            assert_eq!(accepter.region.as_str(), E);
            assert_eq!(accepter.transit_gateway_id.as_str(), "tgw-1");
        }
        other => panic!("{other:?}"),
    }
    assert!(plan.actions[0].reason.contains("tagged VPCs"));
}

#[test]
fn no_peering_is_created_while_one_region_has_no_tagged_vpc() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", None, &["10.1.0.0/16"]);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(plan
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Skip && f.reason.contains("no tagged VPC")));
}

#[test]
fn initiating_request_and_pending_do_nothing_but_wait() {
    for state in ["initiatingRequest", "pending", "modifying"] {
        let w = world(&[E, W])
            .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
            .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
            .peering(P, E, W, state, 100);
        let plan = w.plan();
        assert!(plan.actions.is_empty(), "{state}: {:?}", plan.actions);
        assert!(plan.is_waiting(), "{state}");
        assert!(!plan.is_converged());
    }
}

#[test]
fn pending_acceptance_is_accepted_in_the_accepter_region_only() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "pendingAcceptance", 100);
    let plan = w.plan();
    assert_eq!(plan.actions.len(), 1, "{:?}", plan.actions);
    assert_eq!(
        plan.actions[0].action,
        Action::AcceptPeering {
            region: region(W),
            attachment_id: att(P)
        }
    );
    // A peering requested by the other side is accepted where it must be.
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, W, E, "pendingAcceptance", 100);
    assert_eq!(
        w.plan().actions[0].action,
        Action::AcceptPeering {
            region: region(E),
            attachment_id: att(P)
        }
    );
}

#[test]
fn available_routes_both_ways_with_secondary_and_ipv6_cidrs() {
    let w = world(&[E, W])
        .vpc(
            E,
            "vpc-e1",
            Some("true"),
            &["10.0.0.0/16", "100.64.0.0/20", "2600:1f18:1::/56"],
        )
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P)
        .associated(W, P);
    let plan = w.plan();
    let mut got = creates(&plan);
    got.sort();
    let want = [
        (E, "10.1.0.0/16"),
        (W, "10.0.0.0/16"),
        (W, "100.64.0.0/20"),
        (W, "2600:1f18:1::/56"),
    ];
    let mut want: Vec<_> = want
        .iter()
        .map(|(r, c)| (r.to_string(), c.to_string(), P.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert!(plan.actions.iter().all(|p| !p.reason.is_empty()));
}

#[test]
fn an_available_peering_is_associated_on_each_side_that_lacks_it() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P);
    let plan = w.plan();
    let assoc: Vec<_> = plan
        .actions
        .iter()
        .filter(|p| p.action.kind() == "associate_route_table")
        .map(|p| p.action.clone())
        .collect();
    assert_eq!(
        assoc,
        [Action::AssociateRouteTable {
            region: region(W),
            route_table_id: w.rtb(W),
            attachment_id: att(P)
        }]
    );
}

#[test]
fn a_converged_world_plans_nothing() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P));
    let plan = w.plan();
    assert!(plan.is_converged(), "{plan:#?}");
    assert!(plan
        .tables
        .iter()
        .all(|t| t.routes.iter().all(|r| r.mark == RouteMark::Desired)));
}

#[test]
fn a_newly_tagged_vpc_adds_exactly_its_cidrs_on_the_other_side() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16", "10.3.0.0/24"]);
    let mut got = creates(&w.plan());
    got.sort();
    assert_eq!(
        got,
        [
            (W.to_string(), "10.2.0.0/16".to_string(), P.to_string()),
            (W.to_string(), "10.3.0.0/24".to_string(), P.to_string())
        ]
    );
}

#[test]
fn a_removed_tag_withdraws_the_vpcs_routes_and_nothing_else() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, "10.9.0.0/16", Some(P))
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"]);
    let plan = w.plan();
    assert_eq!(deletes(&plan), [(W.to_string(), "10.2.0.0/16".to_string())]);
    assert!(plan
        .actions
        .iter()
        .all(|p| p.action.kind() == "delete_route"));
    // 10.9.0.0/16 matches no VPC: kept while PRUNE_ROUTES is off, and said so.
    assert!(plan
        .findings
        .iter()
        .any(|f| f.subject.contains("10.9.0.0/16") && f.reason.contains("PRUNE_ROUTES")));
}

#[test]
fn a_tag_set_to_false_or_a_disassociated_cidr_withdraws_too() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, "10.4.0.0/16", Some(P))
        .vpc(E, "vpc-e2", Some("false"), &["10.2.0.0/16"])
        .vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16", "10.4.0.0/16!"])
        .route(W, "10.3.0.0/16", Some(P));
    let mut got = deletes(&w.plan());
    got.sort();
    assert_eq!(
        got,
        [
            (W.to_string(), "10.2.0.0/16".to_string()),
            (W.to_string(), "10.4.0.0/16".to_string())
        ]
    );
}

#[test]
fn tag_values_true_in_any_case_match_and_false_does_not() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("True"), &["10.0.0.0/16"])
        .vpc(E, "vpc-e2", Some("TRUE"), &["10.2.0.0/16"])
        .vpc(E, "vpc-e3", Some("false"), &["10.3.0.0/16"])
        .vpc(E, "vpc-e4", Some("yes"), &["10.4.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering(P, E, W, "available", 100)
        .associated(E, P)
        .associated(W, P);
    let got: Vec<String> = creates(&w.plan())
        .into_iter()
        .filter(|c| c.0 == W)
        .map(|c| c.1)
        .collect();
    assert_eq!(got, ["10.0.0.0/16", "10.2.0.0/16"]);
}

#[test]
fn a_tag_key_in_another_case_does_not_match() {
    let mut w = world(&[E, W]).vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let vpc = Vpc {
        id: VpcId::parse("vpc-e1").unwrap(),
        tags: [("addtotransitgateway".to_owned(), "true".to_owned())]
            .into_iter()
            .collect(),
        cidrs: vec![(cidr("10.0.0.0/16"), CidrState::Associated)],
    };
    w.observed
        .regions
        .get_mut(&region(E))
        .unwrap()
        .vpcs
        .push(vpc);
    assert!(w.plan().actions.is_empty());
}

#[test]
fn a_supernet_route_to_the_same_peering_satisfies_the_rule() {
    let w = peered()
        .vpc(W, "vpc-w2", Some("true"), &["10.1.128.0/24"])
        .route(E, "10.0.0.0/8", Some(P))
        .route(W, "10.0.0.0/16", Some(P));
    let plan = w.plan();
    assert!(plan.is_converged(), "{:?}", plan.actions);
    // and the covering route is not an extra to prune
    let mut w = w;
    w.config.prune_routes = true;
    assert!(w.plan().actions.is_empty());
}

#[test]
fn a_supernet_route_to_another_attachment_does_not_satisfy_the_rule() {
    let w = peered()
        .route(E, "10.0.0.0/8", Some("tgw-attach-0vpn"))
        .route(W, "10.0.0.0/16", Some(P));
    assert_eq!(
        creates(&w.plan()),
        [(E.to_string(), "10.1.0.0/16".to_string(), P.to_string())]
    );
}

#[test]
fn an_exact_route_to_another_attachment_is_a_conflict_with_no_write() {
    let w = peered()
        .route(E, "10.1.0.0/16", Some("tgw-attach-0vpn"))
        .route(W, "10.0.0.0/16", Some(P));
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1);
    assert!(conflicts[0].subject.contains("10.1.0.0/16"));
    assert!(conflicts[0].reason.contains("tgw-attach-0vpn"));
}

#[test]
fn a_route_whose_target_is_not_reported_is_never_rewritten() {
    let w = peered()
        .route(E, "10.1.0.0/16", None)
        .route(W, "10.0.0.0/16", None);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    // nor deleted, even when the VPC is untagged
    let w = peered()
        .route(E, "10.1.0.0/16", None)
        .route(W, "10.0.0.0/16", None)
        .route(W, "10.2.0.0/16", None)
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"]);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(plan
        .findings
        .iter()
        .any(|f| f.subject.contains("10.2.0.0/16") && f.kind == FindingKind::Skip));
}

#[test]
fn overlapping_cidrs_across_regions_are_a_conflict_with_no_write() {
    let w = peered()
        .vpc(E, "vpc-e2", Some("true"), &["172.16.0.0/12"])
        .vpc(W, "vpc-w2", Some("true"), &["172.20.0.0/16"]);
    let plan = w.plan();
    let written: Vec<String> = creates(&plan).into_iter().map(|c| c.1).collect();
    assert!(
        !written.iter().any(|c| c.starts_with("172.")),
        "{written:?}"
    );
    assert_eq!(
        written.len(),
        2,
        "the non-overlapping CIDRs are still routed"
    );
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1);
    assert!(
        conflicts[0].subject.contains("172.16.0.0/12")
            && conflicts[0].subject.contains("172.20.0.0/16")
    );
}

#[test]
fn identical_cidrs_in_two_regions_are_a_conflict() {
    let w = peered().vpc(W, "vpc-w2", Some("true"), &["10.0.0.0/16"]);
    let plan = w.plan();
    assert_eq!(
        creates(&plan),
        [(E.to_string(), "10.1.0.0/16".to_string(), P.to_string())]
    );
    assert_eq!(plan.conflicts().count(), 1);
}

#[test]
fn a_remote_cidr_overlapping_an_untagged_local_vpc_is_a_conflict_and_not_routed() {
    // 10.1.0.0/16 is tagged in eu-west-1 and used by an untagged VPC in
    // us-east-1: a static route there would take that VPC's traffic.
    let w = peered().vpc(E, "vpc-e9", None, &["10.1.0.0/16"]);
    let plan = w.plan();
    assert_eq!(
        creates(&plan),
        [(W.to_string(), "10.0.0.0/16".to_string(), P.to_string())]
    );
    let conflicts: Vec<_> = plan.conflicts().collect();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].region, Some(region(E)));
    assert!(conflicts[0].reason.contains("vpc-e9"), "{conflicts:?}");
    // A smaller local block inside the remote one is an overlap too.
    let w = peered().vpc(E, "vpc-e9", None, &["10.1.4.0/24"]);
    assert_eq!(creates(&w.plan()).len(), 1);
}

#[test]
fn a_route_for_a_cidr_in_an_overlap_conflict_is_never_pruned_on_any_peering() {
    const A: &str = "ap-southeast-2";
    const Q: &str = "tgw-attach-0002";
    // 172.16.0.0/16 is tagged in both us-east-1 and eu-west-1 (a conflict);
    // eu-west-1's table still sends it toward ap-southeast-2, where no VPC has it.
    let mut w = world(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["172.16.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["172.16.0.0/16", "10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"])
        .peering(Q, W, A, "available", 100)
        .associated(W, Q)
        .associated(A, Q)
        .route(W, "172.16.0.0/16", Some(Q));
    w.config.prune_routes = true;
    let plan = w.plan();
    assert!(
        !deletes(&plan).iter().any(|(_, c)| c == "172.16.0.0/16"),
        "{:?}",
        plan.actions
    );
}

#[test]
fn two_transit_gateways_in_a_region_without_configuration_is_an_error() {
    let mut w = peered();
    w.observed
        .regions
        .get_mut(&region(W))
        .unwrap()
        .transit_gateways
        .push(TransitGateway {
            id: TransitGatewayId::parse("tgw-other").unwrap(),
            owner_id: None,
            state: "available".into(),
            default_association_route_table: None,
        });
    let err = plan(&w.observed, &w.config).unwrap_err();
    assert!(!err.is_retryable());
    let msg = err.to_string();
    assert!(
        msg.starts_with(W) && msg.contains("TRANSIT_GATEWAY_IDS"),
        "{msg}"
    );
}

#[test]
fn a_three_region_mesh_gets_three_peerings_with_the_right_requesters() {
    const A: &str = "ap-south-1";
    let w = world(&[W, E, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"]);
    let plan = w.plan();
    let mut pairs: Vec<(String, String)> = plan
        .actions
        .iter()
        .map(|p| match &p.action {
            Action::CreatePeering {
                requester,
                accepter,
            } => (requester.region.to_string(), accepter.region.to_string()),
            other => panic!("{other:?}"),
        })
        .collect();
    pairs.sort();
    // eu-west-1 is first, us-east-1 second: each pair is requested by its earlier Region.
    assert_eq!(
        pairs,
        [
            (W.to_string(), A.to_string()),
            (W.to_string(), E.to_string()),
            (E.to_string(), A.to_string())
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
}

#[test]
fn a_three_region_mesh_routes_each_cidr_through_its_own_pair() {
    const A: &str = "ap-south-1";
    let w = world(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(A, "vpc-a1", Some("true"), &["10.2.0.0/16"])
        .peering("tgw-attach-0ew", E, W, "available", 1)
        .peering("tgw-attach-0ea", E, A, "available", 1)
        .peering("tgw-attach-0wa", W, A, "available", 1)
        .associated(E, "tgw-attach-0ew")
        .associated(E, "tgw-attach-0ea")
        .associated(W, "tgw-attach-0ew")
        .associated(W, "tgw-attach-0wa")
        .associated(A, "tgw-attach-0ea")
        .associated(A, "tgw-attach-0wa");
    let mut got = creates(&w.plan());
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        (E, "10.1.0.0/16", "tgw-attach-0ew"),
        (E, "10.2.0.0/16", "tgw-attach-0ea"),
        (W, "10.0.0.0/16", "tgw-attach-0ew"),
        (W, "10.2.0.0/16", "tgw-attach-0wa"),
        (A, "10.0.0.0/16", "tgw-attach-0ea"),
        (A, "10.1.0.0/16", "tgw-attach-0wa"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn prune_routes_off_keeps_unjustified_routes_and_on_removes_them_except_protected() {
    let base = || {
        peered()
            .route(E, "10.1.0.0/16", Some(P))
            .route(W, "10.0.0.0/16", Some(P))
            .route(W, "192.168.0.0/16", Some(P))
            .route(W, "10.200.0.0/16", Some(P))
            .route(W, "10.50.0.0/16", Some("tgw-attach-0vpn"))
    };
    let plan = base().plan();
    assert!(
        plan.actions.is_empty(),
        "PRUNE_ROUTES off: {:?}",
        plan.actions
    );
    let extras = plan
        .tables
        .iter()
        .flat_map(|t| &t.routes)
        .filter(|r| r.mark == RouteMark::Extra)
        .count();
    assert_eq!(extras, 2);

    let mut w = base();
    w.config.prune_routes = true;
    w.config.protected_cidrs = vec![cidr("192.168.0.0/16")];
    let plan = w.plan();
    assert_eq!(
        deletes(&plan),
        [(W.to_string(), "10.200.0.0/16".to_string())],
        "only the unprotected route to the managed peering"
    );
    assert!(plan
        .findings
        .iter()
        .any(|f| f.subject.contains("192.168.0.0/16") && f.reason.contains("PROTECTED_CIDRS")));
}

#[test]
fn protected_cidrs_are_kept_even_when_their_vpc_is_untagged() {
    let mut w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"]);
    w.config.protected_cidrs = vec![cidr("10.2.0.0/15")];
    assert!(deletes(&w.plan()).is_empty());
}

#[test]
fn a_deleted_peering_is_replaced() {
    for state in ["deleting", "deleted"] {
        let w = world(&[E, W])
            .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
            .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
            .peering(P, E, W, state, 100);
        let plan = w.plan();
        assert_eq!(kinds(&plan), ["create_peering"], "{state}");
        assert!(
            plan.actions[0].reason.contains(state),
            "{}",
            plan.actions[0].reason
        );
    }
}

#[test]
fn a_failed_or_rejected_peering_is_reported_and_not_replaced() {
    for state in ["failed", "rejected"] {
        let w = world(&[E, W])
            .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
            .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
            .peering(P, E, W, state, 100);
        let plan = w.plan();
        assert!(plan.actions.is_empty(), "{state}: {:?}", plan.actions);
        let c: Vec<_> = plan.conflicts().collect();
        assert_eq!(c.len(), 1, "{state}");
        assert!(c[0].reason.contains(state), "{}", c[0].reason);
    }
}

#[test]
fn concurrent_duplicate_peerings_keep_the_oldest_and_delete_the_newer_managed_ones() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering("tgw-attach-0new", E, W, "pendingAcceptance", 200)
        .peering("tgw-attach-0old", E, W, "pendingAcceptance", 100)
        .peering_with(
            "tgw-attach-0hand",
            E,
            W,
            &[(E, "pendingAcceptance")],
            300,
            false,
        );
    let plan = w.plan();
    let acts: Vec<Action> = plan.actions.iter().map(|p| p.action.clone()).collect();
    assert_eq!(
        acts,
        [
            Action::AcceptPeering {
                region: region(W),
                attachment_id: att("tgw-attach-0old")
            },
            Action::DeletePeering {
                region: region(E),
                attachment_id: att("tgw-attach-0new")
            },
        ]
    );
    assert!(plan
        .findings
        .iter()
        .any(|f| f.subject.contains("tgw-attach-0hand")));
}

#[test]
fn routes_wait_until_this_sides_view_of_the_peering_is_available() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering_with(P, E, W, &[(E, "pending"), (W, "available")], 100, true)
        .associated(W, P);
    let plan = w.plan();
    assert_eq!(
        creates(&plan),
        [(W.to_string(), "10.0.0.0/16".to_string(), P.to_string())]
    );
    assert!(plan.is_waiting());
}

#[test]
fn routes_to_unmanaged_attachments_are_never_touched() {
    let mut w = peered()
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.77.0.0/16", Some("tgw-attach-0vpc"))
        .vpc(E, "vpc-e9", None, &["10.77.0.0/16"]);
    w.config.prune_routes = true;
    assert!(w.plan().actions.is_empty());
}

#[test]
fn plans_are_deterministic_whatever_the_read_order() {
    let a = peered()
        .vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"])
        .vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16"]);
    let mut b = peered()
        .vpc(E, "vpc-e3", Some("true"), &["10.3.0.0/16"])
        .vpc(E, "vpc-e2", Some("true"), &["10.2.0.0/16"]);
    b.observed
        .regions
        .get_mut(&region(E))
        .unwrap()
        .vpcs
        .reverse();
    assert_eq!(a.plan(), b.plan());
}

#[test]
fn the_plan_serialises_every_action_with_its_reason() {
    let plan = peered().plan();
    let json = serde_json::to_value(&plan.actions).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    for a in arr {
        assert_eq!(a["action"], "create_route");
        assert!(a["reason"].as_str().unwrap().contains("has no route"));
        assert!(a["cidr"].is_string() && a["region"].is_string());
    }
}

#[test]
fn a_peering_not_yet_listed_in_the_accepter_region_is_waited_for_not_accepted() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering_with(P, E, W, &[(E, "pendingAcceptance")], 100, true);
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    assert!(plan.is_waiting());
}

#[test]
fn routes_on_a_peering_not_created_by_the_tool_are_never_removed() {
    let mut w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(E, "vpc-e2", None, &["10.2.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .peering_with(P, E, W, &[(E, "available"), (W, "available")], 100, false)
        .associated(E, P)
        .associated(W, P)
        .route(E, "10.1.0.0/16", Some(P))
        .route(W, "10.0.0.0/16", Some(P))
        .route(W, "10.2.0.0/16", Some(P))
        .route(W, "10.99.0.0/16", Some(P));
    w.config.prune_routes = true;
    let plan = w.plan();
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let kept = plan
        .findings
        .iter()
        .filter(|f| f.reason.contains("not created by tgw-peering"))
        .count();
    assert_eq!(kept, 2);
}

#[test]
fn a_cidr_that_moved_to_another_region_is_withdrawn_from_the_old_peering_first() {
    const A: &str = "ap-south-1";
    // 10.5.0.0/16 was tagged in eu-west-1 (routed in us-east-1 toward the
    // E-W peering); now the eu-west-1 VPC has released it and ap-south-1 has
    // it. (Were it still associated there, it would overlap eu-west-1's own
    // VPC, and eu-west-1 would get no route for it: a conflict.)
    let w = world(&[E, W, A])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"])
        .vpc(W, "vpc-w5", None, &["10.5.0.0/16!"])
        .vpc(A, "vpc-a5", Some("true"), &["10.5.0.0/16"])
        .peering("tgw-attach-0ew", E, W, "available", 1)
        .peering("tgw-attach-0ea", E, A, "available", 1)
        .peering("tgw-attach-0wa", W, A, "available", 1)
        .associated(E, "tgw-attach-0ew")
        .associated(E, "tgw-attach-0ea")
        .associated(W, "tgw-attach-0ew")
        .associated(W, "tgw-attach-0wa")
        .associated(A, "tgw-attach-0ea")
        .associated(A, "tgw-attach-0wa")
        .route(E, "10.1.0.0/16", Some("tgw-attach-0ew"))
        .route(E, "10.5.0.0/16", Some("tgw-attach-0ew"))
        .route(W, "10.0.0.0/16", Some("tgw-attach-0ew"))
        .route(A, "10.0.0.0/16", Some("tgw-attach-0ea"))
        .route(A, "10.1.0.0/16", Some("tgw-attach-0wa"))
        .route(W, "10.5.0.0/16", Some("tgw-attach-0wa"));
    let plan = w.plan();
    assert_eq!(deletes(&plan), [(E.to_string(), "10.5.0.0/16".to_string())]);
    assert_eq!(plan.conflicts().count(), 0, "{:?}", plan.findings);
    // Once withdrawn, the next plan adds it toward the new Region's peering.
    let mut w = w;
    w.table(E)
        .static_routes
        .retain(|r| r.cidr != cidr("10.5.0.0/16"));
    assert_eq!(
        creates(&w.plan()),
        [(
            E.to_string(),
            "10.5.0.0/16".to_string(),
            "tgw-attach-0ea".to_string()
        )]
    );
}

impl World {
    /// The owner account of Region `r`'s transit gateway.
    fn owned_by(mut self, r: &str, account: &str) -> Self {
        let state = self.observed.regions.get_mut(&region(r)).unwrap();
        for g in &mut state.transit_gateways {
            g.owner_id = Some(AccountId::parse(account).unwrap());
        }
        self
    }
}

/// The (requester, accepter) of the plan's only CreatePeering.
fn the_create(plan: &Plan) -> (GatewayRef, GatewayRef) {
    assert_eq!(kinds(plan), ["create_peering"]);
    match &plan.actions[0].action {
        Action::CreatePeering {
            requester,
            accepter,
        } => (requester.clone(), accepter.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cross_account_peering_request_names_the_accepter_gateways_owner() {
    let w = world(&[E, W])
        .owned_by(E, "123456789012")
        .owned_by(W, "222222222222")
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let (requester, accepter) = the_create(&w.plan());
    assert_eq!(requester.region.as_str(), E);
    assert_eq!(requester.account_id.unwrap().as_str(), "123456789012");
    assert_eq!(accepter.region.as_str(), W);
    // PeerAccountId: the owner read in the accepter's Region (with its clients).
    assert_eq!(accepter.account_id.unwrap().as_str(), "222222222222");
}

#[test]
fn a_spoke_requester_names_the_hub_accepters_owner_too() {
    // The Region first in PEERING_REGIONS requests, whichever account owns it.
    let w = world(&[W, E])
        .owned_by(E, "123456789012")
        .owned_by(W, "222222222222")
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let (requester, accepter) = the_create(&w.plan());
    assert_eq!(requester.account_id.unwrap().as_str(), "222222222222");
    assert_eq!(accepter.account_id.unwrap().as_str(), "123456789012");
}

#[test]
fn a_single_account_peering_request_is_unchanged() {
    let w = world(&[E, W])
        .vpc(E, "vpc-e1", Some("true"), &["10.0.0.0/16"])
        .vpc(W, "vpc-w1", Some("true"), &["10.1.0.0/16"]);
    let (requester, accepter) = the_create(&w.plan());
    assert_eq!(requester, w.gw(E));
    assert_eq!(accepter, w.gw(W));
    // A configured role changes the clients, never the plan.
    let mut with_role = w.config.clone();
    with_role.account_role_arns.insert(
        region(W),
        tgw_peering_core::domain::RoleArn::parse("arn:aws:iam::111111111111:role/spoke").unwrap(),
    );
    assert_eq!(plan(&w.observed, &with_role).unwrap(), w.plan());
}

#[test]
fn an_available_cross_account_peering_routes_on_both_sides() {
    let w = peered()
        .owned_by(E, "123456789012")
        .owned_by(W, "222222222222");
    let mut c = creates(&w.plan());
    c.sort();
    let mut expected = [
        (E.to_string(), "10.1.0.0/16".to_string(), P.to_string()),
        (W.to_string(), "10.0.0.0/16".to_string(), P.to_string()),
    ];
    expected.sort();
    assert_eq!(c, expected);
}
