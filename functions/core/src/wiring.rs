//! Wiring: the AWS adapters plugged into the handler's ports, once per
//! process. The only module that knows both the adapters and the handler.

use std::sync::Arc;
use std::time::SystemTime;

use aws_config::SdkConfig;
use lambda_runtime::{service_fn, LambdaEvent};

use crate::aws::{self, AwsBus, AwsClients, AwsIdentity, AwsQueue, AwsRedelivery, CallCounter};
use crate::config::Config;
use crate::events::Payload;
use crate::execute::Deadline;
use crate::handler::Handler;
use crate::ports::{EventBus, RecheckQueue, Redelivery};

/// Builds the event handler with every client, once per process: EC2 per
/// managed Region (with the Region's role of `ACCOUNT_ROLE_ARNS`, if any),
/// and EventBridge, SQS and STS in the process's own Region and account.
pub fn handler(config: Config, shared: &SdkConfig) -> Handler {
    handler_counted(config, shared).0
}

/// [`handler`], and counters of the calls it makes: EC2, and the others
/// (EventBridge, SQS, STS).
pub fn handler_counted(config: Config, shared: &SdkConfig) -> (Handler, CallCounter, CallCounter) {
    let clients = AwsClients::for_config(shared, &config);
    let ec2_counter = clients.counter().clone();
    let other = CallCounter::default();
    let bus_conf = aws_sdk_eventbridge::config::Builder::from(shared).interceptor(other.clone());
    let bus = config.event_bus_name.clone().map(|bus_name| {
        let client = aws_sdk_eventbridge::Client::from_conf(bus_conf.build());
        Arc::new(AwsBus { client, bus_name }) as Arc<dyn EventBus>
    });
    let sqs_conf = aws_sdk_sqs::config::Builder::from(shared).interceptor(other.clone());
    let sqs = aws_sdk_sqs::Client::from_conf(sqs_conf.build());
    let queue = config
        .recheck_queue_url
        .clone()
        .map(|url| Arc::new(AwsQueue { client: sqs.clone(), url }) as Arc<dyn RecheckQueue>);
    let redelivery = Arc::new(AwsRedelivery { client: sqs });
    let sts_conf = aws_sdk_sts::config::Builder::from(shared).interceptor(other.clone());
    let identity =
        Arc::new(AwsIdentity { client: aws_sdk_sts::Client::from_conf(sts_conf.build()) });
    let handler = Handler::new(config, Arc::new(clients), bus, queue, identity)
        .with_redelivery(redelivery as Arc<dyn Redelivery>);
    (handler, ec2_counter, other)
}

/// The body of every Lambda function's `main`: tracing (JSON when
/// `AWS_LAMBDA_LOG_FORMAT=JSON`), the configuration, the SDK clients built
/// once at init, then the runtime loop over [`Handler::lambda`].
///
/// # Errors
/// An invalid configuration (one message naming the variable), or the
/// runtime's own failure.
pub async fn serve_lambda() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let shared = aws::load_sdk_config(&config).await;
    let handler = Arc::new(handler(config, &shared));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Payload>| {
        let handler = handler.clone();
        let deadline = Deadline::from_epoch_ms(event.context.deadline, SystemTime::now());
        async move { handler.lambda_before(&event.payload, deadline).await }
    }))
    .await
}
