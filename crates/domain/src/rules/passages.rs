//! Cutting a note's or a document chunk's text into passages for generation: sections under
//! their headings, and pieces of bounded size. Every piece is a slice of the text given, so a
//! quote found in a piece stands verbatim in the note or chunk.

/// The most words of a line read as a heading when it has no Markdown `#`.
const HEADING_WORDS: usize = 8;

/// The text cut at its headings: each section's heading (`None` before the first) and its
/// text after the heading line, trimmed. A heading is a Markdown heading (`# ...` to
/// `###### ...`) or, in text extracted from a file, a short line (1 to 8 words) without
/// closing punctuation, starting with a capital or a digit, and followed by more text.
#[must_use]
pub fn sections(text: &str) -> Vec<(Option<String>, &str)> {
    let mut out: Vec<(Option<String>, &str)> = Vec::new();
    let mut heading: Option<String> = None;
    let mut start = 0;
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        let line_start = offset;
        offset += line.len();
        let has_more = lines[index + 1..].iter().any(|l| !l.trim().is_empty());
        let Some(title) = heading_of(line, has_more) else {
            continue;
        };
        push(&mut out, heading.take(), &text[start..line_start]);
        heading = Some(title);
        start = offset;
    }
    push(&mut out, heading, &text[start..]);
    out
}

fn push<'a>(out: &mut Vec<(Option<String>, &'a str)>, heading: Option<String>, text: &'a str) {
    let text = text.trim();
    if !text.is_empty() {
        out.push((heading, text));
    }
}

/// The heading a line is, if it is one.
fn heading_of(line: &str, has_more: bool) -> Option<String> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix('#') {
        let rest = rest.trim_start_matches('#');
        let hashes = line.len() - rest.len();
        // `#hashtag` is not a heading: Markdown wants a space after the hashes.
        if hashes <= 6 && rest.starts_with(' ') && !rest.trim().is_empty() {
            return Some(rest.trim().to_owned());
        }
        return None;
    }
    let words = line.split_whitespace().count();
    let first = line.chars().next()?;
    let last = line.chars().last()?;
    let plain = has_more
        && (1..=HEADING_WORDS).contains(&words)
        && (first.is_uppercase() || first.is_ascii_digit())
        && !matches!(
            last,
            '.' | '!' | '?' | ':' | ';' | ',' | '-' | '\u{2013}' | '\u{2014}'
        )
        && !line.starts_with(['-', '*', '+', '|', '>']);
    plain.then(|| line.to_owned())
}

/// `text` cut into pieces of at most `max_bytes` bytes: at blank lines where it can, then at
/// sentence ends, then at white space, then anywhere between two characters. Pieces are
/// trimmed and never empty.
#[must_use]
pub fn pieces(text: &str, max_bytes: usize) -> Vec<&str> {
    let max_bytes = max_bytes.max(4);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if rest.len() <= max_bytes {
            out.push(rest);
            break;
        }
        let window = floor_boundary(rest, max_bytes);
        let head = &rest[..window];
        let cut = last_break(head, "\n\n")
            .or_else(|| last_sentence_end(head))
            .or_else(|| head.rfind(char::is_whitespace).filter(|at| *at > 0))
            .unwrap_or(window);
        let cut = if cut == 0 { window.max(1) } else { cut };
        let cut = floor_boundary(rest, cut).max(rest.chars().next().map_or(1, char::len_utf8));
        let piece = rest[..cut].trim();
        if !piece.is_empty() {
            out.push(piece);
        }
        rest = rest[cut..].trim_start();
    }
    out
}

/// The largest char boundary of `text` at or below `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The end of the last `separator` in `text`, if it is past the first quarter.
fn last_break(text: &str, separator: &str) -> Option<usize> {
    text.rfind(separator)
        .map(|at| at + separator.len())
        .filter(|at| *at > text.len() / 4)
}

/// Just after the last `.`, `!` or `?` followed by white space, if past the first quarter.
fn last_sentence_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (1..bytes.len())
        .rev()
        .find(|&at| matches!(bytes[at - 1], b'.' | b'!' | b'?') && bytes[at].is_ascii_whitespace())
        .filter(|at| *at > text.len() / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_of_extracted_pages_and_markdown_start_sections() {
        let page = "Energy\nMitochondria are the powerhouse of the cell.\nThey have two membranes.";
        assert_eq!(
            sections(page),
            [(
                Some("Energy".to_owned()),
                "Mitochondria are the powerhouse of the cell.\nThey have two membranes."
            )]
        );
        let note = "Intro text.\n\n## Light reactions\n\nThey make ATP.\n\n#hashtag stays\n";
        assert_eq!(
            sections(note),
            [
                (None, "Intro text."),
                (
                    Some("Light reactions".to_owned()),
                    "They make ATP.\n\n#hashtag stays"
                )
            ]
        );
        assert_eq!(
            sections("A sentence that ends.\nLast line without a stop"),
            [(None, "A sentence that ends.\nLast line without a stop")],
            "a last line is text, not a heading"
        );
        assert!(sections("  \n").is_empty());
    }

    #[test]
    fn sections_are_slices_of_the_text() {
        let text =
            "Cells\r\nA cell is the unit of life.\r\n\r\nOrganelles\r\nRibosomes make proteins.";
        for (_, section) in sections(text) {
            assert!(text.contains(section));
        }
        assert_eq!(sections(text).len(), 2);
    }

    #[test]
    fn long_text_is_cut_at_paragraphs_then_sentences_then_spaces() {
        let text = "One two three. Four five six.\n\nSeven eight nine. Ten eleven twelve.";
        assert_eq!(
            pieces(text, 40),
            [
                "One two three. Four five six.",
                "Seven eight nine. Ten eleven twelve."
            ]
        );
        assert_eq!(
            pieces("One two three. Four five six. Seven.", 20),
            ["One two three.", "Four five six.", "Seven."]
        );
        let unbroken = "é".repeat(50);
        let cut = pieces(&unbroken, 15);
        assert!(
            cut.iter()
                .all(|piece| piece.len() <= 15 && !piece.is_empty())
        );
        assert_eq!(
            cut.concat(),
            unbroken,
            "cut between characters, nothing lost"
        );
        assert!(pieces("   ", 10).is_empty());
    }
}
