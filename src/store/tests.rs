use super::*;
use crate::domain::Observation;

fn indicator(name: &str) -> Indicator {
    Indicator {
        policy_code: "1-1".to_string(),
        policy_name: "国際化の推進".to_string(),
        section: "企画経営課".to_string(),
        name: name.to_string(),
        unit: "件".to_string(),
        observations: [
            "34,677件",
            "60,359件",
            "293,478件",
            "202,850件",
            "400,000件",
        ]
        .into_iter()
        .map(Observation::parse)
        .collect(),
    }
}

fn submission<'a>(
    sha256: &'a str,
    indicators: &'a [(Indicator, u32)],
    findings: &'a [Finding],
) -> NewSubmission<'a> {
    NewSubmission {
        city_code: "132047",
        sha256,
        file_name: "企画部.xlsx",
        archived_path: "archive/aa/aa.xlsx",
        department: Some("企画部"),
        fiscal_year: Some(FiscalYear(2020)),
        accepted: findings.iter().all(|f| f.severity != Severity::Error),
        received_at: "2021-04-10T09:00:00+09:00",
        findings,
        indicators,
    }
}

fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db/hakusho.sqlite3")).unwrap();
    (dir, store)
}

#[test]
fn migrations_apply_once_and_reopen_cleanly() {
    let (dir, store) = open_temp();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    drop(store);
    let again = Store::open(&dir.path().join("db/hakusho.sqlite3")).unwrap();
    assert_eq!(again.schema_version().unwrap(), latest_version());
}

#[test]
fn an_accepted_submission_reads_back_with_its_printed_values() {
    let (_dir, mut store) = open_temp();
    let rows = [(indicator("英語版ホームページのアクセス件数"), 1)];
    store
        .record_submission(&submission("aa", &rows, &[]))
        .unwrap();
    let current = store
        .current_indicators("132047", FiscalYear(2020))
        .unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].department, "企画部");
    assert_eq!(current[0].indicators, vec![rows[0].0.clone()]);
    assert!(store
        .current_indicators("132047", FiscalYear(2021))
        .unwrap()
        .is_empty());
    assert!(store
        .current_indicators("999999", FiscalYear(2020))
        .unwrap()
        .is_empty());
}

#[test]
fn the_latest_accepted_version_is_current_and_rejections_do_not_count() {
    let (_dir, mut store) = open_temp();
    store
        .record_submission(&submission("v1", &[(indicator("初版"), 1)], &[]))
        .unwrap();
    store
        .record_submission(&submission("v2", &[(indicator("第2版"), 1)], &[]))
        .unwrap();
    let error = [Finding::file_error("壊れています")];
    let rejected = store
        .record_submission(&submission("v3", &[], &error))
        .unwrap();
    let current = store
        .current_indicators("132047", FiscalYear(2020))
        .unwrap();
    assert_eq!(current[0].indicators[0].name, "第2版");
    assert_eq!(store.findings_of(rejected).unwrap(), error);
}

#[test]
fn the_same_bytes_are_found_by_their_hash_and_cannot_be_recorded_twice() {
    let (_dir, mut store) = open_temp();
    let id = store
        .record_submission(&submission("same", &[], &[]))
        .unwrap();
    let found = store.submission_by_hash("132047", "same").unwrap().unwrap();
    assert_eq!((found.id, found.accepted), (id, true));
    assert!(store
        .record_submission(&submission("same", &[], &[]))
        .is_err());
    assert_eq!(store.submission_by_hash("132047", "other").unwrap(), None);
}
