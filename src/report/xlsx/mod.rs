//! The consolidated workbook (xlsx): a sheet per table of the datasets, frozen header,
//! autofilter, widths for Japanese text, figures as numbers whose format shows their
//! unit, status coloured by conditional formatting, a chart per policy, document
//! properties, and A4 page setup. The same for one department's part.

use rust_xlsxwriter::{
    Chart, ChartType, Color, ConditionalFormatText, ConditionalFormatTextRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::Edition;
use crate::consolidate::{ActionItem, Datasets, Indicator, Policy};
use crate::domain::Status;

const INDICATORS: &str = "目標指標";
const FIXED: [(&str, f64); 6] = [
    ("部", 12.0),
    ("施策コード", 8.0),
    ("施策名", 22.0),
    ("担当課", 14.0),
    ("指標名", 38.0),
    ("単位", 8.0),
];

/// The header and width (characters) of each column of the other sheets.
const PROGRESS_COLUMNS: [(&str, f64); 4] = [
    ("施策コード", 10.0),
    ("施策名", 24.0),
    ("担当部", 12.0),
    ("取り組み状況", 100.0),
];
const KPI_COLUMNS: [(&str, f64); 4] = [
    ("KPI", 7.0),
    ("基本目標", 8.0),
    ("指標", 36.0),
    ("担当部", 12.0),
];
const ACTION_COLUMNS: [(&str, f64); 7] = [
    ("体系", 6.0),
    ("個別課題", 8.0),
    ("主要", 6.0),
    ("課題名", 30.0),
    ("担当部", 14.0),
    ("概要", 60.0),
    ("取組状況等", 60.0),
];
const PLAN_COLUMNS: [(&str, f64); 6] = [
    ("部", 14.0),
    ("番号", 6.0),
    ("主要事業", 50.0),
    ("担当課", 14.0),
    ("目標指標", 30.0),
    ("目標", 16.0),
];

fn owned(columns: &[(&str, f64)]) -> Vec<(String, f64)> {
    columns.iter().map(|(l, w)| (l.to_string(), *w)).collect()
}

/// Builds the workbook; `inputs_sha256` and the template version go into its properties.
pub fn build(datasets: &Datasets, edition: &Edition) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(datasets, edition)?);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_border(FormatBorder::Thin);
    let text = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let rows = indicator_sheet(workbook.add_worksheet(), datasets, &header, &text)?;
    chart_sheet(&mut workbook, &rows)?;
    progress_sheet(workbook.add_worksheet(), datasets, &header, &text)?;
    kpi_sheet(workbook.add_worksheet(), datasets, &header, &text)?;
    action_sheet(workbook.add_worksheet(), datasets, &header, &text)?;
    plan_sheet(workbook.add_worksheet(), datasets, &header, &text)?;
    workbook.save_to_buffer()
}

/// Title, author, subject; the inputs' digest and the template version, so that a
/// published workbook can be traced; the build time as creation time.
fn properties(datasets: &Datasets, edition: &Edition) -> Result<DocProperties, XlsxError> {
    let title = format!(
        "{} {} 白書データ",
        datasets.city, datasets.fiscal_year_label
    );
    let template = crate::workbook::layout::TEMPLATE_VERSION;
    let created = ExcelDateTime::from_timestamp(edition.built_at.timestamp())?;
    Ok(DocProperties::new()
        .set_title(title)
        .set_author(datasets.city.as_str())
        .set_subject(datasets.white_paper.plan_name.as_str())
        .set_comment(format!("inputs-sha256:{}", edition.inputs_sha256))
        .set_keywords(format!("hakusho-template:{template}"))
        .set_creation_datetime(&created))
}

/// Header row, widths, frozen pane, autofilter, A4 landscape fitted to the width.
fn frame(
    sheet: &mut Worksheet,
    name: &str,
    columns: &[(String, f64)],
    rows: u32,
    header: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (c, (label, width)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, label, header)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_row_height(0, 30)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.max(1), columns.len() as u16 - 1)?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// The number format that prints a figure with its unit: `#,##0.##"件"`.
fn unit_format(unit: &str, base: &Format) -> Format {
    let unit = unit.replace('"', "");
    let format = if unit.is_empty() {
        "#,##0.##".to_string()
    } else {
        format!("#,##0.##\"{unit}\"")
    };
    base.clone().set_num_format(format)
}

/// One row per indicator: printed cells, the numbers read from them, status, progress.
/// Returns, per policy, its code, name and the rows of its indicators.
fn indicator_sheet(
    sheet: &mut Worksheet,
    d: &Datasets,
    header: &Format,
    text: &Format,
) -> Result<Vec<(String, String, Vec<u32>)>, XlsxError> {
    let columns = indicator_columns(&d.white_paper.period_labels);
    let policies: Vec<_> = d
        .white_paper
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .collect();
    let total: u32 = policies.iter().map(|p| p.indicators.len() as u32).sum();
    frame(sheet, INDICATORS, &columns, total, header)?;
    let percent = text.clone().set_num_format("0%");
    let mut row = 0;
    let mut by_policy = Vec::new();
    for policy in policies {
        let mut rows = Vec::new();
        for i in &policy.indicators {
            row += 1;
            rows.push(row);
            sheet.write_row_with_format(row, 0, fixed_cells(policy, i), text)?;
            write_figures(sheet, row, i, text, &percent)?;
        }
        by_policy.push((policy.code.clone(), policy.name.clone(), rows));
    }
    status_colours(sheet, total)?;
    Ok(by_policy)
}

/// The columns before the figures: 部, 施策コード, 施策名, 担当課, 指標名, 単位.
fn fixed_cells(policy: &Policy, i: &Indicator) -> [String; 6] {
    [
        policy.department.clone(),
        policy.code.clone(),
        policy.name.clone(),
        policy.sections.join("・"),
        i.name.clone(),
        i.unit.clone(),
    ]
}

/// The fixed columns, then each period printed, each period as a number, the status
/// and the progress.
fn indicator_columns(periods: &[String]) -> Vec<(String, f64)> {
    let mut columns = owned(&FIXED);
    columns.extend(periods.iter().map(|p| (p.clone(), 16.0)));
    columns.extend(periods.iter().map(|p| (format!("{p}\n(数値)"), 14.0)));
    columns.extend([("状態".to_string(), 8.0), ("進捗率".to_string(), 8.0)]);
    columns
}

/// An indicator's cells as printed (G–K) and as numbers in its unit (L–P), its status
/// (Q) and progress (R); a cell without a number stays blank.
fn write_figures(
    sheet: &mut Worksheet,
    row: u32,
    i: &Indicator,
    text: &Format,
    percent: &Format,
) -> Result<(), XlsxError> {
    let number = unit_format(&i.unit, text);
    for (k, cell) in i.cells.iter().enumerate() {
        sheet.write_string_with_format(row, (6 + k) as u16, &cell.printed, text)?;
        match cell.value {
            Some(v) => sheet.write_number_with_format(row, (11 + k) as u16, v, &number)?,
            None => sheet.write_blank(row, (11 + k) as u16, text)?,
        };
    }
    sheet.write_string_with_format(row, 16, &i.status_label, text)?;
    match i.progress {
        Some(p) => sheet.write_number_with_format(row, 17, p, percent)?,
        None => sheet.write_blank(row, 17, text)?,
    };
    Ok(())
}

/// 達成 green, 順調 light green, 要注意 yellow, 後退 red.
fn status_colours(sheet: &mut Worksheet, rows: u32) -> Result<(), XlsxError> {
    let colours = [
        (Status::Achieved, 0xC6EFCE),
        (Status::OnTrack, 0xE2F0D9),
        (Status::Caution, 0xFFEB9C),
        (Status::Regressed, 0xFFC7CE),
    ];
    for (status, colour) in colours {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(
                status.label().to_string(),
            ))
            .set_format(Format::new().set_background_color(Color::RGB(colour)));
        sheet.add_conditional_format(1, 16, rows.max(1), 16, &rule)?;
    }
    Ok(())
}

/// A policy's chart: a line per indicator (its row of the 目標指標 sheet), over the
/// numeric columns from the baseline to the year (L–O).
fn policy_chart(title: &str, rows: &[u32]) -> Chart {
    let categories = (INDICATORS, 0, 11, 0, 14);
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name(title);
    for row in rows {
        chart
            .add_series()
            .set_categories(categories)
            .set_values((INDICATORS, *row, 11, *row, 14))
            .set_name((INDICATORS, *row, 4));
    }
    chart.set_width(480).set_height(260);
    chart
}

/// A line chart per policy: each indicator's figures from the baseline to the year.
fn chart_sheet(
    workbook: &mut Workbook,
    policies: &[(String, String, Vec<u32>)],
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("グラフ")?;
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    for (n, (code, name, rows)) in policies
        .iter()
        .filter(|(_, _, rows)| !rows.is_empty())
        .enumerate()
    {
        let chart = policy_chart(&format!("{code} {name}"), rows);
        sheet.insert_chart((n / 2) as u32 * 14, (n % 2) as u16 * 8, &chart)?;
    }
    Ok(())
}

fn progress_sheet(
    sheet: &mut Worksheet,
    d: &Datasets,
    header: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    let columns = owned(&PROGRESS_COLUMNS);
    let policies: Vec<_> = d
        .white_paper
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .collect();
    frame(sheet, "取組状況", &columns, policies.len() as u32, header)?;
    for (i, p) in policies.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [&p.code, &p.name, &p.department, &p.progress.join("\n")];
        sheet.write_row_with_format(row, 0, cells, text)?;
    }
    Ok(())
}

fn kpi_sheet(
    sheet: &mut Worksheet,
    d: &Datasets,
    header: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    let strategy = &d.white_paper.strategy;
    let mut columns = owned(&KPI_COLUMNS);
    columns.extend(strategy.period_labels.iter().map(|p| (p.clone(), 16.0)));
    let kpis: Vec<_> = strategy
        .goals
        .iter()
        .flat_map(|g| g.kpis.iter().map(move |k| (g.number, k)))
        .collect();
    frame(sheet, "総合戦略KPI", &columns, kpis.len() as u32, header)?;
    for (i, (goal, k)) in kpis.iter().enumerate() {
        let row = i as u32 + 1;
        let mut cells = vec![
            k.id.clone(),
            goal.to_string(),
            k.name.clone(),
            k.department.clone(),
        ];
        cells.extend(k.cells.iter().map(|c| c.printed.clone()));
        sheet.write_row_with_format(row, 0, &cells, text)?;
    }
    Ok(())
}

fn action_sheet(
    sheet: &mut Worksheet,
    d: &Datasets,
    header: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    let columns = owned(&ACTION_COLUMNS);
    let items: Vec<_> = d
        .white_paper
        .action_plan
        .groups
        .iter()
        .flat_map(|g| &g.systems)
        .flat_map(|s| s.items.iter().map(move |i| (s.number, i)))
        .collect();
    frame(
        sheet,
        "アクションプラン",
        &columns,
        items.len() as u32,
        header,
    )?;
    for (n, (system, item)) in items.iter().enumerate() {
        let row = n as u32 + 1;
        sheet.write_row_with_format(row, 0, action_cells(*system, item), text)?;
    }
    Ok(())
}

/// 体系, 個別課題, 主要, 課題名, 担当部, 概要 and 取組状況等 of one item.
fn action_cells(system: u32, item: &ActionItem) -> [String; 7] {
    [
        system.to_string(),
        item.id.clone(),
        if item.major { "主要" } else { "" }.to_string(),
        item.title.clone(),
        item.departments.join("・"),
        item.overview.join("\n"),
        item.progress.join("\n"),
    ]
}

fn plan_sheet(
    sheet: &mut Worksheet,
    d: &Datasets,
    header: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    let columns = owned(&PLAN_COLUMNS);
    let projects: Vec<_> = d
        .department_plans
        .iter()
        .flat_map(|p| p.projects.iter().map(move |x| (&p.department, x)))
        .collect();
    frame(sheet, "主要事業", &columns, projects.len() as u32, header)?;
    for (n, (department, p)) in projects.iter().enumerate() {
        let row = n as u32 + 1;
        let cells = [
            *department,
            &p.number,
            &p.title,
            &p.section,
            &p.indicator,
            &p.target,
        ];
        sheet.write_row_with_format(row, 0, cells, text)?;
    }
    Ok(())
}
