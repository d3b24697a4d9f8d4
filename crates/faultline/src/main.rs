//! The `faultline` binary: command line, configuration and wiring of the pipeline.

mod bootstrap;
mod cli;
mod grouping_info;
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
    }
}
