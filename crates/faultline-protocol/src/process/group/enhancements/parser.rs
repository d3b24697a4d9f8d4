//! Parser for the stack-trace rule language, one rule per line:
//!
//! ```text
//! [ caller-matcher ] | matcher:value [!matcher:"quoted value" ...] | [ callee-matcher ]  actions  # comment
//! ```
//!
//! Actions are `+app`/`-app`, `+group`/`-group` (optionally prefixed by `^` or `v`),
//! `+prefix`/`+sentinel`, `category=NAME`, `max-frames=N`, `min-frames=N` and
//! `invert-stacktrace=1`.

use super::rule::{
    Action, ExceptionField, ExceptionMatcher, FlagKind, FrameField, FrameMatcher, FrameOffset,
    FrameTest, Range, Rule,
};
use crate::process::group::glob::{GlobKind, compile_glob, glob_to_regex_source};

/// Parses one non-empty, non-comment rule line.
pub fn parse_rule(line: &str) -> Result<Rule, String> {
    let mut cursor = Cursor {
        text: line.trim(),
        pos: 0,
    };
    let mut frame_matchers = Vec::new();
    let mut exception_matchers = Vec::new();
    let mut push = |matcher: Matcher| match matcher {
        Matcher::Frame(m) => frame_matchers.push(m),
        Matcher::Exception(m) => exception_matchers.push(m),
    };

    cursor.skip_spaces();
    let mut caller = None;
    if cursor.eat('[') {
        cursor.skip_spaces();
        let matcher = parse_matcher(&mut cursor, FrameOffset::Caller)?
            .ok_or_else(|| cursor.error("expected a caller matcher"))?;
        cursor.skip_spaces();
        cursor.expect(']')?;
        cursor.skip_spaces();
        cursor.expect('|')?;
        caller = Some(matcher);
    }

    let mut count = 0;
    loop {
        cursor.skip_spaces();
        match parse_matcher(&mut cursor, FrameOffset::Current)? {
            Some(matcher) => {
                push(matcher);
                count += 1;
            }
            None => break,
        }
    }
    if count == 0 {
        return Err(cursor.error("expected a matcher"));
    }
    if let Some(matcher) = caller {
        push(matcher);
    }

    cursor.skip_spaces();
    if cursor.eat('|') {
        cursor.skip_spaces();
        cursor.expect('[')?;
        cursor.skip_spaces();
        let matcher = parse_matcher(&mut cursor, FrameOffset::Callee)?
            .ok_or_else(|| cursor.error("expected a callee matcher"))?;
        cursor.skip_spaces();
        cursor.expect(']')?;
        push(matcher);
    }

    let mut actions = Vec::new();
    loop {
        cursor.skip_spaces();
        if cursor.at_end() || cursor.peek() == Some('#') {
            break;
        }
        actions.push(parse_action(&mut cursor)?);
    }
    if actions.is_empty() {
        return Err(cursor.error("expected an action"));
    }

    let mut rule = Rule {
        frame_matchers,
        exception_matchers,
        actions,
        anchor: None,
        text: String::new(),
    };
    rule.text = rule.to_string();
    Ok(rule)
}

enum Matcher {
    Frame(FrameMatcher),
    Exception(ExceptionMatcher),
}

struct Cursor<'t> {
    text: &'t str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{c}`")))
        }
    }

    fn skip_spaces(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    /// Takes the longest prefix whose characters satisfy `accept`.
    fn take_while(&mut self, accept: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| !accept(c))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.text[start..self.pos]
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at column {}", self.pos + 1)
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Parses `[!]type:argument`; returns `None` (cursor untouched) if the input is not a matcher,
/// so the caller can go on with actions.
fn parse_matcher(cursor: &mut Cursor<'_>, offset: FrameOffset) -> Result<Option<Matcher>, String> {
    let start = cursor.pos;
    let negated = cursor.eat('!');
    let matcher_type = if cursor.eat('"') {
        let name = cursor
            .take_while(|c| is_ident_char(c) || c == ':' || c == ' ')
            .to_owned();
        if name.is_empty() || !cursor.eat('"') {
            cursor.pos = start;
            return Ok(None);
        }
        name
    } else {
        cursor.take_while(is_ident_char).to_owned()
    };
    if matcher_type.is_empty() || !cursor.eat(':') {
        cursor.pos = start;
        return Ok(None);
    }
    let argument = if cursor.eat('"') {
        let value = cursor.take_while(|c| c != '"').to_owned();
        if value.is_empty() || !cursor.eat('"') {
            return Err(cursor.error("unterminated or empty quoted value"));
        }
        value
    } else {
        let value = cursor.take_while(|c| !c.is_whitespace()).to_owned();
        if value.is_empty() {
            return Err(cursor.error("expected a value"));
        }
        value
    };
    let argument = argument.replace("\\\\", "\\");
    build_matcher(negated, &matcher_type, &argument, offset).map(Some)
}

fn build_matcher(
    negated: bool,
    matcher_type: &str,
    argument: &str,
    offset: FrameOffset,
) -> Result<Matcher, String> {
    let field = |field: FrameField, kind: GlobKind| -> Result<Matcher, String> {
        let source = if kind == GlobKind::Path {
            argument.replace('\\', "/")
        } else {
            argument.to_owned()
        };
        let pattern = compile_glob(&source, kind, true)
            .map_err(|e| format!("bad pattern `{argument}`: {e}"))?;
        Ok(Matcher::Frame(FrameMatcher {
            negated,
            offset,
            test: FrameTest::Field {
                field,
                pattern,
                source: glob_to_regex_source(&source, kind),
                slot: 0,
            },
            raw_pattern: argument.to_owned(),
        }))
    };
    let exception = |field: ExceptionField| -> Result<Matcher, String> {
        if offset != FrameOffset::Current {
            return Err("exception matchers cannot look at callers or callees".to_owned());
        }
        let pattern = compile_glob(argument, GlobKind::Plain, true)
            .map_err(|e| format!("bad pattern `{argument}`: {e}"))?;
        Ok(Matcher::Exception(ExceptionMatcher {
            negated,
            field,
            pattern,
            raw_pattern: argument.to_owned(),
        }))
    };
    match matcher_type {
        "stack.module" | "module" => field(FrameField::Module, GlobKind::Plain),
        "stack.function" | "function" => field(FrameField::Function, GlobKind::Plain),
        "category" => field(FrameField::Category, GlobKind::Plain),
        "stack.abs_path" | "path" => field(FrameField::Path, GlobKind::Path),
        "stack.package" | "package" => field(FrameField::Package, GlobKind::Path),
        "family" => {
            let (mut native, mut javascript, mut other) = (false, false, false);
            for family in argument.split(',') {
                match family {
                    "native" => native = true,
                    "javascript" => javascript = true,
                    "other" => other = true,
                    "all" => (native, javascript, other) = (true, true, true),
                    _ => {}
                }
            }
            Ok(Matcher::Frame(FrameMatcher {
                negated,
                offset,
                test: FrameTest::Family {
                    native,
                    javascript,
                    other,
                },
                raw_pattern: argument.to_owned(),
            }))
        }
        "app" => {
            let expected = parse_bool(argument)
                .ok_or_else(|| format!("invalid value for `app`: `{argument}`"))?;
            Ok(Matcher::Frame(FrameMatcher {
                negated,
                offset,
                test: FrameTest::InApp(expected),
                raw_pattern: argument.to_owned(),
            }))
        }
        "error.type" | "type" => exception(ExceptionField::Type),
        "error.value" | "value" => exception(ExceptionField::Value),
        "error.mechanism" | "mechanism" => exception(ExceptionField::Mechanism),
        other => Err(format!("unknown matcher `{other}`")),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "yes" | "true" => Some(true),
        "0" | "no" | "false" => Some(false),
        _ => None,
    }
}

fn parse_action(cursor: &mut Cursor<'_>) -> Result<Action, String> {
    let word = cursor
        .take_while(|c| !c.is_whitespace() && c != '=')
        .to_owned();
    if let Some(name) = ["max-frames", "min-frames", "invert-stacktrace", "category"]
        .iter()
        .find(|n| **n == word)
    {
        cursor.skip_spaces();
        cursor.expect('=')?;
        cursor.skip_spaces();
        let value = cursor.take_while(|c| !c.is_whitespace()).to_owned();
        return match *name {
            "max-frames" => value
                .parse()
                .map(Action::MaxFrames)
                .map_err(|_| cursor.error("expected a number")),
            "min-frames" => value
                .parse()
                .map(Action::MinFrames)
                .map_err(|_| cursor.error("expected a number")),
            "invert-stacktrace" => parse_bool(&value)
                .map(Action::InvertStacktrace)
                .ok_or_else(|| cursor.error("expected a boolean")),
            _ if !value.is_empty() && value.chars().all(is_ident_char) => {
                Ok(Action::Category(value))
            }
            _ => Err(cursor.error("expected a category name")),
        };
    }
    let mut rest = word.as_str();
    let range = if let Some(r) = rest.strip_prefix('^') {
        rest = r;
        Some(Range::Up)
    } else if let Some(r) = rest.strip_prefix('v') {
        rest = r;
        Some(Range::Down)
    } else {
        None
    };
    let (flag, name) = if let Some(name) = rest.strip_prefix('+') {
        (true, name)
    } else if let Some(name) = rest.strip_prefix('-') {
        (false, name)
    } else {
        return Err(cursor.error(&format!("unknown action `{word}`")));
    };
    let kind = match name {
        "app" => FlagKind::App,
        "group" => FlagKind::Group,
        "prefix" => FlagKind::Prefix,
        "sentinel" => FlagKind::Sentinel,
        _ => return Err(cursor.error(&format!("unknown action `{word}`"))),
    };
    Ok(Action::Flag { range, flag, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected_display: &str) {
        let rule = parse_rule(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(rule.to_string(), expected_display);
    }

    #[test]
    fn parses_matchers_and_actions() {
        check(
            "stack.function:runApp -app -group",
            "function:runApp -app -group",
        );
        check(
            "family:native function:std::* -app category=std",
            "family:native function:std::* -app category=std",
        );
        check(r#"path:"**/my dir/**" +app"#, "path:**/my dir/** +app");
        check("!app:yes ^-group v+group", "!app:yes ^-group v+group");
        check(
            "error.type:ChunkLoadError function:x max-frames=3 min-frames = 2",
            "type:ChunkLoadError function:x max-frames=3 min-frames=2",
        );
    }

    #[test]
    fn parses_caller_and_callee_context() {
        check(
            "[ category:std ] | category:std category=internals",
            "category:std [ category:std ] | category=internals",
        );
        check(
            "function:a | [ function:b ] -group",
            "function:a | [ function:b ] -group",
        );
    }

    #[test]
    fn trailing_comments_are_ignored() {
        check(
            "module:io.sentry.* -app -group  # the SDK itself",
            "module:io.sentry.* -app -group",
        );
    }

    #[test]
    fn rejects_malformed_rules() {
        for line in [
            "-app",
            "function:foo",
            "function:foo +apple",
            "bogus:foo -app",
            "app:maybe +app",
            "function:foo max-frames=x",
        ] {
            assert!(parse_rule(line).is_err(), "{line} should not parse");
        }
    }
}
