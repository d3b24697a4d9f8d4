//! Project grouping rules: the text a project configures ([`GroupingRules`]) and its parsed form
//! ([`CompiledRules`]), which callers may cache per project to skip re-parsing.

use serde_json::Value;

use super::enhancements::Enhancements;
use super::error::GroupingError;
use super::fingerprint::{FingerprintRule, FingerprintRules};

/// Project-level grouping rules applied on top of the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupingRules {
    /// Stack-trace rules (enhancements), one per line.
    pub enhancements: String,
    /// Server-side fingerprint rules, one per line.
    pub fingerprinting: String,
}

impl GroupingRules {
    /// Returns the rules that Sentry's grouping test harness reads from an input event
    /// (`_grouping.enhancements` and `_fingerprinting_rules`). Fingerprint rules may be given as
    /// rule text or as Sentry's JSON form (a list of `{"matchers", "fingerprint", "attributes"}`),
    /// which is turned into rule text.
    pub fn from_test_keys(event: &Value) -> Self {
        let enhancements = event
            .pointer("/_grouping/enhancements")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let fingerprinting = match event.get("_fingerprinting_rules") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(rules)) => rules
                .iter()
                .filter_map(FingerprintRule::json_to_text)
                .collect::<Vec<_>>()
                .join("\n"),
            Some(Value::Object(config)) => config
                .get("rules")
                .and_then(Value::as_array)
                .map(|rules| {
                    rules
                        .iter()
                        .filter_map(FingerprintRule::json_to_text)
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        GroupingRules {
            enhancements,
            fingerprinting,
        }
    }
}

/// Parsed project rules, ready to group many events.
#[derive(Debug, Clone, Default)]
pub struct CompiledRules {
    enhancements: Enhancements,
    fingerprinting: FingerprintRules,
    errors: Vec<GroupingError>,
}

impl CompiledRules {
    /// Parses the project's rules; lines that do not parse are skipped and listed in
    /// [`errors`](Self::errors).
    pub fn new(rules: &GroupingRules) -> Self {
        let (enhancements, mut errors) = Enhancements::parse(&rules.enhancements);
        let (fingerprinting, fingerprint_errors) =
            FingerprintRules::parse(&rules.fingerprinting, false);
        errors.extend(fingerprint_errors);
        CompiledRules {
            enhancements,
            fingerprinting,
            errors,
        }
    }

    /// Returns the lines that could not be parsed.
    pub fn errors(&self) -> &[GroupingError] {
        &self.errors
    }

    /// Returns the stack-trace rules in application order: built-in base, then the project's.
    pub fn stacktrace_rules(&self) -> [&Enhancements; 2] {
        [Enhancements::base(), &self.enhancements]
    }

    /// Returns the project's fingerprint rules (the built-in ones are tried after them).
    pub fn fingerprint_rules(&self) -> &FingerprintRules {
        &self.fingerprinting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn test_keys_accept_text_and_json_fingerprint_rules() {
        let text = json!({"_grouping": {"enhancements": "function:a -app"}, "_fingerprinting_rules": "type:Foo -> foo"});
        let rules = GroupingRules::from_test_keys(&text);
        assert_eq!(rules.enhancements, "function:a -app");
        assert_eq!(rules.fingerprinting, "type:Foo -> foo");

        let structured = json!({"_fingerprinting_rules": [
            {"matchers": [["type", "DatabaseUnavailable"], ["!module", "io.*"]], "fingerprint": ["database-unavailable"], "attributes": {"title": "DB down"}}
        ]});
        let rules = GroupingRules::from_test_keys(&structured);
        assert_eq!(
            rules.fingerprinting,
            r#"type:"DatabaseUnavailable" !module:"io.*" -> "database-unavailable" title="DB down""#
        );
    }

    #[test]
    fn bad_lines_are_reported() {
        let rules = CompiledRules::new(&GroupingRules {
            enhancements: "nonsense".into(),
            fingerprinting: "also nonsense".into(),
        });
        assert_eq!(rules.errors().len(), 2);
    }
}
