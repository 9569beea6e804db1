//! The peering of each Region pair: one per pair, requested by the Region
//! that comes first in `PEERING_REGIONS`, accepted where it waits for its
//! accepter, and ready for routes once available.
//!
//! Rules, one function each: [`plan_pair`] finds the pair's live peering
//! (oldest first); [`no_live_peering`] requests one when both Regions have
//! tagged VPCs, or reports a failed one; [`duplicates`] deletes the newer
//! peerings the tool created concurrently; [`next_step`] accepts, waits, or
//! hands an available peering to the route tables.

use std::collections::BTreeMap;

use crate::domain::{AttachmentId, PeeringAttachment, PeeringPhase, PeeringState, Region};
use crate::observed::Gateway;

use super::desired::RegionCidrs;
use super::{Action, Finding, FindingCode, PeeringNeed, PeeringReport, Plan, Planned};

/// An available peering as one of its Regions sees it.
#[derive(Debug, Clone)]
pub(super) struct ReadyPeering {
    pub id: AttachmentId,
    pub peer: Region,
    /// Created by tgw-peering (tagged): only then are routes on it removed.
    pub managed: bool,
}

/// The available peerings of each Region's pairs.
pub(super) type Ready = BTreeMap<Region, Vec<ReadyPeering>>;

/// Plans the peering of the pair `a`–`b` (`a` requests it).
pub(super) fn plan_pair(
    a: &Gateway,
    b: &Gateway,
    peerings: &[PeeringAttachment],
    cidrs: &BTreeMap<Region, RegionCidrs>,
    out: &mut Plan,
    ready: &mut Ready,
) {
    let linking: Vec<&PeeringAttachment> =
        peerings.iter().filter(|p| p.links(&a.transit_gateway_id, &b.transit_gateway_id)).collect();
    let mut live: Vec<&PeeringAttachment> =
        linking.iter().copied().filter(|p| p.phase() == PeeringPhase::Live).collect();
    // Oldest first: concurrent creators keep the oldest and drop the rest.
    live.sort_by(|x, y| {
        (x.created_at.unwrap_or(i64::MAX), &x.id).cmp(&(y.created_at.unwrap_or(i64::MAX), &y.id))
    });
    let Some((primary, newer)) = live.split_first() else {
        let failed = linking.iter().find(|p| p.phase() == PeeringPhase::Failed);
        let wanted = |g: &Gateway| !cidrs[&g.region].tagged.is_empty();
        let need = match failed {
            Some(f) => PeeringNeed::Since(f.created_at),
            None if wanted(a) && wanted(b) => PeeringNeed::Requested,
            None => PeeringNeed::None,
        };
        out.peerings.push(PeeringReport {
            requester: a.as_ref(),
            accepter: b.as_ref(),
            attachment_id: None,
            state: None,
            managed: false,
            need,
        });
        no_live_peering(a, b, &linking, cidrs, out);
        return;
    };
    out.peerings.push(PeeringReport {
        requester: primary.requester.clone(),
        accepter: primary.accepter.clone(),
        attachment_id: Some(primary.id.clone()),
        state: Some(primary.state()),
        managed: primary.is_managed(),
        need: PeeringNeed::Since(primary.created_at),
    });
    let pair = format!("{} <-> {}", a.region, b.region);
    duplicates(&pair, primary, newer, out);
    next_step(a, b, primary, out, ready);
}

/// No live peering links the pair: report a failed one (never replaced
/// silently: a rejection is an answer), else request one when both Regions
/// have tagged VPCs.
fn no_live_peering(
    a: &Gateway,
    b: &Gateway,
    linking: &[&PeeringAttachment],
    cidrs: &BTreeMap<Region, RegionCidrs>,
    out: &mut Plan,
) {
    let pair = format!("{} <-> {}", a.region, b.region);
    if let Some(failed) = linking.iter().find(|p| p.phase() == PeeringPhase::Failed) {
        out.findings.push(Finding {
            code: FindingCode::PeeringFailed,
            region: Some(failed.requester.region.clone()),
            subject: format!("peering {} ({pair})", failed.id),
            reason: match failed.state() {
                PeeringState::Rejecting | PeeringState::Rejected => format!(
                    "the peering was {}; tgw-peering does not request it again while it is listed (delete it to retry)",
                    failed.state()
                ),
                state @ (PeeringState::InitiatingRequest
                | PeeringState::PendingAcceptance
                | PeeringState::Pending
                | PeeringState::Available
                | PeeringState::Modifying
                | PeeringState::Deleting
                | PeeringState::Deleted
                | PeeringState::Failing
                | PeeringState::Failed
                | PeeringState::RollingBack
                | PeeringState::Unknown(_)) => format!(
                    "the peering is {state}; delete it to let tgw-peering create a new one"
                ),
            },
        });
        return;
    }
    let wanted_a = !cidrs[&a.region].tagged.is_empty();
    let wanted_b = !cidrs[&b.region].tagged.is_empty();
    if wanted_a && wanted_b {
        let replaced: Vec<String> =
            linking.iter().map(|p| format!("{} is {}", p.id, p.state())).collect();
        let mut reason = format!(
            "both {} and {} have tagged VPCs and no peering links their transit gateways",
            a.region, b.region
        );
        if !replaced.is_empty() {
            reason.push_str(&format!(" ({})", replaced.join(", ")));
        }
        out.actions.push(Planned {
            action: Action::CreatePeering { requester: a.as_ref(), accepter: b.as_ref() },
            reason,
        });
    } else if wanted_a || wanted_b {
        let empty = if wanted_a { &b.region } else { &a.region };
        out.findings.push(Finding {
            code: FindingCode::PeeringNotNeeded,
            region: None,
            subject: format!("peering {pair}"),
            reason: format!("{empty} has no tagged VPC yet; no peering needed"),
        });
    }
}

/// The newer live peerings of a pair: deleted when the tool created them
/// (concurrent creators), left alone otherwise.
fn duplicates(
    pair: &str,
    primary: &PeeringAttachment,
    newer: &[&PeeringAttachment],
    out: &mut Plan,
) {
    for dup in newer {
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
                code: FindingCode::ForeignPeering,
                region: Some(dup.requester.region.clone()),
                subject: format!("peering {}", dup.id),
                reason: format!(
                    "a second peering for {pair}, not created by tgw-peering; left alone, {} is used",
                    primary.id
                ),
            });
        }
    }
}

/// What the pair's live peering needs next: accepted in the accepter
/// Region (only where that Region lists it as pending acceptance), routes
/// once available, else a wait.
fn next_step(
    a: &Gateway,
    b: &Gateway,
    primary: &PeeringAttachment,
    out: &mut Plan,
    ready: &mut Ready,
) {
    let pair = format!("{} <-> {}", a.region, b.region);
    let accepter_region = &primary.accepter.region;
    let accepter_view = primary.states.get(accepter_region);
    let waiting = |reason: String| Finding {
        code: FindingCode::PeeringPending,
        region: Some(accepter_region.clone()),
        subject: format!("peering {} ({pair})", primary.id),
        reason,
    };
    match primary.state() {
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
        PeeringState::PendingAcceptance => out.findings.push(waiting(
            "pendingAcceptance, but not yet listed in the accepter Region".to_owned(),
        )),
        PeeringState::Available => {
            for (side, peer) in [(&a.region, &b.region), (&b.region, &a.region)] {
                ready.entry(side.clone()).or_default().push(ReadyPeering {
                    id: primary.id.clone(),
                    peer: peer.clone(),
                    managed: primary.is_managed(),
                });
            }
        }
        other @ (PeeringState::InitiatingRequest
        | PeeringState::Pending
        | PeeringState::Modifying
        | PeeringState::Deleting
        | PeeringState::Deleted
        | PeeringState::Failing
        | PeeringState::Failed
        | PeeringState::Rejecting
        | PeeringState::Rejected
        | PeeringState::RollingBack
        | PeeringState::Unknown(_)) => out
            .findings
            .push(waiting(format!("state is {other}; waiting for the next state change"))),
    }
}
