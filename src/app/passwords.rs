//! Supervisor passwords at rest (issue 8, item 10): argon2id hashes in PHC
//! string form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), made by `tingwu
//! hash-password`. A config value that is not a PHC string is a clear-text
//! password: still accepted (older configs keep working) but warned about
//! at start. Clear-text values are compared with
//! `tingwu_core::secret::same_secret`; hashes by argon2's own
//! verification (constant time in the hash).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;

use tingwu_actors::core::secret::same_secret;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("could not hash the password: {0}")]
pub struct HashError(String);

/// Whether a stored value is an argon2 PHC string (else clear text).
pub fn is_hashed(stored: &str) -> bool {
    stored.starts_with("$argon2")
}

/// Whether a stored value that looks hashed parses as a PHC string.
pub fn is_valid_hash(stored: &str) -> bool {
    PasswordHash::new(stored).is_ok()
}

/// The argon2id PHC string of `password` (default parameters, a random
/// 16-byte salt).
pub fn hash(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `given` is the password `stored` holds (a PHC string or, for
/// older configs, clear text). An unparsable PHC string matches nothing.
pub fn verify(given: &str, stored: &str) -> bool {
    if !is_hashed(stored) {
        return same_secret(given, stored);
    }
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default()
            .verify_password(given.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("demo-admin").unwrap();
        assert!(is_hashed(&h) && is_valid_hash(&h));
        assert!(verify("demo-admin", &h));
        assert!(!verify("demo-admin2", &h));
        assert!(!verify(&h, &h), "the stored string is not a password");
        assert_ne!(hash("demo-admin").unwrap(), h, "salted");
        assert!(verify("plain", "plain") && !verify("plain", "plain2"));
        assert!(!verify("x", "$argon2id$broken"));
    }
}
