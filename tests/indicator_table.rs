//! The whole-city indicator table (`目標指標_全庁.pdf`) read back with `pdftotext`:
//! every indicator row has its 状態, the five periods of every row end at their column's
//! right edge whatever they hold (`維持` as well as `34,677件`), and every footnote marker
//! a row prints has its note under the table.

mod common;

use common::{compact, pdf_text_compact, repo, stdout_of, TestCity};

/// The table as `src/report/pdf/indicator_table.rs` lays it out: the left margin, each
/// column's width (施策, 指標, the five periods, 状態) and the cells' padding, in points.
const LEFT: f32 = 36.0;
const WIDTHS: [f32; 8] = [118.0, 180.0, 82.0, 82.0, 82.0, 82.0, 82.0, 52.0];
const PADDING: f32 = 3.0;

/// The words the status rule gives.
const STATUSES: [&str; 6] = ["達成", "順調", "要注意", "後退", "判定不可", "対象外"];

struct Word {
    page: usize,
    x_min: f32,
    x_max: f32,
    y_min: f32,
    text: String,
}

/// Every word of the PDF with its box, from `pdftotext -bbox`.
fn words(pdf: &std::path::Path) -> Vec<Word> {
    let output = std::process::Command::new("pdftotext")
        .args(["-bbox", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let html = String::from_utf8(output.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..start + tag[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    let mut page = 0;
    let mut found = Vec::new();
    for tag in html.split('<') {
        if tag.starts_with("page ") {
            page += 1;
        } else if let Some(rest) = tag.strip_prefix("word ") {
            let text = rest[rest.find('>').unwrap() + 1..].to_string();
            let (x_min, x_max, y_min) = (attr(tag, "xMin"), attr(tag, "xMax"), attr(tag, "yMin"));
            found.push(Word {
                page,
                x_min,
                x_max,
                y_min,
                text,
            });
        }
    }
    found
}

/// The left and right edge of a column.
fn column(index: usize) -> (f32, f32) {
    let left = LEFT + WIDTHS[..index].iter().sum::<f32>();
    (left, left + WIDTHS[index])
}

fn sample_table() -> (TestCity, std::path::PathBuf) {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let pdf = city
        .path()
        .join("reports/令和2年度/令和2年度_目標指標_全庁.pdf");
    (city, pdf)
}

fn plan() -> toml::Value {
    let text = std::fs::read_to_string(repo().join("data/plan/basic_plan.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// The first line of each body row: the line with a status in the status column.
fn status_lines(words: &[Word]) -> Vec<(usize, f32)> {
    let (left, right) = column(7);
    words
        .iter()
        .filter(|w| w.x_min >= left && w.x_max <= right && STATUSES.contains(&w.text.as_str()))
        .map(|w| (w.page, w.y_min))
        .collect()
}

#[test]
fn every_indicator_row_has_its_status() {
    let (_city, pdf) = sample_table();
    let rows = status_lines(&words(&pdf));
    let indicators = plan()["indicators"].as_array().unwrap().len();
    assert_eq!(
        rows.len(),
        indicators,
        "a 状態 on each of the sample's rows"
    );
}

#[test]
fn the_five_periods_end_at_their_columns_right_edge_whatever_they_hold() {
    let (_city, pdf) = sample_table();
    let words = words(&pdf);
    let mut checked = 0;
    for (page, y) in status_lines(&words) {
        for index in 2..7 {
            let (left, right) = column(index);
            let line = words.iter().filter(|w| {
                w.page == page && (w.y_min - y).abs() < 0.5 && w.x_min >= left && w.x_max <= right
            });
            let Some(end) = line.map(|w| w.x_max).reduce(f32::max) else {
                continue;
            };
            assert!(
                (end - (right - PADDING)).abs() < 1.0,
                "page {page}, column {index}: ends at {end}"
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "checked {checked} cells");
}

/// Each note whose mark (`(注1)`) one of its policy's indicators prints, after the
/// policy's code as the table prints it.
fn shown_notes(plan: &toml::Value) -> Vec<String> {
    let indicators = plan["indicators"].as_array().unwrap();
    let mut notes = Vec::new();
    for policy in plan["policies"].as_array().unwrap() {
        let code = policy["code"].as_str().unwrap();
        let printed: String = indicators
            .iter()
            .filter(|i| i["policy"].as_str() == Some(code))
            .flat_map(|i| {
                ["name", "baseline", "early", "middle", "target"]
                    .map(|k| i[k].as_str().unwrap_or("").to_string())
            })
            .collect::<Vec<_>>()
            .join("\n");
        for note in policy["notes"].as_array().unwrap() {
            let note = note.as_str().unwrap();
            let mark = &note[..note.find(')').unwrap() + 1];
            if compact(&printed).contains(&compact(mark)) {
                notes.push(format!("{code} {note}"));
            }
        }
    }
    notes
}

#[test]
fn every_footnote_marker_shown_has_its_note_under_the_table() {
    let (_city, pdf) = sample_table();
    let text = pdf_text_compact(&pdf);
    let notes = shown_notes(&plan());
    assert!(
        notes.len() >= 5,
        "the sample's tables print {} marked notes",
        notes.len()
    );
    for note in notes {
        assert!(text.contains(&compact(&note)), "not printed: {note}");
    }
}
