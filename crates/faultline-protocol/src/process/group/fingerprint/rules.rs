//! Server-side fingerprint rules and how a rule is tested against an event (spec §5.2):
//! matchers are grouped by the kind of data they read, and within a group one item (one frame,
//! one exception, ...) must satisfy all of them.

use regex::Regex;
use serde_json::Value;

use crate::process::group::enhancements::Family;
use crate::process::group::error::GroupingError;
use crate::process::group::glob::GlobKind;
use crate::process::group::input::{formatted_message, str_field, tags};
use crate::process::group::view::EventView;

use super::parser::parse_rule;

/// A list of parsed fingerprint rules.
#[derive(Debug, Clone, Default)]
pub struct FingerprintRules {
    rules: Vec<FingerprintRule>,
}

/// One fingerprint rule.
#[derive(Debug, Clone)]
pub struct FingerprintRule {
    pub(super) matchers: Vec<Matcher>,
    /// The fingerprint the rule assigns; `{{ default }}` in any spelling is normalized.
    pub fingerprint: Vec<String>,
    /// The `title="..."` attribute, if any.
    pub title: Option<String>,
    /// Whether the rule is one of the built-in rules of the grouping config.
    pub is_builtin: bool,
    /// The rule as written (normalized spacing), for the grouping-info output.
    pub text: String,
}

/// What a matcher reads from the event; matchers of one kind must all hold for one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchType {
    Toplevel,
    LogInfo,
    Exceptions,
    Frames,
    Tags,
    Sdk,
    Family,
    Release,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Key {
    Type,
    Value,
    Module,
    Path,
    Package,
    Function,
    Message,
    Logger,
    Level,
    Family,
    App,
    Sdk,
    Release,
    Tag(String),
}

#[derive(Debug, Clone)]
pub(super) struct Matcher {
    pub(super) key: Key,
    pub(super) negated: bool,
    pub(super) pattern: String,
    /// The compiled glob, for keys matched by glob.
    pub(super) glob: Option<Regex>,
}

impl FingerprintRules {
    /// Parses rules, one per line; lines that do not parse are skipped and reported.
    pub fn parse(text: &str, is_builtin: bool) -> (FingerprintRules, Vec<GroupingError>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_rule(line, is_builtin) {
                Ok(rule) => rules.push(rule),
                Err(reason) => errors.push(GroupingError::InvalidFingerprintRule {
                    line: index + 1,
                    reason,
                }),
            }
        }
        (FingerprintRules { rules }, errors)
    }

    /// Returns the rules in order.
    pub fn rules(&self) -> &[FingerprintRule] {
        &self.rules
    }
}

impl FingerprintRule {
    /// Returns whether the rule matches the event.
    pub fn matches(&self, event: &EventData<'_>) -> bool {
        let kinds = [
            MatchType::Toplevel,
            MatchType::LogInfo,
            MatchType::Exceptions,
            MatchType::Frames,
            MatchType::Tags,
            MatchType::Sdk,
            MatchType::Family,
            MatchType::Release,
        ];
        kinds.into_iter().all(|kind| {
            let matchers: Vec<&Matcher> = self
                .matchers
                .iter()
                .filter(|m| m.key.match_type() == kind)
                .collect();
            matchers.is_empty()
                || event
                    .items(kind)
                    .iter()
                    .any(|item| matchers.iter().all(|m| m.matches(item)))
        })
    }

    /// Turns a rule in Sentry's JSON form (`{"matchers": [["type", "X"]], "fingerprint": [..],
    /// "attributes": {"title": ..}}`) into rule text.
    pub fn json_to_text(rule: &Value) -> Option<String> {
        super::parser::json_to_text(rule)
    }
}

impl Key {
    pub(super) fn parse(name: &str) -> Option<Key> {
        if let Some(tag) = name.strip_prefix("tags.") {
            return Some(Key::Tag(tag.to_owned()));
        }
        Some(match name {
            "error.type" | "type" => Key::Type,
            "error.value" | "value" => Key::Value,
            "stack.module" | "module" => Key::Module,
            "stack.abs_path" | "path" => Key::Path,
            "stack.package" | "package" => Key::Package,
            "stack.function" | "function" => Key::Function,
            "message" => Key::Message,
            "logger" => Key::Logger,
            "level" => Key::Level,
            "family" => Key::Family,
            "app" => Key::App,
            "sdk" => Key::Sdk,
            "release" => Key::Release,
            _ => return None,
        })
    }

    fn match_type(&self) -> MatchType {
        match self {
            Key::Message => MatchType::Toplevel,
            Key::Logger | Key::Level => MatchType::LogInfo,
            Key::Type | Key::Value => MatchType::Exceptions,
            Key::Tag(_) => MatchType::Tags,
            Key::Sdk => MatchType::Sdk,
            Key::Family => MatchType::Family,
            Key::Release => MatchType::Release,
            Key::Module | Key::Path | Key::Package | Key::Function | Key::App => MatchType::Frames,
        }
    }

    /// Returns the glob flavour and case sensitivity of the key, if it is matched by glob.
    pub(super) fn glob(&self) -> Option<(GlobKind, bool)> {
        match self {
            Key::Path | Key::Package | Key::Release => Some((GlobKind::Path, true)),
            Key::Message | Key::Level | Key::Value => Some((GlobKind::Plain, true)),
            Key::Type | Key::Module | Key::Function | Key::Logger | Key::Tag(_) => {
                Some((GlobKind::Plain, false))
            }
            Key::Family | Key::Sdk | Key::App => None,
        }
    }

    pub(super) fn name(&self) -> String {
        match self {
            Key::Type => "type".into(),
            Key::Value => "value".into(),
            Key::Module => "module".into(),
            Key::Path => "path".into(),
            Key::Package => "package".into(),
            Key::Function => "function".into(),
            Key::Message => "message".into(),
            Key::Logger => "logger".into(),
            Key::Level => "level".into(),
            Key::Family => "family".into(),
            Key::App => "app".into(),
            Key::Sdk => "sdk".into(),
            Key::Release => "release".into(),
            Key::Tag(tag) => format!("tags.{tag}"),
        }
    }
}

impl Matcher {
    fn matches(&self, item: &Item<'_>) -> bool {
        self.negated ^ self.positive(item)
    }

    fn positive(&self, item: &Item<'_>) -> bool {
        let glob = |value: Option<&str>| match (value, &self.glob) {
            (Some(value), Some(glob)) => glob.is_match(value),
            _ => false,
        };
        let path = |value: Option<&str>| {
            let Some(value) = value else { return false };
            let value = value.replace('\\', "/");
            glob(Some(&value)) || (!value.starts_with('/') && glob(Some(&format!("/{value}"))))
        };
        match (&self.key, item) {
            (Key::Path, Item::Frame(frame)) => path(frame.abs_path) || path(frame.filename),
            (Key::Package, Item::Frame(frame)) => path(frame.package),
            (Key::Function, Item::Frame(frame)) => glob(Some(frame.function)),
            (Key::Module, Item::Frame(frame)) => glob(frame.module),
            (Key::App, Item::Frame(frame)) => match self.pattern.as_str() {
                "1" | "yes" | "true" => frame.in_app == Some(true),
                "0" | "no" | "false" => frame.in_app == Some(false),
                _ => frame.in_app.is_none(),
            },
            (Key::Message, Item::Message(message)) => glob(Some(message)),
            (Key::Message, Item::Exception { value, .. }) => glob(*value),
            (Key::Type, Item::Exception { ty, .. }) => glob(*ty),
            (Key::Value, Item::Exception { value, .. }) => glob(*value),
            (Key::Logger, Item::LogInfo { logger, .. }) => glob(*logger),
            (Key::Level, Item::LogInfo { level, .. }) => glob(*level),
            (Key::Tag(name), Item::Tags(tags)) => {
                glob(tags.iter().find(|(k, _)| k == name).map(|(_, v)| *v))
            }
            (Key::Release, Item::Release(release)) => path(*release),
            (Key::Family | Key::Sdk, Item::Name(name)) => self
                .pattern
                .split(',')
                .any(|flag| flag == "all" || flag == *name),
            _ => false,
        }
    }
}

/// One value set a matcher group is tested against.
#[derive(Debug, Clone)]
enum Item<'a> {
    Message(&'a str),
    Exception {
        ty: Option<&'a str>,
        value: Option<&'a str>,
    },
    LogInfo {
        logger: Option<&'a str>,
        level: Option<&'a str>,
    },
    Frame(FrameItem<'a>),
    Tags(Vec<(&'a str, &'a str)>),
    Name(&'a str),
    Release(Option<&'a str>),
}

#[derive(Debug, Clone)]
struct FrameItem<'a> {
    function: &'a str,
    abs_path: Option<&'a str>,
    filename: Option<&'a str>,
    module: Option<&'a str>,
    package: Option<&'a str>,
    in_app: Option<bool>,
}

/// The event values fingerprint rules look at, collected once per event.
pub struct EventData<'a> {
    toplevel: Vec<Item<'a>>,
    log_info: Vec<Item<'a>>,
    exceptions: Vec<Item<'a>>,
    frames: Vec<Item<'a>>,
    tags: Vec<Item<'a>>,
    sdk: Vec<Item<'a>>,
    family: Vec<Item<'a>>,
    release: Vec<Item<'a>>,
}

impl<'a> EventData<'a> {
    /// Collects the values of a (normalized) event.
    pub fn new(view: &'a EventView<'a>) -> EventData<'a> {
        let event = view.raw;
        let exceptions: Vec<Item<'a>> = view
            .exceptions
            .iter()
            .map(|e| Item::Exception {
                ty: e.ty,
                value: e.value.map(str::trim).filter(|v| !v.is_empty()),
            })
            .collect();
        let mut toplevel: Vec<Item<'a>> = Vec::new();
        if let Some(message) = formatted_message(event) {
            toplevel.push(Item::Message(message.trim()));
        }
        toplevel.extend(exceptions.iter().cloned());
        let logger = str_field(event, "logger");
        let level = str_field(event, "level");
        let log_info = if logger.is_some() || level.is_some() {
            vec![Item::LogInfo { logger, level }]
        } else {
            Vec::new()
        };
        let frames = view
            .all_frames()
            .map(|frame| {
                Item::Frame(FrameItem {
                    function: frame.function.as_deref().unwrap_or("<unknown>"),
                    abs_path: frame.abs_path.or(frame.filename.as_deref()),
                    filename: frame.filename.as_deref(),
                    module: frame.module,
                    package: frame.package,
                    in_app: frame.in_app,
                })
            })
            .collect();
        let tag_pairs: Vec<(&str, &str)> = tags(event)
            .into_iter()
            .map(|(k, v)| (k, v.trim()))
            .collect();
        EventData {
            toplevel,
            log_info,
            exceptions,
            frames,
            tags: vec![Item::Tags(tag_pairs)],
            sdk: vec![Item::Name(normalized_sdk_name(event))],
            family: vec![Item::Name(Family::of_platform(view.platform).as_str())],
            release: vec![Item::Release(str_field(event, "release").map(str::trim))],
        }
    }

    fn items(&self, kind: MatchType) -> &[Item<'a>] {
        match kind {
            MatchType::Toplevel => &self.toplevel,
            MatchType::LogInfo => &self.log_info,
            MatchType::Exceptions => &self.exceptions,
            MatchType::Frames => &self.frames,
            MatchType::Tags => &self.tags,
            MatchType::Sdk => &self.sdk,
            MatchType::Family => &self.family,
            MatchType::Release => &self.release,
        }
    }
}

/// Returns the SDK name as the `sdk` matcher compares it: Sentry SDK names as sent, anything
/// else `other`.
fn normalized_sdk_name(event: &Value) -> &str {
    event
        .get("sdk")
        .and_then(|sdk| str_field(sdk, "name"))
        .filter(|name| name.starts_with("sentry."))
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(line: &str, event: Value) -> bool {
        let view = EventView::new(&event);
        let data = EventData::new(&view);
        parse_rule(line, false).is_ok_and(|rule| rule.matches(&data))
    }

    #[test]
    fn matchers_of_one_kind_must_hold_for_one_item() {
        let event = json!({"exception": {"values": [{"type": "A", "value": "x"}, {"type": "B", "value": "y"}]}});
        assert!(matches("type:A value:x -> f", event.clone()));
        assert!(!matches("type:A value:y -> f", event.clone()));
        assert!(matches("type:B message:Y -> f", event));
    }

    #[test]
    fn case_sensitivity_follows_the_key() {
        let event = json!({"level": "ERROR", "exception": {"values": [{"type": "ChunkLoadError", "value": "Loading failed"}]}});
        assert!(matches("level:error -> f", event.clone()));
        assert!(!matches("type:chunkloaderror -> f", event.clone()));
        assert!(matches("value:loading* -> f", event));
    }

    #[test]
    fn frame_paths_family_sdk_and_tags() {
        let event = json!({
            "platform": "javascript",
            "sdk": {"name": "sentry.javascript.nextjs"},
            "tags": [["transaction", "/checkout"]],
            "stacktrace": {"frames": [{"abs_path": "webpack:///src/App.js", "function": "render", "in_app": true}]}
        });
        assert!(matches(
            "path:**/src/*.js function:render app:yes -> f",
            event.clone()
        ));
        assert!(matches(
            "family:javascript,native sdk:sentry.javascript.nextjs -> f",
            event.clone()
        ));
        assert!(matches(r#"tags.transaction:"/check*" -> f"#, event.clone()));
        assert!(!matches("family:native -> f", event.clone()));
        assert!(matches("!family:native -> f", event));
    }
}
