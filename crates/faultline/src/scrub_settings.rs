//! `faultline scrub-settings`: shows or changes a project's data-scrubbing settings, through
//! the same code the API's project update uses. A running server picks a change up within
//! its key-cache lifetime (seconds).

use anyhow::{Context, bail};
use faultline_store::{Store, StoreOptions};
use faultline_web::project_settings;
use serde_json::{Map, Value, json};

use crate::cli::ScrubSettingsArgs;

pub fn run(args: ScrubSettingsArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = Store::open(&args.storage.data_dir, StoreOptions::default())
            .with_context(|| format!("opening the store in {}", args.storage.data_dir.display()))?;
        let result = apply(&store, &args).await;
        store.shutdown().await;
        let settings = result?;
        println!("{}", serde_json::to_string_pretty(&settings)?);
        Ok(())
    })
}

async fn apply(store: &Store, args: &ScrubSettingsArgs) -> anyhow::Result<Value> {
    let Some(project) = store.project_by_slug(&args.org, &args.project).await? else {
        bail!("no project {}/{}", args.org, args.project);
    };
    let list = |text: &str| -> Value {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
            .collect()
    };
    let mut update = Map::new();
    if let Some(on) = args.enabled {
        update.insert("dataScrubber".into(), json!(on));
    }
    if let Some(on) = args.defaults {
        update.insert("dataScrubberDefaults".into(), json!(on));
    }
    if let Some(on) = args.scrub_ip_addresses {
        update.insert("scrubIPAddresses".into(), json!(on));
    }
    if let Some(fields) = &args.sensitive_fields {
        update.insert("sensitiveFields".into(), list(fields));
    }
    if let Some(fields) = &args.safe_fields {
        update.insert("safeFields".into(), list(fields));
    }
    let settings = match project_settings::update_scrubbing(store, project.id, &update).await? {
        Ok(settings) => settings,
        Err(message) => bail!(message),
    };
    Ok(Value::Object(project_settings::scrubbing_fields(&settings)))
}
