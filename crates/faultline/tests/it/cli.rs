//! The binary's command-line contract: `bootstrap` is idempotent and gives each project its own
//! key, the operations endpoints answer, the API refuses missing and wrong tokens, and SIGTERM
//! drains, exits 0 and keeps every accepted event for the next start.

use serde_json::Value;

use crate::support::{Server, request};

const EVENT_ID: &str = "0123456789abcdef0123456789abcdef";

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn bootstrap_is_idempotent_and_each_project_has_its_own_key() {
    let mut server = Server::start();
    let first = server.bootstrap("web");
    let again = server.bootstrap("web");
    let other = server.bootstrap("other");

    assert_eq!(
        (&again.dsn, &again.token, &again.project_id),
        (&first.dsn, &first.token, &first.project_id)
    );
    assert_eq!(first.url, server.url);
    assert_eq!((first.org.as_str(), first.slug.as_str()), ("acme", "web"));
    // DSN rules every SDK can parse (ingest-protocol.md §1.2): 32 lowercase hex, numeric id.
    assert!(is_lower_hex(&first.key(), 32), "public key {}", first.key());
    assert!(
        first.project_id.bytes().all(|b| b.is_ascii_digit()),
        "project id {}",
        first.project_id
    );
    let host = server.url.trim_start_matches("http://");
    assert_eq!(
        first.dsn,
        format!("http://{}@{host}/{}", first.key(), first.project_id)
    );

    assert_ne!(other.key(), first.key());
    assert_ne!(other.project_id, first.project_id);
    assert_eq!(
        server.stop(),
        Some(0),
        "exit code after SIGTERM{}",
        server.log_tail()
    );
}

#[test]
fn operations_endpoints_answer() {
    let mut server = Server::start();
    assert_eq!(
        request(&server.addr, "GET", "/health", &[], b"").status,
        200
    );
    assert_eq!(request(&server.addr, "GET", "/ready", &[], b"").status, 200);
    let metrics = request(&server.addr, "GET", "/metrics", &[], b"");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{}",
        metrics.describe()
    );
    assert_eq!(
        server.stop(),
        Some(0),
        "exit code after SIGTERM{}",
        server.log_tail()
    );
}

#[test]
fn api_refuses_missing_and_wrong_tokens() {
    let mut server = Server::start();
    let project = server.bootstrap("web");
    let path = format!("/api/0/projects/{}/{}/issues/", project.org, project.slug);
    assert_eq!(project.api_get(&path).status, 200);
    for headers in [vec![], vec![("Authorization", "Bearer not-a-token")]] {
        let resp = request(&server.addr, "GET", &path, &headers, b"");
        assert_eq!(resp.status, 401, "{}", resp.describe());
        assert!(resp.json()["detail"].is_string(), "{}", resp.describe());
    }
    assert_eq!(
        server.stop(),
        Some(0),
        "exit code after SIGTERM{}",
        server.log_tail()
    );
}

#[test]
fn sigterm_drains_and_the_next_start_has_every_accepted_event() {
    let mut server = Server::start();
    let project = server.bootstrap("web");
    let body = format!(
        "{{\"event_id\":\"{EVENT_ID}\"}}\n{{\"type\":\"event\"}}\n{{\"message\":\"survives a restart\"}}"
    );
    let resp = project.post_envelope(body.as_bytes());
    assert_eq!(resp.status, 200, "{}", resp.describe());
    assert_eq!(resp.json(), serde_json::json!({"id": EVENT_ID}));

    server.restart();
    let project = server.bootstrap("web");
    let event: Value = project.get_event(EVENT_ID);
    assert_eq!(event["title"], "survives a restart");
    assert_eq!(
        server.stop(),
        Some(0),
        "exit code after SIGTERM{}",
        server.log_tail()
    );
}
