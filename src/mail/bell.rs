//! The delivery bell: what wakes a city's delivery worker before its next half-minute
//! tick. The portal rings it after queuing a sign-in link, so the mail leaves at once
//! rather than up to thirty seconds later.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Notify;

/// One city's bell. Clones ring the same bell. A ring while the worker is busy is
/// kept (one permit), so the worker makes one more pass when it is done.
#[derive(Debug, Clone, Default)]
pub struct DeliveryBell(Arc<Notify>);

impl DeliveryBell {
    /// A bell nobody rang yet.
    pub fn new() -> DeliveryBell {
        DeliveryBell::default()
    }

    /// Wakes the worker now, or at its next wait if it is working.
    pub fn ring(&self) {
        self.0.notify_one();
    }

    /// Waits until the bell is rung.
    pub async fn rung(&self) {
        self.0.notified().await;
    }
}

/// Every city's bell, by city code.
pub type DeliveryBells = HashMap<String, DeliveryBell>;
