//! Opening a PostgreSQL store: read-only sessions, versions, connection errors, and
//! calls from inside the daemon's tokio runtime.

use super::tests::{fresh_url, open};
use crate::store::sqlite::tests::{content, submission};
use crate::store::{latest_version, OpenMode};

/// A read-only store writes nothing (the session refuses), reads what is there.
#[test]
fn a_store_opened_read_only_refuses_every_write() {
    let Some(url) = fresh_url() else { return };
    let mut writable = open(&url, OpenMode::Writable).unwrap();
    let sent = content("指標");
    writable
        .record_submission(&submission("rw", Some(&sent), &[]))
        .unwrap();
    let mut read_only = open(&url, OpenMode::ReadOnly).unwrap();
    assert!(read_only
        .submission_by_hash("132047", "rw")
        .unwrap()
        .is_some());
    let error = read_only
        .record_submission(&submission("ro", Some(&sent), &[]))
        .unwrap_err();
    assert!(format!("{error:#}").contains("read-only"), "{error:#}");
    assert!(read_only
        .claim_run(
            "132047",
            "annual",
            "t",
            "t",
            &crate::store::RunLease {
                owner: "o".into(),
                until: "u".into(),
            }
        )
        .is_err());
    assert!(writable
        .submission_by_hash("132047", "ro")
        .unwrap()
        .is_none());
}

/// A database behind this hakusho's version is refused read-only (it would be read
/// with the wrong columns), named with both versions; an empty one reads as empty.
#[test]
fn a_database_not_at_the_latest_version_is_refused_read_only() {
    let Some(url) = fresh_url() else { return };
    let empty = open(&url, OpenMode::ReadOnly).unwrap();
    assert!(empty.fiscal_years("132047").unwrap().is_empty());
    drop(empty);
    drop(open(&url, OpenMode::Writable).unwrap());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .execute(
            "DELETE FROM schema_migrations WHERE version = $1",
            &[&latest_version()],
        )
        .unwrap();
    let Err(error) = open(&url, OpenMode::ReadOnly) else {
        panic!("an older database was opened read-only")
    };
    let message = format!("{error:#}");
    let older = format!("版 {}", latest_version() - 1);
    assert!(
        message.contains(&older) && message.contains("hakusho migrate"),
        "{message}"
    );
    client
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, 'provisional_figures')",
            &[&latest_version()],
        )
        .unwrap();
    assert!(open(&url, OpenMode::ReadOnly).is_ok());
}

/// A server that does not answer is named by host, port and database; the password
/// (from its environment variable) is never in the message.
#[test]
fn a_connection_error_names_host_port_and_database_never_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = "s3cret-Pa55-Wd";
    std::env::set_var("HAKUSHO_TEST_PG_PASSWORD_OPEN", secret);
    let location = crate::store::StoreLocation::Postgres {
        url: format!("postgres://hakusho@127.0.0.1:{port}/mitaka"),
        password_env: "HAKUSHO_TEST_PG_PASSWORD_OPEN".into(),
    };
    for mode in [OpenMode::Writable, OpenMode::Checked, OpenMode::ReadOnly] {
        let Err(error) = crate::store::Store::connect(&location, mode) else {
            panic!("connected to a closed port")
        };
        let message = format!("{error:#} {error:?}");
        assert!(
            message.contains("127.0.0.1") && message.contains(&port.to_string()),
            "{message}"
        );
        assert!(
            message.contains("データベース mitaka") && message.contains("接続できません"),
            "{message}"
        );
        assert!(!message.contains(secret), "{message}");
    }
}

/// The daemon calls the store from its tasks: opening, using and dropping a store
/// inside a tokio runtime works (the client's own runtime is kept off it).
#[test]
fn the_store_works_from_inside_a_tokio_runtime() {
    let Some(url) = fresh_url() else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let found = runtime.block_on(async {
        let task = tokio::spawn(async move {
            let mut store = open(&url, OpenMode::Writable).unwrap();
            let sent = content("指標");
            store
                .record_submission(&submission("rt", Some(&sent), &[]))
                .unwrap();
            let found = store.submission_by_hash("132047", "rt").unwrap();
            drop(store);
            found
        });
        task.await.unwrap()
    });
    assert!(found.is_some());
}

/// The server closing the connection (a restart, a failover) costs at most the call
/// under way: the next one connects again, read-only again when the store is.
#[test]
fn a_lost_connection_is_opened_again_by_the_next_call() {
    let Some(url) = fresh_url() else { return };
    let mut writable = open(&url, OpenMode::Writable).unwrap();
    let read_only = open(&url, OpenMode::ReadOnly).unwrap();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()";
    assert_eq!(admin.query(terminate, &[]).unwrap().len(), 2);
    // Terminating is a signal: wait until both backends are gone.
    let others = "SELECT COUNT(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()";
    while admin.query_one(others, &[]).unwrap().get::<_, i64>(0) > 0 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = content("指標");
    let record = |store: &mut crate::store::Store, sha: &str| {
        store.record_submission(&submission(sha, Some(&sent), &[]))
    };
    // The first call may meet the closed connection; the next works.
    if record(&mut writable, "a").is_err() {
        record(&mut writable, "a").unwrap();
    }
    let _ = read_only.fiscal_years("132047");
    assert_eq!(read_only.fiscal_years("132047").unwrap().len(), 1);
    let mut read_only = read_only;
    let error = record(&mut read_only, "b").unwrap_err();
    assert!(format!("{error:#}").contains("read-only"), "{error:#}");
}

/// A database a newer hakusho migrated is refused by every open, naming both versions:
/// read, it may not mean what this version thinks; written, it could be damaged.
#[test]
fn a_database_of_a_newer_hakusho_is_refused_checked_and_read_only() {
    let Some(url) = fresh_url() else { return };
    drop(open(&url, OpenMode::Writable).unwrap());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES (99, 'future')",
            &[],
        )
        .unwrap();
    for mode in [OpenMode::Writable, OpenMode::Checked, OpenMode::ReadOnly] {
        let Err(error) = open(&url, mode) else {
            panic!("a newer database was opened {mode:?}")
        };
        let message = format!("{error:#}");
        let ours = format!("版 {}", latest_version());
        assert!(
            message.contains("版 99") && message.contains(&ours),
            "{message}"
        );
    }
}
