//! Per-project processing settings: read from the store's project options into the
//! [`ProjectConfig`] ingest processes with, and their Sentry-shaped JSON for the API.
//!
//! Today that is data scrubbing, stored as the option [`SCRUBBING_OPTION`] in the JSON form of
//! [`ScrubConfig`] (Sentry's `dataScrubber`, `dataScrubberDefaults`, `scrubIPAddresses`,
//! `sensitiveFields`, `safeFields`).

use faultline_protocol::process::ProjectConfig;
use faultline_protocol::process::scrub::ScrubConfig;
use faultline_store::{Store, StoreError};
use serde_json::{Map, Value};

/// The project option holding the data-scrubbing settings.
pub const SCRUBBING_OPTION: &str = "scrubbing";

/// Returns the processing config of a project: its stored settings over the defaults.
pub async fn load_config(store: &Store, project_id: i64) -> Result<ProjectConfig, StoreError> {
    Ok(ProjectConfig {
        scrubbing: load_scrubbing(store, project_id).await?,
        ..ProjectConfig::default()
    })
}

/// Returns a project's scrubbing settings (the defaults when it has none stored).
pub async fn load_scrubbing(store: &Store, project_id: i64) -> Result<ScrubConfig, StoreError> {
    match store.project_option(project_id, SCRUBBING_OPTION).await? {
        None => Ok(ScrubConfig::default()),
        Some(value) => serde_json::from_value(value).map_err(|err| {
            StoreError::Corrupt(format!("project {project_id} scrubbing settings: {err}"))
        }),
    }
}

/// Applies the scrubbing fields present in `update` (a project PUT body, or any object with
/// those keys) to the project's settings and stores them. Other keys are ignored. Returns the
/// settings now in force, or `Err(message)` when a field has the wrong type.
pub async fn update_scrubbing(
    store: &Store,
    project_id: i64,
    update: &Map<String, Value>,
) -> Result<Result<ScrubConfig, String>, StoreError> {
    let current = load_scrubbing(store, project_id).await?;
    let merged = match merge(&current, update) {
        Ok(merged) => merged,
        Err(message) => return Ok(Err(message)),
    };
    if merged != current {
        let value = serde_json::to_value(&merged)
            .map_err(|err| StoreError::Invalid(format!("scrubbing settings: {err}")))?;
        store
            .set_project_option(project_id, SCRUBBING_OPTION, value)
            .await?;
    }
    Ok(Ok(merged))
}

/// Returns `current` with the scrubbing fields of `update` laid over it.
pub fn merge(current: &ScrubConfig, update: &Map<String, Value>) -> Result<ScrubConfig, String> {
    let Ok(Value::Object(mut fields)) = serde_json::to_value(current) else {
        return Err("scrubbing settings could not be read".into());
    };
    let names: Vec<String> = fields.keys().cloned().collect();
    for name in names {
        if let Some(value) = update.get(&name) {
            fields.insert(name, value.clone());
        }
    }
    serde_json::from_value(Value::Object(fields)).map_err(|err| format!("invalid setting: {err}"))
}

/// The scrubbing settings as the fields of Sentry's project details.
pub fn scrubbing_fields(config: &ScrubConfig) -> Map<String, Value> {
    match serde_json::to_value(config) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("an object"),
        }
    }

    #[test]
    fn merge_keeps_what_the_update_does_not_name() {
        let current = ScrubConfig {
            sensitive_fields: vec!["pin".into()],
            ..ScrubConfig::default()
        };
        let merged = merge(
            &current,
            &object(json!({"scrubIPAddresses": true, "name": "renamed"})),
        )
        .unwrap();
        assert!(merged.scrub_ip_addresses);
        assert_eq!(merged.sensitive_fields, ["pin"]);
        let error = merge(&current, &object(json!({"safeFields": "card"}))).unwrap_err();
        assert!(error.contains("invalid setting"), "{error}");
    }
}
