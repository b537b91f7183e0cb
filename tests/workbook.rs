//! The consolidated workbook (白書データ_全庁.xlsx) read back three ways: its XML (row
//! heights, column widths, charts), calamine (the cells' values) and LibreOffice's
//! CSV of what each cell shows. Each check runs over every row, cell or chart, so it
//! holds for the class of fault, not one indicator.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Range, Reader};
use common::{stdout_of, TestCity};
use hakusho::domain::Observation;

/// Points one line of 11-point text needs at the least (Excel's default row).
const LINE_POINTS: f64 = 15.0;

/// Columns of the 目標指標 sheet: printed G–K, numbers L–P, 単位 F, 進捗率 R and its note S.
const UNIT: usize = 5;
const PRINTED: usize = 6;
const NUMBERS: usize = 11;
const PERIODS: usize = 5;
const PROGRESS: usize = 17;

/// The sample year's whole-city workbook, with LibreOffice's CSV of every sheet.
struct Book {
    city: TestCity,
    path: PathBuf,
    shown: BTreeMap<String, Vec<Vec<String>>>,
}

/// The sample year's workbook of `audience` (全庁 or a department), built without the
/// submissions of `missing` departments.
fn sample_book(audience: &str, missing: &[&str]) -> Book {
    let city = TestCity::new(None);
    for department in missing {
        let file = city.inbox().join(format!("令和2年度_{department}.xlsx"));
        std::fs::remove_file(file).unwrap();
    }
    stdout_of(&city.hakusho(&["run", "--once"]));
    let path = city.path().join(format!(
        "reports/令和2年度/令和2年度_白書データ_{audience}.xlsx"
    ));
    let shown = shown_sheets(&path, &city.path().join("lo"));
    Book { city, path, shown }
}

/// Converts to CSV "as shown", one file per sheet (the last token, -1).
fn convert_to_csv(path: &Path, dir: &Path) -> PathBuf {
    let filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1";
    common::convert_into_folder(path, filter, dir)
}

/// What LibreOffice shows in each cell of each sheet.
fn shown_sheets(path: &Path, dir: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let out = convert_to_csv(path, dir);
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut sheets = BTreeMap::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let file = entry.unwrap().path();
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        if let Some(sheet) = name.strip_prefix(&format!("{stem}-")) {
            let text = std::fs::read_to_string(&file).unwrap();
            sheets.insert(sheet.to_string(), parse_csv(&text));
        }
    }
    assert!(sheets.contains_key("目標指標"), "{:?}", sheets.keys());
    sheets
}

/// RFC 4180 CSV: quoted fields may hold commas, line breaks and doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn zip_text(path: &Path, part: &str) -> Option<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name(part)
        .ok()?
        .read_to_string(&mut text)
        .unwrap();
    Some(text)
}

/// The value of `name="…"` in an XML tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// Every `<name …>` start tag of an XML text.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    xml.match_indices(&open)
        .map(|(at, _)| &xml[at..at + xml[at..].find('>').unwrap()])
        .collect()
}

/// The width of each column (0-based) of a worksheet's XML.
fn column_widths(xml: &str) -> BTreeMap<usize, f64> {
    let mut widths = BTreeMap::new();
    for col in tags(xml, "col") {
        let number = |n: &str| attribute(col, n).unwrap().parse::<usize>().unwrap();
        let width: f64 = attribute(col, "width").unwrap().parse().unwrap();
        for c in number("min")..=number("max") {
            widths.insert(c - 1, width);
        }
    }
    widths
}

/// The height of each row (0-based) that has one.
fn row_heights(xml: &str) -> BTreeMap<usize, f64> {
    tags(xml, "row")
        .into_iter()
        .filter_map(|row| {
            let r: usize = attribute(row, "r")?.parse().ok()?;
            Some((r - 1, attribute(row, "ht")?.parse().ok()?))
        })
        .collect()
}

/// The fewest lines a text can take in a column `width` wide, full-width characters
/// counted double: each paragraph at least its width over the line's.
fn fewest_lines(text: &str, width: f64) -> usize {
    let capacity = (width - 1.0).max(1.0);
    let units = |p: &str| -> f64 {
        p.chars()
            .map(|c| if (c as u32) < 0x2000 { 1.0 } else { 2.0 })
            .sum()
    };
    text.split('\n')
        .map(|p| ((units(p) / capacity).ceil() as usize).max(1))
        .sum()
}

/// The worksheets' XML parts in the workbook's sheet order (rust_xlsxwriter numbers
/// them in that order).
fn sheet_xml(path: &Path, index: usize) -> String {
    zip_text(path, &format!("xl/worksheets/sheet{}.xml", index + 1)).unwrap()
}

fn open(path: &Path) -> calamine::Xlsx<std::io::BufReader<std::fs::File>> {
    calamine::open_workbook(path).unwrap()
}

#[test]
fn the_whole_city_workbook_reads_back_as_it_prints() {
    check_everything(sample_book("全庁", &[]));
}

/// A department's own part: 生活環境部 owns the cells of several figures (SOHO) and
/// indicators of three units in one policy (2-3).
#[test]
fn a_department_workbook_reads_back_as_it_prints() {
    check_everything(sample_book("生活環境部", &[]));
}

/// A year with gaps: two departments sent nothing, so their rows hold only the plan's
/// figures (no 達成値).
#[test]
fn a_year_with_departments_missing_reads_back_as_well() {
    check_everything(sample_book("全庁", &["企画部", "教育部"]));
}

fn check_everything(book: Book) {
    every_row_is_as_tall_as_its_wrapped_text(&book);
    every_progress_is_a_share_of_the_way_or_says_why_not(&book);
    no_number_shows_a_unit_of_more_parts_than_its_cell_has(&book);
    kpi_figures_are_numbers_that_show_their_unit(&book);
    each_chart_plots_one_unit_from_zero_and_every_indicator_is_plotted(&book);
    drop(book.city);
}

/// Every text cell of every sheet (headers too) fits its row: the row has a height
/// and that height gives each line the text needs at its column's width.
fn every_row_is_as_tall_as_its_wrapped_text(book: &Book) {
    let mut workbook = open(&book.path);
    let names = workbook.sheet_names();
    let mut checked = 0;
    for (index, name) in names.iter().enumerate() {
        let xml = sheet_xml(&book.path, index);
        let (widths, heights) = (column_widths(&xml), row_heights(&xml));
        let range = workbook.worksheet_range(name).unwrap();
        for (r, c, value) in range.used_cells() {
            let Data::String(text) = value else { continue };
            let width = widths.get(&c).copied().unwrap_or(8.43);
            let needed = fewest_lines(text, width) as f64 * LINE_POINTS;
            let height = heights.get(&r).copied().unwrap_or(LINE_POINTS);
            assert!(
                height <= 409.0,
                "{name} row {}: {height}pt, Excel cuts it",
                r + 1
            );
            assert!(
                height >= needed,
                "{name} row {} col {c}: {height}pt for {needed}pt of 「{text}」",
                r + 1
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no text cells");
}

fn number(range: &Range<Data>, r: usize, c: usize) -> Option<f64> {
    match range.get((r, c)) {
        Some(Data::Float(v)) => Some(*v),
        Some(Data::Int(v)) => Some(*v as f64),
        _ => None,
    }
}

fn text(range: &Range<Data>, r: usize, c: usize) -> String {
    range
        .get((r, c))
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// A 進捗率 is between 0% and 100%; 100% (unless the target is met exactly) and a
/// blank have a note; a share below 100% is (actual − baseline) / (target − baseline).
fn every_progress_is_a_share_of_the_way_or_says_why_not(book: &Book) {
    let range = open(&book.path).worksheet_range("目標指標").unwrap();
    assert_eq!(text(&range, 0, PROGRESS), "進捗率");
    let mut shares = 0;
    for r in 1..range.height() {
        let note = text(&range, r, PROGRESS + 1);
        let name = text(&range, r, 4);
        let Some(share) = number(&range, r, PROGRESS) else {
            assert!(!note.is_empty(), "{name}: a blank 進捗率 without a reason");
            continue;
        };
        assert!((0.0..=1.0).contains(&share), "{name}: 進捗率 {share}");
        let at = |k: usize| number(&range, r, NUMBERS + k);
        let baseline = at(0).or(at(1)).unwrap();
        let (actual, target) = (at(3).unwrap(), at(4).unwrap());
        let raw = (actual - baseline) / (target - baseline);
        if share < 1.0 {
            assert!((raw - share).abs() < 1e-9, "{name}: {share} for {raw}");
            shares += 1;
        } else if raw > 1.0 {
            assert!(!note.is_empty(), "{name}: capped at 100% without a note");
        }
    }
    assert!(shares > 0, "no plain shares");
}

/// The units (parts separated by ・, 、 or 及び) after the last digit of a shown figure.
fn unit_parts(shown: &str) -> Vec<String> {
    let tail = shown.trim_start_matches(|c: char| c.is_ascii_digit() || ",.-".contains(c));
    tail.split(['・', '、'])
        .flat_map(|p| p.split("及び"))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// How many figures a text holds: runs of digits (separators aside) that do not
/// belong to a unit's name (the 2 of t-CO2).
fn figures(text: &str) -> usize {
    let chars: Vec<char> = text.chars().filter(|c| !",.".contains(*c)).collect();
    let starts = |k: usize| {
        let previous = k.checked_sub(1).map(|p| chars[p]);
        chars[k].is_ascii_digit()
            && !previous.is_some_and(|p| p.is_ascii_digit() || p.is_ascii_alphabetic())
    };
    (0..chars.len()).filter(|k| starts(*k)).count()
}

/// Every number of the 目標指標 sheet shows one figure and at most one unit, and that
/// unit is printed in the cell it was read from or is the row's single unit.
fn no_number_shows_a_unit_of_more_parts_than_its_cell_has(book: &Book) {
    let rows = &book.shown["目標指標"];
    let mut checked = 0;
    for row in rows.iter().skip(1) {
        for k in 0..PERIODS {
            let shown = &row[NUMBERS + k];
            if shown.is_empty() {
                continue;
            }
            let parts = unit_parts(shown);
            assert_eq!(figures(shown), 1, "{shown}");
            assert!(
                parts.len() <= 1,
                "「{shown}」 claims {parts:?} for one number"
            );
            if let Some(unit) = parts.first() {
                let printed = &row[PRINTED + k];
                let declared = &row[UNIT];
                assert!(
                    printed.contains(unit.as_str()) || declared == unit,
                    "「{shown}」: {unit} is neither in 「{printed}」 nor the unit {declared}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no numbers");
}

/// The KPIs' printed cells, per KPI id, from the dataset export.
fn kpi_cells(city: &TestCity) -> BTreeMap<String, Vec<String>> {
    let out = city.path().join("export");
    let args = [
        "export",
        "--fiscal-year",
        "2020",
        "--format",
        "json",
        "--out",
    ];
    let mut args: Vec<&str> = args.to_vec();
    let out_text = out.to_string_lossy().to_string();
    args.push(&out_text);
    stdout_of(&city.hakusho(&args));
    let file = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let goals = json["white_paper"]["strategy"]["goals"].as_array().unwrap();
    let kpis = goals.iter().flat_map(|g| g["kpis"].as_array().unwrap());
    kpis.map(|k| {
        let cells = k["cells"].as_array().unwrap().iter();
        let printed = cells.map(|c| c["printed"].as_str().unwrap().to_string());
        (k["id"].as_str().unwrap().to_string(), printed.collect())
    })
    .collect()
}

/// A KPI cell that holds a figure is that number, shown with the unit it was printed
/// with; a cell that is not a figure (維持, 同左, —) is its text.
fn kpi_figures_are_numbers_that_show_their_unit(book: &Book) {
    let range = open(&book.path).worksheet_range("総合戦略KPI").unwrap();
    let shown = &book.shown["総合戦略KPI"];
    let cells = kpi_cells(&book.city);
    let mut numbers = 0;
    for r in 1..range.height() {
        let printed = &cells[&text(&range, r, 0)];
        for (k, p) in printed.iter().enumerate() {
            let reading = Observation::parse(p);
            let Some(value) = reading.value() else {
                assert_eq!(
                    &text(&range, r, 4 + k),
                    p.trim(),
                    "not a figure: as printed"
                );
                continue;
            };
            assert_eq!(number(&range, r, 4 + k), Some(value), "「{p}」 as a number");
            let unit = reading.unit().unwrap_or("");
            let display = &shown[r][4 + k];
            assert!(display.ends_with(unit), "「{p}」 shown as 「{display}」");
            numbers += 1;
        }
    }
    assert!(numbers > 0, "no KPI figures");
}

/// The rows of the 目標指標 sheet a chart's lines plot (`目標指標!$L$5:$O$5`).
fn plotted_rows(chart: &str) -> Vec<usize> {
    chart
        .split("<c:val><c:numRef><c:f>")
        .skip(1)
        .map(|s| {
            let reference = &s[..s.find('<').unwrap()];
            let row = reference.rsplit('$').next().unwrap();
            row.parse::<usize>().unwrap() - 1
        })
        .collect()
}

/// The numbers a chart's cached series hold.
fn plotted_values(chart: &str) -> Vec<f64> {
    chart
        .split("<c:numCache>")
        .skip(1)
        .flat_map(|s| {
            let cache = &s[..s.find("</c:numCache>").unwrap()];
            cache
                .split("<c:v>")
                .skip(1)
                .map(|v| v[..v.find('<').unwrap()].parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The units a row's shown numbers (L–O) carry.
fn row_units(shown: &[Vec<String>], row: usize) -> BTreeSet<String> {
    (0..PERIODS - 1)
        .map(|k| &shown[row][NUMBERS + k])
        .filter(|s| !s.is_empty())
        .map(|s| unit_parts(s).join("・"))
        .collect()
}

/// Each chart's lines share one unit, its value axis has a title and starts at zero
/// when no figure is below zero, no line is more than ten times another (it would lie
/// flat), and every indicator with numbers is on a chart.
fn each_chart_plots_one_unit_from_zero_and_every_indicator_is_plotted(book: &Book) {
    let shown = &book.shown["目標指標"];
    let mut plotted = BTreeSet::new();
    for n in 1.. {
        let Some(chart) = zip_text(&book.path, &format!("xl/charts/chart{n}.xml")) else {
            break;
        };
        let rows = plotted_rows(&chart);
        let units: BTreeSet<String> = rows.iter().flat_map(|r| row_units(shown, *r)).collect();
        assert_eq!(units.len(), 1, "chart{n}: lines of units {units:?}");
        let axis = &chart[chart.find("<c:valAx>").unwrap()..];
        assert!(
            axis.contains("<c:title>"),
            "chart{n}: the value axis has no title"
        );
        let values = plotted_values(&chart);
        if values.iter().all(|v| *v >= 0.0) {
            assert!(
                axis.contains("<c:min val=\"0\"/>"),
                "chart{n}: not from zero"
            );
        }
        assert_same_scale(&chart, &rows, n);
        plotted.extend(rows);
    }
    let with_numbers: BTreeSet<usize> = (1..shown.len())
        .filter(|r| !row_units(shown, *r).is_empty())
        .collect();
    assert_eq!(
        plotted, with_numbers,
        "every indicator with numbers on a chart"
    );
}

/// No line of a chart peaks more than ten times higher than another.
fn assert_same_scale(chart: &str, rows: &[usize], n: usize) {
    let peaks: Vec<f64> = chart
        .split("<c:ser>")
        .skip(1)
        .map(|s| {
            plotted_values(s)
                .iter()
                .fold(0.0, |m: f64, v| m.max(v.abs()))
        })
        .collect();
    assert_eq!(peaks.len(), rows.len());
    let high = peaks.iter().copied().fold(0.0, f64::max);
    let low = peaks.iter().copied().fold(f64::MAX, f64::min);
    assert!(
        high <= low * 10.0 || high == 0.0,
        "chart{n}: peaks {peaks:?}"
    );
}
