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

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::{Asia::Tokyo, Tz};

use crate::app::App;
use crate::config::{Config, CronSchedule};
use crate::daemon::run::{run_once, RunOptions};
use crate::daemon::turn::Turn;
use crate::domain::stamp;
use crate::mail::notices;
use crate::store::{RunLease, RunOutcome};
use crate::web::jobs::RunNow;

pub use crate::store::{job_label, ANNUAL_RUN};

/// What a pass of [`run_due_jobs_once`] did with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// The job's name (`annual_run`, `reminders`, …).
    pub job: String,
    /// The slot it ran for, a UTC stamp.
    pub scheduled_for: String,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Why it failed, when it did (the error with its causes).
    pub failure: Option<String>,
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

/// The next time a schedule fires after `now`, in Asia/Tokyo.
pub fn next_occurrence(cron: &CronSchedule, now: DateTime<Utc>) -> Option<DateTime<Tz>> {
    let now = now.with_timezone(&Tokyo);
    cron.cron.find_next_occurrence(&now, false).ok()
}

/// Runs every job whose latest scheduled time (at or before the clock's now) is due
/// and not yet in the ledger, and takes over a run whose daemon died (its lease ran
/// out).
pub async fn run_due_jobs_once(app: &App) -> anyhow::Result<Vec<Ran>> {
    let mut ran = resume_unfinished(app).await?;
    let config = app.config();
    let now = app.now();
    for (job, cron) in jobs(config) {
        let Some(due) = latest_due(cron, now, config.schedule.catch_up_hours) else {
            continue;
        };
        let scheduled_for = stamp(due.with_timezone(&Utc).trunc_subsecs(0));
        if claim(app, job, &scheduled_for).await? {
            ran.push(execute(app, job, &scheduled_for).await?);
        }
    }
    Ok(ran)
}

/// Enters a run of `job` for `scheduled_for` in the ledger, unless the job has an
/// unfinished run or the time is there already (another daemon ran it).
async fn claim(app: &App, job: &str, scheduled_for: &str) -> anyhow::Result<bool> {
    let city = &app.config().city.code;
    let mut store = app.store().lock().await?;
    if let Some(running) = store.unfinished_run(city, job)? {
        tracing::warn!(job, running = %running.scheduled_for, "前回の実行が終わっていないため、新しい実行は始めません");
        return Ok(false);
    }
    store.claim_run(city, job, scheduled_for, &stamp(app.now()), &lease(app))
}

/// Runs again the unfinished runs whose lease ran out: their daemon stopped (killed,
/// or past its grace at shutdown). A run another daemon still holds is left alone.
pub async fn resume_unfinished(app: &App) -> anyhow::Result<Vec<Ran>> {
    let mut ran = Vec::new();
    for (job, _) in jobs(app.config()) {
        if let Some(scheduled_for) = take_over(app, job).await? {
            tracing::info!(job, scheduled_for = %scheduled_for, "止まったデーモンの実行を引き継いでやり直します");
            ran.push(execute(app, job, &scheduled_for).await?);
        }
    }
    Ok(ran)
}

/// Takes over the unfinished run of `job` if its lease ran out; its scheduled time.
async fn take_over(app: &App, job: &str) -> anyhow::Result<Option<String>> {
    let city = &app.config().city.code;
    let mut store = app.store().lock().await?;
    let Some(run) = store.unfinished_run(city, job)? else {
        return Ok(None);
    };
    let now = stamp(app.now());
    let taken = store.take_over_run(city, job, &run.scheduled_for, &now, &lease(app))?;
    Ok(taken.then_some(run.scheduled_for))
}

/// This process's name in the ledger: host, process id and start time, so a restarted
/// daemon with a reused pid is still another owner.
fn process_owner(app: &App) -> &'static str {
    static OWNER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OWNER.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let started = app.now().timestamp_nanos_opt().unwrap_or_default();
        format!("{}:{}:{started}", host.trim(), std::process::id())
    })
}

/// A lease from now, held by this process.
fn lease(app: &App) -> RunLease {
    let seconds = app.config().schedule.run_lease_seconds as i64;
    RunLease {
        owner: process_owner(app).to_string(),
        until: stamp(app.now() + chrono::Duration::seconds(seconds)),
    }
}

/// Renews the lease of a run every third of its length until aborted, over a
/// connection of its own: the run holds the application's store meanwhile.
fn keep_lease(app: &App, job: &str, scheduled_for: &str) -> tokio::task::JoinHandle<()> {
    let app = app.clone();
    let (job, scheduled_for) = (job.to_string(), scheduled_for.to_string());
    let every = Duration::from_secs((app.config().schedule.run_lease_seconds / 3).max(1));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let city = &app.config().city.code;
            let renewed = app
                .store()
                .separate()
                .and_then(|mut store| store.renew_run(city, &job, &scheduled_for, &lease(&app)));
            match renewed {
                Ok(true) => {}
                Ok(false) => tracing::warn!(job, scheduled_for, "実行の保持期限を更新できませんでした(別のデーモンが引き継いだか、終わっています)"),
                Err(error) => tracing::warn!(job, "実行の保持期限を更新できません: {}", crate::domain::printable(&format!("{error:#}"))),
            }
        }
    })
}

/// What one job does; the number of messages it queued.
async fn run_job(app: &App, job: &str, scheduled_for: &str) -> anyhow::Result<usize> {
    if job == ANNUAL_RUN {
        // The run's mail is keyed by what it contains, so a resumed run sends nothing twice.
        return run_once(app, RunOptions::default())
            .await
            .map(|summary| summary.mailed.len());
    }
    let now = app.now();
    let time = DateTime::parse_from_rfc3339(scheduled_for).map_or(now, |t| t.with_timezone(&Utc));
    let mailer = app.mailer()?;
    let mut store = app.store().lock().await?;
    notices::run(app.config(), &mut store, mailer, job, time, app.clock()).await
}

/// Runs one claimed job and closes its ledger entry, whatever the outcome.
async fn execute(app: &App, job: &str, scheduled_for: &str) -> anyhow::Result<Ran> {
    let heartbeat = keep_lease(app, job, scheduled_for);
    let result = run_job(app, job, scheduled_for).await;
    heartbeat.abort();
    let (outcome, failure) = match result {
        Ok(messages) => {
            tracing::info!(job, scheduled_for, messages, "run finished");
            (RunOutcome::Succeeded, None)
        }
        Err(error) => {
            tracing::error!(
                job,
                scheduled_for,
                "run failed: {}",
                crate::domain::printable(&format!("{error:#}"))
            );
            (RunOutcome::Failed, Some(format!("{error:#}")))
        }
    };
    let finished = stamp(app.now());
    let mut store = app.store().lock().await?;
    store.finish_run(
        &app.config().city.code,
        job,
        scheduled_for,
        &finished,
        outcome,
        failure.as_deref(),
    )?;
    Ok(Ran {
        job: job.to_string(),
        scheduled_for: scheduled_for.to_string(),
        outcome,
        failure,
    })
}

/// Enters a run of the annual job for this second in the ledger: `Ok(time)` when
/// entered, `Err(time of the unfinished run)` when one runs. A second already taken by
/// a run that has finished (a scheduled one that ended a moment ago) moves the new run
/// to the next free second.
async fn claim_now(app: &App) -> anyhow::Result<Result<String, String>> {
    let city = &app.config().city.code;
    let mut store = app.store().lock().await?;
    let now = app.now().trunc_subsecs(0);
    for ahead in 0..5 {
        if let Some(running) = store.unfinished_run(city, ANNUAL_RUN)? {
            return Ok(Err(running.scheduled_for));
        }
        let slot = stamp(now + chrono::Duration::seconds(ahead));
        if store.claim_run(city, ANNUAL_RUN, &slot, &stamp(app.now()), &lease(app))? {
            return Ok(Ok(slot));
        }
    }
    anyhow::bail!("年次実行を台帳に記録できませんでした。少し待ってからもう一度押してください")
}

/// Starts the annual run now (the planning division's 「今すぐ実行」), through the ledger
/// like a scheduled time: while the job has an unfinished run, nothing new starts,
/// so two presses at once start one run. The run itself goes on in the background,
/// in the city's turn (after a running intake or delivery pass), its lease kept
/// meanwhile so that no other daemon takes it over.
pub async fn run_now(app: &App, turn: &Turn) -> anyhow::Result<RunNow> {
    let scheduled_for = match claim_now(app).await? {
        Ok(claimed) => claimed,
        Err(running) => {
            return Ok(RunNow::AlreadyRunning {
                scheduled_for: running,
            })
        }
    };
    tracing::info!(
        job = ANNUAL_RUN,
        scheduled_for,
        "年次実行を今すぐ始めます(ページから)"
    );
    let (app, turn, slot) = (app.clone(), turn.clone(), scheduled_for.clone());
    tokio::spawn(async move {
        let waiting = keep_lease(&app, ANNUAL_RUN, &slot);
        let _guard = turn.take().await;
        waiting.abort();
        if let Err(error) = execute(&app, ANNUAL_RUN, &slot).await {
            tracing::error!(
                "年次実行の記録に失敗しました: {}",
                crate::domain::printable(&format!("{error:#}"))
            );
        }
    });
    Ok(RunNow::Started { scheduled_for })
}
