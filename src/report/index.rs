//! The index of a year's report files: which file is whose. Written beside the files by
//! each run (`<reports>/<年度>/index.json`); the portal offers a department only the
//! files this index lists as its own, by name, never a path taken from a request.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Audience, ReportFile};
use crate::domain::FiscalYear;

/// The index's file name in a year's folder.
pub const INDEX: &str = "index.json";

/// A year's index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportIndex {
    /// The fiscal year's first calendar year (2020 for 令和2年度).
    pub fiscal_year: i32,
    /// The files of the year's last build.
    pub files: Vec<IndexedFile>,
}

/// One report file and who it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedFile {
    /// Its name in the year's folder.
    pub file_name: String,
    /// The department it is for; `None` for the whole administration's.
    pub department: Option<String>,
}

impl ReportIndex {
    /// The index of a build's files.
    pub fn of(fiscal_year: FiscalYear, files: &[ReportFile]) -> ReportIndex {
        let files = files
            .iter()
            .map(|f| IndexedFile {
                file_name: f.file_name.clone(),
                department: match &f.audience {
                    Audience::Whole => None,
                    Audience::Department(name) => Some(name.clone()),
                },
            })
            .collect();
        ReportIndex {
            fiscal_year: fiscal_year.start_year(),
            files,
        }
    }

    /// The names of `department`'s own files.
    pub fn of_department<'a>(&'a self, department: &'a str) -> impl Iterator<Item = &'a str> {
        self.files
            .iter()
            .filter(move |f| f.department.as_deref() == Some(department))
            .map(|f| f.file_name.as_str())
    }
}

/// Writes the index into the year's folder `target`, atomically (a reader sees the old
/// index or the new one, whole).
pub fn write_index(target: &Path, index: &ReportIndex) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(index).context("報告書の一覧を書けません")?;
    let path = target.join(INDEX);
    let partial = target.join(format!("{INDEX}.{}.partial", std::process::id()));
    std::fs::write(&partial, json)
        .with_context(|| format!("報告書の一覧 {} を書き込めません", partial.display()))?;
    std::fs::rename(&partial, &path)
        .with_context(|| format!("報告書の一覧 {} を書き込めません", path.display()))
}

/// Every year's index under the reports folder `dir`, oldest year first. A folder
/// without a readable index (reports from before the index) is left out.
pub fn read_indexes(dir: &Path) -> Vec<ReportIndex> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut indexes: Vec<ReportIndex> = entries
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path().join(INDEX)).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    indexes.sort_by_key(|i| i.fiscal_year);
    indexes
}

/// The year's index under the reports folder `dir`, when the year was built.
pub fn read_index(dir: &Path, fiscal_year: FiscalYear) -> Option<ReportIndex> {
    let bytes = std::fs::read(dir.join(fiscal_year.to_string()).join(INDEX)).ok()?;
    serde_json::from_slice(&bytes).ok()
}
