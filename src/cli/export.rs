//! `hakusho export`: a fiscal year's datasets as plain tables or JSON.

use std::path::Path;

use super::print::display;
use super::ExportFormat;
use crate::app::App;
use crate::consolidate::{self, Datasets};
use crate::domain::FiscalYear;
use crate::report::export;

/// Writes the datasets of `fiscal_year`, rebuilt from the store (read, never written;
/// a year outside the plan period is refused), into `out`, and
/// prints the file and what is missing or does not agree.
pub(super) async fn export(
    app: &App,
    fiscal_year: FiscalYear,
    format: ExportFormat,
    out: &Path,
) -> anyhow::Result<()> {
    let datasets = {
        let store = app.store().lock().await?;
        consolidate::read_from_store(app.config(), &store, fiscal_year)?
    };
    std::fs::create_dir_all(out)?;
    let stem = out.join(format!("{fiscal_year}_データセット"));
    let (path, bytes) = match format {
        ExportFormat::Xlsx => (
            stem.with_extension("xlsx"),
            export::to_xlsx(&datasets, app.build_time().timestamp())?,
        ),
        ExportFormat::Json => (
            stem.with_extension("json"),
            export::to_json(&datasets)?.into_bytes(),
        ),
    };
    std::fs::write(&path, bytes)?;
    println!("{}", display(&path));
    print_gaps(&datasets);
    Ok(())
}

/// What is missing, and what the datasets found that does not agree.
fn print_gaps(datasets: &Datasets) {
    for gap in &datasets.gaps {
        println!("  不足: {} {}", gap.department, gap.what);
    }
    for finding in &datasets.findings {
        println!("  照合: {}", finding.message);
    }
}
