//! One stack-trace rule: frame and exception matchers plus the actions applied to matching
//! frames.

use std::fmt;

use regex::Regex;

use super::index::FrameHits;

/// A frame as the rule engine sees it: the fields matchers read, already normalized (function
/// and module lowercased, paths and packages lowercased with `/` separators, function names
/// trimmed). Lowercasing once lets the case-insensitive globs be prefiltered by a plain
/// substring test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchFrame {
    pub category: Option<String>,
    pub family: Family,
    pub function: String,
    pub module: Option<String>,
    pub package: Option<String>,
    pub path: Option<String>,
    pub in_app: Option<bool>,
}

/// The exception that owns a stack trace, for `error.*` matchers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExceptionData<'a> {
    pub ty: Option<&'a str>,
    pub value: Option<&'a str>,
    pub mechanism: Option<&'a str>,
}

/// A platform family, as `family:` matchers name them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Family {
    Native,
    Javascript,
    #[default]
    Other,
}

impl Family {
    /// Returns the behaviour family of a platform (`native` for objc/cocoa/swift/native/c,
    /// `javascript` for javascript/node, else `other`).
    pub fn of_platform(platform: Option<&str>) -> Family {
        match platform {
            Some("objc" | "cocoa" | "swift" | "native" | "c") => Family::Native,
            Some("javascript" | "node") => Family::Javascript,
            _ => Family::Other,
        }
    }

    /// Returns the family's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Native => "native",
            Family::Javascript => "javascript",
            Family::Other => "other",
        }
    }
}

/// Which frame a matcher looks at, relative to the frame being tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOffset {
    /// The frame itself.
    Current,
    /// The caller: the previous frame in the list (`[ matcher ] |`).
    Caller,
    /// The callee: the next frame in the list (`| [ matcher ]`).
    Callee,
}

/// A frame field a glob matcher reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameField {
    Category,
    Function,
    Module,
    Package,
    Path,
}

/// What a frame matcher tests.
#[derive(Debug, Clone)]
pub enum FrameTest {
    Field {
        field: FrameField,
        pattern: Regex,
        /// The pattern's regex source, for the rule list's [`FieldIndex`](super::index::FieldIndex).
        source: String,
        /// Position of the pattern in its field's index.
        slot: usize,
    },
    /// A comma list of families; `all` sets every flag.
    Family {
        native: bool,
        javascript: bool,
        other: bool,
    },
    InApp(bool),
}

/// A matcher on a frame (or its caller/callee).
#[derive(Debug, Clone)]
pub struct FrameMatcher {
    pub negated: bool,
    pub offset: FrameOffset,
    pub test: FrameTest,
    pub raw_pattern: String,
}

/// An exception field an `error.*` matcher reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionField {
    Type,
    Value,
    Mechanism,
}

/// A matcher on the exception owning the stack trace.
#[derive(Debug, Clone)]
pub struct ExceptionMatcher {
    pub negated: bool,
    pub field: ExceptionField,
    pub pattern: Regex,
    pub raw_pattern: String,
}

/// Where a flag action applies, relative to the matched frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// `^`: every frame after the matched one (towards the crash).
    Up,
    /// `v`: every frame before the matched one (towards the outermost caller).
    Down,
}

/// The flag a `+`/`-` action sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    App,
    Group,
    Prefix,
    Sentinel,
}

/// One action of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Flag {
        range: Option<Range>,
        flag: bool,
        kind: FlagKind,
    },
    MinFrames(usize),
    MaxFrames(usize),
    InvertStacktrace(bool),
    Category(String),
}

impl Action {
    /// Returns whether the action changes frame data before grouping (`+app`/`-app`,
    /// `category=`).
    pub fn is_modifier(&self) -> bool {
        matches!(
            self,
            Action::Flag {
                kind: FlagKind::App,
                ..
            } | Action::Category(_)
        )
    }

    /// Returns whether the action affects contributions or stack-trace variables.
    pub fn is_updater(&self) -> bool {
        !matches!(self, Action::Category(_))
    }
}

/// A parsed stack-trace rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub frame_matchers: Vec<FrameMatcher>,
    pub exception_matchers: Vec<ExceptionMatcher>,
    pub actions: Vec<Action>,
    /// A plain (not negated, current-frame) indexed glob of the rule: a frame whose index bit
    /// for it is unset cannot match, which rejects most frames without running the matchers.
    pub anchor: Option<(FrameField, usize)>,
    /// The rule as hints quote it (`function:foo -group`).
    pub text: String,
}

impl Rule {
    /// Returns whether every exception matcher accepts the exception.
    pub fn matches_exception(&self, exception: &ExceptionData<'_>) -> bool {
        self.exception_matchers.iter().all(|matcher| {
            let value = match matcher.field {
                ExceptionField::Type => exception.ty,
                ExceptionField::Value => exception.value,
                ExceptionField::Mechanism => exception.mechanism,
            };
            // A missing field is matched as `<unknown>`, as Sentry does.
            matcher.negated ^ matcher.pattern.is_match(value.unwrap_or("<unknown>"))
        })
    }

    /// Returns whether every frame matcher accepts the frame at `idx`; `hits` holds each
    /// frame's glob results from the rule list's index.
    pub fn matches_frame(&self, frames: &[MatchFrame], hits: &[FrameHits], idx: usize) -> bool {
        if let Some((field, slot)) = self.anchor
            && hits.get(idx).and_then(|h| h.get(field, slot)) == Some(false)
        {
            return false;
        }
        self.frame_matchers.iter().all(|matcher| {
            let target = match matcher.offset {
                FrameOffset::Current => Some(idx),
                FrameOffset::Caller => idx.checked_sub(1),
                FrameOffset::Callee => idx.checked_add(1),
            };
            match target.and_then(|i| Some((frames.get(i)?, hits.get(i)?))) {
                Some((frame, hits)) => matcher.negated ^ matcher.test.matches(frame, hits),
                None => false,
            }
        })
    }

    /// Returns whether the rule has an action that changes frame data.
    pub fn has_modifier_action(&self) -> bool {
        self.actions.iter().any(Action::is_modifier)
    }

    /// Returns whether the rule has an action that affects contributions.
    pub fn has_updater_action(&self) -> bool {
        self.actions.iter().any(Action::is_updater)
    }
}

impl FrameTest {
    fn matches(&self, frame: &MatchFrame, hits: &FrameHits) -> bool {
        match self {
            FrameTest::Field {
                field: FrameField::Category,
                pattern,
                ..
            } => frame
                .category
                .as_deref()
                .is_some_and(|c| pattern.is_match(c)),
            FrameTest::Field {
                field,
                pattern,
                slot,
                ..
            } => hits
                .get(*field, *slot)
                .unwrap_or_else(|| field_matches(frame, *field, pattern)),
            FrameTest::Family {
                native,
                javascript,
                other,
            } => match frame.family {
                Family::Native => *native,
                Family::Javascript => *javascript,
                Family::Other => *other,
            },
            FrameTest::InApp(expected) => frame.in_app.unwrap_or(false) == *expected,
        }
    }
}

/// Matches a glob against a frame field directly (when the index is not available).
pub fn field_matches(frame: &MatchFrame, field: FrameField, pattern: &Regex) -> bool {
    let value = match field {
        FrameField::Category => frame.category.as_deref(),
        FrameField::Function => Some(frame.function.as_str()),
        FrameField::Module => frame.module.as_deref(),
        FrameField::Package => frame.package.as_deref(),
        FrameField::Path => frame.path.as_deref(),
    };
    let Some(value) = value else { return false };
    // Path-like values are also tried with a leading slash, so `**/x/**` style patterns match
    // relative paths.
    let retry = matches!(field, FrameField::Path | FrameField::Package) && !value.starts_with('/');
    pattern.is_match(value) || (retry && pattern.is_match(&format!("/{value}")))
}

impl fmt::Display for FrameField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrameField::Category => "category",
            FrameField::Function => "function",
            FrameField::Module => "module",
            FrameField::Package => "package",
            FrameField::Path => "path",
        })
    }
}

impl fmt::Display for FrameMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.offset == FrameOffset::Caller {
            f.write_str("[ ")?;
        } else if self.offset == FrameOffset::Callee {
            f.write_str("| [ ")?;
        }
        if self.negated {
            f.write_str("!")?;
        }
        match &self.test {
            FrameTest::Field { field, .. } => write!(f, "{field}:{}", self.raw_pattern)?,
            FrameTest::Family { .. } => write!(f, "family:{}", self.raw_pattern)?,
            FrameTest::InApp(_) => write!(f, "app:{}", self.raw_pattern)?,
        }
        match self.offset {
            FrameOffset::Caller => f.write_str(" ] |"),
            FrameOffset::Callee => f.write_str(" ]"),
            FrameOffset::Current => Ok(()),
        }
    }
}

impl fmt::Display for ExceptionMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.field {
            ExceptionField::Type => "type",
            ExceptionField::Value => "value",
            ExceptionField::Mechanism => "mechanism",
        };
        let bang = if self.negated { "!" } else { "" };
        write!(f, "{bang}{name}:{}", self.raw_pattern)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Flag { range, flag, kind } => {
                match range {
                    Some(Range::Up) => f.write_str("^")?,
                    Some(Range::Down) => f.write_str("v")?,
                    None => {}
                }
                let sign = if *flag { "+" } else { "-" };
                let name = match kind {
                    FlagKind::App => "app",
                    FlagKind::Group => "group",
                    FlagKind::Prefix => "prefix",
                    FlagKind::Sentinel => "sentinel",
                };
                write!(f, "{sign}{name}")
            }
            Action::MinFrames(n) => write!(f, "min-frames={n}"),
            Action::MaxFrames(n) => write!(f, "max-frames={n}"),
            Action::InvertStacktrace(b) => write!(f, "invert-stacktrace={}", u8::from(*b)),
            Action::Category(c) => write!(f, "category={c}"),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.exception_matchers.iter().map(ToString::to_string));
        parts.extend(self.frame_matchers.iter().map(ToString::to_string));
        parts.extend(self.actions.iter().map(ToString::to_string));
        f.write_str(&parts.join(" "))
    }
}
