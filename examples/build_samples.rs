//! Writes the sample FY2020 submissions into `data/inbox/`: each department's
//! template, filled in as the department would, from the transcription of the 2021
//! white paper and the newsletter in `data/seed/fy2020/`.
//!
//! cargo run --example build_samples

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use hakusho::config::Config;
use hakusho::domain::Observation;
use hakusho::plan::Plan;
use hakusho::template::{guide_text, prefilled};
use hakusho::workbook::layout::CIRCLED;
use hakusho::workbook::{write_workbook, PriorityProject, Render, SubmissionContent};

/// 2021-04-01 00:00 Asia/Tokyo: the sample workbooks' fixed creation time.
const CREATED: i64 = 1_617_202_800;

/// The white paper's tables and narratives of one department (data/seed/fy2020/<部>.toml).
#[derive(Deserialize)]
struct DepartmentSeed {
    #[serde(default)]
    policies: Vec<PolicySeed>,
}

#[derive(Deserialize)]
struct PolicySeed {
    code: String,
    progress: Vec<String>,
    #[serde(default)]
    indicators: Vec<IndicatorSeed>,
}

#[derive(Deserialize)]
struct IndicatorSeed {
    actual: String,
    /// 説明・注記: what explains a large move, drawn from the white paper's own text.
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
struct ActionSeed {
    items: Vec<ItemSeed>,
}

#[derive(Deserialize)]
struct ItemSeed {
    id: String,
    progress: Vec<String>,
}

#[derive(Deserialize)]
struct StrategySeed {
    goals: Vec<GoalSeed>,
}

#[derive(Deserialize)]
struct GoalSeed {
    number: u32,
    kpis: Vec<KpiSeed>,
}

#[derive(Deserialize)]
struct KpiSeed {
    actual: String,
    /// 説明・注記, as for an indicator.
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
struct NewsletterSeed {
    departments: Vec<ProjectsSeed>,
}

#[derive(Deserialize)]
struct ProjectsSeed {
    name: String,
    priority_projects: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("data/hakusho.toml"))?;
    let plan = Plan::load(&config.paths.plan)?;
    let seeds = root.join("data/seed/fy2020");
    let actions: ActionSeed = read(&seeds.join("action_plan.toml"))?;
    let strategy: StrategySeed = read(&seeds.join("strategy.toml"))?;
    let newsletter: NewsletterSeed = read(&seeds.join("department_plans.toml"))?;
    let kpi_seeds = kpi_seeds(&strategy);
    let guide = guide_text(&config)?;
    let fiscal_year = config.fiscal_year();
    for department in &config.departments {
        let seed: DepartmentSeed = read(&seeds.join(format!("{}.toml", department.name)))?;
        let mut content = prefilled(&plan, department, fiscal_year, None);
        fill_white_paper(&mut content, &seed);
        fill_actions(&mut content, &plan, &actions);
        for kpi in &mut content.kpis {
            let seed = kpi_seeds[&kpi.id];
            kpi.actual = seed.actual.clone();
            kpi.note = seed.note.clone();
        }
        let projects = newsletter
            .departments
            .iter()
            .find(|d| d.name == department.name);
        content.projects = projects
            .map(|p| priority_projects(&p.priority_projects))
            .unwrap_or_default();
        content.submitter = submitter(&department.sections);
        let render = Render {
            plan: &plan,
            fiscal_year,
            sections: &department.sections,
            created: CREATED,
            findings: &[],
            guide: &guide,
        };
        let target = config
            .paths
            .inbox
            .join(format!("{fiscal_year}_{}.xlsx", department.name));
        std::fs::write(&target, write_workbook(&content, &render)?)?;
        println!(
            "{} ({} indicators, {} policies, {} action items, {} KPIs, {} projects)",
            target.display(),
            content.indicators.len(),
            content.progress.len(),
            content.action_items.len(),
            content.kpis.len(),
            content.projects.len()
        );
    }
    Ok(())
}

/// The seed's KPIs by id (`K2-1`).
fn kpi_seeds(strategy: &StrategySeed) -> HashMap<String, &KpiSeed> {
    strategy
        .goals
        .iter()
        .flat_map(|g| {
            g.kpis
                .iter()
                .enumerate()
                .map(move |(i, k)| (format!("K{}-{}", g.number, i + 1), k))
        })
        .collect()
}

/// Who submits: the department's first section's white-paper clerk.
fn submitter(sections: &[String]) -> String {
    format!("{} 白書担当", sections.first().map_or("", String::as_str))
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)?;
    toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
}

/// The year's figures and the progress narratives, as the white paper printed them.
fn fill_white_paper(content: &mut SubmissionContent, seed: &DepartmentSeed) {
    for policy in &seed.policies {
        for (n, indicator) in policy.indicators.iter().enumerate() {
            let id = format!("{}.{}", policy.code, n + 1);
            let entry = content
                .indicators
                .iter_mut()
                .find(|e| e.id == id)
                .expect("the plan has the seed's indicators");
            entry.indicator.observations[3] = Observation::parse(&indicator.actual);
            entry.note = indicator.note.clone();
        }
        let progress = content
            .progress
            .iter_mut()
            .find(|p| p.policy_code == policy.code)
            .expect("owned policy");
        progress.text = policy.progress.join("\n");
    }
}

/// The lead department reports an item's 取組状況; co-owners leave it to the lead.
fn fill_actions(content: &mut SubmissionContent, plan: &Plan, actions: &ActionSeed) {
    for entry in &mut content.action_items {
        let item = plan.item(&entry.id).expect("owned item");
        if plan.leads_item(&content.department, item) {
            let seed = actions
                .items
                .iter()
                .find(|i| i.id == entry.id)
                .expect("the seed has the plan's items");
            entry.progress = seed.progress.join("\n");
        }
    }
}

fn priority_projects(titles: &[String]) -> Vec<PriorityProject> {
    titles
        .iter()
        .enumerate()
        .map(|(i, title)| PriorityProject {
            number: CIRCLED[i].to_string(),
            title: title.clone(),
            ..PriorityProject::default()
        })
        .collect()
}
