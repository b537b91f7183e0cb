//! The portal's own files, embedded in the binary: the style sheet and the script that
//! adds drag and drop. No CDN, no framework.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::page::Refusal;

/// The style sheet.
pub const CSS: &str = include_str!("assets/hakusho.css");

/// The drag-and-drop script (the pages work without it).
pub const UPLOAD_JS: &str = include_str!("assets/upload.js");

/// The page icon: 白 on the header's blue (browsers ask for one on every site).
pub const FAVICON: &str = include_str!("assets/favicon.svg");

/// `GET /assets/{file}`: an embedded file, kept by caches for an hour (a new version
/// of hakusho is picked up within the hour; the names carry no hash).
pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "hakusho.css" => (CSS, "text/css; charset=utf-8"),
        "upload.js" => (UPLOAD_JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return Refusal::not_found().into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
