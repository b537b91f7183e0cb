//! Who may read an upload now: at most [`places`] uploads in the whole process (each
//! reader child may use hundreds of MB), and at most one of each department of each
//! city at a time, so one department sending several slow workbooks at once waits
//! behind its own and never takes every place from the others.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OwnedMutexGuard, OwnedRwLockWriteGuard, RwLock, Semaphore, SemaphorePermit};

/// How many uploads are read at once in this process: the machine's cores, at least
/// 2 and at most 8 (fifty clerks uploading together wait for a place rather than
/// exhaust the machine).
pub fn places() -> &'static Semaphore {
    static PLACES: OnceLock<Semaphore> = OnceLock::new();
    PLACES.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.clamp(2, 8))
    })
}

/// One department's line: its turn, and for tests a gate and a count of arrivals.
#[derive(Default)]
struct Line {
    turn: Arc<tokio::sync::Mutex<()>>,
    gate: Arc<RwLock<()>>,
    arrived: AtomicUsize,
    at_gate: AtomicUsize,
}

/// The lines by (city code, department).
type Lines = Mutex<HashMap<(String, String), Arc<Line>>>;

/// The line of (city code, department). Departments come from the configuration,
/// so the map stays as small as the cities' lists.
fn line(city: &str, department: &str) -> Arc<Line> {
    static LINES: OnceLock<Lines> = OnceLock::new();
    let mut lines = LINES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = (city.to_string(), department.to_string());
    lines.entry(key).or_default().clone()
}

/// An upload's right to be read: its department's turn and a place.
pub struct Turn {
    _turn: OwnedMutexGuard<()>,
    _place: SemaphorePermit<'static>,
}

/// Waits for the department's turn, then for a place (in that order: an upload
/// waiting behind its own department holds no place).
pub async fn take_turn(city: &str, department: &str) -> anyhow::Result<Turn> {
    let line = line(city, department);
    line.arrived.fetch_add(1, Ordering::SeqCst);
    let turn = line.turn.clone().lock_owned().await;
    let place = places().acquire().await?;
    // Open unless a test holds it (see `hold_reading`).
    line.at_gate.fetch_add(1, Ordering::SeqCst);
    drop(line.gate.read().await);
    Ok(Turn {
        _turn: turn,
        _place: place,
    })
}

/// For tests: holds every upload of the department that has its turn and place
/// before it is read, until the guard is dropped.
pub fn hold_reading(city: &str, department: &str) -> OwnedRwLockWriteGuard<()> {
    let line = line(city, department);
    line.gate
        .clone()
        .try_write_owned()
        .expect("the department's uploads are already held")
}

/// For tests: how many uploads of the department have asked for their turn so far,
/// and how many of them had their turn and a place.
pub fn arrived(city: &str, department: &str) -> (usize, usize) {
    let line = line(city, department);
    let arrived = line.arrived.load(Ordering::SeqCst);
    (arrived, line.at_gate.load(Ordering::SeqCst))
}
