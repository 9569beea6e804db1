//! Path verification in the functions: after the scheduled reconcile, and
//! after a reconcile that changed routes, every path is walked
//! ([`crate::verify`]); each hop that newly breaks paths is announced once
//! (`Path Broken`, with the number of paths it breaks), and each hop
//! announced that heals once (`Path Restored`). What was announced is
//! recorded on each Region's managed route table
//! ([`crate::verify::records`]), where a cold start (or another
//! environment of the function) finds it in the read it makes anyway; the
//! process remembers only the hops that could not be recorded there.

use std::collections::{BTreeMap, BTreeSet};

use super::{AuditRecord, Decision, HandleReport, Handler};
use crate::domain::Region;
use crate::events::outgoing::{PathBroken, PathRestored};
use crate::events::OutEvent;
use crate::observe_verify::refresh_for_verify;
use crate::observed::Observed;
use crate::verify::records::{changes, parse_key, record_tags, recorded, TableRecords};
use crate::verify::{verify, Keep, Verification};

impl Handler {
    /// Verifies every path over `observed`: as read when it was read for
    /// verification and nothing changed since; else brought up to date
    /// (`changed`: the route tables this reconcile wrote in, by Region);
    /// announces what changed in `events`, and records it.
    ///
    /// A read that fails leaves the announcements as they are: one audit
    /// line, and the next verification tells.
    pub(super) async fn verify_paths(
        &self,
        event_id: &str,
        observed: Observed,
        changed: &BTreeSet<(Region, String)>,
        report: &mut HandleReport,
        events: &mut Vec<OutEvent>,
    ) {
        let mut observed = observed;
        let read_for_it = observed.regions.values().all(|s| s.verify.is_some());
        if !read_for_it || !changed.is_empty() {
            let refreshed =
                refresh_for_verify(self.ec2.as_ref(), &self.config, &mut observed, changed).await;
            if let Err(e) = refreshed {
                let why = format!("paths not verified: the read failed: {e}");
                report.record(AuditRecord::new(
                    event_id,
                    Decision::Path,
                    "not_verified",
                    "paths",
                    why,
                ));
                return;
            }
        }
        let observed = &observed;
        let v = verify(observed, &self.config, Keep::None);
        let records = recorded(observed, &self.config);
        let mut known: BTreeSet<String> =
            records.values().flat_map(|r| r.tags.values().cloned()).collect();
        known.extend(self.guards.broken_hops());
        let (broken, restored) = changes(&v, &known);
        for hop in broken {
            let record =
                AuditRecord::new(event_id, Decision::Path, "path_broken", hop.key(), &hop.reason)
                    .in_region(Some(&hop.region));
            report.record(record);
            events.push(OutEvent::PathBroken(PathBroken {
                event_id: event_id.to_owned(),
                region: hop.region.clone(),
                hop: hop.hop,
                subject: hop.subject.clone(),
                to: hop.to,
                reason: hop.reason.clone(),
                paths: hop.paths,
            }));
        }
        for key in &restored {
            let Some((region, hop, subject, to)) = parse_key(key) else { continue };
            let reason = "the hop breaks no path any more";
            let record = AuditRecord::new(event_id, Decision::Path, "path_restored", key, reason)
                .in_region(Some(&region));
            report.record(record);
            events.push(OutEvent::PathRestored(PathRestored {
                event_id: event_id.to_owned(),
                region,
                hop,
                subject,
                to,
            }));
        }
        let unrecorded = self.record_hops(event_id, &v, &records, report).await;
        self.guards.announced_broken_hops(unrecorded);
    }

    /// Brings each walked Region's records to its broken hops, and returns
    /// the broken hops not recorded (past a table's share, or whose record
    /// could not be written): the process remembers those.
    async fn record_hops(
        &self,
        event_id: &str,
        v: &Verification,
        records: &BTreeMap<Region, TableRecords>,
        report: &mut HandleReport,
    ) -> BTreeSet<String> {
        let mut unrecorded: BTreeSet<String> = v.broken.iter().map(|h| h.key()).collect();
        for (region, table) in records.iter().filter(|(r, _)| v.regions.contains(r)) {
            let wanted = record_tags(v.broken.iter().filter(|h| &h.region == region));
            let set: BTreeMap<String, String> = wanted
                .iter()
                .filter(|(k, val)| table.tags.get(*k) != Some(*val))
                .map(|(k, val)| (k.clone(), val.clone()))
                .collect();
            let unset: Vec<String> =
                table.tags.keys().filter(|k| !wanted.contains_key(*k)).cloned().collect();
            let written = if set.is_empty() && unset.is_empty() {
                Ok(())
            } else {
                match self.ec2.ec2(region) {
                    Ok(ec2) => ec2.record_paths(&table.table, &set, &unset).await,
                    Err(e) => Err(e),
                }
            };
            if written.is_ok() {
                for key in wanted.values() {
                    unrecorded.remove(key);
                }
            }
            if let Err(e) = written {
                // Announced all the same; a cold start may announce them again.
                let why =
                    format!("the record of broken hops on {} was not written: {e}", table.table);
                let record = AuditRecord::new(
                    event_id,
                    Decision::Path,
                    "record_not_written",
                    table.table.to_string(),
                    why,
                )
                .in_region(Some(region));
                report.record(record);
            }
        }
        unrecorded
    }
}
