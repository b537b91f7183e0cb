//! `hakusho check`: checks workbooks without storing them (no store is opened).

use std::path::PathBuf;

use super::print::display;
use super::refused::{refused_if_any, Refused};
use crate::app::App;
use crate::domain::printable;
use crate::intake::check_file;

/// Prints each file's findings; a file with an error is refused (exit status 1).
pub(super) fn check(app: &App, files: &[PathBuf]) -> anyhow::Result<()> {
    let intake = app.intake()?;
    let mut errors = 0;
    for path in files {
        let name = path
            .file_name()
            .map_or_else(|| display(path), |n| n.to_string_lossy().into_owned());
        let reading = check_file(path, intake)?;
        println!("{} … {}", printable(&name), reading.verdict().check_label());
        for finding in &reading.findings {
            println!("  {}", printable(&finding.to_string()));
        }
        errors += usize::from(reading.has_errors());
    }
    refused_if_any(errors, Refused::Checked)
}
