//! Counting the AWS calls a client makes, as an SDK interceptor.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

type Serialization<'a> = BeforeSerializationInterceptorContextRef<'a>;
type Transmit<'a> = BeforeTransmitInterceptorContextRef<'a>;
type Rc = RuntimeComponents;
type Hook = Result<(), BoxError>;

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
                .map(|(k, v)| (k.clone(), v - earlier.by_operation.get(k).copied().unwrap_or(0)))
                .filter(|(_, v)| *v > 0)
                .collect(),
        }
    }
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
