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
    /// Creates users.
    #[command(subcommand)]
    User(UserCommand),
    /// Creates organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Adds members to organizations (or changes their role).
    #[command(subcommand)]
    Member(MemberCommand),
    /// Creates teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Creates projects (with a default DSN key).
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Creates, lists, disables, enables and deletes DSN keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Mints API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Resolves, unresolves or ignores issues (the same change the API's issue PUT makes).
    IssueStatus(IssueStatusArgs),
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::parse_from(["serve"]))
    }
}

/// The URL DSNs name when no `--url` is given: the default listen address.
const DEFAULT_URL: &str = "http://127.0.0.1:9000";

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
    #[arg(long, env = "FAULTLINE_PUBLIC_URL", default_value = DEFAULT_URL)]
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

/// Options of every account subcommand: the data directory and the output format.
#[derive(Debug, Clone, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A project named by its organization and slug.
#[derive(Debug, Clone, Args)]
pub struct ProjectRef {
    /// Organization slug.
    #[arg(long, env = "FAULTLINE_ORG")]
    pub org: String,
    /// Project slug.
    #[arg(long, env = "FAULTLINE_PROJECT")]
    pub project: String,
}

/// `faultline issue-status`.
#[derive(Debug, Clone, Args)]
pub struct IssueStatusArgs {
    #[command(flatten)]
    pub admin: AdminArgs,
    #[command(flatten)]
    pub project: ProjectRef,
    /// The new status.
    #[arg(long, value_enum)]
    pub status: IssueStatusArg,
    /// Resolve in this release (events of it or an older release leave the issue resolved).
    #[arg(long, conflicts_with = "next_release")]
    pub in_release: Option<String>,
    /// Resolve in the release after the project's newest one.
    #[arg(long)]
    pub next_release: bool,
    /// Ignore for this many minutes.
    #[arg(long)]
    pub ignore_minutes: Option<u32>,
    /// Ignore until this many more events arrive.
    #[arg(long)]
    pub ignore_count: Option<u32>,
    /// Ignore until this many more users are affected.
    #[arg(long)]
    pub ignore_users: Option<u32>,
    /// The user the activity log names (by e-mail); none: the server.
    #[arg(long)]
    pub actor: Option<String>,
    /// Issue ids.
    #[arg(required = true)]
    pub ids: Vec<i64>,
}

/// `--status` values (`muted` is Sentry's alias of `ignored`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IssueStatusArg {
    Resolved,
    Unresolved,
    #[value(alias = "muted")]
    Ignored,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates a user; without `--password` one is generated and printed.
    Create {
        #[command(flatten)]
        admin: AdminArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
        /// The user sees and manages every organization.
        #[arg(long)]
        superuser: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Creates an organization (with a team of the same slug).
    Create {
        #[command(flatten)]
        admin: AdminArgs,
        #[arg(long)]
        slug: String,
        /// Display name; the slug when absent.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Makes a user a member of an organization with a role, or changes their role.
    Add {
        #[command(flatten)]
        admin: AdminArgs,
        /// Organization slug.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

/// `--role` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    Owner,
    Admin,
    Member,
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Creates a team in an organization.
    Create {
        #[command(flatten)]
        admin: AdminArgs,
        /// Organization slug.
        #[arg(long)]
        org: String,
        #[arg(long)]
        slug: String,
        /// Display name; the slug when absent.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Creates a project in a team and prints its DSN.
    Create {
        #[command(flatten)]
        admin: AdminArgs,
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// Team slug.
        #[arg(long)]
        team: String,
        #[arg(long)]
        slug: String,
        /// Display name; the slug when absent.
        #[arg(long)]
        name: Option<String>,
        /// Platform (`python`, `javascript`, ...).
        #[arg(long)]
        platform: Option<String>,
        /// URL the server is reached at, used in the DSN.
        #[arg(long, env = "FAULTLINE_PUBLIC_URL", default_value = DEFAULT_URL)]
        url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Creates a DSN key and prints it.
    Create {
        #[command(flatten)]
        admin: AdminArgs,
        #[command(flatten)]
        project: ProjectRef,
        /// Key name.
        #[arg(long, default_value = "Default")]
        name: String,
        /// Rate limit as COUNT/WINDOW_SECS (e.g. `100/60`).
        #[arg(long, value_parser = parse_rate_limit)]
        rate_limit: Option<(u32, u32)>,
        /// URL the server is reached at, used in the DSN.
        #[arg(long, env = "FAULTLINE_PUBLIC_URL", default_value = DEFAULT_URL)]
        url: String,
    },
    /// Lists a project's keys with their DSNs.
    List {
        #[command(flatten)]
        admin: AdminArgs,
        #[command(flatten)]
        project: ProjectRef,
        /// URL the server is reached at, used in the DSNs.
        #[arg(long, env = "FAULTLINE_PUBLIC_URL", default_value = DEFAULT_URL)]
        url: String,
    },
    /// Stops accepting events sent with a key.
    Disable(KeyRef),
    /// Accepts events sent with a key again.
    Enable(KeyRef),
    /// Deletes a key.
    Delete(KeyRef),
}

/// One DSN key of a project, by its public part.
#[derive(Debug, Clone, Args)]
pub struct KeyRef {
    #[command(flatten)]
    pub admin: AdminArgs,
    #[command(flatten)]
    pub project: ProjectRef,
    /// The key's public part (the user of the DSN).
    #[arg(long)]
    pub key: String,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mints an API token for a user and prints it (the only time it is shown).
    Create {
        #[command(flatten)]
        admin: AdminArgs,
        #[arg(long)]
        email: String,
        /// Space- or comma-separated Sentry scopes (`project:read event:read ...`).
        #[arg(long)]
        scopes: String,
        /// Token name.
        #[arg(long)]
        name: Option<String>,
    },
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
