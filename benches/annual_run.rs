//! The annual run on the sample year, stage by stage: intake of the ten workbooks,
//! building every report, and the whole run to the outbox. Prints its figures.
//!
//! cargo bench --bench annual_run

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use hakusho::config::Config;
use hakusho::intake::{ingest_inbox, Intake};
use hakusho::job::{build_time, run_once, RunOptions};
use hakusho::plan::Plan;
use hakusho::report::{build_reports, Dataset, FontSet};
use hakusho::store::Store;

const ROUNDS: usize = 7;

fn main() -> anyhow::Result<()> {
    let city = common::TestCity::new(None);
    let config = Config::load(&city.config_path())?;
    let fonts = FontSet::load(&config.paths.fonts, &config.report.fonts)?;
    let plan = Plan::load(&config.paths.plan)?;

    let intake = median(|| {
        let db = tempfile::NamedTempFile::new().unwrap();
        let mut store = Store::open(db.path()).unwrap();
        let mut config = config.clone();
        config.paths.archive = city.path().join(format!("archive-{}", rand_suffix()));
        let start = Instant::now();
        ingest_inbox(
            Intake {
                config: &config,
                plan: &plan,
            },
            &mut store,
            "bench",
        )
        .unwrap();
        start.elapsed()
    });

    let mut store = Store::open(&config.paths.database)?;
    ingest_inbox(
        Intake {
            config: &config,
            plan: &plan,
        },
        &mut store,
        "bench",
    )?;
    let current = store.current_indicators(&config.city.code, config.fiscal_year())?;
    let dataset = Dataset::new(&config, &plan, current, build_time());
    let mut reports = Vec::new();
    let build = median(|| {
        let start = Instant::now();
        reports = build_reports(&dataset, &fonts).unwrap();
        start.elapsed()
    });

    let runtime = tokio::runtime::Runtime::new()?;
    let whole = median(|| {
        let start = Instant::now();
        runtime
            .block_on(run_once(&config, RunOptions::default()))
            .unwrap();
        start.elapsed()
    });

    let whole_pdf = reports
        .iter()
        .find(|r| r.file_name.ends_with("全庁.pdf"))
        .unwrap();
    let pages = count_pages(&whole_pdf.bytes);
    let all_pages: usize = reports.iter().map(|r| count_pages(&r.bytes)).sum();
    let total_bytes: usize = reports.iter().map(|r| r.bytes.len()).sum();
    println!(
        "annual run, sample FY2020 (10 workbooks, {} indicators), median of {ROUNDS}:",
        dataset.indicator_count()
    );
    println!("  intake of 10 workbooks ........ {:>8.1} ms", ms(intake));
    println!(
        "  font load ..................... {:>8.1} ms",
        ms(time(|| drop(FontSet::load(
            &config.paths.fonts,
            &config.report.fonts
        ))))
    );
    println!(
        "  build {} reports .............. {:>8.1} ms",
        reports.len(),
        ms(build)
    );
    println!("  whole run to the outbox ....... {:>8.1} ms", ms(whole));
    println!(
        "  consolidated PDF .............. {:>8} bytes, {pages} pages",
        whole_pdf.bytes.len()
    );
    println!(
        "  PDF pages per second .......... {:>8.1} ({all_pages} pages in all reports)",
        all_pages as f64 / build.as_secs_f64()
    );
    println!("  all reports ................... {:>8} bytes", total_bytes);
    println!(
        "  peak memory (VmHWM) ........... {:>8} kB",
        common::peak_rss_kb()
    );
    Ok(())
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..ROUNDS).map(|_| f()).collect();
    times.sort();
    times[ROUNDS / 2]
}

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Pages of a PDF written by printpdf: its page objects are `/Type/Page/`.
fn count_pages(pdf: &[u8]) -> usize {
    pdf.windows(b"/Type/Page/".len())
        .filter(|w| *w == b"/Type/Page/")
        .count()
}
