//! 自治体経営白書 (PDF, A4): cover, contents with page numbers, chapter 1 (each part and
//! policy: owner, indicator table with status, footnotes, a chart per indicator, the
//! progress narrative; the regional strategy with its goals and KPIs), chapter 2 (every
//! action-plan item), a running header and page numbers. Texts come from
//! `templates/report/white_paper.toml`.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::chart::{self, Series};
use super::page::{save, Align, Canvas, RawPage, Table, A4_PORTRAIT};
use super::text::FontSet;
use crate::consolidate::{Datasets, Goal, Policy};
use crate::domain::japanese::era_year_label;
use crate::domain::Period;
use crate::report::Edition;
use crate::texts::{substitute, Values};

const MARGIN: f32 = 48.0;
const BODY: f32 = 9.0;

/// The headings and labels of the white paper.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub title: String,
    pub subtitle: String,
    pub contents: String,
    pub chapter1: String,
    pub progress_section: String,
    pub owner_label: String,
    pub indicator_heading: String,
    pub narrative_heading: String,
    pub indicator_column: String,
    pub status_column: String,
    pub chart_target: String,
    pub no_narrative: String,
    pub strategy_section: String,
    pub goal_heading: String,
    pub numeric_goal_column: String,
    pub kpi_heading: String,
    pub kpi_column: String,
    pub chapter2: String,
    pub action_section: String,
    pub group_heading: String,
    pub system_heading: String,
    pub major_mark: String,
    pub departments_label: String,
    pub overview_label: String,
    pub action_progress_label: String,
    pub no_progress: String,
    pub department_title: String,
    pub department_plan_heading: String,
    pub submission_heading: String,
    pub nothing_to_note: String,
    pub missing_field: String,
}

impl Labels {
    /// Reads `templates/report/white_paper.toml`.
    pub fn load(templates: &Path) -> anyhow::Result<Labels> {
        crate::report::load_texts(templates, "white_paper.toml")
    }
}

/// Builds the white paper. `built_at` dates the cover and the metadata.
pub fn build(datasets: &Datasets, labels: &Labels, edition: &Edition) -> anyhow::Result<Vec<u8>> {
    let title = substitute(&labels.title, &base_values(datasets))?;
    render(datasets, labels, edition, &title, |_, _| Ok(()))
}

/// A department's own report: its part of the white paper, then its 運営方針と目標 and
/// what is missing or was flagged in its submission (`notes`: the intake findings of
/// its current submission).
pub fn build_department(
    datasets: &Datasets,
    department: &str,
    notes: &[String],
    labels: &Labels,
    edition: &Edition,
) -> anyhow::Result<Vec<u8>> {
    let own = datasets.for_department(department);
    let mut values = base_values(datasets);
    values.insert("department", department.to_string());
    let title = substitute(&labels.department_title, &values)?;
    render(&own, labels, edition, &title, |canvas, writer| {
        writer.department_sections(canvas, &own, notes)
    })
}

fn base_values(datasets: &Datasets) -> Values {
    Values::from([
        ("city", datasets.city.clone()),
        ("edition", (datasets.fiscal_year + 1).to_string()),
        ("plan", datasets.white_paper.plan_name.clone()),
        ("fiscal_year", datasets.fiscal_year_label.clone()),
        ("strategy", datasets.white_paper.strategy.name.clone()),
        ("action_plan", datasets.white_paper.action_plan.name.clone()),
    ])
}

/// Cover, contents, the two chapters, then whatever `extra` adds.
fn render(
    datasets: &Datasets,
    labels: &Labels,
    edition: &Edition,
    title: &str,
    extra: impl Fn(&mut Canvas, &Writer) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let values = base_values(datasets);
    let writer = Writer {
        labels,
        values: &values,
    };
    let mut body = Canvas::new(fonts, A4_PORTRAIT, MARGIN);
    writer.chapter1(&mut body, datasets)?;
    writer.chapter2(&mut body, datasets)?;
    extra(&mut body, &writer)?;
    let headings = body.headings.clone();
    let (body_pages, mut used) = body.finish();
    // The contents go before the body, so the body's page numbers depend on how many
    // pages the contents take: lay them out once to count, then with the real numbers.
    let draft = contents(fonts, labels, &headings, 0)?;
    let front = contents(fonts, labels, &headings, draft.0.len())?;
    used.extend(front.1);
    let mut cover = Canvas::new(fonts, A4_PORTRAIT, MARGIN);
    cover_page(&mut cover, title, labels, datasets, edition.built_at)?;
    let (cover_pages, cover_fonts) = cover.finish();
    used.extend(cover_fonts);
    let pages: Vec<RawPage> = cover_pages
        .into_iter()
        .chain(front.0)
        .chain(body_pages)
        .collect();
    let meta = edition.meta(title, &datasets.city, &datasets.white_paper.plan_name);
    save(fonts, A4_PORTRAIT, pages, &used, title, 1, &meta)
}

fn cover_page(
    canvas: &mut Canvas,
    title: &str,
    labels: &Labels,
    datasets: &Datasets,
    built_at: chrono::DateTime<chrono_tz::Tz>,
) -> anyhow::Result<()> {
    let width = canvas.content_width();
    let height = canvas.size.height;
    canvas.aligned(title, 26.0, MARGIN, width, height * 0.62, Align::Center)?;
    canvas.aligned(
        &labels.subtitle,
        14.0,
        MARGIN,
        width,
        height * 0.55,
        Align::Center,
    )?;
    use chrono::Datelike;
    let date = format!(
        "{}（{}）年{}月",
        era_year_label(built_at.year()),
        built_at.year(),
        built_at.month()
    );
    canvas.aligned(&date, 12.0, MARGIN, width, height * 0.22, Align::Center)?;
    canvas.aligned(
        &datasets.city,
        16.0,
        MARGIN,
        width,
        height * 0.17,
        Align::Center,
    )?;
    Ok(())
}

/// The contents pages, numbering the body from after the cover and the contents.
fn contents(
    fonts: &FontSet,
    labels: &Labels,
    headings: &[super::page::Heading],
    front_pages: usize,
) -> anyhow::Result<(Vec<RawPage>, std::collections::BTreeSet<usize>)> {
    let mut canvas = Canvas::new(fonts, A4_PORTRAIT, MARGIN);
    canvas.paragraph(&labels.contents, 16.0, 0.0, 1.6)?;
    canvas.gap(6.0);
    for heading in headings.iter().filter(|h| h.level <= 2) {
        let size = if heading.level == 1 { 10.5 } else { 9.0 };
        let indent = if heading.level == 1 { 0.0 } else { 14.0 };
        canvas.ensure_space(size * 1.7);
        canvas.gap(size * 1.7);
        let number = (heading.page + front_pages + 1).to_string();
        let width = canvas.content_width();
        let available = width - indent - 30.0;
        let line = canvas
            .fonts
            .wrap(&heading.text, size, available)
            .into_iter()
            .next()
            .unwrap_or_default();
        canvas.text(&line, size, MARGIN + indent, canvas.y)?;
        let dots_from = MARGIN + indent + canvas.fonts.width(&line, size) + 4.0;
        let dots_to = MARGIN + width - canvas.fonts.width(&number, size) - 4.0;
        if dots_to > dots_from {
            canvas.polyline(
                &[(dots_from, canvas.y + 1.0), (dots_to, canvas.y + 1.0)],
                0.4,
                0.6,
                true,
            );
        }
        canvas.aligned(&number, size, MARGIN, width, canvas.y, Align::Right)?;
    }
    Ok(canvas.finish())
}

struct Writer<'a> {
    labels: &'a Labels,
    values: &'a Values,
}

impl Writer<'_> {
    fn fill(&self, template: &str, extra: &[(&'static str, String)]) -> anyhow::Result<String> {
        let mut values = self.values.clone();
        values.extend(extra.iter().cloned());
        substitute(template, &values)
    }

    fn chapter1(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        let wp = &datasets.white_paper;
        canvas.section = self.fill(&self.labels.chapter1, &[])?;
        canvas.heading(&canvas.section.clone(), 15.0, 1, 40.0)?;
        canvas.heading(
            &self.fill(&self.labels.progress_section, &[])?,
            12.5,
            2,
            40.0,
        )?;
        for part in &wp.parts {
            canvas.gap(4.0);
            canvas.heading(
                &format!("第{}部 {}", part.number, part.title),
                12.0,
                2,
                60.0,
            )?;
            for policy in &part.policies {
                self.policy(canvas, policy, &wp.period_labels)
                    .with_context(|| format!("施策 {}", policy.code))?;
            }
        }
        self.strategy(canvas, datasets)
    }

    fn policy(
        &self,
        canvas: &mut Canvas,
        policy: &Policy,
        periods: &[String],
    ) -> anyhow::Result<()> {
        canvas.gap(6.0);
        canvas.heading(
            &format!("{} {}", policy_label(&policy.code), policy.name),
            11.0,
            3,
            80.0,
        )?;
        let owner = format!(
            "{} {}{}",
            self.labels.owner_label,
            policy.department,
            policy.sections.join("・")
        );
        canvas.paragraph(&owner, 8.5, 0.0, 1.5)?;
        if !policy.indicators.is_empty() {
            canvas.paragraph(&self.labels.indicator_heading, 9.5, 0.0, 1.6)?;
            let widths = vec![151.0, 60.0, 60.0, 60.0, 60.0, 60.0, 48.0];
            let mut header = vec![self.labels.indicator_column.clone()];
            header.extend(periods.iter().map(|p| p.replacen('(', "\n(", 1)));
            header.push(self.labels.status_column.clone());
            let rows = policy
                .indicators
                .iter()
                .map(|i| {
                    let mut row = vec![i.name.clone()];
                    row.extend(i.cells.iter().map(|c| c.printed.clone()));
                    row.push(i.status_label.clone());
                    row
                })
                .collect();
            let mut align = vec![Align::Left];
            align.extend([Align::Right; 5]);
            align.push(Align::Center);
            canvas.table(&Table {
                widths,
                align,
                header,
                rows,
                size: 7.5,
            })?;
            for note in &policy.notes {
                canvas.paragraph(note, 7.5, 0.0, 1.4)?;
            }
            self.charts(canvas, policy, periods)?;
        }
        canvas.paragraph(&self.labels.narrative_heading, 9.5, 0.0, 1.7)?;
        if policy.progress.is_empty() {
            canvas.paragraph(&self.labels.no_narrative, BODY, 9.0, 1.55)?;
        }
        for paragraph in &policy.progress {
            canvas.paragraph(&format!("　{paragraph}"), BODY, 0.0, 1.55)?;
        }
        Ok(())
    }

    /// One small chart per indicator, four to a row.
    fn charts(
        &self,
        canvas: &mut Canvas,
        policy: &Policy,
        periods: &[String],
    ) -> anyhow::Result<()> {
        let (width, height, gap) = (116.0, 62.0, 8.0);
        let short: Vec<String> = periods.iter().map(|p| short_period(p)).collect();
        for row in policy.indicators.chunks(4) {
            canvas.ensure_space(height + 6.0);
            let top = canvas.y - 4.0;
            for (i, indicator) in row.iter().enumerate() {
                let values: Vec<Option<f64>> =
                    Period::OBSERVED.map(|p| indicator.value(p)).to_vec();
                let target = indicator.value(Period::Target);
                let series = Series {
                    title: &indicator.name,
                    values: &values,
                    labels: &short[..4],
                    target,
                    target_label: &self.labels.chart_target,
                };
                chart::draw(
                    canvas,
                    &series,
                    MARGIN + i as f32 * (width + gap),
                    top,
                    width,
                    height,
                )?;
            }
            canvas.y = top - height;
        }
        Ok(())
    }

    fn strategy(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        let strategy = &datasets.white_paper.strategy;
        canvas.new_page();
        canvas.heading(
            &self.fill(&self.labels.strategy_section, &[])?,
            12.5,
            2,
            60.0,
        )?;
        for goal in &strategy.goals {
            self.goal(canvas, goal, &strategy.period_labels)?;
        }
        Ok(())
    }

    fn goal(&self, canvas: &mut Canvas, goal: &Goal, periods: &[String]) -> anyhow::Result<()> {
        canvas.gap(6.0);
        let heading = self.fill(
            &self.labels.goal_heading,
            &[
                ("number", goal.number.to_string()),
                ("title", goal.title.clone()),
            ],
        )?;
        canvas.heading(&heading, 11.0, 3, 80.0)?;
        for paragraph in &goal.direction {
            canvas.paragraph(&format!("　{paragraph}"), BODY, 0.0, 1.55)?;
        }
        canvas.gap(4.0);
        let numeric = &goal.numeric_goal;
        let periods: Vec<String> = periods.iter().map(|p| p.replacen('(', "\n(", 1)).collect();
        let header = vec![
            self.labels.numeric_goal_column.clone(),
            periods[0].clone(),
            periods[1].clone(),
            periods[3].clone(),
        ];
        let row = std::iter::once(numeric.name.clone())
            .chain(numeric.cells.iter().map(|c| c.printed.clone()))
            .collect();
        canvas.table(&Table {
            widths: vec![259.0, 80.0, 80.0, 80.0],
            align: vec![Align::Left, Align::Right, Align::Right, Align::Right],
            header,
            rows: vec![row],
            size: 7.5,
        })?;
        canvas.paragraph(&self.labels.kpi_heading, 9.5, 0.0, 1.7)?;
        let mut header = vec![self.labels.kpi_column.clone()];
        header.extend(periods.iter().cloned());
        let rows = goal
            .kpis
            .iter()
            .map(|k| {
                std::iter::once(k.name.clone())
                    .chain(k.cells.iter().map(|c| c.printed.clone()))
                    .collect()
            })
            .collect();
        canvas.table(&Table {
            widths: vec![179.0, 80.0, 80.0, 80.0, 80.0],
            align: vec![
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            header,
            rows,
            size: 7.5,
        })?;
        for note in &goal.notes {
            canvas.paragraph(note, 7.5, 0.0, 1.4)?;
        }
        Ok(())
    }

    /// The department's 運営方針と目標 and the state of its submission.
    fn department_sections(
        &self,
        canvas: &mut Canvas,
        own: &Datasets,
        notes: &[String],
    ) -> anyhow::Result<()> {
        canvas.new_page();
        canvas.section = self.labels.department_plan_heading.clone();
        canvas.heading(&self.labels.department_plan_heading, 13.0, 1, 40.0)?;
        let dash = |s: &str| {
            if s.is_empty() {
                self.labels.missing_field.clone()
            } else {
                s.to_string()
            }
        };
        for plan in &own.department_plans {
            let fields = [
                ("組織構成", plan.sections.join("、")),
                ("職員数", plan.staff_count.clone()),
                ("予算規模", plan.budget.clone()),
                ("運営方針", plan.operating_policy.clone()),
            ];
            for (label, value) in fields {
                canvas.paragraph(&format!("{label}: {}", dash(&value)), BODY, 0.0, 1.6)?;
            }
            canvas.paragraph("主要事業と目標指標", 9.5, 0.0, 1.8)?;
            if plan.projects.is_empty() {
                canvas.paragraph(&self.labels.missing_field, BODY, 9.0, 1.55)?;
            }
            for p in &plan.projects {
                canvas.paragraph(&format!("{}{}", p.number, p.title), BODY, 9.0, 1.55)?;
                canvas.paragraph(
                    &format!(
                        "目標指標: {}　目標: {}",
                        dash(&p.indicator),
                        dash(&p.target)
                    ),
                    8.0,
                    21.0,
                    1.45,
                )?;
            }
            canvas.paragraph(
                &format!(
                    "新型コロナウイルス感染症への対応: {}",
                    dash(&plan.covid_response)
                ),
                BODY,
                0.0,
                1.8,
            )?;
        }
        canvas.gap(8.0);
        canvas.heading(&self.labels.submission_heading, 13.0, 1, 40.0)?;
        let mut lines: Vec<String> = own
            .gaps
            .iter()
            .map(|g| format!("不足: {}", g.what))
            .collect();
        lines.extend(own.findings.iter().map(|f| format!("照合: {}", f.message)));
        lines.extend(notes.iter().cloned());
        if lines.is_empty() {
            lines.push(self.labels.nothing_to_note.clone());
        }
        for line in lines {
            canvas.paragraph(&format!("・{line}"), BODY, 0.0, 1.55)?;
        }
        Ok(())
    }

    fn chapter2(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        let plan = &datasets.white_paper.action_plan;
        canvas.new_page();
        canvas.section = self.labels.chapter2.clone();
        canvas.heading(&self.labels.chapter2, 15.0, 1, 40.0)?;
        canvas.heading(&self.fill(&self.labels.action_section, &[])?, 12.5, 2, 40.0)?;
        for group in &plan.groups {
            canvas.gap(4.0);
            let heading = self.fill(
                &self.labels.group_heading,
                &[
                    ("number", group.number.to_string()),
                    ("title", group.title.clone()),
                ],
            )?;
            canvas.paragraph(&heading, 10.0, 0.0, 1.6)?;
            for system in &group.systems {
                let heading = self.fill(
                    &self.labels.system_heading,
                    &[
                        ("number", system.number.to_string()),
                        ("title", system.title.clone()),
                    ],
                )?;
                canvas.gap(4.0);
                canvas.heading(&heading, 11.5, 2, 60.0)?;
                for item in &system.items {
                    self.item(canvas, item)
                        .with_context(|| format!("個別課題 {}", item.id))?;
                }
            }
        }
        Ok(())
    }

    fn item(
        &self,
        canvas: &mut Canvas,
        item: &crate::consolidate::ActionItem,
    ) -> anyhow::Result<()> {
        canvas.gap(5.0);
        let major = if item.major {
            format!("{} ", self.labels.major_mark)
        } else {
            String::new()
        };
        canvas.ensure_space(60.0);
        canvas.paragraph(
            &format!("{}　{major}{}", item.id, item.title),
            10.0,
            0.0,
            1.5,
        )?;
        canvas.paragraph(
            &format!(
                "{}: {}",
                self.labels.departments_label,
                item.departments.join("・")
            ),
            8.0,
            0.0,
            1.4,
        )?;
        canvas.paragraph(&format!("■{}", self.labels.overview_label), 8.5, 0.0, 1.6)?;
        for paragraph in &item.overview {
            canvas.paragraph(paragraph, 8.5, 9.0, 1.5)?;
        }
        canvas.paragraph(
            &format!("■{}", self.fill(&self.labels.action_progress_label, &[])?),
            8.5,
            0.0,
            1.6,
        )?;
        if item.progress.is_empty() {
            canvas.paragraph(&self.labels.no_progress, 8.5, 9.0, 1.5)?;
        }
        for paragraph in &item.progress {
            canvas.paragraph(paragraph, 8.5, 9.0, 1.5)?;
        }
        Ok(())
    }
}

/// `1-1` → `第1`, `2-4-1` → `第4-1`: how the white paper numbers a policy in its part.
fn policy_label(code: &str) -> String {
    format!("第{}", code.split_once('-').map_or(code, |(_, rest)| rest))
}

/// `前期(平成26年度)` → `H26`-style short labels for the charts.
fn short_period(label: &str) -> String {
    let inner = label
        .split_once('(')
        .map_or(label, |(_, rest)| rest.trim_end_matches(')'));
    let folded = inner
        .replace("平成", "H")
        .replace("令和", "R")
        .replace("年度", "");
    folded.chars().take_while(|c| *c != '(').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_policies_and_shortens_periods_like_the_white_paper() {
        assert_eq!(policy_label("1-1"), "第1");
        assert_eq!(policy_label("2-4-1"), "第4-1");
        assert_eq!(short_period("前期(平成26年度)"), "H26");
        assert_eq!(short_period("達成値(令和2年度)"), "R2");
    }
}
