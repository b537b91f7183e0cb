//! The archive: bytes kept under their SHA-256, written once and atomically. The
//! originals received, the attachments of queued mail and every content key come from here.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sha2::{Digest, Sha256};

/// Where bytes with this hash are kept under `dir`: `<dir>/<first two hex>/<sha256><extension>`.
pub fn path_by_hash(dir: &Path, sha256: &str, extension: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(format!("{sha256}{extension}"))
}

/// Keeps bytes under their hash in `dir` (see [`path_by_hash`]), written atomically,
/// once: bytes already kept are not written again.
pub fn keep_by_hash(
    dir: &Path,
    sha256: &str,
    extension: &str,
    bytes: &[u8],
) -> anyhow::Result<PathBuf> {
    let target = path_by_hash(dir, sha256, extension);
    if target.exists() {
        return Ok(target);
    }
    let parent = target.parent().expect("archive path has a parent");
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    // A name of this process's own: two processes keeping the same bytes at once must
    // not write into one partial file.
    let partial = target.with_extension(format!("{}.partial", std::process::id()));
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("archiving {}", target.display()))?;
    Ok(target)
}

/// The lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
