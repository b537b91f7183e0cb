//! The years' collections on PostgreSQL: the same statements as SQLite's (the upsert
//! is one statement: of two replicas closing a year at once, one writes the row).

use postgres::Row;

use super::PostgresStore;
use crate::domain::FiscalYear;
use crate::store::collections::{COLUMNS, UPSERT};
use crate::store::{CollectionState, Collections};

impl Collections for PostgresStore {
    fn collection_state(
        &self,
        city_code: &str,
        fiscal_year: FiscalYear,
    ) -> anyhow::Result<Option<CollectionState>> {
        let year = i64::from(fiscal_year.0);
        self.run(|client| {
            let row = client.query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM collections WHERE city_code = $1 AND fiscal_year = $2"
                ),
                &[&city_code, &year],
            )?;
            row.as_ref().map(read_state).transpose()
        })
    }

    fn set_collection(
        &mut self,
        city_code: &str,
        fiscal_year: FiscalYear,
        open: bool,
        now: &str,
        by: &str,
    ) -> anyhow::Result<bool> {
        let (year, word) = (i64::from(fiscal_year.0), CollectionState::word(open));
        let sql = dollar_marks(UPSERT);
        let changed = self.changed(&sql, &[&city_code, &year, &word, &now, &by])?;
        Ok(changed == 1)
    }

    fn collections(&self, city_code: &str) -> anyhow::Result<Vec<CollectionState>> {
        self.run(|client| {
            let rows = client.query(
                &format!(
                    "SELECT {COLUMNS} FROM collections WHERE city_code = $1 ORDER BY fiscal_year"
                ),
                &[&city_code],
            )?;
            rows.iter().map(read_state).collect()
        })
    }
}

/// SQLite's `?1` marks written as PostgreSQL's `$1`.
fn dollar_marks(sql: &str) -> String {
    sql.replace('?', "$")
}

fn read_state(r: &Row) -> anyhow::Result<CollectionState> {
    let (year, state): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
    Ok(CollectionState {
        fiscal_year: FiscalYear(i32::try_from(year)?),
        open: state == "open",
        changed_at: r.try_get(2)?,
        changed_by: r.try_get(3)?,
    })
}
