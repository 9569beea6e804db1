//! The configuration: every variable parsed, every invalid one named.

use std::collections::BTreeMap;

use tgw_peering_core::config::*;
use tgw_peering_core::domain::{Cidr, Region};

fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let vars: BTreeMap<String, String> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
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
    let c = cfg(&[("ACTIVE_REGION", "us-east-1"), ("PASSIVE_REGION", "us-west-2")]).unwrap();
    assert_eq!(c.regions.len(), 2);
    assert_eq!(c.regions[0].as_str(), "us-east-1");
}

const BASE: (&str, &str) = ("PEERING_REGIONS", "us-east-1,eu-west-1");

/// Configurations with one invalid variable, and the variable the error names.
const INVALID: &[(&[(&str, &str)], &str)] = &[
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
            (&[BASE, ("ACTIVE_REGION", "us-east-1")], "PEERING_REGIONS"),
            (
                &[BASE, ("TRANSIT_GATEWAY_IDS", "us-east-1")],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[BASE, ("TRANSIT_GATEWAY_IDS", "us-east-1=vpc-1")],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[BASE, ("TRANSIT_GATEWAY_IDS", "ap-south-1=tgw-1")],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[
                    BASE,
                    ("TRANSIT_GATEWAY_IDS", "us-east-1=tgw-1,us-east-1=tgw-2"),
                ],
                "TRANSIT_GATEWAY_IDS",
            ),
            (
                &[BASE, ("ROUTE_TABLE_IDS", "us-east-1=tgw-1")],
                "ROUTE_TABLE_IDS",
            ),
            (&[BASE, ("PRUNE_ROUTES", "maybe")], "PRUNE_ROUTES"),
            (&[BASE, ("MANAGE_VPC_ROUTES", "on")], "MANAGE_VPC_ROUTES"),
            (
                &[BASE, ("PROTECTED_CIDRS", "10.0.0.0/8,10.1.1.1/16")],
                "PROTECTED_CIDRS",
            ),
            (&[BASE, ("TAG_KEY", "aws:reserved")], "TAG_KEY"),
            (
                &[BASE, ("RECHECK_QUEUE_URL", "my-queue")],
                "RECHECK_QUEUE_URL",
            ),
            (
                &[BASE, ("ACCOUNT_ROLE_ARNS", "eu-west-1")],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    BASE,
                    ("ACCOUNT_ROLE_ARNS", "eu-west-1=arn:aws:iam::1111:role/x"),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    BASE,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "eu-west-1=arn:aws:iam::111111111111:user/x",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    BASE,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "eu-west-1=arn:aws:sts::111111111111:role/x",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    BASE,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "ap-south-1=arn:aws:iam::111111111111:role/x",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (
                &[
                    BASE,
                    (
                        "ACCOUNT_ROLE_ARNS",
                        "eu-west-1=arn:aws:iam::111111111111:role/x,eu-west-1=arn:aws:iam::222222222222:role/y",
                    ),
                ],
                "ACCOUNT_ROLE_ARNS",
            ),
            (&[BASE, ("ROLE_EXTERNAL_ID", "x")], "ROLE_EXTERNAL_ID"),
            (
                &[BASE, ("ROLE_EXTERNAL_ID", "has space")],
                "ROLE_EXTERNAL_ID",
            ),
        ];

#[test]
fn every_invalid_variable_is_named_in_its_error() {
    let cases = INVALID;
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
        ("TRANSIT_GATEWAY_IDS", "us-east-1=tgw-0aa, eu-west-1=tgw-0bb"),
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
        c.role_account(&Region::parse("ap-south-1").unwrap()).unwrap().as_str(),
        "222222222222"
    );
    assert_eq!(c.role_account(&Region::parse("us-east-1").unwrap()), None);
    assert_eq!(c.role_external_id.as_ref().map(|e| e.as_str()), Some("tgw-peering-7f3a"));
    assert!(!format!("{c:?}").contains("tgw-peering-7f3a"), "the external id stays out of Debug");
}

#[test]
fn without_account_role_arns_every_region_uses_the_hub_credentials() {
    let c =
        Config::from_lookup(|k| (k == "PEERING_REGIONS").then(|| "us-east-1,eu-west-1".to_owned()))
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

#[test]
fn max_withdrawals_is_a_whole_number_or_unset() {
    let with = |v: &str| {
        Config::from_lookup(|k| match k {
            "PEERING_REGIONS" => Some("us-east-1,eu-west-1".into()),
            "MAX_WITHDRAWALS" => Some(v.into()),
            _ => None,
        })
    };
    assert_eq!(with("").unwrap().max_withdrawals, None);
    assert_eq!(with("0").unwrap().max_withdrawals, Some(0));
    assert_eq!(with("250").unwrap().max_withdrawals, Some(250));
    for bad in ["-1", "ten", "1.5"] {
        let err = with(bad).unwrap_err();
        assert_eq!(err.variable, "MAX_WITHDRAWALS", "{bad}");
    }
}

#[test]
fn workload_role_name_without_an_external_id_is_refused() {
    let err = Config::from_lookup(|k| match k {
        "PEERING_REGIONS" => Some("us-east-1,eu-west-1".to_owned()),
        "WORKLOAD_ROLE_NAME" => Some("tgw-peering-workload-read".to_owned()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(err.variable, "WORKLOAD_ROLE_NAME");
    assert!(err.message.contains("ROLE_EXTERNAL_ID"), "{err}");
}
