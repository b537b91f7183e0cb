//! The hostile corpus, class by class: each file is refused with a message that names
//! the problem, every regular file's original is kept, the good files beside them
//! are taken in and answered, and the peak memory of the whole process tree stays
//! under 512 MB (GNU time) — through `check`, `ingest`, `run --once` and `serve`.
//!
//! The corpus is generated (tests/support/hostile.py), not checked in.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{repo, TestCity};

/// Peak memory allowed for the whole command, child processes included, in kilobytes.
const MEMORY_BOUND_KB: u64 = 512 * 1024;

/// Every hostile class: the file, and a part of the message its refusal must carry.
/// "大きすぎ" covers both the reader's sheet limit and its memory limit: which one
/// stops a far cell depends on how far it is, and both name the problem.
const REFUSED: [(&str, &str); 16] = [
    ("bomb.xlsx", "異常に圧縮されています"),
    ("million_rows.xlsx", "シートが大きすぎます"),
    ("far_quoted.xlsx", "大きすぎ"),
    ("far_tab.xlsx", "大きすぎ"),
    ("far_moved_part.xlsx", "大きすぎ"),
    ("far_upper_case.xlsx", "大きすぎ"),
    ("far_every_sheet.xlsx", "大きすぎ"),
    ("far_repeated.ods", "大きすぎ"),
    ("long_text.xlsx", "文字数が多すぎます"),
    ("truncated.xlsx", "ZIP 形式が壊れています"),
    ("pdf_renamed.xlsx", "Excel/ODS のブックとして開けません"),
    (
        "sparse_3gib.xlsx",
        "ファイルが大きすぎます(3221225472 バイト",
    ),
    ("link_to_passwd.xlsx", "シンボリックリンクは受け付けません"),
    (
        "fifo.xlsx",
        "通常のファイルではないため読みません(種類: FIFO)",
    ),
    (
        "folder.xlsx",
        "通常のファイルではないため読みません(種類: フォルダー)",
    ),
    (
        "zero",
        "通常のファイルではないため読みません(種類: デバイス)",
    ),
];

/// Made only when LibreOffice or msoffcrypto-tool is there.
const OPTIONAL: [(&str, &str); 2] = [
    ("far_every_sheet.xls", "大きすぎ"),
    ("encrypted.xlsx", "パスワードで保護されたブックは読めません"),
];

/// The corpus, made once per test program: (folder, the regular files in it).
fn corpus() -> &'static (tempfile::TempDir, Vec<PathBuf>) {
    static CORPUS: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("python3")
            .arg(repo().join("tests/support/hostile.py"))
            .arg(dir.path())
            .arg(repo().join("data/inbox/令和2年度_企画部.xlsx"))
            .status()
            .unwrap();
        assert!(status.success(), "tests/support/hostile.py failed");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        (dir, files)
    })
}

/// Puts the corpus into `folder`, with the entries that are not regular files: a
/// sparse 3 GiB file, a link to /etc/passwd, a FIFO and a folder.
fn place_corpus(folder: &Path) {
    std::fs::create_dir_all(folder).unwrap();
    for file in &corpus().1 {
        std::fs::copy(file, folder.join(file.file_name().unwrap())).unwrap();
    }
    let sparse = std::fs::File::create(folder.join("sparse_3gib.xlsx")).unwrap();
    sparse.set_len(3 << 30).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", folder.join("link_to_passwd.xlsx")).unwrap();
    let fifo = std::ffi::CString::new(folder.join("fifo.xlsx").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::fs::create_dir(folder.join("folder.xlsx")).unwrap();
}

/// Runs the real binary under GNU time; returns its output and peak memory in kB.
fn timed(city: &TestCity, args: &[&str], files: &[PathBuf]) -> (Output, u64) {
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_hakusho"))
        .args(args)
        .arg("--config")
        .arg(city.config_path())
        .args(files)
        .env("SOURCE_DATE_EPOCH", common::BUILD_EPOCH)
        .output()
        .expect("GNU time is needed (scripts/test.sh installs the time package)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("GNU time reports the peak");
    (output, peak)
}

/// Asserts that the listing says `FILE … VERDICT` and that one of the lines under it
/// (or the head line) contains `message`. `indent` is the findings' indentation.
fn expect(stdout: &str, indent: &str, file: &str, verdict: &str, message: &str) {
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(&format!("{file} …")));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("{file} not reported:\n{stdout}"));
    let findings: Vec<&str> = lines.take_while(|l| l.starts_with(indent)).collect();
    assert!(head.contains(verdict), "{file}: expected {verdict}: {head}");
    assert!(
        findings.iter().any(|f| f.contains(message)) || head.contains(message),
        "{file}: expected {message}\n{head}\n{findings:#?}"
    );
}

fn hostile_arguments(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.push(PathBuf::from("/dev/zero"));
    files
}

#[test]
fn ingest_refuses_every_hostile_class_keeps_the_originals_and_takes_the_good_file() {
    let city = TestCity::new(None);
    let folder = city.path().join("hostile");
    place_corpus(&folder);
    let good = folder.join("令和2年度_総務部.xlsx");
    std::fs::copy(repo().join("data/inbox/令和2年度_総務部.xlsx"), &good).unwrap();

    let (output, peak_kb) = timed(&city, &["ingest"], &hostile_arguments(&folder));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.code().is_some(),
        "ingest was killed: {output:?}"
    );
    for (file, message) in REFUSED {
        expect(&stdout, "    ", file, "差戻し", message);
    }
    expect(&stdout, "    ", "令和2年度_総務部.xlsx", "受理", "総務部");
    expect(
        &stdout,
        "    ",
        "macro.xlsm",
        "受理",
        "マクロ(VBA)が含まれていますが、実行せずに無視しました",
    );
    // Every regular file's original is kept under its hash; nothing else is (the
    // outbox keeps its attachments apart, under archive/outbox, and the annotated
    // copies of the files sent back, for the portal, under archive/annotated).
    let regular = corpus().1.len() + 1;
    let archive = city.path().join("archive");
    let outbox_attachments = count_files(&archive.join("outbox"));
    let annotated = count_files(&archive.join("annotated"));
    assert!(
        annotated <= outbox_attachments,
        "each is a receipt's attachment too"
    );
    assert_eq!(
        count_files(&archive) - outbox_attachments - annotated,
        regular
    );
    assert!(peak_kb < MEMORY_BOUND_KB, "peak {peak_kb} kB");
    // /etc/passwd was not archived through the link.
    let passwd = std::fs::read("/etc/passwd").unwrap();
    let hash = hakusho::archive::sha256_hex(&passwd);
    assert!(!city
        .path()
        .join("archive")
        .join(&hash[..2])
        .join(format!("{hash}.xlsx"))
        .exists());
}

/// Each class on its own through `check`, so each has its own peak: printed as a
/// table (`cargo test --test hostile -- --nocapture`) and held under the bound.
#[test]
fn check_names_each_hostile_class_and_exits_1_within_the_memory_bound() {
    let city = TestCity::new(None);
    let folder = city.path().join("hostile");
    place_corpus(&folder);
    let classes = REFUSED
        .iter()
        .chain(OPTIONAL.iter())
        .filter(|(file, _)| *file == "zero" || folder.join(file).symlink_metadata().is_ok());
    let mut table = Vec::new();
    for (file, message) in classes {
        let path = match *file {
            "zero" => PathBuf::from("/dev/zero"),
            _ => folder.join(file),
        };
        let (output, peak_kb) = timed(&city, &["check"], &[path]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{file}: {stdout}");
        expect(&stdout, "  ", file, "差戻し", message);
        assert!(peak_kb < MEMORY_BOUND_KB, "{file}: peak {peak_kb} kB");
        table.push(format!("  {file:<24} {:>7} kB  {message}", peak_kb));
    }
    println!(
        "peak memory of `hakusho check` per hostile class:\n{}",
        table.join("\n")
    );
}

#[test]
fn run_once_with_hostile_files_in_the_inbox_answers_every_good_file() {
    let city = TestCity::new(None);
    place_corpus(&city.inbox());
    let (output, peak_kb) = timed(&city, &["run", "--once"], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 1: files were sent back (not 2: the run itself did its work).
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    for department in common::DEPARTMENTS {
        expect(
            &stdout,
            "    ",
            &format!("令和2年度_{department}.xlsx"),
            "受理",
            department,
        );
    }
    // Regular files are refused with their reason; the others are skipped with a log line.
    for (file, message) in REFUSED.iter().take(12) {
        expect(&stdout, "    ", file, "差戻し", message);
    }
    for skipped in ["link_to_passwd.xlsx", "fifo.xlsx", "folder.xlsx"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(skipped) && l.contains("取り込みません")),
            "no log line for {skipped}:\n{stderr}"
        );
    }
    assert!(peak_kb < MEMORY_BOUND_KB, "peak {peak_kb} kB");
    // Each department's receipt and report went to the outbox folder.
    assert!(count_files(&city.path().join("outbox")) >= common::DEPARTMENTS.len() * 2);
}

#[test]
fn serve_takes_in_the_good_files_dropped_beside_hostile_ones() {
    let city = TestCity::new(None);
    let good: Vec<PathBuf> = std::fs::read_dir(city.inbox())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for path in &good {
        std::fs::remove_file(path).unwrap();
    }
    place_corpus(&city.inbox());
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_hakusho"))
        .args(["serve", "--config"])
        .arg(city.config_path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The good files arrive after the hostile ones are already there.
    std::thread::sleep(Duration::from_secs(2));
    for path in &good {
        std::fs::copy(
            repo().join("data/inbox").join(path.file_name().unwrap()),
            path,
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let answered = |city: &TestCity| receipts_for_departments(&city.path().join("outbox"));
    while answered(&city) < common::DEPARTMENTS.len() && Instant::now() < deadline {
        assert!(daemon.try_wait().unwrap().is_none(), "the daemon died");
        std::thread::sleep(Duration::from_millis(300));
    }
    let alive = daemon.try_wait().unwrap().is_none();
    let _ = daemon.kill();
    let _ = daemon.wait();
    assert!(alive, "the daemon died");
    assert_eq!(answered(&city), common::DEPARTMENTS.len());
}

/// How many departments got a receipt that says 受理 (the subject is MIME-encoded,
/// the body is not searched: one message per department's address).
fn receipts_for_departments(outbox: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(outbox) else {
        return 0;
    };
    let texts: Vec<String> = entries
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    common::DEPARTMENTS
        .iter()
        .filter(|d| {
            let address = department_address(d);
            texts.iter().any(|t| t.contains(&address))
        })
        .count()
}

/// A department's first address in the sample configuration.
fn department_address(department: &str) -> String {
    let config = hakusho::config::Config::load(&repo().join("data/hakusho.toml")).unwrap();
    config
        .department(department)
        .and_then(|d| d.recipients.first().map(|r| r.0.email.to_string()))
        .unwrap()
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { count_files(&p) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

/// A file name that is not UTF-8 reaches the commands (no panic on the arguments) and
/// is read like any other.
#[test]
fn a_file_name_that_is_not_utf8_is_checked_like_any_other() {
    use std::os::unix::ffi::OsStrExt;
    let city = TestCity::new(None);
    let name = std::ffi::OsStr::from_bytes(b"\xff\xfe_\x93\xfa.xlsx");
    let path = city.path().join(name);
    std::fs::copy(repo().join("data/inbox/令和2年度_総務部.xlsx"), &path).unwrap();
    let (output, _) = timed(&city, &["check"], std::slice::from_ref(&path));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{output:?}");
    assert!(stdout.contains(".xlsx … 受理"), "{stdout}");
    let (output, _) = timed(&city, &["ingest"], &[path]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("受理"), "{stdout}");
}
