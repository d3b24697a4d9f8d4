//! Server-side data scrubbing: removes passwords, secrets, credentials and card numbers from an
//! event before anything is grouped, derived or stored, as Sentry's "Data Scrubber" project
//! settings do.
//!
//! With the defaults on, a value whose key contains one of [`DEFAULT_SENSITIVE_KEYS`] (ASCII
//! case-insensitive, `-` read as `_`), the `Authorization` header and every cookie become
//! `[Filtered]`, and any run of 13–19 digits (spaces and dashes allowed between them) that
//! passes the Luhn check is replaced by `[Filtered]` inside the string it appears in. A
//! project adds its own sensitive keys, and names safe keys that are never touched; with
//! IP scrubbing on, the user's IP address and `REMOTE_ADDR` are removed.
//!
//! The walk covers every part of the event that carries user data (request, user, extra,
//! contexts, tags, breadcrumbs, exception values and frame variables, threads, log entry,
//! spans, processing errors), and skips the fields the protocol defines as identifiers or
//! settings (ids, times, level, platform, release, environment, SDK, fingerprint).

use serde_json::{Map, Value};

/// What replaces a scrubbed value.
pub const FILTERED: &str = "[Filtered]";

/// Key fragments whose values the default rules filter (Sentry's default sensitive fields).
pub const DEFAULT_SENSITIVE_KEYS: &[&str] = &[
    "password",
    "secret",
    "passwd",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
];

/// Top-level event fields that hold identifiers and settings, never user data.
const SKIPPED_TOP_LEVEL: &[&str] = &[
    "event_id",
    "timestamp",
    "start_timestamp",
    "received",
    "level",
    "platform",
    "logger",
    "release",
    "dist",
    "environment",
    "sdk",
    "fingerprint",
    "grouping_config",
    "hashes",
    "type",
    "version",
    "debug_meta",
    "modules",
    "measurements",
    "breakdowns",
    "transaction_info",
    "_meta",
];

/// Card numbers have 13 to 19 digits.
const CARD_DIGITS_MIN: usize = 13;
const CARD_DIGITS_MAX: usize = 19;

/// A project's data-scrubbing settings. Its JSON form uses the names of Sentry's project
/// settings (`dataScrubber`, `dataScrubberDefaults`, `scrubIPAddresses`, `sensitiveFields`,
/// `safeFields`); a missing field keeps its default.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScrubConfig {
    /// Scrubbing at all (`dataScrubber`). On by default.
    #[serde(rename = "dataScrubber")]
    pub enabled: bool,
    /// The default sensitive keys and card numbers (`dataScrubberDefaults`). On by default.
    #[serde(rename = "dataScrubberDefaults")]
    pub defaults: bool,
    /// Remove the user's IP address and `REMOTE_ADDR` (`scrubIPAddresses`). Off by default.
    #[serde(rename = "scrubIPAddresses")]
    pub scrub_ip_addresses: bool,
    /// Extra key fragments to filter, matched like the defaults.
    #[serde(rename = "sensitiveFields")]
    pub sensitive_fields: Vec<String>,
    /// Keys never scrubbed (exact, ASCII case-insensitive); they win over sensitive ones.
    #[serde(rename = "safeFields")]
    pub safe_fields: Vec<String>,
}

impl Default for ScrubConfig {
    fn default() -> Self {
        ScrubConfig {
            enabled: true,
            defaults: true,
            scrub_ip_addresses: false,
            sensitive_fields: Vec::new(),
            safe_fields: Vec::new(),
        }
    }
}

/// Scrubs `event` in place as `config` says.
pub fn scrub_event(event: &mut Map<String, Value>, config: &ScrubConfig) {
    if !config.enabled {
        return;
    }
    if config.scrub_ip_addresses {
        remove_ip_addresses(event);
    }
    let rules = Rules::new(config);
    if !rules.has_work() {
        return;
    }
    for (key, value) in event.iter_mut() {
        if SKIPPED_TOP_LEVEL.contains(&key.as_str()) {
            continue;
        }
        if key == "request" {
            scrub_request(value, &rules);
        } else {
            rules.scrub_value(value);
        }
    }
}

/// The matching rules of one config, with the key lists lowercased once.
struct Rules {
    sensitive: Vec<String>,
    safe: Vec<String>,
    cards: bool,
    cookies: bool,
}

impl Rules {
    fn new(config: &ScrubConfig) -> Rules {
        let mut sensitive: Vec<String> = Vec::new();
        if config.defaults {
            sensitive.extend(DEFAULT_SENSITIVE_KEYS.iter().map(|k| (*k).to_owned()));
        }
        sensitive.extend(
            config
                .sensitive_fields
                .iter()
                .map(|k| fold_key(k.trim()))
                .filter(|k| !k.is_empty()),
        );
        let safe = config
            .safe_fields
            .iter()
            .map(|k| fold_key(k.trim()))
            .filter(|k| !k.is_empty())
            .collect();
        Rules {
            sensitive,
            safe,
            cards: config.defaults,
            cookies: config.defaults,
        }
    }

    fn has_work(&self) -> bool {
        self.cards || !self.sensitive.is_empty()
    }

    fn is_safe(&self, key: &str) -> bool {
        !self.safe.is_empty() && self.safe.iter().any(|safe| *safe == fold_key(key))
    }

    fn is_sensitive(&self, key: &str) -> bool {
        let bytes = key.as_bytes();
        self.sensitive
            .iter()
            .any(|needle| contains_folded(bytes, needle.as_bytes()))
    }

    /// Scrubs a value that sits under `key`: filtered whole when the key is sensitive.
    fn scrub_entry(&self, key: &str, value: &mut Value) {
        if self.is_safe(key) {
            return;
        }
        if self.is_sensitive(key) {
            filter(value);
        } else {
            self.scrub_value(value);
        }
    }

    /// Scrubs a value whose own key is not sensitive: its children by their keys, its strings
    /// for card numbers. Lists of `[key, value]` pairs (headers, query strings) go by key.
    fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    self.scrub_entry(key, child);
                }
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    match as_pair(item) {
                        Some((key, child)) => self.scrub_entry(&key, child),
                        None => self.scrub_value(item),
                    }
                }
            }
            Value::String(text) => {
                if self.cards
                    && let Some(scrubbed) = scrub_card_numbers(text)
                {
                    *text = scrubbed;
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// The request interface: as any data, plus every cookie (the `Cookie` header has been parsed
/// into `cookies` by normalization) under the default rules.
fn scrub_request(request: &mut Value, rules: &Rules) {
    let Value::Object(map) = request else {
        rules.scrub_value(request);
        return;
    };
    for (key, value) in map.iter_mut() {
        if key == "cookies" && rules.cookies {
            filter_cookies(value, rules);
        } else if key == "headers" {
            scrub_headers(value, rules);
        } else {
            rules.scrub_entry(key, value);
        }
    }
}

fn filter_cookies(cookies: &mut Value, rules: &Rules) {
    match cookies {
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Some((key, value)) = as_pair(item) {
                    if !rules.is_safe(&key) {
                        filter(value);
                    }
                } else {
                    filter(item);
                }
            }
        }
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if !rules.is_safe(key) {
                    filter(value);
                }
            }
        }
        other => filter(other),
    }
}

/// Headers by name; `Cookie` and `Set-Cookie` are filtered whole under the default rules
/// (`Authorization` already matches `auth`).
fn scrub_headers(headers: &mut Value, rules: &Rules) {
    let is_cookie =
        |name: &str| name.eq_ignore_ascii_case("cookie") || name.eq_ignore_ascii_case("set-cookie");
    match headers {
        Value::Array(items) => {
            for item in items.iter_mut() {
                match as_pair(item) {
                    Some((name, value)) if rules.cookies && is_cookie(&name) => {
                        if !rules.is_safe(&name) {
                            filter(value);
                        }
                    }
                    Some((name, value)) => rules.scrub_entry(&name, value),
                    None => rules.scrub_value(item),
                }
            }
        }
        Value::Object(map) => {
            for (name, value) in map.iter_mut() {
                if rules.cookies && is_cookie(name) && !rules.is_safe(name) {
                    filter(value);
                } else {
                    rules.scrub_entry(name, value);
                }
            }
        }
        other => rules.scrub_value(other),
    }
}

/// Removes the IP addresses Sentry's "Prevent Storing of IP Addresses" removes.
fn remove_ip_addresses(event: &mut Map<String, Value>) {
    if let Some(Value::Object(user)) = event.get_mut("user") {
        user.remove("ip_address");
    }
    if let Some(Value::Object(request)) = event.get_mut("request")
        && let Some(Value::Object(env)) = request.get_mut("env")
    {
        env.remove("REMOTE_ADDR");
    }
    if let Some(Value::Object(sdk)) = event.get_mut("sdk") {
        sdk.remove("client_ip");
    }
}

/// Replaces a value with `[Filtered]`; `null` stays `null` (there is nothing to hide).
fn filter(value: &mut Value) {
    if !value.is_null() {
        *value = Value::String(FILTERED.to_owned());
    }
}

/// Returns the key and value of a `[key, value]` pair (a two-element array, string first).
fn as_pair(item: &mut Value) -> Option<(String, &mut Value)> {
    let Value::Array(pair) = item else {
        return None;
    };
    let [Value::String(key), value] = pair.as_mut_slice() else {
        return None;
    };
    Some((key.clone(), value))
}

/// Lowercases ASCII and reads `-` as `_`, so `X-Api-Key` matches `api_key`.
fn fold_key(key: &str) -> String {
    key.bytes().map(|b| fold_byte(b) as char).collect()
}

fn fold_byte(b: u8) -> u8 {
    if b == b'-' {
        b'_'
    } else {
        b.to_ascii_lowercase()
    }
}

/// Returns whether `haystack` contains `needle` (already folded) with `haystack` folded.
fn contains_folded(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() || needle.len() > haystack.len() {
        return needle.is_empty();
    }
    haystack
        .windows(needle.len())
        .any(|window| window.iter().zip(needle).all(|(h, n)| fold_byte(*h) == *n))
}

/// Returns `text` with every Luhn-valid card number replaced by `[Filtered]`, or `None` when
/// it holds none. A card number is 13–19 digits, single spaces or dashes allowed between
/// them, not touching other digits or letters.
fn scrub_card_numbers(text: &str) -> Option<String> {
    if text.bytes().filter(u8::is_ascii_digit).count() < CARD_DIGITS_MIN {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_run =
            bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !starts_run {
            i += 1;
            continue;
        }
        // The longest run of digits with single separators from here.
        let mut digits = Vec::with_capacity(CARD_DIGITS_MAX);
        let mut end = i;
        let mut j = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits.push(bytes[j] - b'0');
                j += 1;
                end = j;
            } else if (bytes[j] == b' ' || bytes[j] == b'-')
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_digit()
            {
                j += 1;
            } else {
                break;
            }
        }
        let bounded = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if bounded && (CARD_DIGITS_MIN..=CARD_DIGITS_MAX).contains(&digits.len()) && luhn(&digits) {
            let scrubbed = out.get_or_insert_with(|| String::with_capacity(text.len()));
            scrubbed.push_str(&text[copied..i]);
            scrubbed.push_str(FILTERED);
            copied = end;
        }
        i = end.max(i + 1);
    }
    let mut scrubbed = out?;
    scrubbed.push_str(&text[copied..]);
    Some(scrubbed)
}

/// The Luhn checksum every payment card number satisfies.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &digit)| {
            let digit = u32::from(digit);
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scrubbed_with(event: Value, config: &ScrubConfig) -> Value {
        let Value::Object(mut map) = event else {
            panic!("test events are objects");
        };
        scrub_event(&mut map, config);
        Value::Object(map)
    }

    fn scrubbed(event: Value) -> Value {
        scrubbed_with(event, &ScrubConfig::default())
    }

    #[test]
    fn default_sensitive_keys_are_filtered_anywhere_in_user_data() {
        let event = scrubbed(json!({
            "extra": {"password": "hunter2", "DB_PASSWD": "x", "user_api_key": 7,
                      "safe": "kept", "nested": {"Secret-Value": {"deep": 1}, "n": null}},
            "contexts": {"app": {"session_id": "abc", "app_name": "demo"}},
            "user": {"id": "1", "data": {"auth_code": "zzz"}},
            "tags": [["token", "t0ken"], ["browser", "Firefox"]],
            "breadcrumbs": {"values": [{"message": "login", "data": {"credentials": "c"}}]},
            "exception": {"values": [{"type": "E", "value": "boom", "stacktrace": {"frames": [
                {"function": "f", "vars": {"password": "'p'", "count": 3, "privateKey": "k"}}
            ]}}]},
        }));
        assert_eq!(event["extra"]["password"], FILTERED);
        assert_eq!(event["extra"]["DB_PASSWD"], FILTERED);
        assert_eq!(event["extra"]["user_api_key"], FILTERED);
        assert_eq!(event["extra"]["safe"], "kept");
        assert_eq!(event["extra"]["nested"]["Secret-Value"], FILTERED);
        assert_eq!(event["extra"]["nested"]["n"], Value::Null);
        assert_eq!(event["contexts"]["app"]["session_id"], FILTERED);
        assert_eq!(event["contexts"]["app"]["app_name"], "demo");
        assert_eq!(event["user"]["id"], "1");
        assert_eq!(event["user"]["data"]["auth_code"], FILTERED);
        assert_eq!(
            event["tags"],
            json!([["token", FILTERED], ["browser", "Firefox"]])
        );
        assert_eq!(
            event["breadcrumbs"]["values"][0]["data"]["credentials"],
            FILTERED
        );
        let vars = &event["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"];
        assert_eq!(vars["password"], FILTERED);
        assert_eq!(vars["privateKey"], FILTERED);
        assert_eq!(vars["count"], 3);
    }

    #[test]
    fn request_headers_cookies_and_query_are_scrubbed() {
        let event = scrubbed(json!({"request": {
            "url": "https://example.com/login",
            "query_string": [["a", "1"], ["password", "x"], ["access_token", "y"]],
            "headers": [["Authorization", "Bearer abc"], ["Cookie", "sid=1"],
                        ["X-Api-Key", "k"], ["User-Agent", "curl/8"]],
            "cookies": [["sid", "1"], ["theme", "dark"]],
            "data": {"username": "bob", "password": "pw"},
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        }}));
        let request = &event["request"];
        assert_eq!(
            request["query_string"],
            json!([
                ["a", "1"],
                ["password", FILTERED],
                ["access_token", FILTERED]
            ])
        );
        assert_eq!(
            request["headers"],
            json!([
                ["Authorization", FILTERED],
                ["Cookie", FILTERED],
                ["X-Api-Key", FILTERED],
                ["User-Agent", "curl/8"]
            ])
        );
        assert_eq!(
            request["cookies"],
            json!([["sid", FILTERED], ["theme", FILTERED]])
        );
        assert_eq!(
            request["data"],
            json!({"username": "bob", "password": FILTERED})
        );
        assert_eq!(request["env"]["REMOTE_ADDR"], "10.0.0.1");
        assert_eq!(request["url"], "https://example.com/login");
    }

    #[test]
    fn card_numbers_are_replaced_only_when_luhn_valid() {
        let cases = [
            ("4111111111111111", Some(FILTERED.to_owned())),
            (
                "card 4111 1111 1111 1111 ok",
                Some(format!("card {FILTERED} ok")),
            ),
            ("5500-0000-0000-0004", Some(FILTERED.to_owned())),
            ("amex 378282246310005.", Some(format!("amex {FILTERED}."))),
            ("4111111111111112", None),
            ("id 123456789012", None),
            ("x4111111111111111", None),
            ("41111111111111110000", None),
            ("no digits here", None),
            (
                "two 4111111111111111 and 4012888888881881",
                Some(format!("two {FILTERED} and {FILTERED}")),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(scrub_card_numbers(text), expected, "{text:?}");
        }
    }

    #[test]
    fn cards_are_found_in_messages_and_exception_values_but_not_identifiers() {
        let event = scrubbed(json!({
            "event_id": "4111111111111111aaaaaaaaaaaaaaaa",
            "release": "4111111111111111",
            "logentry": {"formatted": "charged 4111111111111111", "params": ["4012888888881881"]},
            "exception": {"values": [{"type": "CardError", "value": "bad card 4111111111111111"}]},
            "extra": {"note": 4111111111111111_u64},
        }));
        assert_eq!(event["release"], "4111111111111111");
        assert_eq!(
            event["logentry"]["formatted"],
            format!("charged {FILTERED}")
        );
        assert_eq!(event["logentry"]["params"][0], FILTERED);
        assert_eq!(
            event["exception"]["values"][0]["value"],
            format!("bad card {FILTERED}")
        );
        // Numbers are not strings: Sentry's card rule reads strings only.
        assert_eq!(event["extra"]["note"], 4111111111111111_u64);
    }

    #[test]
    fn safe_fields_win_and_extra_sensitive_fields_join() {
        let config = ScrubConfig {
            sensitive_fields: vec!["Email".into(), " ".into()],
            safe_fields: vec!["session_id".into(), "card".into()],
            ..ScrubConfig::default()
        };
        let event = scrubbed_with(
            json!({"extra": {"session_id": "s", "sessions": "t", "contact_email": "a@b",
                             "card": "4111111111111111", "ok": "fine"}}),
            &config,
        );
        assert_eq!(
            event["extra"],
            json!({"session_id": "s", "sessions": FILTERED, "contact_email": FILTERED,
                   "card": "4111111111111111", "ok": "fine"})
        );
    }

    #[test]
    fn ip_addresses_are_removed_only_when_asked() {
        let event = json!({
            "user": {"id": "1", "ip_address": "203.0.113.9"},
            "request": {"env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "web"}},
            "sdk": {"name": "sentry.python", "client_ip": "203.0.113.9"},
        });
        let kept = scrubbed(event.clone());
        assert_eq!(kept["user"]["ip_address"], "203.0.113.9");
        let config = ScrubConfig {
            scrub_ip_addresses: true,
            ..ScrubConfig::default()
        };
        let removed = scrubbed_with(event, &config);
        assert_eq!(removed["user"], json!({"id": "1"}));
        assert_eq!(removed["request"]["env"], json!({"SERVER_NAME": "web"}));
        assert_eq!(removed["sdk"], json!({"name": "sentry.python"}));
    }

    #[test]
    fn turning_scrubbing_or_its_defaults_off() {
        let event = json!({"extra": {"password": "p", "mine": "m", "cc": "4111111111111111"},
                           "request": {"cookies": [["sid", "1"]]}});
        let off = ScrubConfig {
            enabled: false,
            ..ScrubConfig::default()
        };
        assert_eq!(scrubbed_with(event.clone(), &off), event);
        let custom_only = ScrubConfig {
            defaults: false,
            sensitive_fields: vec!["mine".into()],
            ..ScrubConfig::default()
        };
        let only_mine = scrubbed_with(event, &custom_only);
        assert_eq!(only_mine["extra"]["password"], "p");
        assert_eq!(only_mine["extra"]["mine"], FILTERED);
        assert_eq!(only_mine["extra"]["cc"], "4111111111111111");
        assert_eq!(only_mine["request"]["cookies"], json!([["sid", "1"]]));
    }

    #[test]
    fn settings_read_and_write_sentry_names() {
        let config: ScrubConfig =
            serde_json::from_value(json!({"scrubIPAddresses": true, "safeFields": ["card"]}))
                .unwrap();
        assert!(config.enabled && config.defaults && config.scrub_ip_addresses);
        assert_eq!(config.safe_fields, ["card"]);
        assert_eq!(
            serde_json::to_value(ScrubConfig::default()).unwrap(),
            json!({"dataScrubber": true, "dataScrubberDefaults": true, "scrubIPAddresses": false,
                   "sensitiveFields": [], "safeFields": []})
        );
        assert!(serde_json::from_value::<ScrubConfig>(json!({"dataScrubber": "yes"})).is_err());
        assert!(serde_json::from_value::<ScrubConfig>(json!({"scrubIps": true})).is_err());
    }

    #[test]
    fn luhn_checksum() {
        assert!(luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(!luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    }
}
