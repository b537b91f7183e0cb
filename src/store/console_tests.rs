//! The store methods of the planning division's console, on every backend: one
//! unfinished run per job and city (migration 0011), the recent runs, the outbox's
//! entries, and one undeliverable copy put back in the queue, only the city's.

use super::test_stores::each_backend;
use super::{Claim, DeliveryState, NewMessage, RunLease, RunOutcome, Store};

const CITY: &str = "132047";
const OTHER: &str = "132039";
const T0: &str = "2021-04-01T00:00:00Z";
const T1: &str = "2021-04-01T00:00:01Z";
const T2: &str = "2021-04-01T01:00:00Z";

fn lease(owner: &str) -> RunLease {
    RunLease {
        owner: owner.into(),
        until: "2099-01-01T00:00:00Z".into(),
    }
}

#[test]
fn a_job_has_at_most_one_unfinished_run_per_city_whatever_its_time() {
    each_backend(|t| {
        let store = &mut t.store;
        assert!(store
            .claim_run(CITY, "annual_run", T0, T0, &lease("a"))
            .unwrap());
        // Another second, another replica: refused while the first is unfinished.
        for (slot, owner) in [(T1, "b"), (T2, "c")] {
            let second = store.claim_run(CITY, "annual_run", slot, slot, &lease(owner));
            assert!(!second.unwrap(), "{}: {slot}", t.backend);
        }
        // Another job, another city: their own runs.
        assert!(store
            .claim_run(CITY, "reminders", T1, T1, &lease("a"))
            .unwrap());
        assert!(store
            .claim_run(OTHER, "annual_run", T1, T1, &lease("a"))
            .unwrap());
        store
            .finish_run(CITY, "annual_run", T0, T1, RunOutcome::Succeeded, None)
            .unwrap();
        assert!(store
            .claim_run(CITY, "annual_run", T2, T2, &lease("b"))
            .unwrap());
        let recent = store.recent_runs(CITY, "annual_run", 5).unwrap();
        let slots: Vec<&str> = recent.iter().map(|r| r.scheduled_for.as_str()).collect();
        assert_eq!(slots, [T2, T0], "{}", t.backend);
        assert_eq!(store.recent_runs(CITY, "annual_run", 1).unwrap().len(), 1);
    });
}

fn queue(store: &mut Store, city: &str, key: &str, recipients: &[&str]) {
    let recipients: Vec<String> = recipients.iter().map(ToString::to_string).collect();
    let message = NewMessage {
        key,
        subject: "報告書のお知らせ",
        body: "本文",
        recipients: &recipients,
        attachments: &[],
    };
    assert!(store.enqueue_message(city, &message, T0).unwrap());
}

/// Claims every due copy of the city and marks it undeliverable.
fn fail_all(store: &mut Store, city: &str) -> Vec<i64> {
    let claim = Claim {
        token: "t",
        now: T1,
        lease_until: T2,
    };
    let mut failed = Vec::new();
    while let Some(d) = store.claim_next(city, 0, claim).unwrap() {
        assert!(store
            .mark_failed(d.id, "t", "550 宛先がありません")
            .unwrap());
        failed.push(d.id);
    }
    failed
}

#[test]
fn one_undeliverable_copy_goes_back_once_and_only_in_its_city() {
    each_backend(|t| {
        let store = &mut t.store;
        queue(store, CITY, "k1", &["a@x.example", "b@x.example"]);
        queue(store, OTHER, "k1", &["c@x.example"]);
        let ours = fail_all(store, CITY);
        let theirs = fail_all(store, OTHER);
        assert!(
            !store.requeue_one(CITY, theirs[0], T2).unwrap(),
            "{}",
            t.backend
        );
        assert!(store.outbox_entry(CITY, theirs[0]).unwrap().is_none());
        assert!(store.requeue_one(CITY, ours[0], T2).unwrap());
        // Pressed twice: the copy is no longer undeliverable.
        assert!(!store.requeue_one(CITY, ours[0], T2).unwrap());
        let back = store.outbox_entry(CITY, ours[0]).unwrap().unwrap();
        assert_eq!(back.delivery.state, DeliveryState::Pending);
        assert_eq!(
            (back.delivery.attempts, back.subject.as_str()),
            (0, "報告書のお知らせ")
        );
        let failed = store
            .outbox_entries(CITY, DeliveryState::Failed, 10)
            .unwrap();
        let ids: Vec<i64> = failed.iter().map(|e| e.delivery.id).collect();
        assert_eq!(ids, [ours[1]], "{}", t.backend);
        assert_eq!(
            failed[0].delivery.last_error.as_deref(),
            Some("550 宛先がありません")
        );
        assert!(store.outbox_entry(OTHER, theirs[0]).unwrap().is_some());
    });
}
