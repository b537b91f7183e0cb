//! Stored states: each name the code writes is one the schema takes and reads back as
//! the same value; a name the code does not know fails the read with an error naming
//! it (on every backend, [`each_backend`]); runs recorded on SQLite before migration 7
//! (`failed: …` in `outcome`) read as a failed outcome with its reason apart.

use rusqlite::{params, Connection};

use super::migrations::MIGRATIONS;
use super::SqliteStore;
use crate::store::states::StoredName;
use crate::store::test_stores::each_backend;
use crate::store::{DeliveryState, Ledger, NewMessage, RunLease, RunOutcome, SubmissionStatus};

const CITY: &str = "132047";

#[test]
fn every_delivery_state_is_accepted_by_the_schema_and_reads_back() {
    each_backend(|t| {
        let to = ["a@x.example".to_string()];
        let message = NewMessage {
            key: "k",
            subject: "件名",
            body: "本文",
            recipients: &to,
            attachments: &[],
        };
        assert!(t.store.enqueue_message(CITY, &message, "t0").unwrap());
        for state in DeliveryState::ALL {
            t.execute("UPDATE deliveries SET state = ?1", &[state.as_str()]);
            let found = t.store.deliveries_in(CITY, *state).unwrap();
            assert_eq!(found.len(), 1, "{} {state}", t.backend);
            assert_eq!(found[0].state, *state);
        }
    });
}

#[test]
fn every_submission_status_and_outcome_name_fits_its_column() {
    each_backend(|t| {
        let insert =
            "INSERT INTO submissions (city_code, sha256, file_name, archived_path, status, received_at)
                      VALUES ('c', ?1, 'f', 'a', ?2, 't')";
        for status in SubmissionStatus::ALL {
            let sha = status.as_str();
            t.execute(insert, &[sha, status.as_str()]);
            let read = t.text("SELECT status FROM submissions WHERE sha256 = ?1", &[sha]);
            assert_eq!(SubmissionStatus::from_name(&read).unwrap(), *status);
        }
    });
}

fn lease() -> RunLease {
    RunLease {
        owner: "daemon-1".into(),
        until: "2026-11-29T01:00:00Z".into(),
    }
}

#[test]
fn a_run_finished_either_way_reads_back_with_its_reason_apart() {
    each_backend(|t| {
        let store = &mut t.store;
        let t = "2026-11-29T00:00:00Z";
        for (job, outcome, failure) in [
            ("a", RunOutcome::Succeeded, None),
            (
                "b",
                RunOutcome::Failed,
                Some("設定を読めません: 部局がありません"),
            ),
        ] {
            assert!(store.claim_run(CITY, job, t, t, &lease()).unwrap());
            store.finish_run(CITY, job, t, t, outcome, failure).unwrap();
            let run = store.last_run(CITY, job).unwrap().unwrap();
            assert_eq!(
                (run.outcome, run.failure.as_deref()),
                (Some(outcome), failure)
            );
        }
    });
}

/// The class "a name this version does not know" (written by hand, or by a newer
/// version): reading it is an error that names the state and the name, not a default.
#[test]
fn an_unknown_stored_name_is_an_error_that_names_it() {
    each_backend(|t| {
        let at = "2026-11-29T00:00:00Z";
        assert!(t.store.claim_run(CITY, "a", at, at, &lease()).unwrap());
        for name in ["done", "OK", "failed: 古い書き方", ""] {
            t.execute("UPDATE job_runs SET outcome = ?1", &[name]);
            let error = t.store.last_run(CITY, "a").unwrap_err();
            let chain = format!("{error:#}");
            let named = chain.contains(&format!("実行の結果「{name}」"));
            assert!(named, "{}: {chain}", t.backend);
        }
    });
}

/// A store last opened by a version before migration 7.
fn store_at_version_6(path: &std::path::Path) -> Connection {
    let connection = Connection::open(path).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )
        .unwrap();
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v <= 6) {
        connection.execute_batch(sql).unwrap();
        let record = "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)";
        connection.execute(record, params![version, name]).unwrap();
    }
    connection
}

#[test]
fn runs_recorded_as_failed_colon_reason_before_migration_7_read_back_split() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hakusho.sqlite3");
    let old = store_at_version_6(&path);
    let insert =
        "INSERT INTO job_runs (city_code, job, scheduled_for, started_at, finished_at, outcome)
                  VALUES (?1, 'annual_run', ?2, ?2, ?3, ?4)";
    let rows: [(&str, Option<&str>, Option<&str>); 4] = [
        ("2021-04-14T00:00:00Z", Some("t"), Some("ok")),
        (
            "2021-04-15T00:00:00Z",
            Some("t"),
            Some("failed: 設定を読めません: failed: 入れ子"),
        ),
        ("2021-04-16T00:00:00Z", Some("t"), Some("failed: ")),
        ("2021-04-17T00:00:00Z", None, None),
    ];
    for (scheduled_for, finished_at, outcome) in rows {
        old.execute(insert, params![CITY, scheduled_for, finished_at, outcome])
            .unwrap();
    }
    drop(old);
    let store = SqliteStore::open(&path).unwrap();
    let runs = store.runs_of(CITY, "annual_run").unwrap();
    let read: Vec<_> = runs
        .iter()
        .map(|r| (r.outcome, r.failure.as_deref()))
        .collect();
    assert_eq!(
        read,
        [
            (Some(RunOutcome::Succeeded), None),
            (
                Some(RunOutcome::Failed),
                Some("設定を読めません: failed: 入れ子")
            ),
            (Some(RunOutcome::Failed), Some("")),
            (None, None),
        ]
    );
}

/// A store last opened by a version before migration 11, with two unfinished runs of
/// one job (two daemons that raced on different seconds) and one of another job.
fn store_with_duplicate_unfinished_runs(path: &std::path::Path) {
    let old = store_at_version_6(path);
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| (7..=10).contains(v)) {
        old.execute_batch(sql).unwrap();
        let record = "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)";
        old.execute(record, params![version, name]).unwrap();
    }
    let insert = "INSERT INTO job_runs (city_code, job, scheduled_for, started_at)
                  VALUES (?1, ?2, ?3, ?3)";
    for (job, slot) in [
        ("annual_run", "2021-04-14T00:00:00Z"),
        ("annual_run", "2021-04-14T00:00:01Z"),
        ("annual_run", "2021-04-15T00:00:00Z"),
        ("reminders", "2021-04-14T00:00:00Z"),
    ] {
        old.execute(insert, params![CITY, job, slot]).unwrap();
    }
}

#[test]
fn migration_11_closes_all_but_the_latest_unfinished_run_of_a_job_and_then_refuses_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hakusho.sqlite3");
    store_with_duplicate_unfinished_runs(&path);
    let mut store = SqliteStore::open(&path).unwrap();
    let unfinished = store.unfinished_run(CITY, "annual_run").unwrap().unwrap();
    assert_eq!(unfinished.scheduled_for, "2021-04-15T00:00:00Z");
    let closed: Vec<_> = store.runs_of(CITY, "annual_run").unwrap();
    assert_eq!(closed[0].outcome, Some(RunOutcome::Failed));
    assert!(closed[0].failure.as_deref().unwrap().contains("重複"));
    assert_eq!(closed[1].outcome, Some(RunOutcome::Failed));
    assert!(store.unfinished_run(CITY, "reminders").unwrap().is_some());
    let lease = RunLease {
        owner: "x".into(),
        until: "2099-01-01T00:00:00Z".into(),
    };
    let slot = "2021-04-16T00:00:00Z";
    assert!(!store
        .claim_run(CITY, "annual_run", slot, slot, &lease)
        .unwrap());
}
