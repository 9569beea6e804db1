//! What the Regions' VPCs ask for: the desired state, before any route
//! table is looked at.
//!
//! - [`region_cidrs`]: per Region, the advertised CIDRs: every associated
//!   CIDR of every tagged VPC that has an `available` attachment to the
//!   Region's managed transit gateway (the local leg). A CIDR still
//!   `associating`, or a VPC whose attachment is pending or modifying, is
//!   waited for (its routes elsewhere stay as they are); a tagged VPC
//!   without an attachment is skipped and said so;
//! - [`overlapping`]: advertised CIDRs that overlap between Regions, or
//!   that two VPCs of one Region hold (AWS propagates only one of them):
//!   no route for any of them;
//! - [`local_cidrs`] and [`overlapping_local`]: a Region's own address
//!   space, which a remote CIDR must not overlap.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{
    AccountId, AttachmentState, Cidr, CidrState, EntryOwner, LedgerList, Region, RouteTarget,
    TgwAttachment, Vpc, VpcId,
};
use crate::observed::RegionState;

use super::{Finding, FindingCode};

/// The CIDRs of one Region's VPCs, split by what they ask for.
#[derive(Default)]
pub(super) struct RegionCidrs {
    /// Advertised CIDRs: routes wanted in the other Regions.
    pub tagged: BTreeMap<Cidr, BTreeSet<VpcId>>,
    /// Why a known CIDR of the Region is not advertised (untagged VPC,
    /// block released, no attachment…), for the reasons of withdrawals.
    pub withdrawn: BTreeMap<Cidr, (VpcId, &'static str)>,
    /// CIDRs of tagged VPCs that wait: a block still associating, or a VPC
    /// whose attachment is pending or modifying. Their routes elsewhere
    /// are left as they are, neither written nor withdrawn: an attachment
    /// being modified (subnets added, options changed) still carries
    /// traffic, and withdrawing its routes would cut it.
    pub waiting: BTreeSet<Cidr>,
    /// What is waited for or skipped before a CIDR is advertised.
    pub findings: Vec<Finding>,
    /// CIDRs held because a workload account of the Region could not be
    /// read (see [`held_workloads`] and [`hold_unproven`]); also in
    /// `waiting`. An advertised CIDR of another Region that overlaps one is
    /// in conflict ([`overlapping`]).
    pub held: BTreeSet<Cidr>,
}

/// The local leg of a VPC: its attachment to the Region's gateway.
#[derive(Clone, Copy)]
enum Leg<'a> {
    Available(&'a TgwAttachment),
    Pending(&'a TgwAttachment),
    Missing,
}

fn leg<'a>(attachments: &BTreeMap<VpcId, Vec<&'a TgwAttachment>>, vpc: &VpcId) -> Leg<'a> {
    let mine = attachments.get(vpc).map(Vec::as_slice).unwrap_or_default();
    if let Some(a) = mine.iter().find(|a| a.is_available()) {
        Leg::Available(a)
    } else if let Some(a) = mine.iter().find(|a| a.is_pending()) {
        Leg::Pending(a)
    } else {
        Leg::Missing
    }
}

/// What a VPC still waits for before its routes can be what its tag asks,
/// if anything: the rule that starts and ends a watch of it.
///
/// `tagged` is the tag state an event announced, when one did. Waited for:
/// a read that does not show that state yet (EC2's reads are eventually
/// consistent: "Eventual consistency", EC2 API Reference), including a VPC
/// not listed yet when it was announced as tagged; and, for a tagged VPC,
/// an attachment to the managed transit gateway still `pending` and a block
/// still `associating`. An untagged VPC, one without any attachment, or one
/// not listed that no event announced as tagged waits for nothing.
pub fn vpc_wait(
    vpc: Option<&Vpc>,
    vpc_id: &VpcId,
    attachments: &[TgwAttachment],
    tagged: Option<bool>,
    tag_key: &str,
) -> Option<String> {
    let Some(vpc) = vpc else {
        return (tagged == Some(true)).then(|| format!("{vpc_id} is not listed yet"));
    };
    if let Some(wanted) = tagged {
        if vpc.is_tagged(tag_key) != wanted {
            let state = if wanted { "tagged" } else { "untagged" };
            return Some(format!("{vpc_id} does not show as {state} yet"));
        }
    }
    if !vpc.is_tagged(tag_key) {
        return None;
    }
    let by_vpc: BTreeMap<VpcId, Vec<&TgwAttachment>> = attachments
        .iter()
        .filter_map(|a| a.vpc().filter(|v| v == vpc_id).map(|v| (v, a)))
        .fold(BTreeMap::new(), |mut m, (v, a)| {
            m.entry(v).or_insert_with(Vec::new).push(a);
            m
        });
    if let Leg::Pending(a) = leg(&by_vpc, vpc_id) {
        return Some(format!("its attachment {} is {}", a.id, a.state));
    }
    vpc.cidrs
        .iter()
        .find(|(_, state)| *state == CidrState::Associating)
        .map(|(cidr, _)| format!("{cidr} is still associating"))
}

/// The Region's VPC attachments, by VPC.
pub(super) fn vpc_attachments(state: &RegionState) -> BTreeMap<VpcId, Vec<&TgwAttachment>> {
    let mut by_vpc: BTreeMap<VpcId, Vec<&TgwAttachment>> = BTreeMap::new();
    for a in &state.attachments {
        if let Some(vpc) = a.vpc() {
            by_vpc.entry(vpc).or_default().push(a);
        }
    }
    by_vpc
}

/// The advertised CIDRs of one Region, and why the others are not.
pub(super) fn region_cidrs(region: &Region, state: &RegionState, tag_key: &str) -> RegionCidrs {
    let mut out = RegionCidrs::default();
    let attachments = vpc_attachments(state);
    for vpc in &state.vpcs {
        let subject = format!("VPC {}", vpc.id);
        let finding = |code, reason: String| Finding::at(code, region, &subject, reason);
        if state.held_vpcs.contains_key(&vpc.id) {
            out.waiting.extend(vpc.cidrs.iter().map(|(c, _)| *c));
            continue;
        }
        if !vpc.is_tagged(tag_key) {
            for (cidr, _) in &vpc.cidrs {
                out.withdrawn.insert(*cidr, (vpc.id.clone(), "tag removed or not true on"));
            }
            continue;
        }
        let leg = leg(&attachments, &vpc.id);
        match leg {
            Leg::Available(a) if a.ipv6_support == Some(false) && vpc_has_ipv6(vpc) => {
                let reason = format!(
                    "its attachment {} does not support IPv6 (Ipv6Support disabled: IPv6 routes do not propagate), so its IPv6 blocks are not advertised (traffic to them would be dropped on arrival); enable Ipv6Support on the attachment to route them",
                    a.id
                );
                out.findings.push(finding(FindingCode::Ipv6Unsupported, reason));
            }
            Leg::Available(_) => {}
            Leg::Pending(a) => {
                let reason = format!(
                    "tagged, but its attachment {} is {}; its routes elsewhere stay as they are, and new ones wait until it is available",
                    a.id, a.state
                );
                out.findings.push(finding(FindingCode::VpcAttachmentPending, reason));
            }
            Leg::Missing => {
                let reason = "tagged, but it has no attachment to the Region's managed transit gateway; its CIDRs are not advertised (traffic to them would be dropped on arrival)".to_owned();
                out.findings.push(finding(FindingCode::VpcNotAttached, reason));
            }
        }
        for (cidr, cidr_state) in &vpc.cidrs {
            match (leg, cidr_state) {
                (Leg::Available(a), CidrState::Associated)
                    if cidr.is_ipv6() && a.ipv6_support == Some(false) =>
                {
                    out.withdrawn
                        .insert(*cidr, (vpc.id.clone(), "IPv6 unsupported by the attachment of"));
                }
                (Leg::Available(_), CidrState::Associated) => {
                    out.tagged.entry(*cidr).or_default().insert(vpc.id.clone());
                }
                (_, CidrState::Associating) => {
                    let reason = format!("{cidr} is still associating; its routes wait for it");
                    out.findings.push(finding(FindingCode::CidrAssociating, reason));
                    out.waiting.insert(*cidr);
                }
                (_, CidrState::Gone) => {
                    out.withdrawn.insert(*cidr, (vpc.id.clone(), "CIDR no longer associated with"));
                }
                (Leg::Pending(_), CidrState::Associated) => {
                    out.waiting.insert(*cidr);
                }
                (Leg::Missing, CidrState::Associated) => {
                    out.withdrawn.insert(*cidr, (vpc.id.clone(), "no attachment for"));
                }
            }
        }
    }
    held_workloads(region, state, &mut out);
    // A CIDR still wanted or waited for by one VPC is never withdrawn
    // because of another.
    let (tagged, waiting) = (&out.tagged, &out.waiting);
    out.withdrawn.retain(|c, _| !tagged.contains_key(c) && !waiting.contains(c));
    out
}

/// True when the VPC has an associated IPv6 block.
fn vpc_has_ipv6(vpc: &Vpc) -> bool {
    vpc.associated_cidrs().any(|c| c.is_ipv6())
}

/// An attachment in one of these states no longer carries traffic: the
/// gateway's own read shows the VPC left (or never joined).
pub fn is_terminal(attachment: &TgwAttachment) -> bool {
    matches!(
        attachment.state,
        AttachmentState::Deleting
            | AttachmentState::Deleted
            | AttachmentState::Failed
            | AttachmentState::Rejected
    )
}

/// The rule for a workload account whose VPCs are not read
/// ([`RegionState::unreadable`]: its `WORKLOAD_ROLE_NAME` role cannot be
/// assumed, the read failed, or it did not list a VPC it attached; or
/// [`RegionState::frozen`]: `FROZEN_ACCOUNT_IDS`): nothing read is no proof
/// that its VPCs were untagged or deleted, so each of its attached VPCs is
/// held. The CIDRs the managed table routes to its attachment (propagated
/// or static) are held (their routes elsewhere are neither written nor
/// withdrawn, and no other Region's overlapping CIDR is routed), and a
/// finding says why: `held` (and which role to fix) for an account that
/// cannot be read, `skip` for a frozen one. The ledger entries recorded for
/// its VPCs are held by [`hold_unproven`]. The rest of the mesh goes on. An
/// attachment `deleting` or `deleted` holds nothing.
fn held_workloads(region: &Region, state: &RegionState, out: &mut RegionCidrs) {
    if state.unreadable.is_empty() && state.frozen.is_empty() {
        return;
    }
    let routes = state.route_table.as_ref().map(|t| t.routes.as_slice()).unwrap_or_default();
    for Unread { attachment: a, vpc, owner, why } in unread_attachments(state) {
        // Propagated, or static toward it: the VPC's space either way.
        let toward = routes.iter().filter(|r| r.target == RouteTarget::Attachment(a.id.clone()));
        out.held.extend(toward.map(|r| r.cidr));
        let subject = format!("VPC {vpc} (account {owner})");
        let finding = match why {
            None => Finding::at(
                FindingCode::AccountFrozen,
                region,
                subject,
                format!("attached to the managed transit gateway by {}; account {owner} is in FROZEN_ACCOUNT_IDS: its VPCs are not read and their last known routes are served as they are", a.id),
            ),
            Some(why) => Finding::at(
                FindingCode::AccountUnreadable,
                region,
                subject,
                format!("attached to the managed transit gateway by {}, but account {owner}'s VPCs cannot be read through WORKLOAD_ROLE_NAME: {why}; the routes recorded for its VPCs are neither written nor withdrawn until its VPCs can be read", a.id),
            ),
        };
        out.findings.push(finding);
    }
    out.waiting.extend(out.held.iter().copied());
}

/// A live VPC attachment of a workload account whose VPCs are not read.
pub(super) struct Unread<'a> {
    pub attachment: &'a TgwAttachment,
    pub vpc: VpcId,
    pub owner: &'a AccountId,
    /// Why the account could not be read; `None` for a frozen account
    /// (`FROZEN_ACCOUNT_IDS`), which is not read on purpose.
    pub why: Option<&'a str>,
}

/// The Region's live VPC attachments whose owner is in
/// [`RegionState::unreadable`] or [`RegionState::frozen`] (`deleting`,
/// `deleted`, `failed` or `rejected` ones left out: those VPCs left the
/// gateway).
pub(super) fn unread_attachments(state: &RegionState) -> impl Iterator<Item = Unread<'_>> {
    state.attachments.iter().filter(|a| !is_terminal(a)).filter_map(|a| {
        let (vpc, owner) = (a.vpc()?, a.owner.as_ref()?);
        let why = match state.unreadable.get(owner) {
            Some(why) => Some(why.as_str()),
            None if state.frozen.contains(owner) => None,
            None => return None,
        };
        Some(Unread { attachment: a, vpc, owner, why })
    })
}

/// While a Region has workload accounts whose VPCs are not read, a CIDR
/// recorded for that Region in another Region's ledger (this deployment's
/// lists only) is withdrawn only on proof: from a VPC that was read
/// (untagged, its block released, no attachment: `withdrawn`), or from its
/// entries, each naming its owner account in the fixed form the tool writes
/// ([`EntryOwner`]) an account that was read (its VPC is then gone: a
/// deleted VPC's routes are withdrawn). Every other recorded CIDR is held:
/// one of an account not read, and one whose entry names no owner (written
/// before the form, or by hand), since a description is no proof.
pub(super) fn hold_unproven(
    cidrs: &mut BTreeMap<Region, RegionCidrs>,
    regions: &BTreeMap<Region, RegionState>,
    ledgers: &BTreeMap<Region, Vec<&LedgerList>>,
) {
    for (region, state) in regions.iter() {
        let unread: BTreeSet<&AccountId> = state.unreadable.keys().chain(&state.frozen).collect();
        if unread.is_empty() {
            continue;
        }
        let proven = |description: &str| {
            EntryOwner::parse(description)
                .is_some_and(|owners| owners.iter().all(|o| !unread.contains(&o.account)))
        };
        let mut recorded: BTreeMap<Cidr, bool> = BTreeMap::new();
        for (cidr, description) in recorded_for(region, ledgers) {
            *recorded.entry(*cidr).or_insert(true) &= proven(description);
        }
        let Some(rc) = cidrs.get_mut(region) else {
            continue;
        };
        let unproven: Vec<Cidr> = recorded
            .into_iter()
            .filter(|(c, proven)| {
                !proven && !rc.tagged.contains_key(c) && !rc.withdrawn.contains_key(c)
            })
            .map(|(c, _)| c)
            .collect();
        rc.held.extend(unproven.iter().copied());
        rc.waiting.extend(unproven);
    }
}

/// The entries recorded for `region` in the other Regions' ledgers (this
/// deployment's lists only), with their descriptions.
fn recorded_for<'a>(
    region: &'a Region,
    ledgers: &'a BTreeMap<Region, Vec<&LedgerList>>,
) -> impl Iterator<Item = (&'a Cidr, &'a str)> {
    let lists = ledgers.iter().filter(move |(r, _)| *r != region).flat_map(|(_, l)| l.iter());
    lists
        .filter(move |l| &l.peer == region)
        .flat_map(|l| l.entries.iter().map(|(c, d)| (c, d.as_str())))
}

/// A Region whose gateway or route table is in transition waits: every
/// CIDR it advertises, withdraws or has recorded elsewhere is left as it is
/// in the other Regions' tables (neither written nor withdrawn) until it is
/// available. Its tagged CIDRs still count for overlaps.
pub(super) fn hold_in_transition(
    rc: &mut RegionCidrs,
    region: &Region,
    ledgers: &BTreeMap<Region, Vec<&LedgerList>>,
) {
    let recorded: Vec<Cidr> = recorded_for(region, ledgers).map(|(c, _)| *c).collect();
    rc.waiting.extend(recorded);
    rc.waiting.extend(rc.tagged.keys().copied());
    rc.waiting.extend(std::mem::take(&mut rc.withdrawn).into_keys());
}

/// Advertised CIDRs in conflict, with their Region: those that overlap an
/// advertised CIDR of another Region, those that two VPCs of one Region
/// hold (equal or nested), and those that overlap a held CIDR (a workload
/// account that could not be read: [`RegionCidrs::held`]) of another
/// Region, which stays where it is. Found with one sort and a sweep (CIDR
/// blocks nest or are disjoint, so the open blocks at any point form a
/// chain): O(n log n).
pub(super) fn overlapping(
    cidrs: &BTreeMap<Region, RegionCidrs>,
) -> (BTreeSet<(Region, Cidr)>, Vec<Finding>) {
    let mut all: Vec<(Cidr, &Region, Option<&VpcId>)> = cidrs
        .iter()
        .flat_map(|(r, rc)| {
            let tagged = rc
                .tagged
                .iter()
                .flat_map(move |(c, vpcs)| vpcs.iter().map(move |v| (*c, r, Some(v))));
            tagged.chain(rc.held.iter().map(move |c| (*c, r, None)))
        })
        .collect();
    // Network address first, then shorter prefix first: a block sorts before
    // the blocks it contains.
    all.sort();
    let mut stack: Vec<(Cidr, &Region, Option<&VpcId>)> = Vec::new();
    let mut conflicted = BTreeSet::new();
    let mut findings = Vec::new();
    for (cidr, region, vpc) in all {
        while stack.last().is_some_and(|(top, _, _)| !top.contains(&cidr)) {
            stack.pop();
        }
        for &(outer, outer_region, outer_vpc) in &stack {
            match (outer_vpc, vpc) {
                (Some(a), Some(b)) if a != b => {
                    conflicted.insert((outer_region.clone(), outer));
                    conflicted.insert((region.clone(), cidr));
                    findings.push(overlap_finding((&outer, outer_region, a), (&cidr, region, b)));
                }
                (Some(a), None) if outer_region != region => {
                    conflicted.insert((outer_region.clone(), outer));
                    findings.push(held_overlap((&outer, outer_region, a), (&cidr, region)));
                }
                (None, Some(b)) if outer_region != region => {
                    conflicted.insert((region.clone(), cidr));
                    findings.push(held_overlap((&cidr, region, b), (&outer, outer_region)));
                }
                _ => {}
            }
        }
        stack.push((cidr, region, vpc));
    }
    (conflicted, findings)
}

/// An advertised CIDR that overlaps a held one of another Region.
fn held_overlap(tagged: (&Cidr, &Region, &VpcId), held: (&Cidr, &Region)) -> Finding {
    Finding {
        code: FindingCode::OverlapWithHeld,
        region: None,
        subject: format!("{} ({}) and {} ({})", tagged.0, tagged.2, held.0, held.1),
        reason: format!(
            "{} overlaps a CIDR of {} whose routes are held (a workload account there cannot be read); no route is written for it",
            tagged.0, held.1
        ),
    }
}

fn overlap_finding(a: (&Cidr, &Region, &VpcId), b: (&Cidr, &Region, &VpcId)) -> Finding {
    if a.1 == b.1 {
        return Finding {
            code: FindingCode::OverlapInRegion,
            region: Some(a.1.clone()),
            subject: format!("{} ({}) and {} ({})", a.0, a.2, b.0, b.2),
            reason: "two tagged VPCs of the Region hold these CIDRs; the transit gateway reaches only one of them, so neither is advertised".to_owned(),
        };
    }
    Finding {
        code: FindingCode::OverlapBetweenRegions,
        region: None,
        subject: format!("{} ({}) and {} ({})", a.0, a.1, b.0, b.1),
        reason: "tagged CIDRs overlap between Regions; no route is written for either".to_owned(),
    }
}

pub(super) fn vpc_list(vpcs: &BTreeSet<VpcId>) -> String {
    vpcs.iter().map(VpcId::as_str).collect::<Vec<_>>().join(", ")
}

/// Every CIDR of a Region's VPCs (tagged or not, unless released), and its VPC.
pub(super) fn local_cidrs(state: &RegionState) -> BTreeMap<Cidr, &VpcId> {
    state
        .vpcs
        .iter()
        .flat_map(|v| {
            v.cidrs.iter().filter(|(_, s)| *s != CidrState::Gone).map(move |(c, _)| (*c, &v.id))
        })
        .collect()
}

/// A block of `space` that overlaps `cidr`, and its value: one that
/// contains it (among its supernets) or that it contains (the next block in
/// order). O(log n) per lookup, for up to 128 prefix lengths.
pub(super) fn overlapping_local<T: Copy>(
    space: &BTreeMap<Cidr, T>,
    cidr: &Cidr,
) -> Option<(Cidr, T)> {
    std::iter::once(*cidr)
        .chain(cidr.supernets())
        .find_map(|c| space.get(&c).map(|v| (c, *v)))
        .or_else(|| contained(space, cidr))
}

/// A block of `space` inside `cidr` (or equal to it), and its value.
pub(super) fn contained<T: Copy>(space: &BTreeMap<Cidr, T>, cidr: &Cidr) -> Option<(Cidr, T)> {
    space.range(cidr..).next().filter(|(c, _)| cidr.contains(c)).map(|(c, v)| (*c, *v))
}
