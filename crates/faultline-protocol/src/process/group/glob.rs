//! Glob patterns of stack-trace rules and fingerprint rules, translated to anchored regexes.
//!
//! Two flavours exist. *Path* globs (`path`, `package`, `release` matchers) use `/` as separator:
//! `*` and `?` stay within one segment, `**` crosses segments and `**/` also matches no directory
//! at all. *Plain* globs (function, module, type, value, message, ...) let `*` match anything.
//! Both support `[abc]` / `[!abc]` classes and backslash escapes; matching is on the whole value.

use regex::{Regex, RegexBuilder};

/// Which glob flavour a matcher uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobKind {
    /// `/`-separated: `*` does not cross `/`, `**` does.
    Path,
    /// Free text: `*` matches anything, `**` is the same as `*`.
    Plain,
}

/// Compiled size limit for one glob's regex; rule patterns are short, this only guards against
/// pathological project rules.
const GLOB_REGEX_BYTES_MAX: usize = 1 << 20;

/// Returns the regex source for a glob pattern (anchored, no flags).
pub fn glob_to_regex_source(pattern: &str, kind: GlobKind) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() * 2 + 2);
    out.push('^');
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                let double = chars.get(i + 1) == Some(&'*');
                if double && kind == GlobKind::Path {
                    let at_segment_start = i == 0 || chars[i - 1] == '/';
                    if at_segment_start && chars.get(i + 2) == Some(&'/') {
                        // `**/` matches zero or more leading directories.
                        out.push_str("(?:.*/)?");
                        i += 3;
                        continue;
                    }
                    out.push_str(".*");
                    i += 2;
                    continue;
                }
                if double {
                    i += 1;
                }
                out.push_str(if kind == GlobKind::Path {
                    "[^/]*"
                } else {
                    ".*"
                });
            }
            '?' => out.push_str(if kind == GlobKind::Path { "[^/]" } else { "." }),
            '[' => match class_end(&chars, i) {
                Some(end) => {
                    push_class(&mut out, &chars[i + 1..end]);
                    i = end;
                }
                None => out.push_str("\\["),
            },
            '\\' if i + 1 < chars.len() => {
                i += 1;
                push_literal(&mut out, chars[i]);
            }
            c => push_literal(&mut out, c),
        }
        i += 1;
    }
    out.push('$');
    out
}

/// Compiles a glob; `case_insensitive` folds case on both sides.
pub fn compile_glob(
    pattern: &str,
    kind: GlobKind,
    case_insensitive: bool,
) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&glob_to_regex_source(pattern, kind))
        .case_insensitive(case_insensitive)
        .dot_matches_new_line(true)
        .size_limit(GLOB_REGEX_BYTES_MAX)
        .build()
}

/// Returns the index of the `]` closing the class opened at `start`, if any.
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if chars.get(i) == Some(&'!') {
        i += 1;
    }
    // A `]` right after the opening (or after `!`) is a literal member.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        if chars[i] == ']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn push_class(out: &mut String, members: &[char]) {
    out.push('[');
    let mut members = members;
    if members.first() == Some(&'!') {
        out.push('^');
        members = &members[1..];
    }
    for &c in members {
        // Inside a regex class only these need escaping; `-` keeps its range meaning.
        if matches!(c, '\\' | '[' | ']' | '^' | '&' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(']');
}

fn push_literal(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, kind: GlobKind, value: &str) -> bool {
        compile_glob(pattern, kind, true)
            .map(|re| re.is_match(value))
            .unwrap_or(false)
    }

    #[test]
    fn path_globs_keep_star_within_a_segment() {
        assert!(check(
            "**/node_modules/**",
            GlobKind::Path,
            "/app/node_modules/express/app.js"
        ));
        assert!(check(
            "**/node_modules/**",
            GlobKind::Path,
            "node_modules/x.js"
        ));
        assert!(!check("*.js", GlobKind::Path, "/a/b.js"));
        assert!(check("/a/*.js", GlobKind::Path, "/a/B.JS"));
        assert!(check(
            "webpack:/**",
            GlobKind::Path,
            "webpack:///./src/button.js"
        ));
        assert!(check(
            "?:/windows/**",
            GlobKind::Path,
            "c:/windows/system32/kernel32.dll"
        ));
    }

    #[test]
    fn plain_globs_let_star_match_anything() {
        assert!(check(
            "std::*",
            GlobKind::Plain,
            "std::rt::lang_start::{{closure}}"
        ));
        assert!(check(
            "@babel/**",
            GlobKind::Plain,
            "@babel/runtime/helpers/asyncToGenerator"
        ));
        assert!(check(
            "ChunkLoadError*",
            GlobKind::Plain,
            "ChunkLoadError: x\nmore"
        ));
        assert!(!check(
            "__rust_*",
            GlobKind::Plain,
            "___rust_maybe_catch_panic"
        ));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(check("[ab]c", GlobKind::Plain, "bc"));
        assert!(check("[!ab]c", GlobKind::Plain, "xc"));
        assert!(!check("[!ab]c", GlobKind::Plain, "ac"));
        assert!(check("a\\*", GlobKind::Plain, "a*"));
        assert!(!check("a\\*", GlobKind::Plain, "ab"));
        assert!(check("a[", GlobKind::Plain, "a["));
    }
}
