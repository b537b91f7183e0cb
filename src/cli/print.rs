//! What several commands print the same way: paths, stored times, a run's summary.

use std::path::Path;

use crate::daemon::run::RunSummary;
use crate::domain::printable;
use crate::intake::Outcome;

/// A path as printed: one line, whatever characters its name holds.
pub(super) fn display(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

/// A stored RFC 3339 time as staff read it: Tokyo time, to the minute.
pub(super) fn tokyo_time(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_string(),
        |t| {
            t.with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        },
    )
}

/// What `run --once` and `ingest` did: the files, the reports, the mail.
pub(super) fn print_summary(summary: &RunSummary) {
    print_files(summary);
    if !summary.missing.is_empty() {
        println!("未提出: {}", summary.missing.join("、"));
    }
    println!("作成した報告書 ({} 件):", summary.reports.len());
    for path in &summary.reports {
        println!("  {}", display(path));
    }
    print_mail(summary);
}

/// Each file taken in, with its outcome and findings.
fn print_files(summary: &RunSummary) {
    println!("受付 ({} 件):", summary.files.len());
    for file in &summary.files {
        println!(
            "  {} … {}",
            printable(&file.file_name),
            printable(&file.label())
        );
        for finding in &file.findings {
            println!("    {}", printable(finding));
        }
        if file.findings_left_out() > 0 {
            println!(
                "    ほか {} 件の指摘(すべて受付の返信メールに書いてあります)",
                file.findings_left_out()
            );
        }
    }
}

/// The delivery pass and each message queued.
fn print_mail(summary: &RunSummary) {
    println!("送信したメール ({} 通):", summary.mailed.len());
    let d = summary.delivery;
    println!(
        "  配送: 送信 {} 件、再試行待ち {} 件、配送不能 {} 件",
        d.sent, d.retried, d.failed
    );
    if d.paused {
        println!("  配送を一時停止しています(送信者側の設定の問題。`hakusho status` で理由を確認してください)");
    }
    for (to, subject, attachments) in &summary.mailed {
        let (to, subject) = (printable(to), printable(subject));
        println!("  {to}: {subject} (添付 {} 件)", attachments.len());
    }
    if summary.unchanged > 0 {
        println!(
            "前回と同じ内容のため、報告書のメールは送りません（{} 件）",
            summary.unchanged
        );
    }
}

/// How many files of the run were refused. `repeats`: whether bytes sent back before
/// and sent again unchanged count too: they do when a person names the file (`ingest`),
/// not when a run finds it still lying in the inbox (`run --once` would otherwise
/// exit 1 at every run until someone removes it).
pub(super) fn refused_files(summary: &RunSummary, repeats: bool) -> usize {
    let refused = |outcome: &Outcome| match outcome {
        Outcome::Rejected => true,
        Outcome::AlreadyReceived { sent_back, .. } => repeats && *sent_back,
        Outcome::Accepted { .. } => false,
    };
    summary.files.iter().filter(|f| refused(&f.outcome)).count()
}
