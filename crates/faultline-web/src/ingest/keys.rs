//! A short-lived cache of project keys and their project's processing config, so
//! authenticating and processing an envelope costs no query on the hot path. Entries expire
//! quickly so that a disabled key or changed project settings take effect within seconds
//! without any cross-node invalidation.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use faultline_protocol::process::ProjectConfig;
use faultline_store::{ProjectKey, Store, StoreError};

use crate::project_settings;

/// How long a looked-up key (or its absence) is trusted.
const KEY_CACHE_TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; the cache is cleared when it grows past this (unknown-key floods).
const KEY_CACHE_ENTRIES_MAX: usize = 10_000;

/// A DSN key with the processing config of its project.
#[derive(Debug, Clone)]
pub(crate) struct KnownKey {
    pub key: ProjectKey,
    pub config: Arc<ProjectConfig>,
}

#[derive(Default)]
pub(crate) struct KeyCache {
    entries: RwLock<HashMap<String, (Instant, Option<KnownKey>)>>,
}

impl KeyCache {
    /// Returns the key with this public key and its project's config, from the cache or the
    /// store.
    pub(crate) async fn get(
        &self,
        store: &Store,
        public_key: &str,
    ) -> Result<Option<KnownKey>, StoreError> {
        if let Ok(entries) = self.entries.read()
            && let Some((at, known)) = entries.get(public_key)
            && at.elapsed() < KEY_CACHE_TTL
        {
            return Ok(known.clone());
        }
        let known = match store.project_key(public_key).await? {
            Some(key) => {
                let config = project_settings::load_config(store, key.project_id).await?;
                Some(KnownKey {
                    key,
                    config: Arc::new(config),
                })
            }
            None => None,
        };
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= KEY_CACHE_ENTRIES_MAX {
                entries.clear();
            }
            entries.insert(public_key.to_owned(), (Instant::now(), known.clone()));
        }
        Ok(known)
    }

    /// Drops the cached entry of a key changed on this node, so the change applies at once
    /// here (other nodes see it when their entry expires).
    pub(crate) fn forget(&self, public_key: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(public_key);
        }
    }
}
