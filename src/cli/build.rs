//! `hakusho build`: a year's reports rebuilt from the store, mailing nothing.

use std::path::PathBuf;

use super::print::display;
use crate::app::App;
use crate::consolidate;
use crate::domain::FiscalYear;
use crate::report::build::reports_of;
use crate::report::{self, Built};

/// Builds every report of `fiscal_year` (the configured year when not given) from the
/// store, read and never written, into `out` or the configured reports folder, and
/// prints what it wrote. Nothing is queued in the outbox and nothing is sent.
pub(super) async fn build(
    app: &App,
    fiscal_year: Option<FiscalYear>,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let config = app.config();
    let year = fiscal_year.unwrap_or_else(|| config.fiscal_year());
    let datasets = {
        let store = app.store().lock().await?;
        consolidate::read_from_store(config, &store, year)?
    };
    let built_at = app.build_time();
    let (built, files) = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || reports_of(&config, datasets, built_at)).await??
    };
    let dir = out.unwrap_or_else(|| config.paths.reports.clone());
    let written = report::write_reports(&dir, built.fiscal_year(), &files)?;
    print_built(&built, &written);
    Ok(())
}

/// The files written, what went wrong on the way, and that nothing was mailed.
fn print_built(built: &Built, written: &[PathBuf]) {
    println!(
        "{} の報告書を作成しました ({} 件):",
        built.fiscal_year(),
        written.len()
    );
    for path in written {
        println!("  {}", display(path));
    }
    if !built.problems.is_empty() {
        println!("作成時の問題 ({} 件):", built.problems.len());
        for problem in &built.problems {
            println!("  {}", crate::domain::printable(problem));
        }
    }
    println!("メールは送っていません(送信待ちにも入れていません)。");
}
