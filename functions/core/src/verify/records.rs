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
        let tags = table
            .tags
            .iter()
            .filter(|(k, _)| k.starts_with(BROKEN_TAG_PREFIX))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.insert(region.clone(), TableRecords { table: table.id.clone(), tags });
    }
    out
}

/// The record tags a table should carry for `hops` (the broken hops of its
/// Region), the first [`RECORDS_PER_TABLE`] in key order.
pub fn record_tags<'a>(hops: impl Iterator<Item = &'a HopReport>) -> BTreeMap<String, String> {
    let keys: BTreeSet<String> = hops.map(HopReport::key).collect();
    keys.into_iter()
        .take(RECORDS_PER_TABLE)
        .enumerate()
        .map(|(n, key)| (format!("{BROKEN_TAG_PREFIX}{n}"), key))
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
/// and not known, and the known ones no longer broken, in a Region that
/// was verified this time (a Region not walked proves nothing healed).
pub fn changes<'v>(
    v: &'v Verification,
    known: &BTreeSet<String>,
) -> (Vec<&'v HopReport>, Vec<String>) {
    let now: BTreeSet<String> = v.broken.iter().map(HopReport::key).collect();
    let broken = v.broken.iter().filter(|h| !known.contains(&h.key())).collect();
    let restored = known
        .iter()
        .filter(|k| !now.contains(*k))
        .filter(|k| parse_key(k).is_some_and(|(r, ..)| v.regions.contains(&r)))
        .cloned()
        .collect();
    (broken, restored)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let v = Verification {
            broken: vec![east.clone()],
            regions: vec![east.region.clone()],
            ..Verification::default()
        };
        let gone = hop("us-east-1", Some("10.9.0.0/16")).key();
        let known: BTreeSet<String> = [west.key(), gone.clone()].into_iter().collect();
        let (broken, restored) = changes(&v, &known);
        assert_eq!(broken, [&east]);
        // West was not walked: its hop is not restored.
        assert_eq!(restored, [gone]);
        let known: BTreeSet<String> = [east.key()].into_iter().collect();
        assert!(changes(&v, &known).0.is_empty());
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
        let tags = record_tags(hops.iter());
        assert_eq!(tags.len(), RECORDS_PER_TABLE);
        assert!(tags.keys().all(|k| k.starts_with(BROKEN_TAG_PREFIX) && k.len() <= 128));
        assert!(tags.values().all(|v| v.len() <= 256));
    }
}
