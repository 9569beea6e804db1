//! One parser per kind of value; each error names its variable.

use std::collections::{BTreeMap, BTreeSet};

use super::{ConfigError, DEFAULT_DEPLOYMENT_NAME, DEFAULT_TAG_KEY, DEFAULT_VPC_ROUTE_QUOTA};
use crate::domain::Region;

/// `PEERING_REGIONS`, or the two-Region form `ACTIVE_REGION` +
/// `PASSIVE_REGION` (not both forms).
pub(super) fn peering_regions(
    list: Option<String>,
    active: Option<String>,
    passive: Option<String>,
) -> Result<Vec<Region>, ConfigError> {
    let one = |var: &'static str, value: &str| {
        Region::parse(value).map_err(|e| ConfigError::new(var, e.to_string()))
    };
    match (list, active, passive) {
        (Some(list), None, None) => parse_regions("PEERING_REGIONS", &list),
        (Some(_), _, _) => Err(ConfigError::new(
            "PEERING_REGIONS",
            "set either PEERING_REGIONS or ACTIVE_REGION and PASSIVE_REGION, not both",
        )),
        (None, Some(a), Some(p)) => {
            let (a, p) = (one("ACTIVE_REGION", &a)?, one("PASSIVE_REGION", &p)?);
            if a == p {
                return Err(ConfigError::new(
                    "PASSIVE_REGION",
                    format!("must differ from ACTIVE_REGION ({a})"),
                ));
            }
            Ok(vec![a, p])
        }
        (None, Some(_), None) => {
            Err(ConfigError::new("PASSIVE_REGION", "is required when ACTIVE_REGION is set"))
        }
        (None, None, Some(_)) => {
            Err(ConfigError::new("ACTIVE_REGION", "is required when PASSIVE_REGION is set"))
        }
        (None, None, None) => Err(ConfigError::new(
            "PEERING_REGIONS",
            "is required: a comma-separated list of at least two Regions, e.g. us-east-1,eu-west-1",
        )),
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

/// `TAG_KEY`: at most 128 characters, not starting with `aws:` (EC2's
/// rules for tag keys).
pub(super) fn parse_tag_key(value: Option<String>) -> Result<String, ConfigError> {
    let tag_key = value.unwrap_or_else(|| DEFAULT_TAG_KEY.to_owned());
    if tag_key.chars().count() > 128 || tag_key.starts_with("aws:") {
        return Err(ConfigError::new(
            "TAG_KEY",
            "must be at most 128 characters and must not start with aws:",
        ));
    }
    Ok(tag_key)
}

/// `DEPLOYMENT_NAME`: 1 to 64 of letters, digits and `_.:/=+@-` (characters
/// every EC2 tag value accepts), default `default`.
pub(super) fn parse_deployment_name(value: Option<String>) -> Result<String, ConfigError> {
    let name = value.unwrap_or_else(|| DEFAULT_DEPLOYMENT_NAME.to_owned());
    let valid = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:/=+@-".contains(&b));
    if !valid {
        return Err(ConfigError::new(
            "DEPLOYMENT_NAME",
            format!("{name:?} must be 1 to 64 letters, digits and _.:/=+@-"),
        ));
    }
    Ok(name)
}

/// `VPC_ROUTE_QUOTA`: 1 to 1000 (the most AWS raises the quota to), default
/// [`DEFAULT_VPC_ROUTE_QUOTA`].
pub(super) fn parse_vpc_route_quota(value: Option<String>) -> Result<usize, ConfigError> {
    let Some(v) = value else {
        return Ok(DEFAULT_VPC_ROUTE_QUOTA);
    };
    v.parse::<usize>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
        ConfigError::new("VPC_ROUTE_QUOTA", format!("{v:?} is not a whole number from 1 to 1000"))
    })
}

/// `region=value,…` over the managed Regions: `variable` and its value.
pub(super) fn parse_region_map<T, E: std::fmt::Display>(
    value: Option<(&'static str, String)>,
    regions: &[Region],
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<BTreeMap<Region, T>, ConfigError> {
    let mut map = BTreeMap::new();
    let Some((var, value)) = value else {
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

/// `true`/`1`/`yes` or `false`/`0`/`no`, in any case; unset is false.
pub(super) fn parse_bool(var: &'static str, value: Option<String>) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => {
            Err(ConfigError::new(var, format!("{other:?} is not a boolean (use true or false)")))
        }
    }
}

/// A whole number (0 and up); unset is `None`.
pub(super) fn parse_count(
    var: &'static str,
    value: Option<String>,
) -> Result<Option<usize>, ConfigError> {
    value
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| ConfigError::new(var, format!("{v:?} is not a whole number")))
        })
        .transpose()
}

/// A comma list (`PROTECTED_CIDRS`, `TOOL_ROLE_ARNS`,
/// `EXCLUDED_ACCOUNT_IDS`, `FROZEN_ACCOUNT_IDS`): each non-empty item
/// parsed by `parse`; unset is empty.
///
/// # Errors
/// The first item `parse` refuses, named with `var`.
pub(super) fn parse_list<T, C, E>(
    var: &'static str,
    value: Option<String>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<C, ConfigError>
where
    C: FromIterator<T>,
    E: std::fmt::Display,
{
    let items = value.unwrap_or_default();
    let parts = items.split(',').map(str::trim).filter(|s| !s.is_empty());
    parts.map(|s| parse(s).map_err(|e| ConfigError::new(var, e.to_string()))).collect()
}

/// `RECHECK_QUEUE_URL`, `RECONCILE_QUEUE_URL`: an SQS queue URL.
pub(super) fn parse_queue_url(
    var: &'static str,
    value: Option<String>,
) -> Result<Option<String>, ConfigError> {
    match value {
        Some(url) if !(url.starts_with("https://") || url.starts_with("http://")) => Err(
            ConfigError::new(var, format!("{url:?} is not an SQS queue URL (expected https://…)")),
        ),
        other => Ok(other),
    }
}

/// `ROLE_EXTERNAL_ID`: IAM's rule for `sts:ExternalId`, 2 to 1224 of
/// `[\w+=,.@:/-]`.
pub(super) fn parse_external_id(value: Option<String>) -> Result<Option<String>, ConfigError> {
    if let Some(id) = &value {
        let valid = (2..=1224).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
        if !valid {
            return Err(ConfigError::new(
                "ROLE_EXTERNAL_ID",
                "must be 2 to 1224 characters of letters, digits and _+=,.@:/-",
            ));
        }
    }
    Ok(value)
}

/// An IAM role name (`WORKLOAD_ROLE_NAME`): 1 to 64 of `[\w+=,.@-]`
/// (`RoleName`, IAM API Reference, CreateRole).
pub(super) fn parse_role_name(
    var: &'static str,
    value: Option<String>,
) -> Result<Option<String>, ConfigError> {
    if let Some(name) = &value {
        let valid = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
        if !valid {
            return Err(ConfigError::new(
                var,
                format!("{name:?} is not an IAM role name (1 to 64 letters, digits and _+=,.@-)"),
            ));
        }
    }
    Ok(value)
}
