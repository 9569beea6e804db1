//! Where a route table sends a destination CIDR: longest prefix first, then
//! each kind of table's order among routes of the same prefix, part by
//! part.
//!
//! - Transit gateway tables ("Route evaluation order", Amazon VPC Transit
//!   Gateways guide, `how-transit-gateways-work`): the most specific route,
//!   then static routes, then prefix-list references, then propagated
//!   routes.
//! - VPC tables ("How route priority works", Amazon VPC user guide,
//!   `route-tables-priority`): the most specific route, then static routes
//!   (the local route first), then prefix-list routes, then propagated
//!   routes (`EnableVgwRoutePropagation`).
//!
//! A blackhole (made so, or a route whose target is gone: state
//! `blackhole`) counts like any route: it takes its part and drops it.

use crate::domain::{
    AttachmentId, Cidr, LedgerList, ListReference, PrefixListId, RouteKind, RouteTarget, TgwRoute,
    TransitGatewayId, VpcListRoute, VpcRoute, VpcRouteTable, VpcRouteTarget,
};

/// One route as the lookup weighs it: its prefix, its rank among routes
/// of the same prefix (lower wins), and the route.
#[derive(Debug, Clone)]
pub(super) struct Candidate<T> {
    pub prefix: Cidr,
    pub rank: u8,
    pub route: T,
}

/// The parts of `dest` that `routes` do not send where the path needs
/// them (`sends` says which routes do), each with the route that takes it
/// (`None`: no route covers it), most general first; empty when the whole
/// of `dest` goes the right way.
///
/// The best route that covers the whole of `dest` decides it; then every
/// more specific route inside `dest` decides its own part. A lost part is
/// named by its route's prefix (a more specific route inside it that sends
/// its own part the right way is not subtracted from the name).
pub(super) fn lost_parts<'c, T>(
    routes: &'c [Candidate<T>],
    dest: &Cidr,
    sends: impl Fn(&T) -> bool,
) -> Vec<(Cidr, Option<&'c T>)> {
    fn best<'c, T>(
        mut matching: impl Iterator<Item = &'c Candidate<T>>,
    ) -> Option<&'c Candidate<T>> {
        let first = matching.next()?;
        Some(matching.fold(first, |b, c| {
            let key = |x: &Candidate<T>| (std::cmp::Reverse(x.prefix.net().prefix_len()), x.rank);
            if key(c) < key(b) {
                c
            } else {
                b
            }
        }))
    }
    let mut lost = Vec::new();
    let mut inner: Vec<&Cidr> =
        routes.iter().map(|c| &c.prefix).filter(|p| *p != dest && dest.contains(p)).collect();
    inner.sort_by_key(|p| (p.net().prefix_len(), **p));
    inner.dedup();
    match best(routes.iter().filter(|c| c.prefix.contains(dest))) {
        // No route covers the whole: the parts no more specific route
        // covers either go nowhere.
        None => lost.extend(gaps(*dest, &inner).into_iter().map(|g| (g, None))),
        Some(c) if !sends(&c.route) => lost.push((*dest, Some(&c.route))),
        Some(_) => {}
    }
    if inner.is_empty() {
        return lost;
    }
    for part in inner {
        if let Some(c) = best(routes.iter().filter(|c| &c.prefix == part)) {
            if !sends(&c.route) {
                lost.push((*part, Some(&c.route)));
            }
        }
    }
    lost
}

/// The parts of `block` that none of `covering` (blocks inside it) covers,
/// as few blocks as halving finds them.
fn gaps(block: Cidr, covering: &[&Cidr]) -> Vec<Cidr> {
    if covering.iter().any(|c| c.contains(&block)) {
        return Vec::new();
    }
    if !covering.iter().any(|c| block.contains(c)) {
        return vec![block];
    }
    let net = block.net();
    let Ok(halves) = net.subnets(net.prefix_len() + 1) else {
        return vec![block];
    };
    halves.flat_map(|h| gaps(Cidr::from(h), covering)).collect()
}

/// A transit gateway table's routes, ranked: static, then prefix-list
/// references' entries, then propagated.
pub(super) fn tgw_candidates(routes: impl Iterator<Item = TgwRoute>) -> Vec<Candidate<TgwRoute>> {
    routes
        .map(|r| {
            let rank = match (r.kind, &r.prefix_list) {
                (_, Some(_)) => 1,
                (RouteKind::Static, None) => 0,
                (RouteKind::Propagated, None) => 2,
            };
            Candidate { prefix: r.cidr, rank, route: r }
        })
        .collect()
}

/// The routes a table's references to the tool's ledger lists install, as
/// `SearchTransitGatewayRoutes` lists them (an entry each, with its list),
/// for the references whose entries the search did not list.
pub(super) fn reference_routes(
    routes: &[TgwRoute],
    references: &[ListReference],
    lists: &[LedgerList],
) -> Vec<TgwRoute> {
    let mut out = Vec::new();
    for r in references {
        let listed = routes.iter().any(|x| x.prefix_list.as_ref() == Some(&r.prefix_list_id));
        let Some(list) = lists.iter().find(|l| l.id == r.prefix_list_id) else { continue };
        if listed {
            continue;
        }
        let state = if r.target == RouteTarget::Blackhole { "blackhole" } else { "active" };
        out.extend(list.entries.keys().map(|c| TgwRoute {
            cidr: *c,
            kind: RouteKind::Propagated,
            target: r.target.clone(),
            state: state.to_owned(),
            prefix_list: Some(r.prefix_list_id.clone()),
            former_target: None,
        }));
    }
    out
}

/// True when the transit gateway route sends its traffic to `expected`.
pub(super) fn tgw_sends(route: &TgwRoute, expected: &AttachmentId) -> bool {
    // `pending`, `deleting` and `blackhole` routes carry nothing yet or any
    // more (API reference, `TransitGatewayRoute`: State).
    matches!(&route.target, RouteTarget::Attachment(a) if a == expected) && route.state == "active"
}

/// Where a transit gateway route sends its traffic, in words.
pub(super) fn tgw_describe(r: &TgwRoute) -> String {
    let kind = match (r.kind, &r.prefix_list) {
        (_, Some(list)) => format!("the entry {} of prefix list {list}", r.cidr),
        (RouteKind::Static, None) => format!("static route {}", r.cidr),
        (RouteKind::Propagated, None) => format!("propagated route {}", r.cidr),
    };
    match &r.target {
        RouteTarget::Attachment(a) if r.state == "blackhole" => {
            format!("a blackhole ({kind} toward {a}, which is gone)")
        }
        RouteTarget::Attachment(a) => format!("{a} ({kind})"),
        RouteTarget::Blackhole => format!("a blackhole ({kind})"),
        RouteTarget::Unknown => format!("an unreported target ({kind})"),
    }
}

/// A route of a VPC table, a CIDR route or one entry of a prefix-list route.
#[derive(Debug, Clone, Copy)]
pub(super) enum VpcHop<'a> {
    Cidr(&'a VpcRoute),
    List(&'a VpcListRoute),
}

impl VpcHop<'_> {
    fn target(&self) -> &VpcRouteTarget {
        match self {
            VpcHop::Cidr(r) => &r.target,
            VpcHop::List(r) => &r.target,
        }
    }

    fn state(&self) -> &str {
        match self {
            VpcHop::Cidr(r) => &r.state,
            VpcHop::List(r) => &r.state,
        }
    }

    /// True when the route sends its traffic to transit gateway `tgw`.
    pub fn sends(&self, tgw: &TransitGatewayId) -> bool {
        // `active` or `blackhole` (API reference, `Route`: State); a state
        // not given is taken as `active`.
        matches!(self.target(), VpcRouteTarget::TransitGateway(t) if t == tgw)
            && self.state() != "blackhole"
    }

    /// Where the route sends its traffic, in words.
    pub fn describe(&self) -> String {
        let what = match self {
            VpcHop::Cidr(r) => format!("route {}", r.cidr),
            VpcHop::List(r) => format!("the route toward prefix list {}", r.prefix_list_id),
        };
        let target = self.target();
        if self.state() == "blackhole" {
            format!("a blackhole ({what} toward {target}, which is gone)")
        } else {
            format!("{target} ({what})")
        }
    }
}

/// A VPC table's routes, ranked: the local route, then static routes, then
/// prefix-list routes (expanded with the entries of `lists`, the tool's
/// ledger lists), then propagated routes; and, apart, the prefix lists
/// the table routes whose entries are not read.
pub(super) fn vpc_candidates<'a>(
    table: &'a VpcRouteTable,
    lists: &'a [LedgerList],
) -> (Vec<Candidate<VpcHop<'a>>>, Vec<&'a PrefixListId>) {
    let local = VpcRouteTarget::Other("local".to_owned());
    let mut out: Vec<Candidate<VpcHop<'a>>> = table
        .routes
        .iter()
        .map(|r| {
            let rank = match (r.target == local, r.origin.as_str()) {
                (true, _) => 0,
                (false, "EnableVgwRoutePropagation") => 3,
                (false, _) => 1,
            };
            Candidate { prefix: r.cidr, rank, route: VpcHop::Cidr(r) }
        })
        .collect();
    let mut unread = Vec::new();
    for r in &table.list_routes {
        match lists.iter().find(|l| l.id == r.prefix_list_id) {
            Some(list) => out.extend(list.entries.keys().map(|c| Candidate {
                prefix: *c,
                rank: 2,
                route: VpcHop::List(r),
            })),
            None => unread.push(&r.prefix_list_id),
        }
    }
    (out, unread)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str, rank: u8, ok: bool) -> Candidate<(bool, String)> {
        Candidate { prefix: Cidr::parse(p).unwrap(), rank, route: (ok, format!("{p}/{rank}")) }
    }

    fn lost(routes: &[Candidate<(bool, String)>], dest: &str) -> Vec<String> {
        lost_parts(routes, &Cidr::parse(dest).unwrap(), |r| r.0)
            .into_iter()
            .map(|(p, r)| format!("{p} {}", r.map_or("none", |r| r.1.as_str())))
            .collect()
    }

    #[test]
    fn the_longest_prefix_decides_and_a_more_specific_route_takes_its_part() {
        let routes = [c("10.0.0.0/8", 1, true), c("10.2.128.0/17", 0, false)];
        assert!(lost(&routes, "10.1.0.0/16").is_empty());
        assert_eq!(lost(&routes, "10.2.0.0/16"), ["10.2.128.0/17 10.2.128.0/17/0"]);
        assert_eq!(lost(&[], "10.2.0.0/16"), ["10.2.0.0/16 none"]);
    }

    #[test]
    fn with_no_route_over_the_whole_only_the_parts_no_route_covers_are_lost() {
        let halves = [c("10.2.0.0/17", 0, true), c("10.2.128.0/17", 0, true)];
        assert!(lost(&halves, "10.2.0.0/16").is_empty());
        let quarter = [c("10.2.0.0/17", 0, true), c("10.2.128.0/18", 0, true)];
        assert_eq!(lost(&quarter, "10.2.0.0/16"), ["10.2.192.0/18 none"]);
    }

    #[test]
    fn among_equal_prefixes_the_lower_rank_wins() {
        let static_wins = [c("10.2.0.0/16", 2, true), c("10.2.0.0/16", 0, false)];
        assert_eq!(lost(&static_wins, "10.2.0.0/16"), ["10.2.0.0/16 10.2.0.0/16/0"]);
        let propagated_loses = [c("10.2.0.0/16", 2, false), c("10.2.0.0/16", 1, true)];
        assert!(lost(&propagated_loses, "10.2.0.0/16").is_empty());
    }
}
