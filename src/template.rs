//! Department templates: a submission workbook pre-filled from the plan's reference
//! data and the store, one per department.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{Config, Department};
use crate::domain::{FiscalYear, Observation, Period, Provisional};
use crate::plan::Plan;
use crate::store::Store;
use crate::workbook::layout::CIRCLED;
use crate::workbook::{
    write_workbook, ActionItemEntry, DepartmentProfile, IndicatorEntry, KpiEntry, PolicyProgress,
    PriorityProject, Render, SubmissionContent,
};

/// The content of a blank template: everything the plan and last year already say.
pub fn prefilled(
    plan: &Plan,
    department: &Department,
    fiscal_year: FiscalYear,
    last_year: Option<&SubmissionContent>,
) -> SubmissionContent {
    let name = department.name.as_str();
    SubmissionContent {
        department: department.name.clone(),
        fiscal_year: Some(fiscal_year),
        profile: DepartmentProfile {
            sections: last_year.map_or_else(
                || department.sections.clone(),
                |c| c.profile.sections.clone(),
            ),
            ..DepartmentProfile::default()
        },
        projects: previous_projects(last_year),
        indicators: plan
            .indicators_of(name)
            .map(|i| blank_indicator(plan, i, last_year))
            .collect(),
        progress: plan.policies_of(name).map(blank_progress).collect(),
        action_items: plan.items_of(name).map(blank_action_item).collect(),
        kpis: plan
            .kpis_of(name)
            .map(|(goal, k)| blank_kpi(goal, k, last_year))
            .collect(),
        ..SubmissionContent::default()
    }
}

/// A policy's row of 取組状況: its code and name, the narrative to write.
fn blank_progress(policy: &crate::plan::Policy) -> PolicyProgress {
    PolicyProgress {
        policy_code: policy.code.clone(),
        policy_name: policy.name.clone(),
        ..PolicyProgress::default()
    }
}

/// An action-plan item as the plan describes it; the year's progress to write.
fn blank_action_item(item: &crate::plan::ActionItem) -> ActionItemEntry {
    ActionItemEntry {
        id: item.id.clone(),
        major: item.major,
        title: item.title.clone(),
        departments: item.departments.join("・"),
        overview: item.overview.join("\n"),
        ..ActionItemEntry::default()
    }
}

/// A KPI with the plan's earlier, baseline and target figures and last year's; the
/// year's to write.
fn blank_kpi(
    goal: &crate::plan::StrategyGoal,
    k: &crate::plan::Kpi,
    last_year: Option<&SubmissionContent>,
) -> KpiEntry {
    let previous = last_year
        .and_then(|c| c.kpis.iter().find(|e| e.id == k.id))
        .map(|e| Provisional::noted(&e.actual, e.actual_provisional.as_deref()));
    KpiEntry {
        previous: shown_as_previous(previous.as_deref()),
        id: k.id.clone(),
        goal: goal.number.to_string(),
        name: k.name.clone(),
        earlier: k.earlier.clone(),
        baseline: k.baseline.clone(),
        target: k.target.clone(),
        ..KpiEntry::default()
    }
}

/// Last year's projects shown beside this year's empty places.
fn previous_projects(last_year: Option<&SubmissionContent>) -> Vec<PriorityProject> {
    let previous = last_year.map(|c| c.projects.as_slice()).unwrap_or_default();
    previous
        .iter()
        .enumerate()
        .map(|(i, p)| PriorityProject {
            number: CIRCLED.get(i).copied().unwrap_or_default().to_string(),
            previous: p.title.clone(),
            ..PriorityProject::default()
        })
        .collect()
}

/// Last year's figure as the 前年度実績 column shows it: `—` when there is none.
///
/// Only last year's: the plan's own figures (計画策定時, 前期, 中期) have their columns
/// on the row already, and an older year's figure under a 前年度 heading would mislead.
fn shown_as_previous(figure: Option<&str>) -> String {
    match figure.map(str::trim) {
        Some(figure) if !figure.is_empty() => figure.to_string(),
        _ => NO_PREVIOUS_FIGURE.to_string(),
    }
}

/// What the 前年度実績 column shows when last year has no accepted figure.
pub const NO_PREVIOUS_FIGURE: &str = "—";

fn blank_indicator(
    plan: &Plan,
    reference: &crate::plan::PlanIndicator,
    last_year: Option<&SubmissionContent>,
) -> IndicatorEntry {
    let previous = last_year
        .and_then(|c| c.indicators.iter().find(|e| e.id == reference.id))
        .and_then(|e| e.reading(Period::Actual))
        .map(|r| r.noted());
    let cells = [
        &reference.baseline,
        &reference.early,
        &reference.middle,
        "",
        &reference.target,
    ];
    IndicatorEntry {
        id: reference.id.clone(),
        indicator: plan.describe(
            reference,
            cells.iter().map(|c| Observation::parse(c)).collect(),
        ),
        observed_at: String::new(),
        reason: String::new(),
        previous: shown_as_previous(previous.as_deref()),
        note: String::new(),
        row: 0,
        // A template is written, never stored: nothing was read from a cell yet.
        readings: Vec::new(),
    }
}

/// The instructions text of the workbooks.
pub fn guide_text(config: &Config) -> anyhow::Result<String> {
    let path = config.paths.templates.join("workbook").join("guide.txt");
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

/// Every department, or only the one named (an error when there is none of that name).
fn selected_departments<'a>(
    config: &'a Config,
    only: Option<&str>,
) -> anyhow::Result<Vec<&'a Department>> {
    let departments: Vec<&Department> = config
        .departments
        .iter()
        .filter(|d| only.is_none_or(|name| d.name == name))
        .collect();
    if departments.is_empty() {
        anyhow::bail!("部「{}」は設定にありません", only.unwrap_or_default());
    }
    Ok(departments)
}

/// Writes one template per department (or the one named) into `out` and returns the paths.
pub fn write_templates(
    config: &Config,
    plan: &Plan,
    store: &Store,
    fiscal_year: FiscalYear,
    only: Option<&str>,
    out: &Path,
    created: i64,
) -> anyhow::Result<Vec<PathBuf>> {
    let made = Making::new(config, plan, store, fiscal_year, created)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    selected_departments(config, only)?
        .into_iter()
        .map(|department| {
            let (name, bytes) = made.template(department)?;
            let path = out.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

/// One department's template of the year, pre-filled from the plan and its accepted
/// submission of last year: its file name (`令和2年度_企画部_提出用.xlsx`) and bytes
/// (what `hakusho template` writes, and the portal offers for download).
pub fn department_template(
    config: &Config,
    plan: &Plan,
    store: &Store,
    department: &Department,
    created: i64,
) -> anyhow::Result<(String, Vec<u8>)> {
    let fiscal_year = config.fiscal_year();
    let made = Making::new(config, plan, store, fiscal_year, created)?;
    made.template(department)
}

/// What every department's template of one year is made from.
struct Making<'a> {
    plan: &'a Plan,
    guide: String,
    last_year: Vec<crate::store::CurrentSubmission>,
    fiscal_year: FiscalYear,
    created: i64,
}

impl<'a> Making<'a> {
    /// Reads the guide and last year's accepted submissions, once for every department.
    fn new(
        config: &Config,
        plan: &'a Plan,
        store: &Store,
        fiscal_year: FiscalYear,
        created: i64,
    ) -> anyhow::Result<Making<'a>> {
        let last_year = FiscalYear(fiscal_year.0 - 1);
        Ok(Making {
            plan,
            guide: guide_text(config)?,
            last_year: store.current_submissions(&config.city.code, last_year)?,
            fiscal_year,
            created,
        })
    }

    fn template(&self, department: &Department) -> anyhow::Result<(String, Vec<u8>)> {
        let previous = self
            .last_year
            .iter()
            .find(|s| s.content.department == department.name)
            .map(|s| &s.content);
        let content = prefilled(self.plan, department, self.fiscal_year, previous);
        let render = Render {
            plan: self.plan,
            fiscal_year: self.fiscal_year,
            sections: &department.sections,
            created: self.created,
            findings: &[],
            guide: &self.guide,
        };
        let bytes = write_workbook(&content, &render)?;
        Ok((
            format!("{}_{}_提出用.xlsx", self.fiscal_year, department.name),
            bytes,
        ))
    }
}
