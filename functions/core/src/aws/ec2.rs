//! EC2 in one Region: the [`Ec2Region`] port on the SDK's client. The
//! reads are in `ec2_read` and `ledger_read`, the writes in `ec2_write`
//! and `ledger_write`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, Tag};
use aws_sdk_ec2::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use tokio::sync::OnceCell;

use super::errors::{aws_error, decode, idempotent};
use crate::domain::{
    AccountId, AttachmentId, LedgerRead, ListReference, PeeringAttachment, Region, RouteTableId,
    TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway, TransitGatewayId, Vpc, VpcId,
    VpcRouteTable,
};
use crate::error::Error;
use crate::planner::Action;
use crate::ports::{Ec2Reads, Ec2Region, Outcome, WorkloadVpcs};

/// What a write adapter answers: its [`Outcome`], or the error of its
/// AWS operation.
pub(super) type Written = Result<Outcome, Error>;

/// EC2 in one Region, and STS with the same credentials (for the account).
pub struct AwsEc2 {
    pub(super) region: Region,
    pub(super) client: Client,
    sts: aws_sdk_sts::Client,
    account: OnceCell<AccountId>,
}

impl AwsEc2 {
    pub(super) fn new(region: Region, client: Client, sts: aws_sdk_sts::Client) -> Self {
        Self { region, client, sts, account: OnceCell::new() }
    }

    pub(super) fn err<E>(&self, operation: &'static str, e: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        aws_error(&self.region, operation, e)
    }

    /// Awaits a write and maps its answer; the failure codes in `repeats`
    /// mean the change is already in place (see [`idempotent`]).
    pub(super) async fn sent<T, E>(
        &self,
        operation: &'static str,
        call: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        repeats: &[&str],
    ) -> Result<Outcome, Error>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        idempotent(&self.region, operation, call.await.map(|_| ()), repeats)
    }

    async fn caller_account(&self) -> Result<AccountId, Error> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| aws_error(&self.region, "GetCallerIdentity", e))?;
        let account = out.account().unwrap_or_default();
        decode(&self.region, "GetCallerIdentity", "an account ID", AccountId::parse(account))
    }
}

/// A resource's tags, key to value.
pub(super) fn tags_of(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned())))
        .collect()
}

/// An EC2 filter with one value.
pub(super) fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[async_trait]
impl Ec2Reads for AwsEc2 {
    fn region(&self) -> &Region {
        &self.region
    }

    async fn account(&self) -> Result<AccountId, Error> {
        self.account.get_or_try_init(|| self.caller_account()).await.cloned()
    }

    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error> {
        self.read_transit_gateways().await
    }

    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        self.read_vpcs().await
    }

    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error> {
        self.read_peering_attachments().await
    }

    async fn attachments(&self, tgw: &TransitGatewayId) -> Result<Vec<TgwAttachment>, Error> {
        self.read_attachments(tgw).await
    }

    async fn route_tables(&self, tgw: &TransitGatewayId) -> Result<Vec<TgwRouteTable>, Error> {
        self.read_route_tables(tgw).await
    }

    async fn ipv6_support(
        &self,
        attachments: &[AttachmentId],
    ) -> Result<BTreeMap<AttachmentId, bool>, Error> {
        self.read_ipv6_support(attachments).await
    }

    async fn routes(&self, table: &RouteTableId) -> Result<Vec<TgwRoute>, Error> {
        self.read_routes(table, None).await
    }

    async fn prefix_list_references(
        &self,
        table: &RouteTableId,
    ) -> Result<Vec<ListReference>, Error> {
        self.read_references(table).await
    }

    async fn ledger(&self) -> Result<LedgerRead, Error> {
        self.read_ledger().await
    }

    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error> {
        self.read_vpc_route_tables().await
    }

    async fn vpc_route_tables_of(&self, vpcs: &[VpcId]) -> Result<Vec<VpcRouteTable>, Error> {
        self.read_vpc_route_tables_of(vpcs).await
    }
}

#[async_trait]
impl Ec2Region for AwsEc2 {
    async fn apply(&self, action: &Action) -> Result<Outcome, Error> {
        self.write(action).await
    }

    async fn record_paths(
        &self,
        table: &RouteTableId,
        set: &BTreeMap<String, String>,
        unset: &[String],
    ) -> Result<(), Error> {
        use aws_sdk_ec2::types::Tag;
        if !set.is_empty() {
            let tags = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build());
            let call = self.client.create_tags().resources(table.as_str());
            self.sent("CreateTags", call.set_tags(Some(tags.collect())).send(), &[]).await?;
        }
        if !unset.is_empty() {
            // A tag named by its key alone is deleted whatever its value.
            let keys = unset.iter().map(|k| Tag::builder().key(k).build());
            let call = self.client.delete_tags().resources(table.as_str());
            self.sent("DeleteTags", call.set_tags(Some(keys.collect())).send(), &[]).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl WorkloadVpcs for AwsEc2 {
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error> {
        self.read_vpcs().await
    }

    async fn route_tables(&self, vpcs: &[VpcId]) -> Result<Vec<VpcRouteTable>, Error> {
        self.read_vpc_route_tables_of(vpcs).await
    }
}
