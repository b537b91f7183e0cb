//! `hakusho collection`: each fiscal year's collection (受付中 / 受付終了, when and by
//! whom), or closing or opening one, through the code the console's page uses.

use super::print::tokyo_time;
use crate::app::App;
use crate::domain::{printable, FiscalYear};
use crate::intake::collection::{self, YearCollection};

/// What `collection` does besides listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// The list of years.
    List,
    /// Opens the year (`true`) or closes it (`false`).
    Set(bool),
}

/// Lists the years, or opens or closes one (the configured year when none is given)
/// and says what changed.
pub(super) async fn collection(
    app: &App,
    action: Action,
    year: Option<FiscalYear>,
) -> anyhow::Result<()> {
    let config = app.config();
    let mut store = app.store().lock().await?;
    let Action::Set(open) = action else {
        return list(app, &collection::years(config, &store)?);
    };
    let year = year.unwrap_or(config.fiscal_year());
    let change = collection::set(config, &mut store, year, open, app.now(), &operator())?;
    println!("{} {}", config.city.name, change.message(year));
    Ok(())
}

/// Who changed it, as the page shows it: the command, and the user who ran it.
fn operator() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME"));
    match user {
        Ok(user) if !user.is_empty() => format!("コマンド操作({})", printable(&user)),
        _ => "コマンド操作".to_string(),
    }
}

/// One line per year, newest first.
fn list(app: &App, years: &[YearCollection]) -> anyhow::Result<()> {
    println!("{} の年度ごとの受付:", app.config().city.name);
    for year in years {
        match &year.state {
            Some(state) => println!(
                "  {}: {} ({} {})",
                year.fiscal_year,
                year.label(),
                tokyo_time(&state.changed_at),
                printable(&state.changed_by)
            ),
            None => println!("  {}: {}", year.fiscal_year, year.label()),
        }
    }
    Ok(())
}
