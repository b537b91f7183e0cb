//! Opening a file someone else put in the inbox (or named to `ingest`/`check`).
//!
//! Only a regular file is read, and only after its size is known: a link is not
//! followed (it could point at `/etc/passwd`), a FIFO would block forever, a device
//! such as `/dev/zero` never ends, and a sparse 3 GiB file would be read whole
//! before any size check on the bytes. The size limit is applied to the metadata of
//! the open file, then again while reading, in case the file grows meanwhile.

use std::collections::HashSet;
use std::fs::{FileType, OpenOptions};
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{sha256_hex, FileReport, Finding, Outcome};
use crate::texts::intake as texts;
use crate::texts::intake::kind;

/// Reads a regular file of at most `max_bytes`, or says in Japanese why not.
pub fn read_untrusted_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    // O_NOFOLLOW refuses a link; O_NONBLOCK keeps opening a FIFO from blocking.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_refusal(&e))?;
    let metadata = file.metadata().map_err(texts::no_file_information)?;
    if !metadata.is_file() {
        return Err(texts::not_a_regular_file(kind_label(metadata.file_type())));
    }
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len(), max_bytes));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(texts::file_unreadable)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64, max_bytes));
    }
    Ok(bytes)
}

fn too_large(size: u64, max_bytes: u64) -> String {
    texts::file_too_large(size, max_bytes)
}

fn open_refusal(error: &std::io::Error) -> String {
    match (error.kind(), error.raw_os_error()) {
        (_, Some(libc::ELOOP)) => texts::SYMBOLIC_LINK.to_string(),
        (ErrorKind::PermissionDenied, _) => texts::NO_PERMISSION.to_string(),
        (ErrorKind::NotFound, _) => texts::VANISHED.to_string(),
        _ => texts::file_unopenable(error),
    }
}

/// What kind of thing a path is, in Japanese.
pub fn kind_label(kind: FileType) -> &'static str {
    if kind.is_symlink() {
        kind::SYMLINK
    } else if kind.is_dir() {
        kind::FOLDER
    } else if kind.is_fifo() {
        kind::FIFO
    } else if kind.is_socket() {
        kind::SOCKET
    } else if kind.is_block_device() || kind.is_char_device() {
        kind::DEVICE
    } else if kind.is_file() {
        kind::FILE
    } else {
        kind::UNKNOWN
    }
}

/// Logs, once per path in this process, an inbox entry that is not taken in. The
/// inbox is looked at every few seconds; one line per entry is enough.
pub fn log_skipped_once(path: &Path, kind: FileType) {
    static LOGGED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut logged = LOGGED.lock().unwrap_or_else(|e| e.into_inner());
    if logged
        .get_or_insert_with(HashSet::new)
        .insert(path.to_path_buf())
    {
        tracing::warn!(
            path = %path.display().to_string().escape_debug(),
            kind = kind_label(kind),
            "受付フォルダーの通常のファイルではないものは取り込みません"
        );
    }
}

/// The report of a file that could not be read at all. There are no bytes to hash,
/// so it is named by a digest of what is known of it (name, size, time, reason):
/// its receipt is keyed by that, and the same unreadable file is answered once,
/// not on every run.
pub fn unreadable(path: &Path, file_name: String, reason: String) -> FileReport {
    let seen = std::fs::symlink_metadata(path)
        .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    tracing::warn!(
        file = %file_name.escape_debug(),
        reason = %reason,
        "受け取ったファイルを読めません"
    );
    FileReport {
        sha256: sha256_hex(format!("unreadable\0{file_name}\0{seen}\0{reason}").as_bytes()),
        file_name,
        submission_id: None,
        outcome: Outcome::Rejected,
        findings: vec![Finding::file_error(reason)],
        content: None,
        department: None,
        typed: crate::workbook::TypedCells::default(),
        closed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.xlsx");
        std::fs::write(&file, b"1234").unwrap();
        assert_eq!(read_untrusted_file(&file, 10).unwrap(), b"1234");
        assert!(read_untrusted_file(&file, 3)
            .unwrap_err()
            .starts_with("ファイルが大きすぎます"));

        let link = dir.path().join("link.xlsx");
        std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
        assert!(read_untrusted_file(&link, 1 << 20)
            .unwrap_err()
            .starts_with("シンボリックリンク"));

        let fifo = dir.path().join("fifo.xlsx");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads a valid C string.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert!(read_untrusted_file(&fifo, 1 << 20)
            .unwrap_err()
            .contains("FIFO"));

        assert!(read_untrusted_file(Path::new("/dev/zero"), 1 << 20)
            .unwrap_err()
            .contains("デバイス"));
        assert!(read_untrusted_file(dir.path(), 1 << 20)
            .unwrap_err()
            .contains("フォルダー"));
    }

    #[test]
    fn a_sparse_file_over_the_limit_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sparse.xlsx");
        let handle = std::fs::File::create(&file).unwrap();
        handle.set_len(3 << 30).unwrap();
        let reason = read_untrusted_file(&file, 20 << 20).unwrap_err();
        assert!(reason.contains("3221225472 バイト"), "{reason}");
    }
}
