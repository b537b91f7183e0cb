//! 各部の運営方針と目標: the booklet the city publishes (a section per department) and
//! the one-page newsletter article presenting each department's priority projects.
//! Texts come from `templates/report/newsletter.toml`; a field the year lacks prints
//! as "—", never as a gap or a made-up figure.

use std::path::Path;

use serde::Deserialize;

use super::page::{save, Align, Canvas, Table, A4_PORTRAIT};
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
    /// The paragraph that says what 各部の運営方針と目標 are.
    pub introduction: String,
    /// Who to ask (`☎企画経営課 ☎内線2150`).
    pub contact: String,
    /// The closing paragraph: where the booklet can be read.
    pub closing: String,
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
}

impl Texts {
    /// Reads `templates/report/newsletter.toml`.
    pub fn load(templates: &Path) -> anyhow::Result<Texts> {
        crate::report::load_texts(templates, "newsletter.toml")
    }

    fn or_missing(&self, text: &str) -> String {
        if text.trim().is_empty() {
            self.missing.clone()
        } else {
            text.to_string()
        }
    }
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
    canvas.paragraph(&texts.introduction, 9.0, 0.0, 1.6)?;
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

/// A department's page: its resources, 運営方針, projects and COVID-19 response.
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
    canvas.subheading(&texts.covid_heading, 10.5, 1.9)?;
    canvas.paragraph(&texts.or_missing(&plan.covid_response), 9.0, 9.0, 1.6)
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

/// The newsletter page: one A4 page, a block per department with its priority
/// projects, in two columns. The type shrinks until everything fits on the page.
pub fn newsletter(
    datasets: &Datasets,
    texts: &Texts,
    edition: &Edition,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    for size in [8.5, 8.0, 7.5, 7.0, 6.5, 6.0] {
        let mut canvas = Canvas::new(fonts, A4_PORTRAIT, 36.0);
        if newsletter_page(&mut canvas, datasets, texts, size)? {
            let (pages, used) = canvas.finish();
            let title = format!("{} {}", datasets.fiscal_year_label, texts.title);
            return save(
                fonts,
                A4_PORTRAIT,
                pages,
                &used,
                "",
                usize::MAX,
                &edition.meta(&title, &datasets.city, &title),
            );
        }
    }
    anyhow::bail!("各部の主要事業が多すぎて、広報紙の1ページに収まりません")
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
    canvas.line(36.0, canvas.y, 36.0 + width, canvas.y, 0.5, 0.5);
    canvas.gap(2.0);
    canvas.paragraph(&texts.closing, size, 0.0, 1.5)?;
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
    canvas.paragraph(&texts.introduction, size, 0.0, 1.5)?;
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
    let column_width = (canvas.content_width() - 14.0) / 2.0;
    let top = canvas.y;
    let mut ys = [top, top];
    for plan in &datasets.department_plans {
        // Each block goes into the shorter column.
        let column = if ys[0] >= ys[1] { 0 } else { 1 };
        let x = 36.0 + column as f32 * (column_width + 14.0);
        let y = block(canvas, plan, texts, x, ys[column], column_width, size)?;
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

/// One department's block; returns the y below it.
fn block(
    canvas: &mut Canvas,
    plan: &DepartmentPlan,
    texts: &Texts,
    x: f32,
    top: f32,
    width: f32,
    size: f32,
) -> anyhow::Result<f32> {
    let bar = size * 1.9;
    canvas.fill_rect(x, top - bar, width, bar, 0.85);
    canvas.text(
        &plan.department,
        size * 1.15,
        x + 4.0,
        top - bar + size * 0.5,
    )?;
    let mut y = top - bar - 2.0;
    for line in block_lines(plan, texts) {
        let wrapped_lines = at_most(canvas.fonts.wrap(&line, size, width - 14.0));
        for (i, wrapped) in wrapped_lines.into_iter().enumerate() {
            y -= size * 1.45;
            let indent = if i == 0 {
                4.0
            } else {
                4.0 + canvas.fonts.width("①", size)
            };
            canvas.text(&wrapped, size, x + indent, y)?;
        }
    }
    Ok(y - 3.0)
}
