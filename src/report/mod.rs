//! Reports: pure functions from a dataset (plus fonts and a build time) to file bytes.
//!
//! No I/O happens here except in [`write_reports`], so reports can be tested and
//! benchmarked without the daemon.

pub mod build;
pub mod changes;
pub mod export;
pub mod fonts;
pub mod index;
mod parallel;
mod pdf;
pub mod svg;
mod xlsx;
pub mod year;

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::DateTime;
use chrono_tz::Tz;

pub use fonts::{describe_character, find_system_font, font_paths, Coverage};
pub use parallel::in_parallel;
pub use pdf::batch::Batch;
pub use pdf::department_plans::Texts as DepartmentPlanTexts;
pub use pdf::summary::{off_target_indicators, Texts as SummaryTexts};
pub use pdf::text::{FontSet, MissingGlyph, REPLACEMENT};
pub use pdf::white_paper::Labels as WhitePaperLabels;

use crate::consolidate::Datasets;
use crate::domain::FiscalYear;

/// What one build of the reports printed from, and what went wrong on the way: the
/// report mails are composed from it, and keyed by its digests.
#[derive(Debug, Clone)]
pub struct Built {
    /// The dataset every report of the build printed from.
    pub datasets: Datasets,
    /// The time printed on the reports and recorded in their metadata (Asia/Tokyo).
    pub built_at: DateTime<Tz>,
    /// What went wrong building the reports (a report that failed, a character
    /// printed as 〓), in Japanese, for the managers' mail.
    pub problems: Vec<String>,
    /// What the reports were built from: the Edition's inputs digest, and for the
    /// managers' summary that digest with each department's latest submission state
    /// (it prints rejected ones too).
    pub inputs_sha256: String,
    /// The inputs digest of the managers' summary (see `inputs_sha256`).
    pub summary_inputs_sha256: String,
}

impl Built {
    /// The fiscal year the reports are of.
    pub fn fiscal_year(&self) -> FiscalYear {
        FiscalYear(self.datasets.fiscal_year)
    }

    /// Number of indicator rows across the departments' submissions.
    pub fn indicator_count(&self) -> usize {
        self.datasets.indicator_count()
    }
}

/// Reads the headings and labels of a report from `templates/report/<file_name>`.
fn load_texts<T: serde::de::DeserializeOwned>(
    templates: &Path,
    file_name: &str,
) -> anyhow::Result<T> {
    let path = templates.join("report").join(file_name);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("報告書の文言 {} を読めません", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("報告書の文言 {} に誤りがあります", path.display()))
}

/// What every report of one build shares: the fonts, the build time, and the
/// digest of the data the reports were made from.
pub struct Edition<'a> {
    /// The fonts every report draws with (with their fallbacks, 〓 beyond them).
    pub fonts: &'a FontSet,
    /// Printed on the reports and recorded in their metadata (Asia/Tokyo).
    pub built_at: DateTime<Tz>,
    /// The SHA-256 of the consolidated datasets (their JSON export), recorded in every
    /// file so that a published report can be traced to its inputs. Computed once.
    pub inputs_sha256: String,
    /// The zlib level of the streams inside the PDFs ([`DEFAULT_DEFLATE_LEVEL`]).
    pub deflate_level: u32,
    /// When set, the PDFs are kept here, laid out, and written together once all are
    /// ([`Batch::finish`]): each font subset once for all of them. When not, each PDF
    /// is written at once with its own subsets.
    pub batch: Option<&'a Batch>,
}

/// The zlib level the PDFs' streams are deflated at: zlib's default (printpdf used 9,
/// which cost about a third of the run for 0.26% of the size).
pub const DEFAULT_DEFLATE_LEVEL: u32 = pdf::deflate::DEFAULT_LEVEL;

/// The level printpdf's own save deflates at, for comparison (`benches/annual_run.rs`).
pub const PRINTPDF_DEFLATE_LEVEL: u32 = pdf::deflate::PRINTPDF_LEVEL;

impl<'a> Edition<'a> {
    /// The edition of a build: the datasets' digest computed once, for every file.
    pub fn new(
        datasets: &crate::consolidate::Datasets,
        fonts: &'a FontSet,
        built_at: DateTime<Tz>,
    ) -> anyhow::Result<Self> {
        let json = crate::report::export::to_json(datasets)?;
        Ok(Edition {
            fonts,
            built_at,
            inputs_sha256: crate::archive::sha256_hex(json.as_bytes()),
            deflate_level: DEFAULT_DEFLATE_LEVEL,
            batch: None,
        })
    }

    /// The PDF metadata of a report of this edition.
    fn meta<'m>(
        &'m self,
        title: &'m str,
        author: &'m str,
        subject: &'m str,
    ) -> pdf::page::Meta<'m> {
        pdf::page::Meta {
            title,
            author,
            subject,
            inputs_sha256: &self.inputs_sha256,
            built_at: self.built_at.timestamp(),
            deflate_level: self.deflate_level,
            batch: self.batch,
        }
    }
}

/// Who a report is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The whole administration (全庁): the managers.
    Whole,
    /// One department (its name), which receives its own report.
    Department(String),
}

/// A report file, ready to write or attach.
#[derive(Debug, Clone)]
pub struct ReportFile {
    /// Who receives it.
    pub audience: Audience,
    /// A Japanese file name: `令和2年度_目標指標_企画部.pdf`.
    pub file_name: String,
    /// The file's contents (PDF or xlsx).
    pub bytes: Vec<u8>,
}

impl ReportFile {
    /// The MIME type for attaching the file.
    pub fn content_type(&self) -> &'static str {
        if self.file_name.ends_with(".pdf") {
            "application/pdf"
        } else {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    }
}

/// Builds the whole-city indicator table (PDF, A4 landscape): each department's
/// indicator rows as it submitted them.
pub fn indicator_files(datasets: &Datasets, edition: &Edition) -> anyhow::Result<Vec<ReportFile>> {
    let stem = format!("{}_目標指標_全庁", datasets.fiscal_year_label);
    let pdf = pdf::indicator_document(datasets, edition, "全庁")
        .with_context(|| format!("building the PDF {stem}.pdf"))?;
    Ok(vec![ReportFile {
        audience: Audience::Whole,
        file_name: format!("{stem}.pdf"),
        bytes: pdf,
    }])
}

/// A department's own report (PDF): its part of the white paper, its 運営方針と目標,
/// and what is missing or was flagged (`notes`: its submission's intake findings).
pub fn department_file(
    datasets: &crate::consolidate::Datasets,
    department: &str,
    notes: &[String],
    labels: &WhitePaperLabels,
    edition: &Edition,
) -> anyhow::Result<ReportFile> {
    let bytes = pdf::white_paper::build_department(datasets, department, notes, labels, edition)
        .with_context(|| format!("building the report of {department}"))?;
    Ok(ReportFile {
        audience: Audience::Department(department.to_string()),
        file_name: format!("{}_{department}_報告書.pdf", datasets.fiscal_year_label),
        bytes,
    })
}

/// The manager summary: submission status, indicators off target, findings, changes,
/// and `problems`: what went wrong building the other reports.
pub fn summary_file(
    datasets: &crate::consolidate::Datasets,
    departments: &[String],
    states: &[crate::store::SubmissionState],
    texts: &SummaryTexts,
    problems: &[String],
    edition: &Edition,
) -> anyhow::Result<ReportFile> {
    let bytes = pdf::summary::build(datasets, departments, states, texts, problems, edition)
        .context("building the manager summary")?;
    Ok(ReportFile {
        audience: Audience::Whole,
        file_name: format!("{}_管理者向け要約.pdf", datasets.fiscal_year_label),
        bytes,
    })
}

/// 各部の運営方針と目標: the booklet, a section per department.
pub fn booklet_file(
    datasets: &crate::consolidate::Datasets,
    texts: &DepartmentPlanTexts,
    edition: &Edition,
) -> anyhow::Result<ReportFile> {
    let bytes = pdf::department_plans::booklet(datasets, texts, edition)
        .context("building the 各部の運営方針と目標 booklet")?;
    Ok(ReportFile {
        audience: Audience::Whole,
        file_name: format!("{}_各部の運営方針と目標.pdf", datasets.fiscal_year_label),
        bytes,
    })
}

/// The newsletter article of 各部の運営方針と目標: one page, or more for a city of
/// many departments. Built apart from the booklet, so that one failing spares the other.
pub fn newsletter_file(
    datasets: &crate::consolidate::Datasets,
    texts: &DepartmentPlanTexts,
    edition: &Edition,
) -> anyhow::Result<ReportFile> {
    let bytes = pdf::department_plans::newsletter(datasets, texts, edition)
        .context("building the newsletter page")?;
    Ok(ReportFile {
        audience: Audience::Whole,
        file_name: format!(
            "{}_広報紙_各部の運営方針と目標.pdf",
            datasets.fiscal_year_label
        ),
        bytes,
    })
}

/// The consolidated workbook, for the whole administration or one department.
pub fn workbook_file(
    datasets: &crate::consolidate::Datasets,
    department: Option<&str>,
    edition: &Edition,
) -> anyhow::Result<ReportFile> {
    let (own, audience, label) = match department {
        Some(name) => (
            datasets.for_department(name),
            Audience::Department(name.to_string()),
            name.to_string(),
        ),
        None => (datasets.clone(), Audience::Whole, "全庁".to_string()),
    };
    let bytes = xlsx::build(&own, edition).context("building the consolidated workbook")?;
    Ok(ReportFile {
        audience,
        file_name: format!("{}_白書データ_{label}.xlsx", datasets.fiscal_year_label),
        bytes,
    })
}

/// The white paper, for the whole administration.
pub fn white_paper_file(
    datasets: &crate::consolidate::Datasets,
    labels: &WhitePaperLabels,
    edition: &Edition,
) -> anyhow::Result<ReportFile> {
    let bytes = pdf::white_paper::build(datasets, labels, edition)
        .context("building the white paper PDF")?;
    Ok(ReportFile {
        audience: Audience::Whole,
        file_name: format!("{}_自治体経営白書.pdf", datasets.fiscal_year_label),
        bytes,
    })
}

/// Writes the reports under `dir`/`<fiscal year>`/, with their index
/// ([`index::INDEX`]: whose each file is), and returns the reports' paths.
pub fn write_reports(
    dir: &Path,
    fiscal_year: FiscalYear,
    files: &[ReportFile],
) -> anyhow::Result<Vec<PathBuf>> {
    write_indexed(dir, files, &index::ReportIndex::of(fiscal_year, files))
}

/// [`write_reports`] with `index` as the files' index: the index of these files, with
/// when and from what they were built ([`year::write_built`] makes it).
pub fn write_indexed(
    dir: &Path,
    files: &[ReportFile],
    index: &index::ReportIndex,
) -> anyhow::Result<Vec<PathBuf>> {
    let target = dir.join(FiscalYear(index.fiscal_year).to_string());
    std::fs::create_dir_all(&target)
        .with_context(|| format!("報告書のフォルダー {} を作れません", target.display()))?;
    let written = files
        .iter()
        .map(|file| {
            let path = target.join(&file.file_name);
            std::fs::write(&path, &file.bytes)
                .with_context(|| format!("報告書 {} を書き込めません", path.display()))?;
            Ok(path)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Last, once every file is there: the portal offers what the index lists.
    index::write_index(&target, index)?;
    Ok(written)
}
