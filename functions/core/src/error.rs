//! The one error type of the core, split into retryable and permanent.

use crate::config::ConfigError;
use crate::domain::Region;

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
    },

    /// Malformed or unsupported input: permanent, never retried.
    #[error("invalid input: {0}")]
    Input(String),
}

impl Error {
    /// True when trying again later may succeed (throttling, 5xx, timeouts,
    /// network); false for errors that will fail the same way every time.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Aws { retryable, .. } => *retryable,
            Error::Config(_) | Error::Resolve { .. } | Error::Input(_) => false,
        }
    }

    /// The AWS error code, when the error came from AWS.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_errors_marked_retryable_are_retryable() {
        let region = Region::parse("us-east-1").unwrap();
        let throttled = Error::Aws {
            region: region.clone(),
            operation: "CreateTransitGatewayRoute",
            code: Some("RequestLimitExceeded".into()),
            message: "slow down".into(),
            retryable: true,
        };
        assert!(throttled.is_retryable());
        assert_eq!(
            throttled.to_string(),
            "us-east-1: CreateTransitGatewayRoute failed (RequestLimitExceeded): slow down"
        );
        assert!(!Error::Input("bad".into()).is_retryable());
        assert!(!Error::Resolve {
            region,
            message: "x".into()
        }
        .is_retryable());
    }
}
