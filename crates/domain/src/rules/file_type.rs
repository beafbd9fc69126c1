//! Which kind of document a file is, found from its bytes rather than its name or the media
//! type a browser sent, so a renamed image cannot reach a PDF parser as a PDF.

use crate::ports::{AudioFormat, DocumentFormat};

/// A file sophie cannot read, with what it was found to be, in a student's words (`"a PNG
/// image"`, `"a legacy Word (.doc) file"`), for a 415 answer that names it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the file is {found}, which sophie cannot read; upload a PDF, Word (.docx), PowerPoint \
     (.pptx), HTML, Markdown or plain text file"
)]
pub struct UnknownType {
    /// What the file was found to be, with its article: `"a PNG image"`, `"binary data"`.
    pub found: String,
}

impl UnknownType {
    fn new(found: &str) -> Self {
        Self {
            found: found.to_owned(),
        }
    }
}

/// How far into a file a PDF reader looks for `%PDF-`.
const PDF_HEADER_WINDOW: usize = 1024;

/// A file that is not a recording sophie can transcribe, with what it was found to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the file is {found}, which is not an audio recording sophie can transcribe; upload MP3, \
     WAV, M4A, AAC, Ogg (Opus or Vorbis), WebM or FLAC"
)]
pub struct UnknownAudio {
    /// What the file was found to be, with its article.
    pub found: String,
}

/// The format of an audio recording, from its bytes: `ID3` or an MPEG layer III frame
/// header: MP3; `RIFF`…`WAVE`: WAV; an MP4 `ftyp` box (not an image's): M4A; an ADTS
/// frame header: AAC; `OggS`: Ogg; the EBML header: WebM; `fLaC`: FLAC.
///
/// # Errors
///
/// [`UnknownAudio`] naming what was found (a document, an image, binary data).
pub fn detect_audio(bytes: &[u8]) -> Result<AudioFormat, UnknownAudio> {
    let found = |found: &str| UnknownAudio {
        found: found.to_owned(),
    };
    if bytes.is_empty() {
        return Err(found("an empty file"));
    }
    if bytes.starts_with(b"ID3") {
        return Ok(AudioFormat::Mp3);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return Ok(AudioFormat::Wav);
    }
    if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && !matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"msf1")
    {
        return Ok(AudioFormat::M4a);
    }
    if bytes.starts_with(b"OggS") {
        return Ok(AudioFormat::Ogg);
    }
    if bytes.starts_with(b"\x1A\x45\xDF\xA3") {
        return Ok(AudioFormat::Webm);
    }
    if bytes.starts_with(b"fLaC") {
        return Ok(AudioFormat::Flac);
    }
    if let [first, second, ..] = *bytes
        && first == 0xFF
    {
        // Frame sync (11 bits), then the version and layer bits: layer III is MP3
        // (versions 1, 2 and 2.5), layer "00" with MPEG-4/2 sync is an ADTS AAC frame.
        let layer = (second >> 1) & 0b11;
        if second & 0xE0 == 0xE0 && layer == 0b01 && (second >> 3) & 0b11 != 0b01 {
            return Ok(AudioFormat::Mp3);
        }
        if second & 0xF6 == 0xF0 {
            return Ok(AudioFormat::Aac);
        }
    }
    match detect(bytes, None) {
        Ok(format) => Err(found(match format {
            DocumentFormat::Pdf => "a PDF document",
            DocumentFormat::Docx => "a Word document",
            DocumentFormat::Pptx => "a PowerPoint presentation",
            DocumentFormat::Html => "an HTML page",
            DocumentFormat::Markdown | DocumentFormat::Text => "a text file",
        })),
        Err(UnknownType { found: what }) => Err(found(&what)),
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The format of a file, from its bytes; `file_name` only tells Markdown from plain text.
///
/// - `%PDF-`, after at most 1 KiB of white space or a byte-order mark: PDF;
/// - a ZIP archive holding `word/document.xml`: DOCX; holding `ppt/presentation.xml`: PPTX;
/// - `<!doctype html`, `<html`, `<head` or `<body` (any case) first, after a byte-order mark,
///   white space, an XML declaration or comments: HTML;
/// - otherwise UTF-8 text without NUL: Markdown when the name ends `.md` or `.markdown` or a
///   line starts with an ATX heading (`# Title`), else plain text.
///
/// # Errors
///
/// [`UnknownType`] naming what was found: an empty file, an image, another archive, a legacy
/// Office file, text that is not UTF-8, binary data.
pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Result<DocumentFormat, UnknownType> {
    if bytes.is_empty() {
        return Err(UnknownType::new("an empty file"));
    }
    if is_pdf(bytes) {
        return Ok(DocumentFormat::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return office_archive(bytes);
    }
    if let Some(found) = known_binary(bytes) {
        return Err(UnknownType::new(found));
    }
    let Some(text) = as_text(bytes) else {
        if let Some(found) = weak_signature(bytes) {
            return Err(UnknownType::new(found));
        }
        return Err(UnknownType::new(if looks_like_legacy_text(bytes) {
            "a text file that is not UTF-8 encoded"
        } else {
            "binary data"
        }));
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match markup_start(text) {
        Markup::Html => return Ok(DocumentFormat::Html),
        Markup::Svg => return Err(UnknownType::new("an SVG image")),
        Markup::None => {}
    }
    if has_markdown_name(file_name) || has_atx_heading(text) {
        Ok(DocumentFormat::Markdown)
    } else {
        Ok(DocumentFormat::Text)
    }
}

fn is_pdf(bytes: &[u8]) -> bool {
    let window = &bytes[..bytes.len().min(PDF_HEADER_WINDOW + 5)];
    let mut rest = window;
    loop {
        if rest.starts_with(b"%PDF-") {
            return true;
        }
        if let Some(after) = rest.strip_prefix(UTF8_BOM) {
            rest = after;
        } else if let Some((first, after)) = rest.split_first()
            && first.is_ascii_whitespace()
            && window.len() - after.len() <= PDF_HEADER_WINDOW
        {
            rest = after;
        } else {
            return false;
        }
    }
}

/// Every entry name in a ZIP archive, from its local file headers and its central directory,
/// found by signature so entries written with a data descriptor (sizes after the data) or a
/// damaged directory still show.
fn zip_entry_names(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at + 4 <= bytes.len() {
            let start = at;
            at += 1;
            let signature = &bytes[start..start + 4];
            let (name_len_at, name_at) = if signature == b"PK\x03\x04" {
                (start + 26, start + 30)
            } else if signature == b"PK\x01\x02" {
                (start + 28, start + 46)
            } else {
                continue;
            };
            let Some(len) = bytes.get(name_len_at..name_len_at + 2) else {
                continue;
            };
            let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
            if let Some(name) = bytes.get(name_at..name_at + len) {
                at = name_at + len;
                return Some(name);
            }
        }
        None
    })
}

fn office_archive(bytes: &[u8]) -> Result<DocumentFormat, UnknownType> {
    let mut other = None;
    for name in zip_entry_names(bytes) {
        match name {
            b"word/document.xml" => return Ok(DocumentFormat::Docx),
            b"ppt/presentation.xml" => return Ok(DocumentFormat::Pptx),
            b"xl/workbook.xml" => other = other.or(Some("an Excel (.xlsx) spreadsheet")),
            b"META-INF/container.xml" => other = other.or(Some("an EPUB e-book")),
            b"content.xml" => other = other.or(Some("an OpenDocument file")),
            _ => {}
        }
    }
    Err(UnknownType::new(other.unwrap_or(
        "a ZIP archive that is not a Word or PowerPoint file",
    )))
}

/// Binary formats that are worth naming back to the student.
fn known_binary(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"{\\rtf", "an RTF document"),
        (b"%!PS", "a PostScript file"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"\x1A\x45\xDF\xA3", "a WebM or Matroska video"),
        (b"\x7FELF", "a program (ELF executable)"),
        (b"SQLite format 3\x00", "an SQLite database"),
    ];
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some(legacy_office(bytes));
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" {
        return Some(match &bytes[8..12] {
            b"WEBP" => "a WebP image",
            b"WAVE" => "a WAV audio file",
            b"AVI " => "an AVI video",
            _ => "a RIFF media file",
        });
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some(match &bytes[8..12] {
            b"heic" | b"heix" | b"mif1" | b"msf1" => "a HEIC image",
            b"M4A " => "an M4A audio file",
            _ => "an MP4 or QuickTime video",
        });
    }
    SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, found)| *found)
}

/// Signatures of printable letters, which a text file could start with too: trusted only
/// when the file is not text.
fn weak_signature(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"BM", "a BMP image"),
        (b"ID3", "an MP3 audio file"),
        (b"OggS", "an Ogg audio or video file"),
        (b"fLaC", "a FLAC audio file"),
        (b"MZ", "a Windows program"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, found)| *found)
}

/// A compound (OLE) file: a password-protected Office file, or a Word, PowerPoint or Excel
/// file from before 2007, told apart by the stream names in its directory (UTF-16).
fn legacy_office(bytes: &[u8]) -> &'static str {
    fn holds_utf16(bytes: &[u8], name: &str) -> bool {
        let needle: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        bytes.windows(needle.len()).any(|window| window == needle)
    }
    if holds_utf16(bytes, "EncryptedPackage") {
        // How Office saves a .docx, .pptx or .xlsx with a password.
        "a password-protected Office file"
    } else if holds_utf16(bytes, "WordDocument") {
        "a legacy Word (.doc) file"
    } else if holds_utf16(bytes, "PowerPoint Document") {
        "a legacy PowerPoint (.ppt) file"
    } else if holds_utf16(bytes, "Workbook") {
        "a legacy Excel (.xls) file"
    } else {
        "a legacy Office file (.doc, .ppt or .xls)"
    }
}

/// The bytes as text: valid UTF-8 with no NUL and few control characters.
fn as_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut chars = 0_usize;
    let mut controls = 0_usize;
    for c in text.chars() {
        chars += 1;
        if c == '\0' {
            return None;
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            controls += 1;
        }
    }
    // A stray escape or two is text; one control character in a hundred is not.
    (controls * 100 <= chars).then_some(text)
}

/// Text in a legacy 8-bit encoding (Latin-1, Windows-1252): no NUL, and mostly printable ASCII.
fn looks_like_legacy_text(bytes: &[u8]) -> bool {
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    !bytes.contains(&0) && printable * 10 >= bytes.len() * 9
}

enum Markup {
    Html,
    Svg,
    None,
}

/// Whether the text starts, after white space, an XML declaration, a doctype other than
/// HTML's, or comments, with an HTML or SVG element.
fn markup_start(text: &str) -> Markup {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let head = ascii_lowercase_prefix(rest, 16);
        if head.starts_with("<!doctype html")
            || ["<html", "<head", "<body"]
                .iter()
                .any(|tag| starts_with_tag(&head, tag))
        {
            return Markup::Html;
        }
        if starts_with_tag(&head, "<svg") || head.starts_with("<!doctype svg") {
            return Markup::Svg;
        }
        let skipped = if head.starts_with("<?") {
            rest.find("?>").map(|end| end + 2)
        } else if head.starts_with("<!--") {
            rest.find("-->").map(|end| end + 3)
        } else {
            None
        };
        match skipped {
            Some(end) => rest = &rest[end..],
            None => return Markup::None,
        }
    }
}

/// `head` starts with `tag` followed by the end of the tag's name.
fn starts_with_tag(head: &str, tag: &str) -> bool {
    head.strip_prefix(tag).is_some_and(|after| {
        after
            .chars()
            .next()
            .is_none_or(|c| c == '>' || c == '/' || c.is_ascii_whitespace())
    })
}

/// The first `len` bytes of `text` (cut back to a character boundary), lower-cased.
fn ascii_lowercase_prefix(text: &str, len: usize) -> String {
    let mut end = len.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_ascii_lowercase()
}

fn has_markdown_name(file_name: Option<&str>) -> bool {
    file_name.is_some_and(|name| {
        let name = name.to_ascii_lowercase();
        name.ends_with(".md") || name.ends_with(".markdown")
    })
}

/// Whether a line is an ATX heading: up to three spaces, one to six `#`, then a space and
/// some text.
fn has_atx_heading(text: &str) -> bool {
    text.lines().any(|line| {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 3 {
            return false;
        }
        let line = &line[indent..];
        let hashes = line.len() - line.trim_start_matches('#').len();
        (1..=6).contains(&hashes)
            && line[hashes..]
                .strip_prefix([' ', '\t'])
                .is_some_and(|title| !title.trim().is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        // Stored entries with empty data, as a ZIP writer lays them out.
        let mut bytes = Vec::new();
        for name in names {
            bytes.extend_from_slice(b"PK\x03\x04");
            bytes.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            bytes.extend_from_slice(&[0; 12]);
            let len = u16::try_from(name.len()).unwrap();
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&[0, 0]);
            bytes.extend_from_slice(name.as_bytes());
        }
        bytes.extend_from_slice(b"PK\x05\x06");
        bytes.extend_from_slice(&[0; 18]);
        bytes
    }

    fn unknown(bytes: &[u8]) -> String {
        detect(bytes, None).unwrap_err().found
    }

    #[test]
    fn pdf_from_its_header_even_after_white_space_or_a_bom() {
        assert_eq!(detect(b"%PDF-1.7\n...", None), Ok(DocumentFormat::Pdf));
        assert_eq!(detect(b"\r\n  %PDF-1.4", None), Ok(DocumentFormat::Pdf));
        assert_eq!(
            detect(b"\xEF\xBB\xBF%PDF-1.4", None),
            Ok(DocumentFormat::Pdf)
        );
        let mut padded = vec![b' '; 1000];
        padded.extend_from_slice(b"%PDF-1.5");
        assert_eq!(detect(&padded, None), Ok(DocumentFormat::Pdf));
    }

    #[test]
    fn pdf_header_past_the_first_kibibyte_is_not_a_pdf() {
        let mut padded = vec![b' '; 2000];
        padded.extend_from_slice(b"%PDF-1.5");
        assert_eq!(detect(&padded, None), Ok(DocumentFormat::Text));
    }

    #[test]
    fn the_name_does_not_make_a_pdf() {
        assert_eq!(
            detect(b"just some notes", Some("notes.pdf")),
            Ok(DocumentFormat::Text)
        );
        assert_eq!(unknown(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "a PNG image");
    }

    #[test]
    fn office_files_by_their_main_part() {
        let docx = zip_with(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(detect(&docx, Some("a.zip")), Ok(DocumentFormat::Docx));
        let pptx = zip_with(&[
            "[Content_Types].xml",
            "ppt/slides/slide1.xml",
            "ppt/presentation.xml",
        ]);
        assert_eq!(detect(&pptx, None), Ok(DocumentFormat::Pptx));
    }

    #[test]
    fn other_zip_archives_are_named() {
        assert_eq!(
            unknown(&zip_with(&["photo.jpg", "word/notes.txt"])),
            "a ZIP archive that is not a Word or PowerPoint file"
        );
        assert_eq!(
            unknown(&zip_with(&["xl/workbook.xml"])),
            "an Excel (.xlsx) spreadsheet"
        );
        assert_eq!(
            unknown(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
            "a ZIP archive that is not a Word or PowerPoint file"
        );
    }

    #[test]
    fn a_truncated_zip_header_is_not_read_past_its_end() {
        assert_eq!(
            unknown(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xFF"),
            "a ZIP archive that is not a Word or PowerPoint file"
        );
    }

    #[test]
    fn html_by_its_first_element_in_any_case() {
        for html in [
            "<!DOCTYPE html><html><body>x</body></html>",
            "\u{feff}  <!doctype HTML>\n<p>x",
            "<HTML lang=\"en\">",
            "<head><title>t</title></head>",
            "<body>",
            "<?xml version=\"1.0\"?>\n<!-- saved page -->\n<html xmlns=\"http://www.w3.org/1999/xhtml\">",
        ] {
            assert_eq!(
                detect(html.as_bytes(), None),
                Ok(DocumentFormat::Html),
                "{html}"
            );
        }
    }

    #[test]
    fn tags_that_only_start_like_html_are_not_html() {
        assert_eq!(detect(b"<header>notes", None), Ok(DocumentFormat::Text));
        assert_eq!(detect(b"<htmlish>", None), Ok(DocumentFormat::Text));
        assert_eq!(
            unknown(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            "an SVG image"
        );
    }

    #[test]
    fn markdown_by_name_or_by_headings() {
        assert_eq!(
            detect(b"plain words", Some("Notes.MD")),
            Ok(DocumentFormat::Markdown)
        );
        assert_eq!(
            detect(b"x", Some("readme.markdown")),
            Ok(DocumentFormat::Markdown)
        );
        assert_eq!(
            detect(b"Intro line\n\n## Cell biology\ntext", Some("notes.txt")),
            Ok(DocumentFormat::Markdown)
        );
        assert_eq!(detect(b"   # Title", None), Ok(DocumentFormat::Markdown));
    }

    #[test]
    fn hashes_that_are_no_heading_leave_plain_text() {
        for text in [
            "#hashtag",
            "    # indented code",
            "####### seven",
            "#   ",
            "a # b",
        ] {
            assert_eq!(
                detect(text.as_bytes(), None),
                Ok(DocumentFormat::Text),
                "{text}"
            );
        }
    }

    #[test]
    fn legacy_office_files_are_told_apart() {
        let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
        let with = |name: &str| {
            let mut bytes = ole.clone();
            bytes.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        };
        assert_eq!(unknown(&with("WordDocument")), "a legacy Word (.doc) file");
        assert_eq!(
            unknown(&with("PowerPoint Document")),
            "a legacy PowerPoint (.ppt) file"
        );
        assert_eq!(unknown(&ole), "a legacy Office file (.doc, .ppt or .xls)");
        assert_eq!(
            unknown(&with("EncryptedPackage")),
            "a password-protected Office file"
        );
    }

    #[test]
    fn images_media_and_empty_files_are_named() {
        assert_eq!(unknown(b""), "an empty file");
        assert_eq!(unknown(b"GIF89a\x01\x00"), "a GIF image");
        assert_eq!(unknown(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), "a JPEG image");
        assert_eq!(unknown(b"RIFF\0\0\0\0WEBPVP8 "), "a WebP image");
        assert_eq!(
            unknown(b"\0\0\0\x20ftypisom\0\0"),
            "an MP4 or QuickTime video"
        );
        assert_eq!(unknown(b"MZ\x90\0\x03\0\0\0"), "a Windows program");
    }

    #[test]
    fn text_that_starts_like_a_weak_signature_is_text() {
        assert_eq!(detect(b"MZ notes: week 1", None), Ok(DocumentFormat::Text));
        assert_eq!(detect(b"BMI and health", None), Ok(DocumentFormat::Text));
    }

    #[test]
    fn binary_and_non_utf8_text_are_refused() {
        assert_eq!(unknown(b"abc\0def"), "binary data");
        assert_eq!(unknown(&[0x80, 0x81, 0x00, 0xFE, 0x01]), "binary data");
        assert_eq!(
            unknown(b"Caf\xE9 cr\xE8me, Stra\xDFe: plain Latin-1 notes"),
            "a text file that is not UTF-8 encoded"
        );
        assert_eq!(unknown(b"\x01\x02\x03\x04 text"), "binary data");
    }

    #[test]
    fn the_message_names_what_was_found() {
        let message = detect(b"\x89PNG\r\n\x1a\n", Some("a.pdf"))
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("the file is a PNG image"), "{message}");
    }

    #[test]
    fn utf8_text_with_a_bom_is_text() {
        assert_eq!(
            detect("\u{feff}Über Zellen\n\x0cSeite 2".as_bytes(), None),
            Ok(DocumentFormat::Text)
        );
    }

    #[test]
    fn audio_is_found_from_its_first_bytes() {
        let cases: [(&[u8], AudioFormat); 9] = [
            (b"ID3\x04\x00\x00\x00\x00\x00\x00", AudioFormat::Mp3),
            (b"\xFF\xFB\x90\x64", AudioFormat::Mp3),
            (b"\xFF\xF3\x48\xC4", AudioFormat::Mp3),
            (b"RIFF\x24\x00\x00\x00WAVEfmt ", AudioFormat::Wav),
            (b"\x00\x00\x00\x20ftypM4A \x00\x00", AudioFormat::M4a),
            (b"\xFF\xF1\x50\x80", AudioFormat::Aac),
            (b"OggS\x00\x02", AudioFormat::Ogg),
            (b"\x1A\x45\xDF\xA3\x9F", AudioFormat::Webm),
            (b"fLaC\x00\x00\x00\x22", AudioFormat::Flac),
        ];
        for (bytes, format) in cases {
            assert_eq!(detect_audio(bytes), Ok(format), "{bytes:?}");
        }
    }

    #[test]
    fn what_is_not_audio_is_named() {
        let found = |bytes: &[u8]| detect_audio(bytes).map_err(|e| e.found);
        assert_eq!(found(b"%PDF-1.7\n"), Err("a PDF document".to_owned()));
        assert_eq!(
            found(b"\x89PNG\r\n\x1a\n...."),
            Err("a PNG image".to_owned())
        );
        assert_eq!(found(b"hello there"), Err("a text file".to_owned()));
        assert_eq!(found(b""), Err("an empty file".to_owned()));
        assert_eq!(
            found(b"RIFF\x24\x00\x00\x00WEBPVP8 "),
            Err("a WebP image".to_owned())
        );
    }
}
