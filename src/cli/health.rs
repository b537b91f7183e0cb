//! `hakusho health`, for a supervisor: the store reachable and at the latest migration,
//! and for each city the last run of each job and the outbox's backlog. Japanese lines,
//! or one JSON object with `--json`. Exit status 0 healthy, 1 degraded (a run failed or
//! was left unfinished, deliveries failed, delivery paused), 2 the store unreachable or
//! not migrated. It only reads: never creates, migrates or writes the store.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::print::tokyo_time;
use super::refused::Refused;
use crate::config::{Config, Deployment};
use crate::daemon::schedule::{job_label, jobs};
use crate::domain::{printable, Clock};
use crate::store::{latest_version, DeliveryState, OpenMode, RunOutcome, Store, StoreLocation};

/// How things stand, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Healthy,
    Degraded,
    Unreachable,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Healthy => "正常",
            Level::Degraded => "要確認",
            Level::Unreachable => "停止(データベースに届きません)",
        }
    }
}

/// The whole answer (the `--json` object).
#[derive(Debug, Serialize)]
struct Health {
    status: Level,
    stores: Vec<StoreHealth>,
    cities: Vec<CityHealth>,
}

/// One store of the deployment.
#[derive(Debug, Serialize)]
struct StoreHealth {
    location: String,
    reachable: bool,
    schema_version: Option<i64>,
    latest_version: i64,
    error: Option<String>,
}

/// One city.
#[derive(Debug, Serialize)]
struct CityHealth {
    code: String,
    name: String,
    status: Level,
    problems: Vec<String>,
    jobs: Vec<JobHealth>,
    outbox: Option<Backlog>,
}

/// A job's last run.
#[derive(Debug, Serialize)]
struct JobHealth {
    job: String,
    scheduled_for: Option<String>,
    /// `ok`, `failed`, `running`, `stalled` (unfinished, its lease run out), or none.
    outcome: Option<&'static str>,
    finished_at: Option<String>,
    failure: Option<String>,
}

/// The outbox's backlog.
#[derive(Debug, Serialize)]
struct Backlog {
    pending: i64,
    failed: i64,
    sent: i64,
    oldest_pending_since: Option<String>,
    oldest_pending_age_seconds: Option<i64>,
    paused: Option<String>,
}

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
        move || examine(&configs, clock.now())
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

/// Opens each store once and looks at each city in it.
fn examine(configs: &[Config], now: DateTime<Utc>) -> Health {
    let mut stores: Vec<(StoreLocation, Option<Store>, StoreHealth)> = Vec::new();
    let mut cities = Vec::new();
    for config in configs {
        let location = config.store_location();
        let index = match stores.iter().position(|(l, _, _)| *l == location) {
            Some(index) => index,
            None => {
                let (store, health) = open(&location);
                stores.push((location, store, health));
                stores.len() - 1
            }
        };
        cities.push(match &stores[index].1 {
            Some(store) => city_health(config, store, now),
            None => unreachable_city(config),
        });
    }
    let stores: Vec<StoreHealth> = stores.into_iter().map(|(_, _, h)| h).collect();
    let status = cities
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Level::Healthy);
    Health {
        status,
        stores,
        cities,
    }
}

/// The store's version, and the store opened read-only when that version is the
/// latest. The version is read first: a read-only open of an empty PostgreSQL
/// database answers from an empty store in memory, which would look migrated.
fn migrated(location: &StoreLocation) -> anyhow::Result<(Option<Store>, i64)> {
    let version = Store::version_at(location)?;
    if version < latest_version() {
        return Ok((None, version));
    }
    Ok((Some(Store::connect(location, OpenMode::ReadOnly)?), version))
}

/// The store, read-only, when it is there and at the latest migration.
fn open(location: &StoreLocation) -> (Option<Store>, StoreHealth) {
    let mut health = StoreHealth {
        // Displayed as messages name it: a URL could hold a password.
        location: location.to_string(),
        reachable: false,
        schema_version: None,
        latest_version: latest_version(),
        error: None,
    };
    let opened = match location {
        // Read-only on a missing file would answer from an empty store in memory.
        StoreLocation::Sqlite(path) if !path.exists() => Err(anyhow::anyhow!(
            "データベースのファイルがまだありません(hakusho migrate か最初の実行で作られます)"
        )),
        _ => migrated(location),
    };
    let store = match opened {
        Ok((store, version)) => {
            health.reachable = true;
            health.schema_version = Some(version);
            store
        }
        Err(error) => {
            health.error = Some(format!("{error:#}"));
            None
        }
    };
    if health.reachable && store.is_none() {
        health.error = Some(format!(
            "移行が済んでいません(スキーマ {}、最新 {})。hakusho migrate を実行してください",
            health.schema_version.unwrap_or(0),
            health.latest_version
        ));
    }
    (store, health)
}

fn unreachable_city(config: &Config) -> CityHealth {
    CityHealth {
        code: config.city.code.clone(),
        name: config.city.name.clone(),
        status: Level::Unreachable,
        problems: vec!["データベースに届きません".to_string()],
        jobs: Vec::new(),
        outbox: None,
    }
}

/// One city's runs and outbox; a query that fails makes it unreachable.
fn city_health(config: &Config, store: &Store, now: DateTime<Utc>) -> CityHealth {
    let mut city = unreachable_city(config);
    let found = (|| -> anyhow::Result<()> {
        city.jobs = job_health(config, store, now)?;
        city.outbox = Some(backlog(&config.city.code, store, now)?);
        Ok(())
    })();
    city.problems = match found {
        Ok(()) => problems(&city),
        Err(error) => return with_error(city, &error),
    };
    city.status = if city.problems.is_empty() {
        Level::Healthy
    } else {
        Level::Degraded
    };
    city
}

fn with_error(mut city: CityHealth, error: &anyhow::Error) -> CityHealth {
    city.problems = vec![format!("データベースを読めません: {error:#}")];
    city
}

/// Each configured job's last run.
fn job_health(
    config: &Config,
    store: &Store,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<JobHealth>> {
    let now = crate::domain::stamp(now);
    let mut found = Vec::new();
    for (job, _) in jobs(config) {
        let run = store.last_run(&config.city.code, job)?;
        let outcome = run.as_ref().map(|r| match r.outcome {
            Some(RunOutcome::Succeeded) => "ok",
            Some(RunOutcome::Failed) => "failed",
            // Stamps sort as text: a lease before now has run out.
            None if r.lease_until.as_deref().is_none_or(|u| u < now.as_str()) => "stalled",
            None => "running",
        });
        found.push(JobHealth {
            job: job.to_string(),
            scheduled_for: run.as_ref().map(|r| r.scheduled_for.clone()),
            outcome,
            finished_at: run.as_ref().and_then(|r| r.finished_at.clone()),
            failure: run.and_then(|r| r.failure),
        });
    }
    Ok(found)
}

/// The outbox by state, its oldest pending copy, and a pause.
fn backlog(city: &str, store: &Store, now: DateTime<Utc>) -> anyhow::Result<Backlog> {
    let counts = store.outbox_counts(city)?;
    let oldest = store
        .deliveries_in(city, DeliveryState::Pending)?
        .into_iter()
        .map(|d| d.next_attempt_at)
        .min();
    let age = oldest.as_deref().and_then(|s| {
        let since = DateTime::parse_from_rfc3339(s).ok()?;
        Some((now - since.with_timezone(&Utc)).num_seconds().max(0))
    });
    Ok(Backlog {
        pending: counts.pending,
        failed: counts.failed,
        sent: counts.sent,
        oldest_pending_since: oldest,
        oldest_pending_age_seconds: age,
        paused: store.delivery_pause(city)?.map(|p| p.reason),
    })
}

/// What makes a city degraded, in Japanese.
fn problems(city: &CityHealth) -> Vec<String> {
    let mut found = Vec::new();
    for job in &city.jobs {
        match job.outcome {
            Some("failed") => found.push(format!(
                "{} の前回の実行が失敗しました",
                job_label(&job.job)
            )),
            Some("stalled") => found.push(format!(
                "{} の実行が終わらないまま止まっています(引き継ぐデーモンがありません)",
                job_label(&job.job)
            )),
            _ => {}
        }
    }
    if let Some(outbox) = &city.outbox {
        if outbox.failed > 0 {
            found.push(format!("配送不能のメールが {} 件あります", outbox.failed));
        }
        if outbox.paused.is_some() {
            found.push("メールの配送を一時停止しています".to_string());
        }
    }
    found
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
