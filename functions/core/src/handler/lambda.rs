//! The answer to the Lambda runtime.
//!
//! The retry policy is in the answer's `errorType` (`Retryable` or
//! `Permanent`, a `lambda_runtime` [`Diagnostic`]), so CloudWatch shows it:
//! - a retryable failure is an error answer: Lambda (and EventBridge)
//!   retry it, then the dead-letter queue keeps it;
//! - a permanent failure is a success answer that carries its diagnostic:
//!   Lambda retries every error answer of an asynchronous invocation, and a
//!   permanent failure would only fail the same way again;
//! - an SQS batch is answered with `batchItemFailures`
//!   ([`SqsBatchResponse`], the event source mapping's
//!   `ReportBatchItemFailures`): only the messages that failed retryably
//!   come back, never the ones already handled.

use aws_lambda_events::event::sqs::SqsBatchResponse;
use lambda_runtime::Diagnostic;
use serde::Serialize;
use serde_json::Value;

use super::publish::Acts;
use super::{Decision, HandleReport, Handler, Watcher};
use crate::error::Error;
use crate::events::Payload;
use crate::execute::Deadline;
use crate::metrics::Document;

/// What one invocation did, in counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub actions: usize,
    pub conflicts: usize,
    pub dropped: usize,
    pub published: usize,
    pub rechecks: usize,
}

/// The success answer of an invocation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambdaAnswer {
    #[serde(flatten)]
    pub summary: Summary,
    /// A permanent failure (`errorType` `Permanent`), not retried.
    #[serde(flatten)]
    pub failure: Option<Diagnostic>,
    /// For an SQS batch: the messages to deliver again.
    #[serde(flatten)]
    pub batch: Option<SqsBatchResponse>,
}

/// The `Diagnostic` of an error: `errorType` says the retry policy.
pub fn diagnostic(e: &Error) -> Diagnostic {
    Diagnostic { error_type: e.policy().to_owned(), error_message: e.to_string() }
}

impl Handler {
    /// [`Handler::handle`] shaped for the Lambda runtime.
    ///
    /// # Errors
    /// A [`Diagnostic`] with `errorType` `Retryable` when the whole payload
    /// is worth retrying (for an SQS batch, only when no single message
    /// can be named). A permanent failure is an `Ok` answer carrying its
    /// `Permanent` diagnostic.
    pub async fn lambda(&self, payload: &Value) -> Result<LambdaAnswer, Diagnostic> {
        // Infallible: `Payload::Other` takes any JSON.
        let typed = serde_json::from_value(payload.clone())
            .unwrap_or_else(|_| Payload::Other(payload.clone()));
        self.lambda_before(&typed, None).await
    }

    /// [`Handler::lambda`] within the invocation's deadline, if it has a
    /// real one (see [`Deadline::from_epoch_ms`]): a reconcile that reaches
    /// it hands the rest on.
    ///
    /// # Errors
    /// As [`Handler::lambda`].
    pub async fn lambda_before(
        &self,
        payload: &Payload,
        deadline: Option<Deadline>,
    ) -> Result<LambdaAnswer, Diagnostic> {
        self.watcher.answer(payload, deadline, self).await
    }
}

impl Watcher {
    /// The watcher function's answer to the Lambda runtime: as
    /// [`Handler::lambda_before`], for [`Watcher::run_payload`].
    ///
    /// # Errors
    /// As [`Handler::lambda`].
    pub async fn lambda_before(
        &self,
        payload: &Payload,
        deadline: Option<Deadline>,
    ) -> Result<LambdaAnswer, Diagnostic> {
        self.answer(payload, deadline, self).await
    }

    /// The answer to the runtime for what `payload` led to, for `acts`.
    async fn answer(
        &self,
        payload: &Payload,
        deadline: Option<Deadline>,
        acts: &dyn Acts,
    ) -> Result<LambdaAnswer, Diagnostic> {
        let mut report = self.dispatch(payload, deadline, acts).await;
        write_metrics(&report.metrics);
        let is_batch = payload.is_batch();
        let failure = report.failure.take();
        if let Some(e) = &failure {
            if e.is_retryable() && (!is_batch || report.failed_messages.is_empty()) {
                return Err(diagnostic(e));
            }
            if !e.is_retryable() {
                tracing::error!(error = %e, error_type = e.policy(), "permanent failure; the event is not retried");
            }
        }
        Ok(LambdaAnswer {
            summary: summary(&report),
            failure: failure.filter(|e| !e.is_retryable()).as_ref().map(diagnostic),
            batch: is_batch.then(|| batch_response(&report)),
        })
    }
}

/// Writes each metric document as a line of its own on standard output,
/// outside any tracing event: Lambda hands a line that is a JSON object to
/// CloudWatch Logs as it is, which extracts the metrics of a log event
/// that is an embedded metric format document and nothing else
/// (`docs/operations.md`). A line that cannot be written is lost, never a
/// failure of the invocation.
fn write_metrics(documents: &[Document]) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for d in documents {
        let _ = writeln!(out, "{}", d.line());
    }
    let _ = out.flush();
}

fn summary(report: &HandleReport) -> Summary {
    Summary {
        actions: report.decisions(Decision::Action).count(),
        conflicts: report.decisions(Decision::Conflict).count(),
        dropped: report.decisions(Decision::Dropped).count(),
        published: report.published.len(),
        rechecks: report.rechecks.len(),
    }
}

fn batch_response(report: &HandleReport) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for id in &report.failed_messages {
        response.add_failure(id.clone());
    }
    response
}
