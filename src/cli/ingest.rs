//! `hakusho ingest`: takes in the given workbooks and answers each with its receipt.

use std::path::PathBuf;

use super::print::{print_summary, refused_files};
use super::refused::{refused_if_any, Refused};
use crate::app::App;
use crate::daemon::run::ingest_files;

/// Takes in `files` and prints what happened to each and the mail sent; a file sent
/// back makes the exit status 1.
pub(super) async fn ingest(app: &App, files: Vec<PathBuf>) -> anyhow::Result<()> {
    let summary = ingest_files(app, files).await?;
    print_summary(&summary);
    refused_if_any(refused_files(&summary, true), Refused::SentBack)
}
