//! Receipts: every file taken in is answered, at once, to the department that sent
//! it: accepted, accepted with warnings, or sent back. A file sent back carries an
//! annotated copy of the submitter's own workbook (offending cells tinted, each with
//! a note), so they fix it where they work.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use chrono_tz::Tz;
use lettre::message::Mailbox;

use crate::archive::{keep_by_hash, path_by_hash};
use crate::config::{mailboxes, Config};
use crate::domain::FiscalYear;
use crate::intake::{self, FileReport, Intake, IntakeError, Outcome};
use crate::mail::{outbox, Outgoing, OutgoingAttachment};
use crate::plan::Plan;
use crate::store::{Staged, Store};
use crate::texts::{receipt as texts, render_file, Values};
use crate::workbook::{write_annotated_copy, Render};

/// The content type of an xlsx workbook (the annotated copy, a template).
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One file taken in and answered.
pub struct Answered {
    /// What intake made of it.
    pub report: FileReport,
    /// The receipt queued with it: `None` for bytes received before, or nobody to tell.
    pub receipt: Option<Outgoing>,
}

/// Takes in one file and queues its receipt (keyed `receipt:<sha256>`) in the
/// transaction that records it; the annotated copy of a file sent back is also kept in
/// the archive ([`annotated_path`]) for the web portal to offer. The one way in behind
/// the inbox and the web upload: the same guard, archive, store and receipt for both.
pub fn take_in_file(
    path: &Path,
    intake: Intake,
    store: &mut Store,
    received_at: DateTime<Tz>,
    guide: &str,
) -> Result<Answered, IntakeError> {
    // Counted whatever the outcome: `/metrics` shows how long intake takes.
    let take_in = || take_in_untimed(path, intake, store, received_at, guide);
    crate::domain::metrics::INTAKE_SECONDS.time(take_in)
}

/// The intake of [`take_in_file`].
fn take_in_untimed(
    path: &Path,
    intake: Intake,
    store: &mut Store,
    received_at: DateTime<Tz>,
    guide: &str,
) -> Result<Answered, IntakeError> {
    let config = intake.config;
    let shown = received_at.format("%Y年%-m月%-d日 %H:%M").to_string();
    let mut composed = None;
    let answer = |report: &FileReport| -> anyhow::Result<Option<Staged>> {
        if let Some(closed) = report.closed {
            let Some(notice) = closed_notice(config, report, closed.fiscal_year, &shown)? else {
                return Ok(None);
            };
            let key = format!("collection-closed:{}", report.sha256);
            let staged = outbox::stage(config, &key, &notice)?;
            composed = Some(notice);
            return Ok(Some(staged));
        }
        let copy = annotated_copy(config, intake.plan, report, guide)?;
        if let Some(copy) = &copy {
            keep_annotated(config, &report.sha256, &copy.bytes)?;
        }
        let Some(receipt) = compose_with(config, report, &shown, copy)? else {
            return Ok(None);
        };
        let staged = outbox::stage(config, &format!("receipt:{}", report.sha256), &receipt)?;
        composed = Some(receipt);
        Ok(Some(staged))
    };
    let report = intake::ingest_and_answer(path, intake, store, received_at, answer)?;
    // Bytes received before were answered then (by this process or another), and a
    // closed year's file once, when it was first read.
    let receipt = composed
        .filter(|_| !matches!(report.outcome, Outcome::AlreadyReceived { .. }))
        .filter(|_| report.closed.is_none_or(|c| c.told));
    Ok(Answered { report, receipt })
}

/// Where the annotated copy of the file with this hash is kept, when it was sent back
/// with one: `archive/annotated/<2 hex>/<sha256>.xlsx`, the bytes the receipt attached.
pub fn annotated_path(config: &Config, sha256: &str) -> PathBuf {
    path_by_hash(&config.paths.archive.join("annotated"), sha256, ".xlsx")
}

fn keep_annotated(config: &Config, sha256: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = config.paths.archive.join("annotated");
    keep_by_hash(&dir, sha256, ".xlsx", bytes)?;
    Ok(())
}

/// The name the annotated copy of `file_name` is sent and downloaded under.
pub fn annotated_name(file_name: &str) -> String {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    texts::annotated_copy_name(stem)
}

/// The receipt for a file, or `None` when nobody can be told (the same bytes again,
/// or no department we know to answer).
pub fn compose(
    config: &Config,
    plan: &Plan,
    report: &FileReport,
    received_at: &str,
    guide: &str,
) -> anyhow::Result<Option<Outgoing>> {
    let copy = annotated_copy(config, plan, report, guide)?;
    compose_with(config, report, received_at, copy)
}

/// [`compose`] with the annotated copy made already.
fn compose_with(
    config: &Config,
    report: &FileReport,
    received_at: &str,
    copy: Option<OutgoingAttachment>,
) -> anyhow::Result<Option<Outgoing>> {
    if matches!(report.outcome, Outcome::AlreadyReceived { .. }) {
        return Ok(None);
    }
    let (name, to) = recipients(config, report);
    if to.is_empty() {
        return Ok(None);
    }
    let values = Values::from([
        ("city", config.city.name.clone()),
        ("fiscal_year", config.fiscal_year().to_string()),
        ("department", name.to_string()),
        ("file_name", report.file_name.clone()),
        ("received_at", received_at.to_string()),
        ("verdict", report.verdict().label().to_string()),
        ("explanation", explanation(report).to_string()),
        ("findings", finding_lines(report)),
    ]);
    let rendered = render_file(&config.paths.templates, "receipt", &values)?;
    let attachments = copy.into_iter().collect();
    Ok(Some(Outgoing {
        to,
        subject: rendered.subject,
        body: rendered.body,
        attachments,
    }))
}

/// Whom a file's answer goes to: its department, by name, or the planning division
/// for a file that names no department of ours.
fn recipients<'a>(config: &'a Config, report: &FileReport) -> (&'a str, Vec<Mailbox>) {
    let department = report
        .department
        .as_deref()
        .and_then(|d| config.department(d));
    match department {
        Some(d) => (&d.name, mailboxes(&d.recipients)),
        None => (
            texts::UNKNOWN_DEPARTMENT,
            mailboxes(&config.managers.recipients),
        ),
    }
}

/// The answer to a file of the inbox whose year's collection is closed
/// (`templates/mail/collection_closed.txt`): not recorded, and whom to ask.
fn closed_notice(
    config: &Config,
    report: &FileReport,
    year: FiscalYear,
    received_at: &str,
) -> anyhow::Result<Option<Outgoing>> {
    let (name, to) = recipients(config, report);
    if to.is_empty() {
        return Ok(None);
    }
    let values = Values::from([
        ("city", config.city.name.clone()),
        ("fiscal_year", year.to_string()),
        ("department", name.to_string()),
        ("file_name", report.file_name.clone()),
        ("received_at", received_at.to_string()),
    ]);
    let rendered = render_file(&config.paths.templates, "collection_closed", &values)?;
    Ok(Some(Outgoing {
        to,
        subject: rendered.subject,
        body: rendered.body,
        attachments: Vec::new(),
    }))
}

fn explanation(report: &FileReport) -> &'static str {
    match report.outcome {
        Outcome::Rejected if report.content.is_some() => texts::SENT_BACK_WITH_COPY,
        Outcome::Rejected => texts::UNREADABLE,
        _ if report.findings.is_empty() => texts::NO_PROBLEMS,
        _ => texts::ACCEPTED_WITH_NOTES,
    }
}

fn finding_lines(report: &FileReport) -> String {
    report
        .findings
        .iter()
        .map(|f| format!("  ・{f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The submitter's workbook rendered again with its findings marked, for a file sent back.
fn annotated_copy(
    config: &Config,
    plan: &Plan,
    report: &FileReport,
    guide: &str,
) -> anyhow::Result<Option<OutgoingAttachment>> {
    let (Outcome::Rejected, Some(content)) = (&report.outcome, &report.content) else {
        return Ok(None);
    };
    let sections = config
        .department(&content.department)
        .map(|d| d.sections.as_slice())
        .unwrap_or_default();
    let render = Render {
        plan,
        fiscal_year: content.fiscal_year.unwrap_or(config.fiscal_year()),
        sections,
        created: 0,
        findings: &report.findings,
        guide,
    };
    let bytes = write_annotated_copy(content, &render, &report.typed)?;
    Ok(Some(OutgoingAttachment {
        location: None,
        file_name: annotated_name(&report.file_name),
        content_type: XLSX_TYPE.to_string(),
        bytes,
    }))
}
