//! Untrusted text made safe for a log line or a terminal.
//!
//! A file name, a mail address, an SMTP server's reply or a cell's text can hold a
//! newline (a forged second log line), an ESC (a terminal escape sequence) or a Unicode
//! line separator. Everything hakusho logs or prints about such text goes through
//! [`printable`], so one event stays one line and what is shown is what was there.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a log line as itself: C0 and C1 controls, DEL, and the
/// Unicode line and paragraph separators (U+2028, U+2029), which some log viewers and
/// JavaScript take as line breaks.
pub fn is_unsafe_in_logs(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` with every character of [`is_unsafe_in_logs`] escaped: `\n`, `\r`, `\t`, and
/// `\u{1b}` for the others. Text without any comes back as it is, without a copy.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_in_logs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_in_logs(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with the same characters written as JSON's `\uXXXX` escapes, for output that
/// is already JSON: serde_json escapes C0 controls itself but leaves C1 controls and
/// U+2028/U+2029 as they are. Inside a JSON string the escape reads back as the
/// character; outside strings JSON has no such characters.
pub fn json_printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_in_logs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_in_logs(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_kept_as_it_is() {
        for text in ["企画部.xlsx", "令和2年度_報告書 (最終).xlsx", "a b\\c", ""] {
            assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn every_control_and_line_separator_is_escaped() {
        let cases = [
            ("a\nb", "a\\nb"),
            ("a\r\nb", "a\\r\\nb"),
            ("a\tb", "a\\tb"),
            ("\u{1b}[31m赤", "\\u{1b}[31m赤"),
            ("\0\u{7}\u{8}\u{7f}", "\\u{0}\\u{7}\\u{8}\\u{7f}"),
            ("\u{85}\u{9b}", "\\u{85}\\u{9b}"),
            ("行\u{2028}段\u{2029}", "行\\u{2028}段\\u{2029}"),
        ];
        for (text, expected) in cases {
            assert_eq!(printable(text), expected, "{text:?}");
        }
    }

    #[test]
    fn no_character_of_the_whole_control_range_survives() {
        let all: String = (0u32..=0x9f)
            .chain([0x2028, 0x2029])
            .filter_map(char::from_u32)
            .collect();
        assert!(!printable(&all).chars().any(is_unsafe_in_logs));
        assert!(!json_printable(&all).chars().any(is_unsafe_in_logs));
    }

    #[test]
    fn json_escapes_read_back_as_the_character() {
        let escaped = json_printable("\"a\u{2028}b\u{85}\"");
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, "a\u{2028}b\u{85}");
    }
}
