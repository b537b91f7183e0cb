//! The daemon: tokio-cron-scheduler runs the annual job on the configured
//! schedule, in Asia/Tokyo, until Ctrl-C or SIGTERM.

use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Asia::Tokyo;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::Config;
use crate::job::{run_once, RunOptions};

/// Runs until asked to stop.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let mut scheduler = JobScheduler::new()
        .await
        .context("starting the scheduler")?;
    let expression = config.schedule.annual_run.expression.clone();
    let job_config = Arc::clone(&config);
    let job = Job::new_async_tz(expression.as_str(), Tokyo, move |_id, _scheduler| {
        let config = Arc::clone(&job_config);
        Box::pin(async move { annual_run(&config).await })
    })
    .with_context(|| format!("schedule.annual_run: {expression}"))?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    tracing::info!(schedule = %expression, next = ?next_annual_run(&config), "hakusho is serving");
    wait_for_stop().await?;
    tracing::info!("stopping");
    scheduler.shutdown().await?;
    Ok(())
}

/// The next time the annual run fires, in Asia/Tokyo.
pub fn next_annual_run(config: &Config) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    let now = Utc::now().with_timezone(&Tokyo);
    config
        .schedule
        .annual_run
        .cron
        .find_next_occurrence(&now, false)
        .ok()
}

async fn annual_run(config: &Config) {
    match run_once(config, RunOptions::default()).await {
        Ok(summary) => tracing::info!(
            files = summary.files.len(),
            reports = summary.reports.len(),
            messages = summary.mailed.len(),
            "annual run finished"
        ),
        // Logged with its cause chain; the scheduler keeps running for the next time.
        Err(error) => tracing::error!("annual run failed: {error:#}"),
    }
}

async fn wait_for_stop() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}
