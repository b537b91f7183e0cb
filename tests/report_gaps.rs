//! Reports of a year with gaps print no empty section: on the sample year and on a
//! year where departments are missing and the plan has a part with no policy, a
//! policy with no indicator and no narrative, a goal with no KPI and a 体系 with no
//! item. In every PDF: no page whose only text is headings, no table header without
//! a row under it, no footnote whose marker no printed row carries. The white paper
//! has its 第1節 and the 状態 rule; the cover prints the configured publication month.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo, TestCity};

/// Runs the year and returns the reports folder (a refused workbook is not a failure
/// here: the gap year's plan changes make some departments' workbooks refused).
fn run_year(city: &TestCity) -> PathBuf {
    let output = city.hakusho(&["run", "--once"]);
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    city.path().join("reports/令和2年度")
}

/// The sample year with `missing` departments' workbooks taken out of the inbox and
/// the plan extended by `extra` (file name, TOML appended).
fn gap_year(missing: &[&str], extra: &[(&str, &str)]) -> TestCity {
    let city = TestCity::new(None);
    for department in missing {
        std::fs::remove_file(city.inbox().join(format!("令和2年度_{department}.xlsx"))).unwrap();
    }
    let plan = city.path().join("plan");
    std::fs::create_dir_all(&plan).unwrap();
    for entry in std::fs::read_dir(repo().join("data/plan")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, plan.join(path.file_name().unwrap())).unwrap();
    }
    for (file, toml) in extra {
        let path = plan.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n{toml}\n")).unwrap();
    }
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let repo_plan = format!("plan = \"{}\"", repo().join("data/plan").display());
    assert!(config.contains(&repo_plan));
    let config = config.replace(&repo_plan, "plan = \"plan\"");
    std::fs::write(city.config_path(), config).unwrap();
    city
}

const EMPTY_PART: &str = "[[parts]]\nnumber = 9\ntitle = \"施策のない部\"";
const EMPTY_POLICY: &str = "[[policies]]\ncode = \"8-3\"\npart = 8\nname = \"指標も取組状況もない施策\"\ndepartment = \"市民部\"\nsections = [\"市民課\"]\nnotes = [\"(注) 指標がないので出ないはずの注\"]";
const EMPTY_GOAL: &str = "[[goals]]\nnumber = 4\ntitle = \"KPIのない基本目標\"\ndirection = [\"施策の方向\"]\nnotes = [\"(注 9) KPIがないので出ないはずの注\"]\nkpis = []\n\n[goals.numeric_goal]\nname = \"数値目標\"\ndepartment = \"総務部\"\nearlier = \"1%\"\nbaseline = \"2%\"\ntarget = \"3%\"";
const EMPTY_SYSTEM: &str = "[[groups]]\nnumber = 6\ntitle = \"体系に個別課題のない考え方\"\nsystems = [14]\n\n[[systems]]\nnumber = 14\ntitle = \"個別課題のない体系\"";

/// Every PDF of a reports folder.
fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    all.sort();
    assert!(all.len() >= 10, "{all:?}");
    all
}

/// The pages of a PDF as `pdftotext -layout` lays them out, each page's lines trimmed.
fn pages(pdf: &Path) -> Vec<Vec<String>> {
    let output = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    text.split('\u{c}')
        .map(|page| {
            let lines = page.lines().map(|l| l.trim().to_string());
            lines.filter(|l| !l.is_empty()).collect::<Vec<_>>()
        })
        .filter(|page: &Vec<String>| !page.is_empty())
        .collect()
}

/// Whether a line is a heading: a chapter, section, part, policy, numbered
/// subsection, goal or 体系 heading, or a table's or narrative's caption.
fn is_heading(line: &str) -> bool {
    let numbered = |prefix: &str, after: &str| {
        line.strip_prefix(prefix).is_some_and(|rest| {
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
            rest.len() < line.len() - prefix.len() && rest.starts_with(after)
        })
    };
    // Headings are one short line; a table row laid out in columns is long.
    let short = line.chars().count() <= 60 && !line.contains("   ");
    (short
        && (numbered("第", "章")
            || numbered("第", "節")
            || numbered("第", "部")
            || numbered("第", " ")
            || numbered("(", ")")
            || numbered("", " ")
            || numbered("基本目標", "")
            || numbered("体系", " ")))
        || line.starts_with('◇')
        || line.starts_with("[主な担当課]")
        || line.contains("「状態」欄について")
        || ["各部の運営方針と目標", "提出の状況と確認事項"].contains(&line)
}

/// The body of a page: its lines but the running header (the first) and the page
/// number (the last, digits only).
fn body(page: &[String]) -> &[String] {
    let start = usize::from(page.len() > 1);
    let end = if page
        .last()
        .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
    {
        page.len() - 1
    } else {
        page.len()
    };
    &page[start..end.max(start)]
}

/// No page past the cover is headings alone.
fn assert_no_page_of_headings_only(pdf: &Path) {
    for (i, page) in pages(pdf).iter().enumerate().skip(1) {
        let body = body(page);
        assert!(
            body.iter().any(|l| !is_heading(l)),
            "{} page {} has only headings: {body:?}",
            pdf.display(),
            i + 1
        );
    }
}

/// Whether a line is the last line of an indicator or KPI table's header.
fn is_table_header_end(line: &str) -> bool {
    line.starts_with('(') && line.ends_with("年度)") && line.matches("年度)").count() >= 3
}

/// Every table header is followed, on its page, by a row (not a footnote, heading or nothing).
fn assert_every_table_has_a_row(pdf: &Path) {
    for (i, page) in pages(pdf).iter().enumerate() {
        let body = body(page);
        for (at, line) in body.iter().enumerate() {
            if !is_table_header_end(line) {
                continue;
            }
            let next = body.get(at + 1).map(String::as_str).unwrap_or("");
            let footnote = next.starts_with("(注") || next.starts_with("（注");
            assert!(
                !next.is_empty() && !footnote && !is_heading(next),
                "{} page {}: a table header with no row under it (then {next:?})",
                pdf.display(),
                i + 1
            );
        }
    }
}

/// A line folded for comparing markers: half-width brackets and digits, no spaces.
fn folded(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The marker of a footnote line (`(注 1) …` → `(注1)`).
fn footnote_marker(line: &str) -> Option<String> {
    let folded = folded(line);
    let inner = folded.strip_prefix("(注")?;
    let (number, _) = inner.split_once(')')?;
    Some(format!("(注{number})"))
}

/// Every footnote printed has its marker on a printed line that is not a footnote.
fn assert_footnotes_only_for_what_is_shown(pdf: &Path) {
    let lines: Vec<String> = pages(pdf).concat();
    let rows: Vec<String> = lines
        .iter()
        .filter(|l| footnote_marker(l).is_none())
        .map(|l| folded(l))
        .collect();
    for line in &lines {
        if let Some(marker) = footnote_marker(line) {
            assert!(
                rows.iter().any(|r| r.contains(&marker)),
                "{}: footnote {line:?} for a row not shown",
                pdf.display()
            );
        }
    }
}

/// The three checks on every PDF of a folder.
fn assert_no_empty_sections(dir: &Path) {
    for pdf in pdfs(dir) {
        assert_no_page_of_headings_only(&pdf);
        assert_every_table_has_a_row(&pdf);
        assert_footnotes_only_for_what_is_shown(&pdf);
    }
}

#[test]
fn the_sample_year_prints_no_empty_section_and_its_overviews() {
    let city = TestCity::new(None);
    let dir = run_year(&city);
    assert_no_empty_sections(&dir);
    let paper = pages(&dir.join("令和2年度_自治体経営白書.pdf"));
    let text: String = paper.concat().concat();
    assert!(
        text.contains("令和3（2021）年7月"),
        "the configured month on the cover"
    );
    for heading in [
        "第1節",
        "計画の施策体系",
        "「状態」欄について",
        "概要",
        "体系",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    for line in hakusho::domain::status::status_rule_lines() {
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        let printed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(printed.contains(&compact), "the rule's line {line}");
    }
    // The 市民部 owns no policy: its chapter 1 says so in one line.
    let shimin: String = pages(&dir.join("令和2年度_市民部_報告書.pdf"))
        .concat()
        .concat();
    assert!(shimin.contains("該当なし"));
}

#[test]
fn a_year_with_gaps_prints_no_empty_section() {
    let city = gap_year(
        &["総務部", "教育部"],
        &[
            ("basic_plan.toml", EMPTY_PART),
            ("basic_plan.toml", EMPTY_POLICY),
            ("strategy.toml", EMPTY_GOAL),
            ("action_plan.toml", EMPTY_SYSTEM),
        ],
    );
    let dir = run_year(&city);
    assert_no_empty_sections(&dir);
    let paper: String = pages(&dir.join("令和2年度_自治体経営白書.pdf"))
        .concat()
        .concat();
    assert!(
        !paper.contains("施策のない部"),
        "a part with no policy is left out"
    );
    assert!(
        !paper.contains("出ないはずの注"),
        "no footnote of what is not shown"
    );
    assert!(
        paper.contains("指標も取組状況もない施策"),
        "the policy is shown with its narrative line"
    );
    // A missing department's policies say in one line that nothing was submitted.
    assert!(paper.contains("取り組み状況の提出がありません"));
}

#[test]
fn without_a_publication_month_the_cover_prints_the_edition_year_alone() {
    let city = TestCity::new(None);
    let config = std::fs::read_to_string(city.config_path()).unwrap();
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("published"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(city.config_path(), config).unwrap();
    let dir = run_year(&city);
    let cover = pages(&dir.join("令和2年度_自治体経営白書.pdf"))
        .remove(0)
        .concat();
    assert!(cover.contains("令和3（2021）年"), "{cover}");
    assert!(
        !cover.contains("年7月") && !cover.contains("令和3（2021）年1"),
        "{cover}"
    );
}
