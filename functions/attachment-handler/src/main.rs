//! The `attachment-handler` Lambda function: peering attachment events (the
//! watcher's Transit Gateway Peering Attachment State Change, CloudTrail
//! Create/Accept/DeleteTransitGatewayPeeringAttachment) and the watcher's
//! re-check messages from SQS. (It would handle a Scheduled Event too; the
//! hub stack sends the sweep to vpc-tag-handler.)
//!
//! Wiring only: tracing (JSON when AWS_LAMBDA_LOG_FORMAT=JSON), configuration,
//! the SDK clients built once at init, then the runtime loop. The dispatch is
//! the core's, shared with `tgw-peering handle`.

use std::sync::Arc;

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use tgw_peering_core::{aws, handler::Handler, Config};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let shared = aws::load_sdk_config().await;
    let handler: Arc<Handler> = Arc::new(aws::handler(config, &shared));
    run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move { handler.lambda(&event.payload).await.map_err(Error::from) }
    }))
    .await
}
