//! The `user` interface and IP inference (ingest-protocol.md §7.3, §12 points 14-17): unknown
//! user keys move into `user.data`, and `user.ip_address` follows `sdk.settings.infer_ip`.

use super::ProcessingErrors;
use crate::event::{Invalid, lenient_str};
use crate::process::{EventItemKind, RequestMeta};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::net::IpAddr;

/// The placeholder SDKs send to ask the server for the client address.
const AUTO_IP: &str = "{{auto}}";

/// The keys of the user interface; any other key moves into `user.data`.
const USER_KEYS: [&str; 9] = [
    "id",
    "email",
    "ip_address",
    "username",
    "name",
    "geo",
    "segment",
    "data",
    "sentry_user",
];

/// Platforms whose events come from end-user devices, so the client address is the user's
/// address even without `{{auto}}` (Relay's legacy rule).
const DEVICE_PLATFORMS: [&str; 3] = ["javascript", "cocoa", "objc"];

/// `sdk.settings.infer_ip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InferIp {
    Auto,
    Never,
    Legacy,
}

/// Normalizes `user` and fills `user.ip_address` from the request.
pub(super) fn normalize(
    event: &mut Map<String, Value>,
    kind: EventItemKind,
    meta: &RequestMeta,
    errors: &mut ProcessingErrors,
) {
    let mut user = match event.remove("user") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(user)) => user,
        Some(other) => {
            errors.invalid("user", Invalid("an object"), Some(&other));
            Map::new()
        }
    };
    normalize_fields(&mut user, errors);
    infer_ip(event, &mut user, kind, meta);
    if let Some(ip) = user.get("ip_address")
        && ip
            .as_str()
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .is_none()
    {
        errors.invalid("user.ip_address", Invalid("an ip address"), Some(ip));
        user.remove("ip_address");
    }
    if !user.is_empty() {
        event.insert("user".to_owned(), Value::Object(user));
    }
}

fn normalize_fields(user: &mut Map<String, Value>, errors: &mut ProcessingErrors) {
    user.retain(|_, value| !value.is_null());
    if let Some(id) = user.get_mut("id") {
        match lenient_str(id)
            .filter(|id| !id.is_empty())
            .map(Cow::into_owned)
        {
            Some(text) => *id = Value::String(text),
            None => {
                if !id.is_string() {
                    errors.invalid("user.id", Invalid("a string"), None);
                }
                user.remove("id");
            }
        }
    }
    for key in ["email", "username", "name", "ip_address", "segment"] {
        if user.get(key).is_some_and(|value| !value.is_string()) {
            errors.invalid(format!("user.{key}"), Invalid("a string"), user.get(key));
            user.remove(key);
        }
    }
    if user.keys().any(|key| !USER_KEYS.contains(&key.as_str())) {
        let mut data = match user.remove("data") {
            Some(Value::Object(data)) => data,
            _ => Map::new(),
        };
        let unknown: Vec<String> = user
            .keys()
            .filter(|key| !USER_KEYS.contains(&key.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            if let Some(value) = user.remove(&key) {
                data.insert(key, value);
            }
        }
        user.insert("data".to_owned(), Value::Object(data));
    }
}

fn infer_ip_setting(event: &Map<String, Value>) -> InferIp {
    match event
        .get("sdk")
        .and_then(|sdk| sdk.get("settings"))
        .and_then(|s| s.get("infer_ip"))
    {
        None | Some(Value::Null) => InferIp::Legacy,
        Some(Value::String(setting)) => match setting.as_str() {
            "auto" => InferIp::Auto,
            "legacy" => InferIp::Legacy,
            // Relay treats an unknown setting as `never`: inferring an address the SDK did not
            // clearly ask for would collect personal data against its wish.
            _ => InferIp::Never,
        },
        Some(_) => InferIp::Never,
    }
}

fn infer_ip(
    event: &mut Map<String, Value>,
    user: &mut Map<String, Value>,
    kind: EventItemKind,
    meta: &RequestMeta,
) {
    let client_ip = meta.client_ip.map(|ip| Value::String(ip.to_string()));
    if kind == EventItemKind::Security {
        // Security and NEL reports are sent by the browser itself: the peer is the user.
        if let Some(ip) = client_ip {
            user.insert("ip_address".to_owned(), ip);
        }
        return;
    }
    let setting = infer_ip_setting(event);
    let remote_addr = event
        .get_mut("request")
        .and_then(|request| request.get_mut("env"))
        .and_then(|env| env.as_object_mut())
        .and_then(|env| {
            let is_auto = env.get("REMOTE_ADDR").and_then(Value::as_str) == Some(AUTO_IP);
            if is_auto {
                match (setting, &client_ip) {
                    (InferIp::Never, _) | (_, None) => {
                        env.remove("REMOTE_ADDR");
                    }
                    (_, Some(ip)) => {
                        env.insert("REMOTE_ADDR".to_owned(), ip.clone());
                    }
                }
            }
            env.get("REMOTE_ADDR")
                .and_then(Value::as_str)
                .filter(|addr| addr.parse::<IpAddr>().is_ok())
                .map(|addr| Value::String(addr.to_owned()))
        });
    let user_ip_auto = user.get("ip_address").and_then(Value::as_str) == Some(AUTO_IP);
    if user_ip_auto {
        user.remove("ip_address");
    }
    let missing = !user.contains_key("ip_address");
    let inferred = match setting {
        InferIp::Never => None,
        InferIp::Auto if missing => remote_addr.or(client_ip),
        InferIp::Legacy if user_ip_auto => client_ip,
        InferIp::Legacy if missing => {
            let platform = event
                .get("platform")
                .and_then(Value::as_str)
                .unwrap_or_default();
            remote_addr.or_else(|| client_ip.filter(|_| DEVICE_PLATFORMS.contains(&platform)))
        }
        _ => None,
    };
    if let Some(ip) = inferred {
        user.insert("ip_address".to_owned(), ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use serde_json::json;

    const CLIENT: &str = "198.51.100.7";

    fn meta(client_ip: Option<&str>) -> RequestMeta {
        RequestMeta {
            received_at: DateTime::from_timestamp(1_777_629_600, 0).expect("valid"),
            sent_at: None,
            envelope_event_id: None,
            client_ip: client_ip.and_then(|ip| ip.parse().ok()),
            user_agent: None,
        }
    }

    fn check_kind(payload: Value, kind: EventItemKind) -> Value {
        let Value::Object(mut event) = payload else {
            panic!("object")
        };
        normalize(
            &mut event,
            kind,
            &meta(Some(CLIENT)),
            &mut ProcessingErrors::default(),
        );
        Value::Object(event)
    }

    fn check(payload: Value) -> Value {
        check_kind(payload, EventItemKind::Event)
    }

    fn user_ip(event: &Value) -> Option<&str> {
        event
            .get("user")
            .and_then(|u| u.get("ip_address"))
            .and_then(Value::as_str)
    }

    #[test]
    fn auto_placeholder_becomes_the_client_ip() {
        let event = check(json!({"user": {"ip_address": "{{auto}}"}}));
        assert_eq!(user_ip(&event), Some(CLIENT));
    }

    #[test]
    fn never_setting_keeps_no_ip() {
        let event = check(
            json!({"user": {"ip_address": "{{auto}}"}, "sdk": {"settings": {"infer_ip": "never"}},
            "platform": "javascript"}),
        );
        assert_eq!(event.get("user"), None);
        let event =
            check(json!({"sdk": {"settings": {"infer_ip": "bogus"}}, "platform": "javascript"}));
        assert_eq!(event.get("user"), None);
    }

    #[test]
    fn auto_setting_prefers_remote_addr_then_client_ip() {
        let auto = json!({"settings": {"infer_ip": "auto"}});
        let event = check(json!({"sdk": auto, "request": {"env": {"REMOTE_ADDR": "10.0.0.1"}}}));
        assert_eq!(user_ip(&event), Some("10.0.0.1"));
        let event = check(json!({"sdk": auto}));
        assert_eq!(user_ip(&event), Some(CLIENT));
        let event = check(json!({"sdk": auto, "user": {"ip_address": "2001:db8::1"}}));
        assert_eq!(user_ip(&event), Some("2001:db8::1"));
    }

    #[test]
    fn legacy_setting_copies_remote_addr_and_infers_only_for_device_platforms() {
        let event = check(json!({"request": {"env": {"REMOTE_ADDR": "10.0.0.1"}}}));
        assert_eq!(user_ip(&event), Some("10.0.0.1"));
        assert_eq!(user_ip(&check(json!({"platform": "python"}))), None);
        assert_eq!(
            user_ip(&check(json!({"platform": "javascript"}))),
            Some(CLIENT)
        );
        let event = check(json!({"request": {"env": {"REMOTE_ADDR": "{{auto}}"}}}));
        assert_eq!(event["request"]["env"]["REMOTE_ADDR"], CLIENT);
        assert_eq!(user_ip(&event), Some(CLIENT));
    }

    #[test]
    fn security_reports_always_get_the_client_ip() {
        let event = check_kind(
            json!({"sdk": {"settings": {"infer_ip": "never"}}}),
            EventItemKind::Security,
        );
        assert_eq!(user_ip(&event), Some(CLIENT));
    }

    #[test]
    fn invalid_ip_is_dropped_with_a_note() {
        let Value::Object(mut event) = json!({"user": {"id": 42, "ip_address": "not-an-ip"}})
        else {
            panic!()
        };
        let mut errors = ProcessingErrors::default();
        normalize(&mut event, EventItemKind::Event, &meta(None), &mut errors);
        assert_eq!(event["user"], json!({"id": "42"}));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn unknown_user_keys_move_into_data() {
        let event =
            check(json!({"user": {"id": "1", "plan": "pro", "data": {"a": 1}, "email": null}}));
        assert_eq!(
            event["user"],
            json!({"id": "1", "data": {"a": 1, "plan": "pro"}})
        );
    }

    #[test]
    fn non_object_user_is_dropped() {
        assert_eq!(
            check(json!({"user": "bob", "platform": "python"})).get("user"),
            None
        );
    }
}
