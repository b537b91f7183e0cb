//! What the exit status says: 0 every file accepted (warnings allowed), 1 at least one
//! file refused (sent back), 2 the command itself failed.

/// At least one file was refused (sent back to its department): exit status 1, with a
/// one-line summary. Any other error is the command failing: exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// `check` found errors in this many files.
    #[error("{0} 件のファイルに誤りがあります")]
    Checked(usize),
    /// `ingest` or `run --once` sent back this many files.
    #[error("{0} 件のファイルを差し戻しました")]
    SentBack(usize),
    /// `health` found this many cities degraded (a run failed, mail undeliverable).
    #[error("要確認の都市が {0} あります")]
    Degraded(usize),
}

/// Exit status 0: every file accepted, warnings allowed; nothing else failed.
pub const EXIT_ACCEPTED: u8 = 0;
/// Exit status 1: at least one file refused (sent back).
pub const EXIT_REFUSED: u8 = 1;
/// Exit status 2: the command itself failed (configuration, store, disk, arguments).
pub const EXIT_FAILED: u8 = 2;

/// The exit status for a command's result.
pub fn exit_status(result: &anyhow::Result<()>) -> u8 {
    match result {
        Ok(()) => EXIT_ACCEPTED,
        Err(error) if error.downcast_ref::<Refused>().is_some() => EXIT_REFUSED,
        Err(_) => EXIT_FAILED,
    }
}

/// `Err(Refused)` when `refused` files were refused (`Refused::Checked` or
/// `Refused::SentBack` as `as_refusal` makes it).
pub(super) fn refused_if_any(
    refused: usize,
    as_refusal: fn(usize) -> Refused,
) -> anyhow::Result<()> {
    match refused {
        0 => Ok(()),
        n => Err(as_refusal(n).into()),
    }
}

/// Every path named on the command line exists: a mistyped path is the command's
/// failure (exit status 2), not a submission to refuse and answer by mail. What is
/// there but is not a regular file (a folder, a FIFO) is the guard's to refuse.
pub(super) fn named_files_exist(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    for path in files {
        if std::fs::symlink_metadata(path).is_err() {
            anyhow::bail!(
                "ファイル {} がありません。パスを確かめてください(何も受け付けていません)",
                crate::domain::printable(&path.display().to_string())
            );
        }
    }
    Ok(())
}
