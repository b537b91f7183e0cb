//! [`RowCopy`] on SQLite: rows as plain values, for `copy-store`.

use rusqlite::types::{Value as SqlValue, ValueRef};

use super::SqliteStore;
use crate::store::copy::{RowCopy, TableRows, Value};

impl RowCopy for SqliteStore {
    fn table_names(&self) -> anyhow::Result<Vec<String>> {
        let mut statement = self.connection.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
        )?;
        let names = statement.query_map([], |r| r.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    fn count_rows(&self, table: &str) -> anyhow::Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        Ok(self.connection.query_row(&sql, [], |r| r.get(0))?)
    }

    fn read_rows(&self, table: &str) -> anyhow::Result<TableRows> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))?;
        let columns: Vec<String> = statement
            .column_names()
            .into_iter()
            .map(String::from)
            .collect();
        let width = columns.len();
        let mut rows = Vec::new();
        let mut cursor = statement.query([])?;
        while let Some(row) = cursor.next()? {
            let values = (0..width)
                .map(|i| value_of(row.get_ref(i)?, table))
                .collect::<anyhow::Result<_>>()?;
            rows.push(values);
        }
        Ok(TableRows { columns, rows })
    }

    fn begin_copy(&mut self, write: bool) -> anyhow::Result<()> {
        // Immediate for the target: its write lock held from the start.
        let sql = if write { "BEGIN IMMEDIATE" } else { "BEGIN" };
        self.connection.execute_batch(sql)?;
        Ok(())
    }

    /// SQLite's row ids need no moving: a new row takes the largest id plus one.
    fn write_rows(&mut self, table: &str, rows: &TableRows) -> anyhow::Result<()> {
        let marks: Vec<String> = (1..=rows.columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            rows.columns.join(", "),
            marks.join(", ")
        );
        let mut statement = self.connection.prepare(&sql)?;
        for row in &rows.rows {
            let values = row.iter().map(sql_value);
            statement.execute(rusqlite::params_from_iter(values))?;
        }
        Ok(())
    }

    fn end_copy(&mut self, commit: bool) -> anyhow::Result<()> {
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        self.connection.execute_batch(sql)?;
        Ok(())
    }
}

/// A stored value as a plain one; a blob is not something hakusho stores.
fn value_of(value: ValueRef<'_>, table: &str) -> anyhow::Result<Value> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec())?),
        ValueRef::Blob(_) => anyhow::bail!("表 {table} に hakusho が書かないバイナリ値があります"),
    })
}

fn sql_value(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(*f),
        Value::Text(t) => SqlValue::Text(t.clone()),
    }
}
