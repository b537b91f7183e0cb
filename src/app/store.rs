//! The store as the application holds it: opened at first use, then kept for the
//! command or the daemon, one user at a time.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use tokio::sync::{Mutex, MutexGuard};

pub use crate::store::OpenMode;
use crate::store::{Store, StoreLocation};

/// The application's store: one connection, opened when first asked for (a command
/// that does not use the store never opens it) and shared by the daemon's short
/// tasks, which take turns. Long work (a run, a delivery pass) takes a
/// [`StoreHandle::separate`] connection and never holds the shared one.
#[derive(Clone)]
pub struct StoreHandle {
    location: StoreLocation,
    /// How the first open opens it.
    mode: OpenMode,
    store: Arc<Mutex<Option<Store>>>,
}

/// The store, held until dropped: nobody else in this process uses it meanwhile.
pub struct StoreGuard<'a>(MutexGuard<'a, Option<Store>>);

impl StoreHandle {
    /// The store at `location`, not opened yet.
    pub fn new(location: StoreLocation, mode: OpenMode) -> StoreHandle {
        StoreHandle {
            location,
            mode,
            store: Arc::new(Mutex::new(None)),
        }
    }

    /// Waits for the store, opening it the first time.
    pub async fn lock(&self) -> anyhow::Result<StoreGuard<'_>> {
        self.opened(self.store.lock().await)
    }

    /// [`StoreHandle::lock`] for blocking code (in `spawn_blocking`, never in a task).
    pub fn blocking_lock(&self) -> anyhow::Result<StoreGuard<'_>> {
        self.opened(self.store.blocking_lock())
    }

    /// Where the store is.
    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// A connection of its own, for long work that others must not wait behind (a run,
    /// a delivery pass) and for work beside it (a run's lease renewed while it builds).
    pub fn separate(&self) -> anyhow::Result<Store> {
        match self.mode {
            OpenMode::ReadOnly => Store::connect(&self.location, OpenMode::ReadOnly),
            _ => Store::connect(&self.location, OpenMode::Writable),
        }
    }

    fn opened<'a>(
        &self,
        mut guard: MutexGuard<'a, Option<Store>>,
    ) -> anyhow::Result<StoreGuard<'a>> {
        if guard.is_none() {
            *guard = Some(Store::connect(&self.location, self.mode)?);
        }
        Ok(StoreGuard(guard))
    }
}

impl Deref for StoreGuard<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.0.as_ref().expect("opened before the guard was given")
    }
}

impl DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.0.as_mut().expect("opened before the guard was given")
    }
}
