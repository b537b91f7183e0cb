//! Start-up checks of what a command will use on disk: the folders, the files they
//! must hold, the fonts, the SMTP settings that are only read when mail goes out.
//! Each would otherwise fail later (at the scheduled run, at the first file, at the
//! first mail) with an English error naming no key; here every problem is found at
//! once, before the command does anything.

use std::io::ErrorKind;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::config::{all_or_nothing, Config, NotReady, Problem, Transport};

/// The mail texts under `templates/mail/`.
pub const MAIL_TEMPLATES: [&str; 8] = [
    "receipt",
    "collection_closed",
    "department_report",
    "manager_summary",
    "delivery_failures",
    "reminder",
    "escalation",
    "digest",
];

/// The report texts under `templates/report/`.
pub const REPORT_TEMPLATES: [&str; 3] = ["white_paper.toml", "summary.toml", "newsletter.toml"];

/// The plan's reference data files under `paths.plan`.
pub const PLAN_FILES: [&str; 3] = ["basic_plan.toml", "strategy.toml", "action_plan.toml"];

/// What a command will use, so that it checks that and nothing else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Reads `paths.inbox`.
    pub inbox: bool,
    /// Reads the plan's reference data.
    pub plan: bool,
    /// Builds reports: report texts and fonts.
    pub reports: bool,
    /// Writes the reports into `paths.reports` (not when `--out` says elsewhere).
    pub reports_folder: bool,
    /// Checks text against the fonts (intake) without building reports.
    pub fonts: bool,
    /// Archives what it receives (`paths.archive`) and answers with receipts.
    pub intake: bool,
    /// Writes the submission workbook (its instructions sheet).
    pub workbook: bool,
    /// Delivers mail: the outbox folder or the SMTP settings, the mail texts.
    pub mail: bool,
    /// Opens the store.
    pub database: bool,
}

impl Needs {
    /// `run --once` and `serve`: everything.
    pub const WHOLE_RUN: Needs = Needs {
        inbox: true,
        plan: true,
        reports: true,
        reports_folder: true,
        fonts: true,
        intake: true,
        workbook: true,
        mail: true,
        database: true,
    };
    /// `ingest`: intake, receipts and their delivery.
    pub const INGEST: Needs = Needs {
        inbox: false,
        reports: false,
        reports_folder: false,
        ..Needs::WHOLE_RUN
    };
    /// `check`: the plan and the fonts intake checks text against.
    pub const CHECK: Needs = Needs {
        plan: true,
        fonts: true,
        ..Needs::NOTHING
    };
    /// `send`: the store and delivery.
    pub const SEND: Needs = Needs {
        mail: true,
        database: true,
        ..Needs::NOTHING
    };
    /// `template`: the plan, the store and the workbook's instructions.
    pub const TEMPLATE: Needs = Needs {
        plan: true,
        workbook: true,
        database: true,
        ..Needs::NOTHING
    };
    /// `preview-send`: builds the reports in memory.
    pub const PREVIEW: Needs = Needs {
        plan: true,
        reports: true,
        fonts: true,
        database: true,
        ..Needs::NOTHING
    };
    /// `status`, `export`, `explain`: only the store.
    pub const STORE: Needs = Needs {
        database: true,
        ..Needs::NOTHING
    };
    const NOTHING: Needs = Needs {
        inbox: false,
        plan: false,
        reports: false,
        reports_folder: false,
        fonts: false,
        intake: false,
        workbook: false,
        mail: false,
        database: false,
    };
}

impl Config {
    /// Checks everything `needs` says the command will use, and the values of the
    /// whole file (the schedules from `now`), reporting every problem at once.
    pub fn check_ready(&self, needs: Needs, now: DateTime<Utc>) -> Result<(), NotReady> {
        let mut problems = self.value_problems(now);
        for problem in self.path_problems(needs) {
            // Two needs can share a folder (the archive): say it once.
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        all_or_nothing(problems)
    }

    fn path_problems(&self, needs: Needs) -> Vec<Problem> {
        let paths = &self.paths;
        let mut problems = Vec::new();
        let mut check = |found: Option<Problem>| problems.extend(found);
        if needs.inbox {
            check(folder("paths.inbox", &paths.inbox));
        }
        if needs.intake {
            check(creatable_folder("paths.archive", &paths.archive));
        }
        if needs.reports_folder {
            check(creatable_folder("paths.reports", &paths.reports));
        }
        if needs.database {
            check(database_folder(&paths.database));
        }
        problems.extend(self.data_file_problems(needs));
        if needs.fonts || needs.reports {
            problems.extend(self.font_problems());
        }
        if needs.mail {
            problems.extend(self.delivery_problems());
        }
        problems
    }

    /// The plan's files and the templates the command reads.
    fn data_file_problems(&self, needs: Needs) -> Vec<Problem> {
        let mut problems = Vec::new();
        if needs.plan {
            problems.extend(self.plan_problems());
        }
        let templates = &self.paths.templates;
        let mut wanted = Vec::new();
        if needs.mail || needs.intake {
            wanted.extend(MAIL_TEMPLATES.map(|name| format!("mail/{name}.txt")));
        }
        if needs.reports {
            wanted.extend(REPORT_TEMPLATES.map(|name| format!("report/{name}")));
        }
        if needs.workbook || needs.intake {
            wanted.push("workbook/guide.txt".to_string());
        }
        if wanted.is_empty() {
            return problems;
        }
        if let Some(problem) = folder("paths.templates", templates) {
            problems.push(problem);
            return problems;
        }
        for name in wanted {
            problems.extend(file("paths.templates", templates, &name, "テンプレート"));
        }
        problems
    }

    /// The plan's folder, its three files, and whether they read as a plan.
    fn plan_problems(&self) -> Vec<Problem> {
        let dir = &self.paths.plan;
        if let Some(problem) = folder("paths.plan", dir) {
            return vec![problem];
        }
        let missing: Vec<Problem> = PLAN_FILES
            .iter()
            .filter_map(|name| file("paths.plan", dir, name, "計画の参照データ"))
            .collect();
        if !missing.is_empty() {
            return missing;
        }
        match crate::plan::Plan::load(dir) {
            Ok(_) => Vec::new(),
            Err(e) => vec![Problem::new("paths.plan", format!("{e:#}"))],
        }
    }

    /// The fonts folder and each font of `report.fonts`, loaded as the reports load it.
    fn font_problems(&self) -> Vec<Problem> {
        let dir = &self.paths.fonts;
        if let Some(problem) = folder("paths.fonts", dir) {
            return vec![problem];
        }
        let mut problems = Vec::new();
        for name in &self.report.fonts {
            if let Some(problem) = file("report.fonts", dir, name, "フォント") {
                problems.push(problem);
                continue;
            }
            if let Err(e) = crate::report::FontSet::load(dir, std::slice::from_ref(name)) {
                problems.push(Problem::new(
                    "report.fonts",
                    format!(
                        "フォント {} を読み込めません ({e:#})",
                        dir.join(name).display()
                    ),
                ));
            }
        }
        problems
    }

    /// Where mail goes: the outbox folder, or the SMTP server's CA file and password.
    fn delivery_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        // Attachments are kept under the archive whatever the transport.
        problems.extend(creatable_folder("paths.archive", &self.paths.archive));
        if self.mail.transport == Transport::File {
            problems.extend(creatable_folder("paths.outbox", &self.paths.outbox));
        }
        let Some(smtp) = self
            .mail
            .smtp
            .as_ref()
            .filter(|_| self.mail.transport == Transport::Smtp)
        else {
            return problems;
        };
        if let Some(ca) = &smtp.ca_file {
            let (dir, name) = (ca.parent().unwrap_or(Path::new(".")), ca.file_name());
            let name = name
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            problems.extend(file("mail.smtp.ca_file", dir, &name, "CA 証明書"));
        }
        if let Some(user) = &smtp.user {
            let set = std::env::var(&smtp.password_env).is_ok_and(|p| !p.is_empty());
            if !set {
                problems.push(Problem::new(
                    "mail.smtp.password_env",
                    format!(
                        "SMTP のユーザー {user} のパスワードは環境変数 {} から読みますが、この変数が設定されていません",
                        smtp.password_env
                    ),
                ));
            }
        }
        problems
    }
}

/// A problem unless `path` is a folder hakusho can list.
fn folder(key: &str, path: &Path) -> Option<Problem> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => Some(Problem::new(
            key,
            format!("フォルダー {shown} がありません"),
        )),
        Err(e) => Some(Problem::new(
            key,
            format!("フォルダー {shown} を開けません ({})", io_reason(&e)),
        )),
        Ok(meta) if !meta.is_dir() => Some(Problem::new(
            key,
            format!("{shown} はフォルダーではありません(ファイルです)"),
        )),
        Ok(_) => std::fs::read_dir(path).err().map(|e| {
            Problem::new(
                key,
                format!("フォルダー {shown} を読めません ({})", io_reason(&e)),
            )
        }),
    }
}

/// A problem unless `dir/name` is a readable file. `what` says what it is for.
fn file(key: &str, dir: &Path, name: &str, what: &str) -> Option<Problem> {
    let path = dir.join(name);
    let shown = path.display();
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            Some(Problem::new(key, format!("{what} {shown} がありません")))
        }
        Err(e) => Some(Problem::new(
            key,
            format!("{what} {shown} を開けません ({})", io_reason(&e)),
        )),
        Ok(meta) if !meta.is_file() => Some(Problem::new(
            key,
            format!("{what} {shown} はファイルではありません"),
        )),
        Ok(_) => std::fs::File::open(&path).err().map(|e| {
            Problem::new(
                key,
                format!("{what} {shown} を読めません ({})", io_reason(&e)),
            )
        }),
    }
}

/// A problem unless `path` is a folder hakusho can write in, or can be created as one:
/// the nearest part of it that exists must be a writable folder.
fn creatable_folder(key: &str, path: &Path) -> Option<Problem> {
    let shown = path.display();
    let existing = path.ancestors().find(|p| p.exists())?;
    if !existing.is_dir() {
        let message = if existing == path {
            format!("{shown} はフォルダーではありません(ファイルです)")
        } else {
            format!(
                "{} がファイルなので、フォルダー {shown} を作れません",
                existing.display()
            )
        };
        return Some(Problem::new(key, message));
    }
    writable(existing).err().map(|e| {
        Problem::new(
            key,
            format!(
                "フォルダー {} に書き込めません ({})",
                existing.display(),
                io_reason(&e)
            ),
        )
    })
}

/// The database file's folder: the file itself may not exist yet.
fn database_folder(database: &Path) -> Option<Problem> {
    if database.is_dir() {
        let shown = database.display();
        return Some(Problem::new(
            "paths.database",
            format!("{shown} はフォルダーです。データベースのファイル名を書きます"),
        ));
    }
    let parent = database.parent().filter(|p| !p.as_os_str().is_empty())?;
    creatable_folder("paths.database", parent)
}

/// Whether a file can be created in `dir`: tried, since permissions alone do not tell
/// (read-only mounts, ACLs). The probe is a dot file, which the inbox never takes.
fn writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".hakusho-write-check-{}", std::process::id()));
    // Not create_new: a probe left by a killed process with the same id is reused.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)?;
    std::fs::remove_file(&probe)
}

/// An I/O error's reason in Japanese.
fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::PermissionDenied => "権限がありません".to_string(),
        ErrorKind::NotFound => "見つかりません".to_string(),
        ErrorKind::ReadOnlyFilesystem => "読み取り専用です".to_string(),
        ErrorKind::AlreadyExists => "同じ名前のものがあります".to_string(),
        _ => format!("入出力エラー: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_must_exist_and_be_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file_path = dir.path().join("f");
        std::fs::write(&file_path, "x").unwrap();
        assert_eq!(folder("k", dir.path()), None);
        let missing = folder("k", &dir.path().join("no")).unwrap();
        assert!(missing.message.contains("がありません"), "{missing}");
        let not_folder = folder("k", &file_path).unwrap();
        assert!(not_folder.message.contains("フォルダーではありません"));
    }

    #[test]
    fn a_folder_to_create_needs_a_folder_above_it() {
        let dir = tempfile::tempdir().unwrap();
        let file_path = dir.path().join("f");
        std::fs::write(&file_path, "x").unwrap();
        assert_eq!(creatable_folder("k", &dir.path().join("a/b/c")), None);
        let below_file = creatable_folder("k", &file_path.join("a/b")).unwrap();
        assert!(
            below_file.message.contains("がファイルなので"),
            "{below_file}"
        );
        assert!(creatable_folder("k", &file_path).is_some());
        // The write probe leaves nothing behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_database_path_that_is_a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let problem = database_folder(dir.path()).unwrap();
        assert_eq!(problem.key, "paths.database");
        assert_eq!(
            database_folder(&dir.path().join("new/hakusho.sqlite3")),
            None
        );
    }
}
