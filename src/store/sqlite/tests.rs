//! The store's submissions on every backend ([`each_backend`]): what is recorded reads
//! back whole, a submission and its receipt are written together or not at all, the
//! latest accepted version is current. Two connections racing, and the read-only file,
//! are SQLite's own here (PostgreSQL's races are in `postgres::tests`).

use super::SqliteStore as Store;
use crate::domain::{Finding, FiscalYear, Indicator, Observation, Period};
use crate::store::test_stores::each_backend;
use crate::store::{
    latest_version, EarlierFigures, FigureKind, NewMessage, NewSubmission, OpenMode, Outbox,
    Recorded, SubmissionStatus, Submissions,
};
use crate::workbook::{
    ActionItemEntry, DepartmentProfile, IndicatorEntry, KpiEntry, PolicyProgress, PriorityProject,
    SubmissionContent,
};

/// An indicator as the seed's 企画部 reports it, under `name`.
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

/// A whole accepted content with one row of each part.
pub(crate) fn content(name: &str) -> SubmissionContent {
    let indicator = indicator(name);
    let readings = readings(&indicator);
    SubmissionContent {
        department: "企画部".to_string(),
        fiscal_year: Some(FiscalYear(2020)),
        submitter: "企画経営課 白書担当".to_string(),
        profile: DepartmentProfile {
            sections: vec!["企画経営課".into(), "情報推進課".into()],
            staff_count: "120".into(),
            ..Default::default()
        },
        projects: vec![PriorityProject {
            number: "①".into(),
            title: "新たな参加と協働の仕組みづくり".into(),
            row: 1,
            ..Default::default()
        }],
        indicators: vec![IndicatorEntry {
            id: "1-1.1".into(),
            indicator,
            observed_at: String::new(),
            reason: String::new(),
            previous: String::new(),
            note: "注記".into(),
            row: 1,
            readings,
        }],
        progress: vec![PolicyProgress {
            policy_code: "1-1".into(),
            policy_name: "国際化の推進".into(),
            text: "一段落目\n二段落目".into(),
            row: 1,
        }],
        action_items: vec![ActionItemEntry {
            id: "1-(2)".into(),
            major: true,
            title: "課題".into(),
            departments: "企画部".into(),
            overview: "概要".into(),
            progress: "取組".into(),
            row: 1,
        }],
        kpis: vec![KpiEntry {
            id: "K1-1".into(),
            goal: "1".into(),
            name: "合計特殊出生率".into(),
            actual: "1.11 (令和元年)".into(),
            row: 1,
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// What intake reads of the indicator's five cells in row 2.
fn readings(indicator: &Indicator) -> Vec<crate::domain::Reading> {
    Period::ALL
        .iter()
        .zip(&indicator.observations)
        .zip(["F2", "G2", "H2", "I2", "K2"])
        .map(|((period, o), cell)| crate::domain::Reading::new(*period, o, "目標指標", cell.into()))
        .collect()
}

pub(crate) fn submission<'a>(
    sha256: &'a str,
    content: Option<&'a SubmissionContent>,
    findings: &'a [Finding],
) -> NewSubmission<'a> {
    NewSubmission {
        city_code: "132047",
        sha256,
        file_name: "企画部.xlsx",
        archived_path: "archive/aa/aa.xlsx",
        department: Some("企画部"),
        fiscal_year: Some(FiscalYear(2020)),
        received_at: "2021-04-10T09:00:00+09:00",
        findings,
        accepted: content,
        uploaded_by: None,
    }
}

#[test]
fn migrations_apply_once_and_reopen_cleanly() {
    each_backend(|t| {
        assert_eq!(t.store.schema_version().unwrap(), latest_version());
        let again = t.open(OpenMode::Writable);
        assert_eq!(again.schema_version().unwrap(), latest_version());
    });
}

#[test]
fn a_stored_period_this_version_does_not_know_fails_the_read_and_is_named() {
    each_backend(|t| {
        let sent = content("英語版ホームページのアクセス件数");
        t.store
            .record_submission(&submission("aa", Some(&sent), &[]))
            .unwrap();
        for unknown in ["final", "", "Actual", "実績"] {
            let update = "UPDATE observations SET period = ?1 WHERE cell = '目標指標!I2'";
            t.execute(update, &[unknown]);
            let error = t
                .store
                .current_submissions("132047", FiscalYear(2020))
                .unwrap_err();
            let message = format!("{error:#}");
            assert!(
                message.contains("指標の期間") && message.contains(&format!("「{unknown}」")),
                "{}: {message}",
                t.backend
            );
        }
    });
}

#[test]
fn an_accepted_submission_reads_back_whole() {
    each_backend(|t| {
        let sent = content("英語版ホームページのアクセス件数");
        t.store
            .record_submission(&submission("aa", Some(&sent), &[]))
            .unwrap();
        let current = t
            .store
            .current_submissions("132047", FiscalYear(2020))
            .unwrap();
        assert_eq!(current.len(), 1);
        // The store keeps the readings (text, figure, cell), not intake's full parse.
        let mut kept = sent.clone();
        kept.indicators[0].indicator.observations.clear();
        assert_eq!(current[0].content, kept, "{}", t.backend);
        let entry = &current[0].content.indicators[0];
        assert_eq!(entry.reading(Period::Actual).unwrap().value, Some(202850.0));
        assert_eq!(
            entry.reading(Period::Target).unwrap().address(),
            "目標指標!K2"
        );
        for (city, year) in [("132047", 2021), ("999999", 2020)] {
            let none = t.store.current_submissions(city, FiscalYear(year));
            assert!(none.unwrap().is_empty(), "{city} {year}");
        }
    });
}

#[test]
fn a_provisional_figure_reads_back_with_its_mark_apart_from_the_number() {
    each_backend(|t| {
        let mut sent = content("英語版ホームページのアクセス件数");
        let form = crate::domain::RowForm::of("件", &["34,677件", "400,000件"]);
        let typed = crate::domain::TypedFigure::read("２６５，０００件（速報値）", &form);
        sent.indicators[0].readings[3] =
            crate::domain::Reading::typed(Period::Actual, &typed, "目標指標", "I2".into());
        sent.kpis[0].actual = "1.11".into();
        sent.kpis[0].actual_provisional = Some("見込み".into());
        t.store
            .record_submission(&submission("aa", Some(&sent), &[]))
            .unwrap();
        let current = t
            .store
            .current_submissions("132047", FiscalYear(2020))
            .unwrap();
        let content = &current[0].content;
        let actual = content.indicators[0].reading(Period::Actual).unwrap();
        assert_eq!(actual.printed, "265,000件");
        assert_eq!(actual.value, Some(265000.0));
        assert_eq!(actual.provisional.as_deref(), Some("速報値"));
        assert_eq!(actual.noted(), "265,000件 (速報値)");
        let target = content.indicators[0].reading(Period::Target).unwrap();
        assert_eq!(target.provisional, None);
        assert_eq!(content.kpis[0].actual, "1.11");
        let kpi_mark = content.kpis[0].actual_provisional.as_deref();
        assert_eq!(kpi_mark, Some("見込み"));
    });
}

#[test]
fn the_latest_accepted_version_is_current_and_rejections_do_not_count() {
    each_backend(|t| {
        let store = &mut t.store;
        store
            .record_submission(&submission("v1", Some(&content("初版")), &[]))
            .unwrap();
        store
            .record_submission(&submission("v2", Some(&content("第2版")), &[]))
            .unwrap();
        let error = [Finding::file_error("壊れています")];
        let rejected = store
            .record_submission(&submission("v3", None, &error))
            .unwrap();
        let current = store
            .current_submissions("132047", FiscalYear(2020))
            .unwrap();
        assert_eq!(current[0].content.indicators[0].indicator.name, "第2版");
        assert_eq!(store.findings_of(rejected).unwrap(), error);
    });
}

#[test]
fn the_same_bytes_are_found_by_their_hash_and_cannot_be_recorded_twice() {
    each_backend(|t| {
        let store = &mut t.store;
        let sent = content("x");
        let id = store
            .record_submission(&submission("same", Some(&sent), &[]))
            .unwrap();
        let found = store.submission_by_hash("132047", "same").unwrap().unwrap();
        assert_eq!((found.id, found.status), (id, SubmissionStatus::Accepted));
        assert!(store
            .record_submission(&submission("same", Some(&sent), &[]))
            .is_err());
        assert_eq!(store.submission_by_hash("132047", "other").unwrap(), None);
    });
}

pub(crate) fn receipt<'a>(key: &'a str, recipients: &'a [String]) -> NewMessage<'a> {
    NewMessage {
        key,
        subject: "受付結果",
        body: "受理しました。",
        recipients,
        attachments: &[],
    }
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_submission_and_its_receipt_are_recorded_together() {
    each_backend(|t| {
        let sent = content("x");
        let to = ["企画部 <kikaku-bu@mitaka.example>".to_string()];
        let recorded = t
            .store
            .record_answered_submission(
                &submission("aa", Some(&sent), &[]),
                Some(&receipt("receipt:aa", &to)),
                "2021-04-10T00:00:00Z",
            )
            .unwrap();
        assert!(matches!(recorded, Recorded::New(_)));
        assert_eq!(t.count("SELECT COUNT(*) FROM submissions"), 1);
        assert_eq!(t.count("SELECT COUNT(*) FROM deliveries"), 1);
    });
}

/// The class "the receipt cannot be written": whatever makes its insert fail (here a
/// recipient listed twice), the submission is not recorded either, so the file is
/// taken in again, and answered, next time.
#[test]
fn a_receipt_that_cannot_be_queued_leaves_the_submission_unrecorded() {
    each_backend(|t| {
        let sent = content("x");
        let twice = [
            "a@mitaka.example".to_string(),
            "a@mitaka.example".to_string(),
        ];
        let failed = t.store.record_answered_submission(
            &submission("aa", Some(&sent), &[Finding::file_warning("注意")]),
            Some(&receipt("receipt:aa", &twice)),
            "2021-04-10T00:00:00Z",
        );
        assert!(failed.is_err(), "{}", t.backend);
        for table in [
            "submissions",
            "findings",
            "indicators",
            "messages",
            "deliveries",
        ] {
            let rows = t.count(&format!("SELECT COUNT(*) FROM {table}"));
            assert_eq!(rows, 0, "{} {table}", t.backend);
        }
        assert_eq!(t.store.submission_by_hash("132047", "aa").unwrap(), None);
    });
}

/// Two processes taking in the same bytes at once: one records the submission and its
/// receipt, the other finds that row and writes nothing.
#[test]
fn the_same_bytes_recorded_by_two_connections_at_once_give_one_submission_and_one_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hakusho.sqlite3");
    Store::open(&path).unwrap();
    let barrier = std::sync::Barrier::new(8);
    let outcomes: Vec<Recorded> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut store = Store::open(&path).unwrap();
                    let sent = content("x");
                    let to = ["企画部 <kikaku-bu@mitaka.example>".to_string()];
                    barrier.wait();
                    store
                        .record_answered_submission(
                            &submission("same", Some(&sent), &[]),
                            Some(&receipt("receipt:same", &to)),
                            "2021-04-10T00:00:00Z",
                        )
                        .unwrap()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let new: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| match o {
            Recorded::New(id) => Some(*id),
            Recorded::Known(_) => None,
        })
        .collect();
    assert_eq!(new.len(), 1, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|o| !matches!(o, Recorded::Known(k) if k.id != new[0])));
    let store = Store::open(&path).unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM submissions"), 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM messages"), 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM deliveries"), 1);
}

/// The same key queued by several connections at once is written once, without error.
#[test]
fn a_message_queued_by_two_connections_at_once_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hakusho.sqlite3");
    Store::open(&path).unwrap();
    let barrier = std::sync::Barrier::new(8);
    let queued = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut store = Store::open(&path).unwrap();
                    let to = ["managers@mitaka.example".to_string()];
                    barrier.wait();
                    store
                        .enqueue_message("132047", &receipt("report:2020:d:全庁", &to), "now")
                        .unwrap()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .filter(|queued| *queued)
            .count()
    });
    assert_eq!(queued, 1);
}

/// A content whose indicator 1-1.1 reports `actual` and KPI K1-1 `kpi`.
pub(crate) fn reporting(actual: &str, kpi: &str) -> SubmissionContent {
    let mut reported = content("指標");
    let reading = &mut reported.indicators[0].readings[3];
    reading.printed = actual.to_string();
    reading.value = Observation::parse(actual).value();
    reported.kpis[0].actual = kpi.to_string();
    reported
}

fn record_for(
    store: &mut crate::store::Store,
    year: i32,
    sha256: &str,
    content: Option<&SubmissionContent>,
) {
    let new = NewSubmission {
        fiscal_year: Some(FiscalYear(year)),
        ..submission(sha256, content, &[])
    };
    store.record_submission(&new).unwrap();
}

#[test]
fn earlier_figures_are_the_latest_accepted_ones_of_the_years_before() {
    each_backend(|t| {
        let figures = earlier_figures_of_five_submissions(&mut t.store);
        // The same, read on a read-only connection.
        let read_only = t.open(OpenMode::ReadOnly);
        let again = read_only.earlier_figures("132047", FiscalYear(2021));
        assert_eq!(again.unwrap(), figures, "{}", t.backend);
    });
}

/// Records five submissions over three years and checks the earlier figures each year
/// sees: those of 令和3年度, returned.
fn earlier_figures_of_five_submissions(store: &mut crate::store::Store) -> EarlierFigures {
    let (first, second) = (reporting("100件", "1.0"), reporting("200件", ""));
    record_for(store, 2019, "r1", Some(&reporting("90件", "0.9")));
    record_for(store, 2020, "r2a", Some(&first));
    record_for(store, 2020, "r2b", Some(&second));
    record_for(store, 2020, "r2c", None);
    record_for(store, 2021, "r3", Some(&reporting("300件", "3.0")));
    let figures = store.earlier_figures("132047", FiscalYear(2021)).unwrap();
    let figure = |kind, id| {
        let found = figures.of(kind, "企画部", id).unwrap();
        (found.fiscal_year.0, found.printed.clone())
    };
    // 令和2年度's current submission is the second; its KPI is blank, so 令和元年度's stands.
    assert_eq!(
        figure(FigureKind::Indicator, "1-1.1"),
        (2020, "200件".into())
    );
    assert_eq!(figure(FigureKind::Kpi, "K1-1"), (2019, "0.9".into()));
    assert_eq!(figures.len(), 2);
    let before_2020 = store.earlier_figures("132047", FiscalYear(2020)).unwrap();
    let found = before_2020.of(FigureKind::Indicator, "企画部", "1-1.1");
    assert_eq!(found.map(|f| f.printed.as_str()), Some("90件"));
    assert!(store
        .earlier_figures("132047", FiscalYear(2019))
        .unwrap()
        .is_empty());
    figures
}

#[test]
fn a_store_opened_read_only_writes_nothing_and_a_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hakusho.sqlite3");
    assert!(Store::open_read_only(&path).is_err());
    assert!(!path.exists(), "opening read-only must not create the file");
    drop(Store::open(&path).unwrap());
    let mut read_only = Store::open_read_only(&path).unwrap();
    let sent = content("指標");
    assert!(read_only
        .record_submission(&submission("ro", Some(&sent), &[]))
        .is_err());
}
