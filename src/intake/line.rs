//! What a run keeps of a file once it is stored: the few lines its summary prints.
//!
//! A [`FileReport`] carries what was read (the content, every typed cell: about 100 KB
//! for a sample workbook), which the receipt needs and nothing after it. A run keeps a
//! [`FileLine`] instead, bounded whatever the file held, so that a run's memory does
//! not grow with the number of files it takes in: the reports read the submissions
//! back from the store.

use super::{FileReport, Outcome};

/// The most finding lines a run keeps (and prints) for one file; the receipt mailed to
/// the submitter lists them all.
pub const MAX_FINDING_LINES: usize = 20;

/// The most characters of one finding line a run keeps.
pub const MAX_LINE_CHARS: usize = 300;

/// The most characters of a file name a run keeps (a name is at most 255 bytes on the
/// usual file systems, but a file from elsewhere may claim more).
pub const MAX_NAME_CHARS: usize = 255;

/// One file of a run as its summary prints it: name, verdict, findings (the first
/// [`MAX_FINDING_LINES`] of them, each cut at [`MAX_LINE_CHARS`]) and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLine {
    /// The file name as found in the inbox.
    pub file_name: String,
    /// The file's SHA-256.
    pub sha256: String,
    /// Accepted, rejected, or received before.
    pub outcome: Outcome,
    /// Whether any finding is a warning.
    pub warnings: bool,
    /// The first findings, as printed.
    pub findings: Vec<String>,
    /// How many findings the file had in all.
    pub findings_total: usize,
}

impl FileLine {
    /// The line of a file taken in; the report itself (content, cells) can be dropped.
    pub fn of(report: &FileReport) -> FileLine {
        let findings = report.findings.iter().take(MAX_FINDING_LINES);
        FileLine {
            file_name: cut(&report.file_name, MAX_NAME_CHARS),
            sha256: report.sha256.clone(),
            outcome: report.outcome.clone(),
            warnings: report.has_warnings(),
            findings: findings
                .map(|f| cut(&f.to_string(), MAX_LINE_CHARS))
                .collect(),
            findings_total: report.findings.len(),
        }
    }

    /// The verdict as `hakusho ingest` and `run --once` print it.
    pub fn label(&self) -> String {
        self.outcome.label(self.warnings)
    }

    /// How many findings are not among the lines kept.
    pub fn findings_left_out(&self) -> usize {
        self.findings_total - self.findings.len()
    }

    /// An upper bound of the bytes this line holds (its strings' lengths), which does
    /// not depend on what the file held.
    pub fn held_bytes(&self) -> usize {
        let department = match &self.outcome {
            Outcome::Accepted { department, .. } => department.len(),
            Outcome::AlreadyReceived { department, .. } => {
                department.as_ref().map_or(0, String::len)
            }
            Outcome::Rejected => 0,
        };
        let findings: usize = self.findings.iter().map(String::len).sum();
        self.file_name.len() + self.sha256.len() + department + findings
    }
}

/// `text` cut to its first `max` characters, with … when something was cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Finding, Severity};

    /// A report of a file with `findings` findings of `chars` characters each, named
    /// with `name_chars` characters.
    fn report(findings: usize, chars: usize, name_chars: usize) -> FileReport {
        let finding = Finding::at(Severity::Error, "目標指標", "F7".into(), "誤".repeat(chars));
        FileReport {
            file_name: "名".repeat(name_chars),
            sha256: "0".repeat(64),
            submission_id: Some(1),
            outcome: Outcome::Accepted {
                department: "企画部".into(),
                indicators: 12,
            },
            findings: vec![finding; findings],
            content: None,
            department: None,
            typed: crate::workbook::TypedCells::default(),
            closed: None,
        }
    }

    #[test]
    fn a_line_holds_a_bounded_size_whatever_the_file_held() {
        // 4 bytes a character at most in UTF-8, plus the cut mark and the fixed parts.
        let bound =
            4 * (MAX_NAME_CHARS + 1) + 64 + 64 + MAX_FINDING_LINES * 4 * (MAX_LINE_CHARS + 1);
        for (findings, chars, name) in [
            (0, 0, 1),
            (1, 10, 10),
            (5_000, 40_000, 2_000),
            (50, 32_767, 255),
        ] {
            let line = FileLine::of(&report(findings, chars, name));
            assert!(
                line.held_bytes() <= bound,
                "{findings} findings of {chars}: {}",
                line.held_bytes()
            );
            assert_eq!(line.findings_total, findings);
            assert_eq!(line.findings.len() + line.findings_left_out(), findings);
        }
    }

    #[test]
    fn a_short_line_is_kept_whole() {
        let line = FileLine::of(&report(2, 10, 10));
        assert_eq!(line.file_name, "名".repeat(10));
        assert_eq!(line.findings.len(), 2);
        assert!(
            line.findings[0].ends_with(&"誤".repeat(10)),
            "{:?}",
            line.findings
        );
        assert_eq!(line.label(), line.outcome.label(false));
    }

    #[test]
    fn a_long_text_is_cut_on_a_character_boundary() {
        assert_eq!(cut("企画部", 2), "企画…");
        assert_eq!(cut("企画部", 3), "企画部");
        assert_eq!(cut("", 0), "");
    }
}
