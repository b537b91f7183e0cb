//! Footnote markers and the notes they point to: `(注)`, `(注1)`, `（注 ２）`, `※` in a
//! name or a cell, and a policy's notes that start with the same mark (`(注1) 特定道路：…`,
//! `(※) …`). A table that prints a marker prints its note under it.

use crate::domain::japanese::fold_width;

/// The markers in a text, each as its key (`注`, `注1`, `※`), in order, without repeats.
pub fn markers(text: &str) -> Vec<String> {
    let folded: String = fold_width(text).chars().filter(|c| *c != ' ').collect();
    let mut found: Vec<String> = Vec::new();
    let mut rest = folded.as_str();
    while let Some(at) = rest.find(['(', '※']) {
        let (key, used) = marker_at(&rest[at..]);
        if let Some(key) = key {
            if !found.contains(&key) {
                found.push(key);
            }
        }
        rest = &rest[at + used..];
    }
    found
}

/// The marker starting `text` (at `(` or `※`), and the bytes to skip past it.
fn marker_at(text: &str) -> (Option<String>, usize) {
    if let Some(after) = text.strip_prefix('※') {
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        return (Some(format!("※{digits}")), '※'.len_utf8() + digits.len());
    }
    let inner = &text['('.len_utf8()..];
    match inner.find(')') {
        Some(end) if is_note_key(&inner[..end]) => (Some(inner[..end].to_string()), end + 2),
        _ => (None, '('.len_utf8()),
    }
}

/// `注`, `注1`, `※`, `※2`: a mark and its number, nothing else.
fn is_note_key(inner: &str) -> bool {
    let digits = inner.strip_prefix('注').or_else(|| inner.strip_prefix('※'));
    digits.is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
}

/// The key of a note: the mark it starts with (`(注1) 特定道路…` → `注1`), if any.
pub fn note_key(note: &str) -> Option<String> {
    let folded: String = fold_width(note.trim_start());
    let (key, _) = if folded.starts_with('(') || folded.starts_with('※') {
        marker_at(&folded.replace(' ', ""))
    } else {
        (None, 0)
    };
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_marker_in_any_width_and_spacing() {
        assert_eq!(markers("SOHO集積施設数(注)"), ["注"]);
        assert_eq!(markers("特定道路(注1)の整備率"), ["注1"]);
        assert_eq!(markers("209 人 （注 １）"), ["注1"]);
        assert_eq!(markers("2件 (④※⑤)"), ["※"]);
        assert_eq!(markers("(注2) と (注3) と (注2)"), ["注2", "注3"]);
    }

    #[test]
    fn brackets_that_are_no_marker_are_not_one() {
        assert!(markers("4,372人 (198人)").is_empty());
        assert!(markers("326事業所 (平成21年)").is_empty());
        assert!(markers("(注意事項)").is_empty());
        assert!(markers("(注").is_empty());
    }

    #[test]
    fn a_note_is_keyed_by_the_mark_it_starts_with() {
        assert_eq!(note_key("(注1) 特定道路：…").as_deref(), Some("注1"));
        assert_eq!(note_key("（注）市がすべての…").as_deref(), Some("注"));
        assert_eq!(note_key("(※) 三鷹台駅前…").as_deref(), Some("※"));
        assert_eq!(note_key("※ 速報値").as_deref(), Some("※"));
        assert_eq!(note_key("目標値は…"), None);
    }
}
