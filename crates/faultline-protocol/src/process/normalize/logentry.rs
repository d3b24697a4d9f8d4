//! The message of an event (ingest-protocol.md §7.10, §12 point 7): the legacy `message` key
//! becomes `logentry`, and a template with `params` is rendered into `logentry.formatted`.

use super::ProcessingErrors;
use crate::event::{Invalid, into_lenient_string, truncate_chars};
use crate::limits::MESSAGE_CHARS_MAX;
use serde_json::{Map, Value};
use std::fmt::Write;

/// Moves `message` into `logentry`, renders `formatted` from `message` and `params` when it
/// is missing, and cuts both to [`MESSAGE_CHARS_MAX`]. A logentry with neither text is
/// dropped with a note.
pub(super) fn normalize(event: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    let legacy = event.remove("message");
    let entry = match (event.remove("logentry"), legacy) {
        (Some(Value::Object(entry)), _) => Some(entry),
        (Some(Value::String(text)), _) | (None | Some(Value::Null), Some(Value::String(text))) => {
            Some(Map::from_iter([(
                "formatted".to_owned(),
                Value::String(text),
            )]))
        }
        (None | Some(Value::Null), Some(Value::Object(entry))) => Some(entry),
        (None | Some(Value::Null), None | Some(Value::Null | Value::Bool(false))) => None,
        (None | Some(Value::Null), Some(other)) | (Some(other), _) => {
            errors.invalid("logentry", Invalid("an object or a string"), Some(&other));
            None
        }
    };
    let Some(mut entry) = entry else {
        return;
    };
    if normalize_entry(&mut entry) {
        event.insert("logentry".to_owned(), Value::Object(entry));
    } else {
        errors.invalid("logentry", Invalid("a message or formatted text"), None);
    }
}

/// Returns false when the entry has no text at all.
fn normalize_entry(entry: &mut Map<String, Value>) -> bool {
    let message = entry.remove("message").and_then(into_lenient_string);
    let mut formatted = entry.remove("formatted").and_then(into_lenient_string);
    if formatted.is_none()
        && let Some(template) = &message
        && let Some(params) = entry.get("params")
    {
        formatted = format(template, params);
    }
    let (formatted, message) = match (formatted, message) {
        (None, None) => return false,
        (None, Some(message)) => (message, None),
        (Some(formatted), message) => {
            let message = message.filter(|message| *message != formatted);
            (formatted, message)
        }
    };
    entry.insert("formatted".to_owned(), Value::String(cut(formatted)));
    if let Some(message) = message {
        entry.insert("message".to_owned(), Value::String(cut(message)));
    }
    if entry.get("params").is_some_and(Value::is_null) {
        entry.remove("params");
    }
    true
}

fn cut(text: String) -> String {
    match truncate_chars(&text, MESSAGE_CHARS_MAX) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

/// Renders a template with its params: printf / Python style (`%s`, `%d`, `%(name)s`) when it
/// contains `%`, else brace style (`{}`, `{0}`, `{name}`) when it contains `{`. Returns `None`
/// when a placeholder has no matching param, so the raw template is shown instead.
pub(super) fn format(template: &str, params: &Value) -> Option<String> {
    if template.contains('%') {
        format_percent(template, params)
    } else if template.contains('{') {
        format_braces(template, params)
    } else {
        None
    }
}

fn format_percent(template: &str, params: &Value) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.chars().peekable();
    let mut next_positional = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let param = if chars.peek() == Some(&'(') {
            chars.next();
            let name: String = chars.by_ref().take_while(|&c| c != ')').collect();
            params.as_object()?.get(&name)?
        } else {
            let param = match params {
                Value::Array(list) => list.get(next_positional)?,
                // Python formats `"%s" % x` with a lone non-tuple argument too.
                other if next_positional == 0 && !other.is_object() => other,
                _ => return None,
            };
            next_positional += 1;
            param
        };
        let mut precision = None;
        while let Some(&flag) = chars.peek() {
            if matches!(flag, '-' | '+' | ' ' | '#' | '0'..='9') {
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            let digits: String =
                std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
            precision = digits.parse::<usize>().ok();
        }
        let conversion = chars.next()?;
        render_percent(&mut out, param, conversion, precision)?;
    }
    Some(out)
}

fn render_percent(
    out: &mut String,
    param: &Value,
    conversion: char,
    precision: Option<usize>,
) -> Option<()> {
    match conversion {
        's' | 'r' | 'a' => push_display(out, param),
        'd' | 'i' | 'u' => match param {
            Value::Number(number) if number.is_f64() => {
                write!(out, "{}", number.as_f64()?.trunc() as i64).ok()?
            }
            Value::Number(number) => write!(out, "{number}").ok()?,
            Value::Bool(flag) => out.push(if *flag { '1' } else { '0' }),
            _ => return None,
        },
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
            let number = param.as_f64()?;
            match conversion {
                'f' | 'F' => write!(out, "{number:.*}", precision.unwrap_or(6)).ok()?,
                'e' | 'E' => write!(out, "{number:.*e}", precision.unwrap_or(6)).ok()?,
                _ => write!(out, "{number}").ok()?,
            }
        }
        'x' | 'X' | 'o' => {
            let number = param.as_i64()?;
            match conversion {
                'x' => write!(out, "{number:x}").ok()?,
                'X' => write!(out, "{number:X}").ok()?,
                _ => write!(out, "{number:o}").ok()?,
            }
        }
        'c' => match param {
            Value::String(text) => out.push_str(text),
            other => out.push(char::from_u32(u32::try_from(other.as_u64()?).ok()?)?),
        },
        _ => return None,
    }
    Some(())
}

fn format_braces(template: &str, params: &Value) -> Option<String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.chars().peekable();
    let mut next_positional = 0;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|&c| c != '}').collect();
                // A format spec after `:` (`{0:>5}`) is ignored: the value is shown as is.
                let name = field.split(':').next().unwrap_or_default().trim();
                let param = if name.is_empty() {
                    next_positional += 1;
                    params.as_array()?.get(next_positional - 1)?
                } else if let Ok(index) = name.parse::<usize>() {
                    params.as_array()?.get(index)?
                } else {
                    params.as_object()?.get(name)?
                };
                push_display(&mut out, param);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Shows a param as Python's `str()` would: strings raw, `None`, `True`/`False`, else JSON.
fn push_display(out: &mut String, param: &Value) {
    match param {
        Value::String(text) => out.push_str(text),
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(payload: Value, expected_logentry: Option<Value>) {
        let Value::Object(mut event) = payload.clone() else {
            panic!("object")
        };
        let mut errors = ProcessingErrors::default();
        normalize(&mut event, &mut errors);
        assert_eq!(
            event.get("logentry").cloned(),
            expected_logentry,
            "payload: {payload}"
        );
        assert!(event.get("message").is_none(), "payload: {payload}");
    }

    fn check_format(template: &str, params: Value, expected: Option<&str>) {
        assert_eq!(
            format(template, &params).as_deref(),
            expected,
            "template: {template}"
        );
    }

    #[test]
    fn message_string_becomes_formatted() {
        check(json!({"message": "hi"}), Some(json!({"formatted": "hi"})));
        check(json!({"message": false}), None);
        check(
            json!({"message": {"message": "hello %s", "params": ["bob"]}}),
            Some(json!({
                "formatted": "hello bob", "message": "hello %s", "params": ["bob"],
            })),
        );
    }

    #[test]
    fn logentry_params_are_rendered() {
        check(
            json!({"logentry": {"message": "hello %s", "params": ["bob"]}}),
            Some(json!({
                "params": ["bob"], "formatted": "hello bob", "message": "hello %s",
            })),
        );
    }

    #[test]
    fn message_without_params_moves_into_formatted() {
        check(
            json!({"logentry": {"message": "plain"}}),
            Some(json!({"formatted": "plain"})),
        );
        check(
            json!({"logentry": {"message": "same", "formatted": "same"}}),
            Some(json!({"formatted": "same"})),
        );
    }

    #[test]
    fn canonical_logentry_wins_over_message() {
        check(
            json!({"logentry": {"formatted": "a"}, "message": "b"}),
            Some(json!({"formatted": "a"})),
        );
    }

    #[test]
    fn empty_logentry_is_dropped_with_a_note() {
        let mut event = Map::from_iter([("logentry".to_owned(), json!({"params": []}))]);
        let mut errors = ProcessingErrors::default();
        normalize(&mut event, &mut errors);
        assert!(event.get("logentry").is_none());
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn long_messages_are_cut() {
        let at_limit = "m".repeat(MESSAGE_CHARS_MAX);
        check(
            json!({"message": at_limit}),
            Some(json!({"formatted": at_limit})),
        );
        let over = "m".repeat(MESSAGE_CHARS_MAX + 1);
        let cut = format!("{}...", "m".repeat(MESSAGE_CHARS_MAX - 3));
        check(json!({"message": over}), Some(json!({"formatted": cut})));
    }

    #[test]
    fn percent_templates() {
        check_format("hello %s", json!(["bob"]), Some("hello bob"));
        check_format("%d items at %.2f", json!([3, 1.5]), Some("3 items at 1.50"));
        check_format(
            "%(name)s is %(age)d",
            json!({"name": "al", "age": 7}),
            Some("al is 7"),
        );
        check_format("100%% %s", json!(["done"]), Some("100% done"));
        check_format("%s and %r", json!([null, true]), Some("None and True"));
        check_format("%5d|%-3s|", json!([42, "x"]), Some("42|x|"));
        check_format("lone %s", json!("arg"), Some("lone arg"));
        check_format("%x", json!([255]), Some("ff"));
    }

    #[test]
    fn percent_templates_with_missing_params_are_not_rendered() {
        check_format("%s %s", json!(["one"]), None);
        check_format("%(missing)s", json!({"name": 1}), None);
        check_format("%d", json!(["nan"]), None);
        check_format("trailing %", json!([]), None);
    }

    #[test]
    fn brace_templates() {
        check_format("{} and {}", json!(["a", "b"]), Some("a and b"));
        check_format("{1} then {0}", json!(["a", "b"]), Some("b then a"));
        check_format("hi {name}!", json!({"name": "bo"}), Some("hi bo!"));
        check_format("{{literal}} {0:>4}", json!([1]), Some("{literal} 1"));
        check_format("{} {}", json!(["a"]), None);
        check_format("plain", json!(["a"]), None);
    }
}
