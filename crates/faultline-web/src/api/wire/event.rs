//! The event JSON of `/api/0/.../events/{event_id}/`: the stored (Relay-shaped, snake_case)
//! payload turned into Sentry's API shape, with interfaces as typed `entries`, frames in
//! camelCase and context lines as `[[lineNo, line], ...]`.

use faultline_store::StoredEvent;
use serde_json::{Map, Value, json};

use super::iso;

/// Returns the Sentry API JSON of a stored event.
pub(crate) fn event_json(event: &StoredEvent) -> Value {
    let p = &event.payload;
    let get = |k: &str| p.get(k).cloned().unwrap_or(Value::Null);
    let mut entries = Vec::new();
    if let Some(values) = values_of(p.get("exception")) {
        let values: Vec<Value> = values.iter().map(exception).collect();
        let has_system = values
            .iter()
            .any(|v| v.pointer("/stacktrace/hasSystemFrames") == Some(&Value::Bool(true)));
        entries.push(json!({"type": "exception", "data": {"values": values, "hasSystemFrames": has_system, "excOmitted": null}}));
    }
    if let Some(logentry) = p.get("logentry").filter(|v| v.is_object()) {
        let formatted = logentry
            .get("formatted")
            .or_else(|| logentry.get("message"))
            .cloned()
            .unwrap_or(Value::Null);
        entries.push(json!({"type": "message", "data": {
            "formatted": formatted,
            "message": logentry.get("message").cloned().unwrap_or(Value::Null),
            "params": logentry.get("params").cloned().unwrap_or(Value::Null),
        }}));
    }
    if let Some(values) = values_of(p.get("breadcrumbs")) {
        let values: Vec<Value> = values.iter().map(breadcrumb).collect();
        entries.push(json!({"type": "breadcrumbs", "data": {"values": values}}));
    }
    if let Some(request) = p.get("request").filter(|v| v.is_object()) {
        entries.push(json!({"type": "request", "data": request_data(request)}));
    }
    if let Some(values) = values_of(p.get("threads")) {
        let values: Vec<Value> = values.iter().map(thread).collect();
        entries.push(json!({"type": "threads", "data": {"values": values}}));
    }
    if let Some(spans) = p.get("spans").and_then(Value::as_array) {
        entries.push(json!({"type": "spans", "data": spans}));
    }
    if let Some(debug_meta) = p.get("debug_meta").filter(|v| v.is_object()) {
        entries.push(json!({"type": "debugmeta", "data": debug_meta}));
    }
    if let Some(template) = p.get("template").filter(|v| v.is_object()) {
        entries.push(json!({"type": "template", "data": template_data(template)}));
    }
    if let Some(csp) = p.get("csp").filter(|v| v.is_object()) {
        entries.push(json!({"type": "csp", "data": csp}));
    }
    let tags: Vec<Value> = pairs(p.get("tags"))
        .into_iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let message = p
        .pointer("/logentry/formatted")
        .or_else(|| p.pointer("/logentry/message"))
        .cloned()
        .unwrap_or_else(|| Value::String(String::new()));
    let release = p
        .get("release")
        .and_then(Value::as_str)
        .map(|v| json!({"version": v, "shortVersion": v}));
    json!({
        "id": event.event_id,
        "eventID": event.event_id,
        "groupID": event.issue_id.map(|id| id.to_string()),
        "projectID": event.project_id.to_string(),
        "title": get("title"),
        "culprit": get("culprit"),
        "message": message,
        "type": get("type"),
        "platform": get("platform"),
        "logger": get("logger"),
        "level": get("level"),
        "dateCreated": iso(event.timestamp),
        "dateReceived": iso(event.received_at),
        "tags": tags,
        "entries": entries,
        "location": location(p),
        "user": p.get("user").and_then(user),
        "packages": p.get("modules").filter(|m| m.is_object()).cloned().unwrap_or_else(|| json!({})),
        "contexts": p.get("contexts").cloned().unwrap_or_else(|| json!({})),
        "context": p.get("extra").cloned().unwrap_or_else(|| json!({})),
        "sdk": get("sdk"),
        "release": release,
        "dist": get("dist"),
        "environment": get("environment"),
        "fingerprints": p.get("hashes").cloned().unwrap_or_else(|| json!([])),
        "errors": p.get("errors").cloned().unwrap_or_else(|| json!([])),
        "metadata": p.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "groupingConfig": p.get("grouping_config").cloned().unwrap_or(Value::Null),
        "size": serde_json::to_vec(p).map(|b| b.len()).unwrap_or(0),
        "crashFile": null,
        "occurrence": null,
        "_meta": p.get("_meta").cloned().unwrap_or_else(|| json!({})),
    })
}

/// Returns the list inside a values wrapper (`{"values": [...]}` or a bare list).
fn values_of(value: Option<&Value>) -> Option<&Vec<Value>> {
    match value? {
        Value::Array(list) => Some(list),
        Value::Object(map) => map.get("values").and_then(Value::as_array),
        _ => None,
    }
    .filter(|list| !list.is_empty())
}

/// Returns `(key, value)` pairs from an object or a list of pairs.
fn pairs(value: Option<&Value>) -> Vec<(String, Value)> {
    match value {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|pair| {
                let pair = pair.as_array()?;
                Some((
                    pair.first()?.as_str()?.to_owned(),
                    pair.get(1).cloned().unwrap_or(Value::Null),
                ))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn pair_list(value: Option<&Value>) -> Value {
    Value::Array(
        pairs(value)
            .into_iter()
            .map(|(k, v)| json!([k, v]))
            .collect(),
    )
}

fn exception(exc: &Value) -> Value {
    json!({
        "type": exc.get("type").cloned().unwrap_or(Value::Null),
        "value": exc.get("value").cloned().unwrap_or(Value::Null),
        "module": exc.get("module").cloned().unwrap_or(Value::Null),
        "mechanism": exc.get("mechanism").cloned().unwrap_or(Value::Null),
        "threadId": exc.get("thread_id").cloned().unwrap_or(Value::Null),
        "stacktrace": exc.get("stacktrace").map(stacktrace).unwrap_or(Value::Null),
        "rawStacktrace": exc.get("raw_stacktrace").map(stacktrace).unwrap_or(Value::Null),
    })
}

fn stacktrace(st: &Value) -> Value {
    let Some(frames) = st.get("frames").and_then(Value::as_array) else {
        return Value::Null;
    };
    let frames: Vec<Value> = frames.iter().map(frame).collect();
    let in_app = frames
        .iter()
        .filter(|f| f.get("inApp") == Some(&Value::Bool(true)))
        .count();
    json!({
        "frames": frames,
        "framesOmitted": st.get("frames_omitted").cloned().unwrap_or(Value::Null),
        "registers": st.get("registers").cloned().unwrap_or(Value::Null),
        "hasSystemFrames": in_app > 0 && in_app < frames.len(),
    })
}

fn frame(f: &Value) -> Value {
    let get = |k: &str| f.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "filename": get("filename"),
        "absPath": get("abs_path"),
        "module": get("module"),
        "package": get("package"),
        "platform": get("platform"),
        "function": get("function"),
        "rawFunction": get("raw_function"),
        "symbol": get("symbol"),
        "lineNo": get("lineno"),
        "colNo": get("colno"),
        "inApp": f.get("in_app").and_then(Value::as_bool).unwrap_or(false),
        "instructionAddr": get("instruction_addr"),
        "symbolAddr": get("symbol_addr"),
        "trust": get("trust"),
        "lock": get("lock"),
        "vars": get("vars"),
        "context": context_lines(f),
        "errors": null,
    })
}

/// Returns `[[lineNo, line], ...]` from `pre_context`, `context_line` and `post_context`.
fn context_lines(f: &Value) -> Value {
    let Some(context_line) = f.get("context_line").and_then(Value::as_str) else {
        return json!([]);
    };
    let lineno = f.get("lineno").and_then(Value::as_i64).unwrap_or(0);
    let lines = |k: &str| -> Vec<String> {
        f.get(k)
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .map(|s| s.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let pre = lines("pre_context");
    let post = lines("post_context");
    let first = lineno - pre.len() as i64;
    let mut out = Vec::with_capacity(pre.len() + post.len() + 1);
    for (i, line) in pre.into_iter().enumerate() {
        out.push(json!([first + i as i64, line]));
    }
    out.push(json!([lineno, context_line]));
    for (i, line) in post.into_iter().enumerate() {
        out.push(json!([lineno + 1 + i as i64, line]));
    }
    Value::Array(out)
}

fn breadcrumb(b: &Value) -> Value {
    let get = |k: &str| b.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "type": b.get("type").cloned().unwrap_or_else(|| json!("default")),
        "category": get("category"),
        "level": b.get("level").cloned().unwrap_or_else(|| json!("info")),
        "message": get("message"),
        "data": get("data"),
        "timestamp": b.get("timestamp").map(timestamp).unwrap_or(Value::Null),
        "event_id": get("event_id"),
    })
}

fn request_data(r: &Value) -> Value {
    let get = |k: &str| r.get(k).cloned().unwrap_or(Value::Null);
    let query = match r.get("query_string") {
        Some(Value::String(q)) => Value::Array(
            q.trim_start_matches('?')
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    json!([k, v])
                })
                .collect(),
        ),
        other => pair_list(other),
    };
    let mut data = Map::new();
    data.insert("url".into(), get("url"));
    data.insert("method".into(), get("method"));
    data.insert("query".into(), query);
    data.insert("fragment".into(), get("fragment"));
    data.insert("data".into(), get("data"));
    data.insert("headers".into(), pair_list(r.get("headers")));
    data.insert("cookies".into(), pair_list(r.get("cookies")));
    data.insert("env".into(), get("env"));
    data.insert("inferredContentType".into(), get("inferred_content_type"));
    data.insert("apiTarget".into(), get("api_target"));
    Value::Object(data)
}

fn thread(t: &Value) -> Value {
    let get = |k: &str| t.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": get("id"),
        "name": get("name"),
        "crashed": t.get("crashed").and_then(Value::as_bool).unwrap_or(false),
        "current": t.get("current").and_then(Value::as_bool).unwrap_or(false),
        "state": get("state"),
        "stacktrace": t.get("stacktrace").map(stacktrace).unwrap_or(Value::Null),
        "rawStacktrace": t.get("raw_stacktrace").map(stacktrace).unwrap_or(Value::Null),
    })
}

/// Returns Sentry's user object: the known fields by name, everything else under `data`.
fn user(u: &Value) -> Option<Value> {
    let map = u.as_object()?;
    const KNOWN: [&str; 5] = ["id", "email", "username", "ip_address", "name"];
    let get = |k: &str| map.get(k).cloned().unwrap_or(Value::Null);
    let mut data: Map<String, Value> = map
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in map {
        if !KNOWN.contains(&k.as_str()) && k != "data" && k != "geo" {
            data.insert(k.clone(), v.clone());
        }
    }
    let mut out = json!({
        "id": get("id"),
        "email": get("email"),
        "username": get("username"),
        "ip_address": get("ip_address"),
        "name": get("name"),
        "data": if data.is_empty() { Value::Null } else { Value::Object(data) },
    });
    if let (Some(geo), Some(obj)) = (map.get("geo"), out.as_object_mut()) {
        obj.insert("geo".into(), geo.clone());
    }
    Some(out)
}

/// Returns the event's location: the file the culprit frame sits in, as Sentry shows it
/// under the title.
fn location(p: &Value) -> Value {
    p.pointer("/metadata/filename")
        .filter(|f| f.is_string())
        .cloned()
        .unwrap_or(Value::Null)
}

/// Returns a timestamp as ISO 8601: stored breadcrumbs carry Unix seconds (a float), SDKs may
/// send strings, which are kept as sent.
fn timestamp(t: &Value) -> Value {
    match t.as_f64() {
        Some(secs) => {
            let millis = (secs * 1000.0).round() as i64;
            chrono::DateTime::from_timestamp_millis(millis)
                .map(|time| Value::String(iso(time)))
                .unwrap_or(Value::Null)
        }
        None => t.clone(),
    }
}

/// Returns the template interface in the API's camelCase, context lines as pairs.
fn template_data(t: &Value) -> Value {
    let get = |k: &str| t.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "filename": get("filename"),
        "absPath": get("abs_path"),
        "lineNo": get("lineno"),
        "context": context_lines(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use faultline_store::StoredEvent;

    fn stored(payload: Value) -> StoredEvent {
        let time = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        StoredEvent {
            project_id: 7,
            event_id: "0123456789abcdef0123456789abcdef".into(),
            issue_id: Some(42),
            event_type: "error".into(),
            timestamp: time,
            received_at: time,
            level: "error".into(),
            platform: "python".into(),
            environment: None,
            release: None,
            transaction: None,
            trace_id: None,
            title: String::new(),
            culprit: String::new(),
            user_ident: None,
            primary_hash: String::new(),
            payload,
        }
    }

    fn entry<'a>(event: &'a Value, kind: &str) -> &'a Value {
        event["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == kind)
            .map(|e| &e["data"])
            .unwrap_or_else(|| panic!("no {kind} entry in {event}"))
    }

    #[test]
    fn top_level_fields_are_sentry_shaped() {
        let event = event_json(&stored(json!({
            "type": "error", "platform": "python", "title": "ValueError: bad",
            "culprit": "app in handler", "metadata": {"filename": "app.py", "type": "ValueError"},
            "tags": [["env", "prod"], ["server_name", "web-1"]],
            "extra": {"answer": 42}, "modules": {"django": "5.0"},
            "user": {"id": "u1", "email": "a@b.c", "plan": "pro"},
        })));
        assert_eq!(event["id"], "0123456789abcdef0123456789abcdef");
        assert_eq!(event["eventID"], event["id"]);
        assert_eq!(event["groupID"], "42");
        assert_eq!(event["projectID"], "7");
        assert_eq!(event["dateCreated"], "2026-01-02T03:04:05.000Z");
        assert_eq!(event["location"], "app.py");
        assert_eq!(
            event["tags"][1],
            json!({"key": "server_name", "value": "web-1"})
        );
        assert_eq!(event["context"], json!({"answer": 42}));
        assert_eq!(event["packages"], json!({"django": "5.0"}));
        assert_eq!(event["errors"], json!([]));
        assert_eq!(
            event["user"],
            json!({"id": "u1", "email": "a@b.c", "username": null, "ip_address": null,
                   "name": null, "data": {"plan": "pro"}})
        );
    }

    #[test]
    fn frames_are_camel_case_with_context_pairs() {
        let event = event_json(&stored(json!({"exception": {"values": [{
            "type": "ValueError", "value": "bad", "module": "builtins",
            "mechanism": {"type": "generic", "handled": true},
            "stacktrace": {"frames": [
                {"filename": "lib.py", "abs_path": "/usr/lib.py", "function": "f", "lineno": 3,
                 "in_app": false},
                {"filename": "app.py", "abs_path": "/srv/app.py", "function": "handler",
                 "module": "app", "lineno": 10, "colno": 5, "in_app": true,
                 "pre_context": ["a", "b"], "context_line": "raise ValueError('bad')",
                 "post_context": ["c"], "vars": {"x": "1"}},
            ]},
        }]}})));
        let data = entry(&event, "exception");
        assert_eq!(data["hasSystemFrames"], true);
        assert_eq!(data["excOmitted"], Value::Null);
        let exc = &data["values"][0];
        assert_eq!(exc["mechanism"]["handled"], true);
        assert_eq!(exc["stacktrace"]["hasSystemFrames"], true);
        let frame = &exc["stacktrace"]["frames"][1];
        assert_eq!(frame["absPath"], "/srv/app.py");
        assert_eq!(frame["lineNo"], 10);
        assert_eq!(frame["colNo"], 5);
        assert_eq!(frame["inApp"], true);
        assert_eq!(frame["vars"], json!({"x": "1"}));
        assert_eq!(
            frame["context"],
            json!([
                [8, "a"],
                [9, "b"],
                [10, "raise ValueError('bad')"],
                [11, "c"]
            ])
        );
        assert_eq!(exc["stacktrace"]["frames"][0]["context"], json!([]));
    }

    #[test]
    fn message_breadcrumbs_and_request_entries() {
        let event = event_json(&stored(json!({
            "logentry": {"message": "hello %s", "params": ["world"], "formatted": "hello world"},
            "breadcrumbs": {"values": [{"timestamp": 1767323045.5, "category": "http",
                                        "message": "GET /", "data": {"status": 200}}]},
            "request": {"url": "http://x/y", "method": "POST", "query_string": "a=1&b=",
                        "headers": [["Content-Type", "text/plain"]], "cookies": {"sid": "s"},
                        "data": {"k": "v"}, "env": {"REMOTE_ADDR": "1.2.3.4"}},
        })));
        assert_eq!(event["message"], "hello world");
        assert_eq!(
            entry(&event, "message"),
            &json!({"formatted": "hello world", "message": "hello %s", "params": ["world"]})
        );
        let crumb = &entry(&event, "breadcrumbs")["values"][0];
        assert_eq!(crumb["timestamp"], "2026-01-02T03:04:05.500Z");
        assert_eq!(crumb["type"], "default");
        assert_eq!(crumb["level"], "info");
        assert_eq!(crumb["data"], json!({"status": 200}));
        let request = entry(&event, "request");
        assert_eq!(request["method"], "POST");
        assert_eq!(request["query"], json!([["a", "1"], ["b", ""]]));
        assert_eq!(request["headers"], json!([["Content-Type", "text/plain"]]));
        assert_eq!(request["cookies"], json!([["sid", "s"]]));
        assert_eq!(request["env"], json!({"REMOTE_ADDR": "1.2.3.4"}));
    }

    #[test]
    fn threads_spans_and_debugmeta_entries() {
        let event = event_json(&stored(json!({
            "type": "transaction",
            "spans": [{"span_id": "a", "op": "db"}],
            "threads": {"values": [{"id": 1, "crashed": true, "stacktrace": {"frames": []}}]},
            "debug_meta": {"images": []},
        })));
        assert_eq!(
            entry(&event, "spans"),
            &json!([{"span_id": "a", "op": "db"}])
        );
        assert_eq!(entry(&event, "threads")["values"][0]["crashed"], true);
        assert_eq!(entry(&event, "debugmeta"), &json!({"images": []}));
    }
}
