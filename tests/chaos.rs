//! The chaos harness: the real binary killed with SIGKILL at random points, with a real
//! SMTP server (aiosmtpd) on loopback, restarted until its work is done, then
//! `hakusho send` until nothing is pending. What the server received is compared with
//! what a clean run sends: every receipt and every report mail, each to each of its
//! recipients, exactly once.
//!
//! - mode A: `run --once` killed, then run again until it succeeds;
//! - mode B: `serve` with the annual run scheduled a moment after start, killed, then
//!   started again until the run is in the ledger and every file is recorded;
//! - full disk: `run --once` with the city on a small tmpfs whose free space runs out at
//!   a random point of the run, then again with the space back until it succeeds (needs
//!   root to mount the tmpfs; skipped, saying so, without it).
//!
//! A copy the server accepted just before the kill, sent again with the same
//! Message-ID, is the one repeat allowed (mail clients fold it); it is counted apart.
//! Anything else received twice is a duplicate.
//!
//! CI runs a few trials per mode; `HAKUSHO_CHAOS_TRIALS=50 cargo test --release --test
//! chaos -- --nocapture` is the long run, printing the figures of every trial.
//! `HAKUSHO_CHAOS_SEED` replays a run (the seed is printed); `HAKUSHO_CHAOS_BIN` points the
//! harness at another build of hakusho.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{RawStore, SmtpSink, TestCity, BUILD_EPOCH};
use mail_parser::MessageParser;

/// Trials per mode when `HAKUSHO_CHAOS_TRIALS` is not set: enough to hit each phase of
/// a run (intake, reports, delivery) in CI within a few minutes.
const CI_TRIALS: usize = 5;

/// A logical message: who receives it and what it is (its subject names the file's
/// department and verdict, or the report's audience).
type Logical = (String, String);

#[test]
fn run_once_killed_at_random_points_loses_and_repeats_nothing() {
    let reference = Reference::measure();
    let mut random = Random::from_env();
    let figures: Vec<Figures> = (0..trials())
        .map(|trial| {
            let kill_after = random.below(reference.run_time.mul_f64(1.2));
            let figures = trial_run_once(&reference, kill_after);
            let what = format!("killed after {} ms", kill_after.as_millis());
            figures.print("run --once", trial, &what);
            figures
        })
        .collect();
    assert_clean("run --once", &figures);
}

#[test]
fn serve_killed_at_random_points_loses_and_repeats_nothing() {
    let reference = Reference::measure();
    let mut random = Random::from_env();
    let life = serve_life();
    println!(
        "serve: a clean daemon's work is done after {} ms",
        life.as_millis()
    );
    let figures: Vec<Figures> = (0..trials())
        .map(|trial| {
            let kill_after = random.below(life);
            let figures = trial_serve(&reference, kill_after);
            let what = format!("killed after {} ms", kill_after.as_millis());
            figures.print("serve", trial, &what);
            figures
        })
        .collect();
    assert_clean("serve", &figures);
}

/// Mode C: the disk fills up at a random point of a run (the city's folder on a small
/// tmpfs, most of it taken by a filler file), then space comes back and the run is
/// started again until it succeeds.
#[test]
fn a_full_disk_at_random_points_loses_and_repeats_nothing() {
    let reference = Reference::measure();
    let mut random = Random::from_env();
    let mut figures = Vec::new();
    for trial in 0..trials() {
        let room = (reference.written as f64 * random.fraction()) as u64;
        let Some(trial_figures) = trial_disk_full(&reference, room) else {
            println!("full disk: skipped, a tmpfs cannot be mounted here (root is needed)");
            return;
        };
        let what = format!("{} KB free", room / 1024);
        trial_figures.print("full disk", trial, &what);
        figures.push(trial_figures);
    }
    assert_clean("full disk", &figures);
}

/// Two `run --once` started together on one city: both succeed, and each file is one
/// submission with one receipt.
#[test]
fn two_runs_at_once_record_each_file_once_with_one_receipt() {
    let city = TestCity::new(None);
    let files = std::fs::read_dir(city.inbox()).unwrap().count();
    let runs: Vec<Child> = (0..2)
        .map(|_| spawn(city.path(), &["run", "--once"]))
        .collect();
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a run failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut db = city.raw_store();
    let mut count = |sql: &str| -> i64 { db.count(sql) };
    assert_eq!(
        count("SELECT COUNT(*) FROM submissions"),
        files as i64,
        "one submission per file"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM messages WHERE idempotency_key LIKE 'receipt:%'"),
        files as i64,
        "one receipt per file"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM messages m JOIN submissions s
             ON m.idempotency_key = 'receipt:' || s.sha256"
        ),
        files as i64,
        "each receipt keyed by its file's hash"
    );
    let reports = count("SELECT COUNT(*) FROM messages WHERE idempotency_key LIKE 'report:%'");
    assert_eq!(reports, files as i64 + 1, "one report mail per audience");
}

/// What a clean run sends, and how long it takes.
struct Reference {
    expected: BTreeSet<Logical>,
    run_time: Duration,
    /// Bytes a clean run writes beside its inbox (store, archive, reports).
    written: u64,
}

impl Reference {
    fn measure() -> Reference {
        let sink = SmtpSink::start();
        let city = TestCity::new(Some(sink.port));
        let started = Instant::now();
        assert!(run(city.path(), &["run", "--once"]).status.success());
        let run_time = started.elapsed();
        send_until_done(city.path());
        let received = Received::read(sink.folder.path());
        let files = std::fs::read_dir(city.inbox()).unwrap().count();
        let expected: BTreeSet<Logical> = received.copies.keys().cloned().collect();
        // Each department's receipt and report, and the managers' report.
        assert!(expected.len() > 2 * files, "{expected:?}");
        assert_eq!(
            received.total(),
            expected.len(),
            "a clean run sends each once"
        );
        let written = size_of(city.path()) - size_of(&city.inbox());
        Reference {
            expected,
            run_time,
            written,
        }
    }
}

/// Lost and repeated copies of one trial.
#[derive(Debug, Default)]
struct Figures {
    attempts: usize,
    lost: Vec<Logical>,
    /// The same logical message received again under another Message-ID.
    duplicated: Vec<Logical>,
    /// A copy received again under the same Message-ID (accepted just before a kill).
    same_id_repeats: usize,
    unexpected: Vec<Logical>,
    /// Serve: copies still undelivered when the restarted daemon was stopped, left for
    /// `hakusho send` (copies a killed daemon left mid-send, until the daemon retries
    /// them itself).
    left_for_send: i64,
}

impl Figures {
    fn compare(reference: &Reference, received: &Received, attempts: usize) -> Figures {
        let mut figures = Figures {
            attempts,
            ..Figures::default()
        };
        for logical in &reference.expected {
            if !received.copies.contains_key(logical) {
                figures.lost.push(logical.clone());
            }
        }
        for (logical, ids) in &received.copies {
            if !reference.expected.contains(logical) {
                figures.unexpected.push(logical.clone());
            }
            let distinct: BTreeSet<&String> = ids.iter().collect();
            for _ in 1..distinct.len() {
                figures.duplicated.push(logical.clone());
            }
            figures.same_id_repeats += ids.len() - distinct.len();
        }
        figures
    }

    /// One line per trial, `what` saying where the fault struck.
    fn print(&self, mode: &str, trial: usize, what: &str) {
        println!(
            "{mode} trial {trial}: {what}, {} starts; lost {}, duplicated {}, same Message-ID repeats {}, unexpected {}, left for send {}",
            self.attempts,
            self.lost.len(),
            self.duplicated.len(),
            self.same_id_repeats,
            self.unexpected.len(),
            self.left_for_send
        );
        for (recipient, subject) in self.lost.iter().chain(&self.duplicated) {
            println!("    {recipient}: {subject}");
        }
    }
}

fn assert_clean(mode: &str, figures: &[Figures]) {
    let sum = |f: fn(&Figures) -> usize| figures.iter().map(f).sum::<usize>();
    let (lost, duplicated) = (sum(|f| f.lost.len()), sum(|f| f.duplicated.len()));
    let (repeats, unexpected) = (sum(|f| f.same_id_repeats), sum(|f| f.unexpected.len()));
    let left: i64 = figures.iter().map(|f| f.left_for_send).sum();
    println!(
        "{mode}: {} trials, lost {lost}, duplicated {duplicated}, same Message-ID repeats {repeats}, unexpected {unexpected}, left for send {left}",
        figures.len()
    );
    assert_eq!((lost, duplicated, unexpected), (0, 0, 0), "{figures:#?}");
}

/// Mode A: one `run --once` killed after `kill_after`, then runs until one succeeds.
fn trial_run_once(reference: &Reference, kill_after: Duration) -> Figures {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    short_leases(&city);
    let first = spawn(city.path(), &["run", "--once"]);
    let mut attempts = 1;
    let mut done = kill_at(first, kill_after);
    while !done {
        attempts += 1;
        assert!(attempts <= 5, "run --once kept failing");
        done = run(city.path(), &["run", "--once"]).status.success();
    }
    send_until_done(city.path());
    Figures::compare(reference, &Received::read(sink.folder.path()), attempts)
}

/// Mode C: `run --once` with `room` bytes free, then again with space back until it
/// succeeds. `None` when no tmpfs can be mounted.
fn trial_disk_full(reference: &Reference, room: u64) -> Option<Figures> {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    short_leases(&city);
    let disk = Tmpfs::mount(&city.path().join("disk"), reference.written * 2 + (8 << 20))?;
    let dir = disk.path.clone();
    std::fs::copy(city.config_path(), dir.join("hakusho.toml")).unwrap();
    std::fs::create_dir(dir.join("inbox")).unwrap();
    for entry in std::fs::read_dir(city.inbox()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("inbox").join(path.file_name().unwrap())).unwrap();
    }
    let filler = dir.join("filler");
    std::fs::write(
        &filler,
        vec![0u8; disk.available().saturating_sub(room) as usize],
    )
    .ok();
    let mut attempts = 1;
    let mut done = run(&dir, &["run", "--once"]).status.success();
    std::fs::remove_file(&filler).unwrap();
    while !done {
        attempts += 1;
        assert!(
            attempts <= 5,
            "run --once kept failing after space came back"
        );
        done = run(&dir, &["run", "--once"]).status.success();
    }
    send_until_done(&dir);
    Some(Figures::compare(
        reference,
        &Received::read(sink.folder.path()),
        attempts,
    ))
}

/// A tmpfs of a given size, unmounted on drop.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, bytes: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        mounted.success().then(|| Tmpfs {
            path: path.to_path_buf(),
        })
    }

    /// Free bytes, as `df` reads them.
    fn available(&self) -> u64 {
        let output = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.lines().nth(1).unwrap().trim().parse().unwrap()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// The bytes of every file under a folder.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap())
                .map(|e| match e.file_type().unwrap().is_dir() {
                    true => size_of(&e.path()),
                    false => e.metadata().map_or(0, |m| m.len()),
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Seconds from the daemon's first start to its scheduled annual run.
const SCHEDULE_DELAY_SECONDS: u64 = 2;

/// Mode B: `serve` killed after `kill_after`, then started again until the annual run
/// is done and every file recorded, stopped, and `send` run until nothing is pending.
fn trial_serve(reference: &Reference, kill_after: Duration) -> Figures {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    schedule_soon(&city);
    let files = std::fs::read_dir(city.inbox()).unwrap().count();
    let mut attempts = 1;
    kill_at(spawn(city.path(), &["serve"]), kill_after);
    while !serve_done(city.path(), files) {
        attempts += 1;
        assert!(attempts <= 5, "serve never finished its work");
        let daemon = spawn(city.path(), &["serve"]);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !serve_done(city.path(), files) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        // A moment for the daemon's own delivery to finish.
        let drained = Instant::now() + Duration::from_secs(5);
        while pending(city.path()) > 0 && Instant::now() < drained {
            std::thread::sleep(Duration::from_millis(200));
        }
        stop(daemon);
    }
    let left_for_send = pending(city.path());
    send_until_done(city.path());
    Figures {
        left_for_send,
        ..Figures::compare(reference, &Received::read(sink.folder.path()), attempts)
    }
}

/// How long a daemon takes, clean, from its start until the annual run is done and its
/// mail delivered: the span the kills are spread over.
fn serve_life() -> Duration {
    let sink = SmtpSink::start();
    let city = TestCity::new(Some(sink.port));
    schedule_soon(&city);
    let files = std::fs::read_dir(city.inbox()).unwrap().count();
    let started = Instant::now();
    let daemon = spawn(city.path(), &["serve"]);
    let deadline = started + Duration::from_secs(120);
    while !(serve_done(city.path(), files) && pending(city.path()) == 0)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let life = started.elapsed();
    stop(daemon);
    life
}

/// Only the annual run, due a moment after now (Asia/Tokyo), once.
fn schedule_soon(city: &TestCity) {
    let tokyo = chrono::Utc::now() + chrono::Duration::hours(9);
    let at = tokyo + chrono::Duration::seconds(SCHEDULE_DELAY_SECONDS as i64);
    let cron = at.format("%-S %-M %-H %-d %-m *").to_string();
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let text: String = text
        .lines()
        .filter(|l| {
            !["reminders", "escalation", "digest"]
                .iter()
                .any(|job| l.starts_with(&format!("{job} =")))
        })
        .map(|l| {
            if l.starts_with("annual_run =") {
                format!("annual_run = \"{cron}\"\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(
        city.config_path(),
        text.replace("[paths]", "[paths]\ninbox_poll_seconds = 1"),
    )
    .unwrap();
    short_leases(city);
}

/// Short leases: a killed process's run and the copies it had claimed are taken over
/// within seconds by the next one, so a trial does not wait minutes.
fn short_leases(city: &TestCity) {
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let text = text
        .replace("timeout_seconds = 20", "timeout_seconds = 5")
        .replace("[schedule]", "[schedule]\nrun_lease_seconds = 6")
        .replace("[mail]\n", "[mail]\nlease_seconds = 8\n");
    std::fs::write(city.config_path(), text).unwrap();
}

/// Whether the daemon's work is done: the annual run closed in the ledger, and every
/// inbox file recorded.
fn serve_done(dir: &Path, files: usize) -> bool {
    let Some(mut db) = RawStore::try_of(&dir.join("hakusho.toml")) else {
        return false;
    };
    let mut count = |sql: &str| -> i64 { db.count_or_zero(sql) };
    count("SELECT COUNT(*) FROM job_runs WHERE job = 'annual_run' AND outcome = 'ok'") > 0
        && count("SELECT COUNT(*) FROM submissions") == files as i64
}

/// `hakusho send` until the outbox has nothing pending. A copy a killed process left
/// mid-send is taken up again once its claim lapses, so this waits between tries.
fn send_until_done(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let sent = run(dir, &["send"]);
        assert!(
            sent.status.success(),
            "{}",
            String::from_utf8_lossy(&sent.stderr)
        );
        if pending(dir) == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox still has pending copies after ten minutes of sends"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Copies not delivered yet (waiting, or left mid-send by a killed process).
fn pending(dir: &Path) -> i64 {
    let Some(mut db) = RawStore::try_of(&dir.join("hakusho.toml")) else {
        return 0;
    };
    db.count_or_zero("SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'sending')")
}

/// The binary under test: this build's, or another given by `HAKUSHO_CHAOS_BIN` (to
/// measure an older build with the same harness).
fn binary() -> PathBuf {
    std::env::var_os("HAKUSHO_CHAOS_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_hakusho")),
        PathBuf::from,
    )
}

/// The binary run to its end.
fn run(dir: &Path, args: &[&str]) -> Output {
    spawn(dir, args).wait_with_output().unwrap()
}

/// The binary in the background, with the configuration of the city in `dir`.
fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(binary())
        .args(args)
        .arg("--config")
        .arg(dir.join("hakusho.toml"))
        .env("SOURCE_DATE_EPOCH", BUILD_EPOCH)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGKILL after `delay` unless the process ended before; true when it ended by
/// itself with success.
fn kill_at(mut child: Child, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// SIGTERM, then wait for the daemon to stop.
fn stop(daemon: Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status();
    let output = daemon.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the daemon did not stop cleanly:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What the SMTP server received: for each logical message, the Message-ID of each copy.
struct Received {
    copies: BTreeMap<Logical, Vec<String>>,
}

impl Received {
    fn read(folder: &Path) -> Received {
        let mut copies: BTreeMap<Logical, Vec<String>> = BTreeMap::new();
        for entry in std::fs::read_dir(folder).unwrap() {
            let eml = entry.unwrap().path();
            if eml.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            let raw = std::fs::read(&eml).unwrap();
            let message = MessageParser::default().parse(&raw).unwrap();
            let subject = message.subject().unwrap_or_default().to_string();
            let id = message.message_id().unwrap_or_default().to_string();
            let rcpt = std::fs::read_to_string(eml.with_extension("rcpt")).unwrap();
            for recipient in rcpt.lines() {
                copies
                    .entry((recipient.to_string(), subject.clone()))
                    .or_default()
                    .push(id.clone());
            }
        }
        Received { copies }
    }

    fn total(&self) -> usize {
        self.copies.values().map(Vec::len).sum()
    }
}

fn trials() -> usize {
    std::env::var("HAKUSHO_CHAOS_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CI_TRIALS)
}

/// A small xorshift generator: the kill points, reproducible from a printed seed.
struct Random(u64);

impl Random {
    fn from_env() -> Random {
        let seed = std::env::var("HAKUSHO_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos();
                u64::from(nanos) ^ u64::from(std::process::id()) << 32
            })
            | 1;
        println!("HAKUSHO_CHAOS_SEED={seed}");
        Random(seed)
    }

    /// A duration spread evenly over `[0, limit)`.
    fn below(&mut self, limit: Duration) -> Duration {
        limit.mul_f64(self.fraction())
    }

    /// A number spread evenly over `[0, 1)`.
    fn fraction(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1_000_000) as f64 / 1_000_000.0
    }
}
