//! The one error type of the core, split into retryable and permanent.
//!
//! Every variant that wraps another error keeps it as its `#[source]`, so a
//! log line or the CLI can print the whole chain.

use crate::config::ConfigError;
use crate::domain::{ParseError, Region};

/// A boxed cause: an SDK error, or any other error the tool wraps.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad configuration: permanent, fix the variable.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),

    /// The observed world cannot be reconciled as configured (no transit
    /// gateway, two of them, no route table…): permanent until fixed.
    #[error("{region}: {message}")]
    Resolve { region: Region, message: String },

    /// An AWS call failed after the SDK's own retries.
    #[error("{region}: {operation} failed{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Aws {
        region: Region,
        operation: &'static str,
        code: Option<String>,
        message: String,
        retryable: bool,
        #[source]
        source: Option<BoxError>,
    },

    /// An AWS answer that does not decode into the tool's types (an ID or a
    /// CIDR that is not one): permanent, the same answer fails the same way.
    #[error("{region}: {operation} answered {what} that cannot be used: {source}")]
    Decode {
        region: Region,
        operation: &'static str,
        what: &'static str,
        #[source]
        source: ParseError,
    },

    /// Malformed or unsupported input: permanent, never retried.
    #[error("invalid input: {0}")]
    Input(String),

    /// A fault of the tool itself (a value that cannot be serialized, a
    /// missing client). Retryable, so that the event is kept (retried, then
    /// in a dead-letter queue) rather than dropped as invalid input.
    #[error("internal fault: {message}")]
    Internal {
        message: String,
        #[source]
        source: Option<BoxError>,
    },

    /// A write that was not attempted because one it depends on failed
    /// (a route whose ledger entry could not be written): retryable.
    #[error("not attempted: {reason}")]
    Deferred { reason: String },

    /// A read whose answer says more is there without a way to get it
    /// (`AdditionalRoutesAvailable` without a `NextToken`): nothing is
    /// planned on it. Retryable.
    #[error("{region}: {operation} answered part of the table: {message}")]
    PartialRead { region: Region, operation: &'static str, message: String },

    /// A write not made because the invocation's deadline is near (or one
    /// that did not answer in time before it): the next reconcile, which
    /// reads again, continues. Retryable.
    #[error("handed on: {reason}")]
    HandedOn { reason: String },

    /// A planned action that failed: the action, and why.
    #[error("{action}: {source}")]
    Action {
        action: String,
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// An AWS failure without an underlying SDK error (tests, summaries).
    pub fn aws(
        region: Region,
        operation: &'static str,
        code: Option<&str>,
        message: impl Into<String>,
        retryable: bool,
    ) -> Self {
        Error::Aws {
            region,
            operation,
            code: code.map(str::to_owned),
            message: message.into(),
            retryable,
            source: None,
        }
    }

    /// An internal fault with its cause.
    pub fn internal(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Internal { message: message.into(), source: Some(source.into()) }
    }

    /// True when trying again later may succeed (throttling, 5xx, timeouts,
    /// network, an internal fault); false for errors that will fail the same
    /// way every time.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Aws { retryable, .. } => *retryable,
            Error::Internal { .. }
            | Error::Deferred { .. }
            | Error::HandedOn { .. }
            | Error::PartialRead { .. } => true,
            Error::Action { source, .. } => source.is_retryable(),
            Error::Config(_) | Error::Resolve { .. } | Error::Decode { .. } | Error::Input(_) => {
                false
            }
        }
    }

    /// The AWS error code, when the error came from AWS.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => code.as_deref(),
            Error::Action { source, .. } => source.aws_code(),
            Error::Config(_)
            | Error::Resolve { .. }
            | Error::Decode { .. }
            | Error::Input(_)
            | Error::Internal { .. }
            | Error::Deferred { .. }
            | Error::PartialRead { .. }
            | Error::HandedOn { .. } => None,
        }
    }

    /// `Retryable` or `Permanent`: the retry policy, as the Lambda answer's
    /// `errorType` shows it.
    pub fn policy(&self) -> &'static str {
        if self.is_retryable() {
            "Retryable"
        } else {
            "Permanent"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_errors_marked_retryable_are_retryable() {
        let region = Region::parse("us-east-1").unwrap();
        let throttled = Error::aws(
            region.clone(),
            "CreateTransitGatewayRoute",
            Some("RequestLimitExceeded"),
            "slow down",
            true,
        );
        assert!(throttled.is_retryable());
        assert_eq!(
            throttled.to_string(),
            "us-east-1: CreateTransitGatewayRoute failed (RequestLimitExceeded): slow down"
        );
        assert!(!Error::Input("bad".into()).is_retryable());
        assert!(!Error::Resolve { region, message: "x".into() }.is_retryable());
    }

    #[test]
    fn a_wrapped_action_error_keeps_its_cause_and_its_retry_policy() {
        use std::error::Error as _;
        let region = Region::parse("eu-west-1").unwrap();
        let cause = Error::aws(region, "CreateTransitGatewayRoute", Some("X"), "no", false);
        let e = Error::Action { action: "eu-west-1: add route".into(), source: Box::new(cause) };
        assert!(!e.is_retryable());
        assert_eq!(e.policy(), "Permanent");
        assert_eq!(e.aws_code(), Some("X"));
        assert!(e.source().is_some_and(|s| s.to_string().contains("(X)")));
        let internal = Error::internal("cannot serialize", "boom");
        assert!(internal.is_retryable());
        assert_eq!(internal.policy(), "Retryable");
        assert_eq!(internal.source().map(ToString::to_string), Some("boom".into()));
    }

    #[test]
    fn an_answer_that_cannot_be_decoded_names_the_call_and_the_value() {
        let region = Region::parse("us-east-1").unwrap();
        let source = crate::domain::VpcId::parse("nope").unwrap_err();
        let e = Error::Decode { region, operation: "DescribeVpcs", what: "a VPC ID", source };
        let text = e.to_string();
        assert!(text.contains("DescribeVpcs answered a VPC ID"), "{text}");
        assert!(!e.is_retryable());
    }
}
