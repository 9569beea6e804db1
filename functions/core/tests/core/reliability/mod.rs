//! Reliability: what the functions make of input that is malformed, out of
//! scope, duplicated or out of order, what an invalid configuration says, and
//! the planner's safety rules on random worlds.
//!
//! Every test prints the figure it proves; run them with
//! `cargo test -p tgw-peering-core --test core reliability -- --nocapture`.
//! The property tests use a fixed seed so that the figures repeat;
//! `PROPTEST_RNG_SEED=<n>` draws another sample.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::panic::AssertUnwindSafe;

use crate::support::{delivered, fixture, put_vpc, sqs_batch, Rig, Scenario, World, ACCOUNT, TAG};
use futures::executor::block_on;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{RngSeed, TestRunner};
use serde_json::{json, Value};
use tgw_peering_core::config::{Config, ConfigError};
use tgw_peering_core::domain::{
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState, Region,
    RouteKind, RouteTarget, TgwRoute, TransitGatewayId, Vpc, VpcId, VpcRoute, VpcRouteTable,
    VpcRouteTableId, VpcRouteTarget, CREATE_ROUTE_ORIGIN,
};
use tgw_peering_core::events::{Recheck, MAX_EVENT_BYTES, RECHECK_MAX_ATTEMPTS, STATE_CHANGE};
use tgw_peering_core::observed::Observed;
use tgw_peering_core::{plan, Action, Error, Plan, RouteMark, MANAGED_TAG_KEY};

mod bad_input;
mod configuration;
mod crafted;
mod random_worlds;
mod replay;
mod safety;
mod schema;

use bad_input::*;
use random_worlds::*;
use replay::*;
use schema::*;

// ---------------------------------------------------------------------------
// Property-test plumbing
// ---------------------------------------------------------------------------

/// The default seed: the printed figures repeat from run to run.
pub(super) const SEED: u64 = 0x7467_772d_7065_6572;

/// `cases` cases from a fixed seed (`PROPTEST_RNG_SEED`, else [`SEED`]) plus
/// `stream`, so that the properties do not all draw the same sample, and no
/// regression files written into the source tree.
pub(super) fn proptest_config(cases: u32, stream: u64) -> ProptestConfig {
    let default = ProptestConfig::default();
    let seed = match default.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => SEED,
    };
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed.wrapping_add(stream)),
        failure_persistence: None,
        ..default
    }
}

/// Runs `test` on values of `strategy`; on a failure (a panic included),
/// panics with proptest's report of the smallest failing value.
pub(super) fn check_property<S>(
    what: &str,
    config: ProptestConfig,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    if let Err(failure) = TestRunner::new(config).run(&strategy, test) {
        panic!("{what}: {failure}");
    }
}

pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic>".to_owned())
}

/// Named counters, printed as the figures of a test.
#[derive(Debug, Default)]
pub(super) struct Tally(BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, name: &'static str, n: usize) {
        *self.0.entry(name).or_default() += n;
    }

    fn get(&self, name: &str) -> usize {
        self.0.get(name).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{v} {k}")).collect();
        f.write_str(&parts.join(", "))
    }
}

// ---------------------------------------------------------------------------
// JSON surgery
// ---------------------------------------------------------------------------

/// Sets the value at a JSON pointer; the last key is created if missing.
pub(super) fn set(v: &mut Value, at: &str, new: Value) {
    let (parent, key) = at.rsplit_once('/').unwrap();
    match v.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_owned(), new);
        }
        Some(Value::Array(items)) => items[key.parse::<usize>().unwrap()] = new,
        other => panic!("no object or array at {parent} (for {at}): {other:?}"),
    }
}

/// Removes the value at a JSON pointer, which must exist.
pub(super) fn remove(v: &mut Value, at: &str) {
    let (parent, key) = at.rsplit_once('/').unwrap();
    let removed = match v.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(key).is_some(),
        Some(Value::Array(items)) => {
            items.remove(key.parse::<usize>().unwrap());
            true
        }
        _ => false,
    };
    assert!(removed, "nothing to remove at {at}");
}

pub(super) fn with(mut v: Value, changes: &[(&str, Value)]) -> Value {
    for (at, new) in changes {
        set(&mut v, at, new.clone());
    }
    v
}

/// Shortens a description that quotes a (possibly huge) value.
pub(super) fn brief(s: String) -> String {
    match s.char_indices().nth(120) {
        Some((end, _)) => format!("{}… ({} bytes)", &s[..end], s.len()),
        None => s,
    }
}
