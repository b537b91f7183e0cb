//! Mutations of real workbooks in every format LibreOffice writes (xlsx, xlsm, xls,
//! ods), each read through the isolated intake the service uses: whatever the bytes,
//! the test process gets a reading (accepted, or refused with a finding that says
//! why), never an error, a panic or an abort.
//!
//! Runs for `HAKUSHO_FUZZ_SECONDS` (30 by default) and prints how many cases ran,
//! how many the reader child did not survive (each told as 「ファイルが壊れています」 or
//! 「大きすぎて読めません」), and how they ended. The cases are deterministic per index.

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use common::repo;
use hakusho::config::Config;
use hakusho::domain::Severity;
use hakusho::intake::{read_bytes, Intake};
use hakusho::plan::Plan;

/// A small deterministic generator (xorshift64*), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The sample workbook in each format.
fn seeds(dir: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    let xlsx = repo().join("data/inbox/令和2年度_企画部.xlsx");
    let sample = std::fs::read(&xlsx).unwrap();
    let mut seeds = vec![("xlsm", with_macro(&sample)), ("xlsx", sample)];
    for format in ["xls", "ods"] {
        let converted = common::convert_with_libreoffice(&xlsx, format, dir);
        seeds.push((format, std::fs::read(converted).unwrap()));
    }
    seeds
}

/// The sample with a VBA project, as Excel saves a macro-enabled workbook.
fn with_macro(xlsx: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        writer
            .raw_copy_file(archive.by_index_raw(i).unwrap())
            .unwrap();
    }
    writer.start_file("xl/vbaProject.bin", options).unwrap();
    writer
        .write_all(b"\xd0\xcf\x11\xe0Attribute VB_Name")
        .unwrap();
    writer.finish().unwrap().into_inner()
}

/// One mutation of `seed`, chosen by the case's generator.
fn mutate(seed: &[u8], rng: &mut Rng) -> (Vec<u8>, &'static str) {
    let mut bytes = seed.to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..1 + rng.below(16) {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            (bytes, "bit flips")
        }
        1 => {
            let start = rng.below(bytes.len());
            let end = (start + 1 + rng.below(256)).min(bytes.len());
            for b in &mut bytes[start..end] {
                *b = rng.next() as u8;
            }
            (bytes, "random range")
        }
        2 => {
            bytes.truncate(rng.below(bytes.len()));
            (bytes, "truncated")
        }
        3 => {
            let start = rng.below(bytes.len());
            let end = (start + rng.below(4096)).min(bytes.len());
            let chunk = bytes[start..end].to_vec();
            let at = rng.below(bytes.len());
            bytes.splice(at..at, chunk);
            (bytes, "duplicated chunk")
        }
        _ if seed.starts_with(b"PK") => (mutate_member(seed, rng), "zip member"),
        _ => {
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(bytes.len().saturating_sub(4));
                let value = [0u8, 0xFF, 0x7F, 0x80][rng.below(4)];
                bytes[i..i + 4].fill(value);
            }
            (bytes, "boundary values")
        }
    }
}

/// Rewrites one member of a zip with its content mutated, so the change reaches the
/// XML parser behind valid checksums (a byte flip in deflated data rarely does).
fn mutate_member(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(seed)).unwrap();
    let target = rng.below(archive.len());
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap_or_default().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if i == target {
            data = mutate_xml(&data, rng);
        }
        writer.start_file(name, options).unwrap();
        writer.write_all(&data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Numbers made huge or negative, tags cut, quotes swapped, bytes flipped.
fn mutate_xml(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = data.to_vec();
    if data.is_empty() {
        return data;
    }
    for _ in 0..1 + rng.below(8) {
        let i = rng.below(data.len());
        match rng.below(5) {
            0 if data[i].is_ascii_digit() => {
                let big = ["99999999999", "-1", "1048576", "4294967296"][rng.below(4)];
                data.splice(i..=i, big.bytes());
            }
            1 => data[i] = b"<>\"'&/="[rng.below(7)],
            2 => data.truncate(i.max(1)),
            3 => data.insert(i, 0),
            _ => data[i] ^= 0x20,
        }
    }
    data
}

#[test]
fn mutated_workbooks_in_every_format_never_harm_the_intake() {
    let budget = std::env::var("HAKUSHO_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&repo().join("data/hakusho.toml")).unwrap();
    let plan = Plan::load(&config.paths.plan).unwrap();
    let fonts = hakusho::report::Coverage::for_config(&config).unwrap();
    let intake = Intake {
        config: &config,
        plan: &plan,
        fonts: &fonts,
        earlier: &hakusho::store::NO_EARLIER_FIGURES,
        upload: None,
    };
    let seeds = seeds(dir.path());
    let deadline = Instant::now() + Duration::from_secs(budget);
    let mut endings: BTreeMap<String, usize> = BTreeMap::new();
    let mut cases = 0u64;
    while Instant::now() < deadline || cases < seeds.len() as u64 {
        let mut rng = Rng::new(cases);
        let (format, seed) = &seeds[cases as usize % seeds.len()];
        let (bytes, how) = mutate(seed, &mut rng);
        let reading = read_bytes(&bytes, "", intake)
            .unwrap_or_else(|e| panic!("case {cases} ({format}, {how}): {e:#}"));
        assert!(
            reading.content.is_some() || reading.has_errors(),
            "case {cases} ({format}, {how}): refused without saying why"
        );
        assert!(reading.findings.iter().all(|f| !f.message.is_empty()));
        *endings.entry(ending(&reading)).or_default() += 1;
        cases += 1;
    }
    println!("fuzz: {cases} cases in {budget} s over xlsx, xls, ods and xlsm");
    for (ending, n) in &endings {
        println!("  {n:>6}  {ending}");
    }
}

/// How a case ended, in a few words (the first error's message up to its parenthesis).
fn ending(reading: &hakusho::intake::Reading) -> String {
    let Some(error) = reading
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error && f.cell.is_none())
    else {
        return if reading.has_errors() {
            "read, with errors in cells".to_string()
        } else {
            "read, acceptable".to_string()
        };
    };
    let message = error.message.split('(').next().unwrap_or_default();
    message.chars().take(40).collect()
}
