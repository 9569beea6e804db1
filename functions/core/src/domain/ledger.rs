//! The ownership ledger: per managed Region and peer Region, the tool's
//! customer-managed prefix lists. Their entries are the peer's CIDRs the
//! tool routes in the Region, each described by its VPC. An entry is the
//! only proof that a route (or a VPC route) for that CIDR is the tool's.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Cidr, PrefixListId, Region};

/// Tag of every ledger list: the peer Region whose CIDRs it holds.
pub const LEDGER_PEER_TAG: &str = "tgw-peering:peer-region";
/// Tag of every ledger list: the `TAG_KEY` it was written under.
pub const LEDGER_TAG_KEY_TAG: &str = "tgw-peering:tag-key";
/// Entries per prefix list, an AWS quota that cannot be raised ("Amazon VPC
/// quotas", Managed prefix lists): past it, a peer's CIDRs spill into
/// another list.
pub const MAX_LEDGER_ENTRIES: usize = 1000;
/// An entry's description is at most 255 characters
/// (`AddPrefixListEntry`, EC2 API reference).
pub const MAX_DESCRIPTION: usize = 255;

/// A prefix list holds one address family (`AddressFamily`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Family {
    #[serde(rename = "IPv4")]
    Ipv4,
    #[serde(rename = "IPv6")]
    Ipv6,
}

impl Family {
    pub fn of(cidr: &Cidr) -> Self {
        if cidr.is_ipv6() {
            Family::Ipv6
        } else {
            Family::Ipv4
        }
    }

    /// As the API spells it: `IPv4` or `IPv6`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Ipv6 => "IPv6",
        }
    }

    /// `ipv4` or `ipv6`, for names.
    pub fn short(&self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ledger list, as read: `DescribeManagedPrefixLists` and its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerList {
    pub id: PrefixListId,
    pub name: String,
    /// The Region whose CIDRs the list holds.
    pub peer: Region,
    pub family: Family,
    /// The `TAG_KEY` the list was written under.
    pub tag_key: String,
    /// The list's version, the `CurrentVersion` of the next modification.
    pub version: i64,
    pub max_entries: usize,
    /// `create-complete`, `modify-in-progress`…
    pub state: String,
    /// CIDR to description (the VPC it belongs to).
    pub entries: BTreeMap<Cidr, String>,
}

impl LedgerList {
    /// The name of part `part` of the list of `peer`'s CIDRs of `family`.
    pub fn name_for(peer: &Region, family: Family, part: usize) -> String {
        format!("tgw-peering-{peer}-{}-{part}", family.short())
    }

    /// True while AWS applies an earlier change (a modification now would be
    /// refused).
    pub fn is_busy(&self) -> bool {
        self.state.ends_with("in-progress")
    }
}
