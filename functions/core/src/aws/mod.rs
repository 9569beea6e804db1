//! The real AWS adapters on the Rust SDK: one EC2 client per Region, all
//! built from one shared `SdkConfig`, with the SDK's own retry and timeout
//! policy. They implement the ports of [`crate::ports`] and depend on the
//! domain only, never on the handler.

/// Every item of every page of an EC2 read, through the SDK's paginator:
/// `every_item!(self, "Operation", request)` is a `Result<Vec<_>, Error>`,
/// a failure on any page mapped by the adapter's `err`.
macro_rules! every_item {
    ($adapter:ident, $operation:expr, $request:expr) => {
        $request
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| $adapter.err($operation, e))
    };
}

mod counter;
mod ec2;
mod ec2_read;
mod ec2_write;
mod errors;
mod ledger_read;
mod ledger_write;
mod manifest;
mod reference_write;
mod services;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::Client;

use crate::config::Config;
use crate::domain::{AccountId, Region, RoleArn};
use crate::error::Error;
use crate::ports::{Ec2Clients, Ec2ReadClients, Ec2Reads, Ec2Region, WorkloadVpcs};

pub use counter::{is_read_operation, CallCounter, CallCounts};
pub use ec2::AwsEc2;
pub use manifest::{
    read_calls, ASSUME_ROLE_CALLS, PREFIX_LIST_CALLS, SDK_CALLS, VPC_ROUTE_CALLS, WATCHER_CALLS,
};
pub use services::{AwsBus, AwsIdentity, AwsQueue, AwsRedelivery};

/// Attempts per call, first included: enough to ride out EC2 throttling
/// (`RequestLimitExceeded`) with the standard mode's exponential backoff.
pub const MAX_ATTEMPTS: u32 = 8;
/// Bound on one HTTP attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on one call, retries included; below the functions' Lambda timeout.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Loads the shared SDK configuration from the standard sources (`AWS_REGION`,
/// `AWS_PROFILE`, `AWS_ENDPOINT_URL`, …) with the tool's retry and timeouts.
///
/// The default Region (the one of the hub's own services: STS, EventBridge,
/// SQS; every EC2 client names its own) comes from `AWS_REGION` /
/// `AWS_DEFAULT_REGION`, else the profile, else the first managed Region:
/// never from the instance metadata service, which a first run on a laptop
/// does not have (the SDK's default chain would warn about it three times).
pub async fn load_sdk_config(config: &Config) -> SdkConfig {
    let first = config.regions.first().map(|r| aws_config::Region::new(r.as_str().to_owned()));
    let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::new())
        .or_else(first);
    sdk_config_loader().region(region).load().await
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
struct RoleCredentials {
    role: RoleArn,
    external_id: Option<String>,
    shared: SdkConfig,
    provider: tokio::sync::OnceCell<aws_config::sts::AssumeRoleProvider>,
}

impl std::fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The external id stays out of every output.
        f.debug_struct("RoleCredentials").field("role", &self.role).finish_non_exhaustive()
    }
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

/// The client factory: one EC2 client per managed Region, built once, and
/// one per workload account and Region, built on first use.
pub struct AwsClients {
    clients: BTreeMap<Region, Arc<dyn Ec2Region>>,
    counter: CallCounter,
    workloads: Workloads,
}

/// The workload accounts' clients (`WORKLOAD_ROLE_NAME`): each assumes
/// `arn:PARTITION:iam::ACCOUNT:role/NAME` with `ROLE_EXTERNAL_ID`, from the
/// shared SDK credentials (the hub's function role), never chained through
/// a Region's `ACCOUNT_ROLE_ARNS` role.
struct Workloads {
    shared: SdkConfig,
    role_name: Option<String>,
    external_id: Option<String>,
    built: std::sync::Mutex<BTreeMap<(Region, AccountId), Arc<AwsEc2>>>,
    /// One credentials provider per role (partition and account), shared by
    /// the account's clients of every Region: the role is assumed once per
    /// process (and again when its credentials near expiry), not once per
    /// Region.
    roles: std::sync::Mutex<
        BTreeMap<RoleArn, aws_credential_types::provider::SharedCredentialsProvider>,
    >,
}

impl AwsClients {
    /// EC2 clients of `regions`, all with the shared SDK credentials.
    pub fn new(shared: &SdkConfig, regions: &[Region]) -> Self {
        Self::build(shared, regions, &BTreeMap::new(), None, None)
    }

    /// The clients of the configured Regions: a Region of
    /// `ACCOUNT_ROLE_ARNS` assumes its role (with `ROLE_EXTERNAL_ID`), the
    /// others use the shared SDK credentials.
    pub fn for_config(shared: &SdkConfig, config: &crate::Config) -> Self {
        Self::build(
            shared,
            &config.regions,
            &config.account_role_arns,
            config.role_external_id.as_ref().map(crate::config::ExternalId::as_str),
            config.workload_role_name.as_deref(),
        )
    }

    fn build(
        shared: &SdkConfig,
        regions: &[Region],
        roles: &BTreeMap<Region, RoleArn>,
        external_id: Option<&str>,
        workload_role: Option<&str>,
    ) -> Self {
        let counter = CallCounter::default();
        let workloads = Workloads {
            shared: shared.clone(),
            role_name: workload_role.map(str::to_owned),
            external_id: external_id.map(str::to_owned),
            built: std::sync::Mutex::new(BTreeMap::new()),
            roles: std::sync::Mutex::new(BTreeMap::new()),
        };
        let clients = regions
            .iter()
            .map(|r| {
                let credentials =
                    roles.get(r).map(|role| role_credentials(shared, role, external_id));
                let ec2: Arc<dyn Ec2Region> =
                    Arc::new(ec2_client(shared, r, credentials, &counter));
                (r.clone(), ec2)
            })
            .collect();
        Self { clients, counter, workloads }
    }

    /// The EC2 calls made so far through these clients.
    pub fn counter(&self) -> &CallCounter {
        &self.counter
    }
}

/// EC2 (and STS) in `region`, with `credentials` when given, else the
/// shared SDK credentials; every EC2 call counted by `counter`.
fn ec2_client(
    shared: &SdkConfig,
    region: &Region,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    counter: &CallCounter,
) -> AwsEc2 {
    let sdk_region = aws_config::Region::new(region.as_str().to_owned());
    let mut ec2 = aws_sdk_ec2::config::Builder::from(shared)
        .region(sdk_region.clone())
        .interceptor(counter.clone());
    ec2.set_credentials_provider(credentials.clone());
    let mut sts = aws_sdk_sts::config::Builder::from(shared).region(sdk_region);
    sts.set_credentials_provider(credentials);
    let (ec2, sts) = (ec2.build(), aws_sdk_sts::Client::from_conf(sts.build()));
    AwsEc2::new(region.clone(), Client::from_conf(ec2), sts)
}

/// The credentials of a Region's role (`ACCOUNT_ROLE_ARNS`), assumed with
/// the shared SDK credentials, for its EC2 and STS clients alike.
fn role_credentials(
    shared: &SdkConfig,
    role: &RoleArn,
    external_id: Option<&str>,
) -> aws_credential_types::provider::SharedCredentialsProvider {
    aws_credential_types::provider::SharedCredentialsProvider::new(RoleCredentials {
        role: role.clone(),
        external_id: external_id.map(str::to_owned),
        shared: shared.clone(),
        provider: tokio::sync::OnceCell::new(),
    })
}

impl Ec2ReadClients for AwsClients {
    fn reads(&self, region: &Region) -> Result<Arc<dyn Ec2Reads>, Error> {
        let ec2: Arc<dyn Ec2Reads> = self.ec2(region)?;
        Ok(ec2)
    }

    fn workload(
        &self,
        region: &Region,
        account: &AccountId,
    ) -> Result<Arc<dyn WorkloadVpcs>, Error> {
        let internal = |message: String| Error::Internal { message, source: None };
        let name = self.workloads.role_name.as_deref().ok_or_else(|| {
            internal(format!("no WORKLOAD_ROLE_NAME to read account {account}'s VPCs"))
        })?;
        let role = RoleArn::of(region.partition(), account, name)
            .map_err(|e| Error::internal("a workload role ARN", e))?;
        let poisoned = || internal("the workload clients' lock is poisoned".to_owned());
        let w = &self.workloads;
        let credentials = w
            .roles
            .lock()
            .map_err(|_| poisoned())?
            .entry(role.clone())
            .or_insert_with(|| role_credentials(&w.shared, &role, w.external_id.as_deref()))
            .clone();
        let mut built = w.built.lock().map_err(|_| poisoned())?;
        let client = built.entry((region.clone(), account.clone())).or_insert_with(|| {
            Arc::new(ec2_client(&w.shared, region, Some(credentials), &self.counter))
        });
        Ok(client.clone())
    }
}

impl Ec2Clients for AwsClients {
    fn ec2(&self, region: &Region) -> Result<Arc<dyn Ec2Region>, Error> {
        self.clients.get(region).cloned().ok_or_else(|| Error::Internal {
            message: format!("{region} is not a managed Region; no EC2 client was built for it"),
            source: None,
        })
    }

    fn calls(&self) -> crate::ports::CallTally {
        let c = self.counter.snapshot();
        crate::ports::CallTally { reads: c.reads, writes: c.writes, throttles: c.throttled }
    }
}
