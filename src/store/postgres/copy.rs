//! [`RowCopy`] on PostgreSQL: rows as plain values, for `copy-store`. Values are
//! bound by the column's type (BIGINT, DOUBLE PRECISION or TEXT, the only ones the
//! migrations use).

use postgres::types::{ToSql, Type};
use postgres::{Client, Row};

use super::PostgresStore;
use crate::store::copy::{RowCopy, TableRows, Value};

impl RowCopy for PostgresStore {
    fn table_names(&self) -> anyhow::Result<Vec<String>> {
        self.run(|client| {
            let rows = client.query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                   AND table_name <> 'schema_migrations' ORDER BY 1",
                &[],
            )?;
            rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
        })
    }

    fn count_rows(&self, table: &str) -> anyhow::Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.run(|client| Ok(client.query_one(&sql, &[])?.try_get(0)?))
    }

    fn read_rows(&self, table: &str) -> anyhow::Result<TableRows> {
        let sql = format!("SELECT * FROM {table} ORDER BY 1");
        self.run(|client| {
            let statement = client.prepare(&sql)?;
            let columns = statement
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect();
            let rows = client.query(&statement, &[])?;
            let rows = rows
                .iter()
                .map(|r| values_of(r, table))
                .collect::<anyhow::Result<_>>()?;
            Ok(TableRows { columns, rows })
        })
    }

    fn begin_copy(&mut self, write: bool) -> anyhow::Result<()> {
        // A copy reads one snapshot of the source, however long it takes.
        let sql = if write {
            "BEGIN"
        } else {
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        };
        self.run(|client| Ok(client.batch_execute(sql)?))
    }

    fn write_rows(&mut self, table: &str, rows: &TableRows) -> anyhow::Result<()> {
        self.run(|client| {
            insert_rows(client, table, rows)?;
            if rows.columns.iter().any(|c| c == "id") {
                move_identity_past(client, table)?;
            }
            Ok(())
        })
    }

    fn end_copy(&mut self, commit: bool) -> anyhow::Result<()> {
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        self.run(|client| Ok(client.batch_execute(sql)?))
    }
}

/// Inserts every row, each value bound as its column's type.
fn insert_rows(client: &mut Client, table: &str, rows: &TableRows) -> anyhow::Result<()> {
    let marks: Vec<String> = (1..=rows.columns.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        rows.columns.join(", "),
        marks.join(", ")
    );
    let statement = client.prepare(&sql)?;
    for row in &rows.rows {
        let bound = row
            .iter()
            .zip(statement.params())
            .zip(&rows.columns)
            .map(|((value, ty), column)| bind(value, ty, table, column))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let params: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| b.as_ref()).collect();
        client.execute(&statement, &params)?;
    }
    Ok(())
}

/// The identity sequence of `table.id` set after the largest id copied, so that the
/// next row the database numbers does not collide with a copied one.
fn move_identity_past(client: &mut Client, table: &str) -> anyhow::Result<()> {
    client.execute(
        &format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                           (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        ),
        &[],
    )?;
    Ok(())
}

/// A plain value as a parameter of the column's type.
fn bind(
    value: &Value,
    ty: &Type,
    table: &str,
    column: &str,
) -> anyhow::Result<Box<dyn ToSql + Sync>> {
    Ok(match (*ty == Type::INT8, *ty == Type::FLOAT8, value) {
        (true, _, Value::Integer(i)) => Box::new(*i),
        (true, _, Value::Null) => Box::new(None::<i64>),
        (_, true, Value::Real(f)) => Box::new(*f),
        // SQLite may hand a whole number of a REAL column back as an integer.
        (_, true, Value::Integer(i)) => Box::new(*i as f64),
        (_, true, Value::Null) => Box::new(None::<f64>),
        (false, false, Value::Text(t)) if *ty == Type::TEXT => Box::new(t.clone()),
        (false, false, Value::Null) if *ty == Type::TEXT => Box::new(None::<String>),
        _ => anyhow::bail!("表 {table} の列 {column}({ty})に書けない値です: {value:?}"),
    })
}

/// A row's values, each read by its column's type.
fn values_of(row: &Row, table: &str) -> anyhow::Result<Vec<Value>> {
    row.columns()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let ty = column.type_();
            let value = if *ty == Type::INT8 {
                row.try_get::<_, Option<i64>>(i)?.map(Value::Integer)
            } else if *ty == Type::FLOAT8 {
                row.try_get::<_, Option<f64>>(i)?.map(Value::Real)
            } else if *ty == Type::TEXT {
                row.try_get::<_, Option<String>>(i)?.map(Value::Text)
            } else {
                anyhow::bail!(
                    "表 {table} の列 {}({ty})は hakusho が書かない型です",
                    column.name()
                )
            };
            Ok(value.unwrap_or(Value::Null))
        })
        .collect()
}
