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
use crate::handler::{Handler, LambdaAnswer, Watcher};
use crate::ports::{Ec2ReadClients, EventBus, RecheckQueue, Redelivery};
use lambda_runtime::Diagnostic;

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
    let Services { bus, queue, redelivery, identity } = services(&config, shared, &other);
    let handler =
        Handler::new(config, Arc::new(clients), bus, queue, identity).with_redelivery(redelivery);
    (handler, ec2_counter, other)
}

/// The clients besides EC2: the bus (`EVENT_BUS_NAME`), the re-check queue
/// (`RECHECK_QUEUE_URL`), SQS redelivery and STS.
struct Services {
    bus: Option<Arc<dyn EventBus>>,
    queue: Option<Arc<dyn RecheckQueue>>,
    redelivery: Arc<dyn Redelivery>,
    identity: Arc<AwsIdentity>,
}

/// [`Services`], their calls counted in `counter`.
fn services(config: &Config, shared: &SdkConfig, counter: &CallCounter) -> Services {
    let bus_conf = aws_sdk_eventbridge::config::Builder::from(shared).interceptor(counter.clone());
    let bus = config.event_bus_name.clone().map(|bus_name| {
        let client = aws_sdk_eventbridge::Client::from_conf(bus_conf.build());
        Arc::new(AwsBus { client, bus_name }) as Arc<dyn EventBus>
    });
    let sqs_conf = aws_sdk_sqs::config::Builder::from(shared).interceptor(counter.clone());
    let sqs = aws_sdk_sqs::Client::from_conf(sqs_conf.build());
    let queue = config
        .recheck_queue_url
        .clone()
        .map(|url| Arc::new(AwsQueue { client: sqs.clone(), url }) as Arc<dyn RecheckQueue>);
    let redelivery = Arc::new(AwsRedelivery { client: sqs });
    let sts_conf = aws_sdk_sts::config::Builder::from(shared).interceptor(counter.clone());
    let identity =
        Arc::new(AwsIdentity { client: aws_sdk_sts::Client::from_conf(sts_conf.build()) });
    Services { bus, queue, redelivery, identity }
}

/// Builds the watcher function's [`Watcher`]: the EC2 reads of every
/// managed Region (and of the workload accounts), the bus, the re-check
/// queue, STS and SQS redelivery. The EC2 clients are handed over as
/// [`Ec2ReadClients`] only: no write method is reachable through what it
/// holds.
pub fn watcher(config: Config, shared: &SdkConfig) -> Watcher {
    let reads: Arc<dyn Ec2ReadClients> = Arc::new(AwsClients::for_config(shared, &config));
    let Services { bus, queue, redelivery, identity } =
        services(&config, shared, &CallCounter::default());
    let mut watcher = Watcher::new(config, reads, identity).with_redelivery(redelivery);
    (watcher.bus, watcher.queue) = (bus, queue);
    watcher
}

/// The body of the reconciler's `main`: tracing (JSON when
/// `AWS_LAMBDA_LOG_FORMAT=JSON`), the configuration, the SDK clients built
/// once at init, then the runtime loop over [`Handler::lambda_before`].
///
/// # Errors
/// An invalid configuration (one message naming the variable), or the
/// runtime's own failure.
pub async fn serve_lambda() -> Result<(), lambda_runtime::Error> {
    serve(handler, |h, payload, deadline| async move { h.lambda_before(&payload, deadline).await })
        .await
}

/// The body of the `attachment-watcher`'s `main`: as [`serve_lambda`],
/// over [`Watcher::lambda_before`]; it holds no EC2 write client.
///
/// # Errors
/// As [`serve_lambda`].
pub async fn serve_watcher() -> Result<(), lambda_runtime::Error> {
    serve(watcher, |w, payload, deadline| async move { w.lambda_before(&payload, deadline).await })
        .await
}

/// Tracing, the configuration and `build`'s clients once at init, then
/// the runtime loop over `answer`, each payload typed at the edge with the
/// invocation's deadline.
async fn serve<S, A, F>(
    build: impl FnOnce(Config, &SdkConfig) -> S,
    answer: A,
) -> Result<(), lambda_runtime::Error>
where
    S: Send + Sync + 'static,
    A: Fn(Arc<S>, Payload, Option<Deadline>) -> F,
    F: std::future::Future<Output = Result<LambdaAnswer, Diagnostic>>,
{
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let shared = aws::load_sdk_config(&config).await;
    let served = Arc::new(build(config, &shared));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Payload>| {
        let deadline = Deadline::from_epoch_ms(event.context.deadline, SystemTime::now());
        answer(served.clone(), event.payload, deadline)
    }))
    .await
}
