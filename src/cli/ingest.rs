//! `hakusho ingest`: takes in the given workbooks and answers each with its receipt.

use std::path::PathBuf;

use super::print::print_summary;
use crate::app::App;
use crate::daemon::run::ingest_files;

/// Takes in `files` and prints what happened to each and the mail sent.
pub(super) async fn ingest(app: &App, files: Vec<PathBuf>) -> anyhow::Result<()> {
    print_summary(&ingest_files(app, files).await?);
    Ok(())
}
