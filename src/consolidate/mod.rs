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
use crate::domain::{Observation, ObservationKind, Period};
use crate::plan::{self, Plan, PlanTexts};

use crate::store::{CurrentSubmission, Store};
use crate::workbook::layout::{
    self, action, indicator, kpi, ACTION_SHEET, INDICATOR_SHEET, KPI_SHEET, PROFILE_SHEET,
    PROGRESS_SHEET,
};
use crate::workbook::{cell_name, paragraphs};
use anyhow::Context;

pub use explain::explain;
pub use model::*;

/// Builds the datasets of a fiscal year from the store: the latest accepted submission
/// of each department, and the plan's reference data as kept for that year (kept now,
/// from `paths.plan`, the first time the year is built), so that a year rebuilt later
/// comes out the same even after the reference data has moved on to the next plan.
pub fn from_store(
    config: &Config,
    store: &mut Store,
    fiscal_year: FiscalYear,
) -> anyhow::Result<Datasets> {
    let texts = match store.plan_snapshot(&config.city.code, fiscal_year)? {
        Some(texts) => texts,
        None => {
            let texts = PlanTexts::read(&config.paths.plan)?;
            store.keep_plan_snapshot(&config.city.code, fiscal_year, &texts)?;
            texts
        }
    };
    let plan = Plan::from_texts(&texts).context("計画の参照データ(保存済み)に誤りがあります")?;
    let submissions = store.current_submissions(&config.city.code, fiscal_year)?;
    let mut datasets = build(config, &plan, fiscal_year, &submissions);
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
            s.content
                .indicators
                .iter()
                .find(|e| e.id == indicator.id)
                .map(|e| (s, e))
        });
        if let Some((submission, entry)) = found {
            let actual = &entry.indicator.observations[3];
            indicator.history.push(YearFigure {
                fiscal_year: year.start_year(),
                printed: actual.printed.clone(),
                value: actual.value(),
                source: Source {
                    submission_id: submission.submission_id,
                    department: submission.content.department.clone(),
                    file: submission.file_name.clone(),
                    sheet: INDICATOR_SHEET.to_string(),
                    cell: cell_name(entry.row, indicator::ACTUAL as u16),
                },
            });
        }
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
        white_paper,
        department_plans,
        gaps,
        findings,
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

    fn white_paper(&self) -> WhitePaper {
        let basic = &self.plan.basic;
        let columns = layout::indicator_columns(basic, self.fiscal_year);
        WhitePaper {
            plan_name: basic.name.clone(),
            period_labels: indicator::PERIODS
                .iter()
                .map(|c| columns[*c].header.replace('\n', ""))
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
        let entry = submission.and_then(|s| {
            s.content
                .indicators
                .iter()
                .find(|e| e.id == reference.id)
                .map(|e| (s, e))
        });
        let planned = [
            &reference.baseline,
            &reference.early,
            &reference.middle,
            "",
            &reference.target,
        ];
        let cells: Vec<Cell> = Period::ALL
            .iter()
            .zip(indicator::PERIODS)
            .enumerate()
            .map(|(i, (period, column))| {
                let label = period.key().to_string();
                match entry {
                    Some((s, e)) => {
                        let o = &e.indicator.observations[i];
                        Cell {
                            period: label,
                            printed: o.printed.clone(),
                            value: o.value(),
                            source: Some(self.source(s, INDICATOR_SHEET, e.row, column)),
                        }
                    }
                    None => Cell {
                        period: label,
                        printed: planned[i].to_string(),
                        value: Observation::parse(planned[i]).value(),
                        source: None,
                    },
                }
            })
            .collect();
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
        let mut values: Vec<Option<f64>> = Vec::new();
        for cell in cells {
            let value = match Observation::parse(&cell.printed).kind {
                ObservationKind::SameAsLeft => values.last().copied().flatten(),
                _ => cell.value,
            };
            values.push(value);
        }
        let basic = &self.plan.basic;
        let (start, end) = (
            basic.baseline_year.0.start_year(),
            basic.target_year.0.start_year(),
        );
        let year = self.fiscal_year.start_year();
        Figures {
            baseline: values[0].or(values[1]),
            previous: values[2],
            actual: values[3],
            target: values[4].or(reference.target_value),
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
        let (earlier, baseline, actual, target) = match entry {
            Some((_, k)) => (
                k.earlier.as_str(),
                k.baseline.as_str(),
                k.actual.as_str(),
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
                    staff_count: profile.staff_count,
                    budget: profile.budget,
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
