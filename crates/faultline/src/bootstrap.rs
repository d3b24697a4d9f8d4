//! `faultline bootstrap`: idempotent provisioning for scripts and tests.

use anyhow::Context;
use faultline_store::{Bootstrap, BootstrapRequest, Store, StoreOptions};
use serde_json::json;

use crate::cli::BootstrapArgs;

/// Creates or finds the organization, project, key and token, and prints them.
pub fn run(args: BootstrapArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        std::fs::create_dir_all(&args.storage.data_dir)
            .with_context(|| format!("creating {}", args.storage.data_dir.display()))?;
        let store = Store::open(&args.storage.data_dir, StoreOptions::default())
            .with_context(|| format!("opening the store in {}", args.storage.data_dir.display()))?;
        let result = store
            .bootstrap(BootstrapRequest {
                org_slug: args.org.clone(),
                project_slug: args.project.clone(),
                admin_email: args.admin_email.clone(),
                rate_limit: args.rate_limit,
            })
            .await
            .context("bootstrapping")?;
        store.shutdown().await;
        print(&args, &result);
        Ok(())
    })
}

/// Returns the DSN of `bootstrap`'s key for a server at `url`.
pub fn dsn(url: &str, bootstrap: &Bootstrap) -> String {
    key_dsn(url, &bootstrap.key.public_key, bootstrap.project.id)
}

/// Returns the DSN of the key `public_key` of project `project_id` for a server at `url`.
pub fn key_dsn(url: &str, public_key: &str, project_id: i64) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    format!(
        "{scheme}://{public_key}@{}/{project_id}",
        rest.trim_end_matches('/')
    )
}

fn print(args: &BootstrapArgs, result: &Bootstrap) {
    let url = args.url.trim_end_matches('/');
    let dsn = dsn(url, result);
    if args.json {
        let out = json!({
            "url": url,
            "dsn": dsn,
            "token": result.token,
            "org": result.org.slug,
            "project": result.project.slug,
            "project_id": result.project.id,
        });
        println!("{out}");
    } else {
        println!("url:     {url}");
        println!("dsn:     {dsn}");
        println!("token:   {}", result.token);
        println!("org:     {}", result.org.slug);
        println!("project: {}", result.project.slug);
        if let Some(password) = &result.admin_password {
            println!("login:   {} / {password}", args.admin_email);
        }
    }
}
