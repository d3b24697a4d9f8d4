//! The tag list Sentry stores with an event: the event's own tags plus `level`, `logger`,
//! `environment`, `transaction`, `release`, `dist`, `user`, the context tags (`browser`,
//! `os.name`, `device`, `runtime`, ...), `mechanism` / `handled` and `url`.
//!
//! As in Sentry's event manager, a derived tag replaces a sent tag of the same key, except
//! `url`, which only fills a gap. The list is sorted by Sentry's internal key, where
//! `release`, `dist` and `user` are `sentry:release`, `sentry:dist` and `sentry:user`; that
//! is the order Sentry keeps and shows them in.

use crate::event::{lenient_str, str_field, truncate_chars};
use crate::limits::TAG_VALUE_CHARS_MAX;
use crate::process::normalize::values;
use serde_json::{Map, Value};

/// Tags promoted from each context type, as Sentry's `context_to_tag_mapping`: the tag is the
/// context's key (its alias), suffixed by `.{suffix}` when the suffix is not empty.
const CONTEXT_TAGS: [(&str, &[(&str, &str)]); 7] = [
    ("device", &[("", "model"), ("family", "family")]),
    ("runtime", &[("", "runtime"), ("name", "name")]),
    ("browser", &[("", "browser"), ("name", "name")]),
    ("os", &[("", "os"), ("name", "name"), ("rooted", "rooted")]),
    ("gpu", &[("name", "name"), ("vendor", "vendor_name")]),
    ("app", &[("device", "device_app_hash")]),
    ("monitor", &[("id", "id"), ("slug", "slug")]),
];

/// Tags keyed by Sentry's internal names while they are collected.
struct TagList(Vec<(String, String)>);

impl TagList {
    /// Sets `key`, replacing a tag of that key (Sentry's `set_tag`). Empty values are skipped.
    fn set(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let value = truncate_chars(value, TAG_VALUE_CHARS_MAX).into_owned();
        match self.0.iter_mut().find(|(existing, _)| existing == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(existing, _)| existing == key)
    }

    fn remove(&mut self, key: &str) {
        self.0.retain(|(existing, _)| existing != key);
    }
}

/// Returns the event's tags as Sentry stores them, and the user identity (the `user` tag).
pub fn derive_tags(event: &Map<String, Value>) -> (Vec<(String, String)>, Option<String>) {
    let mut tags = TagList(sent_tags(event));
    for key in ["level", "logger", "environment", "transaction"] {
        if let Some(value) = str_field(event, key) {
            tags.set(key, value);
        }
    }
    let release = str_field(event, "release");
    if let Some(release) = release {
        tags.remove("release");
        tags.set("sentry:release", release);
    }
    if let (Some(dist), Some(_)) = (str_field(event, "dist"), release) {
        tags.remove("dist");
        tags.set("sentry:dist", dist);
    }
    let user_ident = user_ident(event);
    if let Some(ident) = &user_ident {
        tags.remove("user");
        tags.set("sentry:user", ident);
    }
    context_tags(event, &mut tags);
    mechanism_tags(event, &mut tags);
    if !tags.contains("url")
        && let Some(url) = event
            .get("request")
            .and_then(Value::as_object)
            .and_then(|r| str_field(r, "url"))
    {
        tags.set("url", url);
    }
    let mut tags = tags.0;
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    let tags = tags
        .into_iter()
        .map(|(key, value)| match key.strip_prefix("sentry:") {
            Some(public @ ("release" | "dist" | "user")) => (public.to_owned(), value),
            _ => (key, value),
        })
        .collect();
    (tags, user_ident)
}

/// Returns the normalized `tags` pair list.
fn sent_tags(event: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(Value::Array(pairs)) = event.get("tags") else {
        return Vec::new();
    };
    pairs
        .iter()
        .filter_map(|pair| {
            Some((
                pair.get(0)?.as_str()?.to_owned(),
                pair.get(1)?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Returns Sentry's user tag value: the first of `id`, `username`, `email` and `ip_address`,
/// prefixed with its kind.
pub(super) fn user_ident(event: &Map<String, Value>) -> Option<String> {
    let user = event.get("user")?.as_object()?;
    [
        ("id", "id"),
        ("username", "username"),
        ("email", "email"),
        ("ip_address", "ip"),
    ]
    .iter()
    .find_map(|(key, kind)| str_field(user, key).map(|value| format!("{kind}:{value}")))
}

fn context_tags(event: &Map<String, Value>, tags: &mut TagList) {
    let Some(Value::Object(contexts)) = event.get("contexts") else {
        return;
    };
    for (alias, context) in contexts {
        let Some(context) = context.as_object() else {
            continue;
        };
        let ty = context.get("type").and_then(Value::as_str).unwrap_or(alias);
        let Some((_, mapping)) = CONTEXT_TAGS.iter().find(|(name, _)| *name == ty) else {
            continue;
        };
        for (suffix, field) in *mapping {
            let Some(value) = context.get(*field).and_then(tag_text) else {
                continue;
            };
            let key = if suffix.is_empty() {
                alias.clone()
            } else {
                format!("{alias}.{suffix}")
            };
            tags.set(&key, &value);
        }
    }
}

/// Formats a context field as a tag value, as Sentry's formatter does: booleans as `yes` /
/// `no`, numbers and strings as they are; objects and lists make no tag.
fn tag_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(flag) => Some(if *flag { "yes" } else { "no" }.to_owned()),
        other => lenient_str(other).map(|text| text.into_owned()),
    }
}

/// `mechanism` and `handled` from the mechanism of the exception that was raised (the last).
fn mechanism_tags(event: &Map<String, Value>, tags: &mut TagList) {
    let Some(mechanism) = values(event, "exception")
        .last()
        .and_then(|e| e.get("mechanism"))
        .and_then(Value::as_object)
    else {
        return;
    };
    if let Some(ty) = str_field(mechanism, "type") {
        tags.set("mechanism", ty);
    }
    if let Some(handled) = mechanism.get("handled").and_then(Value::as_bool) {
        tags.set("handled", if handled { "yes" } else { "no" });
    }
}
