//! The configuration contract, shared by the Lambda functions and the CLI.
//!
//! Read from environment variables (see docs/configuration.md). Every
//! invalid value is reported as one [`ConfigError`] naming the variable.

mod parse;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::{AccountId, Cidr, Region, RoleArn, RouteTableId, Segment, TransitGatewayId};

use parse::{
    parse_bool, parse_count, parse_deployment_name, parse_external_id, parse_list, parse_queue_url,
    parse_region_map, parse_role_name, parse_tag_key, parse_vpc_route_quota, peering_regions,
};

/// The default of `TAG_KEY`.
pub const DEFAULT_TAG_KEY: &str = "addToTransitGateway";
/// The default of `VPC_ROUTE_QUOTA`: AWS's default quota of routes per VPC
/// route table ("Amazon VPC quotas").
pub const DEFAULT_VPC_ROUTE_QUOTA: usize = 50;
/// The default of `DEPLOYMENT_NAME`.
pub const DEFAULT_DEPLOYMENT_NAME: &str = "default";

/// A configuration variable with an invalid value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self { variable, message: message.into() }
    }
}

/// How remote CIDRs are routed in the managed transit gateway route tables
/// (`ROUTE_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteMode {
    /// One static route per CIDR (`CreateTransitGatewayRoute`).
    #[default]
    Static,
    /// One prefix-list reference per ledger list
    /// (`CreateTransitGatewayPrefixListReference`): each entry of the list
    /// is a route of the table ("each entry in the prefix list is
    /// represented as a route", Transit Gateway guide, prefix list
    /// references).
    PrefixList,
}

impl RouteMode {
    /// `static` (also when unset) or `prefix-list`.
    ///
    /// # Errors
    /// A [`ConfigError`] for `ROUTE_MODE` naming the accepted values.
    pub fn parse(value: Option<String>) -> Result<Self, ConfigError> {
        match value.as_deref() {
            None => Ok(RouteMode::Static),
            Some(v) if v.eq_ignore_ascii_case("static") => Ok(RouteMode::Static),
            Some(v) if v.eq_ignore_ascii_case("prefix-list") => Ok(RouteMode::PrefixList),
            Some(other) => Err(ConfigError::new(
                "ROUTE_MODE",
                format!("{other:?} is neither static nor prefix-list"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            RouteMode::Static => "static",
            RouteMode::PrefixList => "prefix-list",
        }
    }
}

/// The external id given when assuming roles (`ROLE_EXTERNAL_ID`): kept
/// out of every output (`Debug` prints `ExternalId(***)`; never
/// serialized).
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExternalId(***)")
    }
}

/// Every setting of the tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    /// `PEERING_REGIONS` (required; or `ACTIVE_REGION` + `PASSIVE_REGION`):
    /// the managed Regions, at least two, in order: for each pair, the
    /// Region that comes first requests the peering.
    pub regions: Vec<Region>,
    /// `TAG_KEY` (default `addToTransitGateway`): the VPC tag key, matched
    /// exactly; at most 128 characters, not starting with `aws:`.
    pub tag_key: String,
    /// `DEPLOYMENT_NAME` (default `default`): in a Region where the account
    /// has several transit gateways and `TRANSIT_GATEWAY_IDS` names none,
    /// the managed one is the gateway tagged `tgw-peering:deployment` with
    /// this value.
    pub deployment_name: String,
    /// `TRANSIT_GATEWAY_IDS` (`region=tgw-…,…`, default none): the gateway
    /// of a Region that has several.
    pub transit_gateway_ids: BTreeMap<Region, TransitGatewayId>,
    /// `ROUTE_TABLE_IDS` (`region=tgw-rtb-…,…`, default none): the route
    /// table to manage instead of the gateway's default association table.
    pub route_table_ids: BTreeMap<Region, RouteTableId>,
    /// `PRUNE_ROUTES` (default `false`): also remove static routes toward a
    /// managed peering that no tagged VPC justifies.
    pub prune_routes: bool,
    /// `MANAGE_VPC_ROUTES` (default `false`): also write routes toward the
    /// transit gateway in the route tables of tagged VPCs (opt-in).
    pub manage_vpc_routes: bool,
    /// `ROUTE_MODE` (`static` or `prefix-list`, default `static`): how the
    /// remote CIDRs reach each managed transit gateway route table: one
    /// static route per CIDR, or one prefix-list reference per ledger list
    /// (per peer Region, address family and part) toward the pair's
    /// peering, whose entries AWS installs as routes.
    pub route_mode: RouteMode,
    /// `VPC_ROUTE_QUOTA` (1 to 1000, default 50, AWS's default): the routes
    /// a VPC route table holds at most ("Amazon VPC quotas", routes per
    /// route table); with `MANAGE_VPC_ROUTES`, no write takes a table past
    /// it.
    pub vpc_route_quota: usize,
    /// `MAX_WITHDRAWALS` (a whole number, default none): the most routes one
    /// reconcile may withdraw from one route table; unset, max(5, 20% of the
    /// Region's ledger entries). Above it, nothing is withdrawn from that
    /// table (`Withdrawal Held`).
    pub max_withdrawals: Option<usize>,
    /// `PROTECTED_CIDRS` (comma list, default none): routes inside these
    /// blocks are never removed.
    pub protected_cidrs: Vec<Cidr>,
    /// `RECHECK_QUEUE_URL` (an `https://` SQS URL, default none): the
    /// watcher's delay queue; unset, no re-check is scheduled.
    pub recheck_queue_url: Option<String>,
    /// `RECONCILE_QUEUE_URL` (an `https://` SQS URL, default none): the FIFO
    /// queue the reconciler reads. Set, a batch that comes too soon after a
    /// reconcile, or that failed, is made to come back within seconds
    /// (`ChangeMessageVisibility`) rather than after the visibility timeout.
    pub reconcile_queue_url: Option<String>,
    /// `EVENT_BUS_NAME` (default none): the bus of the tool's own events;
    /// unset, nothing is published.
    pub event_bus_name: Option<String>,
    /// `ACCOUNT_ROLE_ARNS` (`region=arn:aws:iam::ACCOUNT:role/NAME,…`,
    /// default none): the role whose credentials every EC2 client of a
    /// Region uses (a transit gateway in another account). Regions without a
    /// role use the hub's own credentials.
    pub account_role_arns: BTreeMap<Region, RoleArn>,
    /// `ROLE_EXTERNAL_ID` (2 to 1224 characters, default none): the external
    /// id given when assuming those roles (kept out of any output).
    #[serde(skip_serializing)]
    pub role_external_id: Option<ExternalId>,
    /// `TOOL_ROLE_ARNS` (comma list of IAM role ARNs, default none): the
    /// roles the tool's functions run as. A CloudTrail record of a call
    /// made by one of them, or by a role of `ACCOUNT_ROLE_ARNS`, is the
    /// tool's own and starts no reconcile.
    pub tool_role_arns: Vec<RoleArn>,
    /// `WORKLOAD_ROLE_NAME` (an IAM role name, default none): set, the VPCs
    /// of other accounts attached to a managed transit gateway (a gateway
    /// shared through AWS RAM) are read through this read-only role in
    /// each owner account (`arn:PARTITION:iam::OWNER:role/NAME`, assumed
    /// with `ROLE_EXTERNAL_ID`), and those accounts' VPC events are
    /// accepted for their attached VPCs. Unset, only the VPCs of each
    /// Region's own account are read.
    pub workload_role_name: Option<String>,
    /// `EXCLUDED_ACCOUNT_IDS` (comma list of 12-digit account IDs, default
    /// none): with `WORKLOAD_ROLE_NAME`, accounts that are not served even
    /// though they attach VPCs to a managed transit gateway (outside the
    /// workload StackSet's reach, say): their VPCs are not read nor
    /// advertised, their events are dropped, and their attachments hold
    /// nothing.
    pub excluded_account_ids: std::collections::BTreeSet<AccountId>,
    /// `FROZEN_ACCOUNT_IDS` (comma list of 12-digit account IDs, default
    /// none): with `WORKLOAD_ROLE_NAME`, accounts whose VPCs are not read
    /// while their last known routes are served: the routes toward their
    /// attached VPCs are neither written nor withdrawn, and their events
    /// are dropped (unlike `EXCLUDED_ACCOUNT_IDS`, which withdraws them).
    pub frozen_account_ids: std::collections::BTreeSet<AccountId>,
    /// `SHARED_SEGMENTS` (comma list of segment names, default none): a
    /// shared segment's CIDRs are routed in every segment's table of the
    /// other Regions, and a shared segment's table routes every segment's
    /// remote CIDRs. Other segments never reach each other.
    pub shared_segments: std::collections::BTreeSet<Segment>,
}

impl Config {
    /// A configuration for `regions` with every other setting at its default.
    pub fn for_regions(regions: Vec<Region>) -> Self {
        Self {
            regions,
            tag_key: DEFAULT_TAG_KEY.to_owned(),
            deployment_name: DEFAULT_DEPLOYMENT_NAME.to_owned(),
            transit_gateway_ids: BTreeMap::new(),
            route_table_ids: BTreeMap::new(),
            prune_routes: false,
            manage_vpc_routes: false,
            route_mode: RouteMode::Static,
            vpc_route_quota: DEFAULT_VPC_ROUTE_QUOTA,
            max_withdrawals: None,
            protected_cidrs: Vec::new(),
            recheck_queue_url: None,
            reconcile_queue_url: None,
            event_bus_name: None,
            account_role_arns: BTreeMap::new(),
            role_external_id: None,
            tool_role_arns: Vec::new(),
            workload_role_name: None,
            excluded_account_ids: std::collections::BTreeSet::new(),
            frozen_account_ids: std::collections::BTreeSet::new(),
            shared_segments: std::collections::BTreeSet::new(),
        }
    }

    /// Every environment variable the configuration reads (besides the
    /// SDK's own). The deployment sets these; `infra/tests` checks it.
    pub const VARIABLES: &'static [&'static str] = &[
        "PEERING_REGIONS",
        "ACTIVE_REGION",
        "PASSIVE_REGION",
        "TAG_KEY",
        "DEPLOYMENT_NAME",
        "TRANSIT_GATEWAY_IDS",
        "ROUTE_TABLE_IDS",
        "PRUNE_ROUTES",
        "MANAGE_VPC_ROUTES",
        "ROUTE_MODE",
        "VPC_ROUTE_QUOTA",
        "MAX_WITHDRAWALS",
        "PROTECTED_CIDRS",
        "RECHECK_QUEUE_URL",
        "RECONCILE_QUEUE_URL",
        "EVENT_BUS_NAME",
        "ACCOUNT_ROLE_ARNS",
        "ROLE_EXTERNAL_ID",
        "TOOL_ROLE_ARNS",
        "WORKLOAD_ROLE_NAME",
        "EXCLUDED_ACCOUNT_IDS",
        "FROZEN_ACCOUNT_IDS",
        "SHARED_SEGMENTS",
    ];

    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    /// The first invalid variable, as a [`ConfigError`] naming it.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `get`, which returns a variable's value.
    /// Empty values count as unset.
    ///
    /// # Errors
    /// The first invalid variable, as a [`ConfigError`] naming it.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let regions =
            peering_regions(get("PEERING_REGIONS"), get("ACTIVE_REGION"), get("PASSIVE_REGION"))?;
        let map = |var: &'static str| get(var).map(|v| (var, v));
        let config = Self {
            tag_key: parse_tag_key(get("TAG_KEY"))?,
            deployment_name: parse_deployment_name(get("DEPLOYMENT_NAME"))?,
            transit_gateway_ids: parse_region_map(
                map("TRANSIT_GATEWAY_IDS"),
                &regions,
                TransitGatewayId::parse,
            )?,
            route_table_ids: parse_region_map(
                map("ROUTE_TABLE_IDS"),
                &regions,
                RouteTableId::parse,
            )?,
            prune_routes: parse_bool("PRUNE_ROUTES", get("PRUNE_ROUTES"))?,
            manage_vpc_routes: parse_bool("MANAGE_VPC_ROUTES", get("MANAGE_VPC_ROUTES"))?,
            route_mode: RouteMode::parse(get("ROUTE_MODE"))?,
            vpc_route_quota: parse_vpc_route_quota(get("VPC_ROUTE_QUOTA"))?,
            max_withdrawals: parse_count("MAX_WITHDRAWALS", get("MAX_WITHDRAWALS"))?,
            protected_cidrs: parse_list("PROTECTED_CIDRS", get("PROTECTED_CIDRS"), Cidr::parse)?,
            recheck_queue_url: parse_queue_url("RECHECK_QUEUE_URL", get("RECHECK_QUEUE_URL"))?,
            reconcile_queue_url: parse_queue_url(
                "RECONCILE_QUEUE_URL",
                get("RECONCILE_QUEUE_URL"),
            )?,
            event_bus_name: get("EVENT_BUS_NAME"),
            account_role_arns: parse_region_map(
                map("ACCOUNT_ROLE_ARNS"),
                &regions,
                RoleArn::parse,
            )?,
            role_external_id: parse_external_id(get("ROLE_EXTERNAL_ID"))?.map(ExternalId),
            tool_role_arns: parse_list("TOOL_ROLE_ARNS", get("TOOL_ROLE_ARNS"), RoleArn::parse)?,
            workload_role_name: parse_role_name("WORKLOAD_ROLE_NAME", get("WORKLOAD_ROLE_NAME"))?,
            excluded_account_ids: parse_list(
                "EXCLUDED_ACCOUNT_IDS",
                get("EXCLUDED_ACCOUNT_IDS"),
                AccountId::parse,
            )?,
            frozen_account_ids: parse_list(
                "FROZEN_ACCOUNT_IDS",
                get("FROZEN_ACCOUNT_IDS"),
                AccountId::parse,
            )?,
            shared_segments: parse_list("SHARED_SEGMENTS", get("SHARED_SEGMENTS"), Segment::parse)?,
            regions,
        };
        if config.workload_role_name.is_some() && config.role_external_id.is_none() {
            return Err(ConfigError::new(
                "WORKLOAD_ROLE_NAME",
                "needs ROLE_EXTERNAL_ID: the workload roles trust the hub only with it",
            ));
        }
        if !config.frozen_account_ids.is_empty() && config.workload_role_name.is_none() {
            return Err(ConfigError::new(
                "FROZEN_ACCOUNT_IDS",
                "needs WORKLOAD_ROLE_NAME: only workload accounts' VPCs can be frozen",
            ));
        }
        if let Some(both) =
            config.frozen_account_ids.intersection(&config.excluded_account_ids).next()
        {
            return Err(ConfigError::new(
                "FROZEN_ACCOUNT_IDS",
                format!(
                    "{both} is in EXCLUDED_ACCOUNT_IDS too: an account is either served from its last known routes (frozen) or not served (excluded)"
                ),
            ));
        }
        Ok(config)
    }

    /// True when `account`'s VPCs are not read and its last known routes
    /// are served (`FROZEN_ACCOUNT_IDS`).
    pub fn is_frozen(&self, account: &AccountId) -> bool {
        self.frozen_account_ids.contains(account)
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

    /// Every role whose calls are the tool's own: `TOOL_ROLE_ARNS` and the
    /// roles of `ACCOUNT_ROLE_ARNS`.
    pub fn own_roles(&self) -> impl Iterator<Item = &RoleArn> {
        self.tool_role_arns.iter().chain(self.account_role_arns.values())
    }

    /// True when `account`'s VPCs are served as a workload account's:
    /// `WORKLOAD_ROLE_NAME` is set and the account is not in
    /// `EXCLUDED_ACCOUNT_IDS`.
    pub fn serves_workload(&self, account: &AccountId) -> bool {
        self.workload_role_name.is_some() && !self.excluded_account_ids.contains(account)
    }

    /// The position of `region` in `PEERING_REGIONS`, if managed.
    pub fn region_index(&self, region: &Region) -> Option<usize> {
        self.regions.iter().position(|r| r == region)
    }
}
