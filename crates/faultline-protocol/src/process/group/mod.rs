//! Grouping: computes Sentry-compatible grouping hashes (config `newstyle:2023-01-11`) for an
//! event, as `spec/grouping.md` describes.
//!
//! PLACEHOLDER: the types below are the contract other modules rely on; the algorithm is being
//! written. Until then every event gets the fallback hash.

use serde::Serialize;
use serde_json::{json, Value};

/// The grouping config this module implements; stored beside every grouphash.
pub const GROUPING_CONFIG_ID: &str = "newstyle:2023-01-11";

/// Project-level grouping rules applied on top of the built-in ones.
#[derive(Debug, Clone, Default)]
pub struct GroupingRules {
    /// Stack-trace rules (enhancements), one per line.
    pub enhancements: String,
    /// Server-side fingerprint rules, one per line.
    pub fingerprinting: String,
}

impl GroupingRules {
    /// Returns the rules that Sentry's grouping test harness reads from an input event
    /// (`_grouping.enhancements` and `_fingerprinting_rules`).
    pub fn from_test_keys(event: &Value) -> Self {
        let enhancements = event
            .pointer("/_grouping/enhancements")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let fingerprinting = match event.get("_fingerprinting_rules") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        GroupingRules { enhancements, fingerprinting }
    }
}

/// One grouping component: a node of the tree whose contributing leaves are hashed.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub id: String,
    pub name: Option<String>,
    pub contributes: bool,
    pub hint: Option<String>,
    pub values: Vec<ComponentValue>,
}

/// A component's child: another component or a leaf value.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ComponentValue {
    Component(Component),
    Leaf(String),
}

/// One grouping variant (`app`, `system`, `default`, `custom_fingerprint`, ...).
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// Variant key: `app`, `system`, `default`, `custom_fingerprint`, `built_in_fingerprint`,
    /// `checksum`, `hashed_checksum` or `fallback`.
    pub key: String,
    /// Variant type as Sentry's grouping-info API names it: `component`, `salted_component`,
    /// `custom_fingerprint`, `built_in_fingerprint`, `checksum`, `fallback`.
    pub kind: String,
    pub hash: Option<String>,
    pub contributes: bool,
    pub hint: Option<String>,
    pub description: String,
    pub component: Option<Component>,
    /// Resolved fingerprint values, for fingerprint variants.
    pub values: Option<Vec<String>>,
}

/// The outcome of grouping one event.
#[derive(Debug, Clone, Serialize)]
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
}

impl GroupingResult {
    /// Returns the grouping-info JSON Sentry's API and `faultline grouping-info` print.
    pub fn to_json(&self) -> Value {
        let variants: serde_json::Map<String, Value> = self
            .variants
            .iter()
            .map(|v| {
                (
                    v.key.clone(),
                    json!({
                        "key": v.key, "type": v.kind, "hash": v.hash, "contributes": v.contributes,
                        "hint": v.hint, "description": v.description, "component": v.component,
                        "values": v.values,
                    }),
                )
            })
            .collect();
        json!({"config": {"id": self.config}, "primary_hash": self.primary_hash,
               "hashes": self.hashes, "variants": variants})
    }
}

/// Computes the grouping of one event (normalized or raw as SDKs send it).
pub fn group(_event: &Value, _rules: &GroupingRules) -> GroupingResult {
    let fallback = "d41d8cd98f00b204e9800998ecf8427e".to_owned();
    GroupingResult {
        config: GROUPING_CONFIG_ID.to_owned(),
        primary_hash: fallback.clone(),
        hashes: vec![fallback.clone()],
        variants: vec![Variant {
            key: "fallback".into(),
            kind: "fallback".into(),
            hash: Some(fallback),
            contributes: true,
            hint: None,
            description: "fallback".into(),
            component: None,
            values: None,
        }],
        title: None,
    }
}
