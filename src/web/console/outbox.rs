//! The console's outbox (issue 15): the city's copies by state (未送信, 送信済み,
//! 配送不能) with their attempts and last error, the delivery pause if any, and
//! 「再送」 for one undeliverable copy (`mail::resend::resend`, as `hakusho send
//! --resend ID`).

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::actions::{checked_form, Fields};
use super::{console_page, planning_only};
use crate::mail::resend::{resend, state_label, Resent};
use crate::store::{DeliveryPause, DeliveryState, OutboxCounts, OutboxEntry};
use crate::web::auth::Signed;
use crate::web::page::{badge, csrf_field, see_other, table, tokyo_time, Refusal};
use crate::web::{on_store, Web};

/// How many copies a tab lists (the newest).
const SHOWN: i64 = 200;

/// The tabs: the query's word, the label, the states listed.
const STATES: [(&str, &str, &[DeliveryState]); 3] = [
    (
        "pending",
        "未送信",
        &[DeliveryState::Sending, DeliveryState::Pending],
    ),
    ("sent", "送信済み", &[DeliveryState::Sent]),
    ("failed", "配送不能", &[DeliveryState::Failed]),
];

/// The routes of this part of the console.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/console/outbox", get(outbox_page))
        .route("/{city}/console/outbox/{delivery}/resend", post(resend_one))
}

/// The outbox page's query: the tab, and the notice after a resend.
#[derive(Debug, Default, Deserialize)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `failed` (anything else: pending).
    #[serde(default)]
    state: String,
    /// `resent` after a copy went back to the queue.
    #[serde(default)]
    notice: String,
}

/// What the page shows, read in one go.
struct View {
    counts: OutboxCounts,
    entries: Vec<OutboxEntry>,
    pause: Option<DeliveryPause>,
}

/// `GET /{city}/console/outbox?state=…`: one tab of the outbox.
async fn outbox_page(
    signed: Signed,
    Query(query): Query<OutboxQuery>,
) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let tab = STATES
        .iter()
        .position(|(word, _, _)| *word == query.state)
        .unwrap_or(0);
    let view = on_store(&signed.app, move |app, store| {
        let city = &app.config().city.code;
        let mut entries = Vec::new();
        for state in STATES[tab].2 {
            entries.extend(store.outbox_entries(city, *state, SHOWN)?);
        }
        Ok(View {
            counts: store.outbox_counts(city)?,
            entries,
            pause: store.delivery_pause(city)?,
        })
    })
    .await?;
    let main = html! {
        @if query.notice == "resent" {
            p.notice role="status" { "配送不能だったメールを送信待ちに戻しました。まもなく送ります。" }
        }
        @if let Some(pause) = &view.pause { (pause_notice(pause)) }
        (state_tabs(signed.city_code(), tab, &view.counts))
        (entries_table(&signed, tab, &view.entries))
    };
    Ok(console_page(
        &signed,
        StatusCode::OK,
        "/outbox",
        "メール",
        main,
    ))
}

/// The delivery pause, as the operator must read it.
fn pause_notice(pause: &DeliveryPause) -> Markup {
    html! {
        p.notice.error role="alert" {
            "メールの配送を一時停止しています(" (tokyo_time(&pause.paused_at)) " から、最後の確認 "
            (tokyo_time(&pause.last_probe_at)) "): " (pause.reason)
        }
    }
}

/// The three states as links with their counts, the current one marked.
fn state_tabs(city: &str, current: usize, counts: &OutboxCounts) -> Markup {
    let numbers = [counts.pending, counts.sent, counts.failed];
    html! {
        nav.tabs.states aria-label="メールの状態" {
            @for (i, (word, label, _)) in STATES.iter().enumerate() {
                @let href = format!("/{city}/console/outbox?state={word}");
                @if i == current {
                    a href=(href) aria-current="page" { (label) " (" (numbers[i]) ")" }
                } @else {
                    a href=(href) { (label) " (" (numbers[i]) ")" }
                }
            }
        }
    }
}

/// The columns of each tab (what a copy in it has to show).
const COLUMNS: [&[&str]; 3] = [
    &["ID", "宛先", "件名", "状態", "試行", "次回", "最後のエラー"],
    &["ID", "宛先", "件名", "試行", "送信日時"],
    &["ID", "宛先", "件名", "試行", "最後のエラー", "操作"],
];

/// The copies of a tab: recipient, subject, attempts, and what the state makes worth
/// reading (next attempt and last error while waiting, sent time once sent, the last
/// error and a 「再送」 button when undeliverable).
fn entries_table(signed: &Signed, tab: usize, entries: &[OutboxEntry]) -> Markup {
    if entries.is_empty() {
        return html! { p.muted { (STATES[tab].1) "のメールはありません。" } };
    }
    let columns = COLUMNS[tab];
    let rows = entries.iter().map(|e| {
        columns
            .iter()
            .map(|column| cell(signed, e, column))
            .collect::<Vec<Markup>>()
    });
    html! {
        @if entries.len() as i64 >= SHOWN { p.muted { "新しい順に " (SHOWN) " 件まで表示しています。" } }
        div.outbox { (table(columns, rows)) }
    }
}

/// A recipient (`名前 <local@domain>`), a line break allowed between the name and
/// the address only (never at a hyphen inside the address).
fn recipient(text: &str) -> Markup {
    match text.rsplit_once(" <") {
        Some((name, address)) => html! { (name) " " span.nowrap { "<" (address) } },
        None => html! { span.nowrap { (text) } },
    }
}

/// One cell of a copy's row.
fn cell(signed: &Signed, entry: &OutboxEntry, column: &str) -> Markup {
    let d = &entry.delivery;
    match column {
        "ID" => html! { span.nowrap { (d.id) } },
        "宛先" => recipient(&d.recipient),
        "件名" => html! { (entry.subject) },
        "状態" => html! { span.nowrap { (state_label(d.state)) } },
        "試行" => html! { span.nowrap { (d.attempts) " 回" } },
        "次回" => html! { span.nowrap { (tokyo_time(&d.next_attempt_at)) } },
        "最後のエラー" => html! { (d.last_error.as_deref().unwrap_or_default()) },
        "送信日時" => {
            html! { span.nowrap { (entry.sent_at.as_deref().map(tokyo_time).unwrap_or_default()) } }
        }
        _ => resend_button(signed, d.id),
    }
}

/// The 「再送」 button of one undeliverable copy.
fn resend_button(signed: &Signed, delivery: i64) -> Markup {
    html! {
        form.inline method="post" action={ "/" (signed.city_code()) "/console/outbox/" (delivery) "/resend" } {
            (csrf_field(&signed.csrf))
            button type="submit" { "再送" }
        }
    }
}

/// `POST /{city}/console/outbox/{delivery}/resend`: ONE undeliverable copy back to the
/// queue, the bell rung; 303 to the pending tab. A copy that is not the city's (or no
/// number): 404; one that is not undeliverable (a second press): 409.
async fn resend_one(
    State(web): State<Web>,
    signed: Signed,
    Path((_, delivery)): Path<(String, String)>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    checked_form(&signed, form)?;
    let delivery: i64 = delivery.parse().map_err(|_| Refusal::not_found())?;
    let resent = on_store(&signed.app, move |app, store| {
        resend(app.config(), store, delivery, app.now())
    })
    .await?;
    let city = signed.city_code();
    match resent {
        Resent::Requeued => {
            web.ring(city);
            Ok(see_other(&format!(
                "/{city}/console/outbox?state=pending&notice=resent"
            )))
        }
        Resent::Unknown => Err(Refusal::not_found()),
        Resent::NotFailed(state) => Ok(not_failed_page(&signed, delivery, state)),
    }
}

/// The 409 page of a copy that is not undeliverable.
fn not_failed_page(signed: &Signed, delivery: i64, state: DeliveryState) -> Response {
    let main = html! {
        p.notice.error role="alert" {
            "メール (ID " (delivery) ") は配送不能ではありません(いまは" (badge("noted", state_label(state)))
            ")。送信待ちに戻せるのは配送不能のメールだけです。すでに再送した場合は、未送信の一覧をご覧ください。"
        }
        p { a href={ "/" (signed.city_code()) "/console/outbox?state=pending" } { "未送信のメールへ" } }
    };
    console_page(
        signed,
        StatusCode::CONFLICT,
        "/outbox",
        "再送できません",
        main,
    )
}
