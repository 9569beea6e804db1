//! One CloudWatch embedded metric format document: the `_aws` metadata
//! (`Timestamp` in milliseconds since the epoch, one `CloudWatchMetrics`
//! directive), the dimension values and the metric values as members of
//! the root ("Specification: Embedded metric format", CloudWatch User
//! Guide). The document is written as one line of its own: the log event
//! must be the JSON object with nothing before or after it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalog::{Metric, Scope, Unit, NAMESPACE};

/// An EMF document: its metadata, then its dimension and metric members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    #[serde(rename = "_aws")]
    pub aws: Metadata,
    /// The dimension values, by dimension name (strings, as the
    /// specification requires of a dimension's target member).
    #[serde(flatten)]
    pub dimensions: BTreeMap<&'static str, String>,
    /// The metric values, by metric name.
    #[serde(flatten)]
    pub values: BTreeMap<&'static str, Figure>,
}

/// The `_aws` member.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    #[serde(rename = "Timestamp")]
    pub timestamp: i64,
    #[serde(rename = "CloudWatchMetrics")]
    pub directives: Vec<Directive>,
}

/// A `MetricDirective`: the namespace, the dimension sets, the metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Directive {
    #[serde(rename = "Namespace")]
    pub namespace: &'static str,
    /// One dimension set (an empty one for a reconcile's metrics, which
    /// the specification allows).
    #[serde(rename = "Dimensions")]
    pub dimensions: Vec<&'static [&'static str]>,
    /// At most 100 (the specification's limit); a scope has at most 8.
    #[serde(rename = "Metrics")]
    pub metrics: Vec<MetricDefinition>,
}

/// A `MetricDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDefinition {
    #[serde(rename = "Name")]
    pub name: &'static str,
    #[serde(rename = "Unit")]
    pub unit: Unit,
}

/// A metric value: a count, or a percentage with two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    Whole(u64),
    Real(f64),
}

impl Document {
    /// An empty document of `scope`, its dimension values in the order of
    /// [`Scope::dimensions`].
    pub fn new(scope: Scope, values: &[&str], timestamp: i64) -> Self {
        let dimensions = scope
            .dimensions()
            .iter()
            .copied()
            .zip(values.iter().map(|v| (*v).to_owned()))
            .collect();
        let directive = Directive {
            namespace: NAMESPACE,
            dimensions: vec![scope.dimensions()],
            metrics: Vec::new(),
        };
        Self {
            aws: Metadata { timestamp, directives: vec![directive] },
            dimensions,
            values: BTreeMap::new(),
        }
    }

    /// Adds `metric` with `value` (a metric of another scope is a
    /// programming error, refused in debug builds).
    pub fn set(&mut self, metric: Metric, value: Figure) {
        debug_assert_eq!(Some(metric.dimensions()), self.dimension_set());
        if let Some(d) = self.aws.directives.first_mut() {
            d.metrics.push(MetricDefinition { name: metric.name, unit: metric.unit });
        }
        self.values.insert(metric.name, value);
    }

    /// Adds a count.
    pub fn count(&mut self, metric: Metric, n: usize) {
        self.set(metric, Figure::Whole(n as u64));
    }

    fn dimension_set(&self) -> Option<&'static [&'static str]> {
        self.aws.directives.first()?.dimensions.first().copied()
    }

    /// Whether it holds any metric.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The document as one line of JSON.
    pub fn line(&self) -> String {
        // Infallible: string keys and finite numbers only.
        serde_json::to_string(self).unwrap_or_default()
    }
}
