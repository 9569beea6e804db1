//! The walk of every path, hop by hop, with each hop computed once per
//! table and destination (see the module's docs).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::config::Config;
use crate::domain::{
    AttachmentId, Cidr, PeeringAttachment, PeeringState, PrefixListId, Region, RouteTableId,
    Segment, SegmentTag, TgwAttachment, TgwRoute, Vpc, VpcId, VpcRouteTable,
};
use crate::observed::{Gateway, Observed, RegionState};

use super::lookup::{
    lost_parts, reference_routes, tgw_candidates, tgw_describe, tgw_sends, vpc_candidates,
    Candidate, VpcHop,
};
use super::{Hop, HopReport, Keep, PairCount, PathReport, PathStatus, Presence, Verification};

/// What a hop found wrong: broken, or not verified.
#[derive(Debug)]
struct Mark {
    broken: bool,
    region: Region,
    hop: Hop,
    subject: String,
    to: Option<Cidr>,
    reason: String,
}

impl Mark {
    /// As [`HopReport::key`].
    fn key(&self) -> String {
        super::hop_key(&self.region, self.hop, &self.subject, self.to.as_ref())
    }

    /// A mark of `hop` in `region`: [`BROKEN`] or [`UNVERIFIED`].
    fn new(
        broken: bool,
        region: &Region,
        hop: Hop,
        subject: impl ToString,
        to: Option<Cidr>,
        reason: String,
    ) -> Rc<Mark> {
        let (region, subject) = (region.clone(), subject.to_string());
        Rc::new(Mark { broken, region, hop, subject, to, reason })
    }
}

/// A [`Mark`] that breaks paths.
const BROKEN: bool = true;
/// A [`Mark`] of a hop that could not be verified.
const UNVERIFIED: bool = false;

/// The hops a caller watches (keys of hops announced broken): which of
/// them with a destination were evaluated, whole or not (a hop not
/// evaluated, behind an earlier broken hop, is not proven whole).
#[derive(Default)]
struct Watch {
    keys: BTreeSet<String>,
    /// The subjects of `keys` with a destination: the only ones whose
    /// evaluations are noted (no key is built for the others).
    subjects: BTreeSet<String>,
    seen: RefCell<BTreeSet<String>>,
}

impl Watch {
    fn of(keys: &BTreeSet<String>) -> Watch {
        let subjects = keys
            .iter()
            .filter_map(|k| super::records::parse_key(k))
            .filter(|(.., to)| to.is_some())
            .map(|(_, _, subject, _)| subject)
            .collect();
        Watch { keys: keys.clone(), subjects, seen: RefCell::default() }
    }

    /// Notes that hop (`region`, `hop`, `subject`, `dest`) was evaluated.
    fn evaluated(&self, region: &Region, hop: Hop, subject: &str, dest: &Cidr) {
        if !self.subjects.contains(subject) {
            return;
        }
        let key = super::hop_key(region, hop, subject, Some(dest));
        if self.keys.contains(&key) {
            self.seen.borrow_mut().insert(key);
        }
    }
}

/// The marks of one or more hops, in walk order; empty: whole.
type Checked = Vec<Rc<Mark>>;

/// A VPC route table with its routes weighed, and the lists it routes
/// whose entries are not read.
type WeighedVpcTable<'a> = (&'a VpcRouteTable, Vec<Candidate<VpcHop<'a>>>, Vec<&'a PrefixListId>);

/// One Region as the walk sees it, with what its hops need computed once.
struct Side<'a> {
    region: &'a Region,
    state: &'a RegionState,
    gw: Gateway,
    /// The tagged VPCs and their segments.
    members: Vec<(&'a Vpc, Segment)>,
    /// Each member's attachment to the gateway (the `available` one first).
    attachments: BTreeMap<&'a VpcId, &'a TgwAttachment>,
    /// Each member's route tables that send something to the gateway, or
    /// the mark of hop 1 when it breaks (or cannot verify) every
    /// destination.
    vpc_tables: BTreeMap<&'a VpcId, Result<Vec<WeighedVpcTable<'a>>, Rc<Mark>>>,
    /// The routes of every transit gateway table read, weighed.
    tables: BTreeMap<&'a RouteTableId, Vec<Candidate<TgwRoute>>>,
}

/// Walks every path of `observed`.
pub(super) fn walk(
    observed: &Observed,
    config: &Config,
    keep: Keep,
    watched: &BTreeSet<String>,
) -> Verification {
    let gateways: Vec<(&Region, &RegionState, Gateway)> = observed
        .regions
        .iter()
        .filter_map(|(r, s)| Some((r, s, s.gateway(r, config).ok()?)))
        .collect();
    let declared = gateways.iter().any(|(_, _, g)| g.tables.declared);
    let sides: Vec<Side<'_>> =
        gateways.into_iter().map(|(r, s, gw)| side(r, s, gw, config, declared)).collect();
    let peerings = observed.peerings();
    let mut tally = Tally { keep: Some(keep), watch: Watch::of(watched), ..Tally::default() };
    tally.regions = sides.iter().map(|s| s.region.clone()).collect();
    tally.present = presence(&sides, &peerings);
    for a in &sides {
        for b in sides.iter().filter(|b| b.region != a.region) {
            walk_pair(a, b, pair_peering(&peerings, a, b), config, &mut tally);
        }
    }
    tally.finish()
}

/// What the walk's hops can be about: the members, their route tables and
/// attachments, the transit gateway tables read, the peerings and their
/// gateway pairs, and the members' CIDRs.
fn presence(sides: &[Side<'_>], peerings: &[PeeringAttachment]) -> Presence {
    let mut present = Presence::default();
    for side in sides {
        for (v, _) in &side.members {
            present.subjects.insert(v.id.to_string());
            present.cidrs.extend(v.associated_cidrs());
        }
        let tables = side.vpc_tables.values().flat_map(|t| t.iter().flatten());
        present.subjects.extend(tables.map(|(t, ..)| t.id.to_string()));
        present.subjects.extend(side.attachments.values().map(|a| a.id.to_string()));
        present.subjects.extend(side.tables.keys().map(ToString::to_string));
    }
    for p in peerings {
        present.subjects.insert(p.id.to_string());
        let (x, y) = (&p.requester.transit_gateway_id, &p.accepter.transit_gateway_id);
        let (first, second) = if x <= y { (x, y) } else { (y, x) };
        present.subjects.insert(format!("{first}/{second}"));
    }
    present
}

/// The VPC's segment, if it is a member of one: `true` is the default
/// segment; a segment name counts only where segments are declared.
fn segment_of(vpc: &Vpc, config: &Config, declared: bool) -> Option<Segment> {
    match SegmentTag::of(vpc.tags.get(&config.tag_key).map(String::as_str)) {
        SegmentTag::Segment(s) if declared || s.is_default() => Some(s),
        SegmentTag::Segment(_) | SegmentTag::NotTagged | SegmentTag::Invalid(_) => None,
    }
}

/// Region `region` as the walk sees it (see [`Side`]).
fn side<'a>(
    region: &'a Region,
    state: &'a RegionState,
    gw: Gateway,
    config: &Config,
    declared: bool,
) -> Side<'a> {
    let members: Vec<(&Vpc, Segment)> =
        state.vpcs.iter().filter_map(|v| Some((v, segment_of(v, config, declared)?))).collect();
    let ids: BTreeMap<&VpcId, &VpcId> = members.iter().map(|(v, _)| (&v.id, &v.id)).collect();
    let mut attachments: BTreeMap<&VpcId, &TgwAttachment> = BTreeMap::new();
    for a in state.attachments.iter().filter(|a| !crate::planner::is_terminal(a)) {
        let Some(vpc) = a.vpc().and_then(|id| ids.get(&id).copied()) else {
            continue;
        };
        let better = attachments.get(vpc).is_none_or(|b| !b.is_available() && a.is_available());
        if better {
            attachments.insert(vpc, a);
        }
    }
    let vpc_tables =
        members.iter().map(|(v, _)| (&v.id, sending_tables(region, state, &gw, v))).collect();
    let tables = state
        .route_table
        .iter()
        .chain(&state.segment_tables)
        .chain(state.verify.iter().flat_map(|v| &v.tables))
        .filter(|t| t.partial.is_none())
        .map(|t| {
            let listed = reference_routes(&t.routes, &t.references, &state.ledger);
            (&t.id, tgw_candidates(t.routes.iter().cloned().chain(listed)))
        })
        .collect();
    Side { region, state, gw, members, attachments, vpc_tables, tables }
}

/// Hop 1's tables of `vpc`: those serving its subnets that send something
/// to the gateway, weighed; or the mark when there is none, or they were
/// not read.
fn sending_tables<'a>(
    region: &Region,
    state: &'a RegionState,
    gw: &Gateway,
    vpc: &Vpc,
) -> Result<Vec<WeighedVpcTable<'a>>, Rc<Mark>> {
    let hop = Hop::VpcRouteTable;
    let own = vpc.owner.is_none() || vpc.owner == state.account;
    let read: Option<&'a [VpcRouteTable]> = if own {
        state.vpc_route_tables.as_deref().or_else(|| state.verify.as_ref()?.vpc_tables.as_deref())
    } else {
        let owner = vpc.owner.as_ref().expect("a workload VPC has an owner");
        match state.verify.as_ref().and_then(|v| v.workload_tables.get(owner)) {
            Some(Ok(tables)) => Some(tables.as_slice()),
            Some(Err(why)) => {
                let reason =
                    format!("the route tables of account {owner} could not be read: {why}");
                return Err(Mark::new(UNVERIFIED, region, hop, &vpc.id, None, reason));
            }
            None => None,
        }
    };
    let Some(read) = read else {
        let reason = "the VPC's route tables were not read".to_owned();
        return Err(Mark::new(UNVERIFIED, region, hop, &vpc.id, None, reason));
    };
    let sending: Vec<WeighedVpcTable<'a>> = read
        .iter()
        .filter(|t| t.vpc_id == vpc.id && t.serves_subnets && t.routes_to(&gw.transit_gateway_id))
        .map(|t| {
            let (candidates, unread) = vpc_candidates(t, &state.ledger);
            (t, candidates, unread)
        })
        .collect();
    if sending.is_empty() {
        let reason = format!(
            "no route table that serves the VPC's subnets has a route toward {}",
            gw.transit_gateway_id
        );
        return Err(Mark::new(BROKEN, region, hop, &vpc.id, None, reason));
    }
    Ok(sending)
}

/// The `available` peering between the two sides' gateways, or the mark
/// of the pair's [`Hop::Peering`].
fn pair_peering<'p>(
    peerings: &'p [PeeringAttachment],
    a: &Side<'_>,
    b: &Side<'_>,
) -> Result<&'p PeeringAttachment, Rc<Mark>> {
    let (x, y) = (&a.gw.transit_gateway_id, &b.gw.transit_gateway_id);
    let linking: Vec<&PeeringAttachment> = peerings.iter().filter(|p| p.links(x, y)).collect();
    let up = |p: &&&PeeringAttachment| {
        p.state_in(a.region) == PeeringState::Available
            && p.state_in(b.region) == PeeringState::Available
    };
    if let Some(p) = linking.iter().find(up) {
        return Ok(p);
    }
    let seen: Vec<String> = linking.iter().map(|p| format!("{} ({})", p.id, p.state())).collect();
    let reason = if seen.is_empty() {
        format!("no peering links {x} and {y} ({})", b.region)
    } else {
        format!("no peering between {x} and {y} is available: {}", seen.join(", "))
    };
    // One hop for both directions: the gateways in order, in the first
    // Region by name.
    let (first, second) = if x <= y { (x, y) } else { (y, x) };
    let region = a.region.min(b.region);
    Err(Mark::new(BROKEN, region, Hop::Peering, format!("{first}/{second}"), None, reason))
}

/// A VPC's attachment and the table it is associated with, or the mark of
/// its [`Hop::Attachment`].
type Attached<'a> = Result<(&'a TgwAttachment, &'a RouteTableId), Rc<Mark>>;

/// The [`Attached`] of `vpc` on `side`.
fn attachment<'a>(side: &Side<'a>, vpc: &VpcId) -> Attached<'a> {
    let hop = Hop::Attachment;
    let Some(att) = side.attachments.get(vpc) else {
        let reason = format!("the VPC has no attachment to {}", side.gw.transit_gateway_id);
        return Err(Mark::new(BROKEN, side.region, hop, vpc, None, reason));
    };
    if !att.is_available() {
        let reason = format!("the VPC's attachment is {}", att.state.as_str());
        return Err(Mark::new(BROKEN, side.region, hop, &att.id, None, reason));
    }
    match &att.association {
        Some(a) if a.state.is_live() => Ok((att, &a.route_table_id)),
        _ => {
            let reason = "the VPC's attachment is associated with no route table".to_owned();
            Err(Mark::new(BROKEN, side.region, hop, &att.id, None, reason))
        }
    }
}

/// The table `table` of `side` sends `dest` toward attachment `toward`, or
/// the mark of `hop` naming what it loses.
fn table_hop(
    side: &Side<'_>,
    (hop, table): (Hop, &RouteTableId),
    dest: &Cidr,
    toward: &AttachmentId,
    watch: &Watch,
) -> Checked {
    let Some(candidates) = side.tables.get(table) else {
        let reason = match side.state.any_table(table).and_then(|t| t.partial.as_deref()) {
            Some(why) => format!("the route table was not read whole: {why}"),
            None => "the route table was not read".to_owned(),
        };
        return vec![Mark::new(UNVERIFIED, side.region, hop, table, None, reason)];
    };
    watch.evaluated(side.region, hop, table.as_str(), dest);
    let lost = lost_parts(candidates, dest, |r| tgw_sends(r, toward));
    if lost.is_empty() {
        return Vec::new();
    }
    let parts: Vec<(Cidr, Option<String>)> =
        lost.into_iter().map(|(p, r)| (p, r.map(tgw_describe))).collect();
    let reason = format!("{} instead of {toward}", lost_text(dest, &parts));
    vec![Mark::new(BROKEN, side.region, hop, table, Some(*dest), reason)]
}

/// Hop 1 for `vpc` toward `dest`.
fn vpc_hop(side: &Side<'_>, vpc: &VpcId, dest: &Cidr, watch: &Watch) -> Checked {
    let tables = match &side.vpc_tables[vpc] {
        Ok(tables) => tables,
        Err(mark) => return vec![Rc::clone(mark)],
    };
    let tgw = &side.gw.transit_gateway_id;
    let mut out = Vec::new();
    for (table, candidates, unread) in tables {
        watch.evaluated(side.region, Hop::VpcRouteTable, table.id.as_str(), dest);
        let lost = lost_parts(candidates, dest, |h| h.sends(tgw));
        if lost.is_empty() {
            continue;
        }
        let parts: Vec<(Cidr, Option<String>)> =
            lost.into_iter().map(|(p, h)| (p, h.map(|h| h.describe()))).collect();
        let text = lost_text(dest, &parts);
        if unread.is_empty() {
            let reason = format!("{text} instead of {tgw}");
            out.push(Mark::new(
                BROKEN,
                side.region,
                Hop::VpcRouteTable,
                &table.id,
                Some(*dest),
                reason,
            ));
        } else {
            let lists: Vec<String> = unread.iter().map(ToString::to_string).collect();
            let reason =
                format!("{text}, unless prefix list {} (not read) holds it", lists.join(", "));
            out.push(Mark::new(
                UNVERIFIED,
                side.region,
                Hop::VpcRouteTable,
                &table.id,
                Some(*dest),
                reason,
            ));
        }
    }
    out
}

/// What a table loses of `dest`, in words.
fn lost_text(dest: &Cidr, parts: &[(Cidr, Option<String>)]) -> String {
    let each: Vec<String> = parts
        .iter()
        .map(|(part, to)| {
            let to = to.as_deref().unwrap_or("no route");
            if part == dest {
                format!("{dest} goes to {to}")
            } else {
                format!("{part} of {dest} goes to {to}")
            }
        })
        .collect();
    each.join("; ")
}

/// Every path from `a`'s members to `b`'s.
fn walk_pair(
    a: &Side<'_>,
    b: &Side<'_>,
    peering: Result<&PeeringAttachment, Rc<Mark>>,
    config: &Config,
    tally: &mut Tally,
) {
    let far_table = peering.as_ref().ok().map(|p| peering_table(b, p));
    let mut pair = PairCount {
        from_region: a.region.clone(),
        to_region: b.region.clone(),
        ok: 0,
        broken: 0,
        unverified: 0,
    };
    let sources: Vec<(&Vpc, &Segment, Attached<'_>)> =
        a.members.iter().map(|(v, s)| (*v, s, attachment(a, &v.id))).collect();
    for (w, t) in &b.members {
        let dest_attachment = attachment(b, &w.id);
        for dest in w.associated_cidrs() {
            let mut far: Checked = match (&far_table, &dest_attachment) {
                (Some(Ok(table)), Ok((att, _))) => {
                    table_hop(b, (Hop::PeeringRouteTable, table), &dest, &att.id, &tally.watch)
                }
                (Some(Err(mark)), _) => vec![Rc::clone(mark)],
                (Some(Ok(_)) | None, _) => Vec::new(),
            };
            if let Err(mark) = &dest_attachment {
                far.push(Rc::clone(mark));
            }
            let mut memo: BTreeMap<&RouteTableId, Checked> = BTreeMap::new();
            for (v, s, source) in &sources {
                if !crate::planner::reaches(s, t, config) {
                    continue;
                }
                let Some(from) = v.associated_cidrs().find(|c| c.is_ipv6() == dest.is_ipv6())
                else {
                    continue;
                };
                let mut marks = vpc_hop(a, &v.id, &dest, &tally.watch);
                match (source, &peering) {
                    (Err(mark), _) => marks.push(Rc::clone(mark)),
                    (Ok(_), Err(mark)) => marks.push(Rc::clone(mark)),
                    (Ok((_, table)), Ok(p)) => marks.extend(
                        memo.entry(table)
                            .or_insert_with(|| {
                                let hop = (Hop::AttachmentRouteTable, *table);
                                table_hop(a, hop, &dest, &p.id, &tally.watch)
                            })
                            .iter()
                            .cloned(),
                    ),
                }
                marks.extend(far.iter().cloned());
                let ends = Ends { a: a.region, v: &v.id, from, b: b.region, w: &w.id, dest };
                tally.path(&mut pair, &ends, &marks);
            }
        }
    }
    if pair.ok + pair.broken + pair.unverified > 0 {
        tally.pairs.insert((a.region.clone(), b.region.clone()), pair);
    }
}

/// The table the peering is associated with on side `b` (as its
/// attachment says, else as a table read lists it), or the mark of its
/// [`Hop::PeeringRouteTable`].
fn peering_table<'a>(
    b: &Side<'a>,
    peering: &PeeringAttachment,
) -> Result<&'a RouteTableId, Rc<Mark>> {
    let state = b.state;
    let by_attachment = state
        .attachments
        .iter()
        .find(|a| a.id == peering.id)
        .and_then(|a| a.association.as_ref())
        .filter(|a| a.state.is_live())
        .map(|a| &a.route_table_id);
    let by_table = || {
        state
            .route_table
            .iter()
            .chain(&state.segment_tables)
            .chain(state.verify.iter().flat_map(|v| &v.tables))
            .find(|t| t.associations.contains(&peering.id))
            .map(|t| &t.id)
    };
    by_attachment.or_else(by_table).ok_or_else(|| {
        let reason = format!("the peering is associated with no route table in {}", b.region);
        Mark::new(BROKEN, b.region, Hop::PeeringRouteTable, &peering.id, None, reason)
    })
}

/// The two ends of a path.
struct Ends<'a> {
    a: &'a Region,
    v: &'a VpcId,
    from: Cidr,
    b: &'a Region,
    w: &'a VpcId,
    dest: Cidr,
}

/// The paths counted, the hops with their counts, the paths kept.
#[derive(Default)]
struct Tally {
    keep: Option<Keep>,
    pairs: BTreeMap<(Region, Region), PairCount>,
    hops: BTreeMap<(bool, Region, Hop, String, Option<Cidr>), HopReport>,
    paths: Vec<PathReport>,
    regions: Vec<Region>,
    watch: Watch,
    present: Presence,
}

impl Tally {
    /// Counts one path in `pair`, each of its marks in its hop, and keeps
    /// it where [`Keep`] says.
    fn path(&mut self, pair: &mut PairCount, ends: &Ends<'_>, marks: &[Rc<Mark>]) {
        if marks.is_empty() && self.keep != Some(Keep::All) {
            pair.ok += 1;
            return;
        }
        let first = marks.iter().find(|m| m.broken).or_else(|| marks.first());
        let status = match first {
            None => PathStatus::Ok,
            Some(m) if m.broken => PathStatus::Broken,
            Some(_) => PathStatus::Unverified,
        };
        match status {
            PathStatus::Ok => pair.ok += 1,
            PathStatus::Broken => pair.broken += 1,
            PathStatus::Unverified => pair.unverified += 1,
        }
        for m in marks {
            let key = (!m.broken, m.region.clone(), m.hop, m.subject.clone(), m.to);
            self.hops
                .entry(key)
                .or_insert_with(|| HopReport {
                    region: m.region.clone(),
                    hop: m.hop,
                    subject: m.subject.clone(),
                    to: m.to,
                    reason: m.reason.clone(),
                    paths: 0,
                })
                .paths += 1;
        }
        let kept = match self.keep.unwrap_or(Keep::None) {
            Keep::All => true,
            Keep::NotWhole => status != PathStatus::Ok,
            Keep::None => false,
        };
        if kept {
            self.paths.push(PathReport {
                from: ends.from,
                from_vpc: ends.v.clone(),
                from_region: ends.a.clone(),
                to: ends.dest,
                to_vpc: ends.w.clone(),
                to_region: ends.b.clone(),
                status,
                hop: first.map(|m| m.hop),
                hop_region: first.map(|m| m.region.clone()),
                subject: first.map(|m| m.subject.clone()),
                reason: first.map(|m| m.reason.clone()),
                hops: marks.iter().map(|m| m.key()).collect(),
            });
        }
    }

    fn finish(self) -> Verification {
        let (mut broken, mut unverified) = (Vec::new(), Vec::new());
        for ((not_broken, ..), report) in self.hops {
            if not_broken {
                unverified.push(report);
            } else {
                broken.push(report);
            }
        }
        Verification {
            pairs: self.pairs.into_values().collect(),
            broken,
            unverified,
            paths: self.paths,
            regions: self.regions,
            evaluated: self.watch.seen.into_inner(),
            present: self.present,
        }
    }
}
