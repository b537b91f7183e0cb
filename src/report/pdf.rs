//! The indicator PDF (printpdf): A4 landscape, a table per department whose header
//! row repeats on every page, text wrapped inside its cell, figures right-aligned.

use anyhow::bail;
use printpdf::{
    Color, DateTime as PdfDate, FontId, Greyscale, Line, LinePoint, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};

use super::text::FontSet;
use super::Dataset;
use crate::domain::{Indicator, Observation, ObservationKind};
use crate::store::DepartmentIndicators;

const PAGE_WIDTH: f32 = 841.89;
const PAGE_HEIGHT: f32 = 595.28;
const MARGIN: f32 = 36.0;
const BODY_SIZE: f32 = 8.0;
const LINE_HEIGHT: f32 = 10.5;
const PADDING: f32 = 3.0;
/// Column widths in points: 施策, 指標名, then the five periods.
const COLUMNS: [f32; 7] = [130.0, 190.0, 88.0, 88.0, 88.0, 88.0, 88.0];

/// Builds the PDF for the departments of `dataset`; `label` names the audience.
pub fn indicator_document(
    dataset: &Dataset,
    fonts: &FontSet,
    label: &str,
) -> anyhow::Result<Vec<u8>> {
    let title = format!(
        "{} {} 目標指標の達成状況({label})",
        dataset.city, dataset.fiscal_year
    );
    let mut doc = PdfDocument::new(&title);
    let font_id = add_font(&mut doc, fonts);
    let mut pages = Pages::new(fonts, font_id);
    pages.title(&title, &dataset.plan_name)?;
    for department in &dataset.departments {
        pages.department(department, &dataset.period_headers)?;
    }
    if dataset.departments.is_empty() {
        pages.paragraph("受け付けた提出がありません。")?;
    }
    let footer = format!(
        "{} {} 作成 {}",
        dataset.city,
        dataset.fiscal_year,
        dataset.built_at.format("%Y年%-m月%-d日")
    );
    let page_list = pages.finish(&footer)?;
    set_metadata(&mut doc, dataset);
    let mut warnings = Vec::new();
    let mut bytes = doc
        .with_pages(page_list)
        .save(&PdfSaveOptions::default(), &mut warnings);
    fix_document_id(&mut bytes);
    Ok(bytes)
}

/// Adds the font under a fixed resource name: printpdf's own ids are random, and
/// the same data must give the same bytes.
fn add_font(doc: &mut PdfDocument, fonts: &FontSet) -> FontId {
    let id = FontId("F1".to_string());
    doc.resources
        .fonts
        .map
        .insert(id.clone(), printpdf::PdfFont::new(fonts.font.clone()));
    id
}

/// Replaces the random file identifiers of the trailer (`/ID[(…)(…)]`) by a digest of
/// the rest of the file, of the same length, so that cross-reference offsets hold.
pub(super) fn fix_document_id(bytes: &mut [u8]) {
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
    let digest = crate::intake::sha256_hex(bytes);
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

fn set_metadata(doc: &mut PdfDocument, dataset: &Dataset) {
    let info = &mut doc.metadata.info;
    if let Ok(built) = PdfDate::from_unix_timestamp(dataset.built_at.timestamp()) {
        info.creation_date = built;
        info.modification_date = built;
        info.metadata_date = built;
    }
    info.author = dataset.city.clone();
    info.creator = "hakusho".to_string();
    info.subject = dataset.plan_name.clone();
}

/// Pages being laid out, top to bottom.
struct Pages<'a> {
    fonts: &'a FontSet,
    font_id: FontId,
    done: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// The baseline of the next line, from the bottom of the page.
    y: f32,
}

impl<'a> Pages<'a> {
    fn new(fonts: &'a FontSet, font_id: FontId) -> Self {
        Pages {
            fonts,
            font_id,
            done: Vec::new(),
            ops: Vec::new(),
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn title(&mut self, title: &str, plan: &str) -> anyhow::Result<()> {
        self.text_line(title, 14.0, MARGIN)?;
        self.y -= 6.0;
        self.text_line(plan, 9.0, MARGIN)?;
        self.y -= 8.0;
        Ok(())
    }

    fn paragraph(&mut self, text: &str) -> anyhow::Result<()> {
        self.text_line(text, 10.0, MARGIN)
    }

    fn department(
        &mut self,
        department: &DepartmentIndicators,
        headers: &[String],
    ) -> anyhow::Result<()> {
        self.ensure_space(3.0 * LINE_HEIGHT + 40.0);
        self.y -= 6.0;
        self.text_line(&department.department, 12.0, MARGIN)?;
        self.y -= 4.0;
        if department.indicators.is_empty() {
            return self.text_line(
                "この部が主に担当する目標指標はありません。",
                9.0,
                MARGIN + 8.0,
            );
        }
        let header_cells: Vec<String> = ["施策", "目標指標"]
            .into_iter()
            .map(String::from)
            .chain(headers.iter().cloned())
            .collect();
        self.table_row(&header_cells, true)?;
        for indicator in &department.indicators {
            let cells = indicator_cells(indicator);
            if self.row_height(&cells) > self.y - MARGIN - 20.0 {
                self.new_page();
                self.table_row(&header_cells, true)?;
            }
            self.table_row(&cells, false).map_err(|e| {
                e.context(format!(
                    "{} の指標「{}」",
                    department.department, indicator.name
                ))
            })?;
        }
        Ok(())
    }

    fn row_height(&self, cells: &[String]) -> f32 {
        let lines = cells
            .iter()
            .zip(COLUMNS)
            .map(|(text, width)| {
                self.fonts
                    .wrap(text, BODY_SIZE, width - 2.0 * PADDING)
                    .len()
            })
            .max()
            .unwrap_or(1);
        lines as f32 * LINE_HEIGHT + 2.0 * PADDING
    }

    /// Draws one table row: grey background for the header, figures right-aligned.
    fn table_row(&mut self, cells: &[String], header: bool) -> anyhow::Result<()> {
        let height = self.row_height(cells);
        let top = self.y;
        let table_width: f32 = COLUMNS.iter().sum();
        if header {
            self.fill_rect(MARGIN, top - height, table_width, height, 0.88);
        }
        let mut x = MARGIN;
        for (column, (text, width)) in cells.iter().zip(COLUMNS).enumerate() {
            let right_align = !header && column >= 2 && is_figure(text);
            self.cell_text(text, x, top, width, right_align)?;
            self.line(x, top, x, top - height);
            x += width;
        }
        self.line(x, top, x, top - height);
        self.line(MARGIN, top, x, top);
        self.line(MARGIN, top - height, x, top - height);
        self.y = top - height;
        Ok(())
    }

    fn cell_text(
        &mut self,
        text: &str,
        x: f32,
        top: f32,
        width: f32,
        right_align: bool,
    ) -> anyhow::Result<()> {
        let inner = width - 2.0 * PADDING;
        for (i, line) in self.fonts.wrap(text, BODY_SIZE, inner).iter().enumerate() {
            let baseline = top - PADDING - (i as f32 + 1.0) * LINE_HEIGHT + 2.5;
            let line_x = if right_align {
                x + width - PADDING - self.fonts.width(line, BODY_SIZE)
            } else {
                x + PADDING
            };
            self.draw_text(line, BODY_SIZE, line_x, baseline)?;
        }
        Ok(())
    }

    fn text_line(&mut self, text: &str, size: f32, x: f32) -> anyhow::Result<()> {
        let width = PAGE_WIDTH - x - MARGIN;
        for line in self.fonts.wrap(text, size, width) {
            self.ensure_space(size * 1.4);
            self.y -= size * 1.3;
            self.draw_text(&line, size, x, self.y)?;
        }
        Ok(())
    }

    fn draw_text(&mut self, text: &str, size: f32, x: f32, y: f32) -> anyhow::Result<()> {
        if let Some(c) = self.fonts.missing_glyph(text) {
            bail!(
                "「{c}」(U+{:04X}) の字形がフォント {} にありません:「{text}」",
                c as u32,
                self.fonts.name
            );
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(self.font_id.clone()),
                size: Pt(size),
            },
            Op::SetTextMatrix {
                matrix: TextMatrix::Translate(Pt(x), Pt(y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
        Ok(())
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let point = |x, y| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![point(x1, y1), point(x2, y2)],
                is_closed: false,
            },
        });
    }

    fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
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

    fn ensure_space(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.ops));
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// Closes the last page and adds the running footer with page numbers.
    fn finish(mut self, footer: &str) -> anyhow::Result<Vec<PdfPage>> {
        self.new_page();
        let total = self.done.len();
        let mut pages = Vec::with_capacity(total);
        for (i, ops) in std::mem::take(&mut self.done).into_iter().enumerate() {
            self.ops = ops;
            let text = format!("{footer}    {} / {total}", i + 1);
            let x = (PAGE_WIDTH - self.fonts.width(&text, 8.0)) / 2.0;
            self.draw_text(&text, 8.0, x, MARGIN - 14.0)?;
            self.ops.insert(0, Op::SetOutlineThickness { pt: Pt(0.5) });
            let ops = std::mem::take(&mut self.ops);
            pages.push(PdfPage::new(
                printpdf::Mm::from(Pt(PAGE_WIDTH)),
                printpdf::Mm::from(Pt(PAGE_HEIGHT)),
                ops,
            ));
        }
        Ok(pages)
    }
}

/// Figures are right-aligned; words (`維持`, `概ね5%を超えないこと`) are not.
fn is_figure(text: &str) -> bool {
    !matches!(Observation::parse(text).kind, ObservationKind::Qualitative)
}

/// The cells of one indicator row.
fn indicator_cells(indicator: &Indicator) -> Vec<String> {
    let policy = format!("{} {}", indicator.policy_code, indicator.policy_name);
    let mut cells = vec![policy, indicator.name.clone()];
    cells.extend(indicator.observations.iter().map(|o| o.printed.clone()));
    cells
}
