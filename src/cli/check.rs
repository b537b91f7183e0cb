//! `hakusho check`: checks workbooks without storing them (no store is opened).

use std::path::PathBuf;

use anyhow::bail;

use super::print::display;
use crate::app::App;
use crate::domain::printable;
use crate::intake::check_file;

/// `hakusho check` found errors: exit status 1 with a one-line summary.
#[derive(Debug, thiserror::Error)]
#[error("{0} 件のファイルに誤りがあります")]
pub struct CheckFailed(pub usize);

/// Prints each file's findings; an error anywhere makes the exit status 1.
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
    if errors > 0 {
        bail!(CheckFailed(errors));
    }
    Ok(())
}
