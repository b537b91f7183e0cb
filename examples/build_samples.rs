//! Writes the sample FY2020 submission workbooks into `data/inbox/` from the
//! transcription of the 2021 white paper in `data/seed/fy2020/*.toml`.
//!
//! cargo run --example build_samples

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use hakusho::config::Config;
use hakusho::domain::{FiscalYear, Indicator, Observation};
use hakusho::workbook::{write_submission, SubmissionContent};

/// 2021-04-01 00:00 Asia/Tokyo: the sample workbooks' fixed creation time.
const CREATED: i64 = 1_617_202_800;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    department: String,
    fiscal_year: String,
    #[serde(default)]
    policies: Vec<Policy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // notes and progress are transcribed for the later datasets.
struct Policy {
    code: String,
    part: String,
    name: String,
    sections: Vec<String>,
    notes: Vec<String>,
    progress: Vec<String>,
    #[serde(default)]
    indicators: Vec<SeedIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedIndicator {
    name: String,
    unit: String,
    baseline: String,
    early: String,
    middle: String,
    actual: String,
    target: String,
}

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root.join("data/hakusho.toml"))?;
    let seeds = root.join("data/seed/fy2020");
    let mut paths: Vec<_> = std::fs::read_dir(&seeds)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let text = std::fs::read_to_string(path)?;
        let seed: Seed =
            toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        let content = to_content(seed)?;
        let bytes = write_submission(&content, &config.plan, CREATED)?;
        let target = config.paths.inbox.join(format!(
            "{}_{}.xlsx",
            content.fiscal_year, content.department
        ));
        std::fs::write(&target, bytes)?;
        println!(
            "{} ({} indicators)",
            target.display(),
            content.indicators.len()
        );
    }
    Ok(())
}

fn to_content(seed: Seed) -> anyhow::Result<SubmissionContent> {
    let indicators = seed
        .policies
        .iter()
        .flat_map(|policy| {
            policy
                .indicators
                .iter()
                .map(move |i| to_indicator(policy, i))
        })
        .collect();
    Ok(SubmissionContent {
        department: seed.department,
        fiscal_year: FiscalYear::parse(&seed.fiscal_year)?,
        indicators,
    })
}

fn to_indicator(policy: &Policy, seed: &SeedIndicator) -> Indicator {
    let cells = [
        &seed.baseline,
        &seed.early,
        &seed.middle,
        &seed.actual,
        &seed.target,
    ];
    Indicator {
        policy_code: policy.code.clone(),
        policy_name: policy.name.clone(),
        section: policy.sections.join("・"),
        name: seed.name.clone(),
        unit: seed.unit.clone(),
        observations: cells.iter().map(|c| Observation::parse(c)).collect(),
    }
}
