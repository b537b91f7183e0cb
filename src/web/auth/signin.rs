//! The sign-in: a form asks for an address; a known address gets a one-time link by
//! mail (through the outbox), valid [`LINK_MINUTES`] minutes and used once; the link's
//! page has a button whose POST opens the session. A GET never uses the link: mail
//! scanners open links. The answer to the form is the same page whether the address
//! is known or not, and the mail is queued after the answer, so its time says nothing
//! either.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Duration;
use maud::{html, Markup};
use serde::Deserialize;

use super::limits::{LINKS_PER_ADDRESS, WINDOW_MINUTES};
use super::tokens::{
    check_form_token, cookie, form_token, looks_like_token, random_token, sha256_hex,
    SESSION_COOKIE,
};
use super::{check_csrf, end_session, normalize_address, Role, Signed};
use crate::app::App;
use crate::domain::{printable, stamp};
use crate::mail::{outbox, Outgoing};
use crate::store::{NewSignInLink, NewWebSession};
use crate::web::client::Client;
use crate::web::page::{csrf_field, html_page, layout, see_other, Refusal};
use crate::web::{on_store, Web};

/// How long a link works.
pub const LINK_MINUTES: i64 = 15;

/// The routes of the sign-in and sign-out.
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/{city}/signin", get(form).post(request_link))
        .route("/{city}/signin/{token}", get(confirm).post(use_link))
        .route("/{city}/signout", post(sign_out))
}

/// A form's fields. Missing ones are empty: a form without its token is a 403, not a
/// 400 (nor axum's own English answer).
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The address typed (the sign-in form only).
    #[serde(default)]
    pub address: String,
}

/// The fields of a form, or the 403 of a form that cannot be read (no token in it).
fn fields(form: Result<Form<Fields>, FormRejection>) -> Result<Fields, Refusal> {
    form.map(|Form(fields)| fields)
        .map_err(|_| Refusal::forbidden(super::FORM_EXPIRED))
}

/// The city a path names, or 404.
fn city(web: &Web, code: &str) -> Result<App, Refusal> {
    web.city(code).cloned().ok_or_else(Refusal::not_found)
}

/// `GET /{city}/signin`: the form.
async fn form(
    State(web): State<Web>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let app = city(&web, &code)?;
    form_page(&app, &headers, StatusCode::OK, None)
}

/// The sign-in form's page, with a message above the form when there is one.
fn form_page(
    app: &App,
    headers: &HeaderMap,
    status: StatusCode,
    message: Option<Markup>,
) -> Result<Response, Refusal> {
    let config = app.config();
    let (token, set) = form_token(config, headers)?;
    let main = html! {
        @if let Some(message) = message { (message) }
        p { "登録されているメールアドレスを入力してください。サインイン用のリンクをメールでお送りします(パスワードはいりません)。" }
        form method="post" action={ "/" (config.city.code) "/signin" } {
            (csrf_field(&token))
            label for="address" { "メールアドレス" }
            // Text, not email: the browser would refuse an address pasted with its name.
            input #address type="text" inputmode="email" name="address" autocomplete="email" spellcheck="false" required;
            button type="submit" { "リンクを送る" }
        }
    };
    let mut response = html_page(status, layout("サインイン", Some(config), None, main));
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(response)
}

/// `POST /{city}/signin`: counts the request against the limits, answers the same page
/// for every plausible address, and queues the link for a known one.
async fn request_link(
    State(web): State<Web>,
    Path(code): Path<String>,
    client: Client,
    headers: HeaderMap,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    let app = city(&web, &code)?;
    let fields = fields(form)?;
    check_form_token(&headers, &fields.csrf)?;
    let Some(address) = normalize_address(&fields.address) else {
        let message = html! { p.notice.error { "メールアドレスの形になっていません。もう一度入力してください。" } };
        return form_page(&app, &headers, StatusCode::BAD_REQUEST, Some(message));
    };
    if !web
        .limits()
        .admit_request(&code, &client.0, &address, app.now())
    {
        tracing::warn!(city = %code, client = %printable(&client.0), "サインインのリンクの求めが多すぎるため断りました (429)");
        return Err(Refusal::too_many(
            "サインインのリンクを求める回数が多すぎます。",
        ));
    }
    tokio::spawn(send_link(web.clone(), app.clone(), address, client.0));
    let sent = html! {
        p.notice { "入力されたアドレスが登録されていれば、サインイン用のリンクをお送りしました。メールを確認してください。リンクは15分間、一度だけ使えます。" }
        p.muted { "メールが届かないときは、アドレスを確かめてもう一度送ってください。" }
    };
    form_page(&app, &headers, StatusCode::OK, Some(sent))
}

/// Queues the link for `address` when the city knows it and its cap in the store is
/// not reached, then rings the city's delivery bell. Failures are logged: the person
/// has had their answer already.
async fn send_link(web: Web, app: App, address: String, client: String) {
    if Role::of(app.config(), &address).is_none() {
        return;
    }
    let shown = printable(&address).to_string();
    let queued = on_store(&app, move |app, store| {
        queue_link(app, store, &address, &client)
    })
    .await;
    match queued {
        Ok(true) => {
            let code = &app.config().city.code;
            tracing::info!(city = %code, address = %shown, "サインイン用のリンクをメールで送ります");
            web.ring(code);
        }
        Ok(false) => {}
        Err(error) => tracing::error!(
            "サインインのリンクを送れません: {}",
            crate::domain::printable(&format!("{error:#}"))
        ),
    }
}

/// Records the link and queues its mail; `false` when the address had its links for
/// the window already.
fn queue_link(
    app: &App,
    store: &mut crate::store::Store,
    address: &str,
    client: &str,
) -> anyhow::Result<bool> {
    let (config, now) = (app.config(), app.now());
    let since = stamp(now - Duration::minutes(WINDOW_MINUTES));
    if store.sign_in_links_since(&config.city.code, address, &since)? >= LINKS_PER_ADDRESS {
        return Ok(false);
    }
    let token = random_token()?;
    let expires = now + Duration::minutes(LINK_MINUTES);
    let link = NewSignInLink {
        city_code: config.city.code.clone(),
        token_sha256: sha256_hex(&token),
        address: address.to_string(),
        client: client.to_string(),
        created_at: stamp(now),
        expires_at: stamp(expires),
    };
    store.insert_sign_in_link(&link)?;
    let Some(mail) = link_mail(app, address, &token, expires) else {
        return Ok(false);
    };
    let key = format!("signin:{}", link.token_sha256);
    outbox::enqueue(config, store, &key, &mail, now)
}

/// The link's mail, in Japanese.
fn link_mail(
    app: &App,
    address: &str,
    token: &str,
    expires: chrono::DateTime<chrono::Utc>,
) -> Option<Outgoing> {
    let config = app.config();
    let to = super::mailbox_of(config, address)?;
    let base = config.web.as_ref()?.base();
    let until = expires.with_timezone(&chrono_tz::Asia::Tokyo);
    let body = format!(
        "{city} 白書 提出窓口へのサインインのご依頼を受け付けました。\n\n\
         次のリンクを開き、「サインインする」を押してください。\n\n  {base}/{code}/signin/{token}\n\n\
         このリンクは {until} まで(15分間)、一度だけ使えます。\n\
         お心当たりがないときは、このメールを破棄してください。リンクを開かなければ何も起きません。\n\n\
         ※このメールは hakusho から自動送信しています。\n",
        city = config.city.name,
        code = config.city.code,
        until = until.format("%Y年%m月%d日 %H:%M"),
    );
    Some(Outgoing {
        to: vec![to],
        subject: format!("【{}】白書 提出窓口のサインイン用リンク", config.city.name),
        body,
        attachments: Vec::new(),
    })
}

/// `GET /{city}/signin/{token}`: the button that uses the link (nothing is used here).
async fn confirm(
    State(web): State<Web>,
    Path((code, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let app = city(&web, &code)?;
    if !looks_like_token(&token) || !link_usable(&app, &token).await? {
        return Err(Refusal::gone(""));
    }
    let config = app.config();
    let (form_token, set) = form_token(config, &headers)?;
    let main = html! {
        p { "下のボタンを押すとサインインします。" }
        form method="post" action={ "/" (code) "/signin/" (token) } {
            (csrf_field(&form_token))
            button type="submit" { "サインインする" }
        }
    };
    let mut response = html_page(
        StatusCode::OK,
        layout("サインインの確認", Some(config), None, main),
    );
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(response)
}

/// Whether the link can still be used: a used or expired one gets the 410 page at
/// once, not a button that would fail.
async fn link_usable(app: &App, token: &str) -> Result<bool, Refusal> {
    let (code, hash) = (app.config().city.code.clone(), sha256_hex(token));
    let now = crate::domain::stamp(app.now());
    Ok(on_store(app, move |_, store| {
        store.sign_in_link_usable(&code, &hash, &now)
    })
    .await?)
}

/// `POST /{city}/signin/{token}`: uses the link once and opens the session: its
/// cookie, then a 303 to the city's page. A used, expired, forged or other city's
/// link is a 410.
async fn use_link(
    State(web): State<Web>,
    Path((code, token)): Path<(String, String)>,
    headers: HeaderMap,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    let app = city(&web, &code)?;
    check_form_token(&headers, &fields(form)?.csrf)?;
    if !looks_like_token(&token) {
        return Err(Refusal::gone(""));
    }
    let id = random_token()?;
    let session = new_session(&app, &id)?;
    let hash = sha256_hex(&token);
    let address = on_store(&app, move |_, store| {
        store.redeem_sign_in_link(&hash, &session.created_at, &session)
    })
    .await?;
    let Some(address) = address else {
        return Err(Refusal::gone(""));
    };
    if Role::of(app.config(), &address).is_none() {
        end_session(&app, sha256_hex(&id)).await?;
        return Err(Refusal::gone(""));
    }
    tracing::info!(city = %code, address = %printable(&address), "サインインしました");
    let mut response = see_other(&format!("/{code}/"));
    let set = cookie(app.config(), SESSION_COOKIE, &id, None);
    response.headers_mut().append(header::SET_COOKIE, set);
    Ok(response)
}

/// A session for the id, from now for the city's `session_hours`.
pub fn new_session(app: &App, id: &str) -> anyhow::Result<NewWebSession> {
    let now = app.now();
    let hours = app.config().web.as_ref().map_or(12, |w| w.session_hours);
    Ok(NewWebSession {
        city_code: app.config().city.code.clone(),
        id_sha256: sha256_hex(id),
        csrf: random_token()?,
        created_at: stamp(now),
        expires_at: stamp(now + Duration::hours(i64::try_from(hours)?)),
    })
}

/// `POST /{city}/signout`: revokes the session and deletes its cookie.
async fn sign_out(
    signed: Signed,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, Refusal> {
    check_csrf(&signed, &fields(form)?.csrf)?;
    end_session(&signed.app, signed.session.clone()).await?;
    let code = signed.city_code().to_string();
    tracing::info!(city = %code, address = %printable(&signed.address), "サインアウトしました");
    let mut response = see_other(&format!("/{code}/signin"));
    let gone = cookie(signed.app.config(), SESSION_COOKIE, "", Some(0));
    response.headers_mut().append(header::SET_COOKIE, gone);
    Ok(response.into_response())
}
