//! `hakusho explain` as a page (`GET /{city}/console/explain?item=1-1.1&year=2020`):
//! every value of an indicator, KPI or action-plan item with the submission, file,
//! sheet and cell it was read from, each linking to the submission and its original.
//! The rows are [`consolidate::explain`]'s, the ones the command prints.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::year::{source_cell, submission_href};
use super::{console_page, planning_only};
use crate::consolidate::{self, Lineage, LineageRow};
use crate::domain::FiscalYear;
use crate::web::auth::Signed;
use crate::web::page::{table, Refusal};
use crate::web::{on_store, Web};

/// The longest item id read: the plan's are a dozen characters; anything longer is
/// not one and is not echoed back.
const MAX_ITEM_CHARS: usize = 64;

/// What an item id is encoded with in a link: the characters of the plan's ids
/// (`1-1.1`, `K2-1`, `1-(2)`) stay as they are, so the link reads as typed.
const ITEM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'(')
    .remove(b')');

/// The route of the lineage page.
pub fn routes() -> Router<Web> {
    Router::new().route("/{city}/console/explain", get(explain_page))
}

/// The page's link for an item of a year.
pub fn explain_href(city: &str, item: &str, year: FiscalYear) -> String {
    let item = utf8_percent_encode(item, ITEM);
    format!(
        "/{city}/console/explain?item={item}&year={}",
        year.start_year()
    )
}

/// The form's fields, both optional (the bare page shows the form alone).
#[derive(Debug, Deserialize)]
struct Asked {
    item: Option<String>,
    year: Option<String>,
}

/// What the form shows: the years to choose from, the year and the item asked.
struct Form {
    years: Vec<FiscalYear>,
    year: FiscalYear,
    item: String,
}

/// The answer to a question, before it is a page.
enum Answer {
    /// No item asked: the form alone.
    Form,
    /// The item's lineage.
    Found(Lineage),
    /// No such item in the year's datasets.
    Unknown,
    /// The year's datasets could not be built (a year outside the plan's period).
    NotBuilt,
}

/// `GET /{city}/console/explain`.
async fn explain_page(signed: Signed, Query(asked): Query<Asked>) -> Result<Response, Refusal> {
    planning_only(&signed)?;
    let item = asked.item.unwrap_or_default().trim().to_string();
    if item.chars().count() > MAX_ITEM_CHARS {
        let form = Form {
            years: years_of(&signed).await?,
            year: signed.app.config().fiscal_year(),
            item: String::new(),
        };
        let main = html! {
            p.notice.error { "指標・KPI・個別課題の番号が長すぎます。「1-1.1」「K2-1」「1-(2)」のように入力してください。" }
            (form_of(signed.city_code(), &form))
        };
        return Ok(page(&signed, StatusCode::BAD_REQUEST, main));
    }
    let years = years_of(&signed).await?;
    let Some(year) = year_asked(&signed, &years, asked.year.as_deref()) else {
        return Ok(unknown_year(&signed, years, &item));
    };
    let form = Form { years, year, item };
    let answer = answer(&signed, &form).await?;
    Ok(answer_page(&signed, &form, answer))
}

/// The fiscal years to choose from: those with an accepted submission and the
/// configured one, newest first.
async fn years_of(signed: &Signed) -> Result<Vec<FiscalYear>, Refusal> {
    let mut years = on_store(&signed.app, |app, store| {
        store.fiscal_years(&app.config().city.code)
    })
    .await?;
    years.push(signed.app.config().fiscal_year());
    years.sort();
    years.dedup();
    years.reverse();
    Ok(years)
}

/// The year asked (the configured one when none is), when it is one of `years`.
fn year_asked(signed: &Signed, years: &[FiscalYear], asked: Option<&str>) -> Option<FiscalYear> {
    let year = match asked.map(str::trim).filter(|y| !y.is_empty()) {
        None => signed.app.config().fiscal_year(),
        Some(text) => FiscalYear::parse(text).ok()?,
    };
    years.contains(&year).then_some(year)
}

/// The lineage of the item asked, from the year's datasets built read-only.
async fn answer(signed: &Signed, form: &Form) -> Result<Answer, Refusal> {
    if form.item.is_empty() {
        return Ok(Answer::Form);
    }
    let (year, item) = (form.year, form.item.clone());
    let answer = on_store(&signed.app, move |app, store| {
        let datasets = match consolidate::read_from_store(app.config(), store, year) {
            Ok(datasets) => datasets,
            Err(error) => {
                tracing::warn!("数値の出どころ: {year}を集計できません: {error:#}");
                return Ok(Answer::NotBuilt);
            }
        };
        Ok(consolidate::explain(&datasets, &item).map_or(Answer::Unknown, Answer::Found))
    })
    .await?;
    Ok(answer)
}

fn answer_page(signed: &Signed, form: &Form, answer: Answer) -> Response {
    let city = signed.city_code();
    let (status, body) = match answer {
        Answer::Form => (StatusCode::OK, html! {}),
        Answer::Found(lineage) => (StatusCode::OK, lineage_section(city, &lineage)),
        Answer::Unknown => (
            StatusCode::NOT_FOUND,
            html! { p.notice.error { (form.year.to_string()) "に「" (form.item) "」という指標・KPI・個別課題はありません。番号を確かめてください。" } },
        ),
        Answer::NotBuilt => (
            StatusCode::NOT_FOUND,
            html! { p.notice.error { (form.year.to_string()) "の数値を集計できませんでした(計画期間の外か、計画の参照データがありません)。" } },
        ),
    };
    let main = html! { (form_of(city, form)) (body) };
    page(signed, status, main)
}

/// A year that is not one to choose from: the 404 page with the form.
fn unknown_year(signed: &Signed, years: Vec<FiscalYear>, item: &str) -> Response {
    let form = Form {
        years,
        year: signed.app.config().fiscal_year(),
        item: item.to_string(),
    };
    let main = html! {
        p.notice.error { "その年度の提出はありません。一覧から年度を選んでください。" }
        (form_of(signed.city_code(), &form))
    };
    page(signed, StatusCode::NOT_FOUND, main)
}

fn page(signed: &Signed, status: StatusCode, main: Markup) -> Response {
    console_page(signed, status, "/explain", "数値の出どころ", main)
}

/// The question: an item's id and a year (a GET form: the answer is a link to keep).
fn form_of(city: &str, form: &Form) -> Markup {
    html! {
        form.explain method="get" action={ "/" (city) "/console/explain" } {
            div.field {
                label for="item" { "指標・KPI・個別課題の番号(例: 1-1.1、K2-1、1-(2))" }
                input #item type="text" name="item" value=(form.item) maxlength=(MAX_ITEM_CHARS) required;
            }
            div.field {
                label for="year" { "年度" }
                select #year name="year" {
                    @for year in &form.years {
                        option value=(year.start_year()) selected[*year == form.year] { (year.to_string()) }
                    }
                }
            }
            button type="submit" { "調べる" }
        }
    }
}

/// The item's heading, its notes and one row per value.
fn lineage_section(city: &str, lineage: &Lineage) -> Markup {
    let headings = ["項目", "値", "読んだところ", "部", "年度", "原本"];
    let rows = lineage.rows.iter().map(|row| lineage_row(city, row));
    html! {
        section.lineage {
            h2 { (lineage.heading) }
            @if !lineage.notes.is_empty() {
                ul { @for note in &lineage.notes { li { (note) } } }
            }
            @if lineage.rows.is_empty() { p { "提出から読んだ値はありません。" } }
            @else { (table(&headings, rows)) }
        }
    }
}

fn lineage_row(city: &str, row: &LineageRow) -> Vec<Markup> {
    let source = row.source.as_ref();
    vec![
        html! { span.nowrap { (row.label) } },
        html! { (row.shown_value()) },
        source_cell(city, source),
        html! { @if let Some(s) = source { span.nowrap { (s.department) } } },
        html! { span.nowrap { (FiscalYear(row.year).to_string()) } },
        html! { @if let Some(s) = source {
            a.nowrap href={ (submission_href(city, s.submission_id)) "/original" } { "ダウンロード" }
        } },
    ]
}
