//! A small page layout engine on top of printpdf: text in runs of fallback fonts,
//! paragraphs wrapped with 禁則, tables whose header row repeats on every page, simple
//! line charts, and a last pass that adds running headers and page numbers.
//!
//! Everything is measured before it is drawn, so nothing leaves its cell or the page:
//! a row that does not fit goes to the next page; text wider than its box is wrapped.
//!
//! What is read together stays together: a heading waits until the content after it
//! is drawn and goes to the page that content starts on (with at least its first
//! lines, its table's header and first row, its row of charts); a small table moves
//! whole; [`Canvas::keep_together`] keeps a longer block on one page when it fits.

use std::collections::BTreeSet;

use printpdf::{
    Color, DateTime as PdfDate, FontId, Greyscale, Line, LineDashPattern, LinePoint, Op, PaintMode,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};

use super::text::FontSet;

/// A page size in points.
#[derive(Debug, Clone, Copy)]
pub struct PageSize {
    /// Width in points (1/72 inch).
    pub width: f32,
    /// Height in points.
    pub height: f32,
}

/// A4 upright: the white paper, the department reports, the newsletter and the summary.
pub const A4_PORTRAIT: PageSize = PageSize {
    width: 595.28,
    height: 841.89,
};
/// A4 on its side: the whole-city indicator tables, whose rows are wide.
pub const A4_LANDSCAPE: PageSize = PageSize {
    width: 841.89,
    height: 595.28,
};

/// Horizontal alignment in a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

/// A table to lay out: widths in points; the header row repeats on each page.
pub struct Table {
    /// Each column's width in points.
    pub widths: Vec<f32>,
    /// Each column's alignment.
    pub align: Vec<Align>,
    /// The header row, repeated on each page.
    pub header: Vec<String>,
    /// The body rows, a string per column; a cell may hold line breaks.
    pub rows: Vec<Vec<String>>,
    /// The font size in points.
    pub size: f32,
}

/// An entry of the table of contents: its level, text and the page it starts on.
#[derive(Debug, Clone)]
pub struct Heading {
    /// 1 for a chapter, 2 for a section, 3 below (the contents list 1 and 2).
    pub level: u8,
    /// The heading as printed.
    pub text: String,
    /// 0-based page index within the canvas.
    pub page: usize,
}

/// A finished page: its drawing and the running-header label in force on it.
pub struct RawPage {
    /// The page's drawing operations.
    pub ops: Vec<Op>,
    /// The section the running header names on this page.
    pub section: String,
}

/// Pages being laid out, top to bottom.
pub struct Canvas<'a> {
    /// The fonts text is set in.
    pub fonts: &'a FontSet,
    /// The page size.
    pub size: PageSize,
    /// The left and right margin, and the top one, in points.
    pub margin: f32,
    /// Space kept free at the bottom for the running footer.
    pub bottom: f32,
    done: Vec<RawPage>,
    ops: Vec<Op>,
    /// The baseline of the next line, from the bottom of the page.
    pub y: f32,
    /// The label the running header shows from this page on.
    pub section: String,
    /// Every heading laid out so far, for the contents.
    pub headings: Vec<Heading>,
    used_fonts: BTreeSet<usize>,
    /// The stroke width and grey last set on this page, so they are set only on change.
    stroke: Option<(f32, f32)>,
    /// Headings (and the gaps between them) not drawn yet: they wait for the first
    /// content after them, so that they go to whichever page that content starts on.
    pending: Vec<Pending>,
    /// The section in force when the page's first content was drawn: the running
    /// header names it, not a chapter that starts lower on the page.
    top_section: Option<String>,
}

/// What waits to be drawn with the next content: a heading, or space around one.
enum Pending {
    Heading {
        text: String,
        size: f32,
        /// The contents level, or `None` for a sub-heading the contents leave out.
        level: Option<u8>,
        leading: f32,
        /// The least room (points) of content to keep below the headings.
        keep: f32,
    },
    Gap(f32),
}

/// A table no taller than this share of a page moves whole to the next page rather
/// than split: a few rows read as one thing.
const SMALL_TABLE_SHARE: f32 = 1.0 / 3.0;
/// The lines of a paragraph kept with the headings over it.
const LINES_KEPT_WITH_HEADING: usize = 2;

const PADDING: f32 = 3.0;

/// The wrapped lines of each cell of a table row.
type CellLines = Vec<Vec<String>>;

fn row_height(cells: &CellLines, table: &Table) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
    lines as f32 * table.size * 1.3 + 2.0 * PADDING
}

/// How many lines of a row fit in `room`.
fn lines_in(room: f32, table: &Table) -> usize {
    ((room - 2.0 * PADDING) / (table.size * 1.3))
        .floor()
        .max(0.0) as usize
}

/// Keeps the first `count` lines of each cell; returns the rest, if any is left.
fn split_lines(cells: &mut CellLines, count: usize) -> Option<CellLines> {
    let rest: CellLines = cells
        .iter_mut()
        .map(|lines| lines.split_off(count.min(lines.len())))
        .collect();
    rest.iter().any(|lines| !lines.is_empty()).then_some(rest)
}

impl<'a> Canvas<'a> {
    /// An empty first page; the first line starts below the top margin.
    pub fn new(fonts: &'a FontSet, size: PageSize, margin: f32) -> Self {
        Canvas {
            fonts,
            size,
            margin,
            bottom: margin + 14.0,
            done: Vec::new(),
            ops: Vec::new(),
            y: size.height - margin - 12.0,
            section: String::new(),
            headings: Vec::new(),
            used_fonts: BTreeSet::new(),
            stroke: None,
            pending: Vec::new(),
            top_section: None,
        }
    }

    /// The width between the margins.
    pub fn content_width(&self) -> f32 {
        self.size.width - 2.0 * self.margin
    }

    /// The 0-based index of the page being drawn.
    pub fn page_index(&self) -> usize {
        self.done.len()
    }

    /// Room left above the bottom margin.
    pub fn room(&self) -> f32 {
        self.y - self.bottom
    }

    /// Starts a new page unless `height`, and the headings waiting to go over it,
    /// still fit on this one. A page with nothing on it yet is never left empty.
    pub fn ensure_space(&mut self, height: f32) {
        if self.room() < height + self.pending_height() && !self.ops.is_empty() {
            self.break_page();
        }
    }

    /// Makes room for a first unit of content `height` high (and at least the room
    /// the waiting headings asked to keep), then draws those headings; the content
    /// goes right below them. Every drawing of content starts here.
    fn begin(&mut self, height: f32) -> anyhow::Result<()> {
        let keep = self
            .pending_keep()
            .min(self.fresh_room() - self.pending_height());
        self.ensure_space(height.max(keep));
        if self.top_section.is_none() {
            self.top_section = Some(self.section.clone());
        }
        self.draw_pending()
    }

    /// A block of `height` points kept whole on one page (a row of charts), under the
    /// headings waiting for it; returns the top of the block and moves below it.
    pub fn block(&mut self, height: f32) -> anyhow::Result<f32> {
        self.begin(height)?;
        let top = self.y;
        self.y -= height;
        Ok(top)
    }

    /// Starts a new page unless content `height` high fits here whole, when it fits
    /// on a page at all: what must be read together (a table with its notes and
    /// charts) is kept together.
    pub fn keep_together(&mut self, height: f32) {
        if height + self.pending_height() <= self.fresh_room() {
            self.ensure_space(height);
        }
    }

    /// The height of the headings waiting for content.
    fn pending_height(&self) -> f32 {
        self.pending
            .iter()
            .map(|p| match p {
                Pending::Heading {
                    text,
                    size,
                    leading,
                    ..
                } => self.text_height(text, *size, 0.0, *leading),
                Pending::Gap(gap) => *gap,
            })
            .sum()
    }

    /// The most room any waiting heading asked to keep below it.
    fn pending_keep(&self) -> f32 {
        self.pending
            .iter()
            .map(|p| match p {
                Pending::Heading { keep, .. } => *keep,
                Pending::Gap(_) => 0.0,
            })
            .fold(0.0, f32::max)
    }

    /// Draws the waiting headings here, recording each one's page for the contents.
    fn draw_pending(&mut self) -> anyhow::Result<()> {
        for pending in std::mem::take(&mut self.pending) {
            match pending {
                Pending::Gap(gap) => self.y -= gap,
                Pending::Heading {
                    text,
                    size,
                    level,
                    leading,
                    ..
                } => {
                    if let Some(level) = level {
                        let page = self.page_index();
                        let text = text.clone();
                        self.headings.push(Heading { level, text, page });
                    }
                    let lines = self.fonts.wrap(&text, size, self.content_width());
                    self.lines(&lines, size, 0.0, leading)?;
                }
            }
        }
        Ok(())
    }

    /// The height of `text` wrapped as a paragraph.
    pub fn text_height(&self, text: &str, size: f32, indent: f32, leading: f32) -> f32 {
        let lines = self.fonts.wrap(text, size, self.content_width() - indent);
        lines.len() as f32 * size * leading
    }

    /// Closes the page being drawn and starts the next one at its top. Headings still
    /// waiting are drawn first: a hard break ends their section (what an empty section
    /// prints is the writer's choice, not the layout's).
    pub fn new_page(&mut self) {
        if let Err(error) = self.draw_pending() {
            tracing::warn!(
                error = format!("{error:#}"),
                "headings before a page break not drawn"
            );
        }
        self.break_page();
    }

    /// Closes the page being drawn; what waits goes on to the next page.
    fn break_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        let section = self.top_section.take();
        self.done.push(RawPage {
            ops,
            section: section.unwrap_or_else(|| self.section.clone()),
        });
        self.y = self.size.height - self.margin - 12.0;
    }

    /// Moves down (after the waiting headings, when some wait).
    pub fn gap(&mut self, height: f32) {
        if self.pending.is_empty() {
            self.y -= height;
        } else {
            self.pending.push(Pending::Gap(height));
        }
    }

    /// A heading, recorded for the contents with the page it lands on. It is drawn with
    /// the first content after it, on the same page: it never ends a page alone. At
    /// least `keep` points of content (or the first unit, if taller) go under it.
    pub fn heading(&mut self, text: &str, size: f32, level: u8, keep: f32) -> anyhow::Result<()> {
        self.pending.push(Pending::Heading {
            text: text.to_string(),
            size,
            level: Some(level),
            leading: 1.45,
            keep,
        });
        Ok(())
    }

    /// A heading the contents leave out (`(1) 目標指標の達成状況`), kept with what
    /// follows it like [`Canvas::heading`]; `leading` as for a paragraph.
    pub fn subheading(&mut self, text: &str, size: f32, leading: f32) -> anyhow::Result<()> {
        self.pending.push(Pending::Heading {
            text: text.to_string(),
            size,
            level: None,
            leading,
            keep: 0.0,
        });
        Ok(())
    }

    /// Wrapped text across pages; `indent` from the left margin, `leading` as a multiple of the size.
    pub fn paragraph(
        &mut self,
        text: &str,
        size: f32,
        indent: f32,
        leading: f32,
    ) -> anyhow::Result<()> {
        let lines = self.fonts.wrap(text, size, self.content_width() - indent);
        let kept = lines.len().min(LINES_KEPT_WITH_HEADING) as f32;
        self.begin(kept * size * leading)?;
        self.lines(&lines, size, indent, leading)
    }

    /// Wrapped lines, each on the next page when it does not fit on this one.
    fn lines(
        &mut self,
        lines: &[String],
        size: f32,
        indent: f32,
        leading: f32,
    ) -> anyhow::Result<()> {
        for line in lines {
            self.ensure_space(size * leading);
            self.y -= size * leading;
            self.text(
                line,
                size,
                self.margin + indent,
                self.y + size * (leading - 1.0) / 2.0,
            )?;
        }
        Ok(())
    }

    /// A line of text at a position, each character in the first font that has it.
    /// A character no font has is drawn as 〓 (see [`FontSet::runs`]). This draws at
    /// once and does not place waiting headings: content under a heading goes through
    /// [`Canvas::paragraph`], [`Canvas::table`] or [`Canvas::block`].
    pub fn text(&mut self, text: &str, size: f32, x: f32, y: f32) -> anyhow::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        self.ops.push(Op::StartTextSection);
        let mut cursor = x;
        for run in self.fonts.runs(text, size) {
            self.used_fonts.insert(run.font);
            self.ops.extend([
                Op::SetFont {
                    font: PdfFontHandle::External(font_id(run.font)),
                    size: Pt(size),
                },
                Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(Pt(cursor), Pt(y)),
                },
                Op::ShowText {
                    items: vec![TextItem::GlyphIds(run.glyphs)],
                },
            ]);
            cursor += run.width;
        }
        self.ops.push(Op::EndTextSection);
        Ok(())
    }

    /// Text aligned in a box of `width` from `x`.
    pub fn aligned(
        &mut self,
        text: &str,
        size: f32,
        x: f32,
        width: f32,
        y: f32,
        align: Align,
    ) -> anyhow::Result<()> {
        let w = self.fonts.width(text, size);
        let left = match align {
            Align::Left => x,
            Align::Right => x + width - w,
            Align::Center => x + (width - w) / 2.0,
        };
        self.text(text, size, left, y)
    }

    /// A table; the header repeats after each page break. A row that fits on a page
    /// is never split; a row taller than a page (a cell of thousands of characters)
    /// breaks between its lines and goes on under the header on the next pages.
    pub fn table(&mut self, table: &Table) -> anyhow::Result<()> {
        let header = self.wrap_cells(&table.header, table);
        let first = table.rows.first().map(|r| self.wrap_cells(r, table));
        let opening =
            row_height(&header, table) + first.as_ref().map_or(0.0, |r| row_height(r, table));
        let whole = self.table_height(table);
        let unit = if whole <= self.fresh_room() * SMALL_TABLE_SHARE {
            whole
        } else {
            opening
        };
        self.begin(unit)?;
        self.row(&header, table, true)?;
        for row in &table.rows {
            let lines = self.wrap_cells(row, table);
            self.body_row(&header, lines, table)?;
        }
        Ok(())
    }

    /// The height of the whole table on one page (its header once).
    pub fn table_height(&self, table: &Table) -> f32 {
        std::iter::once(&table.header)
            .chain(&table.rows)
            .map(|row| row_height(&self.wrap_cells(row, table), table))
            .sum()
    }

    /// Each cell of a row wrapped to its column.
    fn wrap_cells(&self, cells: &[String], table: &Table) -> CellLines {
        cells
            .iter()
            .zip(&table.widths)
            .map(|(t, w)| self.fonts.wrap(t, table.size, w - 2.0 * PADDING))
            .collect()
    }

    /// One row of the body, moved to the next page when it does not fit here, and
    /// split across pages when it does not fit on any.
    fn body_row(
        &mut self,
        header: &CellLines,
        mut lines: CellLines,
        table: &Table,
    ) -> anyhow::Result<()> {
        let page_room = self.fresh_room() - row_height(header, table);
        let mut fresh = false;
        loop {
            let height = row_height(&lines, table);
            if height <= self.room() {
                return self.row(&lines, table, false);
            }
            let fit = lines_in(self.room(), table);
            if !fresh && (height <= page_room || fit == 0) {
                self.continue_table(header, table)?;
                fresh = true;
                continue;
            }
            // Not even a fresh page holds it: as many lines as fit, the rest after.
            let rest = split_lines(&mut lines, fit.max(1));
            self.row(&lines, table, false)?;
            let Some(rest) = rest else { return Ok(()) };
            lines = rest;
            self.continue_table(header, table)?;
            fresh = true;
        }
    }

    fn continue_table(&mut self, header: &CellLines, table: &Table) -> anyhow::Result<()> {
        self.break_page();
        self.row(header, table, true)
    }

    /// The room of an empty page.
    fn fresh_room(&self) -> f32 {
        self.size.height - self.margin - 12.0 - self.bottom
    }

    /// A cell's lines inside its padding, in the box whose top-left is (x, top).
    fn cell_lines(
        &mut self,
        lines: &[String],
        size: f32,
        (x, top, width): (f32, f32, f32),
        align: Align,
    ) -> anyhow::Result<()> {
        for (i, line) in lines.iter().enumerate() {
            let baseline = top - PADDING - (i as f32 + 1.0) * size * 1.3 + size * 0.3;
            self.aligned(
                line,
                size,
                x + PADDING,
                width - 2.0 * PADDING,
                baseline,
                align,
            )?;
        }
        Ok(())
    }

    /// A row of wrapped cells with its borders (a grey header row when `header`); the
    /// next line starts below it.
    fn row(&mut self, cells: &CellLines, table: &Table, header: bool) -> anyhow::Result<()> {
        let height = row_height(cells, table);
        let top = self.y;
        let total: f32 = table.widths.iter().sum();
        if header {
            self.fill_rect(self.margin, top - height, total, height, 0.9);
        }
        let mut x = self.margin;
        for (column, (lines, width)) in cells.iter().zip(&table.widths).enumerate() {
            let align = if header {
                Align::Center
            } else {
                table.align.get(column).copied().unwrap_or(Align::Left)
            };
            self.cell_lines(lines, table.size, (x, top, *width), align)?;
            self.line(x, top, x, top - height, 0.5, 0.0);
            x += width;
        }
        self.line(x, top, x, top - height, 0.5, 0.0);
        self.line(self.margin, top, x, top, 0.5, 0.0);
        self.line(self.margin, top - height, x, top - height, 0.5, 0.0);
        self.y = top - height;
        Ok(())
    }

    /// A straight line.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, grey: f32) {
        self.set_stroke(width, grey);
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![point(x1, y1), point(x2, y2)],
                is_closed: false,
            },
        });
    }

    /// Sets the stroke only when it changes: tables draw thousands of lines alike.
    fn set_stroke(&mut self, width: f32, grey: f32) {
        if self.stroke != Some((width, grey)) {
            self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
            self.ops.push(Op::SetOutlineColor {
                col: Color::Greyscale(Greyscale::new(grey, None)),
            });
            self.stroke = Some((width, grey));
        }
    }

    /// A polyline through the points.
    pub fn polyline(&mut self, points: &[(f32, f32)], width: f32, grey: f32, dashed: bool) {
        if points.len() < 2 {
            return;
        }
        if dashed {
            self.ops.push(Op::SetLineDashPattern {
                dash: LineDashPattern::new(0.0, &[3.0, 2.0]),
            });
        }
        self.set_stroke(width, grey);
        self.ops.push(Op::DrawLine {
            line: Line {
                points: points.iter().map(|(x, y)| point(*x, *y)).collect(),
                is_closed: false,
            },
        });
        if dashed {
            self.ops.push(Op::SetLineDashPattern {
                dash: LineDashPattern::default(),
            });
        }
    }

    /// A filled rectangle in grey (0 black, 1 white); text after it is black again.
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        let mut rectangle = Rect::from_xywh(Pt(x), Pt(y), Pt(width), Pt(height));
        rectangle.mode = Some(PaintMode::Fill);
        self.ops.extend([
            Op::SetFillColor {
                col: Color::Greyscale(Greyscale::new(grey, None)),
            },
            Op::DrawRectangle { rectangle },
            Op::SetFillColor {
                col: Color::Greyscale(Greyscale::new(0.0, None)),
            },
        ]);
    }

    /// Closes the last page and hands over the pages and the fonts they use.
    pub fn finish(mut self) -> (Vec<RawPage>, BTreeSet<usize>) {
        // Headings with nothing after them are still printed (what a section without
        // content prints is the writer's choice, not the layout's).
        if let Err(error) = self.draw_pending() {
            tracing::warn!(error = format!("{error:#}"), "last headings not drawn");
        }
        if !self.ops.is_empty() || self.done.is_empty() {
            self.break_page();
        }
        (self.done, self.used_fonts)
    }
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    }
}

/// The fixed resource name of the font at `index` (printpdf's own ids are random).
/// printpdf prefixes the subset font's name with it, so it has the form PDF gives
/// subset tags: six capital letters.
fn font_id(index: usize) -> FontId {
    let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
    FontId(format!("HKSH{}{}", letter(index / 26), letter(index)))
}

/// Document-wide facts for the PDF's metadata.
pub struct Meta<'a> {
    /// The PDF's Title.
    pub title: &'a str,
    /// The PDF's Author: the city.
    pub author: &'a str,
    /// The PDF's Subject (the plan's name, …).
    pub subject: &'a str,
    /// Recorded in `Keywords` after the template version: the SHA-256 of the inputs.
    pub inputs_sha256: &'a str,
    /// The build time (Unix seconds) recorded as creation and modification date.
    pub built_at: i64,
    /// The zlib level the streams are deflated at.
    pub deflate_level: u32,
    /// Where the document is kept to be written with the others of its build (with
    /// shared font subsets); None to write it now.
    pub batch: Option<&'a super::batch::Batch>,
}

/// Writes the pages into a PDF: running header and page number added to each page
/// from `first_numbered` on, only the fonts used embedded (as subsets), fixed ids.
pub fn save(
    fonts: &FontSet,
    size: PageSize,
    pages: Vec<RawPage>,
    used: &BTreeSet<usize>,
    header: &str,
    first_numbered: usize,
    meta: &Meta,
) -> anyhow::Result<Vec<u8>> {
    let numbering = (header, first_numbered);
    let doc = document(fonts, size, pages, used, numbering, meta)?;
    match meta.batch {
        Some(batch) => Ok(batch.defer(doc)),
        None => serialize(&doc, meta.deflate_level),
    }
}

/// The pages as a printpdf document: fonts, page furniture (`numbering`: the running
/// header, and the first page that carries it and a number), metadata.
fn document(
    fonts: &FontSet,
    size: PageSize,
    pages: Vec<RawPage>,
    used: &BTreeSet<usize>,
    (header, first_numbered): (&str, usize),
    meta: &Meta,
) -> anyhow::Result<PdfDocument> {
    let mut doc = PdfDocument::new(meta.title);
    add_fonts(&mut doc, fonts, used);
    let mut pdf_pages = Vec::with_capacity(pages.len());
    for (i, page) in pages.into_iter().enumerate() {
        let mut canvas = Canvas::new(fonts, size, 0.0);
        canvas.ops = page.ops;
        if i >= first_numbered {
            let number = (i + 1 - first_numbered).to_string();
            page_furniture(&mut canvas, &number, header, &page.section)?;
        }
        pdf_pages.push(PdfPage::new(
            printpdf::Mm::from(Pt(size.width)),
            printpdf::Mm::from(Pt(size.height)),
            canvas.ops,
        ));
    }
    set_metadata(&mut doc, meta);
    doc.with_pages(pdf_pages);
    Ok(doc)
}

/// The document's bytes: printpdf's objects (fonts subset), every stream deflated at
/// `level` (printpdf's own save always uses level 9), fixed file identifiers.
fn serialize(doc: &PdfDocument, level: u32) -> anyhow::Result<Vec<u8>> {
    let mut warnings = Vec::new();
    let mut objects = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut warnings);
    super::deflate::compress_streams(&mut objects, level);
    let mut bytes = Vec::new();
    objects.save_to(&mut bytes)?;
    fix_document_id(&mut bytes);
    Ok(bytes)
}

/// The fonts the pages drew with, and the first font (the page numbers and headers use
/// it), under their fixed ids.
fn add_fonts(doc: &mut PdfDocument, fonts: &FontSet, used: &BTreeSet<usize>) {
    for index in used.iter().copied().chain([0]) {
        // A used font is loaded: it drew a glyph.
        let Some(font) = fonts.font(index) else {
            continue;
        };
        doc.resources
            .fonts
            .map
            .entry(font_id(index))
            .or_insert_with(|| printpdf::PdfFont::new(font.font.clone()));
    }
}

/// The page number at the foot, and at the head the running header (the document's
/// title, then the page's section) over a rule.
fn page_furniture(
    canvas: &mut Canvas,
    number: &str,
    header: &str,
    section: &str,
) -> anyhow::Result<()> {
    let size = canvas.size;
    canvas.aligned(number, 9.0, 0.0, size.width, 24.0, Align::Center)?;
    let running = if section.is_empty() {
        header.to_string()
    } else {
        format!("{header}　{section}")
    };
    let (left, right, rule) = (36.0, size.width - 36.0, size.height - 28.0);
    let (width, top) = (size.width - 72.0, size.height - 24.0);
    let (running, text_size) = fit_line(canvas.fonts, &running, 7.5, width);
    canvas.aligned(&running, text_size, left, width, top, Align::Right)?;
    canvas.line(left, rule, right, rule, 0.4, 0.5);
    Ok(())
}

/// A line set smaller (down to 6 pt) when too wide for `width`, and cut with 「…」 when
/// even that is: a running header never starts off the page.
pub fn fit_line(fonts: &FontSet, text: &str, size: f32, width: f32) -> (String, f32) {
    let natural = fonts.width(text, size);
    if natural <= width {
        return (text.to_string(), size);
    }
    let size = (size * width * 0.97 / natural).max(6.0);
    let mut cut = text.to_string();
    if fonts.width(&cut, size) > width {
        while fonts.width(&format!("{cut}…"), size) > width && cut.pop().is_some() {}
        cut.push('…');
    }
    (cut, size)
}

fn set_metadata(doc: &mut PdfDocument, meta: &Meta) {
    let info = &mut doc.metadata.info;
    if let Ok(built) = PdfDate::from_unix_timestamp(meta.built_at) {
        info.creation_date = built;
        info.modification_date = built;
        info.metadata_date = built;
    }
    info.author = meta.author.to_string();
    info.creator = "hakusho".to_string();
    info.subject = meta.subject.to_string();
    // Every report records the template version it was laid out with.
    info.keywords = vec![
        format!(
            "hakusho-template:{}",
            crate::workbook::layout::TEMPLATE_VERSION
        ),
        format!("inputs-sha256:{}", meta.inputs_sha256),
    ];
}

/// Replaces the random file identifiers of the trailer (`/ID[(…)(…)]`) by a digest of
/// the rest of the file, of the same length, so that cross-reference offsets hold.
pub fn fix_document_id(bytes: &mut [u8]) {
    let Some(start) = find(bytes, b"/ID[(") else {
        return;
    };
    let first = start + 5;
    let Some(first_end) = find(&bytes[first..], b")").map(|n| first + n) else {
        return;
    };
    let second = first_end + 2;
    let Some(second_end) = find(&bytes[second..], b")").map(|n| second + n) else {
        return;
    };
    bytes[first..first_end].fill(b'0');
    bytes[second..second_end].fill(b'0');
    let digest = crate::archive::sha256_hex(bytes);
    let digest = digest.as_bytes();
    for range in [first..first_end, second..second_end] {
        for (i, b) in bytes[range].iter_mut().enumerate() {
            *b = digest[i % digest.len()];
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn fonts(files: &[&str]) -> FontSet {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        FontSet::load(
            &dir,
            &files.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn a_character_no_font_has_is_drawn_as_geta_and_recorded() {
        let only_ipaex = fonts(&["ipaexg.ttf"]);
        let mut canvas = Canvas::new(&only_ipaex, A4_PORTRAIT, 36.0);
        // A simplified kanji, an emoji, a CJK Extension B kanji, a private-use 外字,
        // a control character: none of them in IPAexGothic.
        let text = "工事实施😀𠮷田\u{E000}\u{7}";
        canvas.text(text, 9.0, 36.0, 700.0).unwrap();
        let (pages, _) = canvas.finish();
        assert_eq!(drawn_text(&pages), "工事〓施〓〓田〓〓");
        let missing = only_ipaex.take_missing();
        let characters: Vec<char> = missing.iter().map(|m| m.character).collect();
        assert_eq!(characters, ['实', '😀', '𠮷', '\u{E000}', '\u{7}']);
        assert!(missing.iter().all(|m| m.text == "工事〓施〓〓田〓〓"));
        assert!(only_ipaex.take_missing().is_empty(), "taken once");
    }

    #[test]
    fn a_variation_selector_prints_its_base_character_without_geta() {
        let only_ipaex = fonts(&["ipaexg.ttf"]);
        let mut canvas = Canvas::new(&only_ipaex, A4_PORTRAIT, 36.0);
        canvas.text("葛\u{E0100}飾", 9.0, 36.0, 700.0).unwrap();
        let (pages, _) = canvas.finish();
        assert_eq!(drawn_text(&pages), "葛飾");
        assert!(only_ipaex.take_missing().is_empty());
    }

    /// Every character drawn on the pages, in order (from the glyphs' own text).
    fn drawn_text(pages: &[RawPage]) -> String {
        glyphs(pages).collect()
    }

    fn glyphs(pages: &[RawPage]) -> impl Iterator<Item = String> + '_ {
        pages.iter().flat_map(|p| &p.ops).flat_map(|op| match op {
            Op::ShowText { items } => items
                .iter()
                .flat_map(|item| match item {
                    TextItem::GlyphIds(ids) => ids
                        .iter()
                        .map(|g| g.cid.clone().unwrap_or_default())
                        .collect(),
                    _ => Vec::new(),
                })
                .collect(),
            _ => Vec::new(),
        })
    }

    /// The lowest baseline drawn on each page.
    fn lowest_text(page: &RawPage) -> f32 {
        page.ops
            .iter()
            .filter_map(|op| match op {
                Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(_, y),
                } => Some(y.0),
                _ => None,
            })
            .fold(f32::MAX, f32::min)
    }

    /// Excel's longest cell: 32,767 characters with no break opportunity but the width.
    fn longest_cell() -> String {
        "市民協働のまちづくり"
            .chars()
            .cycle()
            .take(32_767)
            .collect()
    }

    #[test]
    fn a_paragraph_of_a_longest_cell_breaks_across_pages() {
        let set = fonts(&["ipaexg.ttf"]);
        let mut canvas = Canvas::new(&set, A4_PORTRAIT, 36.0);
        let bottom = canvas.bottom;
        canvas.paragraph(&longest_cell(), 9.0, 9.0, 1.55).unwrap();
        let (pages, _) = canvas.finish();
        assert!(pages.len() > 5, "{} pages", pages.len());
        assert_eq!(drawn_text(&pages), longest_cell());
        for page in &pages {
            assert!(lowest_text(page) >= bottom - 1.0);
        }
    }

    #[test]
    fn a_table_cell_taller_than_a_page_breaks_across_pages_under_its_header() {
        let set = fonts(&["ipaexg.ttf"]);
        let mut canvas = Canvas::new(&set, A4_PORTRAIT, 36.0);
        let bottom = canvas.bottom;
        canvas.paragraph("前の段落", 9.0, 0.0, 1.5).unwrap();
        let table = Table {
            widths: vec![60.0, 300.0],
            align: vec![Align::Left, Align::Left],
            header: vec!["番号".into(), "取組状況".into()],
            rows: vec![
                vec!["①".into(), "短い行".into()],
                vec!["②".into(), longest_cell()],
                vec!["③".into(), "次の行".into()],
            ],
            size: 8.5,
        };
        canvas.table(&table).unwrap();
        let (pages, _) = canvas.finish();
        assert!(pages.len() > 10, "{} pages", pages.len());
        let text = drawn_text(&pages);
        let body = text.replace("番号取組状況", "");
        assert_eq!(body, format!("前の段落①短い行②{}③次の行", longest_cell()));
        for page in &pages {
            assert!(lowest_text(page) >= bottom - 1.0);
            // The header row (on its grey fill) opens the table on every page.
            assert!(page
                .ops
                .iter()
                .any(|op| matches!(op, Op::DrawRectangle { .. })));
        }
    }

    /// At printpdf's level our writer gives printpdf's own bytes: the only change to
    /// the files is the zlib level, and at the default level they read the same.
    #[test]
    fn our_deflate_at_level_9_is_printpdfs_save_and_the_default_level_reads_the_same() {
        let both = fonts(&["ipaexg.ttf", "DroidSansFallbackFull.ttf"]);
        let mut canvas = Canvas::new(&both, A4_PORTRAIT, 36.0);
        canvas
            .paragraph(
                &"工事实施の状況、市民協働のまちづくり。".repeat(40),
                9.0,
                0.0,
                1.5,
            )
            .unwrap();
        let (pages, used) = canvas.finish();
        let meta = Meta {
            title: "題",
            author: "市",
            subject: "計画",
            inputs_sha256: "0",
            built_at: 1_625_097_600,
            deflate_level: 9,
            batch: None,
        };
        let doc = document(&both, A4_PORTRAIT, pages, &used, ("見出し", 0), &meta).unwrap();
        let mut printpdf_own = doc.save(&PdfSaveOptions::default(), &mut Vec::new());
        fix_document_id(&mut printpdf_own);
        assert!(serialize(&doc, 9).unwrap() == printpdf_own);
        let default = serialize(&doc, super::super::deflate::DEFAULT_LEVEL).unwrap();
        assert_ne!(default, printpdf_own);
        let read = |bytes: &[u8]| {
            let mut doc = lopdf::Document::load_mem(bytes).unwrap();
            doc.decompress();
            let mut streams: Vec<Vec<u8>> = doc
                .objects
                .values()
                .filter_map(|o| o.as_stream().ok().map(|s| s.content.clone()))
                .collect();
            streams.sort();
            streams
        };
        assert!(read(&default) == read(&printpdf_own));
    }

    #[test]
    fn the_fallback_font_draws_what_the_first_lacks() {
        let both = fonts(&["ipaexg.ttf", "DroidSansFallbackFull.ttf"]);
        let runs = both.runs("工事实施", 9.0);
        let fonts_used: Vec<usize> = runs.iter().map(|r| r.font).collect();
        assert_eq!(fonts_used, [0, 1, 0]);
        let mut canvas = Canvas::new(&both, A4_PORTRAIT, 36.0);
        canvas.text("工事实施", 9.0, 36.0, 700.0).unwrap();
        let (_, used) = canvas.finish();
        assert_eq!(used.into_iter().collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn the_running_header_names_the_section_at_the_top_of_the_page() {
        let font = fonts(&["ipaexg.ttf"]);
        let mut canvas = Canvas::new(&font, A4_PORTRAIT, 36.0);
        canvas.section = "第1章".to_string();
        canvas.heading("第1章", 15.0, 1, 20.0).unwrap();
        canvas.paragraph("本文", 9.0, 0.0, 1.5).unwrap();
        // Chapter 2 starts lower on the same page, then runs on to the next.
        canvas.section = "第2章".to_string();
        canvas.heading("第2章", 15.0, 1, 20.0).unwrap();
        for _ in 0..80 {
            canvas.paragraph("第2章の本文", 9.0, 0.0, 1.5).unwrap();
        }
        let (pages, _) = canvas.finish();
        let sections: Vec<&str> = pages.iter().map(|p| p.section.as_str()).collect();
        assert_eq!(sections, ["第1章", "第2章"]);
    }

    #[test]
    fn a_table_row_that_does_not_fit_moves_to_the_next_page_with_its_header() {
        let both = fonts(&["ipaexg.ttf"]);
        let mut canvas = Canvas::new(&both, A4_PORTRAIT, 36.0);
        let rows = (0..120)
            .map(|i| vec![format!("行{i}"), "長い説明の文章が入るセル".repeat(2)])
            .collect();
        let table = Table {
            widths: vec![100.0, 200.0],
            align: vec![Align::Left, Align::Right],
            header: vec!["見出し".into(), "内容".into()],
            rows,
            size: 8.0,
        };
        canvas.table(&table).unwrap();
        let (pages, _) = canvas.finish();
        assert!(pages.len() >= 3);
        // Each page starts its table with the header row (drawn on a grey fill).
        for page in &pages {
            assert!(page
                .ops
                .iter()
                .any(|op| matches!(op, Op::DrawRectangle { .. })));
        }
    }

    /// Each page's drawn text.
    fn page_texts(pages: &[RawPage]) -> Vec<String> {
        pages
            .iter()
            .map(|p| glyphs(std::slice::from_ref(p)).collect())
            .collect()
    }

    /// A canvas whose page is filled with `lines` lines of filler first, so that what
    /// comes next starts at every height of the page in turn.
    fn filled(set: &FontSet, lines: usize) -> Canvas<'_> {
        let mut canvas = Canvas::new(set, A4_PORTRAIT, 36.0);
        for _ in 0..lines {
            canvas.paragraph("埋め草", 9.0, 0.0, 1.5).unwrap();
        }
        canvas
    }

    /// The content kinds a heading may stand over, each drawn with a marker text.
    fn content(canvas: &mut Canvas, kind: usize) {
        match kind {
            0 => canvas.paragraph(&"本文".repeat(80), 9.0, 0.0, 1.5).unwrap(),
            1 => canvas.table(&small_table(3, "本文")).unwrap(),
            _ => {
                let top = canvas.block(66.0).unwrap();
                canvas.text("本文", 6.5, 40.0, top - 8.0).unwrap();
            }
        }
    }

    fn small_table(rows: usize, first: &str) -> Table {
        Table {
            widths: vec![100.0, 200.0],
            align: vec![Align::Left, Align::Right],
            header: vec![first.into(), "値".into()],
            rows: (0..rows)
                .map(|i| vec![format!("行{i}"), "1,234件".into()])
                .collect(),
            size: 7.5,
        }
    }

    #[test]
    fn a_heading_is_drawn_on_the_page_of_what_follows_it_from_any_height() {
        let set = fonts(&["ipaexg.ttf"]);
        for filler in 0..60 {
            for kind in 0..3 {
                let mut canvas = filled(&set, filler);
                canvas.heading("章見出し", 15.0, 1, 0.0).unwrap();
                canvas.gap(4.0);
                canvas.subheading("小見出し", 9.5, 1.6).unwrap();
                content(&mut canvas, kind);
                let recorded = canvas.headings[0].page;
                let (pages, _) = canvas.finish();
                let texts = page_texts(&pages);
                let at = texts
                    .iter()
                    .position(|t| t.contains("章見出し小見出し本文"));
                let at = at.unwrap_or_else(|| panic!("{filler} lines, kind {kind}: {texts:?}"));
                assert_eq!(recorded, at, "the contents name the page it is on");
            }
        }
    }

    #[test]
    fn a_page_break_draws_the_waiting_headings_before_it() {
        let set = fonts(&["ipaexg.ttf"]);
        let mut canvas = filled(&set, 3);
        canvas.heading("空の節", 12.0, 2, 0.0).unwrap();
        canvas.new_page();
        canvas.paragraph("次の章", 9.0, 0.0, 1.5).unwrap();
        let (pages, _) = canvas.finish();
        let texts = page_texts(&pages);
        assert!(texts[0].ends_with("空の節"), "{texts:?}");
        assert_eq!(texts[1], "次の章");
    }

    #[test]
    fn a_small_table_moves_whole_and_a_row_that_fits_is_never_split() {
        let set = fonts(&["ipaexg.ttf"]);
        for filler in 0..60 {
            let mut canvas = filled(&set, filler);
            canvas.table(&small_table(2, "小表")).unwrap();
            let rows: Vec<Vec<String>> = (0..40)
                .map(|i| vec![format!("R{i}"), "長い説明の文章".repeat(i % 7 + 1)])
                .collect();
            let mut long = small_table(0, "長表");
            long.rows = rows.clone();
            canvas.table(&long).unwrap();
            let (pages, _) = canvas.finish();
            let texts = page_texts(&pages);
            let whole = "小表値行01,234件行11,234件";
            assert!(
                texts.iter().any(|t| t.contains(whole)),
                "{filler}: {texts:?}"
            );
            for row in rows {
                let row = row.concat();
                assert!(
                    texts.iter().any(|t| t.contains(&row)),
                    "{filler}: {row} split"
                );
            }
        }
    }

    #[test]
    fn what_is_kept_together_starts_a_page_only_when_it_fits_on_one() {
        let set = fonts(&["ipaexg.ttf"]);
        for height in [100.0, 400.0, 700.0, 900.0] {
            let mut canvas = filled(&set, 30);
            let before = canvas.page_index();
            let fits = height <= canvas.fresh_room();
            let room_here = canvas.room() >= height;
            canvas.keep_together(height);
            let moved = canvas.page_index() > before;
            assert_eq!(moved, fits && !room_here, "{height}");
        }
    }
}
