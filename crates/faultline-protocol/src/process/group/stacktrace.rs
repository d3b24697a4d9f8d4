//! The `stacktrace` component of both variants: frame components, recursion collapse, the
//! app variant's in-app filter, the JavaScript single-frame rule, stack-trace rule
//! contributions, and the checks that discard a stack trace without usable frames (spec §3.2).

use super::component::Component;
use super::enhancements::{
    ExceptionData, Family, FrameContribution, MatchFrame, RuleFrames, UpdaterMatches,
    match_updaters, update_contributions,
};
use super::frame::{frame_component, has_url_origin};
use super::rules::CompiledRules;
use super::view::Frame;

/// The stack-trace component of each variant.
#[derive(Debug, Clone)]
pub struct StacktraceVariants {
    pub app: Component,
    pub system: Component,
}

/// Returns the frame as stack-trace rules see it.
pub fn match_frame(frame: &Frame<'_>, event_platform: Option<&str>) -> MatchFrame {
    let path_like = |value: &str| value.to_lowercase().replace('\\', "/");
    MatchFrame {
        category: frame.category.as_deref().map(str::to_owned),
        family: Family::of_platform(frame.platform.or(event_platform)),
        function: frame
            .function
            .as_deref()
            .unwrap_or("<unknown>")
            .to_lowercase(),
        module: frame.module.map(str::to_lowercase),
        package: frame.package.map(path_like),
        path: frame.abs_path.or(frame.filename.as_deref()).map(path_like),
        in_app: frame.in_app,
    }
}

/// Builds the app and system stack-trace components for normalized frames; `rule_frames` are
/// the frames as normalization's rules saw them (computed here if absent).
pub fn stacktrace_variants(
    frames: &[Frame<'_>],
    rule_frames: Option<&RuleFrames>,
    event_platform: Option<&str>,
    exception: &ExceptionData<'_>,
    rules: &CompiledRules,
) -> StacktraceVariants {
    let mut components: Vec<Component> = frames
        .iter()
        .map(|frame| frame_component(frame, event_platform))
        .collect();
    for i in 1..frames.len() {
        if frames[i].is_recursion_of(&frames[i - 1]) {
            components[i].switch_off("ignored due to recursion");
        }
    }
    let chain = rules.stacktrace_rules();
    let computed;
    let rule_frames = match rule_frames {
        Some(rule_frames) => rule_frames,
        None => {
            let match_frames = frames
                .iter()
                .map(|frame| match_frame(frame, event_platform))
                .collect();
            computed = RuleFrames::new(&chain, match_frames);
            &computed
        }
    };
    let matches = match_updaters(&chain, rule_frames, exception);
    let match_frames = &rule_frames.frames;

    let mut app = assemble(
        Variant::App,
        frames,
        components.clone(),
        match_frames,
        event_platform,
        &matches,
    );
    let mut system = assemble(
        Variant::System,
        frames,
        components,
        match_frames,
        event_platform,
        &matches,
    );

    // Frame counts come from the system variant, where every frame may contribute.
    let in_app_frames = frames
        .iter()
        .filter(|frame| frame.in_app == Some(true))
        .count();
    let contributing = system.children().filter(|frame| frame.contributes).count();
    let in_app_contributing = frames
        .iter()
        .zip(system.children())
        .filter(|(frame, component)| frame.in_app == Some(true) && component.contributes)
        .count();
    if contributing == 0 {
        system.switch_off("ignored because it contains no contributing frames");
    }
    if in_app_frames == 0 {
        app.switch_off("ignored because it contains no in-app frames");
    } else if in_app_contributing == 0 {
        app.switch_off("ignored because it contains no contributing frames");
    }
    StacktraceVariants { app, system }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    App,
    System,
}

fn assemble(
    variant: Variant,
    frames: &[Frame<'_>],
    mut components: Vec<Component>,
    match_frames: &[MatchFrame],
    event_platform: Option<&str>,
    matches: &UpdaterMatches<'_>,
) -> Component {
    if variant == Variant::App {
        for (frame, component) in frames.iter().zip(components.iter_mut()) {
            if frame.in_app != Some(true) {
                component.contributes = false;
            }
        }
    }

    // A lone JavaScript frame without a function is too weak to group by. Sentry's default
    // config checks for a URL origin here although the hint says the opposite; kept for
    // identical hashes.
    if let ([frame], [component]) = (frames, components.as_mut_slice()) {
        let family = Family::of_platform(frame.platform.or(event_platform));
        if component.contributes
            && family == Family::Javascript
            && frame.function.is_none()
            && has_url_origin(frame.abs_path, true)
        {
            component.switch_off("ignored single non-URL JavaScript frame");
        }
    }

    let mut contributions: Vec<FrameContribution> = components
        .iter()
        .map(|c| FrameContribution {
            contributes: c.contributes,
            hint: None,
        })
        .collect();
    let verdict = update_contributions(matches, match_frames, &mut contributions);

    let mut in_app_contributing = 0;
    for ((frame, component), contribution) in
        frames.iter().zip(components.iter_mut()).zip(contributions)
    {
        let in_app = frame.in_app == Some(true);
        let is_in_app_hint =
            |hint: &str| hint.starts_with("marked in-app") || hint.starts_with("marked out of app");
        match variant {
            // System frames never contribute to the app variant, whatever the rules said.
            Variant::App if !in_app => {
                component.contributes = false;
                if let Some(hint) = contribution
                    .hint
                    .filter(|h| h.starts_with("marked out of app"))
                {
                    component.hint = Some(hint);
                }
            }
            Variant::System => {
                component.contributes = contribution.contributes;
                if let Some(hint) = contribution.hint.filter(|h| !is_in_app_hint(h)) {
                    component.hint = Some(hint);
                }
            }
            Variant::App => {
                component.contributes = contribution.contributes;
                if let Some(hint) = contribution.hint {
                    component.hint = Some(hint);
                }
            }
        }
        if in_app && component.contributes {
            in_app_contributing += 1;
        }
    }

    let mut stacktrace = Component::with_children("stacktrace", components);
    if variant == Variant::App && in_app_contributing == 0 {
        stacktrace.contributes = false;
    } else {
        stacktrace.contributes = verdict.contributes;
        stacktrace.hint = verdict.hint;
    }
    stacktrace
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::rules::GroupingRules;
    use serde_json::{Value, json};

    fn variants(frames: Value, platform: &str, enhancements: &str) -> (Vec<String>, Vec<String>) {
        let frames: Vec<Frame<'_>> = frames
            .as_array()
            .map(|a| a.iter().map(Frame::from_json).collect())
            .unwrap_or_default();
        let rules = CompiledRules::new(&GroupingRules {
            enhancements: enhancements.to_owned(),
            fingerprinting: String::new(),
        });
        let v = stacktrace_variants(
            &frames,
            None,
            Some(platform),
            &ExceptionData::default(),
            &rules,
        );
        let own = |c: &Component| {
            c.contributing_values()
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        (own(&v.app), own(&v.system))
    }

    #[test]
    fn recursion_keeps_the_first_of_identical_frames() {
        let frames = json!([{"function": "f", "in_app": true}, {"function": "f", "in_app": true}, {"function": "g", "in_app": true}]);
        assert_eq!(variants(frames, "python", "").1, ["f", "g"]);
    }

    #[test]
    fn app_variant_keeps_only_in_app_frames() {
        let frames = json!([{"function": "a", "in_app": true}, {"function": "b", "in_app": false}]);
        assert_eq!(
            variants(frames, "python", ""),
            (vec!["a".to_owned()], vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn no_in_app_frames_switch_the_app_stacktrace_off() {
        let frames = json!([{"function": "a"}, {"function": "b"}]);
        assert_eq!(variants(frames, "python", "").0, Vec::<String>::new());
    }

    #[test]
    fn project_rules_decide_contribution() {
        let frames = json!([{"function": "a", "in_app": true}, {"function": "b", "in_app": true}]);
        assert_eq!(variants(frames, "python", "function:a -group").1, ["b"]);
    }

    #[test]
    fn lone_javascript_frame_with_url_and_no_function_is_ignored() {
        let url = json!([{"abs_path": "https://sentry.io/a.js", "filename": "a.js"}]);
        assert_eq!(variants(url, "javascript", "").1, Vec::<String>::new());
        let local = json!([{"abs_path": "/Users/a.js", "filename": "a.js"}]);
        assert_eq!(variants(local, "javascript", "").1, ["a.js"]);
    }
}
