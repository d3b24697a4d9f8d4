//! A short-lived cache of project keys, so authenticating an envelope costs no query on the
//! hot path. Entries expire quickly so that a disabled or changed key takes effect within
//! seconds without any cross-node invalidation.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use faultline_store::{ProjectKey, Store, StoreError};

/// How long a looked-up key (or its absence) is trusted.
const KEY_CACHE_TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; the cache is cleared when it grows past this (unknown-key floods).
const KEY_CACHE_ENTRIES_MAX: usize = 10_000;

#[derive(Default)]
pub(crate) struct KeyCache {
    entries: RwLock<HashMap<String, (Instant, Option<ProjectKey>)>>,
}

impl KeyCache {
    /// Returns the key with this public key, from the cache or the store.
    pub(crate) async fn get(
        &self,
        store: &Store,
        public_key: &str,
    ) -> Result<Option<ProjectKey>, StoreError> {
        if let Ok(entries) = self.entries.read()
            && let Some((at, key)) = entries.get(public_key)
            && at.elapsed() < KEY_CACHE_TTL
        {
            return Ok(key.clone());
        }
        let key = store.project_key(public_key).await?;
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= KEY_CACHE_ENTRIES_MAX {
                entries.clear();
            }
            entries.insert(public_key.to_owned(), (Instant::now(), key.clone()));
        }
        Ok(key)
    }

    /// Drops the cached entry of a key changed on this node, so the change applies at once
    /// here (other nodes see it when their entry expires).
    pub(crate) fn forget(&self, public_key: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(public_key);
        }
    }
}
