//! Opening and closing a fiscal year's collection (受付): the one code behind
//! `hakusho collection` and the console's page. A closed year's workbooks are refused
//! by the intake without being recorded (see [`super::ingest_and_answer`]), so that
//! opening the year again lets the same bytes be submitted as if they were new.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::{printable, stamp, FiscalYear};
use crate::store::{CollectionState, Store};

/// A year's collection as the page and the command show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCollection {
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// The stored state; `None` when the year was never closed (it is open).
    pub state: Option<CollectionState>,
}

impl YearCollection {
    /// Whether the year's workbooks are taken in.
    pub fn is_open(&self) -> bool {
        self.state.as_ref().is_none_or(|s| s.open)
    }

    /// 受付中 or 受付終了.
    pub fn label(&self) -> &'static str {
        label(self.is_open())
    }
}

/// The word for a year's state: 受付中 or 受付終了.
pub fn label(open: bool) -> &'static str {
    if open {
        "受付中"
    } else {
        "受付終了"
    }
}

/// A year that is neither configured nor in the store: its words say which years are
/// (the page answers it with a 400, the command with its error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnknownYear(pub String);

/// What opening or closing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The year is open now (it was closed).
    Opened,
    /// The year is closed now (it was open).
    Closed,
    /// It was open already: nothing changed.
    AlreadyOpen,
    /// It was closed already: nothing changed (the first closing's time stays).
    AlreadyClosed,
}

impl Change {
    /// What the operator and the planning division are told, in Japanese.
    pub fn message(self, year: FiscalYear) -> String {
        match self {
            Change::Opened => format!("{year}の受付を再開しました。提出用ブックをまた受け付けます。"),
            Change::Closed => format!("{year}の受付を締め切りました。この年度の提出用ブックは記録せずに断り、その旨を返信します。"),
            Change::AlreadyOpen => format!("{year}はすでに受付中です。変更はありません。"),
            Change::AlreadyClosed => format!("{year}はすでに受付終了です。変更はありません。"),
        }
    }
}

/// Whether workbooks of the year are refused (it was closed and not opened again).
pub fn is_closed(store: &Store, city_code: &str, year: FiscalYear) -> anyhow::Result<bool> {
    let state = store.collection_state(city_code, year)?;
    Ok(state.is_some_and(|s| !s.open))
}

/// Every year the store or the configuration knows, newest first: the configured
/// year, the years with an accepted submission, and the years ever opened or closed.
pub fn years(config: &Config, store: &Store) -> anyhow::Result<Vec<YearCollection>> {
    let code = &config.city.code;
    let stored = store.collections(code)?;
    let mut known: Vec<FiscalYear> = store.fiscal_years(code)?;
    known.push(config.fiscal_year());
    known.extend(stored.iter().map(|s| s.fiscal_year));
    known.sort_unstable_by(|a, b| b.cmp(a));
    known.dedup();
    Ok(known
        .into_iter()
        .map(|fiscal_year| YearCollection {
            fiscal_year,
            state: stored
                .iter()
                .find(|s| s.fiscal_year == fiscal_year)
                .cloned(),
        })
        .collect())
}

/// Opens (`open`) or closes the year's collection as of `now`, by `by` (a signed-in
/// address, or the command's operator). The year must be one [`years`] lists: a year
/// typed by mistake is refused, not recorded.
pub fn set(
    config: &Config,
    store: &mut Store,
    year: FiscalYear,
    open: bool,
    now: DateTime<Utc>,
    by: &str,
) -> anyhow::Result<Change> {
    let code = &config.city.code;
    let known = years(config, store)?;
    let Some(current) = known.iter().find(|y| y.fiscal_year == year) else {
        return Err(UnknownYear(unknown_year(year, &known)).into());
    };
    if current.is_open() == open {
        return Ok(if open {
            Change::AlreadyOpen
        } else {
            Change::AlreadyClosed
        });
    }
    store.set_collection(code, year, open, &stamp(now), by)?;
    tracing::info!(
        city = %code,
        fiscal_year = %year,
        by = %printable(by),
        "{}の受付を{}",
        year,
        if open { "再開しました" } else { "締め切りました" }
    );
    Ok(if open { Change::Opened } else { Change::Closed })
}

/// Why a year cannot be opened or closed, and the years that can.
fn unknown_year(year: FiscalYear, known: &[YearCollection]) -> String {
    let names: Vec<String> = known.iter().map(|y| y.fiscal_year.to_string()).collect();
    format!(
        "{year}は受付を開け閉めできる年度ではありません。設定の年度か、受理した提出のある年度を指定してください: {}",
        names.join("、")
    )
}
