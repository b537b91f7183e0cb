//! Shared set-up for the integration tests: a city in a temporary folder, the real
//! binary, and a real SMTP server (aiosmtpd) on loopback.

#![allow(dead_code)] // Each test program uses its own part of this module.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The sample city's departments, in its own order.
pub const DEPARTMENTS: [&str; 10] = [
    "企画部",
    "総務部",
    "市民部",
    "生活環境部",
    "スポーツと文化部",
    "健康福祉部",
    "子ども政策部",
    "都市整備部",
    "都市再生部",
    "教育部",
];

/// The sample's `[web] listen`, which the tests' cities replace by a free port.
pub const PORTAL_LISTEN: &str = "listen = \"127.0.0.1:8080\"";

/// A fixed build time (2021-07-01 09:00 JST) so reports are reproducible.
pub const BUILD_EPOCH: &str = "1625097600";

/// A city set up in a temporary folder: a copy of the sample inbox and a configuration
/// whose paths all point inside the folder; on the suite's PostgreSQL run, its store is
/// a fresh database of its own (`[store] url`), dropped with the city.
pub struct TestCity {
    pub dir: tempfile::TempDir,
    /// The city's PostgreSQL database, on the PostgreSQL run.
    pub database: Option<PgDatabase>,
}

impl TestCity {
    /// Mail goes to the outbox folder, or to SMTP on 127.0.0.1:`port` when given.
    pub fn new(smtp_port: Option<u16>) -> TestCity {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        for entry in std::fs::read_dir(repo().join("data/inbox")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, inbox.join(path.file_name().unwrap())).unwrap();
        }
        let city = TestCity {
            dir,
            database: PgDatabase::for_this_run(),
        };
        std::fs::write(city.config_path(), city.config_text(smtp_port)).unwrap();
        city
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("hakusho.toml")
    }

    pub fn inbox(&self) -> PathBuf {
        self.path().join("inbox")
    }

    fn config_text(&self, smtp_port: Option<u16>) -> String {
        let sample = std::fs::read_to_string(repo().join("data/hakusho.toml")).unwrap();
        let start = sample.find("[paths]").unwrap();
        let end = start + sample[start..].find("\n\n").unwrap();
        let paths = format!(
            "[paths]\ninbox = \"inbox\"\narchive = \"archive\"\nreports = \"reports\"\n\
             database = \"hakusho.sqlite3\"\noutbox = \"outbox\"\ntemplates = \"{}\"\nfonts = \"{}\"\nplan = \"{}\"",
            repo().join("templates").display(),
            repo().join("fonts").display(),
            repo().join("data/plan").display()
        );
        let mut text = format!("{}{}{}", &sample[..start], paths, &sample[end..]);
        // Each test's portal on a port of its own: tests (and replicas) run at once.
        text = text.replace(PORTAL_LISTEN, "listen = \"127.0.0.1:0\"");
        if let Some(port) = smtp_port {
            text = text.replace(
                "transport = \"file\"",
                &format!("transport = \"smtp\"\nretry_seconds = 0\n\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nhello_name = \"hakusho.test\"\ntimeout_seconds = 20"),
            );
        }
        if let Some(database) = &self.database {
            text.push_str(&store::store_table(database));
        }
        text
    }

    /// A raw connection to the city's store (SQLite file or PostgreSQL database).
    pub fn raw_store(&self) -> RawStore {
        RawStore::of(&self.config_path())
    }

    /// The city's store as the application opens it.
    pub fn store(&self) -> hakusho::store::Store {
        store::open_store_of(&self.config_path())
    }

    /// See [`store::store_snapshot`].
    pub fn store_snapshot(&self) -> Vec<String> {
        store::store_snapshot(&self.config_path())
    }

    /// Makes the store impossible to open: a folder where the SQLite file belongs, or
    /// `[store] url` at a port of 127.0.0.1 where no server listens.
    pub fn make_store_unreachable(&self) {
        if let Some(database) = &self.database {
            let text = std::fs::read_to_string(self.config_path()).unwrap();
            let closed = format!("postgres://hakusho_test@127.0.0.1:{}/gone", closed_port());
            std::fs::write(self.config_path(), text.replace(&database.url, &closed)).unwrap();
        } else {
            let file = self.path().join("hakusho.sqlite3");
            std::fs::remove_file(&file).unwrap();
            std::fs::create_dir(&file).unwrap();
        }
    }

    /// See [`store::store_is_untouched`].
    pub fn store_is_untouched(&self) -> bool {
        store::store_is_untouched(&self.config_path())
    }

    /// Runs the real binary with this city's configuration.
    pub fn hakusho(&self, args: &[&str]) -> Output {
        self.hakusho_with_env(args, &[])
    }

    /// Runs the real binary with extra environment variables (an SMTP password).
    pub fn hakusho_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hakusho"))
            .args(args)
            .arg("--config")
            .arg(self.config_path())
            .env("SOURCE_DATE_EPOCH", BUILD_EPOCH)
            .envs(env.iter().copied())
            .current_dir(self.path())
            .output()
            .unwrap()
    }
}

/// A port of 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A moment of Tokyo time, as UTC.
pub fn jst(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(y, m, d, h, mi, s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// A city whose only job is the annual run (15 April, 09:00 in Tokyo): the notices
/// have their own tests.
pub fn annual_only(smtp_port: Option<u16>) -> TestCity {
    let city = TestCity::new(smtp_port);
    let text = std::fs::read_to_string(city.config_path()).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            !["reminders =", "escalation =", "digest ="]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .collect();
    std::fs::write(city.config_path(), kept.join("\n")).unwrap();
    city
}

/// The standard output of a run, asserting it succeeded.
pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "hakusho failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// aiosmtpd on loopback, storing what it receives in a folder; stopped on drop.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub folder: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_with(&[])
    }

    /// With smtp_sink.py options: `--port N`, `--reject ADDRESS`, `--transient-after N`.
    pub fn start_with(options: &[&str]) -> SmtpSink {
        let folder = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .arg(repo().join("tests/support/smtp_sink.py"))
            .arg(folder.path())
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd is needed (scripts/test.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("smtp_sink.py printed {line:?}: is aiosmtpd installed?"));
        SmtpSink {
            child,
            port,
            folder,
        }
    }

    /// The messages received, as (envelope recipients, raw bytes), once `count` arrived.
    pub fn wait_for(&self, count: usize) -> Vec<(Vec<String>, Vec<u8>)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut emls: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .collect();
            if emls.len() >= count || Instant::now() > deadline {
                emls.sort();
                return emls
                    .iter()
                    .map(|eml| {
                        let rcpt = std::fs::read_to_string(eml.with_extension("rcpt")).unwrap();
                        (
                            rcpt.lines().map(String::from).collect(),
                            std::fs::read(eml).unwrap(),
                        )
                    })
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Text of a PDF in content order (`pdftotext -raw`), with all white space removed,
/// so a cell whose text was wrapped over several lines reads as one string.
pub fn pdf_text_compact(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-raw")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed (scripts/test.sh installs poppler-utils)");
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    compact(&String::from_utf8(output.stdout).unwrap())
}

/// Removes every kind of white space.
pub fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every indicator of the sample data: (department, name, the five printed cells).
pub fn sample_indicators() -> Vec<(String, String, Vec<String>)> {
    let mut all = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(repo().join("data/seed/fy2020"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let seed: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // The department files; the strategy, action plan and newsletter files have none.
        let Some(department) = seed
            .get("department")
            .and_then(|d| d.as_str())
            .map(String::from)
        else {
            continue;
        };
        let policies = seed
            .get("policies")
            .and_then(|p| p.as_array())
            .cloned()
            .unwrap_or_default();
        for policy in policies {
            for indicator in policy
                .get("indicators")
                .and_then(|i| i.as_array())
                .cloned()
                .unwrap_or_default()
            {
                let cell = |key: &str| indicator[key].as_str().unwrap().to_string();
                let cells = ["baseline", "early", "middle", "actual", "target"]
                    .map(cell)
                    .to_vec();
                all.push((department.clone(), cell("name"), cells));
            }
        }
    }
    all
}

pub mod grid;
pub mod http;
pub mod portal;
pub mod store;

#[allow(unused_imports)] // Each test program uses its own part.
pub use store::{on_postgres, open_store, skip_on_postgres, PgDatabase, RawStore};

/// Converts a file with LibreOffice (headless, a fresh profile) and returns the new path.
pub fn convert_with_libreoffice(source: &Path, format: &str, dir: &Path) -> PathBuf {
    let out = convert_into_folder(source, format, dir);
    let extension = format.split(':').next().unwrap();
    out.join(source.file_stem().unwrap())
        .with_extension(extension)
}

/// Converts a file with LibreOffice (headless, a fresh profile) into a folder of its own
/// and returns the folder (a CSV filter of every sheet writes one file per sheet). The
/// folder and profile are named from the format's letters and digits only: a profile
/// path with spaces in its URL makes LibreOffice hang.
pub fn convert_into_folder(source: &Path, format: &str, dir: &Path) -> PathBuf {
    let safe: String = format
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let (out, profile) = (
        dir.join(format!("out-{safe}")),
        dir.join(format!("profile-{safe}")),
    );
    let status = Command::new("soffice")
        .arg("--headless")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--convert-to", format, "--outdir"])
        .arg(&out)
        .arg(source)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("LibreOffice (soffice) is needed: scripts/test.sh installs libreoffice-calc-nogui");
    assert!(status.success());
    out
}

/// Stores a damaged finding for the department's accepted submission, one its report
/// cannot read: a message of bytes, not text, on SQLite; on PostgreSQL, which keeps
/// only valid text, a message that is NULL (its NOT NULL dropped for the test).
#[allow(dead_code)]
pub fn corrupt_a_finding_of(city: &TestCity, department: &str) {
    let mut store = city.raw_store();
    let message = if on_postgres() {
        store.batch("ALTER TABLE findings ALTER COLUMN message DROP NOT NULL");
        "NULL"
    } else {
        "x'ff00ff'"
    };
    let changed = store.execute(
        &format!(
            "INSERT INTO findings (submission_id, position, severity, sheet, cell, message)
             SELECT id, 999, 'warning', NULL, NULL, {message} FROM submissions
             WHERE department = ?1 AND status = 'accepted'"
        ),
        &[department],
    );
    assert_eq!(changed, 1);
}

/// This process's peak resident memory (VmHWM), in kilobytes.
pub fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Sends SIGTERM to a daemon and waits for it: its exit status and output.
pub fn terminate(daemon: Child) -> Output {
    let signalled = Command::new("kill")
        .arg("-TERM")
        .arg(daemon.id().to_string())
        .status()
        .unwrap();
    assert!(signalled.success());
    daemon.wait_with_output().unwrap()
}
