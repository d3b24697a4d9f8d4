//! Function-name trimming for native platforms and C#: reduces a demangled signature such as
//! `<Foo as Bar>::baz<T>(int) const` to the name that identifies the function (`Foo::baz<T>`),
//! so the same function groups the same across compilers and argument lists.

use std::sync::LazyLock;

use regex::Regex;

static WINDOWS_DECORATION: LazyLock<Regex> = LazyLock::new(|| re(r"^@?(.*?)@[0-9]+$"));
static RUST_HASH: LazyLock<Regex> = LazyLock::new(|| re(r"::h[a-z0-9]{16}$"));
static GNU_VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"@@?GLIBC_([0-9.]+)$"));
static CPP_TRAILER: LazyLock<Regex> = LazyLock::new(|| re(r"(?:\bconst\b|&)$"));
static RUST_BLANKET: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Z] as "));
/// gcc `{lambda(...)#N}`, MSVC `lambda_<32 hex>` and clang `$_N` lambda names.
static LAMBDA: LazyLock<Regex> =
    LazyLock::new(|| re(r"\{lambda\(.*?\)#\d+\}|\blambda_[a-f0-9]{32}\b|\$_\d+\b"));
static LAMBDA_AT_START: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:\{lambda\(.*?\)#\d+\}|\blambda_[a-f0-9]{32}\b|\$_\d+\b)"));
/// MSVC's inline anonymous namespaces (`?A0x<8 hex>::`).
static ANON_NAMESPACE: LazyLock<Regex> = LazyLock::new(|| re(r"\?A0x[a-f0-9]{8}::"));

fn re(pattern: &str) -> Regex {
    // The patterns are constants checked by the tests below.
    Regex::new(pattern).unwrap_or_else(|e| panic!("function trim regex {pattern}: {e}"))
}

// Placeholders keep operators and arrows out of the bracket balancing, as Sentry does.
const OP_LSHIFT: (&str, &str) = ("operator<<", "operator⟨⟨");
const OP_LT: (&str, &str) = ("operator<", "operator⟨");
const OP_CALL: (&str, &str) = ("operator()", "operator◯");
const OP_ARROW: (&str, &str) = ("operator->", "operator⟿");
const ARROW: (&str, &str) = (" -> ", " ⟿ ");
const ANON_NS: (&str, &str) = ("`anonymous namespace'", "〔anonymousnamespace〕");

/// Returns the trimmed function name for the platform (`function` unchanged for platforms that
/// are not trimmed).
pub fn trim_function_name(function: &str, platform: Option<&str>) -> String {
    match platform {
        Some("csharp") => trim_csharp(function).to_owned(),
        Some("objc" | "cocoa" | "swift" | "native" | "c") => trim_native(function, platform),
        _ => function.to_owned(),
    }
}

/// Returns whether functions of this platform are trimmed at all.
pub fn is_trimmed_platform(platform: Option<&str>) -> bool {
    matches!(
        platform,
        Some("csharp" | "objc" | "cocoa" | "swift" | "native" | "c")
    )
}

/// Drops a C# signature: everything from the first ` (`.
fn trim_csharp(function: &str) -> &str {
    function.split_once(" (").map_or(function, |(name, _)| name)
}

fn trim_native(original: &str, platform: Option<&str>) -> String {
    if original == "<redacted>" || original == "<unknown>" {
        return original.to_owned();
    }
    let mut function = original.trim().to_owned();
    if function.starts_with('[') || function.starts_with("+[") || function.starts_with("-[") {
        return function;
    }

    // `[clone .cold]` style suffixes of split functions go away; other brackets stay.
    function = replace_enclosed(&function, '[', ']', &mut |inner, _| {
        if inner.starts_with("clone .") {
            String::new()
        } else {
            format!("[{inner}]")
        }
    })
    .trim_end()
    .to_owned();

    while let Some(found) = CPP_TRAILER.find(&function) {
        function = function[..found.start()].trim_end().to_owned();
    }

    for (from, to) in [OP_LSHIFT, OP_LT, OP_CALL, OP_ARROW, ARROW, ANON_NS] {
        if function.contains(from) {
            function = function.replace(from, to);
        }
    }
    if function.contains("lambda") || function.contains("$_") {
        function = LAMBDA.replace_all(&function, "lambda").into_owned();
    }
    if function.contains("?A0x") {
        function = ANON_NAMESPACE
            .replace_all(&function, "〔anonymousnamespace〕::")
            .into_owned();
    }

    function = replace_enclosed(&function, '(', ')', &mut |inner, _| {
        let inner = inner.trim();
        if inner == "anonymous namespace" || inner == "operator" {
            format!("({inner})")
        } else {
            String::new()
        }
    });
    function = replace_enclosed(&function, '<', '>', &mut process_generics);

    let is_thunk = function.contains("thunk for ");
    let mut tokens = split_func_tokens(&function);
    if tokens.len() > 1 && tokens.last().map(String::as_str) == Some("<T>") {
        tokens.pop();
        if let Some(last) = tokens.last_mut() {
            last.push_str(" <T>");
        }
    }

    let func_token = if function.contains("initialization expression of") {
        swift_initializer_token(&tokens)
    } else if tokens.is_empty() {
        None
    } else {
        Some(arrow_token(&tokens))
    };

    let mut function = match func_token {
        Some(mut token) if !token.is_empty() => {
            if token.starts_with('@') && matches!(platform, Some("cocoa" | "swift")) {
                token = format!("{}closure", if is_thunk { "thunk for " } else { "" });
            } else if token != "closure" && tokens.iter().any(|t| t == "closure") {
                token = format!("closure in {token}");
            }
            token
                .replace('⟨', "<")
                .replace('◯', "()")
                .replace('⟿', "->")
                .replace("〔anonymousnamespace〕", "`anonymous namespace'")
        }
        _ => original.to_owned(),
    };

    if function.contains("::h") {
        function = RUST_HASH.replace(&function, "").into_owned();
    }
    if function.contains("@GLIBC_") {
        function = GNU_VERSION.replace(&function, "").into_owned();
    }
    if function.contains('@') {
        function = WINDOWS_DECORATION.replace(&function, "$1").into_owned();
    }
    function
}

/// Resolves `<...>`: a leading generic (Rust `<Foo as Bar>`) becomes its self type, later ones
/// become `<T>`, lambdas are kept.
fn process_generics(inner: &str, start: usize) -> String {
    if inner == "lambda" || LAMBDA_AT_START.is_match(inner) {
        return format!("<{inner}>");
    }
    if start > 0 {
        return "<T>".to_owned();
    }
    let inner = RUST_BLANKET.replace(inner, "");
    let inner = replace_enclosed(&inner, '<', '>', &mut process_generics);
    inner
        .split_once(" as ")
        .map_or(inner.clone(), |(self_type, _)| self_type.to_owned())
}

/// Returns the token left of the last ` -> ` (Swift return arrow), or the last token.
fn arrow_token(tokens: &[String]) -> String {
    let last = tokens.last().cloned().unwrap_or_default();
    let Some(arrow) = tokens.iter().rposition(|t| t == "⟿") else {
        return last;
    };
    // Python list indexing wraps negative indices; keep that for the odd `-> x` input.
    let at = |offset: usize| -> Option<&String> {
        let len = tokens.len() as isize;
        let index = arrow as isize - offset as isize;
        let index = if index < 0 { index + len } else { index };
        usize::try_from(index).ok().and_then(|i| tokens.get(i))
    };
    match at(1) {
        Some(token) if token == "throws" => at(2).cloned().unwrap_or(last),
        Some(token) => token.clone(),
        None => last,
    }
}

/// Returns the name for Swift `initialization expression of` symbols.
fn swift_initializer_token(tokens: &[String]) -> Option<String> {
    let of = tokens.iter().rposition(|t| t == "of")?;
    let mut token = tokens.get(of + 1)?.as_str();
    if token == "static" {
        token = tokens.get(of + 2)?.as_str();
    }
    let token = token.strip_prefix(':').unwrap_or(token);
    Some(format!("initializer expression of {token}"))
}

/// Replaces every top-level `start ... end` span by what `replacement` returns for its inner
/// text and (character) position, dropping everything inside. Unbalanced input behaves as in
/// Sentry: an unclosed `start` swallows the rest, a stray `end` makes the following text vanish
/// until balance returns.
fn replace_enclosed(
    s: &str,
    start: char,
    end: char,
    replacement: &mut dyn FnMut(&str, usize) -> String,
) -> String {
    if !s.contains(start) {
        return s.to_owned();
    }
    let mut depth: i64 = 0;
    let mut out = String::with_capacity(s.len());
    let mut pair_start: Option<(usize, usize)> = None; // (char index, byte index after `start`)
    for (char_index, (byte_index, c)) in s.char_indices().enumerate() {
        if c == start {
            if depth == 0 {
                pair_start = Some((char_index, byte_index + c.len_utf8()));
            }
            depth += 1;
        } else if c == end {
            depth -= 1;
            if depth == 0
                && let Some((position, inner_start)) = pair_start
            {
                out.push_str(&replacement(&s[inner_start..byte_index], position));
            }
        } else if depth == 0 {
            out.push(c);
        }
    }
    out
}

/// Splits a signature into whitespace-separated tokens, keeping bracketed groups together.
fn split_func_tokens(s: &str) -> Vec<String> {
    if !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '(' | '{' | '<' | '['))
    {
        return vec![s.to_owned()];
    }
    let closer = |c: char| match c {
        '(' => Some(')'),
        '{' => Some('}'),
        '[' => Some(']'),
        '<' => Some('>'),
        _ => None,
    };
    let mut tokens = Vec::new();
    let mut buf = String::new();
    let mut stack: Vec<char> = Vec::new();
    let mut end = 0;
    for (index, c) in s.char_indices() {
        let next = index + c.len_utf8();
        if let Some(close) = closer(c) {
            stack.push(close);
        } else if stack.last() == Some(&c) {
            stack.pop();
            if stack.is_empty() {
                buf.push_str(&s[end..next]);
                end = next;
            }
        } else if stack.is_empty() {
            if c.is_whitespace() {
                if !buf.is_empty() {
                    tokens.push(std::mem::take(&mut buf));
                }
            } else {
                buf.push_str(&s[end..next]);
            }
            end = next;
        }
    }
    if !buf.is_empty() {
        tokens.push(buf);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(
            trim_function_name(input, Some("native")),
            expected,
            "input: {input}"
        );
    }

    #[test]
    fn cpp_signatures() {
        check("void foo::bar(int) const", "foo::bar");
        check(
            "std::vector<int>::push_back(int const&)",
            "std::vector<T>::push_back",
        );
        check(
            "foo::bar::{lambda(int)#1}::operator()(int) const",
            "foo::bar::lambda::operator()",
        );
        check("operator<<(std::ostream&, Foo const&)", "operator<<");
        check("(anonymous namespace)::foo()", "(anonymous namespace)::foo");
        check("`anonymous namespace'::foo", "`anonymous namespace'::foo");
        check("foo(int) [clone .cold]", "foo");
        check("unsigned int whatever(char*)", "whatever");
        check("_ZN3foo3barEv", "_ZN3foo3barEv");
        check("main::$_0::operator()() const", "main::lambda::operator()");
    }

    #[test]
    fn rust_symbols() {
        check(
            "<sentry::integrations::log::Logger as log::Log>::log",
            "sentry::integrations::log::Logger::log",
        );
        check(
            "std::rt::lang_start::{{closure}}",
            "std::rt::lang_start::{{closure}}",
        );
        check(
            "core::ptr::drop_in_place::h1234567890abcdef",
            "core::ptr::drop_in_place",
        );
        check("<T as core::any::Any>::type_id", "core::any::Any::type_id");
    }

    #[test]
    fn truncated_and_decorated_names() {
        check("foo::bar<int, std::allocator<int...", "foo::bar");
        check("@fastcall_fn@8", "fastcall_fn");
        check("memcpy@GLIBC_2.14", "memcpy");
        check("<redacted>", "<redacted>");
        check("-[UIApplication sendEvent:]", "-[UIApplication sendEvent:]");
    }

    #[test]
    fn swift_symbols() {
        assert_eq!(
            trim_function_name("@objc ViewController.buttonTapped(_:) -> ()", Some("swift")),
            "ViewController.buttonTapped"
        );
        assert_eq!(
            trim_function_name(
                "closure #1 (Swift.Bool) -> () in MyApp.ViewController.viewDidLoad() -> ()",
                Some("swift")
            ),
            "closure in MyApp.ViewController.viewDidLoad"
        );
    }

    #[test]
    fn csharp_drops_the_signature() {
        assert_eq!(
            trim_function_name("Foo.Bar (System.String a)", Some("csharp")),
            "Foo.Bar"
        );
        assert_eq!(
            trim_function_name("Object.foo", Some("javascript")),
            "Object.foo"
        );
    }
}
