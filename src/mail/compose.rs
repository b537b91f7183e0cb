//! The report mails: one to each department that submitted, one to the managers,
//! composed from what a build of the reports printed from ([`Built`]).

use std::path::Path;

use crate::config::{mailboxes, Config, Department};
use crate::consolidate::Submission;
use crate::mail::{Outgoing, OutgoingAttachment};
use crate::report::{Audience, Built, ReportFile};
use crate::texts::{render_file, Values};

/// The audience name of the managers' mail.
pub const WHOLE: &str = "全庁";

/// One message per department that submitted, and one to the managers, each with
/// the name of its audience. `dir` is where the reports were written (a message too
/// large to carry them tells where they are).
pub fn compose(
    config: &Config,
    built: &Built,
    files: &[ReportFile],
    dir: &Path,
) -> anyhow::Result<Vec<(String, Outgoing)>> {
    let mut messages = Vec::new();
    for submission in &built.datasets.submissions {
        let Some(department) = config.department(&submission.department) else {
            continue;
        };
        if department.recipients.is_empty() {
            tracing::warn!(department = %department.name, "no recipients configured; report not mailed");
            continue;
        }
        let outgoing = department_message(config, built, department, submission, files, dir)?;
        messages.push((department.name.clone(), outgoing));
    }
    if !config.managers.recipients.is_empty() {
        messages.push((
            WHOLE.to_string(),
            managers_message(config, built, files, dir)?,
        ));
    }
    Ok(messages)
}

/// A department's report mail: its own files, and what went wrong building them.
fn department_message(
    config: &Config,
    built: &Built,
    department: &Department,
    submission: &Submission,
    files: &[ReportFile],
    dir: &Path,
) -> anyhow::Result<Outgoing> {
    let audience = Audience::Department(department.name.clone());
    let attachments = attachments_for(files, &audience, dir, built);
    let mut values = common_values(built, &attachments);
    values.insert("department", department.name.clone());
    values.insert("file_name", submission.file_name.clone());
    values.insert("indicator_count", submission.indicators.len().to_string());
    let own = format!("{}の報告書", department.name);
    let problems = built.problems.iter().filter(|p| p.starts_with(&own));
    values.insert("problems", problem_lines(problems));
    let rendered = render_file(&config.paths.templates, "department_report", &values)?;
    Ok(Outgoing {
        to: mailboxes(&department.recipients),
        subject: rendered.subject,
        body: rendered.body,
        attachments,
    })
}

/// The managers' mail: the whole-city files, who submitted, and every problem.
fn managers_message(
    config: &Config,
    built: &Built,
    files: &[ReportFile],
    dir: &Path,
) -> anyhow::Result<Outgoing> {
    let attachments = attachments_for(files, &Audience::Whole, dir, built);
    let mut values = common_values(built, &attachments);
    values.insert("status_lines", status_lines(config, built));
    values.insert("problems", problem_lines(built.problems.iter()));
    let rendered = render_file(&config.paths.templates, "manager_summary", &values)?;
    Ok(Outgoing {
        to: mailboxes(&config.managers.recipients),
        subject: rendered.subject,
        body: rendered.body,
        attachments,
    })
}

/// The values every report mail fills in: the city, the year, the build time and
/// the list of attachments.
pub fn common_values(built: &Built, attachments: &[OutgoingAttachment]) -> Values {
    let list = attachments
        .iter()
        .map(|a| format!("  ・{}", a.file_name))
        .collect::<Vec<_>>()
        .join("\n");
    Values::from([
        ("city", built.datasets.city.clone()),
        ("fiscal_year", built.datasets.fiscal_year_label.clone()),
        (
            "built_at",
            built.built_at.format("%Y年%-m月%-d日 %H:%M").to_string(),
        ),
        ("attachments", list),
    ])
}

/// The files of one audience as attachments, each with where it was written.
pub fn attachments_for(
    files: &[ReportFile],
    audience: &Audience,
    dir: &Path,
    built: &Built,
) -> Vec<OutgoingAttachment> {
    let folder = dir.join(&built.datasets.fiscal_year_label);
    files
        .iter()
        .filter(|f| &f.audience == audience)
        .map(|f| OutgoingAttachment {
            file_name: f.file_name.clone(),
            content_type: f.content_type().to_string(),
            bytes: f.bytes.clone(),
            location: Some(folder.join(&f.file_name).display().to_string()),
        })
        .collect()
}

/// What went wrong while building the reports, as a paragraph of a mail (nothing
/// when all went well).
pub fn problem_lines<'p>(problems: impl Iterator<Item = &'p String>) -> String {
    let lines: Vec<String> = problems.map(|p| format!("  ・{p}")).collect();
    if lines.is_empty() {
        return String::new();
    }
    format!("\n報告書の作成で問題がありました:\n{}\n", lines.join("\n"))
}

/// One line per configured department: submitted (with its indicator count) or not.
pub fn status_lines(config: &Config, built: &Built) -> String {
    config
        .departments
        .iter()
        .map(|d| match built.datasets.submission_of(&d.name) {
            Some(s) => format!(
                "  ・{}: 提出済み(目標指標 {}件)",
                d.name,
                s.indicators.len()
            ),
            None => format!("  ・{}: 未提出", d.name),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_make_a_paragraph_only_when_there_are_some() {
        assert_eq!(problem_lines(std::iter::empty()), "");
        let problems = ["白書を作成できませんでした".to_string()];
        assert_eq!(
            problem_lines(problems.iter()),
            "\n報告書の作成で問題がありました:\n  ・白書を作成できませんでした\n"
        );
    }
}
