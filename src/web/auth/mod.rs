//! Who is signed in, and as what.
//!
//! A person signs in with a one-time link sent by mail ([`signin`]); the link opens a
//! session, kept in the store as the SHA-256 of its id (the cookie `hakusho_session`
//! carries the id itself). Every request reads the session again ([`Signed`]) and
//! re-resolves the role from the current configuration: an address taken out of the
//! configuration has no role, and its sessions end at its next request.
//! Every form carries a CSRF token: the session's own once signed in ([`check_csrf`]),
//! a double-submit cookie before ([`tokens::PreSignIn`]).

pub mod limits;
pub mod signin;
pub mod tokens;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::page::{html_page, layout, see_other, Header, Refusal};
use super::{on_store, Web};
use crate::app::App;
use crate::config::{Config, ConfigMailbox};
use crate::domain::stamp;

pub use limits::Limits;
pub use tokens::{cookie_values, same_token, sha256_hex, SESSION_COOKIE};

/// What a signed-in person may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A department's recipient: its own data only.
    Department(String),
    /// The planning division (`[web] planning`): every department.
    Planning,
    /// A manager (`[managers] recipients`): every department, read only.
    Manager,
}

impl Role {
    /// The role of `address` in `config`, if it has one. An address in several lists
    /// is planning first, then its department, then a manager.
    pub fn of(config: &Config, address: &str) -> Option<Role> {
        let address = normalize_address(address)?;
        let listed = |list: &[ConfigMailbox]| list.iter().any(|m| same_address(m, &address));
        let planning = config.web.as_ref().map_or(&[][..], |w| &w.planning[..]);
        if listed(planning) {
            return Some(Role::Planning);
        }
        if let Some(department) = config.departments.iter().find(|d| listed(&d.recipients)) {
            return Some(Role::Department(department.name.clone()));
        }
        listed(&config.managers.recipients).then_some(Role::Manager)
    }

    /// What the page calls it.
    pub fn label(&self) -> String {
        match self {
            Role::Department(name) => name.clone(),
            Role::Planning => "企画経営課".to_string(),
            Role::Manager => "管理者".to_string(),
        }
    }

    /// The page a signed-in person lands on.
    pub fn home(&self, city_code: &str) -> String {
        match self {
            Role::Department(_) => format!("/{city_code}/department"),
            Role::Planning => format!("/{city_code}/console"),
            Role::Manager => format!("/{city_code}/summary"),
        }
    }
}

/// The configured mailbox (with its display name) of `address`, if the city knows it.
pub fn mailbox_of(config: &Config, address: &str) -> Option<lettre::message::Mailbox> {
    let address = normalize_address(address)?;
    let planning = config.web.iter().flat_map(|w| &w.planning);
    let departments = config.departments.iter().flat_map(|d| &d.recipients);
    planning
        .chain(departments)
        .chain(&config.managers.recipients)
        .find(|m| same_address(m, &address))
        .map(|m| m.0.clone())
}

/// An address as typed, trimmed and in lower case; `None` when it cannot be one
/// (empty, too long, spaces or control characters, no `@`). An address pasted with its
/// display name (`市民部 <kyoiku-bu@…>`, as mail programs copy it) is the one inside the
/// angle brackets.
pub fn normalize_address(typed: &str) -> Option<String> {
    let address = inside_angle_brackets(typed.trim()).trim().to_lowercase();
    let plausible = address.len() <= 254
        && address
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !address.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(address)
}

/// `名前 <address>` → `address`; anything else as it is.
fn inside_angle_brackets(typed: &str) -> &str {
    let Some(open) = typed.strip_suffix('>').and_then(|t| t.rfind('<')) else {
        return typed;
    };
    &typed[open + 1..typed.len() - 1]
}

fn same_address(mailbox: &ConfigMailbox, normalized: &str) -> bool {
    mailbox.0.email.to_string().to_lowercase() == normalized
}

/// A signed-in request: the city, who, as what, and the token its forms carry. As an
/// extractor: a request without a live session of the city is sent to the sign-in page
/// (303); a city that is not served is 404.
#[derive(Clone)]
pub struct Signed {
    /// The city signed in to.
    pub app: App,
    /// The signed-in address (lower case).
    pub address: String,
    /// What they may see, from the configuration as it is now.
    pub role: Role,
    /// The session's CSRF token.
    pub csrf: String,
    /// The SHA-256 of the session's id (sign-out revokes it).
    pub session: String,
}

impl Signed {
    /// The header of a page for this person.
    pub fn header(&self) -> Header<'_> {
        Header {
            address: &self.address,
            role: self.role.label(),
            csrf: &self.csrf,
        }
    }

    /// A page of the city for this person: the layout with the header, `main` in it.
    pub fn page(
        &self,
        status: axum::http::StatusCode,
        title: &str,
        main: maud::Markup,
    ) -> Response {
        let page = layout(title, Some(self.app.config()), Some(self.header()), main);
        html_page(status, page)
    }

    /// The city's code.
    pub fn city_code(&self) -> &str {
        &self.app.config().city.code
    }
}

/// The form's token must be the session's: a 403 page otherwise.
pub fn check_csrf(signed: &Signed, form_token: &str) -> Result<(), Refusal> {
    if same_token(&signed.csrf, form_token) {
        Ok(())
    } else {
        Err(Refusal::forbidden(FORM_EXPIRED))
    }
}

/// What a 403 for a missing or wrong form token says.
pub const FORM_EXPIRED: &str =
    "フォームの確認用の値が一致しませんでした。ページを開き直してから、もう一度送ってください。";

impl FromRequestParts<Web> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Signed, Response> {
        let app = city_of(parts, web).ok_or_else(|| Refusal::not_found().into_response())?;
        let ids = cookie_values(&parts.headers, SESSION_COOKIE);
        match signed_in(&app, ids).await {
            Ok(Some(signed)) => Ok(signed),
            Ok(None) => Err(see_other(&format!("/{}/signin", app.config().city.code))),
            Err(error) => Err(Refusal::internal(&error).into_response()),
        }
    }
}

/// The city whose code is the request path's first part.
pub fn city_of(parts: &Parts, web: &Web) -> Option<App> {
    let code = parts.uri.path().trim_start_matches('/').split('/').next()?;
    web.city(code).cloned()
}

/// The first of the cookie's session ids that is live in the city, with the role its
/// address has now. A live session whose address lost its role is revoked.
async fn signed_in(app: &App, ids: Vec<String>) -> anyhow::Result<Option<Signed>> {
    // Only values shaped like an id are looked up, and a few: a request stuffed with
    // cookies costs no more than four lookups.
    let hashes: Vec<String> = ids
        .iter()
        .filter(|id| tokens::looks_like_token(id))
        .take(4)
        .map(|id| sha256_hex(id))
        .collect();
    let found = on_store(app, move |app, store| {
        let (code, now) = (&app.config().city.code, stamp(app.now()));
        for hash in hashes {
            if let Some(session) = store.web_session(code, &hash, &now)? {
                return Ok(Some(session));
            }
        }
        Ok(None)
    })
    .await?;
    let Some(session) = found else {
        return Ok(None);
    };
    let Some(role) = Role::of(app.config(), &session.address) else {
        end_session(app, session.id_sha256).await?;
        return Ok(None);
    };
    Ok(Some(Signed {
        app: app.clone(),
        address: session.address,
        role,
        csrf: session.csrf,
        session: session.id_sha256,
    }))
}

/// Revokes one session of the city (sign-out, or an address without a role).
pub async fn end_session(app: &App, id_sha256: String) -> anyhow::Result<bool> {
    on_store(app, move |app, store| {
        let now = stamp(app.now());
        store.revoke_web_session(&app.config().city.code, &id_sha256, &now)
    })
    .await
}

#[cfg(test)]
mod role_tests;
