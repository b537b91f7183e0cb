//! Copying a whole store from one database to another (`hakusho copy-store`): how a
//! city moves from SQLite to PostgreSQL, and back for a backup.
//!
//! Each backend reads and writes rows as plain values ([`RowCopy`]); [`copy_store`]
//! moves them table by table, parents first, into an empty target of the same schema
//! version, in one transaction on the target, ids kept.

use anyhow::Context;

use super::Store;

/// One stored value, as both databases hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// An integer (ids, positions, years, flags).
    Integer(i64),
    /// A floating-point number (an observation's value).
    Real(f64),
    /// Text (names, states, times).
    Text(String),
}

/// A table's rows, each value in the order of `columns`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRows {
    /// The column names.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

/// Every table of the store, parents before children: the order rows are written in
/// (`schema_migrations` is the target's own, made by its migrations).
pub const TABLES: &[&str] = &[
    "submissions",
    "findings",
    "department_profiles",
    "priority_projects",
    "indicators",
    "observations",
    "policy_progress",
    "action_item_reports",
    "kpi_values",
    "plan_snapshots",
    "messages",
    "message_attachments",
    "deliveries",
    "job_runs",
    "delivery_pauses",
    "sign_in_links",
    "web_sessions",
    "collections",
];

/// A database's rows as plain values: what `copy-store` needs of a backend. The table
/// names given are always from [`TABLES`].
pub trait RowCopy {
    /// The names of the tables the database holds (its own bookkeeping aside).
    fn table_names(&self) -> anyhow::Result<Vec<String>>;

    /// How many rows `table` holds.
    fn count_rows(&self, table: &str) -> anyhow::Result<i64>;

    /// Every row of `table`, in the order of its first column.
    fn read_rows(&self, table: &str) -> anyhow::Result<TableRows>;

    /// Starts the one transaction of a copy: a consistent snapshot to read from
    /// (`write` false), or the target's writes (`write` true).
    fn begin_copy(&mut self, write: bool) -> anyhow::Result<()>;

    /// Writes rows into `table`, their ids as given; afterwards an id made by the
    /// database comes after every id copied.
    fn write_rows(&mut self, table: &str, rows: &TableRows) -> anyhow::Result<()>;

    /// Ends the transaction: commits it, or rolls it back.
    fn end_copy(&mut self, commit: bool) -> anyhow::Result<()>;
}

/// Copies every row of `source` into `target` (freshly migrated, empty, the same
/// schema version), in one transaction on the target. Returns each table's row count,
/// checked equal on both sides after the copy.
pub fn copy_store(source: &mut Store, target: &mut Store) -> anyhow::Result<Vec<(String, i64)>> {
    check_versions(source, target)?;
    check_tables_known(source)?;
    source.begin_copy(false)?;
    let copied = copy_tables(source, target);
    source.end_copy(false)?;
    copied?;
    compare_counts(source, target)
}

/// Both stores are at one schema version: their tables and columns are the same.
fn check_versions(source: &Store, target: &Store) -> anyhow::Result<()> {
    let (from, to) = (source.schema_version()?, target.schema_version()?);
    if from != to {
        anyhow::bail!(
            "コピー元は版 {from}、コピー先は版 {to} です。両方を `hakusho migrate` で同じ版にしてからコピーしてください"
        );
    }
    Ok(())
}

/// A table this hakusho does not know would be left behind: refused, named.
fn check_tables_known(source: &Store) -> anyhow::Result<()> {
    for table in source.table_names()? {
        if !TABLES.contains(&table.as_str()) {
            anyhow::bail!(
                "コピー元に知らない表 {table} があります。この hakusho ではすべてをコピーできません"
            );
        }
    }
    Ok(())
}

/// The target must hold no row: a copy never merges into a store in use.
fn check_empty(target: &Store) -> anyhow::Result<()> {
    for table in TABLES {
        let rows = target.count_rows(table)?;
        if rows > 0 {
            anyhow::bail!(
                "コピー先の表 {table} にすでに {rows} 行あります。空の(移行しただけの)データベースを指定してください"
            );
        }
    }
    Ok(())
}

/// Every table, parents first, in one transaction on the target (rolled back on error).
fn copy_tables(source: &Store, target: &mut Store) -> anyhow::Result<()> {
    target.begin_copy(true)?;
    // Checked inside the target's transaction (on SQLite, under its write lock).
    let written = check_empty(target).and_then(|()| {
        TABLES.iter().try_for_each(|table| {
            let rows = source
                .read_rows(table)
                .with_context(|| format!("コピー元の表 {table} を読めません"))?;
            target
                .write_rows(table, &rows)
                .with_context(|| format!("コピー先の表 {table} に書けません"))
        })
    });
    match written {
        Ok(()) => target.end_copy(true),
        Err(error) => {
            // The error that stopped the copy is the one to report.
            let _ = target.end_copy(false);
            Err(error)
        }
    }
}

/// Each table's rows on both sides, which must be equal.
fn compare_counts(source: &Store, target: &Store) -> anyhow::Result<Vec<(String, i64)>> {
    TABLES
        .iter()
        .map(|table| {
            let (from, to) = (source.count_rows(table)?, target.count_rows(table)?);
            if from != to {
                anyhow::bail!("表 {table} の行数が合いません(コピー元 {from}、コピー先 {to})");
            }
            Ok((table.to_string(), to))
        })
        .collect()
}
