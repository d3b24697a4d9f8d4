//! Fingerprints: the client's `fingerprint`, server-side fingerprint rules (the project's,
//! then the built-in `javascript@2024-02-02` base in `javascript@2024-02-02.txt`), variable
//! resolution, and the fingerprint and salted variants they produce (spec §5).

mod parser;
mod rules;
mod variables;

use std::sync::LazyLock;

use serde_json::Value;

pub use rules::{EventData, FingerprintRule, FingerprintRules};
pub use variables::{expand_title, parse_variable, resolve_variable};

use super::view::EventView;

/// The canonical spelling of the default variable.
pub const DEFAULT_VARIABLE: &str = "{{ default }}";

/// Upper bound on fingerprint entries read from an event.
pub const FINGERPRINT_ENTRIES_MAX: usize = 64;

/// The built-in rules of the grouping config's fingerprinting base.
static BUILTIN: LazyLock<FingerprintRules> = LazyLock::new(|| {
    let (rules, errors) = FingerprintRules::parse(include_str!("javascript@2024-02-02.txt"), true);
    debug_assert!(
        errors.is_empty(),
        "built-in fingerprint rules do not parse: {errors:?}"
    );
    rules
});

/// Returns whether the entry is `{{ default }}` in any spacing.
pub fn is_default_variable(entry: &str) -> bool {
    parse_variable(entry) == Some("default")
}

/// How a fingerprint relates to the default grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerprintKind {
    /// Exactly `["{{ default }}"]`: the component variants are used as they are.
    Default,
    /// `{{ default }}` plus other entries: every component variant is salted.
    Hybrid,
    /// No `{{ default }}`: the fingerprint alone decides.
    Custom,
}

/// The rule that replaced the event's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedRule {
    pub text: String,
    pub is_builtin: bool,
}

/// The event's effective fingerprint after server-side rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Entries as written (variables unresolved), `{{ default }}` normalized.
    pub entries: Vec<String>,
    pub kind: FingerprintKind,
    /// The client's fingerprint, when it was not the default one.
    pub client: Option<Vec<String>>,
    pub matched_rule: Option<MatchedRule>,
    /// The expanded `title` attribute of the matched rule.
    pub title: Option<String>,
}

impl Fingerprint {
    /// Returns the effective fingerprint: the first matching rule (project rules, then
    /// built-in) replaces the client's, which defaults to `["{{ default }}"]`.
    pub fn for_event(view: &EventView<'_>, project_rules: &FingerprintRules) -> Fingerprint {
        let client = client_fingerprint(view.raw);
        let client_is_default = client.len() == 1 && is_default_variable(&client[0]);
        let client_info = (!client.is_empty() && !client_is_default).then(|| client.clone());

        let data = EventData::new(view);
        let matched = project_rules
            .rules()
            .iter()
            .chain(BUILTIN.rules())
            .find(|rule| rule.matches(&data));
        let (entries, matched_rule, title) = match matched {
            Some(rule) => (
                rule.fingerprint.clone(),
                Some(MatchedRule {
                    text: rule.text.clone(),
                    is_builtin: rule.is_builtin,
                }),
                rule.title.as_deref().map(|title| expand_title(title, view)),
            ),
            None if client.is_empty() => (vec![DEFAULT_VARIABLE.to_owned()], None, None),
            None => (client, None, None),
        };
        let kind = if entries.len() == 1 && is_default_variable(&entries[0]) {
            FingerprintKind::Default
        } else if entries.iter().any(|e| is_default_variable(e)) {
            FingerprintKind::Hybrid
        } else {
            FingerprintKind::Custom
        };
        Fingerprint {
            entries,
            kind,
            client: client_info,
            matched_rule,
            title,
        }
    }

    /// Returns the entries with variables resolved; `{{ default }}` stays as a marker and
    /// unknown variables stay verbatim (the default config's legacy behaviour).
    pub fn resolved(&self, view: &EventView<'_>) -> Vec<String> {
        self.entries
            .iter()
            .map(|entry| match parse_variable(entry) {
                Some("default") => DEFAULT_VARIABLE.to_owned(),
                Some(name) => resolve_variable(name, view).unwrap_or_else(|| entry.clone()),
                None => entry.clone(),
            })
            .collect()
    }
}

/// Reads the client fingerprint: a list of strings (numbers are turned into text, as Relay
/// does; other entries are dropped).
fn client_fingerprint(event: &Value) -> Vec<String> {
    let Some(entries) = event.get("fingerprint").and_then(Value::as_array) else {
        return Vec::new();
    };
    entries
        .iter()
        .take(FINGERPRINT_ENTRIES_MAX)
        .filter_map(|entry| match entry {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// Returns the hash values of a salted variant: the fingerprint with each `{{ default }}`
/// replaced by the component's contributing values.
pub fn salted_values<'v>(resolved: &'v [String], component_values: &[&'v str]) -> Vec<&'v str> {
    let mut values = Vec::new();
    for entry in resolved {
        if entry == DEFAULT_VARIABLE {
            values.extend_from_slice(component_values);
        } else {
            values.push(entry.as_str());
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fingerprint(event: Value, rules: &str) -> Fingerprint {
        let (rules, errors) = FingerprintRules::parse(rules, false);
        assert!(errors.is_empty());
        Fingerprint::for_event(&EventView::new(&event), &rules)
    }

    #[test]
    fn kinds_follow_the_default_variable() {
        assert_eq!(fingerprint(json!({}), "").kind, FingerprintKind::Default);
        assert_eq!(
            fingerprint(json!({"fingerprint": ["{{default}}"]}), "").kind,
            FingerprintKind::Default
        );
        assert_eq!(
            fingerprint(json!({"fingerprint": ["{{ default }}", "x"]}), "").kind,
            FingerprintKind::Hybrid
        );
        assert_eq!(
            fingerprint(json!({"fingerprint": ["x"]}), "").kind,
            FingerprintKind::Custom
        );
    }

    #[test]
    fn project_rules_win_over_builtin_and_client() {
        let event = json!({"platform": "javascript", "fingerprint": ["{{ default }}", "x"],
            "exception": {"values": [{"type": "ChunkLoadError", "value": "boom"}]}});
        let builtin = fingerprint(event.clone(), "");
        assert_eq!(builtin.entries, ["chunkloaderror"]);
        assert!(builtin.matched_rule.as_ref().is_some_and(|r| r.is_builtin));
        assert_eq!(
            builtin.client.as_deref(),
            Some(&["{{ default }}".to_owned(), "x".to_owned()][..])
        );

        let project = fingerprint(
            event,
            r#"type:ChunkLoadError -> chunks, {{ type }} title="Chunk {{ value }}""#,
        );
        assert_eq!(project.entries, ["chunks", "{{ type }}"]);
        assert_eq!(project.title.as_deref(), Some("Chunk boom"));
        assert!(project.matched_rule.as_ref().is_some_and(|r| !r.is_builtin));
    }

    #[test]
    fn resolution_keeps_default_and_unknown_variables() {
        let event =
            json!({"fingerprint": ["{{ default }}", "{{ transaction }}", "{{ whatever }}", "lit"]});
        let view = EventView::new(&event);
        let fp = Fingerprint::for_event(&view, &FingerprintRules::default());
        assert_eq!(
            fp.resolved(&view),
            ["{{ default }}", "<no-transaction>", "{{ whatever }}", "lit"]
        );
    }

    #[test]
    fn hydration_errors_need_a_transaction_tag() {
        let message = "Text content does not match server-rendered HTML.";
        let with_tag =
            json!({"platform": "javascript", "tags": {"transaction": "/a"}, "message": message});
        assert_eq!(
            fingerprint(with_tag, "").entries,
            ["hydrationerror", "{{tags.transaction}}"]
        );
        let without = json!({"platform": "javascript", "message": message});
        assert_eq!(fingerprint(without, "").kind, FingerprintKind::Default);
    }

    #[test]
    fn client_fingerprints_are_capped() {
        let entries =
            |n: usize| json!({"fingerprint": (0..n).map(|i| i.to_string()).collect::<Vec<_>>()});
        assert_eq!(
            client_fingerprint(&entries(FINGERPRINT_ENTRIES_MAX)).len(),
            FINGERPRINT_ENTRIES_MAX
        );
        assert_eq!(
            client_fingerprint(&entries(FINGERPRINT_ENTRIES_MAX + 1)).len(),
            FINGERPRINT_ENTRIES_MAX
        );
        assert_eq!(
            client_fingerprint(&json!({"fingerprint": ["a", 1, null, {}]})),
            ["a", "1"]
        );
    }

    #[test]
    fn salted_values_replace_default_in_place() {
        let resolved = vec!["a".to_owned(), DEFAULT_VARIABLE.to_owned(), "b".to_owned()];
        assert_eq!(salted_values(&resolved, &["x", "y"]), ["a", "x", "y", "b"]);
    }
}
