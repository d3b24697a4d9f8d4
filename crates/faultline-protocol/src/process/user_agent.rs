//! Browser, OS and device contexts inferred from the request's `User-Agent` header and
//! `Sec-CH-UA*` client hints (ingest-protocol.md §12 point 18), parsed with uap-core's
//! regexes as Relay does, so families match what Sentry users see.
//!
//! Contexts the SDK sent are never replaced. The OS goes to `contexts.os` for platform
//! `javascript` and to `contexts.client_os` otherwise, where it cannot clash with a server
//! SDK's own OS. Client hints win over the UA string.
//!
//! Building the parser compiles about a thousand regexes (~0.4 s optimised), so it is built
//! once, lazily or by [`warm_up`], and each distinct UA string is parsed once and cached.

use super::normalize::fill_display;
use crate::limits::{USER_AGENT_BYTES_MAX, USER_AGENT_CACHE_ENTRIES_MAX};
use lru::LruCache;
use serde_json::{Map, Value};
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use uaparser::{Parser, UserAgentParser};

/// uap-core's `regexes.yaml` (see its first lines for version and licence).
static REGEXES: &[u8] = include_bytes!("../../data/regexes.yaml");

/// The parser, or `None` if the bundled regexes failed to build (a build defect the tests
/// catch; processing then goes on without UA contexts rather than failing every event).
static PARSER: LazyLock<Option<UserAgentParser>> = LazyLock::new(|| {
    // uap-core's patterns are ASCII; Unicode classes would only make them slower to build.
    UserAgentParser::builder()
        .with_unicode_support(false)
        .build_from_bytes(REGEXES)
        .ok()
});

const CACHE_ENTRIES: NonZeroUsize = match NonZeroUsize::new(USER_AGENT_CACHE_ENTRIES_MAX) {
    Some(entries) => entries,
    None => panic!("USER_AGENT_CACHE_ENTRIES_MAX must not be zero"),
};

static CACHE: LazyLock<Mutex<LruCache<String, Arc<Parsed>>>> =
    LazyLock::new(|| Mutex::new(LruCache::new(CACHE_ENTRIES)));

/// The contexts one UA string yields, ready to insert.
#[derive(Debug, Default, PartialEq)]
struct Parsed {
    browser: Option<Map<String, Value>>,
    os: Option<Map<String, Value>>,
    device: Option<Map<String, Value>>,
}

/// Builds the parser now, so the first event does not pay for it. Returns false if the
/// bundled regexes could not be built (UA contexts are then never inferred).
pub fn warm_up() -> bool {
    PARSER.is_some()
}

/// Adds `contexts.browser`, `contexts.device` and the OS context inferred from
/// `request.headers` when the event does not have them already.
pub fn normalize_user_agent(event: &mut Map<String, Value>) {
    let Some((parsed, hints)) = read_headers(event) else {
        return;
    };
    let os_key = match event.get("platform").and_then(Value::as_str) {
        Some("javascript") => "os",
        _ => "client_os",
    };
    let contexts = event
        .entry("contexts")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(contexts) = contexts else {
        return;
    };
    let from_ua = |pick: fn(&Parsed) -> &Option<Map<String, Value>>| {
        parsed.as_deref().and_then(|parsed| pick(parsed).clone())
    };
    let candidates = [
        (
            "browser",
            hints.browser().or_else(|| from_ua(|p| &p.browser)),
        ),
        ("device", hints.device().or_else(|| from_ua(|p| &p.device))),
        (os_key, hints.os().or_else(|| from_ua(|p| &p.os))),
    ];
    for (key, context) in candidates {
        if let Some(context) = context
            && !contexts.contains_key(key)
        {
            contexts.insert(key.to_owned(), Value::Object(context));
        }
    }
    if contexts.is_empty() {
        event.remove("contexts");
    }
}

/// Returns the parse of the `User-Agent` header (if any) and the client hints, or `None`
/// when the request carries neither.
fn read_headers(event: &Map<String, Value>) -> Option<(Option<Arc<Parsed>>, ClientHints)> {
    let headers = event.get("request")?.get("headers")?.as_array()?;
    let mut user_agent = None;
    let mut hints = ClientHints::default();
    for pair in headers {
        let (Some(name), Some(value)) = (
            pair.get(0).and_then(Value::as_str),
            pair.get(1).and_then(Value::as_str),
        ) else {
            continue;
        };
        let slot = match name.to_ascii_lowercase().as_str() {
            "user-agent" => &mut user_agent,
            "sec-ch-ua" => &mut hints.brands,
            "sec-ch-ua-platform" => &mut hints.platform,
            "sec-ch-ua-platform-version" => &mut hints.platform_version,
            "sec-ch-ua-model" => &mut hints.model,
            _ => continue,
        };
        *slot = Some(value.to_owned());
    }
    if user_agent.is_none() && hints.is_empty() {
        return None;
    }
    Some((user_agent.as_deref().and_then(parse_cached), hints))
}

/// Returns the parse of a UA string, from the cache when it was seen before.
fn parse_cached(user_agent: &str) -> Option<Arc<Parsed>> {
    let user_agent = prefix(user_agent.trim(), USER_AGENT_BYTES_MAX);
    if user_agent.is_empty() {
        return None;
    }
    let cache = || CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(hit) = cache().get(user_agent) {
        return Some(Arc::clone(hit));
    }
    // Parsed outside the lock: a parse walks hundreds of regexes and other threads should
    // not wait for it. Two threads may parse the same string once each; that is harmless.
    let parsed = Arc::new(parse(PARSER.as_ref()?, user_agent));
    cache().put(user_agent.to_owned(), Arc::clone(&parsed));
    Some(parsed)
}

/// Returns the longest prefix of `text` of at most `max_bytes` that ends on a char boundary.
fn prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn parse(parser: &UserAgentParser, user_agent: &str) -> Parsed {
    let client = parser.parse(user_agent);
    let browser = known(&client.user_agent.family).then(|| {
        let version = version(
            &client.user_agent.major,
            &client.user_agent.minor,
            &client.user_agent.patch,
        );
        context("browser", &client.user_agent.family, version)
    });
    let os = known(&client.os.family).then(|| {
        let mut version = version(&client.os.major, &client.os.minor, &client.os.patch);
        // User agents freeze the OS version at Windows 10 and macOS 10.15.7: the real one may
        // be newer, so it is shown as a lower bound, as Relay does.
        if let Some(v) = version.as_mut()
            && ((client.os.family == "Windows" && v == "10")
                || (client.os.family == "Mac OS X" && v == "10.15.7"))
        {
            v.insert_str(0, ">=");
        }
        context("os", &client.os.family, version)
    });
    let device = known(&client.device.family).then(|| {
        let mut device = Map::new();
        device.insert(
            "family".to_owned(),
            Value::String(client.device.family.to_string()),
        );
        for (key, value) in [
            ("model", &client.device.model),
            ("brand", &client.device.brand),
        ] {
            if let Some(value) = value {
                device.insert(key.to_owned(), Value::String(value.to_string()));
            }
        }
        device.insert("type".to_owned(), Value::String("device".to_owned()));
        device
    });
    Parsed {
        browser,
        os,
        device,
    }
}

fn known(family: &str) -> bool {
    family != "Other"
}

/// Returns `major[.minor[.patch]]`.
fn version<S: AsRef<str>>(
    major: &Option<S>,
    minor: &Option<S>,
    patch: &Option<S>,
) -> Option<String> {
    let mut version = major.as_ref()?.as_ref().to_owned();
    if let Some(minor) = minor {
        version.push('.');
        version.push_str(minor.as_ref());
        if let Some(patch) = patch {
            version.push('.');
            version.push_str(patch.as_ref());
        }
    }
    Some(version)
}

/// Returns a `browser` or `os` context with its display field (`"Chrome 120.0.0"`).
fn context(ty: &str, name: &str, version: Option<String>) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("name".to_owned(), Value::String(name.to_owned()));
    if let Some(version) = version {
        context.insert("version".to_owned(), Value::String(version));
    }
    context.insert("type".to_owned(), Value::String(ty.to_owned()));
    fill_display(&mut context, ty);
    context
}

/// The `Sec-CH-UA*` client hints of a request, as sent (values are quoted strings).
#[derive(Debug, Default)]
struct ClientHints {
    brands: Option<String>,
    platform: Option<String>,
    platform_version: Option<String>,
    model: Option<String>,
}

fn unquote(text: &str) -> &str {
    text.trim().trim_matches('"').trim()
}

impl ClientHints {
    fn is_empty(&self) -> bool {
        self.brands.is_none()
            && self.platform.is_none()
            && self.platform_version.is_none()
            && self.model.is_none()
    }

    /// Returns the browser named by `Sec-CH-UA`: the first brand that is neither a GREASE
    /// entry ("Not A;Brand") nor an engine (Chromium, Gecko, WebKit).
    fn browser(&self) -> Option<Map<String, Value>> {
        for entry in self.brands.as_deref()?.split(',') {
            if ["Brand", "Chromium", "Gecko", "WebKit"]
                .iter()
                .any(|skip| entry.contains(skip))
            {
                continue;
            }
            let (name, version) = entry.split_once(";v=")?;
            let (name, version) = (unquote(name), unquote(version));
            if name.is_empty() || version.is_empty() {
                return None;
            }
            return Some(context("browser", name, Some(version.to_owned())));
        }
        None
    }

    fn os(&self) -> Option<Map<String, Value>> {
        let platform = unquote(self.platform.as_deref()?);
        if platform.is_empty() {
            return None;
        }
        let version = self
            .platform_version
            .as_deref()
            .map(unquote)
            .filter(|v| !v.is_empty());
        Some(context("os", platform, version.map(str::to_owned)))
    }

    fn device(&self) -> Option<Map<String, Value>> {
        let model = unquote(self.model.as_deref()?);
        if model.is_empty() {
            return None;
        }
        let mut device = Map::new();
        device.insert("model".to_owned(), Value::String(model.to_owned()));
        device.insert("type".to_owned(), Value::String("device".to_owned()));
        Some(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 \
        (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";

    fn check(platform: &str, headers: Value, contexts: Option<Value>) -> Value {
        let mut event = Map::new();
        event.insert("platform".into(), json!(platform));
        event.insert("request".into(), json!({"headers": headers}));
        if let Some(contexts) = contexts {
            event.insert("contexts".into(), contexts);
        }
        normalize_user_agent(&mut event);
        event.remove("contexts").unwrap_or(Value::Null)
    }

    #[test]
    fn the_bundled_regexes_build() {
        assert!(warm_up());
    }

    #[test]
    fn desktop_chrome_gives_browser_and_client_os_for_server_platforms() {
        let contexts = check("python", json!([["User-Agent", CHROME_WINDOWS]]), None);
        assert_eq!(
            contexts,
            json!({
                "browser": {"name": "Chrome", "version": "120.0.0", "type": "browser", "browser": "Chrome 120.0.0"},
                "client_os": {"name": "Windows", "version": ">=10", "type": "os", "os": "Windows >=10"},
            })
        );
    }

    #[test]
    fn desktop_chrome_gives_os_for_javascript() {
        let contexts = check("javascript", json!([["User-Agent", CHROME_WINDOWS]]), None);
        assert_eq!(contexts["os"]["name"], "Windows");
        assert!(contexts.get("client_os").is_none());
    }

    #[test]
    fn phones_get_a_device_context() {
        let contexts = check("javascript", json!([["User-Agent", SAFARI_IPHONE]]), None);
        assert_eq!(
            contexts["device"],
            json!({"family": "iPhone", "model": "iPhone", "brand": "Apple", "type": "device"})
        );
        assert_eq!(contexts["browser"]["name"], "Mobile Safari");
        assert_eq!(contexts["os"]["browser"], Value::Null);
        assert_eq!(contexts["os"]["os"], "iOS 17.1");
    }

    #[test]
    fn sent_contexts_are_kept() {
        let sent =
            json!({"browser": {"name": "Mine", "type": "browser"}, "client_os": {"name": "X"}});
        let contexts = check(
            "python",
            json!([["User-Agent", CHROME_WINDOWS]]),
            Some(sent.clone()),
        );
        assert_eq!(contexts, sent);
    }

    #[test]
    fn unknown_agents_add_nothing() {
        assert_eq!(
            check("python", json!([["User-Agent", "--"]]), None),
            Value::Null
        );
        assert_eq!(check("python", json!([["Host", "x"]]), None), Value::Null);
        assert_eq!(
            check("python", json!([["User-Agent", ""]]), None),
            Value::Null
        );
    }

    #[test]
    fn client_hints_win_over_the_user_agent() {
        let headers = json!([
            ["User-Agent", CHROME_WINDOWS],
            [
                "Sec-Ch-Ua",
                "\"Not_A Brand\";v=\"8\", \"Chromium\";v=\"120\", \"Google Chrome\";v=\"120\""
            ],
            ["Sec-Ch-Ua-Platform", "\"Windows\""],
            ["Sec-Ch-Ua-Platform-Version", "\"15.0.0\""],
            ["Sec-Ch-Ua-Model", "\"\""],
        ]);
        let contexts = check("javascript", headers, None);
        assert_eq!(contexts["browser"]["browser"], "Google Chrome 120");
        assert_eq!(contexts["os"]["os"], "Windows 15.0.0");
        assert!(contexts.get("device").is_none());
    }

    #[test]
    fn long_agents_are_parsed_by_their_prefix() {
        let long = format!("{CHROME_WINDOWS} {}", "x".repeat(USER_AGENT_BYTES_MAX));
        let contexts = check("python", json!([["User-Agent", long]]), None);
        assert_eq!(contexts["browser"]["name"], "Chrome");
        assert_eq!(
            prefix(&"é".repeat(300), USER_AGENT_BYTES_MAX).len(),
            USER_AGENT_BYTES_MAX
        );
        assert_eq!(
            prefix(&"a".repeat(USER_AGENT_BYTES_MAX + 1), USER_AGENT_BYTES_MAX).len(),
            USER_AGENT_BYTES_MAX
        );
        assert_eq!(prefix("ab", USER_AGENT_BYTES_MAX), "ab");
    }

    #[test]
    fn the_cache_holds_the_configured_number_of_agents() {
        let cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(cache.cap().get(), USER_AGENT_CACHE_ENTRIES_MAX);
    }

    #[test]
    fn repeated_agents_come_from_the_cache() {
        let first = parse_cached(CHROME_WINDOWS).expect("parsed");
        let second = parse_cached(CHROME_WINDOWS).expect("parsed");
        assert!(Arc::ptr_eq(&first, &second));
    }
}
