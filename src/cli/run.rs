//! `hakusho run --once`: the whole job once, now.

use std::path::PathBuf;

use anyhow::bail;

use super::print::print_summary;
use crate::app::App;
use crate::daemon::run::{run_once, RunOptions};

/// Runs the whole job once and prints what it did; without `--once`, points to `serve`.
pub(super) async fn run(app: &App, once: bool, out: Option<PathBuf>) -> anyhow::Result<()> {
    if !once {
        bail!("`hakusho run` needs --once; to run on the schedule, start `hakusho serve`");
    }
    let options = RunOptions {
        out,
        ..RunOptions::default()
    };
    print_summary(&run_once(app, options).await?);
    Ok(())
}
