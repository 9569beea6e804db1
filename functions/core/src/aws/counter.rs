//! Counting the AWS calls a client makes, as an SDK interceptor.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

type Serialization<'a> = BeforeSerializationInterceptorContextRef<'a>;
type Transmit<'a> = BeforeTransmitInterceptorContextRef<'a>;
type Deserialized<'a> = AfterDeserializationInterceptorContextRef<'a>;
type Rc = RuntimeComponents;
type Hook = Result<(), BoxError>;

/// Counts the EC2 operations made (reads and writes apart), the HTTP
/// attempts (retries included) and the attempts refused for throttling, as
/// an SDK interceptor.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<CounterInner>);

#[derive(Debug, Default)]
struct CounterInner {
    reads: AtomicUsize,
    writes: AtomicUsize,
    attempts: AtomicUsize,
    throttled: AtomicUsize,
    by_operation: Mutex<BTreeMap<String, usize>>,
}

/// A snapshot of a [`CallCounter`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallCounts {
    pub reads: usize,
    pub writes: usize,
    pub attempts: usize,
    /// Attempts AWS refused for throttling (see [`is_throttling`]).
    pub throttled: usize,
    pub by_operation: BTreeMap<String, usize>,
}

impl CallCounts {
    /// The calls made between `earlier` and `self`.
    pub fn since(&self, earlier: &CallCounts) -> CallCounts {
        CallCounts {
            reads: self.reads - earlier.reads,
            writes: self.writes - earlier.writes,
            attempts: self.attempts - earlier.attempts,
            throttled: self.throttled - earlier.throttled,
            by_operation: self
                .by_operation
                .iter()
                .map(|(k, v)| (k.clone(), v - earlier.by_operation.get(k).copied().unwrap_or(0)))
                .filter(|(_, v)| *v > 0)
                .collect(),
        }
    }
}

/// Error codes of throttling: EC2's `RequestLimitExceeded` (HTTP 503,
/// "Request throttling for the Amazon EC2 API", EC2 API Reference), and
/// the codes the SDK's retry classifier treats as throttling for the other
/// services the functions call.
const THROTTLING_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "EC2ThrottledException",
    "SlowDown",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
];

/// True for an error answer (`status` 400 or more) whose error code, not
/// its message, is a throttling code: `<Code>…</Code>` (EC2's XML), or a
/// JSON `__type`/`code` value, bare or after a `#` namespace.
pub fn is_throttling(status: u16, body: &[u8]) -> bool {
    let body = String::from_utf8_lossy(body);
    status >= 400
        && THROTTLING_CODES.iter().any(|code| {
            [format!("<Code>{code}</Code>"), format!("\"{code}\""), format!("#{code}\"")]
                .iter()
                .any(|form| body.contains(form.as_str()))
        })
}

/// True for EC2 operations that only read.
pub fn is_read_operation(name: &str) -> bool {
    ["Describe", "Search", "Get", "List"].iter().any(|p| name.starts_with(p))
}

impl CallCounter {
    pub fn snapshot(&self) -> CallCounts {
        CallCounts {
            reads: self.0.reads.load(Ordering::SeqCst),
            writes: self.0.writes.load(Ordering::SeqCst),
            attempts: self.0.attempts.load(Ordering::SeqCst),
            throttled: self.0.throttled.load(Ordering::SeqCst),
            by_operation: self.0.by_operation.lock().map(|m| m.clone()).unwrap_or_default(),
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
        _: &Serialization<'_>,
        _: &Rc,
        cfg: &mut ConfigBag,
    ) -> Hook {
        if let Some(meta) = cfg.load::<Metadata>() {
            self.record(meta.name());
        }
        Ok(())
    }

    fn read_before_transmit(&self, _: &Transmit<'_>, _: &Rc, _: &mut ConfigBag) -> Hook {
        self.0.attempts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    // After deserialization the body of a non-streaming answer is in memory
    // (the orchestrator reads it whole first), so its error code is there.
    fn read_after_deserialization(
        &self,
        ctx: &Deserialized<'_>,
        _: &Rc,
        _: &mut ConfigBag,
    ) -> Hook {
        let response = ctx.response();
        let body = response.body().bytes().unwrap_or_default();
        if is_throttling(response.status().as_u16(), body) {
            self.0.throttled.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_answer_naming_a_throttling_code_is_a_throttle() {
        let ec2 = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>";
        assert!(is_throttling(503, ec2));
        assert!(is_throttling(400, br#"{"__type":"ThrottlingException"}"#));
        assert!(!is_throttling(200, ec2), "a success is never one");
        assert!(!is_throttling(500, b"<Code>InternalError</Code>"));
        assert!(!is_throttling(503, b""));
        let message = b"<Code>InternalError</Code><Message>Throttling upstream</Message>";
        assert!(!is_throttling(500, message), "a code is read, not a message");
        assert!(is_throttling(400, br#"{"__type":"com.amazonaws.sqs#ThrottlingException"}"#));
    }

    #[test]
    fn describe_search_and_get_calls_count_as_reads() {
        assert!(is_read_operation("DescribeVpcs"));
        assert!(is_read_operation("SearchTransitGatewayRoutes"));
        assert!(is_read_operation("GetTransitGatewayRouteTableAssociations"));
        assert!(!is_read_operation("CreateTransitGatewayRoute"));
        assert!(!is_read_operation("AcceptTransitGatewayPeeringAttachment"));
    }
}
