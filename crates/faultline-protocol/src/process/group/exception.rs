//! The `exception` strategy (`chained-exception:v1`, score 2000): one `exception` component per
//! exception, the exception-group filter, and the `chained_exception` wrapper (spec §2).

use super::component::Component;
use super::enhancements::ExceptionData;
use super::exception_group::{filter_exception_groups, override_main_exception_id};
use super::parameterize::normalize_message;
use super::rules::CompiledRules;
use super::stacktrace::stacktrace_variants;
use super::variant_name::{ComponentsByVariant, VariantName};
use super::view::{EventView, Exception};

/// The exception strategy's components and the exception that should title the issue.
pub struct ExceptionOutcome {
    pub components: ComponentsByVariant,
    pub main_exception_id: Option<i64>,
}

/// Returns the exception strategy's components, or `None` if the event has no exceptions.
pub fn exception_strategy(view: &EventView<'_>, rules: &CompiledRules) -> Option<ExceptionOutcome> {
    if view.exceptions.is_empty() {
        return None;
    }
    let per_exception: Vec<ComponentsByVariant> = view
        .exceptions
        .iter()
        .map(|exception| single_exception(exception, view, rules))
        .collect();
    let filtered = filter_exception_groups(view, &per_exception);
    let mut main_exception_id = filtered.main_exception_id;

    if let [only] = filtered.indices.as_slice() {
        let components = per_exception.into_iter().nth(*only).unwrap_or_default();
        return Some(ExceptionOutcome {
            components,
            main_exception_id,
        });
    }

    let chain: Vec<&Exception<'_>> = filtered
        .indices
        .iter()
        .map(|&i| &view.exceptions[i])
        .collect();
    if let Some(id) = override_main_exception_id(&chain) {
        main_exception_id = Some(id);
    }

    let mut by_variant: Vec<(VariantName, Vec<Component>)> = Vec::new();
    let mut per_exception: Vec<Option<ComponentsByVariant>> =
        per_exception.into_iter().map(Some).collect();
    for &index in &filtered.indices {
        // Each exception appears once after filtering; `take` moves its components out.
        let Some(components) = per_exception.get_mut(index).and_then(Option::take) else {
            continue;
        };
        for (variant, component) in components {
            match by_variant.iter_mut().find(|(name, _)| *name == variant) {
                Some((_, list)) => list.push(component),
                None => by_variant.push((variant, vec![component])),
            }
        }
    }
    let components = by_variant
        .into_iter()
        .map(|(variant, list)| (variant, Component::with_children("chained_exception", list)))
        .collect();
    Some(ExceptionOutcome {
        components,
        main_exception_id,
    })
}

/// Returns the components of one exception: `app` and `system`, or only `app` when the
/// exception has no stack trace.
pub fn single_exception(
    exception: &Exception<'_>,
    view: &EventView<'_>,
    rules: &CompiledRules,
) -> ComponentsByVariant {
    let mut ty = match exception.ty {
        Some(ty) => Component::leaf("type", ty),
        None => Component::empty("type"),
    };
    if exception.mechanism.synthetic {
        ty.switch_off("ignored because exception is synthetic");
    }
    let ns_error = exception.mechanism.ns_error.as_ref().map(|(domain, code)| {
        Component::with_children(
            "ns_error",
            vec![
                Component::leaf("domain", domain.as_str()),
                Component::leaf("code", code.as_str()),
            ],
        )
    });

    let stacktraces: Vec<(VariantName, Component)> = match &exception.frames {
        Some(frames) => {
            let data = ExceptionData {
                ty: exception.ty,
                value: exception.value,
                mechanism: exception.mechanism.ty,
            };
            let variants = stacktrace_variants(
                frames,
                exception.rule_frames.as_ref(),
                view.platform,
                &data,
                rules,
            );
            vec![
                (VariantName::App, variants.app),
                (VariantName::System, variants.system),
            ]
        }
        None => vec![(VariantName::App, Component::empty("stacktrace"))],
    };

    let value = exception.value.map(|raw| {
        let normalized = normalize_message(raw);
        let changed = normalized != raw;
        (normalized, changed)
    });

    stacktraces
        .into_iter()
        .map(|(variant, stacktrace)| {
            let mut value_component = match &value {
                Some((normalized, changed)) if !normalized.is_empty() => {
                    let mut component = Component::leaf("value", normalized.as_str());
                    if *changed {
                        component.set_hint("stripped event-specific values");
                    }
                    component
                }
                _ => Component::empty("value"),
            };
            if stacktrace.contributes && value_component.contributes {
                value_component.switch_off("ignored because stacktrace takes precedence");
            }
            if ns_error.as_ref().is_some_and(|c| c.contributes) && value_component.contributes {
                value_component.switch_off("ignored because ns-error info takes precedence");
            }
            // The default config keeps Sentry's legacy child order, which its hashes depend on.
            let mut children = vec![stacktrace, ty.clone()];
            children.extend(ns_error.clone());
            children.push(value_component);
            (variant, Component::with_children("exception", children))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::hash::hash_values;
    use crate::process::group::rules::GroupingRules;
    use serde_json::{Value, json};

    fn outcome(event: Value) -> Vec<(VariantName, Option<String>)> {
        let view = EventView::new(&event);
        let rules = CompiledRules::new(&GroupingRules::default());
        exception_strategy(&view, &rules)
            .map(|o| {
                o.components
                    .into_iter()
                    .map(|(v, c)| (v, c.hash()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn frameless_exception_has_only_an_app_variant() {
        let hashes = outcome(json!({"exception": {"type": "ValueError", "value": "hello world"}}));
        assert_eq!(
            hashes,
            [(
                VariantName::App,
                Some(hash_values(["ValueError", "hello world"]))
            )]
        );
    }

    #[test]
    fn stack_trace_hides_the_value() {
        let event = json!({"exception": {"values": [{"type": "E", "value": "v",
            "stacktrace": {"frames": [{"function": "f", "in_app": true}]}}]}});
        let hashes = outcome(event);
        assert_eq!(
            hashes[0].1.as_deref(),
            Some(hash_values(["f", "E"]).as_str())
        );
    }

    #[test]
    fn ns_error_beats_the_value_and_synthetic_types_are_ignored() {
        let event = json!({"exception": {"values": [{"type": "NSError", "value": "v",
            "mechanism": {"synthetic": true, "meta": {"ns_error": {"domain": "NSURLErrorDomain", "code": -1001}}}}]}});
        assert_eq!(
            outcome(event)[0].1,
            Some(hash_values(["NSURLErrorDomain", "-1001"]))
        );
    }
}
