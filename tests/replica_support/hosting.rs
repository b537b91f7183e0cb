//! A hosted deployment for the replica test and the hosted bench: cities made from the
//! sample city (each its own code, name and recipients' domain), one store, one SMTP
//! sink on loopback, a deployment file naming them, and `hakusho serve` replicas.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hakusho::store::{OpenMode, Store, StoreLocation};
use mail_parser::MessageParser;

use crate::common::{self, SmtpSink, TestCity};

/// Where the deployment's rows are: a PostgreSQL database, or one SQLite file.
pub enum Backend {
    /// A database URL (trust authentication).
    Postgres(String),
    /// The file every city's `paths.database` names.
    Sqlite(PathBuf),
}

impl Backend {
    /// A fresh database on the cluster at `base` (a libpq-style URL).
    pub fn fresh_postgres(base: &str) -> Backend {
        Backend::Postgres(hakusho::store::postgres::fresh_test_database(base).unwrap())
    }

    /// The tests' choice: PostgreSQL when `HAKUSHO_TEST_POSTGRES` names a cluster,
    /// else a SQLite file in `dir`.
    pub fn for_tests(dir: &Path) -> Backend {
        match std::env::var("HAKUSHO_TEST_POSTGRES") {
            Ok(base) if !base.is_empty() => Backend::fresh_postgres(&base),
            _ => Backend::Sqlite(dir.join("hosted.sqlite3")),
        }
    }

    /// The store's location as hakusho opens it.
    pub fn location(&self) -> StoreLocation {
        match self {
            Backend::Postgres(url) => StoreLocation::Postgres {
                url: url.clone(),
                password_env: "HAKUSHO_DB_PASSWORD".into(),
            },
            Backend::Sqlite(path) => StoreLocation::Sqlite(path.clone()),
        }
    }

    /// One number from the store, by SQL the two engines read alike.
    pub fn count(&self, sql: &str) -> i64 {
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

/// Settings of the hosted cities.
#[derive(Clone, Copy)]
pub struct Leases {
    /// `schedule.run_lease_seconds`: a dead replica's run is taken over after this.
    pub run_seconds: u64,
    /// `mail.lease_seconds`: a dead sender's copy is sent again after this (more than
    /// the SMTP timeout, 20 s in tests/common).
    pub mail_seconds: u64,
}

/// The deployment: cities in their own folders, one store, one SMTP sink, and the
/// deployment file `hosting.toml` naming them.
pub struct Hosting {
    /// The deployment file, the replicas' logs, the SQLite file.
    pub dir: tempfile::TempDir,
    /// The store every city and replica shares.
    pub backend: Backend,
    /// Where every city's mail goes.
    pub sink: SmtpSink,
    /// The cities (kept for their folders).
    pub cities: Vec<TestCity>,
}

impl Hosting {
    /// `count` cities, their annual runs due now, on `backend` (migrated here).
    pub fn new(count: usize, backend: impl FnOnce(&Path) -> Backend, leases: Leases) -> Hosting {
        let dir = tempfile::tempdir().unwrap();
        let backend = backend(dir.path());
        let sink = SmtpSink::start();
        let due = due_cron();
        let cities: Vec<TestCity> = (0..count)
            .map(|i| hosted_city(i, sink.port, &backend, &due, leases))
            .collect();
        write_deployment(dir.path(), &backend, &cities);
        // Migrated before the replicas start, so that the harness's own queries find
        // the tables (the replicas migrate too, under a lock: nothing to do then).
        Store::connect(&backend.location(), OpenMode::Writable).unwrap();
        Hosting {
            dir,
            backend,
            sink,
            cities,
        }
    }

    /// The deployment file.
    pub fn deployment(&self) -> PathBuf {
        self.dir.path().join("hosting.toml")
    }

    /// `n` replicas: `hakusho serve` on the deployment, each logging to a file of its
    /// own (a pipe nobody reads would fill and stop it).
    pub fn start_replicas(&self, n: usize) -> Replicas {
        let children = (0..n).map(|i| self.start_replica(i)).collect();
        Replicas { children }
    }

    fn start_replica(&self, n: usize) -> Child {
        let log = std::fs::File::create(self.log_path(n)).unwrap();
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

    fn log_path(&self, n: usize) -> PathBuf {
        self.dir.path().join(format!("replica{n}.log"))
    }

    /// The last lines of each replica's log, for a failure's message.
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        for n in 0.. {
            let Ok(text) = std::fs::read_to_string(self.log_path(n)) else {
                break;
            };
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            logs.push_str(&format!("--- replica {n} (last lines)\n{tail}\n"));
        }
        logs
    }

    /// Whether any replica's log holds `text`.
    pub fn logged(&self, text: &str) -> bool {
        (0..)
            .map_while(|n| std::fs::read_to_string(self.log_path(n)).ok())
            .any(|log| log.contains(text))
    }

    /// How many runs the process `pid` holds in the ledger (unfinished, its owner
    /// naming the process).
    pub fn runs_held_by(&self, pid: u32) -> i64 {
        self.backend.count(&format!(
            "SELECT count(*) FROM job_runs WHERE finished_at IS NULL AND owner LIKE '%:{pid}:%'"
        ))
    }

    /// Waits until every city's annual run is finished and every copy queued is
    /// sent, the replicas alive all along; panics after `give_up`.
    pub fn wait_until_done(&self, replicas: &mut Replicas, give_up: Duration) {
        let started = Instant::now();
        while !self.done() {
            if let Some(exited) = replicas.any_exited() {
                panic!("a replica stopped ({exited}):\n{}", self.logs());
            }
            assert!(
                started.elapsed() < give_up,
                "not done in time:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Every city's run finished, something queued, nothing left to send.
    fn done(&self) -> bool {
        let failed = "SELECT count(*) FROM deliveries WHERE state = 'failed'";
        assert_eq!(
            self.backend.count(failed),
            0,
            "copies failed:\n{}",
            self.logs()
        );
        let finished =
            "SELECT count(*) FROM job_runs WHERE job = 'annual_run' AND finished_at IS NOT NULL";
        let unsent = "SELECT count(*) FROM deliveries WHERE state <> 'sent'";
        self.backend.count(finished) >= self.cities.len() as i64
            && self.backend.count("SELECT count(*) FROM deliveries") > 0
            && self.backend.count(unsent) == 0
    }

    /// Each copy the sink holds: (envelope recipient, subject, Message-ID).
    pub fn received(&self) -> Vec<(String, String, String)> {
        received(self.sink.folder.path())
    }
}

/// Replicas, killed if still running when dropped (a failed assertion leaves none).
pub struct Replicas {
    /// The `hakusho serve` processes.
    pub children: Vec<Child>,
}

impl Replicas {
    /// The process ids.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }

    /// The exit status of a replica that stopped, if any did.
    fn any_exited(&mut self) -> Option<std::process::ExitStatus> {
        self.children
            .iter_mut()
            .find_map(|child| child.try_wait().unwrap())
    }

    /// Kills replica `n` with SIGKILL and takes it out of the set.
    pub fn kill(&mut self, n: usize) {
        let mut victim = self.children.remove(n);
        victim.kill().unwrap();
        victim.wait().unwrap();
    }

    /// SIGTERM to each, then waits: whether every one stopped cleanly.
    pub fn stop(mut self) -> bool {
        let children = std::mem::take(&mut self.children);
        // Every one is stopped, whatever the others did: no short cut.
        let clean: Vec<bool> = children
            .into_iter()
            .map(|child| common::terminate(child).status.success())
            .collect();
        clean.into_iter().all(|c| c)
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Each copy a sink's folder holds: (envelope recipient, subject, Message-ID), one per
/// recipient.
pub fn received(folder: &Path) -> Vec<(String, String, String)> {
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let eml = entry.unwrap().path();
        if eml.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let Ok(recipients) = std::fs::read_to_string(eml.with_extension("rcpt")) else {
            continue; // still being written
        };
        let bytes = std::fs::read(&eml).unwrap();
        let message = MessageParser::default().parse(&bytes).unwrap();
        let subject = message.subject().unwrap_or_default().to_string();
        let id = message.message_id().unwrap_or_default().to_string();
        for recipient in recipients.lines() {
            messages.push((recipient.to_string(), subject.clone(), id.clone()));
        }
    }
    messages
}

/// How many copies arrived more than once: the same Message-ID to the same recipient.
pub fn duplicates(received: &[(String, String, String)]) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    received
        .iter()
        .filter(|(recipient, _, id)| !seen.insert((recipient, id)))
        .count()
}

/// City `i`'s code.
pub fn city_code(i: usize) -> String {
    format!("99{i:04}")
}

/// City `i`'s name.
pub fn city_name(i: usize) -> String {
    format!("試験{i:02}市")
}

/// The city a recipient belongs to (`…@cityNN.example`), and the (recipient, subject)
/// with the city's own name and domain taken out.
pub fn normalise(recipient: &str, subject: &str) -> (usize, (String, String)) {
    let recipient = recipient.trim_matches(|c| c == '<' || c == '>');
    let (local, domain) = recipient.split_once('@').unwrap();
    let number = domain
        .trim_start_matches("city")
        .trim_end_matches(".example");
    let city: usize = number
        .parse()
        .unwrap_or_else(|_| panic!("not a city's recipient: {recipient}"));
    let subject = subject.replace(&city_name(city), "〇〇市");
    (city, (local.to_string(), subject))
}

/// A cron expression for a moment two minutes ago in Tokyo, on today's date: due now
/// for every city (within the catch-up window), next due in a year, so no other tick
/// comes while the deployment runs.
pub fn due_cron() -> String {
    use chrono::{Datelike, Timelike};
    let due =
        chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo) - chrono::Duration::minutes(2);
    format!(
        "{} {} {} {} {} *",
        due.second(),
        due.minute(),
        due.hour(),
        due.day(),
        due.month()
    )
}

/// City `i` on the deployment's store (its SQLite file named in its configuration).
fn hosted_city(i: usize, port: u16, backend: &Backend, due: &str, leases: Leases) -> TestCity {
    let city = city_like_the_sample(i, port, due, leases);
    if let Backend::Sqlite(path) = backend {
        let text = std::fs::read_to_string(city.config_path()).unwrap();
        let database = format!("database = \"{}\"", path.display());
        let text = text.replace("database = \"hakusho.sqlite3\"", &database);
        std::fs::write(city.config_path(), text).unwrap();
    }
    city
}

/// The sample city (its ten department workbooks in its inbox, only the annual run
/// scheduled) renamed to city `i`: its own code, name and recipients' domain, mailing
/// the sink on `port`, its annual run due at `due`.
pub fn city_like_the_sample(i: usize, port: u16, due: &str, leases: Leases) -> TestCity {
    let city = common::annual_only(Some(port));
    let schedule = format!("[schedule]\nrun_lease_seconds = {}\n", leases.run_seconds);
    let mail = format!("[mail]\nlease_seconds = {}\n", leases.mail_seconds);
    let text = without_store(&std::fs::read_to_string(city.config_path()).unwrap())
        .replace("name = \"三鷹市\"", &format!("name = \"{}\"", city_name(i)))
        .replace("code = \"132047\"", &format!("code = \"{}\"", city_code(i)))
        .replace("@mitaka.example", &format!("@city{i:02}.example"))
        .replace("\"0 0 9 15 4 *\"", &format!("\"{due}\""))
        .replace("[schedule]\n", &schedule)
        .replace("[mail]\n", &mail);
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
        let config = city.config_path();
        text.push_str(&format!(
            "[[cities]]\nconfig = \"{}\"\n\n",
            config.display()
        ));
    }
    std::fs::write(dir.join("hosting.toml"), text).unwrap();
}
