//! The ownership ledger of each Region: which routes are the tool's, and
//! the writes that keep the ledger lists true.
//!
//! Rules:
//! - [`RegionLedger::owner`]: a route for a CIDR is the tool's only when
//!   the CIDR is an entry of one of the Region's ledger lists;
//! - the table planners say which entries they need ([`LedgerNeeds`]): an
//!   entry for every route they create, move or adopt (added before the
//!   route writes), every entry whose route stays, and the entries of the
//!   routes they withdraw (released after the withdrawals);
//! - [`plan_ledger`]: an entry nothing needs and no route depends on is
//!   removed; each list is modified at most once per reconcile, at the
//!   version read; a list grows to what it holds (`ResizeLedger`), up to
//!   [`MAX_LEDGER_ENTRIES`], past which entries spill into a new list.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::domain::{
    AccountId, AttachmentId, Cidr, EntryOwner, Family, LedgerList, PrefixListId, Region,
    RouteTarget, Segment, TransitGatewayId, VpcId, MAX_DESCRIPTION, MAX_LEDGER_ENTRIES,
};

use super::desired::vpc_list;
use super::{Action, FindingCode, LedgerEntry, Plan, Planned};

/// One Region's ledger lists, as read: this deployment's lists (see
/// `deployments`) of managed peer Regions.
pub(super) struct RegionLedger<'a> {
    pub region: &'a Region,
    pub lists: Vec<&'a LedgerList>,
    /// Lists of a peer Region outside `PEERING_REGIONS`: neither proof nor
    /// changed; their routes are left as they are.
    pub unmanaged: Vec<&'a LedgerList>,
    /// For each CIDR, the peer Regions whose lists hold it (two while a
    /// CIDR moves from one peer Region to another).
    owners: BTreeMap<Cidr, Vec<&'a Region>>,
}

impl<'a> RegionLedger<'a> {
    /// The ledger of `region`: `lists` are the deployment's own.
    pub fn new(region: &'a Region, lists: Vec<&'a LedgerList>, config: &Config) -> Self {
        let (lists, unmanaged): (Vec<&LedgerList>, Vec<&LedgerList>) =
            lists.into_iter().partition(|l| config.regions.contains(&l.peer));
        let mut owners: BTreeMap<Cidr, Vec<&Region>> = BTreeMap::new();
        for l in &lists {
            for c in l.entries.keys() {
                owners.entry(*c).or_default().push(&l.peer);
            }
        }
        Self { region, lists, unmanaged, owners }
    }

    /// A peer Region whose ledger list holds `cidr`: proof that routes for
    /// it in this Region are the tool's.
    pub fn owner(&self, cidr: &Cidr) -> Option<&'a Region> {
        self.owners.get(cidr).and_then(|o| o.first().copied())
    }

    /// `peer` when its list holds `cidr`, else any peer whose list does.
    pub fn owner_for(&self, cidr: &Cidr, peer: &Region) -> Option<&'a Region> {
        let owners = self.owners.get(cidr)?;
        owners.iter().find(|p| **p == peer).or(owners.first()).copied()
    }

    /// True when the list of `peer` holds `cidr`.
    pub fn holds(&self, peer: &Region, cidr: &Cidr) -> bool {
        self.owners.get(cidr).is_some_and(|o| o.contains(&peer))
    }

    /// Every entry, across lists.
    pub fn size(&self) -> usize {
        self.lists.iter().map(|l| l.entries.len()).sum()
    }

    /// The `TAG_KEY` of a list written under another key, if any.
    pub fn other_tag_key(&self, config: &Config) -> Option<&'a LedgerList> {
        self.lists.iter().find(|l| l.tag_key != config.tag_key).copied()
    }

    /// The description an entry of `cidr` has, if any.
    pub fn description(&self, cidr: &Cidr) -> Option<&'a str> {
        self.lists.iter().find_map(|l| l.entries.get(cidr).map(String::as_str))
    }

    /// The list `id`, when it is one of this ledger's.
    pub fn list(&self, id: &PrefixListId) -> Option<&'a LedgerList> {
        self.lists.iter().find(|l| &l.id == id).copied()
    }

    /// The list holding `cidr`: its first owner's.
    pub fn list_holding(&self, cidr: &Cidr) -> Option<&'a LedgerList> {
        let peer = self.owner(cidr)?;
        self.lists.iter().find(|l| &l.peer == peer && l.entries.contains_key(cidr)).copied()
    }
}

/// What the ledger's writes need to know besides the needs of the tables.
pub(super) struct LedgerWrites<'a> {
    pub config: &'a Config,
    /// The deployment's managed transit gateway in the Region, recorded on
    /// every list it creates.
    pub transit_gateway: &'a TransitGatewayId,
    /// The account of each VPC, for the entries' descriptions.
    pub accounts: &'a BTreeMap<VpcId, AccountId>,
    /// The available peering toward each peer Region, recorded on the
    /// lists created for its routes.
    pub vias: &'a BTreeMap<Region, AttachmentId>,
    /// The lists frozen by a reference someone changed, and where it points.
    pub frozen: &'a BTreeMap<PrefixListId, RouteTarget>,
    /// When the state was read (seconds since the Unix epoch): a failed
    /// resize is not asked again within the hour.
    pub now: i64,
    /// The segment whose table the lists serve (`None`: the default's,
    /// named and tagged as before segments).
    pub segment: Option<&'a Segment>,
}

/// The description of an entry owned by `owners`: the fixed form of
/// [`EntryOwner`] when every owner's account is known, else their VPC IDs
/// (which name no owner: such an entry is held while its Region has an
/// account that cannot be read).
fn describe(owners: &BTreeSet<VpcId>, accounts: &BTreeMap<VpcId, AccountId>) -> String {
    let known: Option<Vec<EntryOwner>> = owners
        .iter()
        .map(|v| Some(EntryOwner { account: accounts.get(v)?.clone(), vpc: v.clone() }))
        .collect();
    match known {
        Some(owners) if !owners.is_empty() => EntryOwner::describe(&owners),
        _ => vpc_list(owners),
    }
}

/// What the route tables of one Region need of its ledger.
#[derive(Debug, Default)]
pub(super) struct LedgerNeeds {
    /// Entries that must be in before this plan's route writes, with the
    /// VPCs that own each (its description).
    pub add: BTreeMap<(Region, Cidr), BTreeSet<VpcId>>,
    /// Entries whose routes stay.
    pub keep: BTreeSet<(Region, Cidr)>,
    /// Entries of routes this plan withdraws.
    pub release: BTreeSet<(Region, Cidr)>,
}

/// The writes of one Region's ledger: entries added before the route writes,
/// entries nothing needs removed, entries of withdrawn routes released.
pub(super) fn plan_ledger(
    ledger: &RegionLedger<'_>,
    needs: &LedgerNeeds,
    writes: &LedgerWrites<'_>,
    out: &mut Plan,
) {
    let mut groups: BTreeMap<(Region, Family), Vec<&LedgerList>> = BTreeMap::new();
    for list in &ledger.lists {
        groups.entry((list.peer.clone(), list.family)).or_default().push(list);
    }
    for (peer, cidr) in needs.add.keys() {
        groups.entry((peer.clone(), Family::of(cidr))).or_default();
    }
    for ((peer, family), mut lists) in groups {
        lists.sort_by(|a, b| a.name.cmp(&b.name));
        let group = Group { region: ledger.region, peer: &peer, family, lists };
        group.plan(ledger, needs, writes, out);
    }
}

/// Why a list takes no change this time.
enum Skip {
    Frozen,
    Busy,
}

/// The lists of one peer Region and address family.
struct Group<'a> {
    region: &'a Region,
    peer: &'a Region,
    family: Family,
    lists: Vec<&'a LedgerList>,
}

impl Group<'_> {
    fn plan(
        &self,
        ledger: &RegionLedger<'_>,
        needs: &LedgerNeeds,
        writes: &LedgerWrites<'_>,
        out: &mut Plan,
    ) {
        let mut adds: Vec<LedgerEntry> = needs
            .add
            .iter()
            .filter(|((p, c), _)| p == self.peer && Family::of(c) == self.family)
            .filter(|((_, c), _)| !ledger.holds(self.peer, c))
            .map(|((_, c), o)| LedgerEntry {
                cidr: *c,
                description: truncate(&describe(o, writes.accounts)),
            })
            .collect();
        let mut busy = false;
        let mut cannot_grow = None;
        for list in &self.lists {
            match self.skipped(list, writes, out) {
                Some(Skip::Frozen) => continue,
                Some(Skip::Busy) => {
                    busy = true;
                    continue;
                }
                None => {}
            }
            let stale = self.stale(list, ledger, needs);
            let kept = list.entries.len() - stale.len();
            let mut room = MAX_LEDGER_ENTRIES.saturating_sub(kept);
            // A resize that failed (a resource that references the list
            // cannot take the size) is not asked again yet: the list takes
            // what fits, the rest waits (no list after it takes them).
            let wanted = (kept + adds.len().min(room)).max(list.max_entries);
            if cannot_grow.is_some() {
                room = 0;
            } else if let Some(why) = list.failed_resize(wanted, writes.now) {
                room = list.max_entries.saturating_sub(kept);
                cannot_grow = Some((list.id.clone(), wanted, why.to_owned()));
            }
            let here: Vec<LedgerEntry> = adds.drain(..adds.len().min(room)).collect();
            // An entry is released only when no other table of the Region
            // keeps or adds a route for it.
            let released = self.entries_of(list, |k| {
                needs.release.contains(k) && !needs.keep.contains(k) && !needs.add.contains_key(k)
            });
            modify(self.region, list, here, stale, released, out);
        }
        if !adds.is_empty() && self.wait(adds.len(), cannot_grow, busy, out) {
            return;
        }
        self.create(adds, writes, out);
    }

    /// Whether the `count` CIDRs no list took wait (said in a finding)
    /// rather than go to a new list: behind a resize that failed (a
    /// security group that references the list would miss a new list), or
    /// a busy list, whose room is not known until AWS has applied its
    /// change (their routes wait too, see `unrecorded_routes_wait`).
    fn wait(
        &self,
        count: usize,
        cannot_grow: Option<(PrefixListId, usize, String)>,
        busy: bool,
        out: &mut Plan,
    ) -> bool {
        let subject = format!("ledger of {} ({})", self.peer, self.family);
        let (code, reason) = match (cannot_grow, busy) {
            (Some((id, size, why)), _) => (FindingCode::ResizeFailed, format!(
                "{count} CIDR(s) of {} wait: the resize of {id} to {size} entries failed ({why}); raise the quota of the resource that references the list (a security group's rules, a route table's routes), or remove that reference. The resize is asked again when the list or the size it needs changes, or after an hour",
                self.peer
            )),
            (None, true) => (FindingCode::LedgerListBusy, format!(
                "{count} CIDR(s) of {} wait until the {} ledger list has applied its last change",
                self.peer, self.family
            )),
            (None, false) => return false,
        };
        out.found(code, self.region, subject, reason);
        true
    }

    /// Why `list` takes no change this time, if it takes none (said in a
    /// finding): frozen by a reference someone changed (left as it is; new
    /// CIDRs of the peer go to another list: they are not what someone
    /// redirected or isolated), or busy applying a change.
    fn skipped(
        &self,
        list: &LedgerList,
        writes: &LedgerWrites<'_>,
        out: &mut Plan,
    ) -> Option<Skip> {
        let subject = format!("ledger list {}", list.id);
        if let Some(target) = writes.frozen.get(&list.id) {
            let (code, reason) = match target {
                RouteTarget::Blackhole => (FindingCode::Isolated, "its reference in the managed table is a blackhole that no deletion of the tool's peering explains (someone's isolation of every CIDR it holds): kept; no entry is added or released while it is".to_owned()),
                other @ (RouteTarget::Attachment(_) | RouteTarget::Unknown) => (
                    FindingCode::ListFrozen,
                    format!("its reference in the managed table goes to {other} (set by someone else): left alone; no entry is added or released while it does"),
                ),
            };
            out.found(code, self.region, subject, reason);
            return Some(Skip::Frozen);
        }
        if list.is_busy() {
            let reason = format!(
                "the list is {}; it is changed once AWS has applied the last change",
                list.state
            );
            out.found(FindingCode::LedgerListBusy, self.region, subject, reason);
            return Some(Skip::Busy);
        }
        if list.has_failed() {
            // A failed change leaves the list as it was (AWS names the
            // resources that refused it); the list is still written to.
            let message = list.state_message.as_deref().unwrap_or("AWS gives no state message");
            let reason = format!("the list's last change failed ({}): {message}", list.state);
            out.found(FindingCode::ListChangeFailed, self.region, subject, reason);
        }
        None
    }

    /// The entries of `list` that `pick` selects, by (peer, CIDR).
    fn entries_of(&self, list: &LedgerList, pick: impl Fn(&(Region, Cidr)) -> bool) -> Vec<Cidr> {
        list.entries.keys().filter(|c| pick(&(self.peer.clone(), **c))).copied().collect()
    }

    /// Entries no route of the plan needs: not added, kept or released,
    /// and not a CIDR moving to another peer Region's list that does not
    /// hold it yet (the entry stays until then: never a moment without
    /// proof).
    fn stale(
        &self,
        list: &LedgerList,
        ledger: &RegionLedger<'_>,
        needs: &LedgerNeeds,
    ) -> Vec<Cidr> {
        let moving = |c: &Cidr| {
            needs.add.keys().any(|(p, x)| x == c && p != self.peer && !ledger.holds(p, c))
        };
        self.entries_of(list, |k| {
            !needs.add.contains_key(k)
                && !needs.keep.contains(k)
                && !needs.release.contains(k)
                && !moving(&k.1)
        })
    }

    /// New lists for the entries no existing list has room for.
    fn create(&self, mut adds: Vec<LedgerEntry>, writes: &LedgerWrites<'_>, out: &mut Plan) {
        let mut part = self.lists.len();
        while !adds.is_empty() {
            let entries: Vec<LedgerEntry> =
                adds.drain(..adds.len().min(MAX_LEDGER_ENTRIES)).collect();
            let name = match writes.segment {
                Some(s) => LedgerList::name_in(s, self.peer, self.family, part),
                None => LedgerList::name_for(self.peer, self.family, part),
            };
            out.actions.push(Planned {
                reason: format!(
                    "{} {} CIDR(s) of {} are routed here and need a ledger list to record them",
                    entries.len(),
                    self.family,
                    self.peer
                ),
                action: Action::CreateLedger {
                    region: self.region.clone(),
                    peer: self.peer.clone(),
                    family: self.family,
                    name,
                    tag_key: writes.config.tag_key.clone(),
                    transit_gateway: writes.transit_gateway.clone(),
                    peering: writes.vias.get(self.peer).cloned(),
                    segment: writes.segment.cloned(),
                    max_entries: entries.len(),
                    entries,
                },
            });
            part += 1;
        }
    }
}

/// The writes of one list: a resize when the additions do not fit, one
/// update (additions and stale entries) or, when the list has no other
/// change, the release of withdrawn routes' entries.
fn modify(
    region: &Region,
    list: &LedgerList,
    add: Vec<LedgerEntry>,
    stale: Vec<Cidr>,
    released: Vec<Cidr>,
    out: &mut Plan,
) {
    let size = list.entries.len() + add.len() - stale.len();
    if size > list.max_entries {
        out.actions.push(Planned {
            action: Action::ResizeLedger {
                region: region.clone(),
                prefix_list_id: list.id.clone(),
                max_entries: size,
                version: list.version,
            },
            reason: format!(
                "{} holds {} entries at most; it needs {size}",
                list.id, list.max_entries
            ),
        });
    }
    if !add.is_empty() || !stale.is_empty() {
        let reason = match (add.len(), stale.len()) {
            (a, 0) => format!("{a} CIDR(s) are routed by the tool from now on: recorded before their routes are written"),
            (0, s) => format!("{s} entries have no route of the tool's any more"),
            (a, s) => format!("{a} CIDR(s) are routed from now on; {s} entries have no route any more"),
        };
        out.actions.push(Planned {
            action: Action::UpdateLedger {
                region: region.clone(),
                prefix_list_id: list.id.clone(),
                version: list.version,
                add,
                remove: stale,
            },
            reason,
        });
    } else if !released.is_empty() {
        out.actions.push(Planned {
            action: Action::ReleaseLedger {
                region: region.clone(),
                prefix_list_id: list.id.clone(),
                version: list.version,
                remove: released,
            },
            reason: "their routes are withdrawn by this reconcile; released once the withdrawals succeed".to_owned(),
        });
    }
}

/// A description that fits AWS's 255 characters.
fn truncate(description: &str) -> String {
    let mut d = description.to_owned();
    if d.len() > MAX_DESCRIPTION {
        let mut end = MAX_DESCRIPTION;
        while !d.is_char_boundary(end) {
            end -= 1;
        }
        d.truncate(end);
    }
    d
}

/// Route writes that need a ledger entry the plan neither holds nor adds
/// (its list is busy) are taken out of the plan and wait: a route is never
/// written before its entry.
pub(super) fn unrecorded_routes_wait(ledger: &RegionLedger<'_>, plan: &mut Plan) {
    let added: BTreeSet<Cidr> =
        plan.actions.iter().flat_map(|p| p.action.added_entries()).map(|e| e.cidr).collect();
    let recorded = |c: &Cidr| ledger.owner(c).is_some() || added.contains(c);
    let (kept, waiting): (Vec<Planned>, Vec<Planned>) = std::mem::take(&mut plan.actions)
        .into_iter()
        .partition(|p| p.action.needs_entry().is_none_or(|c| recorded(&c)));
    plan.actions = kept;
    for p in waiting {
        let reason = "its ledger entry cannot be written yet; the route waits for it".to_owned();
        let subject = p.action.to_string();
        plan.found(FindingCode::RouteAwaitsLedgerEntry, ledger.region, subject, reason);
    }
}
