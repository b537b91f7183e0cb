//! File names from a browser, kept safely, and given back in downloads.
//!
//! An uploaded file's name is the sender's text: it may carry path parts (`../../x`,
//! `C:\a\b.xlsx`), control characters (NUL, a newline that would split a log line or a
//! header), bidirectional marks that make `gpj.xlsx` read as `xlsx.jpg`, or hundreds of
//! bytes. What is kept is the last path component without those characters, cut to
//! [`MAX_NAME_BYTES`] at a character boundary; it is only ever a name inside a folder
//! of our own, never a path.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The longest name kept, in bytes of UTF-8 (file systems allow 255).
pub const MAX_NAME_BYTES: usize = 200;

/// The name kept when nothing is left of the one sent.
pub const NAMELESS: &str = "提出ファイル.xlsx";

/// The name an uploaded file is kept and shown under (see the module's comment).
pub fn safe_file_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last.chars().filter(|c| !is_unsafe(*c)).collect();
    match shortened(kept.trim()).as_str() {
        "" | "." | ".." => NAMELESS.to_string(),
        name => name.to_string(),
    }
}

/// `name` cut to [`MAX_NAME_BYTES`] at a character boundary, its extension (when it
/// has a short one) kept: the file still opens with its program when downloaded.
fn shortened(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_string();
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if extension.len() <= 8 => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    let stem = cut_at_boundary(stem, MAX_NAME_BYTES - extension.len());
    format!("{stem}{extension}")
}

/// What is never kept in a name: every character of the general categories Cc
/// (controls), Cf (format: direction marks and overrides, zero-width characters, the
/// BOM, tags) and Zl, Zp (U+2028, U+2029, which end a line in a log or a script). They
/// split or reorder what is shown, or hide part of it; every other character is kept.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// The general category Cf, as of Unicode 15.1 (the standard library has no table).
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' // soft hyphen
        | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}' // Arabic, Syriac
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' // zero width spaces and joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides (RLO)
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}' // isolates, deprecated format characters
        | '\u{FEFF}' // byte order mark
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        | '\u{110BD}' | '\u{110CD}' // Kaithi
        | '\u{13430}'..='\u{1343F}' // Egyptian hieroglyph format controls
        | '\u{1BCA0}'..='\u{1BCA3}' // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}' // musical symbol beams
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}' // tags
    )
}

/// The longest start of `text` of at most `max` bytes that ends on a character.
fn cut_at_boundary(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let end = (0..=max)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    &text[..end]
}

/// What RFC 5987 leaves unescaped in `filename*` (attr-char).
const ATTR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A `Content-Disposition: attachment` value for `name`: the name itself in
/// `filename*=UTF-8''…` (every browser today), and an ASCII stand-in in `filename=` for
/// the rest (the name's ASCII characters, the others as `_`, never a quote or a slash).
pub fn attachment(name: &str) -> String {
    let name = safe_file_name(name);
    let encoded = utf8_percent_encode(&name, ATTR);
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_fallback(&name)
    )
}

/// The name in printable ASCII: others (and `"`, `\`, `%`) become `_`; the extension
/// is kept so that the file still opens with the right program.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '%' | '/') => c,
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of name a browser (or someone pretending to be one) may send.
    const SENT: [&str; 15] = [
        "../../x.xlsx",
        "..\\..\\x.xlsx",
        "C:\\a\\b.xlsx",
        "/etc/passwd",
        "a\0b.xlsx",
        "令和2年度\n企画部.xlsx",
        "\r\nSet-Cookie: x=1.xlsx",
        "invoice\u{202E}xslx.exe",
        "\u{200F}\u{2066}企画部\u{2069}.xlsx",
        "",
        "..",
        "/",
        "   ",
        "\u{FEFF}.",
        "企画部\u{2028}\u{2029}\u{00AD}\u{E0041}.xlsx",
    ];

    #[test]
    fn a_name_is_one_component_without_control_or_direction_marks() {
        for sent in SENT.iter().map(|s| s.to_string()).chain([long_name()]) {
            let kept = safe_file_name(&sent);
            assert!(!kept.is_empty(), "{sent:?}");
            assert!(!kept.contains(['/', '\\']), "{sent:?} → {kept:?}");
            assert!(!kept.chars().any(is_unsafe), "{sent:?} → {kept:?}");
            assert!(
                kept.len() <= MAX_NAME_BYTES,
                "{sent:?} → {} bytes",
                kept.len()
            );
            assert!(kept != "." && kept != "..", "{sent:?}");
        }
        assert_eq!(safe_file_name("../../x.xlsx"), "x.xlsx");
        assert_eq!(safe_file_name("C:\\a\\b.xlsx"), "b.xlsx");
        assert_eq!(
            safe_file_name("令和2年度\n企画部.xlsx"),
            "令和2年度企画部.xlsx"
        );
        assert_eq!(safe_file_name("invoice\u{202E}xslx.exe"), "invoicexslx.exe");
        assert_eq!(safe_file_name(""), NAMELESS);
        assert_eq!(safe_file_name("../"), NAMELESS);
    }

    /// Every character of the categories Cc, Cf, Zl and Zp is removed, and every other
    /// assigned one kept, as Python's `unicodedata` (a table of its own, not this one)
    /// says. Characters Python does not know yet (Cn) are not judged.
    #[test]
    fn every_control_format_and_separator_character_is_removed_and_no_other() {
        let categories = python_categories();
        assert_eq!(categories.len(), 0x110000);
        let mut removed = 0;
        for (code, category) in categories.iter().enumerate() {
            let Some(c) = char::from_u32(code as u32) else {
                continue; // a surrogate: never a char
            };
            let kept = safe_file_name(&format!("a{c}b.xlsx"));
            match category.as_str() {
                "Cc" | "Cf" | "Zl" | "Zp" => {
                    assert_eq!(kept, "ab.xlsx", "U+{code:04X} {category} is removed");
                    removed += 1;
                }
                "Cn" | "Cs" => {}
                _ if matches!(c, '/' | '\\') => {}
                _ => assert_eq!(
                    kept,
                    format!("a{c}b.xlsx"),
                    "U+{code:04X} {category} is kept"
                ),
            }
        }
        assert!(removed >= 200, "{removed} removed: the table was read");
    }

    /// The general category of every code point, from Python's own table.
    fn python_categories() -> Vec<String> {
        let script = "import unicodedata, sys\nfor c in range(0x110000): sys.stdout.write(unicodedata.category(chr(c)) + '\\n')";
        let output = std::process::Command::new("python3")
            .args(["-c", script])
            .output()
            .expect("python3 (the tests' SMTP sink needs it too)");
        assert!(output.status.success());
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// 300 bytes of Japanese: cut at a character, never inside one.
    fn long_name() -> String {
        format!("{}.xlsx", "企".repeat(98))
    }

    #[test]
    fn a_long_japanese_name_is_cut_at_a_character_boundary() {
        let sent = long_name();
        assert!(sent.len() >= 299);
        let kept = safe_file_name(&sent);
        assert_eq!(
            kept,
            format!("{}.xlsx", "企".repeat(65)),
            "65 × 3 + 5 = 200 bytes"
        );
        let no_extension = safe_file_name(&"𠮷".repeat(80));
        assert_eq!(no_extension, "𠮷".repeat(50), "4 bytes each: 200");
        for max in 0..12 {
            let cut = cut_at_boundary("𠮷企a", max);
            assert!(cut.len() <= max && "𠮷企a".starts_with(cut));
        }
    }

    #[test]
    fn a_download_names_the_file_in_utf8_with_an_ascii_stand_in() {
        let value = attachment("令和2年度_𠮷野部_要修正.xlsx");
        assert_eq!(
            value,
            "attachment; filename=\"__2__________.xlsx\"; filename*=UTF-8''%E4%BB%A4%E5%92%8C2%E5%B9%B4%E5%BA%A6_%F0%A0%AE%B7%E9%87%8E%E9%83%A8_%E8%A6%81%E4%BF%AE%E6%AD%A3.xlsx"
        );
        for sent in SENT {
            let value = attachment(sent);
            assert!(
                axum::http::HeaderValue::from_str(&value).is_ok(),
                "{sent:?}"
            );
            let quoted = value.split('"').nth(1).unwrap();
            assert!(!quoted.contains(['"', '\\', '/']), "{value}");
            assert!(value.is_ascii(), "{value}");
        }
    }
}
