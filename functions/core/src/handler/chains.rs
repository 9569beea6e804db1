//! One live re-check chain per peering attachment.
//!
//! A chain is started by a create or an accept of the tool (a new
//! transition), and by the sweep or a CloudTrail peering call for a peering
//! between states that may have none. Without care, chains multiply: the
//! hourly sweep restarts one beside a live chain, SQS delivers a message at
//! least once (a standard queue may deliver it twice, and each copy would
//! fork the chain). Two guards, each in its own process:
//! - the reconciler starts a chain on the sweep only for an attachment no
//!   chain of its own watches (a claim, released when a plan shows the
//!   peering settled, or after the watcher's give-up time);
//! - the watcher drops a re-check that repeats a look already made (same
//!   chain, an attempt already done) or that belongs to a chain older than
//!   the newest it has seen for the attachment. The newest chain always goes
//!   on, so no attachment is ever left without a chain; two watcher
//!   environments (the event source mapping allows two) may briefly each
//!   follow one, until one of them sees the newer.
//!
//! A retried re-check (one that failed) is not a repeat: a chain is noted
//! only once its next look is scheduled. Entries not seen for the give-up
//! time are forgotten.

use super::Handler;
use crate::domain::AttachmentId;
use crate::events::{Recheck, RECHECK_GIVE_UP_SECS};

/// The chain the watcher follows for one attachment.
#[derive(Debug, Clone)]
pub(super) struct ChainSeen {
    started_at: i64,
    next_attempt: u32,
    seen_at: i64,
}

impl Handler {
    /// Why this re-check is not to be made, if it is not: a repeat of a
    /// look already made, or a look of a chain older than the newest seen.
    pub(super) fn redundant(&self, r: &Recheck) -> Option<String> {
        let chains = self.peering_chains.lock().ok()?;
        let seen = chains.get(&r.attachment_id)?;
        if seen.started_at == r.started_at && r.attempt < seen.next_attempt {
            return Some(format!(
                "a repeat of re-check number {} of this chain, already made",
                r.attempt + 1
            ));
        }
        (r.started_at < seen.started_at).then(|| {
            format!("a newer chain (started at {}) watches this attachment", seen.started_at)
        })
    }

    /// A look was made and the next one, `next`, is scheduled.
    pub(super) fn chain_goes_on(&self, next: &Recheck) {
        let Ok(mut chains) = self.peering_chains.lock() else {
            return;
        };
        let now = (self.clock)();
        chains.retain(|_, c| now - c.seen_at < RECHECK_GIVE_UP_SECS);
        let newer_seen =
            chains.get(&next.attachment_id).is_some_and(|c| c.started_at > next.started_at);
        if !newer_seen {
            let seen =
                ChainSeen { started_at: next.started_at, next_attempt: next.attempt, seen_at: now };
            chains.insert(next.attachment_id.clone(), seen);
        }
    }

    /// The chain of `id` ended.
    pub(super) fn chain_ends(&self, id: &AttachmentId) {
        if let Ok(mut chains) = self.peering_chains.lock() {
            chains.remove(id);
        }
    }

    /// The reconciler claims the watch of `id`: always for a new transition
    /// (`force`), else only when no chain of its own watches it already.
    pub(super) fn claim_peering_watch(&self, id: &AttachmentId, force: bool) -> bool {
        let now = (self.clock)();
        let Ok(mut claims) = self.peering_watches.lock() else {
            return true;
        };
        let live = claims.get(id).is_some_and(|since| now - since < RECHECK_GIVE_UP_SECS);
        if live && !force {
            return false;
        }
        claims.insert(id.clone(), now);
        true
    }

    /// Releases the claims of the attachments a plan shows settled.
    pub(super) fn release_peering_watches(&self, watched: &[AttachmentId]) {
        if let Ok(mut claims) = self.peering_watches.lock() {
            claims.retain(|id, _| watched.contains(id));
        }
    }
}
