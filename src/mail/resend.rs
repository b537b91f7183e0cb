//! One undeliverable copy back in the queue (the console's 「再送」, `hakusho send
//! --resend ID`): only a copy of the city, only one marked undeliverable.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::domain::stamp;
use crate::store::{DeliveryState, Store};

/// What asking to resend a copy did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    /// The copy is back in the queue, due now, its attempts reset.
    Requeued,
    /// The copy is not undeliverable (waiting, being sent, sent, or requeued already).
    NotFailed(DeliveryState),
    /// No copy of that id in the city.
    Unknown,
}

/// Puts the city's undeliverable copy `delivery` back in the queue, due at `now`. The
/// caller then delivers (the CLI) or rings the bell (the page).
pub fn resend(
    config: &Config,
    store: &mut Store,
    delivery: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Resent> {
    let city = &config.city.code;
    if store.requeue_one(city, delivery, &stamp(now))? {
        tracing::info!(
            city,
            delivery,
            "配送不能だったメール 1 件を送信待ちに戻しました"
        );
        return Ok(Resent::Requeued);
    }
    // Not requeued: say why (read after the attempt, so a second press reads pending).
    Ok(match store.outbox_entry(city, delivery)? {
        Some(entry) => Resent::NotFailed(entry.delivery.state),
        None => Resent::Unknown,
    })
}

/// A delivery state in the words of the outbox page.
pub fn state_label(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "未送信",
        DeliveryState::Sending => "送信中",
        DeliveryState::Sent => "送信済み",
        DeliveryState::Failed => "配送不能",
    }
}
