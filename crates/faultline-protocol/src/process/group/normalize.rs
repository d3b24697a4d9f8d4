//! Grouping-specific frame normalization (Sentry's `normalize_stacktraces_for_grouping`), done
//! on the grouping's own view so the caller's event is left untouched: function trimming,
//! JavaScript query-string stripping, stack-trace rules setting `in_app` and `category`, and
//! `in_app = false` for every frame still undecided (spec §3.1).
//!
//! Sentry's Python multiprocessing context-line rewrite is left out: the default config restores
//! the original line right away, so it never changes a hash.

use std::borrow::Cow;

use super::enhancements::{ExceptionData, RuleFrames, apply_modifications};
use super::function_trim::{is_trimmed_platform, trim_function_name};
use super::rules::CompiledRules;
use super::stacktrace::match_frame;
use super::view::{EventView, Frame};

/// Normalizes every stack trace of the view in place.
pub fn normalize_for_grouping(view: &mut EventView<'_>, rules: &CompiledRules) {
    let platform = view.platform;
    let exception_data: Vec<ExceptionData<'_>> = view
        .exceptions
        .iter()
        .map(|e| ExceptionData {
            ty: e.ty,
            value: e.value,
            mechanism: e.mechanism.ty,
        })
        .collect();
    let chain = rules.stacktrace_rules();
    for (owner, frames, slot) in view.stacktraces_mut() {
        for frame in frames.iter_mut() {
            trim_function(frame, platform);
            if platform == Some("javascript") {
                strip_query_string(frame);
            }
        }
        let exception = owner
            .and_then(|i| exception_data.get(i))
            .copied()
            .unwrap_or_default();
        let match_frames = frames
            .iter()
            .map(|frame| match_frame(frame, platform))
            .collect();
        let mut rule_frames = RuleFrames::new(&chain, match_frames);
        apply_modifications(&chain, &mut rule_frames, &exception);
        for (frame, matched) in frames.iter_mut().zip(rule_frames.frames.iter_mut()) {
            let in_app = matched.in_app.unwrap_or(false);
            frame.in_app = Some(in_app);
            // The contribution pass sees the same defaulted value.
            matched.in_app = Some(in_app);
            if matched.category.as_deref() != frame.category.as_deref() {
                frame.category = matched.category.clone().map(Cow::Owned);
            }
        }
        *slot = Some(rule_frames);
    }
}

/// Stores the trimmed name in `function` and the original in `raw_function`, unless the client
/// sent a `raw_function` already.
fn trim_function<'a>(frame: &mut Frame<'a>, event_platform: Option<&str>) {
    let platform = frame.platform.or(event_platform);
    if frame.raw_function.is_some() || !is_trimmed_platform(platform) {
        return;
    }
    let Some(Cow::Borrowed(function)) = frame.function else {
        return;
    };
    let trimmed = trim_function_name(function, platform);
    if trimmed != function {
        frame.raw_function = Some(function);
        frame.function = Some(Cow::Owned(trimmed));
    }
}

/// Drops a `?query` from a JavaScript file name (`foo.js?v=1` → `foo.js`).
fn strip_query_string(frame: &mut Frame<'_>) {
    let Some(filename) = frame.filename.as_deref() else {
        return;
    };
    let before_fragment = filename.split('#').next().unwrap_or(filename);
    let Some((_, query)) = before_fragment.split_once('?') else {
        return;
    };
    if query.is_empty() {
        return;
    }
    let stripped = filename.replace(&format!("?{query}"), "");
    frame.filename = Some(Cow::Owned(stripped));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::rules::GroupingRules;
    use serde_json::json;

    #[test]
    fn frames_are_trimmed_stripped_and_classified() {
        let event = json!({
            "platform": "javascript",
            "stacktrace": {"frames": [
                {"filename": "app.js?v=1#x", "function": "a"},
                {"abs_path": "/srv/node_modules/lib/x.js", "filename": "x.js", "function": "b", "in_app": true},
            ]}
        });
        let mut view = EventView::new(&event);
        normalize_for_grouping(&mut view, &CompiledRules::new(&GroupingRules::default()));
        let frames = view.stacktrace.as_deref().unwrap_or_default();
        assert_eq!(frames[0].filename.as_deref(), Some("app.js#x"));
        assert_eq!(frames[0].in_app, Some(false));
        assert_eq!(frames[1].in_app, Some(false));
    }

    #[test]
    fn native_functions_keep_the_original_as_raw_function() {
        let event = json!({"platform": "native", "stacktrace": {"frames": [{"function": "foo::bar(int)"}]}});
        let mut view = EventView::new(&event);
        normalize_for_grouping(&mut view, &CompiledRules::default());
        let frame = &view.stacktrace.as_deref().unwrap_or_default()[0];
        assert_eq!(frame.function.as_deref(), Some("foo::bar"));
        assert_eq!(frame.raw_function, Some("foo::bar(int)"));
    }

    #[test]
    fn project_rules_run_after_the_base_rules() {
        let event = json!({"platform": "python", "stacktrace": {"frames": [{"abs_path": "/x/site-packages/y.py", "function": "f"}]}});
        let mut view = EventView::new(&event);
        let rules = CompiledRules::new(&GroupingRules {
            enhancements: "function:f +app".into(),
            ..GroupingRules::default()
        });
        normalize_for_grouping(&mut view, &rules);
        assert_eq!(
            view.stacktrace.as_deref().unwrap_or_default()[0].in_app,
            Some(true)
        );
    }
}
