//! The one comparison of secrets (supervisor passwords, staff PINs, the
//! special-group password): constant time in the contents, through the
//! `subtle` crate, so the time taken says nothing about how much of a guess
//! was right. (Lengths may differ in time; a length is not the secret.)

use subtle::ConstantTimeEq;

/// Whether `given` equals `expected`, compared in constant time.
pub fn same_secret(given: &str, expected: &str) -> bool {
    same_secret_bytes(given.as_bytes(), expected.as_bytes())
}

/// [`same_secret`] over bytes (an MQTT CONNECT password is bytes).
pub fn same_secret_bytes(given: &[u8], expected: &[u8]) -> bool {
    given.ct_eq(expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("1111", "1111"));
        assert!(!same_secret("1111", "1112"));
        assert!(!same_secret("1111", "11110"));
        assert!(!same_secret("", "1"));
        assert!(same_secret("", ""));
    }
}
