//! Intake of 1,000 submission workbooks (made from the ten samples, each with its own
//! bytes) next to raw calamine reading every cell of the same files, in one run.
//! Targets: intake in this process within 1.5x of raw calamine; the isolated intake
//! the service uses (each file parsed in a child process with limits) adds under 10 ms
//! a file, which is one process start: a city's few dozen files stay well under a
//! second.
//!
//! cargo bench --bench intake

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use calamine::{open_workbook_auto_from_rs, Data, Reader};
use hakusho::config::Config;
use hakusho::intake::{ingest_file, inspect, read_bytes, read_submission, Intake, Limits};
use hakusho::plan::Plan;
use hakusho::store::Store;
use hakusho::template::guide_text;
use hakusho::workbook::{write_workbook, Render};

const WORKBOOKS: usize = 1000;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("data/hakusho.toml"))?;
    let plan = Plan::load(&config.paths.plan)?;
    let coverage = hakusho::report::Coverage::for_config(&config)?;
    let intake = Intake {
        config: &config,
        plan: &plan,
        fonts: &coverage,
        earlier: &hakusho::store::NO_EARLIER_FIGURES,
        upload: None,
    };
    let corpus = make_corpus(&config, &plan, intake)?;
    let bytes_total: usize = corpus.iter().map(Vec::len).sum();

    let readers = time_readers(&corpus, intake);
    let start = Instant::now();
    let refused = corpus
        .iter()
        .filter(|b| inspect(b, &Limits::default()).refusal.is_some())
        .count();
    let guard = start.elapsed();
    assert_eq!(refused, 0);
    let stored = time_store(&config, intake, &corpus)?;
    print_figures(&readers, bytes_total, guard, stored);
    Ok(())
}

/// Each reader's best of three rounds over the corpus, alternating them.
struct Readers {
    /// Raw calamine reading every cell.
    raw: Duration,
    /// Intake in this process, with all its checks.
    ours: Duration,
    /// Intake in the sandboxed child, as the service runs it.
    isolated: Duration,
    /// The cells raw calamine read.
    cells: usize,
}

fn time_readers(corpus: &[Vec<u8>], intake: Intake) -> Readers {
    let (config, plan, coverage) = (intake.config, intake.plan, intake.fonts);
    let mut best = Readers {
        raw: Duration::MAX,
        ours: Duration::MAX,
        isolated: Duration::MAX,
        cells: 0,
    };
    for _ in 0..3 {
        let start = Instant::now();
        best.cells = corpus.iter().map(|b| raw_calamine(b)).sum::<usize>();
        best.raw = best.raw.min(start.elapsed());
        let start = Instant::now();
        let accepted = corpus
            .iter()
            .filter(|b| read_submission(b, config, plan, coverage).is_acceptable())
            .count();
        best.ours = best.ours.min(start.elapsed());
        assert_eq!(accepted, WORKBOOKS);
        let start = Instant::now();
        let accepted = corpus
            .iter()
            .filter(|b| read_bytes(b, "", intake).unwrap().is_acceptable())
            .count();
        best.isolated = best.isolated.min(start.elapsed());
        assert_eq!(accepted, WORKBOOKS);
    }
    best
}

fn print_figures(r: &Readers, bytes_total: usize, guard: Duration, stored: Duration) {
    let (raw, ours, isolated, cells) = (r.raw, r.ours, r.isolated, r.cells);
    println!(
        "intake of {WORKBOOKS} submission workbooks ({:.1} MB, {cells} cells), best of 3:",
        bytes_total as f64 / 1e6
    );
    println!(
        "  raw calamine, every cell ........ {:>8.3} s  {:>7.0} workbooks/s",
        raw.as_secs_f64(),
        WORKBOOKS as f64 / raw.as_secs_f64()
    );
    println!(
        "  intake in process (all checks) .. {:>8.3} s  {:>7.0} workbooks/s",
        ours.as_secs_f64(),
        WORKBOOKS as f64 / ours.as_secs_f64()
    );
    println!(
        "  ratio intake / raw .............. {:>8.2} x  (target <= 1.5)",
        ours.as_secs_f64() / raw.as_secs_f64()
    );
    println!(
        "  isolated intake (child process) . {:>8.3} s  {:>7.0} workbooks/s",
        isolated.as_secs_f64(),
        WORKBOOKS as f64 / isolated.as_secs_f64()
    );
    println!(
        "  isolation cost per file ......... {:>8.2} ms (target < 10)",
        (isolated.as_secs_f64() - ours.as_secs_f64()) * 1000.0 / WORKBOOKS as f64
    );
    println!(
        "  of which the zip guard .......... {:>8.3} s",
        guard.as_secs_f64()
    );
    println!(
        "  with archive + SQLite store ..... {:>8.3} s  {:>7.0} workbooks/s",
        stored.as_secs_f64(),
        WORKBOOKS as f64 / stored.as_secs_f64()
    );
    println!(
        "  peak memory (VmHWM) ............. {:>8} kB",
        common::peak_rss_kb()
    );
}

/// 1,000 workbooks: the ten samples rendered again, each with its own submitter.
fn make_corpus(config: &Config, plan: &Plan, intake: Intake) -> anyhow::Result<Vec<Vec<u8>>> {
    let guide = guide_text(config)?;
    let samples: Vec<_> = config
        .departments
        .iter()
        .map(|d| {
            let path = config
                .paths
                .inbox
                .join(format!("{}_{}.xlsx", config.fiscal_year(), d.name));
            let content = read_bytes(&std::fs::read(path).unwrap(), "", intake)
                .unwrap()
                .content
                .unwrap();
            (d, content)
        })
        .collect();
    (0..WORKBOOKS)
        .map(|i| {
            let (department, content) = &samples[i % samples.len()];
            let mut content = content.clone();
            content.submitter = format!("担当者{i:04}");
            let render = Render {
                plan,
                fiscal_year: config.fiscal_year(),
                sections: &department.sections,
                created: 0,
                findings: &[],
                guide: &guide,
            };
            Ok(write_workbook(&content, &render)?)
        })
        .collect()
}

/// What calamine alone costs: open, then touch every cell of every sheet.
fn raw_calamine(bytes: &[u8]) -> usize {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    let mut cells = 0;
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).unwrap();
        cells += range
            .used_cells()
            .filter(|(_, _, d)| !matches!(d, Data::Empty))
            .count();
    }
    cells
}

/// The whole path a file takes: archive, read, check, store.
fn time_store(config: &Config, intake: Intake, corpus: &[Vec<u8>]) -> anyhow::Result<Duration> {
    let dir = tempfile::tempdir()?;
    let mut config = config.clone();
    config.paths.archive = dir.path().join("archive");
    let mut store = Store::open(&dir.path().join("bench.sqlite3"))?;
    let files: Vec<_> = corpus
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let path = dir.path().join(format!("{i:04}.xlsx"));
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    let intake = Intake {
        config: &config,
        ..intake
    };
    let received_at = hakusho::domain::Clock::system().tokyo();
    let start = Instant::now();
    for path in &files {
        ingest_file(path, intake, &mut store, received_at)?;
    }
    Ok(start.elapsed())
}
