//! The core of tgw-peering: configuration, domain types, the pure planner,
//! the AWS adapters and the executor. The Lambda functions and the CLI are
//! thin layers over this crate.
//!
//! The flow of every entry point is the same, level-triggered like a
//! Kubernetes controller: [`reconcile::reconcile`] reads the current state
//! ([`observe::observe`]), diffs it against the desired state without I/O
//! ([`planner::plan`]) and applies the difference ([`execute::execute`]).
//! Every step is safe to repeat.
//!
//! Layers point down only: `domain` (types) ← `config`, `error`, `events`
//! (payload shapes), `observed` ← `planner` (pure: no port, no AWS type) ←
//! `ports` (traits; they carry the planner's `Action`) ← `observe`,
//! `execute` ← `reconcile` ← `handler`; `aws` implements the ports; `wiring` plugs the
//! adapters into the handler. ARCHITECTURE.md has the map.

pub mod aws;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod execute;
pub mod handler;
pub mod metrics;
pub mod observe;
pub(crate) mod observe_verify;
pub mod observed;
pub mod planner;
pub mod ports;
pub mod reconcile;
pub mod verify;
pub mod wiring;

pub use config::{Config, ConfigError, RouteMode};
pub use domain::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
pub use error::Error;
pub use planner::{
    plan, Action, Finding, FindingCode, FindingKind, ListRef, Plan, Planned, RouteMark,
};
