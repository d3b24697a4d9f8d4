//! Fingerprint variables (`{{ transaction }}`, `{{ type }}`, `{{ tags.NAME }}`, ...) and their
//! fallbacks, for fingerprint values and rule titles (spec §5.1).

use std::sync::LazyLock;

use regex::Regex;

use crate::process::group::input::{formatted_message, str_field, tags};
use crate::process::group::view::EventView;

/// `{{ name }}` anywhere in a title template.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{\s*(\S+?)\s*\}\}").unwrap_or_else(|e| panic!("variable regex: {e}"))
});

/// Returns the variable name if the entry is exactly one `{{ name }}`.
pub fn parse_variable(entry: &str) -> Option<&str> {
    let inner = entry.strip_prefix("{{")?.strip_suffix("}}")?;
    let name = inner.trim_matches(is_py_space);
    // The name itself is one run of non-space characters (Sentry's `\S+`).
    if name.is_empty() || name.contains(is_py_space) {
        return None;
    }
    Some(name)
}

fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

/// Returns the value of a variable, or `None` for a variable this config does not know (the
/// default config keeps such entries verbatim).
pub fn resolve_variable(name: &str, view: &EventView<'_>) -> Option<String> {
    let event = view.raw;
    let last_exception = view.exceptions.last();
    let crash_frame = || view.crash_frame();
    let or = |value: Option<&str>, fallback: &str| {
        value
            .filter(|v| !v.is_empty())
            .unwrap_or(fallback)
            .to_owned()
    };
    Some(match name {
        "transaction" => or(str_field(event, "transaction"), "<no-transaction>"),
        "message" => or(
            formatted_message(event).or(last_exception.and_then(|e| e.value)),
            "<no-message>",
        ),
        "type" | "error.type" => or(last_exception.and_then(|e| e.ty), "<no-type>"),
        "value" | "error.value" => or(last_exception.and_then(|e| e.value), "<no-value>"),
        "function" | "stack.function" => or(
            crash_frame().and_then(|f| f.function.as_deref()),
            "<no-function>",
        ),
        "path" | "stack.abs_path" => or(
            crash_frame().and_then(|f| f.abs_path.or(f.filename.as_deref())),
            "<no-abs-path>",
        ),
        "stack.filename" => or(
            crash_frame().and_then(|f| f.filename.as_deref().or(f.abs_path)),
            "<no-filename>",
        ),
        "module" | "stack.module" => or(crash_frame().and_then(|f| f.module), "<no-module>"),
        "package" | "stack.package" => {
            let package = crash_frame()
                .and_then(|f| f.package)
                .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p));
            or(package, "<no-package>")
        }
        "level" => or(str_field(event, "level"), "<no-level>"),
        "logger" => or(str_field(event, "logger"), "<no-logger>"),
        _ => {
            let tag = name.strip_prefix("tags.")?;
            tags(event)
                .into_iter()
                .find(|(key, _)| *key == tag)
                .map(|(_, value)| value.to_owned())
                .unwrap_or_else(|| format!("<no-value-for-tag-{tag}>"))
        }
    })
}

/// Expands every `{{ variable }}` of a title template; unknown variables stay as written.
pub fn expand_title(template: &str, view: &EventView<'_>) -> String {
    VARIABLE
        .replace_all(template, |captures: &regex::Captures<'_>| {
            resolve_variable(&captures[1], view).unwrap_or_else(|| captures[0].to_owned())
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(name: &str, event: serde_json::Value) -> Option<String> {
        resolve_variable(name, &EventView::new(&event))
    }

    #[test]
    fn variables_are_recognized_in_any_spacing() {
        assert_eq!(parse_variable("{{ default }}"), Some("default"));
        assert_eq!(parse_variable("{{default}}"), Some("default"));
        assert_eq!(parse_variable("{{  tags.foo }}"), Some("tags.foo"));
        assert_eq!(parse_variable("x{{ default }}"), None);
        assert_eq!(parse_variable("{{ a b }}"), None);
    }

    #[test]
    fn variables_resolve_with_fallbacks() {
        let event = json!({
            "transaction": "/checkout", "level": "error",
            "tags": {"browser": "Firefox"},
            "exception": {"values": [{"type": "A", "value": "first"}, {"type": "B", "value": "last",
                "stacktrace": {"frames": [{"function": "main", "module": "app", "package": "/usr/lib/libfoo.so", "in_app": true}, {"function": "inner"}]}}]}
        });
        assert_eq!(
            resolve("transaction", event.clone()).as_deref(),
            Some("/checkout")
        );
        assert_eq!(resolve("type", event.clone()).as_deref(), Some("B"));
        assert_eq!(
            resolve("error.value", event.clone()).as_deref(),
            Some("last")
        );
        assert_eq!(resolve("message", event.clone()).as_deref(), Some("last"));
        assert_eq!(resolve("function", event.clone()).as_deref(), Some("main"));
        assert_eq!(
            resolve("package", event.clone()).as_deref(),
            Some("libfoo.so")
        );
        assert_eq!(
            resolve("tags.browser", event.clone()).as_deref(),
            Some("Firefox")
        );
        assert_eq!(
            resolve("tags.os", event.clone()).as_deref(),
            Some("<no-value-for-tag-os>")
        );
        assert_eq!(
            resolve("logger", event.clone()).as_deref(),
            Some("<no-logger>")
        );
        assert_eq!(
            resolve("stack.abs_path", event.clone()).as_deref(),
            Some("<no-abs-path>")
        );
        assert_eq!(resolve("nonsense", event), None);
    }

    #[test]
    fn titles_expand_known_variables_only() {
        let event = json!({"exception": {"values": [{"type": "DatabaseUnavailable"}]}});
        let view = EventView::new(&event);
        assert_eq!(
            expand_title("{{ type }} in {{ nope }}", &view),
            "DatabaseUnavailable in {{ nope }}"
        );
    }
}
