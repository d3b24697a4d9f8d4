//! `faultline grouping-info`: the grouping of one event JSON, as the API shows it.

use anyhow::Context;
use faultline_protocol::process::group::{GroupingRules, group};
use std::io::Read;

use crate::cli::GroupingInfoArgs;

/// Reads the event, groups it (with the project rules a Sentry test input may carry) and
/// prints the variants, hashes and primary hash as JSON.
pub fn run(args: GroupingInfoArgs) -> anyhow::Result<()> {
    let mut raw = Vec::new();
    if args.file == "-" {
        std::io::stdin()
            .read_to_end(&mut raw)
            .context("reading standard input")?;
    } else {
        raw = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file))?;
    }
    let event: serde_json::Value =
        serde_json::from_slice(&raw).context("parsing the event json")?;
    let rules = GroupingRules::from_test_keys(&event);
    let info = group(&event, &rules).to_json();
    println!("{}", serde_json::to_string_pretty(&info)?);
    Ok(())
}
