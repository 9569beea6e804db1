//! The attachment watcher: AWS sends no event when a peering attachment
//! changes state, so a re-check describes it on both sides, announces a
//! change, and schedules the next look while it is between states. It
//! never waits.

use super::publish::Acts;
use super::{AuditRecord, Decision, HandleReport, Watcher};
use crate::domain::{PeeringAttachment, PeeringPhase, PeeringState, Region};
use crate::error::Error;
use crate::events::outgoing::PeeringStuck;
use crate::events::{
    Incoming, OutEvent, PeeringSides, Recheck, StateChangeDetail, RECHECK_GIVE_UP_SECS,
    RECHECK_MAX_ATTEMPTS, RECHECK_UNLISTED_GRACE_SECS, UNLISTED,
};

/// The watcher's view of a peering: each side's own state (`None`: the
/// side does not list the attachment), requester first.
#[derive(Debug, Clone, PartialEq, Eq)]
struct View {
    requester: Option<PeeringState>,
    accepter: Option<PeeringState>,
}

impl View {
    fn of(recheck: &Recheck) -> View {
        View {
            requester: recheck.last_requester_state.clone(),
            accepter: recheck.last_accepter_state.clone(),
        }
    }

    /// The overall state: the accepter's when it lists the attachment.
    fn overall(&self) -> String {
        text(if self.accepter.is_some() { &self.accepter } else { &self.requester })
    }

    fn shown(&self) -> String {
        format!("requester {}, accepter {}", text(&self.requester), text(&self.accepter))
    }

    /// True when the watcher can stop: a side failed or went away, or both
    /// sides agree on a state that the tool acts on (`pendingAcceptance`:
    /// accept; `available`: routes). A side in a Region the tool does not
    /// read counts as agreeing.
    fn settled(&self, both_read: bool) -> bool {
        let sides = [&self.requester, &self.accepter];
        if sides.iter().flat_map(|s| s.as_ref()).any(|s| s.phase() != PeeringPhase::Live) {
            return true;
        }
        let actionable = |s: &PeeringState| {
            matches!(s, PeeringState::PendingAcceptance | PeeringState::Available)
        };
        match (&self.requester, &self.accepter) {
            (Some(a), Some(b)) => a == b && actionable(a),
            (Some(a), None) | (None, Some(a)) if !both_read => actionable(a),
            _ => false,
        }
    }
}

fn text(state: &Option<PeeringState>) -> String {
    state.as_ref().map_or_else(|| UNLISTED.to_owned(), ToString::to_string)
}

impl Watcher {
    /// One watcher re-check: describe the attachment on both sides, publish
    /// a state change if either moved, and schedule the next look while the
    /// peering is between states.
    ///
    /// # Errors
    /// A failed describe, a state change that cannot be published, or a
    /// next look that cannot be scheduled: the re-check is then retried
    /// (it is safe to repeat).
    pub(super) async fn recheck(
        &self,
        inc: &Incoming,
        recheck: &Recheck,
        acts: &dyn Acts,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        if let Some(why) = self.guards.redundant(recheck) {
            let record = AuditRecord::new(
                &inc.id,
                Decision::Skip,
                "redundant_recheck",
                format!("peering {}", recheck.attachment_id),
                why,
            );
            report.record(record.in_region(Some(&recheck.region)));
            return Ok(());
        }
        let elapsed = (self.clock)().saturating_sub(recheck.chain.started_at).max(0);
        let attempt = recheck.chain.attempt.saturating_add(1);
        let found = self
            .reads
            .reads(&recheck.region)?
            .peering_attachments()
            .await?
            .into_iter()
            .find(|p| p.id == recheck.attachment_id);
        let Some(peering) = found else {
            return self.unlisted(inc, recheck, elapsed, attempt, report).await;
        };
        let (view, both_read) = self.describe_both(recheck, &peering).await?;
        let last = View::of(recheck);
        if view != last {
            self.announce(inc, recheck, &peering, (&last, &view), acts, report).await?;
        } else {
            report.record(watch(
                inc,
                recheck,
                Decision::Recheck,
                format!("unchanged ({})", view.shown()),
            ));
        }
        if view.settled(both_read) {
            let reason =
                format!("{} needs no further watching; the re-check chain ends", view.overall());
            report.record(watch(inc, recheck, Decision::Recheck, reason));
            self.guards.chain_ends(&recheck.attachment_id);
            return Ok(());
        }
        if elapsed >= RECHECK_GIVE_UP_SECS || attempt >= RECHECK_MAX_ATTEMPTS {
            self.give_up(inc, recheck, &view, elapsed, report).await;
            self.guards.chain_ends(&recheck.attachment_id);
            return Ok(());
        }
        let next = Recheck {
            last_requester_state: view.requester,
            last_accepter_state: view.accepter,
            chain: recheck.chain.next(),
            ..recheck.clone()
        };
        // If the next look cannot be scheduled, this one fails and comes
        // back: a re-check is safe to repeat.
        self.schedule_next(inc, next, report).await
    }

    /// The next look of a chain, and the chain noted as going on.
    async fn schedule_next(
        &self,
        inc: &Incoming,
        next: Recheck,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let noted = next.clone();
        self.schedule(inc, next, report).await?;
        self.guards.chain_goes_on(&noted, (self.clock)());
        Ok(())
    }

    /// Neither side lists the attachment: describe calls are eventually
    /// consistent, so a new one is looked for again for a while.
    async fn unlisted(
        &self,
        inc: &Incoming,
        recheck: &Recheck,
        elapsed: i64,
        attempt: u32,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        if elapsed < RECHECK_UNLISTED_GRACE_SECS && attempt < RECHECK_MAX_ATTEMPTS {
            let reason = format!("not listed in {} yet", recheck.region);
            report.record(watch(inc, recheck, Decision::Recheck, reason));
            let next = Recheck { chain: recheck.chain.next(), ..recheck.clone() };
            return self.schedule_next(inc, next, report).await;
        }
        let reason = "the attachment is no longer listed; the re-check chain ends";
        report.record(watch(inc, recheck, Decision::Skip, reason.into()));
        self.guards.chain_ends(&recheck.attachment_id);
        Ok(())
    }

    /// Each side's own view (AWS moves them at different moments), and
    /// whether both sides were read (the other may be an unmanaged Region).
    async fn describe_both(
        &self,
        recheck: &Recheck,
        peering: &PeeringAttachment,
    ) -> Result<(View, bool), Error> {
        let home_is_requester = peering.requester.region == recheck.region;
        let other: &Region =
            if home_is_requester { &peering.accepter.region } else { &peering.requester.region };
        let home = peering.states.get(&recheck.region).cloned();
        let both_read = self.config.regions.contains(other);
        let there = if both_read {
            self.reads
                .reads(other)?
                .peering_attachments()
                .await?
                .into_iter()
                .find(|p| p.id == peering.id)
                .and_then(|p| p.states.get(other).cloned())
        } else {
            None
        };
        let (requester, accepter) = if home_is_requester { (home, there) } else { (there, home) };
        Ok((View { requester, accepter }, both_read))
    }

    /// A state change, announced (see [`Acts::announce`]).
    ///
    /// # Errors
    /// The bus's: the state change must not be lost, so the re-check
    /// fails and its message is delivered again.
    async fn announce(
        &self,
        inc: &Incoming,
        recheck: &Recheck,
        peering: &PeeringAttachment,
        (last, view): (&View, &View),
        acts: &dyn Acts,
        report: &mut HandleReport,
    ) -> Result<(), Error> {
        let reason =
            format!("state changed: {} -> {} ({})", last.overall(), view.overall(), view.shown());
        report.record(watch(inc, recheck, Decision::Recheck, reason));
        let change = OutEvent::StateChange(StateChangeDetail {
            attachment_id: peering.id.clone(),
            sides: PeeringSides::of(&peering.requester, &peering.accepter),
            previous_state: last.overall(),
            state: view.overall(),
            requester_state: Some(text(&view.requester)),
            accepter_state: Some(text(&view.accepter)),
            event_id: Some(recheck.chain.origin_event_id.clone()),
        });
        acts.announce(inc, change, report).await
    }

    /// The chain is over its time or count: `Peering Stuck`, and it ends.
    async fn give_up(
        &self,
        inc: &Incoming,
        recheck: &Recheck,
        view: &View,
        elapsed: i64,
        report: &mut HandleReport,
    ) {
        let reason = format!(
            "still {} after {elapsed}s and {} re-checks; giving up (Peering Stuck)",
            view.shown(),
            recheck.chain.attempt
        );
        report.record(watch(inc, recheck, Decision::Stuck, reason));
        let stuck = OutEvent::PeeringStuck(PeeringStuck {
            event_id: recheck.chain.origin_event_id.clone(),
            attachment_id: recheck.attachment_id.clone(),
            region: recheck.region.clone(),
            state: view.overall(),
            requester_state: text(&view.requester),
            accepter_state: text(&view.accepter),
            seconds: elapsed,
        });
        self.publish(inc, vec![stuck], report).await;
    }
}

/// An audit record of the watcher about the re-check's attachment.
fn watch(inc: &Incoming, recheck: &Recheck, decision: Decision, reason: String) -> AuditRecord {
    let subject = format!("peering {}", recheck.attachment_id);
    AuditRecord::new(&inc.id, decision, "recheck", subject, reason).in_region(Some(&recheck.region))
}
