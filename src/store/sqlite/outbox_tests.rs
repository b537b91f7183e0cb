//! Claims on copies: one sender per copy, a dead sender's copy taken again once its
//! lease ran out, outcomes written only under one's own claim. On every backend
//! ([`each_backend`]), but for senders racing on their own connections, SQLite's here
//! (PostgreSQL's replicas race in `postgres::tests`).

use super::*;
use crate::store::test_stores::{each_backend, TestStore};
use crate::store::Store;

const CITY: &str = "132047";
const T0: &str = "2026-11-29T00:00:00Z";
const T1: &str = "2026-11-29T00:01:00Z";
const T2: &str = "2026-11-29T00:02:00Z";
const T3: &str = "2026-11-29T00:03:00Z";

/// Runs `test` on each backend, a message to `recipients` queued first.
fn with_queued(recipients: &[&str], test: impl Fn(&mut TestStore)) {
    each_backend(|t| {
        queue(&mut t.store, recipients);
        test(t);
    });
}

fn queue(store: &mut Store, recipients: &[&str]) {
    let recipients: Vec<String> = recipients.iter().map(ToString::to_string).collect();
    let message = NewMessage {
        key: "run-1:department",
        subject: "件名",
        body: "本文",
        recipients: &recipients,
        attachments: &[],
    };
    assert!(store.enqueue_message(CITY, &message, T0).unwrap());
}

fn claim<'a>(token: &'a str, now: &'a str, lease_until: &'a str) -> Claim<'a> {
    Claim {
        token,
        now,
        lease_until,
    }
}

fn claim_all(store: &mut Store, claim: Claim) -> Vec<Delivery> {
    let mut claimed = Vec::new();
    let mut cursor = 0;
    while let Some(d) = store.claim_next(CITY, cursor, claim).unwrap() {
        cursor = d.id;
        claimed.push(d);
    }
    claimed
}

#[test]
fn a_claimed_copy_is_not_claimed_again_while_its_lease_holds() {
    with_queued(&["a@x.example", "b@x.example"], |t| {
        let store = &mut t.store;
        let first = claim_all(store, claim("A", T1, T3));
        assert_eq!(first.len(), 2);
        assert!(first.iter().all(|d| d.state == DeliveryState::Sending
            && d.attempts == 1
            && d.claim_token.as_deref() == Some("A")));
        assert!(claim_all(store, claim("B", T2, T3)).is_empty());
    });
}

#[test]
fn a_copy_whose_lease_expired_is_taken_by_the_next_sender_and_the_first_loses_it() {
    with_queued(&["a@x.example"], |t| {
        let store = &mut t.store;
        let dead = claim_all(store, claim("A", T0, T1)).remove(0);
        let taken = claim_all(store, claim("B", T2, T3)).remove(0);
        assert_eq!((taken.id, taken.attempts), (dead.id, 2));
        // The first sender comes back late: its outcome changes nothing.
        assert!(!store.mark_sent(dead.id, "A", T2).unwrap());
        assert!(!store.mark_failed(dead.id, "A", "遅すぎた").unwrap());
        assert!(store.mark_sent(taken.id, "B", T2).unwrap());
        assert_eq!(
            store
                .deliveries_in(CITY, DeliveryState::Sent)
                .unwrap()
                .len(),
            1
        );
        assert!(claim_all(store, claim("C", T3, T3)).is_empty());
    });
}

#[test]
fn only_due_copies_are_claimed_and_a_retry_is_claimable_when_due() {
    with_queued(&["a@x.example"], |t| {
        let store = &mut t.store;
        let d = claim_all(store, claim("A", T0, T1)).remove(0);
        assert!(store.mark_retry(d.id, "A", T2, "451").unwrap());
        assert!(claim_all(store, claim("B", T1, T3)).is_empty());
        let again = claim_all(store, claim("B", T2, T3));
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].last_error.as_deref(), Some("451"));
    });
}

#[test]
fn the_cursor_skips_copies_already_tried_in_the_pass() {
    with_queued(&["a@x.example", "b@x.example"], |t| {
        let store = &mut t.store;
        let first = store
            .claim_next(CITY, 0, claim("A", T1, T3))
            .unwrap()
            .unwrap();
        assert!(store.mark_retry(first.id, "A", T0, "451").unwrap());
        let next = store
            .claim_next(CITY, first.id, claim("A", T1, T3))
            .unwrap()
            .unwrap();
        assert_ne!(next.id, first.id);
        assert!(store
            .claim_next(CITY, next.id, claim("A", T1, T3))
            .unwrap()
            .is_none());
    });
}

#[test]
fn a_released_copy_is_pending_again_with_its_attempt_not_counted() {
    with_queued(&["a@x.example"], |t| {
        let store = &mut t.store;
        let d = claim_all(store, claim("A", T1, T3)).remove(0);
        assert!(!store.release(d.id, "B", "535").unwrap(), "not B's claim");
        assert!(store.release(d.id, "A", "535").unwrap());
        let pending = store.deliveries_in(CITY, DeliveryState::Pending).unwrap();
        assert_eq!(
            (pending[0].attempts, pending[0].claim_token.clone()),
            (0, None)
        );
        assert_eq!(claim_all(store, claim("A", T1, T3)).len(), 1);
    });
}

#[test]
fn undeliverable_copies_are_requeued_with_their_attempts_reset() {
    with_queued(&["a@x.example", "b@x.example"], |t| {
        let store = &mut t.store;
        for d in claim_all(store, claim("A", T1, T3)) {
            assert!(store.mark_failed(d.id, "A", "550").unwrap());
        }
        assert_eq!(store.take_unreported_failures(CITY).unwrap().len(), 2);
        assert_eq!(store.requeue_failed(CITY, T2).unwrap(), 2);
        assert_eq!(store.requeue_failed(CITY, T2).unwrap(), 0);
        assert_eq!(store.requeue_failed("999999", T2).unwrap(), 0);
        let again = claim_all(store, claim("B", T2, T3));
        assert_eq!(again.len(), 2);
        assert!(again.iter().all(|d| d.attempts == 1));
    });
}

#[test]
fn a_pause_is_recorded_once_probed_and_cleared() {
    with_queued(&[], |t| {
        let store = &mut t.store;
        assert_eq!(store.delivery_pause(CITY).unwrap(), None);
        assert!(store.pause_delivery(CITY, "535", T1).unwrap());
        assert!(!store.pause_delivery(CITY, "535 again", T2).unwrap());
        let pause = store.delivery_pause(CITY).unwrap().unwrap();
        assert_eq!(
            (
                pause.reason.as_str(),
                pause.paused_at.as_str(),
                pause.last_probe_at.as_str()
            ),
            ("535 again", T1, T2)
        );
        assert!(store.resume_delivery(CITY).unwrap());
        assert!(!store.resume_delivery(CITY).unwrap());
        assert_eq!(store.delivery_pause(CITY).unwrap(), None);
    });
}

#[test]
fn copies_left_sending_by_an_older_version_are_claimable() {
    with_queued(&["a@x.example"], |t| {
        t.execute("UPDATE deliveries SET state = 'sending'", &[]);
        assert_eq!(claim_all(&mut t.store, claim("A", T1, T3)).len(), 1);
    });
}

#[test]
fn senders_claiming_at_once_on_their_own_connections_share_the_copies_without_overlap() {
    let recipients: Vec<String> = (0..200).map(|i| format!("r{i}@x.example")).collect();
    let names: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hakusho.sqlite3");
    queue(&mut Store::open(&path).unwrap(), &names);
    let start = std::sync::Arc::new(std::sync::Barrier::new(4));
    let senders: Vec<_> = (0..4)
        .map(|n| {
            let (path, start) = (path.clone(), std::sync::Arc::clone(&start));
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                let token = format!("sender-{n}");
                start.wait();
                // One copy at a time, from the start each time, as racing processes do.
                let mut mine = Vec::new();
                while let Some(d) = store.claim_next(CITY, 0, claim(&token, T1, T3)).unwrap() {
                    assert!(store.mark_sent(d.id, &token, T1).unwrap());
                    mine.push(d.id);
                }
                mine
            })
        })
        .collect();
    let mut all: Vec<i64> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(
        (before, all.len()),
        (200, 200),
        "every copy claimed exactly once"
    );
}
