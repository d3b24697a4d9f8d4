//! Secrets the store mints or checks: DSN public keys, API tokens and their hashes, and
//! administrator passwords (Argon2id).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// Prefix of Sentry user auth tokens; `sentry-cli` recognises `sntryu_` + 64 hex characters.
const USER_TOKEN_PREFIX: &str = "sntryu_";

/// Random bytes in an API token (64 hex characters).
const TOKEN_BYTES: usize = 32;

/// Random bytes in a DSN public key (32 hex characters).
const PUBLIC_KEY_BYTES: usize = 16;

/// Characters in a generated administrator password (~143 bits from 62 symbols).
const PASSWORD_CHARS: usize = 24;

/// Returns a new DSN public key: 32 lowercase hex characters.
pub(crate) fn new_public_key() -> String {
    hex::encode(rand::rng().random::<[u8; PUBLIC_KEY_BYTES]>())
}

/// Returns a new user API token in Sentry's `sntryu_<64 hex>` format.
pub(crate) fn new_api_token() -> String {
    format!(
        "{USER_TOKEN_PREFIX}{}",
        hex::encode(rand::rng().random::<[u8; TOKEN_BYTES]>())
    )
}

/// Returns the hash an API token is stored and looked up by (SHA-256, hex). A fast hash is
/// enough here: tokens are 256-bit random, so there is nothing to brute-force, and the lookup
/// runs on every authenticated API request.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Returns a new random password of letters and digits.
pub fn new_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(PASSWORD_CHARS)
        .map(char::from)
        .collect()
}

/// Returns the Argon2id PHC string of `password`. Slow on purpose (tens of milliseconds):
/// call it on a blocking thread.
pub(crate) fn hash_password(password: &str) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| StoreError::Password(err.to_string()))
}

/// Returns whether `password` matches the PHC string `hash`.
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_lower_hex(text: &str) -> bool {
        text.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn public_keys_are_32_lowercase_hex_and_differ() {
        let key = new_public_key();
        assert_eq!(key.len(), 32);
        assert!(is_lower_hex(&key));
        assert_ne!(key, new_public_key());
    }

    #[test]
    fn api_tokens_use_the_user_token_format() {
        let token = new_api_token();
        let hex_part = token.strip_prefix(USER_TOKEN_PREFIX).unwrap_or_default();
        assert_eq!(hex_part.len(), 64);
        assert!(is_lower_hex(hex_part));
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let password = new_password();
        assert_eq!(password.len(), PASSWORD_CHARS);
        let hash = hash_password(&password).unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&password, &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password(&password, "not a phc string"));
    }
}
