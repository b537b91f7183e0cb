//! The reports built on several threads are the reports built on one: the same files
//! in the same order, the same bytes, the same problems told to the managers (a report
//! that fails, characters drawn as 〓 listed for the first report they are in), on the
//! sample year and on a year with such troubles, whatever the number of threads.

mod common;

use chrono::TimeZone;
use common::grid::Grid;
use common::{corrupt_a_finding_of, stdout_of, TestCity};
use hakusho::config::Config;
use hakusho::consolidate;
use hakusho::daemon::run::{reports_with, BuildOptions};
use hakusho::report::ReportFile;

/// Every report of the city's year built on `threads` threads: (file name, bytes) in
/// build order, and the problems listed for the managers.
fn build(city: &TestCity, threads: usize) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    build_with(city, threads, false)
}

/// [`build`], the PDFs sharing their font subsets or not.
fn build_with(
    city: &TestCity,
    threads: usize,
    shared_fonts: bool,
) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let config = Config::load(&city.config_path()).unwrap();
    let store = common::open_store(&config);
    let datasets = consolidate::read_from_store(&config, &store, config.fiscal_year()).unwrap();
    let built_at = chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(2021, 7, 1, 9, 0, 0)
        .unwrap();
    let options = BuildOptions {
        threads,
        shared_fonts,
        ..BuildOptions::default()
    };
    let (built, files) = reports_with(&config, datasets, built_at, &options).unwrap();
    let files = files
        .into_iter()
        .map(|f: ReportFile| (f.file_name, f.bytes));
    (files.collect(), built.problems)
}

/// Builds on 1, 2, 3 and 8 threads and compares each with the build on one.
/// `files`: how many files the build has.
fn same_on_any_number_of_threads(city: &TestCity, files: usize) -> Vec<String> {
    let (serial, problems) = build(city, 1);
    assert_eq!(serial.len(), files);
    for threads in [2, 3, 8] {
        let (parallel, parallel_problems) = build(city, threads);
        let names = |files: &[(String, Vec<u8>)]| -> Vec<String> {
            files.iter().map(|(name, _)| name.clone()).collect()
        };
        assert_eq!(names(&parallel), names(&serial), "{threads} threads: order");
        for ((name, a), (_, b)) in serial.iter().zip(&parallel) {
            assert!(a == b, "{name} differs on {threads} threads");
        }
        assert_eq!(parallel_problems, problems, "{threads} threads: problems");
    }
    problems
}

#[test]
fn the_sample_year_is_the_same_bytes_on_any_number_of_threads() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let problems = same_on_any_number_of_threads(&city, 26);
    assert!(problems.is_empty(), "{problems:?}");
}

/// Characters no font has in three departments (one of them in two) and a report
/// that fails: what is told, and in which order, does not depend on which thread
/// finished first.
#[test]
fn problems_are_told_in_the_same_order_on_any_number_of_threads() {
    let city = TestCity::new(None);
    put_character_in(&city, "企画部", "\u{E000}の提案😀で");
    put_character_in(&city, "教育部", "学校の😀の取組");
    put_character_in(&city, "健康福祉部", "\u{E001}による支援");
    stdout_of(&city.hakusho(&["run", "--once"]));
    corrupt_a_finding_of(&city, "市民部");
    let (_, problems) = build(&city, 1);
    let told = problems.join("\n");
    for expected in [
        "U+E000",
        "U+1F600",
        "U+E001",
        "市民部の報告書を作成できませんでした",
    ] {
        assert!(told.contains(expected), "{expected} not told: {told}");
    }
    assert_eq!(told.matches("U+1F600").count(), 3, "{told}");
    // 市民部's workbook and report are left out.
    assert_eq!(same_on_any_number_of_threads(&city, 24), problems);
}

/// Puts `text` at the start of the department's first 取組状況 narrative.
fn put_character_in(city: &TestCity, department: &str, text: &str) {
    let path = city.inbox().join(format!("令和2年度_{department}.xlsx"));
    let mut grid = Grid::read(&path);
    grid.text("取組状況", "C2", &format!("{text}。市民と協働して進めた。"));
    std::fs::write(&path, grid.to_xlsx()).unwrap();
}

/// With one font subset shared by every PDF of the build, each page draws the same
/// pixels as with its own subset (the glyphs renumbered right), on any number of
/// threads the same bytes, and the shared subset is the same font program in each.
#[test]
fn shared_font_subsets_draw_every_page_as_per_pdf_subsets_do() {
    let city = TestCity::new(None);
    put_character_in(&city, "企画部", "実施😀と实施");
    stdout_of(&city.hakusho(&["run", "--once"]));
    let (own, _) = build_with(&city, 1, false);
    let (shared, problems) = build_with(&city, 1, true);
    let (shared_parallel, parallel_problems) = build_with(&city, 3, true);
    assert!(shared == shared_parallel, "shared subsets on 3 threads");
    assert_eq!(problems, parallel_problems);
    let dir = tempfile::tempdir().unwrap();
    for ((name, own), (_, shared)) in own.iter().zip(&shared) {
        if name.ends_with(".pdf") {
            assert_eq!(
                pixels(dir.path(), own),
                pixels(dir.path(), shared),
                "{name}"
            );
        }
    }
}

/// Every page of a PDF rendered by poppler at 30 dpi, as one byte string per page.
fn pixels(dir: &std::path::Path, pdf: &[u8]) -> Vec<Vec<u8>> {
    let source = dir.join("page.pdf");
    std::fs::write(&source, pdf).unwrap();
    let _ = std::fs::remove_dir_all(dir.join("pages"));
    std::fs::create_dir_all(dir.join("pages")).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "30", "-gray"])
        .arg(&source)
        .arg(dir.join("pages/p"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir.join("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    pages.iter().map(|p| std::fs::read(p).unwrap()).collect()
}
