//! A report that cannot be built stops no other report and no mail: here the texts
//! of 各部の運営方針と目標 (`templates/report/newsletter.toml`) cannot be read, and the run
//! still writes and mails every other report, and tells the managers what is missing.

mod common;

use std::path::Path;

use common::{repo, stdout_of, TestCity};

/// A copy of the shipped templates in the city's folder, used by its configuration.
fn own_templates(city: &TestCity) -> std::path::PathBuf {
    let copy = city.path().join("templates");
    copy_dir(&repo().join("templates"), &copy);
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let shipped = format!("templates = \"{}\"", repo().join("templates").display());
    assert!(config.contains(&shipped));
    let own = config.replace(&shipped, "templates = \"templates\"");
    std::fs::write(city.config_path(), own).unwrap();
    copy
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn texts_that_cannot_be_read_fail_only_the_reports_that_print_them() {
    let city = TestCity::new(None);
    let templates = own_templates(&city);
    let newsletter = templates.join("report/newsletter.toml");
    let broken = std::fs::read_to_string(&newsletter)
        .unwrap()
        .replace("title = ", "titel = ");
    std::fs::write(&newsletter, broken).unwrap();
    let stdout = stdout_of(&city.hakusho(&["run", "--once"]));
    let reports = city.path().join("reports/令和2年度");
    for missing in [
        "各部の運営方針と目標.pdf",
        "広報紙_各部の運営方針と目標.pdf",
    ] {
        assert!(
            !reports.join(format!("令和2年度_{missing}")).exists(),
            "{missing}"
        );
    }
    for written in [
        "自治体経営白書.pdf",
        "管理者向け要約.pdf",
        "目標指標_全庁.pdf",
        "企画部_報告書.pdf",
    ] {
        assert!(
            reports.join(format!("令和2年度_{written}")).is_file(),
            "{written}"
        );
    }
    for department in common::DEPARTMENTS {
        assert!(
            stdout.contains(&format!("目標指標の集計結果（{department}）")),
            "{stdout}"
        );
    }
    let summary = common::pdf_text_compact(&reports.join("令和2年度_管理者向け要約.pdf"));
    assert!(
        summary.contains("各部の運営方針と目標を作成できませんでした"),
        "{summary}"
    );
}
