//! Per-field regex sets over every glob of a rule list: each frame's function, module, package
//! and path is scanned once for all rules instead of once per rule, which is what keeps the
//! ~100 built-in rules cheap on long stack traces.

use regex::{RegexSet, RegexSetBuilder};

use super::rule::{FrameField, FrameOffset, FrameTest, MatchFrame, Rule};

/// Compiled size limit of one field's regex set.
const FIELD_SET_BYTES_MAX: usize = 8 << 20;

/// The fields an index covers, in slot order. Categories change while rules run, so they are
/// matched directly.
const INDEXED_FIELDS: [FrameField; 4] = [
    FrameField::Function,
    FrameField::Module,
    FrameField::Package,
    FrameField::Path,
];

fn field_index(field: FrameField) -> Option<usize> {
    INDEXED_FIELDS.iter().position(|f| *f == field)
}

/// One regex set per indexed field; `None` for a field no rule matches on.
#[derive(Debug, Clone, Default)]
pub struct FieldIndex {
    sets: [Option<RegexSet>; 4],
    /// Where each field's bits start in a [`FrameHits`]; the last entry is the total.
    offsets: [usize; 5],
}

/// Which of the index's globs match one frame: one bit per glob, fields one after another.
#[derive(Debug, Clone, Default)]
pub struct FrameHits {
    /// Empty when the index has no globs (or could not be built): matchers then evaluate
    /// their own regex.
    bits: Vec<bool>,
    offsets: [usize; 5],
}

impl FrameHits {
    /// Returns whether the glob in `slot` of `field` matched, if the index knows.
    pub fn get(&self, field: FrameField, slot: usize) -> Option<bool> {
        let index = field_index(field)?;
        let at = self.offsets[index] + slot;
        if at < self.offsets[index + 1] {
            self.bits.get(at).copied()
        } else {
            None
        }
    }
}

impl FieldIndex {
    /// Builds the index over the rules' field globs and records each glob's slot.
    pub fn build(rules: &mut [Rule]) -> FieldIndex {
        let mut sources: [Vec<String>; 4] = Default::default();
        for rule in rules.iter_mut() {
            let mut anchor = None;
            for matcher in &mut rule.frame_matchers {
                if let FrameTest::Field {
                    field,
                    source,
                    slot,
                    ..
                } = &mut matcher.test
                    && let Some(index) = field_index(*field)
                {
                    *slot = sources[index].len();
                    sources[index].push(source.clone());
                    if !matcher.negated
                        && matcher.offset == FrameOffset::Current
                        && anchor.is_none()
                    {
                        anchor = Some((*field, *slot));
                    }
                }
            }
            rule.anchor = anchor;
        }
        let mut sets: [Option<RegexSet>; 4] = Default::default();
        let mut offsets = [0; 5];
        for (index, sources) in sources.iter().enumerate() {
            offsets[index + 1] = offsets[index] + sources.len();
            if sources.is_empty() {
                continue;
            }
            let built = RegexSetBuilder::new(sources)
                .case_insensitive(true)
                .dot_matches_new_line(true)
                .size_limit(FIELD_SET_BYTES_MAX)
                .build();
            match built {
                Ok(built) => sets[index] = Some(built),
                // Only absurdly large project rules get here; every matcher then falls back to
                // its own regex.
                Err(_) => return FieldIndex::default(),
            }
        }
        FieldIndex { sets, offsets }
    }

    /// Returns which globs match the frame.
    pub fn hits(&self, frame: &MatchFrame) -> FrameHits {
        let total = self.offsets[4];
        let mut hits = FrameHits {
            bits: vec![false; total],
            offsets: self.offsets,
        };
        if total == 0 {
            return hits;
        }
        for (index, (field, set)) in INDEXED_FIELDS.iter().zip(&self.sets).enumerate() {
            let Some(set) = set else { continue };
            let value = match field {
                FrameField::Function => Some(frame.function.as_str()),
                FrameField::Module => frame.module.as_deref(),
                FrameField::Package => frame.package.as_deref(),
                FrameField::Path => frame.path.as_deref(),
                FrameField::Category => None,
            };
            let Some(value) = value else { continue };
            let bits = &mut hits.bits[self.offsets[index]..self.offsets[index + 1]];
            set.matches_read_at(bits, value, 0);
            // Path-like values are also tried with a leading slash (see `field_matches`).
            if matches!(field, FrameField::Path | FrameField::Package) && !value.starts_with('/') {
                let mut slashed = vec![false; set.len()];
                set.matches_read_at(&mut slashed, &format!("/{value}"), 0);
                for (bit, extra) in bits.iter_mut().zip(slashed) {
                    *bit |= extra;
                }
            }
        }
        hits
    }
}
