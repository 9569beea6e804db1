//! The pure planner: `plan(&Observed, &Config) -> Plan`, no I/O.
//!
//! Level-triggered: whatever event led here, the plan is the difference
//! between what was read and what the rules want. Every action carries the
//! reason it is needed; everything the planner declines to do is a
//! [`Finding`] with its reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::Config;
use crate::domain::{
    AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringPhase, PeeringState,
    Region, RouteTableId, RouteTarget, StaticRoute, TransitGatewayId, VpcId, VpcRouteTableId,
    VpcRouteTarget,
};
use crate::error::Error;
use crate::observed::{resolve_gateway, Gateway, Observed};

/// A change to make in AWS.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Request a peering from `requester` (whose Region makes the call) to `accepter`.
    CreatePeering {
        requester: GatewayRef,
        accepter: GatewayRef,
    },
    /// Accept a peering, in the accepter's Region.
    AcceptPeering {
        region: Region,
        attachment_id: AttachmentId,
    },
    /// Delete a duplicate peering the tool created, in its requester's Region.
    DeletePeering {
        region: Region,
        attachment_id: AttachmentId,
    },
    AssociateRouteTable {
        region: Region,
        route_table_id: RouteTableId,
        attachment_id: AttachmentId,
    },
    CreateRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        attachment_id: AttachmentId,
    },
    DeleteRoute {
        region: Region,
        route_table_id: RouteTableId,
        cidr: Cidr,
        attachment_id: AttachmentId,
    },
    /// A route in a VPC route table toward the Region's transit gateway
    /// (`MANAGE_VPC_ROUTES`).
    CreateVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        transit_gateway_id: TransitGatewayId,
    },
    DeleteVpcRoute {
        region: Region,
        route_table_id: VpcRouteTableId,
        cidr: Cidr,
        transit_gateway_id: TransitGatewayId,
    },
}

impl Action {
    /// The Region whose API carries out the action.
    pub fn region(&self) -> &Region {
        match self {
            Action::CreatePeering { requester, .. } => &requester.region,
            Action::AcceptPeering { region, .. }
            | Action::DeletePeering { region, .. }
            | Action::AssociateRouteTable { region, .. }
            | Action::CreateRoute { region, .. }
            | Action::DeleteRoute { region, .. }
            | Action::CreateVpcRoute { region, .. }
            | Action::DeleteVpcRoute { region, .. } => region,
        }
    }

    /// The name used in logs and in `--output json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreatePeering { .. } => "create_peering",
            Action::AcceptPeering { .. } => "accept_peering",
            Action::DeletePeering { .. } => "delete_peering",
            Action::AssociateRouteTable { .. } => "associate_route_table",
            Action::CreateRoute { .. } => "create_route",
            Action::DeleteRoute { .. } => "delete_route",
            Action::CreateVpcRoute { .. } => "create_vpc_route",
            Action::DeleteVpcRoute { .. } => "delete_vpc_route",
        }
    }

    /// For a route write: its table, its CIDR, and whether it adds the route.
    pub fn route_change(&self) -> Option<(String, Cidr, bool)> {
        match self {
            Action::CreateRoute {
                route_table_id,
                cidr,
                ..
            }
            | Action::DeleteRoute {
                route_table_id,
                cidr,
                ..
            } => Some((
                route_table_id.to_string(),
                *cidr,
                matches!(self, Action::CreateRoute { .. }),
            )),
            Action::CreateVpcRoute {
                route_table_id,
                cidr,
                ..
            }
            | Action::DeleteVpcRoute {
                route_table_id,
                cidr,
                ..
            } => Some((
                route_table_id.to_string(),
                *cidr,
                matches!(self, Action::CreateVpcRoute { .. }),
            )),
            _ => None,
        }
    }

    /// Route writes are independent of each other and may run concurrently;
    /// the other actions run first, one at a time.
    pub fn is_route_write(&self) -> bool {
        matches!(
            self,
            Action::CreateRoute { .. }
                | Action::DeleteRoute { .. }
                | Action::CreateVpcRoute { .. }
                | Action::DeleteVpcRoute { .. }
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::CreatePeering {
                requester,
                accepter,
            } => write!(
                f,
                "{}: create peering {} -> {} ({})",
                requester.region,
                requester.transit_gateway_id,
                accepter.transit_gateway_id,
                accepter.region
            ),
            Action::AcceptPeering {
                region,
                attachment_id,
            } => write!(f, "{region}: accept peering {attachment_id}"),
            Action::DeletePeering {
                region,
                attachment_id,
            } => write!(f, "{region}: delete peering {attachment_id}"),
            Action::AssociateRouteTable {
                region,
                route_table_id,
                attachment_id,
            } => write!(
                f,
                "{region}: associate {attachment_id} with {route_table_id}"
            ),
            Action::CreateRoute {
                region,
                route_table_id,
                cidr,
                attachment_id,
            } => write!(
                f,
                "{region}: add route {cidr} -> {attachment_id} in {route_table_id}"
            ),
            Action::DeleteRoute {
                region,
                route_table_id,
                cidr,
                attachment_id,
            } => write!(
                f,
                "{region}: remove route {cidr} -> {attachment_id} from {route_table_id}"
            ),
            Action::CreateVpcRoute {
                region,
                route_table_id,
                cidr,
                transit_gateway_id,
            } => write!(
                f,
                "{region}: add VPC route {cidr} -> {transit_gateway_id} in {route_table_id}"
            ),
            Action::DeleteVpcRoute {
                region,
                route_table_id,
                cidr,
                transit_gateway_id,
            } => write!(
                f,
                "{region}: remove VPC route {cidr} -> {transit_gateway_id} from {route_table_id}"
            ),
        }
    }
}

/// An action and why it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    #[serde(flatten)]
    pub action: Action,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A peering is between states; the next state change or re-check moves on.
    Waiting,
    /// Something the tool could do but deliberately does not.
    Skip,
    /// Desired state that contradicts what exists; nothing is written.
    Conflict,
}

/// Something the planner did not do, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub region: Option<Region>,
    pub subject: String,
    pub reason: String,
}

/// How a route of a managed route table compares with the desired state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteMark {
    /// Wanted and present (exactly, or covered by a supernet to the same peering).
    Desired,
    /// Wanted and absent: a create is planned.
    Missing,
    /// Points at a managed peering but no tagged VPC wants it.
    Extra,
    /// Wanted, but another route or an overlapping CIDR stands in the way.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteReport {
    pub cidr: Cidr,
    pub target: RouteTarget,
    pub mark: RouteMark,
    pub note: String,
}

/// Every route of interest in one managed route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    pub region: Region,
    pub route_table_id: RouteTableId,
    pub routes: Vec<RouteReport>,
}

/// The peering of one Region pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeeringReport {
    pub requester: GatewayRef,
    pub accepter: GatewayRef,
    pub attachment_id: Option<AttachmentId>,
    pub state: Option<String>,
    pub managed: bool,
}

/// The difference between the observed and the desired state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub actions: Vec<Planned>,
    pub findings: Vec<Finding>,
    pub peerings: Vec<PeeringReport>,
    pub tables: Vec<TableReport>,
}

impl Plan {
    /// Nothing to do and nothing to wait for.
    pub fn is_converged(&self) -> bool {
        self.actions.is_empty() && !self.is_waiting()
    }

    /// A peering is between states.
    pub fn is_waiting(&self) -> bool {
        self.findings.iter().any(|f| f.kind == FindingKind::Waiting)
    }

    pub fn conflicts(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.kind == FindingKind::Conflict)
    }
}

/// The CIDRs of one Region's VPCs, split by what they ask for.
#[derive(Default)]
struct RegionCidrs {
    /// Associated CIDRs of tagged VPCs: routes wanted elsewhere.
    tagged: BTreeMap<Cidr, BTreeSet<VpcId>>,
    /// CIDRs of VPCs not tagged (or no longer associated): routes to them,
    /// toward a managed peering, are the tool's to withdraw.
    withdrawn: BTreeMap<Cidr, (VpcId, &'static str)>,
}

fn region_cidrs(state: &crate::observed::RegionState, tag_key: &str) -> RegionCidrs {
    let mut out = RegionCidrs::default();
    for vpc in &state.vpcs {
        let tagged = vpc.is_tagged(tag_key);
        for (cidr, cidr_state) in &vpc.cidrs {
            match (tagged, cidr_state) {
                (true, CidrState::Associated) => {
                    out.tagged.entry(*cidr).or_default().insert(vpc.id.clone());
                }
                (true, CidrState::Associating) => {}
                (true, CidrState::Gone) => {
                    out.withdrawn
                        .insert(*cidr, (vpc.id.clone(), "CIDR no longer associated with"));
                }
                (false, _) => {
                    out.withdrawn
                        .insert(*cidr, (vpc.id.clone(), "tag removed or not true on"));
                }
            }
        }
    }
    // A CIDR still wanted by one VPC is never withdrawn because of another.
    let tagged = &out.tagged;
    out.withdrawn.retain(|c, _| !tagged.contains_key(c));
    out
}

/// Tagged CIDRs that overlap a tagged CIDR of another Region, found with one
/// sort and a sweep (CIDR blocks nest or are disjoint, so the open blocks at
/// any point form a chain): O(n log n).
fn overlapping(cidrs: &BTreeMap<Region, RegionCidrs>) -> (BTreeSet<(Region, Cidr)>, Vec<Finding>) {
    let mut all: Vec<(Cidr, &Region)> = cidrs
        .iter()
        .flat_map(|(r, rc)| rc.tagged.keys().map(move |c| (*c, r)))
        .collect();
    // Network address first, then shorter prefix first: a block sorts before
    // the blocks it contains.
    all.sort();
    let mut stack: Vec<(Cidr, &Region)> = Vec::new();
    let mut conflicted = BTreeSet::new();
    let mut findings = Vec::new();
    for (cidr, region) in all {
        while stack.last().is_some_and(|(top, _)| !top.contains(&cidr)) {
            stack.pop();
        }
        for (outer, outer_region) in &stack {
            if *outer_region != region {
                conflicted.insert(((*outer_region).clone(), *outer));
                conflicted.insert((region.clone(), cidr));
                findings.push(Finding {
                    kind: FindingKind::Conflict,
                    region: None,
                    subject: format!("{outer} ({outer_region}) and {cidr} ({region})"),
                    reason: "tagged CIDRs overlap between Regions; no route is written for either"
                        .to_owned(),
                });
            }
        }
        stack.push((cidr, region));
    }
    (conflicted, findings)
}

fn vpc_list(vpcs: &BTreeSet<VpcId>) -> String {
    vpcs.iter()
        .map(VpcId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Computes every action needed to bring `observed` to the desired state.
///
/// Fails only when a Region cannot be resolved to one transit gateway and
/// route table: that is a configuration problem to fix, never a guess.
pub fn plan(observed: &Observed, config: &Config) -> Result<Plan, Error> {
    let mut out = Plan::default();

    // 1. One gateway and route table per Region, in configuration order.
    let mut gateways: Vec<Gateway> = Vec::with_capacity(config.regions.len());
    for region in &config.regions {
        let state = observed.regions.get(region).ok_or_else(|| Error::Resolve {
            region: region.clone(),
            message: "the Region was not read".to_owned(),
        })?;
        gateways.push(resolve_gateway(region, &state.transit_gateways, config)?);
    }

    // 2. What each Region's VPCs ask for, and the cross-Region overlaps.
    let cidrs: BTreeMap<Region, RegionCidrs> = config
        .regions
        .iter()
        .map(|r| {
            let state = &observed.regions[r];
            (r.clone(), region_cidrs(state, &config.tag_key))
        })
        .collect();
    let (conflicted, overlap_findings) = overlapping(&cidrs);
    out.findings.extend(overlap_findings);

    // 3. One peering per pair; the first Region in PEERING_REGIONS requests it.
    let peerings = observed.peerings();
    // Per Region, the available peerings of its pairs.
    let mut ready: BTreeMap<Region, Vec<ReadyPeering>> = BTreeMap::new();
    for (i, a) in gateways.iter().enumerate() {
        for b in &gateways[i + 1..] {
            plan_pair(a, b, &peerings, &cidrs, &mut out, &mut ready);
        }
    }

    // 4. Associations and routes, one route table at a time.
    for gw in &gateways {
        let pairs = ready.remove(&gw.region).unwrap_or_default();
        let ctx = TableContext {
            observed,
            config,
            peerings: &peerings,
            cidrs: &cidrs,
            conflicted: &conflicted,
        };
        if config.manage_vpc_routes {
            plan_vpc_tables(gw, &pairs, &ctx, &mut out);
        }
        plan_table(gw, &pairs, &ctx, &mut out);
    }

    out.actions.sort_by(|a, b| a.action.cmp(&b.action));
    out.findings.sort();
    Ok(out)
}

/// An available peering as one of its Regions sees it.
#[derive(Debug, Clone)]
struct ReadyPeering {
    id: AttachmentId,
    peer: Region,
    /// Created by tgw-peering (tagged): only then are routes on it removed.
    managed: bool,
}

fn plan_pair(
    a: &Gateway,
    b: &Gateway,
    peerings: &[PeeringAttachment],
    cidrs: &BTreeMap<Region, RegionCidrs>,
    out: &mut Plan,
    ready: &mut BTreeMap<Region, Vec<ReadyPeering>>,
) {
    let pair = format!("{} <-> {}", a.region, b.region);
    let linking: Vec<&PeeringAttachment> = peerings
        .iter()
        .filter(|p| p.links(&a.transit_gateway_id, &b.transit_gateway_id))
        .collect();
    let mut live: Vec<&PeeringAttachment> = linking
        .iter()
        .copied()
        .filter(|p| p.phase() == PeeringPhase::Live)
        .collect();
    // Oldest first: concurrent creators keep the oldest and drop the rest.
    live.sort_by(|x, y| {
        (x.created_at.unwrap_or(i64::MAX), &x.id).cmp(&(y.created_at.unwrap_or(i64::MAX), &y.id))
    });
    let wanted_a = !cidrs[&a.region].tagged.is_empty();
    let wanted_b = !cidrs[&b.region].tagged.is_empty();

    let Some(primary) = live.first().copied() else {
        out.peerings.push(PeeringReport {
            requester: a.as_ref(),
            accepter: b.as_ref(),
            attachment_id: None,
            state: None,
            managed: false,
        });
        if let Some(failed) = linking.iter().find(|p| p.phase() == PeeringPhase::Failed) {
            out.findings.push(Finding {
                kind: FindingKind::Conflict,
                region: Some(failed.requester.region.clone()),
                subject: format!("peering {} ({pair})", failed.id),
                reason: match failed.state() {
                    PeeringState::Rejecting | PeeringState::Rejected => format!(
                        "the peering was {}; tgw-peering does not request it again while it is listed (delete it to retry)",
                        failed.state()
                    ),
                    state => format!(
                        "the peering is {state}; delete it to let tgw-peering create a new one"
                    ),
                },
            });
        } else if wanted_a && wanted_b {
            let replaced = linking
                .iter()
                .map(|p| format!("{} is {}", p.id, p.state()))
                .collect::<Vec<_>>();
            let mut reason = format!(
                "both {} and {} have tagged VPCs and no peering links their transit gateways",
                a.region, b.region
            );
            if !replaced.is_empty() {
                reason.push_str(&format!(" ({})", replaced.join(", ")));
            }
            out.actions.push(Planned {
                action: Action::CreatePeering {
                    requester: a.as_ref(),
                    accepter: b.as_ref(),
                },
                reason,
            });
        } else if wanted_a || wanted_b {
            let empty = if wanted_a { &b.region } else { &a.region };
            out.findings.push(Finding {
                kind: FindingKind::Skip,
                region: None,
                subject: format!("peering {pair}"),
                reason: format!("{empty} has no tagged VPC yet; no peering needed"),
            });
        }
        return;
    };

    out.peerings.push(PeeringReport {
        requester: primary.requester.clone(),
        accepter: primary.accepter.clone(),
        attachment_id: Some(primary.id.clone()),
        state: Some(primary.state().to_string()),
        managed: primary.is_managed(),
    });

    for dup in &live[1..] {
        if dup.is_managed() {
            out.actions.push(Planned {
                action: Action::DeletePeering {
                    region: dup.requester.region.clone(),
                    attachment_id: dup.id.clone(),
                },
                reason: format!(
                    "duplicate peering for {pair}, created concurrently; {} is older and kept",
                    primary.id
                ),
            });
        } else {
            out.findings.push(Finding {
                kind: FindingKind::Skip,
                region: Some(dup.requester.region.clone()),
                subject: format!("peering {}", dup.id),
                reason: format!(
                    "a second peering for {pair}, not created by tgw-peering; left alone, {} is used",
                    primary.id
                ),
            });
        }
    }

    let accepter_region = &primary.accepter.region;
    let accepter_view = primary.states.get(accepter_region);
    match primary.state() {
        // Accept only where the accepter Region itself lists it as pending acceptance.
        PeeringState::PendingAcceptance
            if accepter_view == Some(&PeeringState::PendingAcceptance) =>
        {
            out.actions.push(Planned {
                action: Action::AcceptPeering {
                    region: accepter_region.clone(),
                    attachment_id: primary.id.clone(),
                },
                reason: format!("peering for {pair} is pendingAcceptance in the accepter Region"),
            })
        }
        PeeringState::PendingAcceptance => out.findings.push(Finding {
            kind: FindingKind::Waiting,
            region: Some(accepter_region.clone()),
            subject: format!("peering {} ({pair})", primary.id),
            reason: "pendingAcceptance, but not yet listed in the accepter Region".to_owned(),
        }),
        PeeringState::Available => {
            for (side, peer) in [(&a.region, &b.region), (&b.region, &a.region)] {
                ready.entry(side.clone()).or_default().push(ReadyPeering {
                    id: primary.id.clone(),
                    peer: peer.clone(),
                    managed: primary.is_managed(),
                });
            }
        }
        other => out.findings.push(Finding {
            kind: FindingKind::Waiting,
            region: Some(accepter_region.clone()),
            subject: format!("peering {} ({pair})", primary.id),
            reason: format!("state is {other}; waiting for the next state change"),
        }),
    }
}

/// What every route table's plan reads, computed once per plan.
struct TableContext<'a> {
    observed: &'a Observed,
    config: &'a Config,
    peerings: &'a [PeeringAttachment],
    cidrs: &'a BTreeMap<Region, RegionCidrs>,
    conflicted: &'a BTreeSet<(Region, Cidr)>,
}

fn plan_table(gw: &Gateway, pairs: &[ReadyPeering], ctx: &TableContext<'_>, out: &mut Plan) {
    let TableContext {
        observed,
        config,
        peerings,
        cidrs,
        conflicted,
    } = ctx;
    let region = &gw.region;
    let rt = &gw.route_table_id;
    let state = &observed.regions[region];
    let empty_table = crate::observed::RouteTableState {
        id: rt.clone(),
        static_routes: Vec::new(),
        associations: BTreeSet::new(),
        truncated: false,
    };
    let table = state
        .route_table
        .as_ref()
        .filter(|t| &t.id == rt)
        .unwrap_or(&empty_table);
    let mut report = TableReport {
        region: region.clone(),
        route_table_id: rt.clone(),
        routes: Vec::new(),
    };

    // Every CIDR of this Region's own VPCs, tagged or not: a static route
    // for an overlapping remote CIDR would take their traffic away from
    // their attachment (a static route wins over a propagated one).
    let local = local_cidrs(state);
    let mut local_conflicts: BTreeSet<Cidr> = BTreeSet::new();

    // Desired routes: every tagged CIDR of every peer Region, to that pair's peering.
    let mut desired: BTreeMap<Cidr, (&AttachmentId, &Region, &BTreeSet<VpcId>)> = BTreeMap::new();
    // The available peerings of this Region's pairs, by attachment.
    let mut ours: BTreeMap<&AttachmentId, &ReadyPeering> = BTreeMap::new();
    for ready in pairs {
        let (attachment, peer) = (&ready.id, &ready.peer);
        let side_state = peerings
            .iter()
            .find(|p| &p.id == attachment)
            .map(|p| p.state_in(region));
        if let Some(s) = side_state.filter(|s| *s != PeeringState::Available) {
            out.findings.push(Finding {
                kind: FindingKind::Waiting,
                region: Some(region.clone()),
                subject: format!("peering {attachment}"),
                reason: format!("state is {s} on this side; routes wait until it is available"),
            });
            continue;
        }
        ours.insert(attachment, ready);
        if !table.associations.contains(attachment) {
            out.actions.push(Planned {
                action: Action::AssociateRouteTable {
                    region: region.clone(),
                    route_table_id: rt.clone(),
                    attachment_id: attachment.clone(),
                },
                reason: format!("the peering with {peer} is not associated with {rt}"),
            });
        }
        for (cidr, vpcs) in &cidrs[peer].tagged {
            if conflicted.contains(&(peer.clone(), *cidr)) {
                report.routes.push(RouteReport {
                    cidr: *cidr,
                    target: RouteTarget::Attachment(attachment.clone()),
                    mark: RouteMark::Conflict,
                    note: "overlaps a tagged CIDR of another Region".to_owned(),
                });
                continue;
            }
            if let Some((own, vpc)) = overlapping_local(&local, cidr) {
                report.routes.push(RouteReport {
                    cidr: *cidr,
                    target: RouteTarget::Attachment(attachment.clone()),
                    mark: RouteMark::Conflict,
                    note: format!("overlaps {own} of {vpc} in this Region"),
                });
                out.findings.push(Finding {
                    kind: FindingKind::Conflict,
                    region: Some(region.clone()),
                    subject: format!("route {cidr} in {rt}"),
                    reason: format!(
                        "{cidr} of {} in {peer} overlaps {own} of {vpc} in {region}; a static route would take that VPC's traffic, so none is written",
                        vpc_list(vpcs)
                    ),
                });
                local_conflicts.insert(*cidr);
                continue;
            }
            desired.insert(*cidr, (attachment, peer, vpcs));
        }
    }
    // A CIDR in any overlap conflict gets no write at all, on any peering.
    let conflicted_cidrs: BTreeSet<&Cidr> = conflicted.iter().map(|(_, c)| c).collect();
    let in_conflict =
        |cidr: &Cidr| local_conflicts.contains(cidr) || conflicted_cidrs.contains(cidr);

    // Whether a static route toward one of this Region's peerings may go.
    let removal = |cidr: &Cidr, via: &ReadyPeering| -> Removal {
        let peer = &via.peer;
        if config.is_protected(cidr) {
            Removal::Keep(
                "protected by PROTECTED_CIDRS".to_owned(),
                "no tagged VPC wants it, but it is in PROTECTED_CIDRS; kept".to_owned(),
            )
        } else if in_conflict(cidr) {
            Removal::Keep(
                "overlapping CIDR".to_owned(),
                "its CIDR is part of an overlap conflict; kept until the conflict is resolved"
                    .to_owned(),
            )
        } else if !via.managed {
            Removal::Keep(
                "on a peering not created by tgw-peering".to_owned(),
                format!(
                    "no tagged VPC wants it, but the peering {} was not created by tgw-peering; routes on it are never removed",
                    via.id
                ),
            )
        } else if let Some((vpc, why)) = cidrs[peer].withdrawn.get(cidr) {
            Removal::Delete(
                format!("withdrawn: {why} {vpc}"),
                format!("{why} {vpc} in {peer}"),
            )
        } else if config.prune_routes {
            Removal::Delete(
                "pruned".to_owned(),
                format!("no tagged VPC in {peer} has {cidr} (PRUNE_ROUTES=true)"),
            )
        } else {
            Removal::Keep(
                "not proven to be owned".to_owned(),
                format!(
                    "points at the peering with {peer} but matches no VPC there; kept (PRUNE_ROUTES is off)"
                ),
            )
        }
    };
    let delete = |cidr: Cidr, attachment: &AttachmentId, reason: String| Planned {
        action: Action::DeleteRoute {
            region: region.clone(),
            route_table_id: rt.clone(),
            cidr,
            attachment_id: attachment.clone(),
        },
        reason,
    };

    let existing: BTreeMap<Cidr, &StaticRoute> =
        table.static_routes.iter().map(|r| (r.cidr, r)).collect();
    let mut covering: BTreeSet<Cidr> = BTreeSet::new();

    for (cidr, (attachment, peer, vpcs)) in &desired {
        let target = RouteTarget::Attachment((*attachment).clone());
        let owners = format!("{peer}: {}", vpc_list(vpcs));
        let mut mark = |mark: RouteMark, note: String| {
            report.routes.push(RouteReport {
                cidr: *cidr,
                target: target.clone(),
                mark,
                note,
            })
        };
        match existing.get(cidr).map(|r| &r.target) {
            Some(t) if *t == target => mark(RouteMark::Desired, owners),
            Some(RouteTarget::Unknown) => mark(
                RouteMark::Desired,
                "static route exists; its target was not reported".to_owned(),
            ),
            Some(other) => {
                // The CIDR moved: the route still points at the peering of the
                // Region that had it. Withdraw it there first; the next
                // reconcile adds the new route.
                let moved = match other {
                    RouteTarget::Attachment(id) => ours.get(id).map(|via| (id, removal(cidr, via))),
                    _ => None,
                };
                if let Some((old, Removal::Delete(_, why))) = moved {
                    mark(RouteMark::Missing, format!("moves from {old}; {owners}"));
                    out.actions.push(delete(
                        *cidr,
                        old,
                        format!("{why}; {cidr} now belongs to {} in {peer}", vpc_list(vpcs)),
                    ));
                    continue;
                }
                let other = match other {
                    RouteTarget::Attachment(id) => format!("to {id}"),
                    RouteTarget::Blackhole => "as a blackhole".to_owned(),
                    RouteTarget::Unknown => "to an unknown target".to_owned(),
                };
                mark(
                    RouteMark::Conflict,
                    format!("a static route exists {other}"),
                );
                out.findings.push(Finding {
                    kind: FindingKind::Conflict,
                    region: Some(region.clone()),
                    subject: format!("route {cidr} in {rt}"),
                    reason: format!(
                        "wanted toward {attachment} for {} in {peer}, but a static route exists {other}; not overwritten",
                        vpc_list(vpcs)
                    ),
                });
            }
            None => {
                let cover = cidr
                    .supernets()
                    .find(|s| existing.get(s).is_some_and(|r| r.target == target));
                if let Some(cover) = cover {
                    covering.insert(cover);
                    mark(RouteMark::Desired, format!("covered by {cover}"));
                } else {
                    mark(RouteMark::Missing, owners);
                    out.actions.push(Planned {
                        action: Action::CreateRoute {
                            region: region.clone(),
                            route_table_id: rt.clone(),
                            cidr: *cidr,
                            attachment_id: (*attachment).clone(),
                        },
                        reason: format!(
                            "{cidr} of {} in {peer} has no route in {rt}",
                            vpc_list(vpcs)
                        ),
                    });
                }
            }
        }
    }

    // Static routes toward this Region's peerings that nothing wants any more.
    for route in &table.static_routes {
        // Wanted CIDRs were handled above, whatever their route's target.
        if desired.contains_key(&route.cidr) || covering.contains(&route.cidr) {
            continue;
        }
        let via = match &route.target {
            RouteTarget::Attachment(id) => match ours.get(id) {
                Some(via) => *via,
                None => continue,
            },
            RouteTarget::Unknown => {
                // Cannot prove it points at the peering: never delete, but say so
                // when the tool would otherwise have withdrawn it.
                if let Some((peer, (vpc, _))) = cidrs
                    .iter()
                    .filter(|(r, _)| *r != region)
                    .find_map(|(r, rc)| rc.withdrawn.get(&route.cidr).map(|w| (r, w)))
                {
                    out.findings.push(Finding {
                        kind: FindingKind::Skip,
                        region: Some(region.clone()),
                        subject: format!("route {} in {rt}", route.cidr),
                        reason: format!(
                            "{vpc} in {peer} is no longer tagged, but the route's target was not reported; not deleted"
                        ),
                    });
                }
                continue;
            }
            RouteTarget::Blackhole => continue,
        };
        let note = match removal(&route.cidr, via) {
            Removal::Delete(note, reason) => {
                out.actions.push(delete(route.cidr, &via.id, reason));
                note
            }
            Removal::Keep(note, reason) => {
                out.findings.push(Finding {
                    kind: FindingKind::Skip,
                    region: Some(region.clone()),
                    subject: format!("route {} in {rt}", route.cidr),
                    reason,
                });
                note
            }
        };
        report.routes.push(RouteReport {
            cidr: route.cidr,
            target: route.target.clone(),
            mark: RouteMark::Extra,
            note,
        });
    }

    if table.truncated {
        out.findings.push(Finding {
            kind: FindingKind::Skip,
            region: Some(region.clone()),
            subject: format!("route table {rt}"),
            reason: "more static routes exist than one search returns (1,000); routes beyond those may be planned again (harmless: RouteAlreadyExists) and extras beyond them are not seen".to_owned(),
        });
    }
    report.routes.sort_by_key(|r| r.cidr);
    out.tables.push(report);
}

/// Every CIDR of a Region's VPCs (tagged or not, unless released), and its VPC.
fn local_cidrs(state: &crate::observed::RegionState) -> BTreeMap<Cidr, &VpcId> {
    state
        .vpcs
        .iter()
        .flat_map(|v| {
            v.cidrs
                .iter()
                .filter(|(_, s)| *s != CidrState::Gone)
                .map(move |(c, _)| (*c, &v.id))
        })
        .collect()
}

/// A CIDR of this Region's VPCs that overlaps `cidr`, and its VPC: one
/// that contains it (among its supernets) or that it contains (the next
/// block in order). O(log n) per lookup, for up to 128 prefix lengths.
fn overlapping_local<'a>(
    local: &BTreeMap<Cidr, &'a VpcId>,
    cidr: &Cidr,
) -> Option<(Cidr, &'a VpcId)> {
    std::iter::once(*cidr)
        .chain(cidr.supernets())
        .find_map(|c| local.get(&c).map(|v| (c, *v)))
        .or_else(|| {
            local
                .range(cidr..)
                .next()
                .filter(|(c, _)| cidr.contains(c))
                .map(|(c, v)| (*c, *v))
        })
}

/// Whether a route may be removed: `Delete(note, reason)` or `Keep(note, reason)`.
enum Removal {
    Delete(String, String),
    Keep(String, String),
}

/// VPC route tables toward the transit gateway (`MANAGE_VPC_ROUTES=true`).
///
/// A table is managed when it serves subnets (a subnet association, or the
/// VPC's main table) and already has a route, of any origin, to this Region's
/// selected transit gateway. In such a table of a *tagged* VPC, every remote
/// CIDR the transit gateway route table wants (tagged CIDRs of the peer
/// Regions whose peering is available on this side, overlaps between Regions
/// and with this Region's own VPCs excluded) gets
/// a route toward the transit gateway (IPv6 CIDRs only where the VPC has an
/// IPv6 block); a route for that CIDR to any other target is a conflict,
/// never overwritten.
///
/// A route is removed only when its ownership is proven: it was made by
/// `CreateRoute`, it targets this Region's selected transit gateway, its
/// peering with the CIDR's Region is available and was created by
/// tgw-peering, it is not in
/// `PROTECTED_CIDRS`, and either its CIDR is a withdrawn CIDR of a peer
/// Region (of an untagged VPC there, or no longer associated, and tagged
/// nowhere), or the table's own VPC is not tagged and the CIDR is exactly one
/// the tool writes. Anything else toward the transit gateway (a summary or
/// default route, a CIDR that matches no VPC) is never removed, whatever
/// `PRUNE_ROUTES` says: such a route is also what opts the table in.
fn plan_vpc_tables(gw: &Gateway, pairs: &[ReadyPeering], ctx: &TableContext<'_>, out: &mut Plan) {
    let region = &gw.region;
    let tgw = &gw.transit_gateway_id;
    let state = &ctx.observed.regions[region];
    let Some(tables) = &state.vpc_route_tables else {
        out.findings.push(Finding {
            kind: FindingKind::Skip,
            region: Some(region.clone()),
            subject: "VPC route tables".to_owned(),
            reason: "MANAGE_VPC_ROUTES is on, but the Region's VPC route tables were not read; no VPC route is planned".to_owned(),
        });
        return;
    };
    // The peerings whose routes the transit gateway route table gets: those
    // available on this side too.
    let ready: Vec<&ReadyPeering> = pairs
        .iter()
        .filter(|p| {
            ctx.peerings
                .iter()
                .find(|x| x.id == p.id)
                .is_none_or(|x| x.state_in(region) == PeeringState::Available)
        })
        .collect();
    // The transit gateway route table leaves out overlaps with this
    // Region's own VPCs (a conflict there); so do the VPC route tables.
    let local = local_cidrs(state);
    let mut desired: BTreeMap<Cidr, (&ReadyPeering, &BTreeSet<VpcId>)> = BTreeMap::new();
    for p in &ready {
        for (cidr, vpcs) in &ctx.cidrs[&p.peer].tagged {
            if !ctx.conflicted.contains(&(p.peer.clone(), *cidr))
                && overlapping_local(&local, cidr).is_none()
            {
                desired.insert(*cidr, (p, vpcs));
            }
        }
    }
    let mut withdrawn: BTreeMap<Cidr, (&ReadyPeering, &VpcId, &str)> = BTreeMap::new();
    for p in &ready {
        for (cidr, (vpc, why)) in &ctx.cidrs[&p.peer].withdrawn {
            // A CIDR tagged anywhere (even in a Region not yet peered) is not withdrawn.
            if !ctx.cidrs.values().any(|rc| rc.tagged.contains_key(cidr)) {
                withdrawn.insert(*cidr, (p, vpc, why));
            }
        }
    }
    // Per VPC: tagged, and has an IPv6 block (only then can its subnets
    // send to an IPv6 destination, so only then are IPv6 routes added).
    let vpcs: BTreeMap<&VpcId, (bool, bool)> = state
        .vpcs
        .iter()
        .map(|v| {
            let ipv6 = v.associated_cidrs().any(|c| c.is_ipv6());
            (&v.id, (v.is_tagged(&ctx.config.tag_key), ipv6))
        })
        .collect();
    let toward = VpcRouteTarget::TransitGateway(tgw.clone());

    for table in tables {
        // A table of a VPC not read (created since) waits for the next reconcile.
        let Some(&(vpc_tagged, vpc_ipv6)) = vpcs.get(&table.vpc_id) else {
            continue;
        };
        if !table.serves_subnets || !table.routes_to(tgw) {
            continue;
        }
        let rtb = &table.id;
        let vpc = &table.vpc_id;
        let existing: BTreeMap<Cidr, &crate::domain::VpcRoute> =
            table.routes.iter().map(|r| (r.cidr, r)).collect();
        if vpc_tagged {
            for (cidr, (via, vpcs)) in &desired {
                if cidr.is_ipv6() && !vpc_ipv6 {
                    continue;
                }
                let peer = &via.peer;
                match existing.get(cidr) {
                    Some(r) if r.target == toward => {}
                    Some(r) => out.findings.push(Finding {
                        kind: FindingKind::Conflict,
                        region: Some(region.clone()),
                        subject: format!("VPC route {cidr} in {rtb} ({vpc})"),
                        reason: format!(
                            "wanted toward {tgw} for {} in {peer}, but a route exists to {} (origin {}); not overwritten",
                            vpc_list(vpcs),
                            r.target,
                            if r.origin.is_empty() { "unknown" } else { &r.origin }
                        ),
                    }),
                    None => out.actions.push(Planned {
                        action: Action::CreateVpcRoute {
                            region: region.clone(),
                            route_table_id: rtb.clone(),
                            cidr: *cidr,
                            transit_gateway_id: tgw.clone(),
                        },
                        reason: format!(
                            "{cidr} of {} in {peer} has no route in {rtb} of tagged {vpc}",
                            vpc_list(vpcs)
                        ),
                    }),
                }
            }
        }
        for route in &table.routes {
            if !route.is_created() || route.target != toward {
                continue;
            }
            let cidr = route.cidr;
            let (via, why) = if let Some((via, owner, why)) = withdrawn.get(&cidr) {
                (*via, format!("{why} {owner} in {}", via.peer))
            } else if let (false, Some((via, vpcs))) = (vpc_tagged, desired.get(&cidr)) {
                (
                    *via,
                    format!(
                        "{vpc} is not tagged; {cidr} is of {} in {}",
                        vpc_list(vpcs),
                        via.peer
                    ),
                )
            } else {
                // Wanted, or not proven to be the tool's: kept.
                continue;
            };
            let subject = format!("VPC route {cidr} in {rtb} ({vpc})");
            if ctx.config.is_protected(&cidr) {
                out.findings.push(Finding {
                    kind: FindingKind::Skip,
                    region: Some(region.clone()),
                    subject,
                    reason: format!("{why}, but it is in PROTECTED_CIDRS; kept"),
                });
            } else if !via.managed {
                out.findings.push(Finding {
                    kind: FindingKind::Skip,
                    region: Some(region.clone()),
                    subject,
                    reason: format!(
                        "{why}, but the peering {} was not created by tgw-peering; never removed",
                        via.id
                    ),
                });
            } else {
                out.actions.push(Planned {
                    action: Action::DeleteVpcRoute {
                        region: region.clone(),
                        route_table_id: rtb.clone(),
                        cidr,
                        transit_gateway_id: tgw.clone(),
                    },
                    reason: why,
                });
            }
        }
    }
}
