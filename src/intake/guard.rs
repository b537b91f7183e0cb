//! Checks a file before calamine opens it, so that memory stays bounded whatever
//! arrives.
//!
//! calamine trusts what it is given: a 5 MB xlsx whose sheet expands to 2 GB took 2 GB
//! of memory here, and a sheet that names a far cell (`J1000000`) makes it allocate
//! the whole rectangle. So, before calamine:
//! - the file size is capped;
//! - for zip-based formats (xlsx, xlsm, xlsb, ods), the central directory is read
//!   (entry count, declared sizes, compression ratio) and each worksheet is streamed
//!   once, decompressed through a fixed buffer and never held whole, to find its
//!   last row and column;
//! - all of this runs in the reader child (see `sandbox`), whose memory limit is
//!   what finally bounds any file this scan reads differently from calamine;
//! - an encrypted workbook (an OLE container holding `EncryptedPackage`) is named as
//!   password-protected instead of "not a workbook".
//!
//! With the default limits, calamine never sees more than 64 MB of expanded XML per
//! sheet nor a sheet of more than 100,000 × 200 cells; peak memory for the worst
//! accepted file stays under 512 MB (`tests/hostile.rs` measures it).

use std::io::{Cursor, Read};

use crate::texts::intake as texts;

/// Limits for one submitted file. A department workbook is a few hundred kilobytes,
/// a few hundred rows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// The most entries the zip may hold.
    pub max_entries: usize,
    /// The most bytes all entries may expand to.
    pub max_expanded_bytes: u64,
    /// The most bytes one entry may expand to.
    pub max_entry_bytes: u64,
    /// Expansion ratio allowed for a single large entry.
    pub max_ratio: u64,
    /// The most rows a sheet may have.
    pub max_rows: u32,
    /// The most columns a sheet may have.
    pub max_columns: u32,
}

/// The largest file taken in by default (20 MiB): the inbox's guard, and the web
/// upload's limit on the body it reads.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: MAX_FILE_BYTES,
            max_entries: 10_000,
            max_expanded_bytes: 256 * 1024 * 1024,
            max_entry_bytes: 64 * 1024 * 1024,
            max_ratio: 500,
            max_rows: 100_000,
            max_columns: 200,
        }
    }
}

/// Entries smaller than this may compress as well as they like (repeated XML does).
const RATIO_FLOOR_BYTES: u64 = 10 * 1024 * 1024;

/// What the guard found: a reason to refuse, or notes to pass on.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Why the file must not be opened.
    pub refusal: Option<Refusal>,
    /// Things the submitter should know that do not stop the file, in Japanese.
    pub notes: Vec<String>,
}

/// Why the guard will not let calamine open a file. Each is the submitter's to fix;
/// it prints in Japanese (from [`texts`](crate::texts::intake)), quoting what was
/// found and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The file is larger than [`Limits::max_file_bytes`].
    #[error("{}", texts::file_too_large(*size, *limit))]
    FileTooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The most allowed.
        limit: u64,
    },
    /// An encrypted (password-protected) workbook.
    #[error("{}", texts::PASSWORD_PROTECTED)]
    PasswordProtected,
    /// A zip whose central directory cannot be read.
    #[error("{}", texts::broken_zip(.0))]
    BrokenZip(
        /// What the zip reader said.
        String,
    ),
    /// More entries than [`Limits::max_entries`].
    #[error("{}", texts::too_many_entries(*.0))]
    TooManyEntries(
        /// How many entries the zip has.
        usize,
    ),
    /// An entry whose header or data cannot be read.
    #[error("{}", texts::unreadable_entry(*index, error))]
    UnreadableEntry {
        /// The entry's position in the zip.
        index: usize,
        /// What the zip reader said.
        error: String,
    },
    /// One entry compressed beyond any real workbook.
    #[error("{}", texts::over_compressed(name, *ratio, *size))]
    OverCompressed {
        /// The entry's name.
        name: String,
        /// Its expanded size over its compressed size.
        ratio: u64,
        /// Its expanded size in bytes.
        size: u64,
    },
    /// One entry larger than [`Limits::max_entry_bytes`] once expanded.
    #[error("{}", texts::entry_too_large(name, *size, *limit))]
    EntryTooLarge {
        /// The entry's name.
        name: String,
        /// Its expanded size in bytes.
        size: u64,
        /// The most allowed.
        limit: u64,
    },
    /// All entries larger than [`Limits::max_expanded_bytes`] once expanded.
    #[error("{}", texts::expanded_too_large(*expanded, *limit))]
    ExpandedTooLarge {
        /// The expanded size of all entries in bytes.
        expanded: u64,
        /// The most allowed.
        limit: u64,
    },
    /// An entry that fails to decompress.
    #[error("{}", texts::entry_undecompressable(name, error))]
    Undecompressable {
        /// The entry's name.
        name: String,
        /// What the decompressor said.
        error: String,
    },
    /// A worksheet whose cells reach past [`Limits::max_rows`] or [`Limits::max_columns`].
    #[error("{}", texts::sheet_reaches_too_far(name, *reach, *limit))]
    SheetTooLarge {
        /// The worksheet's entry in the zip.
        name: String,
        /// The last row and column named.
        reach: (u32, u32),
        /// The rows and columns allowed.
        limit: (u32, u32),
    },
}

/// Returns why the file must not be opened, or `None` when it may be.
pub fn refuse_reason(bytes: &[u8], limits: &Limits) -> Option<Refusal> {
    inspect(bytes, limits).refusal
}

/// Inspects a file's bytes against the limits.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Inspection {
    let refuse = |refusal: Refusal| Inspection {
        refusal: Some(refusal),
        notes: Vec::new(),
    };
    if bytes.len() as u64 > limits.max_file_bytes {
        return refuse(Refusal::FileTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    if is_encrypted_ooxml(bytes) {
        return refuse(Refusal::PasswordProtected);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Inspection::default(); // Not a zip: xls (OLE) or something calamine refuses by itself.
    }
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => check_archive(archive, limits),
        Err(e) => refuse(Refusal::BrokenZip(e.to_string())),
    }
}

/// An encrypted xlsx is an OLE compound file with an `EncryptedPackage` stream.
fn is_encrypted_ooxml(bytes: &[u8]) -> bool {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.starts_with(OLE) && bytes.windows(name.len()).any(|w| w == name.as_slice())
}

fn check_archive(mut archive: zip::ZipArchive<Cursor<&[u8]>>, limits: &Limits) -> Inspection {
    let mut inspection = Inspection::default();
    if archive.len() > limits.max_entries {
        inspection.refusal = Some(Refusal::TooManyEntries(archive.len()));
        return inspection;
    }
    let mut expanded: u64 = 0;
    let mut sheets = Vec::new();
    for i in 0..archive.len() {
        let (name, size, compressed) = match archive.by_index_raw(i) {
            Ok(entry) => (
                entry.name().unwrap_or_default().to_string(),
                entry.size(),
                entry.compressed_size(),
            ),
            Err(e) => {
                inspection.refusal = Some(Refusal::UnreadableEntry {
                    index: i,
                    error: e.to_string(),
                });
                return inspection;
            }
        };
        expanded = expanded.saturating_add(size);
        if let Some(reason) = entry_refusal(&name, size, compressed, limits) {
            inspection.refusal = Some(reason);
            return inspection;
        }
        if name.ends_with("vbaProject.bin") {
            inspection.notes.push(texts::MACROS_IGNORED.to_string());
        }
        if is_sheet_xml(&name) {
            sheets.push(i);
        }
    }
    if expanded > limits.max_expanded_bytes {
        inspection.refusal = Some(Refusal::ExpandedTooLarge {
            expanded,
            limit: limits.max_expanded_bytes,
        });
        return inspection;
    }
    inspection.refusal = sheets
        .into_iter()
        .find_map(|i| sheet_refusal(&mut archive, i, limits));
    inspection
}

fn entry_refusal(name: &str, size: u64, compressed: u64, limits: &Limits) -> Option<Refusal> {
    let ratio = size / compressed.max(1);
    let name = name.to_string();
    if size > RATIO_FLOOR_BYTES && ratio > limits.max_ratio {
        return Some(Refusal::OverCompressed { name, ratio, size });
    }
    (size > limits.max_entry_bytes).then_some(Refusal::EntryTooLarge {
        name,
        size,
        limit: limits.max_entry_bytes,
    })
}

fn is_sheet_xml(name: &str) -> bool {
    (name.starts_with("xl/worksheets/") && name.ends_with(".xml")) || name == "content.xml"
}

/// Streams one worksheet to find its last row and column, never holding it whole,
/// and never reading past the declared size (a lying header cannot inflate it).
fn sheet_refusal(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limits: &Limits,
) -> Option<Refusal> {
    let entry = match archive.by_index(index) {
        Ok(entry) => entry,
        Err(e) => {
            let error = e.to_string();
            return Some(Refusal::UnreadableEntry { index, error });
        }
    };
    let name = entry.name().unwrap_or_default().to_string();
    let mut scanner = ExtentScanner::default();
    let mut reader = entry.take(limits.max_entry_bytes + 1);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => scanner.feed(&buffer[..n]),
            Err(e) => {
                let error = e.to_string();
                return Some(Refusal::Undecompressable { name, error });
            }
        }
        if scanner.exceeds(limits) {
            break;
        }
    }
    scanner.finish();
    scanner.exceeds(limits).then_some(Refusal::SheetTooLarge {
        name,
        reach: (scanner.max_row, scanner.max_column),
        limit: (limits.max_rows, limits.max_columns),
    })
}

/// Finds the largest row and column named by `r="…"` attributes in SpreadsheetML,
/// across arbitrary chunk borders. OpenDocument's repeated rows are not counted:
/// LibreOffice ends every sheet with a million empty repeated rows, and what repeats
/// costs is bounded by the reader child's memory limit (see `sandbox`), which also
/// covers every way of writing a reference this scan does not know.
#[derive(Default)]
struct ExtentScanner {
    carry: Vec<u8>,
    max_row: u32,
    max_column: u32,
}

impl ExtentScanner {
    fn exceeds(&self, limits: &Limits) -> bool {
        self.max_row > limits.max_rows || self.max_column > limits.max_columns
    }

    fn feed(&mut self, chunk: &[u8]) {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        // Keep a tail so an attribute split between chunks is seen whole next time.
        let keep = data.len().min(64);
        let (body, tail) = data.split_at(data.len() - keep);
        self.scan(body);
        self.carry = tail.to_vec();
    }

    /// Scans what is left at the end of the stream.
    fn finish(&mut self) {
        let tail = std::mem::take(&mut self.carry);
        self.scan(&tail);
    }

    fn scan(&mut self, data: &[u8]) {
        for i in memchr::memmem::find_iter(data, b" r=\"") {
            self.reference(&data[i + 4..]);
        }
    }

    /// `r="12"` on a row, `r="AB12"` on a cell.
    fn reference(&mut self, value: &[u8]) {
        let letters = value.iter().take_while(|b| b.is_ascii_uppercase()).count();
        let column = value[..letters]
            .iter()
            .fold(0u64, |n, b| n * 26 + u64::from(b - b'A') + 1);
        let row = digits(&value[letters..]);
        self.max_column = self.max_column.max(column.min(u32::MAX as u64) as u32);
        self.max_row = self.max_row.max(row.min(u32::MAX as u64) as u32);
    }
}

fn digits(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .take(12)
        .fold(0, |n, b| n * 10 + u64::from(b - b'0'))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, data) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn lets_an_ordinary_zip_through() {
        let bytes = zip_with(&[
            ("xl/workbook.xml", &[b'a'; 1000]),
            (
                "xl/worksheets/sheet1.xml",
                b"<row r=\"1\"><c r=\"A1\"/></row>",
            ),
        ]);
        assert_eq!(inspect(&bytes, &Limits::default()), Inspection::default());
    }

    #[test]
    fn refuses_too_large_an_expansion() {
        let bytes = zip_with(&[("a.xml", &[b'a'; 600]), ("b.xml", &[b'a'; 600])]);
        let limits = Limits {
            max_expanded_bytes: 1000,
            ..Limits::default()
        };
        let reason = refuse_reason(&bytes, &limits).unwrap().to_string();
        assert!(
            reason.starts_with("展開後の大きさが上限を超えます(1200 バイト"),
            "{reason}"
        );
    }

    #[test]
    fn refuses_too_many_entries_and_too_large_files() {
        let bytes = zip_with(&[("a", b"1"), ("b", b"1"), ("c", b"1")]);
        let limits = Limits {
            max_entries: 2,
            ..Limits::default()
        };
        assert_eq!(
            refuse_reason(&bytes, &limits),
            Some(Refusal::TooManyEntries(3))
        );
        assert_eq!(
            Refusal::TooManyEntries(3).to_string(),
            "ZIP の項目が多すぎます(3 個)"
        );
        let limits = Limits {
            max_file_bytes: 10,
            ..Limits::default()
        };
        assert!(matches!(
            refuse_reason(&bytes, &limits),
            Some(Refusal::FileTooLarge { limit: 10, .. })
        ));
    }

    #[test]
    fn refuses_a_sheet_that_reaches_too_far() {
        let sheet = b"<sheetData><row r=\"1\"><c r=\"A1\"/></row><row r=\"1000000\"><c r=\"J1000000\"/></row></sheetData>";
        let bytes = zip_with(&[("xl/worksheets/sheet1.xml", sheet)]);
        let reason = refuse_reason(&bytes, &Limits::default())
            .unwrap()
            .to_string();
        assert!(
            reason.starts_with("シートが大きすぎます(「xl/worksheets/sheet1.xml」に 1000000 行目"),
            "{reason}"
        );
        let wide = zip_with(&[("xl/worksheets/sheet1.xml", b"<c r=\"ZZZ1\"/>")]);
        assert!(refuse_reason(&wide, &Limits::default()).is_some());
    }

    #[test]
    fn sees_a_reference_split_between_chunks() {
        let mut scanner = ExtentScanner::default();
        let text = format!("{}<c r=\"B250000\"/>", "x".repeat(100));
        let (a, b) = text.as_bytes().split_at(104);
        scanner.feed(a);
        scanner.feed(b);
        scanner.finish();
        assert_eq!((scanner.max_row, scanner.max_column), (250000, 2));
    }

    #[test]
    fn notes_macros_and_names_encrypted_workbooks() {
        let bytes = zip_with(&[("xl/vbaProject.bin", b"macro")]);
        assert_eq!(
            inspect(&bytes, &Limits::default()).notes,
            ["マクロ(VBA)が含まれていますが、実行せずに無視しました"]
        );
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            refuse_reason(&ole, &Limits::default()),
            Some(Refusal::PasswordProtected)
        );
    }

    #[test]
    fn refuses_a_broken_zip_and_passes_non_zip_bytes_on() {
        let reason = refuse_reason(b"PK\x03\x04garbage", &Limits::default()).unwrap();
        assert!(matches!(reason, Refusal::BrokenZip(_)), "{reason}");
        assert!(reason.to_string().starts_with("ZIP 形式が壊れています"));
        assert_eq!(refuse_reason(b"plain text", &Limits::default()), None);
    }
}
