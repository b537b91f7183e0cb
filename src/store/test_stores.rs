//! The store's unit tests on every backend: one test body, run on a SQLite file in a
//! temporary folder and, when `HAKUSHO_TEST_POSTGRES` names a throw-away cluster, on a
//! fresh PostgreSQL database of its own. Tests about SQLite itself (its file, its
//! locks, its old schema versions) stay with SQLite; races between replicas are in
//! `postgres::tests`.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{OpenMode, Store, StoreLocation};

/// A store under test, with a raw connection of its own beside it for the statements
/// the application never makes (a stored name changed by hand, rows counted).
pub(crate) struct TestStore {
    /// The store, as the application opens it.
    pub(crate) store: Store,
    /// "SQLite" or "PostgreSQL", for the failure messages.
    pub(crate) backend: &'static str,
    location: StoreLocation,
    raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

enum Raw {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

/// Runs `test` on SQLite, then on PostgreSQL when the suite has a cluster.
pub(crate) fn each_backend(test: impl Fn(&mut TestStore)) {
    test(&mut TestStore::sqlite());
    if let Some(base) = std::env::var("HAKUSHO_TEST_POSTGRES")
        .ok()
        .filter(|b| !b.is_empty())
    {
        // Captured, shown only when the test fails: says which backend it failed on.
        eprintln!("now on PostgreSQL");
        test(&mut TestStore::postgres(&base));
    }
}

impl TestStore {
    /// A new SQLite file in a temporary folder (in a subfolder the store creates).
    pub(crate) fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db/hakusho.sqlite3");
        let location = StoreLocation::Sqlite(path.clone());
        let store = Store::connect(&location, OpenMode::Writable).unwrap();
        TestStore {
            store,
            backend: "SQLite",
            location,
            raw: Raw::Sqlite(rusqlite::Connection::open(path).unwrap()),
            _dir: Some(dir),
        }
    }

    /// A fresh database on the cluster at `base`.
    pub(crate) fn postgres(base: &str) -> TestStore {
        let url = fresh_database(base);
        let location = StoreLocation::Postgres {
            url: url.clone(),
            password_env: "HAKUSHO_TEST_NO_PASSWORD".to_string(),
        };
        let store = Store::connect(&location, OpenMode::Writable).unwrap();
        TestStore {
            store,
            backend: "PostgreSQL",
            location,
            raw: Raw::Postgres(postgres::Client::connect(&url, postgres::NoTls).unwrap()),
            _dir: None,
        }
    }

    /// The same store opened again, on a connection of its own.
    pub(crate) fn open(&self, mode: OpenMode) -> Store {
        Store::connect(&self.location, mode).unwrap()
    }

    /// A raw statement with text parameters, written with SQLite's `?1` (PostgreSQL
    /// gets `$1`): the rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: &[&str]) -> u64 {
        match &mut self.raw {
            Raw::Sqlite(db) => db.execute(sql, rusqlite::params_from_iter(params)).unwrap() as u64,
            Raw::Postgres(db) => db.execute(&dollars(sql), &text_params(params)).unwrap(),
        }
    }

    /// The integer a query returns (`SELECT COUNT(*) …`).
    pub(crate) fn count(&mut self, sql: &str) -> i64 {
        match &mut self.raw {
            Raw::Sqlite(db) => db.query_row(sql, [], |r| r.get(0)).unwrap(),
            Raw::Postgres(db) => db.query_one(sql, &[]).unwrap().get(0),
        }
    }

    /// The text a query returns (one row, one column).
    pub(crate) fn text(&mut self, sql: &str, params: &[&str]) -> String {
        match &mut self.raw {
            Raw::Sqlite(db) => db
                .query_row(sql, rusqlite::params_from_iter(params), |r| r.get(0))
                .unwrap(),
            Raw::Postgres(db) => db
                .query_one(&dollars(sql), &text_params(params))
                .unwrap()
                .get(0),
        }
    }
}

/// A new, empty database on the cluster at `base`: its URL. Made here with the
/// `postgres` crate rather than through `store::postgres`, whose own tests use the
/// SQLite tests' helpers (a module cycle otherwise).
fn fresh_database(base: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "hakusho_unit_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = postgres::Client::connect(base, postgres::NoTls).unwrap();
    // Two statements: CREATE DATABASE refuses to run inside a multi-statement string.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    // The base URL names a database (…/postgres): the new one takes its place.
    let (url, query) = match base.split_once('?') {
        Some((url, query)) => (url, format!("?{query}")),
        None => (base, String::new()),
    };
    let root = url.rsplit_once('/').map_or(url, |(root, _)| root);
    format!("{root}/{name}{query}")
}

/// SQLite's numbered parameters (`?1`) as PostgreSQL's (`$1`). The same as
/// `postgres::dollar_parameters`, which the integration tests use: kept here so the
/// store's own tests do not make `store::sqlite` depend on `store::postgres`.
fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let numbered = c == '?' && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if numbered { '$' } else { c });
    }
    out
}

fn text_params<'a>(params: &'a [&'a str]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}
