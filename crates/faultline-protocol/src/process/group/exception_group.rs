//! Exception groups (RFC 79): which exceptions of a chain are grouped when it carries
//! `mechanism.exception_id`/`parent_id` trees, and which exception titles the issue (spec §2.3).

use std::collections::{HashMap, HashSet};

use super::input::str_field;
use super::variant_name::ComponentsByVariant;
use super::view::{EventView, Exception};

/// React messages whose `cause` exception is the interesting one.
const REACT_ERRORS_WITH_CAUSE: [&str; 2] = [
    "There was an error during concurrent rendering but React was able to recover by instead synchronously rendering the entire root.",
    "There was an error while hydrating but React was able to recover by instead client rendering from the nearest Suspense boundary.",
];

/// RxJava wrapper exceptions whose inner exception is the interesting one.
const RXJAVA_WRAPPER_TYPES: [&str; 3] = [
    "OnErrorNotImplementedException",
    "CompositeException",
    "UndeliverableException",
];

/// The exceptions kept for grouping, as indices into the event's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    pub indices: Vec<usize>,
    pub main_exception_id: Option<i64>,
}

#[derive(Default)]
struct Node {
    exception: Option<usize>,
    children: Vec<usize>,
}

/// Filters the chain for exception groups. Any inconsistency (missing or duplicate ids, an
/// exception parenting itself, no root, cycles, no top-level exception) keeps the chain as is.
pub fn filter_exception_groups(
    view: &EventView<'_>,
    components: &[ComponentsByVariant],
) -> Filtered {
    let all = || Filtered {
        indices: (0..view.exceptions.len()).collect(),
        main_exception_id: None,
    };
    let exceptions = &view.exceptions;
    if exceptions.len() <= 1 {
        return all();
    }
    // Python SDK 3 started sending mechanism ids; Sentry skips the filter for it to keep
    // existing groups stable.
    let sdk_version = view
        .raw
        .get("sdk")
        .and_then(|sdk| str_field(sdk, "version"));
    if view.platform == Some("python") && sdk_version.is_some_and(|v| v.starts_with('3')) {
        return all();
    }

    let mut tree: HashMap<i64, Node> = HashMap::new();
    let mut seen: HashSet<i64> = HashSet::new();
    for (index, exception) in exceptions.iter().enumerate().rev() {
        let mechanism = &exception.mechanism;
        let Some(id) = mechanism.exception_id else {
            return all();
        };
        if mechanism.parent_id == Some(id) || !seen.insert(id) {
            return all();
        }
        tree.entry(id).or_default().exception = Some(index);
        if let Some(parent) = mechanism.parent_id {
            tree.entry(parent).or_default().children.push(index);
        }
    }

    let Some(root) = tree.get(&0).and_then(|node| node.exception) else {
        return all();
    };
    let children_of = |index: usize| -> &[usize] {
        exceptions[index]
            .mechanism
            .exception_id
            .and_then(|id| tree.get(&id))
            .map_or(&[][..], |node| node.children.as_slice())
    };

    let mut top_level = Vec::new();
    let mut visited = HashSet::new();
    if !collect_top_level(root, exceptions, &children_of, &mut visited, &mut top_level)
        || top_level.is_empty()
    {
        return all();
    }
    // Sort by type, descending; the sort is stable, so equal types keep their order.
    top_level.sort_by(|&a, &b| type_key(&exceptions[b]).cmp(type_key(&exceptions[a])));

    let mut distinct: Vec<usize> = Vec::new();
    for index in top_level {
        if distinct
            .last()
            .is_none_or(|&last| components[last] != components[index])
        {
            distinct.push(index);
        }
    }

    if let [main] = distinct.as_slice() {
        let mut path = vec![*main];
        let mut on_path = HashSet::from([*main]);
        let mut current = *main;
        while let Some(&first_child) = children_of(current).first() {
            if !on_path.insert(first_child) {
                return all();
            }
            path.push(first_child);
            current = first_child;
        }
        return Filtered {
            indices: path,
            main_exception_id: exceptions[*main].mechanism.exception_id,
        };
    }
    distinct.push(root);
    Filtered {
        indices: distinct,
        main_exception_id: None,
    }
}

/// Collects the first non-group descendants of `index`; returns `false` on a cycle.
fn collect_top_level<'c>(
    index: usize,
    exceptions: &[Exception<'_>],
    children_of: &impl Fn(usize) -> &'c [usize],
    visited: &mut HashSet<usize>,
    out: &mut Vec<usize>,
) -> bool {
    if !visited.insert(index) {
        return false;
    }
    if !exceptions[index].mechanism.is_exception_group {
        out.push(index);
        return true;
    }
    children_of(index)
        .iter()
        .all(|&child| collect_top_level(child, exceptions, children_of, visited, out))
}

fn type_key<'e>(exception: &'e Exception<'_>) -> &'e str {
    // Sentry sorts by `str(type)`, which is "None" for a missing type.
    exception.ty.unwrap_or("None")
}

/// Returns the exception id that should title the issue for React errors with a cause and
/// RxJava wrapper exceptions, if one of them applies.
pub fn override_main_exception_id(chain: &[&Exception<'_>]) -> Option<i64> {
    let react = || {
        let (first, last) = (chain.first()?, chain.last()?);
        let is_react = first.ty == Some("Error")
            && first
                .value
                .is_some_and(|v| REACT_ERRORS_WITH_CAUSE.contains(&v))
            && last.mechanism.source == Some("cause");
        if is_react {
            last.mechanism.exception_id
        } else {
            None
        }
    };
    let rxjava = || {
        if chain.len() < 2 {
            return None;
        }
        let wrapper = chain.iter().find(|e| {
            e.module == Some("io.reactivex.rxjava3.exceptions")
                && e.ty.is_some_and(|t| RXJAVA_WRAPPER_TYPES.contains(&t))
                && e.mechanism.ty == Some("UncaughtExceptionHandler")
        })?;
        let wrapper_id = wrapper.mechanism.exception_id?;
        chain
            .iter()
            .find(|e| e.mechanism.parent_id == Some(wrapper_id))
            .and_then(|e| e.mechanism.exception_id)
    };
    // Sentry ignores an id of 0 here (it tests truthiness).
    react().or_else(rxjava).filter(|&id| id != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::exception::single_exception;
    use crate::process::group::rules::{CompiledRules, GroupingRules};
    use serde_json::{Value, json};

    fn filtered(event: Value) -> Vec<String> {
        let view = EventView::new(&event);
        let rules = CompiledRules::new(&GroupingRules::default());
        let components: Vec<ComponentsByVariant> = view
            .exceptions
            .iter()
            .map(|e| single_exception(e, &view, &rules))
            .collect();
        let result = filter_exception_groups(&view, &components);
        result
            .indices
            .iter()
            .map(|&i| view.exceptions[i].ty.unwrap_or("?").to_owned())
            .collect()
    }

    fn exc(ty: &str, value: &str, id: i64, parent: Option<i64>, group: bool) -> Value {
        json!({"type": ty, "value": value, "mechanism": {"exception_id": id, "parent_id": parent, "is_exception_group": group}})
    }

    #[test]
    fn distinct_top_level_exceptions_are_sorted_and_followed_by_the_root() {
        let event = json!({"exception": {"values": [
            exc("A", "1", 1, Some(0), false), exc("B", "2", 2, Some(0), false), exc("Group", "g", 0, None, true)
        ]}});
        assert_eq!(filtered(event), ["B", "A", "Group"]);
    }

    #[test]
    fn identical_top_level_exceptions_collapse_to_one_with_its_first_child_path() {
        let event = json!({"exception": {"values": [
            exc("Inner", "x", 3, Some(1), false),
            exc("A", "Test 2", 2, Some(0), false),
            exc("A", "Test 1", 1, Some(0), false),
            exc("Group", "g", 0, None, true),
        ]}});
        assert_eq!(filtered(event), ["A", "Inner"]);
    }

    #[test]
    fn broken_trees_keep_the_chain() {
        let duplicate = json!({"exception": {"values": [exc("A", "", 1, Some(0), false), exc("B", "", 1, Some(0), false), exc("G", "", 0, None, true)]}});
        assert_eq!(filtered(duplicate), ["A", "B", "G"]);
        let all_groups = json!({"exception": {"values": [exc("A", "", 1, Some(0), true), exc("G", "", 0, None, true)]}});
        assert_eq!(filtered(all_groups), ["A", "G"]);
        let cycle = json!({"exception": {"values": [exc("A", "", 2, Some(1), false), exc("B", "", 1, Some(2), false), exc("G", "", 0, None, true)]}});
        assert_eq!(filtered(cycle), ["A", "B", "G"]);
    }

    #[test]
    fn python_sdk_3_skips_the_filter() {
        let event = json!({"platform": "python", "sdk": {"version": "3.0.0"}, "exception": {"values": [
            exc("A", "1", 1, Some(0), false), exc("Group", "g", 0, None, true)
        ]}});
        assert_eq!(filtered(event), ["A", "Group"]);
    }
}
