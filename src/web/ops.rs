//! For the IT staff, without sign-in: `/healthz` (each city's store reachable, the
//! scheduler alive, the outbox's backlog) and `/metrics` (Prometheus text format
//! 0.0.4). Neither says anything of a department, an address or a file: city codes,
//! counts and fixed words only.
//!
//! `/healthz` answers 503 when a store cannot be reached or the scheduler has not
//! beaten for two minutes (or not yet, while `serve` starts): restarting or taking the
//! process out of rotation may help then. Failed deliveries and a pause are shown as
//! 要確認 with 200: the process serves, and only a person can fix a mailbox. A portal
//! served without the daemon (no jobs) says デーモンなし, and that is not an error.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::overview::Standing;
use super::page::{OwnBody, Refusal};
use super::{on_store, Web};
use crate::app::health::{self, Health, JobsOf, Level};
use crate::app::App;
use crate::config::Config;
use crate::consolidate;
use crate::domain::metrics::{self, Histogram};
use crate::store::{RunCount, RunOutcome, Store};

/// How long the scheduler may go without a beat (it beats every 30 s).
pub const BEAT_LIMIT_SECONDS: i64 = 120;

/// The routes for the IT staff.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// `?format=json` asks for JSON.
#[derive(Debug, Deserialize)]
struct Format {
    format: Option<String>,
}

/// Where the scheduler stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    /// It beat within the limit.
    Alive,
    /// Its last beat is older than the limit.
    Stale,
    /// It has not beaten yet (`serve` starting).
    Starting,
    /// No daemon: a portal served alone.
    Absent,
}

impl Scheduler {
    /// The state of the scheduler whose last beat was `last` at `now`.
    pub fn of(jobs: bool, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Scheduler {
        match (jobs, last) {
            (false, _) => Scheduler::Absent,
            (true, None) => Scheduler::Starting,
            (true, Some(at)) if (now - at).num_seconds() > BEAT_LIMIT_SECONDS => Scheduler::Stale,
            (true, Some(_)) => Scheduler::Alive,
        }
    }

    fn healthy(self) -> bool {
        matches!(self, Scheduler::Alive | Scheduler::Absent)
    }
}

/// The answer of `/healthz` (its JSON form): codes, counts and states only.
#[derive(Debug, Serialize)]
struct Probe {
    status: &'static str,
    scheduler: Scheduler,
    last_beat_age_seconds: Option<i64>,
    cities: Vec<CityProbe>,
}

/// One city in the answer.
#[derive(Debug, Serialize)]
struct CityProbe {
    city: String,
    status: Level,
    store_reachable: bool,
    pending: Option<i64>,
    failed: Option<i64>,
    delivery_paused: Option<bool>,
}

/// `GET /healthz` (`?format=json`).
async fn healthz(State(web): State<Web>, Query(format): Query<Format>) -> Response {
    let configs: Vec<Config> = web.cities().map(|a| a.config().clone()).collect();
    let now = web.cities().next().map_or_else(Utc::now, App::now);
    let examined =
        tokio::task::spawn_blocking(move || health::examine(&configs, now, &JobsOf::none())).await;
    let Ok(examined) = examined else {
        return Refusal::internal(&anyhow::anyhow!("確認が途中で止まりました")).into_response();
    };
    let last = web.jobs().and_then(|j| j.last_beat());
    let probe = probe(
        &examined,
        Scheduler::of(web.jobs().is_some(), last, now),
        last,
        now,
    );
    let healthy = probe.status != "unhealthy";
    let (body, content_type) = match format.format.as_deref() {
        Some("json") => (
            serde_json::to_string_pretty(&probe).unwrap_or_default(),
            "application/json",
        ),
        _ => (probe_lines(&probe), "text/plain; charset=utf-8"),
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    plain(status, body, content_type)
}

/// An answer as it is, never cached, never replaced by an HTML error page.
fn plain(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(OwnBody);
    response
}

/// The examination and the scheduler as the probe answers them.
fn probe(
    health: &Health,
    scheduler: Scheduler,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Probe {
    let cities: Vec<CityProbe> = health.cities.iter().map(city_probe).collect();
    let unreachable = cities.iter().any(|c| c.status == Level::Unreachable);
    let degraded = cities.iter().any(|c| c.status != Level::Healthy);
    let status = match (unreachable || !scheduler.healthy(), degraded) {
        (true, _) => "unhealthy",
        (false, true) => "degraded",
        (false, false) => "healthy",
    };
    Probe {
        status,
        scheduler,
        last_beat_age_seconds: last.map(|at| (now - at).num_seconds()),
        cities,
    }
}

/// A city's part: no name, no problem text (it may name a file), only counts.
fn city_probe(city: &health::CityHealth) -> CityProbe {
    CityProbe {
        city: city.code.clone(),
        status: city.status,
        store_reachable: city.status != Level::Unreachable,
        pending: city.outbox.as_ref().map(|o| o.pending),
        failed: city.outbox.as_ref().map(|o| o.failed),
        delivery_paused: city.outbox.as_ref().map(|o| o.paused.is_some()),
    }
}

/// The probe as Japanese lines, the overall state first.
fn probe_lines(probe: &Probe) -> String {
    let overall = match probe.status {
        "healthy" => "正常",
        "degraded" => "要確認(動作中)",
        _ => "停止",
    };
    let mut out = format!("全体: {overall}\n");
    let age = probe.last_beat_age_seconds.unwrap_or_default();
    let scheduler = match probe.scheduler {
        Scheduler::Alive => format!("動作中(最後の動作 {age} 秒前)"),
        Scheduler::Stale => {
            format!("停止(最後の動作 {age} 秒前、{BEAT_LIMIT_SECONDS} 秒を超えています)")
        }
        Scheduler::Starting => "起動中(まだ動作の記録がありません)".to_string(),
        Scheduler::Absent => "デーモンなし(ページのみの起動)".to_string(),
    };
    let _ = writeln!(out, "スケジューラー: {scheduler}");
    for city in &probe.cities {
        let _ = writeln!(out, "{}", city_line(city));
    }
    out
}

/// `132047: 正常 データベース 接続できます、メール 未送信 0 件、配送不能 0 件、配送 通常`.
fn city_line(city: &CityProbe) -> String {
    if !city.store_reachable {
        return format!(
            "{}: {} データベース 接続できません",
            city.city,
            city.status.label()
        );
    }
    let paused = match city.delivery_paused {
        Some(true) => "一時停止中",
        _ => "通常",
    };
    format!(
        "{}: {} データベース 接続できます、メール 未送信 {} 件、配送不能 {} 件、配送 {paused}",
        city.city,
        city.status.label(),
        city.pending.unwrap_or_default(),
        city.failed.unwrap_or_default(),
    )
}

/// What `/metrics` reads of one city's store.
struct CityCounts {
    submissions: Vec<(&'static str, usize)>,
    runs: Vec<RunCount>,
    deliveries: [(&'static str, i64); 3],
}

/// `GET /metrics`: Prometheus text format 0.0.4.
async fn metrics(State(web): State<Web>) -> Response {
    let mut cities = Vec::new();
    for app in web.cities() {
        let code = app.config().city.code.clone();
        let counts = counts_of(app).await;
        if let Err(error) = &counts {
            tracing::warn!(city = %code, "メトリクスを読めません: {error:#}");
        }
        cities.push((code, counts.ok()));
    }
    let body = exposition(&cities);
    plain(
        StatusCode::OK,
        body,
        "text/plain; version=0.0.4; charset=utf-8",
    )
}

/// One city's counts, if its store is there: opened anew first, as `/healthz` does (a
/// connection held since before the SQLite file went away would still answer), and
/// before the city's shared connection is asked (opening it would make a new file).
async fn counts_of(app: &App) -> anyhow::Result<CityCounts> {
    let location = app.config().store_location();
    let ready = tokio::task::spawn_blocking(move || health::store_ready(&location)).await?;
    anyhow::ensure!(ready, "保存先に届かないか、最新の版ではありません");
    on_store(app, city_counts).await
}

/// One city's submissions by state, runs by job and outcome, deliveries by state.
fn city_counts(app: &App, store: &mut Store) -> anyhow::Result<CityCounts> {
    let config = app.config();

    let code = &config.city.code;
    let deadline = config.submission.deadline.map(|d| d.0);
    let today = app.clock().tokyo().date_naive();
    let standings: Vec<Standing> = consolidate::standings(config, store, config.fiscal_year())?
        .iter()
        .map(|(_, state)| Standing::of(state.as_ref(), deadline, today))
        .collect();
    let submissions = STANDINGS
        .iter()
        .map(|(s, key)| (*key, standings.iter().filter(|t| *t == s).count()))
        .collect();
    let outbox = store.outbox_counts(code)?;
    Ok(CityCounts {
        submissions,
        runs: store.run_counts(code)?,
        deliveries: [
            ("pending", outbox.pending),
            ("sent", outbox.sent),
            ("failed", outbox.failed),
        ],
    })
}

/// Each standing and its label value.
const STANDINGS: [(Standing, &str); 5] = [
    (Standing::Accepted, "accepted"),
    (Standing::AcceptedWithNotes, "accepted_with_notes"),
    (Standing::SentBack, "sent_back"),
    (Standing::NotSubmitted, "not_submitted"),
    (Standing::Overdue, "overdue"),
];

/// The whole exposition: every family with its HELP and TYPE lines.
fn exposition(cities: &[(String, Option<CityCounts>)]) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "hakusho_up",
        "gauge",
        "1 while this process answers.",
    );
    out.push_str("hakusho_up 1\n");
    family(
        &mut out,
        "hakusho_store_up",
        "gauge",
        "Whether the city's store answered these counts.",
    );
    for (city, counts) in cities {
        let _ = writeln!(
            out,
            "hakusho_store_up{{city=\"{}\"}} {}",
            label(city),
            u8::from(counts.is_some())
        );
    }
    let counted: Vec<(&str, &CityCounts)> = cities
        .iter()
        .filter_map(|(city, counts)| Some((city.as_str(), counts.as_ref()?)))
        .collect();
    submissions(&mut out, &counted);
    runs(&mut out, &counted);
    deliveries(&mut out, &counted);
    histogram(
        &mut out,
        "hakusho_intake_seconds",
        "Time to take in one file (this process).",
        &metrics::INTAKE_SECONDS,
    );
    histogram(
        &mut out,
        "hakusho_report_build_seconds",
        "Time to build a year's reports (this process).",
        &metrics::REPORT_BUILD_SECONDS,
    );
    out
}

/// A family's HELP and TYPE lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn submissions(out: &mut String, cities: &[(&str, &CityCounts)]) {
    family(
        out,
        "hakusho_submissions",
        "gauge",
        "Departments of the configured fiscal year by where their latest submission stands.",
    );
    for (city, counts) in cities {
        for (state, count) in &counts.submissions {
            let _ = writeln!(
                out,
                "hakusho_submissions{{city=\"{}\",state=\"{state}\"}} {count}",
                label(city)
            );
        }
    }
}

fn runs(out: &mut String, cities: &[(&str, &CityCounts)]) {
    family(
        out,
        "hakusho_runs_total",
        "counter",
        "Runs in the ledger by job and outcome (unfinished: running or left).",
    );
    for (city, counts) in cities {
        for run in &counts.runs {
            let outcome = match run.outcome {
                Some(RunOutcome::Succeeded) => "succeeded",
                Some(RunOutcome::Failed) => "failed",
                None => "unfinished",
            };
            let (city, job) = (label(city), label(&run.job));
            let _ = writeln!(
                out,
                "hakusho_runs_total{{city=\"{city}\",job=\"{job}\",outcome=\"{outcome}\"}} {}",
                run.count
            );
        }
    }
}

fn deliveries(out: &mut String, cities: &[(&str, &CityCounts)]) {
    family(
        out,
        "hakusho_deliveries",
        "gauge",
        "Copies in the outbox by state.",
    );
    for (city, counts) in cities {
        for (state, count) in &counts.deliveries {
            let _ = writeln!(
                out,
                "hakusho_deliveries{{city=\"{}\",state=\"{state}\"}} {count}",
                label(city)
            );
        }
    }
}

/// A histogram's buckets, sum and count.
fn histogram(out: &mut String, name: &str, help: &str, histogram: &Histogram) {
    family(out, name, "histogram", help);
    let snapshot = histogram.snapshot();
    for (bound, count) in &snapshot.buckets {
        let le = if bound.is_infinite() {
            "+Inf".to_string()
        } else {
            bound.to_string()
        };
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_sum {}", snapshot.sum);
    let _ = writeln!(out, "{name}_count {}", snapshot.count);
}

/// A label value escaped as the text format wants: `\`, `"` and line feeds.
pub fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_value_cannot_end_its_quotes_or_line() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn the_scheduler_is_alive_up_to_the_limit_and_absent_without_a_daemon() {
        let now = Utc::now();
        let ago = |s| Some(now - chrono::Duration::seconds(s));
        assert_eq!(
            Scheduler::of(true, ago(BEAT_LIMIT_SECONDS), now),
            Scheduler::Alive
        );
        assert_eq!(
            Scheduler::of(true, ago(BEAT_LIMIT_SECONDS + 1), now),
            Scheduler::Stale
        );
        assert_eq!(Scheduler::of(true, None, now), Scheduler::Starting);
        assert_eq!(Scheduler::of(false, ago(9999), now), Scheduler::Absent);
    }
}
