//! The planning division's console (issue 15): the year at a glance, the actions (run
//! now, send preview, resend, remind, open or close a year's collection), the outbox,
//! the reports with their rebuild, and the lineage of a figure. Every action goes
//! through the code the command line and the schedule use, never a second path.
//! Managers and departments may not use any of it (403).

pub mod actions;
pub mod collection;
pub mod lineage;
pub mod outbox;
pub mod reports;
pub mod year;

use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use maud::{html, Markup};

use super::auth::{Role, Signed};
use super::page::Refusal;
use super::Web;

/// Every route of the console.
pub fn routes() -> Router<Web> {
    Router::new()
        .merge(year::routes())
        .merge(actions::routes())
        .merge(outbox::routes())
        .merge(collection::routes())
        .merge(reports::routes())
        .merge(lineage::routes())
}

/// Only the planning division: anyone else signed in gets the 403 page.
pub fn planning_only(signed: &Signed) -> Result<(), Refusal> {
    match signed.role {
        Role::Planning => Ok(()),
        Role::Manager => Err(Refusal::forbidden(
            "このページは企画経営課の操作用です。管理者の方は概要のページをお使いください。",
        )),
        Role::Department(_) => Err(Refusal::forbidden("このページは企画経営課の操作用です。")),
    }
}

/// The console's tabs: (path under `/{city}/console`, label).
pub const TABS: [(&str, &str); 7] = [
    ("", "提出状況"),
    ("/runs", "実行"),
    ("/preview", "送信内容の確認"),
    ("/outbox", "メール"),
    ("/reports", "報告書"),
    ("/explain", "数値の出どころ"),
    ("/collection", "受付期間"),
];

/// The tabs as links, the current one marked.
pub fn nav(city: &str, current: &str) -> Markup {
    html! {
        nav class="tabs" aria-label="企画経営課のページ" {
            @for (path, label) in TABS {
                @let href = format!("/{city}/console{path}");
                @if path == current {
                    a href=(href) aria-current="page" { (label) }
                } @else {
                    a href=(href) { (label) }
                }
            }
            a href={ "/" (city) "/summary" } { "年度の概要" }
        }
    }
}

/// A console page: the tabs (`current` marked) above `main`, in the signed-in layout.
pub fn console_page(
    signed: &Signed,
    status: StatusCode,
    current: &str,
    title: &str,
    main: Markup,
) -> Response {
    let main = html! { (nav(signed.city_code(), current)) (main) };
    signed.page(status, title, main)
}
