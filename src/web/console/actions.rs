//! The console's actions (issue 15): the ledger of runs with 「今すぐ実行」, the send
//! preview, and a reminder to one department now. Each goes through the code the
//! command line and the schedule use: the daemon's `run_now` (through `web.jobs()`),
//! `mail::preview::preview`, `mail::notices::remind_now`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::{console_page, planning_only};
use crate::app::App;
use crate::mail::notices::{remind_now, Reminded};
use crate::mail::outbox::size_label;
use crate::mail::preview::{preview, Preview, PreviewMessage};
use crate::store::{JobRun, RunOutcome, ANNUAL_RUN, JOBS};
use crate::web::auth::Signed;
use crate::web::auth::{check_csrf, FORM_EXPIRED};
use crate::web::jobs::RunNow;
use crate::web::page::{badge, csrf_field, see_other, table, tokyo_time, Refusal};
use crate::web::{on_store, Web};

/// How many runs of each job the page lists.
const RECENT: i64 = 10;

/// The routes of this part of the console.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/console/runs", get(runs_page))
        .route("/{city}/console/run", post(run))
        .route("/{city}/console/preview", get(preview_page))
        .route("/{city}/console/remind", post(remind))
}

/// A form of the console: its token and, for a reminder, the department. Missing
/// fields are empty: a form without its token is a 403, not a 400.
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The department to remind (部名).
    #[serde(default)]
    pub department: String,
}

/// The form's fields after the role and the token were checked.
pub fn checked_form(
    signed: &Signed,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Fields, Refusal> {
    planning_only(signed)?;
    let Form(fields) = form.map_err(|_| Refusal::forbidden(FORM_EXPIRED))?;
    check_csrf(signed, &fields.csrf)?;
    Ok(fields)
}

/// What the page says after an action (303 with `?notice=…`): a word from a fixed
/// list, never text from the URL, and a department only when it is configured.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    /// The kind of notice.
    #[serde(default)]
    notice: String,
    /// The department a reminder went to.
    #[serde(default)]
    department: String,
}

impl Notice {
    /// The notice as a paragraph, if it is one the page knows.
    fn render(&self, app: &App) -> Option<Markup> {
        let known = app
            .config()
            .departments
            .iter()
            .any(|d| d.name == self.department);
        let department = if known { self.department.as_str() } else { "" };
        let text = match self.notice.as_str() {
            "started" => "年次実行を開始しました。終わると下の記録に結果が出ます。".to_string(),
            "running" => "年次実行はすでに実行中です。新しい実行は始めていません。".to_string(),
            "reminded" if known => format!("{department} に督促のメールを送りました。"),
            "reminded-today" if known => {
                format!("{department} には今日すでに督促を送っています。同じ日に二度は送りません。")
            }
            "accepted" if known => {
                format!("{department} の提出はすでに受理しています。督促は送りませんでした。")
            }
            _ => return None,
        };
        Some(html! { p.notice role="status" { (text) } })
    }
}

/// `GET /{city}/console/runs`: the ledger (the unfinished run, each job's recent runs),
/// the 「今すぐ実行」 button and the reminder form.
async fn runs_page(signed: Signed, Query(notice): Query<Notice>) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let ledger = on_store(&signed.app, |app, store| {
        let city = &app.config().city.code;
        let mut ledger = Vec::new();
        for (job, label) in JOBS {
            let runs = store.recent_runs(city, job, RECENT)?;
            if job == ANNUAL_RUN || !runs.is_empty() {
                ledger.push((label, runs));
            }
        }
        Ok(ledger)
    })
    .await?;
    let now = crate::domain::stamp(signed.app.now());
    let running = ledger
        .first()
        .and_then(|(_, runs)| runs.iter().find(|r| r.finished_at.is_none()).cloned());
    let main = html! {
        @if let Some(notice) = notice.render(&signed.app) { (notice) }
        (run_now_form(&signed, running.as_ref()))
        @for (label, runs) in &ledger {
            h2 { (label) "の記録" }
            (runs_table(runs, &now))
        }
        (remind_form(&signed))
    };
    Ok(console_page(&signed, StatusCode::OK, "/runs", "実行", main))
}

/// The 「今すぐ実行」 form, with the running run when there is one.
fn run_now_form(signed: &Signed, running: Option<&JobRun>) -> Markup {
    html! {
        section.run-now {
            h2 { "年次実行" }
            p { "受付フォルダーの取り込み、集計、報告書の作成、メールの送信を今すぐ行います。実行中にもう一度押しても、二つ目の実行は始まりません。" }
            @if let Some(run) = running {
                p.notice role="status" {
                    "実行中です(" (tokyo_time(&run.started_at)) " から)。"
                }
            }
            form method="post" action={ "/" (signed.city_code()) "/console/run" } {
                (csrf_field(&signed.csrf))
                button type="submit" { "今すぐ実行" }
            }
        }
    }
}

/// One job's recent runs, newest first, as of `now` (a UTC stamp).
fn runs_table(runs: &[JobRun], now: &str) -> Markup {
    if runs.is_empty() {
        return html! { p.muted { "まだ実行の記録はありません。" } };
    }
    let rows = runs.iter().map(|run| {
        vec![
            html! { span.nowrap { (tokyo_time(&run.scheduled_for)) } },
            html! { span.nowrap { (tokyo_time(&run.started_at)) } },
            html! { span.nowrap { (run.finished_at.as_deref().map(tokyo_time).unwrap_or_default()) } },
            outcome_badge(run, now),
            html! { (run.failure.as_deref().unwrap_or_default()) },
        ]
    });
    table(&["予定時刻", "開始", "終了", "結果", "失敗の理由"], rows)
}

/// A run's outcome as a badge; an unfinished run whose lease ran out (its daemon
/// stopped) waits for a daemon to take it over.
fn outcome_badge(run: &JobRun, now: &str) -> Markup {
    let held = run.lease_until.as_deref().is_some_and(|until| until >= now);
    match (run.finished_at.as_ref(), run.outcome) {
        (None, _) if !held => badge("overdue", "停止中(引き継ぎ待ち)"),
        (None, _) => badge("noted", "実行中"),
        (Some(_), Some(RunOutcome::Succeeded)) => badge("accepted", "成功"),
        (Some(_), _) => badge("sent-back", "失敗"),
    }
}

/// The reminder form: a department to remind now.
fn remind_form(signed: &Signed) -> Markup {
    let departments = &signed.app.config().departments;
    html! {
        section.remind {
            h2 { "督促を今すぐ送る" }
            p { "選んだ部に、定期の督促と同じ文面のメールを今すぐ送ります。同じ部には一日に一度だけ送ります。受理済みの部には送りません。" }
            form method="post" action={ "/" (signed.city_code()) "/console/remind" } {
                (csrf_field(&signed.csrf))
                label for="department" { "部" }
                select id="department" name="department" {
                    @for d in departments { option value=(d.name) { (d.name) } }
                }
                button type="submit" { "督促を送る" }
            }
        }
    }
}

/// `POST /{city}/console/run`: the annual run now, through the daemon's ledger; 303
/// back to the ledger saying whether it started. Without the daemon's jobs (a portal
/// started alone) a 503 page.
async fn run(
    State(web): State<Web>,
    signed: Signed,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    checked_form(&signed, form)?;
    let Some(jobs) = web.jobs() else {
        return Err(Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            detail: "このページはデーモン (hakusho serve) なしで動いているため、実行を始められません。運用担当にお知らせください。".into(),
        });
    };
    let answer = jobs.run_now(&signed.app).await?;
    tracing::info!(city = %signed.city_code(), address = %crate::domain::printable(&signed.address), ?answer, "「今すぐ実行」が押されました");
    let notice = match answer {
        RunNow::Started { .. } => "started",
        RunNow::AlreadyRunning { .. } => "running",
    };
    Ok(see_other(&format!(
        "/{}/console/runs?notice={notice}",
        signed.city_code()
    )))
}

/// `POST /{city}/console/remind`: a reminder to one department now; 303 back to the
/// ledger with what was done, a 400 page for a department that is not configured, a
/// 409 page when the reminder cannot be written (no address, no deadline).
async fn remind(
    State(web): State<Web>,
    signed: Signed,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    let department = checked_form(&signed, form)?.department;
    let name = department.clone();
    let reminded = on_store(&signed.app, move |app, store| {
        remind_now(app.config(), store, &name, app.now())
    })
    .await?;
    let notice = match &reminded {
        Reminded::Queued => {
            web.ring(signed.city_code());
            "reminded"
        }
        Reminded::AlreadyToday => "reminded-today",
        Reminded::Accepted(_) => "accepted",
        Reminded::UnknownDepartment => {
            return Err(Refusal::bad_request(reminded.why_not(&shown(&department))))
        }
        Reminded::NoRecipients | Reminded::NoDeadline | Reminded::Closed => {
            let main = html! { p.notice.error role="alert" { (reminded.why_not(&department)) } };
            return Ok(console_page(
                &signed,
                StatusCode::CONFLICT,
                "/runs",
                "督促を送れません",
                main,
            ));
        }
    };
    let encoded = utf8_percent_encode(&department, NON_ALPHANUMERIC);
    Ok(see_other(&format!(
        "/{}/console/runs?notice={notice}&department={encoded}",
        signed.city_code()
    )))
}

/// A name from a form as a page repeats it: at most 40 characters (a 100 kB name is
/// not sent back whole).
fn shown(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_string(),
    }
}

/// `GET /{city}/console/preview`: who would receive what on the next run. The reports
/// are built in memory (seconds): on a blocking thread, over a connection of its own,
/// never holding the city's shared store meanwhile.
async fn preview_page(signed: Signed) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let found = shared_preview(&signed.app).await?;
    let main = preview_view(&found);
    Ok(console_page(
        &signed,
        StatusCode::OK,
        "/preview",
        "送信内容の確認",
        main,
    ))
}

/// A city's preview builds: one at a time, and a press that waited for a build begun
/// after it asked takes that build's answer (ten presses at once build twice, not ten
/// times: each build holds every report in memory).
#[derive(Default)]
struct PreviewBuilds {
    /// The latest build's number and answer.
    latest: tokio::sync::Mutex<Option<(u64, Arc<Preview>)>>,
    /// How many builds were begun.
    begun: AtomicU64,
}

/// The city's preview, built or shared as [`PreviewBuilds`] says.
async fn shared_preview(app: &App) -> anyhow::Result<Arc<Preview>> {
    static CITIES: OnceLock<Mutex<BTreeMap<String, Arc<PreviewBuilds>>>> = OnceLock::new();
    let builds = {
        let mut cities = CITIES
            .get_or_init(Default::default)
            .lock()
            .expect("not poisoned");
        Arc::clone(cities.entry(app.config().city.code.clone()).or_default())
    };
    let asked = builds.begun.load(Ordering::SeqCst);
    let mut latest = builds.latest.lock().await;
    if let Some((number, found)) = latest.as_ref().filter(|(n, _)| *n > asked) {
        tracing::debug!(
            number,
            "送信内容の確認: 待っている間に作られたものを使います"
        );
        return Ok(Arc::clone(found));
    }
    let number = builds.begun.fetch_add(1, Ordering::SeqCst) + 1;
    let app = app.clone();
    let found = tokio::task::spawn_blocking(move || {
        let store = app.store().separate()?;
        preview(app.config(), &store, app.build_time())
    })
    .await
    .map_err(|e| anyhow::anyhow!("送信内容の確認が途中で止まりました: {e}"))??;
    let found = Arc::new(found);
    *latest = Some((number, Arc::clone(&found)));
    Ok(found)
}

/// The preview as the page shows it.
fn preview_view(preview: &Preview) -> Markup {
    html! {
        p.lead { "次の実行で送るメールは " strong { (preview.messages.len()) " 通" } " です(このページは何も送りません)。" }
        @if preview.unreceived > 0 {
            p.notice role="status" {
                "受付フォルダーに、まだ受け付けていないファイルが " (preview.unreceived)
                " 件あります。次の実行はそれらを受け付けてから報告書を作るため、送るメールはこの一覧と変わることがあります。"
            }
        }
        @if preview.unchanged > 0 {
            p { "前回と同じ内容のため、次の実行でも送らない報告書のメール: " (preview.unchanged) " 件" }
        }
        h2 { "送るメール" }
        @if preview.messages.is_empty() { p.muted { "送るメールはありません。" } }
        @else { (table(&["件名", "宛先", "添付", "合計"], preview.messages.iter().map(message_row))) }
        h2 { "送信待ちのメール(" (preview.pending.len()) " 件)" }
        @if preview.pending.is_empty() { p.muted { "送信待ちのメールはありません。" } }
        @else {
            (table(&["宛先", "試行", "次回"], preview.pending.iter().map(|d| vec![
                html! { (d.recipient) },
                html! { (d.attempts) " 回" },
                html! { span.nowrap { (tokyo_time(&d.next_attempt_at)) } },
            ])))
        }
    }
}

/// One message of the preview: subject, recipients, attachments with sizes, total.
fn message_row(message: &PreviewMessage) -> Vec<Markup> {
    vec![
        html! { (message.subject) },
        html! { @for to in &message.to { (to) br; } },
        html! {
            @for (name, size) in &message.attachments { (name) " " span.nowrap { "(" (size_label(*size)) ")" } br; }
        },
        html! {
            span.nowrap { (size_label(message.total)) }
            @if message.too_large {
                br; (badge("overdue", "上限超過")) " 添付せずに保存場所を知らせます"
            }
        },
    ]
}
