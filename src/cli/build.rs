//! `hakusho build`: a year's reports rebuilt from the store, mailing nothing.

use std::path::PathBuf;

use super::print::display;
use crate::app::App;
use crate::domain::FiscalYear;
use crate::report::year::{build_year, Rebuilt};

/// Builds every report of `fiscal_year` (the configured year when not given) from the
/// store, read and never written, into `out` or the configured reports folder, and
/// prints what it wrote and what changed since the build before. Nothing is queued in
/// the outbox and nothing is sent.
pub(super) async fn build(
    app: &App,
    fiscal_year: Option<FiscalYear>,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let config = app.config();
    let year = fiscal_year.unwrap_or_else(|| config.fiscal_year());
    let dir = out.unwrap_or_else(|| config.paths.reports.clone());
    let built_at = app.build_time();
    let app = app.clone();
    let rebuilt = tokio::task::spawn_blocking(move || {
        // A connection of its own: the build takes minutes on a large year.
        let store = app.store().separate()?;
        build_year(app.config(), &store, year, &dir, built_at)
    })
    .await??;
    print_built(&rebuilt);
    Ok(())
}

/// The files written, what went wrong on the way, what changed, and that nothing was
/// mailed.
fn print_built(rebuilt: &Rebuilt) {
    println!(
        "{} の報告書を作成しました ({} 件):",
        rebuilt.fiscal_year,
        rebuilt.written.len()
    );
    for path in &rebuilt.written {
        println!("  {}", display(path));
    }
    if !rebuilt.problems.is_empty() {
        println!("作成時の問題 ({} 件):", rebuilt.problems.len());
        for problem in &rebuilt.problems {
            println!("  {}", crate::domain::printable(problem));
        }
    }
    for line in rebuilt.changes.lines() {
        println!("{}", crate::domain::printable(&line));
    }
    println!("メールは送っていません(送信待ちにも入れていません)。");
}
