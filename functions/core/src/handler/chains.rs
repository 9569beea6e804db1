//! One live re-check chain per peering attachment.
//!
//! A chain is started by a create or an accept of the tool (a new
//! transition), and by the sweep or a CloudTrail peering call for a peering
//! between states that may have none. Without care, chains multiply: the
//! hourly sweep restarts one beside a live chain, SQS delivers a message at
//! least once (a standard queue may deliver it twice, and each copy would
//! fork the chain). Two guards, each in its own process:
//! - the reconciler starts a chain on the sweep or a CloudTrail call only
//!   for an attachment no chain of its own watches (a claim, released when
//!   a plan shows the peering settled, or after the watcher's give-up time);
//! - the watcher drops a re-check that repeats a look already made (same
//!   chain, an attempt already done) or that belongs to another chain while
//!   the one it follows is live (seen within [`LIVE_SECS`]).
//!
//! A retried re-check (one that failed) is not a repeat: a chain is noted
//! only once its next look is scheduled.

use super::Handler;
use crate::domain::AttachmentId;
use crate::events::{Recheck, RECHECK_EVERY_SECS, RECHECK_GIVE_UP_SECS};

/// How long a chain counts as live after its last look, in seconds: three
/// looks missed.
pub(super) const LIVE_SECS: i64 = 3 * RECHECK_EVERY_SECS as i64 + 10;

/// The chain the watcher follows for one attachment.
#[derive(Debug, Clone)]
pub(super) struct ChainSeen {
    started_at: i64,
    next_attempt: u32,
    seen_at: i64,
}

impl Handler {
    /// Why this re-check is not to be made, if it is not.
    pub(super) fn redundant(&self, r: &Recheck) -> Option<String> {
        let now = (self.clock)();
        let chains = self.peering_chains.lock().ok()?;
        let seen = chains.get(&r.attachment_id)?;
        if seen.started_at == r.started_at && r.attempt < seen.next_attempt {
            return Some(format!(
                "a repeat of re-check number {} of this chain, already made",
                r.attempt + 1
            ));
        }
        (seen.started_at != r.started_at && now - seen.seen_at <= LIVE_SECS)
            .then(|| format!("the chain started at {} watches this attachment", seen.started_at))
    }

    /// A look was made and the next one, `next`, is scheduled.
    pub(super) fn chain_goes_on(&self, next: &Recheck) {
        if let Ok(mut chains) = self.peering_chains.lock() {
            let seen = ChainSeen {
                started_at: next.started_at,
                next_attempt: next.attempt,
                seen_at: (self.clock)(),
            };
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
