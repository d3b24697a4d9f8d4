//! DSNs and request credentials.
//!
//! This module owns how an ingest request says which project key it speaks for
//! (ingest-protocol.md §1 and §2.2): the `X-Sentry-Auth` header, the `Authorization` header
//! (`Sentry ...` or `Basic ...`), the `sentry_*` query string of browser SDKs, and the `dsn`
//! envelope header of tunnelled envelopes ([`Dsn`], [`Dsn::credentials`]). It only reads and
//! validates the syntax; whether a key exists and belongs to the project is the store's
//! business.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;

/// The newest protocol version this server speaks; SDKs have sent 7 for years.
pub const PROTOCOL_VERSION: u32 = 7;

/// Length of a public key. Relay accepts any 32 ASCII characters; faultline issues 32
/// lowercase hex characters.
pub const PUBLIC_KEY_LEN: usize = 32;

/// The credentials of one ingest request.
///
/// Read from `X-Sentry-Auth: Sentry sentry_key=<key>, sentry_version=7, sentry_client=sentry.python/2.75.0`
/// or its query-string and DSN equivalents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The DSN public key (32 characters, flags such as `.no-cache` removed).
    pub public_key: String,
    /// The protocol version (`sentry_version`), 7 when absent.
    pub version: u32,
    /// The SDK identity (`sentry_client`), typically `name/version`.
    pub client: Option<String>,
}

/// Why a request's credentials could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials anywhere.
    #[error("missing authorization information")]
    Missing,
    /// Credentials in more than one place, and they disagree.
    #[error("multiple authorization payloads detected")]
    Multiple,
    /// A header or query string that cannot be parsed or lacks `sentry_key`.
    #[error("bad x-sentry-auth header")]
    BadHeader,
    /// An envelope-header `dsn` that cannot be parsed.
    #[error("bad envelope authentication header")]
    BadEnvelopeHeader,
    /// A `sentry_version` newer than [`PROTOCOL_VERSION`].
    #[error("unsupported protocol version ({0})")]
    UnsupportedVersion(u32),
    /// A public key that is not [`PUBLIC_KEY_LEN`] ASCII characters.
    #[error("bad sentry DSN public key")]
    BadPublicKey,
    /// A project id in the path that is not a decimal integer.
    #[error("bad project path parameter")]
    BadProjectPath,
}

impl AuthError {
    /// Returns the HTTP status Relay answers with (§2.2): 401 when the credentials are absent
    /// or unreadable, 400 when they are readable but invalid.
    pub fn status(&self) -> u16 {
        match self {
            Self::Missing | Self::Multiple | Self::BadHeader | Self::BadEnvelopeHeader => 401,
            Self::UnsupportedVersion(_) | Self::BadPublicKey | Self::BadProjectPath => 400,
        }
    }
}

/// Reads credentials from the request: `X-Sentry-Auth`, `Authorization` (`Sentry ...` or
/// `Basic base64(key:...)`), and the query string (only if it contains `sentry_`).
///
/// Returns `Ok(None)` when there are none, so the caller can fall back to the envelope
/// header's `dsn`. More than one source is [`AuthError::Multiple`] unless they name the same
/// key and version (no SDK sends two, but a proxy may copy them). Validates the version
/// (at most [`PROTOCOL_VERSION`]) and the key ([`PUBLIC_KEY_LEN`] characters).
pub fn from_request(
    x_sentry_auth: Option<&str>,
    authorization: Option<&str>,
    query: Option<&str>,
) -> Result<Option<Credentials>, AuthError> {
    let mut found: Option<Credentials> = None;
    let headers = [x_sentry_auth, authorization].into_iter().flatten();
    let query = query
        .filter(|query| query.contains("sentry_"))
        .map(parse_query);
    for parsed in headers.map(parse_header).chain(query) {
        let credentials = validate(parsed?)?;
        match &found {
            None => found = Some(credentials),
            Some(previous)
                if previous.public_key == credentials.public_key
                    && previous.version == credentials.version => {}
            Some(_) => return Err(AuthError::Multiple),
        }
    }
    Ok(found)
}

/// Returns the numeric project id of a `/api/{project_id}/...` path segment.
pub fn parse_project_id(segment: &str) -> Result<u64, AuthError> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::BadProjectPath);
    }
    segment.parse().map_err(|_| AuthError::BadProjectPath)
}

/// Checks the version and the key and strips key flags (`<key>.no-cache`).
fn validate(mut credentials: Credentials) -> Result<Credentials, AuthError> {
    if credentials.version > PROTOCOL_VERSION {
        return Err(AuthError::UnsupportedVersion(credentials.version));
    }
    credentials.public_key = validate_public_key(&credentials.public_key)?.to_owned();
    Ok(credentials)
}

/// Returns the key without flags if it is [`PUBLIC_KEY_LEN`] ASCII characters.
fn validate_public_key(key: &str) -> Result<&str, AuthError> {
    let key = key.split('.').next().unwrap_or_default();
    let printable = key.bytes().all(|b| b.is_ascii_graphic());
    if key.len() == PUBLIC_KEY_LEN && printable {
        Ok(key)
    } else {
        Err(AuthError::BadPublicKey)
    }
}

/// Parses `Sentry k=v, k=v` or `Basic base64(key:secret)`; the prefix is case-insensitive.
fn parse_header(header: &str) -> Result<Credentials, AuthError> {
    let header = header.trim();
    if let Some(encoded) = strip_prefix_ignore_case(header, "basic ") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| AuthError::BadHeader)?;
        let decoded = String::from_utf8(decoded).map_err(|_| AuthError::BadHeader)?;
        let key = decoded.split(':').next().unwrap_or_default();
        return from_pairs([("sentry_key", key.to_owned())]);
    }
    let pairs = strip_prefix_ignore_case(header, "sentry ").ok_or(AuthError::BadHeader)?;
    from_pairs(pairs.split(',').filter_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        Some((key.trim(), value.trim().to_owned()))
    }))
}

/// Parses a form-urlencoded query string such as
/// `sentry_version=7&sentry_key=<key>&sentry_client=sentry.javascript.browser%2F10.63.0`.
fn parse_query(query: &str) -> Result<Credentials, AuthError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key).ok_or(AuthError::BadHeader)?;
        let value = percent_decode(value).ok_or(AuthError::BadHeader)?;
        pairs.push((key, value));
    }
    from_pairs(
        pairs
            .iter()
            .map(|(key, value)| (key.as_str(), value.clone())),
    )
}

/// Builds credentials from `sentry_*` pairs; unknown keys (`sentry_secret`,
/// `sentry_timestamp`, anything else) are ignored.
fn from_pairs<'k>(
    pairs: impl IntoIterator<Item = (&'k str, String)>,
) -> Result<Credentials, AuthError> {
    let mut public_key = None;
    let mut version = PROTOCOL_VERSION;
    let mut client = None;
    for (key, value) in pairs {
        match key {
            "sentry_key" => public_key = Some(value),
            "sentry_version" => version = parse_version(&value).ok_or(AuthError::BadHeader)?,
            "sentry_client" => client = Some(value).filter(|client| !client.is_empty()),
            _ => {}
        }
    }
    let public_key = public_key
        .filter(|key| !key.is_empty())
        .ok_or(AuthError::BadHeader)?;
    Ok(Credentials {
        public_key,
        version,
        client,
    })
}

/// Reads `7` or `7.0` as 7.
fn parse_version(value: &str) -> Option<u32> {
    let (major, minor) = value.split_once('.').unwrap_or((value, "0"));
    let numeric = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !numeric(major) || !numeric(minor) {
        return None;
    }
    major.parse().ok()
}

fn strip_prefix_ignore_case<'s>(text: &'s str, prefix: &str) -> Option<&'s str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Decodes `+` and `%XX` escapes of a form-urlencoded component. Returns `None` for invalid
/// UTF-8 after decoding; a malformed escape is kept literally, as browsers do.
fn percent_decode(component: &str) -> Option<String> {
    let bytes = component.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (_, None) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

/// A parsed DSN: `{scheme}://{public_key}[:{secret_key}]@{host}[:{port}][/{path}]/{project_id}`.
///
/// `https://0123456789abcdef0123456789abcdef@errors.example.com/sentry/42` has the path
/// `/sentry` and the project id `42`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dsn {
    /// `http` or `https`.
    pub scheme: String,
    /// The public key (the user part).
    pub public_key: String,
    /// The legacy secret key (the password part); ignored.
    pub secret_key: Option<String>,
    /// The host name or IP literal (IPv6 in brackets).
    pub host: String,
    /// The port, when not the scheme's default.
    pub port: Option<u16>,
    /// The path prefix before the project id: empty, or starting with `/` and without a
    /// trailing `/`.
    pub path: String,
    /// The project id (the last path segment), decimal.
    pub project_id: String,
}

impl Dsn {
    /// Returns the envelope endpoint URL of this DSN (§1.3).
    pub fn envelope_url(&self) -> String {
        format!("{}/api/{}/envelope/", self.base_url(), self.project_id)
    }

    /// Returns `{scheme}://{host}[:{port}]{path}`, omitting the scheme's default port.
    fn base_url(&self) -> String {
        let port = match (self.scheme.as_str(), self.port) {
            ("http", Some(80)) | ("https", Some(443)) | (_, None) => String::new(),
            (_, Some(port)) => format!(":{port}"),
        };
        format!("{}://{}{port}{}", self.scheme, self.host, self.path)
    }

    /// Returns the credentials this DSN carries (version 7, no client), with the key
    /// validated as for request credentials.
    pub fn credentials(&self) -> Result<Credentials, AuthError> {
        validate(Credentials {
            public_key: self.public_key.clone(),
            version: PROTOCOL_VERSION,
            client: None,
        })
    }
}

impl FromStr for Dsn {
    type Err = AuthError;

    /// Parses a DSN; every failure is [`AuthError::BadEnvelopeHeader`], the error of a bad
    /// envelope-header `dsn`.
    fn from_str(dsn: &str) -> Result<Dsn, AuthError> {
        let bad = || AuthError::BadEnvelopeHeader;
        let (scheme, rest) = dsn.trim().split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        let (userinfo, rest) = rest.rsplit_once('@').ok_or_else(bad)?;
        let (public_key, secret_key) = match userinfo.split_once(':') {
            Some((key, secret)) => (key, Some(secret.to_owned())),
            None => (userinfo, None),
        };
        if public_key.is_empty() {
            return Err(bad());
        }
        // Query and fragment are not part of a DSN; SDKs drop them.
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, path) = rest.split_once('/').ok_or_else(bad)?;
        let (host, port) = split_host_port(authority).ok_or_else(bad)?;
        let path = path.trim_end_matches('/');
        let (prefix, project_id) = path.rsplit_once('/').unwrap_or(("", path));
        if project_id.is_empty() || !project_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let prefix = prefix.trim_matches('/');
        Ok(Dsn {
            scheme,
            public_key: public_key.to_owned(),
            secret_key,
            host: host.to_owned(),
            port,
            path: if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            },
            project_id: project_id.to_owned(),
        })
    }
}

/// Splits `host[:port]`, where host may be a bracketed IPv6 literal.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, after) = authority.split_at(end + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host.contains(['/', ' ']) {
        return None;
    }
    let port = match port {
        Some(port) => Some(port.parse().ok()?),
        None => None,
    };
    Some((host, port))
}

impl fmt::Display for Dsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.public_key)?;
        if let Some(secret) = &self.secret_key {
            write!(f, ":{secret}")?;
        }
        write!(f, "@{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}/{}", self.path, self.project_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "0123456789abcdef0123456789abcdef";

    fn check(
        x_sentry_auth: Option<&str>,
        authorization: Option<&str>,
        query: Option<&str>,
    ) -> Result<Option<Credentials>, AuthError> {
        from_request(x_sentry_auth, authorization, query)
    }

    fn creds(client: Option<&str>) -> Option<Credentials> {
        Some(Credentials {
            public_key: K.to_owned(),
            version: 7,
            client: client.map(str::to_owned),
        })
    }

    #[test]
    fn x_sentry_auth_header_is_read() {
        let header = format!("Sentry sentry_key={K}, sentry_version=7, sentry_client=test/1.0");
        assert_eq!(
            check(Some(&header), None, None),
            Ok(creds(Some("test/1.0")))
        );
    }

    #[test]
    fn authorization_sentry_header_is_read_like_x_sentry_auth() {
        let header = format!("Sentry sentry_key={K}, sentry_version=7");
        assert_eq!(check(None, Some(&header), None), Ok(creds(None)));
    }

    #[test]
    fn lowercase_prefix_without_version_defaults_to_7() {
        let header = format!("sentry sentry_key={K}");
        assert_eq!(check(Some(&header), None, None), Ok(creds(None)));
        let header = format!("SENTRY   sentry_key = {K} ,");
        assert_eq!(check(Some(&header), None, None), Ok(creds(None)));
    }

    #[test]
    fn timestamp_secret_and_unknown_keys_are_ignored() {
        let header = format!(
            "Sentry sentry_key={K}, sentry_version=7, sentry_timestamp=1732450000.123, \
             sentry_secret=abc, foo=bar, sentry_client=sentry.rust/0.49.1"
        );
        assert_eq!(
            check(Some(&header), None, None),
            Ok(creds(Some("sentry.rust/0.49.1")))
        );
    }

    #[test]
    fn version_7_0_means_7() {
        let header = format!("Sentry sentry_key={K}, sentry_version=7.0");
        assert_eq!(check(Some(&header), None, None), Ok(creds(None)));
        let header = format!("Sentry sentry_key={K}, sentry_version=5");
        assert_eq!(
            check(Some(&header), None, None).map(|c| c.map(|c| c.version)),
            Ok(Some(5))
        );
    }

    #[test]
    fn version_8_is_unsupported() {
        let header = format!("Sentry sentry_key={K}, sentry_version=8");
        let error = check(Some(&header), None, None).unwrap_err();
        assert_eq!(error, AuthError::UnsupportedVersion(8));
        assert_eq!(error.to_string(), "unsupported protocol version (8)");
        assert_eq!(error.status(), 400);
    }

    #[test]
    fn garbage_version_is_a_bad_header() {
        for version in ["seven", "", "7.x", "-1", "7.0.1"] {
            let header = format!("Sentry sentry_key={K}, sentry_version={version}");
            assert_eq!(check(Some(&header), None, None), Err(AuthError::BadHeader));
        }
    }

    #[test]
    fn basic_authorization_uses_the_part_before_the_colon() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{K}:ignored"));
        let header = format!("Basic {encoded}");
        assert_eq!(check(None, Some(&header), None), Ok(creds(None)));
        let encoded = base64::engine::general_purpose::STANDARD.encode(K);
        let header = format!("basic {encoded}");
        assert_eq!(check(None, Some(&header), None), Ok(creds(None)));
        assert_eq!(
            check(None, Some("Basic !!!"), None),
            Err(AuthError::BadHeader)
        );
    }

    #[test]
    fn query_string_auth_of_browser_sdk() {
        let query = format!(
            "sentry_version=7&sentry_key={K}&sentry_client=sentry.javascript.browser%2F10.63.0"
        );
        assert_eq!(
            check(None, None, Some(&query)),
            Ok(creds(Some("sentry.javascript.browser/10.63.0")))
        );
    }

    #[test]
    fn query_without_sentry_params_is_ignored() {
        assert_eq!(check(None, None, Some("foo=bar&x=1")), Ok(None));
        assert_eq!(check(None, None, None), Ok(None));
        assert_eq!(check(None, None, Some("")), Ok(None));
    }

    #[test]
    fn query_with_sentry_params_but_no_key_is_a_bad_header() {
        assert_eq!(
            check(None, None, Some("sentry_version=7")),
            Err(AuthError::BadHeader)
        );
    }

    #[test]
    fn missing_credentials_have_relay_detail_and_401() {
        assert_eq!(
            AuthError::Missing.to_string(),
            "missing authorization information"
        );
        assert_eq!(AuthError::Missing.status(), 401);
    }

    #[test]
    fn header_without_prefix_or_key_is_a_bad_header() {
        for header in [
            "sentry_key=abc",
            "Sentry",
            "Sentry sentry_version=7",
            "Bearer x",
        ] {
            let error = check(Some(header), None, None).unwrap_err();
            assert_eq!(error, AuthError::BadHeader, "{header}");
            assert_eq!(error.to_string(), "bad x-sentry-auth header");
            assert_eq!(error.status(), 401);
        }
    }

    #[test]
    fn header_and_query_with_different_keys_are_multiple() {
        let header = format!("Sentry sentry_key={K}");
        let other = "fedcba9876543210fedcba9876543210";
        let query = format!("sentry_key={other}");
        let error = check(Some(&header), None, Some(&query)).unwrap_err();
        assert_eq!(error, AuthError::Multiple);
        assert_eq!(
            error.to_string(),
            "multiple authorization payloads detected"
        );
        assert_eq!(error.status(), 401);
        let auth = format!("Sentry sentry_key={other}");
        assert_eq!(
            check(Some(&header), Some(&auth), None),
            Err(AuthError::Multiple)
        );
    }

    #[test]
    fn identical_duplicate_credentials_are_accepted() {
        let header = format!("Sentry sentry_key={K}, sentry_version=7, sentry_client=a/1");
        let query = format!("sentry_key={K}&sentry_version=7");
        assert_eq!(
            check(Some(&header), Some(&header), Some(&query)),
            Ok(creds(Some("a/1")))
        );
    }

    #[test]
    fn key_must_be_32_characters() {
        for key in [
            "abc",
            &K[..31],
            &format!("{K}0"),
            "0123456789abcdef 123456789abcdef",
        ] {
            let header = format!("Sentry sentry_key={key}");
            let error = check(Some(&header), None, None).unwrap_err();
            assert_eq!(error, AuthError::BadPublicKey, "{key:?}");
            assert_eq!(error.to_string(), "bad sentry DSN public key");
            assert_eq!(error.status(), 400);
        }
    }

    #[test]
    fn key_flags_are_stripped() {
        let header = format!("Sentry sentry_key={K}.no-cache");
        assert_eq!(check(Some(&header), None, None), Ok(creds(None)));
    }

    #[test]
    fn project_path_must_be_decimal() {
        assert_eq!(parse_project_id("42"), Ok(42));
        for segment in ["", "abc", "-1", "4 2", "+42", "99999999999999999999999"] {
            let error = parse_project_id(segment).unwrap_err();
            assert_eq!(error, AuthError::BadProjectPath, "{segment:?}");
            assert_eq!(error.to_string(), "bad project path parameter");
            assert_eq!(error.status(), 400);
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb+c"), Some("a/b c".to_owned()));
        assert_eq!(percent_decode("100%"), Some("100%".to_owned()));
        assert_eq!(percent_decode("%zz%4"), Some("%zz%4".to_owned()));
        assert_eq!(percent_decode("%C3%A9"), Some("é".to_owned()));
        assert_eq!(percent_decode("%FF"), None);
    }

    fn dsn(text: &str) -> Dsn {
        text.parse().expect("valid dsn")
    }

    #[test]
    fn dsn_parses_and_renders() {
        let text = format!("https://{K}@errors.example.com/42");
        let parsed = dsn(&text);
        assert_eq!(parsed.scheme, "https");
        assert_eq!(parsed.public_key, K);
        assert_eq!(parsed.secret_key, None);
        assert_eq!(parsed.host, "errors.example.com");
        assert_eq!(parsed.port, None);
        assert_eq!(parsed.path, "");
        assert_eq!(parsed.project_id, "42");
        assert_eq!(parsed.to_string(), text);
        assert_eq!(
            parsed.envelope_url(),
            "https://errors.example.com/api/42/envelope/"
        );
    }

    #[test]
    fn dsn_with_secret_port_and_prefix() {
        let text = format!("http://{K}:s3cret@127.0.0.1:9000/sentry/relay/7");
        let parsed = dsn(&text);
        assert_eq!(parsed.secret_key.as_deref(), Some("s3cret"));
        assert_eq!(parsed.port, Some(9000));
        assert_eq!(parsed.path, "/sentry/relay");
        assert_eq!(parsed.project_id, "7");
        assert_eq!(parsed.to_string(), text);
        assert_eq!(
            parsed.envelope_url(),
            "http://127.0.0.1:9000/sentry/relay/api/7/envelope/"
        );
    }

    #[test]
    fn dsn_default_port_is_omitted_from_urls() {
        let parsed = dsn(&format!("https://{K}@example.com:443/3"));
        assert_eq!(parsed.envelope_url(), "https://example.com/api/3/envelope/");
        assert_eq!(parsed.to_string(), format!("https://{K}@example.com:443/3"));
    }

    #[test]
    fn dsn_with_ipv6_host_and_trailing_slash() {
        let parsed = dsn(&format!("http://{K}@[::1]:8080/5/"));
        assert_eq!(parsed.host, "[::1]");
        assert_eq!(parsed.port, Some(8080));
        assert_eq!(parsed.project_id, "5");
        let parsed = dsn(&format!("http://{K}@[::1]/5"));
        assert_eq!(parsed.port, None);
    }

    #[test]
    fn bad_dsns_are_bad_envelope_headers() {
        let cases = [
            String::new(),
            "not a dsn".to_owned(),
            format!("ftp://{K}@host/1"),
            "https://@host/1".to_owned(),
            format!("https://{K}host/1"),
            format!("https://{K}@host"),
            format!("https://{K}@host/"),
            format!("https://{K}@host/abc"),
            format!("https://{K}@host:port/1"),
            format!("https://{K}@:80/1"),
            format!("https://{K}@[::1/1"),
        ];
        for text in cases {
            let error = text.parse::<Dsn>().unwrap_err();
            assert_eq!(error, AuthError::BadEnvelopeHeader, "{text:?}");
            assert_eq!(error.to_string(), "bad envelope authentication header");
            assert_eq!(error.status(), 401);
        }
    }

    #[test]
    fn dsn_credentials_validate_the_key() {
        assert_eq!(
            dsn(&format!("https://{K}@host/42")).credentials(),
            Ok(creds(None).unwrap())
        );
        assert_eq!(
            dsn("https://short@host/42").credentials(),
            Err(AuthError::BadPublicKey)
        );
    }
}
