//! Every metric the functions write: its name, unit and dimensions. The
//! documents ([`super::documents`]) are built from these entries only, and
//! `tgw-peering manifest` prints them for the template tests.

use serde::Serialize;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "TgwPeering";

/// What one document of metrics is about, and so its dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Scope {
    /// A managed route table (the peering table, or a segment's).
    RouteTable,
    /// A managed transit gateway: AWS's route quota is per gateway, across
    /// its route tables.
    TransitGateway,
    /// Two managed Regions, sorted and joined with `/`.
    RegionPair,
    /// One reconcile (no dimension: what the alarms watch).
    Reconcile,
}

impl Scope {
    /// The dimension names of the scope's documents, in order.
    pub fn dimensions(self) -> &'static [&'static str] {
        match self {
            Scope::RouteTable => &["Region", "RouteTable"],
            Scope::TransitGateway => &["Region", "TransitGateway"],
            Scope::RegionPair => &["RegionPair"],
            Scope::Reconcile => &[],
        }
    }
}

/// A CloudWatch unit ("MetricDatum", CloudWatch API Reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    Count,
    Percent,
    Milliseconds,
}

/// One metric: its name, unit and scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Metric {
    pub name: &'static str,
    pub unit: Unit,
    #[serde(skip)]
    pub scope: Scope,
}

impl Metric {
    const fn new(name: &'static str, unit: Unit, scope: Scope) -> Self {
        Self { name, unit, scope }
    }

    /// Its dimension names (its scope's).
    pub fn dimensions(&self) -> &'static [&'static str] {
        self.scope.dimensions()
    }
}

pub const ROUTES_COUNTED: Metric = Metric::new("RoutesCounted", Unit::Count, Scope::RouteTable);
pub const MISSING_ROUTES: Metric = Metric::new("MissingRoutes", Unit::Count, Scope::RouteTable);
pub const EXTRA_ROUTES: Metric = Metric::new("ExtraRoutes", Unit::Count, Scope::RouteTable);
pub const CONFLICTS: Metric = Metric::new("Conflicts", Unit::Count, Scope::RouteTable);
pub const HELD_WITHDRAWALS: Metric = Metric::new("HeldWithdrawals", Unit::Count, Scope::RouteTable);
pub const QUOTA_USED_PERCENT: Metric =
    Metric::new("QuotaUsedPercent", Unit::Percent, Scope::TransitGateway);
pub const PEERING_AVAILABLE: Metric =
    Metric::new("PeeringAvailable", Unit::Count, Scope::RegionPair);
pub const BROKEN_PATHS: Metric = Metric::new("BrokenPaths", Unit::Count, Scope::RegionPair);
pub const RECONCILE_DURATION_MS: Metric =
    Metric::new("ReconcileDurationMs", Unit::Milliseconds, Scope::Reconcile);
pub const READS: Metric = Metric::new("Reads", Unit::Count, Scope::Reconcile);
pub const WRITES: Metric = Metric::new("Writes", Unit::Count, Scope::Reconcile);
pub const THROTTLES: Metric = Metric::new("Throttles", Unit::Count, Scope::Reconcile);
pub const EVENTS_COALESCED: Metric = Metric::new("EventsCoalesced", Unit::Count, Scope::Reconcile);
pub const MAX_QUOTA_USED_PERCENT: Metric =
    Metric::new("MaxQuotaUsedPercent", Unit::Percent, Scope::Reconcile);
pub const BROKEN_PATHS_TOTAL: Metric =
    Metric::new("BrokenPathsTotal", Unit::Count, Scope::Reconcile);
pub const PEERINGS_UNAVAILABLE: Metric =
    Metric::new("PeeringsUnavailable", Unit::Count, Scope::Reconcile);

/// Every metric, by scope.
pub const CATALOG: &[Metric] = &[
    ROUTES_COUNTED,
    MISSING_ROUTES,
    EXTRA_ROUTES,
    CONFLICTS,
    HELD_WITHDRAWALS,
    QUOTA_USED_PERCENT,
    PEERING_AVAILABLE,
    BROKEN_PATHS,
    RECONCILE_DURATION_MS,
    READS,
    WRITES,
    THROTTLES,
    EVENTS_COALESCED,
    MAX_QUOTA_USED_PERCENT,
    BROKEN_PATHS_TOTAL,
    PEERINGS_UNAVAILABLE,
];

/// The catalog as `tgw-peering manifest` prints it: the namespace, and
/// each metric's name, unit and dimensions.
pub fn manifest() -> serde_json::Value {
    let metrics: Vec<serde_json::Value> = CATALOG
        .iter()
        .map(|m| serde_json::json!({"name": m.name, "unit": m.unit, "dimensions": m.dimensions()}))
        .collect();
    serde_json::json!({"namespace": NAMESPACE, "metrics": metrics})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_its_own_name() {
        let names: std::collections::BTreeSet<_> = CATALOG.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), CATALOG.len());
    }

    #[test]
    fn the_alarms_aggregates_have_no_dimension() {
        for m in [MAX_QUOTA_USED_PERCENT, BROKEN_PATHS_TOTAL, PEERINGS_UNAVAILABLE] {
            assert!(m.dimensions().is_empty(), "{}", m.name);
        }
    }
}
