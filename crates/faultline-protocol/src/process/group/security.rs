//! Security-report strategies: `csp` (score 1003), `hpkp` (1002), `expect-staple` (1001) and
//! `expect-ct` (1000), all `default` variant (spec §6).

use serde_json::Value;

use super::component::Component;
use super::input::{interface, str_field};
use super::variant_name::{ComponentsByVariant, VariantName};
use super::view::EventView;

/// How CSP reports write "the page's own origin".
const LOCAL: &str = "'self'";

/// Schemes Python's `urlunsplit` writes with `//` even without a host.
const NETLOC_SCHEMES: [&str; 26] = [
    "",
    "ftp",
    "http",
    "gopher",
    "nntp",
    "telnet",
    "imap",
    "wais",
    "file",
    "mms",
    "https",
    "shttp",
    "snews",
    "prospero",
    "rtsp",
    "rtspu",
    "rsync",
    "svn",
    "svn+ssh",
    "sftp",
    "nfs",
    "git",
    "git+ssh",
    "ws",
    "wss",
    "itms-services",
];

/// Returns the CSP strategy's component, or `None` without a `csp` interface.
pub fn csp_strategy(view: &EventView<'_>) -> Option<ComponentsByVariant> {
    let csp = interface(view.raw, "csp", "sentry.interfaces.Csp")?;
    let violated = str_field(csp, "violated_directive");
    // Relay derives a missing effective directive from the violated one.
    let effective = str_field(csp, "effective_directive")
        .or_else(|| violated.and_then(|v| v.split_whitespace().next()));
    let blocked = normalize_uri(csp.get("blocked_uri").and_then(Value::as_str).unwrap_or(""));

    let local_violation = match (violated, effective) {
        (Some(violated), Some("script-src")) if blocked == LOCAL => {
            if violated.contains("'unsafe-inline'") {
                Some("unsafe-inline")
            } else if violated.contains("'unsafe-eval'") {
                Some("unsafe-eval")
            } else {
                None
            }
        }
        _ => None,
    };

    let salt = match effective {
        Some(directive) => Component::leaf("salt", directive),
        None => Component::empty("salt"),
    };
    let (violation, uri) = match local_violation {
        Some(kind) => {
            let mut uri = Component::leaf("uri", blocked);
            uri.switch_off("violation takes precedence");
            (Component::leaf("violation", format!("'{kind}'")), uri)
        }
        None => {
            let mut violation = Component::empty("violation");
            violation.switch_off("not a local script violation");
            (violation, Component::leaf("uri", blocked))
        }
    };
    Some(vec![(
        VariantName::Default,
        Component::with_children("csp", vec![salt, violation, uri]),
    )])
}

/// Returns the HPKP strategy's component.
pub fn hpkp_strategy(view: &EventView<'_>) -> Option<ComponentsByVariant> {
    hostname_report(view, "hpkp", "sentry.interfaces.Hpkp", "hpkp")
}

/// Returns the Expect-Staple strategy's component.
pub fn expect_staple_strategy(view: &EventView<'_>) -> Option<ComponentsByVariant> {
    hostname_report(
        view,
        "expectstaple",
        "sentry.interfaces.ExpectStaple",
        "expect-staple",
    )
}

/// Returns the Expect-CT strategy's component.
pub fn expect_ct_strategy(view: &EventView<'_>) -> Option<ComponentsByVariant> {
    hostname_report(view, "expectct", "sentry.interfaces.ExpectCT", "expect-ct")
}

fn hostname_report(
    view: &EventView<'_>,
    key: &str,
    legacy: &str,
    salt: &'static str,
) -> Option<ComponentsByVariant> {
    let report = interface(view.raw, key, legacy)?;
    let hostname = match str_field(report, "hostname") {
        Some(hostname) => Component::leaf("hostname", hostname),
        None => Component::empty("hostname"),
    };
    let component = Component::with_children(salt, vec![Component::leaf("salt", salt), hostname]);
    Some(vec![(VariantName::Default, component)])
}

/// Reduces a blocked URI to what identifies the blocked resource: the host for http(s) URLs,
/// `scheme:` or `scheme://host` otherwise, `'self'` for the page itself.
fn normalize_uri(value: &str) -> String {
    if value.is_empty() || value == LOCAL || value == "self" {
        return LOCAL.to_owned();
    }
    let (scheme, netloc) = match value.split_once(':') {
        None => (value.to_owned(), ""),
        Some((candidate, rest)) => {
            let valid_scheme = candidate
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && candidate
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if !valid_scheme {
                return unsplit("", "");
            }
            let scheme = candidate.to_ascii_lowercase();
            let netloc = rest
                .strip_prefix("//")
                .map(|after| &after[..after.find(['/', '?', '#']).unwrap_or(after.len())])
                .unwrap_or("");
            if scheme == "http" || scheme == "https" {
                return netloc.to_owned();
            }
            (scheme, netloc)
        }
    };
    unsplit(&scheme, netloc)
}

/// Python's `urlunsplit((scheme, netloc, "", None, None))`.
fn unsplit(scheme: &str, netloc: &str) -> String {
    let mut url = String::new();
    if !netloc.is_empty() || (!scheme.is_empty() && NETLOC_SCHEMES.contains(&scheme)) {
        url.push_str("//");
        url.push_str(netloc);
    }
    if scheme.is_empty() {
        url
    } else {
        format!("{scheme}:{url}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hash(
        event: Value,
        strategy: fn(&EventView<'_>) -> Option<ComponentsByVariant>,
    ) -> Option<String> {
        strategy(&EventView::new(&event))?.first()?.1.hash()
    }

    #[test]
    fn blocked_uris_normalize_to_hosts_or_schemes() {
        assert_eq!(normalize_uri("https://YYY/x.js"), "YYY");
        assert_eq!(normalize_uri(""), "'self'");
        assert_eq!(normalize_uri("self"), "'self'");
        assert_eq!(normalize_uri("data"), "data:");
        assert_eq!(normalize_uri("data:image/png;base64,xx"), "data:");
        assert_eq!(
            normalize_uri("chrome-extension://abc/x.js"),
            "chrome-extension://abc"
        );
        assert_eq!(normalize_uri("wss"), "wss://");
    }

    #[test]
    fn local_script_violations_hash_the_violation() {
        let eval = json!({"csp": {"effective_directive": "script-src", "blocked_uri": "", "violated_directive": "script-src 'unsafe-eval' 'self'"}});
        assert_eq!(
            hash(eval, csp_strategy).as_deref(),
            Some("56c6520f35bce2f89ed2c4e725ccef65")
        );
        let remote =
            json!({"csp": {"effective_directive": "script-src", "blocked_uri": "https://YYY"}});
        assert_eq!(
            hash(remote, csp_strategy).as_deref(),
            Some("666766514295bb52812324097cdaf53e")
        );
    }

    #[test]
    fn hostname_reports_are_salted() {
        let hpkp = json!({"hpkp": {"hostname": "example.com"}});
        assert_eq!(
            hash(hpkp, hpkp_strategy).as_deref(),
            Some("1e37a374cb33572622d02ff7a6237c44")
        );
        let ct = json!({"expectct": {"hostname": "example.com"}});
        assert_eq!(
            hash(ct, expect_ct_strategy).as_deref(),
            Some("3d2933f4b5ec459ec8d569a398fd328c")
        );
    }
}
