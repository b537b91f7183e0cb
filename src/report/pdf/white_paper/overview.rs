//! The white paper's overview sections, built from the plan's reference data and the
//! report texts: 第1節 (the basic plan and its 施策体系), the strategy's 概要 and the
//! action plan's 概要 and 体系. Only the whole city's white paper prints them; a
//! department's report is its own part.

use super::super::page::{Align, Canvas, Table};
use super::{policy_label, Writer, BODY};
use crate::consolidate::{ActionPlan, Datasets, Part};
use crate::plan::{OverviewSection, PolicyGroup};

impl Writer<'_> {
    /// An overview text with its placeholders filled: the report's values and the
    /// plan's counts.
    pub(super) fn overview_text(&self, datasets: &Datasets, text: &str) -> anyhow::Result<String> {
        self.fill(text, &count_values(datasets))
    }

    /// `本章では、…`: the chapter's first sentence, when the plan says when it was adopted.
    pub(super) fn chapter1_intro(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
    ) -> anyhow::Result<()> {
        let adopted = &datasets.white_paper.overview.plan.adopted;
        if adopted.is_empty() {
            return Ok(());
        }
        let mut values = count_values(datasets);
        values.push(("adopted", adopted.clone()));
        let text = self.fill(&self.labels.chapter1_intro, &values)?;
        canvas.paragraph(&format!("　{text}"), BODY, 0.0, 1.55)
    }

    /// 第1節: the plan's overview in its words, then its 施策体系 as a table.
    pub(super) fn plan_section(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
    ) -> anyhow::Result<()> {
        let wp = &datasets.white_paper;
        if wp.parts.iter().all(|p| p.policies.is_empty()) {
            return Ok(());
        }
        canvas.heading(&self.fill(&self.labels.plan_section, &[])?, 12.5, 2, 60.0)?;
        let sections = &wp.overview.plan.sections;
        if !sections.is_empty() {
            canvas.heading(&self.fill(&self.labels.plan_overview, &[])?, 11.0, 3, 60.0)?;
            self.sections(canvas, datasets, sections)?;
        }
        canvas.gap(4.0);
        canvas.heading(&self.fill(&self.labels.plan_structure, &[])?, 11.0, 3, 60.0)?;
        self.paragraphs(canvas, datasets, &wp.overview.plan.structure_intro)?;
        canvas.table(&self.structure_table(&wp.parts, &wp.overview.plan.policy_groups))
    }

    /// 部 → 施策 → 主な担当部, a row per policy; the part named on its first row.
    fn structure_table(&self, parts: &[Part], groups: &[PolicyGroup]) -> Table {
        let rows = parts
            .iter()
            .flat_map(|part| {
                let title = format!("第{}部 {}", part.number, part.title);
                part.policies.iter().enumerate().map(move |(i, policy)| {
                    let first = if i == 0 { title.clone() } else { String::new() };
                    vec![
                        first,
                        structure_name(&policy.code, &policy.name, groups),
                        policy.department.clone(),
                    ]
                })
            })
            .collect();
        Table {
            widths: vec![232.0, 192.0, 75.0],
            align: vec![Align::Left; 3],
            header: self.labels.structure_columns.clone(),
            rows,
            size: 7.5,
        }
    }

    /// The strategy's 概要: its subsections; the goals follow.
    pub(super) fn strategy_overview(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
    ) -> anyhow::Result<()> {
        let sections = &datasets.white_paper.overview.strategy.sections;
        canvas.heading(
            &self.fill(&self.labels.strategy_overview, &[])?,
            11.0,
            3,
            60.0,
        )?;
        self.sections(canvas, datasets, sections)
    }

    /// The subsections before the KPI tables (`(1) 重要業績評価指標 (KPI) について`).
    pub(super) fn kpi_overview(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
    ) -> anyhow::Result<()> {
        let sections = &datasets.white_paper.overview.strategy.kpi_sections;
        self.sections(canvas, datasets, sections)
    }

    /// 第2章 第1節: the action plan's 概要 and its 体系 as a table.
    pub(super) fn action_plan_section(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
    ) -> anyhow::Result<()> {
        let plan = &datasets.white_paper.action_plan;
        let overview = &datasets.white_paper.overview.action_plan;
        canvas.heading(&self.fill(&self.labels.action_about, &[])?, 12.5, 2, 60.0)?;
        if !overview.paragraphs.is_empty() {
            canvas.heading(
                &self.fill(&self.labels.action_overview, &[])?,
                11.0,
                3,
                60.0,
            )?;
            self.paragraphs(canvas, datasets, &overview.paragraphs)?;
        }
        canvas.gap(4.0);
        canvas.heading(
            &self.fill(&self.labels.action_structure, &[])?,
            11.0,
            3,
            60.0,
        )?;
        self.paragraphs(canvas, datasets, &overview.structure_intro)?;
        canvas.table(&self.systems_table(plan)?)
    }

    /// 考え方 → 体系, a row per 体系; the 考え方 named on its first row.
    fn systems_table(&self, plan: &ActionPlan) -> anyhow::Result<Table> {
        let mut rows = Vec::new();
        for group in &plan.groups {
            let values = [
                ("number", group.number.to_string()),
                ("title", group.title.clone()),
            ];
            let title = self.fill(&self.labels.group_heading, &values)?;
            for (i, system) in group.systems.iter().enumerate() {
                let values = [
                    ("number", system.number.to_string()),
                    ("title", system.title.clone()),
                ];
                let first = if i == 0 { title.clone() } else { String::new() };
                rows.push(vec![
                    first,
                    self.fill(&self.labels.system_heading, &values)?,
                ]);
            }
        }
        Ok(Table {
            widths: vec![200.0, 299.0],
            align: vec![Align::Left; 2],
            header: self.labels.systems_columns.clone(),
            rows,
            size: 7.5,
        })
    }

    /// Each subsection's heading and paragraphs.
    fn sections(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
        sections: &[OverviewSection],
    ) -> anyhow::Result<()> {
        for section in sections {
            canvas.heading(&section.heading, 9.5, 4, 40.0)?;
            self.paragraphs(canvas, datasets, &section.paragraphs)?;
        }
        Ok(())
    }

    /// Indented body paragraphs, their placeholders filled.
    pub(super) fn paragraphs(
        &self,
        canvas: &mut Canvas,
        datasets: &Datasets,
        paragraphs: &[String],
    ) -> anyhow::Result<()> {
        for paragraph in paragraphs {
            let text = self.overview_text(datasets, paragraph)?;
            canvas.paragraph(&format!("　{text}"), BODY, 0.0, 1.55)?;
        }
        Ok(())
    }
}

/// The counts an overview text may name (see [`OverviewSection::paragraphs`]).
const COUNT_KEYS: [&str; 5] = ["parts", "policies", "indicators", "goals", "systems"];

/// The plan's counts as placeholder values (`policies` → `34`).
fn count_values(datasets: &Datasets) -> Vec<(&'static str, String)> {
    let counts = &datasets.white_paper.overview.counts;
    COUNT_KEYS
        .iter()
        .filter_map(|key| {
            let n = counts.iter().find(|(k, _)| k == key)?.1;
            Some((*key, n.to_string()))
        })
        .collect()
}

/// A policy's name in the 施策体系: `第1 国際化の推進`, or under its group
/// `第4 商業環境の整備 1 商業環境の充実`.
fn structure_name(code: &str, name: &str, groups: &[PolicyGroup]) -> String {
    let group = groups.iter().find_map(|g| {
        let rest = code.strip_prefix(g.code.as_str())?.strip_prefix('-')?;
        Some((g, rest))
    });
    match group {
        Some((group, rest)) => {
            format!("{} {} {rest} {name}", policy_label(&group.code), group.name)
        }
        None => format!("{} {name}", policy_label(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_divided_policy_under_its_group_and_others_alone() {
        let groups = vec![PolicyGroup {
            code: "2-4".to_string(),
            name: "商業環境の整備".to_string(),
        }];
        assert_eq!(
            structure_name("2-4-1", "商業環境の充実", &groups),
            "第4 商業環境の整備 1 商業環境の充実"
        );
        assert_eq!(structure_name("2-4", "x", &groups), "第4 x");
        assert_eq!(structure_name("2-41", "y", &groups), "第41 y");
        assert_eq!(
            structure_name("3-3-1", "住環境の改善", &groups),
            "第3-1 住環境の改善"
        );
    }
}
