//! Replicas: three real `hakusho serve` processes on one store, serving a deployment of
//! 20 cities whose annual runs are all due at the same time, mailing an SMTP server on
//! loopback. Each scheduled run runs once in all (the ledger), each recipient receives
//! each message once (counted at the sink by Message-ID), and nothing is lost or
//! crossed: every city receives exactly what a lone `run --once` of the same city
//! sends. Then the same with one replica killed with SIGKILL while it holds a run: its
//! runs are taken over once their lease has run out, still nothing twice, nothing lost.
//!
//! On PostgreSQL when `HAKUSHO_TEST_POSTGRES` is set (a fresh database on that cluster);
//! on SQLite otherwise (the three processes on one file).

mod common;
#[path = "replica_support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::SmtpSink;
use hakusho::daemon::schedule::ANNUAL_RUN;
use hakusho::store::{OpenMode, RunOutcome, Store};
use support::hosting::{self, Backend, Hosting, Leases, Replicas};

const CITIES: usize = 20;
const REPLICAS: usize = 3;
/// Short leases, so that a dead replica's runs and copies are taken over within the test.
const LEASES: Leases = Leases {
    run_seconds: 10,
    mail_seconds: 25,
};
/// How long the whole deployment may take before the test gives up (not a timed
/// assertion: a bound so that a hang fails instead of blocking the suite).
const GIVE_UP: Duration = Duration::from_secs(900);

/// The two tests each start three replicas over 20 cities: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn three_replicas_run_each_city_once_and_mail_each_copy_once() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let expected = lone_run_delivers();
    let hosting = Hosting::new(CITIES, Backend::for_tests, LEASES);
    let mut replicas = hosting.start_replicas(REPLICAS);
    hosting.wait_until_done(&mut replicas, GIVE_UP);
    assert!(
        replicas.stop(),
        "a replica did not stop cleanly:\n{}",
        hosting.logs()
    );
    assert_each_run_once(&hosting);
    assert_each_copy_once_and_none_lost(&hosting, &expected);
}

#[test]
fn a_replica_killed_in_the_middle_of_its_runs_is_taken_over_nothing_twice_nothing_lost() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let expected = lone_run_delivers();
    let hosting = Hosting::new(CITIES, Backend::for_tests, LEASES);
    let mut replicas = hosting.start_replicas(REPLICAS);
    let held = kill_while_holding_a_run(&hosting, &mut replicas);
    assert!(held >= 1, "the replica was killed while it held no run");
    hosting.wait_until_done(&mut replicas, GIVE_UP);
    assert!(
        replicas.stop(),
        "a replica did not stop cleanly:\n{}",
        hosting.logs()
    );
    let taken_over = "止まったデーモンの実行を引き継いでやり直します";
    assert!(
        hosting.logged(taken_over),
        "no run taken over:\n{}",
        hosting.logs()
    );
    assert_each_run_once(&hosting);
    assert_each_copy_once_and_none_lost(&hosting, &expected);
}

/// Kills the first replica with SIGKILL as soon as it holds a run (the ledger's owner
/// names its process); returns how many runs it held then.
fn kill_while_holding_a_run(hosting: &Hosting, replicas: &mut Replicas) -> i64 {
    let pid = replicas.pids()[0];
    let started = Instant::now();
    while hosting.runs_held_by(pid) == 0 {
        let logs = || hosting.logs();
        assert!(
            started.elapsed() < GIVE_UP,
            "it never held a run:\n{}",
            logs()
        );
        assert!(
            replicas.children[0].try_wait().unwrap().is_none(),
            "{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    replicas.kill(0);
    hosting.runs_held_by(pid)
}

/// One ledger row for each city's annual run, succeeded.
fn assert_each_run_once(hosting: &Hosting) {
    let store = Store::connect(&hosting.backend.location(), OpenMode::ReadOnly).unwrap();
    for i in 0..CITIES {
        let runs = store.runs_of(&hosting::city_code(i), ANNUAL_RUN).unwrap();
        assert_eq!(runs.len(), 1, "city {i}: {runs:?}");
        let outcome = runs[0].outcome;
        assert_eq!(
            outcome,
            Some(RunOutcome::Succeeded),
            "city {i}: {runs:?}\n{}",
            hosting.logs()
        );
    }
}

/// No (recipient, Message-ID) twice at the sink, and each city received exactly what a
/// lone run of one city delivers: nothing twice, nothing lost, nothing crossed.
fn assert_each_copy_once_and_none_lost(hosting: &Hosting, expected: &[(String, String)]) {
    let received = hosting.received();
    assert_eq!(hosting::duplicates(&received), 0, "copies received twice");
    let mut by_city: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (recipient, subject, _) in &received {
        let (city, normalised) = hosting::normalise(recipient, subject);
        by_city.entry(city).or_default().push(normalised);
    }
    let cities: Vec<_> = by_city.keys().copied().collect();
    assert_eq!(
        cities,
        (0..CITIES).collect::<Vec<_>>(),
        "the cities that received mail"
    );
    for (city, mut messages) in by_city {
        messages.sort();
        assert_eq!(messages, expected, "city {city}");
    }
}

/// What one city's lone `run --once` (its own SQLite file, its own sink) delivers, as
/// normalised (recipient, subject), sorted: what each hosted city must receive.
fn lone_run_delivers() -> Vec<(String, String)> {
    let sink = SmtpSink::start();
    let city = hosting::city_like_the_sample(CITIES, sink.port, &hosting::due_cron(), LEASES);
    common::stdout_of(&city.hakusho(&["run", "--once"]));
    let mut messages: Vec<_> = hosting::received(sink.folder.path())
        .iter()
        .map(|(recipient, subject, _)| hosting::normalise(recipient, subject).1)
        .collect();
    messages.sort();
    assert!(!messages.is_empty(), "the lone run delivered nothing");
    messages
}
