//! The store on SQLite: one file, opened by each process that needs it.
//!
//! Everything SQLite-only lives here: the connection (rusqlite), the `PRAGMA`s, the
//! busy answer and its retry, `BEGIN IMMEDIATE` for the transactions, the migrations'
//! dialect. The queries themselves are kept to SQL that PostgreSQL reads too
//! (`INSERT … ON CONFLICT … DO NOTHING`, `RETURNING`, `COALESCE`, `substr`) except for
//! what is noted where it is written:
//!
//! - parameters are `?N`; a PostgreSQL driver wants `$N` (a mechanical rewrite);
//! - `INTEGER PRIMARY KEY` in the migrations is SQLite's row id; PostgreSQL needs an
//!   identity column, so its migrations will be its own files;
//! - the busy retry in `set_up` and `PRAGMA quick_check` have no PostgreSQL
//!   counterpart (it waits on locks itself; it has no page check to run).

mod collections;
mod content;
mod copy;
mod earlier;
mod history;
mod ledger;
mod migrations;
mod outbox;
mod submissions;
mod web;

use std::path::Path;

use anyhow::Context;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use super::states::{DeliveryState, RunOutcome, StoredName, SubmissionStatus};
use super::Backend;
use crate::domain::Severity;

pub use migrations::latest_version;

/// How long a statement waits for another process's write lock before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An open SQLite store: one connection to the database file.
pub struct SqliteStore {
    connection: Connection,
}

impl SqliteStore {
    /// Opens (creating if need be) the database file and applies the migrations.
    pub fn open(path: &Path) -> anyhow::Result<SqliteStore> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut connection = Connection::open(path)
            .with_context(|| format!("データベース {} を開けません", path.display()))?;
        // Set before anything else touches the file: a process that meets another's
        // write lock (a migration, a claim, a run) waits for it instead of failing.
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let unreadable = || format!("データベース {} を読めません", path.display());
        connection
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .with_context(unreadable)?;
        set_up(&mut connection).with_context(unreadable)?;
        Ok(SqliteStore { connection })
    }

    /// Opens the store and checks its pages first: a damaged or unreadable file is an
    /// error in Japanese, never an empty result.
    pub fn open_checked(path: &Path) -> anyhow::Result<SqliteStore> {
        let store = SqliteStore::open(path)?;
        store.check_pages(path)?;
        Ok(store)
    }

    /// `PRAGMA quick_check`: a damaged file is an error, never an empty answer.
    fn check_pages(&self, path: &Path) -> anyhow::Result<()> {
        let store = self;
        let verdict: String = store
            .connection
            .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
            .with_context(|| format!("データベース {} を読めません", path.display()))?;
        if verdict != "ok" {
            anyhow::bail!(
                "データベース {} が壊れています({verdict})。バックアップから戻してください",
                path.display()
            );
        }
        Ok(())
    }
}

impl SqliteStore {
    /// Opens an existing, migrated store read-only (`SQLITE_OPEN_READ_ONLY`): nothing
    /// is created, migrated or written, and any write fails. A missing file, one that
    /// is not at the latest version, or a damaged one is an error that says so.
    pub fn open_read_only(path: &Path) -> anyhow::Result<SqliteStore> {
        if !path.exists() {
            anyhow::bail!(
                "データベース {} がまだありません。最初の `hakusho ingest` か `hakusho run --once` で作られます",
                path.display()
            );
        }
        if !path.is_file() {
            anyhow::bail!(
                "データベース {} を開けません(ファイルではありません)",
                path.display()
            );
        }
        let connection = read_only_connection(path)
            .with_context(|| format!("データベース {} を開けません", path.display()))?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let store = SqliteStore { connection };
        let version = store.migrated_version().with_context(|| {
            format!(
                "データベース {} を読めません(hakusho のデータベースでないか、壊れています)",
                path.display()
            )
        })?;
        crate::store::refuse_newer(version)?;
        if version != latest_version() {
            anyhow::bail!(
                "データベース {} は版 {version} です(この hakusho は版 {})。`hakusho run --once` か `hakusho ingest` で更新してから実行してください",
                path.display(),
                latest_version()
            );
        }
        store.check_pages(path)?;
        Ok(store)
    }

    /// An empty store in memory, migrated: what a read-only command reads on a machine
    /// where no store was made yet (nothing is written anywhere).
    pub fn in_memory() -> anyhow::Result<SqliteStore> {
        let mut connection = Connection::open_in_memory()?;
        connection.execute_batch("PRAGMA foreign_keys = ON;")?;
        migrations::apply(&mut connection)?;
        Ok(SqliteStore { connection })
    }

    /// The latest migration applied; an error when the file is not a store at all.
    fn migrated_version(&self) -> anyhow::Result<i64> {
        Ok(self.connection.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )?)
    }
}

/// The schema version of the file at `path`, touching nothing (0: no store yet).
pub fn version_at(path: &Path) -> anyhow::Result<i64> {
    if !path.exists() {
        return Ok(0);
    }
    let unreadable = || format!("データベース {} を読めません", path.display());
    let connection = read_only_connection(path).with_context(unreadable)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    let tables: i64 = connection
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |row| row.get(0),
        )
        .with_context(unreadable)?;
    if tables == 0 {
        return Ok(0);
    }
    let store = SqliteStore { connection };
    store.migrated_version().with_context(unreadable)
}

impl Backend for SqliteStore {
    fn schema_version(&self) -> anyhow::Result<i64> {
        self.migrated_version()
    }
}

/// A read-only connection that leaves every file as it found it. While a process has
/// the store open its -wal file exists, and the connection joins it through the -shm
/// (read marks are SQLite's coordination, not data). When there is no -wal, nobody has
/// the store open and everything is in the main file: a plain read-only connection
/// would still create an empty -wal and a -shm (it cannot remove them on close), so
/// the file is opened `immutable`, without them. A writer that starts and checkpoints
/// within that read could make it fail; it cannot make it write.
fn read_only_connection(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return Connection::open_with_flags(path, flags - OpenFlags::SQLITE_OPEN_URI);
    }
    let uri = format!("file:{}?mode=ro&immutable=1", uri_path(path));
    Connection::open_with_flags(uri, flags)
}

/// A path as a `file:` URI path: every byte but the unreserved ones and `/`
/// percent-encoded (a name may hold `?`, `#`, `%`, spaces or Japanese).
fn uri_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for &byte in absolute.as_os_str().as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Switches the database to write-ahead logging and applies the migrations. Processes
/// opening a new store at the same moment meet SQLite's "busy" in places where its
/// busy timeout does not wait (switching the journal, reading the WAL index while
/// another process builds it); each such answer means "try again", so the set-up is
/// tried again for a while (it is idempotent: the migrations run in one transaction).
fn set_up(connection: &mut Connection) -> anyhow::Result<()> {
    let mut tries = 0;
    loop {
        let result = connection
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(anyhow::Error::from)
            .and_then(|_| migrations::apply(connection));
        match result {
            Err(e) if is_busy(&e) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Whether an error is SQLite's "busy" (another process holds the lock).
fn is_busy(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy
        )
    })
}

/// A stored state is its name as text; an unknown name fails the read with the
/// state's own error ([`super::UnknownState`]).
macro_rules! text_by_name {
    ($($state:ty),*) => {$(
        impl FromSql for $state {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                <$state>::from_name(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }

        impl ToSql for $state {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }
    )*};
}

text_by_name!(SubmissionStatus, DeliveryState, RunOutcome, Severity);

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod history_tests;

#[cfg(test)]
mod states_tests;

#[cfg(test)]
mod read_only_tests;
