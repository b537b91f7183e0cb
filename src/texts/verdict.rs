//! The verdict on a submitted file, worded once for every place that prints it: the
//! receipt, `hakusho ingest` and `check`, `hakusho status`, the managers' summary.
//!
//! Two wordings of "accepted with warnings" are approved and both kept: the receipt
//! and the command line say 受理(要確認の点あり) ([`Verdict::label`]); the tables of
//! `status` and the summary PDF, where a column is narrow, say 受理(要確認)
//! ([`Verdict::short_label`]).

/// The verdict on one submitted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded, nothing to look at.
    Accepted,
    /// Recorded, with warnings the submitter should look at.
    AcceptedWithWarnings,
    /// Not used: it has errors the submitter must fix (差戻し).
    SentBack,
    /// These exact bytes were received before.
    AlreadyReceived,
}

impl Verdict {
    /// The verdict on a file read: accepted or not, with warnings or not.
    pub fn of(accepted: bool, warnings: bool) -> Verdict {
        match (accepted, warnings) {
            (false, _) => Verdict::SentBack,
            (true, false) => Verdict::Accepted,
            (true, true) => Verdict::AcceptedWithWarnings,
        }
    }

    /// The word a submitter reads first (the receipt, `hakusho ingest` and `check`).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Accepted => "受理",
            Verdict::AcceptedWithWarnings => "受理(要確認の点あり)",
            Verdict::SentBack => "差戻し",
            Verdict::AlreadyReceived => "受付済み",
        }
    }

    /// The word in a table (`hakusho status`, the managers' summary).
    pub fn short_label(self) -> &'static str {
        match self {
            Verdict::AcceptedWithWarnings => "受理(要確認)",
            other => other.label(),
        }
    }

    /// The word `hakusho check` prints: it records nothing, so a file without any
    /// finding is 問題なし rather than 受理.
    pub fn check_label(self) -> &'static str {
        match self {
            Verdict::Accepted => "問題なし",
            other => other.label(),
        }
    }
}

/// Where a department stands in a reminder or an escalation, when it has sent nothing.
pub const NOTHING_SUBMITTED: &str = "まだ提出がありません";

/// Where a department stands in a reminder or an escalation, when every file it sent
/// was sent back (差戻し).
pub const ONLY_SENT_BACK: &str = "差戻しとなったまま、受理できる提出がありません";

/// `hakusho ingest`'s line for a file recorded: `受理 (企画部、目標指標 12件)`.
pub fn accepted_line(verdict: Verdict, department: &str, indicators: usize) -> String {
    format!(
        "{} ({department}、目標指標 {indicators}件)",
        verdict.label()
    )
}

/// `hakusho ingest`'s line for bytes received before, with the department when known;
/// bytes sent back then say so (they are refused again).
pub fn already_received_line(department: Option<&str>, sent_back: bool) -> String {
    let label = Verdict::AlreadyReceived.label();
    let what = if sent_back {
        "前回差し戻したものと同じ内容のファイル。直してから送ってください"
    } else {
        "同じ内容のファイル"
    };
    match department {
        Some(department) => format!("{label} ({department}、{what})"),
        None => format!("{label} ({what})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Verdict; 4] = [
        Verdict::Accepted,
        Verdict::AcceptedWithWarnings,
        Verdict::SentBack,
        Verdict::AlreadyReceived,
    ];

    #[test]
    fn the_approved_words() {
        let words = |label: fn(Verdict) -> &'static str| ALL.map(label);
        assert_eq!(
            words(Verdict::label),
            ["受理", "受理(要確認の点あり)", "差戻し", "受付済み"]
        );
        assert_eq!(
            words(Verdict::short_label),
            ["受理", "受理(要確認)", "差戻し", "受付済み"]
        );
        assert_eq!(
            words(Verdict::check_label),
            ["問題なし", "受理(要確認の点あり)", "差戻し", "受付済み"]
        );
    }

    #[test]
    fn a_notice_says_sent_back_in_the_verdict_s_word() {
        assert!(NOTHING_SUBMITTED.contains("提出"));
        assert!(ONLY_SENT_BACK.starts_with(Verdict::SentBack.label()));
        assert!(ONLY_SENT_BACK.contains("受理"));
    }

    #[test]
    fn errors_decide_before_warnings() {
        assert_eq!(Verdict::of(false, true), Verdict::SentBack);
        assert_eq!(Verdict::of(true, true), Verdict::AcceptedWithWarnings);
        assert_eq!(Verdict::of(true, false), Verdict::Accepted);
    }

    #[test]
    fn the_ingest_lines() {
        assert_eq!(
            accepted_line(Verdict::Accepted, "企画部", 12),
            "受理 (企画部、目標指標 12件)"
        );
        assert_eq!(
            accepted_line(Verdict::AcceptedWithWarnings, "企画部", 12),
            "受理(要確認の点あり) (企画部、目標指標 12件)"
        );
        assert_eq!(
            already_received_line(Some("企画部"), false),
            "受付済み (企画部、同じ内容のファイル)"
        );
        assert_eq!(
            already_received_line(None, false),
            "受付済み (同じ内容のファイル)"
        );
        assert_eq!(
            already_received_line(Some("企画部"), true),
            "受付済み (企画部、前回差し戻したものと同じ内容のファイル。直してから送ってください)"
        );
    }
}
