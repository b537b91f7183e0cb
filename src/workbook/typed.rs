//! The cells of a submitted workbook as they were typed, with their type: the
//! correction copy of a file sent back writes them back as they came (the number 31
//! stays the number 31, not the text 「31種類」 intake reads it as).

use std::collections::HashMap;

/// A cell's value with its type, as the spreadsheet held it.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// A number (integer or not).
    Number(f64),
    /// A date or time, as a spreadsheet serial (days since 1899-12-30).
    Date(f64),
    /// Text, as typed.
    Text(String),
    /// TRUE or FALSE.
    Bool(bool),
}

/// The typed cells of a workbook's data sheets, by sheet name, 0-based row and column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypedCells {
    cells: HashMap<(String, u32, u16), Typed>,
}

impl TypedCells {
    /// Keeps `value` as the cell's.
    pub fn insert(&mut self, sheet: &str, row: u32, column: u16, value: Typed) {
        self.cells.insert((sheet.to_string(), row, column), value);
    }

    /// The value typed in a cell, if any.
    pub fn get(&self, sheet: &str, row: u32, column: u16) -> Option<&Typed> {
        self.cells.get(&(sheet.to_string(), row, column))
    }

    /// How many cells are kept.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether no cell is kept.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}
