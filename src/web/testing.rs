//! For the tests of the portal (this crate's and `tests/`): a signed-in session made
//! through the store as a link would make it, and a delivery worker rung by the bell.

use crate::app::App;
use crate::mail::{outbox, DeliveryBell};

use super::auth::signin::new_session;
use super::auth::tokens::random_token;

/// Opens a session for `address` in `app`'s city (at the app's clock) and returns the
/// value of the `hakusho_session` cookie (send it as `Cookie: hakusho_session=…` under
/// `/{city}/`). The address is not checked against the configuration: the portal does
/// that on every request. Panics when the store cannot be written (a test's failure).
pub fn sign_in(app: &App, address: &str) -> String {
    let opened = (|| {
        let id = random_token()?;
        let session = new_session(app, &id)?;
        let mut store = app.store().separate()?;
        store.insert_web_session(&session, &address.trim().to_lowercase())?;
        anyhow::Ok(id)
    })();
    opened.unwrap_or_else(|e| panic!("a session for {address}: {e:#}"))
}

/// The CSRF token of a session [`sign_in`] opened (its forms must carry it).
pub fn csrf_of(app: &App, cookie: &str) -> String {
    let found = (|| {
        let store = app.store().separate()?;
        let (code, now) = (&app.config().city.code, crate::domain::stamp(app.now()));
        store.web_session(code, &super::auth::sha256_hex(cookie), &now)
    })();
    match found {
        Ok(Some(session)) => session.csrf,
        other => panic!("no live session for that cookie: {other:?}"),
    }
}

/// A delivery worker for a test: one pass each time the bell rings (serve's own
/// worker also passes every half minute). Abort the handle to stop it.
pub fn deliver_on_bell(app: App, bell: DeliveryBell) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            bell.rung().await;
            let pass = async {
                let mut store = app.store().separate()?;
                outbox::deliver_once(app.config(), &mut store, app.mailer()?, app.clock()).await
            };
            if let Err(error) = pass.await {
                tracing::error!("delivery failed: {error:#}");
            }
        }
    })
}
