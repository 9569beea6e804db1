//! The other services of the hub: the tool's event bus (EventBridge), the
//! watcher's queue (SQS) and the caller's identity (STS).

use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

use super::errors::aws_error;
use crate::domain::{AccountId, Region};
use crate::error::Error;
use crate::events::{GatewayRecheck, OutEvent, Recheck, VpcRecheck, SOURCE};
use crate::ports::{EventBus, Identity, RecheckQueue, Redelivery};

/// The tool's event bus on EventBridge.
pub struct AwsBus {
    pub(crate) client: aws_sdk_eventbridge::Client,
    pub(crate) bus_name: String,
}

/// PutEvents takes at most 10 entries per call.
const PUT_EVENTS_BATCH: usize = 10;

/// The Region a client of the hub's own services talks to, for errors.
fn client_region(region: Option<&aws_config::Region>) -> Result<Region, Error> {
    let name = region.map(|r| r.as_ref()).unwrap_or("us-east-1");
    Region::parse(name).map_err(|e| Error::internal("the SDK's Region is not a Region code", e))
}

impl AwsBus {
    fn entry(&self, event: &OutEvent) -> Result<PutEventsRequestEntry, Error> {
        let detail = event
            .detail_value()
            .map_err(|e| Error::internal("an event detail cannot be serialized", e))?;
        Ok(PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(event.detail_type())
            .detail(detail.to_string())
            .event_bus_name(&self.bus_name)
            .build())
    }
}

#[async_trait]
impl EventBus for AwsBus {
    async fn publish(&self, events: &[OutEvent]) -> Result<(), Error> {
        let region = client_region(self.client.config().region())?;
        for chunk in events.chunks(PUT_EVENTS_BATCH) {
            let entries = chunk.iter().map(|e| self.entry(e)).collect::<Result<_, _>>()?;
            let out = self
                .client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| aws_error(&region, "PutEvents", e))?;
            let failed = out.failed_entry_count();
            if failed > 0 {
                let codes: Vec<&str> =
                    out.entries().iter().filter_map(|e| e.error_code()).collect();
                let message =
                    format!("{failed} of {} entries failed: {}", chunk.len(), codes.join(", "));
                return Err(Error::aws(region, "PutEvents", codes.first().copied(), message, true));
            }
        }
        Ok(())
    }
}

/// The watcher's SQS delay queue.
pub struct AwsQueue {
    pub(crate) client: aws_sdk_sqs::Client,
    pub(crate) url: String,
}

impl AwsQueue {
    /// Sends one message with its delay.
    async fn send_body(&self, region: &Region, body: String, delay_secs: i32) -> Result<(), Error> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(delay_secs)
            .send()
            .await
            .map_err(|e| aws_error(region, "SendMessage", e))?;
        Ok(())
    }
}

#[async_trait]
impl RecheckQueue for AwsQueue {
    async fn send_vpc(&self, recheck: &VpcRecheck, delay_secs: i32) -> Result<(), Error> {
        let body = serde_json::to_string(recheck)
            .map_err(|e| Error::internal("a VPC re-check cannot be serialized", e))?;
        self.send_body(&recheck.region, body, delay_secs).await
    }

    async fn send_gateway(&self, recheck: &GatewayRecheck, delay_secs: i32) -> Result<(), Error> {
        let body = serde_json::to_string(recheck)
            .map_err(|e| Error::internal("a gateway re-check cannot be serialized", e))?;
        self.send_body(&recheck.region, body, delay_secs).await
    }

    async fn send(&self, recheck: &Recheck, delay_secs: i32) -> Result<(), Error> {
        let body = serde_json::to_string(recheck)
            .map_err(|e| Error::internal("a re-check cannot be serialized", e))?;
        self.send_body(&recheck.region, body, delay_secs).await
    }
}

/// The queues the functions read, on SQS.
pub struct AwsRedelivery {
    pub(crate) client: aws_sdk_sqs::Client,
}

#[async_trait]
impl Redelivery for AwsRedelivery {
    async fn redeliver_in(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        seconds: i32,
    ) -> Result<(), Error> {
        let region = client_region(self.client.config().region())?;
        self.client
            .change_message_visibility()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(seconds)
            .send()
            .await
            .map_err(|e| aws_error(&region, "ChangeMessageVisibility", e))?;
        Ok(())
    }
}

/// The caller's identity, from STS.
pub struct AwsIdentity {
    pub(crate) client: aws_sdk_sts::Client,
}

#[async_trait]
impl Identity for AwsIdentity {
    async fn account(&self) -> Result<AccountId, Error> {
        let region = client_region(self.client.config().region())?;
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| aws_error(&region, "GetCallerIdentity", e))?;
        super::errors::decode(
            &region,
            "GetCallerIdentity",
            "an account ID",
            AccountId::parse(out.account().unwrap_or_default()),
        )
    }
}
