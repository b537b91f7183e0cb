//! Whether a fiscal year's collection (受付) is open (migration 0012): the planning
//! division closes a year when its submissions are in, and may open it again. A year
//! with no row is open, so a city that never closed one is unchanged.

use crate::domain::FiscalYear;

/// A year's collection as stored: open or closed, since when and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionState {
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// Whether workbooks of the year are taken in.
    pub open: bool,
    /// When it was last opened or closed (UTC stamp).
    pub changed_at: String,
    /// Who opened or closed it: a signed-in address, or the command's operator.
    pub changed_by: String,
}

impl CollectionState {
    /// The state as stored: `open` or `closed`.
    pub fn word(open: bool) -> &'static str {
        if open {
            "open"
        } else {
            "closed"
        }
    }
}

/// The years' collections of a city. Every method keeps to its city.
pub trait Collections {
    /// The year's collection as last opened or closed; `None` when it never was (open).
    fn collection_state(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Option<CollectionState>>;

    /// Opens or closes the year's collection, as of `now`, by `by`. `false` (and
    /// nothing written) when it was stored in that state already: the first closing's
    /// time and person stay.
    fn set_collection(
        &mut self,
        city_code: &str,
        fiscal_year: FiscalYear,
        open: bool,
        now: &str,
        by: &str,
    ) -> anyhow::Result<bool>;

    /// Every year of the city that was ever opened or closed, oldest first.
    fn collections(&self, city_code: &str) -> anyhow::Result<Vec<CollectionState>>;
}

/// The columns every read takes, in the order the backends read them.
pub(crate) const COLUMNS: &str = "fiscal_year, state, changed_at, changed_by";

/// One statement: a new row, or the state changed only when it differs (a repeated
/// close keeps the first one's time and person). Its marks are SQLite's `?1`…; the
/// PostgreSQL backend writes them `$1`….
pub(crate) const UPSERT: &str = "INSERT INTO collections
     (city_code, fiscal_year, state, changed_at, changed_by) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (city_code, fiscal_year) DO UPDATE
     SET state = excluded.state, changed_at = excluded.changed_at,
         changed_by = excluded.changed_by
     WHERE collections.state <> excluded.state";
