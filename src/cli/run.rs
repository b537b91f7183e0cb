//! `hakusho run --once`: the whole job once, now.

use std::path::PathBuf;

use anyhow::bail;

use super::print::{print_summary, refused_files};
use super::refused::{refused_if_any, Refused};
use crate::app::App;
use crate::daemon::run::{run_once, RunOptions};

/// Runs the whole job once and prints what it did (a file of this run sent back makes
/// the exit status 1); without `--once`, points to `serve`.
pub(super) async fn run(app: &App, once: bool, out: Option<PathBuf>) -> anyhow::Result<()> {
    if !once {
        bail!("`hakusho run` needs --once; to run on the schedule, start `hakusho serve`");
    }
    let options = RunOptions {
        out,
        ..RunOptions::default()
    };
    let summary = run_once(app, options).await?;
    print_summary(&summary);
    refused_if_any(refused_files(&summary, false), Refused::SentBack)
}
