//! The pure planner's time as the network grows: 10 to 10,000 tagged VPCs
//! per Region, in meshes of 2 and 5 Regions. Each world is peered and half
//! of its routes are in place, so the planner matches routes, plans the
//! missing half and checks every supernet. `cargo bench -p
//! tgw-peering-core --bench planner`; results in BENCHMARKS.md.
#![allow(clippy::unwrap_used)] // bench setup: a panic is a failed run

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use tgw_peering_core::domain::{
    AccountId, AttachmentId, AttachmentKind, Cidr, CidrState, Family, GatewayRef, LedgerList,
    ListDeployment, PeeringAttachment, PeeringState, PrefixListId, Region, RouteKind, RouteTableId,
    RouteTarget, TgwAttachment, TgwRoute, TgwState, TransitGateway, TransitGatewayId, Vpc, VpcId,
    MAX_LEDGER_ENTRIES,
};
use tgw_peering_core::observed::{Observed, RouteTableState};
use tgw_peering_core::{plan, Config, MANAGED_TAG_KEY};

const REGIONS: [&str; 5] = ["us-east-1", "eu-west-1", "ap-south-1", "us-west-2", "sa-east-1"];

fn tgw(i: usize) -> TransitGatewayId {
    TransitGatewayId::parse(&format!("tgw-0{i:016x}")).unwrap()
}

fn peering_id(a: usize, b: usize) -> AttachmentId {
    AttachmentId::parse(&format!("tgw-attach-0{a:08x}{b:08x}")).unwrap()
}

/// VPC `v` of Region `r`: 10.x.y.0/24, unique across the mesh.
fn vpc_cidr(r: usize, v: usize) -> Cidr {
    let n = r * 10_000 + v;
    Cidr::parse(&format!("10.{}.{}.0/24", n / 256, n % 256)).unwrap()
}

fn world(regions: usize, vpcs: usize) -> (Observed, Config) {
    let names: Vec<Region> = REGIONS[..regions].iter().map(|r| Region::parse(r).unwrap()).collect();
    let account = AccountId::parse("123456789012").unwrap();
    let gw = |i: usize| GatewayRef {
        region: names[i].clone(),
        transit_gateway_id: tgw(i),
        account_id: Some(account.clone()),
    };
    let mut peerings = Vec::new();
    for a in 0..regions {
        for b in a + 1..regions {
            let states: BTreeMap<Region, PeeringState> = [
                (names[a].clone(), PeeringState::Available),
                (names[b].clone(), PeeringState::Available),
            ]
            .into_iter()
            .collect();
            peerings.push(PeeringAttachment {
                id: peering_id(a, b),
                requester: gw(a),
                accepter: gw(b),
                states,
                created_at: Some(1),
                tags: [(MANAGED_TAG_KEY.to_owned(), "true".to_owned())].into_iter().collect(),
            });
        }
    }
    let mut observed = Observed::default();
    for (r, region) in names.iter().enumerate() {
        let state = observed.regions.entry(region.clone()).or_default();
        state.transit_gateways.push(TransitGateway {
            id: tgw(r),
            owner_id: Some(account.clone()),
            state: TgwState::Available,
            default_association_route_table: Some(
                RouteTableId::parse(&format!("tgw-rtb-0{r:016x}")).unwrap(),
            ),
            tags: Default::default(),
        });
        state.account = Some(account.clone());
        state.vpcs = (0..vpcs)
            .map(|v| Vpc {
                id: VpcId::parse(&format!("vpc-0{r:04x}{v:012x}")).unwrap(),
                tags: [("addToTransitGateway".to_owned(), "true".to_owned())].into_iter().collect(),
                cidrs: vec![(vpc_cidr(r, v), CidrState::Associated)],
                owner: None,
            })
            .collect();
        // Every VPC attached, its CIDR propagated into the table.
        let mut routes = Vec::new();
        for v in 0..vpcs {
            let id = AttachmentId::parse(&format!("tgw-attach-v{r:04x}{v:012x}")).unwrap();
            state.attachments.push(TgwAttachment {
                id: id.clone(),
                kind: AttachmentKind::Vpc,
                resource_id: format!("vpc-0{r:04x}{v:012x}"),
                owner: Some(account.clone()),
                state: "available".into(),
                association: None,
                ipv6_support: None,
            });
            let mut route = TgwRoute::static_to(vpc_cidr(r, v), RouteTarget::Attachment(id));
            route.kind = RouteKind::Propagated;
            routes.push(route);
        }
        state.peerings = peerings
            .iter()
            .filter(|p| p.requester.region == *region || p.accepter.region == *region)
            .cloned()
            .collect();
        // Half of every other Region's CIDRs are routed already, and in
        // the ledger.
        let mut associations = BTreeSet::new();
        for other in (0..regions).filter(|o| *o != r) {
            let id = peering_id(r.min(other), r.max(other));
            associations.insert(id.clone());
            let routed: Vec<Cidr> = (0..vpcs).step_by(2).map(|v| vpc_cidr(other, v)).collect();
            for c in &routed {
                routes.push(TgwRoute::static_to(*c, RouteTarget::Attachment(id.clone())));
            }
            for (part, chunk) in routed.chunks(MAX_LEDGER_ENTRIES).enumerate() {
                state.ledger.push(LedgerList {
                    id: PrefixListId::parse(&format!("pl-0{r:02x}{other:02x}{part:04x}")).unwrap(),
                    name: LedgerList::name_for(&names[other], Family::Ipv4, part),
                    peer: names[other].clone(),
                    family: Family::Ipv4,
                    tag_key: "addToTransitGateway".into(),
                    version: 1,
                    max_entries: MAX_LEDGER_ENTRIES,
                    state: "modify-complete".into(),
                    entries: chunk.iter().map(|c| (*c, "vpc".to_owned())).collect(),
                    deployment: ListDeployment::Gateway(tgw(r)),
                    peering: Some(id.clone()),
                    isolated: Default::default(),
                    left: Default::default(),
                    state_message: None,
                    resize: None,
                    segment: None,
                    tag_count: 5,
                });
            }
        }
        state.route_table = Some(RouteTableState {
            id: RouteTableId::parse(&format!("tgw-rtb-0{r:016x}")).unwrap(),
            routes,
            associations,
            references: Vec::new(),
            partial: None,
        });
    }
    (observed, Config::for_regions(names))
}

fn planner(c: &mut Criterion) {
    for regions in [2, 5] {
        let mut group = c.benchmark_group(format!("plan/{regions}-regions"));
        group.sample_size(10);
        for vpcs in [10, 100, 1_000, 10_000] {
            let (observed, config) = world(regions, vpcs);
            // Sanity: the missing half is planned.
            let expected = regions * (regions - 1) * (vpcs / 2);
            let got = plan(&observed, &config)
                .unwrap()
                .actions
                .iter()
                .filter(|a| a.action.kind() == "create_route")
                .count();
            assert_eq!(got, expected, "{regions} Regions, {vpcs} VPCs");
            group.throughput(Throughput::Elements((regions * vpcs) as u64));
            group.bench_with_input(BenchmarkId::from_parameter(vpcs), &vpcs, |b, _| {
                b.iter(|| plan(black_box(&observed), black_box(&config)).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, planner);

/// `TGW_PLAN_ONCE=REGIONS,VPCS,ROUNDS` builds one world and plans it ROUNDS
/// times, without criterion: `scripts/plan-instructions.sh` runs it under
/// valgrind with 0 and 1 rounds, so the difference is the instructions of one
/// `plan()`, a count that no cache or neighbour on the machine changes.
fn main() {
    if let Ok(spec) = std::env::var("TGW_PLAN_ONCE") {
        let n: Vec<usize> = spec
            .split(',')
            .map(|s| s.trim().parse().expect("TGW_PLAN_ONCE=REGIONS,VPCS,ROUNDS"))
            .collect();
        let (observed, config) = world(n[0], n[1]);
        for _ in 0..n[2] {
            black_box(plan(black_box(&observed), black_box(&config)).unwrap());
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
