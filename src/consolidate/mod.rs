//! Consolidation: from the accepted submissions of a fiscal year and the plan's
//! reference data, the two datasets every report is printed from: the white paper
//! (自治体経営白書) and 各部の運営方針と目標.
//!
//! The build is a pure function of (plan, configuration, stored submissions): the
//! same store gives the same datasets, byte for byte once serialised. Every value
//! carries its [`Source`]; items shared by departments are merged in the plan's order
//! of owners; cross-checks and gaps are part of the result, not log lines.

mod checks;
mod explain;
mod model;

use crate::config::Config;
use crate::domain::status::{self, Figures};
use crate::domain::FiscalYear;
use crate::domain::{says_same_as_left, Observation, Period, Provisional, Reading};
use crate::plan::{self, Plan, PlanTexts};

use crate::store::{CurrentSubmission, Store, SubmissionState};
use crate::workbook::layout::{
    self, action, indicator, kpi, ACTION_SHEET, KPI_SHEET, PROFILE_SHEET, PROGRESS_SHEET,
};
use crate::workbook::{cell_name, paragraphs, IndicatorEntry};
use anyhow::Context;

pub use explain::{explain, item_id, ItemKind, Lineage, LineageRow, RowKind};
pub use model::*;

/// Builds the datasets of a fiscal year from the store: the latest accepted submission
/// of each department, and the plan's reference data as kept for that year (kept now,
/// from `paths.plan`, the first time the year is built), so that a year rebuilt later
/// comes out the same even after the reference data has moved on to the next plan.
/// A year outside the plan period is refused before anything is kept.
pub fn from_store(
    config: &Config,
    store: &mut Store,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Datasets> {
    let plan = plan_of_year(config, store, fiscal_year)?;
    build_from_store(config, store, fiscal_year, &plan)
}

/// [`from_store`] for the read-only commands (`export`, `explain`, `preview-send`):
/// the plan as kept for the year when it was, else the current one, and nothing
/// written to the store.
pub fn read_from_store(
    config: &Config,
    store: &Store,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Datasets> {
    let plan = match store.plan_snapshot(&config.city.code, fiscal_year)? {
        Some(texts) => kept_plan(&texts)?,
        None => Plan::load(&config.paths.plan)?,
    };
    plan.check_in_period(fiscal_year)?;
    build_from_store(config, store, fiscal_year, &plan)
}

/// The datasets of a year from the store's submissions, on the year's plan.
fn build_from_store(
    config: &Config,
    store: &Store,
    fiscal_year: FiscalYear,
    plan: &Plan,
) -> anyhow::Result<Datasets> {
    let submissions = store.current_submissions(&config.city.code, fiscal_year)?;
    let mut datasets = build(config, plan, fiscal_year, &submissions);
    datasets.states = store.latest_by_department(&config.city.code, fiscal_year)?;
    for submission in &mut datasets.submissions {
        let id = submission.submission_id;
        let read = store.findings_of(id);
        match read.with_context(|| format!("reading the findings of submission {id}")) {
            Ok(findings) => submission.findings = findings,
            Err(error) => submission.unreadable_findings = Some(format!("{error:#}")),
        }
    }
    for year in store
        .fiscal_years(&config.city.code)?
        .into_iter()
        .filter(|y| *y < fiscal_year)
    {
        let earlier = store.current_submissions(&config.city.code, year)?;
        add_history(&mut datasets, year, &earlier);
    }
    Ok(datasets)
}

/// The plan's reference data as kept for the year; kept now when it was not yet (and
/// the year is in the current plan's period: a year outside it must not pin the plan).
fn plan_of_year(
    config: &Config,
    store: &mut Store,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Plan> {
    if let Some(texts) = store.plan_snapshot(&config.city.code, fiscal_year)? {
        return kept_plan(&texts);
    }
    let texts = PlanTexts::read(&config.paths.plan)?;
    let plan = Plan::from_texts(&texts).with_context(|| {
        format!(
            "計画の参照データ {} に誤りがあります",
            config.paths.plan.display()
        )
    })?;
    plan.check_in_period(fiscal_year)?;
    store.keep_plan_snapshot(&config.city.code, fiscal_year, &texts)?;
    Ok(plan)
}

/// The plan as kept in the store for a year.
fn kept_plan(texts: &PlanTexts) -> anyhow::Result<Plan> {
    Plan::from_texts(texts).context("計画の参照データ(保存済み)に誤りがあります")
}

/// Where each configured department stands for a year: its latest submission (accepted
/// or not), or `None` when it has sent nothing. `status` prints this; the manager
/// summary prints the same from [`Datasets::states`].
pub fn standings(
    config: &Config,
    store: &Store,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Vec<(String, Option<SubmissionState>)>> {
    let states = store.latest_by_department(&config.city.code, fiscal_year)?;
    Ok(config
        .departments
        .iter()
        .map(|d| {
            let state = states.iter().find(|s| s.department == d.name);
            (d.name.clone(), state.cloned())
        })
        .collect())
}

/// Adds each indicator's figure of an earlier year to its series.
fn add_history(datasets: &mut Datasets, year: FiscalYear, submissions: &[CurrentSubmission]) {
    let indicators = datasets
        .white_paper
        .parts
        .iter_mut()
        .flat_map(|p| &mut p.policies)
        .flat_map(|p| &mut p.indicators);
    for indicator in indicators {
        let found = submissions.iter().find_map(|s| {
            let actual = entry_of(s, &indicator.id)?.reading(Period::Actual)?;
            Some((s, actual))
        });
        if let Some((submission, actual)) = found {
            indicator.history.push(YearFigure {
                fiscal_year: year.start_year(),
                printed: actual.noted(),
                value: actual.value,
                source: reading_source(submission, actual),
            });
        }
    }
}

/// A submission's entry for an indicator of the plan.
fn entry_of<'s>(submission: &'s CurrentSubmission, id: &str) -> Option<&'s IndicatorEntry> {
    submission.content.indicators.iter().find(|e| e.id == id)
}

/// Where a value read at intake came from: the cell intake read it from.
fn reading_source(submission: &CurrentSubmission, reading: &Reading) -> Source {
    Source {
        submission_id: submission.submission_id,
        department: submission.content.department.clone(),
        file: submission.file_name.clone(),
        sheet: reading.sheet.clone(),
        cell: reading.cell.clone(),
    }
}

/// An indicator's cells as its department submitted them.
fn submitted_cells(submission: &CurrentSubmission, entry: &IndicatorEntry) -> Vec<Cell> {
    entry
        .readings
        .iter()
        .map(|r| Cell {
            period: r.period.key().to_string(),
            printed: r.noted(),
            value: r.value,
            source: Some(reading_source(submission, r)),
        })
        .collect()
}

/// An indicator's cells as the plan fixes them, for a department that has not submitted.
fn planned_cells(reference: &plan::PlanIndicator) -> Vec<Cell> {
    let planned = [
        &reference.baseline,
        &reference.early,
        &reference.middle,
        "",
        &reference.target,
    ];
    Period::ALL
        .iter()
        .zip(planned)
        .map(|(period, printed)| Cell {
            period: period.key().to_string(),
            printed: printed.to_string(),
            value: Observation::parse(printed).value(),
            source: None,
        })
        .collect()
}

/// Each cell's figure by period, `同左` taking the figure on its left.
fn carried_values(cells: &[Cell]) -> Vec<(&str, Option<f64>)> {
    let mut values: Vec<(&str, Option<f64>)> = Vec::new();
    for cell in cells {
        let value = match says_same_as_left(&cell.printed) {
            true => values.last().and_then(|(_, v)| *v),
            false => cell.value,
        };
        values.push((&cell.period, value));
    }
    values
}

/// A department's current submission as the whole-city indicator table prints it.
fn submission(current: &CurrentSubmission) -> Submission {
    Submission {
        department: current.content.department.clone(),
        submission_id: current.submission_id,
        file_name: current.file_name.clone(),
        indicators: current
            .content
            .indicators
            .iter()
            .map(|e| SubmittedIndicator {
                id: e.id.clone(),
                policy_code: e.indicator.policy_code.clone(),
                policy_name: e.indicator.policy_name.clone(),
                name: e.indicator.name.clone(),
                cells: submitted_cells(current, e),
            })
            .collect(),
        // Read from the store by `from_store`; a dataset built from content alone has none.
        findings: Vec::new(),
        unreadable_findings: None,
    }
}

impl Datasets {
    /// The part of the datasets one department owns: its policies, KPIs, action-plan
    /// items (named, or reported by it), its plan, and the gaps and findings that
    /// concern it.
    pub fn for_department(&self, department: &str) -> Datasets {
        let mut own = self.clone();
        let wp = &mut own.white_paper;
        for part in &mut wp.parts {
            part.policies.retain(|p| p.department == department);
        }
        wp.parts.retain(|p| !p.policies.is_empty());
        for goal in &mut wp.strategy.goals {
            goal.kpis.retain(|k| k.department == department);
        }
        wp.strategy
            .goals
            .retain(|g| !g.kpis.is_empty() || g.numeric_goal.department == department);
        for system in wp
            .action_plan
            .groups
            .iter_mut()
            .flat_map(|g| &mut g.systems)
        {
            system.items.retain(|i| {
                i.departments.iter().any(|d| d == department)
                    || i.sources.iter().any(|s| s.department == department)
            });
        }
        for group in &mut wp.action_plan.groups {
            group.systems.retain(|s| !s.items.is_empty());
        }
        wp.action_plan.groups.retain(|g| !g.systems.is_empty());
        own.department_plans.retain(|p| p.department == department);
        own.gaps.retain(|g| g.department == department);
        own.findings.retain(|f| {
            f.places.iter().any(|p| {
                p.source
                    .as_ref()
                    .is_some_and(|s| s.department == department)
            })
        });
        own
    }
}

/// The cover's publication month: the configured one for the year the configuration
/// collects, else the year after the fiscal year alone (see [`Datasets::published`]).
fn published(config: &Config, fiscal_year: FiscalYear) -> String {
    match config.report.published {
        Some(month) if config.city.fiscal_year.0 == fiscal_year => month.printed(),
        _ => crate::domain::publication_year_label(fiscal_year.start_year() + 1),
    }
}

/// Builds both datasets of `fiscal_year`.
pub fn build(
    config: &Config,
    plan: &Plan,
    fiscal_year: FiscalYear,
    submissions: &[CurrentSubmission],
) -> Datasets {
    let builder = Builder {
        config,
        plan,
        fiscal_year,
        submissions,
    };
    let white_paper = builder.white_paper();
    let department_plans = builder.department_plans();
    let gaps = checks::gaps(config, plan, submissions);
    let findings = checks::cross_findings(plan, &white_paper);
    Datasets {
        city: config.city.name.clone(),
        city_code: config.city.code.clone(),
        fiscal_year: fiscal_year.start_year(),
        fiscal_year_label: fiscal_year.to_string(),
        published: published(config, fiscal_year),
        white_paper,
        department_plans,
        gaps,
        findings,
        submissions: builder.submissions(),
        states: Vec::new(),
        period_headers: builder.period_headers(),
    }
}

struct Builder<'a> {
    config: &'a Config,
    plan: &'a Plan,
    /// The year being built (an argument, never the configuration's year).
    fiscal_year: FiscalYear,
    submissions: &'a [CurrentSubmission],
}

impl Builder<'_> {
    fn submission_of(&self, department: &str) -> Option<&CurrentSubmission> {
        self.submissions
            .iter()
            .find(|s| s.content.department == department)
    }

    fn source(
        &self,
        submission: &CurrentSubmission,
        sheet: &str,
        row: u32,
        column: usize,
    ) -> Source {
        Source {
            submission_id: submission.submission_id,
            department: submission.content.department.clone(),
            file: submission.file_name.clone(),
            sheet: sheet.to_string(),
            cell: cell_name(row, column as u16),
        }
    }

    /// Every department's current submission, in the configuration's order (one the
    /// configuration does not name comes last).
    fn submissions(&self) -> Vec<Submission> {
        let rank = |name: &str| {
            let departments = &self.config.departments;
            departments
                .iter()
                .position(|d| d.name == name)
                .unwrap_or(usize::MAX)
        };
        let mut listed: Vec<Submission> = self.submissions.iter().map(submission).collect();
        listed.sort_by_key(|s| rank(&s.department));
        listed
    }

    /// The headers of the indicator table's five period columns, as the workbook has them.
    fn period_headers(&self) -> Vec<String> {
        let columns = layout::indicator_columns(&self.plan.basic, self.fiscal_year);
        indicator::PERIODS
            .iter()
            .map(|c| columns[*c].header.clone())
            .collect()
    }

    fn white_paper(&self) -> WhitePaper {
        let basic = &self.plan.basic;
        WhitePaper {
            plan_name: basic.name.clone(),
            period_labels: self
                .period_headers()
                .iter()
                .map(|h| h.replace('\n', ""))
                .collect(),
            parts: basic
                .parts
                .iter()
                .map(|part| Part {
                    number: part.number,
                    title: part.title.clone(),
                    policies: basic
                        .policies
                        .iter()
                        .filter(|p| p.part == part.number)
                        .map(|p| self.policy(p))
                        .collect(),
                })
                .collect(),
            strategy: self.strategy(),
            action_plan: self.action_plan(),
            overview: self.overview(),
        }
    }

    /// The overviews' words and the counts of the whole plan (never of one
    /// department's part), taken before any report filters the white paper.
    fn overview(&self) -> Overview {
        let plan = self.plan;
        let counts = [
            ("parts", plan.basic.parts.len()),
            ("policies", plan.basic.policies.len()),
            ("indicators", plan.basic.indicators.len()),
            ("goals", plan.strategy.goals.len()),
            ("systems", plan.action_plan.systems.len()),
        ];
        Overview {
            plan: plan.basic.overview.clone(),
            strategy: plan.strategy.overview.clone(),
            action_plan: plan.action_plan.overview.clone(),
            counts: counts.map(|(k, n)| (k.to_string(), n)).to_vec(),
        }
    }

    fn policy(&self, policy: &plan::Policy) -> Policy {
        let submission = self.submission_of(&policy.department);
        let progress = submission.and_then(|s| {
            s.content
                .progress
                .iter()
                .find(|p| p.policy_code == policy.code)
                .map(|p| (s, p))
        });
        Policy {
            code: policy.code.clone(),
            name: policy.name.clone(),
            department: policy.department.clone(),
            sections: policy.sections.clone(),
            notes: policy.notes.clone(),
            indicators: self
                .plan
                .basic
                .indicators
                .iter()
                .filter(|i| i.policy == policy.code)
                .map(|i| self.indicator(i, submission))
                .collect(),
            progress: progress
                .map(|(_, p)| paragraphs(&p.text))
                .unwrap_or_default(),
            progress_source: progress
                .map(|(s, p)| self.source(s, PROGRESS_SHEET, p.row, layout::progress::TEXT)),
        }
    }

    fn indicator(
        &self,
        reference: &plan::PlanIndicator,
        submission: Option<&CurrentSubmission>,
    ) -> Indicator {
        let entry = submission.and_then(|s| Some((s, entry_of(s, &reference.id)?)));
        let cells = match entry {
            Some((s, e)) => submitted_cells(s, e),
            None => planned_cells(reference),
        };
        let figures = self.figures(reference, &cells);
        let status = status::status(reference.direction, &figures);
        Indicator {
            id: reference.id.clone(),
            name: reference.name.clone(),
            unit: reference.unit.clone(),
            direction: reference.direction,
            status,
            status_label: status.label().to_string(),
            progress: status::progress(reference.direction, &figures),
            change: figures.actual.zip(figures.previous).map(|(a, p)| a - p),
            note: entry.map(|(_, e)| e.note.clone()).unwrap_or_default(),
            amendment_reason: entry.map(|(_, e)| e.reason.clone()).unwrap_or_default(),
            history: Vec::new(),
            cells,
        }
    }

    /// The numbers the status rule reads; `同左` takes the figure on its left.
    fn figures(&self, reference: &plan::PlanIndicator, cells: &[Cell]) -> Figures {
        let values = carried_values(cells);
        let at = |period: Period| {
            let found = values.iter().find(|(key, _)| *key == period.key());
            found.and_then(|(_, value)| *value)
        };
        let basic = &self.plan.basic;
        let (start, end) = (
            basic.baseline_year.0.start_year(),
            basic.target_year.0.start_year(),
        );
        let year = self.fiscal_year.start_year();
        Figures {
            baseline: at(Period::Baseline).or(at(Period::Early)),
            previous: at(Period::Middle),
            actual: at(Period::Actual),
            target: at(Period::Target).or(reference.target_value),
            elapsed: f64::from(year - start) / f64::from((end - start).max(1)),
        }
    }

    fn strategy(&self) -> Strategy {
        let strategy = &self.plan.strategy;
        let year = self.fiscal_year;
        Strategy {
            name: strategy.name.clone(),
            period_labels: vec![
                format!("実績値({})", strategy.earlier_year.0),
                format!("戦略策定時({})", strategy.baseline_year.0),
                format!("実績値({year})"),
                format!("目標値({})", strategy.target_year.0),
            ],
            goals: strategy.goals.iter().map(|g| self.goal(g)).collect(),
        }
    }

    fn goal(&self, goal: &plan::StrategyGoal) -> Goal {
        let numeric = &goal.numeric_goal;
        let fixed = |period: &str, printed: &str| Cell {
            period: period.to_string(),
            printed: printed.to_string(),
            value: Observation::parse(printed).value(),
            source: None,
        };
        Goal {
            number: goal.number,
            title: goal.title.clone(),
            direction: goal.direction.clone(),
            notes: goal.notes.clone(),
            numeric_goal: NumericGoal {
                name: numeric.name.clone(),
                department: numeric.department.clone(),
                cells: vec![
                    fixed("earlier", &numeric.earlier),
                    fixed("baseline", &numeric.baseline),
                    fixed("target", &numeric.target),
                ],
            },
            kpis: goal.kpis.iter().map(|k| self.kpi(k)).collect(),
        }
    }

    fn kpi(&self, reference: &plan::Kpi) -> Kpi {
        let entry = self.submission_of(&reference.department).and_then(|s| {
            s.content
                .kpis
                .iter()
                .find(|k| k.id == reference.id)
                .map(|k| (s, k))
        });
        let cell = |period: &str, column: usize, printed: &str| Cell {
            period: period.to_string(),
            printed: printed.to_string(),
            value: Observation::parse(printed).value(),
            source: entry.map(|(s, k)| self.source(s, KPI_SHEET, k.row, column)),
        };
        // A provisional 実績値 prints with its mark as a note: `265人 (速報値)`.
        let noted =
            entry.map(|(_, k)| Provisional::noted(&k.actual, k.actual_provisional.as_deref()));
        let (earlier, baseline, actual, target) = match entry {
            Some((_, k)) => (
                k.earlier.as_str(),
                k.baseline.as_str(),
                noted.as_deref().unwrap_or_default(),
                k.target.as_str(),
            ),
            None => (
                reference.earlier.as_str(),
                reference.baseline.as_str(),
                "",
                reference.target.as_str(),
            ),
        };
        Kpi {
            id: reference.id.clone(),
            name: reference.name.clone(),
            department: reference.department.clone(),
            plan_indicator: reference.plan_indicator.clone(),
            cells: vec![
                cell("earlier", kpi::EARLIER, earlier),
                cell("baseline", kpi::BASELINE, baseline),
                cell("actual", kpi::ACTUAL, actual),
                cell("target", kpi::TARGET, target),
            ],
            note: entry.map(|(_, k)| k.note.clone()).unwrap_or_default(),
        }
    }

    fn action_plan(&self) -> ActionPlan {
        let plan = &self.plan.action_plan;
        ActionPlan {
            name: plan.name.clone(),
            groups: plan
                .groups
                .iter()
                .map(|g| ActionGroup {
                    number: g.number,
                    title: g.title.clone(),
                    systems: plan
                        .systems
                        .iter()
                        .filter(|s| g.systems.contains(&s.number))
                        .map(|s| ActionSystem {
                            number: s.number,
                            title: s.title.clone(),
                            items: plan
                                .items
                                .iter()
                                .filter(|i| i.system == s.number)
                                .map(|i| self.item(i))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// An item merged from every department that reports it, in the plan's order of
    /// owners; a paragraph two departments both wrote appears once.
    fn item(&self, item: &plan::ActionItem) -> ActionItem {
        let mut merged = ActionItem {
            id: item.id.clone(),
            major: item.major,
            title: item.title.clone(),
            departments: item.departments.clone(),
            overview: item.overview.clone(),
            progress: Vec::new(),
            sources: Vec::new(),
        };
        let reporters = self
            .config
            .departments
            .iter()
            .map(|d| d.name.as_str())
            .filter(|d| self.plan.reports_item(d, item));
        let mut ordered: Vec<&str> = reporters.collect();
        ordered.sort_by_key(|d| if self.plan.leads_item(d, item) { 0 } else { 1 });
        for department in ordered {
            let Some(submission) = self.submission_of(department) else {
                continue;
            };
            let Some(entry) = submission
                .content
                .action_items
                .iter()
                .find(|e| e.id == item.id)
            else {
                continue;
            };
            if self.plan.leads_item(department, item) && !entry.overview.is_empty() {
                merged.overview = paragraphs(&entry.overview);
            }
            let new: Vec<String> = paragraphs(&entry.progress)
                .into_iter()
                .filter(|p| !merged.progress.contains(p))
                .collect();
            if !new.is_empty() {
                merged.progress.extend(new);
                merged.sources.push(self.source(
                    submission,
                    ACTION_SHEET,
                    entry.row,
                    action::PROGRESS,
                ));
            }
        }
        merged
    }

    fn department_plans(&self) -> Vec<DepartmentPlan> {
        self.config
            .departments
            .iter()
            .map(|department| {
                let submission = self.submission_of(&department.name);
                let profile = submission
                    .map(|s| s.content.profile.clone())
                    .unwrap_or_default();
                DepartmentPlan {
                    department: department.name.clone(),
                    sections: profile.sections,
                    staff_count: with_unit(&profile.staff_count, "人"),
                    budget: with_unit(&profile.budget, "千円"),
                    operating_policy: profile.operating_policy,
                    covid_response: profile.covid_response,
                    projects: submission
                        .map(|s| &s.content.projects)
                        .into_iter()
                        .flatten()
                        .map(|p| Project {
                            number: p.number.clone(),
                            title: p.title.clone(),
                            section: p.section.clone(),
                            indicator: p.indicator.clone(),
                            target: p.target.clone(),
                        })
                        .collect(),
                    source: submission.map(|s| self.source(s, PROFILE_SHEET, 1, 1)),
                }
            })
            .collect()
    }
}

/// A 職員数 or 予算規模 typed as a bare number (the template asks for 人 and 千円, and
/// a number cell carries no unit) printed with its unit and thousands separators:
/// `123456789` → `123,456,789千円`; text with a unit of its own is kept as written.
fn with_unit(typed: &str, unit: &str) -> String {
    let digits: String = typed.trim().chars().filter(|c| *c != ',').collect();
    match digits.parse::<f64>() {
        Ok(value)
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.') =>
        {
            crate::domain::format_quantity(value, unit)
        }
        _ => typed.to_string(),
    }
}

#[cfg(test)]
mod unit_tests {
    use super::with_unit;

    #[test]
    fn a_bare_number_gets_the_unit_the_template_asks_for() {
        assert_eq!(with_unit("123456789012", "千円"), "123,456,789,012千円");
        assert_eq!(with_unit("0", "人"), "0人");
        assert_eq!(with_unit("1,234", "人"), "1,234人");
        for kept in ["85人", "12億3,456万円", "", "約80人", "—", "1.2.3"] {
            assert_eq!(with_unit(kept, "人"), kept);
        }
    }
}
