//! The application: the configuration read for a command and checked against what
//! the command will use on disk, before it does anything.

mod ready;

use std::path::Path;

use anyhow::Context;

pub use ready::{Needs, MAIL_TEMPLATES, PLAN_FILES, REPORT_TEMPLATES};

use crate::config::Config;

/// Reads a configuration file for a command and checks, besides its values, what
/// the command will use on disk ([`Needs`]): every problem is reported at once.
pub fn load_config(path: &Path, needs: Needs) -> anyhow::Result<Config> {
    let config = Config::read(path)?;
    config
        .check_ready(needs)
        .with_context(|| format!("設定ファイル {} に誤りがあります", path.display()))?;
    Ok(config)
}
