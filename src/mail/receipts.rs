//! Receipts: every file taken in is answered, at once, to the department that sent
//! it: accepted, accepted with warnings, or sent back. A file sent back carries an
//! annotated copy of the submitter's own workbook (offending cells tinted, each with
//! a note), so they fix it where they work.

use lettre::message::Mailbox;

use crate::config::{mailboxes, Config};
use crate::intake::{FileReport, Outcome};
use crate::mail::{Outgoing, OutgoingAttachment};
use crate::plan::Plan;
use crate::texts::{receipt as texts, render_file, Values};
use crate::workbook::{write_annotated_copy, Render};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The receipt for a file, or `None` when nobody can be told (the same bytes again,
/// or no department we know to answer).
pub fn compose(
    config: &Config,
    plan: &Plan,
    report: &FileReport,
    received_at: &str,
    guide: &str,
) -> anyhow::Result<Option<Outgoing>> {
    if matches!(report.outcome, Outcome::AlreadyReceived { .. }) {
        return Ok(None);
    }
    let department = report
        .content
        .as_ref()
        .and_then(|c| config.department(&c.department));
    let (name, to): (&str, Vec<Mailbox>) = match department {
        Some(d) => (&d.name, mailboxes(&d.recipients)),
        // A file that names no department of ours goes to the planning division.
        None => (
            texts::UNKNOWN_DEPARTMENT,
            mailboxes(&config.managers.recipients),
        ),
    };
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
    let attachments = annotated_copy(config, plan, report, guide)?
        .into_iter()
        .collect();
    Ok(Some(Outgoing {
        to,
        subject: rendered.subject,
        body: rendered.body,
        attachments,
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
    let stem = report
        .file_name
        .rsplit_once('.')
        .map_or(report.file_name.as_str(), |(stem, _)| stem);
    Ok(Some(OutgoingAttachment {
        location: None,
        file_name: texts::annotated_copy_name(stem),
        content_type: XLSX.to_string(),
        bytes,
    }))
}
