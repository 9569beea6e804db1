//! The guard after a create: concurrent invocations may each request a
//! peering for the same pair, and `CreateTransitGatewayPeeringAttachment`
//! has no idempotency token.

use super::{AuditRecord, Decision, HandleReport, Handler};
use crate::domain::AttachmentId;
use crate::events::Incoming;
use crate::execute::{run, Executed};
use crate::observe::observe;
use crate::planner::{plan, Action};

impl Handler {
    /// Re-reads at once and deletes the duplicate peerings the planner
    /// finds (the newer ones the tool created, never the oldest, never one
    /// it did not create), so that routes go onto one peering only. Every
    /// creator runs this guard; a duplicate it cannot see yet is left to
    /// its own re-check chain. Returns the deleted ids. A failure here is
    /// audited and left to the re-checks and the sweep.
    pub(super) async fn delete_duplicates(
        &self,
        inc: &Incoming,
        report: &mut HandleReport,
    ) -> Vec<AttachmentId> {
        let plan = match observe(self.ec2.as_ref(), &self.config).await {
            Ok(observed) => plan(&observed, &self.config),
            Err(e) => Err(e),
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(e) => {
                let reason =
                    format!("the read after a create failed: {e}; the re-checks look again");
                let record = AuditRecord::new(
                    &inc.id,
                    Decision::Error,
                    "duplicate_check",
                    "peering",
                    reason,
                );
                report.record(record.in_region(inc.region.as_ref()));
                return Vec::new();
            }
        };
        let mut deleted = Vec::new();
        for p in plan.actions {
            let Action::DeletePeering { attachment_id, .. } = &p.action else {
                continue;
            };
            let attachment_id = attachment_id.clone();
            let result = run(self.ec2.as_ref(), &p.action).await;
            let executed = Executed { planned: p, result };
            report.record(AuditRecord::of_action(&inc.id, &executed));
            if executed.result.is_ok() {
                deleted.push(attachment_id);
            }
        }
        deleted
    }
}
