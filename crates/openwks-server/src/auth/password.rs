//! Salted SHA-256 password hashes: `sha256$<salt hex>$<hash hex>`.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn digest(salt: &str, password: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(password.as_bytes());
    hex::encode(h.finalize())
}

/// Hash a password with a fresh salt.
pub fn hash(password: &str) -> String {
    let salt = super::random_hex(16);
    format!("sha256${salt}${}", digest(&salt, password))
}

/// Check a password against a stored hash, in constant time.
pub fn verify(stored: &str, password: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("sha256"), Some(salt), Some(h)) => {
            digest(salt, password).as_bytes().ct_eq(h.as_bytes()).into()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("s3cret");
        assert!(super::verify(&h, "s3cret"));
        assert!(!super::verify(&h, "s3cret "));
        assert!(!super::verify("garbage", "x"));
    }
}
