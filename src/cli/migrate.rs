//! `hakusho migrate` and `hakusho copy-store`: the store's schema brought up to date,
//! and the whole store copied into another database (how a city moves from SQLite to
//! PostgreSQL, and back for a backup).

use std::path::PathBuf;

use crate::app::App;
use crate::config::Deployment;
use crate::store::copy::copy_store;
use crate::store::{latest_version, OpenMode, Store, StoreLocation};

/// Applies the migrations to the store of every city `wanted` selects (each distinct
/// store once: the cities of a deployment usually share one) and prints the version
/// before and after.
pub(super) fn migrate_each(deployment: &Deployment, wanted: Option<&str>) -> anyhow::Result<()> {
    let mut done: Vec<StoreLocation> = Vec::new();
    for city in deployment.select(wanted)? {
        let location = city.config.store_location();
        if !done.contains(&location) {
            migrate(&location)?;
            done.push(location);
        }
    }
    Ok(())
}

/// Applies the migrations to the store at `location` (SQLite or PostgreSQL) and prints
/// the version before and after.
fn migrate(location: &StoreLocation) -> anyhow::Result<()> {
    let location = location.clone();
    println!("保存先: {location}");
    let before = Store::version_at(&location)?;
    let after = Store::connect(&location, OpenMode::Writable)?.schema_version()?;
    println!("移行前の版: {before}");
    println!("移行後の版: {after}");
    let latest = latest_version();
    if before == after {
        println!("すでに最新です(この hakusho の版は {latest})。");
    } else {
        println!("版 {before} から版 {after} に移行しました。");
    }
    if after > latest {
        println!(
            "注意: この保存先は、この hakusho(版 {latest})より新しい hakusho で作られています。"
        );
    }
    Ok(())
}

/// Where `--to` points: a PostgreSQL URL, or else a SQLite file. Another scheme
/// (`mysql://…`) is refused, never taken for a file name.
fn target_of(to: &str, password_env: &str) -> anyhow::Result<StoreLocation> {
    if to.starts_with("postgres://") || to.starts_with("postgresql://") {
        return Ok(StoreLocation::Postgres {
            url: to.to_string(),
            password_env: password_env.to_string(),
        });
    }
    if let Some((scheme, _)) = to.split_once("://") {
        anyhow::bail!(
            "コピー先 {scheme}:// は使えません。PostgreSQL の URL (postgres://…) か SQLite のファイルのパスを書いてください"
        );
    }
    Ok(StoreLocation::Sqlite(PathBuf::from(to)))
}

/// Copies every row of the configured store into the empty store at `to` (created and
/// migrated when need be), in one transaction there, and prints each table's rows.
pub(super) fn copy_store_to(app: &App, to: &str, password_env: &str) -> anyhow::Result<()> {
    let from = app.config().store_location();
    let to = target_of(to, password_env)?;
    if from == to {
        anyhow::bail!("コピー元とコピー先が同じ保存先です({to})");
    }
    println!("コピー元: {from}");
    println!("コピー先: {to}");
    let mut source = Store::connect(&from, OpenMode::ReadOnly)?;
    let mut target = Store::connect(&to, OpenMode::Writable)?;
    let counts = copy_store(&mut source, &mut target)?;
    let width = counts.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    for (table, rows) in &counts {
        println!("  {table:<width$}  {rows} 行");
    }
    let total: i64 = counts.iter().map(|(_, rows)| rows).sum();
    println!(
        "{} 表、{total} 行をコピーしました(行数はコピー元と同じです)。",
        counts.len()
    );
    Ok(())
}
