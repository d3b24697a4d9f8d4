//! The `threads` strategy (score 1900): the stack trace of the one crashed thread, else the one
//! current thread, else the only thread (spec §3.5).

use super::component::Component;
use super::enhancements::ExceptionData;
use super::rules::CompiledRules;
use super::stacktrace::stacktrace_variants;
use super::variant_name::{ComponentsByVariant, VariantName};
use super::view::{EventView, Thread};

/// Returns the threads strategy's components, or `None` without a `threads` interface.
pub fn threads_strategy(
    view: &EventView<'_>,
    rules: &CompiledRules,
) -> Option<ComponentsByVariant> {
    let threads = view.threads.as_ref()?;
    let crashed: Vec<&Thread<'_>> = threads.iter().filter(|t| t.crashed).collect();
    let current: Vec<&Thread<'_>> = threads.iter().filter(|t| t.current).collect();
    let all: Vec<&Thread<'_>> = threads.iter().collect();
    for candidates in [&crashed, &current, &all] {
        if let [thread] = candidates.as_slice() {
            return Some(thread_components(thread, view, rules));
        }
    }
    let mut component = Component::empty("threads");
    component.switch_off(format!(
        "ignored because it contains neither a single thread nor multiple threads with exactly one crashing or current thread; instead contains {} crashing, {} current, and {} total threads",
        crashed.len(),
        current.len(),
        threads.len()
    ));
    Some(vec![(VariantName::App, component)])
}

fn thread_components(
    thread: &Thread<'_>,
    view: &EventView<'_>,
    rules: &CompiledRules,
) -> ComponentsByVariant {
    let Some(frames) = &thread.frames else {
        let mut component = Component::empty("threads");
        component.switch_off("ignored because thread has no stacktrace");
        return vec![(VariantName::App, component)];
    };
    let variants = stacktrace_variants(
        frames,
        thread.rule_frames.as_ref(),
        view.platform,
        &ExceptionData::default(),
        rules,
    );
    vec![
        (
            VariantName::App,
            Component::with_children("threads", vec![variants.app]),
        ),
        (
            VariantName::System,
            Component::with_children("threads", vec![variants.system]),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::rules::GroupingRules;
    use serde_json::{Value, json};

    fn system_values(event: Value) -> Option<Vec<String>> {
        let view = EventView::new(&event);
        let rules = CompiledRules::new(&GroupingRules::default());
        let components = threads_strategy(&view, &rules)?;
        let system = components.iter().find(|(v, _)| *v == VariantName::System)?;
        Some(
            system
                .1
                .contributing_values()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        )
    }

    fn thread(function: &str, crashed: bool) -> Value {
        json!({"crashed": crashed, "stacktrace": {"frames": [{"function": function}]}})
    }

    #[test]
    fn the_one_crashed_thread_is_used() {
        let event = json!({"threads": {"values": [thread("a", false), thread("b", true)]}});
        assert_eq!(system_values(event), Some(vec!["b".to_owned()]));
    }

    #[test]
    fn ambiguous_threads_do_not_contribute() {
        let event = json!({"threads": {"values": [thread("a", true), thread("b", true)]}});
        assert_eq!(system_values(event), None);
    }
}
