//! The PostgreSQL backend on a real PostgreSQL: each test makes its own database on the
//! cluster `HAKUSHO_TEST_POSTGRES` names, and is skipped (saying so) when it is unset.
//! Claims are raced by threads with a connection each, as replicas would.

use std::sync::Barrier;

use super::fresh_test_database;
use crate::store::sqlite::tests::{content, receipt, submission};
use crate::store::{
    latest_version, Claim, Delivery, NewMessage, OpenMode, Recorded, RunLease, Store, StoreLocation,
};

const CITY: &str = "132047";
const T0: &str = "2026-11-29T00:00:00Z";
const T1: &str = "2026-11-29T00:01:00Z";
const T2: &str = "2026-11-29T00:02:00Z";
const T3: &str = "2026-11-29T00:03:00Z";

/// A fresh database's URL, or `None` (the reason printed) when no cluster is given.
pub(crate) fn fresh_url() -> Option<String> {
    let Ok(base) = std::env::var("HAKUSHO_TEST_POSTGRES") else {
        eprintln!("skipped: HAKUSHO_TEST_POSTGRES is unset (no PostgreSQL to test on)");
        return None;
    };
    Some(fresh_test_database(&base).unwrap())
}

/// Opens the store at `url` as `mode` says.
pub(crate) fn open(url: &str, mode: OpenMode) -> anyhow::Result<Store> {
    let location = StoreLocation::Postgres {
        url: url.to_string(),
        password_env: "HAKUSHO_TEST_NO_PASSWORD".to_string(),
    };
    Store::connect(&location, mode)
}

/// One number a query returns, read on a connection of its own.
fn count(url: &str, sql: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.query_one(sql, &[]).unwrap().get(0)
}

/// `threads` connections, started at once, each doing `work` with its index.
fn race<T: Send>(
    url: &str,
    threads: usize,
    work: impl Fn(usize, &mut Store) -> T + Sync,
) -> Vec<T> {
    let start = Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let (start, work) = (&start, &work);
                scope.spawn(move || {
                    let mut store = open(url, OpenMode::Writable).unwrap();
                    start.wait();
                    work(i, &mut store)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    })
}

#[test]
fn both_migration_folders_have_the_same_numbers_and_names() {
    let names = |folder: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    };
    let sqlite = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
    let postgres = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
    assert_eq!(sqlite, postgres);
    let listed: Vec<String> = super::migrations::versions()
        .iter()
        .map(|(v, name)| format!("{v:04}_{name}.sql"))
        .collect();
    assert_eq!(listed, postgres);
    assert_eq!(super::migrations::latest_version(), latest_version());
}

#[test]
fn replicas_opening_a_fresh_database_at_once_all_succeed_and_migrate_once() {
    let Some(url) = fresh_url() else { return };
    // The barrier comes before the open here: the openings themselves race.
    let start = Barrier::new(8);
    let versions: Vec<i64> = std::thread::scope(|scope| {
        let openers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    open(&url, OpenMode::Writable).and_then(|s| s.schema_version())
                })
            })
            .collect();
        openers
            .into_iter()
            .map(|o| o.join().unwrap().unwrap())
            .collect()
    });
    assert!(
        versions.iter().all(|v| *v == latest_version()),
        "{versions:?}"
    );
    let rows = count(&url, "SELECT COUNT(*) FROM schema_migrations");
    assert_eq!(rows, latest_version());
    let reopened = open(&url, OpenMode::Checked).unwrap();
    assert_eq!(reopened.schema_version().unwrap(), latest_version());
}

/// A message to `n` recipients, queued once.
fn queue_to(store: &mut Store, n: usize) {
    let recipients: Vec<String> = (0..n).map(|i| format!("r{i}@x.example")).collect();
    let message = NewMessage {
        key: "run-1:department",
        subject: "件名",
        body: "本文",
        recipients: &recipients,
        attachments: &[],
    };
    assert!(store.enqueue_message(CITY, &message, T0).unwrap());
}

fn claim_all(store: &mut Store, claim: Claim) -> Vec<Delivery> {
    let mut claimed = Vec::new();
    let mut cursor = 0;
    while let Some(d) = store.claim_next(CITY, cursor, claim).unwrap() {
        cursor = d.id;
        claimed.push(d);
    }
    claimed
}

#[test]
fn replicas_claiming_deliveries_at_once_each_take_every_copy_once() {
    let Some(url) = fresh_url() else { return };
    queue_to(&mut open(&url, OpenMode::Writable).unwrap(), 300);
    let tokens: Vec<String> = (0..8).map(|i| format!("replica-{i}")).collect();
    let claimed = race(&url, 8, |i, store| {
        claim_all(
            store,
            Claim {
                token: &tokens[i],
                now: T1,
                lease_until: T3,
            },
        )
    });
    let mut ids: Vec<i64> = claimed.iter().flatten().map(|d| d.id).collect();
    ids.sort();
    let all: Vec<i64> = (1..=300).collect();
    assert_eq!(ids, all, "every copy claimed exactly once");
    assert!(claimed.iter().flatten().all(|d| d.attempts == 1));
    // Each claim is the claimer's own: its token on the row, its outcome accepted.
    let mut store = open(&url, OpenMode::Writable).unwrap();
    for (i, copies) in claimed.iter().enumerate() {
        for d in copies {
            assert_eq!(d.claim_token.as_deref(), Some(tokens[i].as_str()));
            assert!(!store.mark_sent(d.id, &tokens[(i + 1) % 8], T2).unwrap());
            assert!(store.mark_sent(d.id, &tokens[i], T2).unwrap());
        }
    }
    assert_eq!(store.outbox_counts(CITY).unwrap().sent, 300);
}

#[test]
fn a_copy_whose_sender_died_is_claimed_again_by_one_replica_only_after_its_lease() {
    let Some(url) = fresh_url() else { return };
    let mut store = open(&url, OpenMode::Writable).unwrap();
    queue_to(&mut store, 20);
    let dead = claim_all(
        &mut store,
        Claim {
            token: "dead",
            now: T0,
            lease_until: T2,
        },
    );
    assert_eq!(dead.len(), 20);
    let early = race(&url, 4, |_, s| {
        claim_all(
            s,
            Claim {
                token: "early",
                now: T1,
                lease_until: T3,
            },
        )
    });
    assert!(
        early.iter().all(Vec::is_empty),
        "taken while the lease held"
    );
    let tokens = ["a", "b", "c", "d"];
    let late = race(&url, 4, |i, s| {
        claim_all(
            s,
            Claim {
                token: tokens[i],
                now: T3,
                lease_until: "2026-11-29T00:09:00Z",
            },
        )
    });
    let mut ids: Vec<i64> = late.iter().flatten().map(|d| d.id).collect();
    ids.sort();
    assert_eq!(ids, (1..=20).collect::<Vec<i64>>());
    assert!(late.iter().flatten().all(|d| d.attempts == 2));
    assert!(
        !store.mark_sent(dead[0].id, "dead", T3).unwrap(),
        "the dead claim is lost"
    );
}

fn lease(owner: &str, until: &str) -> RunLease {
    RunLease {
        owner: owner.to_string(),
        until: until.to_string(),
    }
}

#[test]
fn replicas_claiming_one_scheduled_time_at_once_one_wins_each_time() {
    let Some(url) = fresh_url() else { return };
    let times: Vec<String> = (0..20)
        .map(|m| format!("2027-04-01T00:{m:02}:00Z"))
        .collect();
    let won = race(&url, 6, |i, store| {
        let owner = format!("replica-{i}");
        times
            .iter()
            .filter(|t| {
                // A job per time: a job has one unfinished run at most (migration 0011).
                store
                    .claim_run(CITY, &format!("job-{t}"), t, T0, &lease(&owner, T2))
                    .unwrap()
            })
            .count()
    });
    assert_eq!(won.iter().sum::<usize>(), times.len(), "{won:?}");
    assert_eq!(count(&url, "SELECT COUNT(*) FROM job_runs"), 20);
}

#[test]
fn replicas_claiming_a_job_at_different_times_at_once_start_one_run() {
    let Some(url) = fresh_url() else { return };
    let won = race(&url, 6, |i, store| {
        // Each replica its own second: only the unfinished-run index can refuse.
        let at = format!("2027-04-01T00:00:{i:02}Z");
        let owner = format!("replica-{i}");
        usize::from(
            store
                .claim_run(CITY, "annual", &at, T0, &lease(&owner, T2))
                .unwrap(),
        )
    });
    assert_eq!(won.iter().sum::<usize>(), 1, "{won:?}");
    assert_eq!(count(&url, "SELECT COUNT(*) FROM job_runs"), 1);
}

#[test]
fn a_run_is_taken_over_only_after_its_lease_ran_out_and_by_one_replica() {
    let Some(url) = fresh_url() else { return };
    let mut store = open(&url, OpenMode::Writable).unwrap();
    let at = "2027-04-01T00:00:00Z";
    assert!(store
        .claim_run(CITY, "annual", at, T0, &lease("dead", T2))
        .unwrap());
    let early = race(&url, 4, |i, s| {
        s.take_over_run(CITY, "annual", at, T1, &lease(&format!("r{i}"), T3))
            .unwrap()
    });
    assert!(
        early.iter().all(|won| !won),
        "taken over while the lease held"
    );
    let late = race(&url, 6, |i, s| {
        s.take_over_run(
            CITY,
            "annual",
            at,
            T3,
            &lease(&format!("r{i}"), "2026-11-29T00:09:00Z"),
        )
        .unwrap()
    });
    assert_eq!(late.iter().filter(|won| **won).count(), 1, "{late:?}");
    assert!(!store
        .renew_run(CITY, "annual", at, &lease("dead", "2027-01-01T00:00:00Z"))
        .unwrap());
    let ok = crate::store::RunOutcome::Succeeded;
    store.finish_run(CITY, "annual", at, T3, ok, None).unwrap();
    let after = "2030-01-01T00:00:00Z";
    assert!(!store
        .take_over_run(CITY, "annual", at, after, &lease("x", after))
        .unwrap());
    assert!(store.unfinished_run(CITY, "annual").unwrap().is_none());
}

#[test]
fn the_same_bytes_taken_in_by_replicas_at_once_give_one_submission_and_one_receipt() {
    let Some(url) = fresh_url() else { return };
    open(&url, OpenMode::Writable).unwrap();
    let sent = content("x");
    let to = ["企画部 <kikaku-bu@mitaka.example>".to_string()];
    let outcomes = race(&url, 8, |_, store| {
        store
            .record_answered_submission(
                &submission("same", Some(&sent), &[]),
                Some(&receipt("receipt:same", &to)),
                "2021-04-10T00:00:00Z",
            )
            .unwrap()
    });
    let new: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| match o {
            Recorded::New(id) => Some(*id),
            Recorded::Known(_) => None,
        })
        .collect();
    assert_eq!(new.len(), 1, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|o| !matches!(o, Recorded::Known(k) if k.id != new[0])));
    assert_eq!(count(&url, "SELECT COUNT(*) FROM submissions"), 1);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM messages"), 1);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM deliveries"), 1);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM indicators"), 1);
}

#[test]
fn a_message_queued_by_replicas_at_once_is_written_once() {
    let Some(url) = fresh_url() else { return };
    open(&url, OpenMode::Writable).unwrap();
    let to = ["managers@mitaka.example".to_string()];
    let queued = race(&url, 8, |_, store| {
        store
            .enqueue_message(CITY, &receipt("report:2020:d:全庁", &to), "now")
            .unwrap()
    });
    assert_eq!(queued.iter().filter(|q| **q).count(), 1);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM deliveries"), 1);
}

#[test]
fn failures_taken_by_replicas_at_once_are_reported_once() {
    let Some(url) = fresh_url() else { return };
    let mut store = open(&url, OpenMode::Writable).unwrap();
    queue_to(&mut store, 30);
    for d in claim_all(
        &mut store,
        Claim {
            token: "s",
            now: T1,
            lease_until: T3,
        },
    ) {
        assert!(store.mark_failed(d.id, "s", "550 no such user").unwrap());
    }
    let taken = race(&url, 6, |_, s| {
        s.take_unreported_failures(CITY).unwrap().len()
    });
    assert_eq!(taken.iter().sum::<usize>(), 30, "{taken:?}");
}

#[test]
fn migration_11_closes_duplicate_unfinished_runs_on_postgresql_too() {
    let Some(url) = fresh_url() else { return };
    drop(open(&url, OpenMode::Writable).unwrap());
    // The database as version 10 left it, with two unfinished runs of one job.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "DROP INDEX job_runs_one_unfinished;
             DROP TABLE collections;
             DELETE FROM schema_migrations WHERE version >= 11;
             INSERT INTO job_runs (city_code, job, scheduled_for, started_at) VALUES
               ('132047', 'annual_run', '2027-04-01T00:00:00Z', 't'),
               ('132047', 'annual_run', '2027-04-01T00:00:01Z', 't'),
               ('132047', 'reminders', '2027-04-01T00:00:00Z', 't');",
        )
        .unwrap();
    let mut store = open(&url, OpenMode::Writable).unwrap();
    let runs = store.runs_of(CITY, "annual_run").unwrap();
    assert!(runs[0].finished_at.is_some() && runs[1].finished_at.is_none());
    assert!(runs[0].failure.as_deref().unwrap().contains("重複"));
    assert!(store.unfinished_run(CITY, "reminders").unwrap().is_some());
    let later = "2027-04-02T00:00:00Z";
    assert!(!store
        .claim_run(CITY, "annual_run", later, later, &lease("x", T2))
        .unwrap());
}
