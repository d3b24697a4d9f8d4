//! Processing errors: the notes normalization leaves on an event (`errors: [{type, name, ...}]`,
//! shown by Sentry's UI as "There were problems processing this event").

use crate::event::truncate_chars;
use crate::limits::EVENT_ERRORS_MAX;
use serde_json::{Map, Value, json};
use std::fmt::Display;

/// Longest original value copied into a note: enough to recognise it, not to store it twice.
const NOTE_VALUE_CHARS_MAX: usize = 200;

/// The processing errors collected while normalizing one event, at most [`EVENT_ERRORS_MAX`].
#[derive(Debug, Default)]
pub struct ProcessingErrors {
    entries: Vec<Value>,
}

impl ProcessingErrors {
    /// Records an entry as is (e.g. `{"type": "clock_drift", ...}`).
    pub fn push(&mut self, entry: Value) {
        if self.entries.len() < EVENT_ERRORS_MAX {
            self.entries.push(entry);
        }
    }

    /// Records that the field at `name` (a dotted path) was dropped as invalid, with the
    /// reason and, when it is a short scalar, the original value.
    pub fn invalid(
        &mut self,
        name: impl Into<String>,
        reason: impl Display,
        value: Option<&Value>,
    ) {
        if self.entries.len() >= EVENT_ERRORS_MAX {
            return;
        }
        let mut entry =
            json!({"type": "invalid_data", "name": name.into(), "reason": reason.to_string()});
        if let (Some(original), Value::Object(map)) = (value.and_then(short_scalar), &mut entry) {
            map.insert("value".to_owned(), original);
        }
        self.entries.push(entry);
    }

    /// Returns how many entries were recorded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns true when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the entries to the event's `errors` list, keeping entries already there.
    pub fn write_into(self, event: &mut Map<String, Value>) {
        let mut existing = match event.remove("errors") {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        existing.retain(Value::is_object);
        existing.truncate(EVENT_ERRORS_MAX);
        existing.extend(self.entries);
        if !existing.is_empty() {
            event.insert("errors".to_owned(), Value::Array(existing));
        }
    }
}

fn short_scalar(value: &Value) -> Option<Value> {
    match value {
        Value::String(text) => Some(Value::String(
            truncate_chars(text, NOTE_VALUE_CHARS_MAX).into_owned(),
        )),
        Value::Number(_) | Value::Bool(_) => Some(value.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_notes_carry_name_reason_and_short_value() {
        let mut errors = ProcessingErrors::default();
        errors.invalid("release", "expected a valid release", Some(&json!("a/b")));
        errors.invalid("user", "expected an object", Some(&json!([1])));
        let mut event = Map::new();
        errors.write_into(&mut event);
        assert_eq!(
            Value::Object(event),
            json!({"errors": [
                {"type": "invalid_data", "name": "release", "reason": "expected a valid release", "value": "a/b"},
                {"type": "invalid_data", "name": "user", "reason": "expected an object"},
            ]})
        );
    }

    #[test]
    fn notes_stop_at_the_limit() {
        let mut errors = ProcessingErrors::default();
        for i in 0..EVENT_ERRORS_MAX + 1 {
            errors.invalid(format!("tags.{i}"), "expected a string", None);
        }
        assert_eq!(errors.len(), EVENT_ERRORS_MAX);
    }

    #[test]
    fn existing_errors_are_kept_and_empty_lists_are_not_written() {
        let mut event = Map::new();
        ProcessingErrors::default().write_into(&mut event);
        assert!(event.is_empty());
        event.insert("errors".into(), json!([{"type": "js_no_source"}, "junk"]));
        let mut errors = ProcessingErrors::default();
        errors.push(json!({"type": "clock_drift"}));
        errors.write_into(&mut event);
        assert_eq!(
            event["errors"],
            json!([{"type": "js_no_source"}, {"type": "clock_drift"}])
        );
    }
}
