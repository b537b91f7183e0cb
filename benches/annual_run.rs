//! The annual run on the sample year, stage by stage: intake of the ten workbooks,
//! building every report, and the whole run to the outbox. Prints its figures, and the
//! ratios of the report build's choices measured in the same run: the PDFs' zlib level
//! (printpdf's 9 against the default 6), font subsets shared by the build's PDFs against
//! one per PDF, and the reports built on every core against one.
//!
//! cargo bench --bench annual_run

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use hakusho::app::App;
use hakusho::config::Config;
use hakusho::consolidate;
use hakusho::daemon::run::{build_all_reports, reports_with, run_once, BuildOptions, RunOptions};
use hakusho::domain::Clock;
use hakusho::intake::{ingest_inbox, Intake};
use hakusho::plan::Plan;
use hakusho::report::{Edition, FontSet, WhitePaperLabels};
use hakusho::store::Store;

const ROUNDS: usize = 9;

/// What the bench measured, printed at the end.
struct Figures {
    indicators: usize,
    intake: Duration,
    build: Duration,
    reports: Vec<hakusho::report::ReportFile>,
    white_paper: Vec<u8>,
    white_paper_time: Duration,
    libreoffice: Result<Duration, String>,
    whole: Duration,
}

fn main() -> anyhow::Result<()> {
    let city = common::TestCity::new(None);
    let config = Config::load(&city.config_path())?;
    let app = App::new(config.clone(), Clock::system());
    let plan = Plan::load(&config.paths.plan)?;
    let coverage = hakusho::report::Coverage::for_config(&config)?;
    let intake = Intake {
        config: &config,
        plan: &plan,
        fonts: &coverage,
        earlier: &hakusho::store::NO_EARLIER_FIGURES,
        upload: None,
    };
    let intake_time = time_intake(&city, intake, &app);
    let mut store = Store::open(&config.paths.database)?;
    ingest_inbox(intake, &mut store, app.clock().tokyo())?;
    let (indicators, build, reports) = time_build(&config, &mut store, &app);
    let (white_paper, white_paper_time) = time_white_paper(&config, &mut store, &app)?;
    let choices = time_choices(&config, &mut store, &app)?;
    let libreoffice = libreoffice_conversion(&city, &reports);
    let runtime = tokio::runtime::Runtime::new()?;
    let whole = median(|| {
        let start = Instant::now();
        runtime
            .block_on(run_once(&app, RunOptions::default()))
            .unwrap();
        start.elapsed()
    });
    print_figures(&Figures {
        indicators,
        intake: intake_time,
        build,
        reports,
        white_paper,
        white_paper_time,
        libreoffice,
        whole,
    });
    print_choices(&choices);
    Ok(())
}

/// The build's choices, one after the other from printpdf's way to ours: each with
/// the median time of every report's build and the PDFs' total size.
fn time_choices(
    config: &Config,
    store: &mut Store,
    app: &App,
) -> anyhow::Result<Vec<(&'static str, Duration, usize)>> {
    let datasets = consolidate::from_store(config, store, config.fiscal_year())?;
    let choices = build_choices();
    let built_at = app.build_time();
    // Round by round, each choice once, so that a busy spell of the machine falls on
    // all of them alike; then each choice's median.
    let mut times = vec![Vec::new(); choices.len()];
    let mut sizes = vec![0; choices.len()];
    for _ in 0..ROUNDS {
        for (i, (_, options)) in choices.iter().enumerate() {
            let start = Instant::now();
            let (_, files) = reports_with(config, datasets.clone(), built_at, options)?;
            times[i].push(start.elapsed());
            sizes[i] = pdf_bytes(&files);
        }
    }
    let figures = choices.iter().zip(times).zip(sizes);
    Ok(figures
        .map(|(((label, _), mut times), size)| {
            times.sort();
            (*label, times[ROUNDS / 2], size)
        })
        .collect())
}

/// The build's choices, in the order print_choices reads them.
fn build_choices() -> [(&'static str, BuildOptions); 7] {
    let cores = BuildOptions::default().threads;
    let before = BuildOptions {
        threads: 1,
        deflate_level: hakusho::report::PRINTPDF_DEFLATE_LEVEL,
        shared_fonts: false,
    };
    let level_6 = BuildOptions {
        deflate_level: hakusho::report::DEFAULT_DEFLATE_LEVEL,
        ..before
    };
    let shared = BuildOptions {
        shared_fonts: true,
        ..level_6
    };
    let parallel = BuildOptions {
        threads: cores,
        ..shared
    };
    let per_pdf_parallel = BuildOptions {
        shared_fonts: false,
        ..parallel
    };
    let level = |deflate_level| BuildOptions {
        deflate_level,
        ..level_6
    };
    // In this order: print_choices reads them by position.
    [
        ("level 9, per-PDF subsets, 1 thread", before),
        ("level 6, per-PDF subsets, 1 thread", level_6),
        ("level 6, shared subsets, 1 thread", shared),
        ("level 6, per-PDF subsets, all cores", per_pdf_parallel),
        ("level 6, shared subsets, all cores", parallel),
        ("level 1, per-PDF subsets, 1 thread", level(1)),
        ("level 3, per-PDF subsets, 1 thread", level(3)),
    ]
}

fn pdf_bytes(files: &[hakusho::report::ReportFile]) -> usize {
    let pdfs = files.iter().filter(|f| f.file_name.ends_with(".pdf"));
    pdfs.map(|f| f.bytes.len()).sum()
}

/// Each choice's time and size, then the ratios: each choice against the one it
/// differs from in one respect, and the build as it is now against printpdf's way.
fn print_choices(choices: &[(&str, Duration, usize)]) {
    let cores = BuildOptions::default().threads;
    println!("every report built, median of {ROUNDS} ({cores} cores):");
    for (label, time, size) in choices {
        println!("  {label:<38} {:>8.1} ms {size:>9} PDF bytes", ms(*time));
    }
    let ratio = |what: &str, new: usize, old: usize| {
        let ((_, t1, s1), (_, t0, s0)) = (choices[new], choices[old]);
        println!(
            "  {what:<38} time x{:.2}, size x{:.4}",
            t1.as_secs_f64() / t0.as_secs_f64(),
            s1 as f64 / s0 as f64
        );
    };
    ratio("zlib level 6 / level 9", 1, 0);
    ratio("zlib level 3 / level 6", 6, 1);
    ratio("zlib level 1 / level 6", 5, 1);
    ratio("shared subsets / per-PDF subsets", 2, 1);
    ratio("all cores / one thread", 3, 1);
    ratio("now (line 4) / printpdf's way (line 1)", 3, 0);
}

/// Intake of the ten workbooks into a fresh store and archive each round.
fn time_intake(city: &common::TestCity, intake: Intake, app: &App) -> Duration {
    median(|| {
        let db = tempfile::NamedTempFile::new().unwrap();
        let mut store = Store::open(db.path()).unwrap();
        let mut config = intake.config.clone();
        config.paths.archive = city.path().join(format!("archive-{}", rand_suffix()));
        let start = Instant::now();
        let intake = Intake {
            config: &config,
            ..intake
        };
        ingest_inbox(intake, &mut store, app.clock().tokyo()).unwrap();
        start.elapsed()
    })
}

/// Every report built from the store: the indicators counted, the time, the files.
fn time_build(
    config: &Config,
    store: &mut Store,
    app: &App,
) -> (usize, Duration, Vec<hakusho::report::ReportFile>) {
    let built_at = app.build_time();
    let (mut indicators, mut reports) = (0, Vec::new());
    let build = median(|| {
        let start = Instant::now();
        let (dataset, files) = build_all_reports(config, store, built_at).unwrap();
        indicators = dataset.indicator_count();
        reports = files;
        start.elapsed()
    });
    (indicators, build, reports)
}

/// The white paper alone: its bytes and the time.
fn time_white_paper(
    config: &Config,
    store: &mut Store,
    app: &App,
) -> anyhow::Result<(Vec<u8>, Duration)> {
    let fonts = FontSet::for_config(config)?;
    let datasets = consolidate::from_store(config, store, config.fiscal_year())?;
    let labels = WhitePaperLabels::load(&config.paths.templates)?;
    let edition = Edition::new(&datasets, &fonts, app.build_time())?;
    let mut white_paper = Vec::new();
    let time = median(|| {
        let start = Instant::now();
        white_paper = hakusho::report::white_paper_file(&datasets, &labels, &edition)
            .unwrap()
            .bytes;
        start.elapsed()
    });
    Ok((white_paper, time))
}

fn print_figures(f: &Figures) {
    let white_paper_pages = count_pages(&f.white_paper);
    let all_pages: usize = f.reports.iter().map(|r| count_pages(&r.bytes)).sum();
    let total_bytes: usize = f.reports.iter().map(|r| r.bytes.len()).sum();
    println!(
        "annual run, sample FY2020 (10 workbooks, {} indicators), median of {ROUNDS}:",
        f.indicators
    );
    println!("  intake of 10 workbooks ........ {:>8.1} ms", ms(f.intake));
    println!(
        "  build all {} reports .......... {:>8.1} ms  ({all_pages} PDF pages, {:.0} pages/s)",
        f.reports.len(),
        ms(f.build),
        all_pages as f64 / f.build.as_secs_f64()
    );
    println!("  white paper alone ............. {:>8.1} ms  ({white_paper_pages} pages, {:.0} pages/s, {} bytes)", ms(f.white_paper_time), white_paper_pages as f64 / f.white_paper_time.as_secs_f64(), f.white_paper.len());
    match &f.libreoffice {
        Ok(lo) => println!(
            "  LibreOffice xlsx -> PDF ....... {:>8.1} ms  (the whole-city workbook; white paper is {:.0}x faster, target 20x)",
            ms(*lo),
            lo.as_secs_f64() / f.white_paper_time.as_secs_f64()
        ),
        Err(why) => println!("  LibreOffice xlsx -> PDF ....... not measured ({why})"),
    }
    println!("  whole run to the outbox ....... {:>8.1} ms", ms(f.whole));
    println!("  all reports ................... {:>8} bytes", total_bytes);
    println!(
        "  peak memory (VmHWM) ........... {:>8} kB",
        common::peak_rss_kb()
    );
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
