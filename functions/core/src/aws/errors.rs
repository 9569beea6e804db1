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
            retryable: matches!(credentials, CredentialsError::ProviderTimedOut(_)),
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

/// The credentials failure behind an SDK error, if any: the SDK resolves a
/// client's identity before sending, so a role that cannot be assumed
/// (STS `AccessDenied`: a trust policy or external id that refuses the
/// caller) fails the call itself, with the provider's error in its source
/// chain. Permanent: asking again gets the same answer until someone
/// fixes the role (a provider that timed out is retryable).
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
