//! `handle`: events through exactly the dispatch of the Lambda functions.

use serde::Serialize;
use serde_json::Value;
use tgw_peering_core::handler::{HandleReport, Handler};
use tgw_peering_core::Error;

/// One event run through the functions' dispatch by `tgw-peering handle`.
#[derive(Debug, Serialize)]
pub struct Handled {
    /// Where the event came from: the file, and the position in it when the
    /// file holds a JSON array of events.
    pub input: String,
    #[serde(flatten)]
    pub report: HandleReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
}

impl Handled {
    fn failed(input: String, e: &Error) -> Self {
        Handled {
            input,
            report: HandleReport::default(),
            error: Some(e.to_string()),
            retryable: Some(e.is_retryable()),
        }
    }
}

/// The events of one file: a single event (EventBridge event, SQS batch or
/// re-check request) or a JSON array of them. `-` is standard input.
///
/// # Errors
/// [`Error::Input`] when the file cannot be read or is not JSON.
pub fn read_events(path: &str) -> Result<Vec<(String, Value)>, Error> {
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| Error::Input(format!("{path}: cannot read: {e}")))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| Error::Input(format!("{path}: not JSON: {e}")))?;
    Ok(match value {
        Value::Array(items) => {
            items.into_iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), v)).collect()
        }
        single @ (Value::Null
        | Value::Bool(_)
        | Value::Number(_)
        | Value::String(_)
        | Value::Object(_)) => vec![(path.to_owned(), single)],
    })
}

/// Runs every event of every file, in order, through exactly the dispatch
/// the Lambda functions use. An unreadable file or a failed event does not
/// stop the others.
pub async fn handle(handler: &Handler, paths: &[String]) -> Vec<Handled> {
    let mut out = Vec::new();
    for path in paths {
        let events = match read_events(path) {
            Ok(events) => events,
            Err(e) => {
                out.push(Handled::failed(path.clone(), &e));
                continue;
            }
        };
        for (input, payload) in events {
            let mut report = handler.run(&payload).await;
            let failure = report.failure.take();
            out.push(Handled {
                input,
                report,
                error: failure.as_ref().map(ToString::to_string),
                retryable: failure.as_ref().map(Error::is_retryable),
            });
        }
    }
    out
}

/// The exit status of `handle`: 2 if any event failed permanently (fix the
/// event or the configuration), else 1 if any failed and may succeed when
/// retried, else 0.
pub fn handle_status(handled: &[Handled]) -> u8 {
    if handled.iter().any(|h| h.retryable == Some(false)) {
        2
    } else if handled.iter().any(|h| h.retryable == Some(true)) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handled(retryable: Option<bool>) -> Handled {
        Handled {
            input: "e.json".into(),
            report: HandleReport::default(),
            error: retryable.map(|_| "failed".into()),
            retryable,
        }
    }

    #[test]
    fn a_permanent_failure_outranks_a_retryable_one_in_the_exit_status() {
        assert_eq!(handle_status(&[handled(None)]), 0);
        assert_eq!(handle_status(&[handled(None), handled(Some(true))]), 1);
        assert_eq!(handle_status(&[handled(Some(true)), handled(Some(false)), handled(None)]), 2);
    }

    #[test]
    fn a_file_holding_an_array_yields_each_event_with_its_position() {
        let path =
            std::env::temp_dir().join(format!("tgw-peering-array-{}.json", std::process::id()));
        std::fs::write(&path, r#"[{"a": 1}, {"b": 2}]"#).unwrap_or_else(|e| panic!("{e}"));
        let name = path.to_string_lossy().into_owned();
        let events = read_events(&name).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&path);
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].0, format!("{name}[1]"));
        assert_eq!(events[1].1["b"], 2);
        let missing = read_events("/nonexistent/tgw-peering.json").unwrap_err();
        assert!(!missing.is_retryable());
        assert!(missing.to_string().contains("cannot read"), "{missing}");
    }
}
