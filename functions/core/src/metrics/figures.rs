//! The figures of one reconcile, from its plan and the path verification
//! that followed it, and the documents they make.

use std::collections::BTreeMap;

use super::catalog::{self as m, Scope};
use super::emf::{Document, Figure};
use crate::config::Config;
use crate::domain::{PeeringState, Region, RouteTableId, TransitGatewayId};
use crate::observed::Observed;
use crate::planner::{PeeringNeed, Plan, RouteMark, TableReport};
use crate::verify::Verification;

/// One managed route table, as the plan read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFigures {
    pub region: Region,
    pub route_table: RouteTableId,
    /// Routes counted against the route quota, as read.
    pub counted: usize,
    /// Routes wanted and absent (this reconcile creates them).
    pub missing: usize,
    /// Routes toward a managed peering that nothing wants (withdrawn, or
    /// kept by a rule: protected, not proven, held…).
    pub extra: usize,
    /// Routes wanted where another route or CIDR stands in the way.
    pub conflicts: usize,
    /// Withdrawals held back by the withdrawal budget (`MAX_WITHDRAWALS`).
    pub held: usize,
}

/// One managed transit gateway's share of its route quota.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayFigures {
    pub region: Region,
    pub transit_gateway: TransitGatewayId,
    /// Routes counted in the tables read, over the gateway's route quota,
    /// in percent with two decimals. Tables the tool does not read are not
    /// counted (`status` names them), so this is a floor.
    pub used_percent: f64,
}

/// A peering that is not `available` this long after it was created is
/// overdue: AWS makes one in minutes, and the attachment watcher gives up
/// (`Peering Stuck`) after the same 30 minutes.
pub const PEERING_OVERDUE_SECS: i64 = crate::events::RECHECK_GIVE_UP_SECS;

/// One pair of managed Regions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairFigures {
    /// Whether its peering is `available`; `None` when no peering is
    /// needed (not both Regions have tagged VPCs, and none exists).
    pub available: Option<bool>,
    /// Not `available`, and not because AWS is still making it: its
    /// peering (or a failed one) was created [`PEERING_OVERDUE_SECS`] ago
    /// or more, or when AWS did not say. A peering this plan requests is
    /// not overdue (a request that fails is an audit error).
    pub overdue: bool,
    /// Broken paths, both directions; `None` when the paths were not
    /// verified, or not both Regions were walked.
    pub broken: Option<usize>,
}

/// What the reconcile cost, besides its plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFigures {
    /// From the start of the read to the end of the follow-up (path
    /// verification, announcements, watches), in milliseconds.
    pub duration_ms: u64,
    /// EC2 operations that only read, and those that wrote.
    pub reads: usize,
    pub writes: usize,
    /// EC2 attempts refused for throttling (the SDK retries them while it has attempts left).
    pub throttles: usize,
    /// Events answered by this reconcile besides the one that led it.
    pub events_coalesced: usize,
}

/// Every figure of one reconcile. A reconcile that stopped before its plan
/// has only its [`RunFigures`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub run: RunFigures,
    /// Whether a plan was made (the tables, gateways and peerings below).
    pub planned: bool,
    pub tables: Vec<TableFigures>,
    pub gateways: Vec<GatewayFigures>,
    /// By Region pair, `a/b` with `a` < `b`.
    pub pairs: BTreeMap<String, PairFigures>,
    /// Broken paths of every pair together, when the paths were verified.
    pub broken_total: Option<usize>,
    /// Whether every pair of managed Regions was planned (none waits on a
    /// Region in transition or unresolved): only then is a count of the
    /// pairs overdue a measure, and written.
    pub every_pair: bool,
}

/// The name of a Region pair: both Regions, sorted, joined with `/`.
pub fn pair_name(a: &Region, b: &Region) -> String {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    format!("{x}/{y}")
}

impl Figures {
    /// The figures of `plan`, made over `observed` (its gateways), at
    /// `now` (seconds since the epoch).
    pub fn plan(&mut self, plan: &Plan, observed: &Observed, config: &Config, now: i64) {
        self.planned = true;
        self.tables = plan.tables.iter().map(table_figures).collect();
        self.gateways = gateway_figures(plan, observed, config);
        for p in &plan.peerings {
            let pair = pair_name(&p.requester.region, &p.accepter.region);
            let available = p.state.as_ref() == Some(&PeeringState::Available);
            let figures = self.pairs.entry(pair).or_default();
            figures.available = (p.need != PeeringNeed::None).then_some(available);
            figures.overdue = !available
                && match p.need {
                    PeeringNeed::None | PeeringNeed::Requested => false,
                    PeeringNeed::Since(None) => true,
                    PeeringNeed::Since(Some(at)) => now - at >= PEERING_OVERDUE_SECS,
                };
        }
        let n = config.regions.len();
        self.every_pair = plan.peerings.len() >= n * n.saturating_sub(1) / 2;
    }

    /// The broken paths of `v`, by pair of Regions walked.
    pub fn paths(&mut self, v: &Verification) {
        for (i, a) in v.regions.iter().enumerate() {
            for b in &v.regions[i + 1..] {
                self.pairs.entry(pair_name(a, b)).or_default().broken = Some(0);
            }
        }
        for count in &v.pairs {
            let pair = self.pairs.entry(pair_name(&count.from_region, &count.to_region));
            *pair.or_default().broken.get_or_insert(0) += count.broken;
        }
        self.broken_total = Some(v.pairs.iter().map(|c| c.broken).sum());
    }
}

/// A table's figures: its route marks and quota count.
fn table_figures(t: &TableReport) -> TableFigures {
    let marked = |mark: RouteMark| t.routes.iter().filter(|r| r.mark == mark).count();
    TableFigures {
        region: t.region.clone(),
        route_table: t.route_table_id.clone(),
        counted: t.quota.counted,
        missing: marked(RouteMark::Missing),
        extra: marked(RouteMark::Extra),
        conflicts: marked(RouteMark::Conflict),
        held: t.routes.iter().filter(|r| r.held).count(),
    }
}

/// Each managed gateway's routes over its quota: where segments are
/// declared, the routes of every table of it the tool reads together (as
/// AWS counts them), else its one managed table's.
fn gateway_figures(plan: &Plan, observed: &Observed, config: &Config) -> Vec<GatewayFigures> {
    let mut by_region: BTreeMap<&Region, (usize, usize)> = BTreeMap::new();
    for t in &plan.tables {
        let entry = by_region.entry(&t.region).or_insert((0, t.quota.quota));
        entry.0 = match &t.quota.gateway {
            Some(g) => g.counted,
            None => entry.0 + t.quota.counted,
        };
    }
    by_region
        .into_iter()
        .filter(|(_, (_, quota))| *quota > 0)
        .filter_map(|(region, (counted, quota))| {
            let gateway = observed.regions.get(region)?.gateway(region, config).ok()?;
            let used_percent = (counted as f64 * 10_000.0 / quota as f64).round() / 100.0;
            Some(GatewayFigures {
                region: region.clone(),
                transit_gateway: gateway.transit_gateway_id,
                used_percent,
            })
        })
        .collect()
}

/// The documents of `f`, stamped `timestamp` (ms since the epoch): one per
/// route table, transit gateway and Region pair, then the reconcile's.
pub fn documents(f: &Figures, timestamp: i64) -> Vec<Document> {
    let mut docs = Vec::new();
    for t in &f.tables {
        let mut d = Document::new(
            Scope::RouteTable,
            &[t.region.as_str(), t.route_table.as_str()],
            timestamp,
        );
        d.count(m::ROUTES_COUNTED, t.counted);
        d.count(m::MISSING_ROUTES, t.missing);
        d.count(m::EXTRA_ROUTES, t.extra);
        d.count(m::CONFLICTS, t.conflicts);
        d.count(m::HELD_WITHDRAWALS, t.held);
        docs.push(d);
    }
    for g in &f.gateways {
        let dims = [g.region.as_str(), g.transit_gateway.as_str()];
        let mut d = Document::new(Scope::TransitGateway, &dims, timestamp);
        d.set(m::QUOTA_USED_PERCENT, Figure::Real(g.used_percent));
        docs.push(d);
    }
    for (pair, p) in &f.pairs {
        let mut d = Document::new(Scope::RegionPair, &[pair.as_str()], timestamp);
        if let Some(available) = p.available {
            d.count(m::PEERING_AVAILABLE, usize::from(available));
        }
        if let Some(broken) = p.broken {
            d.count(m::BROKEN_PATHS, broken);
        }
        if !d.is_empty() {
            docs.push(d);
        }
    }
    docs.push(reconcile_document(f, timestamp));
    docs
}

/// The reconcile's document: what it cost, and the aggregates the alarms
/// watch: the fullest gateway when one was measured, the pairs overdue
/// when every pair was planned, the broken paths when they were verified.
fn reconcile_document(f: &Figures, timestamp: i64) -> Document {
    let mut d = Document::new(Scope::Reconcile, &[], timestamp);
    d.set(m::RECONCILE_DURATION_MS, Figure::Whole(f.run.duration_ms));
    d.count(m::READS, f.run.reads);
    d.count(m::WRITES, f.run.writes);
    d.count(m::THROTTLES, f.run.throttles);
    d.count(m::EVENTS_COALESCED, f.run.events_coalesced);
    // An aggregate is written only when it measured something: a 0 would
    // clear its alarm (which keeps its state while nothing is written).
    if let Some(max) = f.gateways.iter().map(|g| g.used_percent).reduce(f64::max) {
        d.set(m::MAX_QUOTA_USED_PERCENT, Figure::Real(max));
    }
    if f.planned && f.every_pair {
        let overdue = f.pairs.values().filter(|p| p.overdue).count();
        d.count(m::PEERINGS_UNAVAILABLE, overdue);
    }
    if let Some(total) = f.broken_total {
        d.count(m::BROKEN_PATHS_TOTAL, total);
    }
    d
}
