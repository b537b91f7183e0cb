//! How a deployment stands, for a supervisor: each store reachable and at the latest
//! migration, and for each city the last run of each job and the outbox's backlog.
//! `hakusho health` prints it, the portal's `/healthz` answers from it (the same
//! checks, one place). It only reads: never creates, migrates or writes a store.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::store::{latest_version, DeliveryState, OpenMode, RunOutcome, Store, StoreLocation};

/// Which jobs a city runs and what each is called. The daemon's schedule knows them;
/// the portal (which may not use the daemon) looks at none ([`JobsOf::none`]): its
/// probe is about the store and the outbox, the scheduler's beat it reads itself.
pub struct JobsOf<'a> {
    /// The names of the city's jobs in the ledger.
    pub names: &'a dyn Fn(&Config) -> Vec<&'static str>,
    /// A job's name as people read it.
    pub label: fn(&str) -> &'static str,
}

impl JobsOf<'static> {
    /// No job looked at.
    pub fn none() -> JobsOf<'static> {
        JobsOf {
            names: &|_| Vec::new(),
            label: |_| "",
        }
    }
}

/// How things stand, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// All is well.
    Healthy,
    /// It works, but something needs a look (a failed run or mail, a pause).
    Degraded,
    /// A store cannot be reached or is not migrated.
    Unreachable,
}

impl Level {
    /// The word the command and `/healthz` print.
    pub fn label(self) -> &'static str {
        match self {
            Level::Healthy => "正常",
            Level::Degraded => "要確認",
            Level::Unreachable => "停止(データベースに届きません)",
        }
    }
}

/// The whole answer (the `--json` object).
#[derive(Debug, Serialize)]
pub struct Health {
    /// The worst of the cities.
    pub status: Level,
    /// Each distinct store.
    pub stores: Vec<StoreHealth>,
    /// Each city, in the order asked.
    pub cities: Vec<CityHealth>,
}

/// One store of the deployment.
#[derive(Debug, Serialize)]
pub struct StoreHealth {
    /// Where it is, as messages name it (never a password).
    pub location: String,
    /// Whether it answered.
    pub reachable: bool,
    /// Its migration, when it answered.
    pub schema_version: Option<i64>,
    /// The migration this program needs.
    pub latest_version: i64,
    /// Why it cannot be used.
    pub error: Option<String>,
}

/// One city.
#[derive(Debug, Serialize)]
pub struct CityHealth {
    /// The city's code.
    pub code: String,
    /// The city's name.
    pub name: String,
    /// How the city stands.
    pub status: Level,
    /// What needs a look, in Japanese.
    pub problems: Vec<String>,
    /// Each job's last run.
    pub jobs: Vec<JobHealth>,
    /// The outbox, when it could be read.
    pub outbox: Option<Backlog>,
}

/// A job's last run.
#[derive(Debug, Serialize)]
pub struct JobHealth {
    /// The job's name in the ledger.
    pub job: String,
    /// The time its last run was for.
    pub scheduled_for: Option<String>,
    /// `ok`, `failed`, `running`, `stalled` (unfinished, its lease run out), or none.
    pub outcome: Option<&'static str>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Why it failed.
    pub failure: Option<String>,
}

/// The outbox's backlog.
#[derive(Debug, Serialize)]
pub struct Backlog {
    /// Copies waiting to be sent.
    pub pending: i64,
    /// Copies given up on (配送不能).
    pub failed: i64,
    /// Copies sent.
    pub sent: i64,
    /// The oldest waiting copy's next attempt.
    pub oldest_pending_since: Option<String>,
    /// How long that copy has waited.
    pub oldest_pending_age_seconds: Option<i64>,
    /// Why delivery is paused, when it is.
    pub paused: Option<String>,
}

/// Opens each store once and looks at each city in it.
pub fn examine(configs: &[Config], now: DateTime<Utc>, jobs: &JobsOf) -> Health {
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
            Some(store) => city_health(config, store, now, jobs),
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

/// Whether the store at `location` is there, reachable and at the latest migration,
/// opened anew (`/metrics` asks it as `/healthz` does).
pub fn store_ready(location: &StoreLocation) -> bool {
    open(location).0.is_some()
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
fn city_health(config: &Config, store: &Store, now: DateTime<Utc>, jobs: &JobsOf) -> CityHealth {
    let mut city = unreachable_city(config);
    let found = (|| -> anyhow::Result<()> {
        city.jobs = job_health(config, store, now, jobs)?;
        city.outbox = Some(backlog(&config.city.code, store, now)?);
        Ok(())
    })();
    city.problems = match found {
        Ok(()) => problems(&city, jobs.label),
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
    jobs: &JobsOf,
) -> anyhow::Result<Vec<JobHealth>> {
    let now = crate::domain::stamp(now);
    let mut found = Vec::new();
    for job in (jobs.names)(config) {
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
fn problems(city: &CityHealth, job_label: fn(&str) -> &'static str) -> Vec<String> {
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
