//! The `message` strategy (score 0): the normalized log message, `logentry.message` (the
//! template) preferred over `logentry.formatted` (spec §4.1).

use super::component::Component;
use super::input::message_text;
use super::parameterize::normalize_message;
use super::variant_name::{ComponentsByVariant, VariantName};
use super::view::EventView;

/// Returns the message strategy's component, or `None` without a message.
pub fn message_strategy(view: &EventView<'_>) -> Option<ComponentsByVariant> {
    let raw = message_text(view.raw)?;
    let normalized = normalize_message(raw);
    let mut component = if normalized.is_empty() {
        Component::empty("message")
    } else {
        Component::leaf("message", normalized.as_str())
    };
    if normalized != raw {
        component.set_hint("stripped event-specific values");
    }
    Some(vec![(VariantName::Default, component)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn message_is_trimmed_and_parameterized() {
        let event = json!({"logentry": {"formatted": "testing testing 1, 2, 3"}});
        let components = message_strategy(&EventView::new(&event)).unwrap_or_default();
        assert_eq!(
            components[0].1.hash().as_deref(),
            Some("f9e47f16e3b9770b440157179c47bf7a")
        );
        assert_eq!(
            components[0].1.hint.as_deref(),
            Some("stripped event-specific values")
        );
    }
}
