//! What one process remembers between invocations, in one place: the
//! chains the watcher follows, the watches the reconciler claimed (of
//! peerings, VPCs and Regions in transition), what the last finished
//! reconcile saw (coverage) and when the last one began (pacing). Each
//! guard answers one question through one method; nothing else of the
//! handler reaches the state.
//!
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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::coverage::Coverage;
use crate::domain::{AttachmentId, Region, VpcId};
use crate::events::{
    GatewayRecheck, Incoming, Recheck, VpcRecheck, GATEWAY_RECHECK_GIVE_UP_SECS,
    RECHECK_GIVE_UP_SECS, VPC_RECHECK_GIVE_UP_SECS,
};

/// The chain the watcher follows for one attachment.
#[derive(Debug, Clone)]
struct ChainSeen {
    started_at: i64,
    next_attempt: u32,
    seen_at: i64,
}

/// How the reconciler claims the watch of a peering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Claim {
    /// A new transition (a create or an accept of the tool): always.
    NewTransition,
    /// The sweep or a call seen in CloudTrail: only when no chain of this
    /// process watches it already.
    IfUnwatched,
}

/// The in-memory guards of one process (see the module's docs). A poisoned
/// lock (a panic while held) disables its guard: never a wrong answer, at
/// worst one look or one reconcile more.
#[derive(Default)]
pub(super) struct Guards {
    /// What the last finished reconcile of this process saw.
    coverage: Mutex<Option<Coverage>>,
    /// When this process's last reconcile began (seconds since the epoch).
    last_reconcile: Mutex<Option<i64>>,
    /// The watcher: the chain it follows for each attachment.
    peering_chains: Mutex<BTreeMap<AttachmentId, ChainSeen>>,
    /// The reconciler: the attachments a chain it started watches, since when.
    peering_watches: Mutex<BTreeMap<AttachmentId, i64>>,
    /// The VPCs a chain of this process watches, and since when.
    vpc_watches: Mutex<BTreeMap<VpcId, i64>>,
    /// The Regions in transition a chain of this process watches, and since when.
    gateway_watches: Mutex<BTreeMap<Region, i64>>,
    /// The broken hops this process announced (`Path Broken`) that could
    /// not be recorded on their Region's route table (past its room, or a
    /// write that failed), and the restored ones whose record it could not
    /// remove.
    broken_hops: Mutex<(BTreeSet<String>, BTreeSet<String>)>,
}

impl Guards {
    /// The broken hops this process announced and could not record, and
    /// the restored ones whose record it could not remove (keys, see
    /// `crate::verify::HopReport::key`).
    pub fn broken_hops(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        self.broken_hops.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// Notes both (replacing the last).
    pub fn announced_broken_hops(&self, unrecorded: BTreeSet<String>, undeleted: BTreeSet<String>) {
        if let Ok(mut h) = self.broken_hops.lock() {
            *h = (unrecorded, undeleted);
        }
    }

    /// Why the last finished reconcile already covers `inc`, if it does.
    pub fn covered(&self, inc: &Incoming) -> Option<String> {
        self.coverage.lock().ok()?.as_ref()?.covers(inc)
    }

    /// What a reconcile that finished without failure saw.
    pub fn saw(&self, seen: Coverage) {
        if let Ok(mut coverage) = self.coverage.lock() {
            *coverage = Some(seen);
        }
    }

    /// Seconds until the next reconcile may start at `now`: 0 when none
    /// began in the last `interval` seconds.
    pub fn pace(&self, now: i64, interval: i64) -> i64 {
        let last = self.last_reconcile.lock().ok().and_then(|l| *l);
        last.map_or(0, |t| (t + interval - now).clamp(0, interval))
    }

    /// Notes that a reconcile begins at `now`.
    pub fn reconcile_begins(&self, now: i64) {
        if let Ok(mut last) = self.last_reconcile.lock() {
            *last = Some(now);
        }
    }

    /// Why this re-check is not to be made, if it is not: a repeat of a
    /// look already made, or a look of a chain older than the newest seen.
    pub fn redundant(&self, r: &Recheck) -> Option<String> {
        let chains = self.peering_chains.lock().ok()?;
        let seen = chains.get(&r.attachment_id)?;
        if seen.started_at == r.chain.started_at && r.chain.attempt < seen.next_attempt {
            return Some(format!(
                "a repeat of re-check number {} of this chain, already made",
                r.chain.attempt + 1
            ));
        }
        (r.chain.started_at < seen.started_at).then(|| {
            format!("a newer chain (started at {}) watches this attachment", seen.started_at)
        })
    }

    /// A look was made at `now` and the next one, `next`, is scheduled.
    pub fn chain_goes_on(&self, next: &Recheck, now: i64) {
        let Ok(mut chains) = self.peering_chains.lock() else {
            return;
        };
        chains.retain(|_, c| now - c.seen_at < RECHECK_GIVE_UP_SECS);
        let newer_seen =
            chains.get(&next.attachment_id).is_some_and(|c| c.started_at > next.chain.started_at);
        if !newer_seen {
            let seen = ChainSeen {
                started_at: next.chain.started_at,
                next_attempt: next.chain.attempt,
                seen_at: now,
            };
            chains.insert(next.attachment_id.clone(), seen);
        }
    }

    /// The chain of `id` ended.
    pub fn chain_ends(&self, id: &AttachmentId) {
        if let Ok(mut chains) = self.peering_chains.lock() {
            chains.remove(id);
        }
    }

    /// The reconciler claims the watch of `id` at `now` (see [`Claim`]);
    /// true when it is to start a chain.
    pub fn claim_peering_watch(&self, id: &AttachmentId, claim: Claim, now: i64) -> bool {
        let Ok(mut claims) = self.peering_watches.lock() else {
            return true;
        };
        let live = claims.get(id).is_some_and(|since| now - since < RECHECK_GIVE_UP_SECS);
        if live && claim == Claim::IfUnwatched {
            return false;
        }
        claims.insert(id.clone(), now);
        true
    }

    /// Releases the claims of the attachments a plan shows settled.
    pub fn release_peering_watches(&self, watched: &[AttachmentId]) {
        if let Ok(mut claims) = self.peering_watches.lock() {
            claims.retain(|id, _| watched.contains(id));
        }
    }

    /// The waits (of VPCs, or of Regions in transition) no chain of this
    /// process watches yet, now claimed. A claim ends when its subject no
    /// longer waits, when its chain announced it ready (`ended`), or after
    /// the chain's give-up time ([`Watched::GIVE_UP_SECS`]).
    pub fn claim_watches<R: Watched>(
        &self,
        waits: Vec<(R, String)>,
        ended: &BTreeSet<R::Key>,
        now: i64,
    ) -> Vec<(R, String)> {
        let watch = Watch { give_up: R::GIVE_UP_SECS, ended, now };
        watch.claim(R::claims(self), waits, R::key)
    }
}

/// A wait a chain of this process watches: its subject, its give-up
/// time and the claims it is kept in.
pub(super) trait Watched {
    /// What is watched: a VPC, or a Region.
    type Key: Ord + Clone;
    /// Seconds after which a claim ends though its chain never answered.
    const GIVE_UP_SECS: i64;
    fn key(&self) -> &Self::Key;
    fn claims(guards: &Guards) -> &Mutex<BTreeMap<Self::Key, i64>>;
}

/// `Watched` for a re-check: (its type, its key field and type, its
/// give-up time, the claims field of [`Guards`]).
macro_rules! watched {
    ($recheck:ty, $field:ident: $key:ty, $give_up:expr, $claims:ident) => {
        impl Watched for $recheck {
            type Key = $key;
            const GIVE_UP_SECS: i64 = $give_up;
            fn key(&self) -> &$key {
                &self.$field
            }
            fn claims(guards: &Guards) -> &Mutex<BTreeMap<$key, i64>> {
                &guards.$claims
            }
        }
    };
}

watched!(VpcRecheck, vpc_id: VpcId, VPC_RECHECK_GIVE_UP_SECS, vpc_watches);
watched!(GatewayRecheck, region: Region, GATEWAY_RECHECK_GIVE_UP_SECS, gateway_watches);

/// One kind of watch claimed by subject (a VPC, a Region).
struct Watch<'a, K> {
    give_up: i64,
    ended: &'a BTreeSet<K>,
    now: i64,
}

impl<K: Ord + Clone> Watch<'_, K> {
    /// Forgets the claims that ended, then claims and returns the waits of
    /// subjects not claimed yet. A poisoned lock claims every wait.
    fn claim<R>(
        &self,
        claims: &Mutex<BTreeMap<K, i64>>,
        waits: Vec<(R, String)>,
        key: impl Fn(&R) -> &K,
    ) -> Vec<(R, String)> {
        let Ok(mut watched) = claims.lock() else {
            return waits;
        };
        watched.retain(|k, since| {
            self.now - *since < self.give_up
                && !self.ended.contains(k)
                && waits.iter().any(|(r, _)| key(r) == k)
        });
        let mut new = Vec::new();
        for (r, why) in waits {
            if !watched.contains_key(key(&r)) {
                watched.insert(key(&r).clone(), self.now);
                new.push((r, why));
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(r: &str) -> Region {
        Region::parse(r).unwrap()
    }

    #[test]
    fn a_subject_is_claimed_once_until_its_watch_ends_or_gives_up() {
        let claims = Mutex::new(BTreeMap::new());
        let none = BTreeSet::new();
        let waits = || vec![(region("us-east-1"), "pending".to_owned())];
        let watch = |ended, now| Watch { give_up: 60, ended, now };
        let first = watch(&none, 0).claim(&claims, waits(), |r| r);
        assert_eq!(first.len(), 1, "the first wait starts a watch");
        assert!(watch(&none, 30).claim(&claims, waits(), |r| r).is_empty(), "then it is watched");
        let ended = BTreeSet::from([region("us-east-1")]);
        assert_eq!(watch(&ended, 31).claim(&claims, waits(), |r| r).len(), 1, "ended: again");
        assert_eq!(watch(&none, 31 + 60).claim(&claims, waits(), |r| r).len(), 1, "gave up: again");
    }

    #[test]
    fn a_new_transition_always_claims_a_peering_and_the_sweep_only_an_unwatched_one() {
        let guards = Guards::default();
        let id = AttachmentId::parse("tgw-attach-0123456789abcdef0").unwrap();
        assert!(guards.claim_peering_watch(&id, Claim::IfUnwatched, 0));
        assert!(!guards.claim_peering_watch(&id, Claim::IfUnwatched, 10));
        assert!(guards.claim_peering_watch(&id, Claim::NewTransition, 20));
        guards.release_peering_watches(&[]);
        assert!(guards.claim_peering_watch(&id, Claim::IfUnwatched, 30), "released when settled");
    }

    #[test]
    fn pacing_waits_out_the_interval_after_a_reconcile_began() {
        let guards = Guards::default();
        assert_eq!(guards.pace(100, 2), 0, "none began yet");
        guards.reconcile_begins(100);
        assert_eq!(guards.pace(101, 2), 1);
        assert_eq!(guards.pace(102, 2), 0);
    }
}
