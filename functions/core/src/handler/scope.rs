//! Which events are the tool's to handle: those of managed Regions, each
//! from the account that owns the Region's transit gateway, and, with
//! `WORKLOAD_ROLE_NAME`, the VPC events of workload accounts about the VPCs
//! they attached to a managed transit gateway.

use super::Watcher;
use std::collections::BTreeMap;

use crate::domain::{AccountId, Region, TgwAttachment, TransitGatewayId, VpcId};
use crate::error::Error;
use crate::events::{Incoming, Trigger};
use crate::observed::choose_gateway;

/// The managed gateway of each Region and its attachments, as read for the
/// workload events of one payload (a batch of events costs one read of
/// each Region, not one per event); `Err` holds why no gateway could be
/// selected.
pub(super) type ScopeReads =
    BTreeMap<Region, Result<(TransitGatewayId, Vec<TgwAttachment>), String>>;

/// Where an event stands.
pub(super) enum Scope {
    /// The tool's to handle.
    In,
    /// Dropped, for this reason.
    Out(String),
    /// From another account about a VPC: the tool's only when that VPC is
    /// attached to the Region's managed gateway by that account
    /// ([`Handler::workload_scope`]).
    Workload { account: AccountId, region: Region, vpc: VpcId, expected: String },
}

impl Watcher {
    /// Where `inc` stands.
    ///
    /// An event of a Region whose clients assume a role must come from that
    /// role's account; the tool's own events, events of no Region (the
    /// schedule) and those of the other Regions from the hub's. With
    /// `WORKLOAD_ROLE_NAME`, a VPC event from another account may be a
    /// workload account's ([`Scope::Workload`]).
    ///
    /// # Errors
    /// The hub's account could not be learned ([`crate::ports::Identity`]).
    pub(super) async fn out_of_scope(&self, inc: &Incoming) -> Result<Scope, Error> {
        for region in inc.region.iter().chain(&inc.peer_region) {
            if !self.config.regions.contains(region) {
                return Ok(Scope::Out(format!("{region} is not a managed Region")));
            }
        }
        let Some(account) = &inc.account else {
            return Ok(Scope::In);
        };
        let role = match (&inc.region, inc.from_tool) {
            (Some(region), false) => {
                self.config.account_role_arns.get(region).map(|role| (region, role))
            }
            _ => None,
        };
        let expected = match role {
            Some((region, role)) => {
                let expected = role.account();
                if account == expected {
                    return Ok(Scope::In);
                }
                format!(
                    "account {account} is not {expected}, the account of {region}'s role {role} (ACCOUNT_ROLE_ARNS)"
                )
            }
            None => {
                let own = self.account.get_or_try_init(|| self.identity.account()).await?;
                if account == own {
                    return Ok(Scope::In);
                }
                let whose = match (&inc.region, inc.from_tool) {
                    (Some(region), false) => format!(
                        "{region} has no role in ACCOUNT_ROLE_ARNS, so its events come from"
                    ),
                    _ => "the tool's own and scheduled events come from".to_owned(),
                };
                format!("account {account} is not {own}: {whose} the hub's account {own}")
            }
        };
        Ok(self.workload_candidate(inc, account).map_or(Scope::Out(expected.clone()), |(r, v)| {
            Scope::Workload { account: account.clone(), region: r, vpc: v, expected }
        }))
    }

    /// The Region and VPC of an event that may be a workload account's:
    /// with `WORKLOAD_ROLE_NAME` set, a VPC event (not the tool's own) that
    /// names its Region and VPC, from an account not in
    /// `EXCLUDED_ACCOUNT_IDS` nor in `FROZEN_ACCOUNT_IDS` (its VPCs are not
    /// read: its events have nothing to start).
    fn workload_candidate(&self, inc: &Incoming, account: &AccountId) -> Option<(Region, VpcId)> {
        if !self.config.serves_workload(account) || self.config.is_frozen(account) {
            return None;
        }
        match (&inc.trigger, &inc.region, inc.from_tool) {
            (Trigger::Vpc { vpc_id: Some(vpc), .. }, Some(region), false) => {
                Some((region.clone(), vpc.clone()))
            }
            _ => None,
        }
    }

    /// Why a workload account's VPC event is not the tool's, if it is not:
    /// the event is accepted only when `vpc` is attached to `region`'s
    /// managed transit gateway and that attachment's `ResourceOwnerId`
    /// (the `VpcOwnerId` of `DescribeTransitGatewayVpcAttachments`) is the
    /// event's account. Reads the Region's gateways and the managed
    /// gateway's attachments once per payload (`reads`; the account is
    /// asked once per process).
    ///
    /// # Errors
    /// A read that fails: the event is retried.
    pub(super) async fn workload_scope(
        &self,
        account: &AccountId,
        region: &Region,
        vpc: &VpcId,
        reads: &mut ScopeReads,
    ) -> Result<Option<String>, Error> {
        if !reads.contains_key(region) {
            let read = self.managed_attachments(region).await?;
            reads.insert(region.clone(), read);
        }
        let (tgw, attachments) = match &reads[region] {
            Ok(read) => read,
            Err(e) => return Ok(Some(format!("account {account}'s {vpc}: {e}"))),
        };
        let attached = attachments
            .iter()
            .any(|a| a.vpc().as_ref() == Some(vpc) && a.owner.as_ref() == Some(account));
        Ok((!attached).then(|| {
            format!(
                "account {account} is no workload account of {vpc}: no attachment of {tgw} has VPC {vpc} owned by {account}"
            )
        }))
    }

    /// The managed gateway of `region` and its attachments; `Err(why)`
    /// inside when no gateway can be selected.
    ///
    /// # Errors
    /// A read that fails.
    async fn managed_attachments(
        &self,
        region: &Region,
    ) -> Result<Result<(TransitGatewayId, Vec<TgwAttachment>), String>, Error> {
        let ec2 = self.reads.reads(region)?;
        let (gateways, own) = futures::try_join!(ec2.transit_gateways(), ec2.account())?;
        let tgw = match choose_gateway(region, &gateways, Some(&own), &self.config) {
            Ok(gw) => gw.id.clone(),
            Err(e) => return Ok(Err(e.to_string())),
        };
        let attachments = ec2.attachments(&tgw).await?;
        Ok(Ok((tgw, attachments)))
    }
}
