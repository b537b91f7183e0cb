//! Every PDF of a run prints its years and dates in 和暦, as the city's documents do:
//! 「令和元年度」, 「令和8年12月6日 09:01」, never 「2019年度」, 「2026年12月6日」 or
//! 「2026-12-06」. (A 西暦 inside a name the data quotes, 「東京2020大会」, is the name's.)

mod common;

use common::{stdout_of, TestCity};

/// The 西暦 dates and fiscal years in a text: a year of four digits (19xx, 20xx)
/// followed by 年度, by 年 and a month, or by `-` or `/` and a month.
fn western_dates(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for start in 0..chars.len().saturating_sub(4) {
        let year: String = chars[start..start + 4].iter().collect();
        let starts_a_number = start == 0 || !chars[start - 1].is_ascii_digit();
        let is_year = (year.starts_with("19") || year.starts_with("20"))
            && year.chars().all(|c| c.is_ascii_digit());
        if !(starts_a_number && is_year) {
            continue;
        }
        let rest: String = chars[start + 4..].iter().take(3).collect();
        let mut after = rest.chars();
        let dated = match after.next() {
            Some('年') => after
                .next()
                .is_some_and(|c| c == '度' || c.is_ascii_digit()),
            Some('-' | '/') => after.next().is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        };
        if dated {
            found.push(format!("{year}{rest}"));
        }
    }
    found
}

#[test]
fn the_pattern_finds_western_dates_and_leaves_names_alone() {
    for dated in [
        "2019年度",
        "作成 2026年12月6日",
        "2026-12-06 08:54",
        "2021/04/01",
    ] {
        assert_eq!(western_dates(dated).len(), 1, "{dated}");
    }
    for fine in [
        "令和元年度",
        "東京2020大会",
        "アクションプラン2022",
        "令和8（2026）年12月",
        "12,020件",
    ] {
        assert!(western_dates(fine).is_empty(), "{fine}");
    }
}

#[test]
fn every_pdf_of_the_sample_year_dates_in_the_japanese_era() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let reports = city.path().join("reports/令和2年度");
    let mut pdfs = 0;
    for entry in std::fs::read_dir(reports).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pdf") {
            continue;
        }
        let output = std::process::Command::new("pdftotext")
            .args([path.to_str().unwrap(), "-"])
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let found = western_dates(&text);
        assert!(found.is_empty(), "{}: {found:?}", path.display());
        pdfs += 1;
    }
    assert!(pdfs >= 10, "read {pdfs} PDFs");
}
