//! The grouping hash: MD5 over the UTF-8 bytes of the contributing values, concatenated without
//! a separator (Sentry's `hash_from_values`).

use md5::{Digest, Md5};

/// The hash of no values at all: the `fallback` variant's hash.
pub const EMPTY_HASH: &str = "d41d8cd98f00b204e9800998ecf8427e";

/// An incremental MD5 over concatenated values.
pub struct ValueHasher(Md5);

impl ValueHasher {
    /// Returns a hasher with nothing hashed yet.
    pub fn new() -> Self {
        ValueHasher(Md5::new())
    }

    /// Appends one value.
    pub fn update(&mut self, value: &str) {
        self.0.update(value.as_bytes());
    }

    /// Returns the lowercase hex digest.
    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

impl Default for ValueHasher {
    fn default() -> Self {
        ValueHasher::new()
    }
}

/// Returns the MD5 hex digest of the concatenated values.
pub fn hash_values<'v>(values: impl IntoIterator<Item = &'v str>) -> String {
    let mut hasher = ValueHasher::new();
    for value in values {
        hasher.update(value);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_values_hash_to_the_empty_md5() {
        assert_eq!(hash_values([]), EMPTY_HASH);
    }

    #[test]
    fn values_are_concatenated_without_separator() {
        // Worked example A of the spec: the parameterized message alone.
        assert_eq!(
            hash_values(["testing testing <int>, <int>, <int>"]),
            "f9e47f16e3b9770b440157179c47bf7a"
        );
        assert_eq!(hash_values(["ab", "c"]), hash_values(["a", "bc"]));
        assert_eq!(
            hash_values(["hpkp", "example.com"]),
            "1e37a374cb33572622d02ff7a6237c44"
        );
    }
}
