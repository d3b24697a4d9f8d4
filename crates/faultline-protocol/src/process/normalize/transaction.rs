//! Transactions (ingest-protocol.md §8.1-8.2): the checks that make one invalid, and the
//! defaults Relay fills in (`op`, name, `transaction_info.source`, open spans).

use crate::process::ProcessError;
use serde_json::{Map, Value};

/// The name Sentry shows for a transaction sent without one.
const UNLABELED_TRANSACTION: &str = "<unlabeled transaction>";

/// Requires a trace context with valid `trace_id` and `span_id` (invalid ids were already
/// removed), then fills the defaults. Runs after timestamps, so `timestamp` is a float.
pub(super) fn normalize(event: &mut Map<String, Value>) -> Result<(), ProcessError> {
    let trace = event
        .get_mut("contexts")
        .and_then(|contexts| contexts.get_mut("trace"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| invalid("missing trace context"))?;
    for id in ["trace_id", "span_id"] {
        if !trace.get(id).is_some_and(Value::is_string) {
            return Err(invalid(&format!("missing or invalid contexts.trace.{id}")));
        }
    }
    if trace
        .get("op")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        trace.insert("op".to_owned(), Value::String("default".to_owned()));
    }
    if event
        .get("transaction")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        event.insert(
            "transaction".to_owned(),
            Value::String(UNLABELED_TRANSACTION.to_owned()),
        );
    }
    let info = event
        .entry("transaction_info")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(info) = info
        && !info.get("source").is_some_and(Value::is_string)
    {
        info.insert("source".to_owned(), Value::String("unknown".to_owned()));
    }
    close_spans(event);
    Ok(())
}

fn invalid(reason: &str) -> ProcessError {
    ProcessError::InvalidTransaction(reason.to_owned())
}

/// Gives spans without an end the transaction's end and status `deadline_exceeded`, and
/// spans without an `op` the op `default`.
fn close_spans(event: &mut Map<String, Value>) {
    let end = event.get("timestamp").cloned();
    let Some(Value::Array(spans)) = event.get_mut("spans") else {
        return;
    };
    for span in spans.iter_mut().filter_map(Value::as_object_mut) {
        if !span.contains_key("timestamp")
            && let Some(end) = &end
        {
            span.insert("timestamp".to_owned(), end.clone());
            span.insert(
                "status".to_owned(),
                Value::String("deadline_exceeded".to_owned()),
            );
        }
        if !span.get("op").is_some_and(Value::is_string) {
            span.insert("op".to_owned(), Value::String("default".to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn trace() -> Value {
        json!({"trace": {"trace_id": "0a8a5743d810400ba01984432aae27b1", "span_id": "87ab514c794cfd84"}})
    }

    fn check(payload: Value) -> Result<Value, ProcessError> {
        let Value::Object(mut event) = payload else {
            panic!("object")
        };
        normalize(&mut event).map(|()| Value::Object(event))
    }

    #[test]
    fn defaults_are_filled() {
        let event =
            check(json!({"timestamp": 2.0, "contexts": trace(), "spans": [{"span_id": "a"}]}))
                .expect("valid");
        assert_eq!(event["contexts"]["trace"]["op"], "default");
        assert_eq!(event["transaction"], UNLABELED_TRANSACTION);
        assert_eq!(event["transaction_info"], json!({"source": "unknown"}));
        assert_eq!(
            event["spans"],
            json!([{"span_id": "a", "timestamp": 2.0, "status": "deadline_exceeded", "op": "default"}])
        );
    }

    #[test]
    fn sent_values_are_kept() {
        let mut contexts = trace();
        contexts["trace"]["op"] = json!("http.server");
        let event = check(json!({"contexts": contexts, "transaction": "GET /", "transaction_info": {"source": "route"}}))
            .expect("valid");
        assert_eq!(event["contexts"]["trace"]["op"], "http.server");
        assert_eq!(event["transaction"], "GET /");
        assert_eq!(event["transaction_info"]["source"], "route");
    }

    #[test]
    fn trace_context_is_required() {
        assert!(check(json!({})).is_err());
        assert!(check(json!({"contexts": {"trace": {"span_id": "87ab514c794cfd84"}}})).is_err());
        assert!(
            check(json!({"contexts": {"trace": {"trace_id": "0a8a5743d810400ba01984432aae27b1"}}}))
                .is_err()
        );
    }
}
