//! What the Regions' VPCs ask for: the desired state, before any route
//! table is looked at.
//!
//! - [`region_cidrs`]: per Region, the CIDRs of tagged VPCs (routes wanted
//!   in the other Regions) and those of untagged VPCs or released blocks
//!   (routes the tool withdraws);
//! - [`overlapping`]: tagged CIDRs that overlap between Regions (no route
//!   for either);
//! - [`local_cidrs`] and [`overlapping_local`]: a Region's own address
//!   space, which a remote CIDR must not overlap.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::{Cidr, CidrState, Region, VpcId};
use crate::observed::RegionState;

use super::{Finding, FindingKind};

/// The CIDRs of one Region's VPCs, split by what they ask for.
#[derive(Default)]
pub(super) struct RegionCidrs {
    /// Associated CIDRs of tagged VPCs: routes wanted elsewhere.
    pub tagged: BTreeMap<Cidr, BTreeSet<VpcId>>,
    /// CIDRs of VPCs not tagged (or no longer associated): routes to them,
    /// toward a managed peering, are the tool's to withdraw.
    pub withdrawn: BTreeMap<Cidr, (VpcId, &'static str)>,
}

pub(super) fn region_cidrs(state: &RegionState, tag_key: &str) -> RegionCidrs {
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
pub(super) fn overlapping(
    cidrs: &BTreeMap<Region, RegionCidrs>,
) -> (BTreeSet<(Region, Cidr)>, Vec<Finding>) {
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

pub(super) fn vpc_list(vpcs: &BTreeSet<VpcId>) -> String {
    vpcs.iter()
        .map(VpcId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every CIDR of a Region's VPCs (tagged or not, unless released), and its VPC.
pub(super) fn local_cidrs(state: &RegionState) -> BTreeMap<Cidr, &VpcId> {
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
pub(super) fn overlapping_local<'a>(
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
