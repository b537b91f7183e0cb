//! The read-only store: nothing created, nothing written, every write refused.

use super::SqliteStore as Store;
use crate::domain::FiscalYear;
use crate::plan::PlanTexts;
use crate::store::{latest_version, Backend, PlanSnapshots};

fn texts() -> PlanTexts {
    PlanTexts {
        basic_plan: "b".to_string(),
        strategy: "s".to_string(),
        action_plan: "a".to_string(),
    }
}

#[test]
fn a_missing_store_is_named_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.sqlite3");
    let error = Store::open_read_only(&path).err().unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "データベース {} がまだありません。最初の `hakusho ingest` か `hakusho run --once` で作られます",
            path.display()
        )
    );
    assert!(!path.exists());
}

#[test]
fn a_read_only_store_reads_and_refuses_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store ?#%.sqlite3");
    let mut writable = Store::open(&path).unwrap();
    writable
        .keep_plan_snapshot("mitaka", FiscalYear(2020), &texts())
        .unwrap();
    drop(writable);
    let mut store = Store::open_read_only(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert!(store
        .plan_snapshot("mitaka", FiscalYear(2020))
        .unwrap()
        .is_some());
    assert!(store
        .keep_plan_snapshot("mitaka", FiscalYear(2021), &texts())
        .is_err());
    assert!(store
        .plan_snapshot("mitaka", FiscalYear(2021))
        .unwrap()
        .is_none());
}

#[test]
fn an_empty_store_in_memory_is_migrated_and_empty() {
    let store = Store::in_memory().unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert!(store
        .plan_snapshot("mitaka", FiscalYear(2020))
        .unwrap()
        .is_none());
}

/// A store a newer hakusho migrated is opened by no mode: not written (its tables may
/// hold what this version does not keep), not read, and the message says to use the
/// newer hakusho, not to migrate.
#[test]
fn a_store_of_a_newer_hakusho_is_refused_by_every_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite3");
    drop(Store::open(&path).unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')",
            [],
        )
        .unwrap();
    drop(connection);
    let opens: [fn(&std::path::Path) -> anyhow::Result<Store>; 3] =
        [Store::open, Store::open_checked, Store::open_read_only];
    for open in opens {
        let message = format!("{:#}", open(&path).err().expect("a newer store opened"));
        assert!(message.contains("版 99"), "{message}");
        assert!(message.contains("新しい版の hakusho"), "{message}");
    }
}
