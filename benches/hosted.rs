//! The hosted case: N cities (200 by default), each with its ten department
//! submissions in its inbox and its annual run due now, all taken in and run by 1, 2
//! and 3 `hakusho serve` replicas on one PostgreSQL, mailing an SMTP server on
//! loopback; then the same work by one process on one SQLite file, as the reference.
//! Prints throughput (cities a minute, from the replicas' start until every run is
//! finished and every copy sent), each replica's peak memory (VmHWM, sampled), the
//! copies delivered and the duplicates (the same Message-ID to the same recipient:
//! must be 0), and the ratios to the reference.
//!
//! cargo bench --bench hosted
//!   HAKUSHO_BENCH_CITIES=20        fewer cities, for a quick run
//!   HAKUSHO_BENCH_REPLICAS=1,2,3   the replica counts measured on PostgreSQL
//!   HAKUSHO_BENCH_POSTGRES=URL     a running cluster (trust authentication, may
//!                                  CREATE DATABASE); else a throw-away one is started
//!                                  with scripts/pg_cluster.sh and removed after

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/replica_support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::hosting::{self, Backend, Hosting, Leases};
use support::PeakSampler;

/// The leases of a real deployment (the defaults), not the test's short ones.
const LEASES: Leases = Leases {
    run_seconds: 60,
    mail_seconds: 150,
};
/// When a configuration is given up (a hang, not a slow machine).
const GIVE_UP: Duration = Duration::from_secs(6 * 3600);

/// What one configuration did.
struct Figures {
    label: String,
    cities: usize,
    seconds: f64,
    peaks_kb: Vec<u64>,
    copies: usize,
    duplicates: usize,
}

impl Figures {
    fn cities_a_minute(&self) -> f64 {
        self.cities as f64 / self.seconds * 60.0
    }
}

fn main() {
    let cities = env_number("HAKUSHO_BENCH_CITIES", 200);
    let counts: Vec<usize> = std::env::var("HAKUSHO_BENCH_REPLICAS")
        .unwrap_or_else(|_| "1,2,3".into())
        .split(',')
        .map(|n| n.trim().parse().expect("HAKUSHO_BENCH_REPLICAS: 1,2,3"))
        .collect();
    let cluster = Cluster::given_or_started();
    let mut rows: Vec<Figures> = counts
        .iter()
        .map(|&n| {
            let label = format!("PostgreSQL, {n} replica(s)");
            measure(label, cities, n, |_| Backend::fresh_postgres(&cluster.url))
        })
        .collect();
    let sqlite = |dir: &Path| Backend::Sqlite(dir.join("hosted.sqlite3"));
    rows.push(measure(
        "SQLite, 1 process (reference)".into(),
        cities,
        1,
        sqlite,
    ));
    print_figures(&rows);
}

/// A whole number from the environment, or `default`.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

/// `replicas` serve processes doing the work of `cities` cities on `backend`.
fn measure(
    label: String,
    cities: usize,
    replicas: usize,
    backend: impl FnOnce(&Path) -> Backend,
) -> Figures {
    eprintln!("{label}: setting up {cities} cities…");
    let hosting = Hosting::new(cities, backend, LEASES);
    eprintln!("{label}: running…");
    let started = Instant::now();
    let mut running = hosting.start_replicas(replicas);
    let pids = running.pids();
    let sampler = PeakSampler::start(pids.clone());
    hosting.wait_until_done(&mut running, GIVE_UP);
    let seconds = started.elapsed().as_secs_f64();
    let peaks_kb = pids.iter().map(|&pid| sampler.peak_kb(pid)).collect();
    drop(sampler);
    assert!(
        running.stop(),
        "a replica did not stop cleanly:\n{}",
        hosting.logs()
    );
    let received = hosting.received();
    Figures {
        label,
        cities,
        seconds,
        peaks_kb,
        copies: received.len(),
        duplicates: hosting::duplicates(&received),
    }
}

fn print_figures(rows: &[Figures]) {
    let reference = rows.last().expect("the SQLite reference");
    println!(
        "hosted: {} cities x 10 department submissions, annual runs, loopback SMTP",
        reference.cities
    );
    for row in rows {
        let peaks: Vec<String> = row
            .peaks_kb
            .iter()
            .map(|kb| format!("{} MB", kb / 1024))
            .collect();
        println!("  {}:", row.label);
        println!(
            "    {:>8.1} cities/min ({:>6.1} s)  x{:.2} of SQLite",
            row.cities_a_minute(),
            row.seconds,
            row.cities_a_minute() / reference.cities_a_minute()
        );
        println!("    peak memory per replica: {}", peaks.join(", "));
        println!(
            "    copies delivered: {}, duplicates: {}",
            row.copies, row.duplicates
        );
    }
}

/// The PostgreSQL cluster the bench runs on: given, or started and removed after.
struct Cluster {
    url: String,
    /// The folder of a cluster this bench started (removed on drop).
    started: Option<String>,
}

impl Cluster {
    fn given_or_started() -> Cluster {
        if let Ok(url) = std::env::var("HAKUSHO_BENCH_POSTGRES") {
            return Cluster { url, started: None };
        }
        let folder = script(&["start"]);
        let url = script(&["url", &folder]);
        Cluster {
            url,
            started: Some(folder),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(folder) = &self.started {
            script(&["stop", folder]);
        }
    }
}

/// `scripts/pg_cluster.sh` with `args`: what it printed, trimmed.
fn script(args: &[&str]) -> String {
    let output = Command::new(common::repo().join("scripts/pg_cluster.sh"))
        .args(args)
        .output()
        .expect("scripts/pg_cluster.sh");
    assert!(
        output.status.success(),
        "scripts/pg_cluster.sh {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}
