//! The years' collections on every backend: no row is open, a close is kept with its
//! time and person until the year is opened again, a repeated close changes nothing,
//! and each city keeps to its own years.

use super::test_stores::each_backend;
use super::{CollectionState, Store};
use crate::domain::FiscalYear;

const R2: FiscalYear = FiscalYear(2020);
const R3: FiscalYear = FiscalYear(2021);
const T0: &str = "2021-04-01T00:00:00Z";
const T1: &str = "2021-04-02T00:00:00Z";
const T2: &str = "2021-04-03T00:00:00Z";

fn state(store: &Store, city: &str, year: FiscalYear) -> Option<(bool, String, String)> {
    let found = store.collection_state(city, year).unwrap();
    found.map(|s| (s.open, s.changed_at, s.changed_by))
}

fn closed(at: &str, by: &str) -> Option<(bool, String, String)> {
    Some((false, at.to_string(), by.to_string()))
}

#[test]
fn a_year_is_open_until_closed_and_a_second_close_keeps_the_first() {
    each_backend(|t| {
        let store = &mut t.store;
        assert_eq!(state(store, "A", R2), None, "{}", t.backend);
        assert!(store.set_collection("A", R2, false, T0, "a@x").unwrap());
        assert_eq!(state(store, "A", R2), closed(T0, "a@x"));
        assert!(!store.set_collection("A", R2, false, T1, "b@x").unwrap());
        assert_eq!(state(store, "A", R2), closed(T0, "a@x"), "first kept");
        assert!(store.set_collection("A", R2, true, T2, "b@x").unwrap());
        let opened = Some((true, T2.to_string(), "b@x".to_string()));
        assert_eq!(state(store, "A", R2), opened);
        assert!(!store.set_collection("A", R2, true, T2, "c@x").unwrap());
        assert_eq!(state(store, "A", R3), None, "another year untouched");
    });
}

#[test]
fn each_city_keeps_to_its_own_years_listed_oldest_first() {
    each_backend(|t| {
        let store = &mut t.store;
        store.set_collection("A", R3, false, T1, "a@x").unwrap();
        store.set_collection("A", R2, true, T0, "a@x").unwrap();
        store.set_collection("B", R2, false, T0, "b@x").unwrap();
        assert_eq!(state(store, "B", R3), None, "{}", t.backend);
        assert_eq!(state(store, "A", R2).map(|s| s.0), Some(true));
        let listed: Vec<(FiscalYear, bool)> = store
            .collections("A")
            .unwrap()
            .iter()
            .map(|s: &CollectionState| (s.fiscal_year, s.open))
            .collect();
        assert_eq!(listed, [(R2, true), (R3, false)]);
        assert!(store.collections("C").unwrap().is_empty());
    });
}
