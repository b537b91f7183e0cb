//! How the streams inside the PDFs are compressed.
//!
//! printpdf hands its document to lopdf, which deflates every stream at zlib's level 9.
//! Measured on the sample year, level 9 took about 29% of the whole run and saved 0.26%
//! of the size over the default level 6, so the streams are deflated here, at a level
//! the build chooses (`benches/annual_run.rs` measures both).

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;

/// zlib's default level: the reports' streams are text operators and font programs,
/// which level 9 shrinks by a quarter of a percent more, for a third of the run.
pub const DEFAULT_LEVEL: u32 = 6;

/// The level printpdf (through lopdf) used: kept for the bench's comparison.
pub const PRINTPDF_LEVEL: u32 = 9;

/// Deflates every stream that allows it and has no filter yet, as lopdf's own
/// `compress` does (a stream that would not shrink is left as it is), at `level`.
pub fn compress_streams(doc: &mut lopdf::Document, level: u32) {
    compress_streams_with(doc, |content| deflate(content, level));
}

/// [`compress_streams`] with `deflate` making each stream's deflated bytes.
pub fn compress_streams_with(doc: &mut lopdf::Document, deflate: impl Fn(&[u8]) -> Vec<u8>) {
    for object in doc.objects.values_mut() {
        if let lopdf::Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                let compressed = deflate(&stream.content);
                // lopdf's rule: the filter's name and its entry cost about 19 bytes.
                if compressed.len() + 19 < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(compressed);
                }
            }
        }
    }
}

/// `content` deflated (zlib format) at `level`.
pub fn deflate(content: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(level));
    encoder
        .write_all(content)
        .and_then(|()| encoder.finish())
        .expect("deflating into memory does not fail")
}
