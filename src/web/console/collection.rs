//! `GET /{city}/console/collection`: each fiscal year's collection (受付中 / 受付終了,
//! when and by whom) with the button that closes or opens it; `POST` does it through
//! [`crate::intake::collection`], the code `hakusho collection` runs, and answers with
//! a 303 back to the page, which says what changed.

use axum::extract::rejection::FormRejection;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use maud::{html, Markup};
use serde::Deserialize;

use super::{console_page, planning_only};
use crate::domain::FiscalYear;
use crate::intake::collection::{self, Change, UnknownYear, YearCollection};
use crate::web::auth::{check_csrf, Signed, FORM_EXPIRED};
use crate::web::page::{badge, csrf_field, see_other, table, tokyo_time, Refusal};
use crate::web::{on_store, Web};

/// The routes of this part of the console.
pub fn routes() -> Router<Web> {
    Router::new().route("/{city}/console/collection", get(page).post(change))
}

/// The form's fields; missing ones are empty (a form without its token is a 403).
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    /// The CSRF token.
    #[serde(default)]
    csrf: String,
    /// The year, as the page writes it (`2020`) or as staff type it (`令和2年度`).
    #[serde(default)]
    fiscal_year: String,
    /// `open` or `close`.
    #[serde(default)]
    action: String,
}

/// What the page was sent back with after a change: what it did, to which year.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
    #[serde(default)]
    year: String,
}

/// `GET /{city}/console/collection`.
async fn page(signed: Signed, Query(done): Query<Done>) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let years = on_store(&signed.app, |app, store| {
        collection::years(app.config(), store)
    })
    .await?;
    let main = html! {
        @if let Some(told) = notice(&done) { p.notice role="status" { (told) } }
        p { "受付を締め切った年度の提出用ブックは、ページからの提出も受付フォルダーのファイルも、提出として記録せずに断ります。提出した部には「受付は終了しました。企画経営課にお問い合わせください」と答えます(ページでは画面で、受付フォルダーのファイルにはメールで)。各部の提出のページからは提出の欄が消え、督促のメールも送りません。" }
        p { "受付を再開すると、締め切っている間に断ったファイルも、もう一度提出すれば新しい提出として受け付けます。" }
        (years_table(&signed, &years))
    };
    Ok(console_page(
        &signed,
        StatusCode::OK,
        "/collection",
        "年度ごとの受付",
        main,
    ))
}

/// The notice of the change just made, read back from the 303's query.
fn notice(done: &Done) -> Option<String> {
    let change = match done.done.as_str() {
        "opened" => Change::Opened,
        "closed" => Change::Closed,
        "already-open" => Change::AlreadyOpen,
        "already-closed" => Change::AlreadyClosed,
        _ => return None,
    };
    let year = done.year.parse().ok().map(FiscalYear)?;
    Some(change.message(year))
}

fn years_table(signed: &Signed, years: &[YearCollection]) -> Markup {
    let headings = ["年度", "受付", "最後の変更", "変更した人", "操作"];
    let rows = years.iter().map(|year| {
        let state = year.state.as_ref();
        vec![
            html! { span.year { (year.fiscal_year.to_string()) } br; span.muted { "(" (year.fiscal_year.start_year()) ")" } },
            state_badge(year.is_open()),
            html! { span.nowrap { (state.map_or("—".to_string(), |s| tokyo_time(&s.changed_at))) } },
            state.map_or(html! { "—" }, |s| address(&s.changed_by)),
            button(signed, year),
        ]
    });
    html! { div.collections { (table(&headings, rows)) } }
}

/// Who changed it, a line break allowed after the `@` of an address only.
fn address(by: &str) -> Markup {
    match by.split_once('@') {
        Some((local, domain)) => html! { span.by { (local) "@" wbr; (domain) } },
        None => html! { span.by { (by) } },
    }
}

/// 受付中 or 受付終了, as a badge.
fn state_badge(open: bool) -> Markup {
    badge(
        if open { "accepted" } else { "sent-back" },
        collection::label(open),
    )
}

/// The form that closes an open year or opens a closed one, with what it will do.
fn button(signed: &Signed, year: &YearCollection) -> Markup {
    let name = year.fiscal_year.to_string();
    let (action, label, sentence) = if year.is_open() {
        (
            "close",
            "受付を締め切る",
            format!("{name}の受付を締め切ります。以後この年度の提出用ブックは記録せずに断ります。"),
        )
    } else {
        (
            "open",
            "受付を再開する",
            format!("{name}の受付を再開します。この年度の提出用ブックをまた受け付けます。"),
        )
    };
    html! {
        form.collection method="post" action={ "/" (signed.city_code()) "/console/collection" } {
            (csrf_field(&signed.csrf))
            input type="hidden" name="fiscal_year" value=(year.fiscal_year.start_year());
            input type="hidden" name="action" value=(action);
            p.confirm { (sentence) }
            button type="submit" { (label) }
        }
    }
}

/// `POST /{city}/console/collection`: opens or closes the year, then back to the page.
async fn change(
    signed: Signed,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let Form(fields) = form.map_err(|_| Refusal::forbidden(FORM_EXPIRED))?;
    check_csrf(&signed, &fields.csrf)?;
    let (year, open) = read_fields(&fields)?;
    let by = signed.address.clone();
    let changed = on_store(&signed.app, move |app, store| {
        let now = app.now();
        Ok(collection::set(app.config(), store, year, open, now, &by))
    })
    .await?;
    let change = match changed {
        Ok(change) => change,
        Err(error) => return Err(refusal_of(error)),
    };
    Ok(see_other(&format!(
        "/{}/console/collection?done={}&year={}",
        signed.city_code(),
        done_word(change),
        year.start_year()
    )))
}

/// The year and whether to open it; a garbled one is a 400 that says what is wrong.
fn read_fields(fields: &Fields) -> Result<(FiscalYear, bool), Refusal> {
    let year = FiscalYear::parse(&fields.fiscal_year).map_err(|e| {
        Refusal::bad_request(format!("{e}。受付のページのボタンから操作してください。"))
    })?;
    let open = match fields.action.as_str() {
        "open" => true,
        "close" => false,
        _ => {
            return Err(Refusal::bad_request(
                "操作は「受付を締め切る」か「受付を再開する」です。受付のページのボタンから操作してください。",
            ))
        }
    };
    Ok((year, open))
}

/// A year the city does not know is the sender's mistake (400); anything else ours.
fn refusal_of(error: anyhow::Error) -> Refusal {
    match error.downcast_ref::<UnknownYear>() {
        Some(unknown) => Refusal::bad_request(unknown.to_string()),
        None => Refusal::internal(&error),
    }
}

/// The change as the 303's query names it.
fn done_word(change: Change) -> &'static str {
    match change {
        Change::Opened => "opened",
        Change::Closed => "closed",
        Change::AlreadyOpen => "already-open",
        Change::AlreadyClosed => "already-closed",
    }
}
