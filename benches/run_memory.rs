//! A run's memory against the number of files it takes in: the real binary's
//! `run --once` on an inbox of 50, then 500 workbooks (the samples rendered again, each
//! with its own bytes), its peak resident memory (VmHWM of the process itself, read
//! while it runs). A run keeps per file only the lines its summary prints, so the peak
//! must not grow with the files: the figure printed is the growth per 100 files.
//!
//! cargo bench --bench run_memory          (HAKUSHO_BENCH_FILES=50,500 by default;
//! HAKUSHO_BENCH_BIN=path measures another build of hakusho)

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/replica_support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::Instant;

/// One run measured: the files in its inbox, its wall time (s) and peak memory (kB).
struct Measured {
    files: usize,
    seconds: f64,
    peak_kb: u64,
}

fn main() {
    let sizes: Vec<usize> = std::env::var("HAKUSHO_BENCH_FILES")
        .unwrap_or_else(|_| "50,500".into())
        .split(',')
        .map(|n| n.trim().parse().expect("HAKUSHO_BENCH_FILES: 50,500"))
        .collect();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let workbooks = support::distinct_workbooks(largest);
    let measured: Vec<Measured> = sizes.iter().map(|&n| measure(&workbooks[..n])).collect();
    print_figures(&measured);
}

/// `run --once` on a fresh city whose inbox holds exactly `workbooks`.
fn measure(workbooks: &[(String, Vec<u8>)]) -> Measured {
    let city = common::TestCity::new(None);
    for entry in std::fs::read_dir(city.inbox()).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    for (name, bytes) in workbooks {
        std::fs::write(city.inbox().join(name), bytes).unwrap();
    }
    let started = Instant::now();
    // HAKUSHO_BENCH_BIN: another build of hakusho to measure (an earlier commit's).
    let binary = std::env::var("HAKUSHO_BENCH_BIN").unwrap_or(env!("CARGO_BIN_EXE_hakusho").into());
    let mut child = Command::new(binary)
        .args(["run", "--once", "--config"])
        .arg(city.config_path())
        .env("SOURCE_DATE_EPOCH", common::BUILD_EPOCH)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (status, peak_kb) = support::wait_with_peak(&mut child);
    assert!(
        status.success(),
        "run --once failed on {} files",
        workbooks.len()
    );
    Measured {
        files: workbooks.len(),
        seconds: started.elapsed().as_secs_f64(),
        peak_kb,
    }
}

fn print_figures(measured: &[Measured]) {
    println!("run --once, peak memory of the process (VmHWM) by files in the inbox:");
    for m in measured {
        println!(
            "  {:>5} files ........ {:>8} kB peak   {:>7.1} s   {:>6.1} files/s",
            m.files,
            m.peak_kb,
            m.seconds,
            m.files as f64 / m.seconds
        );
    }
    if let (Some(first), Some(last)) = (measured.first(), measured.last()) {
        if last.files > first.files {
            let grown = last.peak_kb as f64 - first.peak_kb as f64;
            let per_100 = grown / (last.files - first.files) as f64 * 100.0;
            println!(
                "  growth ............. {per_100:>8.1} kB per 100 files (was ~10,000 kB per 100 files when a run kept every file's content)"
            );
        }
    }
}
