//! From SDK errors to the tool's [`Error`]: retryable or permanent, with
//! the AWS error code, and the SDK error kept as the source.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::domain::{ParseError, Region};
use crate::error::Error;
use crate::ports::Outcome;

/// Error codes AWS uses for throttling and passing server faults.
const THROTTLING_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "Unavailable",
    "InternalError",
    "InternalFailure",
];

/// Maps an SDK error of any service to the tool's error: timeouts, network
/// failures, 5xx, 429 and throttling codes are retryable; the rest is
/// permanent. The SDK error is kept as the source.
#[expect(
    clippy::wildcard_enum_match_arm,
    reason = "SdkError is #[non_exhaustive]: a kind of failure the SDK adds later is not retried"
)]
pub(crate) fn aws_error<E>(
    region: &Region,
    operation: &'static str,
    e: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let Some(credentials) = credentials_error(&e) {
        return Error::Aws {
            region: region.clone(),
            operation,
            code: Some("CredentialsError".to_owned()),
            message: format!(
                "no credentials for the call (the role could not be assumed, sts:AssumeRole): {}",
                aws_smithy_types::error::display::DisplayErrorContext(credentials)
            ),
            retryable: credentials_retryable(credentials),
            source: Some(Box::new(e)),
        };
    }
    let code = e.code().map(str::to_owned);
    let status = e.raw_response().map(|r| r.status().as_u16());
    let retryable = match &e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(_) => {
            status.is_some_and(|s| s >= 500 || s == 429)
                || code.as_deref().is_some_and(|c| THROTTLING_CODES.contains(&c))
        }
        _ => false,
    };
    let message = e
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| aws_smithy_types::error::display::DisplayErrorContext(&e).to_string());
    Error::Aws {
        region: region.clone(),
        operation,
        code,
        message,
        retryable,
        source: Some(Box::new(e)),
    }
}

/// Whether a credentials failure may pass: a provider that timed out, or
/// an `sts:AssumeRole` that failed on the way (no answer, a timeout) or was
/// throttled or hit a server fault, is retryable; STS refusing the role
/// (`AccessDenied`, an invalid token, …) and a configuration without
/// credentials are permanent until someone fixes the role. A provider
/// error that is not an STS answer is retryable (as any dispatch failure).
#[expect(
    clippy::wildcard_enum_match_arm,
    reason = "CredentialsError and SdkError are #[non_exhaustive]: what the SDK adds later is retried"
)]
fn credentials_retryable(credentials: &CredentialsError) -> bool {
    match credentials {
        CredentialsError::ProviderTimedOut(_) => true,
        CredentialsError::CredentialsNotLoaded(_) | CredentialsError::InvalidConfiguration(_) => {
            false
        }
        _ => sts_refusal(credentials).is_none_or(|sts| match sts {
            SdkError::ServiceError(_) => {
                sts.raw_response().is_some_and(|r| r.status().as_u16() >= 500)
                    || sts.code().is_some_and(|c| THROTTLING_CODES.contains(&c))
            }
            _ => true,
        }),
    }
}

/// The STS answer inside a credentials failure, if it holds one.
fn sts_refusal(
    credentials: &CredentialsError,
) -> Option<&SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError, HttpResponse>> {
    let mut next: Option<&(dyn std::error::Error + 'static)> =
        std::error::Error::source(credentials);
    while let Some(err) = next {
        if let Some(sts) = err.downcast_ref() {
            return Some(sts);
        }
        next = err.source();
    }
    None
}

/// The credentials failure behind an SDK error, if any: the SDK resolves a
/// client's identity before sending, so a role that cannot be assumed
/// (STS `AccessDenied`: a trust policy or external id that refuses the
/// caller) fails the call itself, with the provider's error in its source
/// chain (see [`credentials_retryable`]).
fn credentials_error<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e CredentialsError> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(c) = err.downcast_ref::<CredentialsError>() {
            return Some(c);
        }
        next = err.source();
    }
    None
}

/// The outcome of a write whose failure codes in `already` mean the change
/// is already in place (a repeat after a lost answer, say).
pub(crate) fn idempotent<E>(
    region: &Region,
    operation: &'static str,
    result: Result<(), SdkError<E, HttpResponse>>,
    already: &[&str],
) -> Result<Outcome, Error>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(()) => Ok(Outcome::Done),
        Err(e) => {
            let err = aws_error(region, operation, e);
            match err.aws_code() {
                Some(code) if already.contains(&code) => Ok(Outcome::AlreadyDone(err.to_string())),
                _ => Err(err),
            }
        }
    }
}

/// A value of an AWS answer that does not parse into a domain type.
pub(crate) fn decode<T>(
    region: &Region,
    operation: &'static str,
    what: &'static str,
    parsed: Result<T, ParseError>,
) -> Result<T, Error> {
    parsed.map_err(|source| Error::Decode { region: region.clone(), operation, what, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// A credentials failure whose STS answer was `status` with `code`.
    fn refused(status: u16, code: &str) -> CredentialsError {
        let error = AssumeRoleError::generic(ErrorMetadata::builder().code(code).build());
        let response = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        CredentialsError::provider_error(SdkError::service_error(error, response))
    }

    #[test]
    fn a_role_sts_refuses_is_permanent_and_a_throttled_or_failing_sts_is_retryable() {
        assert!(!credentials_retryable(&refused(403, "AccessDenied")));
        assert!(!credentials_retryable(&refused(403, "InvalidClientTokenId")));
        assert!(credentials_retryable(&refused(400, "Throttling")));
        assert!(credentials_retryable(&refused(503, "ServiceUnavailable")));
        assert!(credentials_retryable(&CredentialsError::provider_timed_out(
            std::time::Duration::from_secs(5)
        )));
        assert!(!credentials_retryable(&CredentialsError::not_loaded("no source")));
        // A provider error that is no STS answer: retried, as before.
        assert!(credentials_retryable(&CredentialsError::provider_error("connection reset")));
    }
}
