//! Path verification: a pure walk over what the tool reads (no I/O), that
//! proves each path works or names the hop that breaks it.
//!
//! A path goes from a tagged VPC of one Region to a CIDR of a tagged VPC of
//! another Region that it may reach (the same segment, or a shared one:
//! the planner's rule). It is walked hop by hop, in this order:
//!
//! 1. [`Hop::VpcRouteTable`]: each route table of the source VPC that
//!    serves its subnets (explicitly associated, or the main table) and has
//!    at least one route toward the transit gateway must send the
//!    destination to it; a VPC with no such table is broken here.
//! 2. [`Hop::Attachment`]: the source VPC has an `available` attachment,
//!    associated with a route table.
//! 3. [`Hop::Peering`]: the two gateways have an `available` peering.
//! 4. [`Hop::AttachmentRouteTable`]: the table associated with the source
//!    VPC's attachment sends the destination toward the peering.
//! 5. [`Hop::PeeringRouteTable`]: on the far side, the table associated
//!    with the peering sends the destination toward the destination VPC's
//!    attachment (which must be `available`: [`Hop::Attachment`] again).
//!
//! Each table is looked up by longest prefix, then by each kind of table's
//! order (see `lookup`); a destination of which only a part is lost is
//! broken, and the part is named. Each hop is computed once per table and
//! destination CIDR (the far side once per destination, the source
//! attachment's table once per table and destination), so the cost grows
//! with tables × CIDRs.
//!
//! What is not verified: security groups, network ACLs, appliances and
//! firewalls on the path, the Availability Zones of the attachments'
//! subnets, and prefix lists a VPC table routes that are not the tool's
//! (their entries are not read: the hop is "not verified" where the path
//! needs them).

mod lookup;
pub mod records;
mod walk;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::domain::{Cidr, Region, VpcId};
use crate::observed::Observed;

/// A hop of a path (see the module's docs for the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hop {
    VpcRouteTable,
    Attachment,
    Peering,
    AttachmentRouteTable,
    PeeringRouteTable,
}

impl Hop {
    /// The hop named as [`Hop::as_str`] writes it.
    pub fn parse(s: &str) -> Option<Hop> {
        [
            Hop::VpcRouteTable,
            Hop::Attachment,
            Hop::Peering,
            Hop::AttachmentRouteTable,
            Hop::PeeringRouteTable,
        ]
        .into_iter()
        .find(|h| h.as_str() == s)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Hop::VpcRouteTable => "vpc_route_table",
            Hop::Attachment => "attachment",
            Hop::Peering => "peering",
            Hop::AttachmentRouteTable => "attachment_route_table",
            Hop::PeeringRouteTable => "peering_route_table",
        }
    }
}

impl std::fmt::Display for Hop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a path stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathStatus {
    /// Every hop sends the whole destination the right way.
    Ok,
    /// A hop loses the destination, or a part of it.
    Broken,
    /// No hop is broken, but one could not be read (a workload account's
    /// VPC route tables, a table not read): never reported as whole.
    Unverified,
}

/// One hop that breaks (or could not verify) paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HopReport {
    /// The Region the hop is in.
    pub region: Region,
    pub hop: Hop,
    /// The route table (`rtb-…`, `tgw-rtb-…`), the VPC, the attachment or
    /// the pair of gateways the hop is about (`tgw-…/tgw-…`).
    pub subject: String,
    /// The destination it loses; `None` when it loses every destination
    /// that goes through it (a VPC that sends nothing to the gateway, an
    /// attachment that is not `available`…).
    pub to: Option<Cidr>,
    pub reason: String,
    /// The number of paths it breaks (or leaves unverified).
    pub paths: usize,
}

impl HopReport {
    /// The hop's identity, the same from one run to the next: its Region,
    /// kind, subject and destination.
    pub fn key(&self) -> String {
        hop_key(&self.region, self.hop, &self.subject, self.to.as_ref())
    }
}

/// `REGION HOP SUBJECT TO` (`*` for every destination): see
/// [`HopReport::key`].
fn hop_key(region: &Region, hop: Hop, subject: &str, to: Option<&Cidr>) -> String {
    let to = to.map_or_else(|| "*".to_owned(), ToString::to_string);
    format!("{region} {hop} {subject} {to}")
}

/// One path and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathReport {
    /// A CIDR of the source VPC, of the destination's address family.
    pub from: Cidr,
    pub from_vpc: VpcId,
    pub from_region: Region,
    /// The destination CIDR.
    pub to: Cidr,
    pub to_vpc: VpcId,
    pub to_region: Region,
    pub status: PathStatus,
    /// The first hop that breaks it (or could not verify it).
    pub hop: Option<Hop>,
    /// That hop's Region and subject (see [`HopReport`]).
    pub hop_region: Option<Region>,
    pub subject: Option<String>,
    pub reason: Option<String>,
    /// The key ([`HopReport::key`]) of every hop that breaks it or could
    /// not verify it, in walk order.
    pub hops: Vec<String>,
}

/// The paths from one Region to another, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCount {
    pub from_region: Region,
    pub to_region: Region,
    pub ok: usize,
    pub broken: usize,
    pub unverified: usize,
}

/// Which paths a verification keeps one by one (they are always counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every path (`tgw-peering verify --output json`).
    All,
    /// The paths that are not whole (`--broken-only`).
    NotWhole,
    /// None: the counts and hops only (the functions).
    None,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Every ordered pair of Regions that has paths.
    pub pairs: Vec<PairCount>,
    /// Every broken hop, with the number of paths it breaks, in walk order
    /// within each Region.
    pub broken: Vec<HopReport>,
    /// Every hop that could not be verified, with the number of paths.
    pub unverified: Vec<HopReport>,
    /// The paths kept (see [`Keep`]).
    pub paths: Vec<PathReport>,
    /// The Regions walked (those whose transit gateway was resolved).
    pub regions: Vec<Region>,
    /// The hops watched ([`verify_watching`]) with a destination that were
    /// evaluated, whole or not.
    #[serde(skip)]
    pub evaluated: BTreeSet<String>,
    /// What the hops of this read can be about.
    #[serde(skip)]
    pub present: Presence,
}

/// What the hops of a read can be about: the tagged VPCs, their route
/// tables and attachments, the transit gateway tables read, the peerings
/// (by id and by gateway pair), and the tagged VPCs' CIDRs. A hop whose
/// subject or destination is none of them breaks no path any more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presence {
    pub subjects: BTreeSet<String>,
    pub cidrs: BTreeSet<Cidr>,
}

impl Verification {
    /// The number of paths of each status: (whole, broken, unverified).
    pub fn totals(&self) -> (usize, usize, usize) {
        self.pairs.iter().fold((0, 0, 0), |(o, b, u), p| (o + p.ok, b + p.broken, u + p.unverified))
    }

    /// The broken paths per pair of Regions, `from → to`.
    pub fn broken_by_pair(&self) -> BTreeMap<(Region, Region), usize> {
        self.pairs
            .iter()
            .filter(|p| p.broken > 0)
            .map(|p| ((p.from_region.clone(), p.to_region.clone()), p.broken))
            .collect()
    }
}

/// Walks every path of `observed` (see the module's docs). Regions whose
/// transit gateway cannot be resolved have no paths.
pub fn verify(observed: &Observed, config: &Config, keep: Keep) -> Verification {
    walk::walk(observed, config, keep, &BTreeSet::new())
}

/// [`verify`], noting which of the hops `watched` (keys, see
/// [`HopReport::key`]) with a destination were evaluated: a hop behind an
/// earlier broken one is not, and is not proven whole.
pub fn verify_watching(
    observed: &Observed,
    config: &Config,
    keep: Keep,
    watched: &BTreeSet<String>,
) -> Verification {
    walk::walk(observed, config, keep, watched)
}
