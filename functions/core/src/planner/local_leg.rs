//! The local leg of every VPC: its attachment to the Region's managed
//! transit gateway, and a route in the managed table toward that
//! attachment. Without the route, traffic that arrives over a peering for
//! an advertised CIDR cannot reach the VPC: a warning.

use std::collections::BTreeMap;

use crate::domain::{AttachmentId, Cidr, Region, RouteTarget};
use crate::observed::RegionState;

use super::desired::{unread_attachments, vpc_attachments, RegionCidrs, Unread};
use super::{Finding, FindingCode, Plan, VpcReport};

/// A report per VPC of the Region, and a warning per advertised CIDR that
/// the managed table does not route to its VPC's attachment.
pub(super) fn plan_local_leg(
    region: &Region,
    state: &RegionState,
    cidrs: &RegionCidrs,
    tag_key: &str,
    out: &mut Plan,
) {
    let Some(table) = &state.route_table else {
        return;
    };
    // The CIDRs the table routes toward each attachment.
    let mut routed: BTreeMap<&AttachmentId, Vec<Cidr>> = BTreeMap::new();
    for r in &table.routes {
        if let RouteTarget::Attachment(id) = &r.target {
            routed.entry(id).or_default().push(r.cidr);
        }
    }
    let by_vpc = vpc_attachments(state);
    let mut advertised_by: BTreeMap<&crate::domain::VpcId, Vec<Cidr>> = BTreeMap::new();
    for (c, vpcs) in &cidrs.tagged {
        for v in vpcs {
            advertised_by.entry(v).or_default().push(*c);
        }
    }
    for vpc in &state.vpcs {
        let attachment = by_vpc
            .get(&vpc.id)
            .and_then(|all| all.iter().copied().max_by_key(|a| a.is_available()));
        let advertised: Vec<Cidr> = advertised_by.get(&vpc.id).cloned().unwrap_or_default();
        let unreachable: Vec<Cidr> = advertised
            .iter()
            .filter(|c| {
                attachment
                    .and_then(|a| routed.get(&a.id))
                    .is_none_or(|rs| !rs.iter().any(|r| r.contains(c)))
            })
            .copied()
            .collect();
        if let (Some(a), false) = (attachment, unreachable.is_empty()) {
            out.findings.push(Finding {
                code: FindingCode::NoLocalRoute,
                region: Some(region.clone()),
                subject: format!("VPC {}", vpc.id),
                reason: format!(
                    "traffic arriving over the peering cannot reach {}: {} has no route in {} toward its attachment {} (enable its propagation or add a static route)",
                    vpc.id,
                    unreachable.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                    table.id,
                    a.id
                ),
            });
        }
        let tagged = vpc.is_tagged(tag_key);
        out.vpcs.push(VpcReport {
            region: region.clone(),
            vpc_id: vpc.id.clone(),
            owner: vpc.owner.clone(),
            tagged: Some(tagged),
            attachment: attachment.map(|a| (a.id.clone(), a.state.clone())),
            local_route: !advertised.is_empty() && unreachable.is_empty(),
            advertised: !advertised.is_empty(),
            note: note(tagged, attachment.is_some(), &advertised, cidrs, &vpc.id),
            segment: None,
        });
    }
    unread_vpcs(region, state, out);
}

/// A report per attached VPC of a workload account that is not read
/// (its routes are held: see `desired::held_workloads`).
fn unread_vpcs(region: &Region, state: &RegionState, out: &mut Plan) {
    for Unread { attachment: a, vpc, owner, why } in unread_attachments(state) {
        out.vpcs.push(VpcReport {
            region: region.clone(),
            vpc_id: vpc,
            owner: Some(owner.clone()),
            tagged: None,
            attachment: Some((a.id.clone(), a.state.clone())),
            local_route: false,
            advertised: false,
            note: match why {
                Some(why) => format!(
                    "not read (tag unknown): account {owner}'s VPCs cannot be read ({why}); its routes are held"
                ),
                None => format!(
                    "not read (tag unknown): account {owner} is in FROZEN_ACCOUNT_IDS; its last known routes are served"
                ),
            },
            segment: None,
        });
    }
}

/// Why a VPC is or is not advertised, in a few words.
fn note(
    tagged: bool,
    attached: bool,
    advertised: &[Cidr],
    cidrs: &RegionCidrs,
    vpc: &crate::domain::VpcId,
) -> String {
    let conflicted = cidrs.withdrawn.values().any(|(v, _)| v == vpc);
    match (tagged, attached, advertised.is_empty()) {
        (false, _, _) => "not tagged".to_owned(),
        (true, false, _) => "tagged, but not attached to the managed transit gateway".to_owned(),
        (true, true, true) if conflicted => {
            "tagged, but its attachment is not available".to_owned()
        }
        (true, true, true) => "tagged, but no CIDR is associated yet".to_owned(),
        (true, true, false) => format!(
            "advertised: {}",
            advertised.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}
