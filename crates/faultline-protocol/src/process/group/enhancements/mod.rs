//! Stack-trace rules ("grouping enhancements"): the rule language, its parser, the engine that
//! applies rules to frames, and faultline's built-in base rules (`all-platforms.txt`).
//!
//! The base rules are parsed once per process; project rules are parsed into [`Enhancements`]
//! when a [`CompiledRules`](super::CompiledRules) is built and run after the base rules.

mod engine;
mod index;
mod parser;
mod rule;

use std::sync::LazyLock;

pub use engine::{
    FrameContribution, UpdaterMatches, apply_modifications, match_updaters, update_contributions,
};
pub use index::{FieldIndex, FrameHits};
pub use rule::{ExceptionData, Family, MatchFrame, Rule};

use super::error::GroupingError;

/// The built-in base rules' source, in the rule language this module parses.
const BASE_RULES: &str = include_str!("all-platforms.txt");

/// The built-in base rules, parsed once.
static BASE: LazyLock<Enhancements> = LazyLock::new(|| {
    let (enhancements, errors) = Enhancements::parse(BASE_RULES);
    // The base file ships with the binary; a line that does not parse is a bug, caught by the
    // unit test below.
    debug_assert!(
        errors.is_empty(),
        "built-in stack trace rules do not parse: {errors:?}"
    );
    enhancements
});

/// A stack trace's frames as rules see them, with every rule list's glob hits: computed once
/// during normalization and reused by the contribution pass, since the fields the globs read do
/// not change in between (only `in_app` and `category` do, and those are read directly).
#[derive(Debug, Clone, Default)]
pub struct RuleFrames {
    pub frames: Vec<MatchFrame>,
    /// One entry per rule list of the chain, in chain order.
    pub hits: Vec<Vec<FrameHits>>,
}

impl RuleFrames {
    /// Computes the glob hits of each rule list for the frames.
    pub fn new(chain: &[&Enhancements], frames: Vec<MatchFrame>) -> RuleFrames {
        let hits = chain
            .iter()
            .map(|enhancements| enhancements.hits(&frames))
            .collect();
        RuleFrames { frames, hits }
    }
}

/// A parsed list of stack-trace rules.
#[derive(Debug, Clone, Default)]
pub struct Enhancements {
    rules: Vec<Rule>,
    index: FieldIndex,
}

impl Enhancements {
    /// Parses rules, one per line (`#` comments and blank lines skipped). Lines that do not
    /// parse are skipped and reported.
    pub fn parse(text: &str) -> (Enhancements, Vec<GroupingError>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parser::parse_rule(line) {
                Ok(rule) => rules.push(rule),
                Err(reason) => errors.push(GroupingError::InvalidStacktraceRule {
                    line: index + 1,
                    reason,
                }),
            }
        }
        let index = FieldIndex::build(&mut rules);
        (Enhancements { rules, index }, errors)
    }

    /// Returns the built-in base rules.
    pub fn base() -> &'static Enhancements {
        &BASE
    }

    /// Returns the rules in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Returns which of the rules' globs match each frame.
    pub fn hits(&self, frames: &[MatchFrame]) -> Vec<FrameHits> {
        frames.iter().map(|frame| self.index.hits(frame)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_rules_parse() {
        let (enhancements, errors) = Enhancements::parse(BASE_RULES);
        assert_eq!(errors, []);
        assert!(enhancements.rules().len() > 50);
    }

    #[test]
    fn bad_project_lines_are_reported_and_skipped() {
        let (enhancements, errors) =
            Enhancements::parse("function:a -app\nnot a rule\n# comment\n\nfunction:b +app");
        assert_eq!(enhancements.rules().len(), 2);
        assert!(matches!(
            errors.as_slice(),
            [GroupingError::InvalidStacktraceRule { line: 2, .. }]
        ));
    }
}
