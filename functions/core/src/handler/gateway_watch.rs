//! Coming back when a transit gateway is in transition: a Region whose
//! managed gateway is `pending` or `modifying` (`ModifyTransitGateway`), or
//! whose route table is `pending`, is a wait, not an error. The reconcile
//! writes nothing there (the other Regions go on), and the Region is
//! watched until both are `available`: a chain of re-checks on the
//! watcher's delay queue (every 10 s for a minute, then every 30 s), one
//! chain per Region in this process; each reads the Region's gateways and
//! the gateway's route tables (2 reads) and, once both are available,
//! publishes `Transit Gateway Ready`, which reaches the reconcile queue
//! through the state-change rule. A chain gives up after 30 minutes with an
//! audit line (the hourly sweep comes back). Without a re-check queue (the
//! CLI, whose `apply` polls by itself), the wait is audited, not an error.

use std::collections::BTreeSet;

use super::look::Look;
use super::publish::Acts;
use super::{AuditRecord, Decision, HandleReport, Handler, Watcher};
use crate::domain::{Region, TgwState};
use crate::error::Error;
use crate::events::outgoing::GatewayReady;
use crate::events::{
    Chain, GatewayRecheck, Incoming, OutEvent, GATEWAY_RECHECK_GIVE_UP_SECS,
    GATEWAY_RECHECK_MAX_ATTEMPTS,
};
use crate::observed::Observed;

impl Handler {
    /// After a reconcile: watches every Region in transition that no chain
    /// of this process watches yet. A claim ends when its Region is no
    /// longer in transition, when its chain announced `Transit Gateway
    /// Ready` (`ended`), or when the chain's give-up time has passed.
    pub(super) async fn watch_transitions(
        &self,
        inc: &Incoming,
        observed: &Observed,
        ended: &BTreeSet<Region>,
        report: &mut HandleReport,
    ) {
        let now = (self.clock)();
        let waits: Vec<(GatewayRecheck, String)> = observed
            .regions
            .iter()
            .filter_map(|(region, state)| {
                let gw = state.gateway(region, &self.config).ok()?;
                let why = gw.transition?;
                let recheck = GatewayRecheck {
                    region: region.clone(),
                    transit_gateway_id: gw.transit_gateway_id,
                    route_table_id: gw.route_table_id,
                    chain: Chain::start(now, &inc.id),
                };
                Some((recheck, why))
            })
            .collect();
        let new = self.guards.claim_watches(waits, ended, now);
        for (recheck, why) in new {
            self.schedule_gateway(inc, recheck, &why, report).await;
        }
    }
}

impl Watcher {
    /// Sends the next look of a chain; a failure to send, or no queue, is
    /// audited (the sweep comes back for the Region).
    pub(super) async fn schedule_gateway(
        &self,
        inc: &Incoming,
        recheck: GatewayRecheck,
        reason: &str,
        report: &mut HandleReport,
    ) {
        let delay = GatewayRecheck::delay_secs(recheck.chain.attempt);
        let subject = format!("transit gateway {}", recheck.transit_gateway_id);
        let (decision, why) = match &self.queue {
            None => (
                Decision::Waiting,
                format!("{reason}; no RECHECK_QUEUE_URL: the next event or the scheduled reconcile comes back"),
            ),
            Some(queue) => match queue.send_gateway(&recheck, delay).await {
                Ok(()) => (Decision::Recheck, format!("{reason}; looked at again in {delay}s")),
                Err(e) => (Decision::Error, format!("{reason}; the re-check cannot be sent: {e}")),
            },
        };
        let record = AuditRecord::new(&inc.id, decision, "schedule_gateway_recheck", subject, why);
        report.record(record.in_region(Some(&recheck.region)));
    }

    /// One look at a Region in transition: `Transit Gateway Ready` once its
    /// gateway and route table are `available`, else the next look, until
    /// the chain gives up or either is gone.
    ///
    /// # Errors
    /// A failed read, or a `Transit Gateway Ready` that cannot be
    /// published: the re-check is then retried (it is safe to repeat).
    pub(super) async fn gateway_recheck(
        &self,
        inc: &Incoming,
        recheck: &GatewayRecheck,
        acts: &dyn Acts,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let ec2 = self.reads.reads(&recheck.region)?;
        let now = (self.clock)();
        let (gateways, tables) = futures::try_join!(
            ec2.transit_gateways(),
            ec2.route_tables(&recheck.transit_gateway_id)
        )?;
        let gateway =
            gateways.iter().find(|g| g.id == recheck.transit_gateway_id).map(|g| &g.state);
        let table = tables.iter().find(|t| t.id == recheck.route_table_id).map(|t| &t.state);
        let subject = format!("transit gateway {}", recheck.transit_gateway_id);
        let record = |decision, kind: &str, reason: String| {
            AuditRecord::new(&inc.id, decision, kind, subject.clone(), reason)
                .in_region(Some(&recheck.region))
        };
        let waiting = match (gateway, table) {
            (Some(TgwState::Available), Some(TgwState::Available)) => None,
            (Some(g), Some(t)) if !g.is_gone() && !t.is_gone() => Some(format!(
                "the gateway is {g} and route table {} is {t}",
                recheck.route_table_id
            )),
            _ => {
                let reason = format!(
                    "the gateway or route table {} is gone; the watch ends (the reconcile says what to configure)",
                    recheck.route_table_id
                );
                report.record(record(Decision::Warning, "gateway_wait_given_up", reason));
                return Ok(());
            }
        };
        let chain = &recheck.chain;
        let look = Look {
            kind: "gateway",
            subject,
            region: &recheck.region,
            ready: "available",
            elapsed: chain.elapsed(now),
            over: chain.over(now, GATEWAY_RECHECK_GIVE_UP_SECS, GATEWAY_RECHECK_MAX_ATTEMPTS),
        };
        let ready = |reason| gateway_ready(recheck, reason);
        if let Some(why) = self.end_look(inc, look, waiting, ready, acts, report).await? {
            let next = GatewayRecheck { chain: chain.next(), ..recheck.clone() };
            self.schedule_gateway(inc, next, &why, report).await;
        }
        Ok(())
    }
}

/// `Transit Gateway Ready` for the Region `recheck` watched.
fn gateway_ready(recheck: &GatewayRecheck, reason: String) -> OutEvent {
    OutEvent::GatewayReady(GatewayReady {
        region: recheck.region.clone(),
        transit_gateway_id: recheck.transit_gateway_id.clone(),
        route_table_id: recheck.route_table_id.clone(),
        reason,
        event_id: recheck.chain.origin_event_id.clone(),
    })
}
