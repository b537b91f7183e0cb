//! The sign-in's store methods, on every backend: a link is used once, only before
//! it expires and only in its city; sessions live until they expire or are revoked.

use super::test_stores::each_backend;
use super::{NewSignInLink, NewWebSession, Store};

fn link(city: &str, token: &str, address: &str, created: &str, expires: &str) -> NewSignInLink {
    NewSignInLink {
        city_code: city.into(),
        token_sha256: token.into(),
        address: address.into(),
        client: "127.0.0.1".into(),
        created_at: created.into(),
        expires_at: expires.into(),
    }
}

fn session(city: &str, id: &str, created: &str, expires: &str) -> NewWebSession {
    NewWebSession {
        city_code: city.into(),
        id_sha256: id.into(),
        csrf: format!("csrf-{id}"),
        created_at: created.into(),
        expires_at: expires.into(),
    }
}

const T0: &str = "2021-04-01T00:00:00Z";
const T1: &str = "2021-04-01T00:10:00Z";
const T15: &str = "2021-04-01T00:15:00Z";
const LATER: &str = "2021-04-01T12:00:00Z";

fn redeem(store: &mut Store, city: &str, token: &str, id: &str, now: &str) -> Option<String> {
    let new = session(city, id, now, LATER);
    store.redeem_sign_in_link(token, now, &new).unwrap()
}

#[test]
fn a_link_opens_one_session_once_before_it_expires_and_only_in_its_city() {
    each_backend(|t| {
        let store = &mut t.store;
        store
            .insert_sign_in_link(&link("A", "t1", "a@x", T0, T15))
            .unwrap();
        store
            .insert_sign_in_link(&link("A", "t2", "b@x", T0, T15))
            .unwrap();
        assert_eq!(redeem(store, "B", "t1", "s0", T1), None, "{}", t.backend);
        assert_eq!(redeem(store, "A", "t1", "s1", T1).as_deref(), Some("a@x"));
        assert_eq!(redeem(store, "A", "t1", "s2", T1), None, "used twice");
        assert_eq!(redeem(store, "A", "t2", "s3", T15), None, "expired");
        assert_eq!(redeem(store, "A", "nothing", "s4", T1), None);
        let live = store.web_session("A", "s1", T1).unwrap().unwrap();
        assert_eq!(
            (live.address.as_str(), live.csrf.as_str()),
            ("a@x", "csrf-s1")
        );
        for (city, id) in [("A", "s0"), ("A", "s2"), ("A", "s3"), ("B", "s1")] {
            assert_eq!(
                store.web_session(city, id, T1).unwrap(),
                None,
                "{city} {id}"
            );
        }
        assert_eq!(store.sign_in_links_since("A", "a@x", T0).unwrap(), 1);
        assert_eq!(store.sign_in_links_since("A", "a@x", T1).unwrap(), 0);
    });
}

#[test]
fn sessions_end_when_they_expire_or_are_revoked_one_by_address_or_all() {
    each_backend(|t| {
        let store = &mut t.store;
        for (id, address) in [("s1", "a@x"), ("s2", "a@x"), ("s3", "b@x"), ("s4", "c@x")] {
            store
                .insert_web_session(&session("A", id, T0, T15), address)
                .unwrap();
        }
        store
            .insert_web_session(&session("B", "s5", T0, T15), "a@x")
            .unwrap();
        assert_eq!(store.live_web_sessions("A", T1).unwrap().len(), 4);
        assert!(
            store.live_web_sessions("A", T15).unwrap().is_empty(),
            "{}",
            t.backend
        );
        assert!(store.revoke_web_session("A", "s4", T1).unwrap());
        assert!(!store.revoke_web_session("A", "s4", T1).unwrap());
        assert!(
            !store.revoke_web_session("A", "s5", T1).unwrap(),
            "another city's"
        );
        assert_eq!(store.revoke_web_sessions("A", Some("a@x"), T1).unwrap(), 2);
        let left: Vec<_> = store.live_web_sessions("A", T1).unwrap();
        assert_eq!(
            left.iter()
                .map(|s| s.id_sha256.as_str())
                .collect::<Vec<_>>(),
            ["s3"]
        );
        assert_eq!(store.revoke_web_sessions("A", None, T1).unwrap(), 1);
        assert!(store.live_web_sessions("A", T1).unwrap().is_empty());
        assert!(
            store.web_session("B", "s5", T1).unwrap().is_some(),
            "B untouched"
        );
    });
}

#[test]
fn a_link_is_usable_exactly_while_it_could_be_redeemed() {
    each_backend(|t| {
        let store = &mut t.store;
        for token in ["t1", "t2"] {
            let new = link("A", token, "a@x", T0, T15);
            store.insert_sign_in_link(&new).unwrap();
        }
        let usable = |store: &Store, city: &str, token: &str, now: &str| {
            store.sign_in_link_usable(city, token, now).unwrap()
        };
        assert!(usable(store, "A", "t1", T1), "{}", t.backend);
        assert!(!usable(store, "B", "t1", T1), "another city's");
        assert!(!usable(store, "A", "t1", T15), "expired");
        assert!(!usable(store, "A", "nothing", T1));
        assert!(usable(store, "A", "t1", T1), "reading it used nothing");
        assert_eq!(redeem(store, "A", "t1", "s1", T1).as_deref(), Some("a@x"));
        assert!(!usable(store, "A", "t1", T1), "used");
        assert!(usable(store, "A", "t2", T1), "the other link is untouched");
    });
}
