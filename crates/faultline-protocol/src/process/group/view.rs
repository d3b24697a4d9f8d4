//! Typed, borrowed views of the event parts grouping reads: exceptions, stack traces, frames
//! and threads. Building a view copies no strings; only normalization (function trimming,
//! query-string stripping) allocates, and only for frames it changes.

use std::borrow::Cow;

use serde_json::Value;

use super::enhancements::RuleFrames;
use super::input::{bool_field, int_field, interface, present, str_field, values_list};

/// Upper bound on exceptions read from one event; SDKs send a handful, this guards the
/// quadratic parts of exception-group filtering against hostile payloads.
pub const EXCEPTIONS_MAX: usize = 256;

/// Upper bound on frames read from one stack trace; SDKs send at most a few hundred.
pub const FRAMES_MAX: usize = 1024;

/// Upper bound on threads read from one event.
pub const THREADS_MAX: usize = 1024;

/// One stack frame, after grouping normalization.
#[derive(Debug, Clone, Default)]
pub struct Frame<'a> {
    pub function: Option<Cow<'a, str>>,
    pub raw_function: Option<&'a str>,
    pub module: Option<&'a str>,
    pub filename: Option<Cow<'a, str>>,
    pub abs_path: Option<&'a str>,
    pub package: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub context_line: Option<&'a str>,
    pub lineno: Option<&'a Value>,
    pub colno: Option<&'a Value>,
    pub in_app: Option<bool>,
    /// The frame was source-mapped (`data.sourcemap` is set).
    pub sourcemap_used: bool,
    /// Set by stack-trace rules (`category=`), or by the client in `data.category`.
    pub category: Option<Cow<'a, str>>,
}

impl<'a> Frame<'a> {
    /// Reads a frame object.
    pub fn from_json(frame: &'a Value) -> Frame<'a> {
        let mut out = Frame::default();
        let Some(object) = frame.as_object() else {
            return out;
        };
        // One pass over the keys: frames are the bulk of an event and each lookup in the
        // order-preserving map hashes the key.
        let text = |value: &'a Value| value.as_str().filter(|s| !s.is_empty());
        for (key, value) in object {
            match key.as_str() {
                "function" => out.function = text(value).map(Cow::Borrowed),
                "raw_function" => out.raw_function = text(value),
                "module" => out.module = text(value),
                "filename" => out.filename = text(value).map(Cow::Borrowed),
                "abs_path" => out.abs_path = text(value),
                "package" => out.package = text(value),
                "platform" => out.platform = text(value),
                "context_line" => out.context_line = value.as_str(),
                "lineno" => out.lineno = present(Some(value)),
                "colno" => out.colno = present(Some(value)),
                "in_app" => out.in_app = value.as_bool(),
                "data" => {
                    out.sourcemap_used = present(value.get("sourcemap")).is_some();
                    out.category = str_field(value, "category").map(Cow::Borrowed);
                }
                _ => {}
            }
        }
        out
    }

    /// Returns whether this frame repeats `previous` on every field recursion compares
    /// (context lines are not compared).
    pub fn is_recursion_of(&self, previous: &Frame<'_>) -> bool {
        self.abs_path == previous.abs_path
            && self.package == previous.package
            && self.module == previous.module
            && self.filename == previous.filename
            && self.function == previous.function
            && self.lineno == previous.lineno
            && self.colno == previous.colno
    }
}

/// Reads the frames of a stack-trace object; `None` when it has no frames, which Relay treats
/// as no stack trace at all.
pub fn read_frames(stacktrace: Option<&Value>) -> Option<Vec<Frame<'_>>> {
    let raw = present(stacktrace)?.get("frames")?.as_array()?;
    // Beyond the limit the outermost callers go: the frames nearest the crash group best.
    let skip = raw.len().saturating_sub(FRAMES_MAX);
    let mut frames = Vec::with_capacity(raw.len() - skip);
    frames.extend(
        raw[skip..]
            .iter()
            .filter(|frame| frame.is_object())
            .map(Frame::from_json),
    );
    if frames.is_empty() {
        None
    } else {
        Some(frames)
    }
}

/// One stack trace borrowed for normalization: owning exception index, frames, rule frames.
pub type StacktraceMut<'v, 'a> = (
    Option<usize>,
    &'v mut Vec<Frame<'a>>,
    &'v mut Option<RuleFrames>,
);

/// The mechanism fields grouping reads.
#[derive(Debug, Clone, Default)]
pub struct Mechanism<'a> {
    pub ty: Option<&'a str>,
    pub source: Option<&'a str>,
    pub synthetic: bool,
    pub is_exception_group: bool,
    pub exception_id: Option<i64>,
    pub parent_id: Option<i64>,
    /// `mechanism.meta.ns_error` as (domain, code), each already in hash form.
    pub ns_error: Option<(String, String)>,
}

impl<'a> Mechanism<'a> {
    fn from_json(mechanism: Option<&'a Value>) -> Mechanism<'a> {
        let Some(mechanism) = present(mechanism) else {
            return Mechanism::default();
        };
        let ns_error = present(mechanism.get("meta"))
            .and_then(|meta| meta.get("ns_error"))
            .map(|ns_error| {
                (
                    hash_form(ns_error.get("domain")),
                    hash_form(ns_error.get("code")),
                )
            });
        Mechanism {
            ty: str_field(mechanism, "type"),
            source: str_field(mechanism, "source"),
            synthetic: bool_field(mechanism, "synthetic").unwrap_or(false),
            is_exception_group: bool_field(mechanism, "is_exception_group").unwrap_or(false),
            exception_id: int_field(mechanism, "exception_id"),
            parent_id: int_field(mechanism, "parent_id"),
            ns_error,
        }
    }
}

/// Returns a JSON scalar as Sentry's hashing turns it into text (`None` for null).
fn hash_form(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "True".to_owned(),
        Some(Value::Bool(false)) => "False".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// One exception of the event's chain.
#[derive(Debug, Clone)]
pub struct Exception<'a> {
    pub ty: Option<&'a str>,
    pub value: Option<&'a str>,
    pub module: Option<&'a str>,
    pub mechanism: Mechanism<'a>,
    /// `None` when the exception has no stack trace (or one without frames).
    pub frames: Option<Vec<Frame<'a>>>,
    /// The frames as stack-trace rules saw them during normalization.
    pub rule_frames: Option<RuleFrames>,
}

impl<'a> Exception<'a> {
    fn from_json(exception: &'a Value) -> Exception<'a> {
        Exception {
            ty: str_field(exception, "type"),
            value: exception.get("value").and_then(Value::as_str),
            module: str_field(exception, "module"),
            mechanism: Mechanism::from_json(exception.get("mechanism")),
            frames: read_frames(exception.get("stacktrace")),
            rule_frames: None,
        }
    }
}

/// One thread of the `threads` interface.
#[derive(Debug, Clone)]
pub struct Thread<'a> {
    pub crashed: bool,
    pub current: bool,
    pub frames: Option<Vec<Frame<'a>>>,
    /// The frames as stack-trace rules saw them during normalization.
    pub rule_frames: Option<RuleFrames>,
}

/// The parts of an event that grouping strategies read.
#[derive(Debug, Clone)]
pub struct EventView<'a> {
    pub raw: &'a Value,
    pub platform: Option<&'a str>,
    pub exceptions: Vec<Exception<'a>>,
    /// The top-level stack trace's frames, if it has any.
    pub stacktrace: Option<Vec<Frame<'a>>>,
    /// The top-level frames as stack-trace rules saw them during normalization.
    pub stacktrace_rule_frames: Option<RuleFrames>,
    /// The threads, if the event has a `threads` interface.
    pub threads: Option<Vec<Thread<'a>>>,
}

impl<'a> EventView<'a> {
    /// Reads the view from event JSON.
    pub fn new(event: &'a Value) -> EventView<'a> {
        let exceptions = values_list(interface(event, "exception", "sentry.interfaces.Exception"));
        // The last exception is the one raised; beyond the limit the oldest causes go.
        let skip = exceptions.len().saturating_sub(EXCEPTIONS_MAX);
        let exceptions = exceptions[skip..]
            .iter()
            .map(|e| Exception::from_json(e))
            .collect();
        let threads = interface(event, "threads", "sentry.interfaces.Threads").map(|threads| {
            values_list(Some(threads))
                .into_iter()
                .take(THREADS_MAX)
                .map(|thread| Thread {
                    crashed: bool_field(thread, "crashed").unwrap_or(false),
                    current: bool_field(thread, "current").unwrap_or(false),
                    frames: read_frames(thread.get("stacktrace")),
                    rule_frames: None,
                })
                .collect()
        });
        EventView {
            raw: event,
            platform: str_field(event, "platform"),
            exceptions,
            stacktrace: read_frames(interface(
                event,
                "stacktrace",
                "sentry.interfaces.Stacktrace",
            )),
            stacktrace_rule_frames: None,
            threads,
        }
    }

    /// Returns every stack trace mutably: the exception owning it (if any), its frames and the
    /// slot for the frames as rules see them.
    pub fn stacktraces_mut(&mut self) -> Vec<StacktraceMut<'_, 'a>> {
        let mut all = Vec::new();
        for (index, exception) in self.exceptions.iter_mut().enumerate() {
            if let Some(frames) = exception.frames.as_mut() {
                all.push((Some(index), frames, &mut exception.rule_frames));
            }
        }
        if let Some(frames) = self.stacktrace.as_mut() {
            all.push((None, frames, &mut self.stacktrace_rule_frames));
        }
        for thread in self.threads.iter_mut().flatten() {
            if let Some(frames) = thread.frames.as_mut() {
                all.push((None, frames, &mut thread.rule_frames));
            }
        }
        all
    }

    /// Returns every frame of the event (exceptions, top-level stack trace, threads).
    pub fn all_frames(&self) -> impl Iterator<Item = &Frame<'a>> {
        let exceptions = self
            .exceptions
            .iter()
            .filter_map(|e| e.frames.as_ref())
            .flatten();
        let stacktrace = self.stacktrace.iter().flatten();
        let threads = self
            .threads
            .iter()
            .flatten()
            .filter_map(|t| t.frames.as_ref())
            .flatten();
        exceptions.chain(stacktrace).chain(threads)
    }

    /// Returns the crash frame: the last in-app frame of the last exception's stack trace (or
    /// of the top-level stack trace, or of the only thread), else that trace's last frame.
    pub fn crash_frame(&self) -> Option<&Frame<'a>> {
        let frames = self
            .exceptions
            .last()
            .and_then(|exception| exception.frames.as_ref())
            .or(self.stacktrace.as_ref())
            .or(match self.threads.as_deref() {
                Some([only]) => only.frames.as_ref(),
                _ => None,
            })?;
        frames
            .iter()
            .rev()
            .find(|frame| frame.in_app == Some(true))
            .or(frames.last())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stack_traces_without_frames_count_as_absent() {
        let event = json!({"exception": {"values": [
            {"type": "A", "stacktrace": {"frames": null}},
            {"type": "B", "stacktrace": {"frames": []}},
            {"type": "C", "stacktrace": {"frames": [{"function": "f"}]}},
        ]}});
        let view = EventView::new(&event);
        let present: Vec<bool> = view.exceptions.iter().map(|e| e.frames.is_some()).collect();
        assert_eq!(present, [false, false, true]);
    }

    #[test]
    fn frames_beyond_the_limit_drop_the_outermost_callers() {
        let frames: Vec<Value> = (0..FRAMES_MAX + 1).map(|i| json!({"lineno": i})).collect();
        let event = json!({"stacktrace": {"frames": frames}});
        let view = EventView::new(&event);
        let read = view.stacktrace.as_deref().unwrap_or_default();
        assert_eq!(read.len(), FRAMES_MAX);
        assert_eq!(read[0].lineno, Some(&json!(1)));
        let at_max = json!({"stacktrace": {"frames": vec![json!({}); FRAMES_MAX]}});
        assert_eq!(
            EventView::new(&at_max).stacktrace.map(|f| f.len()),
            Some(FRAMES_MAX)
        );
    }

    #[test]
    fn exceptions_and_threads_are_capped() {
        let chain = |n: usize| json!({"exception": {"values": (0..n).map(|i| json!({"type": i.to_string()})).collect::<Vec<_>>()}});
        let at_max = chain(EXCEPTIONS_MAX);
        assert_eq!(EventView::new(&at_max).exceptions.len(), EXCEPTIONS_MAX);
        let over = chain(EXCEPTIONS_MAX + 1);
        let view = EventView::new(&over);
        assert_eq!(view.exceptions.len(), EXCEPTIONS_MAX);
        assert_eq!(view.exceptions[0].ty, Some("1"));

        let threads = |n: usize| json!({"threads": {"values": vec![json!({"crashed": false}); n]}});
        let at_max = threads(THREADS_MAX);
        assert_eq!(
            EventView::new(&at_max).threads.map(|t| t.len()),
            Some(THREADS_MAX)
        );
        let over = threads(THREADS_MAX + 1);
        assert_eq!(
            EventView::new(&over).threads.map(|t| t.len()),
            Some(THREADS_MAX)
        );
    }

    #[test]
    fn crash_frame_prefers_the_last_in_app_frame() {
        let event = json!({"stacktrace": {"frames": [
            {"function": "a", "in_app": true}, {"function": "b", "in_app": true}, {"function": "c"},
        ]}});
        let view = EventView::new(&event);
        assert_eq!(
            view.crash_frame().and_then(|f| f.function.as_deref()),
            Some("b")
        );
    }

    #[test]
    fn ns_error_code_is_read_as_text() {
        let event = json!({"exception": {"values": [{"type": "E", "mechanism": {"meta": {"ns_error": {"domain": "D", "code": 42}}}}]}});
        let view = EventView::new(&event);
        assert_eq!(
            view.exceptions[0].mechanism.ns_error,
            Some(("D".to_owned(), "42".to_owned()))
        );
    }
}
