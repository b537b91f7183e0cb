//! Replicas: three real `hakusho serve` processes on one store, serving a deployment of
//! 20 cities whose annual runs are all due at the same time, mailing an SMTP server on
//! loopback. Each scheduled run runs once in all (the ledger), each recipient receives
//! each message once (counted at the sink), and nothing is lost: every city receives
//! what a lone `run --once` of the same city sends. Then the same with one replica
//! killed with SIGKILL while it holds a run: its runs are taken over once their lease
//! has run out, still nothing twice, nothing lost.
//!
//! On PostgreSQL when `HAKUSHO_TEST_POSTGRES` is set (a fresh database on that cluster);
//! on SQLite otherwise (the three processes on one file).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{SmtpSink, TestCity};
use hakusho::daemon::schedule::ANNUAL_RUN;
use hakusho::store::{OpenMode, RunOutcome, Store, StoreLocation};
use mail_parser::MessageParser;

const CITIES: usize = 20;
const REPLICAS: usize = 3;
/// How long the whole deployment may take before the test gives up (not a timed
/// assertion: a bound so that a hang fails instead of blocking the suite).
const GIVE_UP: Duration = Duration::from_secs(900);

/// The two tests each start three replicas over 20 cities: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn three_replicas_run_each_city_once_and_mail_each_copy_once() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let hosting = Hosting::new();
    let mut replicas: Vec<Child> = (0..REPLICAS).map(|i| hosting.start_replica(i)).collect();
    hosting.wait_until_done(&mut replicas);
    hosting.stop(replicas);
    hosting.assert_each_run_once();
    hosting.assert_each_copy_once_and_none_lost();
}

#[test]
fn a_replica_killed_in_the_middle_of_its_runs_is_taken_over_nothing_twice_nothing_lost() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let hosting = Hosting::new();
    let mut replicas: Vec<Child> = (0..REPLICAS).map(|i| hosting.start_replica(i)).collect();
    let victim = replicas.remove(0);
    let held = hosting.kill_while_holding_a_run(victim);
    assert!(held >= 1, "the replica was killed while it held no run");
    hosting.wait_until_done(&mut replicas);
    hosting.stop(replicas);
    hosting.assert_each_run_once();
    hosting.assert_each_copy_once_and_none_lost();
}

/// Where the deployment's rows are: a fresh PostgreSQL database, or one SQLite file.
enum Backend {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Backend {
    /// PostgreSQL when `HAKUSHO_TEST_POSTGRES` names a cluster, else a file in `dir`.
    fn choose(dir: &Path) -> Backend {
        match std::env::var("HAKUSHO_TEST_POSTGRES") {
            Ok(base) if !base.is_empty() => {
                Backend::Postgres(hakusho::store::postgres::fresh_test_database(&base).unwrap())
            }
            _ => Backend::Sqlite(dir.join("hosted.sqlite3")),
        }
    }

    fn location(&self) -> StoreLocation {
        match self {
            Backend::Postgres(url) => StoreLocation::Postgres {
                url: url.clone(),
                password_env: "HAKUSHO_DB_PASSWORD".into(),
            },
            Backend::Sqlite(path) => StoreLocation::Sqlite(path.clone()),
        }
    }

    /// One number from the store, by SQL the two engines read alike.
    fn count(&self, sql: &str) -> i64 {
        match self {
            Backend::Postgres(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                client.query_one(sql, &[]).unwrap().get(0)
            }
            Backend::Sqlite(path) => {
                let connection = rusqlite::Connection::open(path).unwrap();
                connection.busy_timeout(Duration::from_secs(30)).unwrap();
                connection.query_row(sql, [], |row| row.get(0)).unwrap()
            }
        }
    }
}

/// The deployment: 20 cities in their own folders, one store, one SMTP sink, and the
/// deployment file naming them.
struct Hosting {
    dir: tempfile::TempDir,
    backend: Backend,
    sink: SmtpSink,
    /// Kept for their folders, which live as long as the deployment.
    _cities: Vec<TestCity>,
    /// What a lone `run --once` of one city delivers, as normalised (recipient, subject).
    expected: Vec<(String, String)>,
}

impl Hosting {
    fn new() -> Hosting {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend::choose(dir.path());
        let sink = SmtpSink::start();
        let due = due_cron();
        let cities: Vec<TestCity> = (0..CITIES)
            .map(|i| hosted_city(i, sink.port, &backend, &due))
            .collect();
        write_deployment(dir.path(), &backend, &cities);
        Hosting {
            expected: lone_run_delivers(&due),
            dir,
            backend,
            sink,
            _cities: cities,
        }
    }

    fn deployment(&self) -> PathBuf {
        self.dir.path().join("hosting.toml")
    }

    /// `hakusho serve` on the deployment, its log in a file (a pipe nobody reads
    /// would fill and stop it).
    fn start_replica(&self, n: usize) -> Child {
        let log = std::fs::File::create(self.dir.path().join(format!("replica{n}.log"))).unwrap();
        Command::new(env!("CARGO_BIN_EXE_hakusho"))
            .args(["serve", "--config"])
            .arg(self.deployment())
            .env("SOURCE_DATE_EPOCH", common::BUILD_EPOCH)
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// The logs of the replicas, for a failure's message.
    fn logs(&self) -> String {
        (0..REPLICAS)
            .map(|n| {
                let path = self.dir.path().join(format!("replica{n}.log"));
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                format!(
                    "--- replica {n} (last lines)\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Kills `victim` with SIGKILL as soon as it holds a run (its owner in the ledger
    /// names its process id); returns how many runs it held when killed.
    fn kill_while_holding_a_run(&self, mut victim: Child) -> i64 {
        let pid = victim.id();
        let held = format!(
            "SELECT count(*) FROM job_runs WHERE finished_at IS NULL AND owner LIKE '%:{pid}:%'"
        );
        let started = Instant::now();
        while self.backend.count(&held) == 0 {
            assert!(
                started.elapsed() < GIVE_UP,
                "the replica never held a run:\n{}",
                self.logs()
            );
            assert!(
                victim.try_wait().unwrap().is_none(),
                "the replica stopped:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        victim.kill().unwrap();
        victim.wait().unwrap();
        self.backend.count(&held)
    }

    /// Waits until every city's run is finished and every copy queued is sent.
    fn wait_until_done(&self, replicas: &mut [Child]) {
        let started = Instant::now();
        while !self.done() {
            for replica in replicas.iter_mut() {
                let exited = replica.try_wait().unwrap();
                assert!(
                    exited.is_none(),
                    "a replica stopped ({exited:?}):\n{}",
                    self.logs()
                );
            }
            assert!(
                started.elapsed() < GIVE_UP,
                "not done in time:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Every city's run finished, something queued, nothing left to send.
    fn done(&self) -> bool {
        let finished =
            "SELECT count(*) FROM job_runs WHERE job = 'annual_run' AND finished_at IS NOT NULL";
        let unsent = "SELECT count(*) FROM deliveries WHERE state <> 'sent'";
        let queued = "SELECT count(*) FROM deliveries";
        let failed = "SELECT count(*) FROM deliveries WHERE state = 'failed'";
        assert_eq!(
            self.backend.count(failed),
            0,
            "copies failed:\n{}",
            self.logs()
        );
        self.backend.count(finished) >= CITIES as i64
            && self.backend.count(queued) > 0
            && self.backend.count(unsent) == 0
    }

    /// SIGTERM to each replica, and waits for it: nothing more is sent after.
    fn stop(&self, replicas: Vec<Child>) {
        for replica in replicas {
            let output = common::terminate(replica);
            assert!(
                output.status.success(),
                "a replica did not stop cleanly:\n{}",
                self.logs()
            );
        }
    }

    /// One ledger row for each city's annual run, succeeded.
    fn assert_each_run_once(&self) {
        let store = Store::connect(&self.backend.location(), OpenMode::ReadOnly).unwrap();
        for i in 0..CITIES {
            let runs = store.runs_of(&city_code(i), ANNUAL_RUN).unwrap();
            assert_eq!(runs.len(), 1, "city {i}: {runs:?}");
            assert_eq!(
                runs[0].outcome,
                Some(RunOutcome::Succeeded),
                "city {i}: {runs:?}\n{}",
                self.logs()
            );
        }
    }

    /// No (recipient, Message-ID) twice at the sink, and each city received exactly
    /// what a lone run of one city delivers: nothing twice, nothing lost, nothing crossed.
    fn assert_each_copy_once_and_none_lost(&self) {
        let received = received(self.sink.folder.path());
        let mut copies = BTreeSet::new();
        for (recipient, _, message_id) in &received {
            assert!(
                copies.insert((recipient, message_id)),
                "{recipient} received {message_id} twice"
            );
        }
        let mut by_city: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
        for (recipient, subject, _) in &received {
            let (city, normalised) = normalise(recipient, subject);
            by_city.entry(city).or_default().push(normalised);
        }
        assert_eq!(
            by_city.len(),
            CITIES,
            "cities that received mail: {:?}",
            by_city.keys()
        );
        for (city, mut messages) in by_city {
            messages.sort();
            assert_eq!(messages, self.expected, "city {city}");
        }
    }
}

/// Each message the sink holds: (envelope recipient, subject, Message-ID), one per
/// recipient.
fn received(folder: &Path) -> Vec<(String, String, String)> {
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let eml = entry.unwrap().path();
        if eml.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let bytes = std::fs::read(&eml).unwrap();
        let message = MessageParser::default().parse(&bytes).unwrap();
        let subject = message.subject().unwrap_or_default().to_string();
        let id = message.message_id().unwrap_or_default().to_string();
        let recipients = std::fs::read_to_string(eml.with_extension("rcpt")).unwrap();
        for recipient in recipients.lines() {
            messages.push((recipient.to_string(), subject.clone(), id.clone()));
        }
    }
    messages
}

/// The city a recipient belongs to (`…@cityNN.example`), and the (recipient, subject)
/// with the city's own name and domain taken out.
fn normalise(recipient: &str, subject: &str) -> (usize, (String, String)) {
    let (local, domain) = recipient.split_once('@').unwrap();
    let number = domain
        .trim_start_matches("city")
        .trim_end_matches(".example>")
        .trim_end_matches(".example");
    let city: usize = number
        .parse()
        .unwrap_or_else(|_| panic!("not a city's recipient: {recipient}"));
    let subject = subject.replace(&city_name(city), "〇〇市");
    (city, (local.trim_start_matches('<').to_string(), subject))
}

fn city_code(i: usize) -> String {
    format!("99{i:04}")
}

fn city_name(i: usize) -> String {
    format!("試験{i:02}市")
}

/// A cron expression for a moment two minutes ago in Tokyo, on today's date: due now
/// for every city (within the catch-up window), next due in a year, so no other tick
/// comes during the test.
fn due_cron() -> String {
    let due =
        chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo) - chrono::Duration::minutes(2);
    use chrono::{Datelike, Timelike};
    format!(
        "{} {} {} {} {} *",
        due.second(),
        due.minute(),
        due.hour(),
        due.day(),
        due.month()
    )
}

/// City `i`: the sample city with its own code, name and recipients' domain, mailing
/// the sink, its annual run due at `due`, short leases so a dead replica's runs and
/// copies are taken over within the test.
fn hosted_city(i: usize, port: u16, backend: &Backend, due: &str) -> TestCity {
    let city = city_like_the_sample(i, port, due);
    if let Backend::Sqlite(path) = backend {
        let text = std::fs::read_to_string(city.config_path()).unwrap();
        let database = format!("database = \"{}\"", path.display());
        std::fs::write(
            city.config_path(),
            text.replace("database = \"hakusho.sqlite3\"", &database),
        )
        .unwrap();
    }
    city
}

/// The sample city, renamed to city `i`, mailing the sink on `port`, due at `due`.
fn city_like_the_sample(i: usize, port: u16, due: &str) -> TestCity {
    let city = common::annual_only(Some(port));
    let text = without_store(&std::fs::read_to_string(city.config_path()).unwrap())
        .replace("name = \"三鷹市\"", &format!("name = \"{}\"", city_name(i)))
        .replace("code = \"132047\"", &format!("code = \"{}\"", city_code(i)))
        .replace("@mitaka.example", &format!("@city{i:02}.example"))
        .replace("\"0 0 9 15 4 *\"", &format!("\"{due}\""))
        .replace("[schedule]\n", "[schedule]\nrun_lease_seconds = 10\n")
        .replace("[mail]\n", "[mail]\nlease_seconds = 25\n");
    std::fs::write(city.config_path(), text).unwrap();
    city
}

/// A city configuration without its own `[store]` section: the deployment's holds.
fn without_store(text: &str) -> String {
    let mut kept = Vec::new();
    let mut in_store = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_store = line.trim() == "[store]";
        }
        if !in_store {
            kept.push(line);
        }
    }
    kept.join("\n") + "\n"
}

/// `hosting.toml`: the shared store (PostgreSQL), and each city's configuration.
fn write_deployment(dir: &Path, backend: &Backend, cities: &[TestCity]) {
    let mut text = String::new();
    if let Backend::Postgres(url) = backend {
        text.push_str(&format!("[store]\nurl = \"{url}\"\n\n"));
    }
    for city in cities {
        text.push_str(&format!(
            "[[cities]]\nconfig = \"{}\"\n\n",
            city.config_path().display()
        ));
    }
    std::fs::write(dir.join("hosting.toml"), text).unwrap();
}

/// What one city's lone `run --once` (its own SQLite file, its own sink) delivers, as
/// normalised (recipient, subject), sorted: what each hosted city must receive.
fn lone_run_delivers(due: &str) -> Vec<(String, String)> {
    let sink = SmtpSink::start();
    let city = city_like_the_sample(CITIES, sink.port, due);
    common::stdout_of(&city.hakusho(&["run", "--once"]));
    let mut messages: Vec<_> = received(sink.folder.path())
        .iter()
        .map(|(recipient, subject, _)| normalise(recipient, subject).1)
        .collect();
    messages.sort();
    assert!(!messages.is_empty(), "the lone run delivered nothing");
    messages
}
