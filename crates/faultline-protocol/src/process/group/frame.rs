//! The `frame` component: `module`, `filename`, `function` and (for some platforms)
//! `context_line`, each cleaned of platform-specific noise (spec §3.3).

use std::sync::LazyLock;

use regex::Regex;

use super::component::Component;
use super::enhancements::Family;
use super::function_trim::{is_trimmed_platform, trim_function_name};
use super::view::Frame;

/// Platforms whose context lines are trusted enough to group by.
const CONTEXT_LINE_PLATFORMS: [&str; 5] = ["javascript", "node", "python", "php", "ruby"];

/// Context lines longer than this (in characters) are minified code and never grouped by.
const CONTEXT_LINE_CHARS_MAX: usize = 120;

fn re(pattern: &str) -> Regex {
    // Constant patterns, compiled in the unit tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("frame regex {pattern}: {e}"))
}

static RUBY_ERB_SUFFIX: LazyLock<Regex> = LazyLock::new(|| re(r"__\d{4,}_\d{4,}$"));
static JAVA_REFLECT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(sun\.reflect\.Generated(?:Serialization)?ConstructorAccessor)\d+"));
static JAVA_CGLIB: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\$\$[\w_]+?CGLIB\$\$)[a-fA-F0-9]+(?:_[0-9]+)?"));
static JAVASSIST: LazyLock<Regex> = LazyLock::new(|| re(r"(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?"));
static CLOJURE_FN: LazyLock<Regex> = LazyLock::new(|| re(r"(\$fn__)\d+"));
static JAVA_ENHANCER_BY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\$\$?EnhancerBy[\w_]+?\$?\$)[a-fA-F0-9]+(?:_[0-9]+)?"));
static JAVA_FAST_CLASS_BY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\$\$?FastClassBy[\w_]+?\$?\$)[a-fA-F0-9]+(?:_[0-9]+)?"));
static JAVA_HIBERNATE_PROXY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\$\$?HibernateProxy\$?\$)\w+(?:_[0-9]+)?"));

/// Returns whether a path is a URL (`http:`, `https:`, `applewebdata:`, `blob:`, and `file:`
/// when `files_count_as_urls`).
pub fn has_url_origin(path: Option<&str>, files_count_as_urls: bool) -> bool {
    let Some(path) = path else { return false };
    if ["http:", "https:", "applewebdata:", "blob:"]
        .iter()
        .any(|scheme| path.starts_with(scheme))
    {
        return true;
    }
    files_count_as_urls && path.starts_with("file:")
}

/// Returns the basename after the last `/` or `\`.
pub fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Builds the frame component for one (normalized) frame.
pub fn frame_component(frame: &Frame<'_>, event_platform: Option<&str>) -> Component {
    let platform = frame.platform.or(event_platform);
    let family = Family::of_platform(platform);

    let mut filename = filename_component(frame, platform);
    let module = module_component(frame, platform);
    if module.contributes && filename.contributes {
        filename.switch_off("ignored because module takes precedence");
    }
    let context_line = match frame.context_line {
        Some(line)
            if !line.is_empty()
                && platform.is_some_and(|p| CONTEXT_LINE_PLATFORMS.contains(&p)) =>
        {
            Some(context_line_component(frame, line, family))
        }
        _ => None,
    };
    let context_line_contributes = context_line.as_ref().is_some_and(|c| c.contributes);
    let function = function_component(frame, platform, family, context_line_contributes);

    let mut children = vec![module, filename, function];
    children.extend(context_line);
    let mut component = Component::with_children("frame", children);

    // These JavaScript checks run after the frame was built, so switching the function off here
    // does not switch the frame off (Sentry's order, which its hashes depend on).
    if family == Family::Javascript {
        let name = frame
            .raw_function
            .or(frame.function.as_deref())
            .map(|f| f.rsplit('.').next().unwrap_or(f));
        // Children are module, filename, function[, context line].
        if let Some(function) = component.children_mut().nth(2) {
            match name {
                None | Some("") => function.contributes = false,
                Some("?" | "<anonymous function>" | "<anonymous>" | "Anonymous function") => {
                    function.switch_off("ignored unknown function name");
                }
                Some(name) if name.ends_with("/<") => {
                    function.switch_off("ignored unknown function name")
                }
                Some(_) => {}
            }
        }
        let low_quality_path = matches!(
            frame.abs_path,
            Some("[native code]" | "native code" | "eval code" | "<anonymous>")
        );
        if name == Some("eval") || low_quality_path {
            component.switch_off("ignored low quality javascript frame");
        }
    }
    component
}

fn filename_component(frame: &Frame<'_>, platform: Option<&str>) -> Component {
    let Some(filename) = frame.filename.as_deref() else {
        return Component::empty("filename");
    };
    let filename = basename(filename).to_lowercase();
    if has_url_origin(frame.abs_path, false) {
        let mut component = Component::leaf("filename", filename);
        component.switch_off("ignored because frame points to a URL");
        return component;
    }
    match filename.as_str() {
        "<anonymous>" => {
            let mut component = Component::leaf("filename", filename);
            component.switch_off("ignored because filename is anonymous");
            component
        }
        "[native code]" => {
            let mut component = Component::leaf("filename", filename);
            component.switch_off("ignored because filename suggests native code");
            component
        }
        _ if platform == Some("java") => {
            let cleaned = JAVASSIST.replace_all(&filename, "${1}<auto>");
            if cleaned != filename {
                let cleaned = cleaned.into_owned();
                let mut component = Component::leaf("filename", cleaned);
                component.set_hint("cleaned javassist parts");
                return component;
            }
            Component::leaf("filename", filename)
        }
        _ => Component::leaf("filename", filename),
    }
}

fn module_component(frame: &Frame<'_>, platform: Option<&str>) -> Component {
    let Some(module) = frame.module else {
        return Component::empty("module");
    };
    let mut component = Component::leaf("module", module);
    if platform == Some("javascript")
        && module.contains('/')
        && frame.abs_path.is_some_and(|p| p.ends_with(module))
    {
        component.switch_off("ignored bad javascript module");
    } else if platform == Some("java") {
        if module.contains("$$Lambda$") {
            component.switch_off("ignored java lambda");
        }
        if module.starts_with("sun.reflect.GeneratedMethodAccessor") {
            component.replace_leaf(
                "sun.reflect.GeneratedMethodAccessor",
                "removed reflection marker",
            );
        } else if module.starts_with("jdk.internal.reflect.GeneratedMethodAccessor") {
            component.replace_leaf(
                "jdk.internal.reflect.GeneratedMethodAccessor",
                "removed reflection marker",
            );
        } else {
            let mut cleaned = module.to_owned();
            for pattern in [
                &JAVA_REFLECT,
                &JAVA_CGLIB,
                &JAVASSIST,
                &CLOJURE_FN,
                &JAVA_ENHANCER_BY,
                &JAVA_FAST_CLASS_BY,
                &JAVA_HIBERNATE_PROXY,
            ] {
                if let std::borrow::Cow::Owned(replaced) =
                    pattern.replace_all(&cleaned, "${1}<auto>")
                {
                    cleaned = replaced;
                }
            }
            if cleaned != module {
                component.replace_leaf(cleaned, "removed codegen marker");
            }
        }
    }
    component
}

fn function_component(
    frame: &Frame<'_>,
    platform: Option<&str>,
    family: Family,
    context_line_contributes: bool,
) -> Component {
    // C# frames group by the untrimmed name: trimming came later than the C# grouping did.
    let name: Option<String> = if platform == Some("csharp") {
        frame
            .raw_function
            .or(frame.function.as_deref())
            .map(str::to_owned)
    } else {
        match (frame.function.as_deref(), frame.raw_function) {
            (Some(function), None) if is_trimmed_platform(platform) => {
                Some(trim_function_name(function, platform))
            }
            (Some(function), _) => Some(function.to_owned()),
            (None, raw) => raw.map(str::to_owned),
        }
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Component::empty("function");
    };
    let mut component = Component::leaf("function", name.clone());

    match platform {
        Some("ruby") => {
            if name.starts_with("block ") {
                component.replace_leaf("block", "ruby block");
            } else {
                let cleaned = RUBY_ERB_SUFFIX.replace(&name, "");
                if cleaned != name {
                    component.replace_leaf(
                        cleaned.into_owned(),
                        "removed generated erb template suffix",
                    );
                }
            }
        }
        Some("php") => {
            if name.starts_with("[Anonymous") || name.starts_with("class@anonymous\0") {
                component.switch_off("ignored anonymous function");
            }
            if name.starts_with("class@anonymous") {
                let method = name.rsplit("::").next().unwrap_or(&name);
                if method != name {
                    let method = method.to_owned();
                    component.replace_leaf(method, "anonymous class method");
                }
            }
        }
        Some("java") if name.starts_with("lambda$") => {
            component.switch_off("ignored lambda function");
        }
        Some("java") => {}
        _ if family == Family::Native && (name == "<redacted>" || name == "<unknown>") => {
            component.switch_off("ignored unknown function");
        }
        _ if family == Family::Native => {}
        _ if family == Family::Javascript => {
            let last = name.rsplit('.').next().unwrap_or(&name);
            if last != name {
                let last = last.to_owned();
                component.replace_leaf(last, "trimmed javascript function");
            }
            // Function names from source maps are unreliable; the context line is better.
            if frame.sourcemap_used && context_line_contributes {
                component.switch_off("ignored because sourcemap used and context line available");
            }
        }
        _ => {}
    }
    component
}

fn context_line_component(frame: &Frame<'_>, line: &str, family: Family) -> Component {
    let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return Component::empty("context_line");
    }
    let mut component = Component::leaf("context_line", collapsed);
    if line.chars().count() > CONTEXT_LINE_CHARS_MAX {
        component.switch_off("ignored because line is too long");
    } else if family == Family::Javascript
        && frame.function.is_none()
        && has_url_origin(frame.abs_path, true)
    {
        component.switch_off("ignored because file path is a URL and function name is missing");
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn values(frame: Value, platform: &str) -> Vec<String> {
        let frame = Frame::from_json(&frame);
        frame_component(&frame, Some(platform))
            .contributing_values()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn module_beats_filename() {
        assert_eq!(
            values(
                json!({"module": "foo.bar", "filename": "bar.py", "function": "f"}),
                "python"
            ),
            ["foo.bar", "f"]
        );
    }

    #[test]
    fn url_filenames_and_bad_js_modules_are_ignored() {
        let frame = json!({"abs_path": "https://sentry.io/foo/bar/baz", "module": "foo/bar/baz", "filename": "foo.py", "function": "a"});
        assert_eq!(values(frame, "javascript"), ["a"]);
    }

    #[test]
    fn javascript_functions_are_trimmed_and_unknown_ones_dropped() {
        assert_eq!(
            values(
                json!({"function": "Hub.Object.<anonymous>.Hub.withScope", "filename": "hub.js"}),
                "node"
            ),
            ["hub.js", "withScope"]
        );
        assert_eq!(
            values(
                json!({"function": "null.<anonymous>", "filename": "a.js"}),
                "node"
            ),
            ["a.js"]
        );
        assert_eq!(
            values(
                json!({"function": "esm.run", "abs_path": "https://esm.run/d3"}),
                "javascript"
            ),
            ["run"]
        );
    }

    #[test]
    fn java_codegen_markers_are_replaced() {
        let cases = [
            (
                "sentry_clojure_example.core$_main$fn__1539",
                "sentry_clojure_example.core$_main$fn__<auto>",
            ),
            (
                "a.JipJipConfig$$EnhancerBySpringCGLIB$$1ebdddb0",
                "a.JipJipConfig$$EnhancerBySpringCGLIB$$<auto>",
            ),
            (
                "com.example.api.OutboundController$$FastClassByGuice$$ae46b1bf",
                "com.example.api.OutboundController$$FastClassByGuice$$<auto>",
            ),
            (
                "com.example.model.User$HibernateProxy$oRWxjAWT",
                "com.example.model.User$HibernateProxy$<auto>",
            ),
            (
                "com.example.api.entry.EntriesResource_$$_javassist_74",
                "com.example.api.entry.EntriesResource_$$_javassist<auto>",
            ),
            (
                "sun.reflect.GeneratedSerializationConstructorAccessor1",
                "sun.reflect.GeneratedSerializationConstructorAccessor<auto>",
            ),
            (
                "sun.reflect.GeneratedMethodAccessor42",
                "sun.reflect.GeneratedMethodAccessor",
            ),
        ];
        for (module, expected) in cases {
            assert_eq!(
                values(json!({"module": module, "function": "f"}), "java"),
                [expected, "f"],
                "{module}"
            );
        }
        assert_eq!(
            values(
                json!({"filename": "EntriesResource_$$_javassist_seam_74.java"}),
                "java"
            ),
            ["entriesresource_$$_javassist<auto>.java"]
        );
        assert_eq!(
            values(
                json!({"function": "lambda$onCreate$2", "module": "MyApp"}),
                "java"
            ),
            ["MyApp"]
        );
    }

    #[test]
    fn context_lines_are_collapsed_and_long_ones_dropped() {
        assert_eq!(
            values(
                json!({"function": "f", "context_line": "  a   b\t c "}),
                "python"
            ),
            ["f", "a b c"]
        );
        let long = "x".repeat(121);
        assert_eq!(
            values(json!({"function": "f", "context_line": long}), "python"),
            ["f"]
        );
        assert_eq!(
            values(json!({"function": "f", "context_line": "a b"}), "java"),
            ["f"]
        );
    }

    #[test]
    fn ruby_erb_and_native_unknowns() {
        assert_eq!(
            values(
                json!({"function": "_foo_html_erb__3327151541118998292_70361296749460", "filename": "foo.html.erb"}),
                "ruby"
            ),
            ["foo.html.erb", "_foo_html_erb"]
        );
        assert_eq!(
            values(json!({"function": "<unknown>"}), "native"),
            Vec::<String>::new()
        );
    }
}
