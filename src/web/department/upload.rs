//! An upload: the bytes a department sends through the portal, taken in exactly as a
//! file of the inbox is (the guard, the archive, the store, the receipt mail), never by
//! a second path.
//!
//! The bytes are first staged under `archive/uploads/<random>/`: the file under its
//! safe name in `file/`, written as the body arrives ([`Staging`]: never the whole
//! file in memory), then `by` (the department and the address), each fsynced, `by`
//! last and by a rename, so a folder with `by` holds a whole upload. Then
//! [`crate::mail::receipts::take_in_file`] takes it in, on a store connection of its own,
//! and the folder is removed. A daemon that died in between finds the folder at its
//! next start ([`take_in_left`]): the upload is taken in then, and its receipt sent.
//!
//! Whose a folder is: the process handling an upload holds an exclusive `flock` on the
//! folder's `lock` file from the moment it makes the folder until it has removed it.
//! The kernel lets go of it when the process ends, however it ends (kill -9 too), so
//! a replica sharing the archive takes in, or removes, only folders whose process is
//! gone, never one another replica is still reading.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::names::safe_file_name;
use crate::app::App;
use crate::config::Config;
use crate::intake::{IntakeError, Upload};
use crate::mail::receipts::{self, Answered};
use crate::web::auth::tokens::random_token;

/// The file naming who sent a staged upload: written last, so it marks a whole one.
const BY: &str = "by";

/// The folder holding the staged file.
const FILE: &str = "file";

/// The file whose `flock` says a live process handles the upload.
const LOCK: &str = "lock";

/// A staged upload's folder held by this process (see the module's comment): the lock
/// lasts as long as any clone of this.
#[derive(Debug, Clone)]
pub struct Held(Arc<File>);

impl PartialEq for Held {
    fn eq(&self, other: &Held) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Held {}

/// Takes the exclusive lock of `path` without waiting: `None` when another open file
/// holds it (a live process), an error when there is no such file.
fn try_lock(path: &Path, create: bool) -> std::io::Result<Option<Held>> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(create)
        .open(path)?;
    // SAFETY: flock on a descriptor this function owns; no memory is involved.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if locked == 0 {
        return Ok(Some(Held(Arc::new(file))));
    }
    let error = std::io::Error::last_os_error();
    match error.kind() {
        std::io::ErrorKind::WouldBlock => Ok(None),
        _ => Err(error),
    }
}

/// Where uploads wait to be taken in: `archive/uploads/`.
pub fn uploads_dir(config: &Config) -> PathBuf {
    config.paths.archive.join("uploads")
}

/// An upload written to disk, not yet taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedUpload {
    /// Its own folder under [`uploads_dir`].
    pub dir: PathBuf,
    /// The file, under its safe name.
    pub file: PathBuf,
    /// The department signed in.
    pub department: String,
    /// The signed-in address.
    pub uploaded_by: String,
    /// The folder's lock, held while this process handles it (`None` once finished).
    pub held: Option<Held>,
}

/// Writes an upload's bytes and who sent them, fsynced (see the module's comment).
pub fn stage(
    config: &Config,
    sent_name: &str,
    bytes: &[u8],
    department: &str,
    uploaded_by: &str,
) -> anyhow::Result<StagedUpload> {
    let mut staging = Staging::begin(config, sent_name, department, uploaded_by)?;
    staging.write(bytes)?;
    staging.finish()
}

/// An upload being written as its bytes arrive: the file in its folder, without `by`.
/// Dropped before [`Staging::finish`] (a body cut short, too large, refused), its
/// folder is removed: nothing half written is left for the next start to find.
pub struct Staging {
    staged: StagedUpload,
    file: Option<File>,
    written: u64,
}

impl Staging {
    /// Makes the upload's folder and opens its file (blocking).
    pub fn begin(
        config: &Config,
        sent_name: &str,
        department: &str,
        uploaded_by: &str,
    ) -> anyhow::Result<Staging> {
        // A random name: two uploads at once (or a stopped daemon's) never share a folder.
        let dir = uploads_dir(config).join(random_token()?);
        let files = dir.join(FILE);
        let mut staging = Staging {
            staged: StagedUpload {
                file: files.join(safe_file_name(sent_name)),
                dir,
                department: department.to_string(),
                uploaded_by: uploaded_by.to_string(),
                held: None,
            },
            file: None,
            written: 0,
        };
        std::fs::create_dir_all(&files)
            .with_context(|| format!("アップロードの一時フォルダー {} を作れません。保管場所 (paths.archive) に書き込めるか確かめてください", files.display()))?;
        // Held before anything else is written: a folder is never without its owner.
        let lock = staging.staged.dir.join(LOCK);
        staging.staged.held = try_lock(&lock, true)
            .with_context(|| cannot_write(&lock))?
            .map(Some)
            .context("作ったばかりのアップロードの鍵を取れません")?;
        let path = &staging.staged.file;
        let file = OpenOptions::new().write(true).create_new(true).open(path);
        staging.file = Some(file.with_context(|| cannot_write(path))?);
        Ok(staging)
    }

    /// Appends bytes to the file (blocking).
    pub fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let path = &self.staged.file;
        let file = self
            .file
            .as_mut()
            .context("アップロードのファイルは閉じられています")?;
        file.write_all(bytes).with_context(|| cannot_write(path))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// How many bytes were written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The file fsynced, then `by` by a rename, each with its folder (blocking): from
    /// here on the upload is whole, and a start after a crash takes it in.
    pub fn finish(mut self) -> anyhow::Result<StagedUpload> {
        let file = self
            .file
            .take()
            .context("アップロードのファイルは閉じられています")?;
        file.sync_all()
            .with_context(|| cannot_write(&self.staged.file))?;
        drop(file);
        write_by(&self.staged)?;
        // Whole: no longer removed on drop.
        let staged = std::mem::replace(&mut self.staged, StagedUpload::gone());
        Ok(staged)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.staged.dir.as_os_str().is_empty() {
            return;
        }
        drop(self.file.take());
        let _ = std::fs::remove_dir_all(&self.staged.dir);
    }
}

impl StagedUpload {
    /// The empty value a finished [`Staging`] keeps (its folder is no longer its own).
    fn gone() -> StagedUpload {
        StagedUpload {
            dir: PathBuf::new(),
            file: PathBuf::new(),
            department: String::new(),
            uploaded_by: String::new(),
            held: None,
        }
    }
}

fn cannot_write(path: &Path) -> String {
    format!(
        "{} に書き込めません(ディスクの空きを確かめてください)",
        path.display()
    )
}

/// `by` (who sent it) by a rename, after the file's folder is synced.
fn write_by(staged: &StagedUpload) -> anyhow::Result<()> {
    let dir = &staged.dir;
    sync_dir(&dir.join(FILE))?;
    let by = format!("{}\n{}\n", staged.department, staged.uploaded_by);
    let partial = dir.join(format!("{BY}.partial"));
    write_synced(&partial, by.as_bytes())?;
    std::fs::rename(&partial, dir.join(BY))
        .with_context(|| format!("アップロード {} を記録できません", dir.display()))?;
    sync_dir(dir)?;
    sync_dir(dir.parent().unwrap_or(dir))
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    write().with_context(|| cannot_write(path))
}

/// Makes the folder's entries durable (a file's own fsync does not cover its name).
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("フォルダー {} を同期できません", dir.display()))
}

/// Takes a staged upload in like a file of the inbox, on a store connection of its
/// own (blocking: call it from `spawn_blocking`), then removes its folder. A failure
/// of hakusho's own leaves the folder, to be taken in at the next start.
pub fn take_in(app: &App, staged: &StagedUpload) -> Result<Answered, IntakeError> {
    let config = app.config();
    let mut store = app.store().separate()?;
    let guide = crate::template::guide_text(config)?;
    let earlier = app.earlier_figures(&store)?;
    let plan = app.plan()?;
    let upload = Upload {
        department: &staged.department,
        uploaded_by: &staged.uploaded_by,
    };
    let intake = crate::intake::Intake {
        upload: Some(upload),
        ..app.intake(&plan, &earlier)?
    };
    let received_at = app.clock().tokyo();
    let answered = receipts::take_in_file(&staged.file, intake, &mut store, received_at, &guide)?;
    if let Err(error) = std::fs::remove_dir_all(&staged.dir) {
        // Taken in: a folder left behind is taken in again as the same bytes (nothing new).
        tracing::warn!(dir = %staged.dir.display(), "取り込んだアップロードの一時フォルダーを消せません: {error}");
    }
    Ok(answered)
}

/// Takes in every upload whose process is gone (a stopped or killed daemon, here or
/// on another replica sharing the archive); blocking. serve calls it before the
/// portal listens and then every minute. A folder another live process holds is left
/// to it; one never made whole (no `by`: its body was cut short by the stop) is
/// removed, its sender having had no answer. Returns how many uploads were taken in.
pub fn take_in_left(app: &App) -> anyhow::Result<usize> {
    let dir = uploads_dir(app.config());
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error).with_context(|| format!("{} を読めません", dir.display())),
    };
    let mut taken = 0;
    for entry in entries {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let Some(held) = ownerless(&path)? else {
            continue;
        };
        match read_staged(&path, held)? {
            Some(staged) => taken += usize::from(take_in_logged(app, &staged)),
            None => remove_unfinished(&path),
        }
    }
    Ok(taken)
}

/// The folder's lock, when no live process holds it and the folder is still there.
/// A folder without a lock file is being made right now, or was left by a version of
/// hakusho without locks: taken only once an hour old.
fn ownerless(path: &Path) -> anyhow::Result<Option<Option<Held>>> {
    match try_lock(&path.join(LOCK), false) {
        // Taken after its owner removed the folder: nothing left to do.
        Ok(Some(held)) if path.join(LOCK).exists() => Ok(Some(Some(held))),
        Ok(_) => Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(older_than_an_hour(path).then_some(None))
        }
        Err(error) => {
            Err(error).with_context(|| format!("{} の鍵を確かめられません", path.display()))
        }
    }
}

/// Takes a left upload in; a failure (a busy machine) is logged and the folder stays
/// for the next look. Whether it was taken in.
fn take_in_logged(app: &App, staged: &StagedUpload) -> bool {
    match take_in(app, staged) {
        Ok(answered) => {
            let file = crate::domain::printable(&answered.report.file_name).into_owned();
            tracing::info!(%file, uploaded_by = %staged.uploaded_by, "a staged upload left by a stop was taken in");
            true
        }
        Err(error) => {
            let reason = crate::domain::printable(&format!("{error:#}")).into_owned();
            tracing::error!(dir = %staged.dir.display(), "残っていたアップロードを取り込めません(次に見るときに読み直します): {reason}");
            false
        }
    }
}

/// A staged upload's folder read back: `None` when it was never whole.
fn read_staged(dir: &Path, held: Option<Held>) -> anyhow::Result<Option<StagedUpload>> {
    let Ok(by) = std::fs::read_to_string(dir.join(BY)) else {
        return Ok(None);
    };
    let mut lines = by.lines();
    let (Some(department), Some(uploaded_by)) = (lines.next(), lines.next()) else {
        return Ok(None);
    };
    let files = dir.join(FILE);
    let mut names =
        std::fs::read_dir(&files).with_context(|| format!("{} を読めません", files.display()))?;
    let Some(file) = names.next().transpose()? else {
        return Ok(None);
    };
    Ok(Some(StagedUpload {
        dir: dir.to_path_buf(),
        file: file.path(),
        department: department.to_string(),
        uploaded_by: uploaded_by.to_string(),
        held,
    }))
}

/// How old a folder without a lock file must be before it is taken: younger, it may
/// be an upload another process has just begun (the lock is its first file).
const UNLOCKED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

fn older_than_an_hour(path: &Path) -> bool {
    let age = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok());
    age.is_some_and(|age| age >= UNLOCKED_AFTER)
}

/// Removes a folder whose owner is gone and which was never made whole.
fn remove_unfinished(path: &Path) {
    tracing::warn!(dir = %path.display(), "書きかけのまま残ったアップロードを消します(送った人には結果が返っていません)");
    let removed = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    if let Err(error) = removed {
        tracing::warn!(dir = %path.display(), "消せません: {error}");
    }
}
