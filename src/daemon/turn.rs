//! A city's turn to work in the daemon: one thing at a time per city, and at most a
//! few cities at work at once in the process.

use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// A city's turn to work: one thing at a time per city (a run, an intake from the
/// inbox, a delivery pass), and a place among the few cities working at once.
#[derive(Clone)]
pub struct Turn {
    city: Arc<Mutex<()>>,
    places: Arc<Semaphore>,
}

/// A turn taken: the city's lock and a place, both given back when dropped.
pub struct TurnGuard {
    _city: OwnedMutexGuard<()>,
    _place: OwnedSemaphorePermit,
}

impl Turn {
    /// A city's turn among the cities sharing `places`.
    pub fn new(places: &Arc<Semaphore>) -> Turn {
        Turn {
            city: Arc::new(Mutex::new(())),
            places: Arc::clone(places),
        }
    }

    /// A turn for one city alone (tests, a command).
    pub fn alone() -> Turn {
        Turn::new(&Arc::new(Semaphore::new(1)))
    }

    /// Waits for the city to be free, then for a place.
    pub async fn take(&self) -> TurnGuard {
        let city = Arc::clone(&self.city).lock_owned().await;
        self.place(city).await
    }

    /// A place for a city already held. The city is always taken first, so a holder
    /// of a place never waits for a city: no two turns wait on each other.
    pub(super) async fn place(&self, city: OwnedMutexGuard<()>) -> TurnGuard {
        let place = Arc::clone(&self.places)
            .acquire_owned()
            .await
            .expect("the places are never closed");
        TurnGuard {
            _city: city,
            _place: place,
        }
    }
}

impl Turn {
    /// The city alone, without a place: held while nothing of it may start (start-up,
    /// shutdown).
    pub(super) async fn hold_city(&self) -> OwnedMutexGuard<()> {
        Arc::clone(&self.city).lock_owned().await
    }
}
