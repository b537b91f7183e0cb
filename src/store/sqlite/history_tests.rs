//! A department's history on every backend ([`each_backend`]): who uploaded each
//! version, newest first, kept to its city and department, one version readable only
//! by its own department.

use crate::domain::{Finding, FiscalYear};
use crate::store::sqlite::tests::{reporting, submission};
use crate::store::test_stores::each_backend;
use crate::store::{NewSubmission, Store, SubmissionStatus};

const CITY: &str = "132047";
const UPLOADER: &str = "企画部 <kikaku@x.example>";

/// Records four versions: 企画部's by the inbox and by upload (sent back, then
/// accepted), one of 総務部, one of 企画部 in another city. Returns their ids.
fn four_versions(store: &mut Store) -> Vec<i64> {
    let accepted = reporting("100件", "1.0");
    let wrong = [Finding::file_error("見出しがありません")];
    let news = [
        submission("inbox", Some(&accepted), &[]),
        NewSubmission {
            uploaded_by: Some(UPLOADER),
            ..submission("upload-sent-back", None, &wrong)
        },
        NewSubmission {
            uploaded_by: Some(UPLOADER),
            fiscal_year: None,
            ..submission("upload-unreadable", None, &wrong)
        },
        NewSubmission {
            department: Some("総務部"),
            ..submission("other-department", None, &wrong)
        },
        NewSubmission {
            city_code: "999999",
            ..submission("other-city", None, &wrong)
        },
    ];
    news.iter()
        .map(|new| store.record_submission(new).unwrap())
        .collect()
}

#[test]
fn the_history_lists_every_version_of_the_department_newest_first_with_its_uploader() {
    each_backend(|t| {
        let ids = four_versions(&mut t.store);
        let all = t.store.department_history(CITY, "企画部", None).unwrap();
        let listed: Vec<i64> = all.iter().map(|e| e.id).collect();
        assert_eq!(listed, [ids[2], ids[1], ids[0]], "{}", t.backend);
        assert_eq!(all[0].uploaded_by.as_deref(), Some(UPLOADER));
        assert_eq!(all[0].fiscal_year, None);
        assert_eq!(
            (all[1].status, all[1].errors),
            (SubmissionStatus::Rejected, 1)
        );
        assert_eq!(all[2].uploaded_by, None, "the inbox's has no uploader");
        assert_eq!(all[2].status, SubmissionStatus::Accepted);
        let year = t
            .store
            .department_history(CITY, "企画部", Some(FiscalYear(2020)));
        let listed: Vec<i64> = year.unwrap().iter().map(|e| e.id).collect();
        assert_eq!(listed, [ids[1], ids[0]], "{}", t.backend);
        let other_year = t
            .store
            .department_history(CITY, "企画部", Some(FiscalYear(2019)));
        assert!(other_year.unwrap().is_empty());
    });
}

#[test]
fn one_version_is_found_only_under_its_own_city_and_department() {
    each_backend(|t| {
        let ids = four_versions(&mut t.store);
        let own = t
            .store
            .department_submission(CITY, "企画部", ids[1])
            .unwrap();
        assert_eq!(own.unwrap().file_name, "企画部.xlsx", "{}", t.backend);
        for id in [ids[3], ids[4], 0, -1, i64::MAX, ids[4] + 1] {
            let found = t.store.department_submission(CITY, "企画部", id).unwrap();
            assert_eq!(found, None, "id {id} on {}", t.backend);
        }
        let elsewhere = t.store.department_submission("999999", "総務部", ids[4]);
        assert_eq!(elsewhere.unwrap(), None);
    });
}
