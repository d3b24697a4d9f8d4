//! Running the strategies in score order and assembling the `app`, `system` and `default`
//! root components (spec §1.2): the first strategy that contributes anything wins, later ones
//! are switched off; stack-trace strategies drop a system variant that duplicates the app
//! variant and switch off variants without a contributing stack trace.

use super::component::Component;
use super::exception::exception_strategy;
use super::message::message_strategy;
use super::rules::CompiledRules;
use super::security::{csp_strategy, expect_ct_strategy, expect_staple_strategy, hpkp_strategy};
use super::stacktrace::stacktrace_variants;
use super::template::template_strategy;
use super::threads::threads_strategy;
use super::variant_name::{ComponentsByVariant, VariantName, component_of};
use super::view::EventView;

/// The root component of each variant, in Sentry's insertion order.
pub struct ComponentVariants {
    pub roots: Vec<(VariantName, Component)>,
    pub main_exception_id: Option<i64>,
}

/// One strategy's output and how it is post-processed.
struct StrategyOutput {
    /// Strategy name as precedence hints show it.
    name: &'static str,
    components: ComponentsByVariant,
    /// Stack-trace strategies (exception, threads, stacktrace) get variant processing.
    has_stacktraces: bool,
}

/// Runs every strategy over the (normalized) event and assembles the root components.
pub fn component_variants(view: &EventView<'_>, rules: &CompiledRules) -> ComponentVariants {
    let mut main_exception_id = None;
    let mut outputs: Vec<StrategyOutput> = Vec::new();
    let mut push = |name, components: Option<ComponentsByVariant>, has_stacktraces| {
        if let Some(components) = components {
            outputs.push(StrategyOutput {
                name,
                components,
                has_stacktraces,
            });
        }
    };

    let exception = exception_strategy(view, rules).map(|outcome| {
        main_exception_id = outcome.main_exception_id;
        outcome.components
    });
    push("exception", exception, true);
    push("threads", threads_strategy(view, rules), true);
    let stacktrace = view.stacktrace.as_ref().map(|frames| {
        let variants = stacktrace_variants(
            frames,
            view.stacktrace_rule_frames.as_ref(),
            view.platform,
            &Default::default(),
            rules,
        );
        vec![
            (VariantName::App, variants.app),
            (VariantName::System, variants.system),
        ]
    });
    push("stacktrace", stacktrace, true);
    push("template", template_strategy(view), false);
    push("csp", csp_strategy(view), false);
    push("hpkp", hpkp_strategy(view), false);
    push("expectstaple", expect_staple_strategy(view), false);
    push("expectct", expect_ct_strategy(view), false);
    push("message", message_strategy(view), false);

    let mut winner: Option<&'static str> = None;
    let mut precedence_hint: Option<String> = None;
    let mut per_variant: Vec<(VariantName, Vec<Component>)> = Vec::new();
    for mut output in outputs {
        if output.has_stacktraces {
            drop_duplicate_system(&mut output.components);
            remove_non_stacktrace_variants(&mut output.components);
        }
        let contributing: Vec<&'static str> = {
            let mut names: Vec<&'static str> = output
                .components
                .iter()
                .filter(|(_, c)| c.contributes)
                .map(|(v, _)| v.as_str())
                .collect();
            names.sort_unstable();
            names
        };
        for (variant, mut component) in output.components {
            if component.contributes {
                match winner {
                    None => {
                        winner = Some(output.name);
                        let subject = if variant == VariantName::Default {
                            output.name.to_owned()
                        } else {
                            format!("{} of {}", output.name, contributing.join("/"))
                        };
                        let verb = if output.name.ends_with('s') {
                            "take"
                        } else {
                            "takes"
                        };
                        precedence_hint = Some(format!("{subject} {verb} precedence"));
                    }
                    Some(name) if name != output.name => {
                        component.switch_off(precedence_hint.clone().unwrap_or_default());
                    }
                    Some(_) => {}
                }
            }
            match per_variant.iter_mut().find(|(name, _)| *name == variant) {
                Some((_, list)) => list.push(component),
                None => per_variant.push((variant, vec![component])),
            }
        }
    }

    let roots = per_variant
        .into_iter()
        .map(|(variant, components)| {
            let mut root = Component::with_children(variant.as_str(), components);
            if !root.contributes
                && let Some(hint) = &precedence_hint
            {
                root.set_hint(hint.clone());
            }
            (variant, root)
        })
        .collect();
    ComponentVariants {
        roots,
        main_exception_id,
    }
}

/// Switches the system variant off when it hashes like the app variant: it would only add the
/// same hash twice.
fn drop_duplicate_system(components: &mut ComponentsByVariant) {
    let app_hash = component_of(components, VariantName::App).and_then(Component::hash);
    if app_hash.is_none() {
        return;
    }
    for (variant, component) in components.iter_mut() {
        if *variant == VariantName::System && component.hash() == app_hash {
            component.switch_off("ignored because hash matches app variant");
        }
    }
}

/// Switches off every variant without a contributing stack trace when another variant has one,
/// so the app variant never falls back to type and value while the system variant has frames.
fn remove_non_stacktrace_variants(components: &mut ComponentsByVariant) {
    if components.len() <= 1 {
        return;
    }
    let with_stacktrace: Vec<VariantName> = components
        .iter()
        .filter(|(_, c)| c.has_contributing_descendant("stacktrace"))
        .map(|(v, _)| *v)
        .collect();
    let suffix = match with_stacktrace.as_slice() {
        [] => return,
        [only] => format!("the {} variant does", only.as_str()),
        _ => "others do".to_owned(),
    };
    for (variant, component) in components.iter_mut() {
        if !with_stacktrace.contains(variant) {
            component.switch_off(format!(
                "ignored because this variant does not have a contributing stacktrace, but {suffix}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::normalize::normalize_for_grouping;
    use crate::process::group::rules::GroupingRules;
    use serde_json::{Value, json};

    /// Returns (variant, contributes, hint) of every root after normalization.
    fn roots(event: Value) -> Vec<(&'static str, bool, Option<String>)> {
        let rules = CompiledRules::new(&GroupingRules::default());
        let mut view = EventView::new(&event);
        normalize_for_grouping(&mut view, &rules);
        component_variants(&view, &rules)
            .roots
            .into_iter()
            .map(|(variant, root)| (variant.as_str(), root.contributes, root.hint))
            .collect()
    }

    #[test]
    fn app_does_not_fall_back_to_type_and_value_when_system_has_frames() {
        let event = json!({"exception": {"values": [{"type": "E", "value": "v",
            "stacktrace": {"frames": [{"function": "lib", "in_app": false}]}}]}});
        let roots = roots(event);
        assert_eq!(roots[0].0, "app");
        assert!(!roots[0].1);
        assert!(roots[1].1, "system contributes");
    }

    #[test]
    fn system_identical_to_app_does_not_contribute() {
        let event = json!({"exception": {"values": [{"type": "E", "value": "v",
            "stacktrace": {"frames": [{"function": "main", "in_app": true}]}}]}});
        let roots = roots(event);
        assert_eq!((roots[0].0, roots[0].1), ("app", true));
        assert_eq!((roots[1].0, roots[1].1), ("system", false));
    }

    #[test]
    fn exception_takes_precedence_over_threads_and_message() {
        let event = json!({
            "message": "hello",
            "exception": {"values": [{"type": "E", "value": "v"}]},
            "threads": {"values": [{"crashed": true, "stacktrace": {"frames": [{"function": "t", "in_app": true}]}}]},
        });
        let roots = roots(event);
        let default = roots.iter().find(|(name, _, _)| *name == "default");
        assert_eq!(
            default.map(|(_, c, h)| (*c, h.as_deref())),
            Some((false, Some("exception of app takes precedence")))
        );
        let system = roots.iter().find(|(name, _, _)| *name == "system");
        assert_eq!(
            system.map(|(_, c, _)| *c),
            Some(false),
            "threads are switched off"
        );
    }
}
