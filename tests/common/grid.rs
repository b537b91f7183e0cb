//! A workbook as a grid of cells: read a real workbook with calamine, change cells
//! as a department (or an attacker) would, write it back with rust_xlsxwriter.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date typed into a date-formatted cell.
    Date(u16, u8, u8),
    /// A formula and the result the spreadsheet cached for it (`#DIV/0!`).
    Formula(String, String),
}

/// The sheets of a workbook, each a grid of rows.
pub struct Grid {
    pub sheets: Vec<(String, Vec<Vec<Cell>>)>,
}

impl Grid {
    /// Reads every sheet of a workbook.
    pub fn read(path: &Path) -> Grid {
        let mut workbook = open_workbook_auto(path).unwrap();
        let names = workbook.sheet_names();
        let sheets = names
            .into_iter()
            .map(|name| {
                let range = workbook.worksheet_range(&name).unwrap();
                let (rows, columns) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
                let grid = (0..rows)
                    .map(|r| {
                        (0..columns)
                            .map(|c| to_cell(range.get_value((r, c))))
                            .collect()
                    })
                    .collect();
                (name, grid)
            })
            .collect();
        Grid { sheets }
    }

    fn sheet(&mut self, name: &str) -> &mut Vec<Vec<Cell>> {
        &mut self
            .sheets
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
            .1
    }

    /// Sets a cell by A1 name.
    pub fn set(&mut self, sheet: &str, cell: &str, value: Cell) -> &mut Self {
        let (row, column) = hakusho::workbook::cell_position(cell).unwrap();
        let grid = self.sheet(sheet);
        while grid.len() <= row as usize {
            grid.push(Vec::new());
        }
        let line = &mut grid[row as usize];
        while line.len() <= column as usize {
            line.push(Cell::Empty);
        }
        line[column as usize] = value;
        self
    }

    /// The 1-based row number whose cell in `column` (0-based) holds `text`.
    pub fn row_of(&self, sheet: &str, column: usize, text: &str) -> usize {
        let grid = &self.sheets.iter().find(|(n, _)| n == sheet).unwrap().1;
        1 + grid
            .iter()
            .position(|r| r.get(column) == Some(&Cell::Text(text.to_string())))
            .unwrap_or_else(|| panic!("{text} not in {sheet}"))
    }

    /// Sets a cell to text.
    pub fn text(&mut self, sheet: &str, cell: &str, text: &str) -> &mut Self {
        self.set(sheet, cell, Cell::Text(text.to_string()))
    }

    /// Swaps two columns (0-based) of a sheet, header included.
    pub fn swap_columns(&mut self, sheet: &str, a: usize, b: usize) -> &mut Self {
        for row in self.sheet(sheet) {
            if row.len() > a.max(b) {
                row.swap(a, b);
            }
        }
        self
    }

    /// Removes a row (0-based) of a sheet.
    pub fn remove_row(&mut self, sheet: &str, row: usize) -> &mut Self {
        self.sheet(sheet).remove(row);
        self
    }

    /// Adds or drops a whole sheet.
    pub fn add_sheet(&mut self, name: &str, rows: Vec<Vec<Cell>>) -> &mut Self {
        self.sheets.push((name.to_string(), rows));
        self
    }

    pub fn drop_sheet(&mut self, name: &str) -> &mut Self {
        self.sheets.retain(|(n, _)| n != name);
        self
    }

    /// Writes the grid as an xlsx.
    pub fn to_xlsx(&self) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let date = Format::new().set_num_format("yyyy/mm/dd");
        for (name, rows) in &self.sheets {
            let sheet = workbook.add_worksheet().set_name(name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match cell {
                        Cell::Empty => continue,
                        Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                        Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                        Cell::Date(y, m, d) => sheet
                            .write_datetime_with_format(
                                r,
                                c,
                                ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                                &date,
                            )
                            .map(|_| ()),
                        Cell::Formula(f, result) => sheet
                            .write_formula(r, c, Formula::new(f).set_result(result))
                            .map(|_| ()),
                    }
                    .unwrap();
                }
            }
        }
        workbook.save_to_buffer().unwrap()
    }
}

fn to_cell(data: Option<&Data>) -> Cell {
    match data {
        None | Some(Data::Empty) => Cell::Empty,
        Some(Data::String(s)) => Cell::Text(s.clone()),
        Some(Data::Float(f)) => Cell::Number(*f),
        Some(Data::Int(i)) => Cell::Number(*i as f64),
        Some(other) => Cell::Text(other.to_string()),
    }
}
