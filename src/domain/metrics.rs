//! How long this process's work took, for `/metrics`: lock-free histograms (atomic
//! counters, no lock on the intake's or the build's path) of the intake of a file and
//! of a build of the year's reports. They count from the start of the process, as
//! Prometheus expects of a counter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// How many finite buckets a histogram has.
const BUCKETS: usize = 10;

/// The time one file's intake took (read, checked, archived, answered), in seconds.
pub static INTAKE_SECONDS: Histogram =
    Histogram::new([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]);

/// The time a build of the year's reports took, in seconds.
pub static REPORT_BUILD_SECONDS: Histogram =
    Histogram::new([0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0]);

/// Observations counted by the bucket they fall in (the last one past every bound),
/// and their sum in microseconds.
pub struct Histogram {
    bounds: [f64; BUCKETS],
    counts: [AtomicU64; BUCKETS + 1],
    sum_micros: AtomicU64,
}

/// A histogram as read at one moment: cumulative counts per upper bound (the last is
/// `+Inf`, equal to the count), the sum.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// (upper bound, observations at or below it), the bounds rising; `+Inf` last.
    pub buckets: Vec<(f64, u64)>,
    /// The observations' sum, in seconds.
    pub sum: f64,
    /// How many observations.
    pub count: u64,
}

impl Histogram {
    /// A histogram with these upper bounds (rising, in seconds).
    pub const fn new(bounds: [f64; BUCKETS]) -> Histogram {
        Histogram {
            bounds,
            counts: [const { AtomicU64::new(0) }; BUCKETS + 1],
            sum_micros: AtomicU64::new(0),
        }
    }

    /// Counts one observation of `seconds` (a negative or not-a-number one as 0).
    pub fn observe(&self, seconds: f64) {
        let seconds = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        let bucket = self
            .bounds
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = (seconds * 1e6).round() as u64;
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Runs `work` and counts how long it took (whether it succeeded or not).
    pub fn time<T>(&self, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = work();
        self.observe(started.elapsed().as_secs_f64());
        result
    }

    /// The counts now. The count is the sum of the buckets, so it always equals the
    /// `+Inf` bucket even while another thread observes.
    pub fn snapshot(&self) -> Snapshot {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(BUCKETS + 1);
        let bounds = self.bounds.iter().copied().chain([f64::INFINITY]);
        for (bound, count) in bounds.zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            buckets.push((bound, cumulative));
        }
        Snapshot {
            buckets,
            sum: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
            count: cumulative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_observation_lands_in_the_first_bucket_that_holds_it_and_counts_once() {
        let histogram = Histogram::new([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        for seconds in [0.0, 1.0, 1.5, 10.0, 11.0, -1.0, f64::NAN] {
            histogram.observe(seconds);
        }
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 7);
        assert_eq!(snapshot.buckets[0], (1.0, 4), "0, 1, -1 and NaN (as 0)");
        assert_eq!(snapshot.buckets[1], (2.0, 5));
        assert_eq!(snapshot.buckets[9], (10.0, 6));
        assert_eq!(snapshot.buckets[10], (f64::INFINITY, 7));
        assert!((snapshot.sum - 23.5).abs() < 1e-6, "{}", snapshot.sum);
    }

    #[test]
    fn threads_observing_at_once_lose_no_count() {
        let histogram = Histogram::new([0.1; BUCKETS]);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..1000).for_each(|_| histogram.observe(0.05)));
            }
        });
        assert_eq!(histogram.snapshot().count, 4000);
    }
}
