//! The entry point: from event JSON to the grouping result (checksum, normalization,
//! fingerprint rules, strategies, fingerprint variants, fallback).

use serde_json::{Value, json};

use super::checksum::checksum_variants;
use super::component::Component;
use super::fingerprint::{Fingerprint, FingerprintKind, salted_values};
use super::hash::{EMPTY_HASH, hash_values};
use super::input::str_field;
use super::normalize::normalize_for_grouping;
use super::result::{GroupingResult, Variant};
use super::rules::{CompiledRules, GroupingRules};
use super::strategy::component_variants;
use super::view::EventView;

/// Computes the grouping of one event (normalized or raw as SDKs send it), parsing the
/// project's rules first. Callers grouping many events of one project should build
/// [`CompiledRules`] once and use [`group_with`].
pub fn group(event: &Value, rules: &GroupingRules) -> GroupingResult {
    group_with(event, &CompiledRules::new(rules))
}

/// Computes the grouping of one event with already parsed rules.
pub fn group_with(event: &Value, rules: &CompiledRules) -> GroupingResult {
    if let Some(variants) = checksum_variants(str_field(event, "checksum")) {
        return GroupingResult::from_variants(variants, None, None);
    }

    let mut view = EventView::new(event);
    normalize_for_grouping(&mut view, rules);
    let fingerprint = Fingerprint::for_event(&view, rules.fingerprint_rules());
    let components = component_variants(&view, rules);

    let mut variants: Vec<Variant> = Vec::new();
    match fingerprint.kind {
        FingerprintKind::Default => {
            variants.extend(
                components
                    .roots
                    .into_iter()
                    .map(|(_, root)| component_variant(root)),
            );
        }
        FingerprintKind::Custom => {
            for (_, mut root) in components.roots {
                root.switch_off("custom fingerprint takes precedence");
                variants.push(component_variant(root));
            }
            variants.push(fingerprint_variant(&fingerprint, &view));
        }
        FingerprintKind::Hybrid => {
            let resolved = fingerprint.resolved(&view);
            for (_, root) in components.roots {
                let hash = root
                    .hash()
                    .map(|_| hash_values(salted_values(&resolved, &root.contributing_values())));
                let mut variant = component_variant(root);
                variant.kind = "salted_component".to_owned();
                variant.description = format!("modified {}", variant.description);
                variant.hash = hash;
                variant.values = Some(resolved.clone());
                variant.fingerprint_info = Some(fingerprint_info(&fingerprint));
                variants.push(variant);
            }
        }
    }

    if !variants.iter().any(|v| v.contributes) {
        variants.push(Variant {
            key: "fallback".to_owned(),
            kind: "fallback".to_owned(),
            hash: Some(EMPTY_HASH.to_owned()),
            contributes: true,
            hint: None,
            description: "fallback".to_owned(),
            component: None,
            values: None,
            fingerprint_info: None,
        });
    }
    GroupingResult::from_variants(variants, fingerprint.title, components.main_exception_id)
}

fn component_variant(root: Component) -> Variant {
    let description = root.description();
    Variant {
        key: root.id.to_owned(),
        kind: "component".to_owned(),
        hash: root.hash(),
        contributes: root.contributes,
        hint: root.hint.clone(),
        description,
        component: Some(root),
        values: None,
        fingerprint_info: None,
    }
}

fn fingerprint_variant(fingerprint: &Fingerprint, view: &EventView<'_>) -> Variant {
    let resolved = fingerprint.resolved(view);
    let builtin = fingerprint
        .matched_rule
        .as_ref()
        .is_some_and(|rule| rule.is_builtin);
    let (key, description) = if builtin {
        ("built_in_fingerprint", "Sentry defined fingerprint")
    } else {
        ("custom_fingerprint", "custom fingerprint")
    };
    Variant {
        key: key.to_owned(),
        kind: key.to_owned(),
        hash: Some(hash_values(resolved.iter().map(String::as_str))),
        contributes: true,
        hint: None,
        description: description.to_owned(),
        component: None,
        values: Some(resolved),
        fingerprint_info: Some(fingerprint_info(fingerprint)),
    }
}

fn fingerprint_info(fingerprint: &Fingerprint) -> Value {
    let mut info = json!({});
    if let Some(client) = &fingerprint.client {
        info["client_fingerprint"] = json!(client);
    }
    if let Some(rule) = &fingerprint.matched_rule {
        info["matched_rule"] = json!({"text": rule.text, "is_builtin": rule.is_builtin});
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn primary(event: Value) -> String {
        group(&event, &GroupingRules::from_test_keys(&event)).primary_hash
    }

    #[test]
    fn empty_events_fall_back() {
        let result = group(&json!({}), &GroupingRules::default());
        assert_eq!(result.primary_hash, EMPTY_HASH);
        assert_eq!(
            result.variants.last().map(|v| v.key.as_str()),
            Some("fallback")
        );
    }

    #[test]
    fn custom_fingerprints_hash_their_values() {
        let event = json!({"fingerprint": ["{{ message }}", "dogs are great"],
            "exception": {"values": [{"type": "E", "value": "bring 2 balls"}]}});
        assert_eq!(
            primary(event),
            hash_values(["bring 2 balls", "dogs are great"])
        );
    }

    #[test]
    fn hybrid_fingerprints_salt_each_variant() {
        let event = json!({"fingerprint": ["{{ default }}", "x"], "exception": {"values": [{"type": "E", "value": "v"}]}});
        let result = group(&event, &GroupingRules::default());
        assert_eq!(result.primary_hash, hash_values(["E", "v", "x"]));
        assert_eq!(result.variants[0].kind, "salted_component");
    }

    #[test]
    fn exception_beats_message() {
        let event =
            json!({"message": "hello", "exception": {"values": [{"type": "E", "value": "v"}]}});
        let result = group(&event, &GroupingRules::default());
        assert_eq!(result.primary_hash, hash_values(["E", "v"]));
        let default = result
            .variants
            .iter()
            .find(|v| v.key == "default")
            .map(|v| (v.contributes, v.hint.clone()));
        assert_eq!(
            default,
            Some((false, Some("exception of app takes precedence".to_owned())))
        );
    }

    #[test]
    fn the_callers_event_is_not_changed() {
        let event =
            json!({"platform": "native", "stacktrace": {"frames": [{"function": "foo(int)"}]}});
        let before = event.clone();
        let _ = group(&event, &GroupingRules::default());
        assert_eq!(event, before);
    }
}
