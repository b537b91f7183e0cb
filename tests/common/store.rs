//! The store the tests run on: the SQLite file in the city's folder, or, when
//! `HAKUSHO_TEST_POSTGRES` names a throw-away PostgreSQL cluster (`scripts/test.sh`
//! starts one), a fresh database of its own for each city, dropped after the test.
//!
//! Tests reach the store only through here: [`open_store`] for the application's view,
//! [`RawStore`] for a raw statement (to damage or inspect rows), [`store_snapshot`] and
//! [`store_is_untouched`] to see that a command wrote nothing. A test about SQLite
//! itself (a damaged file, a lock, WAL files) asks [`skip_on_postgres`] first.

use std::io::Write;
use std::path::Path;

use hakusho::config::{Config, StoreSettings};
use hakusho::store::postgres::{dollar_parameters, text_parameters};
use hakusho::store::{OpenMode, Store, StoreLocation};

/// The environment variable naming the cluster: a base URL on which tests may
/// `CREATE DATABASE` (`postgres://hakusho_test@127.0.0.1:PORT/postgres`).
pub const POSTGRES_VAR: &str = "HAKUSHO_TEST_POSTGRES";

/// The cluster's base URL when this run of the suite is on PostgreSQL.
pub fn postgres_base() -> Option<String> {
    std::env::var(POSTGRES_VAR)
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_base().is_some()
}

/// For a test about SQLite itself: on the PostgreSQL run, prints one line saying why
/// it does not apply there and returns true (the test then returns).
pub fn skip_on_postgres(reason: &str) -> bool {
    if !on_postgres() {
        return false;
    }
    // Straight to stderr: the harness captures `eprintln!` of a passing test.
    let _ = writeln!(std::io::stderr(), "skipped on PostgreSQL: {reason}");
    true
}

/// A database of its own on the cluster, dropped (its connections closed) on drop.
pub struct PgDatabase {
    /// Its URL, as `[store] url` takes it.
    pub url: String,
    base: String,
    name: String,
}

impl PgDatabase {
    /// Creates a fresh, empty database on the cluster at `base` (the store's own
    /// `fresh_test_database`, which names it uniquely).
    pub fn fresh(base: &str) -> PgDatabase {
        let url = hakusho::store::postgres::fresh_test_database(base)
            .unwrap_or_else(|e| panic!("a fresh database on {base}: {e:#}"));
        let path = url.split('?').next().unwrap();
        let name = path.rsplit('/').next().unwrap().to_string();
        PgDatabase {
            url,
            base: base.to_string(),
            name,
        }
    }

    /// Its name on the cluster.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A fresh database when the suite runs on PostgreSQL.
    pub fn for_this_run() -> Option<PgDatabase> {
        postgres_base().map(|base| PgDatabase::fresh(&base))
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // FORCE: a daemon a failed test left running must not keep it.
        // Never a panic here (a drop during a failing test's unwinding would abort).
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Ok(mut admin) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = admin.batch_execute(&drop);
        }
    }
}

/// The `[store]` table pointing at `database`, for a configuration file.
pub fn store_table(database: &PgDatabase) -> String {
    format!("\n[store]\nurl = \"{}\"\n", database.url)
}

/// Points an in-memory configuration at `database` (its SQLite file unused).
pub fn point_at(config: &mut Config, database: &PgDatabase) {
    config.store = StoreSettings {
        url: Some(database.url.clone()),
        ..StoreSettings::default()
    };
}

/// The city's store as the application opens it (created and migrated if need be).
pub fn open_store(config: &Config) -> Store {
    Store::connect(&config.store_location(), OpenMode::Writable)
        .unwrap_or_else(|e| panic!("opening the store: {e:#}"))
}

/// The store of the configuration file at `config_path`.
pub fn open_store_of(config_path: &Path) -> Store {
    open_store(&Config::load(config_path).unwrap())
}

/// An empty store, for a test that needs one but no city: SQLite in memory, or a
/// fresh database (kept alive by the returned guard).
pub fn scratch_store() -> (Store, Option<PgDatabase>) {
    match PgDatabase::for_this_run() {
        Some(database) => {
            let location = StoreLocation::Postgres {
                url: database.url.clone(),
                password_env: StoreSettings::default().password_env,
            };
            let store = Store::connect(&location, OpenMode::Writable).unwrap();
            (store, Some(database))
        }
        None => (Store::in_memory().unwrap(), None),
    }
}

/// A raw connection to a city's store, for statements the application never makes:
/// damaging a row, counting rows. Statements are written once with SQLite's `?1`
/// parameters, turned into `$1` on PostgreSQL.
pub enum RawStore {
    /// The SQLite file.
    Sqlite(rusqlite::Connection),
    /// The city's PostgreSQL database.
    Postgres(postgres::Client),
}

impl RawStore {
    /// The store of the configuration file at `config_path`.
    pub fn of(config_path: &Path) -> RawStore {
        RawStore::try_of(config_path).expect("the city's store cannot be opened")
    }

    /// The store, or `None` when it cannot be opened (yet).
    pub fn try_of(config_path: &Path) -> Option<RawStore> {
        match Config::read(config_path).ok()?.store_location() {
            StoreLocation::Sqlite(path) => {
                rusqlite::Connection::open(path).ok().map(RawStore::Sqlite)
            }
            StoreLocation::Postgres { url, .. } => postgres::Client::connect(&url, postgres::NoTls)
                .ok()
                .map(RawStore::Postgres),
        }
    }

    /// Runs a statement with text parameters: how many rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[&str]) -> u64 {
        match self {
            RawStore::Sqlite(db) => {
                db.execute(sql, rusqlite::params_from_iter(params))
                    .unwrap_or_else(|e| panic!("{sql}: {e}")) as u64
            }
            RawStore::Postgres(db) => db
                .execute(&dollar_parameters(sql), &text_parameters(params))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// Runs statements without parameters, `;`-separated.
    pub fn batch(&mut self, sql: &str) {
        match self {
            RawStore::Sqlite(db) => db.execute_batch(sql).unwrap(),
            RawStore::Postgres(db) => db.batch_execute(sql).unwrap(),
        }
    }

    /// The first column of every row a query returns, as integers.
    pub fn integers(&mut self, sql: &str, params: &[&str]) -> Vec<i64> {
        self.try_integers(sql, params)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// [`RawStore::integers`], an error (a table not made yet) returned.
    pub fn try_integers(&mut self, sql: &str, params: &[&str]) -> anyhow::Result<Vec<i64>> {
        match self {
            RawStore::Sqlite(db) => {
                let mut statement = db.prepare(sql)?;
                let rows = statement.query_map(rusqlite::params_from_iter(params), |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
            RawStore::Postgres(db) => {
                let rows = db.query(&dollar_parameters(sql), &text_parameters(params))?;
                rows.iter().map(integer_of).collect()
            }
        }
    }

    /// The one integer a query returns (`SELECT COUNT(*) …`).
    pub fn count(&mut self, sql: &str) -> i64 {
        self.integers(sql, &[])[0]
    }

    /// [`RawStore::count`], 0 when the query fails (no table yet).
    pub fn count_or_zero(&mut self, sql: &str) -> i64 {
        self.try_integers(sql, &[])
            .ok()
            .and_then(|v| v.first().copied())
            .unwrap_or(0)
    }

    /// The names of the store's tables, sorted.
    pub fn tables(&mut self) -> Vec<String> {
        match self {
            RawStore::Sqlite(db) => {
                let sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
                let mut statement = db.prepare(sql).unwrap();
                let rows = statement.query_map([], |r| r.get(0)).unwrap();
                rows.map(Result::unwrap).collect()
            }
            RawStore::Postgres(db) => postgres_tables(db),
        }
    }

    /// Every row of every table, as text, table by table in a stable order: equal
    /// before and after a command when it wrote nothing (PostgreSQL; on SQLite the
    /// file's bytes say more, see [`store_snapshot`]).
    pub fn dump(&mut self) -> Vec<String> {
        let RawStore::Postgres(db) = self else {
            panic!("dump is for PostgreSQL: compare SQLite's file bytes");
        };
        let mut dump = Vec::new();
        for table in postgres_tables(db) {
            let sql = format!("SELECT t::text FROM \"{table}\" t ORDER BY 1");
            let rows = db.query(&sql, &[]).unwrap();
            dump.push(format!("== {table} ({} rows)", rows.len()));
            dump.extend(rows.iter().map(|r| r.get::<_, String>(0)));
        }
        dump
    }
}

/// The tables of the database's current schema, sorted.
fn postgres_tables(db: &mut postgres::Client) -> Vec<String> {
    db.query(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
         ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// The first column of a row as an integer, whatever its width.
fn integer_of(row: &postgres::Row) -> anyhow::Result<i64> {
    if let Ok(value) = row.try_get::<_, i64>(0) {
        return Ok(value);
    }
    if let Ok(value) = row.try_get::<_, i32>(0) {
        return Ok(value.into());
    }
    Ok(row.try_get::<_, i16>(0)?.into())
}

/// What a command must leave as it was: the SQLite file's bytes (nothing read from
/// it may change it), or every row of the PostgreSQL database.
pub fn store_snapshot(config_path: &Path) -> Vec<String> {
    match Config::read(config_path).unwrap().store_location() {
        StoreLocation::Sqlite(path) => {
            let bytes = std::fs::read(path).unwrap_or_default();
            vec![hakusho::archive::sha256_hex(&bytes)]
        }
        StoreLocation::Postgres { .. } => RawStore::of(config_path).dump(),
    }
}

/// Whether no store was made: no SQLite file, or no table in the database.
pub fn store_is_untouched(config_path: &Path) -> bool {
    match Config::read(config_path).unwrap().store_location() {
        StoreLocation::Sqlite(path) => !path.exists(),
        StoreLocation::Postgres { .. } => RawStore::of(config_path).tables().is_empty(),
    }
}
