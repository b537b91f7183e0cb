//! The reports against approved reference outputs in `tests/reference/`: the same
//! data and build time must give the same bytes (PDF), and the same content parts
//! (xlsx: the XML parts that carry content). After an intended change, regenerate them
//! with `HAKUSHO_BLESS=1 cargo test --test reference` and review the diff.

mod common;

use std::io::Read;
use std::path::Path;

use common::{repo, stdout_of, TestCity};

const PDFS: [&str; 3] = [
    "令和2年度_自治体経営白書.pdf",
    "令和2年度_広報紙_各部の運営方針と目標.pdf",
    "令和2年度_各部の運営方針と目標.pdf",
];
const WORKBOOK: &str = "令和2年度_白書データ_全庁.xlsx";
const PARTS: [&str; 3] = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/charts/chart1.xml",
];

#[test]
fn reports_match_their_approved_references() {
    let city = TestCity::new(None);
    stdout_of(&city.hakusho(&["run", "--once"]));
    let reports = city.path().join("reports/令和2年度");
    let reference = repo().join("tests/reference");
    let bless = std::env::var_os("HAKUSHO_BLESS").is_some();
    let mut outputs: Vec<(String, Vec<u8>)> = PDFS
        .iter()
        .map(|name| (name.to_string(), std::fs::read(reports.join(name)).unwrap()))
        .collect();
    for part in PARTS {
        let name = format!("{WORKBOOK}__{}", part.replace('/', "_"));
        outputs.push((name, zip_part(&reports.join(WORKBOOK), part)));
    }
    for (name, bytes) in outputs {
        let path = reference.join(&name);
        if bless {
            std::fs::create_dir_all(&reference).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let approved = std::fs::read(&path).unwrap_or_else(|_| {
            panic!("no reference {name}: run HAKUSHO_BLESS=1 cargo test --test reference")
        });
        assert!(
            approved == bytes,
            "{name} differs from tests/reference (HAKUSHO_BLESS=1 to approve a change)"
        );
    }
}

fn zip_part(path: &Path, part: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut bytes = Vec::new();
    archive
        .by_name(part)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}
