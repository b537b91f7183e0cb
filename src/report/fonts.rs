//! Which font files the reports use, and which characters they can draw.
//!
//! The configured fonts (`report.fonts` in `paths.fonts`) come first. After them come
//! the system fonts named in `report.system_fonts` (by default IPAmj明朝, `ipamjm.ttf`,
//! which has the 戸籍 characters of names such as 𠮷田) when the system has them:
//! hakusho does not ship that 46 MB font, a city installs it (Debian:
//! `fonts-ipamj-mincho`). They come last so that the fonts a report already used keep
//! their place (and the PDFs of the same data stay byte for byte the same whether the
//! system font is installed or not); they draw only what the configured fonts lack.
//!
//! [`Coverage`] is what intake needs to know of the fonts: the characters they have,
//! read from their `cmap` tables without parsing the rest (IPAmj明朝 parsed whole
//! takes 180 MB).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Config;

/// Where system fonts are looked for, before asking fontconfig.
const SYSTEM_FONT_DIRS: [&str; 3] = ["/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts"];

/// How deep the system font folders are searched (`/usr/share/fonts/truetype/ipamj/`).
const SEARCH_DEPTH: usize = 4;

/// The font files of the reports, the preferred one first: the configured fonts, then
/// the system fonts found.
pub fn font_paths(config: &Config) -> Vec<PathBuf> {
    let mut paths = configured_font_paths(config);
    paths.extend(system_font_paths(config));
    paths
}

/// The fonts of `report.fonts` in `paths.fonts`.
pub fn configured_font_paths(config: &Config) -> Vec<PathBuf> {
    config
        .report
        .fonts
        .iter()
        .map(|f| config.paths.fonts.join(f))
        .collect()
}

/// The fonts of `report.system_fonts` that the system has.
pub fn system_font_paths(config: &Config) -> Vec<PathBuf> {
    config
        .report
        .system_fonts
        .iter()
        .filter_map(|name| find_system_font(name))
        .collect()
}

/// A system font file by its file name: in the usual font folders, else wherever
/// fontconfig knows it. None (logged) when the system does not have it.
pub fn find_system_font(file_name: &str) -> Option<PathBuf> {
    let found = SYSTEM_FONT_DIRS
        .iter()
        .filter_map(|dir| expand_home(dir))
        .find_map(|dir| find_in(&dir, file_name, SEARCH_DEPTH))
        .or_else(|| find_with_fontconfig(file_name));
    match &found {
        Some(path) => tracing::debug!(font = %path.display(), "system font found"),
        None => tracing::info!(
            font = file_name,
            "system font not installed; characters only it has print as 〓"
        ),
    }
    found
}

fn expand_home(dir: &str) -> Option<PathBuf> {
    match dir.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map(|home| Path::new(&home).join(rest)),
        None => Some(PathBuf::from(dir)),
    }
}

/// A file named `file_name` under `dir`, at most `depth` folders down.
fn find_in(dir: &Path, file_name: &str, depth: usize) -> Option<PathBuf> {
    let candidate = dir.join(file_name);
    if candidate.is_file() {
        return Some(candidate);
    }
    if depth == 0 {
        return None;
    }
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    folders.sort();
    folders
        .iter()
        .find_map(|folder| find_in(folder, file_name, depth - 1))
}

/// Asks fontconfig (`fc-list`), when it is installed, for a font file of that name.
fn find_with_fontconfig(file_name: &str) -> Option<PathBuf> {
    let output = std::process::Command::new("fc-list")
        .args([":", "file"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| PathBuf::from(line.trim().trim_end_matches(':')))
        .find(|path| path.file_name().is_some_and(|n| n == file_name) && path.is_file())
}

/// Characters that are drawn as nothing rather than as 〓: variation selectors (a
/// name's 葛󠄀 prints as its base 葛) and the joiners inside emoji sequences.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// The characters the report fonts can draw, as sorted, disjoint ranges of code
/// points. Small and cheap to pass to intake (serialisable, for a child process).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    ranges: Vec<(u32, u32)>,
}

impl Coverage {
    /// The coverage of the fonts the reports of `config` use (as [`font_paths`]).
    pub fn for_config(config: &Config) -> anyhow::Result<Coverage> {
        Coverage::of_files(&font_paths(config))
    }

    /// The union of the coverage of some font files.
    pub fn of_files(paths: &[PathBuf]) -> anyhow::Result<Coverage> {
        let mut points = Vec::new();
        for path in paths {
            let cmap = read_cmap(path)
                .with_context(|| format!("reading the cmap of the font {}", path.display()))?;
            points.extend(
                cmap_code_points(&cmap)
                    .with_context(|| format!("reading the cmap of {}", path.display()))?,
            );
        }
        Ok(Coverage::from_points(points))
    }

    fn from_points(mut points: Vec<u32>) -> Coverage {
        points.sort_unstable();
        points.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for p in points {
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == p => *end = p,
                _ => ranges.push((p, p)),
            }
        }
        Coverage { ranges }
    }

    /// Whether some font has a glyph for `c`.
    pub fn has(&self, c: char) -> bool {
        let p = c as u32;
        let i = self.ranges.partition_point(|(_, end)| *end < p);
        self.ranges.get(i).is_some_and(|(start, _)| *start <= p)
    }

    /// Whether `c` prints as itself: a font has it, it is invisible (a variation
    /// selector), or it is a line break. Anything else prints as 〓.
    pub fn prints(&self, c: char) -> bool {
        c == '\n' || is_invisible(c) || self.has(c)
    }
}

/// A character as a reader can recognise it: itself and its code point, or only the
/// code point with what kind of character it is when it cannot be shown (a control
/// character, or a private-use 外字 that means something only on the sender's PC).
pub fn describe_character(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    if c.is_control() {
        format!("制御文字 {code}")
    } else if is_private_use(c) {
        format!("外字(私用領域の文字) {code}")
    } else {
        format!("「{c}」({code})")
    }
}

fn is_private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{FFFFD}' | '\u{100000}'..='\u{10FFFD}')
}

/// The `cmap` table of a font file, read alone (a few hundred kilobytes of IPAmj明朝's
/// 46 MB): intake may run where memory is bounded.
fn read_cmap(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut header = [0u8; 12];
    file.read_exact(&mut header)?;
    let count = usize::from(be16(&header, 4)?);
    let mut records = vec![0u8; count * 16];
    file.read_exact(&mut records)?;
    let record = records
        .chunks_exact(16)
        .find(|r| &r[..4] == b"cmap")
        .context("no cmap table")?;
    let (offset, length) = (be32(record, 8)?, be32(record, 12)?);
    anyhow::ensure!(length <= 16 << 20, "cmap table of {length} bytes");
    file.seek(SeekFrom::Start(u64::from(offset)))?;
    let mut cmap = vec![0u8; length as usize];
    file.read_exact(&mut cmap)?;
    Ok(cmap)
}

/// The code points a `cmap` table maps to a glyph, from its Unicode subtables
/// (formats 4 and 12, which is what fonts of the BMP and beyond use).
fn cmap_code_points(cmap: &[u8]) -> anyhow::Result<Vec<u32>> {
    let count = usize::from(be16(cmap, 2)?);
    let mut points = Vec::new();
    for i in 0..count {
        let record = 4 + i * 8;
        let (platform, encoding) = (be16(cmap, record)?, be16(cmap, record + 2)?);
        let unicode = platform == 0 || (platform == 3 && matches!(encoding, 1 | 10));
        if !unicode {
            continue;
        }
        let offset = be32(cmap, record + 4)? as usize;
        let subtable = cmap.get(offset..).context("cmap subtable out of range")?;
        match be16(subtable, 0)? {
            4 => format4(subtable, &mut points)?,
            12 => format12(subtable, &mut points)?,
            _ => {}
        }
    }
    Ok(points)
}

/// Segment mapping to delta values (the BMP).
fn format4(sub: &[u8], points: &mut Vec<u32>) -> anyhow::Result<()> {
    let segments = usize::from(be16(sub, 6)? / 2);
    let ends = 14;
    let starts = ends + 2 * segments + 2;
    let deltas = starts + 2 * segments;
    let range_offsets = deltas + 2 * segments;
    for s in 0..segments {
        let (start, end) = (be16(sub, starts + 2 * s)?, be16(sub, ends + 2 * s)?);
        let delta = be16(sub, deltas + 2 * s)?;
        let range_offset = usize::from(be16(sub, range_offsets + 2 * s)?);
        for c in start..=end {
            if c == 0xFFFF {
                break;
            }
            let glyph = if range_offset == 0 {
                c.wrapping_add(delta)
            } else {
                let at = range_offsets + 2 * s + range_offset + 2 * usize::from(c - start);
                match be16(sub, at)? {
                    0 => 0,
                    g => g.wrapping_add(delta),
                }
            };
            if glyph != 0 {
                points.push(u32::from(c));
            }
        }
    }
    Ok(())
}

/// Segmented coverage (all of Unicode, such as 𠮷 U+20BB7).
fn format12(sub: &[u8], points: &mut Vec<u32>) -> anyhow::Result<()> {
    let groups = be32(sub, 12)? as usize;
    for g in 0..groups {
        let at = 16 + g * 12;
        let (start, end, glyph) = (be32(sub, at)?, be32(sub, at + 4)?, be32(sub, at + 8)?);
        let end = end.min(0x10FFFF);
        // The first code point of a group starting at glyph 0 maps to .notdef.
        let first = if glyph == 0 { start + 1 } else { start };
        points.extend(first..=end);
    }
    Ok(())
}

fn be16(bytes: &[u8], at: usize) -> anyhow::Result<u16> {
    let b = bytes.get(at..at + 2).context("font table too short")?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn be32(bytes: &[u8], at: usize) -> anyhow::Result<u32> {
    let b = bytes.get(at..at + 4).context("font table too short")?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_font(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fonts")
            .join(name)
    }

    #[test]
    fn coverage_agrees_with_the_fonts_the_reports_draw_with() {
        let paths = [
            repo_font("ipaexg.ttf"),
            repo_font("DroidSansFallbackFull.ttf"),
        ];
        let coverage = Coverage::of_files(&paths).unwrap();
        let fonts = crate::report::FontSet::load_paths(&paths).unwrap();
        // Every character of the BMP and a stretch of CJK Extension B.
        for c in (0..0x10000u32)
            .chain(0x20000..0x21000)
            .filter_map(char::from_u32)
        {
            assert_eq!(coverage.has(c), fonts.has_glyph(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn coverage_agrees_with_ipamj_mincho_beyond_the_bmp() {
        let Some(ipamj) = find_system_font("ipamjm.ttf") else {
            eprintln!("IPAmj明朝 is not installed: skipped");
            return;
        };
        let paths = [ipamj];
        let coverage = Coverage::of_files(&paths).unwrap();
        let fonts = crate::report::FontSet::load_paths(&paths).unwrap();
        assert!(coverage.has('𠮷'));
        for c in (0x20000..0x2A6E0u32).step_by(7).filter_map(char::from_u32) {
            assert_eq!(coverage.has(c), fonts.has_glyph(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn emoji_private_use_and_control_characters_do_not_print() {
        let coverage = Coverage::of_files(&[repo_font("ipaexg.ttf")]).unwrap();
        for c in ['😀', '\u{E000}', '\u{7}', '𠮷', '实'] {
            assert!(!coverage.prints(c), "U+{:04X}", c as u32);
        }
        for c in ['田', '〓', '\n', '\u{E0100}', 'A'] {
            assert!(coverage.prints(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn a_missing_system_font_is_not_found_and_not_an_error() {
        assert_eq!(find_system_font("no-such-font-hakusho.ttf"), None);
    }
}
