//! The `template` strategy (score 1100): template errors (e.g. Django) group by the template's
//! file name and the failing line.

use super::component::Component;
use super::input::{interface, str_field};
use super::variant_name::{ComponentsByVariant, VariantName};
use super::view::EventView;

/// Returns the template strategy's component, or `None` without a `template` interface.
pub fn template_strategy(view: &EventView<'_>) -> Option<ComponentsByVariant> {
    let template = interface(view.raw, "template", "sentry.interfaces.Template")?;
    // Sentry's strategy uses the file name as sent (its spec summary says basename; the code
    // does not strip directories).
    let filename = match str_field(template, "filename") {
        Some(filename) => Component::leaf("filename", filename),
        None => Component::empty("filename"),
    };
    let context_line = match str_field(template, "context_line") {
        Some(line) => Component::leaf("context_line", line),
        None => Component::empty("context_line"),
    };
    Some(vec![(
        VariantName::Default,
        Component::with_children("template", vec![filename, context_line]),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_hashes_file_and_line() {
        let event = json!({"template": {"lineno": 1, "context_line": "{% invalid template tag %}", "filename": "foo.html"}});
        let components = template_strategy(&EventView::new(&event)).unwrap_or_default();
        assert_eq!(
            components[0].1.hash().as_deref(),
            Some("1f5bdebe3c9f414c7dbb4296a8353245")
        );
    }
}
