//! `hakusho health`, for a supervisor: the store reachable and at the latest migration,
//! and for each city the last run of each job and the outbox's backlog. Japanese lines,
//! or one JSON object with `--json`. Exit status 0 healthy, 1 degraded (a run failed or
//! was left unfinished, deliveries failed, delivery paused), 2 the store unreachable or
//! not migrated. It only reads: never creates, migrates or writes the store.

use super::print::tokyo_time;
use super::refused::Refused;
use crate::app::health::{examine, CityHealth, Health, JobsOf, Level};
use crate::config::{Config, Deployment};
use crate::daemon::schedule::{job_label, jobs};
use crate::domain::{printable, Clock};

/// Looks at every city (or the one `--city` names) and prints what it found.
pub(super) async fn health(
    deployment: &Deployment,
    wanted: Option<&str>,
    json: bool,
    clock: Clock,
) -> anyhow::Result<()> {
    let configs: Vec<&Config> = deployment
        .select(wanted)?
        .into_iter()
        .map(|c| &c.config)
        .collect();
    let health = tokio::task::spawn_blocking({
        let configs: Vec<Config> = configs.into_iter().cloned().collect();
        move || {
            let names = |config: &Config| jobs(config).into_iter().map(|(name, _)| name).collect();
            let of = JobsOf {
                names: &names,
                label: job_label,
            };
            examine(&configs, clock.now(), &of)
        }
    })
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&health)?);
    } else {
        print_lines(&health);
    }
    outcome(&health)
}

/// The exit status the answer gives.
fn outcome(health: &Health) -> anyhow::Result<()> {
    match health.status {
        Level::Healthy => Ok(()),
        Level::Degraded => {
            let n = health
                .cities
                .iter()
                .filter(|c| c.status != Level::Healthy)
                .count();
            Err(Refused::Degraded(n).into())
        }
        Level::Unreachable => anyhow::bail!(
            "データベースに接続できないか、移行が済んでいません(hakusho migrate を実行し、接続先とパスワードの環境変数を確かめてください)"
        ),
    }
}

/// The answer as lines.
fn print_lines(health: &Health) {
    for store in &health.stores {
        let state = match (&store.error, store.schema_version) {
            (None, Some(v)) => format!("接続できます(スキーマ {v}、最新 {})", store.latest_version),
            (Some(error), _) => format!("使えません: {}", printable(error)),
            (None, None) => "使えません".to_string(),
        };
        println!("データベース {}: {state}", printable(&store.location));
    }
    for city in &health.cities {
        print_city(city);
    }
    println!("全体: {}", health.status.label());
}

fn print_city(city: &CityHealth) {
    println!("{} ({}): {}", city.name, city.code, city.status.label());
    for problem in &city.problems {
        println!("  要確認: {}", printable(problem));
    }
    for job in &city.jobs {
        let last = match (&job.scheduled_for, job.outcome) {
            (Some(at), Some(outcome)) => format!("{} {}", tokyo_time(at), outcome_label(outcome)),
            _ => "なし".to_string(),
        };
        println!("  {}: 前回 {last}", job_label(&job.job));
    }
    if let Some(outbox) = &city.outbox {
        let oldest = outbox
            .oldest_pending_age_seconds
            .map_or_else(String::new, |s| {
                format!("(最も古いもので {} 分待ち)", s / 60)
            });
        println!(
            "  メール: 未送信 {} 件{oldest}、配送不能 {} 件、送信済み {} 件",
            outbox.pending, outbox.failed, outbox.sent
        );
    }
}

fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "ok" => "成功",
        "failed" => "失敗",
        "running" => "実行中",
        _ => "中断のまま",
    }
}
