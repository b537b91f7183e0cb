//! The booklet 各部の運営方針と目標 speaks of what the departments wrote: its own
//! introduction (not the newsletter's 「今号では…」), and the COVID-19 response only for a
//! department that wrote one, the topic nowhere when none did.

mod common;

use common::grid::Grid;
use common::{compact, pdf_text_compact, repo, stdout_of, TestCity};

const PROFILE: &str = "部の運営方針";

fn texts() -> toml::Value {
    let path = repo().join("templates/report/newsletter.toml");
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text_of(key: &str) -> String {
    compact(texts()[key].as_str().unwrap())
}

/// The booklet and the newsletter of a run, as compact text.
fn booklet_and_newsletter(city: &TestCity) -> (String, String) {
    stdout_of(&city.hakusho(&["run", "--once"]));
    let reports = city.path().join("reports/令和2年度");
    (
        pdf_text_compact(&reports.join("令和2年度_各部の運営方針と目標.pdf")),
        pdf_text_compact(&reports.join("令和2年度_広報紙_各部の運営方針と目標.pdf")),
    )
}

/// One department's sample workbook with its COVID-19 response written in.
fn with_covid_response(city: &TestCity, department: &str, response: &str) {
    let path = city.inbox().join(format!("令和2年度_{department}.xlsx"));
    let mut grid = Grid::read(&path);
    let row = grid.row_of(PROFILE, 0, "新型コロナウイルス感染症への対応");
    grid.text(PROFILE, &format!("B{row}"), response);
    std::fs::write(path, grid.to_xlsx()).unwrap();
}

#[test]
fn the_booklet_has_its_own_introduction() {
    let city = TestCity::new(None);
    let (booklet, _) = booklet_and_newsletter(&city);
    let newsletter_only = "今号では";
    assert!(text_of("introduction").contains(newsletter_only));
    assert!(
        !booklet.contains(newsletter_only),
        "the newsletter's 今号では"
    );
    let own = text_of("booklet_introduction");
    let before_placeholder = &own[..own.find("{{").unwrap()];
    assert!(booklet.contains(before_placeholder));
}

#[test]
fn no_covid_topic_where_no_department_wrote_one() {
    let city = TestCity::new(None);
    let (booklet, newsletter) = booklet_and_newsletter(&city);
    for text in [&booklet, &newsletter] {
        assert!(!text.contains("新型コロナウイルス感染症への対応"), "{text}");
        assert!(!text.contains(&text_of("covid_note")));
    }
}

#[test]
fn the_covid_response_is_printed_for_the_department_that_wrote_it_only() {
    let city = TestCity::new(None);
    let response = "市民への情報提供と感染拡大防止の取り組みを優先した。";
    with_covid_response(&city, "総務部", response);
    let (booklet, newsletter) = booklet_and_newsletter(&city);
    let heading = text_of("covid_heading");
    assert_eq!(
        booklet.matches(&heading).count(),
        2,
        "in the introduction and 総務部's section"
    );
    assert!(booklet.contains(&format!("{heading}{}", compact(response))));
    assert!(booklet.contains(&text_of("covid_topic")));
    assert!(newsletter.contains(&text_of("covid_note")));
}
