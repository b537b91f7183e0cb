//! The time, read in one place: the system clock in the service, a clock a test sets.
//!
//! Everything that asks "what time is it" (the schedule, leases, the outbox, receipts)
//! asks a [`Clock`] handed down from the application context, never chrono's own: a
//! test sets the clock to 15 April 09:00 and the whole run happens then. Measuring
//! how long something took (a timeout) uses `Instant` and is not the clock's business.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::{Asia::Tokyo, Tz};

/// The time source: the system clock, or a time a test sets and moves.
///
/// Clones share the time: a test keeps one and moves it while the service reads
/// another.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// The time a test set; `None` reads the system clock.
    set: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { set: None }
    }

    /// A clock standing at `at` until it is set or moved.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock {
            set: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// Now.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.set {
            Some(time) => *time.lock().unwrap_or_else(PoisonError::into_inner),
            None => Utc::now(),
        }
    }

    /// Now in Asia/Tokyo, the time staff read.
    pub fn tokyo(&self) -> DateTime<Tz> {
        self.now().with_timezone(&Tokyo)
    }

    /// Sets a fixed clock to `at` (every clone sees it). The system clock cannot be
    /// set: that is a mistake in a test, so it panics.
    pub fn set(&self, at: DateTime<Utc>) {
        let time = self.set.as_ref().expect("only a fixed clock can be set");
        *time.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves a fixed clock on by `by`.
    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_set_and_its_clones_follow() {
        let at = Utc.with_ymd_and_hms(2021, 4, 15, 0, 0, 0).unwrap();
        let clock = Clock::fixed(at);
        let seen = clock.clone();
        assert_eq!(seen.now(), at);
        clock.advance(Duration::minutes(5));
        assert_eq!(seen.now(), at + Duration::minutes(5));
        assert_eq!(seen.tokyo().format("%H:%M").to_string(), "09:05");
    }

    #[test]
    fn the_system_clock_reads_the_system_time() {
        let written = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(Clock::system().now() > written);
    }
}
