//! The application: the configuration read for a command and checked against what
//! the command will use on disk, and the context built from it once per command or
//! daemon and passed down (the configuration, the clock, the store, the plan, the
//! fonts' coverage, the mailer).

pub mod health;
mod ready;
mod store;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::{Asia::Tokyo, Tz};

pub use ready::{Needs, MAIL_TEMPLATES, PLAN_FILES, REPORT_TEMPLATES};
pub use store::{OpenMode, StoreGuard, StoreHandle};

use crate::config::{Config, DeployedCity};
use crate::domain::Clock;
use crate::intake::Intake;
use crate::mail::Mailer;
use crate::plan::Plan;
use crate::report::Coverage;
use crate::store::{EarlierFigures, Store};

/// Reads a configuration file for a command and checks, besides its values, what
/// the command will use on disk ([`Needs`]): every problem is reported at once. The
/// schedules are judged from the clock's now.
pub fn load_config(path: &Path, needs: Needs, clock: &Clock) -> anyhow::Result<Config> {
    let config = Config::read(path)?;
    config
        .check_ready(needs, clock.now())
        .with_context(|| format!("設定ファイル {} に誤りがあります", path.display()))?;
    Ok(config)
}

/// Checks one city of a deployment for a command, as [`load_config`] checks a file.
pub fn check_city(city: &DeployedCity, needs: Needs, clock: &Clock) -> anyhow::Result<Config> {
    city.config
        .check_ready(needs, clock.now())
        .with_context(|| format!("設定ファイル {} に誤りがあります", city.file.display()))?;
    Ok(city.config.clone())
}

/// What a command or the daemon works with, built once and passed down. Clones share
/// everything. The parts a command may not need (the plan, the fonts, the mailer, the
/// store) are made at first use and kept.
#[derive(Clone)]
pub struct App {
    parts: Arc<Parts>,
}

struct Parts {
    config: Config,
    clock: Clock,
    store: StoreHandle,
    fonts: OnceLock<Arc<Coverage>>,
    mailer: OnceLock<Mailer>,
    shared: Shared,
}

/// What the cities of one process share: the coverage of each set of font files,
/// read once for every city that names the same files (200 cities, one font read).
#[derive(Clone, Default)]
pub struct Shared {
    fonts: Arc<Mutex<HashMap<Vec<PathBuf>, Arc<Coverage>>>>,
}

impl Shared {
    /// The coverage of `config`'s fonts, read the first time a city names those files.
    fn fonts(&self, config: &Config) -> anyhow::Result<Arc<Coverage>> {
        let paths = crate::report::font_paths(config);
        // Read under the lock: two cities starting at once read the files once.
        let mut known = self.fonts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(coverage) = known.get(&paths) {
            return Ok(Arc::clone(coverage));
        }
        let coverage = Arc::new(Coverage::of_files(&paths)?);
        known.insert(paths, Arc::clone(&coverage));
        Ok(coverage)
    }
}

impl App {
    /// The context of a command or the daemon on `config`, reading time from `clock`.
    pub fn new(config: Config, clock: Clock) -> App {
        App::with_store(config, clock, OpenMode::Writable)
    }

    /// Like [`App::new`], with a store whose pages are checked when it is opened: a
    /// damaged store is an error, never an empty answer (`send`).
    pub fn with_checked_store(config: Config, clock: Clock) -> App {
        App::with_store(config, clock, OpenMode::Checked)
    }

    /// Like [`App::new`], the store opened as `mode` says ([`OpenMode::ReadOnly`] for
    /// the commands that only read).
    pub fn with_store(config: Config, clock: Clock, mode: OpenMode) -> App {
        let store = StoreHandle::new(config.store_location(), mode);
        App::sharing(config, clock, store, Shared::default())
    }

    /// One city of several in one process: the store connection and the fonts shared
    /// with the other cities (each city's rows keyed by its code).
    pub fn sharing(config: Config, clock: Clock, store: StoreHandle, shared: Shared) -> App {
        let parts = Parts {
            config,
            clock,
            store,
            fonts: OnceLock::new(),
            mailer: OnceLock::new(),
            shared,
        };
        App {
            parts: Arc::new(parts),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.parts.config
    }

    /// The clock every time is read from.
    pub fn clock(&self) -> &Clock {
        &self.parts.clock
    }

    /// Now, from the clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.parts.clock.now()
    }

    /// The store.
    pub fn store(&self) -> &StoreHandle {
        &self.parts.store
    }

    /// The plan's reference data, read anew at each call and not kept: a daemon that
    /// serves many cities holds no city's plan between its turns, so its memory does
    /// not grow with the cities it serves (reading it takes a few milliseconds).
    pub fn plan(&self) -> anyhow::Result<Plan> {
        Plan::load(&self.config().paths.plan)
    }

    /// The characters the report fonts have, read at first use.
    pub fn fonts(&self) -> anyhow::Result<&Coverage> {
        once(&self.parts.fonts, || self.parts.shared.fonts(self.config())).map(|c| &**c)
    }

    /// The mail transport, made at first use (a missing password is an error then),
    /// its pooled connections kept from one delivery pass to the next. An SMTP
    /// transport's pool lives in the Tokio runtime: the context that made one must be
    /// dropped before its runtime.
    pub fn mailer(&self) -> anyhow::Result<&Mailer> {
        once(&self.parts.mailer, || Mailer::from_config(self.config()))
    }

    /// What intake checks files against: the configuration, the plan (from
    /// [`App::plan`]), the fonts, and the figures of earlier years
    /// ([`App::earlier_figures`]).
    pub fn intake<'a>(
        &'a self,
        plan: &'a Plan,
        earlier: &'a EarlierFigures,
    ) -> anyhow::Result<Intake<'a>> {
        Ok(Intake {
            config: self.config(),
            plan,
            fonts: self.fonts()?,
            earlier,
            upload: None,
        })
    }

    /// The figures of the years before the configured one, from `store`: what intake
    /// compares the year's figures with.
    pub fn earlier_figures(&self, store: &Store) -> anyhow::Result<EarlierFigures> {
        let config = self.config();
        store.earlier_figures(&config.city.code, config.fiscal_year())
    }

    /// The time printed on what is built now: `SOURCE_DATE_EPOCH` when set
    /// (reproducible builds), else the clock's now, in Asia/Tokyo.
    pub fn build_time(&self) -> DateTime<Tz> {
        let fixed = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
        fixed.unwrap_or_else(|| self.now()).with_timezone(&Tokyo)
    }
}

/// The value in `cell`, made by `make` the first time. Two threads may both make it;
/// one is kept (all the parts are read-only once made).
fn once<T>(cell: &OnceLock<T>, make: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<&T> {
    if let Some(value) = cell.get() {
        return Ok(value);
    }
    let value = make()?;
    Ok(cell.get_or_init(|| value))
}
