//! 各部の運営方針と目標: the booklet the city publishes (a section per department) and
//! the newsletter article presenting each department's priority projects, on one page
//! or, for a city of many departments, on as many as it takes. Texts come from
//! `templates/report/newsletter.toml`; a field the year lacks prints as "—", never as a
//! gap or a made-up figure, except the COVID-19 response, which is a topic only for a
//! department that wrote one.

use std::path::Path;

use serde::Deserialize;

use super::page::{fit_line, save, Align, Canvas, Table, A4_PORTRAIT};
use super::text::FontSet;
use crate::consolidate::{Datasets, DepartmentPlan, Project};
use crate::report::Edition;
use crate::texts::{substitute, Values};

/// The texts of the booklet and the newsletter page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// The newsletter page's title (「各部の運営方針と目標」を策定しました).
    pub title: String,
    /// The line under the title.
    pub lead: String,
    /// The newsletter's paragraph that says what 各部の運営方針と目標 are;
    /// `{{covid_note}}` is filled only when a department wrote a COVID-19 response.
    pub introduction: String,
    /// What the newsletter's introduction adds when a department wrote a COVID-19
    /// response (`(今年度は新型コロナウイルス感染症への対応についても記述しています)`).
    #[serde(default)]
    pub covid_note: String,
    /// Who to ask (`☎企画経営課 ☎内線2150`).
    pub contact: String,
    /// The closing paragraph: where the booklet can be read.
    pub closing: String,
    /// The booklet's own first paragraph; `{{covid_topic}}` is filled only when a
    /// department wrote a COVID-19 response.
    #[serde(default = "default_booklet_introduction")]
    pub booklet_introduction: String,
    /// What the booklet's introduction lists when a department wrote a COVID-19 response.
    #[serde(default)]
    pub covid_topic: String,
    /// The booklet's title (`{{city}} {{fiscal_year}} 各部の運営方針と目標`); also the PDF title.
    pub booklet_title: String,
    /// Over 組織構成, 職員数 and 予算規模 (部の経営資源).
    pub resources_heading: String,
    /// Over the 運営方針.
    pub policy_heading: String,
    /// Over the 主要事業と目標指標.
    pub projects_heading: String,
    /// Over the response to COVID-19.
    pub covid_heading: String,
    /// Printed for a field the department left empty (—).
    pub missing: String,
    /// At the foot of a newsletter page that goes on to the next (（次ページへ続く）).
    #[serde(default = "default_continued")]
    pub continued: String,
}

fn default_booklet_introduction() -> String {
    "「各部の運営方針と目標」は、各部が主体的に取り組むための「部の経営の全体構想」を示すものです。本冊子では部ごとに、「部の経営資源」、「運営方針」、「主要事業と目標指標」{{covid_topic}}を掲載しています。".to_string()
}

fn default_continued() -> String {
    "（次ページへ続く）".to_string()
}

impl Texts {
    /// Reads `templates/report/newsletter.toml`.
    pub fn load(templates: &Path) -> anyhow::Result<Texts> {
        crate::report::load_texts(templates, "newsletter.toml")
    }

    /// A text with its `{{covid_…}}` placeholder filled: `addition` when any department
    /// wrote a COVID-19 response, nothing otherwise.
    fn with_covid(&self, text: &str, datasets: &Datasets) -> anyhow::Result<String> {
        let any = datasets
            .department_plans
            .iter()
            .any(|p| has_text(&p.covid_response));
        let (note, topic) = match any {
            true => (self.covid_note.clone(), self.covid_topic.clone()),
            false => (String::new(), String::new()),
        };
        substitute(
            text,
            &Values::from([("covid_note", note), ("covid_topic", topic)]),
        )
    }

    fn or_missing(&self, text: &str) -> String {
        if text.trim().is_empty() {
            self.missing.clone()
        } else {
            text.to_string()
        }
    }
}

/// Whether a field holds something to print (not blank, not the "none" mark `—`).
fn has_text(text: &str) -> bool {
    !text.trim().is_empty() && !crate::domain::is_mark(text.trim())
}

/// The booklet: a section per department with its resources, policy, projects and
/// COVID-19 response.
pub fn booklet(datasets: &Datasets, texts: &Texts, edition: &Edition) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let values = Values::from([
        ("city", datasets.city.clone()),
        ("fiscal_year", datasets.fiscal_year_label.clone()),
    ]);
    let title = substitute(&texts.booklet_title, &values)?;
    let mut canvas = Canvas::new(fonts, A4_PORTRAIT, 48.0);
    canvas.paragraph(&title, 18.0, 0.0, 1.6)?;
    let introduction = texts.with_covid(&texts.booklet_introduction, datasets)?;
    canvas.paragraph(&introduction, 9.0, 0.0, 1.6)?;
    for plan in &datasets.department_plans {
        canvas.new_page();
        canvas.section = plan.department.clone();
        department_section(&mut canvas, plan, texts)?;
    }
    let (pages, used) = canvas.finish();
    save(
        fonts,
        A4_PORTRAIT,
        pages,
        &used,
        &title,
        0,
        &edition.meta(&title, &datasets.city, &title),
    )
}

/// A department's page: its resources, 運営方針, projects and, when it wrote one, its
/// COVID-19 response (a year or a department without one has no such topic).
fn department_section(
    canvas: &mut Canvas,
    plan: &DepartmentPlan,
    texts: &Texts,
) -> anyhow::Result<()> {
    canvas.heading(&plan.department, 15.0, 1, 60.0)?;
    canvas.subheading(&texts.resources_heading, 10.5, 1.8)?;
    resources_table(canvas, plan, texts)?;
    canvas.subheading(&texts.policy_heading, 10.5, 1.9)?;
    canvas.paragraph(&texts.or_missing(&plan.operating_policy), 9.0, 9.0, 1.6)?;
    canvas.subheading(&texts.projects_heading, 10.5, 1.9)?;
    projects_table(canvas, plan, texts)?;
    if !has_text(&plan.covid_response) {
        return Ok(());
    }
    canvas.subheading(&texts.covid_heading, 10.5, 1.9)?;
    canvas.paragraph(&plan.covid_response, 9.0, 9.0, 1.6)
}

/// 番号, 主要事業, 目標指標 and 目標 of one project.
fn project_row(p: &Project, texts: &Texts) -> Vec<String> {
    vec![
        p.number.clone(),
        p.title.clone(),
        texts.or_missing(&p.indicator),
        texts.or_missing(&p.target),
    ]
}

/// 組織構成, 職員数 and 予算規模 as a two-column table.
fn resources_table(
    canvas: &mut Canvas,
    plan: &DepartmentPlan,
    texts: &Texts,
) -> anyhow::Result<()> {
    let sections = if plan.sections.is_empty() {
        texts.missing.clone()
    } else {
        plan.sections.join("、")
    };
    let rows = vec![
        vec!["組織構成".to_string(), sections],
        vec!["職員数".to_string(), texts.or_missing(&plan.staff_count)],
        vec!["予算規模".to_string(), texts.or_missing(&plan.budget)],
    ];
    let table = Table {
        widths: vec![90.0, 409.0],
        align: vec![Align::Left, Align::Left],
        header: vec!["項目".into(), "内容".into()],
        rows,
        size: 8.5,
    };
    canvas.table(&table)
}

/// The 主要事業 with their 目標指標 and 目標, or the missing mark when there are none.
fn projects_table(canvas: &mut Canvas, plan: &DepartmentPlan, texts: &Texts) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = plan
        .projects
        .iter()
        .map(|p| project_row(p, texts))
        .collect();
    if rows.is_empty() {
        canvas.paragraph(&texts.missing, 9.0, 9.0, 1.6)?;
    } else {
        let header = ["番号", "主要事業", "目標指標(単年度)", "目標"]
            .map(String::from)
            .to_vec();
        let table = Table {
            widths: vec![30.0, 249.0, 140.0, 80.0],
            align: vec![Align::Center, Align::Left, Align::Left, Align::Left],
            header,
            rows,
            size: 8.5,
        };
        canvas.table(&table)?;
    }
    Ok(())
}

/// The type sizes the newsletter tries, largest first, to hold every department on
/// one page; below the last, type would be too small to read in print.
const ONE_PAGE_SIZES: [f32; 4] = [8.5, 8.0, 7.5, 7.0];

/// The newsletter page: one A4 page, a block per department with its priority
/// projects, in two columns; the type shrinks until everything fits on the page. A
/// city whose departments do not fit at the smallest size gets further pages, each
/// ending in （次ページへ続く）: the article never fails for its length.
pub fn newsletter(
    datasets: &Datasets,
    texts: &Texts,
    edition: &Edition,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let canvas = match one_page(datasets, texts, fonts)? {
        Some(canvas) => canvas,
        None => continued_pages(datasets, texts, fonts, ONE_PAGE_SIZES[1])?,
    };
    let (pages, used) = canvas.finish();
    let title = format!("{} {}", datasets.fiscal_year_label, texts.title);
    let meta = edition.meta(&title, &datasets.city, &title);
    save(fonts, A4_PORTRAIT, pages, &used, "", usize::MAX, &meta)
}

/// The page laid out at the largest size at which it fits, if any does.
fn one_page<'f>(
    datasets: &Datasets,
    texts: &Texts,
    fonts: &'f FontSet,
) -> anyhow::Result<Option<Canvas<'f>>> {
    for size in ONE_PAGE_SIZES {
        let mut canvas = Canvas::new(fonts, A4_PORTRAIT, NEWSLETTER_MARGIN);
        if newsletter_page(&mut canvas, datasets, texts, size)? {
            return Ok(Some(canvas));
        }
    }
    Ok(None)
}

/// The article over as many pages as it takes at `size`: the blocks fill both columns
/// of a page, a page that goes on says so at its foot, the closing follows the last block.
fn continued_pages<'f>(
    datasets: &Datasets,
    texts: &Texts,
    fonts: &'f FontSet,
    size: f32,
) -> anyhow::Result<Canvas<'f>> {
    let mut canvas = Canvas::new(fonts, A4_PORTRAIT, NEWSLETTER_MARGIN);
    newsletter_head(&mut canvas, datasets, texts, size)?;
    let floor = canvas.bottom + size * 2.0;
    let mut columns = [canvas.y, canvas.y];
    for plan in &datasets.department_plans {
        let column = shorter(&columns);
        let height = block_height(&canvas, plan, texts, size);
        let page_top = canvas.size.height - NEWSLETTER_MARGIN - 12.0;
        if columns[column] - height < floor && columns[column] < page_top {
            continued_mark(&mut canvas, texts, size)?;
            canvas.new_page();
            columns = [canvas.y, canvas.y];
        }
        let column = shorter(&columns);
        let x = NEWSLETTER_MARGIN + column as f32 * (column_width(&canvas) + COLUMN_GAP);
        let y = block(&mut canvas, plan, texts, x, columns[column], size)?;
        columns[column] = y - size;
    }
    canvas.y = columns[0].min(columns[1]) - 4.0;
    closing(&mut canvas, texts, size)?;
    Ok(canvas)
}

/// The column whose blocks end higher up: the next block goes there.
fn shorter(columns: &[f32; 2]) -> usize {
    if columns[0] >= columns[1] {
        0
    } else {
        1
    }
}

/// （次ページへ続く） at the foot of the page, on the right.
fn continued_mark(canvas: &mut Canvas, texts: &Texts, size: f32) -> anyhow::Result<()> {
    let (width, y) = (canvas.content_width(), canvas.bottom + size * 0.5);
    canvas.aligned(
        &texts.continued,
        size,
        NEWSLETTER_MARGIN,
        width,
        y,
        Align::Right,
    )
}

/// A rule, then where the booklet can be read; on a new page when it does not fit.
fn closing(canvas: &mut Canvas, texts: &Texts, size: f32) -> anyhow::Result<()> {
    let width = canvas.content_width();
    let lines = canvas.fonts.wrap(&texts.closing, size, width).len() as f32;
    canvas.ensure_space(lines * size * 1.5 + 8.0);
    canvas.line(
        NEWSLETTER_MARGIN,
        canvas.y,
        NEWSLETTER_MARGIN + width,
        canvas.y,
        0.5,
        0.5,
    );
    canvas.gap(2.0);
    canvas.paragraph(&texts.closing, size, 0.0, 1.5)
}

/// Lays the page out at `size`; false when it does not fit.
fn newsletter_page(
    canvas: &mut Canvas,
    datasets: &Datasets,
    texts: &Texts,
    size: f32,
) -> anyhow::Result<bool> {
    let width = canvas.content_width();
    newsletter_head(canvas, datasets, texts, size)?;
    let bottom_reserved =
        48.0 + size * 1.5 * (canvas.fonts.wrap(&texts.closing, size, width).len() as f32) + 8.0;
    let Some(bottom) = department_blocks(canvas, datasets, texts, size, bottom_reserved)? else {
        return Ok(false);
    };
    canvas.y = bottom - 4.0;
    closing(canvas, texts, size)?;
    Ok(canvas.page_index() == 0)
}

/// The year and the lead, the title, the introduction and whom to ask.
fn newsletter_head(
    canvas: &mut Canvas,
    datasets: &Datasets,
    texts: &Texts,
    size: f32,
) -> anyhow::Result<()> {
    let width = canvas.content_width();
    canvas.text(&datasets.fiscal_year_label, 11.0, 36.0, canvas.y)?;
    canvas.aligned(&texts.lead, 9.0, 36.0, width, canvas.y, Align::Right)?;
    canvas.gap(10.0);
    canvas.paragraph(&texts.title, 18.0, 0.0, 1.5)?;
    let introduction = texts.with_covid(&texts.introduction, datasets)?;
    canvas.paragraph(&introduction, size, 0.0, 1.5)?;
    canvas.aligned(
        &texts.contact,
        size,
        36.0,
        width,
        canvas.y - size * 1.4,
        Align::Right,
    )?;
    canvas.gap(size * 2.2);
    Ok(())
}

/// A block per department in two columns, each into the shorter one; the y below the
/// longer column, or `None` when a block reaches into `bottom_reserved`.
fn department_blocks(
    canvas: &mut Canvas,
    datasets: &Datasets,
    texts: &Texts,
    size: f32,
    bottom_reserved: f32,
) -> anyhow::Result<Option<f32>> {
    let top = canvas.y;
    let mut ys = [top, top];
    for plan in &datasets.department_plans {
        let column = shorter(&ys);
        let x = NEWSLETTER_MARGIN + column as f32 * (column_width(canvas) + COLUMN_GAP);
        let y = block(canvas, plan, texts, x, ys[column], size)?;
        if y < bottom_reserved {
            return Ok(None);
        }
        ys[column] = y - size;
    }
    Ok(Some(ys[0].min(ys[1])))
}

/// The most lines a project takes in the newsletter: a page shared by every department
/// cannot hold a project of thousands of characters (the booklet prints it whole).
const NEWSLETTER_PROJECT_LINES: usize = 4;

/// The first lines of a wrapped project, the last one ending in … when cut.
fn at_most(mut lines: Vec<String>) -> Vec<String> {
    if lines.len() > NEWSLETTER_PROJECT_LINES {
        lines.truncate(NEWSLETTER_PROJECT_LINES);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    lines
}

/// A line per project (①…), or the missing mark when there are none.
fn block_lines(plan: &DepartmentPlan, texts: &Texts) -> Vec<String> {
    if plan.projects.is_empty() {
        vec![texts.missing.clone()]
    } else {
        plan.projects
            .iter()
            .map(|p| format!("{}{}", p.number, p.title))
            .collect()
    }
}

/// The newsletter's margins.
const NEWSLETTER_MARGIN: f32 = 36.0;
/// The space between the two columns.
const COLUMN_GAP: f32 = 14.0;

fn column_width(canvas: &Canvas) -> f32 {
    (canvas.content_width() - COLUMN_GAP) / 2.0
}

/// The lines of a department's block as printed, each with its indent: a project's
/// first line from the block's edge, the lines it wraps to under its text.
fn wrapped_block_lines(
    canvas: &Canvas,
    plan: &DepartmentPlan,
    texts: &Texts,
    size: f32,
) -> Vec<(String, f32)> {
    let width = column_width(canvas);
    let hanging = 4.0 + canvas.fonts.width("①", size);
    let mut lines = Vec::new();
    for line in block_lines(plan, texts) {
        let wrapped = at_most(canvas.fonts.wrap(&line, size, width - 14.0));
        for (i, text) in wrapped.into_iter().enumerate() {
            lines.push((text, if i == 0 { 4.0 } else { hanging }));
        }
    }
    lines
}

/// How far down a department's block reaches, with the space after it.
fn block_height(canvas: &Canvas, plan: &DepartmentPlan, texts: &Texts, size: f32) -> f32 {
    let lines = wrapped_block_lines(canvas, plan, texts, size).len() as f32;
    size * 1.9 + 2.0 + lines * size * 1.45 + 3.0 + size
}

/// One department's block; returns the y below it.
fn block(
    canvas: &mut Canvas,
    plan: &DepartmentPlan,
    texts: &Texts,
    x: f32,
    top: f32,
    size: f32,
) -> anyhow::Result<f32> {
    let width = column_width(canvas);
    let bar = size * 1.9;
    canvas.fill_rect(x, top - bar, width, bar, 0.85);
    // A long name is set smaller, then cut, never over the next column.
    let (name, name_size) = fit_line(canvas.fonts, &plan.department, size * 1.15, width - 8.0);
    canvas.text(&name, name_size, x + 4.0, top - bar + size * 0.5)?;
    let mut y = top - bar - 2.0;
    for (line, indent) in wrapped_block_lines(canvas, plan, texts, size) {
        y -= size * 1.45;
        canvas.text(&line, size, x + indent, y)?;
    }
    Ok(y - 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_department_name_fits_its_bar_whatever_its_length() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(&root.join("data/hakusho.toml")).unwrap();
        let fonts = FontSet::for_config(&config).unwrap();
        let canvas = Canvas::new(&fonts, A4_PORTRAIT, NEWSLETTER_MARGIN);
        let width = column_width(&canvas) - 8.0;
        for name in [
            "企画部",
            "デジタル・トランスフォーメーション推進及び行財政改革担当部",
            &"長".repeat(200),
        ] {
            let (shown, size) = fit_line(canvas.fonts, name, 10.0, width);
            assert!(canvas.fonts.width(&shown, size) <= width, "{name}");
            assert!(size >= 6.0, "{name}: {size}");
            let kept = shown.trim_end_matches('…');
            assert!(name.starts_with(kept), "{name}: {shown}");
        }
        assert_eq!(
            fit_line(canvas.fonts, "企画部", 10.0, width),
            ("企画部".to_string(), 10.0)
        );
    }
}
