//! Measuring and wrapping Japanese text with the font's real glyph advances.
//!
//! printpdf does no paragraph layout of its own that respects Japanese line-breaking
//! rules, so lines are broken here: by measured width, never leaving a closing mark
//! at the start of a line or an opening bracket at its end (禁則).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, RwLock};
use std::thread::ThreadId;

use printpdf::{Codepoint, ParsedFont};

use crate::config::Config;
use crate::report::fonts::is_invisible;

/// The fonts the PDFs are set in, in order of preference: a character is drawn with
/// the first font that has a glyph for it (IPAexGothic, then a fallback for the few
/// characters it lacks, such as the simplified 实 in the seed, then the system's
/// IPAmj明朝 for the 戸籍 characters of names when it is installed).
///
/// A character no font has never fails a build and is never dropped silently: it is
/// drawn as 〓 (the geta mark, which Japanese print uses for exactly this) and
/// recorded, and [`FontSet::take_missing`] hands the record to whoever lists it for
/// the managers. Intake warns the submitter of the same characters beforehand
/// (see [`Coverage`](crate::report::Coverage)).
pub struct FontSet {
    fonts: Vec<LoadedFont>,
    /// System fonts after `fonts`, parsed only when a character first needs them:
    /// IPAmj明朝 takes a second and 160 MB to parse, and most years never need it.
    later: Vec<LaterFont>,
    /// Each character's font, glyph and advance, looked up once: the fonts' own cmap
    /// lookup is slow enough to dominate a report otherwise (85% of the white paper's
    /// time, measured with perf).
    glyphs: RwLock<HashMap<char, Option<Glyph>>>,
    /// What a character no font has is drawn with: 〓 from the first font that has it.
    replacement: Glyph,
    /// The characters drawn as 〓 since the last [`FontSet::take_missing`], each with
    /// the thread that drew it: reports are built on several threads at once, and each
    /// report's own characters are listed under its name.
    missing: Mutex<Vec<(ThreadId, MissingGlyph)>>,
}

/// The mark drawn in place of a character no font has (〓, U+3013 GETA MARK).
pub const REPLACEMENT: char = '\u{3013}';

/// A character no font could draw, and the line of text it was in (with 〓 in its
/// place), as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// The character no font has.
    pub character: char,
    /// The line it was in, with 〓 in its place.
    pub text: String,
}

/// Where a character is drawn from.
#[derive(Debug, Clone, Copy)]
struct Glyph {
    font: usize,
    id: u16,
    /// Advance in the font's units.
    advance: u16,
}

/// A font parsed when first needed (None when it cannot be parsed: logged, unused).
struct LaterFont {
    path: PathBuf,
    loaded: OnceLock<Option<LoadedFont>>,
}

impl LaterFont {
    fn get(&self) -> Option<&LoadedFont> {
        self.loaded
            .get_or_init(|| match LoadedFont::read(&self.path) {
                Ok(font) => Some(font),
                Err(error) => {
                    tracing::warn!(font = %self.path.display(), error = format!("{error:#}"), "system font unusable");
                    None
                }
            })
            .as_ref()
    }
}

/// One parsed font.
pub struct LoadedFont {
    /// The font as printpdf parsed it, embedded as a subset.
    pub font: ParsedFont,
    /// The file name, for messages.
    pub name: String,
    units_per_em: f32,
}

/// A piece of text set in one font: the font's index in the set, its glyphs (each
/// with the text it stands for, for extraction) and its width in points.
pub struct Run {
    /// The font's index in the [`FontSet`].
    pub font: usize,
    /// The glyphs, each with the text it stands for.
    pub glyphs: Vec<Codepoint>,
    /// The run's width in points.
    pub width: f32,
}

/// Characters that must not start a line: closing brackets and quotes, punctuation,
/// the prolonged sound mark, small kana and iteration marks, unit signs (JIS X 4051's
/// classes 2, 3, 4, 5, 6, 9 and the postfixed ones), in full and half width.
pub const NO_LINE_START: &str = "）」』】〕〉》｝］〙〗｠’”)]}｣\
    、。，．・：；？！‥…,.:;?!｡､･\
    ーｰゝゞヽヾ々〻\
    ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿｧｨｩｪｫｯｬｭｮ\
    %％‰℃°′″";
/// Characters that must not end a line: opening brackets and quotes.
pub const NO_LINE_END: &str = "（「『【〔〈《｛［〘〖｟‘“([{｢";

impl FontSet {
    /// Loads TrueType font files from `dir`, the preferred one first.
    pub fn load(dir: &Path, files: &[String]) -> anyhow::Result<FontSet> {
        let paths: Vec<PathBuf> = files.iter().map(|file| dir.join(file)).collect();
        FontSet::load_paths(&paths)
    }

    /// The configured fonts, then the system fonts found for `report.system_fonts`
    /// (see [`crate::report::fonts::font_paths`]), parsed when first needed.
    pub fn for_config(config: &Config) -> anyhow::Result<FontSet> {
        let mut set = FontSet::load_paths(&crate::report::fonts::configured_font_paths(config))?;
        set.later = crate::report::fonts::system_font_paths(config)
            .into_iter()
            .map(|path| LaterFont {
                path,
                loaded: OnceLock::new(),
            })
            .collect();
        Ok(set)
    }

    /// Loads TrueType font files, the preferred one first.
    pub fn load_paths(paths: &[PathBuf]) -> anyhow::Result<FontSet> {
        let fonts = paths
            .iter()
            .map(|path| LoadedFont::read(path))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if fonts.is_empty() {
            bail!("report.fonts: フォントが一つも指定されていません");
        }
        let mut set = FontSet {
            fonts,
            later: Vec::new(),
            glyphs: RwLock::new(HashMap::new()),
            replacement: Glyph {
                font: 0,
                id: 0,
                advance: 0,
            },
            missing: Mutex::new(Vec::new()),
        };
        set.replacement = set.glyph(REPLACEMENT).with_context(|| {
            format!("report.fonts: 「{REPLACEMENT}」(U+3013) を描けるフォントがありません。IPAexゴシックを先頭に置いてください")
        })?;
        Ok(set)
    }

    /// The glyph that draws `c`, from the first font that has one.
    fn glyph(&self, c: char) -> Option<Glyph> {
        // Read-locked first: reports built on several threads look characters up at
        // once, and after the first pages almost every one is known.
        let known = self.glyphs.read().unwrap_or_else(|e| e.into_inner());
        if let Some(glyph) = known.get(&c) {
            return *glyph;
        }
        drop(known);
        let found = (0..self.fonts.len() + self.later.len()).find_map(|font| {
            let f = self.font(font)?;
            let id = f.font.lookup_glyph_index(c as u32)?;
            Some(Glyph {
                font,
                id,
                advance: f.font.get_horizontal_advance(id),
            })
        });
        let mut cache = self.glyphs.write().unwrap_or_else(|e| e.into_inner());
        *cache.entry(c).or_insert(found)
    }

    /// The font at `index` in order of preference (a system font is parsed here
    /// when first asked for); None for a system font that cannot be parsed.
    pub fn font(&self, index: usize) -> Option<&LoadedFont> {
        match self.fonts.get(index) {
            Some(font) => Some(font),
            None => self.later.get(index - self.fonts.len())?.get(),
        }
    }

    /// The width of `text` in points at `size`.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    fn advance(&self, c: char, size: f32) -> f32 {
        match self.drawn_as(c) {
            Some(g) => f32::from(g.advance) / self.units_per_em(g.font) * size,
            None => 0.0,
        }
    }

    /// The glyph `c` is drawn with: its own, 〓 when no font has it, or none when it
    /// is invisible.
    fn drawn_as(&self, c: char) -> Option<Glyph> {
        if is_invisible(c) {
            return None;
        }
        Some(self.glyph(c).unwrap_or(self.replacement))
    }

    fn units_per_em(&self, font: usize) -> f32 {
        self.font(font).map_or(1000.0, |f| f.units_per_em)
    }

    /// Whether some font has a glyph for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// The characters this thread drew as 〓 since its last call, each with the line
    /// it was in, once each (a running header repeats on every page), in the order met.
    pub fn take_missing(&self) -> Vec<MissingGlyph> {
        let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        let this = std::thread::current().id();
        let (own, others) = std::mem::take(&mut *missing)
            .into_iter()
            .partition::<Vec<_>, _>(|(thread, _)| *thread == this);
        *missing = others;
        let mut seen = std::collections::HashSet::new();
        own.into_iter()
            .map(|(_, m)| m)
            .filter(|m| seen.insert((m.character, m.text.clone())))
            .collect()
    }

    fn record_missing(&self, text: &str) {
        let absent: Vec<char> = text
            .chars()
            .filter(|c| !is_invisible(*c) && self.glyph(*c).is_none())
            .collect();
        if absent.is_empty() {
            return;
        }
        let shown: String = text
            .chars()
            .filter(|c| !is_invisible(*c))
            .map(|c| {
                if self.glyph(c).is_some() {
                    c
                } else {
                    REPLACEMENT
                }
            })
            .collect();
        let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        let thread = std::thread::current().id();
        for character in absent {
            let text = shown.clone();
            missing.push((thread, MissingGlyph { character, text }));
        }
    }

    /// Splits `text` into runs that one font each can draw. A character no font has
    /// is drawn as 〓 and recorded (see [`FontSet::take_missing`]).
    pub fn runs(&self, text: &str, size: f32) -> Vec<Run> {
        self.record_missing(text);
        let mut runs: Vec<Run> = Vec::new();
        for c in text.chars() {
            let Some(glyph) = self.drawn_as(c) else {
                continue;
            };
            let c = if self.glyph(c).is_some() {
                c
            } else {
                REPLACEMENT
            };
            let width = f32::from(glyph.advance) / self.units_per_em(glyph.font) * size;
            let codepoint = Codepoint::with_cid(glyph.id, 0.0, c.to_string());
            match runs.last_mut() {
                Some(run) if run.font == glyph.font => {
                    run.glyphs.push(codepoint);
                    run.width += width;
                }
                _ => runs.push(Run {
                    font: glyph.font,
                    glyphs: vec![codepoint],
                    width,
                }),
            }
        }
        runs
    }

    /// Breaks `text` into lines no wider than `max_width` points.
    pub fn wrap(&self, text: &str, size: f32, max_width: f32) -> Vec<String> {
        wrap_with(text, max_width, |c| self.advance(c, size))
    }
}

impl LoadedFont {
    /// Reads and parses a font file.
    fn read(path: &Path) -> anyhow::Result<LoadedFont> {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading the font {}", path.display()))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        LoadedFont::from_bytes(&bytes, &name)
    }

    /// Parses font bytes.
    pub fn from_bytes(bytes: &[u8], name: &str) -> anyhow::Result<LoadedFont> {
        let mut warnings = Vec::new();
        let Some(font) = ParsedFont::from_bytes(bytes, 0, &mut warnings) else {
            bail!("the font {name} could not be parsed");
        };
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        Ok(LoadedFont {
            font,
            name: name.to_string(),
            units_per_em,
        })
    }
}

/// Greedy line breaking by measured width, then 禁則 at each break (see
/// [`carry_over`]). Explicit newlines are kept.
pub fn wrap_with(text: &str, max_width: f32, advance: impl Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph.chars().collect();
        let mut line: Vec<char> = Vec::new();
        let mut width = 0.0;
        for (i, &c) in chars.iter().enumerate() {
            let w = advance(c);
            if width + w > max_width && !line.is_empty() {
                let carried = carry_over(&mut line, &chars[i..], max_width, &advance);
                lines.push(line.iter().collect::<String>().trim_end().to_string());
                width = carried.iter().map(|c| advance(*c)).sum();
                line = carried;
            }
            if !(line.is_empty() && c == ' ' && !lines.is_empty()) {
                line.push(c);
                width += w;
            }
        }
        lines.push(line.into_iter().collect());
    }
    lines
}

/// What moves from the end of a full line to the next one, breaking before `rest`.
/// Where the break goes, in order of preference: before an open bracketed note that
/// fits on a line (`(平成24年)`), at a space before a bracket or a Latin word, before
/// a Latin word or number (`146,539`, `CO2`), else at the width. Then 禁則, always:
/// the next line may not start with a closing mark (the line gives up its last
/// characters) and this one may not end with an opening bracket (it goes along).
fn carry_over(
    line: &mut Vec<char>,
    rest: &[char],
    max_width: f32,
    advance: &impl Fn(char) -> f32,
) -> Vec<char> {
    let mut carried = preferred_break(line, rest, max_width, advance);
    // What the next line starts with: the spaces at a break are dropped.
    let next = |carried: &Vec<char>| {
        let mut upcoming = carried.iter().chain(rest);
        upcoming.find(|c| **c != ' ').copied()
    };
    // A closing mark takes the character before it along (past a space: `あ 々`).
    let mut pulled = false;
    while line.len() > 1
        && (next(&carried).is_some_and(|c| NO_LINE_START.contains(c))
            || (pulled && carried.first() == Some(&' ')))
    {
        carried.insert(0, line.pop().expect("line has characters"));
        pulled = true;
    }
    // An opening bracket goes down, with the spaces after it (`ICT { ‘`).
    loop {
        let spaces = line.iter().rev().take_while(|c| **c == ' ').count();
        let bracket =
            line.len() > spaces + 1 && NO_LINE_END.contains(line[line.len() - spaces - 1]);
        if !bracket {
            return carried;
        }
        let tail = line.split_off(line.len() - spaces - 1);
        carried.splice(0..0, tail);
    }
}

/// The tail of `line` to move for a break at a better place than the width.
fn preferred_break(
    line: &mut Vec<char>,
    rest: &[char],
    max_width: f32,
    advance: &impl Fn(char) -> f32,
) -> Vec<char> {
    if let Some(open) = open_note(line, rest, max_width, advance) {
        return line.split_off(open);
    }
    if let Some(space) = line.iter().rposition(|c| *c == ' ').filter(|i| *i > 0) {
        let tail = &line[space + 1..];
        let bracket = tail.first().is_some_and(|c| NO_LINE_END.contains(*c));
        if bracket || tail.iter().all(|c| is_word_char(*c)) {
            return line.split_off(space + 1);
        }
    }
    if rest.first().is_some_and(|c| is_word_char(*c)) {
        let run = line.iter().rev().take_while(|c| is_word_char(**c)).count();
        if run < line.len() {
            return line.split_off(line.len() - run);
        }
    }
    Vec::new()
}

/// Where a bracketed note (in parentheses) still open at the end of `line` starts,
/// when it is not the line's start, the whole note (up to its closing bracket in
/// `rest`) fits on one line, and moving it leaves this line at least half full and
/// no more than [`NOTE_MOVED_AT_MOST`] characters short: a short note is not split,
/// and prose does not turn ragged for a long one.
fn open_note(
    line: &[char],
    rest: &[char],
    max_width: f32,
    advance: &impl Fn(char) -> f32,
) -> Option<usize> {
    let mut depth = 0usize;
    let open = line.iter().enumerate().rev().find_map(|(i, c)| {
        if NOTE_CLOSING.contains(*c) {
            depth += 1;
        } else if NOTE_OPENING.contains(*c) {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
        None
    })?;
    let close = rest.iter().position(|c| NOTE_CLOSING.contains(*c))?;
    let note = line[open..].iter().chain(&rest[..=close]);
    let width: f32 = note.map(|c| advance(*c)).sum();
    let moved: f32 = line[open..].iter().map(|c| advance(*c)).sum();
    let short = line.len() - open <= NOTE_MOVED_AT_MOST && moved <= max_width / 2.0;
    (open > 0 && short && width <= max_width).then_some(open)
}

/// The brackets that open a note kept whole on a line.
const NOTE_OPENING: &str = "（(［[";
/// The brackets that close such a note.
const NOTE_CLOSING: &str = "）)］]";
/// The most characters of a note moved to the next line to keep the note whole.
const NOTE_MOVED_AT_MOST: usize = 10;

/// Characters of a Latin word or a number, which stay on one line (in half or full
/// width).
fn is_word_char(c: char) -> bool {
    let full_width_alphanumeric = matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ');
    c.is_ascii_alphanumeric() || full_width_alphanumeric || matches!(c, ',' | '.' | '%' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide, so a width is a character count.
    fn wrap(text: &str, width: usize) -> Vec<String> {
        wrap_with(text, width as f32, |_| 1.0)
    }

    #[test]
    fn a_system_font_is_parsed_only_when_a_character_needs_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = Config::load(&root.join("data/hakusho.toml")).unwrap();
        let fonts = FontSet::for_config(&config).unwrap();
        let Some(ipamj) = fonts.later.first() else {
            eprintln!("IPAmj明朝 is not installed: skipped");
            return;
        };
        fonts.runs("工事实施 令和2年度", 9.0);
        assert!(
            ipamj.loaded.get().is_none(),
            "not parsed for what the others have"
        );
        let runs = fonts.runs("𠮷田", 9.0);
        assert!(ipamj.loaded.get().is_some());
        assert_eq!(
            runs[0].font, 2,
            "𠮷 from IPAmj明朝, after the two configured fonts"
        );
        assert!(fonts.take_missing().is_empty());
    }

    #[test]
    fn breaks_at_the_width() {
        assert_eq!(wrap("あいうえおかきく", 3), ["あいう", "えおか", "きく"]);
        assert_eq!(wrap("", 3), [""]);
    }

    #[test]
    fn never_starts_a_line_with_a_closing_mark() {
        // Without 禁則 the second line would start with 。
        assert_eq!(wrap("あいう。えお", 3), ["あい", "う。え", "お"]);
        assert_eq!(wrap("あいう」え", 3), ["あい", "う」え"]);
        assert_eq!(wrap("あいうっ", 3), ["あい", "うっ"]);
    }

    #[test]
    fn never_ends_a_line_with_an_opening_bracket() {
        assert_eq!(wrap("あい「うえ」", 3), ["あい", "「う", "え」"]);
    }

    #[test]
    fn breaks_at_a_space_and_keeps_numbers_whole() {
        assert_eq!(
            wrap("146,539百万円 (平成20年)", 12),
            ["146,539百万円", "(平成20年)"]
        );
        assert_eq!(wrap("あい12,345件", 7), ["あい", "12,345件"]);
        // Japanese after a space breaks where it must, not at the space.
        assert_eq!(
            wrap("8-1 コミュニティの展開", 8),
            ["8-1 コミュニ", "ティの展開"]
        );
    }

    /// A small deterministic generator (the tests need no crate for it).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }
        fn pick<'a>(&mut self, pieces: &[&'a str]) -> &'a str {
            pieces[self.below(pieces.len())]
        }
    }

    /// Text made of every class the breaking rules know: kana and kanji, each opening
    /// bracket before a kana or a Latin word, each closing mark, Latin words and
    /// numbers, spaces and bracketed notes.
    fn random_text(rng: &mut Lcg) -> String {
        let open: Vec<String> = NO_LINE_END.chars().map(String::from).collect();
        let close: Vec<String> = NO_LINE_START.chars().map(String::from).collect();
        let mut text = String::new();
        for _ in 0..rng.below(40) + 5 {
            match rng.below(6) {
                0 => text.push_str(&open[rng.below(open.len())]),
                1 => text.push_str(&close[rng.below(close.len())]),
                2 => text.push_str(rng.pick(&["ICT", "SOS", "2", "146", "CO2", "kW"])),
                3 => text.push_str(rng.pick(&[" ", "(注1)", "（令和3年度）", " (平成24年)"])),
                _ => text.push_str(rng.pick(&["あ", "生徒", "総排出量", "へ", "頁の"])),
            }
        }
        text
    }

    /// The 禁則 every line of `lines` keeps: no line but the first starts with a
    /// closing mark and no line but the last ends with an opening bracket, unless the
    /// line before (or the line itself) is a single character that cannot give way.
    fn assert_kinsoku(text: &str, width: usize, lines: &[String]) {
        for pair in lines.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            let single = before.chars().count() <= 1;
            let first = after.chars().next().unwrap_or(' ');
            let last = before.chars().last().unwrap_or(' ');
            assert!(
                single || !NO_LINE_START.contains(first),
                "{text:?} at {width}: a line starts with {first}: {lines:?}"
            );
            assert!(
                single || !NO_LINE_END.contains(last),
                "{text:?} at {width}: a line ends with {last}: {lines:?}"
            );
        }
    }

    #[test]
    fn no_break_leaves_an_opening_bracket_at_the_end_or_a_closing_mark_at_the_start() {
        let mut rng = Lcg(12);
        for _ in 0..3000 {
            let text = random_text(&mut rng);
            let width = rng.below(14) + 6;
            let lines = wrap(&text, width);
            assert_kinsoku(&text, width, &lines);
            let kept: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let given: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(kept, given, "{text:?} at {width}: characters lost or added");
        }
    }

    #[test]
    fn every_opening_bracket_goes_with_the_word_after_it_latin_or_not() {
        for bracket in NO_LINE_END.chars() {
            for word in ["ICT", "SOS", "2", "こころ"] {
                // 生徒へ「 fills the line exactly: the bracket must move down.
                let text = format!("生徒へ{bracket}{word}です");
                let lines = wrap(&text, 4);
                assert_eq!(lines[0], "生徒へ", "{text}: {lines:?}");
                assert!(lines[1].starts_with(bracket), "{text}: {lines:?}");
            }
        }
    }

    #[test]
    fn every_closing_mark_takes_the_character_before_it_along() {
        for mark in NO_LINE_START.chars() {
            let text = format!("あいう{mark}えお");
            let lines = wrap(&text, 3);
            assert_eq!(lines[0], "あい", "{text}: {lines:?}");
            assert_eq!(lines[1], format!("う{mark}え"), "{text}: {lines:?}");
        }
    }

    #[test]
    fn a_short_bracketed_note_moves_whole_and_a_long_one_breaks() {
        // A KPI cell: the note goes whole to the next line, not (令和 3 年 / 度).
        for (figure, note) in [("60,000 人", "(令和 3 年度)"), ("57,640人", "（平成24年）")]
        {
            let lines = wrap(&format!("{figure} {note}"), 10);
            assert_eq!(lines, [figure, note]);
            let lines = wrap(&format!("{figure}{note}"), 10);
            assert_eq!(lines, [figure, note]);
        }
        // A note longer than a line breaks inside, with 禁則.
        let lines = wrap("あい(かきくけこさしすせそたち)", 6);
        assert!(lines[0].len() > "あい".len(), "{lines:?}");
        assert_kinsoku("long note", 6, &lines);
    }

    #[test]
    fn latin_words_and_numbers_stay_whole_in_half_and_full_width() {
        for word in ["146,539", "CO2", "ＳＤＧｓ", "１２３"] {
            let text = format!("ああああ{word}い");
            let lines = wrap(&text, 8);
            assert!(lines.iter().any(|l| l.contains(word)), "{text}: {lines:?}");
        }
    }

    #[test]
    fn keeps_explicit_newlines() {
        assert_eq!(wrap("前期\n(平成26年度)", 20), ["前期", "(平成26年度)"]);
    }
}
