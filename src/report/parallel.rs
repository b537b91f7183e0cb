//! Work spread over the machine's cores with the standard library's scoped threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` applied to each item on up to `threads` threads (the calling one among them),
/// each thread taking the next item not yet taken; the results come back in the
/// order of the items, whichever finished first. A panic in `f` is the caller's.
pub fn in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let count = items.len();
    let items: Vec<Mutex<Option<T>>> = items.into_iter().map(|i| Mutex::new(Some(i))).collect();
    let results: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = items.get(index) else { break };
        let Some(item) = lock(slot).take() else {
            continue;
        };
        let result = f(item);
        *lock(&results[index]) = Some(result);
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.clamp(1, count.max(1)) {
            scope.spawn(work);
        }
        work();
    });
    results
        .into_iter()
        .filter_map(|slot| slot.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_the_order_of_the_items_on_any_number_of_threads() {
        let items: Vec<u64> = (0..40).collect();
        // Early items take longest, so later ones finish first on several threads.
        let slow_square = |n: u64| {
            std::thread::sleep(std::time::Duration::from_millis(40 - n));
            n * n
        };
        let expected: Vec<u64> = items.iter().map(|n| n * n).collect();
        for threads in [0, 1, 2, 3, 8, 100] {
            assert_eq!(in_parallel(items.clone(), threads, slow_square), expected);
        }
        assert!(in_parallel(Vec::<u64>::new(), 4, slow_square).is_empty());
    }
}
