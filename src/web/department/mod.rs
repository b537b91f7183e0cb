//! What a department sees and does: its page (the year, the deadline, its state, the
//! template, the upload form, its history and reports), the answer to an upload, and
//! the downloads. Only its own rows and files: whatever another department's or city's
//! is answered 404, exactly like an id that does not exist.

mod answers;
pub mod deadline;
pub mod files;
pub mod names;
pub mod pages;
mod receive;
pub mod turns;
pub mod upload;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use super::auth::{Role, Signed};
use super::page::Refusal;
use super::Web;

/// The department's routes.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/department", get(pages::department_page))
        .route("/{city}/template", get(files::template))
        .route(
            "/{city}/upload",
            post(receive::upload).layer(DefaultBodyLimit::max(receive::BODY_LIMIT)),
        )
        .route("/{city}/submissions/{id}", get(pages::submission_page))
        .route("/{city}/submissions/{id}/original", get(files::original))
        .route("/{city}/submissions/{id}/annotated", get(files::annotated))
        .route("/{city}/reports/{year}/{file}", get(files::report))
}

/// The department signed in: the planning division and managers may not use these
/// pages at all (403); they have their own.
pub fn department_of(signed: &Signed) -> Result<&str, Refusal> {
    match &signed.role {
        Role::Department(name) => Ok(name),
        Role::Planning | Role::Manager => Err(Refusal::forbidden(
            "このページは各部の提出用です。一覧のページをお使いください。",
        )),
    }
}

/// An id from the path: anything that is not one is a page that does not exist.
pub fn submission_id(text: &str) -> Result<i64, Refusal> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(Refusal::not_found)
}
