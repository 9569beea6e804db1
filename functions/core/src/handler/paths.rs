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
use crate::verify::{verify_watching, Keep, Verification};

impl Handler {
    /// Verifies every path over `observed`, the reconcile's read, brought
    /// up to date for it (what verification reads, and the routes of the
    /// tables this reconcile wrote in: `changed`, by Region); announces
    /// what changed in `events`, and records it.
    ///
    /// Returns the verification, for the reconcile's metrics; `None` when
    /// its read failed. A read that fails leaves the announcements as they
    /// are: one audit line, and the next verification tells. The reconcile
    /// is not failed.
    pub(super) async fn verify_paths(
        &self,
        event_id: &str,
        observed: Observed,
        changed: &BTreeSet<(Region, String)>,
        report: &mut HandleReport,
        events: &mut Vec<OutEvent>,
    ) -> Option<Verification> {
        let mut observed = observed;
        let refreshed =
            refresh_for_verify(self.ec2.as_ref(), &self.config, &mut observed, changed).await;
        if let Err(e) = refreshed {
            let why = format!("paths not verified: the read failed: {e}");
            report.record(AuditRecord::new(event_id, Decision::Path, "not_verified", "paths", why));
            return None;
        }
        let observed = &observed;
        let records = recorded(observed, &self.config);
        let (unrecorded, undeleted) = self.guards.broken_hops();
        let mut known: BTreeSet<String> =
            records.values().flat_map(|r| r.tags.values().cloned()).collect();
        known.extend(unrecorded);
        known.retain(|k| !undeleted.contains(k));
        let v = verify_watching(observed, &self.config, Keep::None, &known);
        let complete = self.config.regions.iter().all(|r| v.regions.contains(r));
        let (broken, restored) = changes(&v, &known, complete);
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
        // The hops announced and not restored stay recorded (one hidden
        // behind an earlier broken hop included).
        let standing: BTreeSet<String> = v
            .broken
            .iter()
            .map(|h| h.key())
            .chain(known.into_iter().filter(|k| !restored.contains(k)))
            .collect();
        let (unrecorded, undeleted) =
            self.record_hops(event_id, (&standing, &restored), &v.regions, &records, report).await;
        self.guards.announced_broken_hops(unrecorded, undeleted);
        Some(v)
    }

    /// Brings each walked Region's records to the hops `standing` (as many
    /// as its table has room for), and returns the standing hops not
    /// recorded (past the room, or a write that failed) and the `restored`
    /// ones whose record could not be removed: the process remembers both.
    async fn record_hops(
        &self,
        event_id: &str,
        (standing, restored): (&BTreeSet<String>, &[String]),
        walked: &[Region],
        records: &BTreeMap<Region, TableRecords>,
        report: &mut HandleReport,
    ) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut unrecorded = standing.clone();
        let mut undeleted = BTreeSet::new();
        for (region, table) in records.iter().filter(|(r, _)| walked.contains(r)) {
            let of_region = standing.iter().filter(|k| in_region(k, region));
            let wanted = record_tags(of_region, table.room());
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
            match written {
                Ok(()) => {
                    for key in wanted.values() {
                        unrecorded.remove(key);
                    }
                }
                Err(e) => {
                    // Announced all the same: the process remembers.
                    let gone = table.tags.values().filter(|k| restored.contains(*k));
                    undeleted.extend(gone.cloned());
                    let subject = table.table.to_string();
                    let why =
                        format!("the record of broken hops on {subject} was not written: {e}");
                    let record = AuditRecord::new(
                        event_id,
                        Decision::Path,
                        "record_not_written",
                        subject,
                        why,
                    )
                    .in_region(Some(region));
                    report.record(record);
                }
            }
        }
        (unrecorded, undeleted)
    }
}

/// Whether hop `key` is in `region`.
fn in_region(key: &str, region: &Region) -> bool {
    parse_key(key).is_some_and(|(r, ..)| &r == region)
}
