//! Command-line options. Every option can also be set through a `FAULTLINE_*` environment
//! variable. Defaults are safe: loopback only.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Self-hosted, Sentry-compatible error tracking.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about)]
pub struct Cli {
    /// What to do; without one, `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server (the default).
    Serve(ServeArgs),
    /// Creates (idempotently) an organization, project, key and API token; prints them.
    Bootstrap(BootstrapArgs),
    /// Prints the grouping variants and hashes of one event JSON.
    GroupingInfo(GroupingInfoArgs),
    /// Shows or changes a project's data-scrubbing settings; prints them as JSON.
    ScrubSettings(ScrubSettingsArgs),
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::parse_from(["serve"]))
    }
}

/// Options shared by every command that opens the data directory.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory holding the SQLite database.
    #[arg(long, env = "FAULTLINE_DATA_DIR", default_value = "./faultline-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Parser)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FAULTLINE_LISTEN", default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// URL clients reach the server at (DSNs and links); default `http://<listen address>`.
    #[arg(long, env = "FAULTLINE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Write requests that may wait for the writer before ingest answers 429.
    #[arg(long, env = "FAULTLINE_QUEUE_CAPACITY", default_value_t = 4096)]
    pub queue_capacity: usize,
    /// What an acknowledged event survives: `full` (power loss; one fsync per batch) or
    /// `process` (a killed process, not an OS crash; faster with few concurrent senders).
    #[arg(long, env = "FAULTLINE_DURABILITY", value_enum, default_value_t = DurabilityArg::Full)]
    pub durability: DurabilityArg,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "FAULTLINE_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "FAULTLINE_LOG_JSON")]
    pub log_json: bool,
}

/// `--durability` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DurabilityArg {
    Full,
    Process,
}

#[derive(Debug, Clone, Args)]
pub struct BootstrapArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Organization slug.
    #[arg(long, env = "FAULTLINE_ORG", default_value = "faultline")]
    pub org: String,
    /// Project slug.
    #[arg(long, env = "FAULTLINE_PROJECT", default_value = "default")]
    pub project: String,
    /// URL the server is reached at, used in the DSN.
    #[arg(
        long,
        env = "FAULTLINE_PUBLIC_URL",
        default_value = "http://127.0.0.1:9000"
    )]
    pub url: String,
    /// Email of the administrator created with the organization.
    #[arg(long, env = "FAULTLINE_ADMIN_EMAIL", default_value = "admin@localhost")]
    pub admin_email: String,
    /// Rate limit of the project's key, as COUNT/WINDOW_SECS (e.g. `100/60`).
    #[arg(long, env = "FAULTLINE_RATE_LIMIT", value_parser = parse_rate_limit)]
    pub rate_limit: Option<(u32, u32)>,
    /// Print JSON (`{"url","dsn","token","org","project","project_id"}`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ScrubSettingsArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Organization slug.
    #[arg(long, env = "FAULTLINE_ORG")]
    pub org: String,
    /// Project slug.
    #[arg(long, env = "FAULTLINE_PROJECT")]
    pub project: String,
    /// Scrub at all (Sentry's `dataScrubber`).
    #[arg(long)]
    pub enabled: Option<bool>,
    /// Apply the default rules (`dataScrubberDefaults`).
    #[arg(long)]
    pub defaults: Option<bool>,
    /// Remove IP addresses (`scrubIPAddresses`).
    #[arg(long)]
    pub scrub_ip_addresses: Option<bool>,
    /// Extra sensitive key fragments, comma-separated (replaces the list; "" clears it).
    #[arg(long)]
    pub sensitive_fields: Option<String>,
    /// Keys never scrubbed, comma-separated (replaces the list; "" clears it).
    #[arg(long)]
    pub safe_fields: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GroupingInfoArgs {
    /// Event JSON file, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: String,
}

fn parse_rate_limit(raw: &str) -> Result<(u32, u32), String> {
    let (count, window) = raw
        .split_once('/')
        .ok_or_else(|| "expected COUNT/WINDOW_SECS, e.g. 100/60".to_owned())?;
    let count = count
        .trim()
        .parse()
        .map_err(|e| format!("bad count: {e}"))?;
    let window: u32 = window
        .trim()
        .parse()
        .map_err(|e| format!("bad window: {e}"))?;
    if window == 0 {
        return Err("window must be at least 1 second".into());
    }
    Ok((count, window))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn rate_limit_parses_count_and_window() {
        assert_eq!(parse_rate_limit("5/60"), Ok((5, 60)));
        assert!(parse_rate_limit("5").is_err());
        assert!(parse_rate_limit("5/0").is_err());
    }
}
