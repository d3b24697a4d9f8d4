//! Runs the real `faultline` binary for the integration tests and talks to it: spawning on a
//! free loopback port with a temporary data directory, `bootstrap`, a tiny HTTP/1.1 client
//! (reads need nothing more, so no HTTP crate is pulled in) and polling the read API.
//!
//! Every wait is bounded by one of the `*_TIMEOUT` constants.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long the server may take to print its listening line and answer `/health`.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long SIGTERM may take to drain and exit.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one HTTP exchange may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a test polls the read API for an event the SDK has flushed.
pub const EVENT_POLL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an SDK client may take to flush its queue.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

const LISTENING_PREFIX: &str = "faultline listening on ";
const LOG_FILE_NAME: &str = "server.log";
const LOG_TAIL_LINES: usize = 40;

/// One `faultline serve` process; killed on drop if a test did not stop it.
pub struct Server {
    child: Option<Child>,
    /// Base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// `127.0.0.1:PORT`, for the HTTP client.
    pub addr: String,
    data_dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server on a fresh data directory and returns once `/health` answers 200.
    pub fn start() -> Server {
        let data_dir = tempfile::tempdir().expect("creating a temporary data directory");
        let mut server = Server {
            child: None,
            url: String::new(),
            addr: String::new(),
            data_dir,
        };
        server.spawn();
        server
    }

    /// Stops the server (asserting exit code 0) and starts it again on the same data directory.
    pub fn restart(&mut self) {
        assert_eq!(
            self.stop(),
            Some(0),
            "faultline exit code after SIGTERM{}",
            self.log_tail()
        );
        self.spawn();
    }

    fn spawn(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.path().join(LOG_FILE_NAME))
            .expect("opening the server log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(self.data_dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawning faultline serve");
        let stdout = child.stdout.take().expect("stdout is piped");
        self.child = Some(child);
        let (tx, rx) = mpsc::channel();
        // Drains stdout for the whole life of the process, so the server never blocks on it.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.split(LISTENING_PREFIX).nth(1) {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => {
                self.addr = url
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .to_owned();
                self.url = url;
            }
            Err(_) => panic!("faultline printed no listening line{}", self.log_tail()),
        }
        let deadline = Instant::now() + START_TIMEOUT;
        while !matches!(try_request(&self.addr, "GET", "/health", &[], b""), Ok(r) if r.status == 200)
        {
            assert!(
                Instant::now() < deadline,
                "faultline did not answer /health{}",
                self.log_tail()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Returns the end of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text =
            std::fs::read_to_string(self.data_dir.path().join(LOG_FILE_NAME)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
        format!("\n--- faultline log (tail) ---\n{tail}")
    }

    /// Runs `faultline bootstrap` for org `acme` on this server's data directory.
    pub fn bootstrap(&self, project: &str) -> Project {
        let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["bootstrap", "--data-dir"])
            .arg(self.data_dir.path())
            .args([
                "--org",
                "acme",
                "--project",
                project,
                "--url",
                &self.url,
                "--json",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("running faultline bootstrap");
        assert!(
            out.status.success(),
            "bootstrap failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value =
            serde_json::from_slice(&out.stdout).expect("bootstrap prints one JSON object");
        let text = |key: &str| match &doc[key] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => panic!("bootstrap JSON field {key} is {other}"),
        };
        Project {
            addr: self.addr.clone(),
            url: text("url"),
            dsn: text("dsn"),
            token: text("token"),
            org: text("org"),
            slug: text("project"),
            project_id: text("project_id"),
        }
    }

    /// Sends SIGTERM and returns the exit code once the server has drained and exited.
    pub fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take().expect("server is running");
        let signalled = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        assert!(
            matches!(signalled, Ok(s) if s.success()),
            "sending SIGTERM failed: {signalled:?}"
        );
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("waiting for faultline") {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "faultline did not exit within {STOP_TIMEOUT:?} of SIGTERM{}",
                    self.log_tail()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A bootstrapped project and its credentials.
pub struct Project {
    addr: String,
    pub url: String,
    pub dsn: String,
    pub token: String,
    pub org: String,
    pub slug: String,
    pub project_id: String,
}

impl Project {
    /// Returns the public key from the DSN (`http://KEY@host/ID`).
    pub fn key(&self) -> String {
        let rest = self.dsn.split("://").nth(1).unwrap_or_default();
        rest.split('@').next().unwrap_or_default().to_owned()
    }

    /// GETs an `/api/0/` path with this project's token.
    pub fn api_get(&self, path: &str) -> HttpResponse {
        let auth = format!("Bearer {}", self.token);
        request(&self.addr, "GET", path, &[("Authorization", &auth)], b"")
    }

    /// POSTs an envelope with `X-Sentry-Auth`, as sentry-python does.
    pub fn post_envelope(&self, body: &[u8]) -> HttpResponse {
        let auth = format!(
            "Sentry sentry_key={}, sentry_version=7, sentry_client=faultline-it/1.0",
            self.key()
        );
        let path = format!("/api/{}/envelope/", self.project_id);
        request(&self.addr, "POST", &path, &[("X-Sentry-Auth", &auth)], body)
    }

    /// Returns the event as the read API shows it, polling briefly while it answers 404.
    pub fn get_event(&self, event_id: &str) -> Value {
        let path = format!(
            "/api/0/projects/{}/{}/events/{event_id}/",
            self.org, self.slug
        );
        let deadline = Instant::now() + EVENT_POLL_TIMEOUT;
        loop {
            let resp = self.api_get(&path);
            match resp.status {
                200 => return resp.json(),
                404 if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
                _ => panic!("GET event {event_id}: {}", resp.describe()),
            }
        }
    }

    /// Returns the issue JSON of `/api/0/organizations/{org}/issues/{id}/`.
    pub fn issue(&self, issue_id: &str) -> Value {
        let resp = self.api_get(&format!(
            "/api/0/organizations/{}/issues/{issue_id}/",
            self.org
        ));
        assert_eq!(
            resp.status,
            200,
            "GET issue {issue_id}: {}",
            resp.describe()
        );
        resp.json()
    }
}

/// One HTTP answer, read completely.
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Returns the first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.describe()))
    }

    pub fn describe(&self) -> String {
        format!(
            "HTTP {} {:?} {}",
            self.status,
            self.headers,
            String::from_utf8_lossy(&self.body)
        )
    }
}

/// Sends one HTTP/1.1 request (`Connection: close`) and reads the whole answer; panics on I/O errors.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    try_request(addr, method, path, headers, body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

fn try_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| {
        std::io::Error::other(format!(
            "malformed answer: {}",
            String::from_utf8_lossy(&raw)
        ))
    })
}

fn parse_response(raw: &[u8]) -> Option<HttpResponse> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Some(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Decodes a chunked body (`SIZE\r\nDATA\r\n ... 0\r\n\r\n`).
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Returns the `data` of the API event's entry of that type.
pub fn entry<'a>(event: &'a Value, entry_type: &str) -> &'a Value {
    event["entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["type"] == entry_type))
        .map(|e| &e["data"])
        .unwrap_or_else(|| panic!("event has no {entry_type} entry: {event}"))
}

/// Returns the value of tag `key` of an API event.
pub fn tag<'a>(event: &'a Value, key: &str) -> Option<&'a str> {
    event["tags"].as_array()?.iter().find(|t| t["key"] == key)?["value"].as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_answers_are_decoded() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        let resp = parse_response(raw).expect("parses");
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, b"{\"a\":1}");
    }

    #[test]
    fn truncated_chunk_is_rejected() {
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc")
                .is_none()
        );
    }
}
