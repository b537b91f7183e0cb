//! The daemon: scheduled jobs that never miss or double, and the delivery worker.
//!
//! tokio-cron-scheduler (Asia/Tokyo) only wakes the daemon up; what runs is decided by
//! [`run_due_jobs_once`] against the ledger in the store:
//! - a job runs for its latest scheduled time at or before now, if that time is within
//!   `schedule.catch_up_hours` and not in the ledger yet, so a run missed while the
//!   process was down is caught up once at start-up, and a time is never run twice;
//! - a job with an unfinished run in the ledger is not started again (no overlap, even
//!   across daemons sharing a database); at start-up, an unfinished run left by a
//!   process that stopped is resumed: its mail is keyed by what it contains (the
//!   inputs' digest), so the resumed run sends nothing twice;
//! - a failing run is recorded and logged; the scheduler goes on;
//! - on SIGTERM or Ctrl-C the daemon stops ticking and waits for the running job.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::{Asia::Tokyo, Tz};
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::{Config, CronSchedule};
use crate::job::{run_once, RunOptions};
use crate::mail::Mailer;
use crate::notices;
use crate::outbox::{self, stamp};
use crate::store::Store;

/// The annual run: ingest, consolidate, build every report, mail them.
pub const ANNUAL_RUN: &str = "annual_run";

/// What a pass of [`run_due_jobs_once`] did with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub job: String,
    pub scheduled_for: String,
    /// `ok`, or the error.
    pub outcome: String,
}

/// The configured jobs with their schedules.
pub fn jobs(config: &Config) -> Vec<(&'static str, &CronSchedule)> {
    let schedule = &config.schedule;
    let optional = [
        (notices::REMINDERS, &schedule.reminders),
        (notices::ESCALATION, &schedule.escalation),
        (notices::DIGEST, &schedule.digest),
    ];
    std::iter::once((ANNUAL_RUN, &schedule.annual_run))
        .chain(
            optional
                .into_iter()
                .filter_map(|(name, cron)| cron.as_ref().map(|c| (name, c))),
        )
        .collect()
}

/// The latest time the schedule fires at or before `now` (Asia/Tokyo), if it is
/// within the catch-up window.
pub fn latest_due(
    cron: &CronSchedule,
    now: DateTime<Utc>,
    window_hours: u32,
) -> Option<DateTime<Tz>> {
    // Cron fires on whole seconds, and the tick that wakes us comes a little after.
    let local = now.with_timezone(&Tokyo).trunc_subsecs(0);
    let due = if cron.cron.is_time_matching(&local).unwrap_or(false) {
        local
    } else {
        cron.cron
            .find_previous_occurrence(&local, false)
            .ok()?
            .with_timezone(&Tokyo)
    };
    (local.signed_duration_since(due) <= chrono::Duration::hours(i64::from(window_hours)))
        .then_some(due)
}

/// The next time a schedule fires, in Asia/Tokyo.
pub fn next_occurrence(cron: &CronSchedule) -> Option<DateTime<Tz>> {
    let now = Utc::now().with_timezone(&Tokyo);
    cron.cron.find_next_occurrence(&now, false).ok()
}

/// The Japanese name of a job, for what staff read.
pub fn job_label(job: &str) -> &'static str {
    match job {
        ANNUAL_RUN => "年次実行",
        notices::REMINDERS => "提出の督促",
        notices::ESCALATION => "期限超過の報告",
        notices::DIGEST => "週次の提出状況",
        _ => "その他のジョブ",
    }
}

/// Runs every job whose latest scheduled time is due and not yet in the ledger.
pub async fn run_due_jobs_once(config: &Config, now: DateTime<Utc>) -> anyhow::Result<Vec<Ran>> {
    let mut ran = Vec::new();
    for (job, cron) in jobs(config) {
        let Some(due) = latest_due(cron, now, config.schedule.catch_up_hours) else {
            continue;
        };
        let scheduled_for = stamp(due.with_timezone(&Utc).trunc_subsecs(0));
        {
            let mut store = Store::open(&config.paths.database)?;
            if let Some(running) = store.unfinished_run(&config.city.code, job)? {
                tracing::warn!(job, running = %running.scheduled_for, "previous run not finished; not starting another");
                continue;
            }
            if !store.claim_run(&config.city.code, job, &scheduled_for, &stamp(Utc::now()))? {
                continue;
            }
        }
        ran.push(execute(config, job, &scheduled_for).await?);
    }
    Ok(ran)
}

/// Runs again the runs a stopped process left unfinished.
pub async fn resume_unfinished(config: &Config) -> anyhow::Result<Vec<Ran>> {
    let mut ran = Vec::new();
    for (job, _) in jobs(config) {
        let unfinished =
            Store::open(&config.paths.database)?.unfinished_run(&config.city.code, job)?;
        if let Some(run) = unfinished {
            tracing::info!(job, scheduled_for = %run.scheduled_for, "resuming an interrupted run");
            ran.push(execute(config, job, &run.scheduled_for).await?);
        }
    }
    Ok(ran)
}

/// Runs one claimed job and closes its ledger entry, whatever the outcome.
async fn execute(config: &Config, job: &str, scheduled_for: &str) -> anyhow::Result<Ran> {
    let result = if job == ANNUAL_RUN {
        // The run's mail is keyed by what it contains, so a resumed run sends nothing twice.
        run_once(config, RunOptions::default())
            .await
            .map(|summary| summary.mailed.len())
    } else {
        let time = DateTime::parse_from_rfc3339(scheduled_for)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now());
        notices::run(config, job, time).await
    };
    let outcome = match result {
        Ok(messages) => {
            tracing::info!(job, scheduled_for, messages, "run finished");
            "ok".to_string()
        }
        Err(error) => {
            tracing::error!(job, scheduled_for, "run failed: {error:#}");
            format!("failed: {error:#}")
        }
    };
    let mut store = Store::open(&config.paths.database)?;
    store.finish_run(
        &config.city.code,
        job,
        scheduled_for,
        &stamp(Utc::now()),
        &outcome,
    )?;
    Ok(Ran {
        job: job.to_string(),
        scheduled_for: scheduled_for.to_string(),
        outcome,
    })
}

/// Runs until asked to stop.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    // Listen for SIGTERM/Ctrl-C before anything runs, so a stop during the start-up
    // catch-up drains it like any other run.
    let stop = StopSignal::listen()?;
    // Built once: a bad mail setting (a missing password) stops start-up, and the
    // worker keeps its pooled connections from one pass to the next.
    let mailer = Mailer::from_config(&config)?;
    let config = Arc::new(config);
    // One thing at a time: a run, an intake from the inbox, or a delivery pass.
    let running = Arc::new(Mutex::new(()));
    let startup = {
        let (config, guard) = (Arc::clone(&config), Arc::clone(&running).lock_owned().await);
        tokio::spawn(async move {
            let _guard = guard;
            if let Err(error) = catch_up(&config).await {
                tracing::error!("catching up at start-up failed: {error:#}");
            }
        })
    };
    let mut scheduler = JobScheduler::new()
        .await
        .context("starting the scheduler")?;
    for (name, cron) in jobs(&config) {
        let (config, running) = (Arc::clone(&config), Arc::clone(&running));
        let job = Job::new_async_tz(cron.expression.as_str(), Tokyo, move |_id, _scheduler| {
            let (config, running) = (Arc::clone(&config), Arc::clone(&running));
            Box::pin(async move { tick(&config, &running).await })
        })
        .with_context(|| format!("schedule.{name}: {}", cron.expression))?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    let worker = tokio::spawn(delivery_worker(
        Arc::clone(&config),
        mailer,
        Arc::clone(&running),
    ));
    let watcher = tokio::spawn(crate::watch::watch_inbox(
        Arc::clone(&config),
        Arc::clone(&running),
    ));
    tracing::info!(next = ?next_occurrence(&config.schedule.annual_run), "hakusho is serving");
    stop.wait().await;
    tracing::info!("stopping: no new runs; waiting for the running one");
    scheduler.shutdown().await?;
    worker.abort();
    watcher.abort();
    let grace = Duration::from_secs(config.schedule.shutdown_grace_seconds);
    if tokio::time::timeout(grace, running.lock()).await.is_err() {
        tracing::warn!(
            "the running job did not finish in time; it will be resumed at the next start"
        );
    }
    startup.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Resumes what a stopped process left unfinished, then runs what was missed.
async fn catch_up(config: &Config) -> anyhow::Result<()> {
    resume_unfinished(config).await?;
    run_due_jobs_once(config, Utc::now()).await?;
    Ok(())
}

async fn tick(config: &Config, running: &Mutex<()>) {
    // Wait for a run or an intake in progress: a tick must not be lost (the annual run
    // fires once a year). The ledger keeps each scheduled time to one run.
    let _guard = running.lock().await;
    if let Err(error) = run_due_jobs_once(config, Utc::now()).await {
        tracing::error!("scheduled run failed: {error:#}");
    }
}

/// Retries pending mail every half minute, between runs.
async fn delivery_worker(config: Arc<Config>, mailer: Mailer, running: Arc<Mutex<()>>) {
    let mut interval = tokio::time::interval(Duration::from_secs(30));
    loop {
        interval.tick().await;
        let Ok(_guard) = running.try_lock() else {
            continue;
        };
        let result = async {
            let mut store = Store::open(&config.paths.database)?;
            outbox::deliver_once(&config, &mut store, &mailer, Utc::now()).await
        }
        .await;
        if let Err(error) = result {
            tracing::error!("delivery failed: {error:#}");
        }
    }
}

/// SIGTERM or Ctrl-C, listened for from the moment it is created.
struct StopSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn listen() -> anyhow::Result<StopSignal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignal {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignal {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
