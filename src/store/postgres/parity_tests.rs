//! The two backends answer alike: one scenario touching every method of the backend
//! traits runs on SQLite and on PostgreSQL, and every answer is compared.

use super::tests::{fresh_url, open};
use crate::domain::{Finding, FiscalYear};
use crate::plan::PlanTexts;
use crate::store::sqlite::tests::{content, receipt, reporting, submission};
use crate::store::{
    Claim, DeliveryState, NewSubmission, OpenMode, RunLease, RunOutcome, Store, StoredAttachment,
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

fn outbox(store: &mut Store, out: &mut Answers) {
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
    out.push(format!(
        "{:?}",
        store
            .enqueue_message(CITY, &message, "2026-01-01T00:00:00Z")
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .enqueue_message(CITY, &message, "2026-01-01T00:00:00Z")
            .unwrap()
    ));
    out.push(format!("{:?}", store.has_message(CITY, "report").unwrap()));
    let claim = Claim {
        token: "t",
        now: "2026-01-01T00:00:00Z",
        lease_until: "2026-01-01T00:05:00Z",
    };
    let mut claimed = Vec::new();
    while let Some(d) = store
        .claim_next(
            CITY,
            claimed.last().map_or(0, |d: &crate::store::Delivery| d.id),
            claim,
        )
        .unwrap()
    {
        claimed.push(d);
    }
    out.push(format!("{claimed:?}"));
    let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
    out.push(format!(
        "{:?}",
        store
            .mark_sent(ids[0], "t", "2026-01-01T00:01:00Z")
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .mark_retry(ids[1], "t", "2026-01-01T00:09:00Z", "421")
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.mark_failed(ids[2], "t", "550").unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.release(ids[3], "t", "login").unwrap()
    ));
    out.push(format!("{:?}", store.mark_sent(ids[3], "t", "x").unwrap()));
    for state in [
        DeliveryState::Pending,
        DeliveryState::Sending,
        DeliveryState::Sent,
        DeliveryState::Failed,
    ] {
        out.push(format!("{:?}", store.deliveries_in(CITY, state).unwrap()));
    }
    out.push(format!(
        "{:?}",
        store.message(claimed[0].message_id).unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.take_unreported_failures(CITY).unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.take_unreported_failures(CITY).unwrap()
    ));
    out.push(format!("{:?}", store.outbox_counts(CITY).unwrap()));
    out.push(format!(
        "{:?}",
        store.requeue_failed(CITY, "2026-01-02T00:00:00Z").unwrap()
    ));
    out.push(format!("{:?}", store.outbox_counts(CITY).unwrap()));
    out.push(format!(
        "{:?}",
        store
            .pause_delivery(CITY, "認証", "2026-01-01T00:00:00Z")
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .pause_delivery(CITY, "認証2", "2026-01-01T00:01:00Z")
            .unwrap()
    ));
    out.push(format!("{:?}", store.delivery_pause(CITY).unwrap()));
    out.push(format!("{:?}", store.resume_delivery(CITY).unwrap()));
    out.push(format!("{:?}", store.resume_delivery(CITY).unwrap()));
}

fn ledger(store: &mut Store, out: &mut Answers) {
    let lease = |owner: &str, until: &str| RunLease {
        owner: owner.into(),
        until: until.into(),
    };
    let (a, b) = ("2027-04-01T00:00:00Z", "2027-04-02T00:00:00Z");
    out.push(format!(
        "{:?}",
        store
            .claim_run(CITY, "annual", a, "T0", &lease("x", "T2"))
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .claim_run(CITY, "annual", a, "T0", &lease("y", "T2"))
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .take_over_run(CITY, "annual", a, "T1", &lease("y", "T3"))
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .renew_run(CITY, "annual", a, &lease("x", "T4"))
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .take_over_run(CITY, "annual", a, "T5", &lease("y", "T6"))
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store
            .renew_run(CITY, "annual", a, &lease("x", "T7"))
            .unwrap()
    ));
    out.push(format!(
        "{:?}",
        store.unfinished_run(CITY, "annual").unwrap()
    ));
    store
        .finish_run(CITY, "annual", a, "T6", RunOutcome::Failed, Some("理由"))
        .unwrap();
    store
        .claim_run(CITY, "annual", b, "T7", &lease("x", "T8"))
        .unwrap();
    store
        .finish_run(CITY, "annual", b, "T8", RunOutcome::Succeeded, None)
        .unwrap();
    out.push(format!("{:?}", store.last_run(CITY, "annual").unwrap()));
    out.push(format!("{:?}", store.runs_of(CITY, "annual").unwrap()));
    out.push(format!(
        "{:?}",
        store.unfinished_run(CITY, "annual").unwrap()
    ));
    out.push(format!("{:?}", store.schema_version().unwrap()));
}

fn scenario(store: &mut Store) -> Answers {
    let mut out = Answers::new();
    submissions(store, &mut out);
    outbox(store, &mut out);
    ledger(store, &mut out);
    out
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
