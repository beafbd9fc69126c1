//! DOCX and PPTX, read from their ZIP packages by hand: each part inflated under a byte
//! budget counted as it inflates, its XML read as events.
//!
//! A DOCX becomes one section per heading (paragraph styles `Heading 1`..`Heading 9` or
//! `Title`, or an outline level); a PPTX one page per slide, the slide's text then its speaker
//! notes, with the slide's title as heading.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use sophie_domain::ExtractionFailure;
use zip::ZipArchive;
use zip::result::ZipError;

use super::limits::Budget;
use super::markdown::Section;

pub(crate) const DOCX: &str = "Word document";
pub(crate) const PPTX: &str = "PowerPoint presentation";

/// A slide: its title and its text followed by its speaker notes.
#[derive(Debug)]
pub(crate) struct Slide {
    pub(crate) title: Option<String>,
    pub(crate) text: String,
}

/// The sections of a DOCX.
pub(crate) fn docx_sections(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Vec<Section>, ExtractionFailure> {
    let mut package = Package::open(bytes, DOCX, budget)?;
    let styles = match package.read("word/styles.xml")? {
        Some(xml) => heading_styles(&xml),
        None => HashMap::new(),
    };
    let document = package
        .read("word/document.xml")?
        .ok_or_else(|| corrupt(DOCX, "it has no word/document.xml"))?;
    package.budget.check_time()?;
    read_docx_body(&document, &styles).map_err(|detail| corrupt(DOCX, &detail))
}

/// The slides of a PPTX, in the presentation's order.
pub(crate) fn pptx_slides(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Vec<Slide>, ExtractionFailure> {
    let mut package = Package::open(bytes, PPTX, budget)?;
    let slide_paths = slide_order(&mut package)?;
    package.budget.check_pages(slide_paths.len(), "slides")?;
    let mut slides = Vec::with_capacity(slide_paths.len());
    for path in slide_paths {
        package.budget.check_time()?;
        let Some(xml) = package.read(&path)? else {
            slides.push(Slide {
                title: None,
                text: String::new(),
            });
            continue;
        };
        let slide = read_shapes(&xml).map_err(|detail| corrupt(PPTX, &detail))?;
        let notes_path = relationships(&mut package, &path)?
            .into_iter()
            .find(|(kind, _)| kind.ends_with("/notesSlide"))
            .map(|(_, target)| target);
        let notes = match notes_path {
            Some(notes_path) => match package.read(&notes_path)? {
                Some(xml) => {
                    read_shapes(&xml)
                        .map_err(|detail| corrupt(PPTX, &detail))?
                        .lines
                }
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        let mut text = slide.lines.join("\n");
        if !notes.is_empty() {
            text.push_str("\n\n");
            text.push_str(&notes.join("\n"));
        }
        slides.push(Slide {
            title: slide.title,
            text,
        });
    }
    Ok(slides)
}

fn corrupt(format: &'static str, detail: &str) -> ExtractionFailure {
    ExtractionFailure::Corrupt {
        format,
        detail: detail.to_owned(),
    }
}

/// An Office package and the byte budget its parts are inflated under.
struct Package<'a, 'b> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    format: &'static str,
    budget: &'b mut Budget,
    inflated: u64,
}

impl<'a, 'b> Package<'a, 'b> {
    fn open(
        bytes: &'a [u8],
        format: &'static str,
        budget: &'b mut Budget,
    ) -> Result<Self, ExtractionFailure> {
        if is_encrypted_ole(bytes) {
            return Err(ExtractionFailure::Encrypted);
        }
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|error| {
            corrupt(
                format,
                &format!("it is not a readable ZIP package ({error})"),
            )
        })?;
        Ok(Self {
            archive,
            format,
            budget,
            inflated: 0,
        })
    }

    /// A part's text, or `None` when the package has no such part. Its inflated bytes count
    /// against `max_decompressed_bytes` as they come out of the inflater.
    fn read(&mut self, name: &str) -> Result<Option<String>, ExtractionFailure> {
        let limit = self.budget.limits().max_decompressed_bytes;
        let entry = match self.archive.by_name(name) {
            Ok(entry) => entry,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(ZipError::UnsupportedArchive(detail)) if detail.contains("assword") => {
                return Err(ExtractionFailure::Encrypted);
            }
            Err(error) => {
                return Err(corrupt(
                    self.format,
                    &format!("cannot open {name}: {error}"),
                ));
            }
        };
        let remaining = limit.saturating_sub(self.inflated);
        let mut data = Vec::new();
        entry
            .take(remaining.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|error| corrupt(self.format, &format!("cannot inflate {name}: {error}")))?;
        self.inflated = self
            .inflated
            .saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
        if self.inflated > limit {
            return Err(ExtractionFailure::TooLarge(format!(
                "its contents inflate to more than {} MiB",
                limit / (1024 * 1024)
            )));
        }
        String::from_utf8(data)
            .map(Some)
            .map_err(|_| corrupt(self.format, &format!("{name} is not UTF-8 XML")))
    }
}

/// An OLE compound file holding an `EncryptedPackage` stream: how Office saves a DOCX or PPTX
/// with a password.
fn is_encrypted_ole(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
        && bytes.windows(needle.len()).any(|window| window == needle)
}

/// The relationships of a part: (type, resolved target) pairs, from `_rels/<name>.rels` beside
/// it. External targets are left out.
fn relationships(
    package: &mut Package<'_, '_>,
    part: &str,
) -> Result<Vec<(String, String)>, ExtractionFailure> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_path = if dir.is_empty() {
        format!("_rels/{file}.rels")
    } else {
        format!("{dir}/_rels/{file}.rels")
    };
    let Some(xml) = package.read(&rels_path)? else {
        return Ok(Vec::new());
    };
    let mut reader = Reader::from_str(&xml);
    let mut found = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if attribute(&e, "TargetMode").as_deref() == Some("External") {
                    continue;
                }
                if let (Some(kind), Some(target)) = (attribute(&e, "Type"), attribute(&e, "Target"))
                {
                    found.push((kind, resolve(dir, &target)));
                }
            }
            Ok(Event::Eof) => break,
            Err(error) => {
                return Err(corrupt(
                    package.format,
                    &format!("{rels_path} is not valid XML: {error}"),
                ));
            }
            Ok(_) => {}
        }
    }
    Ok(found)
}

/// A relationship target as a path in the package, from the directory of the part that
/// points to it.
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            piece => parts.push(piece),
        }
    }
    parts.join("/")
}

/// The slide parts of a presentation in its order: `sldIdLst` in `ppt/presentation.xml`,
/// resolved through its relationships; failing that, `ppt/slides/slideN.xml` by number.
fn slide_order(package: &mut Package<'_, '_>) -> Result<Vec<String>, ExtractionFailure> {
    let presentation = package
        .read("ppt/presentation.xml")?
        .ok_or_else(|| corrupt(PPTX, "it has no ppt/presentation.xml"))?;
    let mut ids = Vec::new();
    let mut reader = Reader::from_str(&presentation);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sldId" => {
                if let Some(id) = attribute_local(&e, "id", true) {
                    ids.push(id);
                }
            }
            Ok(Event::Eof) => break,
            Err(error) => {
                return Err(corrupt(
                    PPTX,
                    &format!("ppt/presentation.xml is not valid XML: {error}"),
                ));
            }
            Ok(_) => {}
        }
    }
    let targets = relationship_ids(package, "ppt/presentation.xml")?;
    let ordered: Vec<String> = ids
        .iter()
        .filter_map(|id| targets.get(id).cloned())
        .collect();
    if !ordered.is_empty() {
        return Ok(ordered);
    }
    let mut numbered: Vec<(u32, String)> = package
        .archive
        .file_names()
        .filter_map(|name| {
            let name = name.ok()?;
            let number = name
                .strip_prefix("ppt/slides/slide")?
                .strip_suffix(".xml")?
                .parse()
                .ok()?;
            Some((number, name.into_owned()))
        })
        .collect();
    numbered.sort();
    Ok(numbered.into_iter().map(|(_, name)| name).collect())
}

/// Relationship id → resolved target, for the part `part`.
fn relationship_ids(
    package: &mut Package<'_, '_>,
    part: &str,
) -> Result<HashMap<String, String>, ExtractionFailure> {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    let rels_path = format!("{dir}/_rels/{file}.rels");
    let Some(xml) = package.read(&rels_path)? else {
        return Ok(HashMap::new());
    };
    let mut reader = Reader::from_str(&xml);
    let mut found = HashMap::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (attribute(&e, "Id"), attribute(&e, "Target")) {
                    found.insert(id, resolve(dir, &target));
                }
            }
            Ok(Event::Eof) => break,
            Err(error) => {
                return Err(corrupt(
                    PPTX,
                    &format!("{rels_path} is not valid XML: {error}"),
                ));
            }
            Ok(_) => {}
        }
    }
    Ok(found)
}

/// The unescaped value of the attribute named exactly `name`.
fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The unescaped value of an attribute by local name; with `prefixed`, only a namespaced one
/// (`r:id`, not `id`).
fn attribute_local(e: &BytesStart<'_>, local: &str, prefixed: bool) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| {
            a.key.local_name().as_ref() == local && (!prefixed || a.key.as_ref().contains(':'))
        })
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The text an entity or character reference stands for.
fn reference_text(reference: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return Some(c);
    }
    match reference.xml10_content().as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Paragraph style ids that mark headings: a style named `heading N` or `Title` (any case, as
/// Word stores localised styles under English names), or one with an outline level.
fn heading_styles(xml: &str) -> HashMap<String, bool> {
    let mut styles = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut current: Option<(String, bool)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "style" => {
                current = attribute_local(&e, "styleId", false).map(|id| (id, false));
            }
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let local = e.local_name();
                if let Some((_, heading)) = current.as_mut() {
                    let marks_heading = match local.as_ref() {
                        "name" => is_heading_name(
                            &attribute_local(&e, "val", false)
                                .unwrap_or_default()
                                .to_lowercase(),
                        ),
                        "outlineLvl" => is_outline_heading(&e),
                        _ => false,
                    };
                    if marks_heading {
                        *heading = true;
                    }
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "style" => {
                if let Some((id, heading)) = current.take() {
                    styles.insert(id, heading);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    styles
}

fn is_heading_name(name: &str) -> bool {
    name == "title"
        || name
            .strip_prefix("heading")
            .map(str::trim)
            .is_some_and(|level| level.len() == 1 && level.chars().all(|c| c.is_ascii_digit()))
}

/// Whether a style id looks like a heading's where `styles.xml` does not say.
fn is_heading_id(id: &str) -> bool {
    let lower = id.to_ascii_lowercase();
    lower == "title" || is_heading_name(&lower)
}

/// Where the reader is inside a DOCX body.
#[derive(Default)]
struct DocxState {
    sections: Vec<Section>,
    /// The paragraph being read: its text, and whether its style or outline level makes it a
    /// heading.
    paragraph: String,
    heading: bool,
    in_text: bool,
    /// Depth inside `mc:Fallback` (a copy of content already read in `mc:Choice`), and
    /// inside deleted or field-code runs.
    skip_depth: usize,
    /// Cells of the table row being read, and the cell's paragraphs.
    row: Vec<String>,
    cell: Option<String>,
    table_depth: usize,
}

impl DocxState {
    fn body(&mut self) -> &mut String {
        if self.sections.is_empty() {
            self.sections.push(Section {
                heading: None,
                body: String::new(),
            });
        }
        let last = self.sections.len() - 1;
        &mut self.sections[last].body
    }

    fn end_paragraph(&mut self) {
        let text = std::mem::take(&mut self.paragraph);
        let heading = std::mem::take(&mut self.heading);
        if let Some(cell) = self.cell.as_mut() {
            if !text.trim().is_empty() {
                if !cell.is_empty() {
                    cell.push(' ');
                }
                cell.push_str(text.trim());
            }
            return;
        }
        if heading && self.table_depth == 0 && !text.trim().is_empty() {
            self.sections.push(Section {
                heading: Some(text.split_whitespace().collect::<Vec<_>>().join(" ")),
                body: String::new(),
            });
            return;
        }
        let body = self.body();
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&text);
    }
}

fn read_docx_body(xml: &str, styles: &HashMap<String, bool>) -> Result<Vec<Section>, String> {
    let mut reader = Reader::from_str(xml);
    let mut state = DocxState::default();
    loop {
        let event = reader
            .read_event()
            .map_err(|error| format!("word/document.xml is not valid XML: {error}"))?;
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                if state.skip_depth > 0
                    || matches!(local.as_ref(), "Fallback" | "instrText" | "delText")
                {
                    state.skip_depth += 1;
                    continue;
                }
                match local.as_ref() {
                    "t" => state.in_text = true,
                    "tbl" => state.table_depth += 1,
                    "tc" => state.cell = Some(String::new()),
                    _ => docx_empty(&mut state, &e, styles),
                }
            }
            Event::Empty(e) if state.skip_depth == 0 => docx_empty(&mut state, &e, styles),
            Event::End(e) => {
                if state.skip_depth > 0 {
                    state.skip_depth -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    "t" => state.in_text = false,
                    "p" => state.end_paragraph(),
                    "tc" => {
                        if let Some(cell) = state.cell.take() {
                            state.row.push(cell);
                        }
                    }
                    "tr" => {
                        let row = std::mem::take(&mut state.row);
                        let line = row
                            .into_iter()
                            .filter(|cell| !cell.is_empty())
                            .collect::<Vec<_>>()
                            .join(" | ");
                        if !line.is_empty() {
                            let body = state.body();
                            if !body.is_empty() {
                                body.push('\n');
                            }
                            body.push_str(&line);
                        }
                    }
                    "tbl" => state.table_depth = state.table_depth.saturating_sub(1),
                    _ => {}
                }
            }
            Event::Text(e) if state.in_text && state.skip_depth == 0 => {
                state.paragraph.push_str(&e.xml10_content());
            }
            Event::CData(e) if state.in_text && state.skip_depth == 0 => {
                state.paragraph.push_str(&e.xml10_content());
            }
            Event::GeneralRef(e) if state.in_text && state.skip_depth == 0 => {
                if let Some(c) = reference_text(&e) {
                    state.paragraph.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(state.sections)
}

/// Elements of a DOCX body that carry meaning without content: breaks, tabs, the paragraph
/// style and outline level.
fn docx_empty(state: &mut DocxState, e: &BytesStart<'_>, styles: &HashMap<String, bool>) {
    match e.local_name().as_ref() {
        "tab" if !state.paragraph.is_empty() => state.paragraph.push(' '),
        "br" | "cr" => state.paragraph.push('\n'),
        "noBreakHyphen" => state.paragraph.push('-'),
        "pStyle" => {
            if let Some(id) = attribute_local(e, "val", false) {
                state.heading = styles
                    .get(&id)
                    .copied()
                    .unwrap_or_else(|| is_heading_id(&id));
            }
        }
        "outlineLvl" if is_outline_heading(e) => state.heading = true,
        _ => {}
    }
}

/// An outline level of 0 to 8 (Word's levels 1 to 9; 9 is body text).
fn is_outline_heading(e: &BytesStart<'_>) -> bool {
    attribute_local(e, "val", false)
        .and_then(|v| v.parse::<u8>().ok())
        .is_some_and(|level| level < 9)
}

/// The text of a slide or notes part.
struct Shapes {
    title: Option<String>,
    lines: Vec<String>,
}

/// Placeholders whose text is not the slide's: slide images on notes pages, slide numbers,
/// dates, headers and footers.
const SKIPPED_PLACEHOLDERS: [&str; 5] = ["sldImg", "sldNum", "dt", "hdr", "ftr"];

/// The paragraphs of every shape on a slide or notes page, in document order, and the title
/// placeholder's text.
fn read_shapes(xml: &str) -> Result<Shapes, String> {
    struct Shape {
        lines: Vec<String>,
        placeholder: Option<String>,
    }
    let mut reader = Reader::from_str(xml);
    let mut shapes: Vec<Shape> = Vec::new();
    let mut out = Shapes {
        title: None,
        lines: Vec::new(),
    };
    let mut paragraph: Option<String> = None;
    let mut in_text = false;
    let mut skip_depth = 0_usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| format!("a slide is not valid XML: {error}"))?;
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                if skip_depth > 0 || local.as_ref() == "Fallback" {
                    skip_depth += 1;
                    continue;
                }
                match local.as_ref() {
                    "sp" | "graphicFrame" => shapes.push(Shape {
                        lines: Vec::new(),
                        placeholder: None,
                    }),
                    "p" => paragraph = Some(String::new()),
                    "t" => in_text = true,
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skip_depth > 0 {
                    continue;
                }
                match e.local_name().as_ref() {
                    "ph" => {
                        if let Some(shape) = shapes.last_mut() {
                            shape.placeholder = Some(
                                attribute_local(&e, "type", false)
                                    .unwrap_or_else(|| "body".to_owned()),
                            );
                        }
                    }
                    "br" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.push('\n');
                        }
                    }
                    "tab" => {
                        if let Some(p) = paragraph.as_mut() {
                            p.push(' ');
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    "t" => in_text = false,
                    "p" => {
                        if let Some(text) = paragraph.take() {
                            let text = text.trim().to_owned();
                            if !text.is_empty() {
                                match shapes.last_mut() {
                                    Some(shape) => shape.lines.push(text),
                                    None => out.lines.push(text),
                                }
                            }
                        }
                    }
                    "sp" | "graphicFrame" => {
                        if let Some(shape) = shapes.pop() {
                            let kind = shape.placeholder.as_deref().unwrap_or("");
                            if SKIPPED_PLACEHOLDERS.contains(&kind) {
                                continue;
                            }
                            if matches!(kind, "title" | "ctrTitle") && out.title.is_none() {
                                let title = shape.lines.join(" ");
                                if !title.is_empty() {
                                    out.title = Some(title);
                                }
                            }
                            match shapes.last_mut() {
                                Some(parent) => parent.lines.extend(shape.lines),
                                None => out.lines.extend(shape.lines),
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(e) if in_text && skip_depth == 0 => {
                if let Some(p) = paragraph.as_mut() {
                    p.push_str(&e.xml10_content());
                }
            }
            Event::GeneralRef(e) if in_text && skip_depth == 0 => {
                if let (Some(p), Some(c)) = (paragraph.as_mut(), reference_text(&e)) {
                    p.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_against_their_part() {
        assert_eq!(
            resolve("ppt/slides", "../notesSlides/n1.xml"),
            "ppt/notesSlides/n1.xml"
        );
        assert_eq!(resolve("ppt", "slides/slide1.xml"), "ppt/slides/slide1.xml");
        assert_eq!(
            resolve("ppt", "/ppt/slides/slide2.xml"),
            "ppt/slides/slide2.xml"
        );
        assert_eq!(resolve("", "../../x.xml"), "x.xml");
    }

    #[test]
    fn heading_style_names() {
        assert!(is_heading_name("heading 1"));
        assert!(is_heading_name("title"));
        assert!(!is_heading_name("heading"));
        assert!(!is_heading_name("heading 12"));
        assert!(is_heading_id("Heading3"));
        assert!(!is_heading_id("TextBody"));
    }

    #[test]
    fn docx_body_sections_tables_and_fallbacks() {
        let xml = r#"<w:document xmlns:w="w" xmlns:mc="mc"><w:body>
            <w:p><w:r><w:t>Before any heading.</w:t></w:r></w:p>
            <w:p><w:pPr><w:pStyle w:val="Berschrift1"/></w:pPr><w:r><w:t>Zellen &amp; Gewebe</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">A </w:t></w:r><w:r><w:t>cell.</w:t></w:r><w:r><w:tab/><w:t>Tabbed</w:t></w:r></w:p>
            <w:p><w:r><mc:AlternateContent><mc:Choice><w:t>box text</w:t></mc:Choice><mc:Fallback><w:t>box text</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Stage</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Place</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Second</w:t></w:r></w:p>
            <w:p><w:r><w:delText>gone</w:delText><w:t>kept</w:t></w:r></w:p>
        </w:body></w:document>"#;
        let mut styles = HashMap::new();
        styles.insert("Berschrift1".to_owned(), true);
        let sections = read_docx_body(xml, &styles).unwrap();
        let headings: Vec<_> = sections.iter().map(|s| s.heading.as_deref()).collect();
        assert_eq!(
            headings,
            vec![None, Some("Zellen & Gewebe"), Some("Second")]
        );
        assert_eq!(sections[0].body, "Before any heading.");
        assert_eq!(sections[1].body, "A cell. Tabbed\nbox text\nStage | Place");
        assert_eq!(sections[2].body, "kept");
    }

    #[test]
    fn slide_shapes_skip_numbers_and_keep_the_title() {
        let xml = r#"<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree>
            <p:sp><p:nvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>Forces</a:t></a:r></a:p></p:txBody></p:sp>
            <p:sp><p:nvSpPr><p:nvPr><p:ph idx="1"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>F = m</a:t></a:r><a:r><a:t> a</a:t></a:r></a:p><a:p/></p:txBody></p:sp>
            <p:sp><p:nvSpPr><p:nvPr><p:ph type="sldNum"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>7</a:t></a:r></a:p></p:txBody></p:sp>
        </p:spTree></p:cSld></p:sld>"#;
        let shapes = read_shapes(xml).unwrap();
        assert_eq!(shapes.title.as_deref(), Some("Forces"));
        assert_eq!(
            shapes.lines,
            vec!["Forces".to_owned(), "F = m a".to_owned()]
        );
    }
}
