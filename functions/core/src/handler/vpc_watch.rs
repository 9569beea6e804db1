//! Coming back when AWS lags: a VPC a reconcile had to wait on is watched
//! until it is ready, then a `VPC Ready` event brings the next reconcile.
//!
//! An event can run ahead of the state EC2's reads show: a tag event whose
//! tag `DescribeVpcs` does not show yet (EC2's reads are eventually
//! consistent), a VPC tagged while its attachment to the transit gateway is
//! still `pending`, a block still `associating` ([`vpc_wait`] says which).
//! Left alone, such a VPC's routes would wait for the next event or the
//! hourly sweep. After each reconcile, every VPC that waits gets a chain of
//! re-checks on the watcher's delay queue (every 5 s for a minute, then
//! backing off), one chain per VPC in this process; each re-check reads the
//! VPC and its attachments (2 reads) and, once nothing is waited for,
//! publishes `VPC Ready`, which reaches the reconcile queue through the
//! state-change rule. A chain gives up after 10 minutes with an audit line.
//! Without a re-check queue (the CLI), the reconcile answers with a
//! retryable failure instead, so that the caller comes back.

use std::collections::{BTreeMap, BTreeSet};

use super::look::Look;
use super::publish::Acts;
use super::{AuditRecord, Decision, HandleReport, Handler, Watcher};
use crate::domain::{Region, VpcId};
use crate::error::Error;
use crate::events::outgoing::VpcReady;
use crate::events::{
    Chain, Incoming, OutEvent, VpcRecheck, VPC_RECHECK_GIVE_UP_SECS, VPC_RECHECK_MAX_ATTEMPTS,
};
use crate::observed::Observed;
use crate::planner::vpc_wait;
use crate::ports::workload_vpcs;

/// What the events of a reconcile announced about VPCs.
#[derive(Debug, Default)]
pub(super) struct Announced {
    /// The tag state each event announced, by VPC (and its Region).
    pub(super) tags: BTreeMap<VpcId, (Region, bool)>,
    /// The VPCs whose watch announced `VPC Ready`: that chain has ended.
    pub(super) ready: BTreeSet<VpcId>,
    /// The Regions whose gateway watch announced `Transit Gateway Ready`:
    /// that chain has ended.
    pub(super) gateways: BTreeSet<Region>,
}

impl Handler {
    /// After a reconcile: watches every VPC that waits.
    ///
    /// # Errors
    /// [`Error::Deferred`] (retryable) when a VPC waits and no re-check
    /// queue is configured.
    pub(super) async fn watch_waiting_vpcs(
        &self,
        inc: &Incoming,
        observed: &Observed,
        announced: &Announced,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let waits = self.waiting_vpcs(observed, &announced.tags);
        let new = self.guards.claim_watches(waits.clone(), &announced.ready, (self.clock)());
        let Some(first) = waits.first() else {
            return Ok(());
        };
        if self.queue.is_none() {
            return Err(Error::Deferred {
                reason: format!(
                    "{} VPC(s) wait ({}: {}); without RECHECK_QUEUE_URL nothing comes back for them: try again shortly",
                    waits.len(),
                    first.0.vpc_id,
                    first.1
                ),
            });
        }
        for (recheck, reason) in new {
            self.schedule_vpc(inc, recheck, &reason, report).await;
        }
        Ok(())
    }

    /// Every VPC that waits, with why: the listed ones, and the ones an
    /// event announced as tagged that no Region lists yet.
    fn waiting_vpcs(
        &self,
        observed: &Observed,
        announced: &BTreeMap<VpcId, (Region, bool)>,
    ) -> Vec<(VpcRecheck, String)> {
        let tag_key = &self.config.tag_key;
        let now = (self.clock)();
        let mut out = Vec::new();
        for (region, state) in &observed.regions {
            let Ok(gateway) = state.gateway(region, &self.config) else {
                continue;
            };
            let wanted = |vpc_id: &VpcId| {
                announced.get(vpc_id).filter(|(r, _)| r == region).map(|(_, tagged)| *tagged)
            };
            let listed = state.vpcs.iter().map(|v| (Some(v), v.id.clone()));
            let unlisted = announced
                .iter()
                .filter(|(id, (r, _))| r == region && !state.vpcs.iter().any(|v| &v.id == *id))
                .map(|(id, _)| (None, id.clone()));
            for (vpc, vpc_id) in listed.chain(unlisted) {
                let tagged = wanted(&vpc_id);
                if let Some(reason) = vpc_wait(vpc, &vpc_id, &state.attachments, tagged, tag_key) {
                    let recheck = VpcRecheck {
                        vpc_id,
                        region: region.clone(),
                        transit_gateway_id: gateway.transit_gateway_id.clone(),
                        tagged,
                        chain: Chain::start(now, ""),
                    };
                    out.push((recheck, reason));
                }
            }
        }
        out
    }
}

impl Watcher {
    /// Sends the next look of a chain; a failure to send is audited (the
    /// sweep comes back for the VPC).
    pub(super) async fn schedule_vpc(
        &self,
        inc: &Incoming,
        mut recheck: VpcRecheck,
        reason: &str,
        report: &mut HandleReport,
    ) {
        if recheck.chain.origin_event_id.is_empty() {
            recheck.chain.origin_event_id = inc.id.clone();
        }
        let Some(queue) = &self.queue else {
            return;
        };
        let delay = VpcRecheck::delay_secs(recheck.chain.attempt);
        let subject = recheck.vpc_id.to_string();
        let (decision, why) = match queue.send_vpc(&recheck, delay).await {
            Ok(()) => (Decision::Recheck, format!("{reason}; looked at again in {delay}s")),
            Err(e) => (Decision::Error, format!("{reason}; the re-check cannot be sent: {e}")),
        };
        let record = AuditRecord::new(&inc.id, decision, "schedule_vpc_recheck", subject, why);
        report.record(record.in_region(Some(&recheck.region)));
        if decision == Decision::Recheck {
            report.vpc_rechecks.push((recheck, delay));
        }
    }

    /// One look at a VPC a reconcile waited on: `VPC Ready` when nothing is
    /// waited for any more, else the next look, until the chain gives up.
    ///
    /// # Errors
    /// A failed read, or a `VPC Ready` that cannot be published: the
    /// re-check is then retried (it is safe to repeat).
    pub(super) async fn vpc_recheck(
        &self,
        inc: &Incoming,
        recheck: &VpcRecheck,
        acts: &dyn Acts,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let now = (self.clock)();
        let chain = &recheck.chain;
        let over = chain.over(now, VPC_RECHECK_GIVE_UP_SECS, VPC_RECHECK_MAX_ATTEMPTS);
        let ec2 = self.reads.reads(&recheck.region)?;
        let attachments = ec2.attachments(&recheck.transit_gateway_id).await?;
        let vpcs = match self.vpcs_of_owner(ec2.as_ref(), &recheck.vpc_id, &attachments).await? {
            Ok(vpcs) => vpcs,
            // Retried, until the chain is over.
            Err(e) if e.is_retryable() && !over => return Err(e),
            Err(e) => {
                // A workload account that cannot be read: the reconcile
                // holds its routes and says so; looking again would only
                // fail again until someone fixes the role.
                let reason = format!("its owner's VPCs cannot be read ({e}); the watch ends");
                let record = AuditRecord::new(
                    &inc.id,
                    Decision::Warning,
                    "vpc_wait_given_up",
                    recheck.vpc_id.to_string(),
                    reason,
                );
                report.record(record.in_region(Some(&recheck.region)));
                return Ok(());
            }
        };
        let vpc = vpcs.iter().find(|v| v.id == recheck.vpc_id);
        let tag_key = &self.config.tag_key;
        let waiting = vpc_wait(vpc, &recheck.vpc_id, &attachments, recheck.tagged, tag_key);
        let subject = recheck.vpc_id.to_string();
        let region = &recheck.region;
        let ready = "nothing waited for";
        let look = Look { kind: "vpc", subject, region, ready, elapsed: chain.elapsed(now), over };
        let ready = |reason| vpc_ready(recheck, reason);
        if let Some(why) = self.end_look(inc, look, waiting, ready, acts, report).await? {
            let next = VpcRecheck { chain: chain.next(), ..recheck.clone() };
            self.schedule_vpc(inc, next, &why, report).await;
        }
        Ok(())
    }

    /// The VPCs of the account that owns `vpc`: a workload account's
    /// through its `WORKLOAD_ROLE_NAME` role when `vpc` is attached by
    /// another account than the Region's (and the role is configured),
    /// else the Region's own.
    ///
    /// The inner error is the workload account's read failing (its role
    /// cannot be assumed, say).
    ///
    /// # Errors
    /// A read of the Region's own account that fails.
    async fn vpcs_of_owner(
        &self,
        ec2: &dyn crate::ports::Ec2Reads,
        vpc: &crate::domain::VpcId,
        attachments: &[crate::domain::TgwAttachment],
    ) -> Result<Result<Vec<crate::domain::Vpc>, Error>, Error> {
        let owner = attachments
            .iter()
            .find(|a| a.vpc().as_ref() == Some(vpc))
            .and_then(|a| a.owner.clone());
        if let Some(owner) = owner.filter(|o| self.config.serves_workload(o)) {
            if owner != ec2.account().await? {
                return Ok(workload_vpcs(self.reads.as_ref(), ec2.region(), &owner).await);
            }
        }
        ec2.vpcs().await.map(Ok)
    }
}

/// `VPC Ready` for the VPC `recheck` watched.
fn vpc_ready(recheck: &VpcRecheck, reason: String) -> OutEvent {
    OutEvent::VpcReady(VpcReady {
        vpc_id: recheck.vpc_id.clone(),
        region: recheck.region.clone(),
        reason,
        tagged: recheck.tagged,
        event_id: recheck.chain.origin_event_id.clone(),
    })
}
