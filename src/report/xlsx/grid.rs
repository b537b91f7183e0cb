//! A sheet written cell by cell with its rows' heights fitted to their wrapped text.
//!
//! rust_xlsxwriter does not autofit, and LibreOffice and Excel keep the default row
//! height of a row written without one (wrapped text then runs over the next row), so
//! each row's height is computed from the lines its tallest cell takes at its column's
//! width: full-width characters count double, Latin words wrap whole.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

/// Points per line of 11-point text: Excel draws Japanese characters of a Calibri
/// cell in the theme's East Asian font, whose line (游ゴシック: Japanese Excel's
/// default row of 18.75 points) is taller than Calibri's 15 points; LibreOffice's
/// lines are shorter, so its rows keep some space.
pub const LINE_POINTS: f64 = 18.75;

/// The tallest row Excel keeps (it cuts a taller one to this).
pub const MAX_ROW_POINTS: f64 = 409.0;

/// Space above and below the lines of a cell.
const PADDING_POINTS: f64 = 3.0;

/// Column units lost to the cell's margins.
const MARGIN_UNITS: f64 = 1.0;

/// Column units an autofilter's drop-down button covers in a header cell.
const FILTER_BUTTON_UNITS: f64 = 2.5;

/// The width of a character in column units (the width of `0`): full-width
/// characters (kana, kanji, full-width forms, circled numbers) count double,
/// half-width katakana and ASCII once.
pub fn char_units(c: char) -> f64 {
    let code = c as u32;
    let half_width_forms = (0xFF61..=0xFFDC).contains(&code);
    if code >= 0x2000 && !half_width_forms {
        2.0
    } else {
        1.0
    }
}

/// The width of a text on one line, in column units.
pub fn text_units(text: &str) -> f64 {
    text.chars().map(char_units).sum()
}

/// The pieces a line may break between: a run of Latin letters and digits stays
/// whole, every other character is a piece of its own.
fn pieces(paragraph: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in paragraph.chars() {
        if c.is_ascii_graphic() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        out.push(c.to_string());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The lines one paragraph takes on lines `capacity` units wide, filled greedily; a
/// piece longer than a line is broken by character.
fn paragraph_lines(paragraph: &str, capacity: f64) -> usize {
    let mut lines = 1;
    let mut used = 0.0;
    for piece in pieces(paragraph) {
        let width = text_units(&piece);
        if used + width <= capacity {
            used += width;
            continue;
        }
        if width <= capacity {
            lines += usize::from(used > 0.0);
            used = width;
            continue;
        }
        for c in piece.chars() {
            let w = char_units(c);
            if used + w > capacity && used > 0.0 {
                lines += 1;
                used = 0.0;
            }
            used += w;
        }
    }
    lines
}

/// The lines `text` takes wrapped in a column `width` units wide; each line break
/// of the text starts a line.
pub fn lines(text: &str, width: f64) -> usize {
    let capacity = (width - MARGIN_UNITS).max(2.0);
    text.split('\n')
        .map(|p| paragraph_lines(p, capacity))
        .sum::<usize>()
        .max(1)
}

/// The height, in points, of a row whose tallest cell takes `lines` lines, at most
/// [`MAX_ROW_POINTS`] (the columns of long texts are wide enough to stay below it).
pub fn height(lines: usize) -> f64 {
    (lines.max(1) as f64 * LINE_POINTS + PADDING_POINTS).min(MAX_ROW_POINTS)
}

/// A worksheet and its column widths; records the lines of each text written so
/// that [`Grid::finish`] can set every row's height.
pub struct Grid<'a> {
    sheet: &'a mut Worksheet,
    widths: Vec<f64>,
    lines: BTreeMap<u32, usize>,
}

impl<'a> Grid<'a> {
    /// A grid over `sheet` whose columns are `widths` wide; sets the widths.
    pub fn new(sheet: &'a mut Worksheet, widths: Vec<f64>) -> Result<Self, XlsxError> {
        for (c, width) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, *width)?;
        }
        let lines = BTreeMap::new();
        Ok(Grid {
            sheet,
            widths,
            lines,
        })
    }

    /// The sheet, for what is not a cell (panes, filters, page setup, charts).
    pub fn sheet(&mut self) -> &mut Worksheet {
        self.sheet
    }

    /// Writes a text and records the lines it takes; an empty text is a blank cell.
    pub fn text(&mut self, row: u32, col: u16, text: &str, f: &Format) -> Result<(), XlsxError> {
        self.text_narrowed(row, col, text, f, 0.0)
    }

    /// Writes a header cell: its text wraps beside the autofilter's button.
    pub fn header(&mut self, row: u32, col: u16, text: &str, f: &Format) -> Result<(), XlsxError> {
        self.text_narrowed(row, col, text, f, FILTER_BUTTON_UNITS)
    }

    fn text_narrowed(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        f: &Format,
        covered: f64,
    ) -> Result<(), XlsxError> {
        if text.is_empty() {
            self.sheet.write_blank(row, col, f)?;
            return Ok(());
        }
        let width = self.widths.get(col as usize).copied().unwrap_or(8.43);
        let taken = lines(text, width - covered);
        let entry = self.lines.entry(row).or_insert(1);
        *entry = (*entry).max(taken);
        self.sheet.write_string_with_format(row, col, text, f)?;
        Ok(())
    }

    /// Writes texts from `col` rightwards.
    pub fn texts<S: AsRef<str>>(
        &mut self,
        row: u32,
        col: u16,
        texts: &[S],
        f: &Format,
    ) -> Result<(), XlsxError> {
        for (k, text) in texts.iter().enumerate() {
            self.text(row, col + k as u16, text.as_ref(), f)?;
        }
        Ok(())
    }

    /// Writes a number (one line).
    pub fn number(&mut self, row: u32, col: u16, value: f64, f: &Format) -> Result<(), XlsxError> {
        self.lines.entry(row).or_insert(1);
        self.sheet.write_number_with_format(row, col, value, f)?;
        Ok(())
    }

    /// Sets each written row's height from the tallest of its cells.
    pub fn finish(self) -> Result<(), XlsxError> {
        for (row, lines) in self.lines {
            self.sheet.set_row_height(row, height(lines))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_characters_count_double() {
        assert_eq!(text_units("件"), 2.0);
        assert_eq!(text_units("ab1"), 3.0);
        assert_eq!(text_units("①（）"), 6.0);
        assert_eq!(text_units("ｱｲ"), 2.0);
    }

    #[test]
    fn a_text_takes_as_many_lines_as_its_width_needs() {
        for n in 1..60 {
            let text = "あ".repeat(n);
            for width in [6.0, 9.0, 14.0, 38.0] {
                let per_line = ((width - MARGIN_UNITS) / 2.0).floor() as usize;
                assert_eq!(lines(&text, width), n.div_ceil(per_line), "{n} in {width}");
            }
        }
    }

    #[test]
    fn line_breaks_and_latin_words_add_lines() {
        assert_eq!(lines("あ\nい\nう", 20.0), 3);
        assert_eq!(lines("", 20.0), 1);
        // 7 + 1 + 7 columns on lines of 9: the second word moves to a line of its own.
        assert_eq!(lines("abcdefg abcdefg", 10.0), 2);
        // A word longer than a line is broken.
        assert_eq!(lines(&"x".repeat(30), 11.0), 3);
    }

    #[test]
    fn a_row_is_as_tall_as_its_lines() {
        assert!(height(3) >= 3.0 * LINE_POINTS);
        assert!(height(0) == height(1));
        assert!(height(2) > height(1));
        assert_eq!(height(1000), MAX_ROW_POINTS);
    }
}
