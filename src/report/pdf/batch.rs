//! The PDFs of one build written together, with one subset of each font for all.
//!
//! Written one by one, each of the build's fifteen PDFs subset the same fonts and
//! deflated the same glyphs again. Here the reports are laid out first and kept
//! ([`Batch::defer`]); once all are laid out, each font is subset once, with every
//! glyph any of them uses, that subset is embedded identically in each, and its
//! deflated bytes are reused. The bytes depend only on the documents, never on the
//! order they were laid out in, so a build on several threads gives the same files.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use printpdf::{
    FontEmbeddingMode, FontId, Op, PdfDocument, PdfFont, PdfFontHandle, PrintpdfFontMeta, TextItem,
};

use super::deflate;
use super::page::fix_document_id;

/// What stands in a report's bytes until the batch is written: this and its number.
const PENDING: &str = "%HAKUSHO-PENDING-PDF ";

/// Glyphs of one font: the glyph id, and the text it stands for.
type Glyphs = BTreeMap<u16, String>;

/// The documents of a build, kept until all are laid out.
#[derive(Default)]
pub struct Batch {
    docs: Mutex<Vec<PdfDocument>>,
}

/// One font subset for every document: the font to embed, and each glyph's new id.
struct Shared {
    font: PdfFont,
    new_ids: BTreeMap<u16, u16>,
}

impl Batch {
    /// Keeps `doc` to be written with the others; returns what stands in its bytes.
    pub fn defer(&self, doc: PdfDocument) -> Vec<u8> {
        let mut docs = self.docs.lock().unwrap_or_else(|e| e.into_inner());
        docs.push(doc);
        format!("{PENDING}{}", docs.len() - 1).into_bytes()
    }

    /// The number of the kept document that `bytes` stand in for.
    pub fn pending(bytes: &[u8]) -> Option<usize> {
        let text = std::str::from_utf8(bytes.strip_prefix(PENDING.as_bytes())?).ok()?;
        text.parse().ok()
    }

    /// Writes every kept document, by its number, each font subset once for all of
    /// them, on up to `threads` threads.
    pub fn finish(self, level: u32, threads: usize) -> Vec<anyhow::Result<Vec<u8>>> {
        let mut docs = self.docs.into_inner().unwrap_or_else(|e| e.into_inner());
        let shared = shared_subsets(&docs);
        for doc in &mut docs {
            use_shared(doc, &shared);
        }
        let streams = Streams::default();
        crate::report::in_parallel(docs, threads, |doc| streams.serialize(&doc, level))
    }
}

/// Every glyph each font draws in any of the documents.
fn glyphs_used(docs: &[PdfDocument]) -> BTreeMap<FontId, Glyphs> {
    let mut used: BTreeMap<FontId, Glyphs> = BTreeMap::new();
    for doc in docs {
        for_each_glyph(doc, |font, gid, text| {
            let glyphs = used.entry(font.clone()).or_default();
            glyphs.entry(gid).or_insert_with(|| text.to_string());
        });
    }
    used
}

/// Calls `f` with the font, glyph id and text of every glyph drawn in `doc`.
fn for_each_glyph(doc: &PdfDocument, mut f: impl FnMut(&FontId, u16, &str)) {
    for page in &doc.pages {
        let mut font = None;
        for op in &page.ops {
            match op {
                Op::SetFont { font: handle, .. } => font = external(handle),
                Op::ShowText { items } => {
                    let Some(font) = &font else { continue };
                    for glyph in glyph_items(items) {
                        f(font, glyph.gid, glyph.cid.as_deref().unwrap_or_default());
                    }
                }
                _ => {}
            }
        }
    }
}

fn external(handle: &PdfFontHandle) -> Option<FontId> {
    match handle {
        PdfFontHandle::External(id) => Some(id.clone()),
        PdfFontHandle::Builtin(_) => None,
    }
}

fn glyph_items(items: &[TextItem]) -> impl Iterator<Item = &printpdf::Codepoint> {
    items.iter().flat_map(|item| match item {
        TextItem::GlyphIds(glyphs) => glyphs.as_slice(),
        _ => &[],
    })
}

/// Each font subset once with the glyphs all the documents use. A font that cannot be
/// subset is left out: each document subsets it on its own, as before.
fn shared_subsets(docs: &[PdfDocument]) -> BTreeMap<FontId, Shared> {
    let mut shared = BTreeMap::new();
    for (id, glyphs) in glyphs_used(docs) {
        let Some(font) = docs.iter().find_map(|d| d.resources.fonts.map.get(&id)) else {
            continue;
        };
        match subset(&id, font, &glyphs) {
            Ok(subset) => {
                shared.insert(id, subset);
            }
            Err(error) => {
                tracing::warn!(font = %id.0, %error, "shared font subset failed; each PDF subsets its own");
            }
        }
    }
    shared
}

/// The subset of `font` with `glyphs`, embedded whole (it is the subset already),
/// named as printpdf names the subsets it makes: the resource id's six letters as the
/// subset tag, `+`, the font's name.
fn subset(id: &FontId, font: &PdfFont, glyphs: &Glyphs) -> Result<Shared, String> {
    let subset = printpdf::font::subset_font(&font.parsed_font, glyphs)?;
    let mut warnings = Vec::new();
    let mut parsed = printpdf::ParsedFont::from_bytes(&subset.bytes, 0, &mut warnings)
        .ok_or("the subset font cannot be read back")?;
    let name = font.parsed_font.font_name.clone();
    let tag = id.0.get(0..6).unwrap_or(&id.0);
    parsed.font_name = Some(format!("{tag}+{}", name.unwrap_or_else(|| id.0.clone())));
    let meta = PrintpdfFontMeta {
        embedding_mode: FontEmbeddingMode::Full,
        requires_subsetting: false,
        ..PrintpdfFontMeta::default()
    };
    let new_ids = subset
        .glyph_mapping
        .iter()
        .map(|(old, (new, _))| (*old, *new))
        .collect();
    Ok(Shared {
        font: PdfFont::with_meta(parsed, meta),
        new_ids,
    })
}

/// Makes `doc` embed the shared subsets and draw with their glyph ids.
fn use_shared(doc: &mut PdfDocument, shared: &BTreeMap<FontId, Shared>) {
    for (id, font) in doc.resources.fonts.map.iter_mut() {
        if let Some(subset) = shared.get(id) {
            *font = subset.font.clone();
        }
    }
    for page in &mut doc.pages {
        let mut font = None;
        for op in &mut page.ops {
            match op {
                Op::SetFont { font: handle, .. } => font = external(handle),
                Op::ShowText { items } => {
                    let Some(subset) = font.as_ref().and_then(|f| shared.get(f)) else {
                        continue;
                    };
                    renumber(items, &subset.new_ids);
                }
                _ => {}
            }
        }
    }
}

fn renumber(items: &mut [TextItem], new_ids: &BTreeMap<u16, u16>) {
    for item in items {
        if let TextItem::GlyphIds(glyphs) = item {
            for glyph in glyphs {
                glyph.gid = new_ids.get(&glyph.gid).copied().unwrap_or(0);
            }
        }
    }
}

/// Deflated streams of the batch by their contents: the shared font programs are
/// deflated once.
#[derive(Default)]
struct Streams {
    deflated: Mutex<HashMap<String, Vec<u8>>>,
}

/// Streams this long or longer are looked up among those already deflated.
const SHARED_STREAM: usize = 16 * 1024;

impl Streams {
    fn serialize(&self, doc: &PdfDocument, level: u32) -> anyhow::Result<Vec<u8>> {
        let mut warnings = Vec::new();
        let options = printpdf::PdfSaveOptions::default();
        let mut objects = doc.to_lopdf_document(&options, &mut warnings);
        let compress = |content: &[u8]| self.deflate(content, level);
        deflate::compress_streams_with(&mut objects, compress);
        let mut bytes = Vec::new();
        objects.save_to(&mut bytes)?;
        fix_document_id(&mut bytes);
        Ok(bytes)
    }

    fn deflate(&self, content: &[u8], level: u32) -> Vec<u8> {
        if content.len() < SHARED_STREAM {
            return deflate::deflate(content, level);
        }
        let key = crate::archive::sha256_hex(content);
        let known = self.lock().get(&key).cloned();
        known.unwrap_or_else(|| {
            let deflated = deflate::deflate(content, level);
            self.lock().insert(key, deflated.clone());
            deflated
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.deflated.lock().unwrap_or_else(|e| e.into_inner())
    }
}
