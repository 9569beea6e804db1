//! The end of one look of a watch chain (a VPC, a Region in transition),
//! shared by both watches: ready (announced), over (given up, audited), or
//! still waiting (the caller schedules the next look).

use super::publish::Acts;
use super::{AuditRecord, Decision, HandleReport, Watcher};
use crate::domain::Region;
use crate::error::Error;
use crate::events::{Incoming, OutEvent};

/// One look of a chain, as its audit lines name it.
pub(super) struct Look<'a> {
    /// The prefix of the audit kinds (`vpc`: `vpc_ready`,
    /// `vpc_wait_given_up`).
    pub kind: &'static str,
    /// What the audit lines are about.
    pub subject: String,
    pub region: &'a Region,
    /// What "ready" means, for the audit line (`available`).
    pub ready: &'static str,
    /// Seconds since the chain started.
    pub elapsed: i64,
    /// Whether the chain is over its time or count.
    pub over: bool,
}

impl Watcher {
    /// Ends one look: `waiting` is what is still waited for (`None`:
    /// ready, and `ready` builds the event that announces it).
    ///
    /// Returns why to look again when the chain goes on (the caller
    /// schedules the next look), `None` when it ended.
    ///
    /// # Errors
    /// The announcement's ([`Acts::announce`]).
    pub(super) async fn end_look(
        &self,
        inc: &Incoming,
        look: Look<'_>,
        waiting: Option<String>,
        ready: impl FnOnce(String) -> OutEvent,
        acts: &dyn Acts,
        report: &mut HandleReport,
    ) -> Result<Option<String>, Error> {
        let elapsed = look.elapsed;
        let record = |decision, kind: String, reason: String| {
            AuditRecord::new(&inc.id, decision, kind, look.subject.clone(), reason)
                .in_region(Some(look.region))
        };
        match waiting {
            None => {
                let reason = format!("{} after {elapsed}s", look.ready);
                report.record(record(
                    Decision::Recheck,
                    format!("{}_ready", look.kind),
                    reason.clone(),
                ));
                acts.announce(inc, ready(reason), report).await?;
                Ok(None)
            }
            Some(why) if look.over => {
                let reason = format!(
                    "{why} after {elapsed}s; the watch gives up (the hourly sweep comes back)"
                );
                let kind = format!("{}_wait_given_up", look.kind);
                report.record(record(Decision::Warning, kind, reason));
                Ok(None)
            }
            Some(why) => Ok(Some(why)),
        }
    }
}
