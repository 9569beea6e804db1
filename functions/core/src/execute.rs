//! Applying a plan: peering and association actions first, one at a time,
//! then route writes with a bounded number in flight.

use futures::stream::{self, StreamExt};

use crate::domain::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
use crate::error::Error;
use crate::planner::{Action, Plan, Planned};
use crate::ports::{Ec2Clients, Outcome};

/// Independent route writes in flight at once, per apply.
pub const MAX_ROUTE_WRITES_IN_FLIGHT: usize = 8;

/// What happened to one planned action.
#[derive(Debug)]
pub struct Executed {
    pub planned: Planned,
    pub result: Result<Outcome, Error>,
}

/// How an action ended, in one word: `done`, `already_done` or `error`.
/// The one place that names the result of a write, for audit lines, the
/// CLI's report and its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultLabel {
    /// The call made the change.
    Done,
    /// The change was already in place: a repeat, not an error.
    AlreadyDone,
    /// The call failed.
    Error,
}

impl ResultLabel {
    /// The label of a write's result.
    pub fn of(result: &Result<Outcome, Error>) -> Self {
        match result {
            Ok(Outcome::Done) | Ok(Outcome::Created(_)) => ResultLabel::Done,
            Ok(Outcome::AlreadyDone(_)) => ResultLabel::AlreadyDone,
            Err(_) => ResultLabel::Error,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ResultLabel::Done => "done",
            ResultLabel::AlreadyDone => "already_done",
            ResultLabel::Error => "error",
        }
    }
}

impl std::fmt::Display for ResultLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Executed {
    /// The result in one word.
    pub fn label(&self) -> ResultLabel {
        ResultLabel::of(&self.result)
    }

    /// What a repeat or a failure said, if anything.
    pub fn detail(&self) -> Option<String> {
        match &self.result {
            Ok(Outcome::AlreadyDone(why)) => Some(why.clone()),
            Err(e) => Some(e.to_string()),
            Ok(_) => None,
        }
    }

    /// The label and its detail, as an audit line shows them
    /// (`done`, `already_done: …`, `error: …`).
    pub fn summary(&self) -> String {
        match self.detail() {
            Some(detail) => format!("{}: {detail}", self.label()),
            None => self.label().to_string(),
        }
    }
}

/// Everything an execution did, in the order the actions ran.
#[derive(Debug, Default)]
pub struct Execution {
    pub executed: Vec<Executed>,
}

impl Execution {
    pub fn failures(&self) -> impl Iterator<Item = (&Planned, &Error)> {
        self.executed
            .iter()
            .filter_map(|e| e.result.as_ref().err().map(|err| (&e.planned, err)))
    }

    pub fn writes_done(&self) -> usize {
        self.executed
            .iter()
            .filter(|e| e.label() == ResultLabel::Done)
            .count()
    }
}

/// Applies a plan. Peering and association actions run first, one at a time;
/// route writes then run with at most [`MAX_ROUTE_WRITES_IN_FLIGHT`] in flight.
/// A failed action does not stop the others: every action is safe to repeat,
/// so the next reconcile completes whatever is left.
pub async fn execute(clients: &dyn Ec2Clients, plan: &Plan) -> Execution {
    execute_with(clients, plan, MAX_ROUTE_WRITES_IN_FLIGHT).await
}

/// [`execute`] with an explicit bound on concurrent route writes.
pub async fn execute_with(clients: &dyn Ec2Clients, plan: &Plan, in_flight: usize) -> Execution {
    let (routes, others): (Vec<&Planned>, Vec<&Planned>) =
        plan.actions.iter().partition(|p| p.action.is_route_write());
    let mut out = Execution::default();
    for planned in others {
        let result = run(clients, &planned.action).await;
        out.executed.push(Executed {
            planned: planned.clone(),
            result,
        });
    }
    // Owned items and an `async move` block keep the future `Send` for any
    // lifetime, so callers may run a reconcile on a spawned task.
    let results: Vec<Executed> = stream::iter(routes.into_iter().cloned())
        .map(|planned| async move {
            let result = run(clients, &planned.action).await;
            Executed { planned, result }
        })
        .buffer_unordered(in_flight.max(1))
        .collect()
        .await;
    out.executed.extend(results);
    out
}

/// Runs one action in its Region.
///
/// # Errors
/// The action's [`Error::Aws`] (a repeat of a change already in place is an
/// [`Outcome::AlreadyDone`], not an error), or [`Error::Internal`] when the
/// action's Region has no client.
pub async fn run(clients: &dyn Ec2Clients, action: &Action) -> Result<Outcome, Error> {
    let ec2 = clients.ec2(action.region())?;
    match action {
        Action::CreatePeering {
            requester,
            accepter,
        } => {
            let tags = vec![
                (MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned()),
                (
                    "Name".to_owned(),
                    format!("tgw-peering {} <-> {}", requester.region, accepter.region),
                ),
            ];
            ec2.create_peering(&requester.transit_gateway_id, accepter, &tags)
                .await
                .map(Outcome::Created)
        }
        Action::AcceptPeering { attachment_id, .. } => ec2.accept_peering(attachment_id).await,
        Action::DeletePeering { attachment_id, .. } => ec2.delete_peering(attachment_id).await,
        Action::AssociateRouteTable {
            route_table_id,
            attachment_id,
            ..
        } => {
            ec2.associate_route_table(route_table_id, attachment_id)
                .await
        }
        Action::CreateRoute {
            route_table_id,
            cidr,
            attachment_id,
            ..
        } => ec2.create_route(route_table_id, cidr, attachment_id).await,
        Action::DeleteRoute {
            route_table_id,
            cidr,
            ..
        } => ec2.delete_route(route_table_id, cidr).await,
        Action::CreateVpcRoute {
            route_table_id,
            cidr,
            transit_gateway_id,
            ..
        } => {
            ec2.create_vpc_route(route_table_id, cidr, transit_gateway_id)
                .await
        }
        Action::DeleteVpcRoute {
            route_table_id,
            cidr,
            ..
        } => ec2.delete_vpc_route(route_table_id, cidr).await,
    }
}
