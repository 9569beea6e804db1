//! The ownership ledger: per managed Region and peer Region, the tool's
//! customer-managed prefix lists. Their entries are the peer's CIDRs the
//! tool routes in the Region, each described by its VPC. An entry is the
//! only proof that a route (or a VPC route) for that CIDR is the tool's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AccountId, AttachmentId, Cidr, PrefixListId, Region, TransitGatewayId, VpcId};

/// Tag of every ledger list: the peer Region whose CIDRs it holds.
pub const LEDGER_PEER_TAG: &str = "tgw-peering:peer-region";
/// Tag of every ledger list: the `TAG_KEY` it was written under.
pub const LEDGER_TAG_KEY_TAG: &str = "tgw-peering:tag-key";
/// Tag of every ledger list written since deployments are recorded: the
/// managed transit gateway of the list's Region, which is the deployment's
/// identity there (one deployment per transit gateway). A list with
/// another gateway's id is another deployment's, never this one's ledger.
pub const LEDGER_GATEWAY_TAG: &str = "tgw-peering:transit-gateway";
/// Tag of a ledger list: the peering its routes go over (the proof that a
/// blackhole of one of its CIDRs was left by that peering's deletion).
pub const LEDGER_PEERING_TAG: &str = "tgw-peering:peering";
/// Prefix of a ledger list's tag per isolated CIDR
/// (`tgw-peering:isolated:10.1.0.0/16` = `true`): a blackhole of that CIDR
/// the tool saw set by someone while the list's peering was live. A tag of
/// this prefix with the suffix [`ISOLATED_REFERENCE`] records a reference
/// of the list someone made a blackhole.
pub const LEDGER_ISOLATED_PREFIX: &str = "tgw-peering:isolated:";
/// Prefix of a ledger list's tag per blackhole left by the deletion of its
/// recorded peering that was not moved when the record moved to the new
/// peering (in `PROTECTED_CIDRS`, in an overlap, held): still proven.
pub const LEDGER_LEFT_PREFIX: &str = "tgw-peering:left:";
/// The suffix of a record tag about a whole list's reference.
pub const ISOLATED_REFERENCE: &str = "reference";
/// Tag of a ledger list: the last resize the tool asked, as
/// `SIZE@EPOCH_SECONDS@VERSION` (the list's version then). A resize is
/// asynchronous and can end in `modify-failed` (a resource that references
/// the list cannot take the new size); the same resize of the same list is
/// not asked again within [`RESIZE_RETRY_SECS`].
pub const LEDGER_RESIZE_TAG: &str = "tgw-peering:resize";
/// How long a failed resize is not asked again, the same size at the same
/// version: an hour.
pub const RESIZE_RETRY_SECS: i64 = 3600;

/// User tags one EC2 resource can have ("Tag restrictions", Amazon EC2 user
/// guide, <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html>:
/// "Maximum number of tags per resource – 50").
pub const MAX_TAGS: usize = 50;

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
    /// AWS's `StateMessage` (why a change failed), if any.
    #[serde(default)]
    pub state_message: Option<String>,
    /// CIDR to description (the VPC it belongs to, see [`EntryOwner`]).
    pub entries: BTreeMap<Cidr, String>,
    /// The deployment that wrote it ([`LEDGER_GATEWAY_TAG`]).
    #[serde(default)]
    pub deployment: ListDeployment,
    /// The peering its routes go over ([`LEDGER_PEERING_TAG`]).
    #[serde(default)]
    pub peering: Option<AttachmentId>,
    /// Its blackholes someone set ([`LEDGER_ISOLATED_PREFIX`]).
    #[serde(default)]
    pub isolated: Blackholes,
    /// Its blackholes left by the deletion of an earlier peering, not moved
    /// yet ([`LEDGER_LEFT_PREFIX`]).
    #[serde(default)]
    pub left: Blackholes,
    /// How many tags it has, all of them (at most [`MAX_TAGS`]).
    #[serde(default)]
    pub tag_count: usize,
    /// The last resize the tool asked ([`LEDGER_RESIZE_TAG`]).
    #[serde(default)]
    pub resize: Option<ResizeRecord>,
    /// The segment whose table its routes are in ([`super::SEGMENT_TAG`],
    /// as written): `None` for the default segment's table (every list
    /// written before segments). A value that names no declared segment
    /// makes the list no segment's ledger: its routes are foreign.
    #[serde(default)]
    pub segment: Option<String>,
}

/// A resize the tool asked of a list: the size, when (seconds since the
/// Unix epoch), and the list's version then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResizeRecord {
    pub size: usize,
    pub at: i64,
    pub version: i64,
}

impl ResizeRecord {
    /// The tag's value.
    pub fn value(&self) -> String {
        format!("{}@{}@{}", self.size, self.at, self.version)
    }

    /// A tag's value; `None` when it is not one.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.trim().split('@');
        let (size, at, version) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            size: size.parse().ok()?,
            at: at.parse().ok()?,
            version: version.parse().ok()?,
        })
    }
}

/// Customer-managed prefix lists per Region, AWS's default quota,
/// adjustable ("Amazon VPC quotas", managed prefix lists: "Prefix lists per
/// Region: 100"). Segments multiply the tool's lists (one per segment,
/// peer Region and address family).
pub const PREFIX_LISTS_QUOTA: usize = 100;
/// The share of [`PREFIX_LISTS_QUOTA`] at which a plan warns, in percent.
pub const PREFIX_LISTS_WARN_PERCENT: usize = 80;

/// What one `DescribeManagedPrefixLists` read (every page) gives: the
/// tool's ledger lists, and how many customer-managed prefix lists the
/// Region lists, the tool's and everyone else's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerRead {
    pub lists: Vec<LedgerList>,
    /// Customer-managed prefix lists listed (`OwnerId` other than `AWS`),
    /// lists shared into the account by others included: a count at least
    /// what AWS's per-Region quota counts for the account ("Amazon VPC
    /// quotas", prefix lists per Region: 100 by default).
    pub customer_lists: usize,
}

impl LedgerList {
    /// The name of part `part` of the list of `peer`'s CIDRs of `family`.
    pub fn name_for(peer: &Region, family: Family, part: usize) -> String {
        format!("tgw-peering-{peer}-{}-{part}", family.short())
    }

    /// The name of part `part` of the list of `peer`'s CIDRs of `family`
    /// routed in `segment`'s table: [`LedgerList::name_for`] for the
    /// default segment, the segment's name inserted for the others (names
    /// stay apart: the executor finds a new list by its name).
    pub fn name_in(segment: &super::Segment, peer: &Region, family: Family, part: usize) -> String {
        if segment.is_default() {
            Self::name_for(peer, family, part)
        } else {
            format!("tgw-peering-{segment}-{peer}-{}-{part}", family.short())
        }
    }

    /// Whether the list is the ledger of `segment`'s table.
    pub fn is_of(&self, segment: &super::Segment) -> bool {
        match self.segment.as_deref() {
            None => segment.is_default(),
            Some(s) => s.trim() == segment.as_str(),
        }
    }

    /// True while AWS applies an earlier change (a modification now would be
    /// refused).
    pub fn is_busy(&self) -> bool {
        self.state.ends_with("in-progress")
    }

    /// True when AWS reports the list's last change failed
    /// (`create-failed`, `modify-failed`, `restore-failed`,
    /// `delete-failed`; `ManagedPrefixList.State`), `StateMessage` saying
    /// why.
    pub fn has_failed(&self) -> bool {
        self.state.ends_with("-failed")
    }

    /// The resize to `size` failed at the list's current version less than
    /// [`RESIZE_RETRY_SECS`] before `now`: not asked again yet. The state
    /// message (`StateMessage`) says why.
    pub fn failed_resize(&self, size: usize, now: i64) -> Option<&str> {
        self.resize
            .filter(|r| {
                self.state == "modify-failed"
                    && r.size == size
                    && r.version == self.version
                    && now.saturating_sub(r.at) < RESIZE_RETRY_SECS
            })
            .map(|_| self.state_message.as_deref().unwrap_or("no state message"))
    }

    /// The key of the tag recording `what` (a CIDR's route, or `None`: the
    /// list's reference) under `prefix`.
    pub fn record_key(prefix: &str, what: &Option<Cidr>) -> String {
        match what {
            Some(cidr) => format!("{prefix}{cidr}"),
            None => format!("{prefix}{ISOLATED_REFERENCE}"),
        }
    }
}

/// Blackholes recorded on a ledger list: of some of its CIDRs' routes, and
/// of its reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blackholes {
    pub cidrs: BTreeSet<Cidr>,
    pub reference: bool,
}

impl Blackholes {
    /// Whether it holds `what` (a CIDR's route, or `None`: the reference).
    pub fn contains(&self, what: &Option<Cidr>) -> bool {
        match what {
            Some(cidr) => self.cidrs.contains(cidr),
            None => self.reference,
        }
    }

    /// Everything it holds (`None`: the reference).
    pub fn iter(&self) -> impl Iterator<Item = Option<Cidr>> + '_ {
        self.cidrs.iter().map(|c| Some(*c)).chain(self.reference.then_some(None))
    }

    /// The record of the tags under `prefix` whose value is `true`.
    pub fn from_tags(tags: &BTreeMap<String, String>, prefix: &str) -> Self {
        let mut out = Self::default();
        let recorded = tags.iter().filter(|(_, v)| v.trim() == "true");
        for suffix in recorded.filter_map(|(k, _)| k.strip_prefix(prefix)) {
            match suffix {
                ISOLATED_REFERENCE => out.reference = true,
                cidr => out.cidrs.extend(Cidr::parse(cidr).ok()),
            }
        }
        out
    }
}

/// The deployment a ledger list records ([`LEDGER_GATEWAY_TAG`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum ListDeployment {
    /// No record: written before deployments were recorded.
    #[default]
    Unrecorded,
    /// The managed transit gateway of the deployment that wrote it.
    Gateway(TransitGatewayId),
    /// A value that names no transit gateway (changed by hand): no
    /// deployment can prove the list its own.
    Unreadable(String),
}

/// The owner of a ledger entry, written at the start of its description in
/// a fixed form, `account=123456789012 vpc=vpc-0123456789abcdef0` (several
/// owners separated by `; `): the account and VPC whose CIDR the entry
/// records. At most 46 characters per owner, so the tool's descriptions
/// never reach AWS's 255 ([`MAX_DESCRIPTION`]). An entry whose description
/// does not parse (written before this form, or by hand) names no owner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryOwner {
    pub account: AccountId,
    pub vpc: VpcId,
}

/// Owners written per description at most: five fit in 255 characters.
const MAX_OWNERS: usize = 5;

impl EntryOwner {
    /// The description of an entry owned by `owners` (the first five).
    pub fn describe<'a>(owners: impl IntoIterator<Item = &'a EntryOwner>) -> String {
        let parts: Vec<String> = owners
            .into_iter()
            .take(MAX_OWNERS)
            .map(|o| format!("account={} vpc={}", o.account, o.vpc))
            .collect();
        parts.join("; ")
    }

    /// The owners a description names; `None` when it is not in the fixed
    /// form (every part must parse).
    pub fn parse(description: &str) -> Option<Vec<EntryOwner>> {
        let owners: Option<Vec<EntryOwner>> = description
            .split("; ")
            .map(|part| {
                let (account, vpc) = part.strip_prefix("account=")?.split_once(" vpc=")?;
                Some(EntryOwner {
                    account: AccountId::parse(account).ok()?,
                    vpc: VpcId::parse(vpc).ok()?,
                })
            })
            .collect();
        owners.filter(|o| !o.is_empty())
    }
}
