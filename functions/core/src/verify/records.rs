//! What the functions last announced about broken hops, kept where a cold
//! start finds it: tags on each Region's managed route table.
//!
//! Why tags on the managed table, not a parameter or a table of records
//! elsewhere: every reconcile already reads the gateway's route tables with
//! their tags (`DescribeTransitGatewayRouteTables`), so a cold start finds
//! the record with no extra read, no extra service and no extra
//! permission but `CreateTags` and `DeleteTags` of these keys on route
//! tables; and an operator sees, on the very table, which hops the tool
//! last announced broken.
//!
//! One tag per broken hop of the Region: `tgw-peering:broken:<n>` =
//! [`HopReport::key`] (at most 128 characters of key and 256 of value, 50
//! tags a resource: "Tag restrictions", Amazon EC2 user guide). At most
//! [`RECORDS_PER_TABLE`] are kept, leaving room for the table's own tags;
//! a hop past them is remembered by the process only, and announced again
//! after a cold start: announced twice, never lost.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{Cidr, Region, RouteTableId};
use crate::observed::Observed;

use super::{Hop, HopReport, Verification};

/// The prefix of the record tags' keys.
pub const BROKEN_TAG_PREFIX: &str = "tgw-peering:broken:";

/// The records kept on one route table, at most.
pub const RECORDS_PER_TABLE: usize = 40;

/// The records of one Region: its managed table and the record tags read
/// there (tag key to hop key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRecords {
    pub table: RouteTableId,
    pub tags: BTreeMap<String, String>,
    /// The table's other tags (its own), which share AWS's 50.
    pub others: usize,
}

/// The tags a resource may carry ("Tag restrictions", Amazon EC2 user
/// guide).
pub const TAGS_PER_RESOURCE: usize = 50;

impl TableRecords {
    /// The records the table has room for: [`RECORDS_PER_TABLE`], or
    /// fewer where its own tags leave less of AWS's 50.
    pub fn room(&self) -> usize {
        RECORDS_PER_TABLE.min(TAGS_PER_RESOURCE.saturating_sub(self.others))
    }
}

/// The records of every Region whose managed table was read.
pub fn recorded(observed: &Observed, config: &Config) -> BTreeMap<Region, TableRecords> {
    let mut out = BTreeMap::new();
    for (region, state) in &observed.regions {
        let Ok(gw) = state.gateway(region, config) else { continue };
        let Some(table) = state.route_tables.iter().flatten().find(|t| t.id == gw.route_table_id)
        else {
            continue;
        };
        let tags: BTreeMap<String, String> = table
            .tags
            .iter()
            .filter(|(k, _)| k.starts_with(BROKEN_TAG_PREFIX))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let others = table.tags.len() - tags.len();
        out.insert(region.clone(), TableRecords { table: table.id.clone(), tags, others });
    }
    out
}

/// The record tags a table should carry for hops `keys` (its Region's),
/// the first `room` in key order.
pub fn record_tags<'a>(
    keys: impl Iterator<Item = &'a String>,
    room: usize,
) -> BTreeMap<String, String> {
    let keys: BTreeSet<&String> = keys.collect();
    keys.into_iter()
        .take(room)
        .enumerate()
        .map(|(n, key)| (format!("{BROKEN_TAG_PREFIX}{n}"), key.clone()))
        .collect()
}

/// A hop key ([`HopReport::key`]) read back: Region, hop, subject and
/// destination; `None` for a value that is none.
pub fn parse_key(key: &str) -> Option<(Region, Hop, String, Option<Cidr>)> {
    let mut parts = key.split(' ');
    let region = Region::parse(parts.next()?).ok()?;
    let hop = Hop::parse(parts.next()?)?;
    let subject = parts.next()?.to_owned();
    let to = match parts.next()? {
        "*" => None,
        c => Some(Cidr::parse(c).ok()?),
    };
    parts.next().is_none().then_some((region, hop, subject, to))
}

/// What changed since the hops `known` were announced: the hops broken now
/// and not known, and the known ones healed. A known hop is healed only
/// when every Region was walked (`complete`: a Region not walked proves
/// nothing) and it is not broken now, and either it was evaluated whole
/// (one with a destination: not hidden behind an earlier broken hop) or
/// what it is about is gone from the read (its subject, or its
/// destination: it breaks no path any more).
pub fn changes<'v>(
    v: &'v Verification,
    known: &BTreeSet<String>,
    complete: bool,
) -> (Vec<&'v HopReport>, Vec<String>) {
    let now: BTreeSet<String> = v.broken.iter().map(HopReport::key).collect();
    let broken = v.broken.iter().filter(|h| !known.contains(&h.key())).collect();
    if !complete {
        return (broken, Vec::new());
    }
    let healed = |k: &&String| {
        let Some((_, hop, subject, to)) = parse_key(k) else { return false };
        let gone = !v.present.subjects.contains(&subject)
            || to.is_some_and(|c| !v.present.cidrs.contains(&c));
        let evaluated = match (hop, to) {
            (_, Some(_)) => v.evaluated.contains(*k),
            // Found only through an available peering.
            (Hop::PeeringRouteTable, None) => false,
            (
                Hop::VpcRouteTable | Hop::Attachment | Hop::Peering | Hop::AttachmentRouteTable,
                None,
            ) => true,
        };
        gone || evaluated
    };
    let restored = known.iter().filter(|k| !now.contains(*k)).filter(healed).cloned().collect();
    (broken, restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(c: &str) -> Cidr {
        Cidr::parse(c).unwrap()
    }

    fn hop(region: &str, to: Option<&str>) -> HopReport {
        HopReport {
            region: Region::parse(region).unwrap(),
            hop: Hop::PeeringRouteTable,
            subject: "tgw-rtb-1".to_owned(),
            to: to.map(|c| Cidr::parse(c).unwrap()),
            reason: "lost".to_owned(),
            paths: 2,
        }
    }

    #[test]
    fn a_key_reads_back_as_written() {
        let h = hop("eu-west-1", Some("2600:1f14::/56"));
        let (region, kind, subject, to) = parse_key(&h.key()).unwrap();
        assert_eq!((region, kind, subject, to), (h.region, h.hop, h.subject, h.to));
        let every = hop("eu-west-1", None);
        assert_eq!(parse_key(&every.key()).unwrap().3, None);
        assert!(parse_key("eu-west-1 nowhere tgw-rtb-1 *").is_none());
        assert!(parse_key("eu-west-1 peering tgw-1/tgw-2 * extra").is_none());
    }

    #[test]
    fn only_new_hops_are_broken_and_only_walked_regions_restore() {
        let east = hop("us-east-1", Some("10.1.0.0/16"));
        let west = hop("eu-west-1", Some("10.2.0.0/16"));
        let healed = hop("us-east-1", Some("10.9.0.0/16"));
        let hidden = hop("us-east-1", Some("10.8.0.0/16"));
        let mut v = Verification {
            broken: vec![east.clone()],
            regions: vec![east.region.clone()],
            ..Verification::default()
        };
        v.present.subjects.insert("tgw-rtb-1".to_owned());
        v.present.cidrs.extend([cidr("10.1.0.0/16"), cidr("10.8.0.0/16"), cidr("10.9.0.0/16")]);
        v.evaluated.insert(healed.key());
        let known: BTreeSet<String> =
            [west.key(), healed.key(), hidden.key()].into_iter().collect();
        // A Region not walked: nothing is restored.
        let (broken, restored) = changes(&v, &known, false);
        assert_eq!((broken, restored), (vec![&east], vec![]));
        // Every Region walked: the hop evaluated whole heals; the one not
        // evaluated (behind a broken hop) does not; the one whose
        // destination is gone (10.2.0.0/16) breaks no path any more.
        let (_, restored) = changes(&v, &known, true);
        let mut expected = vec![healed.key(), west.key()];
        expected.sort();
        assert_eq!(restored, expected);
        let known: BTreeSet<String> = [east.key()].into_iter().collect();
        assert!(changes(&v, &known, true).0.is_empty());
    }

    #[test]
    fn the_roles_may_write_exactly_these_keys() {
        let granted = format!("- {BROKEN_TAG_PREFIX}*");
        for template in [
            include_str!("../../../../infra/hub.yaml"),
            include_str!("../../../../infra/spoke-role.yaml"),
        ] {
            assert!(template.contains(&granted), "{granted} is not granted");
        }
    }

    #[test]
    fn a_table_keeps_at_most_its_share_of_records() {
        let hops: Vec<HopReport> =
            (0..50).map(|n| hop("us-east-1", Some(&format!("10.{n}.0.0/16")))).collect();
        let keys: Vec<String> = hops.iter().map(HopReport::key).collect();
        let tags = record_tags(keys.iter(), RECORDS_PER_TABLE);
        assert_eq!(tags.len(), RECORDS_PER_TABLE);
        let crowded = TableRecords {
            table: RouteTableId::parse("tgw-rtb-1").unwrap(),
            tags: BTreeMap::new(),
            others: 45,
        };
        assert_eq!(crowded.room(), 5, "the table's own tags come first");
        assert_eq!(record_tags(keys.iter(), crowded.room()).len(), 5);
        assert!(tags.keys().all(|k| k.starts_with(BROKEN_TAG_PREFIX) && k.len() <= 128));
        assert!(tags.values().all(|v| v.len() <= 256));
    }
}
