//! A year's reports built again from the store, mailing nothing: `hakusho build` and
//! the planning division's 「再作成」 both call [`build_year`], and the run writes its
//! files through [`write_built`]. Every build records in the year's index what it was
//! made of ([`BuildInputs`]) and each file's digest, and [`build_year`] tells what
//! changed since the build before ([`Changes`]).

use std::path::{Path, PathBuf};

use chrono::DateTime;
use chrono_tz::Tz;

use super::build::reports_of;
use super::index::{self, BuildInputs, DepartmentInput, ReportIndex, UsedSubmission};
use super::{Built, ReportFile};
use crate::archive::sha256_hex;
use crate::config::Config;
use crate::consolidate::{self, Datasets, Submission};
use crate::domain::FiscalYear;
use crate::plan::PlanTexts;
use crate::store::Store;

pub use super::changes::{Change, Changes, DepartmentChange, FileChange};

/// What a build of a year did.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The year built.
    pub fiscal_year: FiscalYear,
    /// The files written, in the order of the build.
    pub written: Vec<PathBuf>,
    /// What went wrong on the way (a report left out, a character printed as 〓).
    pub problems: Vec<String>,
    /// What differs from the year's build before.
    pub changes: Changes,
}

/// Builds every report of `fiscal_year` from `store` (read, never written: the plan
/// as kept for the year, else the current one) into `out`/`<年度>`/, records what they
/// were built from in the year's index, and compares it with the index that was
/// there. Mails nothing and queues nothing. Blocking: call it off the async threads,
/// on a connection of its own (minutes on a large year).
pub fn build_year(
    config: &Config,
    store: &Store,
    fiscal_year: FiscalYear,
    out: &Path,
    built_at: DateTime<Tz>,
) -> anyhow::Result<Rebuilt> {
    let datasets = consolidate::read_from_store(config, store, fiscal_year)?;
    let inputs = inputs_of(config, store, &datasets)?;
    let (built, files) = reports_of(config, datasets, built_at)?;
    let previous = index::read_index(out, fiscal_year);
    let index = index_of(&built, &files, inputs);
    let written = super::write_indexed(out, &files, &index)?;
    Ok(Rebuilt {
        fiscal_year,
        written,
        problems: built.problems,
        changes: Changes::between(previous.as_ref(), &index),
    })
}

/// Writes a build's files under `dir`/`<年度>`/ with an index recording what they were
/// built from (the run's way to write its reports).
pub fn write_built(
    config: &Config,
    store: &Store,
    dir: &Path,
    built: &Built,
    files: &[ReportFile],
) -> anyhow::Result<Vec<PathBuf>> {
    let inputs = inputs_of(config, store, &built.datasets)?;
    super::write_indexed(dir, files, &index_of(built, files, inputs))
}

/// The index of a build's files, with when and from what they were built.
fn index_of(built: &Built, files: &[ReportFile], inputs: BuildInputs) -> ReportIndex {
    ReportIndex {
        built_at: Some(built.built_at.to_rfc3339()),
        inputs: Some(inputs),
        ..ReportIndex::of(built.fiscal_year(), files)
    }
}

/// What the datasets were built from: each department's submission as the store
/// keeps it, the plan's digest and the templates'.
pub fn inputs_of(
    config: &Config,
    store: &Store,
    datasets: &Datasets,
) -> anyhow::Result<BuildInputs> {
    let fiscal_year = FiscalYear(datasets.fiscal_year);
    let mut names: Vec<&str> = config.departments.iter().map(|d| d.name.as_str()).collect();
    // A department that submitted and has left the configuration since is an input too.
    for submission in &datasets.submissions {
        if !names.contains(&submission.department.as_str()) {
            names.push(&submission.department);
        }
    }
    let departments = names
        .into_iter()
        .map(|name| department_input(config, store, datasets, name))
        .collect::<anyhow::Result<_>>()?;
    Ok(BuildInputs {
        departments,
        plan_sha256: plan_sha256(config, store, fiscal_year)?,
        templates_sha256: templates_sha256(&config.paths.templates),
    })
}

/// A department and the submission the datasets used for it.
fn department_input(
    config: &Config,
    store: &Store,
    datasets: &Datasets,
    name: &str,
) -> anyhow::Result<DepartmentInput> {
    let submission = match datasets.submission_of(name) {
        Some(submission) => used(config, store, submission)?,
        None => None,
    };
    Ok(DepartmentInput {
        department: name.to_string(),
        submission,
    })
}

/// The stored row of a submission the datasets used.
fn used(
    config: &Config,
    store: &Store,
    submission: &Submission,
) -> anyhow::Result<Option<UsedSubmission>> {
    let (department, id) = (&submission.department, submission.submission_id);
    let entry = store.department_submission(&config.city.code, department, id)?;
    Ok(entry.map(|e| UsedSubmission {
        id: e.id,
        sha256: e.sha256,
        file_name: e.file_name,
        received_at: e.received_at,
    }))
}

/// The digest of the plan's reference data the year is built on: as kept for the
/// year, else the current files (what `consolidate::read_from_store` reads). The same
/// digest the store records beside a kept snapshot.
fn plan_sha256(config: &Config, store: &Store, year: FiscalYear) -> anyhow::Result<String> {
    let texts = match store.plan_snapshot(&config.city.code, year)? {
        Some(texts) => texts,
        None => PlanTexts::read(&config.paths.plan)?,
    };
    let joined = format!(
        "{}{}{}",
        texts.basic_plan, texts.strategy, texts.action_plan
    );
    Ok(sha256_hex(joined.as_bytes()))
}

/// The digest of the reports' headings and labels: every file of `templates/report/`,
/// by name, with its bytes (a folder that cannot be read counts as empty: the build
/// has told it already).
fn templates_sha256(templates: &Path) -> String {
    let dir = templates.join("report");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let bytes = std::fs::read(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), bytes))
        })
        .collect();
    files.sort();
    let mut all = Vec::new();
    for (name, bytes) in files {
        all.extend_from_slice(format!("{name}\0{}\0", bytes.len()).as_bytes());
        all.extend_from_slice(&bytes);
    }
    sha256_hex(&all)
}
