//! The annual run on the sample year, stage by stage: intake of the ten workbooks,
//! building every report, and the whole run to the outbox. Prints its figures.
//!
//! cargo bench --bench annual_run

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use hakusho::app::App;
use hakusho::config::Config;
use hakusho::consolidate;
use hakusho::daemon::run::{build_all_reports, run_once, RunOptions};
use hakusho::domain::Clock;
use hakusho::intake::{ingest_inbox, Intake};
use hakusho::plan::Plan;
use hakusho::report::{Edition, FontSet, WhitePaperLabels};
use hakusho::store::Store;

const ROUNDS: usize = 7;

fn main() -> anyhow::Result<()> {
    let city = common::TestCity::new(None);
    let config = Config::load(&city.config_path())?;
    let app = App::new(config.clone(), Clock::system());
    let received_at = app.clock().tokyo();
    let fonts = FontSet::for_config(&config)?;
    let plan = Plan::load(&config.paths.plan)?;
    let coverage = hakusho::report::Coverage::for_config(&config)?;

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
                fonts: &coverage,
            },
            &mut store,
            received_at,
        )
        .unwrap();
        start.elapsed()
    });

    let mut store = Store::open(&config.paths.database)?;
    ingest_inbox(
        Intake {
            config: &config,
            plan: &plan,
            fonts: &coverage,
        },
        &mut store,
        received_at,
    )?;
    let built_at = app.build_time();
    let mut reports = Vec::new();
    let mut indicators = 0;
    let build = median(|| {
        let start = Instant::now();
        let (dataset, files) = build_all_reports(&config, &mut store, built_at).unwrap();
        indicators = dataset.indicator_count();
        reports = files;
        start.elapsed()
    });
    let datasets = consolidate::from_store(&config, &mut store, config.fiscal_year())?;
    let labels = WhitePaperLabels::load(&config.paths.templates)?;
    let mut white_paper = Vec::new();
    let edition = Edition::new(&datasets, &fonts, built_at)?;
    let white_paper_time = median(|| {
        let start = Instant::now();
        white_paper = hakusho::report::white_paper_file(&datasets, &labels, &edition)
            .unwrap()
            .bytes;
        start.elapsed()
    });
    let libreoffice = libreoffice_conversion(&city, &reports);

    let runtime = tokio::runtime::Runtime::new()?;
    let whole = median(|| {
        let start = Instant::now();
        runtime
            .block_on(run_once(&app, RunOptions::default()))
            .unwrap();
        start.elapsed()
    });

    let white_paper_pages = count_pages(&white_paper);
    let all_pages: usize = reports.iter().map(|r| count_pages(&r.bytes)).sum();
    let total_bytes: usize = reports.iter().map(|r| r.bytes.len()).sum();
    println!(
        "annual run, sample FY2020 (10 workbooks, {indicators} indicators), median of {ROUNDS}:"
    );
    println!("  intake of 10 workbooks ........ {:>8.1} ms", ms(intake));
    println!(
        "  build all {} reports .......... {:>8.1} ms  ({all_pages} PDF pages, {:.0} pages/s)",
        reports.len(),
        ms(build),
        all_pages as f64 / build.as_secs_f64()
    );
    println!("  white paper alone ............. {:>8.1} ms  ({white_paper_pages} pages, {:.0} pages/s, {} bytes)", ms(white_paper_time), white_paper_pages as f64 / white_paper_time.as_secs_f64(), white_paper.len());
    match libreoffice {
        Ok(lo) => println!(
            "  LibreOffice xlsx -> PDF ....... {:>8.1} ms  (the whole-city workbook; white paper is {:.0}x faster, target 20x)",
            ms(lo),
            lo.as_secs_f64() / white_paper_time.as_secs_f64()
        ),
        Err(why) => println!("  LibreOffice xlsx -> PDF ....... not measured ({why})"),
    }
    println!("  whole run to the outbox ....... {:>8.1} ms", ms(whole));
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// LibreOffice headless converting the whole-city workbook to PDF, once.
fn libreoffice_conversion(
    city: &common::TestCity,
    reports: &[hakusho::report::ReportFile],
) -> Result<Duration, String> {
    let workbook = reports
        .iter()
        .find(|r| r.file_name.ends_with("白書データ_全庁.xlsx"))
        .ok_or("no whole-city workbook among the reports")?;
    let source = city.path().join("lo-source.xlsx");
    std::fs::write(&source, &workbook.bytes).map_err(|e| e.to_string())?;
    let profile = city.path().join("lo-profile");
    let start = Instant::now();
    let status = std::process::Command::new("soffice")
        .arg("--headless")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--convert-to", "pdf", "--outdir"])
        .arg(city.path())
        .arg(&source)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("soffice: {e}"))?;
    if status.success() {
        Ok(start.elapsed())
    } else {
        Err(format!("soffice failed: {status}"))
    }
}

/// Pages of a PDF written by printpdf: its page objects are `/Type/Page/`.
fn count_pages(pdf: &[u8]) -> usize {
    pdf.windows(b"/Type/Page/".len())
        .filter(|w| *w == b"/Type/Page/")
        .count()
}
