//! `hakusho status`: submissions per department, the schedule, the outbox.

use super::print::tokyo_time;
use crate::app::App;
use crate::consolidate;
use crate::daemon::schedule::{job_label, jobs, next_occurrence};
use crate::domain::printable;
use crate::store::{DeliveryState, JobRun, RunOutcome, Store};

/// Submissions of the year by department, the last and next run of each job, the
/// outbox and a paused delivery.
pub(super) async fn status(app: &App) -> anyhow::Result<()> {
    let store = app.store().lock().await?;
    print_submissions(app, &store)?;
    print_schedule(app, &store)?;
    print_outbox(app, &store)
}

/// Each configured department's latest submission of the configured year.
fn print_submissions(app: &App, store: &Store) -> anyhow::Result<()> {
    let config = app.config();
    let year = config.fiscal_year();
    println!("{} {} の提出状況:", config.city.name, year);
    println!("  受付: {}", collection_line(app, store)?);
    for (department, state) in consolidate::standings(config, store, year)? {
        match state {
            Some(s) => println!(
                "  {department}: {} ({}、{})",
                s.label(),
                printable(&s.file_name),
                tokyo_time(&s.received_at)
            ),
            None => println!("  {department}: 未提出"),
        }
    }
    Ok(())
}

/// The configured year's collection: 受付中, or 受付終了 since when and by whom.
fn collection_line(app: &App, store: &Store) -> anyhow::Result<String> {
    let config = app.config();
    let state = store.collection_state(&config.city.code, config.fiscal_year())?;
    Ok(match state {
        Some(s) if !s.open => format!(
            "受付終了({} に {} が締め切り)",
            tokyo_time(&s.changed_at),
            printable(&s.changed_by)
        ),
        _ => "受付中".to_string(),
    })
}

/// Each job's last run (with its outcome) and next time, from the clock's now.
fn print_schedule(app: &App, store: &Store) -> anyhow::Result<()> {
    let config = app.config();
    for (job, cron) in jobs(config) {
        let next = next_occurrence(cron, app.now()).map_or_else(
            || "なし".to_string(),
            |t| t.format("%Y-%m-%d %H:%M %Z").to_string(),
        );
        let last = match store.last_run(&config.city.code, job)? {
            Some(run) => format!(
                "{} ({})",
                tokyo_time(&run.scheduled_for),
                run_outcome_label(&run)
            ),
            None => "なし".to_string(),
        };
        println!("{}: 前回 {last}、次回 {next}", job_label(job));
    }
    Ok(())
}

/// The outbox by state, each undeliverable copy, and a paused delivery.
fn print_outbox(app: &App, store: &Store) -> anyhow::Result<()> {
    let city = &app.config().city.code;
    let counts = store.outbox_counts(city)?;
    println!(
        "送信待ちのメール: 未送信 {} 件、送信済み {} 件、配送不能 {} 件",
        counts.pending, counts.sent, counts.failed
    );
    for failed in store.deliveries_in(city, DeliveryState::Failed)? {
        println!(
            "  配送不能: {} ({})",
            printable(&failed.recipient),
            printable(&failed.last_error.unwrap_or_default())
        );
    }
    if let Some(pause) = store.delivery_pause(city)? {
        println!(
            "配送を一時停止中: {} から(最後の確認 {})。理由: {}",
            tokyo_time(&pause.paused_at),
            tokyo_time(&pause.last_probe_at),
            pause.reason
        );
        println!("  送信者側の設定(SMTP のログイン・暗号化)を直すと、次の配送で自動的に再開します");
    }
    Ok(())
}

/// How a ledger outcome reads in Japanese.
fn run_outcome_label(run: &JobRun) -> String {
    match run.outcome {
        None => "実行中".to_string(),
        Some(RunOutcome::Succeeded) => "成功".to_string(),
        Some(RunOutcome::Failed) => format!("失敗: {}", run.failure.as_deref().unwrap_or("")),
    }
}
