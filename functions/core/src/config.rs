//! The configuration contract, shared by the Lambda functions and the CLI.
//!
//! Read from environment variables (see the README). Every invalid value is
//! reported as one [`ConfigError`] naming the variable.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::domain::{AccountId, Cidr, Region, RoleArn, RouteTableId, TransitGatewayId};

pub const DEFAULT_TAG_KEY: &str = "addToTransitGateway";

/// A configuration variable with an invalid value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The managed Regions, in order: for each pair, the Region that comes
    /// first requests the peering.
    pub regions: Vec<Region>,
    pub tag_key: String,
    pub transit_gateway_ids: BTreeMap<Region, TransitGatewayId>,
    pub route_table_ids: BTreeMap<Region, RouteTableId>,
    pub prune_routes: bool,
    /// `MANAGE_VPC_ROUTES`: also write routes toward the transit gateway in
    /// the route tables of tagged VPCs (opt-in).
    pub manage_vpc_routes: bool,
    pub protected_cidrs: Vec<Cidr>,
    pub recheck_queue_url: Option<String>,
    pub event_bus_name: Option<String>,
    /// `ACCOUNT_ROLE_ARNS`: the role whose credentials every EC2 client of a
    /// Region uses (a transit gateway in another account). Regions without a
    /// role use the hub's own credentials.
    pub account_role_arns: BTreeMap<Region, RoleArn>,
    /// `ROLE_EXTERNAL_ID`: the external id given when assuming those roles
    /// (kept out of any output).
    #[serde(skip_serializing)]
    pub role_external_id: Option<String>,
}

impl Config {
    /// A configuration for `regions` with every other setting at its default.
    pub fn for_regions(regions: Vec<Region>) -> Self {
        Self {
            regions,
            tag_key: DEFAULT_TAG_KEY.to_owned(),
            transit_gateway_ids: BTreeMap::new(),
            route_table_ids: BTreeMap::new(),
            prune_routes: false,
            manage_vpc_routes: false,
            protected_cidrs: Vec::new(),
            recheck_queue_url: None,
            event_bus_name: None,
            account_role_arns: BTreeMap::new(),
            role_external_id: None,
        }
    }

    /// Every environment variable the configuration reads (besides the
    /// SDK's own). The deployment sets these; `infra/tests` checks it.
    pub const VARIABLES: &'static [&'static str] = &[
        "PEERING_REGIONS",
        "ACTIVE_REGION",
        "PASSIVE_REGION",
        "TAG_KEY",
        "TRANSIT_GATEWAY_IDS",
        "ROUTE_TABLE_IDS",
        "PRUNE_ROUTES",
        "MANAGE_VPC_ROUTES",
        "PROTECTED_CIDRS",
        "RECHECK_QUEUE_URL",
        "EVENT_BUS_NAME",
        "ACCOUNT_ROLE_ARNS",
        "ROLE_EXTERNAL_ID",
    ];

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get`, which returns a variable's value.
    /// Empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let regions = match (
            get("PEERING_REGIONS"),
            get("ACTIVE_REGION"),
            get("PASSIVE_REGION"),
        ) {
            (Some(list), None, None) => parse_regions("PEERING_REGIONS", &list)?,
            (Some(_), _, _) => {
                return Err(ConfigError::new(
                    "PEERING_REGIONS",
                    "set either PEERING_REGIONS or ACTIVE_REGION and PASSIVE_REGION, not both",
                ))
            }
            (None, Some(a), Some(p)) => {
                let a = Region::parse(&a).map_err(|e| ConfigError::new("ACTIVE_REGION", e.to_string()))?;
                let p = Region::parse(&p).map_err(|e| ConfigError::new("PASSIVE_REGION", e.to_string()))?;
                if a == p {
                    return Err(ConfigError::new(
                        "PASSIVE_REGION",
                        format!("must differ from ACTIVE_REGION ({a})"),
                    ));
                }
                vec![a, p]
            }
            (None, Some(_), None) => {
                return Err(ConfigError::new(
                    "PASSIVE_REGION",
                    "is required when ACTIVE_REGION is set",
                ))
            }
            (None, None, Some(_)) => {
                return Err(ConfigError::new(
                    "ACTIVE_REGION",
                    "is required when PASSIVE_REGION is set",
                ))
            }
            (None, None, None) => {
                return Err(ConfigError::new(
                    "PEERING_REGIONS",
                    "is required: a comma-separated list of at least two Regions, e.g. us-east-1,eu-west-1",
                ))
            }
        };

        let tag_key = get("TAG_KEY").unwrap_or_else(|| DEFAULT_TAG_KEY.to_owned());
        if tag_key.chars().count() > 128 || tag_key.starts_with("aws:") {
            return Err(ConfigError::new(
                "TAG_KEY",
                "must be at most 128 characters and must not start with aws:",
            ));
        }

        let transit_gateway_ids = parse_region_map(
            "TRANSIT_GATEWAY_IDS",
            get("TRANSIT_GATEWAY_IDS"),
            &regions,
            TransitGatewayId::parse,
        )?;
        let route_table_ids = parse_region_map(
            "ROUTE_TABLE_IDS",
            get("ROUTE_TABLE_IDS"),
            &regions,
            RouteTableId::parse,
        )?;
        let prune_routes = parse_bool("PRUNE_ROUTES", get("PRUNE_ROUTES"))?;
        let manage_vpc_routes = parse_bool("MANAGE_VPC_ROUTES", get("MANAGE_VPC_ROUTES"))?;
        let protected_cidrs = match get("PROTECTED_CIDRS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    Cidr::parse(s).map_err(|e| ConfigError::new("PROTECTED_CIDRS", e.to_string()))
                })
                .collect::<Result<_, _>>()?,
        };
        let recheck_queue_url = get("RECHECK_QUEUE_URL");
        if let Some(url) = &recheck_queue_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ConfigError::new(
                    "RECHECK_QUEUE_URL",
                    format!("{url:?} is not an SQS queue URL (expected https://…)"),
                ));
            }
        }
        let account_role_arns = parse_region_map(
            "ACCOUNT_ROLE_ARNS",
            get("ACCOUNT_ROLE_ARNS"),
            &regions,
            RoleArn::parse,
        )?;
        let role_external_id = get("ROLE_EXTERNAL_ID");
        if let Some(id) = &role_external_id {
            // IAM's rule for sts:ExternalId: 2 to 1224 of [\w+=,.@:/-].
            let valid = (2..=1224).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
            if !valid {
                return Err(ConfigError::new(
                    "ROLE_EXTERNAL_ID",
                    "must be 2 to 1224 characters of letters, digits and _+=,.@:/-",
                ));
            }
        }
        Ok(Self {
            regions,
            tag_key,
            transit_gateway_ids,
            route_table_ids,
            prune_routes,
            manage_vpc_routes,
            protected_cidrs,
            recheck_queue_url,
            event_bus_name: get("EVENT_BUS_NAME"),
            account_role_arns,
            role_external_id,
        })
    }

    /// True when `cidr` lies inside one of `PROTECTED_CIDRS`.
    pub fn is_protected(&self, cidr: &Cidr) -> bool {
        self.protected_cidrs.iter().any(|p| p.contains(cidr))
    }

    /// The account of the role `region`'s clients assume, if any
    /// (`ACCOUNT_ROLE_ARNS`); `None`: the hub's own account.
    pub fn role_account(&self, region: &Region) -> Option<&AccountId> {
        self.account_role_arns.get(region).map(RoleArn::account)
    }

    /// The position of `region` in `PEERING_REGIONS`, if managed.
    pub fn region_index(&self, region: &Region) -> Option<usize> {
        self.regions.iter().position(|r| r == region)
    }
}

fn parse_regions(var: &'static str, list: &str) -> Result<Vec<Region>, ConfigError> {
    let mut seen = BTreeSet::new();
    let mut regions = Vec::new();
    for part in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let r = Region::parse(part).map_err(|e| ConfigError::new(var, e.to_string()))?;
        if !seen.insert(r.clone()) {
            return Err(ConfigError::new(var, format!("{r} is listed twice")));
        }
        regions.push(r);
    }
    if regions.len() < 2 {
        return Err(ConfigError::new(
            var,
            "needs at least two Regions to peer, e.g. us-east-1,eu-west-1",
        ));
    }
    Ok(regions)
}

fn parse_region_map<T, E: std::fmt::Display>(
    var: &'static str,
    value: Option<String>,
    regions: &[Region],
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<BTreeMap<Region, T>, ConfigError> {
    let mut map = BTreeMap::new();
    let Some(value) = value else {
        return Ok(map);
    };
    for entry in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (region, id) = entry.split_once('=').ok_or_else(|| {
            ConfigError::new(var, format!("{entry:?} is not of the form region=id"))
        })?;
        let region =
            Region::parse(region.trim()).map_err(|e| ConfigError::new(var, e.to_string()))?;
        if !regions.contains(&region) {
            return Err(ConfigError::new(
                var,
                format!("{region} is not one of the managed Regions"),
            ));
        }
        let id = parse(id.trim()).map_err(|e| ConfigError::new(var, e.to_string()))?;
        if map.insert(region.clone(), id).is_some() {
            return Err(ConfigError::new(var, format!("{region} is given twice")));
        }
    }
    Ok(map)
}

fn parse_bool(var: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => Err(ConfigError::new(
            var,
            format!("{other:?} is not a boolean (use true or false)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn peering_regions_keep_their_order() {
        let c = cfg(&[("PEERING_REGIONS", "eu-west-1, us-east-1,ap-south-1")]).unwrap();
        let r: Vec<&str> = c.regions.iter().map(|r| r.as_str()).collect();
        assert_eq!(r, ["eu-west-1", "us-east-1", "ap-south-1"]);
        assert_eq!(c.tag_key, "addToTransitGateway");
        assert!(!c.prune_routes);
        assert!(!c.manage_vpc_routes, "MANAGE_VPC_ROUTES is off by default");
    }

    #[test]
    fn active_and_passive_region_are_the_two_region_form() {
        let c = cfg(&[
            ("ACTIVE_REGION", "us-east-1"),
            ("PASSIVE_REGION", "us-west-2"),
        ])
        .unwrap();
        assert_eq!(c.regions.len(), 2);
        assert_eq!(c.regions[0].as_str(), "us-east-1");
    }

    #[test]
    fn every_invalid_variable_is_named_in_its_error() {
        let base = ("PEERING_REGIONS", "us-east-1,eu-west-1");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "PEERING_REGIONS"),
            (&[("PEERING_REGIONS", "us-east-1")], "PEERING_REGIONS"),
            (
                &[("PEERING_REGIONS", "us-east-1,us-east-1")],
                "PEERING_REGIONS",
            ),
            (&[("PEERING_REGIONS", "us-east-1,Mars")], "PEERING_REGIONS"),
            (&[("ACTIVE_REGION", "us-east-1")], "PASSIVE_REGION"),
            (&[("PASSIVE_REGION", "us-east-1")], "ACTIVE_REGION"),
            (
                &[("ACTIVE_REGION", "nope"), ("PASSIVE_REGION", "us-east-1")],
                "ACTIVE_REGION",
            ),
            (
                &[
                    ("ACTIVE_REGION", "us-east-1"),
                    ("PASSIVE_REGION", "us-east-1"),
                ],
                "PASSIVE_REGION",
            ),
            (&[base, ("ACTIVE_REGION", "us-east-1")], "PEERING_REGIONS"),
            (
                &[base, ("TRANSIT_GATEWAY_IDS", "us-east-1")],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[base, ("TRANSIT_GATEWAY_IDS", "us-east-1=vpc-1")],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[base, ("TRANSIT_GATEWAY_IDS", "ap-south-1=tgw-1")],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[
                    base,
                    ("TRANSIT_GATEWAY_IDS", "us-east-1=tgw-1,us-east-1=tgw-2"),
                ],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[base, ("ROUTE_TABLE_IDS", "us-east-1=tgw-1")],
                "ROUTE_TABLE_IDS",
            ),
            (&[base, ("PRUNE_ROUTES", "maybe")], "PRUNE_ROUTES"),
            (&[base, ("MANAGE_VPC_ROUTES", "on")], "MANAGE_VPC_ROUTES"),
            (
                &[base, ("PROTECTED_CIDRS", "10.0.0.0/8,10.1.1.1/16")],
                "PROTECTED_CIDRS",
            ),
            (&[base, ("TAG_KEY", "aws:reserved")], "TAG_KEY"),
            (
                &[base, ("RECHECK_QUEUE_URL", "my-queue")],
                "RECHECK_QUEUE_URL",
            ),
            (
                &[base, ("ACCOUNT_ROLE_ARNS", "eu-west-1")],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    base,
                    ("ACCOUNT_ROLE_ARNS", "eu-west-1=arn:aws:iam::1111:role/x"),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    base,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "eu-west-1=arn:aws:iam::111111111111:user/x",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    base,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "eu-west-1=arn:aws:sts::111111111111:role/x",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    base,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "ap-south-1=arn:aws:iam::111111111111:role/x",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    base,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "eu-west-1=arn:aws:iam::111111111111:role/x,eu-west-1=arn:aws:iam::222222222222:role/y",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (&[base, ("ROLE_EXTERNAL_ID", "x")], "ROLE_EXTERNAL_ID"),
            (
                &[base, ("ROLE_EXTERNAL_ID", "has space")],
                "ROLE_EXTERNAL_ID",
            ),
        ];
        for (vars, variable) in cases {
            let err = cfg(vars).expect_err(&format!("{vars:?} accepted"));
            assert_eq!(err.variable, *variable, "{vars:?}: {err}");
            assert!(err.to_string().starts_with(variable), "{err}");
        }
    }

    #[test]
    fn overrides_and_flags_are_parsed() {
        let c = cfg(&[
            ("PEERING_REGIONS", "us-east-1,eu-west-1"),
            ("TAG_KEY", "peer-me"),
            (
                "TRANSIT_GATEWAY_IDS",
                "us-east-1=tgw-0aa, eu-west-1=tgw-0bb",
            ),
            ("ROUTE_TABLE_IDS", "eu-west-1=tgw-rtb-0cc"),
            ("PRUNE_ROUTES", "TRUE"),
            ("MANAGE_VPC_ROUTES", "true"),
            ("PROTECTED_CIDRS", "10.0.0.0/8, 2001:db8::/32"),
        ])
        .unwrap();
        assert_eq!(c.tag_key, "peer-me");
        assert_eq!(c.transit_gateway_ids.len(), 2);
        assert_eq!(c.route_table_ids.len(), 1);
        assert!(c.prune_routes);
        assert!(c.manage_vpc_routes);
        assert!(c.is_protected(&Cidr::parse("10.20.0.0/16").unwrap()));
        assert!(!c.is_protected(&Cidr::parse("192.168.0.0/16").unwrap()));
    }

    #[test]
    fn the_variables_read_are_exactly_the_listed_ones() {
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let _ = Config::from_lookup(|k| {
            asked.borrow_mut().insert(k.to_owned());
            (k == "PEERING_REGIONS").then(|| "us-east-1,eu-west-1".to_owned())
        });
        let listed: std::collections::BTreeSet<String> =
            Config::VARIABLES.iter().map(|v| (*v).to_owned()).collect();
        assert_eq!(asked.into_inner(), listed);
    }
}

#[cfg(test)]
mod account_role_tests {
    use super::*;

    #[test]
    fn account_role_arns_map_regions_to_roles_and_their_accounts() {
        let vars: BTreeMap<&str, &str> = [
            ("PEERING_REGIONS", "us-east-1,eu-west-1,ap-south-1"),
            (
                "ACCOUNT_ROLE_ARNS",
                " eu-west-1=arn:aws:iam::111111111111:role/tgw-peering-spoke, ap-south-1=arn:aws:iam::222222222222:role/path/spoke ",
            ),
            ("ROLE_EXTERNAL_ID", "tgw-peering-7f3a"),
        ]
        .into_iter()
        .collect();
        let c = Config::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned())).unwrap();
        assert_eq!(c.account_role_arns.len(), 2);
        let eu = Region::parse("eu-west-1").unwrap();
        assert_eq!(
            c.account_role_arns[&eu].as_str(),
            "arn:aws:iam::111111111111:role/tgw-peering-spoke"
        );
        assert_eq!(c.role_account(&eu).unwrap().as_str(), "111111111111");
        assert_eq!(
            c.role_account(&Region::parse("ap-south-1").unwrap())
                .unwrap()
                .as_str(),
            "222222222222"
        );
        assert_eq!(c.role_account(&Region::parse("us-east-1").unwrap()), None);
        assert_eq!(c.role_external_id.as_deref(), Some("tgw-peering-7f3a"));
    }

    #[test]
    fn without_account_role_arns_every_region_uses_the_hub_credentials() {
        let c = Config::from_lookup(|k| {
            (k == "PEERING_REGIONS").then(|| "us-east-1,eu-west-1".to_owned())
        })
        .unwrap();
        assert!(c.account_role_arns.is_empty());
        assert_eq!(c.role_external_id, None);
        assert_eq!(c, Config::for_regions(c.regions.clone()));
    }

    #[test]
    fn every_malformed_role_entry_names_the_variable_and_the_entry() {
        let err = Config::from_lookup(|k| match k {
            "PEERING_REGIONS" => Some("us-east-1,eu-west-1".to_owned()),
            "ACCOUNT_ROLE_ARNS" => Some("eu-west-1=arn:aws:iam::111111111111:role/".to_owned()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(err.variable, "ACCOUNT_ROLE_ARNS");
        assert!(err.to_string().contains("IAM role ARN"), "{err}");
        assert!(err.to_string().contains("111111111111:role/"), "{err}");
    }
}
