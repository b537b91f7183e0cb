//! What changed between two builds of a year, from their indexes: which departments'
//! submissions differ, whether the plan or the templates moved, and which files came
//! out different. `hakusho build` prints it; the planning division's rebuild shows it.

use super::index::{BuildInputs, DepartmentInput, IndexedFile, ReportIndex, UsedSubmission};

/// How one input or file compares with the build before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The same as before.
    Same,
    /// Different from before.
    Changed,
    /// There now, not before.
    New,
    /// There before, not now.
    Gone,
    /// The build before did not record it (an index from before the record).
    Unknown,
}

impl Change {
    /// The word the pages and the command print.
    pub fn label(self) -> &'static str {
        match self {
            Change::Same => "変更なし",
            Change::Changed => "変更あり",
            Change::New => "新規",
            Change::Gone => "なくなった",
            Change::Unknown => "不明(前回の記録なし)",
        }
    }

    /// Compares what was (`None`: not there) with what is; `known` false when the
    /// build before recorded nothing of it.
    fn of<T: PartialEq>(known: bool, before: Option<T>, after: Option<T>) -> Change {
        match (known, before, after) {
            (false, _, _) => Change::Unknown,
            (true, None, None) => Change::Same,
            (true, None, Some(_)) => Change::New,
            (true, Some(_), None) => Change::Gone,
            (true, Some(a), Some(b)) if a == b => Change::Same,
            (true, Some(_), Some(_)) => Change::Changed,
        }
    }
}

/// What differs between a year's build and the one before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Whether there was a build before (an index in the year's folder).
    pub had_previous: bool,
    /// When the build before was made (RFC 3339), when its index says.
    pub previous_built_at: Option<String>,
    /// When this build was made (RFC 3339).
    pub built_at: Option<String>,
    /// Each department of either build: its submission before and now.
    pub departments: Vec<DepartmentChange>,
    /// The plan's reference data.
    pub plan: Change,
    /// The reports' headings and labels.
    pub templates: Change,
    /// Each file of either build, the new build's first, then those it no longer has.
    pub files: Vec<FileChange>,
}

/// A department's submission in the build before and in this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentChange {
    /// The department.
    pub department: String,
    /// The submission the build before used (`None`: none, or not recorded).
    pub before: Option<UsedSubmission>,
    /// The submission this build used.
    pub after: Option<UsedSubmission>,
    /// How they compare.
    pub change: Change,
}

impl DepartmentChange {
    /// `提出#12 (sha256 ab12cd34…) → 提出#15 (…)`, or the one side there is.
    pub fn describe(&self) -> String {
        let side = |s: &Option<UsedSubmission>| match s {
            Some(s) => format!("提出#{} ({})", s.id, short_hash(&s.sha256)),
            None => "提出なし".to_string(),
        };
        match self.change {
            Change::Same | Change::Unknown => side(&self.after),
            _ => format!("{} → {}", side(&self.before), side(&self.after)),
        }
    }
}

/// A report file in the build before and in this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Its name in the year's folder.
    pub file_name: String,
    /// Who it is for: 全庁 or the department.
    pub audience: String,
    /// How its bytes compare.
    pub change: Change,
}

impl Changes {
    /// Compares the index of the build before (`None`: the year was not built) with
    /// the new one.
    pub fn between(before: Option<&ReportIndex>, after: &ReportIndex) -> Changes {
        let inputs_before = before.and_then(|b| b.inputs.as_ref());
        let known = inputs_before.is_some();
        let digest = |f: fn(&BuildInputs) -> &String| {
            let after = after.inputs.as_ref().map(f);
            Change::of(known, inputs_before.map(f), after)
        };
        Changes {
            had_previous: before.is_some(),
            previous_built_at: before.and_then(|b| b.built_at.clone()),
            built_at: after.built_at.clone(),
            departments: department_changes(inputs_before, after.inputs.as_ref()),
            plan: digest(|i| &i.plan_sha256),
            templates: digest(|i| &i.templates_sha256),
            files: file_changes(before, after),
        }
    }

    /// Whether every input is recorded the same as before while the build time is
    /// another: then the files differ only by the time printed on them.
    pub fn only_the_time_differs(&self) -> bool {
        let same = |c: Change| c == Change::Same;
        self.departments.iter().all(|d| same(d.change))
            && same(self.plan)
            && same(self.templates)
            && self.previous_built_at != self.built_at
    }

    /// The departments whose submission is not the same as before.
    pub fn changed_departments(&self) -> impl Iterator<Item = &DepartmentChange> {
        self.departments.iter().filter(|d| d.change != Change::Same)
    }

    /// What `hakusho build` prints: one line per input and per file.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.heading()];
        lines.push("  入力:".to_string());
        for d in &self.departments {
            let (label, text) = (d.change.label(), d.describe());
            lines.push(format!("    {}: {label} {text}", d.department));
        }
        lines.push(format!("    計画の参照データ: {}", self.plan.label()));
        lines.push(format!(
            "    報告書の見出しと文言: {}",
            self.templates.label()
        ));
        lines.push("  報告書:".to_string());
        for f in &self.files {
            lines.push(format!("    {}: {}", f.file_name, f.change.label()));
        }
        lines
    }

    /// 「前回(…)からの変更:」, or that there is no build before to compare with.
    pub fn heading(&self) -> String {
        match (&self.had_previous, &self.previous_built_at) {
            (false, _) => "前回の作成記録がありません(すべて新規として示します):".to_string(),
            (true, Some(at)) => format!("前回の作成({})からの変更:", tokyo(at)),
            (true, None) => "前回の作成からの変更(前回は入力を記録していません):".to_string(),
        }
    }
}

/// The first twelve hex digits of a digest, enough to tell versions apart on a page.
pub fn short_hash(sha256: &str) -> String {
    let short: String = sha256.chars().take(12).collect();
    format!("sha256 {short}…")
}

/// A recorded time as staff read it (Asia/Tokyo), or as it is.
fn tokyo(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_string(),
        |t| {
            let t = t.with_timezone(&chrono_tz::Asia::Tokyo);
            t.format("%Y年%m月%d日 %H:%M").to_string()
        },
    )
}

/// Each department of either build, this build's order first.
fn department_changes(
    before: Option<&BuildInputs>,
    after: Option<&BuildInputs>,
) -> Vec<DepartmentChange> {
    let empty = Vec::new();
    let now = after.map_or(&empty, |a| &a.departments);
    let was = before.map_or(&empty, |b| &b.departments);
    let find = |list: &[DepartmentInput], name: &str| {
        let found = list.iter().find(|d| d.department == name);
        found.and_then(|d| d.submission.clone())
    };
    let mut names: Vec<&str> = now.iter().map(|d| d.department.as_str()).collect();
    for d in was {
        if !names.contains(&d.department.as_str()) {
            names.push(&d.department);
        }
    }
    let known = before.is_some();
    let change = |name: &str| {
        let (before, after) = (find(was, name), find(now, name));
        let key = |s: &Option<UsedSubmission>| s.as_ref().map(|s| (s.id, s.sha256.clone()));
        DepartmentChange {
            department: name.to_string(),
            change: Change::of(known, key(&before), key(&after)),
            before,
            after,
        }
    };
    names.into_iter().map(change).collect()
}

/// Each file of either build: the new build's files in order, then those gone.
fn file_changes(before: Option<&ReportIndex>, after: &ReportIndex) -> Vec<FileChange> {
    let empty = Vec::new();
    let was: &[IndexedFile] = before.map_or(&empty, |b| &b.files);
    let mut changes: Vec<FileChange> = after
        .files
        .iter()
        .map(|f| {
            let old = was.iter().find(|o| o.file_name == f.file_name);
            let change = match old {
                None => Change::New,
                Some(old) => {
                    Change::of(old.sha256.is_some(), old.sha256.as_ref(), f.sha256.as_ref())
                }
            };
            file_change(f, change)
        })
        .collect();
    let gone = was.iter().filter(|o| after.file(&o.file_name).is_none());
    changes.extend(gone.map(|o| file_change(o, Change::Gone)));
    changes
}

/// A file's line.
fn file_change(file: &IndexedFile, change: Change) -> FileChange {
    FileChange {
        file_name: file.file_name.clone(),
        audience: file.audience().to_string(),
        change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FiscalYear;
    use crate::report::{Audience, ReportFile};

    fn file(name: &str, bytes: &[u8]) -> ReportFile {
        ReportFile {
            audience: Audience::Department("企画部".into()),
            file_name: name.into(),
            bytes: bytes.to_vec(),
        }
    }

    fn inputs(id: i64, sha: &str) -> BuildInputs {
        let submission = UsedSubmission {
            id,
            sha256: sha.into(),
            file_name: "a.xlsx".into(),
            received_at: "2021-04-01T00:00:00Z".into(),
        };
        BuildInputs {
            departments: vec![
                DepartmentInput {
                    department: "企画部".into(),
                    submission: Some(submission),
                },
                DepartmentInput {
                    department: "総務部".into(),
                    submission: None,
                },
            ],
            plan_sha256: "p".into(),
            templates_sha256: "t".into(),
        }
    }

    fn index(files: &[ReportFile], inputs: Option<BuildInputs>) -> ReportIndex {
        ReportIndex {
            inputs,
            ..ReportIndex::of(FiscalYear(2020), files)
        }
    }

    #[test]
    fn every_kind_of_change_is_told_and_nothing_else() {
        let before = index(&[file("a", b"1"), file("b", b"2")], Some(inputs(12, "x")));
        let after = index(&[file("a", b"1"), file("c", b"3")], Some(inputs(15, "y")));
        let changes = Changes::between(Some(&before), &after);
        let kinds: Vec<Change> = changes.files.iter().map(|f| f.change).collect();
        assert_eq!(kinds, [Change::Same, Change::New, Change::Gone]);
        let departments: Vec<Change> = changes.departments.iter().map(|d| d.change).collect();
        assert_eq!(departments, [Change::Changed, Change::Same]);
        assert!(changes.departments[0].describe().contains("提出#12"));
        assert!(changes.departments[0].describe().contains("→ 提出#15"));
        assert_eq!(
            (changes.plan, changes.templates),
            (Change::Same, Change::Same)
        );
        let same = Changes::between(Some(&after), &after);
        assert!(same.changed_departments().next().is_none());
        assert!(same.files.iter().all(|f| f.change == Change::Same));
    }

    #[test]
    fn an_index_from_before_the_record_reads_and_says_it_cannot_tell() {
        let old = r#"{"fiscal_year":2020,"files":[{"file_name":"a","department":null}]}"#;
        let old: ReportIndex = serde_json::from_str(old).unwrap();
        let after = index(&[file("a", b"1")], Some(inputs(1, "x")));
        let changes = Changes::between(Some(&old), &after);
        assert!(changes
            .departments
            .iter()
            .all(|d| d.change == Change::Unknown));
        assert_eq!(changes.files[0].change, Change::Unknown);
        assert_eq!(changes.plan, Change::Unknown);
        let none = Changes::between(None, &after);
        assert!(none.heading().contains("前回の作成記録がありません"));
        assert!(none.files.iter().all(|f| f.change == Change::New));
    }
}
