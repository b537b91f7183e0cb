//! `hakusho serve`: every city of the deployment in one process, each with its
//! scheduled jobs, its inbox watcher and its delivery pass.
//!
//! Built for hundreds of cities: nothing per city holds a thread or an OS resource.
//! The cities share the one Tokio runtime, one cron scheduler, one file-event watcher
//! (one inotify instance: Linux allows 128 per user by default) and the store's
//! connection; per city there are only tasks. At most [`parallel_cities`] cities work
//! at once (a run, an intake, a delivery pass, each on its own connection while it
//! lasts), so connections and memory are bounded by that, not by the number of cities.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono_tz::Asia::Tokyo;
use tokio::sync::{OwnedMutexGuard, Semaphore};
use tokio::task::JoinHandle;
use tokio_cron_scheduler::{Job, JobScheduler};
use tracing::Instrument;

use super::jobs::{DaemonJobs, Heartbeat};
use super::schedule::{jobs, next_occurrence, resume_unfinished, run_due_jobs_once};
use super::turn::Turn;
use super::watch::{watch_inbox, InboxEvents};
use crate::app::App;
use crate::domain::Clock;
use crate::mail::{outbox, DeliveryBell, DeliveryBells};

/// How many cities work at once: the machine's cores, at least 2 and at most 8 (a run
/// builds its reports in parallel already).
pub fn parallel_cities() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

/// One city's part of the process.
struct City {
    app: App,
    turn: Turn,
    span: tracing::Span,
}

/// Serves one city until asked to stop.
pub async fn serve(app: App) -> anyhow::Result<()> {
    serve_cities(vec![app]).await
}

/// Serves every city until asked to stop (SIGTERM or Ctrl-C).
pub async fn serve_cities(apps: Vec<App>) -> anyhow::Result<()> {
    // Listen for SIGTERM/Ctrl-C before anything runs, so a stop during the start-up
    // catch-up drains it like any other run.
    let stop = StopSignal::listen()?;
    let places = Arc::new(Semaphore::new(parallel_cities()));
    let cities = apps
        .into_iter()
        .map(|app| city(app, &places))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The portal is bound before anything runs: an address in use stops start-up
    // before any job has begun.
    let bells = bells_of(&cities);
    let apps: Vec<App> = cities.iter().map(|c| c.app.clone()).collect();
    let beat = Heartbeat::default();
    let jobs = DaemonJobs::new(turns_of(&cities), beat.clone());
    let portals = crate::web::start(&apps, &bells, Some(Arc::new(jobs))).await?;
    let mut startups = Vec::new();
    for city in &cities {
        startups.push(start_up(city).await);
    }
    // Set on SIGTERM: a tick already waiting for its turn then starts nothing, since
    // the runtime is about to stop under it.
    let stopping = Arc::new(AtomicBool::new(false));
    let mut scheduler = schedule_jobs(&cities, &stopping).await?;
    scheduler.add(heartbeat_job(&beat, &apps)?).await?;
    scheduler.start().await?;
    let (workers, _events) = start_workers(&cities, &bells);
    tracing::info!(cities = cities.len(), "hakusho is serving");
    stop.wait().await;
    tracing::info!("stopping: no new runs; waiting for the running ones");
    stopping.store(true, Ordering::SeqCst);
    // The portal first: nothing new is taken in while the running work drains.
    portals.iter().for_each(JoinHandle::abort);
    scheduler.shutdown().await?;
    workers.iter().for_each(JoinHandle::abort);
    let _held = drain(&cities).await;
    startups.iter().for_each(JoinHandle::abort);
    tracing::info!("stopped");
    Ok(())
}

/// A city's part, its mailer made now: a bad mail setting (a missing password) stops
/// start-up, and the worker keeps its pooled connections from one pass to the next.
fn city(app: App, places: &Arc<Semaphore>) -> anyhow::Result<City> {
    let code = app.config().city.code.clone();
    app.mailer()
        .with_context(|| format!("{} ({code}) のメール設定", app.config().city.name))?;
    let next = next_occurrence(&app.config().schedule.annual_run, app.now());
    let span = tracing::info_span!("city", code = %code);
    span.in_scope(|| tracing::info!(next = ?next, "serving the city"));
    Ok(City {
        app,
        turn: Turn::new(places),
        span,
    })
}

/// A delivery bell per city: the portal rings it after queuing a mail.
fn bells_of(cities: &[City]) -> DeliveryBells {
    cities
        .iter()
        .map(|c| (c.app.config().city.code.clone(), DeliveryBell::new()))
        .collect()
}

/// Each city's turn, by code: the portal's 「今すぐ実行」 waits for it like a tick.
fn turns_of(cities: &[City]) -> BTreeMap<String, Turn> {
    cities
        .iter()
        .map(|c| (c.app.config().city.code.clone(), c.turn.clone()))
        .collect()
}

/// Each city's delivery worker and inbox watcher; the one file-event watcher they
/// share, to be kept while they run.
fn start_workers(cities: &[City], bells: &DeliveryBells) -> (Vec<JoinHandle<()>>, InboxEvents) {
    let mut events = InboxEvents::new();
    let mut workers = Vec::new();
    for city in cities {
        let woken = events.subscribe(&city.app.config().paths.inbox);
        let (app, turn) = (city.app.clone(), city.turn.clone());
        let bell = bells
            .get(&app.config().city.code)
            .cloned()
            .unwrap_or_default();
        workers.push(tokio::spawn(
            delivery_worker(app.clone(), turn.clone(), bell).instrument(city.span.clone()),
        ));
        workers.push(tokio::spawn(
            watch_inbox(app, turn, woken).instrument(city.span.clone()),
        ));
    }
    (workers, events)
}

/// The start-up catch-up, holding the city from before it is spawned so that nothing
/// else of the city starts first; it waits for a place like any other work.
async fn start_up(city: &City) -> JoinHandle<()> {
    let held = city.turn.hold_city().await;
    let (app, turn) = (city.app.clone(), city.turn.clone());
    let task = async move {
        let _guard = turn.place(held).await;
        // run_due_jobs_once resumes what a stopped daemon left before it runs what is due.
        if let Err(error) = run_due_jobs_once(&app).await {
            tracing::error!(
                "catching up at start-up failed: {}",
                crate::domain::printable(&format!("{error:#}"))
            );
        }
    };
    tokio::spawn(task.instrument(city.span.clone()))
}

/// One scheduler for every city, with a wake-up for each configured job of each city
/// (not started yet).
async fn schedule_jobs(
    cities: &[City],
    stopping: &Arc<AtomicBool>,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new()
        .await
        .context("starting the scheduler")?;
    for city in cities {
        for (name, cron) in jobs(city.app.config()) {
            let job = wake_up(city, cron.expression.as_str(), stopping).with_context(|| {
                format!(
                    "{}: schedule.{name}: {}",
                    city.app.config().city.code,
                    cron.expression
                )
            })?;
            scheduler.add(job).await?;
        }
    }
    Ok(scheduler)
}

/// A cron wake-up (Asia/Tokyo) that runs the city's due jobs.
fn wake_up(city: &City, expression: &str, stopping: &Arc<AtomicBool>) -> anyhow::Result<Job> {
    let (app, turn, span) = (city.app.clone(), city.turn.clone(), city.span.clone());
    let stopping = Arc::clone(stopping);
    Ok(Job::new_async_tz(
        expression,
        Tokyo,
        move |_id, _scheduler| {
            let (app, turn, stopping) = (app.clone(), turn.clone(), Arc::clone(&stopping));
            Box::pin(async move { tick(&app, &turn, &stopping).await }.instrument(span.clone()))
        },
    )?)
}

/// Every half minute, the scheduler beats: `/healthz` reads that it still ticks.
fn heartbeat_job(beat: &Heartbeat, apps: &[App]) -> anyhow::Result<Job> {
    let clock = apps
        .first()
        .map_or_else(Clock::system, |a| a.clock().clone());
    let beat = beat.clone();
    beat.beat(clock.now());
    Ok(Job::new_async_tz(
        "*/30 * * * * *",
        Tokyo,
        move |_id, _scheduler| {
            beat.beat(clock.now());
            Box::pin(async {})
        },
    )?)
}

/// Waits up to the longest grace for every city's running work; the cities are held
/// (returned) until serve returns, so nothing starts once their work is done.
async fn drain(cities: &[City]) -> Vec<OwnedMutexGuard<()>> {
    let grace = cities
        .iter()
        .map(|c| c.app.config().schedule.shutdown_grace_seconds)
        .max()
        .unwrap_or(0);
    let mut held = Vec::new();
    let all = async {
        for city in cities {
            held.push(city.turn.hold_city().await);
        }
    };
    if tokio::time::timeout(Duration::from_secs(grace), all)
        .await
        .is_err()
    {
        tracing::warn!(
            "the running job did not finish in time; it will be resumed at the next start"
        );
    }
    held
}

async fn tick(app: &App, turn: &Turn, stopping: &AtomicBool) {
    // Wait for a run or an intake in progress: a tick must not be lost (the annual run
    // fires once a year). The ledger keeps each scheduled time to one run.
    let _guard = turn.take().await;
    if stopping.load(Ordering::SeqCst) {
        return;
    }
    if let Err(error) = run_due_jobs_once(app).await {
        tracing::error!(
            "scheduled run failed: {}",
            crate::domain::printable(&format!("{error:#}"))
        );
    }
}

/// Delivers pending mail every half minute, between runs, and at once when the bell
/// rings (the portal queued a sign-in link or an upload's receipt): at start-up too, so
/// copies a stopped sender left claimed are taken again once their lease has run out,
/// and a paused delivery is probed again. Each copy is claimed in the store, so this
/// worker, `hakusho send` and other daemons on the same store never send one copy twice.
async fn delivery_worker(app: App, turn: Turn, bell: DeliveryBell) {
    let mut interval = tokio::time::interval(Duration::from_secs(30));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let rung = tokio::select! {
            _ = interval.tick() => false,
            () = bell.rung() => true,
        };
        if rung {
            // A clerk waits for this mail (a sign-in link): it goes out now, even while
            // a run holds the city. The run's own pass and this one claim each copy in
            // the store, as replicas do, so none is sent twice.
            deliver_logged(&app).await;
            continue;
        }
        // Waits for a run in progress rather than skipping the pass (the start-up
        // catch-up holds the city when the first tick comes).
        let _guard = turn.take().await;
        // A run another daemon left behind (killed) is taken over once its lease has
        // run out, without waiting for the next scheduled time or a restart.
        if let Err(error) = resume_unfinished(&app).await {
            tracing::error!(
                "中断された実行を引き継げません: {}",
                crate::domain::printable(&format!("{error:#}"))
            );
        }
        deliver_logged(&app).await;
    }
}

/// One delivery pass; a failure is logged (the next pass tries again).
async fn deliver_logged(app: &App) {
    if let Err(error) = deliver_pending(app).await {
        tracing::error!(
            "delivery failed: {}",
            crate::domain::printable(&format!("{error:#}"))
        );
    }
}

/// One delivery pass at the clock's now.
async fn deliver_pending(app: &App) -> anyhow::Result<outbox::DeliveryStats> {
    let mailer = app.mailer()?;
    // Delivery waits on mail servers: on a connection of its own, the watcher and the
    // jobs never wait behind a slow server.
    let mut store = app.store().separate()?;
    outbox::deliver_once(app.config(), &mut store, mailer, app.clock()).await
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
