//! One reconcile, the same for every entry point: read every Region
//! ([`observe`]), plan ([`plan`], pure), execute what the plan asks
//! ([`execute_before`]). The functions' handler runs one per admitted batch
//! and audits and announces what it did; the CLI's `apply` runs one per
//! round until nothing is left to do. Between the plan and its execution,
//! the caller's gate may hold actions back or decline the plan: `apply`
//! holds back the peerings it requested that a read does not show yet, and
//! waits when a plan repeats the last round's (its writes not visible yet).

use crate::config::Config;
use crate::error::Error;
use crate::execute::{execute_before, Deadline, Execution, MAX_ROUTE_WRITES_IN_FLIGHT};
use crate::observe::observe;
use crate::observed::Observed;
use crate::planner::{plan, Plan};
use crate::ports::Ec2Clients;

/// What one reconcile read, planned and did.
#[derive(Debug)]
pub struct Pass {
    pub observed: Observed,
    /// The plan as executed (after the gate).
    pub plan: Plan,
    /// What ran; `None` when the gate declined the plan.
    pub execution: Option<Execution>,
}

/// Reads every managed Region, plans, lets `gate` look at the plan (it may
/// remove actions; `false` declines the plan), then executes it within
/// `deadline` (an invocation's; `None` for the CLI).
///
/// # Errors
/// A failed read ([`Error::Aws`], [`Error::Decode`]) or a Region that
/// cannot be resolved ([`Error::Resolve`]), before any write. A failed
/// action is not an error here: it is in [`Pass::execution`].
pub async fn reconcile(
    clients: &dyn Ec2Clients,
    config: &Config,
    deadline: Option<Deadline>,
    gate: impl FnOnce(&mut Plan) -> bool,
) -> Result<Pass, Error> {
    let observed = observe(clients, config).await?;
    let mut plan = plan(&observed, config)?;
    let execution = if gate(&mut plan) {
        Some(execute_before(clients, &plan, MAX_ROUTE_WRITES_IN_FLIGHT, deadline).await)
    } else {
        None
    };
    Ok(Pass { observed, plan, execution })
}
