//! Intake: every file in the inbox is archived, checked, read and recorded.
//!
//! A file that cannot be read is reported and kept (its bytes are archived under
//! their sha256 like any other); the run goes on with the other files. The same
//! bytes received twice are recognised, not recorded twice. Files are never moved
//! out of the inbox: the archive, keyed by content, is what makes intake idempotent.
//!
//! What is wrong with a file is the submitter's: a finding, and the file sent back.
//! What goes wrong in hakusho is an [`IntakeError`]: the file is read again later.

mod cells;
mod checks;
mod chinese_forms;
pub mod collection;
mod earlier;
mod error;
mod figures;
mod guard;
mod line;
mod reader;
mod same_fact;
pub mod sandbox;
mod untrusted_file;

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use error::IntakeError;
pub use guard::{inspect, refuse_reason, Inspection, Limits, Refusal, MAX_FILE_BYTES};
pub use line::{FileLine, MAX_FINDING_LINES, MAX_LINE_CHARS};
pub use reader::{read_answer, read_submission, read_submission_with, Reading};
pub use untrusted_file::read_untrusted_file;

use crate::archive::{keep_by_hash, sha256_hex};
use crate::config::Config;
use crate::domain::{stamp, Finding, FiscalYear, Severity};
use crate::plan::Plan;
use crate::report::Coverage;
use crate::store::{EarlierFigures, Staged};
use crate::store::{NewSubmission, Recorded, Store, StoredSubmission, SubmissionStatus};
use crate::texts::{self, Verdict};
use crate::workbook::{SubmissionContent, TypedCells};

/// What happened to one inbox file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded as the department's current submission.
    Accepted {
        /// The department it is from.
        department: String,
        /// How many indicators it reports.
        indicators: usize,
    },
    /// Kept in the archive but not used: the findings say why.
    Rejected,
    /// These exact bytes were received before.
    AlreadyReceived {
        /// The department they were from, when it was readable.
        department: Option<String>,
        /// They were sent back then: sent again unchanged, they are still refused.
        sent_back: bool,
    },
}

impl Outcome {
    /// The line `hakusho ingest` prints for the file: `受理 (企画部、目標指標 12件)`, or
    /// `受理(要確認の点あり) (…)` when it came with `warnings`, as its receipt says.
    pub fn label(&self, warnings: bool) -> String {
        match self {
            Outcome::Accepted {
                department,
                indicators,
            } => {
                texts::verdict::accepted_line(Verdict::of(true, warnings), department, *indicators)
            }
            Outcome::Rejected => Verdict::SentBack.label().to_string(),
            Outcome::AlreadyReceived {
                department,
                sent_back,
            } => texts::verdict::already_received_line(department.as_deref(), *sent_back),
        }
    }
}

/// The result of taking in one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file name as found in the inbox.
    pub file_name: String,
    /// The file's SHA-256.
    pub sha256: String,
    /// The row it was recorded as; none when it was not recorded.
    pub submission_id: Option<i64>,
    /// Accepted, rejected, or why it was not read.
    pub outcome: Outcome,
    /// What is wrong or doubtful in it.
    pub findings: Vec<Finding>,
    /// What was read, accepted or not (for the receipt and the annotated copy).
    pub content: Option<SubmissionContent>,
    /// The department it is answered to and recorded under: the uploader's for an
    /// upload, else the one it names when it is one of the city's.
    pub department: Option<String>,
    /// The cells as typed, with their type (for the annotated copy).
    pub typed: TypedCells,
    /// Set when the workbook is of a year whose collection is closed: refused and not
    /// recorded (see [`collection`]).
    pub closed: Option<Closed>,
}

/// A workbook refused because its year's collection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// The year it is of.
    pub fiscal_year: FiscalYear,
    /// Whether its answer (a file of the inbox) was queued now: `false` when it was
    /// answered before (the file is read again at every run while it stays), and for
    /// an upload, which its page answers.
    pub told: bool,
}

impl FileReport {
    /// Whether any finding is a warning.
    pub fn has_warnings(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Warning)
    }

    /// The verdict the submitter reads first: a file recorded with a warning is
    /// accepted with warnings.
    pub fn verdict(&self) -> Verdict {
        let warnings = self.has_warnings();
        match self.outcome {
            Outcome::Accepted { .. } => Verdict::of(true, warnings),
            Outcome::Rejected => Verdict::SentBack,
            Outcome::AlreadyReceived { .. } => Verdict::AlreadyReceived,
        }
    }
}

/// What intake checks files against.
#[derive(Clone, Copy)]
pub struct Intake<'a> {
    /// The city's configuration.
    pub config: &'a Config,
    /// The plan the submission is checked against.
    pub plan: &'a Plan,
    /// The characters the report fonts have ([`Coverage::for_config`], loaded once):
    /// any other character in a cell or the file name is a warning, as it prints as 〓.
    pub fonts: &'a Coverage,
    /// The figures of the departments' earlier accepted submissions, which the year's
    /// figures are compared with ([`crate::store::NO_EARLIER_FIGURES`] for none: the
    /// plan's figures are compared with then).
    pub earlier: &'a EarlierFigures,
    /// The department signed in and who it is, for a file uploaded through the web
    /// portal; `None` for the inbox (whose files may be of any department).
    pub upload: Option<Upload<'a>>,
}

/// A file a department uploaded through the web portal: whose it must be, who sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload<'a> {
    /// The department signed in: the file is recorded under this one, except a
    /// workbook naming another of the city's departments, or bytes already another
    /// department's submission: those are refused, not recorded.
    pub department: &'a str,
    /// The signed-in address, recorded with the submission.
    pub uploaded_by: &'a str,
}

/// Takes in every file of the inbox, in name order, one after the other: what was read
/// of each is dropped once it is stored, only its [`FileLine`] is kept.
pub fn ingest_inbox(
    intake: Intake,
    store: &mut Store,
    received_at: DateTime<Tz>,
) -> anyhow::Result<Vec<FileLine>> {
    let files = inbox_files(&intake.config.paths.inbox)?;
    files
        .iter()
        .map(|path| {
            Ok(FileLine::of(&ingest_file(
                path,
                intake,
                store,
                received_at,
            )?))
        })
        .collect()
}

/// Checks a file without storing anything. A file that cannot be read is a refusal
/// with its reason, not an error: the other files are still checked.
pub fn check_file(path: &Path, intake: Intake) -> Result<Reading, IntakeError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    match read_untrusted_file(path, Limits::default().max_file_bytes) {
        Ok(bytes) => read_bytes(&bytes, &name, intake),
        Err(reason) => Ok(Reading::refused(Finding::file_error(reason))),
    }
}

/// Reads a file's bytes as a submission, in a child process with limits (see
/// [`sandbox`]): whatever the bytes do to the parser, this process is not harmed.
/// An error is hakusho's own (the reader could not be started, the machine was too
/// busy), never the file's. The file name is checked too: it is printed in the reports.
pub fn read_bytes(bytes: &[u8], file_name: &str, intake: Intake) -> Result<Reading, IntakeError> {
    let answer = sandbox::parse_isolated(bytes, &reader::DATA_SHEETS)?;
    let mut reading = read_answer(answer, intake);
    reading
        .findings
        .extend(checks::check_printable_file_name(file_name, intake.fonts));
    reading
        .findings
        .extend(chinese_forms::check_chinese_form_file_name(file_name));
    Ok(reading)
}

/// The files of the inbox that are submissions, sorted by name.
///
/// Skips files that are not submissions yet: hidden files, the lock files Excel
/// (`~$…`) and LibreOffice (`.~lock…#`) leave beside an open workbook, and the
/// temporary names copy tools write to before renaming (`.tmp`, `.part`, …).
pub fn inbox_files(inbox: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(inbox)
        .with_context(|| texts::intake::inbox_unreadable(inbox.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_in_progress(&name) {
            continue;
        }
        // file_type() does not follow links: a link is never taken, wherever it points.
        match entry.file_type()? {
            kind if kind.is_file() => files.push(entry.path()),
            kind => untrusted_file::log_skipped_once(&entry.path(), kind),
        }
    }
    files.sort();
    Ok(files)
}

/// Whether a file name is one a program is still writing, or a lock beside an open file.
fn is_in_progress(name: &str) -> bool {
    const TEMPORARY: [&str; 5] = [".tmp", ".part", ".partial", ".crdownload", ".filepart"];
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || TEMPORARY.iter().any(|suffix| lower.ends_with(suffix))
}

/// Takes in one file: archive, check, read, record.
pub fn ingest_file(
    path: &Path,
    intake: Intake,
    store: &mut Store,
    received_at: DateTime<Tz>,
) -> Result<FileReport, IntakeError> {
    ingest_and_answer(path, intake, store, received_at, |_| Ok(None))
}

/// Takes in one file like [`ingest_file`], and queues the message `answer` composes for
/// it (its receipt) in the same transaction that records it: a crash leaves both or
/// neither. `answer` is not called for bytes received before, nor for an upload that
/// is not the uploader's to submit (refused unrecorded: no submission id).
pub fn ingest_and_answer(
    path: &Path,
    intake: Intake,
    store: &mut Store,
    received_at: DateTime<Tz>,
    answer: impl FnOnce(&FileReport) -> anyhow::Result<Option<Staged>>,
) -> Result<FileReport, IntakeError> {
    let config = intake.config;
    let file_name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = match read_untrusted_file(path, Limits::default().max_file_bytes) {
        Ok(bytes) => bytes,
        Err(reason) => {
            let mut report = untrusted_file::unreadable(path, file_name, reason);
            report.department = intake.upload.map(|u| u.department.to_string());
            return answer_unreadable(report, config, store, received_at, answer);
        }
    };
    let mut report = FileReport {
        file_name,
        sha256: sha256_hex(&bytes),
        submission_id: None,
        outcome: Outcome::Rejected,
        findings: Vec::new(),
        content: None,
        department: None,
        typed: TypedCells::default(),
        closed: None,
    };
    let known = store.submission_by_hash(&config.city.code, &report.sha256)?;
    let anothers = known.as_ref().is_some_and(|k| of_another(intake.upload, k));
    if let (Some(known), false) = (known, anothers) {
        report.submission_id = Some(known.id);
        report.outcome = Outcome::AlreadyReceived {
            sent_back: known.status == SubmissionStatus::Rejected,
            department: known.department,
        };
        return Ok(report);
    }
    let archived = archive(path, config, &report.sha256, &bytes)?;
    read_into(&mut report, &bytes, intake)?;
    if let Some(upload) = intake
        .upload
        .filter(|u| anothers || names_another(&report, intake, u))
    {
        return Ok(refused_unrecorded(report, upload));
    }
    if let Some(year) = closed_year(&report, config, store)? {
        return refuse_closed(report, year, intake, store, received_at, answer);
    }
    let receipt = answer(&report)?;
    let keeping = Keeping {
        archived: &archived,
        received_at,
        upload: intake.upload,
    };
    Ok(record(config, store, report, &keeping, receipt)?)
}

/// Whether bytes already recorded are another department's (or nobody's) while they are
/// uploaded by a department: they are never said to be received before (that would tell
/// of another's submission); they are read and refused as a workbook not its own.
fn of_another(upload: Option<Upload>, known: &StoredSubmission) -> bool {
    upload.is_some_and(|u| known.department.as_deref() != Some(u.department))
}

/// Whether an uploaded workbook names another of the city's departments than the one
/// signed in (the reader's finding names both, at the department's cell).
fn names_another(report: &FileReport, intake: Intake, upload: &Upload) -> bool {
    report.content.as_ref().is_some_and(|c| {
        c.department != upload.department && intake.config.department(&c.department).is_some()
    })
}

/// An upload that is not the uploader's to submit: refused, and NOT recorded. Recorded,
/// it would claim the bytes for the uploader (a file's hash is one submission of the
/// city): the department whose workbook it is could never submit it, through the
/// portal or the inbox. The bytes stay archived by their hash like any file's; no
/// receipt is sent (the page answers the clerk, and the receipt's key is kept free for
/// the submission of the right department).
fn refused_unrecorded(mut report: FileReport, upload: Upload) -> FileReport {
    if !report
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error)
    {
        let told = texts::intake::not_the_uploaders_file(upload.department);
        report.findings.insert(0, Finding::file_error(told));
    }
    report.outcome = Outcome::Rejected;
    report.submission_id = None;
    report.department = Some(upload.department.to_string());
    report
}

/// The year of a workbook whose year's collection is closed.
fn closed_year(
    report: &FileReport,
    config: &Config,
    store: &Store,
) -> anyhow::Result<Option<FiscalYear>> {
    match report.content.as_ref().and_then(|c| c.fiscal_year) {
        Some(year) if collection::is_closed(store, &config.city.code, year)? => Ok(Some(year)),
        _ => Ok(None),
    }
}

/// A workbook of a closed year: refused and NOT recorded, like an upload not the
/// uploader's, so that the year opened again takes the same bytes as new (the archive
/// keeps them by their hash like any file's). An upload is answered by its page; a
/// file of the inbox by a mail (`answer` composes it), queued under a key of its own
/// once: the file is read again at every run while it stays in the inbox.
fn refuse_closed(
    mut report: FileReport,
    year: FiscalYear,
    intake: Intake,
    store: &mut Store,
    received_at: DateTime<Tz>,
    answer: impl FnOnce(&FileReport) -> anyhow::Result<Option<Staged>>,
) -> Result<FileReport, IntakeError> {
    report.findings = vec![Finding::file_error(texts::intake::collection_closed(year))];
    report.outcome = Outcome::Rejected;
    report.submission_id = None;
    report.closed = Some(Closed {
        fiscal_year: year,
        told: false,
    });
    if let Some(upload) = intake.upload {
        report.department = Some(upload.department.to_string());
        return Ok(report);
    }
    let told = match answer(&report)? {
        Some(staged) => {
            let queued_at = stamp(received_at.with_timezone(&Utc));
            store.enqueue_message(&intake.config.city.code, &staged.as_new(), &queued_at)?
        }
        None => false,
    };
    report.closed = Some(Closed {
        fiscal_year: year,
        told,
    });
    if told {
        tracing::warn!(
            city = %intake.config.city.code,
            file = %crate::domain::printable(&report.file_name),
            sha256 = %report.sha256,
            fiscal_year = %year,
            "受付を締め切った年度の提出用ブックを、記録せずに断りました(返信しました)"
        );
    }
    Ok(report)
}

/// A file that could not be read at all: nothing to record (no bytes); the answer is
/// queued on its own, keyed by what is known of the file, so the same unreadable file
/// is told once.
fn answer_unreadable(
    report: FileReport,
    config: &Config,
    store: &mut Store,
    received_at: DateTime<Tz>,
    answer: impl FnOnce(&FileReport) -> anyhow::Result<Option<Staged>>,
) -> Result<FileReport, IntakeError> {
    if let Some(staged) = answer(&report)? {
        let queued_at = stamp(received_at.with_timezone(&Utc));
        store.enqueue_message(&config.city.code, &staged.as_new(), &queued_at)?;
    }
    Ok(report)
}

/// Keeps the bytes in the archive under their hash, with the file's extension.
fn archive(path: &Path, config: &Config, sha256: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let extension = path.extension().map_or_else(String::new, |e| {
        format!(".{}", e.to_string_lossy().to_lowercase())
    });
    keep_by_hash(&config.paths.archive, sha256, &extension, bytes)
}

/// Reads the bytes into the report: its findings, its content, accepted or not.
fn read_into(report: &mut FileReport, bytes: &[u8], intake: Intake) -> Result<(), IntakeError> {
    let reading = read_bytes(bytes, &report.file_name, intake)?;
    let named = reading.content.as_ref().map(|c| c.department.as_str());
    report.department = match intake.upload {
        Some(upload) => Some(upload.department.to_string()),
        None => named
            .filter(|d| intake.config.department(d).is_some())
            .map(str::to_string),
    };
    if let (true, Some(content)) = (reading.is_acceptable(), &reading.content) {
        report.outcome = Outcome::Accepted {
            department: content.department.clone(),
            indicators: content.indicators.len(),
        };
    }
    report.findings = reading.findings;
    report.content = reading.content;
    report.typed = reading.typed;
    Ok(())
}

/// Where and when a file read is recorded, and who uploaded it.
struct Keeping<'a> {
    archived: &'a Path,
    received_at: DateTime<Tz>,
    upload: Option<Upload<'a>>,
}

/// Records a file read and its answer, in one transaction. When another process
/// recorded the same bytes a moment before, the file is reported as received before
/// (its answer is that process's), or for an upload of another department's bytes,
/// refused unrecorded.
fn record(
    config: &Config,
    store: &mut Store,
    mut report: FileReport,
    how: &Keeping,
    answer: Option<Staged>,
) -> anyhow::Result<FileReport> {
    let content = report.content.as_ref();
    let accepted = matches!(report.outcome, Outcome::Accepted { .. });
    let recorded = store.record_answered_submission(
        &NewSubmission {
            city_code: &config.city.code,
            sha256: &report.sha256,
            file_name: &report.file_name,
            archived_path: &how.archived.to_string_lossy(),
            department: report.department.as_deref(),
            fiscal_year: content.and_then(|c| c.fiscal_year),
            received_at: &how.received_at.to_rfc3339(),
            findings: &report.findings,
            accepted: content.filter(|_| accepted),
            uploaded_by: how.upload.map(|u| u.uploaded_by),
        },
        answer.as_ref().map(Staged::as_new).as_ref(),
        &stamp(how.received_at.with_timezone(&Utc)),
    )?;
    match recorded {
        Recorded::New(id) => report.submission_id = Some(id),
        Recorded::Known(known) => {
            // Another department's a moment ago: refused, as when it was there before.
            if let Some(upload) = how.upload.filter(|_| of_another(how.upload, &known)) {
                return Ok(refused_unrecorded(report, upload));
            }
            report.submission_id = Some(known.id);
            report.outcome = Outcome::AlreadyReceived {
                sent_back: known.status == SubmissionStatus::Rejected,
                department: known.department,
            };
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::is_in_progress;

    #[test]
    fn files_still_being_written_are_left_alone() {
        for name in [
            ".~lock.令和2年度_企画部.xlsx#",
            "~$令和2年度_企画部.xlsx",
            "令和2年度_企画部.xlsx.tmp",
            "令和2年度_企画部.xlsx.PART",
            "令和2年度_企画部.xlsx.filepart",
        ] {
            assert!(is_in_progress(name), "{name}");
        }
        assert!(!is_in_progress("令和2年度_企画部.xlsx"));
        assert!(!is_in_progress("令和2年度_企画部_temp.xlsx"));
    }
}
