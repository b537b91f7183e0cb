//! The years' collections on SQLite.

use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::domain::FiscalYear;
use crate::store::collections::{COLUMNS, UPSERT};
use crate::store::{CollectionState, Collections};

impl Collections for SqliteStore {
    fn collection_state(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Option<CollectionState>> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM collections WHERE city_code = ?1 AND fiscal_year = ?2"
                ),
                params![city_code, fiscal_year.0],
                read_state,
            )
            .optional()?)
    }

    fn set_collection(
        &mut self,
        city_code: &str,
        fiscal_year: FiscalYear,
        open: bool,
        now: &str,
        by: &str,
    ) -> anyhow::Result<bool> {
        let word = CollectionState::word(open);
        let changed = self
            .connection
            .execute(UPSERT, params![city_code, fiscal_year.0, word, now, by])?;
        Ok(changed == 1)
    }

    fn collections(&self, city_code: &str) -> anyhow::Result<Vec<CollectionState>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {COLUMNS} FROM collections WHERE city_code = ?1 ORDER BY fiscal_year"
        ))?;
        let rows = statement.query_map(params![city_code], read_state)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn read_state(r: &rusqlite::Row) -> rusqlite::Result<CollectionState> {
    let state: String = r.get(1)?;
    Ok(CollectionState {
        fiscal_year: FiscalYear(r.get(0)?),
        open: state == "open",
        changed_at: r.get(2)?,
        changed_by: r.get(3)?,
    })
}
