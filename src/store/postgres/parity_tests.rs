//! The two backends answer alike: one scenario touching every method of the backend
//! traits runs on SQLite and on PostgreSQL, and every answer is compared.

use super::tests::{fresh_url, open};
use crate::domain::{Finding, FiscalYear};
use crate::plan::PlanTexts;
use crate::store::sqlite::tests::{content, receipt, reporting, submission};
use crate::store::{
    Claim, Delivery, DeliveryState, NewSignInLink, NewSubmission, NewWebSession, OpenMode,
    RunLease, RunOutcome, Store, StoredAttachment,
};

const CITY: &str = "132047";

/// Each answer, as text, in order.
type Answers = Vec<String>;

fn record(store: &mut Store, out: &mut Answers, year: i32, sha: &str, accepted: bool) {
    let sent = reporting(&format!("{year}件"), "1.5");
    let findings = [Finding::file_error("見出しがありません")];
    let new = NewSubmission {
        fiscal_year: Some(FiscalYear(year)),
        ..submission(
            sha,
            accepted.then_some(&sent),
            if accepted { &[] } else { &findings },
        )
    };
    let to = ["企画部 <kikaku@x.example>".to_string()];
    let answer = receipt(sha, &to);
    out.push(format!(
        "{:?}",
        store
            .record_answered_submission(&new, Some(&answer), "2021-04-10T00:00:00Z")
            .unwrap()
    ));
}

/// A department's history (every year, one year, another department's, another
/// city's) and one version of it (its own, and ids it may not read).
fn history(store: &mut Store, out: &mut Answers) {
    let uploaded = NewSubmission {
        uploaded_by: Some("企画部 <kikaku@x.example>"),
        ..submission("e", None, &[])
    };
    out.push(format!("{:?}", store.record_submission(&uploaded)));
    for year in [None, Some(FiscalYear(2019)), Some(FiscalYear(2020))] {
        let listed = store.department_history(CITY, "企画部", year).unwrap();
        out.push(format!("{listed:?}"));
    }
    out.push(format!(
        "{:?}",
        store.department_history(CITY, "総務部", None)
    ));
    out.push(format!(
        "{:?}",
        store.department_history("999999", "企画部", None)
    ));
    for id in [1, 2, 3, 4, 5, 999] {
        let own = store.department_submission(CITY, "企画部", id).unwrap();
        let other = store.department_submission(CITY, "総務部", id).unwrap();
        let elsewhere = store.department_submission("999999", "企画部", id).unwrap();
        out.push(format!("{own:?} {other:?} {elsewhere:?}"));
    }
}

fn submissions(store: &mut Store, out: &mut Answers) {
    record(store, out, 2019, "a", true);
    record(store, out, 2020, "b", true);
    record(store, out, 2020, "c", false);
    record(store, out, 2020, "b", true);
    let whole = content("英語版ホームページのアクセス件数");
    out.push(format!(
        "{:?}",
        store.record_submission(&submission("d", Some(&whole), &[]))
    ));
    out.push(format!(
        "{:?}",
        store.submission_by_hash(CITY, "b").unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.current_submissions(CITY, FiscalYear(2020)).unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.earlier_figures(CITY, FiscalYear(2021)).unwrap()
    ));
    history(store, out);
    out.push(format!(
        "{:?}",
        store.latest_by_department(CITY, FiscalYear(2020)).unwrap()
    ));
    out.push(format!("{:?}", store.fiscal_years(CITY).unwrap()));
    out.push(format!("{:?}", store.findings_of(3).unwrap()));
    let texts = |s: &str| PlanTexts {
        basic_plan: s.into(),
        strategy: "戦略".into(),
        action_plan: "計画".into(),
    };
    store
        .keep_plan_snapshot(CITY, FiscalYear(2020), &texts("一"))
        .unwrap();
    store
        .keep_plan_snapshot(CITY, FiscalYear(2020), &texts("二"))
        .unwrap();
    out.push(format!(
        "{:?}",
        store.plan_snapshot(CITY, FiscalYear(2020)).unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.plan_snapshot(CITY, FiscalYear(2021)).unwrap()
    ));
}

/// Keeps an answer (unwrapped) as text.
macro_rules! say {
    ($out:expr, $answer:expr) => {
        $out.push(format!("{:?}", $answer.unwrap()))
    };
}

/// Queues a message twice (written once) and claims its four copies.
fn queue_and_claim(store: &mut Store, out: &mut Answers) -> Vec<Delivery> {
    let to: Vec<String> = (0..4).map(|i| format!("r{i}@x.example")).collect();
    let attachment = StoredAttachment {
        file_name: "白書.pdf".into(),
        content_type: "application/pdf".into(),
        sha256: "ff".into(),
        size_bytes: 12,
    };
    let message = crate::store::NewMessage {
        attachments: std::slice::from_ref(&attachment),
        ..receipt("report", &to)
    };
    let at = "2026-01-01T00:00:00Z";
    say!(out, store.enqueue_message(CITY, &message, at));
    say!(out, store.enqueue_message(CITY, &message, at));
    say!(out, store.has_message(CITY, "report"));
    let claim = Claim {
        token: "t",
        now: at,
        lease_until: "2026-01-01T00:05:00Z",
    };
    let mut claimed: Vec<Delivery> = Vec::new();
    let after = |claimed: &[Delivery]| claimed.last().map_or(0, |d| d.id);
    while let Some(d) = store.claim_next(CITY, after(&claimed), claim).unwrap() {
        claimed.push(d);
    }
    out.push(format!("{claimed:?}"));
    claimed
}

fn outbox(store: &mut Store, out: &mut Answers) {
    let claimed = queue_and_claim(store, out);
    let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
    say!(out, store.mark_sent(ids[0], "t", "2026-01-01T00:01:00Z"));
    say!(
        out,
        store.mark_retry(ids[1], "t", "2026-01-01T00:09:00Z", "421")
    );
    say!(out, store.mark_failed(ids[2], "t", "550"));
    say!(out, store.release(ids[3], "t", "login"));
    say!(out, store.mark_sent(ids[3], "t", "x"));
    use DeliveryState::{Failed, Pending, Sending, Sent};
    for state in [Pending, Sending, Sent, Failed] {
        say!(out, store.deliveries_in(CITY, state));
    }
    say!(out, store.message(claimed[0].message_id));
    say!(out, store.take_unreported_failures(CITY));
    say!(out, store.take_unreported_failures(CITY));
    say!(out, store.outbox_counts(CITY));
    say!(out, store.requeue_failed(CITY, "2026-01-02T00:00:00Z"));
    say!(out, store.outbox_counts(CITY));
    say!(
        out,
        store.pause_delivery(CITY, "認証", "2026-01-01T00:00:00Z")
    );
    say!(
        out,
        store.pause_delivery(CITY, "認証2", "2026-01-01T00:01:00Z")
    );
    say!(out, store.delivery_pause(CITY));
    say!(out, store.resume_delivery(CITY));
    say!(out, store.resume_delivery(CITY));
}

fn lease(owner: &str, until: &str) -> RunLease {
    RunLease {
        owner: owner.into(),
        until: until.into(),
    }
}

fn ledger(store: &mut Store, out: &mut Answers) {
    let (a, b, job) = ("2027-04-01T00:00:00Z", "2027-04-02T00:00:00Z", "annual");
    say!(out, store.claim_run(CITY, job, a, "T0", &lease("x", "T2")));
    say!(out, store.claim_run(CITY, job, a, "T0", &lease("y", "T2")));
    say!(
        out,
        store.take_over_run(CITY, job, a, "T1", &lease("y", "T3"))
    );
    say!(out, store.renew_run(CITY, job, a, &lease("x", "T4")));
    say!(
        out,
        store.take_over_run(CITY, job, a, "T5", &lease("y", "T6"))
    );
    say!(out, store.renew_run(CITY, job, a, &lease("x", "T7")));
    say!(out, store.unfinished_run(CITY, job));
    say!(
        out,
        store.finish_run(CITY, job, a, "T6", RunOutcome::Failed, Some("理由"))
    );
    say!(out, store.claim_run(CITY, job, b, "T7", &lease("x", "T8")));
    say!(
        out,
        store.finish_run(CITY, job, b, "T8", RunOutcome::Succeeded, None)
    );
    say!(out, store.last_run(CITY, job));
    say!(out, store.runs_of(CITY, job));
    say!(out, store.unfinished_run(CITY, job));
    say!(out, store.run_counts(CITY));
    // Unfinished runs counted apart, first on both backends (NULLs sort differently).
    let c = "2027-04-03T00:00:00Z";
    say!(out, store.claim_run(CITY, job, c, "T9", &lease("x", "T10")));
    say!(out, store.run_counts(CITY));
    say!(out, store.schema_version());
}

/// Every backend method in turn, each answer kept.
pub(super) fn scenario(store: &mut Store) -> Answers {
    let mut out = Answers::new();
    submissions(store, &mut out);
    outbox(store, &mut out);
    ledger(store, &mut out);
    web_sessions(store, &mut out);
    collections(store, &mut out);
    out
}

/// The years' collections (left in the store: a copy carries a closed and an open year).
fn collections(store: &mut Store, out: &mut Answers) {
    let (r2, r3) = (
        crate::domain::FiscalYear(2020),
        crate::domain::FiscalYear(2021),
    );
    say!(out, store.collection_state(CITY, r2));
    say!(
        out,
        store.set_collection(CITY, r2, false, "T1", "企画経営課 a@x")
    );
    say!(out, store.set_collection(CITY, r2, false, "T2", "b@x"));
    say!(out, store.set_collection(CITY, r3, false, "T2", "b@x"));
    say!(
        out,
        store.set_collection(CITY, r3, true, "T3", "コマンド操作(root)")
    );
    say!(out, store.collection_state(CITY, r2));
    say!(out, store.collections(CITY));
    say!(out, store.collections("999999"));
}

/// Sign-in links and sessions (left in the store, so a copy carries some of each).
fn web_sessions(store: &mut Store, out: &mut Answers) {
    let link = |token: &str| NewSignInLink {
        city_code: CITY.into(),
        token_sha256: token.into(),
        address: "a@x".into(),
        client: "127.0.0.1".into(),
        created_at: "T0".into(),
        expires_at: "T5".into(),
    };
    let session = |id: &str| NewWebSession {
        city_code: CITY.into(),
        id_sha256: id.into(),
        csrf: format!("c-{id}"),
        created_at: "T1".into(),
        expires_at: "T9".into(),
    };
    say!(out, store.insert_sign_in_link(&link("l1")));
    say!(out, store.insert_sign_in_link(&link("l2")));
    say!(out, store.sign_in_links_since(CITY, "a@x", "T0"));
    say!(out, store.redeem_sign_in_link("l1", "T1", &session("s1")));
    say!(out, store.redeem_sign_in_link("l1", "T2", &session("s2")));
    say!(out, store.redeem_sign_in_link("l2", "T5", &session("s3")));
    say!(out, store.insert_web_session(&session("s4"), "b@x"));
    say!(out, store.insert_web_session(&session("s5"), "b@x"));
    say!(out, store.web_session(CITY, "s1", "T2"));
    say!(out, store.live_web_sessions(CITY, "T2"));
    say!(out, store.revoke_web_session(CITY, "s4", "T3"));
    say!(out, store.revoke_web_sessions(CITY, Some("a@x"), "T3"));
    say!(out, store.live_web_sessions(CITY, "T3"));
    say!(out, store.web_session(CITY, "s5", "T9"));
}

#[test]
fn every_backend_method_answers_on_postgresql_as_on_sqlite() {
    let Some(url) = fresh_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = scenario(&mut Store::open(&dir.path().join("s.sqlite3")).unwrap());
    let postgres = scenario(&mut open(&url, OpenMode::Writable).unwrap());
    assert_eq!(sqlite.len(), postgres.len());
    for (i, (s, p)) in sqlite.iter().zip(&postgres).enumerate() {
        assert_eq!(s, p, "answer {i} differs");
    }
}
