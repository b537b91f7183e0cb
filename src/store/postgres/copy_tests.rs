//! `copy-store`'s row copy, value for value: a store filled by the parity scenario
//! (NULLs, real numbers, Japanese text, every state) copied SQLite → PostgreSQL →
//! SQLite reads back the same rows; a target with rows or at another version is refused.

use super::parity_tests::scenario;
use super::tests::{fresh_url, open};
use crate::store::copy::{copy_store, TABLES};
use crate::store::{OpenMode, Store};

/// Every row of every table, as plain values.
fn everything(store: &Store) -> Vec<crate::store::copy::TableRows> {
    TABLES.iter().map(|t| store.read_rows(t).unwrap()).collect()
}

#[test]
fn a_store_copied_to_postgresql_and_back_holds_the_same_rows() {
    let Some(url) = fresh_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut source = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    scenario(&mut source);
    let mut middle = open(&url, OpenMode::Writable).unwrap();
    let counts = copy_store(&mut source, &mut middle).unwrap();
    assert_eq!(counts.len(), TABLES.len());
    assert!(
        counts.iter().filter(|(_, rows)| *rows > 0).count() >= 12,
        "{counts:?}"
    );
    let mut back = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    copy_store(&mut middle, &mut back).unwrap();
    let expected = everything(&source);
    assert_eq!(everything(&middle), expected);
    assert_eq!(everything(&back), expected);
    // Ids made after the copy come after the copied ones, on both.
    let sent = crate::store::sqlite::tests::content("新");
    let new = crate::store::sqlite::tests::submission("new", Some(&sent), &[]);
    let copied_max = source
        // The scenario's last submission ("e", uploaded through the portal).
        .submission_by_hash("132047", "e")
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(middle.record_submission(&new).unwrap(), copied_max + 1);
    assert_eq!(back.record_submission(&new).unwrap(), copied_max + 1);
}

#[test]
fn a_target_that_holds_rows_is_refused_and_left_as_it_was() {
    let Some(url) = fresh_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut source = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    scenario(&mut source);
    let mut target = open(&url, OpenMode::Writable).unwrap();
    target
        .keep_plan_snapshot(
            "999999",
            crate::domain::FiscalYear(2030),
            &crate::plan::PlanTexts {
                basic_plan: "x".into(),
                strategy: "y".into(),
                action_plan: "z".into(),
            },
        )
        .unwrap();
    let error = copy_store(&mut source, &mut target).unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("plan_snapshots") && message.contains("1 行"),
        "{message}"
    );
    assert_eq!(target.count_rows("submissions").unwrap(), 0);
    assert_eq!(target.count_rows("plan_snapshots").unwrap(), 1);
    // And the other way: a SQLite target with rows.
    let mut sqlite_target = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    scenario(&mut sqlite_target);
    let error = copy_store(&mut target, &mut sqlite_target).unwrap_err();
    assert!(format!("{error:#}").contains("submissions"), "{error:#}");
}
