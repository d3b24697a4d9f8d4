//! Applying stack-trace rules: first the modifications (`in_app`, `category`) during frame
//! normalization, later the contribution changes (`+group`/`-group`, `max-frames`, `min-frames`)
//! while a stack-trace component is assembled.
//!
//! Rules run in order (built-in base first, then the project's); a later rule overrides an
//! earlier one. Within one rule every frame is matched first and only then changed, so a rule
//! never sees its own changes.

use super::rule::{Action, ExceptionData, FlagKind, MatchFrame, Range, Rule};
use super::{Enhancements, RuleFrames};

/// The contribution state of one frame component while rules are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameContribution {
    pub contributes: bool,
    pub hint: Option<String>,
}

/// What the rules decided for the stack trace as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StacktraceVerdict {
    /// `false` if `min-frames` discarded the stack trace.
    pub contributes: bool,
    pub hint: Option<String>,
}

/// Applies the `+app`/`-app` and `category=` actions of every matching rule to the frames.
pub fn apply_modifications(
    chain: &[&Enhancements],
    rule_frames: &mut RuleFrames,
    exception: &ExceptionData<'_>,
) {
    let RuleFrames { frames, hits } = rule_frames;
    let mut matching = Vec::with_capacity(frames.len());
    for (enhancements, hits) in chain.iter().zip(hits.iter()) {
        for rule in enhancements
            .rules()
            .iter()
            .filter(|rule| rule.has_modifier_action())
        {
            if !rule.matches_exception(exception) {
                continue;
            }
            matching.extend((0..frames.len()).filter(|&idx| rule.matches_frame(frames, hits, idx)));
            for idx in matching.drain(..) {
                apply_modification(rule, frames, idx);
            }
        }
    }
}

fn apply_modification(rule: &Rule, frames: &mut [MatchFrame], idx: usize) {
    for action in &rule.actions {
        match action {
            Action::Flag {
                range,
                flag,
                kind: FlagKind::App,
            } => {
                for frame in range_mut(frames, idx, *range) {
                    frame.in_app = Some(*flag);
                }
            }
            Action::Category(category) => {
                if let Some(frame) = frames.get_mut(idx) {
                    frame.category = Some(category.clone());
                }
            }
            _ => {}
        }
    }
}

/// The contribution rules that matched a stack trace, with the frames they matched. Matching
/// depends only on the frames, so it runs once and is applied to both variants.
#[derive(Debug, Clone, Default)]
pub struct UpdaterMatches<'r> {
    hits: Vec<(&'r Rule, Vec<usize>)>,
}

/// Finds, in order, every contribution rule matching the frames.
pub fn match_updaters<'r>(
    chain: &[&'r Enhancements],
    rule_frames: &RuleFrames,
    exception: &ExceptionData<'_>,
) -> UpdaterMatches<'r> {
    let frames = &rule_frames.frames;
    let mut matches = Vec::new();
    for (enhancements, hits) in chain.iter().zip(&rule_frames.hits) {
        for rule in enhancements
            .rules()
            .iter()
            .filter(|rule| rule.has_updater_action())
        {
            if !rule.matches_exception(exception) {
                continue;
            }
            let matched: Vec<usize> = (0..frames.len())
                .filter(|&idx| rule.matches_frame(frames, hits, idx))
                .collect();
            if !matched.is_empty() {
                matches.push((rule, matched));
            }
        }
    }
    UpdaterMatches { hits: matches }
}

/// Applies the matched contribution rules to the frame components and returns the stack-trace
/// verdict (`min-frames`), after trimming to `max-frames`.
pub fn update_contributions(
    matches: &UpdaterMatches<'_>,
    frames: &[MatchFrame],
    components: &mut [FrameContribution],
) -> StacktraceVerdict {
    debug_assert_eq!(frames.len(), components.len());
    let mut max_frames: Option<(usize, &str)> = None;
    let mut min_frames: Option<usize> = None;

    for (rule, matched) in &matches.hits {
        let text = rule.text.as_str();
        for &idx in matched {
            for action in &rule.actions {
                match action {
                    Action::Flag { range, flag, kind } => {
                        apply_flag(components, frames, idx, *range, *flag, *kind, text);
                    }
                    Action::MaxFrames(n) => max_frames = Some((*n, text)),
                    Action::MinFrames(n) => min_frames = Some(*n),
                    Action::InvertStacktrace(_) | Action::Category(_) => {}
                }
            }
        }
    }

    if let Some((max, setter)) = max_frames.filter(|(max, _)| *max > 0) {
        let mut seen = 0;
        for component in components.iter_mut().rev().filter(|c| c.contributes) {
            seen += 1;
            if seen > max {
                let noun = if max == 1 { "frame is" } else { "frames are" };
                component.contributes = false;
                component.hint = Some(format!(
                    "ignored because only {max} {noun} considered by stack trace rule ({setter})"
                ));
            }
        }
    }

    let contributing = components.iter().filter(|c| c.contributes).count();
    match min_frames {
        Some(min) if contributing > 0 && contributing < min => {
            let noun = if contributing == 1 { "frame" } else { "frames" };
            StacktraceVerdict {
                contributes: false,
                hint: Some(format!(
                    "discarded because stack trace only contains {contributing} {noun} which is under the configured threshold"
                )),
            }
        }
        _ => StacktraceVerdict {
            contributes: contributing > 0,
            hint: None,
        },
    }
}

fn apply_flag(
    components: &mut [FrameContribution],
    frames: &[MatchFrame],
    idx: usize,
    range: Option<Range>,
    flag: bool,
    kind: FlagKind,
    rule_text: &str,
) {
    let span = span(components.len(), idx, range);
    for i in span {
        let component = &mut components[i];
        match kind {
            FlagKind::Group => {
                if component.contributes != flag {
                    component.contributes = flag;
                    let state = if flag { "un-ignored" } else { "ignored" };
                    component.hint = Some(format!("{state} by stack trace rule ({rule_text})"));
                }
            }
            FlagKind::App => {
                // The `in_app` change itself happened during normalization; only explain it.
                if frames[i].in_app == Some(flag) {
                    let state = if flag { "in-app" } else { "out of app" };
                    component.hint =
                        Some(format!("marked {state} by stack trace rule ({rule_text})"));
                }
            }
            // Prefix and sentinel frames only mattered to retired hierarchical grouping.
            FlagKind::Prefix | FlagKind::Sentinel => {}
        }
    }
}

fn span(len: usize, idx: usize, range: Option<Range>) -> std::ops::Range<usize> {
    match range {
        None => idx..(idx + 1).min(len),
        Some(Range::Up) => (idx + 1).min(len)..len,
        Some(Range::Down) => 0..idx.min(len),
    }
}

fn range_mut(frames: &mut [MatchFrame], idx: usize, range: Option<Range>) -> &mut [MatchFrame] {
    let span = span(frames.len(), idx, range);
    &mut frames[span]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::group::enhancements::rule::Family;

    fn native(function: &str) -> MatchFrame {
        MatchFrame {
            family: Family::Native,
            function: function.to_owned(),
            ..MatchFrame::default()
        }
    }

    fn rules(text: &str) -> Enhancements {
        let (enhancements, errors) = Enhancements::parse(text);
        assert_eq!(errors, []);
        enhancements
    }

    /// Runs both passes over native frames named by `functions`; returns the modified frames,
    /// which frames contribute, and the stack-trace verdict.
    fn run(
        rules: &Enhancements,
        functions: &[&str],
        exception: ExceptionData<'_>,
    ) -> (Vec<MatchFrame>, Vec<bool>, bool) {
        let frames = functions.iter().map(|f| native(f)).collect();
        let mut rule_frames = RuleFrames::new(&[rules], frames);
        apply_modifications(&[rules], &mut rule_frames, &exception);
        let mut components = vec![
            FrameContribution {
                contributes: true,
                hint: None
            };
            functions.len()
        ];
        let matches = match_updaters(&[rules], &rule_frames, &exception);
        let verdict = update_contributions(&matches, &rule_frames.frames, &mut components);
        let contributes = components.iter().map(|c| c.contributes).collect();
        (rule_frames.frames, contributes, verdict.contributes)
    }

    #[test]
    fn category_context_marks_std_called_by_std() {
        let rules = rules(
            "family:native function:std::* -app category=std\n\
             [ category:std ] | family:native category:std category=internals\n\
             family:native category:internals -group",
        );
        let (frames, contributes, verdict) = run(
            &rules,
            &[
                "_main",
                "std::rt::lang_start",
                "std::rt::lang_start_internal",
            ],
            ExceptionData::default(),
        );
        assert_eq!(frames[1].category.as_deref(), Some("std"));
        assert_eq!(frames[2].category.as_deref(), Some("internals"));
        assert_eq!(frames[1].in_app, Some(false));
        assert_eq!(contributes, [true, true, false]);
        assert!(verdict);
    }

    #[test]
    fn ranges_apply_up_and_down() {
        let rules = rules("function:b ^-group\nfunction:d v+app");
        let (frames, contributes, _) = run(&rules, &["a", "b", "c", "d"], ExceptionData::default());
        let in_app: Vec<Option<bool>> = frames.iter().map(|f| f.in_app).collect();
        assert_eq!(in_app, [Some(true), Some(true), Some(true), None]);
        assert_eq!(contributes, [true, true, false, false]);
    }

    #[test]
    fn max_and_min_frames() {
        let (_, contributes, _) = run(
            &rules("function:* max-frames=2"),
            &["a", "b", "c"],
            ExceptionData::default(),
        );
        assert_eq!(contributes, [false, true, true]);
        let (_, _, verdict) = run(
            &rules("function:* min-frames=4"),
            &["a", "b", "c"],
            ExceptionData::default(),
        );
        assert!(!verdict);
    }

    #[test]
    fn exception_matchers_gate_the_rule() {
        let rules = rules("error.type:Foo function:a -app");
        let bar = ExceptionData {
            ty: Some("Bar"),
            ..ExceptionData::default()
        };
        assert_eq!(run(&rules, &["a"], bar).0[0].in_app, None);
        let foo = ExceptionData {
            ty: Some("Foo"),
            ..ExceptionData::default()
        };
        assert_eq!(run(&rules, &["a"], foo).0[0].in_app, Some(false));
    }
}
