//! The outcome of grouping one event: its variants, the hash list (primary first, `system`
//! last) and the grouping-info JSON Sentry's API serves.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::component::Component;

/// The grouping config this module implements; stored beside every grouphash.
pub const GROUPING_CONFIG_ID: &str = "newstyle:2023-01-11";

/// One grouping variant (`app`, `system`, `default`, `custom_fingerprint`, ...).
///
/// ```json
/// {"key": "app", "type": "component", "hash": "b23ee1963904c2ca87b145febf94b66c",
///  "contributes": true, "hint": null, "description": "in-app exception",
///  "component": {"id": "app", "name": "in-app", "contributes": true, "hint": null, "values": []}}
/// ```
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Variant {
    /// Variant key: `app`, `system`, `default`, `custom_fingerprint`, `built_in_fingerprint`,
    /// `checksum`, `hashed_checksum` or `fallback`.
    pub key: String,
    /// Variant type as Sentry's grouping-info API names it: `component`, `salted_component`,
    /// `custom_fingerprint`, `built_in_fingerprint`, `checksum`, `hashed_checksum`, `fallback`.
    pub kind: String,
    pub hash: Option<String>,
    pub contributes: bool,
    pub hint: Option<String>,
    pub description: String,
    pub component: Option<Component>,
    /// Resolved fingerprint values, for fingerprint and salted variants.
    pub values: Option<Vec<String>>,
    /// The client fingerprint and the server rule that produced a fingerprint variant, as
    /// Sentry's `fingerprint_info`.
    pub fingerprint_info: Option<Value>,
}

/// The outcome of grouping one event.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GroupingResult {
    /// The grouping config that produced these hashes.
    pub config: String,
    /// The primary hash: the first of `hashes`.
    pub primary_hash: String,
    /// All contributing hashes, primary first, `system` last.
    pub hashes: Vec<String>,
    pub variants: Vec<Variant>,
    /// A title set by a matching fingerprint rule (`title="..."`), if any.
    pub title: Option<String>,
    /// The `mechanism.exception_id` of the exception that should title the issue when it is not
    /// the last one (exception groups, React errors with a cause, RxJava wrappers).
    pub main_exception_id: Option<i64>,
}

impl GroupingResult {
    /// Builds the result from variants in Sentry's insertion order: hashes of contributing
    /// variants, `system` moved last, duplicates removed; the primary hash is the first.
    pub fn from_variants(
        variants: Vec<Variant>,
        title: Option<String>,
        main_exception_id: Option<i64>,
    ) -> Self {
        let mut hashes: Vec<String> = Vec::new();
        let ordered = variants
            .iter()
            .filter(|v| v.key != "system")
            .chain(variants.iter().filter(|v| v.key == "system"));
        for variant in ordered {
            if let Some(hash) = variant.hash.as_ref().filter(|_| variant.contributes)
                && !hashes.contains(hash)
            {
                hashes.push(hash.clone());
            }
        }
        // A fallback variant is added whenever nothing else contributes, so this is never
        // empty; the fallback hash is the safe answer if that invariant ever breaks.
        debug_assert!(!hashes.is_empty(), "grouping produced no hash");
        let primary_hash = hashes
            .first()
            .cloned()
            .unwrap_or_else(|| super::hash::EMPTY_HASH.to_owned());
        GroupingResult {
            config: GROUPING_CONFIG_ID.to_owned(),
            primary_hash,
            hashes,
            variants,
            title,
            main_exception_id,
        }
    }

    /// Returns the grouping-info JSON Sentry's API and `faultline grouping-info` print.
    pub fn to_json(&self) -> Value {
        let variants: Map<String, Value> = self
            .variants
            .iter()
            .map(|v| {
                let mut variant = json!({
                    "key": v.key, "type": v.kind, "hash": v.hash, "contributes": v.contributes,
                    "hint": v.hint, "description": v.description,
                });
                if let Some(component) = &v.component {
                    variant["component"] = json!(component);
                }
                if let Some(values) = &v.values {
                    variant["values"] = json!(values);
                }
                if let Some(info) = &v.fingerprint_info {
                    variant["fingerprint_info"] = info.clone();
                }
                (v.key.clone(), variant)
            })
            .collect();
        json!({
            "config": {"id": self.config},
            "primary_hash": self.primary_hash,
            "hashes": self.hashes,
            "variants": variants,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(key: &str, hash: &str, contributes: bool) -> Variant {
        Variant {
            key: key.into(),
            kind: "component".into(),
            hash: Some(hash.into()),
            contributes,
            hint: None,
            description: String::new(),
            component: None,
            values: None,
            fingerprint_info: None,
        }
    }

    #[test]
    fn system_hash_goes_last_and_duplicates_once() {
        let result = GroupingResult::from_variants(
            vec![
                variant("system", "s", true),
                variant("app", "a", true),
                variant("default", "a", true),
            ],
            None,
            None,
        );
        assert_eq!(result.hashes, ["a", "s"]);
        assert_eq!(result.primary_hash, "a");
    }

    #[test]
    fn json_is_keyed_by_variant() {
        let result = GroupingResult::from_variants(
            vec![variant("app", "a", true), variant("system", "s", false)],
            None,
            None,
        );
        let json = result.to_json();
        assert_eq!(json["variants"]["app"]["hash"], "a");
        assert_eq!(json["variants"]["system"]["contributes"], false);
        assert_eq!(json["config"]["id"], GROUPING_CONFIG_ID);
        assert_eq!(result.hashes, ["a"]);
    }
}
