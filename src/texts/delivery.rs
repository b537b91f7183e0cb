//! Why a message was not sent, as an operator reads it in `hakusho status`, the log
//! and the managers' notice when delivery pauses.

use std::fmt::Display;

/// The sender's own SMTP login or encryption failed.
pub fn smtp_setting(error: impl Display) -> String {
    format!("SMTP の送信者側の設定(ログインまたは暗号化)で失敗しました: {error}")
}

/// The server refused this copy for good.
pub fn smtp_refused(error: impl Display) -> String {
    format!("SMTP サーバーが受け取りを拒否しました: {error}")
}

/// Sending failed for now; it is tried again.
pub fn smtp_failed(error: impl Display) -> String {
    format!("SMTP で送れませんでした: {error}")
}

/// The server did not answer in time.
pub fn smtp_timed_out(seconds: u64) -> String {
    format!("SMTP サーバーが {seconds} 秒以内に応答しませんでした")
}

/// The outbox folder cannot be written to.
pub fn outbox_unwritable(error: impl Display) -> String {
    format!("送信フォルダーに書き込めません: {error}")
}

/// The message could not be built (its attachments are gone, an address is wrong…).
pub fn unbuildable(error: impl Display) -> String {
    format!("メールを組み立てられません: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::is_japanese;

    #[test]
    fn every_delivery_text_is_japanese_and_quotes_the_cause() {
        let cause = "535 5.7.8 authentication failed";
        let texts = [
            smtp_setting(cause),
            smtp_refused(cause),
            smtp_failed(cause),
            outbox_unwritable(cause),
            unbuildable(cause),
        ];
        for text in texts {
            assert!(is_japanese(&text), "{text}");
            assert!(text.ends_with(cause), "{text}");
        }
        let timed_out = smtp_timed_out(30);
        assert!(is_japanese(&timed_out) && timed_out.contains("30 秒"));
    }
}
