//! Legacy `checksum`: when an event carries one it decides the grouping alone (spec §6).

use super::hash::hash_values;
use super::result::Variant;

/// Raw checksums up to this length are kept as a (non-contributing) `checksum` variant beside
/// the hashed one.
const RAW_CHECKSUM_CHARS_MAX: usize = 32;

/// Returns the checksum variants, or `None` if the event has no checksum.
pub fn checksum_variants(checksum: Option<&str>) -> Option<Vec<Variant>> {
    let checksum = checksum.filter(|c| !c.is_empty())?;
    let variant = |key: &str, hash: Option<String>, contributes: bool, description: &str| Variant {
        key: key.to_owned(),
        kind: key.to_owned(),
        hash,
        contributes,
        hint: None,
        description: description.to_owned(),
        component: None,
        values: Some(vec![checksum.to_owned()]),
        fingerprint_info: None,
    };
    let is_md5 = checksum.len() == 32
        && checksum
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if is_md5 {
        return Some(vec![variant(
            "checksum",
            Some(checksum.to_owned()),
            true,
            "legacy checksum",
        )]);
    }
    let mut variants = vec![variant(
        "hashed_checksum",
        Some(hash_values([checksum])),
        true,
        "hashed legacy checksum",
    )];
    if checksum.chars().count() <= RAW_CHECKSUM_CHARS_MAX {
        variants.push(variant("checksum", None, false, "legacy checksum"));
    }
    Some(variants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_checksums_are_the_hash() {
        let variants =
            checksum_variants(Some("d41d8cd98f00b204e9800998ecf8427e")).unwrap_or_default();
        assert_eq!(variants.len(), 1);
        assert_eq!(
            variants[0].hash.as_deref(),
            Some("d41d8cd98f00b204e9800998ecf8427e")
        );
    }

    #[test]
    fn other_checksums_are_hashed() {
        let short = checksum_variants(Some("not a legit checksum")).unwrap_or_default();
        assert_eq!(
            short[0].hash.as_deref(),
            Some("de46d023e69b171b90ccf3ebca7aede4")
        );
        assert_eq!(short.len(), 2);
        let long = checksum_variants(Some("not a legit checksum and also too long a string"))
            .unwrap_or_default();
        assert_eq!(
            long[0].hash.as_deref(),
            Some("2c2e85a6e73109222f131228ed06a7af")
        );
        assert_eq!(long.len(), 1);
        assert!(checksum_variants(None).is_none());
    }
}
