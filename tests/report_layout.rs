//! The layout of every PDF a year produces, read back as a reader sees it
//! (`pdftotext -bbox-layout`: each word with its box), on the sample year and on a
//! year with gaps (three departments missing, one with empty sections).
//!
//! Headings are recognised by their size: the layout engine sets every heading at
//! 9.5 pt or more and body text, tables and charts at 9 pt or less (a word's box in the
//! bbox output is exactly its font size high). The PDF outline was the other way to
//! find them, but printpdf 0.12 writes a flat outline that sorts a page's entries by
//! name, not by position, which would misorder what a reader sees; and it would only
//! name the page, while these checks need where on the page a heading stands.
//!
//! Checked on every page but the cover and the contents (a page whose lines end in
//! page numbers): no page of headings only; no heading without content below it on
//! its page; no line that ends with an opening bracket or starts with a closing mark,
//! 、 or 。; every chart with a numbered y-axis that starts at zero for counts.
//! Table rows are checked by the engine's own tests (`report::pdf::page`): a PDF
//! does not show where one row ends.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::grid::{Cell, Grid};
use common::TestCity;

/// Text this size or larger is a heading.
const HEADING_SIZE: f32 = 9.5;
/// The mark that opens a sub-heading at body size.
const HEADING_MARK: char = '■';
/// The size of a chart's column labels (`H22`, `R2`) and of its y-axis numbers.
const CHART_LABEL_SIZE: f32 = 5.0;
const TICK_SIZE: f32 = 4.5;
/// Characters that may not start a line, and those that may not end one (the
/// engine's own lists are what is tested, so these are written out again here).
/// ・ is left out: it is also the bullet that starts a paragraph (the line breaking's
/// own tests show it never starts a continued line).
const NO_LINE_START: &str =
    "）」』】〕〉》］｝)]}、。，．ー：；？！ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ";
const NO_LINE_END: &str = "（「『【〔〈《［｛([{";

/// A line of words as pdftotext reads it: text, box (top-down y) and font size.
#[derive(Debug, Clone)]
struct Line {
    words: Vec<Word>,
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    x_min: f32,
    y_min: f32,
    x_max: f32,
    y_max: f32,
}

impl Word {
    fn size(&self) -> f32 {
        self.y_max - self.y_min
    }
}

impl Line {
    fn text(&self) -> String {
        let words: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        words.join(" ")
    }
    fn size(&self) -> f32 {
        self.words.iter().map(Word::size).fold(0.0, f32::max)
    }
    /// Set large, or marked ■ (the white paper's mark for an action-plan item's
    /// 概要 and 取組状況等, set at the items' body size).
    fn is_heading(&self) -> bool {
        self.size() >= HEADING_SIZE - 0.01 || self.text().starts_with(HEADING_MARK)
    }
    fn x_min(&self) -> f32 {
        self.words.iter().map(|w| w.x_min).fold(f32::MAX, f32::min)
    }
    fn x_max(&self) -> f32 {
        self.words.iter().map(|w| w.x_max).fold(0.0, f32::max)
    }
    fn y_min(&self) -> f32 {
        self.words.iter().map(|w| w.y_min).fold(f32::MAX, f32::min)
    }
    fn y_max(&self) -> f32 {
        self.words.iter().map(|w| w.y_max).fold(0.0, f32::max)
    }
}

/// A page: its height and its lines, running header and page number included.
struct Page {
    width: f32,
    height: f32,
    lines: Vec<Line>,
}

impl Page {
    /// The lines between the running header and the page number.
    fn body(&self) -> Vec<&Line> {
        let foot = self.height - 40.0;
        (self.lines.iter())
            .filter(|l| l.y_max() > 30.0 && l.y_min() < foot)
            .collect()
    }

    /// A page with no page number at its foot is a cover.
    fn is_cover(&self) -> bool {
        let foot = self.height - 40.0;
        !self
            .lines
            .iter()
            .any(|l| l.y_min() >= foot && l.text().chars().all(|c| c.is_ascii_digit()))
    }

    /// A contents page: a page number at the right margin for every entry (pdftotext
    /// reads an entry and its number as one line or two).
    fn is_contents(&self) -> bool {
        let body = self.body();
        let right = body.iter().map(|l| l.x_max()).fold(0.0, f32::max);
        let numbered = (body.iter())
            .filter(|l| {
                let last = l.words.last().map_or("", |w| w.text.as_str());
                let number = !last.is_empty() && last.chars().all(|c| c.is_ascii_digit());
                number && right - l.x_max() < 1.0
            })
            .count();
        numbered >= 2 && numbered * 2 >= body.len() - 1
    }
}

/// Attribute `name` of an XML tag.
fn attribute(tag: &str, name: &str) -> f32 {
    let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every page of a PDF, read with `pdftotext -bbox-layout`.
fn pages(pdf: &Path) -> Vec<Page> {
    let output = Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success(), "pdftotext {}", pdf.display());
    let html = String::from_utf8(output.stdout).unwrap();
    let mut pages = read_bbox(&html);
    for page in &mut pages {
        page.lines = visual_lines(&page.lines);
    }
    pages
}

/// The lines of a page as a reader sees them: pdftotext may cut a line in two at a
/// wide space (`7-(7)　課題名`); words on one baseline, in one size and less than two
/// characters apart are one line.
fn visual_lines(lines: &[Line]) -> Vec<Line> {
    let mut words: Vec<Word> = lines.iter().flat_map(|l| l.words.clone()).collect();
    words.sort_by(|a, b| {
        (a.y_min.round(), a.x_min)
            .partial_cmp(&(b.y_min.round(), b.x_min))
            .unwrap()
    });
    let mut merged: Vec<Line> = Vec::new();
    for word in words {
        let joins = merged
            .last()
            .and_then(|l| l.words.last())
            .is_some_and(|last| {
                (last.y_min - word.y_min).abs() < 0.5
                    && (last.size() - word.size()).abs() < 0.01
                    && word.x_min - last.x_max < 2.0 * word.size()
                    && word.x_min >= last.x_min
            });
        match merged.last_mut() {
            Some(line) if joins => line.words.push(word),
            _ => merged.push(Line { words: vec![word] }),
        }
    }
    merged
}

/// The pages, lines and words of pdftotext's bbox output.
fn read_bbox(html: &str) -> Vec<Page> {
    let mut pages = Vec::new();
    for tag in html.split('<').skip(1) {
        if tag.starts_with("page ") {
            let height = attribute(tag, "height");
            pages.push(Page {
                width: attribute(tag, "width"),
                height,
                lines: Vec::new(),
            });
        } else if tag.starts_with("line ") {
            let page = pages.last_mut().unwrap();
            page.lines.push(Line { words: Vec::new() });
        } else if tag.starts_with("word ") {
            let text = unescape(&tag[tag.find('>').unwrap() + 1..]);
            let word = Word {
                text,
                x_min: attribute(tag, "xMin"),
                y_min: attribute(tag, "yMin"),
                x_max: attribute(tag, "xMax"),
                y_max: attribute(tag, "yMax"),
            };
            let line = pages.last_mut().unwrap().lines.last_mut().unwrap();
            line.words.push(word);
        }
    }
    pages
}

/// A fault found: the file, the page (PDF page, from 1) and what is wrong.
fn fault(pdf: &Path, page: usize, what: String) -> String {
    let name = pdf.file_name().unwrap().to_string_lossy();
    format!("{name} [PDF p.{page}]: {what}")
}

/// Pages whose content is headings only.
fn heading_only_pages(pdf: &Path, pages: &[Page]) -> Vec<String> {
    let mut faults = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if page.is_cover() || page.is_contents() {
            continue;
        }
        let body = page.body();
        if !body.is_empty() && body.iter().all(|l| l.is_heading()) {
            let texts: Vec<String> = body.iter().map(|l| l.text()).collect();
            faults.push(fault(pdf, i + 1, format!("only headings: {texts:?}")));
        }
    }
    faults
}

/// Headings with no content below them on their page (in their column).
fn stranded_headings(pdf: &Path, pages: &[Page]) -> Vec<String> {
    let mut faults = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if page.is_cover() || page.is_contents() {
            continue;
        }
        let body = page.body();
        for heading in body.iter().filter(|l| l.is_heading()) {
            let below = body.iter().any(|l| {
                !l.is_heading()
                    && l.y_min() >= heading.y_max() - 0.5
                    && l.x_min() < heading.x_max()
                    && l.x_max() > heading.x_min()
            });
            if !below {
                let what = format!("heading with nothing below it: 「{}」", heading.text());
                faults.push(fault(pdf, i + 1, what));
            }
        }
    }
    faults
}

/// Headings of an empty section: the next line below a heading (in its column) is a
/// heading as large or larger. A section that has nothing may say so (「該当なし」) or
/// be left out, never print its heading bare. A heading that fills its line goes on
/// on the next one, which is not another heading.
fn bare_headings(pdf: &Path, pages: &[Page]) -> Vec<String> {
    let mut faults = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if page.is_cover() || page.is_contents() {
            continue;
        }
        let body = page.body();
        let right = body.iter().map(|l| l.x_max()).fold(0.0, f32::max);
        for heading in body.iter().filter(|l| l.is_heading()) {
            if heading.x_max() >= right - 2.0 * heading.size() {
                continue;
            }
            let next = (body.iter())
                .filter(|l| l.y_min() >= heading.y_max() - 0.5)
                .filter(|l| l.x_min() < heading.x_max() && l.x_max() > heading.x_min())
                .min_by(|a, b| a.y_min().total_cmp(&b.y_min()));
            if let Some(next) = next.filter(|n| n.is_heading() && n.size() >= heading.size() - 0.01)
            {
                let what = format!(
                    "empty section: 「{}」 then 「{}」",
                    heading.text(),
                    next.text()
                );
                faults.push(fault(pdf, i + 1, what));
            }
        }
    }
    faults
}

/// Words that end a line (or a cell) with an opening bracket, or start one with a
/// closing mark. Within a pdftotext line, a gap wider than the font size is a cell
/// boundary; a word never ends with an opening bracket at all (a space after one is
/// as wrong as a line break).
fn kinsoku_faults(pdf: &Path, pages: &[Page]) -> Vec<String> {
    let mut faults = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        for line in &page.lines {
            for (j, word) in line.words.iter().enumerate() {
                let starts_cell = j == 0 || word.x_min - line.words[j - 1].x_max > word.size();
                let first = word.text.chars().next().unwrap_or(' ');
                let last = word.text.chars().last().unwrap_or(' ');
                if starts_cell && NO_LINE_START.contains(first) {
                    let what = format!("line starts with 「{first}」: 「{}」", line.text());
                    faults.push(fault(pdf, i + 1, what));
                }
                if NO_LINE_END.contains(last) {
                    let what = format!("line ends with 「{last}」: 「{}」", line.text());
                    faults.push(fault(pdf, i + 1, what));
                }
            }
        }
    }
    faults
}

/// The words of a page at `size`.
fn words_of_size(page: &Page, size: f32) -> Vec<&Word> {
    (page.lines.iter())
        .flat_map(|l| &l.words)
        .filter(|w| (w.size() - size).abs() < 0.01)
        .collect()
}

/// A chart is found by its row of column labels; its y-axis numbers stand left of
/// the first label, above it. Each must have two numbers or more, and the lowest is
/// 0 unless some are negative (then 0 is among them).
fn chart_faults(pdf: &Path, pages: &[Page]) -> Vec<String> {
    let mut faults = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let ticks = words_of_size(page, TICK_SIZE);
        for first in chart_origins(page) {
            let mut axis: Vec<&&Word> = (ticks.iter())
                .filter(|w| w.x_max <= first.x_min && first.x_min - w.x_max < 40.0)
                .filter(|w| w.y_max <= first.y_min && first.y_min - w.y_max < 45.0)
                .collect();
            axis.sort_by(|a, b| b.y_min.total_cmp(&a.y_min));
            let values: Vec<f64> = (axis.iter())
                .filter_map(|w| w.text.replace(',', "").parse().ok())
                .collect();
            let at = format!("chart over 「{}」 at y {:.0}", first.text, first.y_min);
            if values.len() < 2 || values.len() != axis.len() {
                faults.push(fault(pdf, i + 1, format!("{at}: axis numbers {values:?}")));
            } else if !values.contains(&0.0) || values[0] > 0.0 {
                let what = format!("{at}: axis does not start at zero: {values:?}");
                faults.push(fault(pdf, i + 1, what));
            }
        }
    }
    faults
}

/// The first column label of each chart on the page: a label with no other label
/// just left of it on its line.
fn chart_origins(page: &Page) -> Vec<&Word> {
    let labels = words_of_size(page, CHART_LABEL_SIZE);
    (labels.iter())
        .filter(|w| {
            !labels.iter().any(|o| {
                (o.y_min - w.y_min).abs() < 0.5 && o.x_max <= w.x_min && w.x_min - o.x_max < 25.0
            })
        })
        .copied()
        .collect()
}

/// Every check on every PDF in `dir`; the faults found.
fn layout_faults(dir: &Path) -> Vec<String> {
    let mut pdfs: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort();
    assert!(pdfs.len() >= 5, "PDFs in {}: {pdfs:?}", dir.display());
    let mut faults = Vec::new();
    for pdf in &pdfs {
        let pages = pages(pdf);
        faults.extend(heading_only_pages(pdf, &pages));
        faults.extend(stranded_headings(pdf, &pages));
        faults.extend(bare_headings(pdf, &pages));
        faults.extend(kinsoku_faults(pdf, &pages));
        faults.extend(chart_faults(pdf, &pages));
        faults.extend(words_off_the_paper(pdf, &pages));
    }
    faults
}

/// Words outside the printable area (a margin of a quarter of the page's margins):
/// a title too long for its line must be set smaller or wrapped, never cut by the edge.
fn words_off_the_paper(pdf: &Path, pages: &[Page]) -> Vec<String> {
    let edge = 12.0;
    let mut faults = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        for word in page.lines.iter().flat_map(|l| &l.words) {
            let inside = word.x_min >= edge
                && word.x_max <= page.width - edge
                && word.y_min >= edge
                && word.y_max <= page.height - edge;
            if !inside {
                let at = format!("x {:.0}–{:.0}", word.x_min, word.x_max);
                faults.push(fault(
                    pdf,
                    i,
                    format!("off the paper: 「{}」 at {at}", word.text),
                ));
            }
        }
    }
    faults
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Builds the city's reports with the real binary; returns the reports folder. A
/// workbook sent back (exit status 1, said on stderr) is one more gap, not a failure.
fn build(city: &TestCity) -> PathBuf {
    let output = city.hakusho(&["run", "--once"]);
    let sent_back = String::from_utf8_lossy(&output.stdout).contains("差戻し");
    assert!(
        output.status.success() || (sent_back && output.status.code() == Some(1)),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    city.path().join("reports")
}

fn assert_no_faults(faults: &[String]) {
    assert!(
        faults.is_empty(),
        "{} layout faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
}

#[test]
fn every_pdf_of_the_sample_year_is_laid_out_for_print() {
    let city = TestCity::new(None);
    assert_no_faults(&layout_faults(&build(&city)));
}

/// Clears every text under the column headed `heading` (the header row is row 1).
fn clear_column(grid: &mut Grid, sheet: &str, heading: &str) {
    let rows = &grid
        .sheets
        .iter()
        .find(|(name, _)| name == sheet)
        .unwrap()
        .1;
    let column = rows[0]
        .iter()
        .position(|c| matches!(c, Cell::Text(t) if t.starts_with(heading)))
        .unwrap_or_else(|| panic!("{sheet}: no column {heading}"));
    let cells: Vec<String> = (1..rows.len())
        .map(|r| format!("{}{}", char::from(b'A' + column as u8), r + 1))
        .collect();
    for cell in cells {
        grid.set(sheet, &cell, Cell::Empty);
    }
}

/// 市民部 and 総務部 send nothing; 企画部 leaves its narratives empty (sent back, so a
/// third department is missing); 教育部 leaves its 運営方針 and its projects' owners,
/// indicators and targets empty (accepted: sections with nothing in them).
#[test]
fn every_pdf_of_a_year_with_gaps_is_laid_out_for_print() {
    let city = TestCity::new(None);
    for missing in ["市民部", "総務部"] {
        std::fs::remove_file(city.inbox().join(format!("令和2年度_{missing}.xlsx"))).unwrap();
    }
    let path = city.inbox().join("令和2年度_企画部.xlsx");
    let mut grid = Grid::read(&path);
    clear_column(&mut grid, "取組状況", "施策の達成に向けた取り組み状況");
    clear_column(&mut grid, "アクションプラン", "令和2年度の取組状況等");
    std::fs::write(&path, grid.to_xlsx()).unwrap();
    let path = city.inbox().join("令和2年度_教育部.xlsx");
    let mut grid = Grid::read(&path);
    for column in ["担当課", "目標指標", "目標"] {
        clear_column(&mut grid, "主要事業", column);
    }
    clear_column(&mut grid, "部の運営方針", "内容");
    std::fs::write(&path, grid.to_xlsx()).unwrap();
    assert_no_faults(&layout_faults(&build(&city)));
}
