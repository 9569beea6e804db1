//! The operations picture in numbers: CloudWatch embedded metric format
//! (EMF) documents, one line each on standard output, written by every
//! reconcile of the functions.
//!
//! One document per managed route table, per transit gateway, per Region
//! pair and per reconcile ([`documents`]); the names, units and dimensions
//! are the [`catalog`], which `tgw-peering manifest` prints for the
//! template tests (every alarm must watch a metric written here with
//! exactly its dimensions). The figures come from the plan that acts and
//! from the path verification that follows it ([`Figures`]), never from a
//! second read, so the picture cannot disagree with what the tool does.
//!
//! Why a small serde struct and not a crate: `metrics_cloudwatch_embedded`
//! (over the `metrics` facade) records into a process-wide recorder and
//! flushes per invocation, which fits counters in request handlers, not
//! one document per route table with its own dimension values; awslabs'
//! `metrique` (with `metrique-writer-format-emf`) does dimensions per entry
//! but brings its own writer, sinks and macros for what is here one
//! `serde_json::to_string` of a flat object. The whole format is the few
//! members below
//! ("Specification: Embedded metric format", CloudWatch User Guide,
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//! `docs/operations.md` says how the lines reach CloudWatch under the
//! hub's log format and level.

pub mod catalog;
mod emf;
mod figures;

pub use catalog::{Metric, Scope, Unit, CATALOG, NAMESPACE};
pub use emf::{Directive, Document, Metadata, MetricDefinition};
pub use figures::{documents, Figures, GatewayFigures, PairFigures, RunFigures, TableFigures};
