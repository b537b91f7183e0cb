//! `hakusho explain`: where every value of an indicator, KPI or item came from.

use anyhow::bail;

use crate::app::App;
use crate::consolidate;
use crate::domain::FiscalYear;

/// Prints the lineage of `item` in `fiscal_year` (the configured year when not given).
pub(super) async fn explain(
    app: &App,
    item: &str,
    fiscal_year: Option<FiscalYear>,
) -> anyhow::Result<()> {
    let year = fiscal_year.unwrap_or(app.config().fiscal_year());
    let datasets = {
        let store = app.store().lock().await?;
        consolidate::read_from_store(app.config(), &store, year)?
    };
    match consolidate::explain(&datasets, item) {
        Some(lineage) => {
            print!("{}", lineage.text());
            Ok(())
        }
        None => bail!("「{item}」という指標・KPI・個別課題はありません"),
    }
}
