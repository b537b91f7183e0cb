//! Rate limits on asking for sign-in links: per address and per client, counted in a
//! sliding window on the application's clock.
//!
//! The counters live in this process. With several replicas behind a load balancer,
//! each replica counts alone, so a client spread over N replicas gets up to N times
//! the rate before a 429. What holds across replicas is the store: no more than
//! [`LINKS_PER_ADDRESS`] links per address are mailed in a [`WINDOW_MINUTES`] window
//! whatever replica is asked (`sign_in_links_since`); past it the answer page is the
//! same and no mail goes out.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The window the limits count in.
pub const WINDOW_MINUTES: i64 = 15;

/// Requests for one address in a window, whoever sends them (known or not: a 429
/// must not tell which addresses are known).
pub const PER_ADDRESS: usize = 5;

/// Requests from one client in a window, whatever the addresses.
pub const PER_CLIENT: usize = 20;

/// Links mailed to one address in a window, counted in the store (every replica).
pub const LINKS_PER_ADDRESS: i64 = 5;

/// The keys kept before stale ones are swept: the memory a flood can take is bounded
/// by the window, not by the time the process has run.
const SWEEP_ABOVE: usize = 10_000;

/// The counters of one process.
#[derive(Debug, Default)]
pub struct Limits {
    seen: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Limits {
    /// Counts a request under `key` at `now`; `false` (and not counted) when `key`
    /// already made `max` requests in the window.
    pub fn admit(&self, key: &str, max: usize, now: DateTime<Utc>) -> bool {
        let since = now - Duration::minutes(WINDOW_MINUTES);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > SWEEP_ABOVE {
            seen.retain(|_, times| times.back().is_some_and(|t| *t > since));
        }
        let times = seen.entry(key.to_string()).or_default();
        while times.front().is_some_and(|t| *t <= since) {
            times.pop_front();
        }
        if times.len() >= max {
            return false;
        }
        times.push_back(now);
        true
    }

    /// Counts a request of `client` for `address` in `city`: the client's limit first
    /// (a client refused there does not use up the address's). A client's requests
    /// count together whatever city they ask in (cities sharing a listener share the
    /// limit); an address counts per city (each city's configuration knows its own).
    pub fn admit_request(
        &self,
        city: &str,
        client: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> bool {
        self.admit(&format!("client {client}"), PER_CLIENT, now)
            && self.admit(&format!("{city} address {address}"), PER_ADDRESS, now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_key_is_refused_past_its_limit_until_the_window_moves_on() {
        let limits = Limits::default();
        let start = Utc.with_ymd_and_hms(2021, 4, 1, 0, 0, 0).unwrap();
        for _ in 0..3 {
            assert!(limits.admit("k", 3, start));
        }
        assert!(!limits.admit("k", 3, start + Duration::minutes(14)));
        assert!(limits.admit("other", 3, start));
        assert!(limits.admit("k", 3, start + Duration::minutes(WINDOW_MINUTES)));
    }

    #[test]
    fn a_flood_of_keys_is_swept_once_stale() {
        let limits = Limits::default();
        let start = Utc.with_ymd_and_hms(2021, 4, 1, 0, 0, 0).unwrap();
        for i in 0..=SWEEP_ABOVE {
            limits.admit(&i.to_string(), 1, start);
        }
        limits.admit("late", 1, start + Duration::minutes(WINDOW_MINUTES + 1));
        assert!(limits.seen.lock().unwrap().len() <= 2);
    }

    #[test]
    fn a_client_counts_once_over_every_city_and_an_address_per_city() {
        let limits = Limits::default();
        let now = Utc.with_ymd_and_hms(2021, 4, 1, 0, 0, 0).unwrap();
        let cities = ["132047", "132039", "132063"];
        let admitted = (0..PER_CLIENT * 2)
            .filter(|i| {
                let city = cities[i % cities.len()];
                limits.admit_request(city, "192.0.2.7", &format!("a{i}@x.example"), now)
            })
            .count();
        assert_eq!(
            admitted, PER_CLIENT,
            "the client's limit is one, not one a city"
        );
        for city in cities {
            for _ in 0..PER_ADDRESS {
                assert!(limits.admit_request(city, &format!("c-{city}"), "k@x.example", now));
            }
            assert!(!limits.admit_request(city, &format!("d-{city}"), "k@x.example", now));
        }
    }
}
