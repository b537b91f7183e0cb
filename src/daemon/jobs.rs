//! The daemon's jobs as the portal sees them ([`crate::web::jobs::Jobs`]): 「今すぐ実行」
//! in the city's turn through the ledger, and the heartbeat `/healthz` reads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::schedule::run_now;
use super::turn::Turn;
use crate::app::App;
use crate::web::jobs::{Jobs, Pending, RunNow};

/// The cities' turns and the daemon's heartbeat.
#[derive(Clone, Default)]
pub struct DaemonJobs {
    turns: BTreeMap<String, Turn>,
    beat: Heartbeat,
}

impl DaemonJobs {
    /// The jobs of cities working in these turns (by city code), beating `beat`.
    pub fn new(turns: BTreeMap<String, Turn>, beat: Heartbeat) -> DaemonJobs {
        DaemonJobs { turns, beat }
    }

    /// The jobs of these cities, each alone in its turn (tests, a portal without the
    /// rest of the daemon), beating now.
    pub fn alone(apps: &[App]) -> DaemonJobs {
        let turns = apps
            .iter()
            .map(|a| (a.config().city.code.clone(), Turn::alone()))
            .collect();
        let beat = Heartbeat::default();
        if let Some(app) = apps.first() {
            beat.beat(app.now());
        }
        DaemonJobs { turns, beat }
    }
}

impl Jobs for DaemonJobs {
    fn run_now(&self, app: &App) -> Pending<RunNow> {
        let turn = self.turns.get(&app.config().city.code).cloned();
        let app = app.clone();
        Box::pin(async move {
            let turn = turn.unwrap_or_else(Turn::alone);
            run_now(&app, &turn).await
        })
    }

    fn last_beat(&self) -> Option<DateTime<Utc>> {
        self.beat.last()
    }
}

/// When the daemon's workers last went round their loop (every half minute): shared,
/// lock-free.
#[derive(Clone, Default)]
pub struct Heartbeat(Arc<AtomicI64>);

impl Heartbeat {
    /// Records a beat at `now`.
    pub fn beat(&self, now: DateTime<Utc>) {
        self.0.store(now.timestamp(), Ordering::Relaxed);
    }

    /// The last beat, if any.
    pub fn last(&self) -> Option<DateTime<Utc>> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            seconds => DateTime::from_timestamp(seconds, 0),
        }
    }
}
