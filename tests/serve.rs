//! The daemon: its cron job runs the same job as `run --once`, and SIGTERM stops it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestCity;

#[test]
fn serve_runs_the_job_on_its_schedule_and_stops_on_sigterm() {
    let city = TestCity::new(None);
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    // Every two seconds, so the test sees a run without waiting for April.
    std::fs::write(
        city.config_path(),
        config.replace("\"0 0 9 15 4 *\"", "\"*/2 * * * * *\""),
    )
    .unwrap();
    let daemon = start_daemon(&city);

    let outbox = city.path().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&outbox) < 21 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let (stopped_cleanly, log) = stop_daemon(daemon);

    assert!(
        count(&outbox) >= 11,
        "the scheduled run mailed nothing:\n{log}"
    );
    assert!(stopped_cleanly, "the daemon did not stop cleanly:\n{log}");
    assert!(log.contains("run finished"), "{log}");
    assert!(log.contains("stopping"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    // Every run the daemon started is closed in the ledger, each scheduled time once.
    let config = hakusho::config::Config::load(&city.config_path()).unwrap();
    let store = common::open_store(&config);
    let runs = store
        .runs_of(&config.city.code, hakusho::daemon::schedule::ANNUAL_RUN)
        .unwrap();
    assert!(!runs.is_empty());
    assert!(
        runs.iter()
            .all(|r| r.outcome == Some(hakusho::store::RunOutcome::Succeeded)),
        "{runs:?}"
    );
    assert!(city
        .path()
        .join("reports/令和2年度/令和2年度_目標指標_全庁.pdf")
        .exists());
}

fn start_daemon(city: &TestCity) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(["serve", "--config"])
        .arg(city.config_path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGTERM, then wait: whether it exited with success, and its log.
fn stop_daemon(daemon: Child) -> (bool, String) {
    let output = common::terminate(daemon);
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), log)
}

fn count(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn a_file_dropped_in_the_inbox_is_answered_within_seconds() {
    let city = TestCity::new(None);
    let samples: Vec<_> = std::fs::read_dir(city.inbox())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let keep = samples
        .iter()
        .find(|p| p.to_string_lossy().contains("総務部"))
        .unwrap()
        .clone();
    let parked = city.path().join("総務部.xlsx");
    std::fs::rename(&keep, &parked).unwrap();
    for path in samples.iter().filter(|p| **p != keep) {
        std::fs::remove_file(path).unwrap();
    }
    let daemon = start_daemon(&city);
    std::thread::sleep(Duration::from_millis(800));
    // Written elsewhere, then renamed in: the way a careful copy arrives.
    let dropped = Instant::now();
    std::fs::rename(&parked, city.inbox().join("令和2年度_総務部.xlsx")).unwrap();
    let outbox = city.path().join("outbox");
    while count(&outbox) < 1 && dropped.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let answered_in = dropped.elapsed();
    let (_, log) = stop_daemon(daemon);
    // How fast is a figure, not a test condition: these machines are shared.
    eprintln!("receipt written {answered_in:?} after the drop");
    assert_eq!(count(&outbox), 1, "one receipt:\n{log}");
    let receipt = std::fs::read_dir(&outbox)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = String::from_utf8_lossy(&std::fs::read(receipt).unwrap()).to_string();
    assert!(text.contains("somu-bu@mitaka.example"), "{text}");
    assert!(log.contains("taken in from the inbox"), "{log}");
}

/// The class "intake failed for a while" (a busy store here; a full disk is the same
/// path): the file is offered again at a later look and answered, without a restart.
#[test]
fn a_file_whose_intake_failed_is_taken_in_at_a_later_look() {
    let city = TestCity::new(None);
    let parked = city.path().join("総務部.xlsx");
    for entry in std::fs::read_dir(city.inbox()).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("総務部") {
            std::fs::rename(&path, &parked).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
    }
    let mut daemon = start_daemon(&city);
    let log = read_log(&mut daemon);
    let started = || log_has(&log, "hakusho is serving") && !city.store_is_untouched();
    wait_for(started, "the daemon to start", &log);
    // Past the start-up catch-up, which opens the store.
    std::thread::sleep(Duration::from_secs(1));
    let blocked = IntakeBlocked::start(&city);
    std::fs::rename(&parked, city.inbox().join("令和2年度_総務部.xlsx")).unwrap();
    wait_for(
        || log_has(&log, "intake failed"),
        "the intake to fail",
        &log,
    );
    blocked.end();
    let outbox = city.path().join("outbox");
    wait_for(|| count(&outbox) >= 1, "the file to be answered", &log);
    let (_, _) = stop_daemon(daemon);
    assert_eq!(count(&outbox), 1, "one receipt");
    assert!(log_has(&log, "taken in from the inbox"));
}

/// The store refusing submissions for a while, as a fault of the store (not of the
/// file): on SQLite another process holds the write lock longer than the daemon
/// waits; on PostgreSQL a constraint no row meets refuses every new submission.
enum IntakeBlocked {
    Sqlite(rusqlite::Connection),
    Postgres(common::RawStore),
}

impl IntakeBlocked {
    const CONSTRAINT: &str =
        "ALTER TABLE submissions ADD CONSTRAINT test_no_intake CHECK (false) NOT VALID";

    fn start(city: &TestCity) -> IntakeBlocked {
        if common::on_postgres() {
            let mut store = city.raw_store();
            store.batch(Self::CONSTRAINT);
            return IntakeBlocked::Postgres(store);
        }
        let holder = rusqlite::Connection::open(city.path().join("hakusho.sqlite3")).unwrap();
        holder.busy_timeout(Duration::from_secs(60)).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        IntakeBlocked::Sqlite(holder)
    }

    fn end(self) {
        match self {
            IntakeBlocked::Sqlite(holder) => holder.execute_batch("ROLLBACK").unwrap(),
            IntakeBlocked::Postgres(mut store) => {
                store.batch("ALTER TABLE submissions DROP CONSTRAINT test_no_intake")
            }
        }
    }
}

/// The daemon's log as it is written, collected by a thread.
fn read_log(daemon: &mut Child) -> std::sync::Arc<std::sync::Mutex<String>> {
    use std::io::BufRead;
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let stderr = daemon.stderr.take().unwrap();
    let shared = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            shared.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    log
}

fn log_has(log: &std::sync::Mutex<String>, text: &str) -> bool {
    log.lock().unwrap().contains(text)
}

/// Waits for a condition (at most two minutes: the machines are shared).
fn wait_for(condition: impl Fn() -> bool, what: &str, log: &std::sync::Mutex<String>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "waited for {what}:\n{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
