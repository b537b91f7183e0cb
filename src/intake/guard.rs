//! Checks a file before calamine opens it.
//!
//! calamine trusts the zip it is given: a 5 MB xlsx whose sheet expands to 2 GB took
//! 2 GB of memory here. xlsx, xlsm, xlsb and ods are zip files, so their central
//! directory (entry count and declared sizes) is read first and a file that would
//! expand past the limits is refused before anything is decompressed.

use std::io::Cursor;

/// Limits for one submitted file. A department workbook is a few hundred kilobytes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_entries: usize,
    pub max_expanded_bytes: u64,
    /// Expansion ratio allowed for a single large entry.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1024 * 1024,
            max_entries: 10_000,
            max_expanded_bytes: 300 * 1024 * 1024,
            max_ratio: 500,
        }
    }
}

/// Entries smaller than this may compress as well as they like (repeated XML does).
const RATIO_FLOOR_BYTES: u64 = 10 * 1024 * 1024;

/// Returns why the file must not be opened, in Japanese, or `None` when it may be.
pub fn refuse_reason(bytes: &[u8], limits: &Limits) -> Option<String> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Some(format!(
            "ファイルが大きすぎます({} バイト、上限 {} バイト)",
            bytes.len(),
            limits.max_file_bytes
        ));
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return None; // Not a zip: xls (OLE) or something calamine will refuse by itself.
    }
    let archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => return Some(format!("ZIP 形式が壊れています({e})")),
    };
    check_entries(archive, limits)
}

fn check_entries(mut archive: zip::ZipArchive<Cursor<&[u8]>>, limits: &Limits) -> Option<String> {
    if archive.len() > limits.max_entries {
        return Some(format!("ZIP の項目が多すぎます({} 個)", archive.len()));
    }
    let mut expanded: u64 = 0;
    for i in 0..archive.len() {
        let entry = match archive.by_index_raw(i) {
            Ok(entry) => entry,
            Err(e) => return Some(format!("ZIP の項目 {i} を読めません({e})")),
        };
        let size = entry.size();
        expanded = expanded.saturating_add(size);
        let ratio = size / entry.compressed_size().max(1);
        if size > RATIO_FLOOR_BYTES && ratio > limits.max_ratio {
            return Some(format!(
                "ZIP の項目「{}」が異常に圧縮されています({} 倍、展開後 {} バイト)",
                entry.name().unwrap_or_default(),
                ratio,
                size
            ));
        }
    }
    (expanded > limits.max_expanded_bytes).then(|| {
        format!(
            "展開後の大きさが上限を超えます({expanded} バイト、上限 {} バイト)",
            limits.max_expanded_bytes
        )
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_with(entries: &[(&str, usize)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, size) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(&vec![b'a'; *size]).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn lets_an_ordinary_zip_through() {
        let bytes = zip_with(&[("xl/workbook.xml", 1000)]);
        assert_eq!(refuse_reason(&bytes, &Limits::default()), None);
    }

    #[test]
    fn refuses_too_large_an_expansion() {
        let bytes = zip_with(&[("a.xml", 600), ("b.xml", 600)]);
        let limits = Limits {
            max_expanded_bytes: 1000,
            ..Limits::default()
        };
        let reason = refuse_reason(&bytes, &limits).unwrap();
        assert!(
            reason.starts_with("展開後の大きさが上限を超えます(1200 バイト"),
            "{reason}"
        );
    }

    #[test]
    fn refuses_too_many_entries_and_too_large_files() {
        let bytes = zip_with(&[("a", 1), ("b", 1), ("c", 1)]);
        let limits = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        assert_eq!(
            refuse_reason(&bytes, &limits).unwrap(),
            "ZIP の項目が多すぎます(3 個)"
        );
        let limits = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        assert!(refuse_reason(&bytes, &limits)
            .unwrap()
            .starts_with("ファイルが大きすぎます"));
    }

    #[test]
    fn refuses_a_broken_zip_and_passes_non_zip_bytes_on() {
        let reason = refuse_reason(b"PK\x03\x04garbage", &Limits::default()).unwrap();
        assert!(reason.starts_with("ZIP 形式が壊れています"), "{reason}");
        assert_eq!(refuse_reason(b"plain text", &Limits::default()), None);
    }
}
