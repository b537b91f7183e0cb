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
use crate::consolidate::{
    ActionItem, ActionSystem, Datasets, DepartmentPlan, Goal, Indicator, Policy,
};
use crate::domain::status::status_rule_lines;
use crate::report::Edition;
use crate::texts::{substitute, Values};

mod overview;

const MARGIN: f32 = 48.0;
const BODY: f32 = 9.0;
/// The height of a row of charts, with the space above it.
const CHART_ROW: f32 = 66.0;

/// The headings and labels of the white paper.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// The cover title (`{{city}}自治体経営白書 {{edition}}`); also the PDF title.
    pub title: String,
    /// The line under the cover title (「創造的な自治体経営」を目指して).
    pub subtitle: String,
    /// The heading of the contents pages (目次).
    pub contents: String,
    /// Chapter 1's heading (`第1章 {{plan}}に基づく取り組み`); also the running header.
    pub chapter1: String,
    /// Chapter 1's first sentence (`本章では、{{adopted}}に策定した「{{plan}}」の概要と、…`).
    pub chapter1_intro: String,
    /// 第1節 (`第1節 {{plan}}について`).
    pub plan_section: String,
    /// 第1節's 1 (`1 {{plan}}の概要`).
    pub plan_overview: String,
    /// 第1節's 2 (`2 計画の施策体系`).
    pub plan_structure: String,
    /// The 施策体系 table's columns (部, 施策, 主な担当部).
    pub structure_columns: Vec<String>,
    /// The section over the parts and policies (`第2節 各施策の進捗状況 {{fiscal_year}}`).
    pub progress_section: String,
    /// Over the status rule printed before the first indicator table.
    pub status_rule_heading: String,
    /// Put before a policy's department and sections (`[主な担当課]`).
    pub owner_label: String,
    /// Over a policy's indicator table (`(1) 目標指標の達成状況`).
    pub indicator_heading: String,
    /// Over a policy's progress narrative (`(2) 施策の達成に向けた取り組み状況`).
    pub narrative_heading: String,
    /// The indicator table's first column (指標).
    pub indicator_column: String,
    /// The indicator table's last column (状態: 達成, 未達成, …).
    pub status_column: String,
    /// The label of the target line in a chart (目標).
    pub chart_target: String,
    /// Printed when a policy has no 取組状況 submitted.
    pub no_narrative: String,
    /// The regional strategy's section (`第3節 {{strategy}}について`).
    pub strategy_section: String,
    /// The strategy's 1 (`1 {{strategy}}の概要`).
    pub strategy_overview: String,
    /// The strategy's 2 (`2 各施策の進捗状況 {{fiscal_year}}`).
    pub strategy_progress: String,
    /// A 基本目標's heading (`基本目標{{number}} {{title}}`).
    pub goal_heading: String,
    /// A 基本目標's heading over its KPI table (`基本目標{{number}}`).
    pub goal_kpi_heading: String,
    /// The 数値目標 table's first column (目標項目).
    pub numeric_goal_column: String,
    /// Over a goal's KPI table (`重要業績評価指標 (KPI) の進捗状況`).
    pub kpi_heading: String,
    /// The KPI table's first column (指標).
    pub kpi_column: String,
    /// Chapter 2's heading (`第2章 行財政改革等の取り組み`); also the running header.
    pub chapter2: String,
    /// Chapter 2's 第1節 (`第1節 {{action_plan}}について`).
    pub action_about: String,
    /// Its 1 (`1 {{action_plan}}の概要`).
    pub action_overview: String,
    /// Its 2 (`2 {{action_plan}}の体系`).
    pub action_structure: String,
    /// The 体系 table's columns (自治体経営の基本的な考え方, 体系).
    pub systems_columns: Vec<String>,
    /// The section over the items (`第2節 各体系の主な取り組み状況について`).
    pub action_section: String,
    /// A 考え方's line (`◇自治体経営の基本的な考え方({{number}}) {{title}}`).
    pub group_heading: String,
    /// A 体系's heading (`体系{{number}} {{title}}`).
    pub system_heading: String,
    /// Put before the title of a 主要 item (【主要】).
    pub major_mark: String,
    /// Put before an item's departments (担当).
    pub departments_label: String,
    /// The heading of an item's 概要, after a ■.
    pub overview_label: String,
    /// The heading of an item's progress (`{{fiscal_year}}の取組状況等`), after a ■.
    pub action_progress_label: String,
    /// Printed when an item has no progress submitted (—).
    pub no_progress: String,
    /// A department report's title (`{{city}} {{fiscal_year}} {{department}}の取り組み`).
    pub department_title: String,
    /// The chapter of a department report with its 運営方針と目標.
    pub department_plan_heading: String,
    /// The chapter of a department report on its submission (提出の状況と確認事項).
    pub submission_heading: String,
    /// Printed when a submission has nothing missing or flagged.
    pub nothing_to_note: String,
    /// Printed for a field the department left empty (—).
    pub missing_field: String,
    /// The one line under a chapter of a report that has nothing in it (該当なし).
    pub nothing: String,
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
    render(datasets, labels, edition, &title, true, |_, _| Ok(()))
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
    render(&own, labels, edition, &title, false, |canvas, writer| {
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
    whole: bool,
    extra: impl Fn(&mut Canvas, &Writer) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    let fonts = edition.fonts;
    let values = base_values(datasets);
    let writer = Writer {
        labels,
        values: &values,
        whole,
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
    cover_page(&mut cover, title, labels, datasets)?;
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

/// The title, subtitle, the month of publication (和暦 and 西暦, the edition's
/// setting: see [`Datasets::published`]) and the city.
fn cover_page(
    canvas: &mut Canvas,
    title: &str,
    labels: &Labels,
    datasets: &Datasets,
) -> anyhow::Result<()> {
    let below_title = centred(canvas, title, 26.0, canvas.size.height * 0.62)?;
    // The subtitle keeps its place, or goes below a title of several lines.
    let subtitle_at = (canvas.size.height * 0.55).min(below_title - 14.0);
    centred(canvas, &labels.subtitle, 14.0, subtitle_at)?;
    centred(canvas, &datasets.published, 12.0, canvas.size.height * 0.22)?;
    centred(canvas, &datasets.city, 16.0, canvas.size.height * 0.17)?;
    Ok(())
}

/// Text centred between the margins, its first baseline at `y`: set smaller (down to
/// 70%) when it is too wide, and wrapped when even that is (a long department name in
/// a report's title); nothing leaves the page. Returns the baseline of the last line.
fn centred(canvas: &mut Canvas, text: &str, size: f32, y: f32) -> anyhow::Result<f32> {
    let width = canvas.content_width();
    let (size, lines) = fit_title(canvas.fonts, text, size, width);
    let mut baseline = y;
    for (i, line) in lines.iter().enumerate() {
        baseline = y - i as f32 * size * 1.4;
        canvas.aligned(line, size, MARGIN, width, baseline, Align::Center)?;
    }
    Ok(baseline)
}

/// The size a title is set in (smaller, down to 70%, when it is too wide) and its lines.
fn fit_title(fonts: &FontSet, text: &str, size: f32, width: f32) -> (f32, Vec<String>) {
    let natural = fonts.width(text, size);
    // A little under the width, so that rounding never pushes the last character over.
    let size = if natural > width {
        (size * width * 0.97 / natural).max(size * 0.7)
    } else {
        size
    };
    (size, title_lines(fonts, text, size, width))
}

/// A title broken into lines at its spaces (「三鷹市 令和2年度」 / 「…部の取り組み」), a
/// part wider than a line broken where it must.
fn title_lines(fonts: &FontSet, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if fonts.width(&format!("{line} {word}"), size) <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.extend(fonts.wrap(word, size, width)),
        }
    }
    lines
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
        contents_line(&mut canvas, heading, heading.page + front_pages + 1)?;
    }
    Ok(canvas.finish())
}

/// A chapter (level 1) or section (indented), dotted to its page number.
fn contents_line(
    canvas: &mut Canvas,
    heading: &super::page::Heading,
    page: usize,
) -> anyhow::Result<()> {
    let size = if heading.level == 1 { 10.5 } else { 9.0 };
    let indent = if heading.level == 1 { 0.0 } else { 14.0 };
    let number = page.to_string();
    let width = canvas.content_width();
    // A heading too long for one line wraps (never cut); its last line has the dots.
    let lines = canvas
        .fonts
        .wrap(&heading.text, size, width - indent - 30.0);
    let (last, before) = lines.split_last().expect("wrap gives a line");
    canvas.ensure_space(size * 1.7 + before.len() as f32 * size * 1.4);
    canvas.gap(size * 1.7);
    for line in before {
        canvas.text(line, size, MARGIN + indent, canvas.y)?;
        canvas.gap(size * 1.4);
    }
    canvas.text(last, size, MARGIN + indent, canvas.y)?;
    let dots_from = MARGIN + indent + canvas.fonts.width(last, size) + 4.0;
    let dots_to = MARGIN + width - canvas.fonts.width(&number, size) - 4.0;
    if dots_to > dots_from {
        let y = canvas.y + 1.0;
        canvas.polyline(&[(dots_from, y), (dots_to, y)], 0.4, 0.6, true);
    }
    canvas.aligned(&number, size, MARGIN, width, canvas.y, Align::Right)
}

struct Writer<'a> {
    labels: &'a Labels,
    values: &'a Values,
    /// The whole city's white paper (with the overview sections), not a department's part.
    whole: bool,
}

impl Writer<'_> {
    fn fill(&self, template: &str, extra: &[(&'static str, String)]) -> anyhow::Result<String> {
        let mut values = self.values.clone();
        values.extend(extra.iter().cloned());
        substitute(template, &values)
    }

    /// 第1章: in the white paper 第1節 (the plan's overview), then the policies'
    /// progress (第2節) and the strategy (第3節); a section with nothing in it is left
    /// out, and a chapter left empty says so in one line.
    fn chapter1(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        canvas.section = self.fill(&self.labels.chapter1, &[])?;
        canvas.heading(&canvas.section.clone(), 15.0, 1, 40.0)?;
        if self.whole {
            self.chapter1_intro(canvas, datasets)?;
            self.plan_section(canvas, datasets)?;
        }
        let has_policies = datasets
            .white_paper
            .parts
            .iter()
            .any(|p| !p.policies.is_empty());
        if has_policies {
            self.progress(canvas, datasets)?;
        }
        let has_goals = !datasets.white_paper.strategy.goals.is_empty();
        if has_goals {
            self.strategy(canvas, datasets)?;
        }
        if !has_policies && !has_goals {
            canvas.paragraph(&self.labels.nothing, BODY, 9.0, 1.6)?;
        }
        Ok(())
    }

    /// 第2節: the rule of the 状態 column, then each part that has policies.
    fn progress(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        let wp = &datasets.white_paper;
        if self.whole {
            canvas.new_page();
        }
        let heading = self.fill(&self.labels.progress_section, &[])?;
        canvas.heading(&heading, 12.5, 2, 40.0)?;
        let policies = || wp.parts.iter().flat_map(|p| &p.policies);
        if policies().any(|p| !p.indicators.is_empty()) {
            self.status_rule(canvas)?;
        }
        for part in wp.parts.iter().filter(|p| !p.policies.is_empty()) {
            canvas.gap(4.0);
            let heading = format!("第{}部 {}", part.number, part.title);
            canvas.heading(&heading, 12.0, 2, 60.0)?;
            for policy in &part.policies {
                self.policy(canvas, policy, &wp.period_labels)
                    .with_context(|| format!("施策 {}", policy.code))?;
            }
        }
        Ok(())
    }

    /// How the 状態 column is judged, in the words the rule itself gives
    /// ([`status_rule_lines`]), once before the first indicator table.
    fn status_rule(&self, canvas: &mut Canvas) -> anyhow::Result<()> {
        let lines = status_rule_lines();
        canvas.gap(2.0);
        canvas.heading(
            &self.labels.status_rule_heading,
            9.5,
            4,
            8.5 * 1.5 * lines.len() as f32,
        )?;
        for (i, line) in lines.iter().enumerate() {
            let indent = if i == 0 { 0.0 } else { 9.0 };
            canvas.paragraph(&format!("　{line}"), 8.0, indent, 1.5)?;
        }
        canvas.gap(4.0);
        Ok(())
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
        let table = self.indicator_table(policy, periods);
        let indicators = self.indicators_height(canvas, policy, &table);
        // The owner, the table, its notes and its charts are read together: one page
        // when they fit (else at least the table with its notes and charts).
        canvas.keep_together(canvas.text_height(&owner, 8.5, 0.0, 1.5) + indicators);
        // The owner line goes with the heading: both wait for the table or narrative,
        // so neither is left at the foot of a page when the table moves on.
        canvas.subheading(&owner, 8.5, 1.5)?;
        if !policy.indicators.is_empty() {
            canvas.subheading(&self.labels.indicator_heading, 9.5, 1.6)?;
            canvas.keep_together(
                indicators - canvas.text_height(&self.labels.indicator_heading, 9.5, 0.0, 1.6),
            );
            canvas.table(&table)?;
            for note in shown_notes(&policy.notes, &shown_texts(policy)) {
                canvas.paragraph(note, 7.5, 0.0, 1.4)?;
            }
            self.charts(canvas, policy, periods)?;
        }
        self.narrative(canvas, policy)
    }

    /// The height of a policy's indicator part: its heading, table, notes and charts
    /// (none when it has no indicators).
    fn indicators_height(&self, canvas: &Canvas, policy: &Policy, table: &Table) -> f32 {
        if policy.indicators.is_empty() {
            return 0.0;
        }
        let notes: f32 = shown_notes(&policy.notes, &shown_texts(policy))
            .into_iter()
            .map(|note| canvas.text_height(note, 7.5, 0.0, 1.4))
            .sum();
        let charts = policy.indicators.chunks(4).len() as f32 * CHART_ROW;
        let heading = canvas.text_height(&self.labels.indicator_heading, 9.5, 0.0, 1.6);
        heading + canvas.table_height(table) + notes + charts
    }

    /// One row per indicator: its name, a figure per period, its status.
    fn indicator_table(&self, policy: &Policy, periods: &[String]) -> Table {
        let widths = vec![151.0, 60.0, 60.0, 60.0, 60.0, 60.0, 48.0];
        let mut header = vec![self.labels.indicator_column.clone()];
        header.extend(periods.iter().map(|p| p.replacen('(', "\n(", 1)));
        header.push(self.labels.status_column.clone());
        let rows = policy
            .indicators
            .iter()
            .map(|i| {
                let mut row = vec![i.name.clone()];
                row.extend(i.cells.iter().map(|c| self.or_missing(&c.printed)));
                row.push(i.status_label.clone());
                row
            })
            .collect();
        let mut align = vec![Align::Left];
        align.extend([Align::Right; 5]);
        align.push(Align::Center);
        Table {
            widths,
            align,
            header,
            rows,
            size: 7.5,
        }
    }

    /// The policy's 取組状況, one indented paragraph each, or a line saying there is none.
    fn narrative(&self, canvas: &mut Canvas, policy: &Policy) -> anyhow::Result<()> {
        // (1) when the policy has no indicator table above it: no gap in the numbering.
        let number = if policy.indicators.is_empty() { 1 } else { 2 };
        let heading = renumbered(&self.labels.narrative_heading, number);
        canvas.subheading(&heading, 9.5, 1.7)?;
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
        let (width, height, gap) = (116.0, CHART_ROW - 4.0, 8.0);
        let short: Vec<String> = periods.iter().map(|p| chart::short_period(p)).collect();
        for row in policy.indicators.chunks(4) {
            let top = canvas.block(CHART_ROW)? - 4.0;
            for (i, indicator) in row.iter().enumerate() {
                let left = MARGIN + i as f32 * (width + gap);
                self.chart(canvas, indicator, &short, (left, top, width, height))?;
            }
        }
        Ok(())
    }

    /// The four periods' figures against the target, in the box (left, top, width, height).
    fn chart(
        &self,
        canvas: &mut Canvas,
        indicator: &Indicator,
        short: &[String],
        (left, top, width, height): (f32, f32, f32, f32),
    ) -> anyhow::Result<()> {
        let (values, target) = chart::indicator_values(indicator);
        let series = Series {
            title: &indicator.name,
            values: &values,
            labels: &short[..4],
            target,
            target_label: &self.labels.chart_target,
        };
        chart::draw(canvas, &series, left, top, width, height)
    }

    /// 第3節: the strategy's overview (white paper only), its goals with their 数値目標,
    /// then the KPI tables of the goals that have KPIs.
    fn strategy(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        let strategy = &datasets.white_paper.strategy;
        self.next_chapter(canvas);
        let heading = self.fill(&self.labels.strategy_section, &[])?;
        canvas.heading(&heading, 12.5, 2, 60.0)?;
        if self.whole {
            self.strategy_overview(canvas, datasets)?;
        }
        for goal in &strategy.goals {
            self.goal(canvas, goal, &strategy.period_labels)?;
        }
        if strategy.goals.iter().all(|g| g.kpis.is_empty()) {
            return Ok(());
        }
        canvas.gap(6.0);
        canvas.heading(
            &self.fill(&self.labels.strategy_progress, &[])?,
            11.0,
            3,
            80.0,
        )?;
        if self.whole {
            self.kpi_overview(canvas, datasets)?;
        }
        // Larger than the 基本目標 headings under it: a reader tells the levels by size.
        canvas.heading(&self.labels.kpi_heading, 10.0, 4, 60.0)?;
        for goal in strategy.goals.iter().filter(|g| !g.kpis.is_empty()) {
            self.goal_kpis(canvas, goal, &strategy.period_labels)?;
        }
        Ok(())
    }

    /// A goal's KPI table under a short heading, with the footnotes of the KPIs shown.
    fn goal_kpis(
        &self,
        canvas: &mut Canvas,
        goal: &Goal,
        periods: &[String],
    ) -> anyhow::Result<()> {
        canvas.gap(4.0);
        let heading = self.fill(
            &self.labels.goal_kpi_heading,
            &[("number", goal.number.to_string())],
        )?;
        canvas.heading(&heading, 9.5, 4, 60.0)?;
        let periods: Vec<String> = periods.iter().map(|p| p.replacen('(', "\n(", 1)).collect();
        self.kpi_table(canvas, goal, &periods)?;
        let shown = printed_texts(goal.kpis.iter().map(|k| (&k.name, &k.cells)));
        for note in shown_notes(&goal.notes, &shown) {
            canvas.paragraph(note, 7.5, 0.0, 1.4)?;
        }
        Ok(())
    }

    /// A goal's heading, its 施策の方向 and its 数値目標.
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
        let periods: Vec<String> = periods.iter().map(|p| p.replacen('(', "\n(", 1)).collect();
        self.numeric_goal_table(canvas, goal, &periods)
    }

    /// The goal's 数値目標: the baseline, the latest figure and the target.
    fn numeric_goal_table(
        &self,
        canvas: &mut Canvas,
        goal: &Goal,
        periods: &[String],
    ) -> anyhow::Result<()> {
        let numeric = &goal.numeric_goal;
        let header = vec![
            self.labels.numeric_goal_column.clone(),
            periods[0].clone(),
            periods[1].clone(),
            periods[3].clone(),
        ];
        let row = std::iter::once(numeric.name.clone())
            .chain(numeric.cells.iter().map(|c| self.or_missing(&c.printed)))
            .collect();
        canvas.table(&Table {
            widths: vec![259.0, 80.0, 80.0, 80.0],
            align: vec![Align::Left, Align::Right, Align::Right, Align::Right],
            header,
            rows: vec![row],
            size: 7.5,
        })
    }

    /// One row per KPI, a figure per period.
    fn kpi_table(
        &self,
        canvas: &mut Canvas,
        goal: &Goal,
        periods: &[String],
    ) -> anyhow::Result<()> {
        let mut header = vec![self.labels.kpi_column.clone()];
        header.extend(periods.iter().cloned());
        let rows = goal
            .kpis
            .iter()
            .map(|k| {
                std::iter::once(k.name.clone())
                    .chain(k.cells.iter().map(|c| self.or_missing(&c.printed)))
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
        })
    }

    /// A chapter (or 第3節) of the white paper starts a page; in a department's
    /// report, which may have little in each, it follows after a gap.
    fn next_chapter(&self, canvas: &mut Canvas) {
        if self.whole {
            canvas.new_page();
        } else {
            canvas.gap(14.0);
        }
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
        if own.department_plans.is_empty() {
            canvas.paragraph(&self.labels.nothing, BODY, 9.0, 1.6)?;
        }
        for plan in &own.department_plans {
            self.department_plan(canvas, plan)?;
        }
        canvas.gap(8.0);
        canvas.heading(&self.labels.submission_heading, 13.0, 1, 40.0)?;
        self.submission_state(canvas, own, notes)
    }

    /// A field as printed, or the mark for a field the department left empty.
    fn or_missing(&self, s: &str) -> String {
        if s.is_empty() {
            self.labels.missing_field.clone()
        } else {
            s.to_string()
        }
    }

    /// 組織構成, 職員数, 予算規模, 運営方針, the 主要事業 and the COVID-19 response.
    fn department_plan(&self, canvas: &mut Canvas, plan: &DepartmentPlan) -> anyhow::Result<()> {
        let fields = [
            ("組織構成", plan.sections.join("、")),
            ("職員数", plan.staff_count.clone()),
            ("予算規模", plan.budget.clone()),
            ("運営方針", plan.operating_policy.clone()),
        ];
        for (label, value) in fields {
            let line = format!("{label}: {}", self.or_missing(&value));
            canvas.paragraph(&line, BODY, 0.0, 1.6)?;
        }
        self.projects(canvas, plan)?;
        let covid = self.or_missing(&plan.covid_response);
        let line = format!("新型コロナウイルス感染症への対応: {covid}");
        canvas.paragraph(&line, BODY, 0.0, 1.8)
    }

    /// Each 主要事業 with its 目標指標 and 目標 on an indented line.
    fn projects(&self, canvas: &mut Canvas, plan: &DepartmentPlan) -> anyhow::Result<()> {
        canvas.subheading("主要事業と目標指標", 9.5, 1.8)?;
        if plan.projects.is_empty() {
            canvas.paragraph(&self.labels.missing_field, BODY, 9.0, 1.55)?;
        }
        for p in &plan.projects {
            canvas.paragraph(&format!("{}{}", p.number, p.title), BODY, 9.0, 1.55)?;
            let (indicator, target) = (self.or_missing(&p.indicator), self.or_missing(&p.target));
            let line = format!("目標指標: {indicator}　目標: {target}");
            canvas.paragraph(&line, 8.0, 21.0, 1.45)?;
        }
        Ok(())
    }

    /// What is missing, what the cross-checks flagged and the intake's notes, one bullet
    /// each, or a line saying there is nothing to note.
    fn submission_state(
        &self,
        canvas: &mut Canvas,
        own: &Datasets,
        notes: &[String],
    ) -> anyhow::Result<()> {
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

    /// 第2章: in the white paper 第1節 (the action plan's overview and 体系), then
    /// the items of each 体系 that has any; a chapter with none says so in one line.
    fn chapter2(&self, canvas: &mut Canvas, datasets: &Datasets) -> anyhow::Result<()> {
        let plan = &datasets.white_paper.action_plan;
        self.next_chapter(canvas);
        canvas.section = self.labels.chapter2.clone();
        canvas.heading(&self.labels.chapter2, 15.0, 1, 40.0)?;
        if self.whole {
            self.action_plan_section(canvas, datasets)?;
        }
        let has_items = |group: &crate::consolidate::ActionGroup| {
            group.systems.iter().any(|s| !s.items.is_empty())
        };
        if !plan.groups.iter().any(has_items) {
            return canvas.paragraph(&self.labels.nothing, BODY, 9.0, 1.6);
        }
        canvas.gap(6.0);
        canvas.heading(&self.fill(&self.labels.action_section, &[])?, 12.5, 2, 40.0)?;
        if self.whole {
            self.paragraphs(
                canvas,
                datasets,
                &datasets.white_paper.overview.action_plan.progress_intro,
            )?;
        }
        for group in plan.groups.iter().filter(|g| has_items(g)) {
            canvas.gap(4.0);
            let heading = self.fill(
                &self.labels.group_heading,
                &[
                    ("number", group.number.to_string()),
                    ("title", group.title.clone()),
                ],
            )?;
            // Set larger than the 体系 under it: a reader tells the levels by size.
            canvas.subheading(&heading, 12.0, 1.6)?;
            for system in group.systems.iter().filter(|s| !s.items.is_empty()) {
                self.system(canvas, system)?;
            }
        }
        Ok(())
    }

    /// A 体系 as a section heading, then its items.
    fn system(&self, canvas: &mut Canvas, system: &ActionSystem) -> anyhow::Result<()> {
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
        Ok(())
    }

    /// An action-plan item: its title (marked when 主要), departments, 概要 and progress.
    fn item(&self, canvas: &mut Canvas, item: &ActionItem) -> anyhow::Result<()> {
        canvas.gap(5.0);
        let major = if item.major {
            format!("{} ", self.labels.major_mark)
        } else {
            String::new()
        };
        canvas.ensure_space(60.0);
        canvas.subheading(&format!("{}　{major}{}", item.id, item.title), 10.0, 1.5)?;
        // The departments line waits with the title for the 概要's first lines.
        let departments = item.departments.join("・");
        let line = format!("{}: {departments}", self.labels.departments_label);
        canvas.subheading(&line, 8.0, 1.4)?;
        canvas.subheading(&format!("■{}", self.labels.overview_label), 8.5, 1.6)?;
        for paragraph in &item.overview {
            canvas.paragraph(paragraph, 8.5, 9.0, 1.5)?;
        }
        self.item_progress(canvas, item)
    }

    /// The item's 取組状況等, or a line saying there is none yet.
    fn item_progress(&self, canvas: &mut Canvas, item: &ActionItem) -> anyhow::Result<()> {
        let heading = format!("■{}", self.fill(&self.labels.action_progress_label, &[])?);
        canvas.subheading(&heading, 8.5, 1.6)?;
        if item.progress.is_empty() {
            canvas.paragraph(&self.labels.no_progress, 8.5, 9.0, 1.5)?;
        }
        for paragraph in &item.progress {
            canvas.paragraph(paragraph, 8.5, 9.0, 1.5)?;
        }
        Ok(())
    }
}

/// What an indicator table prints: each indicator's name and cells.
fn shown_texts(policy: &Policy) -> Vec<String> {
    printed_texts(policy.indicators.iter().map(|i| (&i.name, &i.cells)))
}

/// The names and printed cells of a table's rows, where a footnote marker may stand.
fn printed_texts<'a>(
    rows: impl Iterator<Item = (&'a String, &'a Vec<crate::consolidate::Cell>)>,
) -> Vec<String> {
    rows.flat_map(|(name, cells)| std::iter::once(name).chain(cells.iter().map(|c| &c.printed)))
        .cloned()
        .collect()
}

/// The footnotes of a table that belong to what it shows: a note starting with a
/// marker (`(注 1)`, `（注4）`, `(注)`, `(※)`) only when a shown row carries that
/// marker; a note with no marker whenever the table has a row.
fn shown_notes<'a>(notes: &'a [String], shown: &[String]) -> Vec<&'a String> {
    let shown: Vec<String> = shown.iter().map(|s| marker_form(s)).collect();
    notes
        .iter()
        .filter(|note| match note_marker(note) {
            Some(marker) => shown.iter().any(|s| s.contains(&marker)),
            None => !shown.is_empty(),
        })
        .collect()
}

/// The marker a note starts with, in [`marker_form`]: `(注1)`, `(注)`, `※`.
fn note_marker(note: &str) -> Option<String> {
    let folded = marker_form(note);
    let inner = folded.strip_prefix('(')?;
    let (marker, _) = inner.split_once(')')?;
    match marker {
        "※" => Some("※".to_string()),
        m if m.starts_with('注') => Some(format!("({m})")),
        _ => None,
    }
}

/// Text folded for comparing markers: half-width, without spaces.
fn marker_form(text: &str) -> String {
    crate::domain::japanese::fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A label numbered `(2) …` numbered `(n) …` instead; other labels as they are.
fn renumbered(label: &str, number: usize) -> String {
    let numbered = label
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .filter(|(digits, _)| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()));
    match numbered {
        Some((_, rest)) => format!("({number}){rest}"),
        None => label.to_string(),
    }
}

/// `1-1` → `第1`, `2-4-1` → `第4-1`: how the white paper numbers a policy in its part.
fn policy_label(code: &str) -> String {
    format!("第{}", code.split_once('-').map_or(code, |(_, rest)| rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_is_set_smaller_then_broken_at_its_spaces_within_the_margins() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(&root.join("data/hakusho.toml")).unwrap();
        let fonts = FontSet::for_config(&config).unwrap();
        let width = A4_PORTRAIT.width - 2.0 * MARGIN;
        let names = [
            "市民部",
            "スポーツと文化部",
            "にぎわいスポーツ文化局",
            "デジタル・トランスフォーメーション推進及び行財政改革担当部",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ部",
        ];
        for name in names {
            let title = format!("三鷹市 令和2年度 {name}の取り組み");
            let (size, lines) = fit_title(&fonts, &title, 26.0, width);
            assert!(size >= 26.0 * 0.7, "{title}: {size}");
            for line in &lines {
                assert!(fonts.width(line, size) <= width, "{title}: 「{line}」");
            }
            let joined: String = lines.concat().split(' ').collect();
            assert_eq!(joined, title.replace(' ', ""), "nothing lost");
        }
        let short = fit_title(&fonts, "三鷹市 令和2年度 市民部の取り組み", 26.0, width);
        assert_eq!(
            short,
            (26.0, vec!["三鷹市 令和2年度 市民部の取り組み".to_string()])
        );
    }

    #[test]
    fn numbers_policies_and_shortens_periods_like_the_white_paper() {
        assert_eq!(policy_label("1-1"), "第1");
        assert_eq!(renumbered("(2) 施策の達成", 1), "(1) 施策の達成");
        assert_eq!(renumbered("(2) 施策の達成", 2), "(2) 施策の達成");
        assert_eq!(renumbered("施策の達成", 1), "施策の達成");
        assert_eq!(renumbered("(注) 施策", 1), "(注) 施策");
        assert_eq!(policy_label("2-4-1"), "第4-1");
        assert_eq!(chart::short_period("前期(平成26年度)"), "H26");
        assert_eq!(chart::short_period("達成値(令和2年度)"), "R2");
    }

    #[test]
    fn a_footnote_is_kept_only_with_a_row_that_carries_its_marker() {
        let notes: Vec<String> = [
            "(注 1) 平成 27 年 4 月 1 日時点の人数",
            "（注 4）経済産業省「経済センサス」…",
            "(注) 主要5事業: …",
            "(※) 中期に完了",
            "出典: 市の統計",
        ]
        .map(String::from)
        .to_vec();
        let kept = |rows: &[&str]| -> Vec<usize> {
            let rows: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
            let kept = shown_notes(&notes, &rows);
            (0..notes.len())
                .filter(|i| kept.contains(&&notes[*i]))
                .collect()
        };
        assert_eq!(kept(&[]), Vec::<usize>::new(), "no rows, no notes");
        assert_eq!(kept(&["209 人 (注 1)"]), vec![0, 4]);
        assert_eq!(kept(&["従業者数（事業所単位）（注４）"]), vec![1, 4]);
        assert_eq!(kept(&["「主要5事業(注)」の達成状況"]), vec![2, 4]);
        assert_eq!(kept(&["1件 ※"]), vec![3, 4]);
        assert_eq!(kept(&["(注 11)"]), vec![4], "注11 is not 注1");
    }
}
