//! Reading the observed state and applying a plan.

use futures::stream::{self, StreamExt};

use crate::config::Config;
use crate::error::Error;
use crate::observed::{resolve_gateway, Observed, RegionState, RouteTableState};
use crate::planner::{Action, Plan, Planned};
use crate::ports::{Ec2Clients, Ec2Region, Outcome, MANAGED_TAG_KEY, MANAGED_TAG_VALUE};

/// Independent route writes in flight at once, per apply.
pub const MAX_ROUTE_WRITES_IN_FLIGHT: usize = 8;

/// Reads every managed Region concurrently: per Region one call per resource
/// type (transit gateways, VPCs, peering attachments, and VPC route tables
/// when `MANAGE_VPC_ROUTES` is on) and, for the selected route table, one
/// static-route search and one association listing.
pub async fn observe(clients: &dyn Ec2Clients, config: &Config) -> Result<Observed, Error> {
    let reads = config.regions.iter().map(|region| async move {
        let ec2 = clients.ec2(region)?;
        let state = read_region(ec2.as_ref(), config).await?;
        Ok::<_, Error>((region.clone(), state))
    });
    let regions = futures::future::try_join_all(reads).await?;
    Ok(Observed {
        regions: regions.into_iter().collect(),
    })
}

async fn read_region(ec2: &dyn Ec2Region, config: &Config) -> Result<RegionState, Error> {
    let vpc_route_tables = async {
        if config.manage_vpc_routes {
            ec2.vpc_route_tables().await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (transit_gateways, vpcs, peerings, vpc_route_tables) = futures::try_join!(
        ec2.transit_gateways(),
        ec2.vpcs(),
        ec2.peering_attachments(),
        vpc_route_tables
    )?;
    // When no gateway can be selected, the planner reports why.
    let route_table = match resolve_gateway(ec2.region(), &transit_gateways, config) {
        Ok(gw) => {
            let (search, associations) = futures::try_join!(
                ec2.static_routes(&gw.route_table_id),
                ec2.associations(&gw.route_table_id)
            )?;
            Some(RouteTableState {
                id: gw.route_table_id,
                static_routes: search.routes,
                associations,
                truncated: search.truncated,
            })
        }
        Err(_) => None,
    };
    Ok(RegionState {
        transit_gateways,
        vpcs,
        peerings,
        route_table,
        vpc_route_tables,
    })
}

/// What happened to one planned action.
#[derive(Debug)]
pub struct Executed {
    pub planned: Planned,
    pub result: Result<Outcome, Error>,
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
            .filter(|e| matches!(e.result, Ok(Outcome::Done) | Ok(Outcome::Created(_))))
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
