//! The words of a receipt that are not in `templates/mail/receipt.txt`: the
//! explanation under the verdict, and the names used when the file says too little.

/// A workbook sent back: its annotated copy is attached.
pub const SENT_BACK_WITH_COPY: &str = "次の誤りがあるため、受理できませんでした。誤りのあるセルに色とコメントを付けたブックを添付しました。\nそのブックを直して、もう一度提出してください。";

/// A file that could not be read as a workbook at all.
pub const UNREADABLE: &str =
    "次の理由により、ファイルを読み取れませんでした。提出用ブックで提出し直してください。";

/// Accepted, nothing found.
pub const NO_PROBLEMS: &str = "内容に問題は見つかりませんでした。";

/// Accepted, with warnings listed below.
pub const ACCEPTED_WITH_NOTES: &str = "受理しましたが、次の点を確認してください。必要なら直して再提出してください(最新の提出が使われます)。";

/// The department of a file that names none of ours (it goes to the planning division).
pub const UNKNOWN_DEPARTMENT: &str = "部名不明";

/// The name of the annotated copy: the submitted file's stem and this suffix.
pub fn annotated_copy_name(stem: &str) -> String {
    format!("{stem}_要修正.xlsx")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::is_japanese;

    #[test]
    fn every_receipt_text_is_japanese_and_filled_in() {
        let texts = [
            SENT_BACK_WITH_COPY.to_string(),
            UNREADABLE.to_string(),
            NO_PROBLEMS.to_string(),
            ACCEPTED_WITH_NOTES.to_string(),
            UNKNOWN_DEPARTMENT.to_string(),
            annotated_copy_name("令和2年度_企画部"),
        ];
        for text in texts {
            assert!(is_japanese(&text), "{text}");
            assert!(!text.contains('{'), "{text}");
        }
        assert_eq!(
            annotated_copy_name("令和2年度_企画部"),
            "令和2年度_企画部_要修正.xlsx"
        );
    }
}
