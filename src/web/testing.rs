//! For the tests of the portal (this crate's and `tests/`): a signed-in session made
//! through the store as a link would make it, and a delivery worker rung by the bell.

use crate::app::App;
use crate::mail::{outbox, DeliveryBell};

use super::auth::signin::new_session;
use super::auth::tokens::random_token;

/// Opens a session for `address` in `app`'s city (at the app's clock) and returns the
/// value of the `hakusho_session` cookie. The address is not checked against the
/// configuration: the portal does that on every request.
pub fn sign_in(app: &App, address: &str) -> anyhow::Result<String> {
    let id = random_token()?;
    let session = new_session(app, &id)?;
    let mut store = app.store().separate()?;
    store.insert_web_session(&session, &address.trim().to_lowercase())?;
    Ok(id)
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
