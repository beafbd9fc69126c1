//! YouTube's caption tracks (`/api/timedtext`) read into timed segments.
//!
//! Two formats are read:
//!
//! - the classic one, `<transcript><text start="1.2" dur="2.5">…</text>…</transcript>`, times
//!   in seconds. Its texts are HTML escaped once more inside the XML (`It&amp;#39;s`, and
//!   styling tags as `&lt;font color=&quot;#E5E5E5&quot;&gt;`): after the XML is read, tags
//!   are stripped and HTML character references decoded;
//! - srv3, `<timedtext format="3"><body><p t="1200" d="2500">…<s>word</s>…</p></body>`, times
//!   in milliseconds, words in `<s>` elements; its texts are escaped once, as XML.
//!
//! In both, white space is collapsed and segments left without text are skipped.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use sophie_domain::ports::TranscriptSegment;

/// The longest entity name looked for after a `&` when decoding HTML.
const MAX_ENTITY_CHARS: usize = 32;

/// The formats a caption track comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `<transcript><text start dur>`, seconds, texts escaped twice.
    Classic,
    /// `<timedtext format="3"><body><p t d>`, milliseconds, texts escaped once.
    Srv3,
}

impl Format {
    /// The element that holds one segment.
    const fn segment_element(self) -> &'static str {
        match self {
            Self::Classic => "text",
            Self::Srv3 => "p",
        }
    }
}

/// The timed, non-empty segments of a caption track, in document order.
///
/// # Errors
///
/// A description of the problem when `xml` is not well-formed XML or its root element is
/// neither `<transcript>` nor `<timedtext>`.
pub(super) fn parse(xml: &str) -> Result<Vec<TranscriptSegment>, String> {
    let mut reader = Reader::from_str(xml);
    let mut format: Option<Format> = None;
    let mut segments = Vec::new();
    // The segment being read: its start and length in seconds and its raw text.
    let mut current: Option<(f64, f64, String)> = None;
    // How deep inside the segment's element the reader is (tags within a segment).
    let mut depth = 0_usize;
    // Elements open in the whole document: a track cut short leaves some open.
    let mut open = 0_usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        match &event {
            Event::Start(_) => open += 1,
            Event::End(_) => open = open.saturating_sub(1),
            _ => {}
        }
        match event {
            Event::Start(e) | Event::Empty(e) if format.is_none() => {
                format = Some(match e.local_name().as_ref() {
                    "transcript" => Format::Classic,
                    "timedtext" => Format::Srv3,
                    other => {
                        return Err(format!(
                            "the root element is <{}>, not <transcript> or <timedtext>",
                            other
                        ));
                    }
                });
            }
            Event::Start(e) => {
                if let Some((_, _, text)) = current.as_mut() {
                    depth += 1;
                    separate_words(&e, text);
                } else if let Some(format) = format
                    && e.local_name().as_ref() == format.segment_element()
                {
                    current =
                        timing(&e, format).map(|(start, length)| (start, length, String::new()));
                    depth = 0;
                }
            }
            Event::Empty(e) => {
                if let Some((_, _, text)) = current.as_mut() {
                    separate_words(&e, text);
                }
            }
            Event::End(_) if current.is_some() => {
                if depth > 0 {
                    depth -= 1;
                } else if let (Some((start, length, raw)), Some(format)) = (current.take(), format)
                {
                    let text = match format {
                        Format::Classic => decode_html(&strip_tags(&raw)),
                        Format::Srv3 => raw,
                    };
                    let text = collapse_white_space(&text);
                    if !text.is_empty() {
                        segments.push(TranscriptSegment {
                            start_seconds: start,
                            end_seconds: start + length,
                            text,
                        });
                    }
                }
            }
            Event::Text(e) => {
                if let Some((_, _, text)) = current.as_mut() {
                    text.push_str(&e.xml10_content());
                }
            }
            Event::CData(e) => {
                if let Some((_, _, text)) = current.as_mut() {
                    text.push_str(&e.xml10_content());
                }
            }
            Event::GeneralRef(e) => {
                if let Some((_, _, text)) = current.as_mut() {
                    push_reference(&e, text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if format.is_none() {
        return Err("there is no root element".to_owned());
    }
    if open > 0 {
        return Err("the document is cut short".to_owned());
    }
    Ok(segments)
}

/// A line break (`<br/>`) or a paragraph inside a segment separates words.
fn separate_words(element: &BytesStart<'_>, text: &mut String) {
    if matches!(element.local_name().as_ref(), "br" | "p") {
        text.push(' ');
    }
}

/// The start and length in seconds of a segment element, or `None` when its start is missing
/// or not a finite number of at least 0. A missing or invalid length counts as 0.
fn timing(element: &BytesStart<'_>, format: Format) -> Option<(f64, f64)> {
    let (start, length, scale) = match format {
        Format::Classic => ("start", "dur", 1.0),
        Format::Srv3 => ("t", "d", 1000.0),
    };
    let seconds = |name: &str| {
        attribute(element, name)
            .and_then(|value| value.trim().parse::<f64>().ok())
            .filter(|value| value.is_finite() && *value >= 0.0)
            .map(|value| value / scale)
    };
    Some((seconds(start)?, seconds(length).unwrap_or(0.0)))
}

/// The value of attribute `name`, references resolved.
fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Appends what an XML reference stands for; an unknown entity is kept as it was written.
fn push_reference(reference: &BytesRef<'_>, text: &mut String) {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        text.push(c);
        return;
    }
    let name = reference.xml10_content();
    match resolve_xml_entity(&name) {
        Some(value) => text.push_str(value),
        None => {
            text.push('&');
            text.push_str(&name);
            text.push(';');
        }
    }
}

/// `text` without HTML tags: a `<` followed by a letter, `/` or `!` up to the next `>`. A `<`
/// that starts no tag (`a < b`) is kept.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(end) if starts_tag => {
                // A line break separates words; styling (`<font>`, `<i>`) does not.
                let name: String = after[..end]
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                if name.eq_ignore_ascii_case("br") || name.eq_ignore_ascii_case("p") {
                    out.push(' ');
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` with HTML character references decoded: numeric ones (`&#39;`, `&#x27;`) and the
/// named ones captions use. Anything else after a `&` is kept as it is.
fn decode_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after
            .char_indices()
            .take(MAX_ENTITY_CHARS + 1)
            .find(|(_, c)| *c == ';')
            .and_then(|(end, _)| html_reference(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((value, end)) => {
                out.push_str(value.as_ref());
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What the HTML reference `&name;` stands for, if it is one this reader knows.
fn html_reference(name: &str) -> Option<std::borrow::Cow<'static, str>> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code)
            .filter(|c| *c != '\0')
            .map(|c| c.to_string().into());
    }
    let value = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "hellip" => "\u{2026}",
        "ndash" => "\u{2013}",
        "mdash" => "\u{2014}",
        "lsquo" => "\u{2018}",
        "rsquo" => "\u{2019}",
        "ldquo" => "\u{201c}",
        "rdquo" => "\u{201d}",
        "laquo" => "\u{ab}",
        "raquo" => "\u{bb}",
        "shy" => "",
        _ => return None,
    };
    Some(value.into())
}

/// `text` with every run of white space (line breaks and no-break spaces included) made one
/// space, and none at either end.
fn collapse_white_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn texts(xml: &str) -> Vec<String> {
        parse(xml).unwrap().into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn classic_tracks_are_decoded_twice_and_stripped_of_tags() {
        let xml = r##"<?xml version="1.0" encoding="utf-8" ?><transcript>
            <text start="0" dur="1.5">It&amp;#39;s &lt;font color=&quot;#E5E5E5&quot;&gt;here&lt;/font&gt;</text>
            <text start="1.5" dur="2">Tom &amp;amp; Jerry&amp;#x21;
              say &amp;quot;hi&amp;quot;</text>
            <text start="3.5" dur="1"> </text>
            <text start="4.5">a &amp;lt; b &amp; c &amp;unknown; d</text>
        </transcript>"##;
        let segments = parse(xml).unwrap();
        let texts: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "It's here",
                "Tom & Jerry! say \"hi\"",
                "a < b & c &unknown; d"
            ]
        );
        assert_eq!(segments[1].start_seconds, 1.5);
        assert_eq!(segments[1].end_seconds, 3.5);
        assert_eq!(segments[2].end_seconds, 4.5, "no dur: a length of 0");
    }

    #[test]
    fn srv3_tracks_are_read_in_milliseconds_with_their_words() {
        let xml = r##"<?xml version="1.0" encoding="utf-8" ?><timedtext format="3">
            <head><pen id="1" fc="#FEFEFE"/></head>
            <body>
              <p t="1200" d="2500" w="1"><s ac="0">Hello</s><s t="480" ac="0"> there</s></p>
              <p t="3700" d="10" a="1">
</p>
              <p t="4000" d="2000">It&#39;s<br/>srv3</p>
            </body></timedtext>"##;
        let segments = parse(xml).unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].text, "Hello there");
        assert_eq!(segments[0].start_seconds, 1.2);
        assert_eq!(segments[0].end_seconds, 3.7);
        assert_eq!(segments[1].text, "It's srv3");
    }

    #[test]
    fn segments_without_a_valid_start_are_skipped() {
        let xml = r#"<transcript><text dur="1">no start</text><text start="-1">negative</text><text start="x">bad</text><text start="2">kept</text></transcript>"#;
        assert_eq!(texts(xml), ["kept"]);
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(parse("<html><body>no</body></html>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<transcript><text start=\"1\">open").is_err());
        assert!(parse("not xml at all").is_err());
        assert!(parse("<transcript></transcript>").unwrap().is_empty());
    }

    #[test]
    fn stray_ampersands_and_angle_brackets_are_kept() {
        assert_eq!(decode_html("a & b &#bad; &#0; &;"), "a & b &#bad; &#0; &;");
        assert_eq!(strip_tags("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(strip_tags("<i>x</i>y<br>z<BR/>w"), "xy z w");
        assert_eq!(
            strip_tags("is <font color=\"#E5E5E5\">it</font>."),
            "is it."
        );
        assert_eq!(strip_tags("x <b"), "x <b");
    }
}
