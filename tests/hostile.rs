//! The hostile corpus: each file is refused or handled with a clear finding, its
//! original is kept, the run goes on with the others, and memory stays bounded
//! (under 512 MB peak for the whole run, measured with GNU time).

mod common;

use std::process::Command;

use common::{repo, TestCity};

/// Peak memory allowed for intake of the whole corpus, in kilobytes.
const MEMORY_BOUND_KB: u64 = 512 * 1024;

#[test]
fn hostile_files_are_refused_clearly_kept_and_memory_stays_bounded() {
    let city = TestCity::new(None);
    let corpus = city.path().join("hostile");
    let sample = repo().join("data/inbox/令和2年度_企画部.xlsx");
    let status = Command::new("python3")
        .arg(repo().join("tests/support/hostile.py"))
        .arg(&corpus)
        .arg(&sample)
        .status()
        .unwrap();
    assert!(status.success(), "tests/support/hostile.py failed");
    let good = corpus.join("令和2年度_総務部.xlsx");
    std::fs::copy(repo().join("data/inbox/令和2年度_総務部.xlsx"), &good).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();

    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_hakusho"))
        .args(["ingest", "--config"])
        .arg(city.config_path())
        .args(&files)
        .output()
        .expect("GNU time is needed (scripts/test.sh installs the time package)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    // The summary prints `  FILE … VERDICT` and then each finding indented further.
    let expect = |file: &str, verdict: &str, message: &str| {
        let mut lines = stdout
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(file));
        let head = lines
            .next()
            .unwrap_or_else(|| panic!("{file} not reported:\n{stdout}"));
        let findings: Vec<&str> = lines.take_while(|l| l.starts_with("    ")).collect();
        assert!(head.contains(verdict), "{file}: expected {verdict}: {head}");
        assert!(
            findings.iter().any(|f| f.contains(message)) || head.contains(message),
            "{file}: expected {message}\n{head}\n{findings:#?}"
        );
    };
    expect(
        "bomb.xlsx",
        "差戻し",
        "ZIP の項目「xl/worksheets/sheet1.xml」が異常に圧縮されています",
    );
    expect(
        "million_rows.xlsx",
        "差戻し",
        "シートが大きすぎます(「xl/worksheets/sheet5.xml」に",
    );
    expect("truncated.xlsx", "差戻し", "ZIP 形式が壊れています");
    expect(
        "pdf_renamed.xlsx",
        "差戻し",
        "Excel/ODS のブックとして開けません",
    );
    expect(
        "macro.xlsm",
        "受理",
        "マクロ(VBA)が含まれていますが、実行せずに無視しました",
    );
    expect("令和2年度_総務部.xlsx", "受理", "総務部");
    if corpus.join("encrypted.xlsx").exists() {
        expect(
            "encrypted.xlsx",
            "差戻し",
            "パスワードで保護されたブックは読めません",
        );
    }

    // Every original is kept under its hash, whatever became of it.
    let archived = count_files(&city.path().join("archive"));
    assert_eq!(archived, files.len());

    let peak_kb: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .expect("GNU time reports the peak");
    assert!(peak_kb < MEMORY_BOUND_KB, "peak {peak_kb} kB");
}

fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { count_files(&p) } else { 1 })
        .sum()
}
