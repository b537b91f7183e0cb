//! A city of twenty departments, as many cities have: the sample city with each of its
//! ten departments twinned (「第二企画部」 beside 「企画部」, the same sections and priority
//! projects). Every report is written and mailed, and the newsletter, which no longer
//! fits on one page, goes on to the next and prints every project.

mod common;

use std::path::{Path, PathBuf};

use common::grid::Grid;
use common::{compact, pdf_text_compact, repo, stdout_of, TestCity, DEPARTMENTS};

/// The sheets a twin copies from its department: its profile and its priority projects.
const COPIED_SHEETS: [&str; 2] = ["部の運営方針", "主要事業"];

fn twin(department: &str) -> String {
    format!("第二{department}")
}

/// Every department of the doubled city, the sample's first.
fn all_departments() -> Vec<String> {
    let twins = DEPARTMENTS.iter().map(|d| twin(d));
    DEPARTMENTS
        .iter()
        .map(|d| d.to_string())
        .chain(twins)
        .collect()
}

/// The sample configuration with a twin after the last department, for each one.
fn doubled_config(city: &TestCity) {
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let config: toml::Value = toml::from_str(&text).unwrap();
    let mut twins = String::new();
    for (n, department) in config["departments"].as_array().unwrap().iter().enumerate() {
        let name = twin(department["name"].as_str().unwrap());
        let sections = department["sections"].to_string();
        twins.push_str(&format!(
            "\n[[departments]]\nname = \"{name}\"\nsections = {sections}\nrecipients = [\"{name} <twin-{n}@mitaka.example>\"]\n"
        ));
    }
    std::fs::write(city.config_path(), format!("{text}\n{twins}")).unwrap();
}

/// Each twin's workbook: its own template, with its department's profile and projects.
fn twin_workbooks(city: &TestCity) {
    let templates = city.path().join("templates-out");
    let out = templates.to_str().unwrap();
    stdout_of(&city.hakusho(&["template", "--fiscal-year", "令和2年度", "--out", out]));
    for department in DEPARTMENTS {
        let name = twin(department);
        let mut workbook = Grid::read(&templates.join(format!("令和2年度_{name}_提出用.xlsx")));
        let sample = Grid::read(&city.inbox().join(format!("令和2年度_{department}.xlsx")));
        for sheet in COPIED_SHEETS {
            let rows = sample
                .sheets
                .iter()
                .find(|(n, _)| n == sheet)
                .unwrap()
                .1
                .clone();
            workbook.drop_sheet(sheet).add_sheet(sheet, rows);
        }
        let path = city.inbox().join(format!("令和2年度_{name}.xlsx"));
        std::fs::write(path, workbook.to_xlsx()).unwrap();
    }
}

fn doubled_city() -> (TestCity, String) {
    let city = TestCity::new(None);
    doubled_config(&city);
    twin_workbooks(&city);
    let output = city.hakusho(&["run", "--once"]);
    let stdout = stdout_of(&output);
    assert_eq!(output.status.code(), Some(0));
    (city, stdout)
}

fn reports(city: &TestCity) -> PathBuf {
    city.path().join("reports/令和2年度")
}

/// The priority projects of a department as its sample workbook numbers them (①…).
fn projects_of(department: &str) -> Vec<String> {
    let path = repo().join(format!("data/inbox/令和2年度_{department}.xlsx"));
    let sample = Grid::read(&path);
    let rows = &sample
        .sheets
        .iter()
        .find(|(n, _)| n == "主要事業")
        .unwrap()
        .1;
    rows.iter()
        .filter_map(|row| match (row.first(), row.get(1)) {
            (Some(common::grid::Cell::Text(n)), Some(common::grid::Cell::Text(t)))
                if n.chars().count() == 1 && !t.trim().is_empty() =>
            {
                Some(format!("{n}{t}"))
            }
            _ => None,
        })
        .collect()
}

fn pages(pdf: &Path) -> Vec<String> {
    let output = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(compact).collect();
    pages.retain(|p| !p.is_empty());
    pages
}

/// The newsletter's continuation mark, as the shipped texts write it.
fn continued_mark() -> String {
    let path = repo().join("templates/report/newsletter.toml");
    let texts: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    compact(texts["continued"].as_str().unwrap())
}

#[test]
fn twenty_departments_get_every_report_written_and_mailed() {
    let (city, stdout) = doubled_city();
    let dir = reports(&city);
    let whole = [
        "自治体経営白書.pdf",
        "管理者向け要約.pdf",
        "各部の運営方針と目標.pdf",
        "広報紙_各部の運営方針と目標.pdf",
        "白書データ_全庁.xlsx",
        "目標指標_全庁.pdf",
    ];
    let own = all_departments()
        .into_iter()
        .flat_map(|d| [format!("白書データ_{d}.xlsx"), format!("{d}_報告書.pdf")]);
    for file in whole.iter().map(|f| f.to_string()).chain(own) {
        let path = dir.join(format!("令和2年度_{file}"));
        assert!(path.is_file(), "{file} was not written:\n{stdout}");
    }
    for department in all_departments() {
        let mailed = format!("目標指標の集計結果（{department}） (添付 2 件)");
        assert!(
            stdout.contains(&mailed),
            "{department} not mailed:\n{stdout}"
        );
    }
    assert!(
        stdout.contains(&format!("全庁集計 (添付 {} 件)", whole.len())),
        "{stdout}"
    );
    assert!(!stdout.contains("作成できませんでした"), "{stdout}");
}

#[test]
fn the_newsletter_goes_on_to_further_pages_with_every_project() {
    let (city, _) = doubled_city();
    let newsletter = reports(&city).join("令和2年度_広報紙_各部の運営方針と目標.pdf");
    let text = pdf_text_compact(&newsletter);
    for department in all_departments() {
        assert!(text.contains(&department), "{department}");
    }
    // A twin has its department's projects: each is printed once for each of the two.
    for department in DEPARTMENTS {
        let projects = projects_of(department);
        assert!(!projects.is_empty(), "{department} has priority projects");
        for project in projects {
            let printed = text.matches(&compact(&project)).count();
            assert!(
                printed >= 2,
                "{department}: {project} printed {printed} times"
            );
        }
    }
    let pages = pages(&newsletter);
    assert!(pages.len() > 1, "twenty departments do not fit on one page");
    let mark = continued_mark();
    let (last, earlier) = pages.split_last().unwrap();
    for page in earlier {
        assert!(page.contains(&mark), "a page that goes on says so: {page}");
    }
    assert!(!last.contains(&mark), "the last page goes on nowhere");
}
