//! The submission workbook: its layout, its content, and how it is written.
//!
//! The layout is ours (departments fill in workbooks we hand them), so the reader in
//! [`crate::intake`] and the writer here share [`layout`]. A change of layout bumps
//! [`layout::TEMPLATE_VERSION`], which every workbook records.

mod content;
mod findings_sheet;
mod guide;
pub mod layout;
mod typed;
mod writer;

pub use content::*;
pub use typed::{Typed, TypedCells};
pub use writer::{
    write_annotated_copy, write_workbook, Render, TINT_ERROR, TINT_INPUT, TINT_WARNING,
};

/// The A1 name of a cell from 0-based row and column: (1, 5) → `F2`.
pub fn cell_name(row: u32, column: u16) -> String {
    let mut letters = String::new();
    let mut n = u32::from(column) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.insert(0, char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

/// The 0-based (row, column) of an A1 name: `F2` → (1, 5).
pub fn cell_position(name: &str) -> Option<(u32, u16)> {
    let split = name.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = name.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let column = letters
        .bytes()
        .try_fold(0u32, |n, b| Some(n * 26 + u32::from(b - b'A') + 1))?;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, u16::try_from(column - 1).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cells_in_a1_form_and_back() {
        for (row, column, name) in [
            (0, 0, "A1"),
            (1, 5, "F2"),
            (9, 25, "Z10"),
            (0, 26, "AA1"),
            (0, 701, "ZZ1"),
            (0, 702, "AAA1"),
        ] {
            assert_eq!(cell_name(row, column), name);
            assert_eq!(cell_position(name), Some((row, column)));
        }
        assert_eq!(cell_position("A0"), None);
        assert_eq!(cell_position("12"), None);
        assert_eq!(cell_position("A:B"), None);
    }
}
