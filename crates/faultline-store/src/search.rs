//! Sentry's issue search syntax, parsed into [`IssueSearch`] (pure: no SQL here; the store
//! compiles it in `sqlite/queries/search.rs`).
//!
//! A query is whitespace-separated terms. `key:value` filters (`!key:value` negates), values may
//! be quoted (`key:"a b"`) and may hold `*` wildcards; every other word is free text, matched
//! as one phrase against title and culprit. Keys with a meaning of their own: `is:` (status and
//! inbox), `level:`, `assigned:`, `age:` / `firstSeen:` / `lastSeen:` (relative `-24h` = within
//! the last 24 hours, `+7d` = longer ago than 7 days; or `>`/`>=`/`<`/`<=` an absolute date or
//! time; a bare date is that whole day), `timesSeen:` (`>N`, `<=N`, `N`, ...), `user.email:`;
//! any other key is a tag (`release:` and `environment:` included).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// A parsed issue search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IssueSearch {
    pub filters: Vec<Filter>,
    /// Free text (the words that are not filters, joined by single spaces), if any.
    pub text: Option<String>,
}

/// One `[!]key:value` term.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub negated: bool,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Is(IsValue),
    Level(Pattern),
    /// `assigned:` a user (`me`, an e-mail, `#team`, ...): kept as written.
    Assigned(String),
    FirstSeen(Bound<DateTime<Utc>>),
    LastSeen(Bound<DateTime<Utc>>),
    TimesSeen(Bound<i64>),
    UserEmail(Pattern),
    Tag {
        key: String,
        value: Pattern,
    },
}

/// The values `is:` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsValue {
    Unresolved,
    Resolved,
    /// `ignored`, `archived` and `muted` are one status.
    Ignored,
    Assigned,
    Unassigned,
    /// Sentry's inbox: unresolved issues that are new (7 days), regressed or escalating.
    ForReview,
}

/// A comparison on an ordered field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound<T> {
    After(T),
    AtOrAfter(T),
    Before(T),
    AtOrBefore(T),
    Equal(T),
    /// `[start, end)`, for a bare date.
    Within(T, T),
}

/// A value to match exactly, or with `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Exact(String),
    /// The value as written, `*` meaning any run of characters.
    Wildcard(String),
}

impl Pattern {
    fn new(value: String) -> Pattern {
        if value.contains('*') {
            Pattern::Wildcard(value)
        } else {
            Pattern::Exact(value)
        }
    }
}

/// Why a query could not be parsed; the message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SearchError(String);

/// Parses `query` as of `now` (relative dates count back from it).
pub fn parse(query: &str, now: DateTime<Utc>) -> Result<IssueSearch, SearchError> {
    let mut search = IssueSearch::default();
    let mut words: Vec<String> = Vec::new();
    for token in tokenize(query)? {
        match token {
            Token::Word(word) => words.push(word),
            Token::Filter {
                negated,
                key,
                value,
            } => search.filters.push(Filter {
                negated,
                condition: condition(&key, value, now)?,
            }),
        }
    }
    if !words.is_empty() {
        search.text = Some(words.join(" "));
    }
    Ok(search)
}

enum Token {
    Word(String),
    Filter {
        negated: bool,
        key: String,
        value: String,
    },
}

fn tokenize(query: &str) -> Result<Vec<Token>, SearchError> {
    let mut tokens = Vec::new();
    let mut chars = query.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(tokens);
        };
        if first == '"' {
            chars.next();
            tokens.push(Token::Word(quoted(&mut chars)?));
            continue;
        }
        let mut head = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ':') {
            head.push(c);
        }
        if chars.next_if_eq(&':').is_none() {
            tokens.push(Token::Word(head));
            continue;
        }
        let (negated, key) = match head.strip_prefix('!') {
            Some(key) => (true, key.to_owned()),
            None => (false, head),
        };
        if key.is_empty() {
            return Err(SearchError("a filter needs a key before ':'".into()));
        }
        let value = if chars.next_if_eq(&'"').is_some() {
            quoted(&mut chars)?
        } else {
            let mut value = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(c);
            }
            value
        };
        if value.is_empty() {
            return Err(SearchError(format!("the filter {key}: has no value")));
        }
        tokens.push(Token::Filter {
            negated,
            key,
            value,
        });
    }
}

/// Reads a quoted string after its opening quote; `\"` and `\\` escape.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, SearchError> {
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(out),
            '\\' => match chars.next() {
                Some(escaped) => out.push(escaped),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(SearchError(
        "a quoted value is not closed: add the closing '\"'".into(),
    ))
}

fn condition(key: &str, value: String, now: DateTime<Utc>) -> Result<Condition, SearchError> {
    Ok(match key {
        "is" => Condition::Is(is_value(&value)?),
        "level" => Condition::Level(Pattern::new(value)),
        "assigned" | "assigned_to" => Condition::Assigned(value),
        "age" | "firstSeen" | "first_seen" => Condition::FirstSeen(date_bound(key, &value, now)?),
        "lastSeen" | "last_seen" => Condition::LastSeen(date_bound(key, &value, now)?),
        "timesSeen" | "times_seen" => Condition::TimesSeen(number_bound(key, &value)?),
        "user.email" => Condition::UserEmail(Pattern::new(value)),
        _ => Condition::Tag {
            key: key.to_owned(),
            value: Pattern::new(value),
        },
    })
}

fn is_value(value: &str) -> Result<IsValue, SearchError> {
    Ok(match value {
        "unresolved" => IsValue::Unresolved,
        "resolved" => IsValue::Resolved,
        "ignored" | "archived" | "muted" => IsValue::Ignored,
        "assigned" => IsValue::Assigned,
        "unassigned" => IsValue::Unassigned,
        "for_review" | "inbox" => IsValue::ForReview,
        other => {
            return Err(SearchError(format!(
                "is:{other} is not a known status: use unresolved, resolved, ignored, archived, \
                 assigned, unassigned or for_review"
            )));
        }
    })
}

/// Splits a leading comparison operator off a value.
fn operator(value: &str) -> (&str, &str) {
    for op in [">=", "<=", ">", "<", "="] {
        if let Some(rest) = value.strip_prefix(op) {
            return (op, rest);
        }
    }
    ("", value)
}

fn number_bound(key: &str, value: &str) -> Result<Bound<i64>, SearchError> {
    let (op, number) = operator(value);
    let n: i64 = number.parse().map_err(|_| {
        SearchError(format!(
            "{key}:{value} needs a whole number, optionally after >, >=, < or <="
        ))
    })?;
    Ok(match op {
        ">" => Bound::After(n),
        ">=" => Bound::AtOrAfter(n),
        "<" => Bound::Before(n),
        "<=" => Bound::AtOrBefore(n),
        _ => Bound::Equal(n),
    })
}

fn date_bound(
    key: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<Bound<DateTime<Utc>>, SearchError> {
    let bad = || {
        SearchError(format!(
            "{key}:{value} is not a date: use a relative time (-24h, +7d; units m, h, d, w) or \
             a date (2026-01-31, 2026-01-31T12:00:00) after >, >=, < or <="
        ))
    };
    let (op, rest) = operator(value);
    if op.is_empty() || op == "=" {
        // Relative: `-24h` is "within the last 24 hours", `+24h` "more than 24 hours ago".
        if let Some(sign @ ('-' | '+')) = rest.chars().next() {
            let span = relative(&rest[1..]).ok_or_else(bad)?;
            let at = now - span;
            return Ok(if sign == '-' {
                Bound::AtOrAfter(at)
            } else {
                Bound::Before(at)
            });
        }
        let at = absolute(rest).ok_or_else(bad)?;
        return Ok(if rest.len() == "2026-01-31".len() {
            Bound::Within(at, at + Duration::days(1))
        } else {
            Bound::Equal(at)
        });
    }
    let at = match rest.strip_prefix('-') {
        Some(span) => now - relative(span).ok_or_else(bad)?,
        None => absolute(rest).ok_or_else(bad)?,
    };
    Ok(match op {
        ">" => Bound::After(at),
        ">=" => Bound::AtOrAfter(at),
        "<" => Bound::Before(at),
        _ => Bound::AtOrBefore(at),
    })
}

/// `30m`, `24h`, `7d`, `2w` as a duration.
fn relative(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let amount: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    match unit {
        's' => Duration::try_seconds(amount),
        'm' => Duration::try_minutes(amount),
        'h' => Duration::try_hours(amount),
        'd' => Duration::try_days(amount),
        'w' => Duration::try_weeks(amount),
        _ => None,
    }
}

/// A date (midnight UTC), a naive date-time (UTC) or an RFC 3339 time.
fn absolute(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        absolute("2026-06-15T12:00:00Z").unwrap()
    }

    fn filters(query: &str) -> Vec<Filter> {
        parse(query, now()).unwrap().filters
    }

    fn one(query: &str) -> Condition {
        let mut all = filters(query);
        assert_eq!(all.len(), 1, "{query}");
        all.remove(0).condition
    }

    #[test]
    fn filters_text_and_negation() {
        let search = parse(
            "is:unresolved level:error  database timeout !browser:Firefox",
            now(),
        )
        .unwrap();
        assert_eq!(search.text.as_deref(), Some("database timeout"));
        assert_eq!(
            search.filters,
            vec![
                Filter {
                    negated: false,
                    condition: Condition::Is(IsValue::Unresolved)
                },
                Filter {
                    negated: false,
                    condition: Condition::Level(Pattern::Exact("error".into()))
                },
                Filter {
                    negated: true,
                    condition: Condition::Tag {
                        key: "browser".into(),
                        value: Pattern::Exact("Firefox".into())
                    }
                },
            ]
        );
        assert_eq!(parse("", now()).unwrap(), IssueSearch::default());
    }

    #[test]
    fn quoted_values_and_wildcards() {
        assert_eq!(
            one(r#"release:"shop 1.0""#),
            Condition::Tag {
                key: "release".into(),
                value: Pattern::Exact("shop 1.0".into())
            }
        );
        assert_eq!(
            one("release:shop@1.*"),
            Condition::Tag {
                key: "release".into(),
                value: Pattern::Wildcard("shop@1.*".into())
            }
        );
        assert_eq!(
            one("user.email:*@example.com"),
            Condition::UserEmail(Pattern::Wildcard("*@example.com".into()))
        );
        let search = parse(r#""exact phrase" more"#, now()).unwrap();
        assert_eq!(search.text.as_deref(), Some("exact phrase more"));
        assert_eq!(
            one(r#"message:"say \"hi\"""#),
            Condition::Tag {
                key: "message".into(),
                value: Pattern::Exact("say \"hi\"".into())
            }
        );
    }

    #[test]
    fn is_values_and_aliases() {
        for (text, value) in [
            ("unresolved", IsValue::Unresolved),
            ("resolved", IsValue::Resolved),
            ("ignored", IsValue::Ignored),
            ("archived", IsValue::Ignored),
            ("muted", IsValue::Ignored),
            ("assigned", IsValue::Assigned),
            ("unassigned", IsValue::Unassigned),
            ("for_review", IsValue::ForReview),
        ] {
            assert_eq!(one(&format!("is:{text}")), Condition::Is(value));
        }
    }

    #[test]
    fn dates_relative_and_absolute() {
        let day_ago = now() - Duration::hours(24);
        assert_eq!(
            one("age:-24h"),
            Condition::FirstSeen(Bound::AtOrAfter(day_ago))
        );
        assert_eq!(
            one("lastSeen:+7d"),
            Condition::LastSeen(Bound::Before(now() - Duration::days(7)))
        );
        assert_eq!(
            one("firstSeen:>-24h"),
            Condition::FirstSeen(Bound::After(day_ago))
        );
        let jan = absolute("2026-01-01").unwrap();
        assert_eq!(
            one("firstSeen:>=2026-01-01"),
            Condition::FirstSeen(Bound::AtOrAfter(jan))
        );
        assert_eq!(
            one("lastSeen:2026-01-01"),
            Condition::LastSeen(Bound::Within(jan, jan + Duration::days(1)))
        );
        assert_eq!(
            one("lastSeen:<2026-01-01T06:30:00"),
            Condition::LastSeen(Bound::Before(jan + Duration::minutes(390)))
        );
        assert_eq!(
            one("lastSeen:<=2026-01-01T06:30:00+02:00"),
            Condition::LastSeen(Bound::AtOrBefore(jan + Duration::minutes(270)))
        );
        assert_eq!(
            one("age:-2w"),
            Condition::FirstSeen(Bound::AtOrAfter(now() - Duration::weeks(2)))
        );
    }

    #[test]
    fn times_seen_comparisons() {
        assert_eq!(one("timesSeen:>10"), Condition::TimesSeen(Bound::After(10)));
        assert_eq!(
            one("timesSeen:<=3"),
            Condition::TimesSeen(Bound::AtOrBefore(3))
        );
        assert_eq!(one("timesSeen:5"), Condition::TimesSeen(Bound::Equal(5)));
    }

    #[test]
    fn malformed_queries_say_what_is_wrong() {
        let error = |q: &str| parse(q, now()).unwrap_err().to_string();
        assert!(error("is:bogus").contains("is:bogus is not a known status"));
        assert!(error("timesSeen:>lots").contains("needs a whole number"));
        assert!(error("age:-3x").contains("is not a date"));
        assert!(error("lastSeen:yesterday").contains("is not a date"));
        assert!(error(r#"release:"unclosed"#).contains("not closed"));
        assert!(error(":value").contains("needs a key"));
        assert!(error("level:").contains("has no value"));
        assert!(error(r#""open phrase"#).contains("not closed"));
    }
}
