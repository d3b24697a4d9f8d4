//! The names of component variants and the per-variant component lists strategies return.

use super::component::Component;

/// A component variant: which frames a stack trace may use, or `default` for strategies
/// without stack traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VariantName {
    /// Only in-app frames (Sentry's priority variant `!app`).
    App,
    /// Every frame.
    System,
    /// Strategies that do not distinguish frames (messages, security reports, templates).
    Default,
}

impl VariantName {
    /// Returns the variant's key.
    pub fn as_str(self) -> &'static str {
        match self {
            VariantName::App => "app",
            VariantName::System => "system",
            VariantName::Default => "default",
        }
    }
}

/// The components a strategy produced, one per variant, in production order.
pub type ComponentsByVariant = Vec<(VariantName, Component)>;

/// Returns the component of a variant.
pub fn component_of(components: &ComponentsByVariant, name: VariantName) -> Option<&Component> {
    components
        .iter()
        .find(|(variant, _)| *variant == name)
        .map(|(_, component)| component)
}
