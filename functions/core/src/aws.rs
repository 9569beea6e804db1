//! The real EC2 adapter on aws-sdk-ec2: one client per Region, all built
//! from one shared `SdkConfig`, with the SDK's own retry and timeout policy.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::domain::{
    AccountId, AttachmentId, Cidr, CidrState, GatewayRef, PeeringAttachment, PeeringState, Region,
    RoleArn, RouteTableId, RouteTarget, StaticRoute, TransitGateway, TransitGatewayId, Vpc, VpcId,
    VpcRoute, VpcRouteTable, VpcRouteTableId, VpcRouteTarget,
};
use crate::error::Error;
use crate::ports::{Ec2Clients, Ec2Region, Outcome, RouteSearch};

/// Attempts per call, first included: enough to ride out EC2 throttling
/// (`RequestLimitExceeded`) with the standard mode's exponential backoff.
pub const MAX_ATTEMPTS: u32 = 8;
/// Bound on one HTTP attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on one call, retries included; below the functions' Lambda timeout.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Loads the shared SDK configuration from the standard sources (`AWS_REGION`,
/// `AWS_PROFILE`, `AWS_ENDPOINT_URL`, …) with the tool's retry and timeouts.
pub async fn load_sdk_config() -> SdkConfig {
    sdk_config_loader().load().await
}

/// The SDK configuration loader with the tool's retry and timeout policy, to
/// which callers may add settings (an endpoint, credentials) before loading.
pub fn sdk_config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
}

/// Counts the EC2 operations made (reads and writes apart) and the HTTP
/// attempts (retries included), as an SDK interceptor.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<CounterInner>);

#[derive(Debug, Default)]
struct CounterInner {
    reads: AtomicUsize,
    writes: AtomicUsize,
    attempts: AtomicUsize,
    by_operation: Mutex<BTreeMap<String, usize>>,
}

/// A snapshot of a [`CallCounter`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallCounts {
    pub reads: usize,
    pub writes: usize,
    pub attempts: usize,
    pub by_operation: BTreeMap<String, usize>,
}

impl CallCounts {
    /// The calls made between `earlier` and `self`.
    pub fn since(&self, earlier: &CallCounts) -> CallCounts {
        CallCounts {
            reads: self.reads - earlier.reads,
            writes: self.writes - earlier.writes,
            attempts: self.attempts - earlier.attempts,
            by_operation: self
                .by_operation
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v - earlier.by_operation.get(k).copied().unwrap_or(0),
                    )
                })
                .filter(|(_, v)| *v > 0)
                .collect(),
        }
    }
}

/// True for EC2 operations that only read.
pub fn is_read_operation(name: &str) -> bool {
    ["Describe", "Search", "Get", "List"]
        .iter()
        .any(|p| name.starts_with(p))
}

impl CallCounter {
    pub fn snapshot(&self) -> CallCounts {
        CallCounts {
            reads: self.0.reads.load(Ordering::SeqCst),
            writes: self.0.writes.load(Ordering::SeqCst),
            attempts: self.0.attempts.load(Ordering::SeqCst),
            by_operation: self
                .0
                .by_operation
                .lock()
                .map(|m| m.clone())
                .unwrap_or_default(),
        }
    }

    fn record(&self, operation: &str) {
        if is_read_operation(operation) {
            self.0.reads.fetch_add(1, Ordering::SeqCst);
        } else {
            self.0.writes.fetch_add(1, Ordering::SeqCst);
        }
        if let Ok(mut m) = self.0.by_operation.lock() {
            *m.entry(operation.to_owned()).or_default() += 1;
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "tgw-peering-call-counter"
    }

    // Once per operation, after the operation's configuration (and so its
    // `Metadata`) is in the bag; `read_before_execution` runs too early for it.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            self.record(meta.name());
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Session name of the tool's assumed-role sessions (in the other
/// account's CloudTrail as `assumed-role/NAME/tgw-peering`).
pub const ROLE_SESSION_NAME: &str = "tgw-peering";

/// The credentials of an IAM role, from aws-config's [`AssumeRoleProvider`]
/// built on the shared `SdkConfig` (whose credentials call `sts:AssumeRole`).
///
/// The provider is built on first use: its builder is async. The SDK
/// client's identity cache keeps the credentials until shortly before they
/// expire, so the role is assumed once per session, not once per call.
///
/// [`AssumeRoleProvider`]: aws_config::sts::AssumeRoleProvider
#[derive(Debug)]
struct RoleCredentials {
    role: RoleArn,
    external_id: Option<String>,
    shared: SdkConfig,
    provider: tokio::sync::OnceCell<aws_config::sts::AssumeRoleProvider>,
}

impl aws_credential_types::provider::ProvideCredentials for RoleCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let provider = self
                .provider
                .get_or_init(|| async {
                    let mut builder =
                        aws_config::sts::AssumeRoleProvider::builder(self.role.as_str())
                            .session_name(ROLE_SESSION_NAME)
                            .configure(&self.shared);
                    if let Some(id) = &self.external_id {
                        builder = builder.external_id(id);
                    }
                    builder.build().await
                })
                .await;
            aws_credential_types::provider::ProvideCredentials::provide_credentials(provider).await
        })
    }
}

/// The client factory: one EC2 client per managed Region, built once.
pub struct AwsClients {
    clients: BTreeMap<Region, Arc<dyn Ec2Region>>,
    counter: CallCounter,
}

impl AwsClients {
    /// EC2 clients of `regions`, all with the shared SDK credentials.
    pub fn new(shared: &SdkConfig, regions: &[Region]) -> Self {
        Self::build(shared, regions, &BTreeMap::new(), None)
    }

    /// The clients of the configured Regions: a Region of
    /// `ACCOUNT_ROLE_ARNS` assumes its role (with `ROLE_EXTERNAL_ID`), the
    /// others use the shared SDK credentials.
    pub fn for_config(shared: &SdkConfig, config: &crate::Config) -> Self {
        Self::build(
            shared,
            &config.regions,
            &config.account_role_arns,
            config.role_external_id.as_deref(),
        )
    }

    fn build(
        shared: &SdkConfig,
        regions: &[Region],
        roles: &BTreeMap<Region, RoleArn>,
        external_id: Option<&str>,
    ) -> Self {
        let counter = CallCounter::default();
        let clients = regions
            .iter()
            .map(|r| {
                let mut builder = aws_sdk_ec2::config::Builder::from(shared)
                    .region(aws_config::Region::new(r.as_str().to_owned()))
                    .interceptor(counter.clone());
                if let Some(role) = roles.get(r) {
                    builder = builder.credentials_provider(
                        aws_sdk_ec2::config::SharedCredentialsProvider::new(RoleCredentials {
                            role: role.clone(),
                            external_id: external_id.map(str::to_owned),
                            shared: shared.clone(),
                            provider: tokio::sync::OnceCell::new(),
                        }),
                    );
                }
                let conf = builder.build();
                let ec2: Arc<dyn Ec2Region> = Arc::new(AwsEc2 {
                    region: r.clone(),
                    client: Client::from_conf(conf),
                });
                (r.clone(), ec2)
            })
            .collect();
        Self { clients, counter }
    }

    /// The EC2 calls made so far through these clients.
    pub fn counter(&self) -> &CallCounter {
        &self.counter
    }
}

impl Ec2Clients for AwsClients {
    fn ec2(&self, region: &Region) -> Result<Arc<dyn Ec2Region>, Error> {
        self.clients
            .get(region)
            .cloned()
            .ok_or_else(|| Error::Input(format!("{region} is not a managed Region")))
    }
}

/// EC2 in one Region.
pub struct AwsEc2 {
    region: Region,
    client: Client,
}

const THROTTLING_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "Unavailable",
    "InternalError",
    "InternalFailure",
];

impl AwsEc2 {
    fn err<E>(&self, operation: &'static str, e: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        aws_error(&self.region, operation, e)
    }

    /// A failure whose code says the change is already in place.
    fn idempotent<E>(
        &self,
        operation: &'static str,
        result: Result<(), SdkError<E, HttpResponse>>,
        already: &[&str],
    ) -> Result<Outcome, Error>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match result {
            Ok(()) => Ok(Outcome::Done),
            Err(e) => {
                let err = self.err(operation, e);
                match err.aws_code() {
                    Some(code) if already.contains(&code) => {
                        Ok(Outcome::AlreadyDone(err.to_string()))
                    }
                    _ => Err(err),
                }
            }
        }
    }

    fn parse<T, E: std::fmt::Display>(&self, what: &str, r: Result<T, E>) -> Result<T, Error> {
        r.map_err(|e| Error::Aws {
            region: self.region.clone(),
            operation: "parse",
            code: None,
            message: format!("unexpected {what} in the EC2 response: {e}"),
            retryable: false,
        })
    }
}

fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[async_trait]
impl Ec2Region for AwsEc2 {
    fn region(&self) -> &Region {
        &self.region
    }

    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        let items = self
            .client
            .describe_transit_gateways()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err("DescribeTransitGateways", e))?;
        items
            .into_iter()
            .map(|g| {
                let id = self.parse(
                    "transit gateway ID",
                    TransitGatewayId::parse(g.transit_gateway_id().unwrap_or_default()),
                )?;
                let owner_id = g.owner_id().and_then(|o| AccountId::parse(o).ok());
                let default_association_route_table = g
                    .options()
                    .and_then(|o| o.association_default_route_table_id())
                    .and_then(|r| RouteTableId::parse(r).ok());
                Ok(TransitGateway {
                    id,
                    owner_id,
                    state: g.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    default_association_route_table,
                })
            })
            .collect()
    }

    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        let items = self
            .client
            .describe_vpcs()
            .max_results(1000)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err("DescribeVpcs", e))?;
        items
            .into_iter()
            .map(|v| {
                let id = self.parse("VPC ID", VpcId::parse(v.vpc_id().unwrap_or_default()))?;
                let mut cidrs = Vec::new();
                for a in v.cidr_block_association_set() {
                    if let Some(c) = a.cidr_block() {
                        let state = a
                            .cidr_block_state()
                            .and_then(|s| s.state())
                            .map(|s| CidrState::parse(s.as_str()))
                            .unwrap_or(CidrState::Associated);
                        cidrs.push((self.parse("CIDR", Cidr::parse(c))?, state));
                    }
                }
                if cidrs.is_empty() {
                    if let Some(c) = v.cidr_block() {
                        cidrs.push((self.parse("CIDR", Cidr::parse(c))?, CidrState::Associated));
                    }
                }
                for a in v.ipv6_cidr_block_association_set() {
                    if let Some(c) = a.ipv6_cidr_block() {
                        let state = a
                            .ipv6_cidr_block_state()
                            .and_then(|s| s.state())
                            .map(|s| CidrState::parse(s.as_str()))
                            .unwrap_or(CidrState::Associated);
                        cidrs.push((self.parse("IPv6 CIDR", Cidr::parse(c))?, state));
                    }
                }
                Ok(Vpc {
                    id,
                    tags: tags_of(v.tags()),
                    cidrs,
                })
            })
            .collect()
    }

    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        let items = self
            .client
            .describe_transit_gateway_peering_attachments()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err("DescribeTransitGatewayPeeringAttachments", e))?;
        let side =
            |info: Option<&aws_sdk_ec2::types::PeeringTgwInfo>| -> Result<GatewayRef, Error> {
                let info = info.ok_or_else(|| Error::Aws {
                    region: self.region.clone(),
                    operation: "parse",
                    code: None,
                    message: "a peering attachment without requester or accepter".into(),
                    retryable: false,
                })?;
                Ok(GatewayRef {
                    region: self
                        .parse("Region", Region::parse(info.region().unwrap_or_default()))?,
                    transit_gateway_id: self.parse(
                        "transit gateway ID",
                        TransitGatewayId::parse(info.transit_gateway_id().unwrap_or_default()),
                    )?,
                    account_id: info.owner_id().and_then(|o| AccountId::parse(o).ok()),
                })
            };
        items
            .into_iter()
            .map(|p| {
                let state = PeeringState::parse(p.state().map(|s| s.as_str()).unwrap_or("unknown"));
                Ok(PeeringAttachment {
                    id: self.parse(
                        "attachment ID",
                        AttachmentId::parse(p.transit_gateway_attachment_id().unwrap_or_default()),
                    )?,
                    requester: side(p.requester_tgw_info())?,
                    accepter: side(p.accepter_tgw_info())?,
                    states: [(self.region.clone(), state)].into_iter().collect(),
                    created_at: p.creation_time().map(|t| t.secs()),
                    tags: tags_of(p.tags()),
                })
            })
            .collect()
    }

    async fn static_routes(&self, route_table: &RouteTableId) -> Result<RouteSearch, Error> {
        // One search, no MaxResults: AWS returns up to 1,000 routes and flags more.
        let out = self
            .client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(route_table.as_str())
            .filters(filter("type", "static"))
            .send()
            .await
            .map_err(|e| self.err("SearchTransitGatewayRoutes", e))?;
        let mut routes = Vec::new();
        for r in out.routes() {
            // Prefix-list routes have no CIDR and are never the tool's.
            let Some(cidr) = r.destination_cidr_block() else {
                continue;
            };
            if r.r#type().is_some_and(|t| t.as_str() != "static") {
                continue;
            }
            let state = r.state().map(|s| s.as_str().to_owned()).unwrap_or_default();
            // A route on its way out is already gone for planning purposes.
            if matches!(state.as_str(), "deleting" | "deleted") {
                continue;
            }
            let target = match r
                .transit_gateway_attachments()
                .iter()
                .find_map(|a| a.transit_gateway_attachment_id())
            {
                Some(id) => {
                    RouteTarget::Attachment(self.parse("attachment ID", AttachmentId::parse(id))?)
                }
                None if state == "blackhole" => RouteTarget::Blackhole,
                None => RouteTarget::Unknown,
            };
            routes.push(StaticRoute {
                cidr: self.parse("CIDR", Cidr::parse(cidr))?,
                target,
                state,
            });
        }
        Ok(RouteSearch {
            routes,
            truncated: out.additional_routes_available().unwrap_or(false),
        })
    }

    async fn associations(
        &self,
        route_table: &RouteTableId,
    ) -> Result<BTreeSet<AttachmentId>, Error> {
        let items = self
            .client
            .get_transit_gateway_route_table_associations()
            .transit_gateway_route_table_id(route_table.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err("GetTransitGatewayRouteTableAssociations", e))?;
        Ok(items
            .into_iter()
            .filter(|a| {
                a.state()
                    .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
            })
            .filter_map(|a| {
                a.transit_gateway_attachment_id()
                    .and_then(|id| AttachmentId::parse(id).ok())
            })
            .collect())
    }

    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        let items = self
            .client
            .describe_route_tables()
            .max_results(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err("DescribeRouteTables", e))?;
        items
            .into_iter()
            .map(|t| {
                let id = self.parse(
                    "route table ID",
                    VpcRouteTableId::parse(t.route_table_id().unwrap_or_default()),
                )?;
                let vpc_id = self.parse("VPC ID", VpcId::parse(t.vpc_id().unwrap_or_default()))?;
                // An association in progress or gone serves no subnet yet.
                let serves_subnets = t.associations().iter().any(|a| {
                    let live = a
                        .association_state()
                        .and_then(|s| s.state())
                        .is_none_or(|s| s.as_str() == "associated");
                    live && (a.main().unwrap_or(false) || a.subnet_id().is_some())
                });
                let mut routes = Vec::new();
                for r in t.routes() {
                    // Prefix-list routes have no CIDR and are never the tool's.
                    let Some(cidr) = r
                        .destination_cidr_block()
                        .or_else(|| r.destination_ipv6_cidr_block())
                    else {
                        continue;
                    };
                    let target = match r.transit_gateway_id() {
                        Some(tgw) => VpcRouteTarget::TransitGateway(
                            self.parse("transit gateway ID", TransitGatewayId::parse(tgw))?,
                        ),
                        None => VpcRouteTarget::Other(
                            [
                                r.gateway_id(),
                                r.nat_gateway_id(),
                                r.vpc_peering_connection_id(),
                                r.network_interface_id(),
                                r.instance_id(),
                                r.egress_only_internet_gateway_id(),
                                r.local_gateway_id(),
                                r.carrier_gateway_id(),
                                r.core_network_arn(),
                            ]
                            .into_iter()
                            .flatten()
                            .next()
                            .unwrap_or("unknown")
                            .to_owned(),
                        ),
                    };
                    routes.push(VpcRoute {
                        cidr: self.parse("CIDR", Cidr::parse(cidr))?,
                        target,
                        origin: r
                            .origin()
                            .map(|o| o.as_str().to_owned())
                            .unwrap_or_default(),
                        state: r.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    });
                }
                Ok(VpcRouteTable {
                    id,
                    vpc_id,
                    serves_subnets,
                    routes,
                })
            })
            .collect()
    }

    async fn create_peering(
        &self,
        requester: &TransitGatewayId,
        accepter: &GatewayRef,
        tags: &[(String, String)],
    ) -> Result<AttachmentId, Error> {
        let spec = TagSpecification::builder()
            .resource_type(ResourceType::TransitGatewayAttachment)
            .set_tags(Some(
                tags.iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .build();
        // PeerAccountId is required by the API: the accepter gateway's owner.
        let account = accepter.account_id.as_ref().ok_or_else(|| Error::Resolve {
            region: accepter.region.clone(),
            message: format!(
                "the owner account of transit gateway {} is unknown; cannot request a peering",
                accepter.transit_gateway_id
            ),
        })?;
        let out = self
            .client
            .create_transit_gateway_peering_attachment()
            .transit_gateway_id(requester.as_str())
            .peer_transit_gateway_id(accepter.transit_gateway_id.as_str())
            .peer_region(accepter.region.as_str())
            .peer_account_id(account.as_str())
            .tag_specifications(spec)
            .send()
            .await
            .map_err(|e| self.err("CreateTransitGatewayPeeringAttachment", e))?;
        let id = out
            .transit_gateway_peering_attachment()
            .and_then(|p| p.transit_gateway_attachment_id())
            .unwrap_or_default();
        self.parse("attachment ID", AttachmentId::parse(id))
    }

    async fn accept_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        let r = self
            .client
            .accept_transit_gateway_peering_attachment()
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        // Accepting twice: AWS answers IncorrectState; the next read decides.
        self.idempotent(
            "AcceptTransitGatewayPeeringAttachment",
            r,
            &["IncorrectState"],
        )
    }

    async fn delete_peering(&self, attachment: &AttachmentId) -> Result<Outcome, Error> {
        let r = self
            .client
            .delete_transit_gateway_peering_attachment()
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        self.idempotent(
            "DeleteTransitGatewayPeeringAttachment",
            r,
            &[
                "InvalidTransitGatewayAttachmentID.NotFound",
                "IncorrectState",
            ],
        )
    }

    async fn associate_route_table(
        &self,
        route_table: &RouteTableId,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .associate_transit_gateway_route_table()
            .transit_gateway_route_table_id(route_table.as_str())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        // `Resource.AlreadyAssociated` is a repeat when the association is
        // with this table: a retry after a response that was lost (the SDK
        // retries a 5xx). With another table of the gateway it needs a person.
        match self.idempotent("AssociateTransitGatewayRouteTable", r, &[]) {
            Err(Error::Aws {
                code: Some(code), ..
            }) if code == "Resource.AlreadyAssociated"
                && self
                    .associations(route_table)
                    .await
                    .is_ok_and(|a| a.contains(attachment)) =>
            {
                Ok(Outcome::AlreadyDone(format!(
                    "{attachment} is already associated with {route_table}"
                )))
            }
            Err(Error::Aws {
                region,
                operation,
                code: Some(code),
                message,
                ..
            }) if code == "Resource.AlreadyAssociated" => Err(Error::Aws {
                region,
                operation,
                message: format!(
                    "{message}: {attachment} is associated with another route table than {route_table}; disassociate it or set ROUTE_TABLE_IDS to that table"
                ),
                code: Some(code),
                retryable: false,
            }),
            other => other,
        }
    }

    async fn create_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
        attachment: &AttachmentId,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .create_transit_gateway_route()
            .transit_gateway_route_table_id(route_table.as_str())
            .destination_cidr_block(cidr.to_string())
            .transit_gateway_attachment_id(attachment.as_str())
            .send()
            .await
            .map(|_| ());
        self.idempotent("CreateTransitGatewayRoute", r, &["RouteAlreadyExists"])
    }

    async fn delete_route(
        &self,
        route_table: &RouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        let r = self
            .client
            .delete_transit_gateway_route()
            .transit_gateway_route_table_id(route_table.as_str())
            .destination_cidr_block(cidr.to_string())
            .send()
            .await
            .map(|_| ());
        self.idempotent("DeleteTransitGatewayRoute", r, &["InvalidRoute.NotFound"])
    }

    async fn create_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
        transit_gateway: &TransitGatewayId,
    ) -> Result<Outcome, Error> {
        let mut req = self
            .client
            .create_route()
            .route_table_id(route_table.as_str())
            .transit_gateway_id(transit_gateway.as_str());
        req = if cidr.is_ipv6() {
            req.destination_ipv6_cidr_block(cidr.to_string())
        } else {
            req.destination_cidr_block(cidr.to_string())
        };
        let r = req.send().await.map(|_| ());
        // A repeat after a lost answer. A route to another target with the
        // same CIDR answers the same code; the planner never asks for that.
        self.idempotent("CreateRoute", r, &["RouteAlreadyExists"])
    }

    async fn delete_vpc_route(
        &self,
        route_table: &VpcRouteTableId,
        cidr: &Cidr,
    ) -> Result<Outcome, Error> {
        let mut req = self
            .client
            .delete_route()
            .route_table_id(route_table.as_str());
        req = if cidr.is_ipv6() {
            req.destination_ipv6_cidr_block(cidr.to_string())
        } else {
            req.destination_cidr_block(cidr.to_string())
        };
        let r = req.send().await.map(|_| ());
        self.idempotent("DeleteRoute", r, &["InvalidRoute.NotFound"])
    }
}

/// The tool's event bus on EventBridge.
pub struct AwsBus {
    client: aws_sdk_eventbridge::Client,
    bus_name: String,
}

/// PutEvents takes at most 10 entries per call.
const PUT_EVENTS_BATCH: usize = 10;

#[async_trait]
impl crate::handler::EventBus for AwsBus {
    async fn publish(&self, events: &[crate::handler::OutEvent]) -> Result<(), Error> {
        use aws_sdk_eventbridge::types::PutEventsRequestEntry;
        let region = Region::parse(
            self.client
                .config()
                .region()
                .map(|r| r.as_ref())
                .unwrap_or("us-east-1"),
        )
        .map_err(|e| Error::Input(e.to_string()))?;
        for chunk in events.chunks(PUT_EVENTS_BATCH) {
            let entries = chunk
                .iter()
                .map(|e| {
                    PutEventsRequestEntry::builder()
                        .source(crate::events::SOURCE)
                        .detail_type(e.detail_type)
                        .detail(e.detail.to_string())
                        .event_bus_name(&self.bus_name)
                        .build()
                })
                .collect();
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| aws_error(&region, "PutEvents", e))?;
            let failed = out.failed_entry_count();
            if failed > 0 {
                let codes: Vec<&str> = out
                    .entries()
                    .iter()
                    .filter_map(|e| e.error_code())
                    .collect();
                return Err(Error::Aws {
                    region,
                    operation: "PutEvents",
                    code: codes.first().map(|c| (*c).to_owned()),
                    message: format!(
                        "{failed} of {} entries failed: {}",
                        chunk.len(),
                        codes.join(", ")
                    ),
                    retryable: true,
                });
            }
        }
        Ok(())
    }
}

/// The watcher's SQS delay queue.
pub struct AwsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

#[async_trait]
impl crate::handler::RecheckQueue for AwsQueue {
    async fn send(&self, recheck: &crate::events::Recheck, delay_secs: i32) -> Result<(), Error> {
        let body = serde_json::to_string(recheck).map_err(|e| Error::Input(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(delay_secs)
            .send()
            .await
            .map_err(|e| aws_error(&recheck.region, "SendMessage", e))?;
        Ok(())
    }
}

/// The caller's identity, from STS.
pub struct AwsIdentity {
    client: aws_sdk_sts::Client,
}

#[async_trait]
impl crate::handler::Identity for AwsIdentity {
    async fn account(&self) -> Result<AccountId, Error> {
        let region = Region::parse("us-east-1").map_err(|e| Error::Input(e.to_string()))?;
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| aws_error(&region, "GetCallerIdentity", e))?;
        AccountId::parse(out.account().unwrap_or_default()).map_err(|e| Error::Aws {
            region,
            operation: "GetCallerIdentity",
            code: None,
            message: e.to_string(),
            retryable: false,
        })
    }
}

/// Every AWS operation the functions call, as IAM names them. The
/// deployment's roles grant exactly these (plus what Lambda itself needs);
/// `infra/tests` checks the template against this list, and an emulator test
/// checks that a full event flow calls exactly these operations.
pub const SDK_CALLS: &[&str] = &[
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeTransitGatewayPeeringAttachments",
    "ec2:SearchTransitGatewayRoutes",
    "ec2:GetTransitGatewayRouteTableAssociations",
    "ec2:CreateTransitGatewayPeeringAttachment",
    "ec2:AcceptTransitGatewayPeeringAttachment",
    "ec2:DeleteTransitGatewayPeeringAttachment",
    "ec2:AssociateTransitGatewayRouteTable",
    "ec2:CreateTransitGatewayRoute",
    "ec2:DeleteTransitGatewayRoute",
    // Only with MANAGE_VPC_ROUTES=true.
    "ec2:DescribeRouteTables",
    "ec2:CreateRoute",
    "ec2:DeleteRoute",
    "events:PutEvents",
    "sqs:SendMessage",
    "sts:GetCallerIdentity",
    // Only with ACCOUNT_ROLE_ARNS: aws-config's assume-role provider.
    "sts:AssumeRole",
];

/// The calls of [`SDK_CALLS`] made only with `ACCOUNT_ROLE_ARNS` set (by the
/// credentials provider, outside the call counters).
pub const ASSUME_ROLE_CALLS: &[&str] = &["sts:AssumeRole"];

/// The calls of [`SDK_CALLS`] made only with `MANAGE_VPC_ROUTES=true`.
pub const VPC_ROUTE_CALLS: &[&str] = &[
    "ec2:DescribeRouteTables",
    "ec2:CreateRoute",
    "ec2:DeleteRoute",
];

/// Builds the event handler with every client, once per process: EC2 per
/// managed Region (with the Region's role of `ACCOUNT_ROLE_ARNS`, if any),
/// and EventBridge, SQS and STS in the process's own Region and account.
pub fn handler(config: crate::Config, shared: &SdkConfig) -> crate::handler::Handler {
    handler_counted(config, shared).0
}

/// [`handler`], and counters of the calls it makes: EC2, and the others
/// (EventBridge, SQS, STS).
pub fn handler_counted(
    config: crate::Config,
    shared: &SdkConfig,
) -> (crate::handler::Handler, CallCounter, CallCounter) {
    let clients = AwsClients::for_config(shared, &config);
    let ec2_counter = clients.counter().clone();
    let other = CallCounter::default();
    let bus = config.event_bus_name.clone().map(|bus_name| {
        let conf = aws_sdk_eventbridge::config::Builder::from(shared)
            .interceptor(other.clone())
            .build();
        Arc::new(AwsBus {
            client: aws_sdk_eventbridge::Client::from_conf(conf),
            bus_name,
        }) as Arc<dyn crate::handler::EventBus>
    });
    let queue = config.recheck_queue_url.clone().map(|url| {
        let conf = aws_sdk_sqs::config::Builder::from(shared)
            .interceptor(other.clone())
            .build();
        Arc::new(AwsQueue {
            client: aws_sdk_sqs::Client::from_conf(conf),
            url,
        }) as Arc<dyn crate::handler::RecheckQueue>
    });
    let conf = aws_sdk_sts::config::Builder::from(shared)
        .interceptor(other.clone())
        .build();
    let identity = Arc::new(AwsIdentity {
        client: aws_sdk_sts::Client::from_conf(conf),
    });
    let handler = crate::handler::Handler::new(config, Arc::new(clients), bus, queue, identity);
    (handler, ec2_counter, other)
}

/// Maps an SDK error of any service to the tool's error.
fn aws_error<E>(region: &Region, operation: &'static str, e: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = e.code().map(str::to_owned);
    let status = e.raw_response().map(|r| r.status().as_u16());
    let retryable = match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(_) => {
            status.is_some_and(|s| s >= 500 || s == 429)
                || code
                    .as_deref()
                    .is_some_and(|c| THROTTLING_CODES.contains(&c))
        }
        _ => false,
    };
    let message = e
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| aws_smithy_types::error::display::DisplayErrorContext(&e).to_string());
    Error::Aws {
        region: region.clone(),
        operation,
        code,
        message,
        retryable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_search_and_get_calls_count_as_reads() {
        assert!(is_read_operation("DescribeVpcs"));
        assert!(is_read_operation("SearchTransitGatewayRoutes"));
        assert!(is_read_operation("GetTransitGatewayRouteTableAssociations"));
        assert!(!is_read_operation("CreateTransitGatewayRoute"));
        assert!(!is_read_operation("AcceptTransitGatewayPeeringAttachment"));
    }
}
