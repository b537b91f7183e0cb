//! The read-only commands write nothing: the store file (and its -wal and -shm), the
//! archive, the outbox and everything else under the city's folder are byte-identical
//! after each, run as the real binary; on a fresh machine they make no store. On
//! PostgreSQL, every row of every table is the same after each, and a fresh database
//! is left without a table.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{repo, stdout_of, TestCity};

/// Every file under `dir` (the store and its -wal/-shm included) by its SHA-256.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path, hakusho::archive::sha256_hex(&bytes));
            }
        }
    }
    files
}

/// Asserts no file was added, removed or changed, naming those that were.
fn assert_same(
    before: &BTreeMap<PathBuf, String>,
    after: &BTreeMap<PathBuf, String>,
    command: &[String],
) {
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    assert!(changed.is_empty(), "{command:?} changed {changed:?}");
}

/// The read-only commands, writing their files (export, template) outside the city.
fn read_only_commands(out: &Path) -> Vec<Vec<String>> {
    let out = |name: &str| out.join(name).to_string_lossy().into_owned();
    let sample = repo().join("data/inbox/令和2年度_企画部.xlsx");
    let commands: [&[&str]; 11] = [
        &["check", &sample.to_string_lossy()],
        &["status"],
        &["explain", "1-1.1"],
        &["explain", "1-1.1", "--fiscal-year", "令和3年度"],
        &["export", "--fiscal-year", "令和2年度", "--out", &out("e2")],
        // A year with no plan snapshot yet: export once kept one here.
        &["export", "--fiscal-year", "令和3年度", "--out", &out("e3")],
        &[
            "export",
            "--fiscal-year",
            "令和3年度",
            "--format",
            "json",
            "--out",
            &out("j3"),
        ],
        &[
            "template",
            "--fiscal-year",
            "令和3年度",
            "--out",
            &out("t3"),
        ],
        &["preview-send"],
        &["build", "--out", &out("b2")],
        &["build", "--fiscal-year", "令和3年度", "--out", &out("b3")],
    ];
    commands
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn read_only_commands_leave_the_store_and_the_city_byte_identical() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let out = tempfile::tempdir().unwrap();
    for command in read_only_commands(out.path()) {
        let before = tree(city.path());
        let rows_before = city.store_snapshot();
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        stdout_of(&city.hakusho(&args));
        assert_same(&before, &tree(city.path()), &command);
        assert!(
            city.store_snapshot() == rows_before,
            "{command:?} changed the store"
        );
    }
}

#[test]
fn read_only_commands_on_a_fresh_machine_make_no_store() {
    let city = TestCity::new(None);
    let out = tempfile::tempdir().unwrap();
    let before = tree(city.path());
    for command in read_only_commands(out.path()) {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        stdout_of(&city.hakusho(&args));
        assert_same(&before, &tree(city.path()), &command);
        assert!(city.store_is_untouched(), "{command:?} made a store");
    }
    let status = stdout_of(&city.hakusho(&["status"]));
    assert!(status.contains("  企画部: 未提出"), "{status}");
}

#[test]
fn a_store_of_an_older_version_is_named_not_migrated_by_a_read_only_command() {
    let city = TestCity::new(None);
    // Version 1's bookkeeping as each backend writes it (PostgreSQL's integers are BIGINT).
    let integer = if common::on_postgres() {
        "BIGINT"
    } else {
        "INTEGER"
    };
    city.raw_store().batch(&format!(
        "CREATE TABLE schema_migrations (version {integer} PRIMARY KEY); INSERT INTO schema_migrations VALUES (1);"
    ));
    let before = tree(city.path());
    let rows_before = city.store_snapshot();
    let output = city.hakusho(&["status"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let latest = hakusho::store::latest_version();
    let said = match &city.database {
        // The database named by where it is, the way to update it given.
        Some(database) => stderr.contains(&format!("データベース {}", database.name()))
            && stderr.contains(&format!("は版 1 です(この hakusho は版 {latest})。`hakusho migrate` で更新してから実行してください")),
        None => stderr.contains(&format!(
            "データベース {} は版 1 です(この hakusho は版 {latest})。`hakusho run --once` か `hakusho ingest` で更新してから実行してください",
            city.path().join("hakusho.sqlite3").display()
        )),
    };
    assert!(said, "{stderr}");
    assert_same(&before, &tree(city.path()), &["status".to_string()]);
    assert!(
        city.store_snapshot() == rows_before,
        "status changed the store"
    );
}
