//! (filled by issue 15's slice)

use axum::Router;

use crate::web::Web;

/// The routes of this part of the console.
pub fn routes() -> Router<Web> {
    Router::new()
}
