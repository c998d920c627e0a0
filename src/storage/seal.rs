//! Sealing personal data at rest (ID numbers, phone numbers) with
//! ChaCha20-Poly1305 under a per-hall key kept beside the database.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng};
use chacha20poly1305::{AeadCore, ChaCha20Poly1305, Key};

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("cannot read or create the key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {0} does not hold a 32-byte key")]
    BadKey(PathBuf),
    #[error("key file {0} is missing but the database already holds data sealed under a key; restore the key file (a new key would make the sealed data unreadable)")]
    MissingKey(PathBuf),
    #[error("sealed value is corrupt or was sealed under another key")]
    Corrupt,
}

pub struct Sealer {
    cipher: ChaCha20Poly1305,
    /// For fingerprints: the same key, never the value itself.
    key: Key,
}

impl Sealer {
    /// Loads `dir/seal.key`, creating it (mode 0600) on first start.
    /// `has_data`: the database is not new, so a missing key is an error,
    /// not a first start.
    pub fn load_or_create(dir: &Path, has_data: bool) -> Result<Self, SealError> {
        let path = dir.join("seal.key");
        let io = |source| SealError::KeyFile {
            path: path.clone(),
            source,
        };
        let key = if path.exists() {
            let bytes = std::fs::read(&path).map_err(io)?;
            if bytes.len() != 32 {
                return Err(SealError::BadKey(path));
            }
            *Key::from_slice(&bytes)
        } else if has_data {
            return Err(SealError::MissingKey(path));
        } else {
            // Written whole to a temporary file, synced, then renamed into
            // place, so a crash never leaves a short key file behind.
            let key = ChaCha20Poly1305::generate_key(&mut OsRng);
            let tmp = dir.join("seal.key.tmp");
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp).map_err(io)?;
            f.write_all(&key).map_err(io)?;
            f.sync_all().map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)?;
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            key
        };
        Ok(Self {
            cipher: ChaCha20Poly1305::new(&key),
            key,
        })
    }

    /// A stable, keyed fingerprint of a personal value (`kind`: "id",
    /// "phone"), so that tickets of one person can be counted without
    /// keeping the value: SHA-256 over the hall's key, the kind and the
    /// value, 128 bits in hex. Without the key file it reveals nothing.
    pub fn fingerprint(&self, kind: &str, value: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.key.as_slice());
        h.update(kind.as_bytes());
        h.update([0u8]);
        h.update(value.as_bytes());
        h.finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        match self.cipher.encrypt(&nonce, plain.as_bytes()) {
            Ok(ct) => {
                let mut out = nonce.to_vec();
                out.extend_from_slice(&ct);
                B64.encode(out)
            }
            // Encryption of an in-memory buffer cannot fail for this AEAD;
            // keep nothing rather than the plain text if it ever did.
            Err(_) => String::new(),
        }
    }

    /// The plain value, for the few places that must use it (a notice to
    /// the citizen's own phone).
    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let bytes = B64.decode(sealed).map_err(|_| SealError::Corrupt)?;
        if bytes.len() < 12 {
            return Err(SealError::Corrupt);
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(chacha20poly1305::Nonce::from_slice(nonce), ct)
            .map_err(|_| SealError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| SealError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::load_or_create(dir.path(), false).unwrap();
        let sealed = sealer.seal("11010519491231002X");
        assert!(!sealed.contains("1101051949"));
        assert_eq!(sealer.open(&sealed).unwrap(), "11010519491231002X");
        // The same key is found again after a restart.
        let again = Sealer::load_or_create(dir.path(), true).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "11010519491231002X");
        let other = tempfile::tempdir().unwrap();
        let stranger = Sealer::load_or_create(other.path(), false).unwrap();
        assert!(stranger.open(&sealed).is_err());
        assert!(sealer.open("not base64!").is_err());
        // Fingerprints: stable under one key, different under another.
        let fp = sealer.fingerprint("id", "11010519491231002X");
        assert_eq!(fp, again.fingerprint("id", "11010519491231002X"));
        assert_ne!(fp, stranger.fingerprint("id", "11010519491231002X"));
        assert_ne!(fp, sealer.fingerprint("phone", "11010519491231002X"));
        assert!(!fp.contains("1101"));
    }

    #[test]
    fn a_lost_key_is_an_error_once_there_is_data() {
        let dir = tempfile::tempdir().unwrap();
        let err = Sealer::load_or_create(dir.path(), true).err().unwrap();
        assert!(matches!(err, SealError::MissingKey(_)), "{err}");
        assert!(!dir.path().join("seal.key").exists());
    }
}
