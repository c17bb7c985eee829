//! Keys generated on first start and kept in the data dir (mode 0600). They are
//! never hard-coded, logged or returned. Replicas share them by sharing the
//! files (see README, "Several replicas").

use std::path::Path;

use anyhow::Context;
use rand::RngCore;

#[derive(Clone)]
pub struct Secrets {
    /// Signs session JWTs (HS256).
    pub jwt_key: Vec<u8>,
    /// Encrypts stored credentials (e.g. a directory's bind password) at rest.
    pub encryption_key: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(<redacted>)")
    }
}

impl Secrets {
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Self> {
        private_dir(data_dir)?;
        Ok(Self {
            jwt_key: key_file(&data_dir.join("jwt.key"))?,
            encryption_key: key_file(&data_dir.join("encryption.key"))?,
        })
    }
}

/// Creates `dir` (and parents) and makes it `0700`, also when it already
/// existed: it holds the database, keys and mail with live links.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    let existed = dir.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("while creating {}", dir.display()))?;
    match restrict(dir, 0o700) {
        // A dir the operator provides (a shared mount, say) may not be ours to change: say so.
        Err(e) if existed => {
            tracing::warn!(dir = %dir.display(), error = format!("{e:#}"), "could not make the data dir private (0700)");
            Ok(())
        }
        other => other,
    }
}

/// Makes `path` readable by its owner only (`mode` 0600 or 0700); a no-op off Unix.
pub fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("while restricting {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let key = hex::decode(text.trim()).with_context(|| format!("{} is not a hex key", path.display()))?;
            anyhow::ensure!(key.len() >= 32, "{} holds a key shorter than 256 bits", path.display());
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            if write_private(path, &hex::encode(&key))? {
                tracing::info!(file = %path.display(), "generated a new key");
                Ok(key)
            } else {
                key_file(path)
            }
        }
        Err(e) => Err(e).with_context(|| format!("while reading {}", path.display())),
    }
}

/// False when another process created the file first.
fn write_private(path: &Path, text: &str) -> anyhow::Result<bool> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(text.as_bytes()).with_context(|| format!("while writing {}", path.display()))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("while creating {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secrets::load_or_create(dir.path()).unwrap();
        let again = Secrets::load_or_create(dir.path()).unwrap();
        assert_eq!(first.jwt_key, again.jwt_key);
        assert_eq!(first.encryption_key, again.encryption_key);
        assert_ne!(first.jwt_key, first.encryption_key);
        assert_eq!(first.jwt_key.len(), 32);
        assert_eq!(format!("{first:?}"), "Secrets(<redacted>)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jwt.key"), "abcd").unwrap();
        let err = Secrets::load_or_create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("shorter than 256 bits"), "{err}");
    }
}
