//! The white paper as a reader gets it: pdftotext finds every indicator, KPI and
//! action-plan item of the sample year; every page rendered has ink on it; no word
//! lies outside its page; it stays under 2 MB.

mod common;

use std::path::Path;
use std::process::Command;

use common::{compact, pdf_text_compact, repo, sample_indicators, stdout_of, TestCity};

fn white_paper() -> (TestCity, std::path::PathBuf) {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let path = city
        .path()
        .join("reports/令和2年度/令和2年度_自治体経営白書.pdf");
    (city, path)
}

fn seed(name: &str) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(repo().join("data/seed/fy2020").join(name)).unwrap())
        .unwrap()
}

#[test]
fn every_indicator_kpi_and_action_plan_item_is_in_the_text() {
    let (_city, path) = white_paper();
    let text = pdf_text_compact(&path);
    assert!(text.contains(&compact("三鷹市自治体経営白書 2021")));
    for (_, name, cells) in sample_indicators() {
        assert!(text.contains(&compact(&name)), "indicator {name}");
        for cell in cells {
            assert!(text.contains(&compact(&cell)), "{cell} of {name}");
        }
    }
    for goal in seed("strategy.toml")["goals"].as_array().unwrap() {
        for kpi in goal["kpis"].as_array().unwrap() {
            assert!(
                text.contains(&compact(kpi["name"].as_str().unwrap())),
                "KPI {}",
                kpi["name"]
            );
            assert!(
                text.contains(&compact(kpi["actual"].as_str().unwrap())),
                "KPI value {}",
                kpi["actual"]
            );
        }
    }
    for item in seed("action_plan.toml")["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        assert!(
            text.contains(&compact(&format!(
                "{id}　{}",
                if item["major"].as_bool().unwrap() {
                    "【主要】"
                } else {
                    ""
                }
            ))),
            "item {id}"
        );
        assert!(
            text.contains(&compact(item["title"].as_str().unwrap())),
            "title of {id}"
        );
    }
    // The sample corrects the published white paper's simplified 实 (drawing a 实 with the
    // fallback font is tested in src/report/pdf/page.rs and tests/intake.rs).
    assert!(text.contains("工事実施設計業務"));
    assert!(std::fs::metadata(&path).unwrap().len() < 2_000_000);
}

#[test]
fn every_page_has_ink_and_no_word_leaves_its_page() {
    let (city, path) = white_paper();
    let prefix = city.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "20"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let mut pages = 0;
    for entry in std::fs::read_dir(city.path()).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_some_and(|e| e == "pgm") {
            pages += 1;
            assert!(dark_pixels(&file) > 20, "{} is blank", file.display());
        }
    }
    assert!(pages > 30, "{pages} pages");
    for (page, (width, height), word) in word_boxes(&path) {
        let (x0, y0, x1, y1) = word;
        assert!(
            x0 >= 0.0 && y0 >= 0.0 && x1 <= width && y1 <= height,
            "page {page}: a word at {word:?} leaves the page"
        );
        assert!(
            x0 >= 30.0 && x1 <= width - 30.0,
            "page {page}: a word at {word:?} runs into the margin"
        );
    }
}

/// Pixels darker than light grey in a binary PGM.
fn dark_pixels(pgm: &Path) -> usize {
    let bytes = std::fs::read(pgm).unwrap();
    // Header: P5, width, height, maxval, each followed by white space.
    let mut fields = 0;
    let mut start = 0;
    let mut in_token = false;
    for (i, b) in bytes.iter().enumerate() {
        if b.is_ascii_whitespace() {
            if in_token {
                fields += 1;
                in_token = false;
                if fields == 4 {
                    start = i + 1;
                    break;
                }
            }
        } else {
            in_token = true;
        }
    }
    bytes[start..].iter().filter(|b| **b < 160).count()
}

/// A word on a page: page number, page size, and the word's box (x0, y0, x1, y1).
type WordBox = (usize, (f64, f64), (f64, f64, f64, f64));

/// Each word's box from `pdftotext -bbox`, with its page size.
fn word_boxes(pdf: &Path) -> Vec<WordBox> {
    let output = Command::new("pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(output.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = tag.find(&key).unwrap() + key.len();
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut boxes = Vec::new();
    let mut page = (0, (0.0, 0.0));
    for tag in html.split('<') {
        if tag.starts_with("page ") {
            page = (page.0 + 1, (attr(tag, "width"), attr(tag, "height")));
        } else if tag.starts_with("word ") {
            boxes.push((
                page.0,
                page.1,
                (
                    attr(tag, "xMin"),
                    attr(tag, "yMin"),
                    attr(tag, "xMax"),
                    attr(tag, "yMax"),
                ),
            ));
        }
    }
    assert!(boxes.len() > 1000);
    boxes
}

#[test]
fn the_newsletter_page_holds_every_priority_project_on_one_page_and_the_booklet_prints_dashes() {
    let (city, _) = white_paper();
    let reports = city.path().join("reports/令和2年度");
    let newsletter = reports.join("令和2年度_広報紙_各部の運営方針と目標.pdf");
    let text = pdf_text_compact(&newsletter);
    assert!(text.contains(&compact("「各部の運営方針と目標」を策定しました")));
    for department in seed("department_plans.toml")["departments"]
        .as_array()
        .unwrap()
    {
        assert!(text.contains(department["name"].as_str().unwrap()));
        for (i, project) in department["priority_projects"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let numbered = format!(
                "{}{}",
                ["①", "②", "③", "④", "⑤", "⑥"][i],
                project.as_str().unwrap()
            );
            assert!(text.contains(&compact(&numbered)), "{numbered}");
        }
    }
    assert_eq!(pages(&newsletter), 1);
    let booklet = pdf_text_compact(&reports.join("令和2年度_各部の運営方針と目標.pdf"));
    // The sample year gives no staff count or budget: they print as —, not as a gap.
    assert!(booklet.contains("職員数—"), "staff count prints as —");
    assert!(booklet.contains("予算規模—"));
    assert!(booklet.contains("新たな参加と協働の仕組みづくり"));
}

#[test]
fn the_manager_summary_gives_every_department_and_the_findings_on_two_pages_at_most() {
    let (city, _) = white_paper();
    let summary = city
        .path()
        .join("reports/令和2年度/令和2年度_管理者向け要約.pdf");
    let text = pdf_text_compact(&summary);
    for department in common::DEPARTMENTS {
        assert!(text.contains(department), "{department}");
    }
    assert!(text.contains("受理(要確認)"));
    assert!(
        text.contains(&compact("英語版ホームページのアクセス件数")),
        "an indicator off target"
    );
    assert!(
        text.contains(&compact("総合戦略KPI K2-2")),
        "the cross-check finding"
    );
    assert!(pages(&summary) <= 2);
}

fn pages(pdf: &Path) -> usize {
    pdf_info(pdf, "Pages:").parse().unwrap()
}

/// One field of `pdfinfo`'s answer.
fn pdf_info(pdf: &Path, field: &str) -> String {
    let output = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8(output.stdout).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("{field} of {}", pdf.display()))
        .trim()
        .to_string()
}

fn xlsx_core_properties(path: &Path) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut core = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("docProps/core.xml").unwrap(),
        &mut core,
    )
    .unwrap();
    core
}

#[test]
fn every_report_of_a_build_records_the_same_inputs_digest() {
    let (city, _) = white_paper();
    let mut digests = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(city.path().join("reports/令和2年度")).unwrap() {
        let path = entry.unwrap().path();
        let recorded = match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => pdf_info(&path, "Keywords:"),
            Some("xlsx") => xlsx_core_properties(&path),
            _ => continue,
        };
        let start = recorded.find("inputs-sha256:").expect("a digest") + "inputs-sha256:".len();
        let digest = recorded[start..start + 64].to_string();
        digests
            .entry(digest)
            .or_insert_with(Vec::new)
            .push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(digests.len(), 1, "{digests:#?}");
    assert_eq!(digests.values().next().unwrap().len(), 26, "{digests:#?}");
}

#[test]
fn the_consolidated_workbook_has_its_sheets_opens_in_libreoffice_and_records_its_inputs() {
    use calamine::Reader;
    let (city, _) = white_paper();
    let path = city
        .path()
        .join("reports/令和2年度/令和2年度_白書データ_全庁.xlsx");
    let mut workbook = calamine::open_workbook_auto(&path).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "目標指標",
            "グラフ",
            "取組状況",
            "総合戦略KPI",
            "アクションプラン",
            "主要事業",
            "凡例"
        ]
    );
    let indicators = workbook.worksheet_range("目標指標").unwrap();
    assert_eq!(indicators.height(), 69, "a header and 68 indicators");
    let actions = workbook.worksheet_range("アクションプラン").unwrap();
    assert_eq!(actions.height(), 83, "a header and 82 items");
    let dir = city.path().join("lo");
    let pdf = common::convert_with_libreoffice(&path, "pdf", &dir);
    assert!(pdf.exists(), "LibreOffice opened and printed the workbook");
    let core = xlsx_core_properties(&path);
    assert!(core.contains("inputs-sha256:"), "{core}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let charts = (0..archive.len())
        .filter(|i| {
            archive
                .by_index(*i)
                .unwrap()
                .name()
                .unwrap_or_default()
                .starts_with("xl/charts/chart")
        })
        .count();
    // One per policy and unit (and scale): tests/workbook.rs checks the grouping.
    assert!(charts >= 34, "a chart per policy at the least, {charts}");
}
