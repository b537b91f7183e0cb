//! The pages' frame: the layout every page shares (`<html lang="ja">`, the header with
//! the city and who is signed in), the helpers for forms and tables, the error pages
//! (400 to 500, in Japanese, never a stack trace) and the headers every answer carries.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use crate::config::Config;

/// The Content-Security-Policy of every answer: nothing but our own files, no inline
/// script, no frame, forms only to ourselves.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Who is signed in, as the header shows it: the address, and the token of the
/// sign-out form.
pub struct Header<'a> {
    /// The signed-in address.
    pub address: &'a str,
    /// What the role is called on the page (部の名前, 企画経営課, 管理者).
    pub role: String,
    /// The session's CSRF token, for the sign-out button.
    pub csrf: &'a str,
}

/// A whole page: `title` in the tab and as the heading, the city's name in the header,
/// the signed-in address with a sign-out button when someone is signed in.
pub fn layout(title: &str, city: Option<&Config>, signed: Option<Header>, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " - hakusho" }
                link rel="stylesheet" href="/assets/hakusho.css";
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                script src="/assets/upload.js" defer {}
            }
            body {
                (banner(city, signed))
                main { h1 { (title) } (main) }
            }
        }
    }
}

/// The header: the city, and who is signed in.
fn banner(city: Option<&Config>, signed: Option<Header>) -> Markup {
    html! {
        header.banner {
            span.city { @if let Some(config) = city { (config.city.name) " " } "白書 提出窓口" }
            @if let (Some(config), Some(signed)) = (city, signed) {
                span.who { (signed.role) "(" (signed.address) ")" }
                form.signout method="post" action={ "/" (config.city.code) "/signout" } {
                    (csrf_field(signed.csrf))
                    button type="submit" { "サインアウト" }
                }
            }
        }
    }
}

/// The hidden field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A table: a header row and the rows, each cell already rendered.
pub fn table(headings: &[&str], rows: impl IntoIterator<Item = Vec<Markup>>) -> Markup {
    html! {
        table {
            thead { tr { @for heading in headings { th scope="col" { (heading) } } } }
            tbody { @for row in rows { tr { @for cell in row { td { (cell) } } } } }
        }
    }
}

/// A state badge: colour for the eye and the word for everyone (never colour alone).
pub fn badge(class: &str, label: &str) -> Markup {
    html! { span class={ "badge " (class) } { (label) } }
}

/// An HTML answer that no cache keeps (pages carry who is signed in).
pub fn html_page(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A 303 to `location` (after a form, or to the sign-in page).
pub fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A refused request: the status and its page in Japanese. The cause of a 500 is
/// logged for the operator; the page says only that it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// What the page says, besides the status's own sentence.
    pub detail: String,
}

impl Refusal {
    fn new(status: StatusCode, detail: impl Into<String>) -> Refusal {
        Refusal {
            status,
            detail: detail.into(),
        }
    }

    /// 400: the request cannot be read.
    pub fn bad_request(detail: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 403: a form without its token, or a role that may not use the page.
    pub fn forbidden(detail: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404: no such page (or not one of yours: the same answer).
    pub fn not_found() -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, "")
    }

    /// 410: a sign-in link that was used, expired or never existed.
    pub fn gone(detail: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::GONE, detail)
    }

    /// 413: a file over the limit.
    pub fn too_large(detail: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }

    /// 429: too many requests.
    pub fn too_many(detail: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::TOO_MANY_REQUESTS, detail)
    }

    /// 500: our failure, logged with its causes; the page shows none of them.
    pub fn internal(error: &anyhow::Error) -> Refusal {
        tracing::error!(
            "ページを返せませんでした: {}",
            crate::domain::printable(&format!("{error:#}"))
        );
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "")
    }
}

impl From<anyhow::Error> for Refusal {
    fn from(error: anyhow::Error) -> Refusal {
        Refusal::internal(&error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (title, text) = status_text(self.status);
        let main = html! {
            p.lead { (text) }
            @if !self.detail.is_empty() { p { (self.detail) } }
            p { a href="/" { "最初のページへ" } }
        };
        html_page(self.status, layout(title, None, None, main))
    }
}

/// Each error status's title and sentence.
fn status_text(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("リクエストを読めません", "送られた内容を読み取れませんでした。ページを開き直してから、もう一度お試しください。"),
        403 => ("この操作はできません", "このページを使う権限がないか、フォームの有効期限が切れています。ページを開き直してから、もう一度お試しください。"),
        404 => ("ページが見つかりません", "お探しのページはありません。アドレスを確かめてください。"),
        405 => ("この方法では開けません", "このページはこの方法では使えません。画面のリンクやボタンから開いてください。"),
        410 => ("このリンクは使えません", "サインインのリンクは、送信から15分の間に一度だけ使えます。もう一度サインインのページからリンクを送ってください。"),
        413 => ("ファイルが大きすぎます", "送られたファイルは受け付けられる大きさを超えています。"),
        429 => ("しばらくお待ちください", "短い間に何度も送られました。15分ほど待ってから、もう一度お試しください。"),
        _ => ("エラーが起きました", "ページを表示できませんでした。時間をおいてもう一度お試しください。続くときは企画経営課にお知らせください。"),
    }
}

/// A stored UTC stamp as staff read it: `2021年04月01日 09:00` in Asia/Tokyo (the stamp
/// as it is when it cannot be read).
pub fn tokyo_time(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_string(),
        |t| {
            t.with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y年%m月%d日 %H:%M")
                .to_string()
        },
    )
}

/// Marks an error answer whose body is meant as it is (`/healthz`'s 503 in plain text
/// for a probe): [`finish`] does not replace it with the HTML page of its status.
#[derive(Debug, Clone, Copy)]
pub struct OwnBody;

/// Every answer leaves through here: an error that is not one of our pages (axum's own
/// answers to a path it cannot decode, a method not allowed, a body over its limit) is
/// replaced by the Japanese page of its status, and the headers every answer carries
/// are added: the CSP, no sniffing, no framing, and no Referer (a sign-in link's token
/// must not leave in one).
pub async fn finish(request: Request, next: Next) -> Response {
    let mut response = our_error_page(next.run(request).await);
    let headers = response.headers_mut();
    let fixed = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The Japanese page of an error answer that is not HTML (an `Allow` header kept).
fn our_error_page(response: Response) -> Response {
    let status = response.status();
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let own = response.extensions().get::<OwnBody>().is_some();
    if html || own || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut page = Refusal::new(status, "").into_response();
    if let Some(allow) = allow {
        page.headers_mut().insert(header::ALLOW, allow);
    }
    page
}
