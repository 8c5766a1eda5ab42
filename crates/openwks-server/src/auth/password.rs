//! Password hashes: Argon2id (memory-hard; PHC strings `$argon2id$v=19$m=…,t=…,p=…$salt$hash`
//! with the crate's default cost, OWASP's minimum: 19 MiB, 2 passes). Hashes of earlier
//! versions (`sha256$<salt hex>$<hash hex>`, salted SHA-256) still verify, and
//! [`needs_rehash`] tells the caller to replace them on the next successful sign-in.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn legacy_digest(salt: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(password.as_bytes());
    hex::encode(h.finalize())
}

/// Hash a password with a fresh 16-byte salt.
pub fn hash(password: &str) -> String {
    let salt = rand::random::<[u8; 16]>();
    match SaltString::encode_b64(&salt)
        .map_err(|e| e.to_string())
        .and_then(|salt| {
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| e.to_string())
        }) {
        Ok(h) => h,
        // Only a bad parameter set or salt length fails, and both are fixed here: a hash no
        // password verifies against is the safe answer.
        Err(e) => {
            tracing::error!(error = %e, "password hashing failed");
            format!("!{}", super::random_hex(16))
        }
    }
}

/// Check a password against a stored hash (Argon2 in the crate's constant time; a legacy
/// SHA-256 hash compared in constant time).
pub fn verify(stored: &str, password: &str) -> bool {
    if let Some(rest) = stored.strip_prefix("sha256$") {
        return match rest.split_once('$') {
            Some((salt, h)) => legacy_digest(salt, password)
                .as_bytes()
                .ct_eq(h.as_bytes())
                .into(),
            None => false,
        };
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Whether a stored hash should be replaced by a fresh [`hash`] (it is not Argon2id).
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with("$argon2id$")
}

/// A short fingerprint of a stored hash, carried in the tokens issued under it: a token whose
/// fingerprint no longer matches was issued before the password changed. It reveals nothing
/// of the password (a digest of a salted, memory-hard hash).
pub fn stamp(stored: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"openwks-password-stamp:");
    h.update(stored.as_bytes());
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_argon2id() {
        let h = hash("s3cret-pw");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&h, "s3cret-pw"));
        assert!(!verify(&h, "s3cret-pw "));
        assert!(!verify("garbage", "x"));
        assert!(!verify("", ""));
        assert_ne!(hash("same"), hash("same"), "salted");
        assert!(!needs_rehash(&h));
    }

    #[test]
    fn legacy_sha256_hashes_verify_and_ask_for_a_rehash() {
        let salt = "00112233445566778899aabbccddeeff";
        let legacy = format!("sha256${salt}${}", legacy_digest(salt, "old-password"));
        assert!(verify(&legacy, "old-password"));
        assert!(!verify(&legacy, "old-passwore"));
        assert!(needs_rehash(&legacy));
    }

    #[test]
    fn the_stamp_follows_the_hash() {
        let a = hash("pw-one-1");
        let b = hash("pw-one-1");
        assert_eq!(stamp(&a), stamp(&a));
        assert_ne!(stamp(&a), stamp(&b), "a new hash (new salt) is a new stamp");
        assert_eq!(stamp(&a).len(), 16);
    }
}
