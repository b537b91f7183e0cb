//! The index of a year's report files: which file is whose. Written beside the files by
//! each run (`<reports>/<年度>/index.json`); the portal offers a department only the
//! files this index lists as its own, by name, never a path taken from a request.
//!
//! The index also records what the build was made of ([`BuildInputs`]: each
//! department's submission, the plan's and the templates' digests) and each file's
//! SHA-256 and size, so that the next build of the year can say what changed
//! (`report::year::Changes`). Indexes written before these fields read all the same
//! (`serde(default)`): they only cannot say.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Audience, ReportFile};
use crate::archive::sha256_hex;
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
    /// When the build was made (RFC 3339, Asia/Tokyo); `None` in an older index.
    #[serde(default)]
    pub built_at: Option<String>,
    /// What the build was made of; `None` in an older index.
    #[serde(default)]
    pub inputs: Option<BuildInputs>,
}

/// What a build of a year was made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInputs {
    /// Each configured department, in the configuration's order, with the submission
    /// the build used (its latest accepted one) or none.
    pub departments: Vec<DepartmentInput>,
    /// The SHA-256 of the plan's reference data the year was built on (as kept in the
    /// store for the year, else the current files).
    pub plan_sha256: String,
    /// The SHA-256 of the reports' headings and labels (`templates/report/*.toml`).
    pub templates_sha256: String,
}

/// A department and the submission a build used for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentInput {
    /// The department's name.
    pub department: String,
    /// Its submission, or `None` when it had none accepted.
    pub submission: Option<UsedSubmission>,
}

/// A stored submission a build used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedSubmission {
    /// Its id in the store (`提出#3`).
    pub id: i64,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// The file name it came under.
    pub file_name: String,
    /// When it was received (RFC 3339, UTC).
    pub received_at: String,
}

/// One report file and who it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedFile {
    /// Its name in the year's folder.
    pub file_name: String,
    /// The department it is for; `None` for the whole administration's.
    pub department: Option<String>,
    /// The SHA-256 of its bytes; `None` in an older index.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Its size in bytes; `None` in an older index.
    #[serde(default)]
    pub size: Option<u64>,
}

impl IndexedFile {
    /// Who it is for, as the pages say it: 全庁 or the department's name.
    pub fn audience(&self) -> &str {
        self.department.as_deref().unwrap_or("全庁")
    }
}

impl ReportIndex {
    /// The index of a build's files (with their digests and sizes), recording nothing
    /// of when or from what it was built.
    pub fn of(fiscal_year: FiscalYear, files: &[ReportFile]) -> ReportIndex {
        let files = files
            .iter()
            .map(|f| IndexedFile {
                file_name: f.file_name.clone(),
                department: match &f.audience {
                    Audience::Whole => None,
                    Audience::Department(name) => Some(name.clone()),
                },
                sha256: Some(sha256_hex(&f.bytes)),
                size: u64::try_from(f.bytes.len()).ok(),
            })
            .collect();
        ReportIndex {
            fiscal_year: fiscal_year.start_year(),
            files,
            built_at: None,
            inputs: None,
        }
    }

    /// The file listed under `name`, if any (compared whole: never a path).
    pub fn file(&self, name: &str) -> Option<&IndexedFile> {
        self.files.iter().find(|f| f.file_name == name)
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
