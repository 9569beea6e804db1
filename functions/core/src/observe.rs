//! Reading the observed state of every managed Region: one call per
//! resource type per Region (and its pages), all Regions concurrently.

use crate::config::Config;
use crate::error::Error;
use crate::observed::{resolve_gateway, Observed, RegionState, RouteTableState};
use crate::ports::{Ec2Clients, Ec2Region};

/// Reads every managed Region concurrently: per Region one call per resource
/// type (transit gateways, VPCs, peering attachments, and VPC route tables
/// when `MANAGE_VPC_ROUTES` is on) and, for the selected route table, one
/// static-route search and one association listing.
///
/// # Errors
/// The first read that fails (an [`Error::Aws`], retryable or not), or
/// [`Error::Decode`] for an answer that does not decode.
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
