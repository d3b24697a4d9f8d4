//! Message normalization for grouping: keep the first two non-empty lines, then replace
//! event-specific values (emails, URLs, IPs, UUIDs, hashes, dates, numbers, ...) by `<name>`
//! placeholders, as Sentry's 2025 parameterizer does (spec §4.2/§4.3).
//!
//! The patterns form one alternation scanned left to right; at a position the first pattern in
//! the list wins. Sentry's regexes use look-arounds, which the `regex` crate lacks, so each
//! pattern here is a look-around-free regex plus a check of what the look-around asserted; a
//! pattern whose check fails does not match there and the next pattern is tried, exactly as a
//! backtracking engine would.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// One alternative of the parameterizer, in alternation order.
struct Pattern {
    /// The placeholder name: a match is replaced by `<name>`.
    name: &'static str,
    source: String,
    check: Check,
    /// The source starts with `\b`, which is checked on the full text when the pattern runs
    /// anchored on a suffix.
    leading_boundary: bool,
}

/// What a look-around of Sentry's pattern asserted, checked after the regex matched.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    None,
    /// `(?=…[0-9])`: the match contains an ASCII digit.
    HasDigit,
    /// Both look-aheads of the git sha pattern: a digit and a hex letter.
    HasDigitAndLetter,
    /// `(?<==)`: the character before the match is `=`.
    AfterEquals,
    /// `(?<![0-9a-zA-Z_])`: the character before is not an ASCII word character. The trailing
    /// `(?![0-9a-zA-Z])` is part of the regex as a consumed character outside the group.
    Ipv6,
}

const WEEKDAYS: &str = "Sun|Mon|Tue|Wed|Thu|Fri|Sat";
const MONTHS: &str = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec";
const ZONES: &str = "UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z]";
const TLDS_UPPER: &str = "COM|NET|ORG|JP|DE|UK|FR|BR|IT|RU|ES|ME|GOV|PL|CA|AU|CN|CO|IN|NL|EDU|INFO|EU|CH|ID|AT|KR|CZ|MX|BE|TV|SE|TR|TW|AL|UA|IR|VN|CL|SK|LY|CC|TO|NO|FI|US|PT|DK|AR|HU|TK|GR|IL|NEWS|RO|MY|BIZ|IE|ZA|NZ|SG|EE|TH|IO|XYZ|PE|BG|HK|RS|LT|LINK|PH|CLUB|SI|SITE|MOBI|BY|CAT|WIKI|LA|GA|XXX|CF|HR|NG|JOBS|ONLINE|KZ|UG|GQ|AE|IS|LV|PRO|FM|TIPS|MS|SA|APP";
const OCTET: &str = r"(?:25[0-5]|(?:2[0-4]|1{0,1}[0-9]){0,1}[0-9])";
const H16: &str = "[0-9a-fA-F]{1,4}";

fn patterns() -> Vec<Pattern> {
    let tlds_lower = TLDS_UPPER.to_ascii_lowercase();
    let ipv4 = format!(r"(?:{OCTET}\.){{3,3}}{OCTET}");
    let ipv6 = [
        format!("(?:{H16}:){{7,7}}{H16}"),
        format!("(?:{H16}:){{1,7}}:"),
        format!("(?:{H16}:){{1,6}}:{H16}"),
        format!("(?:{H16}:){{1,5}}(?::{H16}){{1,2}}"),
        format!("(?:{H16}:){{1,4}}(?::{H16}){{1,3}}"),
        format!("(?:{H16}:){{1,3}}(?::{H16}){{1,4}}"),
        format!("(?:{H16}:){{1,2}}(?::{H16}){{1,5}}"),
        format!("{H16}:(?:(?::{H16}){{1,6}})"),
        format!(":(?:(?::{H16}){{1,7}}|:)"),
        "fe80:(?::[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}".to_owned(),
        format!("::(?:ffff(?::0{{1,4}}){{0,1}}:){{0,1}}{ipv4}"),
        format!(r"(?:{H16}:){{1,4}}:{ipv4}\b"),
    ]
    .join("|");
    let date = [
        format!(
            r"(?:{WEEKDAYS}),\s\d{{1,2}}\s(?:{MONTHS})\s\d{{2,4}}\s\d{{1,2}}:\d{{1,2}}(?::\d{{1,2}})?\s(?:[-+]\d{{2}}[0-5]\d|(?:{ZONES}))"
        ),
        format!(r"(?:(?:{WEEKDAYS})\s)?(?:{MONTHS})\s[0-3]\d,\s\d{{2,4}}"),
        format!(
            r"(?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday),\s\d{{2}}-(?:{MONTHS})-\d{{2}}\s\d{{2}}:\d{{2}}:\d{{2}}\s(?:{ZONES})"
        ),
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?(?:[+-]?\d{2}:\d{2})?".to_owned(),
        format!(
            r"(?:{WEEKDAYS})\s(?:{MONTHS})\s\d{{2}}\s\d{{4}}\s\d{{2}}:\d{{2}}:\d{{2}}\sGMT[+-]\d{{4}}(?:\s\([^)]+\))?"
        ),
        r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d:?[0-5]\d\.\d+(?:[+-][0-2]\d:?[0-5]\d|Z)"
            .to_owned(),
        r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d:?[0-5]\d(?:[+-][0-2]\d:?[0-5]\d|Z)"
            .to_owned(),
        r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d(?:[+-][0-2]\d:?[0-5]\d|Z)".to_owned(),
        r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d:?[0-5]\d\.\d+".to_owned(),
        r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d:?[0-5]\d".to_owned(),
        r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d".to_owned(),
        r"[1-9]\d?:\d{2}(?::\d{2})?(?:\s?[aApP][Mm])?".to_owned(),
        r"\d{4}-[01]\d-[0-3]\d".to_owned(),
        r"[0-2]\d:[0-5]\d:[0-5]\d".to_owned(),
        format!(
            r"\b(?:(?:{WEEKDAYS})\s+)?(?:{MONTHS})\s+\d{{1,2}}\s+\d{{2}}:\d{{2}}:\d{{2}}\s+\d{{4}}"
        ),
        format!(
            r"\b(?:(?:{WEEKDAYS}),\s+)?(?:0[1-9]|[1-2]?\d|3[01])\s+(?:{MONTHS})\s+(?:19\d{{2}}|[2-9]\d{{3}})\s+(?:2[0-3]|[0-1]\d):[0-5]\d(?::(?:60|[0-5]\d))?\s+(?:[-+]\d{{2}}[0-5]\d|(?:{ZONES}))"
        ),
        // Sentry's pattern leaves the first dot unescaped; kept for identical matches.
        r"datetime.datetime\(.*?\)".to_owned(),
    ];

    let p = |name, source: String, check| Pattern {
        name,
        leading_boundary: source.starts_with(r"\b"),
        source,
        check,
    };
    let mut entries = vec![
        p(
            "email",
            r"[a-zA-Z0-9.!#$%\&'*+/=?\^_`{|}\~\-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*".to_owned(),
            Check::None,
        ),
        p(
            "url",
            r"\b(?:wss?|https?|ftp)://[^\s/$.?#].\S*".to_owned(),
            Check::None,
        ),
        p(
            "hostname",
            format!(r"\b(?:[a-zA-Z0-9\-]{{1,63}}\.)+?(?:(?:{TLDS_UPPER})|(?:{tlds_lower}))\b"),
            Check::None,
        ),
        p("ip", format!("(?:{ipv6})"), Check::Ipv6),
        p("ip", format!(r"\b{ipv4}\b"), Check::None),
        p(
            "traceparent",
            r"\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\b|\b1-[0-9a-f]{8}-[0-9a-f]{24}\b".to_owned(),
            Check::None,
        ),
        p(
            "uuid",
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
                .to_owned(),
            Check::None,
        ),
        p("sha1", r"\b[0-9a-fA-F]{40}\b".to_owned(), Check::None),
        p("md5", r"\b[0-9a-fA-F]{32}\b".to_owned(), Check::None),
    ];
    // Alternatives of one Sentry pattern become consecutive entries, so each entry knows
    // whether it starts with `\b` (leftmost-first alternation is associative).
    entries.extend(
        date.into_iter()
            .map(|source| p("date", source, Check::None)),
    );
    entries.extend([
        p("duration", r"\b\d+ms".to_owned(), Check::None),
        p("duration", r"\d+(?:\.\d+)?s\b".to_owned(), Check::None),
        p(
            "swift_txn_id",
            r"\btx[0-9a-f]{21}-[0-9a-f]{10}\S*".to_owned(),
            Check::None,
        ),
        p("hex", r"\b0[xX][0-9a-fA-F]+\b".to_owned(), Check::None),
        p("hex", r"\b[0-9a-f]{8,128}\b".to_owned(), Check::HasDigit),
        p("hex", r"\b[0-9A-F]{8,128}\b".to_owned(), Check::HasDigit),
        p(
            "git_sha",
            r"\b[0-9a-f]{7}\b".to_owned(),
            Check::HasDigitAndLetter,
        ),
        p("float", r"-\d+\.\d+\b".to_owned(), Check::None),
        p("float", r"\b\d+\.\d+\b".to_owned(), Check::None),
        p("int", r"-\d+\b".to_owned(), Check::None),
        p("int", r"\b\d+\b".to_owned(), Check::None),
        p(
            "quoted_str",
            r#"'[^']+'|"[^"]+""#.to_owned(),
            Check::AfterEquals,
        ),
        p(
            "bool",
            "True|true|False|false".to_owned(),
            Check::AfterEquals,
        ),
    ]);
    entries
}

/// The compiled parameterizer: one combined regex that finds where the next match may start,
/// and one anchored regex per pattern that decides which pattern matches there and how far.
/// (Asking the combined regex for capture groups instead would run a capture engine over its
/// thousands of states for every match.)
struct Parameterizer {
    patterns: Vec<Pattern>,
    combined: Regex,
    anchored: Vec<Regex>,
    /// The anchored regexes as one set: one pass tells which patterns can match at a position.
    anchored_set: RegexSet,
}

/// Regex source of one pattern; IPv6 also consumes the character its negative look-ahead
/// inspected, after the group that spans the real match.
fn source_with_lookahead(pattern: &Pattern) -> String {
    match pattern.check {
        Check::Ipv6 => format!("(?:({})(?:[^0-9a-zA-Z]|$))", pattern.source),
        _ => format!("({})", pattern.source),
    }
}

static PARAMETERIZER: LazyLock<Parameterizer> = LazyLock::new(|| {
    let patterns = patterns();
    let build = |source: &str| {
        // The sources are constants; the unit tests compile them.
        Regex::new(source)
            .unwrap_or_else(|e| panic!("parameterization regex does not compile: {e}"))
    };
    let alternatives: Vec<String> = patterns.iter().map(source_with_lookahead).collect();
    let combined = build(&alternatives.join("|"));
    let anchored_sources: Vec<String> = patterns
        .iter()
        .map(|pattern| {
            // The leading `\b` is checked on the full text instead: on a suffix it would see
            // the suffix start as the start of the text.
            let source = pattern
                .source
                .strip_prefix(r"\b")
                .unwrap_or(&pattern.source);
            let unbounded = Pattern {
                name: pattern.name,
                source: source.to_owned(),
                check: pattern.check,
                leading_boundary: false,
            };
            format!("^{}", source_with_lookahead(&unbounded))
        })
        .collect();
    let anchored = anchored_sources
        .iter()
        .map(|source| build(source))
        .collect();
    let anchored_set = RegexSet::new(&anchored_sources)
        .unwrap_or_else(|e| panic!("parameterization regex set does not compile: {e}"));
    Parameterizer {
        patterns,
        combined,
        anchored,
        anchored_set,
    }
});

impl Parameterizer {
    /// Returns the first pattern (in list order) that matches at `start`, and where its match
    /// ends.
    ///
    /// Each pattern runs anchored on `text[start..]`, which loses only the left context: the
    /// leading `\b` (checked here on the full text instead) and the look-behinds, which the
    /// checks read from `text`.
    fn match_at(
        &self,
        text: &str,
        start: usize,
        candidates: &mut [bool],
    ) -> Option<(usize, usize)> {
        let rest = &text[start..];
        candidates.fill(false);
        if !self.anchored_set.matches_read_at(candidates, rest, 0) {
            return None;
        }
        let boundary = is_word_boundary(text, start);
        for (index, pattern) in self.patterns.iter().enumerate() {
            if !candidates[index] || (pattern.leading_boundary && !boundary) {
                continue;
            }
            let regex = &self.anchored[index];
            let end = if pattern.check == Check::Ipv6 {
                let mut locations = regex.capture_locations();
                regex
                    .captures_read(&mut locations, rest)
                    .and(locations.get(1))
                    .map(|(_, e)| e)
            } else {
                regex.find(rest).map(|m| m.end())
            };
            if let Some(end) = end
                && check(pattern.check, text, start, start + end)
            {
                return Some((index, start + end));
            }
        }
        None
    }

    fn parameterize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut candidates = vec![false; self.patterns.len()];
        let mut pos = 0;
        let mut copied = 0;
        while pos <= text.len() {
            let Some(candidate) = self.combined.find_at(text, pos) else {
                break;
            };
            let start = candidate.start();
            match self.match_at(text, start, &mut candidates) {
                Some((index, end)) => {
                    out.push_str(&text[copied..start]);
                    out.push('<');
                    out.push_str(self.patterns[index].name);
                    out.push('>');
                    copied = end;
                    pos = end;
                }
                // The combined regex ignores the look-arounds, so it may stop where no pattern
                // really matches; scanning goes on from the next character.
                None => {
                    pos = start + text[start..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

fn check(check: Check, text: &str, start: usize, end: usize) -> bool {
    let matched = &text[start..end];
    let before = text[..start].chars().next_back();
    match check {
        Check::None => true,
        Check::HasDigit => matched.bytes().any(|b| b.is_ascii_digit()),
        Check::HasDigitAndLetter => {
            matched.bytes().any(|b| b.is_ascii_digit())
                && matched.bytes().any(|b| b.is_ascii_alphabetic())
        }
        Check::AfterEquals => before == Some('='),
        Check::Ipv6 => !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_'),
    }
}

/// Returns whether `\b` holds at byte offset `at`.
fn is_word_boundary(text: &str, at: usize) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text[..at].chars().next_back().is_some_and(is_word);
    let after = text[at..].chars().next().is_some_and(is_word);
    before != after
}

/// Returns the text with event-specific values replaced by placeholders.
pub fn parameterize(text: &str) -> String {
    PARAMETERIZER.parameterize(text)
}

/// Returns the first two non-empty lines of the text (stripped at both ends), followed by
/// `...` if anything was cut or stripped.
pub fn trim_message(text: &str) -> String {
    let mut kept = String::new();
    let mut lines = 0;
    for line in split_lines(text) {
        if line.chars().all(is_py_space) {
            continue;
        }
        if lines > 0 {
            kept.push('\n');
        }
        kept.push_str(line);
        lines += 1;
        if lines == 2 {
            break;
        }
    }
    let mut trimmed = kept.trim_matches(is_py_space).to_owned();
    if trimmed != text {
        trimmed.push_str("...");
    }
    trimmed
}

/// Returns the message as grouping hashes it: trimmed to two lines, then parameterized.
pub fn normalize_message(text: &str) -> String {
    parameterize(&trim_message(text))
}

/// Python's `str.isspace`.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

/// Python's `str.splitlines()`: every line boundary Python knows, `\r\n` counting once.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let boundary = rest.char_indices().find(|(_, c)| {
            matches!(
                c,
                '\n' | '\r'
                    | '\x0b'
                    | '\x0c'
                    | '\x1c'
                    | '\x1d'
                    | '\x1e'
                    | '\u{85}'
                    | '\u{2028}'
                    | '\u{2029}'
            )
        });
        match boundary {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some((at, c)) => {
                let line = &rest[..at];
                let mut skip = c.len_utf8();
                if c == '\r' && rest[at + 1..].starts_with('\n') {
                    skip += 1;
                }
                rest = &rest[at + skip..];
                Some(line)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(parameterize(input), expected, "input: {input:?}");
    }

    #[test]
    fn spec_examples() {
        check(
            "testing testing 1, 2, 3",
            "testing testing <int>, <int>, <int>",
        );
        check("0.0.0.0:80", "<ip>:<int>");
        check("Option::unwrap()", "Option::unwrap()");
        check("deadbeef 123", "deadbeef <int>");
        check("12345678", "<hex>");
        check("1234567", "<int>");
        check("9af8", "9af8");
        check("b='1'", "b=<quoted_str>");
        check("b = '1'", "b = '<int>'");
        check("a=false", "a=<bool>");
        check("a = false", "a = false");
        check("tcp://user:pass@email.com:10", "tcp://user:<email>:<int>");
        check("Encoding: utf-8", "Encoding: utf<int>");
        check("2006-01-40", "<int><int><int>");
    }

    #[test]
    fn individual_patterns() {
        check("mail jane.doe@example.com now", "mail <email> now");
        check("GET https://example.com/a?b=1 failed", "GET <url> failed");
        check("connect to api.example.com", "connect to <hostname>");
        check(
            "from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 x",
            "from <ip> x",
        );
        // An earlier IPv6 form already matches `fe80::1`, so the zone id stays.
        check("link fe80::1%eth0", "link <ip>%eth0");
        check("addr ::1", "addr <ip>");
        check("Foo::bar()", "Foo::bar()");
        check(
            "trace 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "trace <traceparent>",
        );
        check("id 7b9c4a0e-1f6b-4c5e-9a5d-3e2f1b0c9d8a", "id <uuid>");
        check("sha 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", "sha <sha1>");
        check("md5 d41d8cd98f00b204e9800998ecf8427e", "md5 <md5>");
        check("at 2024-01-02T03:04:05Z", "at <date>");
        check("at 2024-01-02 03:04:05.123+01:00", "at <date>");
        check("at 3:04 PM", "at <date>");
        check("took 15ms and 2.5s", "took <duration> and <duration>");
        check("ptr 0x7fff5fbff8c8", "ptr <hex>");
        check("commit abc1234 ok", "commit <git_sha> ok");
        check("commit 1234567.5", "commit <float>");
        check("temp -3.5 and 2.25", "temp <float> and <float>");
        check("deadbeefcafe", "deadbeefcafe");
        check(
            "x='a' y=\"b\" z=True",
            "x=<quoted_str> y=<quoted_str> z=<bool>",
        );
        check("a=true.com", "a=<hostname>");
        check("x_-b.com", "x_<hostname>");
        check("abc10s", "abc<duration>");
        check("x1.5", "x1.<int>");
    }

    #[test]
    fn keeps_two_non_empty_lines() {
        assert_eq!(trim_message("one"), "one");
        assert_eq!(trim_message("one\n\n  \ntwo\nthree"), "one\ntwo...");
        assert_eq!(trim_message("  one  "), "one...");
        assert_eq!(trim_message("a\r\nb"), "a\nb...");
        assert_eq!(trim_message(""), "");
        assert_eq!(
            normalize_message("Loading chunk 158 failed.\n(timeout: https://x.io/a.js)"),
            "Loading chunk <int> failed.\n(timeout: <url>"
        );
    }
}
