//! The `faultline` binary: command line, configuration and wiring of the pipeline.

mod accounts;
mod bootstrap;
mod cli;
mod grouping_info;
mod issue_status;
mod scrub_settings;
mod serve;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    match cli.command.unwrap_or_default() {
        cli::Command::Serve(args) => serve::run(args),
        cli::Command::Bootstrap(args) => bootstrap::run(args),
        cli::Command::GroupingInfo(args) => grouping_info::run(args),
        cli::Command::ScrubSettings(args) => scrub_settings::run(args),
        cli::Command::User(command) => accounts::run(accounts::Command::User(command)),
        cli::Command::Org(command) => accounts::run(accounts::Command::Org(command)),
        cli::Command::Member(command) => accounts::run(accounts::Command::Member(command)),
        cli::Command::Team(command) => accounts::run(accounts::Command::Team(command)),
        cli::Command::Project(command) => accounts::run(accounts::Command::Project(command)),
        cli::Command::Key(command) => accounts::run(accounts::Command::Key(command)),
        cli::Command::Token(command) => accounts::run(accounts::Command::Token(command)),
        cli::Command::IssueStatus(args) => issue_status::run(args),
    }
}
