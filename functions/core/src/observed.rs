//! The observed state of every managed Region, as read, and the rules that
//! pick each Region's transit gateway and route table from it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::domain::{
    AccountId, AttachmentId, GatewayRef, LedgerList, ListReference, PeeringAttachment, Region,
    RouteTableId, TgwAttachment, TgwRoute, TransitGateway, TransitGatewayId, Vpc, VpcRouteTable,
};
use crate::error::Error;

/// What was read in every managed Region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub regions: BTreeMap<Region, RegionState>,
}

/// What was read in one Region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionState {
    /// The account the Region's clients act in (its role's, or the hub's):
    /// only its own transit gateways are candidates.
    #[serde(default)]
    pub account: Option<AccountId>,
    pub transit_gateways: Vec<TransitGateway>,
    /// Every VPC of the Region, tagged or not: an untagged VPC's CIDRs prove
    /// which routes the tool may withdraw.
    pub vpcs: Vec<Vpc>,
    /// The peering attachments as this Region reports them.
    pub peerings: Vec<PeeringAttachment>,
    /// Every attachment of the selected transit gateway (VPCs, peerings,
    /// VPNs…), with its association; empty when no gateway could be selected.
    #[serde(default)]
    pub attachments: Vec<TgwAttachment>,
    /// The route table of the selected transit gateway; `None` when no
    /// gateway could be selected (the planner reports why).
    pub route_table: Option<RouteTableState>,
    /// The tool's ledger lists in this Region (tagged
    /// `tgw-peering:managed=true`), with their entries.
    #[serde(default)]
    pub ledger: Vec<LedgerList>,
    /// Every route table of every VPC of the Region (one paginated
    /// `DescribeRouteTables`), read only when `MANAGE_VPC_ROUTES` is on;
    /// `None` when not read.
    #[serde(default)]
    pub vpc_route_tables: Option<Vec<VpcRouteTable>>,
    /// Workload accounts (owners of VPCs attached to the managed gateway,
    /// other than the Region's account) whose VPCs could not be read
    /// through their `WORKLOAD_ROLE_NAME` role, and why. Their attached
    /// VPCs are in no `vpcs`: their routes are neither written nor
    /// withdrawn.
    #[serde(default)]
    pub unreadable: BTreeMap<AccountId, String>,
}

/// One transit gateway route table: every route (every page, static and
/// propagated) and its associations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTableState {
    pub id: RouteTableId,
    pub routes: Vec<TgwRoute>,
    /// Attachments associated (or associating) with this table.
    pub associations: BTreeSet<AttachmentId>,
    /// The table's prefix-list references; read in `ROUTE_MODE=prefix-list`,
    /// and in static mode whenever the Region has a ledger list (a reference
    /// left from prefix-list mode must be seen to be removed).
    #[serde(default)]
    pub references: Vec<ListReference>,
}

impl RouteTableState {
    /// An empty table.
    pub fn empty(id: RouteTableId) -> Self {
        Self { id, routes: Vec::new(), associations: BTreeSet::new(), references: Vec::new() }
    }
}

/// The transit gateway and route table the tool manages in one Region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gateway {
    pub region: Region,
    pub transit_gateway_id: TransitGatewayId,
    pub owner_id: Option<AccountId>,
    pub route_table_id: RouteTableId,
}

impl Gateway {
    pub fn as_ref(&self) -> GatewayRef {
        GatewayRef {
            region: self.region.clone(),
            transit_gateway_id: self.transit_gateway_id.clone(),
            account_id: self.owner_id.clone(),
        }
    }
}

/// Picks the Region's transit gateway and route table.
///
/// The configured gateway if any (it must exist), else the only `available`
/// one owned by `account` (the Region's own; a gateway shared from another
/// account through AWS RAM is listed too, but cannot be peered or managed);
/// several and none configured is an error, never a guess. The route table
/// is the configured one, else the gateway's default association table.
///
/// # Errors
/// [`Error::Resolve`] naming the Region and what to configure.
pub fn resolve_gateway(
    region: &Region,
    gateways: &[TransitGateway],
    account: Option<&AccountId>,
    config: &Config,
) -> Result<Gateway, Error> {
    let err = |message: String| Error::Resolve { region: region.clone(), message };
    let tgw = match config.transit_gateway_ids.get(region) {
        Some(id) => gateways.iter().find(|g| &g.id == id).ok_or_else(|| {
            err(format!(
                "transit gateway {id} from TRANSIT_GATEWAY_IDS does not exist in this Region"
            ))
        })?,
        None => {
            let own = |g: &&TransitGateway| {
                account.is_none_or(|a| g.owner_id.as_ref().is_none_or(|o| o == a))
            };
            let available: Vec<&TransitGateway> =
                gateways.iter().filter(|g| g.state == "available").filter(own).collect();
            match available.as_slice() {
                [one] => *one,
                [] => {
                    return Err(err(
                        "no available transit gateway owned by the Region's account; create one or set TRANSIT_GATEWAY_IDS"
                            .to_owned(),
                    ))
                }
                many => {
                    let ids: Vec<&str> = many.iter().map(|g| g.id.as_str()).collect();
                    return Err(err(format!(
                        "{} available transit gateways ({}); choose one with TRANSIT_GATEWAY_IDS={region}=tgw-…",
                        many.len(),
                        ids.join(", ")
                    )));
                }
            }
        }
    };
    let route_table_id = match config.route_table_ids.get(region) {
        Some(id) => id.clone(),
        None => tgw.default_association_route_table.clone().ok_or_else(|| {
            err(format!(
                "transit gateway {} has no default association route table; set ROUTE_TABLE_IDS",
                tgw.id
            ))
        })?,
    };
    Ok(Gateway {
        region: region.clone(),
        transit_gateway_id: tgw.id.clone(),
        owner_id: tgw.owner_id.clone(),
        route_table_id,
    })
}

impl Observed {
    /// Every peering attachment, one entry per ID, with the views of all the
    /// Regions that reported it merged (each Region's state kept apart).
    pub fn peerings(&self) -> Vec<PeeringAttachment> {
        let mut merged: BTreeMap<AttachmentId, PeeringAttachment> = BTreeMap::new();
        for state in self.regions.values() {
            for p in &state.peerings {
                match merged.get_mut(&p.id) {
                    None => {
                        merged.insert(p.id.clone(), p.clone());
                    }
                    Some(m) => {
                        for (r, s) in &p.states {
                            m.states.insert(r.clone(), s.clone());
                        }
                        for (k, v) in &p.tags {
                            m.tags.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                        m.created_at = match (m.created_at, p.created_at) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                    }
                }
            }
        }
        merged.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgw(id: &str, state: &str, rtb: Option<&str>) -> TransitGateway {
        TransitGateway {
            id: TransitGatewayId::parse(id).unwrap(),
            owner_id: None,
            state: state.into(),
            default_association_route_table: rtb.map(|r| RouteTableId::parse(r).unwrap()),
        }
    }

    fn config() -> Config {
        Config::for_regions(vec![
            Region::parse("us-east-1").unwrap(),
            Region::parse("eu-west-1").unwrap(),
        ])
    }

    #[test]
    fn the_only_available_gateway_and_its_default_table_are_chosen() {
        let r = Region::parse("us-east-1").unwrap();
        let gws = [tgw("tgw-1", "available", Some("tgw-rtb-1")), tgw("tgw-2", "deleted", None)];
        let g = resolve_gateway(&r, &gws, None, &config()).unwrap();
        assert_eq!(g.transit_gateway_id.as_str(), "tgw-1");
        assert_eq!(g.route_table_id.as_str(), "tgw-rtb-1");
    }

    #[test]
    fn two_available_gateways_without_configuration_is_an_error() {
        let r = Region::parse("us-east-1").unwrap();
        let gws = [
            tgw("tgw-1", "available", Some("tgw-rtb-1")),
            tgw("tgw-2", "available", Some("tgw-rtb-2")),
        ];
        let err = resolve_gateway(&r, &gws, None, &config()).unwrap_err().to_string();
        assert!(err.contains("TRANSIT_GATEWAY_IDS"), "{err}");
        assert!(err.contains("tgw-1") && err.contains("tgw-2"), "{err}");
        let mut c = config();
        c.transit_gateway_ids.insert(r.clone(), TransitGatewayId::parse("tgw-2").unwrap());
        assert_eq!(
            resolve_gateway(&r, &gws, None, &c).unwrap().route_table_id.as_str(),
            "tgw-rtb-2"
        );
    }

    #[test]
    fn no_gateway_or_no_route_table_is_a_clear_error() {
        let r = Region::parse("us-east-1").unwrap();
        assert!(resolve_gateway(&r, &[], None, &config()).is_err());
        let err = resolve_gateway(&r, &[tgw("tgw-1", "available", None)], None, &config())
            .unwrap_err()
            .to_string();
        assert!(err.contains("ROUTE_TABLE_IDS"), "{err}");
        let mut c = config();
        c.transit_gateway_ids.insert(r.clone(), TransitGatewayId::parse("tgw-9").unwrap());
        let err = resolve_gateway(&r, &[tgw("tgw-1", "available", Some("tgw-rtb-1"))], None, &c)
            .unwrap_err()
            .to_string();
        assert!(err.contains("tgw-9"), "{err}");
    }

    #[test]
    fn a_gateway_shared_from_another_account_is_no_candidate() {
        let r = Region::parse("us-east-1").unwrap();
        let own = AccountId::parse("123456789012").unwrap();
        let mut mine = tgw("tgw-1", "available", Some("tgw-rtb-1"));
        mine.owner_id = Some(own.clone());
        let mut shared = tgw("tgw-2", "available", Some("tgw-rtb-2"));
        shared.owner_id = Some(AccountId::parse("999999999999").unwrap());
        let g = resolve_gateway(&r, &[mine, shared.clone()], Some(&own), &config()).unwrap();
        assert_eq!(g.transit_gateway_id.as_str(), "tgw-1");
        let err = resolve_gateway(&r, &[shared], Some(&own), &config()).unwrap_err();
        assert!(err.to_string().contains("owned by the Region's account"), "{err}");
    }
}
