//! Grouping components: the tree every strategy builds and whose contributing leaves are hashed.
//!
//! A component contributes when it was built with at least one leaf value or contributing child,
//! unless a rule switched it on or off explicitly afterwards. As in Sentry, a parent does not
//! notice when a child is switched off after the parent was built; strategies rely on that order.

use serde::Serialize;

use super::hash::ValueHasher;

/// One grouping component: a node of the tree whose contributing leaves are hashed.
///
/// ```json
/// {"id": "frame", "name": null, "contributes": true, "hint": null,
///  "values": [{"id": "function", "name": null, "contributes": true, "hint": null,
///              "values": ["main"]}]}
/// ```
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Component {
    /// Component id as Sentry names it (`exception`, `stacktrace`, `frame`, `function`, ...).
    /// Ids are a fixed vocabulary, so they are static: a stack trace builds thousands of
    /// components and each owned id would be an allocation.
    pub id: &'static str,
    /// Human name of major components (`in-app`, `stack-trace`, ...), as the grouping-info API
    /// shows them.
    pub name: Option<&'static str>,
    /// Whether this component's leaves go into the hash.
    pub contributes: bool,
    /// Why the component does (not) contribute or how its value was changed.
    pub hint: Option<String>,
    /// Child components and leaf values, in hash order.
    pub values: Vec<ComponentValue>,
}

/// A component's child: another component or a leaf value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ComponentValue {
    Component(Component),
    Leaf(String),
}

/// Returns the display name Sentry gives a component id, if it is a major component.
fn major_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "app" => "in-app",
        "system" => "system",
        "exception" => "exception",
        "stacktrace" => "stack-trace",
        "threads" => "thread",
        "hostname" => "hostname",
        "violation" => "violation",
        "uri" => "URL",
        "message" => "message",
        _ => return None,
    })
}

impl Component {
    /// Returns a component with the given children; it contributes if any child does.
    pub fn new(id: &'static str, values: Vec<ComponentValue>) -> Self {
        let contributes = values.iter().any(|value| match value {
            ComponentValue::Component(child) => child.contributes,
            ComponentValue::Leaf(_) => true,
        });
        Component {
            id,
            name: major_name(id),
            contributes,
            hint: None,
            values,
        }
    }

    /// Returns a component without values; it does not contribute.
    pub fn empty(id: &'static str) -> Self {
        Component::new(id, Vec::new())
    }

    /// Returns a component holding one leaf value.
    pub fn leaf(id: &'static str, value: impl Into<String>) -> Self {
        Component::new(id, vec![ComponentValue::Leaf(value.into())])
    }

    /// Returns a component holding the given child components.
    pub fn with_children(id: &'static str, children: Vec<Component>) -> Self {
        Component::new(
            id,
            children
                .into_iter()
                .map(ComponentValue::Component)
                .collect(),
        )
    }

    /// Switches the component off and records why.
    pub fn switch_off(&mut self, hint: impl Into<String>) {
        self.contributes = false;
        self.hint = Some(hint.into());
    }

    /// Sets the hint without changing the contribution.
    pub fn set_hint(&mut self, hint: impl Into<String>) {
        self.hint = Some(hint.into());
    }

    /// Replaces the leaf values (a normalized value) and records why.
    pub fn replace_leaf(&mut self, value: impl Into<String>, hint: impl Into<String>) {
        self.values = vec![ComponentValue::Leaf(value.into())];
        self.hint = Some(hint.into());
    }

    /// Returns the first leaf value, if any.
    pub fn first_leaf(&self) -> Option<&str> {
        self.values.iter().find_map(|value| match value {
            ComponentValue::Leaf(leaf) => Some(leaf.as_str()),
            ComponentValue::Component(_) => None,
        })
    }

    /// Returns the child components (leaf values skipped).
    pub fn children(&self) -> impl Iterator<Item = &Component> {
        self.values.iter().filter_map(|value| match value {
            ComponentValue::Component(child) => Some(child),
            ComponentValue::Leaf(_) => None,
        })
    }

    /// Returns the child components mutably.
    pub fn children_mut(&mut self) -> impl Iterator<Item = &mut Component> {
        self.values.iter_mut().filter_map(|value| match value {
            ComponentValue::Component(child) => Some(child),
            ComponentValue::Leaf(_) => None,
        })
    }

    /// Calls `visit` with every leaf value of contributing components, depth first.
    pub fn visit_contributing_leaves<'s>(&'s self, visit: &mut impl FnMut(&'s str)) {
        if !self.contributes {
            return;
        }
        for value in &self.values {
            match value {
                ComponentValue::Component(child) => child.visit_contributing_leaves(visit),
                ComponentValue::Leaf(leaf) => visit(leaf),
            }
        }
    }

    /// Returns the contributing leaf values, in hash order.
    pub fn contributing_values(&self) -> Vec<&str> {
        let mut values = Vec::new();
        self.visit_contributing_leaves(&mut |leaf| values.push(leaf));
        values
    }

    /// Returns the MD5 hash of the contributing leaves, or `None` if the component does not
    /// contribute.
    pub fn hash(&self) -> Option<String> {
        if !self.contributes {
            return None;
        }
        let mut hasher = ValueHasher::new();
        self.visit_contributing_leaves(&mut |leaf| hasher.update(leaf));
        Some(hasher.finish())
    }

    /// Returns whether a contributing descendant with this id exists, looking only through
    /// contributing components (as Sentry's `iter_subcomponents(only_contributing=True)`).
    pub fn has_contributing_descendant(&self, id: &str) -> bool {
        self.children()
            .filter(|child| child.contributes)
            .any(|child| child.id == id || child.has_contributing_descendant(id))
    }

    /// Returns a description of the component, e.g. `in-app exception stack-trace`: the names of
    /// the longest chain of contributing major components.
    pub fn description(&self) -> String {
        let mut best: Vec<&'static str> = Vec::new();
        let mut stack: Vec<&'static str> = Vec::new();
        self.walk_names(&mut stack, &mut best);
        if best.is_empty() {
            major_name(self.id).unwrap_or("others").to_owned()
        } else {
            best.join(" ")
        }
    }

    fn walk_names(&self, stack: &mut Vec<&'static str>, best: &mut Vec<&'static str>) {
        let name = major_name(self.id);
        if let Some(name) = name {
            stack.push(name);
        }
        for child in self.children().filter(|child| child.contributes) {
            child.walk_names(stack, best);
        }
        // Sentry sorts the candidate chains by (length, text) and takes the last one.
        if (stack.len(), &*stack) > (best.len(), &*best) {
            best.clone_from(stack);
        }
        if name.is_some() {
            stack.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str) -> Component {
        Component::with_children("frame", vec![Component::leaf("function", function)])
    }

    #[test]
    fn contribution_follows_children_at_construction() {
        let empty = Component::with_children("frame", vec![Component::empty("function")]);
        assert!(!empty.contributes);
        assert!(frame("main").contributes);
    }

    #[test]
    fn switched_off_children_are_not_hashed() {
        let mut stacktrace = Component::with_children("stacktrace", vec![frame("a"), frame("b")]);
        assert_eq!(stacktrace.contributing_values(), ["a", "b"]);
        if let Some(first) = stacktrace.children_mut().next() {
            first.switch_off("ignored due to recursion");
        }
        assert_eq!(stacktrace.contributing_values(), ["b"]);
    }

    #[test]
    fn hash_is_md5_of_concatenated_leaves() {
        let csp = Component::with_children(
            "csp",
            vec![
                Component::leaf("salt", "script-src"),
                Component::leaf("uri", "YYY"),
            ],
        );
        assert_eq!(
            csp.hash().as_deref(),
            Some("666766514295bb52812324097cdaf53e")
        );
        let mut off = csp.clone();
        off.switch_off("test");
        assert_eq!(off.hash(), None);
    }

    #[test]
    fn description_names_the_longest_contributing_chain() {
        let exception = Component::with_children(
            "exception",
            vec![Component::with_children("stacktrace", vec![frame("a")])],
        );
        let app = Component::with_children("app", vec![exception]);
        assert_eq!(app.description(), "in-app exception stack-trace");
        assert_eq!(Component::empty("frame").description(), "others");
    }
}
