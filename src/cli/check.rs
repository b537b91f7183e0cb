//! `hakusho check`: checks workbooks without storing them. The store is opened for
//! reading only (the earlier years' figures the year's are compared with); without
//! a store the plan's figures are compared with.

use std::path::PathBuf;

use super::print::display;
use super::refused::{refused_if_any, Refused};
use crate::app::App;
use crate::domain::printable;
use crate::intake::check_file;
use crate::store::{EarlierFigures, OpenMode, Store};

/// The earlier years' figures, read without writing anything, from whichever store the
/// configuration names: none when no store exists yet (read-only opens an empty one).
fn earlier_figures(app: &App) -> anyhow::Result<EarlierFigures> {
    let location = app.config().store_location();
    app.earlier_figures(&Store::connect(&location, OpenMode::ReadOnly)?)
}

/// Prints each file's findings; a file with an error is refused (exit status 1).
pub(super) fn check(app: &App, files: &[PathBuf]) -> anyhow::Result<()> {
    let earlier = earlier_figures(app)?;
    let plan = app.plan()?;
    let intake = app.intake(&plan, &earlier)?;
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
