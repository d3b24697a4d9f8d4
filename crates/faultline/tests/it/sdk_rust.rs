//! The real Rust `sentry` SDK (reqwest transport) against the server: messages and errors with
//! a source chain, with tags, user, breadcrumbs, release and environment, read back through
//! the API.
//!
//! Each test builds its own `Client` and `Hub` instead of calling `sentry::init`, because the
//! tests of this binary run in parallel threads and `init` binds one process-wide client.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use sentry::protocol::{Breadcrumb, Level, User};
use sentry::{Client, ClientOptions, Hub, Scope};

use crate::support::{FLUSH_TIMEOUT, Project, Server, entry, tag};

/// Returns a client for `project` with the SDK's defaults (transport, integrations).
fn client(project: &Project) -> Arc<Client> {
    // `ClientOptions` is non-exhaustive: start from the defaults and set what the test needs.
    let mut options = ClientOptions::default();
    let dsn = project
        .dsn
        .parse()
        .expect("bootstrap prints a DSN the Rust SDK parses");
    options.dsn = Some(dsn);
    options.release = Some("billing@3.1.0".into());
    options.environment = Some("staging".into());
    Arc::new(Client::with_options(sentry::apply_defaults(options)))
}

/// Runs `f` with a fresh hub bound to `client`, then flushes the client.
fn with_hub<R>(client: &Arc<Client>, f: impl FnOnce() -> R) -> R {
    let hub = Arc::new(Hub::new(Some(client.clone()), Arc::new(Scope::default())));
    let result = Hub::run(hub, f);
    assert!(
        client.flush(Some(FLUSH_TIMEOUT)),
        "the SDK flushed its queue"
    );
    result
}

#[derive(Debug)]
struct DiskFull;

impl fmt::Display for DiskFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("disk is full")
    }
}

impl Error for DiskFull {}

#[derive(Debug)]
struct SaveFailed {
    source: DiskFull,
}

impl fmt::Display for SaveFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not save the invoice")
    }
}

impl Error for SaveFailed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

#[test]
fn message_carries_tags_user_breadcrumbs_release_and_environment() {
    let mut server = Server::start();
    let project = server.bootstrap("rust");
    let client = client(&project);
    let event_id = with_hub(&client, || {
        sentry::configure_scope(|scope| {
            scope.set_tag("component", "billing");
            scope.set_user(Some(User {
                id: Some("99".into()),
                email: Some("kim@example.com".into()),
                username: Some("kim".into()),
                ..User::default()
            }));
        });
        sentry::add_breadcrumb(Breadcrumb {
            category: Some("db".into()),
            message: Some("SELECT 1".into()),
            ..Breadcrumb::default()
        });
        sentry::capture_message("rust invoice run is slow", Level::Warning)
    });

    let event = project.get_event(&event_id.simple().to_string());
    assert_eq!(event["title"], "rust invoice run is slow");
    assert_eq!(event["level"], "warning");
    assert_eq!(
        entry(&event, "message")["formatted"],
        "rust invoice run is slow"
    );
    assert_eq!(tag(&event, "component"), Some("billing"));
    assert_eq!(tag(&event, "environment"), Some("staging"));
    assert_eq!(event["release"]["version"], "billing@3.1.0");
    assert_eq!(event["user"]["id"], "99");
    assert_eq!(event["user"]["email"], "kim@example.com");
    assert_eq!(event["user"]["username"], "kim");
    let crumbs = entry(&event, "breadcrumbs")["values"]
        .as_array()
        .expect("breadcrumb values");
    assert_eq!(crumbs.len(), 1, "{crumbs:?}");
    assert_eq!(crumbs[0]["category"], "db");
    assert_eq!(crumbs[0]["message"], "SELECT 1");
    assert_eq!(event["sdk"]["name"], "sentry.rust");
    assert_eq!(
        server.stop(),
        Some(0),
        "exit code after SIGTERM{}",
        server.log_tail()
    );
}

#[test]
fn error_with_source_chain_is_stored_oldest_first_and_grouped() {
    let mut server = Server::start();
    let project = server.bootstrap("rust");
    let client = client(&project);
    let error = SaveFailed { source: DiskFull };
    let ids = with_hub(&client, || {
        [sentry::capture_error(&error), sentry::capture_error(&error)]
    });

    let first = project.get_event(&ids[0].simple().to_string());
    let second = project.get_event(&ids[1].simple().to_string());
    assert_eq!(first["title"], "SaveFailed: could not save the invoice");
    let chain: Vec<(&str, &str)> = entry(&first, "exception")["values"]
        .as_array()
        .expect("exception values")
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap_or_default(),
                v["value"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        [
            ("DiskFull", "disk is full"),
            ("SaveFailed", "could not save the invoice")
        ]
    );
    assert_eq!(first["level"], "error");

    let group_id = first["groupID"].as_str().expect("groupID is a string");
    assert_eq!(
        second["groupID"], group_id,
        "the same error twice is one issue"
    );
    let issue = project.issue(group_id);
    assert_eq!(issue["count"], "2");
    assert_eq!(issue["title"], "SaveFailed: could not save the invoice");
    assert_eq!(
        server.stop(),
        Some(0),
        "exit code after SIGTERM{}",
        server.log_tail()
    );
}
