//! Every port of the core: the AWS operations the tool needs, behind small
//! traits, so that the handler, the reader and the executor are testable
//! without a network. The AWS adapters (`crate::aws`) implement them; nothing
//! here knows about the handler.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{
    AccountId, AttachmentId, LedgerRead, ListReference, PeeringAttachment, Region, RouteTableId,
    TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway, TransitGatewayId, Vpc, VpcId,
    VpcRouteTable,
};
use crate::error::Error;
use crate::events::{GatewayRecheck, OutEvent, Recheck, VpcRecheck};
use crate::planner::Action;

/// How a write ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The call made the change.
    Done,
    /// The call created this resource (a peering attachment, a ledger list).
    Created(String),
    /// The change was already in place (`RouteAlreadyExists` for the same
    /// route, an attachment already accepted or associated, a peering that
    /// already links the two gateways…): a repeat, not an error.
    AlreadyDone(String),
    /// Nothing was written because something else holds the place (a route
    /// for the CIDR toward another target): reported as a conflict.
    Conflict(String),
}

/// The EC2 reads of one Region: one call per resource type (and its
/// pages). Every method fails with an [`Error::Aws`] (retryable or not)
/// when AWS refuses or cannot be reached, and with an [`Error::Decode`]
/// when its answer does not decode. The watcher function holds only these:
/// it has no path to a write.
#[async_trait]
pub trait Ec2Reads: Send + Sync {
    fn region(&self) -> &Region;

    /// The account the Region's clients act in (STS `GetCallerIdentity`
    /// with the Region's credentials, asked once).
    ///
    /// # Errors
    /// As the trait says.
    async fn account(&self) -> Result<AccountId, Error>;

    /// `DescribeTransitGateways`.
    ///
    /// # Errors
    /// As the trait says.
    async fn transit_gateways(&self) -> Result<Vec<TransitGateway>, Error>;

    /// `DescribeVpcs`: the account's own VPCs, with every CIDR block.
    ///
    /// # Errors
    /// As the trait says.
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error>;

    /// `DescribeTransitGatewayPeeringAttachments`: peerings between two
    /// transit gateways (a peering with a Cloud WAN core network has no
    /// gateway on one side and is left out).
    ///
    /// # Errors
    /// As the trait says.
    async fn peering_attachments(&self) -> Result<Vec<PeeringAttachment>, Error>;

    /// `DescribeTransitGatewayAttachments` of one gateway: every attachment
    /// with its type, resource, owner, state and association.
    ///
    /// # Errors
    /// As the trait says.
    async fn attachments(&self, tgw: &TransitGatewayId) -> Result<Vec<TgwAttachment>, Error>;

    /// `DescribeTransitGatewayRouteTables` of one gateway, every page: its
    /// route tables and their states.
    ///
    /// # Errors
    /// As the trait says.
    async fn route_tables(&self, tgw: &TransitGatewayId) -> Result<Vec<TgwRouteTable>, Error>;

    /// `DescribeTransitGatewayVpcAttachments` of these VPC attachments
    /// (filter `transit-gateway-attachment-id`, every page): whether each
    /// has `Options.Ipv6Support` enabled.
    ///
    /// # Errors
    /// As the trait says.
    async fn ipv6_support(
        &self,
        attachments: &[AttachmentId],
    ) -> Result<std::collections::BTreeMap<AttachmentId, bool>, Error>;

    /// `SearchTransitGatewayRoutes`, every page: the static and propagated
    /// routes of a table that are not on their way out.
    ///
    /// # Errors
    /// As the trait says.
    async fn routes(&self, table: &RouteTableId) -> Result<Vec<TgwRoute>, Error>;

    /// `DescribeManagedPrefixLists` and `GetManagedPrefixListEntries`: the
    /// tool's ledger lists (tagged `tgw-peering:managed=true`) with their
    /// entries, and the count of customer-managed lists listed.
    ///
    /// # Errors
    /// As the trait says.
    async fn ledger(&self) -> Result<LedgerRead, Error>;

    /// `GetTransitGatewayPrefixListReferences`, every page: the prefix-list
    /// references of a transit gateway route table.
    ///
    /// # Errors
    /// As the trait says.
    async fn prefix_list_references(
        &self,
        table: &RouteTableId,
    ) -> Result<Vec<ListReference>, Error>;

    /// `DescribeRouteTables`, every page: every route table of every VPC of
    /// the Region, with its routes.
    ///
    /// # Errors
    /// As the trait says.
    async fn vpc_route_tables(&self) -> Result<Vec<VpcRouteTable>, Error>;

    /// `DescribeRouteTables` filtered by `vpc-id`, 100 VPCs a request (the
    /// API reference's `Filter` documents no maximum of values), every
    /// page: the route tables of these VPCs, for path verification. The
    /// default filters [`Ec2Reads::vpc_route_tables`].
    ///
    /// # Errors
    /// As the trait says.
    async fn vpc_route_tables_of(&self, vpcs: &[VpcId]) -> Result<Vec<VpcRouteTable>, Error> {
        let all = self.vpc_route_tables().await?;
        Ok(all.into_iter().filter(|t| vpcs.contains(&t.vpc_id)).collect())
    }
}

/// The EC2 API of one Region: its reads, and its writes.
#[async_trait]
pub trait Ec2Region: Ec2Reads {
    /// Carries out one planned action in this Region. A change already in
    /// place is an [`Outcome::AlreadyDone`]; a route AWS holds for another
    /// target is an [`Outcome::Conflict`].
    ///
    /// # Errors
    /// As [`Ec2Reads`] says.
    async fn apply(&self, action: &Action) -> Result<Outcome, Error>;

    /// Sets (`CreateTags`, which replaces a tag's value) and removes
    /// (`DeleteTags`, by key) the tool's records of broken hops on a route
    /// table ([`crate::verify::records`]). Nothing to set or remove is no
    /// call.
    ///
    /// # Errors
    /// As [`Ec2Reads`] says; the default (a client that keeps no records)
    /// is an [`Error::Internal`].
    async fn record_paths(
        &self,
        table: &RouteTableId,
        set: &std::collections::BTreeMap<String, String>,
        unset: &[String],
    ) -> Result<(), Error> {
        let _ = (set, unset);
        Err(Error::Internal {
            message: format!("this client keeps no records on {table}"),
            source: None,
        })
    }
}

/// What the tool reads in a workload account: an account that owns VPCs
/// attached to a managed transit gateway shared with it (AWS RAM), through
/// that account's read-only role (`WORKLOAD_ROLE_NAME`).
#[async_trait]
pub trait WorkloadVpcs: Send + Sync {
    /// `DescribeVpcs`, every page: the account's VPCs in the Region, with
    /// every CIDR block and tag. One call per account and Region (and per
    /// extra page of 1,000 VPCs).
    ///
    /// # Errors
    /// An [`Error::Aws`] when the role cannot be assumed (STS refuses:
    /// `AccessDenied`) or EC2 refuses or cannot be reached; an
    /// [`Error::Decode`] for an answer that does not decode.
    async fn vpcs(&self) -> Result<Vec<Vpc>, Error>;

    /// `DescribeRouteTables` filtered by `vpc-id` (as
    /// [`Ec2Reads::vpc_route_tables_of`]): the route tables of these VPCs
    /// of the account, for path verification. The workload template grants
    /// `ec2:DescribeRouteTables` beside `ec2:DescribeVpcs`; a role that
    /// does not leaves the VPCs' first hop not verified.
    ///
    /// # Errors
    /// As [`WorkloadVpcs::vpcs`]; the default (a reader that has no route
    /// tables to offer) is an [`Error::Internal`].
    async fn route_tables(&self, vpcs: &[VpcId]) -> Result<Vec<VpcRouteTable>, Error> {
        let _ = vpcs;
        Err(Error::Internal {
            message: "this reader does not read route tables".to_owned(),
            source: None,
        })
    }
}

/// Workload account `account`'s VPCs in `region`, through
/// [`Ec2ReadClients::workload`].
///
/// # Errors
/// As [`Ec2ReadClients::workload`] and [`WorkloadVpcs::vpcs`] say.
pub async fn workload_vpcs(
    clients: &dyn Ec2ReadClients,
    region: &Region,
    account: &AccountId,
) -> Result<Vec<Vpc>, Error> {
    clients.workload(region, account)?.vpcs().await
}

/// Hands out the EC2 reads of each managed Region, and of the workload
/// accounts. One factory builds every Region's clients, so a Region may use
/// different credentials (an assumed role in another account) without the
/// callers knowing. The watcher function holds only this.
pub trait Ec2ReadClients: Send + Sync {
    /// The EC2 reads of `region`.
    ///
    /// # Errors
    /// [`Error::Internal`] when no client was built for the Region.
    fn reads(&self, region: &Region) -> Result<Arc<dyn Ec2Reads>, Error>;

    /// The VPC reads of workload account `account` in `region`, through its
    /// `WORKLOAD_ROLE_NAME` role.
    ///
    /// # Errors
    /// [`Error::Internal`] when the factory serves no workload account (the
    /// default: `WORKLOAD_ROLE_NAME` unset, or a test double without them).
    fn workload(
        &self,
        region: &Region,
        account: &AccountId,
    ) -> Result<Arc<dyn WorkloadVpcs>, Error> {
        Err(Error::Internal {
            message: format!(
                "no workload role is configured to read account {account}'s VPCs in {region} (WORKLOAD_ROLE_NAME)"
            ),
            source: None,
        })
    }
}

/// Hands out the EC2 API, reads and writes, of each managed Region: the
/// reconciler's and the CLI's.
pub trait Ec2Clients: Ec2ReadClients {
    /// The EC2 API of `region`.
    ///
    /// # Errors
    /// [`Error::Internal`] when no client was built for the Region.
    fn ec2(&self, region: &Region) -> Result<Arc<dyn Ec2Region>, Error>;

    /// The EC2 calls these clients made so far, every Region and workload
    /// account together: what a reconcile's metrics count.
    fn calls(&self) -> CallTally;
}

/// EC2 calls made so far by a set of clients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallTally {
    /// Operations that only read (`Describe…`, `Search…`, `Get…`).
    pub reads: usize,
    /// Operations that write.
    pub writes: usize,
    /// Attempts AWS refused for throttling (the SDK retries them while it has attempts left).
    pub throttles: usize,
}

impl CallTally {
    /// The calls made between `earlier` and `self`.
    #[must_use]
    pub fn since(self, earlier: CallTally) -> CallTally {
        CallTally {
            reads: self.reads.saturating_sub(earlier.reads),
            writes: self.writes.saturating_sub(earlier.writes),
            throttles: self.throttles.saturating_sub(earlier.throttles),
        }
    }
}

/// The event bus the tool publishes on (`EVENT_BUS_NAME`).
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes every event, in batches as the bus takes them.
    ///
    /// # Errors
    /// A retryable [`Error::Aws`] when the bus refuses or fails any entry.
    async fn publish(&self, events: &[OutEvent]) -> Result<(), Error>;
}

/// The watcher's delay queue (`RECHECK_QUEUE_URL`).
#[async_trait]
pub trait RecheckQueue: Send + Sync {
    /// Sends a re-check, to be delivered after `delay_secs` (0 to 900).
    ///
    /// # Errors
    /// [`Error::Aws`] when the queue refuses it.
    async fn send(&self, recheck: &Recheck, delay_secs: i32) -> Result<(), Error>;

    /// Sends a VPC re-check, to be delivered after `delay_secs` (0 to 900).
    ///
    /// # Errors
    /// [`Error::Aws`] when the queue refuses it.
    async fn send_vpc(&self, recheck: &VpcRecheck, delay_secs: i32) -> Result<(), Error>;

    /// Sends a gateway re-check, to be delivered after `delay_secs` (0 to
    /// 900).
    ///
    /// # Errors
    /// [`Error::Aws`] when the queue refuses it.
    async fn send_gateway(&self, recheck: &GatewayRecheck, delay_secs: i32) -> Result<(), Error>;
}

/// The queues the functions read: a message received can be made to come
/// back sooner than the queue's visibility timeout.
#[async_trait]
pub trait Redelivery: Send + Sync {
    /// Makes a received message visible again in `seconds` (SQS
    /// `ChangeMessageVisibility`, 0 to 43,200). Reported in
    /// `batchItemFailures`, it is then delivered again that soon.
    ///
    /// # Errors
    /// [`Error::Aws`] when the queue refuses it (a receipt handle that
    /// expired, for one).
    async fn redeliver_in(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        seconds: i32,
    ) -> Result<(), Error>;
}

/// Who the tool runs as (the hub's account): events of Regions without a
/// role in `ACCOUNT_ROLE_ARNS`, and the tool's own, must come from it.
#[async_trait]
pub trait Identity: Send + Sync {
    /// The account of the process's credentials (STS `GetCallerIdentity`).
    ///
    /// # Errors
    /// [`Error::Aws`] when STS cannot be asked.
    async fn account(&self) -> Result<AccountId, Error>;
}

/// The attachment id a peering create answered with, if it created one.
pub fn created_attachment(outcome: &Outcome) -> Option<AttachmentId> {
    match outcome {
        Outcome::Created(id) => AttachmentId::parse(id).ok(),
        Outcome::Done | Outcome::AlreadyDone(_) | Outcome::Conflict(_) => None,
    }
}
