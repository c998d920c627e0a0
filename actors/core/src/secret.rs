//! The one comparison of secrets (supervisor passwords, staff PINs, the
//! special-group password): constant time in the contents, through the
//! `subtle` crate, so the time taken says nothing about how much of a guess
//! was right. (Lengths may differ in time; a length is not the secret.)

use subtle::ConstantTimeEq;

/// Whether `given` equals `expected`, compared in constant time.
pub fn same_secret(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
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
