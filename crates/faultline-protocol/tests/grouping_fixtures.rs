//! Runs every fixture of `../shared/grouping-fixtures/` through grouping and compares the
//! primary hash (and any other contributing hashes listed) with Sentry's. A new fixture needs
//! no new code: drop `<name>.json` and `<name>.expected.json` into the directory.

use std::fs;
use std::path::{Path, PathBuf};

use faultline_protocol::process::group::{GroupingRules, group};
use serde_json::Value;

const FIXTURES_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/grouping-fixtures"
);

/// Expected hashes that replace a fixture's `primary_hash` where its snapshot predates the
/// behaviour we implement; each entry carries its reason.
const OVERRIDES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/grouping/version-overrides.json"
);

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn fixture_inputs() -> Vec<PathBuf> {
    let entries =
        fs::read_dir(FIXTURES_DIR).unwrap_or_else(|e| panic!("cannot read {FIXTURES_DIR}: {e}"));
    let mut inputs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.ends_with(".json") && !name.ends_with(".expected.json")
        })
        .collect();
    inputs.sort();
    inputs
}

/// Returns every mismatch of one fixture, described for the failure message.
fn check_fixture(input: &Path) -> Result<Vec<String>, String> {
    let name = input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let expected_path = input.with_file_name(name.replace(".json", ".expected.json"));
    let event = read_json(input)?;
    let expected = read_json(&expected_path)?;

    let result = group(&event, &GroupingRules::from_test_keys(&event));
    let mut problems = Vec::new();
    let overrides = read_json(Path::new(OVERRIDES))?;
    let expected_primary = overrides[name.as_str()]["primary_hash"]
        .as_str()
        .or_else(|| expected["primary_hash"].as_str())
        .unwrap_or_default();
    if result.primary_hash != expected_primary {
        problems.push(format!(
            "{name}: primary hash {} != expected {expected_primary} ({}); got variants {:?}",
            result.primary_hash,
            expected["contributing_variant"].as_str().unwrap_or("?"),
            result
                .variants
                .iter()
                .map(|v| (v.key.as_str(), v.hash.as_deref()))
                .collect::<Vec<_>>(),
        ));
    }
    if let Some(others) = expected["other_contributing_variants"].as_object() {
        for (variant, hash) in others {
            let hash = hash.as_str().unwrap_or_default();
            if !result.hashes.iter().any(|h| h == hash) {
                problems.push(format!(
                    "{name}: {variant} hash {hash} missing from hashes {:?}",
                    result.hashes
                ));
            }
        }
    }
    Ok(problems)
}

#[test]
fn every_fixture_groups_like_sentry() {
    let inputs = fixture_inputs();
    assert!(!inputs.is_empty(), "no fixtures found in {FIXTURES_DIR}");
    let mut problems = Vec::new();
    for input in &inputs {
        match check_fixture(input) {
            Ok(found) => problems.extend(found),
            Err(error) => problems.push(error),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} fixtures disagree:\n{}",
        problems.len(),
        inputs.len(),
        problems.join("\n")
    );
}
