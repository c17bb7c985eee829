//! Password hashing (argon2id) and one-time tokens (256 random bits, stored
//! only as their SHA-256).

use std::sync::OnceLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Spends the same time as a real check when there is no account, so a
/// failed login does not tell whether the email exists.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// A new token to send, and the hash to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Domain verification tokens are public (they go in DNS) but unguessable.
pub fn verification_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Seals a stored secret (a directory's bind password) with AES-256-GCM under
/// the data-dir key: a fresh 96-bit nonce, then the ciphertext and tag. The
/// `context` (e.g. the enterprise id) is bound as associated data, so a sealed
/// value copied to another row does not open.
pub fn seal(key: &[u8], context: &str, plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
    use aes_gcm::{
        aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
        Aes256Gcm,
    };
    let cipher =
        Aes256Gcm::new_from_slice(&key[..32]).map_err(|_| anyhow::anyhow!("encryption key is not 256 bits"))?;
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, Payload { msg: plaintext, aad: context.as_bytes() })
        .map_err(|_| anyhow::anyhow!("encryption failed"))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(out)
}

/// Opens what [`seal`] made; fails on a wrong key, context or tampering.
pub fn open(key: &[u8], context: &str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    use aes_gcm::{
        aead::{Aead, KeyInit, Payload},
        Aes256Gcm, Nonce,
    };
    anyhow::ensure!(sealed.len() >= 12 + 16, "sealed value is too short");
    let cipher =
        Aes256Gcm::new_from_slice(&key[..32]).map_err(|_| anyhow::anyhow!("encryption key is not 256 bits"))?;
    let (nonce, body) = sealed.split_at(12);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: context.as_bytes() })
        .map_err(|_| anyhow::anyhow!("the stored secret does not open with this data dir's encryption.key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let key = [7u8; 32];
        let sealed = seal(&key, "ent-1", b"bind secret").unwrap();
        assert!(!sealed.windows(11).any(|w| w == b"bind secret"), "plaintext visible");
        assert_eq!(open(&key, "ent-1", &sealed).unwrap(), b"bind secret");
        assert!(open(&key, "ent-2", &sealed).is_err());
        assert!(open(&[8u8; 32], "ent-1", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(open(&key, "ent-1", &tampered).is_err());
        assert_ne!(seal(&key, "ent-1", b"bind secret").unwrap(), sealed, "nonce reused");
    }

    #[test]
    fn passwords_round_trip_as_argon2id() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_long_and_stored_hashed() {
        let (token, hash) = new_token();
        assert!(token.len() >= 43);
        assert_ne!(token, hash);
        assert_eq!(hash_token(&token), hash);
        assert_eq!(verification_token().len(), 32);
    }
}
