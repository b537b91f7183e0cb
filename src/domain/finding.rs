//! What intake tells a submitter: where (sheet, cell), how serious, and what is wrong.

use std::fmt;

/// How serious a finding is: errors reject the submission, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The submission is sent back (差戻し).
    Error,
    /// The submission is accepted; the department is asked to check (要確認).
    Warning,
}

impl Severity {
    /// The word shown to submitters.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "エラー",
            Severity::Warning => "注意",
        }
    }

    /// The stable name used in the store.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in a submitted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// An error rejects the file; a warning is told and the file is accepted.
    pub severity: Severity,
    /// The sheet, when the problem is inside one.
    pub sheet: Option<String>,
    /// The cell in A1 form, when the problem is in one cell.
    pub cell: Option<String>,
    /// What was found and what was expected, in Japanese.
    pub message: String,
}

impl Finding {
    /// A problem with the file as a whole.
    pub fn file_error(message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            sheet: None,
            cell: None,
            message: message.into(),
        }
    }

    /// Something about the file as a whole that does not stop it.
    pub fn file_warning(message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            sheet: None,
            cell: None,
            message: message.into(),
        }
    }

    /// Whether this is an error at `sheet`'s `cell`: what follows from a refused cell
    /// is not said again (one slip, one finding).
    pub fn is_error_at(&self, sheet: &str, cell: &str) -> bool {
        self.severity == Severity::Error
            && self.sheet.as_deref() == Some(sheet)
            && self.cell.as_deref() == Some(cell)
    }

    /// A problem in one cell.
    pub fn at(severity: Severity, sheet: &str, cell: String, message: impl Into<String>) -> Self {
        Finding {
            severity,
            sheet: Some(sheet.to_string()),
            cell: Some(cell),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.severity.label())?;
        if let Some(sheet) = &self.sheet {
            write!(f, "シート「{sheet}」 ")?;
        }
        if let Some(cell) = &self.cell {
            write!(f, "{cell}: ")?;
        }
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sheet_and_cell_in_japanese() {
        let finding = Finding::at(
            Severity::Error,
            "目標指標",
            "F7".to_string(),
            "数値を期待しましたが「未定」でした",
        );
        assert_eq!(
            finding.to_string(),
            "[エラー] シート「目標指標」 F7: 数値を期待しましたが「未定」でした"
        );
        let finding = Finding::file_error("ブックとして開けません");
        assert_eq!(finding.to_string(), "[エラー] ブックとして開けません");
    }
}
