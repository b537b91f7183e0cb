//! `hakusho template`: each department's submission workbook for a fiscal year.

use std::path::Path;

use super::print::display;
use crate::app::App;
use crate::domain::FiscalYear;
use crate::template::write_templates;

/// Writes the workbooks of `fiscal_year` (the argument, whatever year the
/// configuration collects, within the plan period) into `out` and prints their paths.
pub(super) async fn template(
    app: &App,
    fiscal_year: FiscalYear,
    department: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let plan = app.plan()?;
    plan.check_in_period(fiscal_year)?;
    let store = app.store().lock().await?;
    let created = app.build_time().timestamp();
    let config = app.config();
    for path in write_templates(config, &plan, &store, fiscal_year, department, out, created)? {
        println!("{}", display(&path));
    }
    Ok(())
}
