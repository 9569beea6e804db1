//! Invalid configuration: every variable, every bad value.

use super::*;

// ---------------------------------------------------------------------------
// Invalid configuration
// ---------------------------------------------------------------------------

/// Reads a configuration in which `variable` is `value` and the others are
/// valid (the Regions given in the form `variable` belongs to).
pub(super) fn config_with(variable: &str, value: &str) -> Result<Config, ConfigError> {
    let mut vars: BTreeMap<&str, &str> = BTreeMap::from([(variable, value)]);
    match variable {
        "PEERING_REGIONS" => {}
        "ACTIVE_REGION" => {
            vars.insert("PASSIVE_REGION", "eu-west-1");
        }
        "PASSIVE_REGION" => {
            vars.insert("ACTIVE_REGION", "us-east-1");
        }
        _ => {
            vars.insert("PEERING_REGIONS", "us-east-1,eu-west-1");
        }
    }
    Config::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned()))
}

/// Invalid values: (variable, value, what the message must quote).
pub(super) const INVALID_VALUES: &[(&str, &str, &str)] = &[
    ("PEERING_REGIONS", "us-east-1,Mars", "\"Mars\""),
    ("PEERING_REGIONS", "us-east-1", "at least two Regions"),
    ("PEERING_REGIONS", "us-east-1,us-east-1", "us-east-1 is listed twice"),
    ("ACTIVE_REGION", "nope", "\"nope\""),
    ("PASSIVE_REGION", "US-WEST-2", "\"US-WEST-2\""),
    ("PASSIVE_REGION", "us-east-1", "ACTIVE_REGION (us-east-1)"),
    // The message names the rule, not the key (which may be 129 characters).
    ("TAG_KEY", "aws:reserved", "must not start with aws:"),
    ("TRANSIT_GATEWAY_IDS", "us-east-1=vpc-1", "\"vpc-1\""),
    ("TRANSIT_GATEWAY_IDS", "us-east-1", "\"us-east-1\""),
    ("TRANSIT_GATEWAY_IDS", "ap-south-1=tgw-1", "ap-south-1"),
    ("TRANSIT_GATEWAY_IDS", "us-east-1=tgw-1,us-east-1=tgw-2", "us-east-1 is given twice"),
    ("ROUTE_TABLE_IDS", "eu-west-1=tgw-1", "\"tgw-1\""),
    ("PRUNE_ROUTES", "maybe", "\"maybe\""),
    ("MANAGE_VPC_ROUTES", "on", "\"on\""),
    ("ROUTE_MODE", "prefixlist", "\"prefixlist\""),
    ("PROTECTED_CIDRS", "10.0.0.0/8,10.1.1.1/16", "\"10.1.1.1/16\""),
    ("PROTECTED_CIDRS", "nonsense", "\"nonsense\""),
    ("RECHECK_QUEUE_URL", "my-queue", "\"my-queue\""),
    ("RECONCILE_QUEUE_URL", "queue.fifo", "\"queue.fifo\""),
    (
        "ACCOUNT_ROLE_ARNS",
        "eu-west-1=arn:aws:iam::12345:role/spoke",
        "arn:aws:iam::12345:role/spoke",
    ),
    ("ACCOUNT_ROLE_ARNS", "eu-west-1=arn:aws:s3:::bucket", "arn:aws:s3:::bucket"),
    ("ACCOUNT_ROLE_ARNS", "ap-south-1=arn:aws:iam::111111111111:role/spoke", "ap-south-1"),
    ("ACCOUNT_ROLE_ARNS", "eu-west-1", "\"eu-west-1\""),
    ("TOOL_ROLE_ARNS", "arn:aws:iam::123456789012:user/bob", "arn:aws:iam::123456789012:user/bob"),
    ("MAX_WITHDRAWALS", "-1", "\"-1\""),
    ("MAX_WITHDRAWALS", "ten", "not a whole number"),
    ("VPC_ROUTE_QUOTA", "0", "from 1 to 1000"),
    ("VPC_ROUTE_QUOTA", "1001", "from 1 to 1000"),
    ("VPC_ROUTE_QUOTA", "fifty", "\"fifty\""),
    // The message names the rule, not the value (an external id is a secret).
    ("ROLE_EXTERNAL_ID", "x", "2 to 1224 characters"),
    ("ROLE_EXTERNAL_ID", "has space", "2 to 1224 characters"),
    ("WORKLOAD_ROLE_NAME", "a/b", "\"a/b\" is not an IAM role name"),
    ("EXCLUDED_ACCOUNT_IDS", "222222222222,12345", "12345"),
    ("DEPLOYMENT_NAME", "prod plane", "1 to 64 letters"),
    ("FROZEN_ACCOUNT_IDS", "222222222222,12345", "12345"),
    ("SHARED_SEGMENTS", "shared,Shared_Services", "Shared_Services"),
    (
        "WORKLOAD_ROLE_NAME",
        "an-iam-role-name-that-is-longer-than-the-sixty-four-characters-iam-allows",
        "1 to 64",
    ),
];

/// Variables no value of which is invalid.
pub(super) const ALWAYS_VALID: &[&str] = &["EVENT_BUS_NAME"];

#[test]
fn each_invalid_configuration_value_is_one_error_naming_its_variable_and_value() {
    let long_key = "k".repeat(129);
    let values = INVALID_VALUES
        .iter()
        .map(|&(var, value, quote)| (var, value.to_owned(), quote))
        .chain([("TAG_KEY", long_key, "at most 128 characters")]);
    let mut checked = BTreeSet::new();
    let mut count = 0;
    for (variable, value, quote) in values {
        let err =
            config_with(variable, &value).expect_err(&format!("{variable}={value:?} was accepted"));
        let msg = err.to_string();
        assert_eq!(err.variable, variable, "{variable}={value:?}: {msg}");
        assert!(msg.starts_with(&format!("{variable}: ")), "{msg}");
        assert!(!msg.contains('\n'), "one line: {msg:?}");
        assert!(msg.contains(quote), "{variable}={value:?}: {msg:?} lacks {quote:?}");
        checked.insert(variable);
        count += 1;
    }
    // Every variable is either checked here or has no invalid value.
    for variable in Config::VARIABLES {
        assert!(
            checked.contains(variable) || ALWAYS_VALID.contains(variable),
            "{variable} is not checked"
        );
    }
    for variable in ALWAYS_VALID {
        assert!(config_with(variable, "any name at all").is_ok());
    }
    println!(
        "configuration: {} of {} variables given {count} invalid values, each refused with one \
         error naming the variable; {} accept any value ({})",
        checked.len(),
        Config::VARIABLES.len(),
        ALWAYS_VALID.len(),
        ALWAYS_VALID.join(", ")
    );
    assert_eq!(checked.len() + ALWAYS_VALID.len(), Config::VARIABLES.len());
}

pub(super) const CONFIG_CASES: u32 = 5_000;

#[test]
fn any_value_of_one_variable_is_accepted_or_refused_naming_that_variable() {
    let values = prop_oneof![
        any::<String>(),
        "[a-z0-9=,:/. -]{0,40}",
        select(vec!["us-east-1,", "=", ",,", " ", "tgw-rtb-1", "true", "0", "::/0", "aws:x"])
            .prop_map(str::to_owned),
    ];
    let tally = RefCell::new(Tally::default());
    check_property(
        "one variable",
        proptest_config(CONFIG_CASES, 1),
        (select(Config::VARIABLES), values),
        |(variable, value)| {
            let mut t = tally.borrow_mut();
            match config_with(variable, &value) {
                Ok(_) => t.add("accepted", 1),
                Err(err) => {
                    t.add("refused", 1);
                    // The one rule that names the other variable: a pair of
                    // equal Regions is PASSIVE_REGION's fault.
                    let blamed = err.variable == variable
                        || (variable, err.variable) == ("ACTIVE_REGION", "PASSIVE_REGION");
                    prop_assert!(blamed, "{variable}={value:?}: {err}");
                    prop_assert!(err.to_string().starts_with(err.variable));
                }
            }
            Ok(())
        },
    );
    let t = tally.into_inner();
    println!(
        "configuration: {CONFIG_CASES} random values of one variable each: {} accepted, {} refused \
         naming that variable, 0 panics",
        t.get("accepted"),
        t.get("refused")
    );
    assert!(t.get("accepted") > 0 && t.get("refused") > 0, "{t}");
}
